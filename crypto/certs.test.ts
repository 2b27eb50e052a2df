import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCsr, buildPkcs12, CertError, certInfo, chainsTo, issueUserCert, openPkcs12, readCsr } from "./certs";
import { challengeBytes, signChallenge, verifyChallenge } from "./challenge";
import { generateUserKeyPair } from "./keys";
import { combineShares, openBox, sealBox, splitOpeningKey } from "./opening-key";
import { createRootCa } from "./pki";
import { signReceipt, verifyReceipt, type ReceiptPayload } from "./receipt";

const pemKeys = () => {
  const k = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKeyPem: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: k.publicKey.export({ type: "spki", format: "pem" }).toString() };
};
const now = new Date("2026-11-23T02:00:00Z");
const subject = { commonName: "张三", organisation: "大庆市某某建筑工程有限公司", creditCode: "91230600MA1234567X", userId: "8d2f3c1e-0000-4000-8000-000000000001" };

let ca: { certPem: string; keyPem: string };
let keys: { privateKeyPkcs8: Uint8Array; publicKeySpki: Uint8Array };
let certPem: string;
beforeAll(async () => {
  ca = createRootCa({ keys: pemKeys(), serialHex: "01aa", now, years: 10, cn: "Test Root CA", org: "Tenderhall Test" });
  keys = await generateUserKeyPair();
  const csr = buildCsr(keys, "enrolment");
  certPem = issueUserCert({ ca, publicKeySpki: readCsr(csr).publicKeySpki, subject, serialHex: "0badc0de01", now, days: 730 });
});

describe("user certificates (docs/product.md §3.2, R71)", () => {
  it("a CA signature computed outside forge (the server's native signer) gives the byte-identical certificate", () => {
    const signTbs = (tbs: Uint8Array, keyPem: string) => new Uint8Array(sign("sha256", tbs, keyPem));
    const native = issueUserCert({ ca, publicKeySpki: keys.publicKeySpki, subject, serialHex: "0badc0de01", now, days: 730, signTbs });
    expect(native).toBe(certPem);
    expect(chainsTo(native, [ca.certPem], now)).toBe(true);
    // A wrong signer is caught by the chain check, not silently accepted.
    const bad = issueUserCert({ ca, publicKeySpki: keys.publicKeySpki, subject, serialHex: "0badc0de01", now, days: 730, signTbs: (tbs, k) => signTbs(new Uint8Array([...tbs, 0]), k) });
    expect(chainsTo(bad, [ca.certPem], now)).toBe(false);
  });

  it("issues a certificate for a browser-made key with the Chinese names readable by OpenSSL", () => {
    const info = certInfo(certPem);
    expect(info.subjectCn).toBe("张三");
    expect(info.subjectO).toBe("大庆市某某建筑工程有限公司");
    expect(info.issuerCn).toBe("Test Root CA");
    expect(Buffer.from(info.publicKeySpki).equals(Buffer.from(keys.publicKeySpki))).toBe(true);
    const dir = mkdtempSync(path.join(tmpdir(), "th-cert-"));
    writeFileSync(path.join(dir, "c.pem"), certPem);
    const text = execFileSync("openssl", ["x509", "-in", path.join(dir, "c.pem"), "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"], { encoding: "utf8" });
    expect(text).toContain("CN=张三");
    expect(text).toContain("O=大庆市某某建筑工程有限公司");
    writeFileSync(path.join(dir, "ca.pem"), ca.certPem);
    expect(execFileSync("openssl", ["verify", "-CAfile", path.join(dir, "ca.pem"), path.join(dir, "c.pem")], { encoding: "utf8" })).toContain("OK");
  });

  it("refuses a CSR whose signature does not match its key (no proof of possession) and small keys", () => {
    const csr = buildCsr(keys, "x");
    // One flipped bit in the signature: the self-signature (proof of possession) fails.
    const der = Buffer.from(csr.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
    der[der.length - 1]! ^= 1;
    const bad = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => readCsr(bad)).toThrow(/CSR_SIGNATURE/);
    expect(() => readCsr("garbage")).toThrow(CertError);
    expect(() => readCsr(csr, 4096)).toThrow(/KEY_TOO_SMALL/);
  });

  it("chains only to the issuing CA and only within validity", () => {
    const other = createRootCa({ keys: pemKeys(), serialHex: "01bb", now, years: 10, cn: "Other CA", org: "Elsewhere" });
    expect(chainsTo(certPem, [ca.certPem], now)).toBe(true);
    expect(chainsTo(certPem, [other.certPem], now)).toBe(false);
    expect(chainsTo(certPem, [other.certPem, ca.certPem], now)).toBe(true);
    expect(chainsTo(certPem, [ca.certPem], new Date(now.getTime() + 731 * 86400_000))).toBe(false);
  });

  it("round-trips the PKCS#12 file; OpenSSL opens it; a wrong passphrase is refused", () => {
    const p12 = buildPkcs12({ ...keys, certPem, chainPem: [ca.certPem], passphrase: "口令 passphrase 1", friendlyName: "张三", iterations: 2048 });
    const back = openPkcs12(p12, "口令 passphrase 1");
    expect(Buffer.from(back.privateKeyPkcs8).equals(Buffer.from(keys.privateKeyPkcs8))).toBe(true);
    expect(certInfo(back.certPem).fingerprint).toBe(certInfo(certPem).fingerprint);
    expect(back.chainPem).toHaveLength(1);
    expect(() => openPkcs12(p12, "wrong")).toThrow(CertError);
    const dir = mkdtempSync(path.join(tmpdir(), "th-p12-"));
    writeFileSync(path.join(dir, "u.p12"), p12);
    const out = execFileSync("openssl", ["pkcs12", "-in", path.join(dir, "u.p12"), "-nokeys", "-passin", "pass:口令 passphrase 1"], { encoding: "utf8" });
    expect(out).toContain("BEGIN CERTIFICATE");
  });
});

