import { describe, expect, it } from "vitest";
import { asciiFallback, contentDisposition, encodeExtValue } from "./content-disposition";

/** Parses the header as a strict RFC 6266 reader would: `filename*` wins, percent-decoded as UTF-8. */
function parse(header: string): { type: string; filename: string | null; ext: string | null } {
  const [type, ...rest] = header.split(";").map((s) => s.trim());
  let filename: string | null = null;
  let ext: string | null = null;
  for (const p of rest) {
    const i = p.indexOf("=");
    const k = p.slice(0, i);
    const v = p.slice(i + 1);
    if (k === "filename") filename = v.replace(/^"|"$/g, "");
    if (k === "filename*") ext = decodeURIComponent(v.replace(/^UTF-8''/, ""));
  }
  return { type: type!, filename, ext };
}

describe("Content-Disposition for user-chosen file names", () => {
  it("names with ; = quotes and % survive exactly in filename*, and cannot break the header", () => {
    for (const name of ["a;b=c.pdf", 'x"; filename="evil.exe', "100%.pdf", "it's (final) *.pdf", "a\\b.pdf", "招标文件；第一册=正本.pdf", "a,b.pdf"]) {
      const h = contentDisposition(name);
      // Splitting on ";" (what a lenient reader does) yields exactly the three parameters.
      expect(h.split(";").length, h).toBe(3);
      expect(parse(h)).toEqual({ type: "attachment", filename: expect.any(String), ext: name });
      expect(parse(h).filename).not.toMatch(/["\\;=,%]/);
    }
  });

  it("the ASCII fallback keeps what is safe, or uses the given/fallback name", () => {
    expect(parse(contentDisposition("report-2026.pdf")).filename).toBe("report-2026.pdf");
    expect(parse(contentDisposition("招标文件.pdf")).filename).toBe("____.pdf");
    expect(parse(contentDisposition("流标公告.pdf", { ascii: "failure-notice.pdf" })).filename).toBe("failure-notice.pdf");
    expect(parse(contentDisposition("招标", { fallback: "document.pdf" })).filename).toBe("document.pdf");
    expect(asciiFallback("；；")).toBe("");
  });

  it("RFC 8187 encoding: only attr-chars stay, no CR/LF, lone surrogates do not throw", () => {
    expect(encodeExtValue("a'b(c)*d!e~f")).toBe("a%27b%28c%29%2Ad!e~f");
    expect(encodeExtValue("中")).toBe("%E4%B8%AD");
    const h = contentDisposition("a\r\nSet-Cookie: x=1\ud800.pdf");
    expect(h).not.toMatch(/[\r\n]/);
    expect(parse(h).ext).toBe("a\r\nSet-Cookie: x=1\ufffd.pdf");
    expect(contentDisposition("x.pdf", { type: "inline" }).startsWith("inline;")).toBe(true);
  });
});
