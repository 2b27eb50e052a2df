import { describe, expect, it } from "vitest";
import { assertBeginUploadInput, assertCompleteUploadInput } from "./bid-input";
import { MAX_BID_RECIPIENTS, MAX_FILES_PER_BID } from "./limits";

const refusal = (f: () => void) => {
  try {
    f();
    return null;
  } catch (e) {
    const d = e as { code: string; violations: { code: string; params: Record<string, unknown> }[] };
    return { code: d.code, rule: d.violations[0]?.code, detail: d.violations[0]?.params.detail };
  }
};

const recipient = { kid: "k1", alg: "RSA-OAEP-256", wrappedKey: "AAAA" };
const begin = { certificateId: "0b9a3c9e-3a5f-4d0e-9b1a-2f8c6d4e1a7b", chunkSize: 65536, files: [{ index: 0, name: "a.pdf", size: 10 }], recipients: [recipient] };
const complete = {
  manifest: { v: 1, alg: "AES-256-GCM", chunkSize: 65536, files: [{ index: 0, name: "a.pdf", size: 10, sha256: "a".repeat(64), chunks: ["b".repeat(64)] }], recipients: [recipient] },
  signature: "c2ln",
};

describe("sealed-bid upload bodies (shape and bounds before the R18 rules)", () => {
  it("accepts well-formed bodies", () => {
    expect(refusal(() => assertBeginUploadInput(begin))).toBeNull();
    expect(refusal(() => assertCompleteUploadInput(complete))).toBeNull();
  });

  it("refuses non-objects, wrong types and unbounded arrays as RULE_R18_MALFORMED", () => {
    for (const body of [null, [], "x", 42, {}]) expect(refusal(() => assertBeginUploadInput(body))?.rule, JSON.stringify(body)).toBe("RULE_R18_MALFORMED");
    expect(refusal(() => assertBeginUploadInput({ ...begin, files: [null] }))).toMatchObject({ code: "RULE_VIOLATION", rule: "RULE_R18_MALFORMED", detail: "files.0" });
    expect(refusal(() => assertBeginUploadInput({ ...begin, files: [{ index: 0, name: "a", size: 1e308 }] }))?.detail).toBe("files.0.size");
    expect(refusal(() => assertBeginUploadInput({ ...begin, files: [{ index: -1, name: "a", size: 1 }] }))?.detail).toBe("files.0.index");
    const tooMany = Array.from({ length: MAX_FILES_PER_BID + 1 }, (_, index) => ({ index, name: `f${index}`, size: 1 }));
    expect(refusal(() => assertBeginUploadInput({ ...begin, files: tooMany }))?.detail).toBe("files");
    expect(refusal(() => assertBeginUploadInput({ ...begin, recipients: Array(MAX_BID_RECIPIENTS + 1).fill(recipient) }))?.detail).toBe("recipients");
    expect(refusal(() => assertBeginUploadInput({ ...begin, recipients: [{ ...recipient, wrappedKey: "A".repeat(5000) }] }))?.detail).toBe("recipients.0.wrappedKey");
    expect(refusal(() => assertCompleteUploadInput({ ...complete, manifest: { ...complete.manifest, files: [{ ...complete.manifest.files[0], chunks: [7] }] } }))?.detail).toBe("manifest.files.0.chunks.0");
    expect(refusal(() => assertCompleteUploadInput({ manifest: null, signature: "x" }))?.detail).toBe("manifest");
    expect(refusal(() => assertCompleteUploadInput({ ...complete, signature: 5 }))?.detail).toBe("signature");
  });

  it("a malformed certificate id names no certificate", () => {
    expect(refusal(() => assertBeginUploadInput({ ...begin, certificateId: "a".repeat(36) }))?.code).toBe("CERT_UNKNOWN");
  });
});