describe("certificate challenge", () => {
  it("verifies a signature over the exact challenge and nothing else", async () => {
    const c = { purpose: "possession", nonce: "n-123", issuedAt: now.toISOString() };
    const sig = await signChallenge(c, keys.privateKeyPkcs8);
    expect(await verifyChallenge(c, sig, keys.publicKeySpki)).toBe(true);
    expect(await verifyChallenge({ ...c, nonce: "n-124" }, sig, keys.publicKeySpki)).toBe(false);
    const other = await generateUserKeyPair();
    expect(await verifyChallenge(c, sig, other.publicKeySpki)).toBe(false);
    expect(() => challengeBytes({ ...c, purpose: "a\nb" })).toThrow(RangeError);
  });
});

describe("signed receipt (R20)", () => {
  const payload: ReceiptPayload = {
    typ: "tenderhall.bid-receipt.v1",
    receiptId: "r1",
    project: { id: "p", code: "DQ-1", title: "教学楼" },
    section: { id: "s", code: "01", title: "施工" },
    bidder: { orgId: "o", name: "某公司", creditCode: null },
    version: 2,
    manifestSha256: "ab".repeat(32),
    totalBytes: 123,
    certificate: "cd".repeat(32),
    receivedAt: now.toISOString(),
  };
  it("verifies with the platform CA; a changed byte or an unknown CA fails", async () => {
    const jws = await signReceipt(payload, { privateKeyPkcs8: keys.privateKeyPkcs8, certPem, chainPem: [ca.certPem] });
    const ok = await verifyReceipt(jws, [ca.certPem], now);
    expect(ok).toMatchObject({ valid: true, payload: { version: 2, bidder: { name: "某公司" } }, signer: "张三" });
    const [h, p, s] = jws.split(".");
    const forged = Buffer.from(JSON.stringify({ ...payload, version: 3 })).toString("base64url");
    expect(await verifyReceipt(`${h}.${forged}.${s}`, [ca.certPem], now)).toEqual({ valid: false, reason: "BAD_SIGNATURE" });
    const other = createRootCa({ keys: pemKeys(), serialHex: "01cc", now, years: 10, cn: "Other CA", org: "Elsewhere" });
    expect(await verifyReceipt(jws, [other.certPem], now)).toEqual({ valid: false, reason: "UNTRUSTED_SIGNER" });
    expect(await verifyReceipt("a.b", [ca.certPem], now)).toEqual({ valid: false, reason: "MALFORMED" });
    // The signed part carries the payload as given (canonical JSON, base64url).
    expect(JSON.parse(Buffer.from(p!, "base64url").toString("utf8"))).toEqual(payload);
  });
});

describe("opening key split (k of n) and sealed shares", () => {
  it("any k shares rebuild the key; k-1 do not; each share opens only with its custodian's key", async () => {
    const opening = await generateUserKeyPair(3072);
    const shares = await splitOpeningKey(opening.privateKeyPkcs8, 3, 2);
    const same = (a: Uint8Array) => Buffer.from(a).equals(Buffer.from(opening.privateKeyPkcs8));
    expect(same(await combineShares([shares[0]!, shares[2]!]))).toBe(true);
    expect(same(await combineShares([shares[1]!, shares[2]!]))).toBe(true);
    const k3 = await splitOpeningKey(opening.privateKeyPkcs8, 3, 3);
    expect(same(await combineShares([k3[0]!, k3[1]!]))).toBe(false);
    await expect(splitOpeningKey(opening.privateKeyPkcs8, 3, 4)).rejects.toThrow(RangeError);
    const one = await splitOpeningKey(opening.privateKeyPkcs8, 2, 1);
    expect(same(await combineShares([one[1]!]))).toBe(true);

    const custodian = await generateUserKeyPair();
    const box = await sealBox(shares[0]!, { kid: "cert:1", publicKeySpki: custodian.publicKeySpki }, { key: new Uint8Array(randomBytes(32)), iv: new Uint8Array(randomBytes(12)) });
    expect(Buffer.from(await openBox(box, custodian.privateKeyPkcs8)).equals(Buffer.from(shares[0]!))).toBe(true);
    await expect(openBox(box, keys.privateKeyPkcs8)).rejects.toThrow();
    await expect(openBox({ ...box, kid: "cert:2" }, custodian.privateKeyPkcs8)).rejects.toThrow();
  });
});
