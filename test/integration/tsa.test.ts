// The platform's time-stamping authority and PAdES B-T signing against a real database (docs/decisions/016):
// POST /tsa's handler (RFC 3161 §3.4: content type, bounded body, rejections instead of errors), OpenSSL as the client,
// the embedded TSA in-process (database clock, unique serials), TSA_URL over real HTTP, signOfficial's PDF, and the
// certificates /pki publishes.
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { pemToDer } from "#crypto/certs";
import { verifyCmsSignature } from "#crypto/pdf/cms";
import { byteRangeBytes, readSignatures } from "#crypto/pdf/incremental";
import { readTimeStampResponse, sha256, TENDERHALL_TSA_POLICY, timeStampRequest, verifyTimeStampToken } from "#crypto/tsa/tsa";
import { dbNow } from "#app/services/platform/command.server";
import { signOfficial } from "#app/services/platform/official-pdf.server";
import { publishedCertificates } from "#app/services/platform/pki.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import { answerTimeStampHttp, signatureTimeStamp, TSA_LIMITS } from "#app/services/platform/tsa.server";
import { forEachDriver } from "../helpers/db";
import { checkSignedPdf } from "../helpers/pdfsig";

const dir = mkdtempSync(path.join(tmpdir(), "th-tsa-int-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data?: Uint8Array | string) => {
  const f = path.join(dir, `${Math.random().toString(36).slice(2)}-${name}`);
  if (data !== undefined) writeFileSync(f, data);
  return f;
};
const post = (body: Uint8Array | string, type = "application/timestamp-query", method = "POST") =>
  new Request("http://localhost/tsa", { method, headers: { "Content-Type": type }, ...(method === "POST" ? { body: typeof body === "string" ? body : body.slice().buffer } : {}) });

forEachDriver("time-stamping authority", (env) => {
  it("POST /tsa answers OpenSSL's request with a reply `openssl ts -verify` accepts, at the database clock", async () => {
    const { app } = env();
    const data = file("data.bin", "the bytes to time-stamp");
    const req = file("req.tsq");
    expect(spawnSync("openssl", ["ts", "-query", "-data", data, "-sha256", "-cert", "-out", req]).status).toBe(0);
    const before = await dbNow(app.db);
    const res = await answerTimeStampHttp(app, post(new Uint8Array(readFileSync(req))));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/timestamp-reply");
    const reply = new Uint8Array(await res.arrayBuffer());
    const read = readTimeStampResponse(reply);
    expect(read.granted).toBe(true);
    const ca = file("ca.pem", documentSigner(app.config).caCertPem);
    const v = spawnSync("openssl", ["ts", "-verify", "-in", file("reply.tsr", reply), "-queryfile", req, "-CAfile", ca], { encoding: "utf8" });
    expect(`${v.stdout}${v.stderr}`).toContain("Verification: OK");
    const check = verifyTimeStampToken(read.token!, { imprint: sha256(new Uint8Array(readFileSync(data))), anchors: [pemToDer(documentSigner(app.config).caCertPem)] });
    expect(check.valid).toBe(true);
    if (check.valid) {
      expect(check.info.policy).toBe(TENDERHALL_TSA_POLICY);
      // genTime is the database clock (whole seconds), taken after `before`.
      expect(check.info.genTime.getTime()).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
      expect(check.info.genTime.getTime()).toBeLessThanOrEqual((await dbNow(app.db)).getTime());
    }
  });

  it("bad requests: a rejection TimeStampResp (badDataFormat, badAlg) or a 4xx — never a 5xx", async () => {
    const { app } = env();
    const garbage = await answerTimeStampHttp(app, post(new TextEncoder().encode("not a request")));
    expect(garbage.status).toBe(200);
    expect(readTimeStampResponse(new Uint8Array(await garbage.arrayBuffer()))).toMatchObject({ status: 2, failures: ["badDataFormat"], token: null });
    const empty = await answerTimeStampHttp(app, post(new Uint8Array(0)));
    expect(readTimeStampResponse(new Uint8Array(await empty.arrayBuffer()))).toMatchObject({ status: 2, failures: ["badDataFormat"] });
    expect((await answerTimeStampHttp(app, post(timeStampRequest({ imprint: new Uint8Array(32) }), "application/octet-stream"))).status).toBe(415);
    expect((await answerTimeStampHttp(app, post(new Uint8Array(TSA_LIMITS.requestBytes + 1)))).status).toBe(413);
    // A streamed body without Content-Length is cut off at the limit too.
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(4096));
      },
    });
    const chunked = new Request("http://localhost/tsa", { method: "POST", headers: { "Content-Type": "application/timestamp-query" }, body: stream, duplex: "half" } as RequestInit);
    expect((await answerTimeStampHttp(app, chunked)).status).toBe(413);
    expect((await answerTimeStampHttp(app, new Request("http://localhost/tsa"))).status).toBe(405);
  });

  it("the embedded TSA in-process: a token over SHA-256(signature), chained to the platform CA, unique serials", async () => {
    const { app } = env();
    const signature = new Uint8Array(384).fill(7);
    const [a, b] = [await signatureTimeStamp(app, signature), await signatureTimeStamp(app, signature)];
    const anchors = [pemToDer(documentSigner(app.config).caCertPem)];
    const ca = verifyTimeStampToken(a, { imprint: sha256(signature), anchors });
    const cb = verifyTimeStampToken(b, { imprint: sha256(signature), anchors });
    expect(ca.valid && cb.valid).toBe(true);
    if (ca.valid && cb.valid) expect(ca.info.serialHex).not.toBe(cb.info.serialHex);
  });

  it("TSA_URL: signing asks the external TSA over HTTP (here: this platform's /tsa handler behind a real HTTP server)", async () => {
    const { app } = env();
    let served = 0;
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        served++;
        void answerTimeStampHttp(app, post(new Uint8Array(Buffer.concat(chunks)), String(req.headers["content-type"]))).then(async (r) => {
          res.writeHead(r.status, { "Content-Type": r.headers.get("content-type") ?? "" });
          res.end(Buffer.from(await r.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
      const external = { ...app, config: { ...app.config, tsaUrl: url } };
      const signature = new Uint8Array(256).fill(3);
      const token = await signatureTimeStamp(external, signature);
      expect(served).toBe(1);
      expect(verifyTimeStampToken(token, { imprint: sha256(signature), anchors: [pemToDer(documentSigner(app.config).caCertPem)] }).valid).toBe(true);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
    // Nothing listening: a clear error, not a hang.
    await expect(signatureTimeStamp({ ...app, config: { ...app.config, tsaUrl: "http://127.0.0.1:9/tsa" } }, new Uint8Array(8))).rejects.toThrow(/time-stamping authority unavailable/);
  });

  it("signOfficial: a PAdES B-T PDF that pdfsig trusts with the platform CA; /pki publishes CA, signer and TSA certificates", async () => {
    const { app } = env();
    const now = await dbNow(app.db);
    const pdf = await signOfficial(app, { title: "测试公告", number: "编号 TEST-001", meta: [["项目名称", "时间戳测试"]], sections: [{ heading: "内容", paragraphs: ["平台签章（PAdES B-T）。"] }], footer: "本文件由平台生成。" }, { now, reason: "测试" });
    const signer = documentSigner(app.config);
    const check = checkSignedPdf(pdf, signer.caCertPem);
    expect(check.trusted).toContain("Signature is Valid.");
    expect(check.trusted).toContain("Certificate is Trusted.");
    expect(check.trusted).toContain("Signature Type: ETSI.CAdES.detached");
    expect(check.tampered).toContain("Digest Mismatch");
    const [s] = readSignatures(pdf);
    const cms = verifyCmsSignature(s!.cms!, byteRangeBytes(pdf, s!.byteRange));
    expect(cms.valid).toBe(true);
    if (cms.valid) expect(verifyTimeStampToken(cms.signatureTimeStampToken!, { imprint: sha256(cms.signature), anchors: [pemToDer(signer.caCertPem)] }).valid).toBe(true);
    const published = publishedCertificates(app.config);
    expect(published.map((c) => c.id)).toEqual(["ca", "signer", "tsa"]);
    const tsa = new X509Certificate(published[2]!.der);
    expect(tsa.checkIssued(new X509Certificate(published[0]!.der))).toBe(true);
    expect(tsa.keyUsage).toEqual(["1.3.6.1.5.5.7.3.8"]);
    expect(published[2]!.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const text = spawnSync("openssl", ["x509", "-in", file("tsa.pem", published[2]!.pem), "-noout", "-ext", "extendedKeyUsage"], { encoding: "utf8" }).stdout;
    expect(text).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
  });
});
