import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verifyCmsSignature } from "#crypto/pdf/cms";
import { byteRangeBytes, readSignatures } from "#crypto/pdf/incremental";
import { readTimeStampToken } from "#crypto/tsa/tsa";
import { derToPem } from "../platform/platform-signer.server";
import { detectUpload } from "./detect";
import { checkPdf, type PdfReport, type SignatureReport } from "./pdf.server";
import { parseManifest, parseSums, pdfStatus } from "./verify.server";

/**
 * The pure parts of /verify (ADR 026) on the report-signatures fixture (TEST FIXTURE keys: a report signed by the
 * platform and two committee members, each signature time-stamped): every signature checked against the published
 * anchors, the platform's own signer and TSA told apart from users' certificates, a flipped byte found, and the
 * verdict a page shows for each combination.
 */
const FIXTURES = path.resolve(import.meta.dirname, "../../../test/fixtures/report-signatures");
const report = new Uint8Array(readFileSync(path.join(FIXTURES, "report.pdf")));
const caPem = readFileSync(path.join(FIXTURES, "ca.pem"), "utf8");

/** The platform signer and TSA certificates of the fixture, read out of its first signature. */
function fixtureAnchors() {
  const [first] = readSignatures(report);
  const cms = verifyCmsSignature(first!.cms!, byteRangeBytes(report, first!.byteRange));
  if (!cms.valid || !cms.signatureTimeStampToken) throw new Error("fixture");
  const tok = readTimeStampToken(cms.signatureTimeStampToken);
  const tsaDer = new Uint8Array((tok.signedData.certificates![0] as { toSchema(): { toBER(): ArrayBuffer } }).toSchema().toBER());
  return { caPem, signerPem: derToPem(cms.signerCertDer), tsaPem: derToPem(tsaDer), userCaPems: [caPem] };
}

const flip = (b: Uint8Array, at: number) => {
  const c = Uint8Array.from(b);
  c[at] = c[at]! ^ 0x01;
  return c;
};

