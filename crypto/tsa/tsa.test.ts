// The RFC 3161 time-stamping authority (crypto/tsa/tsa.ts): request → response → token → verification, the refusals
// (wrong imprint, wrong nonce, a certificate without the critical id-kp-timeStamping EKU, a tampered token, another
// CA), rejections for bad requests, and OpenSSL as an independent implementation (`openssl ts -verify`, `-reply`).
import { spawnSync } from "node:child_process";
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { afterAll, describe, expect, it } from "vitest";
import { pemToDer } from "../certs";
import { createRootCa, issueSigningCert } from "../pki";
import {
  issueTsaCertificate,
  readTimeStampRequest,
  readTimeStampResponse,
  readTimeStampToken,
  rejectionResponse,
  sha256,
  TENDERHALL_TSA_POLICY,
  timeStampRequest,
  timeStampResponse,
  TSA_OID,
  verifyTimeStampToken,
} from "./tsa";

const dir = mkdtempSync(path.join(tmpdir(), "th-tsa-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rsaKeys = () => {
  const k = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKeyPem: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: k.publicKey.export({ type: "spki", format: "pem" }).toString() };
};
const now = new Date("2026-11-23T02:00:00.456Z");

function makeTsa(opts: { caName?: string } = {}) {
  const ca = createRootCa({ keys: rsaKeys(), serialHex: "01", now, years: 10, cn: opts.caName ?? "Tenderhall Test Root CA (test only)", org: "Tenderhall" });
  const caCertDer = pemToDer(ca.certPem);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const certDer = issueTsaCertificate({
    caCertDer,
    caKey: createPrivateKey(ca.keyPem),
    publicKeySpki: new Uint8Array(ec.publicKey.export({ type: "spki", format: "der" })),
    serial: Uint8Array.of(0x03, 1, 2, 3, 4, 5, 6, 7),
    now,
    years: 5,
    commonName: "Tenderhall 时间戳服务 (test only)",
    organisation: "Tenderhall 公共资源交易平台",
  });
  return { ca, caCertDer, tsa: { key: ec.privateKey, certDer } };
}

const serial = () => randomBytes(16);
const write = (name: string, data: Uint8Array | string) => {
  const f = path.join(dir, `${randomBytes(4).toString("hex")}-${name}`);
  writeFileSync(f, data);
  return f;
};

