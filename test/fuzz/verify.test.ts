import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookieHeader, FUZZ_SEED, FuzzServer, leaksIn, runs, send, visitor, type Answer, type Client } from "./helpers";

/**
 * Target 3: the public verification page (/verify and /verify.json, ADR 026) with hostile uploads — random bytes,
 * bytes that start like a PDF, a ZIP or a receipt and then are not one, a real issued PDF with random bytes flipped
 * or cut off, wrong content types, multipart bodies that lie, and a body above the 25 MB bound. Every answer is below
 * 500 without a stack trace or path, and a changed issued PDF is never reported valid.
 */
let server: FuzzServer;
let anon: Client;
let issued: Buffer;

const MB = 1024 * 1024;

function multipart(c: Client, file: { name: string; type: string; bytes: Buffer } | null, receipt?: string): { body: Buffer; headers: Record<string, string> } {
  const boundary = "----verifyfuzz7d1f";
  const parts: Buffer[] = [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${c.csrf}\r\n`)];
  if (receipt !== undefined) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="receipt"\r\n\r\n${receipt}\r\n`));
  if (file) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.bytes, Buffer.from("\r\n"));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), headers: { "content-type": `multipart/form-data; boundary=${boundary}`, cookie: cookieHeader(c), accept: "text/html" } };
}

function ok(res: Answer, what: string) {
  expect(res.status, `${what}: ${res.error ?? ""} ${res.text.slice(0, 300)}`).toBeGreaterThan(0);
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
  expect(leaksIn(res.text), what).toEqual([]);
}

const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)),
  fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.from(b)])),
  fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(b)])),
  fc.tuple(fc.base64String({ minLength: 8, maxLength: 400 }), fc.base64String({ minLength: 8, maxLength: 400 }), fc.base64String({ minLength: 8, maxLength: 400 })).map(([a, b, c]) => Buffer.from(`${a}.${b}.${c}`.replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, ""))),
);
const typeArb = fc.constantFrom("application/pdf", "application/zip", "application/octet-stream", "text/plain", "application/jose", "image/png", "", "multipart/form-data", "application/x-www-form-urlencoded");

describe("fuzz: /verify with hostile uploads", () => {
  beforeAll(async () => {
    server = await FuzzServer.start("verify");
    anon = await visitor(server);
    const [doc] = await server.sql`select d.id, s.project_id from result_documents d join sections s on s.id = d.section_id where d.public limit 1`;
    const res = await send(server, { method: "GET", path: `/tenders/${doc!.project_id}/results/${doc!.id}.pdf` });
    expect(res.status).toBe(200);
    issued = res.body;
  }, 400_000);

  afterAll(async () => {
    await server?.close();
  });

  it("random and almost-valid bytes, as a file (page) and as the body (JSON), in any content type: below 500, no internals", async () => {
    await fc.assert(
      fc.asyncProperty(bytesArb, typeArb, fc.boolean(), async (bytes, type, asFile) => {
        const page = multipart(anon, asFile ? { name: "x.pdf", type: type || "application/octet-stream", bytes } : null, asFile ? undefined : bytes.toString("latin1").replace(/\0/g, ""));
        ok(await send(server, { method: "POST", path: "/verify?index", headers: page.headers, body: page.body }), "POST /verify");
        const res = await send(server, { method: "POST", path: "/verify.json", headers: type ? { "content-type": type } : {}, body: bytes });
        ok(res, "POST /verify.json");
        expect(res.status).toBe(200);
        const v = JSON.parse(res.text) as { type: string; status?: string };
        expect(v.status).not.toBe("valid");
      }),
      { numRuns: runs(60), seed: FUZZ_SEED },
    );
  });

  it("an issued PDF with bytes flipped or cut: below 500, never valid", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(issued.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.option(fc.nat(issued.length - 1)), async (flips, cut) => {
        const b = Buffer.from(issued);
        for (const [at, x] of flips) b[at] = b[at]! ^ x;
        const input = cut === null ? b : issued.subarray(0, cut);
        const res = await send(server, { method: "POST", path: "/verify.json", headers: { "content-type": "application/pdf" }, body: input });
        ok(res, "POST /verify.json (changed PDF)");
        const v = JSON.parse(res.text) as { type: string; status: string };
        expect(v.status).not.toBe("valid");
      }),
      { numRuns: runs(40), seed: FUZZ_SEED },
    );
    // The unchanged file is valid (the property above is not vacuous).
    const res = await send(server, { method: "POST", path: "/verify.json", headers: { "content-type": "application/pdf" }, body: issued });
    expect(JSON.parse(res.text)).toMatchObject({ type: "pdf", status: "valid" });
  });

  it("bounds: a body above 25 MB is 413 (declared or not), a wrong token 403, a lying multipart 4xx, a GET of /verify.json 405", async () => {
    const huge = Buffer.alloc(25 * MB + 10, 0x25);
    ok(await send(server, { method: "POST", path: "/verify.json", headers: { "content-type": "application/pdf" }, body: huge, timeoutMs: 60_000 }), "huge JSON");
    expect((await send(server, { method: "POST", path: "/verify.json", body: huge, timeoutMs: 60_000 })).status).toBe(413);
    const big = multipart(anon, { name: "big.pdf", type: "application/pdf", bytes: huge });
    const bigRes = await send(server, { method: "POST", path: "/verify?index", headers: big.headers, body: big.body, timeoutMs: 60_000 });
    ok(bigRes, "huge page upload");
    expect(bigRes.status).toBeGreaterThanOrEqual(400);
    const wrong = multipart({ ...anon, csrf: "x".repeat(43) }, { name: "a.pdf", type: "application/pdf", bytes: issued });
    expect((await send(server, { method: "POST", path: "/verify?index", headers: wrong.headers, body: wrong.body })).status).toBe(403);
    const lying = multipart(anon, { name: "a.pdf", type: "application/pdf", bytes: issued });
    ok(await send(server, { method: "POST", path: "/verify?index", headers: { ...lying.headers, "content-length": String(lying.body.length + 1000) }, body: lying.body, timeoutMs: 15_000 }), "lying length");
    ok(await send(server, { method: "POST", path: "/verify?index", headers: lying.headers, body: lying.body.subarray(0, lying.body.length - 40) }), "cut multipart");
    expect((await send(server, { method: "GET", path: "/verify.json" })).status).toBe(405);
    // Nothing of the above needs the page to be anything but itself afterwards.
    const page = multipart(anon, { name: "a.pdf", type: "application/pdf", bytes: issued });
    const again = await send(server, { method: "POST", path: "/verify?index", headers: page.headers, body: page.body });
    expect(again.status).toBe(200);
    expect(again.text).toContain("有效");
  });
});
