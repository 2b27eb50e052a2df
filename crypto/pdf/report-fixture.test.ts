// The committed test vector (test/fixtures/report-signatures/, docs/report-signatures.md): its SHA-256 is the one the
// docs give, the outsider's commands (verify.sh: pdfsig + NSS, `openssl cms -verify` on each extracted signature with
// its ByteRange bytes as content, `openssl ts -verify` on its time-stamp token) accept it, and so does our own verifier.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { chainsTo, certInfo } from "#crypto/certs";
import { pemToDer } from "#crypto/certs";
import { sha256, verifyTimeStampToken } from "#crypto/tsa/tsa";
import { verifyCmsSignature } from "./cms";
import { byteRangeBytes, readSignatures, revisionEnds } from "./incremental";

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/report-signatures");
const pdf = new Uint8Array(readFileSync(path.join(here, "report.pdf")));
const caPem = readFileSync(path.join(here, "ca.pem"), "utf8");
const pem = (der: Uint8Array) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

describe("the report-signature test vector", () => {
  it("has the SHA-256 the docs give", () => {
    const sums = readFileSync(path.join(here, "SHA256SUMS"), "utf8");
    expect(sums).toContain(`${createHash("sha256").update(pdf).digest("hex")}  report.pdf`);
    expect(readFileSync(path.join(process.cwd(), "docs/report-signatures.md"), "utf8")).toContain(createHash("sha256").update(pdf).digest("hex"));
  });

  it("verifies with standard tools: pdfsig trusts all three, openssl cms -verify accepts each extracted CMS, openssl ts -verify each time-stamp", () => {
    const r = spawnSync("bash", [path.join(here, "verify.sh"), path.join(here, "report.pdf"), path.join(here, "ca.pem")], { encoding: "utf8" });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out.match(/Signature is Valid\./g)).toHaveLength(3);
    expect(out.match(/Certificate is Trusted\./g)).toHaveLength(3);
    expect(out.match(/CMS Verification successful/g)).toHaveLength(3);
    // Each signature's time-stamp token, cut out with openssl asn1parse, passes `openssl ts -verify` with the CA.
    expect(out.match(/^Verification: OK$/gm)).toHaveLength(3);
    expect(out).toContain("评标委员会成员 2 签名");
  });

  it("verifies with our own verifier: B-T CMS over each ByteRange, certificates and time-stamps from the test CA, nested revisions", () => {
    const sigs = readSignatures(pdf);
    expect(sigs.map((s) => [s.fieldName, s.subFilter, s.name])).toEqual([
      ["Tenderhall 平台签章", "ETSI.CAdES.detached", "Tenderhall"],
      ["评标委员会成员 1 签名", "ETSI.CAdES.detached", "张伟"],
      ["评标委员会成员 2 签名", "ETSI.CAdES.detached", "王芳"],
    ]);
    expect(sigs.map((s) => s.byteRange[2] + s.byteRange[3])).toEqual(revisionEnds(pdf));
    for (const s of sigs) {
      const check = verifyCmsSignature(s.cms!, byteRangeBytes(pdf, s.byteRange));
      expect(check.valid).toBe(true);
      if (!check.valid) continue;
      expect(chainsTo(pem(check.signerCertDer), [caPem], new Date("2026-11-23T02:00:00Z"))).toBe(true);
      if (s.name !== "Tenderhall") expect(certInfo(pem(check.signerCertDer)).subjectCn).toBe(s.name);
      // PAdES B-T: every signature carries a time-stamp over SHA-256 of its signature value, from a TSA of the test CA.
      const ts = verifyTimeStampToken(check.signatureTimeStampToken!, { imprint: sha256(check.signature), anchors: [pemToDer(caPem)] });
      expect(ts.valid).toBe(true);
      if (ts.valid) expect(ts.info.genTime.toISOString()).toBe("2026-11-23T02:00:00.000Z");
    }
  });
});
