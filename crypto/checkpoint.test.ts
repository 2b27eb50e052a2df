import { generateKeyPairSync } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { checkpointBody, parseCheckpointBody, signCheckpoint, verifyCheckpoint, type Checkpoint } from "./checkpoint";
import { pemToDer } from "./certs";
import { createRootCa, issueSigningCert } from "./pki";

const pemKeys = () => {
  const k = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKeyPem: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: k.publicKey.export({ type: "spki", format: "pem" }).toString() };
};
const now = new Date("2026-12-03T02:00:00Z");
const cp: Checkpoint = { origin: "trading.example.cn/record", size: 8, rootHash: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", issuedAt: "2026-12-03T01:59:59.123Z" };

// TEST FIXTURE keys, made per run: a CA and a document-signing certificate as the platform holds them.
let signer: { privateKeyPkcs8: Uint8Array; certPem: string; chainPem: string[] };
let caPem: string;
let otherCaPem: string;
beforeAll(() => {
  const ca = createRootCa({ keys: pemKeys(), serialHex: "01aa", now, years: 10, cn: "Test Root CA", org: "Tenderhall Test" });
  const k = pemKeys();
  const s = issueSigningCert({ ca, keys: k, serialHex: "02aa", now, years: 2, cn: "平台文件签章", org: "Tenderhall Test" });
  signer = { privateKeyPkcs8: pemToDer(k.privateKeyPem), certPem: s.certPem, chainPem: [ca.certPem] };
  caPem = ca.certPem;
  otherCaPem = createRootCa({ keys: pemKeys(), serialHex: "01bb", now, years: 10, cn: "Other CA", org: "Elsewhere" }).certPem;
});

describe("record checkpoints (docs/record-format.md §4)", () => {
  it("the body is the C2SP checkpoint text, byte for byte, and parses back only when exact", () => {
    const body = checkpointBody(cp);
    expect(body).toBe("trading.example.cn/record\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntime 2026-12-03T01:59:59.123Z\n");
    expect(parseCheckpointBody(body)).toEqual(cp);
    for (const bad of [body.replace("\n8\n", "\n08\n"), body.trimEnd(), `${body}x`, body.replace("time ", "time  "), body.replace("record", "rec ord"), body.replace("=\n", "\n")]) expect(parseCheckpointBody(bad)).toBeNull();
    expect(() => checkpointBody({ ...cp, size: -1 })).toThrow(RangeError);
    expect(() => checkpointBody({ ...cp, rootHash: "AB" })).toThrow(RangeError);
  });

  it("a signed checkpoint verifies against the platform CA; another CA, a changed body or signature does not", async () => {
    const sc = await signCheckpoint(cp, signer);
    expect(await verifyCheckpoint(sc, [caPem], now)).toEqual({ valid: true, checkpoint: cp, signer: "平台文件签章" });
    expect(await verifyCheckpoint(sc, [otherCaPem], now)).toEqual({ valid: false, reason: "UNTRUSTED_SIGNER" });
    const bigger = checkpointBody({ ...cp, size: 9 });
    expect(await verifyCheckpoint({ ...sc, body: bigger }, [caPem], now)).toEqual({ valid: false, reason: "BAD_SIGNATURE" });
    const sig = Buffer.from(sc.signature, "base64");
    sig[10]! ^= 1;
    expect(await verifyCheckpoint({ ...sc, signature: sig.toString("base64") }, [caPem], now)).toEqual({ valid: false, reason: "BAD_SIGNATURE" });
    // Pinned to the platform's signing certificate: another certificate of the same CA (a user's) does not sign checkpoints.
    expect((await verifyCheckpoint(sc, [caPem], now, [sc.x5c[0]!])).valid).toBe(true);
    expect(await verifyCheckpoint(sc, [caPem], now, [sc.x5c[1]!])).toEqual({ valid: false, reason: "UNTRUSTED_SIGNER" });
    for (const junk of [null, {}, { ...sc, x5c: [] }, { ...sc, x5c: ["!!"] }, { ...sc, body: "x" }, { ...sc, signature: "%%%" }]) expect((await verifyCheckpoint(junk, [caPem], now)).valid).toBe(false);
  });
});
