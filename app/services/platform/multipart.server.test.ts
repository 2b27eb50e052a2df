import { describe, expect, it } from "vitest";
import { MAX_FORM_BYTES, MAX_MULTIPART_HEADER_BYTES, MAX_MULTIPART_PARTS } from "#app/domain/limits";
import { parseDisposition, parsePartHeaders } from "./multipart-parser.server";
import { fileValues, memoryFile, readBodyLimited, readMultipart, readUrlencoded, type MultipartSpec } from "./multipart.server";

const B = "----th-test-boundary";
const field = (name: string, value: string) => `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const file = (name: string, filename: string, body: string) => `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/pdf\r\n\r\n${body}\r\n`;
const end = `--${B}--\r\n`;
const multipart = (body: string, headers: Record<string, string> = {}) =>
  new Request("http://localhost/x", { method: "POST", headers: { "content-type": `multipart/form-data; boundary=${B}`, ...headers }, body });

const TOKEN = "good-token";
function csrf(verified = false) {
  return {
    verified,
    verify(token: string) {
      if (token !== TOKEN) throw Object.assign(new Error("CSRF"), { code: "CSRF" });
    },
  };
}

function spec(stored: string[]): Omit<MultipartSpec, "request"> {
  return {
    fileFields: ["file"],
    maxFiles: 2,
    maxFileBytes: 1024,
    onFile: async ({ filename, data }) => {
      let body = "";
      for await (const c of data) body += new TextDecoder().decode(c);
      stored.push(`${filename}:${body}`);
      return JSON.stringify({ filename });
    },
  };
}

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { code?: string; error?: { code: string } }) => e.code ?? (e.error ? `file:${e.error.code}` : String(e)),
  );

describe("bounded multipart reading", () => {
  it("reads text fields and files after the _csrf part; file values are known as files", async () => {
    const stored: string[] = [];
    const form = await readMultipart(multipart(field("_csrf", TOKEN) + field("intent", "upload") + file("file", "a.pdf", "%PDF-1") + field("file", '{"forged":true}') + end), spec(stored), csrf());
    expect(stored).toEqual(["a.pdf:%PDF-1"]);
    expect(form.get("intent")).toBe("upload");
    expect(form.getAll("file")).toHaveLength(2);
    // The text field a client sent under the file field's name does not pose as a stored file.
    expect(fileValues(form, "file")).toEqual([JSON.stringify({ filename: "a.pdf" })]);
  });

  it("a file before the token, or with a wrong token, is refused before anything is stored", async () => {
    const stored: string[] = [];
    expect(await codeOf(readMultipart(multipart(file("file", "a.pdf", "%PDF-1") + field("_csrf", TOKEN) + end), spec(stored), csrf()))).toBe("CSRF");
    expect(await codeOf(readMultipart(multipart(field("_csrf", "forged") + file("file", "a.pdf", "%PDF-1") + end), spec(stored), csrf()))).toBe("CSRF");
    expect(stored).toEqual([]);
    // A token already verified from the header lets files through in any order.
    await readMultipart(multipart(file("file", "a.pdf", "%PDF-1") + end), spec(stored), csrf(true));
    expect(stored).toHaveLength(1);
  });

  it("a truncated body or a broken part header is MALFORMED_REQUEST, not a crash", async () => {
    const stored: string[] = [];
    expect(await codeOf(readMultipart(multipart(field("_csrf", TOKEN) + `--${B}\r\nContent-Disposition: form-data; name="x"\r\n\r\nabc`), spec(stored), csrf()))).toBe("MALFORMED_REQUEST");
    expect(await codeOf(readMultipart(multipart(`--${B}\r\nContent-Disposition: form-data\r\n\r\nabc\r\n${end}`), spec(stored), csrf()))).toBe("MALFORMED_REQUEST");
    expect(await codeOf(readMultipart(multipart(field("a", "1") + end, { "content-type": "multipart/form-data" }), spec(stored), csrf()))).toBe("MALFORMED_REQUEST");
  });

  it("bounds: parts, files, file size, header bytes, declared length, field names and values", async () => {
    const stored: string[] = [];
    const many = Array.from({ length: MAX_MULTIPART_PARTS + 1 }, (_, i) => field(`f${i}`, "x")).join("");
    expect(await codeOf(readMultipart(multipart(many + end), spec(stored), csrf(true)))).toBe("TOO_MANY_ITEMS");
    const three = file("file", "a.pdf", "1") + file("file", "b.pdf", "2") + file("file", "c.pdf", "3");
    expect(await codeOf(readMultipart(multipart(three + end), spec(stored), csrf(true)))).toBe("TOO_MANY_ITEMS");
    // The files before the one too many were taken (a verified request; the sweep removes them).
    expect(stored.splice(0)).toEqual(["a.pdf:1", "b.pdf:2"]);
    const endless = `--${B}\r\nContent-Disposition: form-data; name="a"\r\nX-Pad: ${"p".repeat(MAX_MULTIPART_HEADER_BYTES + 1024)}`;
    expect(await codeOf(readMultipart(multipart(endless), spec(stored), csrf(true)))).toBe("MALFORMED_REQUEST");
    expect(await codeOf(readMultipart(multipart(field("a", "1") + end, { "content-length": String(10 * 1024 ** 3) }), spec(stored), csrf(true)))).toBe("PAYLOAD_TOO_LARGE");
    expect(await codeOf(readMultipart(multipart(field("sections[100000].code", "x") + end), spec(stored), csrf(true)))).toBe("TOO_MANY_ITEMS");
    expect(await codeOf(readMultipart(multipart(field("title", "a\u0000b") + end), spec(stored), csrf(true)))).toBe("CONTROL_CHARACTER");
    expect(await codeOf(readMultipart(multipart(file("other", "a.pdf", "1") + end), spec(stored), csrf(true)))).toBe("MALFORMED_REQUEST");
    // A text-only form (no file spec) takes no files.
    expect(await codeOf(readMultipart(multipart(file("file", "a.pdf", "1") + end), null, csrf(true)))).toBe("MALFORMED_REQUEST");
    expect(stored).toEqual([]);
  });

  it("file names with ; = and other characters inside the quotes are read exactly (the part header is tokenized)", async () => {
    const stored: string[] = [];
    const name = "报价;清单=v1 (终稿)'s.pdf";
    await readMultipart(multipart(field("_csrf", TOKEN) + file("file", name, "%PDF-1") + end), spec(stored), csrf());
    expect(stored).toEqual([`${name}:%PDF-1`]);
    expect(parsePartHeaders(`Content-Disposition: form-data; name="file"; filename="C:\\docs\\a.pdf"`).filename).toBe("a.pdf");
    expect(parsePartHeaders(`Content-Disposition: form-data; name="file"; filename*=UTF-8''%E6%8A%A5%E4%BB%B7.pdf; filename="x.pdf"`).filename).toBe("报价.pdf");
    expect(parsePartHeaders(`content-disposition: form-data; name=plain`)).toEqual({ name: "plain", filename: null, contentType: "text/plain" });
    for (const bad of [`Content-Disposition: attachment; name="a"`, `Content-Disposition: form-data; filename="a"`, `Content-Disposition: form-data; name="a`, `Content-Type: text/plain`, `no colon`]) {
      expect(() => parsePartHeaders(bad), bad).toThrow();
    }
    expect(parseDisposition(`form-data; name="a;b=c"; x=1;`)?.params).toEqual(new Map([["name", "a;b=c"], ["x", "1"]]));
  });

  it("memoryFile refuses more than its bound", async () => {
    const s = { fileFields: ["file"], maxFiles: 1, maxFileBytes: 4, onFile: memoryFile(4) };
    const form = await readMultipart(multipart(file("file", "a.csv", "abcd") + end), s, csrf(true));
    expect(await (form.get("file") as File).text()).toBe("abcd");
    // A refused file is the form's content (FileRefused), for the route to show next to the form.
    expect(await codeOf(readMultipart(multipart(file("file", "a.csv", "abcde") + end), s, csrf(true)))).toBe("file:VALIDATION");
  });
});

describe("bounded urlencoded reading", () => {
  const post = (body: string, type = "application/x-www-form-urlencoded", headers: Record<string, string> = {}) =>
    new Request("http://localhost/x", { method: "POST", headers: { "content-type": type, ...headers }, body });

  it("reads a form, refuses a body over MAX_FORM_BYTES while reading, and a foreign charset", async () => {
    expect((await readUrlencoded(post("a=1&b=%E5%A4%A7"))).get("b")).toBe("大");
    expect(await codeOf(readUrlencoded(post(`a=${"x".repeat(MAX_FORM_BYTES)}`)))).toBe("PAYLOAD_TOO_LARGE");
    expect(await codeOf(readUrlencoded(post("a=1", "application/x-www-form-urlencoded; charset=iso-8859-1")))).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect((await readUrlencoded(post("a=1", "application/x-www-form-urlencoded;charset=UTF-8"))).get("a")).toBe("1");
  });

  it("a declared Content-Length above the bound is refused before reading", async () => {
    expect(await codeOf(readBodyLimited(post("a=1", undefined, { "content-length": String(MAX_FORM_BYTES + 1) }), MAX_FORM_BYTES))).toBe("PAYLOAD_TOO_LARGE");
  });
});
