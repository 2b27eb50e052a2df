// The evaluation report signed by every committee member in its own browser (crypto/pdf/member-signing.ts +
// app/client/sign-attributes.ts run in Node): one incremental update and one valid, trusted PAdES signature per
// member, after the platform's own signature or without it, checked with poppler's pdfsig against an NSS store that
// trusts the test CA, and with qpdf and pdftoppm.
import { spawnSync } from "node:child_process";
import { createPrivateKey, sign } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { P12Error } from "#app/client/p12";
import { SignAttributesError, signReportAttributes } from "#app/client/sign-attributes";
import { fromBinary, openPkcs12, toBinary } from "#crypto/certs";
import { checkSignedPdf } from "#test/helpers/pdfsig";
import { fieldNameFor, makeCa, makeMembers, makePlatformSigner, makeTestTsa, notoSansSc, REPORT_TIME, reportDocument, signAsMember, type Member } from "#test/fixtures/report-signatures/committee";
import { pemToDer } from "#crypto/certs";
import { sha256, verifyTimeStampToken } from "#crypto/tsa/tsa";
import { verifyCmsSignature } from "./cms";
import { byteRangeBytes, readSignatures, revisionEnds } from "./incremental";
import { completeMemberSignature, prepareMemberSignature, ReportSigningError } from "./member-signing";
import { renderOfficialPdf, signedOfficialPdf } from "./signed-pdf";

