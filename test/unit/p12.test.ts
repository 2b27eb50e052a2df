// Opening a PKCS#12 file in the browser (app/client/p12.ts): every way it can fail has its own message, and none
// tells the user to make a new key pair — a wrong passphrase must never make a bidder throw away its only key.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import forge from "node-forge";
import { beforeAll, describe, expect, it } from "vitest";
import { openP12File, P12Error, p12ErrorPayload, registeredCertificate, type P12Problem } from "#app/client/p12";
import { resources } from "#app/locales/index";
import { buildCsr, buildPkcs12, issueUserCert, pemToDer, readCsr } from "#crypto/certs";
import { generateUserKeyPair } from "#crypto/keys";
import { createRootCa } from "#crypto/pki";

const now = new Date("2026-11-23T02:00:00Z");
const pemKeys = () => {
  const k = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKeyPem: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: k.publicKey.export({ type: "spki", format: "pem" }).toString() };
};
const subject = { commonName: "陈投标", organisation: "黑龙江龙建路桥建设有限公司", creditCode: "91230600MA1234567X", userId: "8d2f3c1e-0000-4000-8000-000000000001" };

let ca: { certPem: string; keyPem: string };
let keys: { privateKeyPkcs8: Uint8Array; publicKeySpki: Uint8Array };
let certPem: string;
let otherCertPem: string;
let good: Uint8Array;

async function problemOf(bytes: Uint8Array | string, passphrase: string): Promise<P12Problem | "opened"> {
  try {
    await openP12File(new Blob([bytes as BlobPart]), passphrase);
    return "opened";
  } catch (e) {
    expect(e).toBeInstanceOf(P12Error);
    return (e as P12Error).problem;
  }
}

beforeAll(async () => {
  ca = createRootCa({ keys: pemKeys(), serialHex: "01aa", now, years: 10, cn: "Test Root CA", org: "Tenderhall Test" });
  keys = await generateUserKeyPair();
  certPem = issueUserCert({ ca, publicKeySpki: readCsr(buildCsr(keys, "x")).publicKeySpki, subject, serialHex: "0badc0de01", now, days: 730 });
  const other = await generateUserKeyPair();
  otherCertPem = issueUserCert({ ca, publicKeySpki: other.publicKeySpki, subject, serialHex: "0badc0de02", now, days: 730 });
  good = buildPkcs12({ ...keys, certPem, chainPem: [ca.certPem], passphrase: "demo12345", friendlyName: "demo", iterations: 2048 });
});

describe("opening a PKCS#12 file", () => {
  it("opens with the right passphrase", async () => {
    const opened = await openP12File(new Blob([good as BlobPart]), "demo12345");
    expect(opened.subjectCn).toBe("陈投标");
  });

  it("a wrong passphrase is a wrong passphrase (node-forge's file and OpenSSL's)", async () => {
    expect(await problemOf(good, "demo1234")).toBe("BAD_PASSPHRASE");
    expect(await problemOf(good, "")).toBe("BAD_PASSPHRASE");
    const dir = mkdtempSync(path.join(tmpdir(), "th-p12u-"));
    writeFileSync(path.join(dir, "k.pem"), forge.pki.privateKeyToPem(forge.pki.privateKeyFromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(keys.privateKeyPkcs8)))));
    writeFileSync(path.join(dir, "c.pem"), certPem);
    // OpenSSL 3's default (PBES2/AES-256-CBC, SHA-256 MAC) — what an external CA's tools write.
    execFileSync("openssl", ["pkcs12", "-export", "-inkey", path.join(dir, "k.pem"), "-in", path.join(dir, "c.pem"), "-out", path.join(dir, "o.p12"), "-passout", "pass:right-one"]);
    const ossl = new Uint8Array(readFileSync(path.join(dir, "o.p12")));
    expect(await problemOf(ossl, "right-one")).toBe("opened");
    expect(await problemOf(ossl, "wrong-one")).toBe("BAD_PASSPHRASE");
  });

  it("a file that is not PKCS#12 (random bytes, a PDF, a PEM or DER certificate, an empty file) says so", async () => {
    expect(await problemOf(new Uint8Array(2048).map((_, i) => (i * 7919) & 255), "demo12345")).toBe("NOT_PKCS12");
    expect(await problemOf("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF", "demo12345")).toBe("NOT_PKCS12");
    expect(await problemOf(certPem, "demo12345")).toBe("NOT_PKCS12");
    expect(await problemOf(pemToDer(certPem), "demo12345")).toBe("NOT_PKCS12");
    expect(await problemOf(new Uint8Array(0), "demo12345")).toBe("NOT_PKCS12");
    expect(await problemOf(good.slice(0, good.length / 2), "demo12345")).toBe("NOT_PKCS12");
  });

  it("a file with certificates but no key says it holds no key", async () => {
    const asn1 = forge.pkcs12.toPkcs12Asn1(null, [forge.pki.certificateFromPem(certPem)], "demo12345", { algorithm: "aes256" });
    expect(await problemOf(forge.util.binary.raw.decode(forge.asn1.toDer(asn1).getBytes()), "demo12345")).toBe("NO_KEY");
  });

  it("a file whose certificate is not its key's says they do not match", async () => {
    const mismatched = buildPkcs12({ ...keys, certPem: otherCertPem, chainPem: [ca.certPem], passphrase: "demo12345", friendlyName: "x", iterations: 2048 });
    expect(await problemOf(mismatched, "demo12345")).toBe("CERT_MISMATCH");
  });

  it("a file that opens but is not one of the user's registered certificates says so", async () => {
    const opened = await openP12File(new Blob([good as BlobPart]), "demo12345");
    expect(registeredCertificate(opened, [{ id: "c1", fingerprint: opened.fingerprint }]).id).toBe("c1");
    expect(() => registeredCertificate(opened, [{ id: "c2", fingerprint: "ab".repeat(32) }])).toThrow(P12Error);
    expect(p12ErrorPayload(new P12Error("NOT_REGISTERED")).code).toBe("p12.NOT_REGISTERED");
    expect(p12ErrorPayload(new Error("anything")).code).toBe("p12.NOT_PKCS12");
  });

  it("every problem has a message in both languages, and none suggests a new key pair", () => {
    const problems: P12Problem[] = ["NOT_PKCS12", "BAD_PASSPHRASE", "NO_KEY", "CERT_MISMATCH", "NOT_REGISTERED", "NOT_SEALING", "NO_SHARE"];
    for (const lang of ["zh-CN", "en"] as const) {
      const p12 = (resources[lang].common as unknown as { errors: { p12: Record<string, string> } }).errors.p12;
      expect(Object.keys(p12).sort()).toEqual([...problems].sort());
      for (const pr of problems) {
        expect(p12[pr], `${lang} ${pr}`).toBeTruthy();
        expect(p12[pr]).not.toMatch(/新的?密钥|重新生成|重新申领|new key|generate|key pair/i);
      }
    }
    expect((resources["zh-CN"].common as unknown as { errors: { p12: Record<string, string> } }).errors.p12.BAD_PASSPHRASE).toContain("口令不正确");
    expect((resources.en.common as unknown as { errors: { p12: Record<string, string> } }).errors.p12.BAD_PASSPHRASE).toContain("Wrong passphrase");
  });
});
