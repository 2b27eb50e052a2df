// The committed test vector (test/fixtures/report-signatures/, docs/report-signatures.md): its SHA-256 is the one the
// docs give, the outsider's commands (verify.sh: pdfsig + NSS, and `openssl cms -verify` on each extracted
// signature with its ByteRange bytes as content) accept it, and so does our own verifier.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { chainsTo, certInfo } from "#crypto/certs";
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

  it("verifies with standard tools: pdfsig trusts all three, openssl cms -verify accepts each extracted CMS", () => {
    const r = spawnSync("bash", [path.join(here, "verify.sh"), path.join(here, "report.pdf"), path.join(here, "ca.pem")], { encoding: "utf8" });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out.match(/Signature is Valid\./g)).toHaveLength(3);
    expect(out.match(/Certificate is Trusted\./g)).toHaveLength(3);
    expect(out.match(/CMS Verification successful/g)).toHaveLength(3);
    expect(out).toContain("评标委员会成员 2 签名");
  });

  it("verifies with our own verifier: B-B CMS over each ByteRange, certificates from the test CA, nested revisions", () => {
    const sigs = readSignatures(pdf);
    expect(sigs.map((s) => [s.fieldName, s.subFilter, s.name])).toEqual([
      ["Tenderhall 平台签章", "adbe.pkcs7.detached", "Tenderhall"],
      ["评标委员会成员 1 签名", "ETSI.CAdES.detached", "张伟"],
      ["评标委员会成员 2 签名", "ETSI.CAdES.detached", "王芳"],
    ]);
    expect(sigs.map((s) => s.byteRange[2] + s.byteRange[3])).toEqual(revisionEnds(pdf));
    for (const s of sigs.slice(1)) {
      const check = verifyCmsSignature(s.cms!, byteRangeBytes(pdf, s.byteRange));
      expect(check.valid).toBe(true);
      if (!check.valid) continue;
      expect(chainsTo(pem(check.signerCertDer), [caPem], new Date("2026-11-23T02:00:00Z"))).toBe(true);
      expect(certInfo(pem(check.signerCertDer)).subjectCn).toBe(s.name);
    }
  });
});