const dir = mkdtempSync(path.join(tmpdir(), "th-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};
const hasQpdf = spawnSync("qpdf", ["--version"]).status === 0;

type Reported = { field: string; cn: string; type: string; valid: boolean; trusted: boolean; mismatch: boolean; total: boolean };
/** pdfsig's report, one entry per signature, with the test CA trusted in a fresh NSS store. */
function pdfsig(pdf: Uint8Array, caPem: string): Reported[] {
  const nss = mkdtempSync(path.join(dir, "nss-"));
  run("certutil", ["-N", "-d", `sql:${nss}`, "--empty-password"]);
  writeFileSync(path.join(nss, "ca.pem"), caPem);
  run("certutil", ["-A", "-d", `sql:${nss}`, "-n", "test-ca", "-t", "CT,C,C", "-i", path.join(nss, "ca.pem")]);
  const file = path.join(nss, "report.pdf");
  writeFileSync(file, pdf);
  const { out } = run("pdfsig", ["-nssdir", `sql:${nss}`, file]);
  return out
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .map((s) => ({
      field: /Signature Field Name: (.*)/.exec(s)?.[1] ?? "",
      cn: /Signer Certificate Common Name: (.*)/.exec(s)?.[1] ?? "",
      type: /Signature Type: (.*)/.exec(s)?.[1] ?? "",
      valid: s.includes("Signature Validation: Signature is Valid."),
      trusted: s.includes("Certificate Validation: Certificate is Trusted."),
      mismatch: s.includes("Digest Mismatch"),
      total: s.includes("- Total document signed"),
    }));
}

/** Members sign one after another; checks each revision leaves every earlier byte alone. Returns the file and timings. */
async function signAll(start: Uint8Array, members: Member[], stamp?: Parameters<typeof signAsMember>[3]) {
  let pdf = start;
  const timings: { prepare: number; browser: number; complete: number }[] = [];
  for (const m of members) {
    const r = await signAsMember(pdf, m, REPORT_TIME, stamp);
    expect(Buffer.from(r.signed.subarray(0, pdf.length)).equals(Buffer.from(pdf))).toBe(true);
    // Completion writes only inside /Contents: the prepared file and the signed one differ nowhere else.
    const [, b, c] = r.prepared.byteRange;
    expect(Buffer.from(r.signed.subarray(0, b)).equals(Buffer.from(r.prepared.preparedPdf.subarray(0, b)))).toBe(true);
    expect(Buffer.from(r.signed.subarray(c)).equals(Buffer.from(r.prepared.preparedPdf.subarray(c)))).toBe(true);
    pdf = r.signed;
    timings.push(r.ms);
  }
  return { pdf, timings };
}

const fmt = (ts: { prepare: number; complete: number; browser: number }[]) =>
  ts.map((t, i) => `#${i + 1} prepare ${t.prepare.toFixed(1)} + complete ${t.complete.toFixed(1)} ms (browser side ${t.browser.toFixed(0)} ms)`).join("; ");

describe("the evaluation report signed by every committee member", () => {
  const ca = makeCa();
  const members = makeMembers(ca, 7, { iterations: 2000 });
  const doc = reportDocument({ pages: 3, members });
  const { stamp } = makeTestTsa(ca);
  let platformSigned: Uint8Array;
  let unsigned: Uint8Array;
  let fiveSigned: Uint8Array;

  beforeAll(async () => {
    platformSigned = await signedOfficialPdf(doc, notoSansSc(), makePlatformSigner(ca), REPORT_TIME, stamp);
    unsigned = await renderOfficialPdf(doc, notoSansSc(), REPORT_TIME);
  });

  it("after the platform's signature, 5 members sign in turn (all PAdES B-T): pdfsig reports 6 valid, trusted signatures", async () => {
    const { pdf, timings } = await signAll(platformSigned, members.slice(0, 5), stamp);
    fiveSigned = pdf;
    console.log(`platform + 5 members, ${pdf.length} bytes: ${fmt(timings)}`);
    const report = pdfsig(pdf, ca.certPem);
    expect(report).toHaveLength(6);
    expect(report[0]).toMatchObject({ field: "Tenderhall 平台签章", cn: "Tenderhall 平台文件签章", type: "ETSI.CAdES.detached", valid: true, trusted: true, total: false });
    members.slice(0, 5).forEach((m, i) => {
      expect(report[i + 1]).toMatchObject({ field: fieldNameFor(m), cn: m.name, type: "ETSI.CAdES.detached", valid: true, trusted: true, total: i === 4 });
    });
    // Every signature — the platform's and each member's — carries a signature time-stamp over its own signature value.
    for (const s of readSignatures(pdf)) {
      const check = verifyCmsSignature(s.cms!, byteRangeBytes(pdf, s.byteRange));
      expect(check.valid).toBe(true);
      if (!check.valid) continue;
      expect(check.signatureTimeStampToken).not.toBeNull();
      expect(verifyTimeStampToken(check.signatureTimeStampToken!, { imprint: sha256(check.signature), anchors: [pemToDer(ca.certPem)] }).valid).toBe(true);
    }
    // The signed revisions are the file's prefixes: each signature ends where its revision ends.
    const ends = revisionEnds(pdf);
    expect(ends).toHaveLength(6);
    expect(ends[0]).toBe(platformSigned.length);
    expect(readSignatures(pdf).map((s) => s.byteRange[2] + s.byteRange[3])).toEqual(ends);
    // The text is still there.
    const file = path.join(dir, "five.pdf");
    writeFileSync(file, pdf);
    expect(run("pdftotext", [file, "-"]).out).toContain("大庆市第一中学图书馆改造工程施工招标");
  }, 120_000);

  it("one flipped byte in the first revision is a digest mismatch for every signature; one in a later revision only for the later ones", () => {
    const check = checkSignedPdf(fiveSigned, ca.certPem);
    expect(check.trusted.match(/Certificate is Trusted/g)).toHaveLength(6);
    expect(check.tampered.match(/Digest Mismatch/g)).toHaveLength(6);
    // A byte of member 3's revision (the 4th): the platform's and members 1–2's signatures still verify.
    const ends = revisionEnds(fiveSigned);
    const tampered = fiveSigned.slice();
    tampered[ends[3]! - 1] = tampered[ends[3]! - 1]! ^ 0x01;
    const report = pdfsig(tampered, ca.certPem);
    expect(report.map((r) => r.valid)).toEqual([true, true, true, false, false, false]);
    expect(report.slice(3).every((r) => r.mismatch)).toBe(true);
  });

  it("without a platform signature, 7 members sign: 7 valid, trusted signatures; qpdf and pdftoppm read the file", async () => {
    const { pdf, timings } = await signAll(unsigned, members);
    console.log(`7 members, ${pdf.length} bytes: ${fmt(timings)}`);
    const report = pdfsig(pdf, ca.certPem);
    expect(report.map((r) => r.cn)).toEqual(members.map((m) => m.name));
    expect(report.map((r) => r.field)).toEqual(members.map(fieldNameFor));
    expect(report.every((r) => r.valid && r.trusted && r.type === "ETSI.CAdES.detached")).toBe(true);
    const file = path.join(dir, "seven.pdf");
    writeFileSync(file, pdf);
    if (hasQpdf || process.env.CI) {
      const q = run("qpdf", ["--check", file]);
      expect(q.out).toContain("No syntax or stream encoding errors");
      expect(q.status).toBe(0);
    }
    run("pdftoppm", ["-png", "-r", "50", "-f", "1", "-l", "1", file, path.join(dir, "page")]);
    const png = readdirSync(dir).find((f) => /^page-0*1\.png$/.test(f));
    expect(png).toBeDefined();
    const bytes = readFileSync(path.join(dir, png!));
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    expect(bytes.length).toBeGreaterThan(2000);
  }, 120_000);

  it("completion refuses a signature by the wrong key, a corrupted one, and attributes prepared for another file or certificate", async () => {
    const [alice, bob] = members;
    const prepared = prepareMemberSignature({ pdf: platformSigned, fieldName: fieldNameFor(alice!), signer: { name: alice!.name, location: "大庆", reason: "签署" }, signingTime: REPORT_TIME, signerCertDer: alice!.certDer });
    const keyOf = (m: Member) => createPrivateKey({ key: Buffer.from(openPkcs12(m.p12, m.passphrase).privateKeyPkcs8), format: "der", type: "pkcs8" });
    const good = new Uint8Array(sign("sha256", prepared.signedAttrsDer, keyOf(alice!)));
    const complete = (over: Partial<Parameters<typeof completeMemberSignature>[0]>) => {
      try {
        completeMemberSignature({ preparedPdf: prepared.preparedPdf, signedAttrsDer: prepared.signedAttrsDer, signature: good, signerCertDer: alice!.certDer, chainDers: alice!.chainDers, ...over });
        return "completed";
      } catch (e) {
        expect(e).toBeInstanceOf(ReportSigningError);
        return (e as ReportSigningError).code;
      }
    };
    expect(complete({})).toBe("completed");
    // A signature time-stamp for another signature value is refused; the right one is embedded.
    expect(complete({ signatureTimeStamp: await stamp(new Uint8Array(good).reverse()) })).toBe("BAD_TIMESTAMP");
    expect(complete({ signatureTimeStamp: await stamp(good) })).toBe("completed");
    expect(complete({ signature: new Uint8Array(sign("sha256", prepared.signedAttrsDer, keyOf(bob!))) })).toBe("BAD_SIGNATURE");
    const flipped = good.slice();
    flipped[10] = flipped[10]! ^ 0x40;
    expect(complete({ signature: flipped })).toBe("BAD_SIGNATURE");
    expect(complete({ signerCertDer: bob!.certDer, chainDers: bob!.chainDers })).toBe("ATTRS_MISMATCH");
    const later = prepareMemberSignature({ pdf: platformSigned, fieldName: fieldNameFor(alice!), signer: { name: alice!.name, location: "大庆", reason: "签署" }, signingTime: new Date(REPORT_TIME.getTime() + 1000), signerCertDer: alice!.certDer });
    expect(complete({ preparedPdf: later.preparedPdf })).toBe("ATTRS_MISMATCH");
    expect(complete({ preparedPdf: platformSigned })).toBe("NO_PLACEHOLDER");
    // The same preparation again gives the same bytes (the server may keep only the hash and re-derive the file).
    const again = prepareMemberSignature({ pdf: platformSigned, fieldName: fieldNameFor(alice!), signer: { name: alice!.name, location: "大庆", reason: "签署" }, signingTime: REPORT_TIME, signerCertDer: alice!.certDer });
    expect(again.preparedSha256).toBe(prepared.preparedSha256);
    // Two members cannot take the same field.
    const signed = completeMemberSignature({ preparedPdf: prepared.preparedPdf, signedAttrsDer: prepared.signedAttrsDer, signature: good, signerCertDer: alice!.certDer, chainDers: alice!.chainDers });
    expect(() => prepareMemberSignature({ pdf: signed, fieldName: fieldNameFor(alice!), signer: { name: bob!.name, location: "大庆", reason: "签署" }, signingTime: REPORT_TIME, signerCertDer: bob!.certDer })).toThrow(/DUPLICATE_FIELD/);
  });

  it("the browser signer says what is wrong: file, passphrase, key, certificate, or attributes that are not a report signature's", async () => {
    const [alice, bob] = members;
    const { signedAttrsDer } = prepareMemberSignature({ pdf: unsigned, fieldName: fieldNameFor(alice!), signer: { name: alice!.name, location: "大庆", reason: "签署" }, signingTime: REPORT_TIME, signerCertDer: alice!.certDer });
    const attrsB64 = Buffer.from(signedAttrsDer).toString("base64");
    const problem = async (input: Partial<Parameters<typeof signReportAttributes>[0]>) => {
      try {
        await signReportAttributes({ p12: alice!.p12, passphrase: alice!.passphrase, signedAttrsB64: attrsB64, ...input });
        return "signed";
      } catch (e) {
        if (e instanceof P12Error) return e.problem;
        if (e instanceof SignAttributesError) return e.code;
        throw e;
      }
    };
    expect(await problem({ expectedFingerprint: alice!.fingerprint })).toBe("signed");
    expect(await problem({ passphrase: "wrong" })).toBe("BAD_PASSPHRASE");
    expect(await problem({ p12: new TextEncoder().encode("%PDF-1.7 not a certificate file") })).toBe("NOT_PKCS12");
    const certOnly = forge.pkcs12.toPkcs12Asn1(null, [forge.pki.certificateFromPem(alice!.certPem)], "x", { algorithm: "aes256" });
    expect(await problem({ p12: fromBinary(forge.asn1.toDer(certOnly).getBytes()), passphrase: "x" })).toBe("NO_KEY");
    // Another member's file: its certificate is not the one the report was prepared for.
    expect(await problem({ p12: bob!.p12, passphrase: bob!.passphrase })).toBe("NOT_REGISTERED");
    expect(await problem({ expectedFingerprint: bob!.fingerprint })).toBe("NOT_REGISTERED");
    // Bytes that are not B-B signed attributes (a check-in challenge) are never signed.
    expect(await problem({ signedAttrsB64: btoa("TH-CHALLENGE-v1\ncheckin:x\nnonce\n2026-11-23T02:00:00Z") })).toBe("BAD_ATTRIBUTES");
    expect(await problem({ signedAttrsB64: btoa(toBinary(signedAttrsDer.subarray(0, 40))) })).toBe("BAD_ATTRIBUTES");
  });
});