describe("checkPdf", () => {
  const anchors = fixtureAnchors();

  it("every signature of a member-signed report: valid, the platform's signer and TSA named as such, members as user certificates", () => {
    const r = checkPdf(report, anchors);
    expect(r).toMatchObject({ readable: true, unsignedTail: 0, tooManySignatures: false, size: report.length });
    expect(r.signatures.map((s) => [s.valid, s.platformSigner])).toEqual([
      [true, true],
      [true, false],
      [true, false],
    ]);
    expect(r.signatures[0]!.signer).toContain("Tenderhall 平台文件签章");
    expect(r.signatures[1]!.signer).toContain("张伟");
    for (const s of r.signatures) expect(s.timestamp).toMatchObject({ valid: true, platformTsa: true, genTime: "2026-11-23T02:00:00.000Z" });
    // One signed revision per signature, the last one the whole file.
    expect(r.revisionSha256s).toHaveLength(3);
    expect(r.revisionSha256s.at(-1)).toBe(r.sha256);
    expect(new X509Certificate(anchors.signerPem).subject).toContain("平台文件签章");
  });

  it("another CA's anchors: every signature UNTRUSTED_SIGNER (a foreign document), not an error", () => {
    const other = { caPem: anchors.tsaPem, signerPem: anchors.tsaPem, tsaPem: null, userCaPems: [anchors.tsaPem] };
    const r = checkPdf(report, other);
    expect(r.signatures.every((s) => !s.valid && s.failure === "UNTRUSTED_SIGNER")).toBe(true);
    expect(pdfStatus(r, false, false)).toBe("foreign");
  });

  it("a byte flipped inside the signed bytes breaks the signatures covering it (DIGEST_MISMATCH); in the /Contents padding, PADDING_CHANGED", () => {
    const sigs = readSignatures(report);
    const [, b, c] = sigs[0]!.byteRange;
    const early = checkPdf(flip(report, Math.floor(b / 2)), anchors);
    expect(early.readable).toBe(true);
    expect(early.signatures.every((s) => !s.valid)).toBe(true);
    expect(early.signatures[0]!.failure).toBe("DIGEST_MISMATCH");
    const padded = checkPdf(flip(report, c - 3), anchors);
    expect(padded.signatures[0]!.failure).toBe("PADDING_CHANGED");
    expect(pdfStatus(padded, false, false)).toBe("invalid");
    // In the last member's revision only: the earlier signatures still hold, the last does not.
    const late = checkPdf(flip(report, report.length - 2000), anchors);
    expect(late.readable).toBe(true);
    expect(late.signatures.map((s) => s.valid)).toEqual([true, true, false]);
  });

  it("never throws, whatever the bytes: random flips and cuts of the signed report", () => {
    fc.assert(
      fc.property(fc.nat(report.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(report.length), (at, x, cut) => {
        const c = Uint8Array.from(report);
        c[at] = c[at]! ^ x;
        for (const input of [c, report.subarray(0, cut)]) {
          const r = checkPdf(input, anchors);
          // Never valid as a whole unless the bytes are the original's.
          const allValid = r.readable && r.signatures.length === 3 && r.signatures.every((s) => s.valid) && r.unsignedTail === 0;
          if (allValid) expect(r.sha256).toBe(checkPdf(report, anchors).sha256);
        }
      }),
      { numRuns: 60, seed: 20261204 },
    );
  });
});

describe("pdfStatus: what the page says", () => {
  const sig = (o: Partial<SignatureReport>): SignatureReport => ({
    field: "f",
    valid: true,
    failure: null,
    signer: "CN=x",
    signerSerialHex: "01",
    platformSigner: true,
    claimedTime: null,
    reason: null,
    timestamp: null,
    revisionEnd: 100,
    ...o,
  });
  const pdf = (signatures: SignatureReport[], o: Partial<PdfReport> = {}): PdfReport => ({ readable: true, sha256: "0".repeat(64), size: 100, signatures, revisionSha256s: [], unsignedTail: 0, tooManySignatures: false, ...o });

  it("valid only for the platform's valid signature on a recorded file", () => {
    expect(pdfStatus(pdf([sig({})]), true, false)).toBe("valid");
    expect(pdfStatus(pdf([sig({}), sig({ platformSigner: false })]), true, false)).toBe("valid");
    expect(pdfStatus(pdf([sig({})]), false, false)).toBe("unrecorded");
    expect(pdfStatus(pdf([sig({})]), true, true)).toBe("modified");
    expect(pdfStatus(pdf([sig({})], { unsignedTail: 10 }), true, false)).toBe("modified");
    expect(pdfStatus(pdf([sig({})], { tooManySignatures: true }), true, false)).toBe("invalid");
  });

  it("invalid for any broken signature; foreign for a PDF nothing of which is the platform's", () => {
    expect(pdfStatus(pdf([sig({ valid: false, failure: "DIGEST_MISMATCH" })]), false, false)).toBe("invalid");
    expect(pdfStatus(pdf([sig({}), sig({ valid: false, failure: "BAD_SIGNATURE" })]), true, false)).toBe("invalid");
    expect(pdfStatus(pdf([]), false, false)).toBe("foreign");
    expect(pdfStatus(pdf([sig({ valid: false, failure: "UNTRUSTED_SIGNER" })]), false, false)).toBe("foreign");
    expect(pdfStatus(pdf([sig({ platformSigner: false })]), false, false)).toBe("foreign");
    expect(pdfStatus(pdf([sig({ platformSigner: false })]), true, false)).toBe("invalid");
    expect(pdfStatus(pdf([], { readable: false }), false, false)).toBe("unreadable");
    // A party's upload the platform recorded (a tender document, the contract): recorded by its bytes, signed or not.
    expect(pdfStatus(pdf([]), true, false, true)).toBe("recorded");
    expect(pdfStatus(pdf([sig({ valid: false, failure: "UNTRUSTED_SIGNER", platformSigner: false })]), true, false, true)).toBe("recorded");
    expect(pdfStatus(pdf([], { readable: false }), true, false, true)).toBe("recorded");
  });
});

describe("detectUpload, parseManifest, parseSums", () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  it("tells PDFs, ZIPs and receipts from anything else", () => {
    expect(detectUpload(report)).toBe("pdf");
    expect(detectUpload(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toBe("zip");
    expect(detectUpload(enc("  eyJhbGciOiJSUzI1NiJ9.eyJ0eXAiOiJ4In0.c2lnbmF0dXJl\n"))).toBe("receipt");
    for (const s of ["", "hello", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.eyJ0eXAiOiJ4In0", "%PDF", "PK\x05\x06"]) expect(detectUpload(enc(s))).toBe("unknown");
    expect(detectUpload(Uint8Array.from([0xff, 0xfe, 0x00, 0x41]))).toBe("unknown");
    expect(detectUpload(enc(`${"a".repeat(70_000)}.${"b".repeat(10)}.${"c".repeat(10)}`))).toBe("unknown");
  });

  it("parseManifest: the archive manifest's shape or null", () => {
    const m = { format: "tenderhall.archive.v1", project: { id: "x", code: "C", title: "T" }, exportedAt: "2026-12-01T00:00:00.000Z", recordHead: { seq: 3, hash: "h" }, files: [{ path: "a", sha256: "s", size: 1, kind: "k", recordSeq: null }], withheld: [] };
    expect(parseManifest(enc(JSON.stringify(m)))).toMatchObject({ project: { code: "C" } });
    expect(parseManifest(enc(JSON.stringify({ ...m, format: "other" })))).toBeNull();
    expect(parseManifest(enc(JSON.stringify({ ...m, files: [{ path: 1 }] })))).toBeNull();
    expect(parseManifest(enc(JSON.stringify({ ...m, recordHead: { seq: "3" } })))).toBeNull();
    expect(parseManifest(enc("{"))).toBeNull();
    expect(parseManifest(Uint8Array.from([0xff]))).toBeNull();
    expect(parseManifest(enc("null"))).toBeNull();
  });

  it("parseSums: sha256sum lines, no duplicates", () => {
    const h = "a".repeat(64);
    expect(parseSums(`${h}  README.md\n${h}  tender/文件.pdf\n`)).toEqual(
      new Map([
        ["README.md", h],
        ["tender/文件.pdf", h],
      ]),
    );
    expect(parseSums(`${h} README.md\n`)).toBeNull();
    expect(parseSums(`${h}  a\n${h}  a\n`)).toBeNull();
    expect(parseSums("")).toEqual(new Map());
  });
});

describe("verifyUpload: at most MAX_CONCURRENT_VERIFICATIONS at once", () => {
  it("more uploads than the bound at once: each waits its turn and every one is answered (the queue drains)", async () => {
    const { verifyUpload: verify, MAX_CONCURRENT_VERIFICATIONS } = await import("./verify.server");
    // An unknown upload needs no database: its answer comes straight from the bytes.
    const ctx = { db: null, config: null } as never;
    const out = await Promise.all(Array.from({ length: 7 }, (_, i) => verify(ctx, new TextEncoder().encode(`not a document ${i}`))));
    expect(out).toEqual(Array.from({ length: 7 }, () => ({ type: "unknown" })));
    expect(MAX_CONCURRENT_VERIFICATIONS).toBeGreaterThan(0);
  });
});