describe("RFC 3161 time-stamping authority", () => {
  const { ca, caCertDer, tsa } = makeTsa();
  const message = new TextEncoder().encode("the signature value of a SignerInfo");
  const imprint = sha256(message);
  const nonce = Uint8Array.of(0x9a, 1, 2, 3, 4, 5, 6, 7);

  it("request → response → token: granted, the imprint, nonce, policy, whole-second genTime and TSA certificate check out", () => {
    const req = timeStampRequest({ imprint, nonce });
    const read = readTimeStampRequest(req);
    expect(read.ok && read.query.certReq).toBe(true);
    const t0 = performance.now();
    const resp = timeStampResponse({ request: req, tsa, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY });
    const ms = performance.now() - t0;
    console.log(`time-stamp response (EC P-256): ${ms.toFixed(2)} ms, ${resp.length} bytes`);
    const reply = readTimeStampResponse(resp);
    expect(reply).toMatchObject({ status: 0, granted: true, failures: [] });
    const check = verifyTimeStampToken(reply.token!, { imprint, nonce, anchors: [caCertDer] });
    expect(check.valid).toBe(true);
    if (!check.valid) return;
    expect(check.info.genTime.toISOString()).toBe("2026-11-23T02:00:00.000Z");
    expect(check.info.policy).toBe(TENDERHALL_TSA_POLICY);
    expect(check.info.hashAlgorithm).toBe(TSA_OID.sha256);
    expect(Buffer.from(check.info.tsaCertDer).equals(Buffer.from(tsa.certDer))).toBe(true);
    // The token's TSTInfo as pkijs reads it.
    const { tst } = readTimeStampToken(reply.token!);
    expect(tst.accuracy?.seconds).toBe(1);
    expect(Buffer.from(tst.nonce!.valueBlock.valueHexView).toString("hex")).toBe("009a01020304050607");
  });

  it("serial numbers are the 16 bytes passed in, as a positive INTEGER (two tokens never share one)", () => {
    const req = timeStampRequest({ imprint });
    const a = Uint8Array.from([0xff, ...randomBytes(15)]);
    const tokenA = readTimeStampResponse(timeStampResponse({ request: req, tsa, serial: a, genTime: now, policy: TENDERHALL_TSA_POLICY })).token!;
    const tokenB = readTimeStampResponse(timeStampResponse({ request: req, tsa, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY })).token!;
    const ia = verifyTimeStampToken(tokenA, { imprint, anchors: [caCertDer] });
    const ib = verifyTimeStampToken(tokenB, { imprint, anchors: [caCertDer] });
    expect(ia.valid && ia.info.serialHex).toBe(Buffer.from(a).toString("hex"));
    expect(ia.valid && ib.valid && ia.info.serialHex !== ib.info.serialHex).toBe(true);
  });

  it("a serial from randomBytes (a Node Buffer) starting 00 7x is written as minimal DER: the zero is dropped", () => {
    // Found by CI: `Buffer.slice()` is a view whose `.buffer` is the whole backing store, so the stripped zero came
    // back and OpenSSL refused one token in 512 ("illegal padding", Field=serial). Every leading-zero shape:
    for (const head of ["0047", "0000", "0080", "000080"]) {
      const serial = Buffer.from(head + "71b2c3d4e5f60718293a4b5c6d7e8f90".slice(0, 32 - head.length), "hex");
      expect(serial.length).toBe(16);
      const resp = Buffer.from(timeStampResponse({ request: timeStampRequest({ imprint }), tsa, serial, genTime: now, policy: TENDERHALL_TSA_POLICY }));
      let v = serial.subarray(serial.findIndex((b) => b !== 0));
      if (v[0]! & 0x80) v = Buffer.concat([Buffer.of(0), v]);
      const der = Buffer.concat([Buffer.of(0x02, v.length), v]);
      expect(resp.includes(der), head).toBe(true);
      if (v.length !== 16) expect(resp.includes(Buffer.concat([Buffer.of(0x02, 16), serial])), head).toBe(false);
      expect(verifyTimeStampToken(readTimeStampResponse(resp).token!, { imprint, anchors: [caCertDer] }).valid).toBe(true);
    }
  });

  it("a wrong imprint, a wrong nonce, another CA and an unknown request policy are refused", () => {
    const token = readTimeStampResponse(timeStampResponse({ request: timeStampRequest({ imprint, nonce }), tsa, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY })).token!;
    expect(verifyTimeStampToken(token, { imprint: sha256(new Uint8Array(3)), anchors: [caCertDer] })).toEqual({ valid: false, reason: "IMPRINT_MISMATCH" });
    expect(verifyTimeStampToken(token, { imprint, nonce: Uint8Array.of(1, 2, 3), anchors: [caCertDer] })).toEqual({ valid: false, reason: "NONCE_MISMATCH" });
    const other = makeTsa({ caName: "Some Other CA (test only)" });
    expect(verifyTimeStampToken(token, { imprint, anchors: [other.caCertDer] })).toEqual({ valid: false, reason: "UNTRUSTED" });
    expect(verifyTimeStampToken(token, { imprint, anchors: null }).valid).toBe(true);
    // Asking for our own policy (a UUID OID, arcs beyond 2^53) is granted; another policy is not.
    const ours = readTimeStampResponse(timeStampResponse({ request: timeStampRequest({ imprint, policy: TENDERHALL_TSA_POLICY }), tsa, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY }));
    expect(ours.granted).toBe(true);
    const policyReq = timeStampRequest({ imprint, policy: "1.2.3.4" });
    expect(readTimeStampResponse(timeStampResponse({ request: policyReq, tsa, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY }))).toMatchObject({ status: 2, granted: false, failures: ["unacceptedPolicy"], token: null });
  });

  it("a certificate without the critical id-kp-timeStamping EKU is not a TSA (our verifier and OpenSSL)", () => {
    // A certificate whose only EKU is timeStamping but not critical (re-signed by the CA, so only the EKU is wrong).
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const good = pkijs.Certificate.fromBER(issueTsaCertificate({ caCertDer, caKey: createPrivateKey(ca.keyPem), publicKeySpki: new Uint8Array(ec.publicKey.export({ type: "spki", format: "der" })), serial: serial(), now, years: 1, commonName: "x", organisation: "y" }).slice().buffer as ArrayBuffer);
    const eku = good.extensions!.find((e) => e.extnID === TSA_OID.extKeyUsage)!;
    eku.critical = false;
    // Re-sign the altered certificate with the CA key, so only the EKU is wrong.
    const tbs = new Uint8Array(good.encodeTBS().toBER());
    good.tbsView = tbs;
    good.signatureValue = new asn1js.BitString({ valueHex: new Uint8Array(createSignature(tbs, ca.keyPem)).slice().buffer as ArrayBuffer });
    const nonCritical = { key: ec.privateKey, certDer: new Uint8Array(good.toSchema().toBER()) };
    const req = timeStampRequest({ imprint });
    const token = readTimeStampResponse(timeStampResponse({ request: req, tsa: nonCritical, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY })).token!;
    expect(verifyTimeStampToken(token, { imprint, anchors: [caCertDer] })).toEqual({ valid: false, reason: "BAD_EKU" });
    const [status] = opensslTsVerify(token, message, ca.certPem);
    expect(status).not.toBe(0);
    // The platform's document-signing certificate (EKU emailProtection, an RSA key) is no TSA either.
    const signerKeys = rsaKeys();
    const docSigner = issueSigningCert({ ca, keys: signerKeys, serialHex: "05", now, years: 1, cn: "Tenderhall 平台文件签章", org: "Tenderhall" });
    const byDocSigner = readTimeStampResponse(timeStampResponse({ request: req, tsa: { key: createPrivateKey(signerKeys.privateKeyPem), certDer: pemToDer(docSigner.certPem) }, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY })).token!;
    expect(verifyTimeStampToken(byDocSigner, { imprint, anchors: [caCertDer] })).toEqual({ valid: false, reason: "BAD_EKU" });
    expect(opensslTsVerify(byDocSigner, message, ca.certPem)[0]).not.toBe(0);
  });

  it("a tampered token (TSTInfo, signature or the embedded certificate) does not verify", () => {
    const token = readTimeStampResponse(timeStampResponse({ request: timeStampRequest({ imprint }), tsa, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY })).token!;
    // The genTime digits inside the TSTInfo: "20261123020000Z" → "20261123020001Z".
    const text = Buffer.from(token).toString("latin1");
    const at = text.indexOf("20261123020000Z");
    expect(at).toBeGreaterThan(0);
    const t1 = token.slice();
    t1[at + 13] = "1".charCodeAt(0);
    expect(verifyTimeStampToken(t1, { imprint, anchors: [caCertDer] })).toMatchObject({ valid: false, reason: "DIGEST_MISMATCH" });
    // The last byte of the signature (the end of the token's DER).
    const t2 = token.slice();
    t2[t2.length - 1] = t2[t2.length - 1]! ^ 0x01;
    expect(verifyTimeStampToken(t2, { imprint, anchors: [caCertDer] }).valid).toBe(false);
    // A byte of the TSA certificate's signature: the ESS hash no longer names it.
    const certAt = Buffer.from(token).indexOf(Buffer.from(tsa.certDer));
    expect(certAt).toBeGreaterThan(0);
    const t3 = token.slice();
    t3[certAt + tsa.certDer.length - 2] = t3[certAt + tsa.certDer.length - 2]! ^ 0x01;
    expect(verifyTimeStampToken(t3, { imprint, anchors: [caCertDer] })).toMatchObject({ valid: false, reason: "ESS_MISMATCH" });
    expect(verifyTimeStampToken(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), { imprint, anchors: [caCertDer] }).valid).toBe(false);
    expect(opensslTsVerify(t1, message, ca.certPem)[0]).not.toBe(0);
  });

  it("bad requests get status rejection with the reason, never an exception", () => {
    const answer = (request: Uint8Array) => readTimeStampResponse(timeStampResponse({ request, tsa, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY }));
    expect(answer(new TextEncoder().encode("not DER at all"))).toMatchObject({ status: 2, failures: ["badDataFormat"] });
    expect(answer(new Uint8Array(0))).toMatchObject({ status: 2, failures: ["badDataFormat"] });
    const good = timeStampRequest({ imprint });
    expect(answer(Uint8Array.from([...good, 0]))).toMatchObject({ status: 2, failures: ["badDataFormat"] });
    // SHA-1 imprint: badAlg.
    const sha1Req = new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({ hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: TSA_OID.sha1 }), hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(20).buffer }) }),
    });
    expect(answer(new Uint8Array(sha1Req.toSchema().toBER()))).toMatchObject({ status: 2, failures: ["badAlg"] });
    expect(readTimeStampResponse(rejectionResponse("systemFailure", "down"))).toMatchObject({ status: 2, failures: ["systemFailure"], text: ["down"] });
  });

  it("`openssl ts -verify` accepts the token with the CA, and OpenSSL's own request is answered", () => {
    const req = timeStampRequest({ imprint, nonce });
    const resp = timeStampResponse({ request: req, tsa, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY });
    const token = readTimeStampResponse(resp).token!;
    const [status, out] = opensslTsVerify(token, message, ca.certPem);
    expect(out, out).toContain("Verification: OK");
    expect(status).toBe(0);
    // OpenSSL builds the request (SHA-256, a nonce, certificates requested); our TSA answers; OpenSSL checks the reply.
    const data = write("data.bin", message);
    const reqFile = write("req.tsq", "");
    spawnSync("openssl", ["ts", "-query", "-data", data, "-sha256", "-cert", "-out", reqFile]);
    const opensslReq = new Uint8Array(readFileSync(reqFile));
    const reply = timeStampResponse({ request: opensslReq, tsa, serial: serial(), genTime: now, policy: TENDERHALL_TSA_POLICY });
    const replyFile = write("reply.tsr", reply);
    const r = spawnSync("openssl", ["ts", "-verify", "-in", replyFile, "-queryfile", reqFile, "-CAfile", write("ca.pem", ca.certPem)], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`, `${r.stdout}${r.stderr}`).toContain("Verification: OK");
    const text = spawnSync("openssl", ["ts", "-reply", "-in", replyFile, "-text"], { encoding: "utf8" }).stdout;
    expect(text).toContain("Status: Granted.");
    expect(text).toContain(`Policy OID: ${TENDERHALL_TSA_POLICY}`);
    expect(text).toMatch(/Time stamp: Nov 23 02:00:00 2026 GMT/);
  });
});

function createSignature(data: Uint8Array, keyPem: string): Buffer {
  return sign("sha256", data, createPrivateKey(keyPem));
}

/** `openssl ts -verify` of a TimeStampToken over `data`, trusting `caPem`. */
function opensslTsVerify(token: Uint8Array, data: Uint8Array, caPem: string): [number | null, string] {
  const r = spawnSync("openssl", ["ts", "-verify", "-token_in", "-in", write("token.der", token), "-data", write("data.bin", data), "-CAfile", write("ca.pem", caPem)], { encoding: "utf8" });
  return [r.status, `${r.stdout}${r.stderr}`];
}
