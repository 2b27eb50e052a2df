// Official PDFs signed by the platform as PAdES baseline B-T (crypto/pdf/signed-pdf.ts, docs/pades.md): pdfsig reports
// a valid ETSI.CAdES.detached signature; the CMS read with pkijs has exactly the B-B signed attributes (ESS
// signing-certificate-v2 naming the signer), no signing-time, and the unsigned id-aa-signatureTimeStampToken whose
// imprint is SHA-256 of the signature value; the token verifies with our verifier and with `openssl ts -verify`.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { afterAll, describe, expect, it } from "vitest";
import { makeTestTsa } from "#test/fixtures/report-signatures/committee";
import { openPkcs12, pemToDer } from "../certs";
import { createRootCa, issueSigningCert, toPkcs12 } from "../pki";
import { sha256, verifyTimeStampToken } from "../tsa/tsa";
import { OID, verifyCmsSignature } from "./cms";
import { byteRangeBytes, readSignatures } from "./incremental";
import { signedOfficialPdf, type OfficialDocument } from "./signed-pdf";

const require = createRequire(import.meta.url);
const font = new Uint8Array(readFileSync(require.resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf")));
const keys = (bits = 2048) => {
  const k = generateKeyPairSync("rsa", { modulusLength: bits });
  return { privateKeyPem: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: k.publicKey.export({ type: "spki", format: "pem" }).toString() };
};
const dir = mkdtempSync(path.join(tmpdir(), "th-pdf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const doc: OfficialDocument = {
  title: "评标专家抽取记录",
  number: "编号 DRAW-TEST-001 · 第1版",
  meta: [
    ["项目名称", "大庆市第一中学教学楼改扩建工程施工招标"],
    ["抽取时间", "2026-11-23 10:00"],
  ],
  sections: [{ heading: "抽取结果", table: { headers: ["专业", "类别", "序号", "专家编号"], rows: [["A0101", "正式", "1", "E0001"]], widths: [2, 1, 1, 2] } }],
  footer: "本记录由平台自动生成并加盖电子签章。",
};

describe("signed official PDFs (PAdES B-T)", () => {
  const now = new Date("2026-11-23T02:00:00Z");
  // RSA-3072, like the platform's embedded keys, so the timing below is the production one.
  const ca = createRootCa({ keys: keys(3072), serialHex: "01", now, years: 10, cn: "Tenderhall Test Root CA (test only)", org: "Tenderhall" });
  const signer = issueSigningCert({ ca, keys: keys(3072), serialHex: "02", now, years: 2, cn: "Tenderhall 平台文件签章", org: "大庆市公共资源交易中心" });
  const p12 = toPkcs12(signer, [ca.certPem], "test-only");
  const key = { p12, passphrase: "test-only", name: "Tenderhall", location: "大庆", reason: "专家抽取记录" };
  const { stamp, tsa } = makeTestTsa(ca, now);

  it("refuses a non-ASCII CA name (it would break PKCS#7 issuer matching)", () => {
    expect(() => createRootCa({ keys: keys(), serialHex: "03", now, years: 1, cn: "根证书", org: "x" })).toThrow(RangeError);
  });

  it("renders Chinese text, is signed ETSI.CAdES.detached, and pdfsig reports the signature valid; one flipped byte is a digest mismatch", async () => {
    const pdf = await signedOfficialPdf(doc, font, key, now, stamp);
    expect(pdf.length).toBeLessThan(150_000);
    const file = path.join(dir, "draw.pdf");
    writeFileSync(file, pdf);
    const sig = spawnSync("pdfsig", [file], { encoding: "utf8" });
    expect(sig.stdout).toContain("Signature is Valid");
    expect(sig.stdout).toContain("Signature Type: ETSI.CAdES.detached");
    expect(sig.stdout).toContain("Tenderhall");
    // The text is really there (rendered glyphs, not tofu): pdftotext reads it back.
    const text = execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
    expect(text).toContain("评标专家抽取记录");
    expect(text).toContain("大庆市第一中学教学楼改扩建工程施工招标");
    // Flip one byte inside the signed range.
    const tampered = Buffer.from(pdf);
    const at = tampered.indexOf("/Title") + 10;
    tampered[at] = tampered[at]! ^ 0x01;
    const bad = path.join(dir, "bad.pdf");
    writeFileSync(bad, tampered);
    expect(spawnSync("pdfsig", [bad], { encoding: "utf8" }).stdout).toMatch(/Digest Mismatch|Signature is Invalid/);
  });

  it("the CMS, read with pkijs: B-B signed attributes (ESS v2 naming the signer, no signing-time) and a signature time-stamp over SHA-256(signature)", async () => {
    const pdf = await signedOfficialPdf(doc, font, key, now, stamp);
    const [s] = readSignatures(pdf);
    expect(s!.subFilter).toBe("ETSI.CAdES.detached");
    expect(s!.m).toBe("D:20261123020000Z");
    const content = byteRangeBytes(pdf, s!.byteRange);
    const ci = new pkijs.ContentInfo({ schema: asn1js.fromBER(s!.cms!.slice().buffer as ArrayBuffer).result });
    expect(ci.contentType).toBe(OID.signedData);
    const sd = new pkijs.SignedData({ schema: ci.content });
    expect(sd.encapContentInfo.eContent).toBeUndefined(); // detached
    expect(sd.signerInfos).toHaveLength(1);
    const si = sd.signerInfos[0]!;
    const signerCertDer = pemToDer(openPkcs12(p12, "test-only").certPem);
    // Signed attributes: exactly content-type, message-digest, signing-certificate-v2.
    const types = si.signedAttrs!.attributes.map((a) => a.type);
    expect([...types].sort()).toEqual([OID.contentType, OID.messageDigest, OID.signingCertificateV2].sort());
    expect(types).not.toContain(OID.signingTime);
    const md = si.signedAttrs!.attributes.find((a) => a.type === OID.messageDigest)!.values[0] as asn1js.OctetString;
    expect(Buffer.from(md.valueBlock.valueHexView).equals(createHash("sha256").update(content).digest())).toBe(true);
    const ess = si.signedAttrs!.attributes.find((a) => a.type === OID.signingCertificateV2)!.values[0] as asn1js.Sequence;
    const certId = ((ess.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence).valueBlock.value;
    expect(Buffer.from((certId[0] as asn1js.OctetString).valueBlock.valueHexView).equals(createHash("sha256").update(signerCertDer).digest())).toBe(true);
    const issuerSerial = certId[1] as asn1js.Sequence;
    expect(Buffer.from((issuerSerial.valueBlock.value[1] as asn1js.Integer).valueBlock.valueHexView).toString("hex")).toBe("02");
    // Unsigned attributes: exactly the signature time-stamp, over SHA-256 of this SignerInfo's signature value.
    expect(si.unsignedAttrs!.attributes.map((a) => a.type)).toEqual([OID.signatureTimeStampToken]);
    const token = new Uint8Array(si.unsignedAttrs!.attributes[0]!.values[0]!.toBER());
    const signature = new Uint8Array(si.signature.valueBlock.valueHexView);
    const check = verifyTimeStampToken(token, { imprint: sha256(signature), anchors: [pemToDer(ca.certPem)] });
    expect(check.valid).toBe(true);
    if (check.valid) {
      expect(check.info.genTime.toISOString()).toBe(now.toISOString());
      expect(Buffer.from(check.info.tsaCertDer).equals(Buffer.from(tsa.certDer))).toBe(true);
    }
    // Our own CMS verifier agrees and hands the same token out.
    const ours = verifyCmsSignature(s!.cms!, content);
    expect(ours.valid).toBe(true);
    if (ours.valid) {
      expect(Buffer.from(ours.signatureTimeStampToken!).equals(Buffer.from(token))).toBe(true);
      expect(Buffer.from(ours.signature).equals(Buffer.from(signature))).toBe(true);
    }
    // OpenSSL: the CMS verifies over the ByteRange bytes, and `openssl ts -verify` accepts the extracted token with the CA
    // (the data it imprints is the signature value).
    const files = { cms: path.join(dir, "sig.der"), content: path.join(dir, "content.bin"), token: path.join(dir, "token.der"), sig: path.join(dir, "sigvalue.bin"), ca: path.join(dir, "ca.pem") };
    writeFileSync(files.cms, s!.cms!);
    writeFileSync(files.content, content);
    writeFileSync(files.token, token);
    writeFileSync(files.sig, signature);
    writeFileSync(files.ca, ca.certPem);
    const cms = spawnSync("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", files.cms, "-content", files.content, "-CAfile", files.ca, "-purpose", "any", "-out", "/dev/null"], { encoding: "utf8" });
    expect(`${cms.stdout}${cms.stderr}`).toContain("Verification successful");
    const ts = spawnSync("openssl", ["ts", "-verify", "-token_in", "-in", files.token, "-data", files.sig, "-CAfile", files.ca], { encoding: "utf8" });
    expect(`${ts.stdout}${ts.stderr}`).toContain("Verification: OK");
    // A token for another signature value is refused.
    const other = spawnSync("openssl", ["ts", "-verify", "-token_in", "-in", files.token, "-data", files.content, "-CAfile", files.ca], { encoding: "utf8" });
    expect(other.status).not.toBe(0);
  });

  it("the time-stamp adds well under 20 ms to signing (R-perf: docs/decisions/016)", async () => {
    await signedOfficialPdf(doc, font, key, now, stamp); // warm-up (JIT, the PKCS#12 is opened once)
    const runs = 5;
    let withTsa = 0;
    let stampOnly = 0;
    const timedStamp = async (sig: Uint8Array) => {
      const t = performance.now();
      const token = await stamp(sig);
      stampOnly += performance.now() - t;
      return token;
    };
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await signedOfficialPdf(doc, font, key, now, timedStamp);
      withTsa += performance.now() - t0;
    }
    console.log(`official PDF: ${(withTsa / runs).toFixed(1)} ms per document, of which the in-process time-stamp ${(stampOnly / runs).toFixed(2)} ms`);
    expect(stampOnly / runs).toBeLessThan(20);
  });
});
