import { createHash, sign as nodeSign, verify as nodeVerify, X509Certificate, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

/**
 * A time-stamping authority (RFC 3161, with the ESS signing-certificate-v2 of RFC 5816), pure:
 * bytes, keys, serial numbers and the time in; bytes out. Structures are built and parsed with
 * pkijs/asn1js; signatures are made and checked with node:crypto (synchronous, and an EC P-256
 * signature costs well under a millisecond).
 *
 * - `timeStampRequest` builds a TimeStampReq (the client side),
 * - `timeStampResponse` answers one: a TimeStampResp with status granted and a TimeStampToken, or
 *   status rejection with the PKIFailureInfo bit that says why (never an exception for bad input),
 * - `readTimeStampResponse` and `verifyTimeStampToken` read and check a reply and its token:
 *   imprint, nonce, TSA certificate (extendedKeyUsage id-kp-timeStamping only, critical — RFC 3161
 *   §2.3), the token's signed attributes, its signature, and the chain to the CAs given.
 * - `issueTsaCertificate` makes the TSA's certificate, issued by a CA whose key is given.
 *
 * Byte layout and OIDs: docs/pades.md. Decision record: docs/decisions/016-pades-and-tsa.md.
 */

export const TSA_OID = {
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  /** id-aa-signatureTimeStampToken (RFC 3161 Appendix A): an unsigned attribute of a SignerInfo. */
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  extKeyUsage: "2.5.29.37",
  keyUsage: "2.5.29.15",
  basicConstraints: "2.5.29.19",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  sha384WithRSA: "1.2.840.113549.1.1.12",
  sha512WithRSA: "1.2.840.113549.1.1.13",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",
} as const;

/**
 * The platform TSA's policy (TSTInfo.policy): a UUID-based OID (ITU-T X.667, arc 2.25), which
 * needs no registration and cannot collide. What it promises is written in docs/pades.md.
 */
export const TENDERHALL_TSA_POLICY = "2.25.78050529278572115948808432007866918532";

/** Hash algorithms accepted in a message imprint, with their digest lengths (anything else is badAlg). */
const HASHES: Record<string, { name: string; length: number }> = {
  [TSA_OID.sha256]: { name: "sha256", length: 32 },
  [TSA_OID.sha384]: { name: "sha384", length: 48 },
  [TSA_OID.sha512]: { name: "sha512", length: 64 },
};

/** PKIFailureInfo bits (RFC 3161 §2.4.2). */
export const FAILURE_BITS = { badAlg: 0, badRequest: 2, badDataFormat: 5, timeNotAvailable: 14, unacceptedPolicy: 15, unacceptedExtension: 16, addInfoNotAvailable: 17, systemFailure: 25 } as const;
export type FailureInfo = keyof typeof FAILURE_BITS;

export class TsaError extends Error {
  constructor(
    readonly code: "MALFORMED" | "BAD_INPUT",
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = "TsaError";
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

const u8 = (b: ArrayBuffer | ArrayBufferView): Uint8Array => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).slice();
/** A copy of exactly `b`'s bytes. Not `b.slice().buffer`: for a Node Buffer, slice() is a view and `.buffer` the whole backing store. */
const ab = (b: Uint8Array): ArrayBuffer => new Uint8Array(b).buffer as ArrayBuffer;
const der = (o: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array => new Uint8Array(o.toBER(false));
const hash = (name: string, data: Uint8Array): Uint8Array => new Uint8Array(createHash(name).update(data).digest());
export const sha256 = (data: Uint8Array): Uint8Array => hash("sha256", data);
const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Parses exactly one BER/DER value filling all of `bytes` (trailing bytes are malformed). */
function parseAll(bytes: Uint8Array): asn1js.AsnType {
  const r = asn1js.fromBER(ab(bytes));
  if (r.offset === -1 || r.offset !== bytes.length) throw new TsaError("MALFORMED", r.result.error || "trailing bytes");
  return r.result;
}

/**
 * The dotted text of an OBJECT IDENTIFIER as encoded (asn1js prints arcs above 2^53 — those of a
 * UUID-based OID such as our policy — in its own notation, so the arcs are decoded here with BigInt).
 */
function oidText(o: asn1js.ObjectIdentifier): string {
  const tlv = o.valueBeforeDecodeView.byteLength ? u8(o.valueBeforeDecodeView) : der(o);
  let i = 1;
  let len = tlv[i++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + tlv[i++]!;
  }
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of tlv.subarray(i, i + len)) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs].join(".");
}

/** The first OBJECT IDENTIFIER directly inside a SEQUENCE (TimeStampReq.reqPolicy, TSTInfo.policy), or null. */
function topLevelOid(seq: asn1js.AsnType): string | null {
  if (!(seq instanceof asn1js.Sequence)) return null;
  const o = seq.valueBlock.value.find((v): v is asn1js.ObjectIdentifier => v instanceof asn1js.ObjectIdentifier);
  return o ? oidText(o) : null;
}

/** A DER SET OF: elements sorted by their encodings (X.690 §11.6). */
function sortedForSet<T extends { toSchema(): { toBER(): ArrayBuffer } }>(items: T[]): T[] {
  const enc = items.map((item) => ({ item, d: new Uint8Array(item.toSchema().toBER()) }));
  enc.sort((x, y) => {
    const n = Math.max(x.d.length, y.d.length);
    for (let i = 0; i < n; i++) {
      const a = x.d[i] ?? 0;
      const b = y.d[i] ?? 0;
      if (a !== b) return a - b;
    }
    return 0;
  });
  return enc.map((e) => e.item);
}

const algorithm = (oid: string, nullParams = false) => new pkijs.AlgorithmIdentifier({ algorithmId: oid, ...(nullParams ? { algorithmParams: new asn1js.Null() } : {}) });

/** The signature algorithm for a key: ecdsa-with-SHA256 (no parameters) or sha256WithRSAEncryption (NULL). */
function signatureAlgorithmFor(key: KeyObject): pkijs.AlgorithmIdentifier {
  if (key.asymmetricKeyType === "ec") return algorithm(TSA_OID.ecdsaWithSha256);
  if (key.asymmetricKeyType === "rsa") return algorithm(TSA_OID.sha256WithRSA, true);
  throw new TsaError("BAD_INPUT", `unsupported key type ${key.asymmetricKeyType}`);
}

/** The hash a signature algorithm (with the SignerInfo's digest algorithm for plain rsaEncryption) uses, or null. */
function signatureHash(sigAlg: string, digestAlg: string): string | null {
  const byAlg: Record<string, string> = {
    [TSA_OID.sha256WithRSA]: "sha256",
    [TSA_OID.sha384WithRSA]: "sha384",
    [TSA_OID.sha512WithRSA]: "sha512",
    [TSA_OID.ecdsaWithSha256]: "sha256",
    [TSA_OID.ecdsaWithSha384]: "sha384",
    [TSA_OID.ecdsaWithSha512]: "sha512",
  };
  if (sigAlg === TSA_OID.rsaEncryption) return HASHES[digestAlg]?.name ?? null;
  return byAlg[sigAlg] ?? null;
}

/** A positive INTEGER from big-endian bytes (a leading 0x00 is added when the top bit is set). */
function positiveInteger(bytes: Uint8Array): asn1js.Integer {
  let b = bytes;
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && (b[i + 1]! & 0x80) === 0) i++;
  b = b.subarray(i);
  if (b.length === 0 || (b.length === 1 && b[0] === 0)) throw new TsaError("BAD_INPUT", "zero is not a serial number");
  return new asn1js.Integer({ valueHex: ab((b[0]! & 0x80) !== 0 ? Uint8Array.of(0, ...b) : b) });
}

const intBytes = (i: asn1js.Integer): Uint8Array => u8(i.valueBlock.valueHexView);

/** The GeneralizedTime of a token: whole seconds (DER forbids trailing zeros in a fraction; we carry none). */
const wholeSeconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

export type TimeStampQuery = {
  hashAlgorithm: string;
  imprint: Uint8Array;
  /** The nonce INTEGER's content bytes, or null. */
  nonce: Uint8Array | null;
  certReq: boolean;
  policy: string | null;
};

/** A TimeStampReq (v1) over a SHA-256 imprint; `nonce` (random bytes, passed in) is sent as a positive INTEGER. */
export function timeStampRequest(input: { imprint: Uint8Array; nonce?: Uint8Array; certReq?: boolean; policy?: string }): Uint8Array {
  if (input.imprint.length !== 32) throw new TsaError("BAD_INPUT", "SHA-256 imprint expected");
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({ hashAlgorithm: algorithm(TSA_OID.sha256), hashedMessage: new asn1js.OctetString({ valueHex: ab(input.imprint) }) }),
    certReq: input.certReq ?? true,
    ...(input.policy ? { reqPolicy: input.policy } : {}),
    ...(input.nonce ? { nonce: positiveInteger(input.nonce) } : {}),
  });
  return der(req.toSchema());
}

/** Reads a TimeStampReq, or says which PKIFailureInfo its rejection carries. */
export function readTimeStampRequest(bytes: Uint8Array): { ok: true; query: TimeStampQuery } | { ok: false; failure: FailureInfo; detail: string } {
  let req: pkijs.TimeStampReq;
  let policy: string | null;
  try {
    const schema = parseAll(bytes);
    req = new pkijs.TimeStampReq({ schema });
    policy = req.reqPolicy ? topLevelOid(schema) : null;
  } catch (e) {
    return { ok: false, failure: "badDataFormat", detail: e instanceof Error ? e.message : "not a TimeStampReq" };
  }
  if (req.version !== 1) return { ok: false, failure: "badRequest", detail: `version ${req.version}` };
  if (req.extensions?.length) return { ok: false, failure: "unacceptedExtension", detail: "extensions" };
  const alg = req.messageImprint.hashAlgorithm.algorithmId;
  const imprint = u8(req.messageImprint.hashedMessage.valueBlock.valueHexView);
  const h = HASHES[alg];
  if (!h) return { ok: false, failure: "badAlg", detail: `hash ${alg}` };
  if (imprint.length !== h.length) return { ok: false, failure: "badDataFormat", detail: "imprint length" };
  const nonce = req.nonce ? intBytes(req.nonce) : null;
  if (nonce && nonce.length > 64) return { ok: false, failure: "badRequest", detail: "nonce too long" };
  return { ok: true, query: { hashAlgorithm: alg, imprint, nonce, certReq: req.certReq ?? false, policy } };
}

// ---------------------------------------------------------------------------------------------------------------
// Responses (the TSA side)
// ---------------------------------------------------------------------------------------------------------------

export type TsaSigner = {
  /** The TSA's private key (EC P-256 or RSA). */
  key: KeyObject;
  /** The TSA's certificate (DER): extendedKeyUsage id-kp-timeStamping, critical. */
  certDer: Uint8Array;
  /** Further certificates put into the token when the request asks for certificates (e.g. the issuing CA). */
  chainDers?: Uint8Array[];
};

/** A TimeStampResp with status rejection and one PKIFailureInfo bit (and a short text). */
export function rejectionResponse(failure: FailureInfo, text?: string): Uint8Array {
  const bit = FAILURE_BITS[failure];
  const bytes = new Uint8Array(Math.floor(bit / 8) + 1);
  bytes[Math.floor(bit / 8)] = 0x80 >> bit % 8;
  const status = new pkijs.PKIStatusInfo({
    status: pkijs.PKIStatus.rejection,
    ...(text ? { statusStrings: [new asn1js.Utf8String({ value: text.slice(0, 200) })] } : {}),
    // A named bit list in DER: no trailing zero bits.
    failInfo: new asn1js.BitString({ valueHex: ab(bytes), unusedBits: 7 - (bit % 8) }),
  });
  return der(new pkijs.TimeStampResp({ status }).toSchema());
}

/**
 * Answers a TimeStampReq: a granted TimeStampResp whose token is a CMS SignedData (RFC 5652) over
 * a TSTInfo {version 1, `policy`, the request's messageImprint, `serial`, `genTime` (whole
 * seconds), accuracy 1 s, the request's nonce}, signed by the TSA with the signed attributes
 * content-type (id-ct-TSTInfo), message-digest and ESS signing-certificate-v2 (RFC 5816). The TSA
 * certificate is included when the request sets certReq. Bad requests get status rejection.
 */
export function timeStampResponse(input: { request: Uint8Array; tsa: TsaSigner; serial: Uint8Array; genTime: Date; policy: string; acceptPolicies?: string[] }): Uint8Array {
  const read = readTimeStampRequest(input.request);
  if (!read.ok) return rejectionResponse(read.failure, read.detail);
  const q = read.query;
  const accepted = input.acceptPolicies ?? [input.policy];
  if (q.policy && !accepted.includes(q.policy)) return rejectionResponse("unacceptedPolicy", "policy");
  const token = timeStampToken({ query: q, tsa: input.tsa, serial: input.serial, genTime: input.genTime, policy: q.policy ?? input.policy });
  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    timeStampToken: new pkijs.ContentInfo({ schema: parseAll(token) }),
  });
  return der(resp.toSchema());
}

/** Parsed TSA certificates by their SHA-256 (pkijs takes ~6 ms to parse one; a TSA signs with the same one every time). */
const parsedCerts = new Map<string, pkijs.Certificate>();
function parsedCert(certDer: Uint8Array): pkijs.Certificate {
  const k = hex(sha256(certDer));
  let c = parsedCerts.get(k);
  if (!c) {
    c = pkijs.Certificate.fromBER(ab(certDer));
    if (parsedCerts.size >= 16) parsedCerts.clear();
    parsedCerts.set(k, c);
  }
  return c;
}

/**
 * The TimeStampToken (ContentInfo DER) for a query that was accepted — what `timeStampResponse`
 * wraps; an in-process TSA calls it directly (no request to encode and parse).
 */
export function timeStampToken(input: { query: TimeStampQuery; tsa: TsaSigner; serial: Uint8Array; genTime: Date; policy: string }): Uint8Array {
  if (input.serial.length < 8 || input.serial.length > 20) throw new TsaError("BAD_INPUT", "serial: 8 to 20 bytes");
  const cert = parsedCert(input.tsa.certDer);
  const tst = new pkijs.TSTInfo({
    version: 1,
    policy: input.policy,
    messageImprint: new pkijs.MessageImprint({ hashAlgorithm: algorithm(input.query.hashAlgorithm), hashedMessage: new asn1js.OctetString({ valueHex: ab(input.query.imprint) }) }),
    // RFC 3161 §2.4.2: a positive integer of up to 160 bits, unique per token.
    serialNumber: positiveInteger(input.serial),
    genTime: wholeSeconds(input.genTime),
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(input.query.nonce ? { nonce: new asn1js.Integer({ valueHex: ab(input.query.nonce) }) } : {}),
  });
  const tstDer = der(tst.toSchema());
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: sortedForSet([
      new pkijs.Attribute({ type: TSA_OID.contentType, values: [new asn1js.ObjectIdentifier({ value: TSA_OID.tstInfo })] }),
      new pkijs.Attribute({ type: TSA_OID.messageDigest, values: [new asn1js.OctetString({ valueHex: ab(sha256(tstDer)) })] }),
      new pkijs.Attribute({ type: TSA_OID.signingCertificateV2, values: [signingCertificateV2(cert, input.tsa.certDer)] }),
    ]),
  });
  // What is signed: the DER of the SET OF Attribute (tag 0x31), not the [0] IMPLICIT encoding (RFC 5652 §5.4).
  const toSign = der(signedAttrs.toSchema());
  toSign[0] = 0x31;
  const signature = new Uint8Array(nodeSign("sha256", toSign, input.tsa.key));
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: algorithm(TSA_OID.sha256),
    signedAttrs,
    signatureAlgorithm: signatureAlgorithmFor(input.tsa.key),
    signature: new asn1js.OctetString({ valueHex: ab(signature) }),
  });
  const certificates = input.query.certReq ? [cert, ...(input.tsa.chainDers ?? []).map(parsedCert)] : undefined;
  const sd = new pkijs.SignedData({
    version: 3,
    digestAlgorithms: [algorithm(TSA_OID.sha256)],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: TSA_OID.tstInfo, eContent: new asn1js.OctetString({ valueHex: ab(tstDer) }) }),
    ...(certificates ? { certificates } : {}),
    signerInfos: [signerInfo],
  });
  return der(new pkijs.ContentInfo({ contentType: TSA_OID.signedData, content: sd.toSchema(true) }).toSchema());
}

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } with one ESSCertIDv2
 * { certHash = SHA-256 of the certificate (hashAlgorithm DEFAULT id-sha256, so omitted),
 *   issuerSerial { issuer GeneralNames = [4] directoryName, serialNumber } } (RFC 5035).
 */
function signingCertificateV2(cert: pkijs.Certificate, certDer: Uint8Array): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })] }), cert.serialNumber],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: ab(sha256(certDer)) }), issuerSerial] })] })] });
}

// ---------------------------------------------------------------------------------------------------------------
// Reading and verifying (the client side)
// ---------------------------------------------------------------------------------------------------------------

export type TimeStampReply = { status: number; granted: boolean; failures: FailureInfo[]; text: string[]; token: Uint8Array | null };

/** Reads a TimeStampResp (throws TsaError MALFORMED for bytes that are not one). */
export function readTimeStampResponse(bytes: Uint8Array): TimeStampReply {
  let resp: pkijs.TimeStampResp;
  try {
    resp = new pkijs.TimeStampResp({ schema: parseAll(bytes) });
  } catch (e) {
    throw new TsaError("MALFORMED", e instanceof Error ? e.message : "not a TimeStampResp");
  }
  const status = resp.status.status as number;
  const failures: FailureInfo[] = [];
  const fi = resp.status.failInfo;
  if (fi) {
    const bits = u8(fi.valueBlock.valueHexView);
    for (const [name, bit] of Object.entries(FAILURE_BITS)) if (((bits[Math.floor(bit / 8)] ?? 0) & (0x80 >> bit % 8)) !== 0) failures.push(name as FailureInfo);
  }
  const text = (resp.status.statusStrings ?? []).map((s) => s.valueBlock.value);
  const token = resp.timeStampToken ? der(resp.timeStampToken.toSchema()) : null;
  return { status, granted: status === 0 || status === 1, failures, text, token };
}

export type TokenInfo = {
  genTime: Date;
  serialHex: string;
  policy: string;
  hashAlgorithm: string;
  imprint: Uint8Array;
  nonce: Uint8Array | null;
  /** The certificate that signed the token (DER). */
  tsaCertDer: Uint8Array;
  /** Every certificate the token carries (DER). */
  certificates: Uint8Array[];
};

export type TokenFailure =
  | "MALFORMED"
  | "NOT_TST_INFO"
  | "ALGORITHM"
  | "IMPRINT_MISMATCH"
  | "NONCE_MISMATCH"
  | "NO_TSA_CERT"
  | "BAD_EKU"
  | "BAD_ATTRIBUTES"
  | "DIGEST_MISMATCH"
  | "ESS_MISMATCH"
  | "BAD_SIGNATURE"
  | "CERT_NOT_VALID"
  | "UNTRUSTED";

export type TokenCheck = { valid: true; info: TokenInfo } | { valid: false; reason: TokenFailure; detail?: string };

/** The TSTInfo and certificates of a token, without checking anything (throws TsaError MALFORMED). */
export function readTimeStampToken(token: Uint8Array): { signedData: pkijs.SignedData; tst: pkijs.TSTInfo; tstDer: Uint8Array; policy: string } {
  try {
    const ci = new pkijs.ContentInfo({ schema: parseAll(token) });
    if (ci.contentType !== TSA_OID.signedData) throw new TsaError("MALFORMED", "not SignedData");
    const sd = new pkijs.SignedData({ schema: ci.content });
    if (sd.encapContentInfo.eContentType !== TSA_OID.tstInfo || !sd.encapContentInfo.eContent) throw new TsaError("MALFORMED", "NOT_TST_INFO");
    const tstDer = octetContent(sd.encapContentInfo.eContent);
    const schema = parseAll(tstDer);
    const tst = new pkijs.TSTInfo({ schema });
    return { signedData: sd, tst, tstDer, policy: topLevelOid(schema) ?? tst.policy };
  } catch (e) {
    if (e instanceof TsaError) throw e;
    throw new TsaError("MALFORMED", e instanceof Error ? e.message : "token");
  }
}

/** The content of an OCTET STRING, primitive or constructed (BER). */
function octetContent(o: asn1js.OctetString): Uint8Array {
  if (!o.idBlock.isConstructed) return u8(o.valueBlock.valueHexView);
  const parts = (o.valueBlock.value as asn1js.OctetString[]).map(octetContent);
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

const certDerOf = (c: pkijs.Certificate) => der(c.toSchema());

/**
 * Checks a TimeStampToken: a SignedData over a TSTInfo whose messageImprint is `imprint`
 * (hashed with the algorithm the token names; SHA-256 for ours), whose nonce is `nonce` when one
 * is given; signed by a certificate it carries, with extendedKeyUsage exactly id-kp-timeStamping
 * and critical, valid at genTime; signed attributes content-type = id-ct-TSTInfo, message-digest =
 * hash of the TSTInfo, ESS signing-certificate(-v2) naming that certificate; the signature over
 * the attributes verifies; and, unless `anchors` is null, the certificate was issued (signature
 * checked) by one of the CA certificates in `anchors`, valid at genTime.
 */
export function verifyTimeStampToken(token: Uint8Array, opts: { imprint: Uint8Array; nonce?: Uint8Array | null; anchors: Uint8Array[] | null }): TokenCheck {
  let parsed: ReturnType<typeof readTimeStampToken>;
  try {
    parsed = readTimeStampToken(token);
  } catch (e) {
    return { valid: false, reason: e instanceof TsaError && e.message.includes("NOT_TST_INFO") ? "NOT_TST_INFO" : "MALFORMED", detail: e instanceof Error ? e.message : undefined };
  }
  const { signedData: sd, tst, tstDer, policy } = parsed;
  if (tst.version !== 1) return { valid: false, reason: "MALFORMED", detail: "TSTInfo version" };
  const hashAlg = tst.messageImprint.hashAlgorithm.algorithmId;
  const h = HASHES[hashAlg];
  if (!h) return { valid: false, reason: "ALGORITHM", detail: `imprint hash ${hashAlg}` };
  const imprint = u8(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!equal(imprint, opts.imprint)) return { valid: false, reason: "IMPRINT_MISMATCH" };
  const nonce = tst.nonce ? intBytes(tst.nonce) : null;
  if (opts.nonce && (!nonce || !equal(stripZeros(nonce), stripZeros(opts.nonce)))) return { valid: false, reason: "NONCE_MISMATCH" };
  if (sd.signerInfos.length !== 1) return { valid: false, reason: "MALFORMED", detail: "one SignerInfo expected" };
  const si = sd.signerInfos[0]!;
  const certs = (sd.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);
  const certificates = certs.map(certDerOf);
  if (!(si.sid instanceof pkijs.IssuerAndSerialNumber)) return { valid: false, reason: "NO_TSA_CERT", detail: "subjectKeyIdentifier sid" };
  const sid = si.sid;
  const at = certs.findIndex((c) => c.serialNumber.isEqual(sid.serialNumber) && c.issuer.isEqual(sid.issuer));
  if (at < 0) return { valid: false, reason: "NO_TSA_CERT" };
  const tsaCert = certs[at]!;
  const tsaCertDer = certificates[at]!;
  // RFC 3161 §2.3: the TSA's certificate has exactly one extendedKeyUsage, id-kp-timeStamping, and it is critical.
  const eku = tsaCert.extensions?.find((e) => e.extnID === TSA_OID.extKeyUsage);
  const purposes = eku?.parsedValue instanceof pkijs.ExtKeyUsage ? eku.parsedValue.keyPurposes : [];
  if (!eku || !eku.critical || purposes.length !== 1 || purposes[0] !== TSA_OID.timeStamping) return { valid: false, reason: "BAD_EKU" };
  const genTime = tst.genTime;
  if (genTime < tsaCert.notBefore.value || genTime > tsaCert.notAfter.value) return { valid: false, reason: "CERT_NOT_VALID", detail: "TSA certificate at genTime" };
  // Signed attributes: content-type, message-digest, and ESS signing-certificate(-v2).
  const digestName = HASHES[si.digestAlgorithm.algorithmId]?.name;
  const sigHash = signatureHash(si.signatureAlgorithm.algorithmId, si.digestAlgorithm.algorithmId);
  if (!digestName || !sigHash) return { valid: false, reason: "ALGORITHM", detail: "signature algorithm" };
  if (!si.signedAttrs) return { valid: false, reason: "BAD_ATTRIBUTES", detail: "no signed attributes" };
  const attr = (type: string) => si.signedAttrs!.attributes.find((a) => a.type === type)?.values[0];
  const ct = attr(TSA_OID.contentType);
  if (!(ct instanceof asn1js.ObjectIdentifier) || ct.valueBlock.toString() !== TSA_OID.tstInfo) return { valid: false, reason: "BAD_ATTRIBUTES", detail: "content-type" };
  const md = attr(TSA_OID.messageDigest);
  if (!(md instanceof asn1js.OctetString)) return { valid: false, reason: "BAD_ATTRIBUTES", detail: "message-digest" };
  if (!equal(u8(md.valueBlock.valueHexView), hash(digestName, tstDer))) return { valid: false, reason: "DIGEST_MISMATCH" };
  const ess = essCertHash(attr(TSA_OID.signingCertificateV2), attr(TSA_OID.signingCertificate));
  if (!ess) return { valid: false, reason: "BAD_ATTRIBUTES", detail: "ESS signing certificate" };
  if (!equal(ess.hash, hash(ess.alg, tsaCertDer))) return { valid: false, reason: "ESS_MISMATCH" };
  // The signature is over the attributes as a DER SET OF (tag 0x31), as encoded in the token.
  const signed = u8(si.signedAttrs.encodedValue);
  signed[0] = 0x31;
  let ok = false;
  try {
    ok = nodeVerify(sigHash, signed, new X509Certificate(tsaCertDer).publicKey, u8(si.signature.valueBlock.valueHexView));
  } catch {
    ok = false;
  }
  if (!ok) return { valid: false, reason: "BAD_SIGNATURE" };
  if (opts.anchors !== null && !issuedByOneOf(tsaCertDer, opts.anchors, genTime)) return { valid: false, reason: "UNTRUSTED" };
  return {
    valid: true,
    info: { genTime, serialHex: hex(stripZeros(intBytes(tst.serialNumber))), policy, hashAlgorithm: hashAlg, imprint, nonce, tsaCertDer, certificates },
  };
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** The first ESSCertID(v2)'s certHash and the hash it uses (v2 preferred; v1 is SHA-1). */
function essCertHash(v2: asn1js.AsnType | undefined, v1: asn1js.AsnType | undefined): { alg: string; hash: Uint8Array } | null {
  const first = (n: asn1js.AsnType | undefined): asn1js.AsnType[] | null => {
    if (!(n instanceof asn1js.Sequence)) return null;
    const certs = n.valueBlock.value[0];
    if (!(certs instanceof asn1js.Sequence)) return null;
    const id = certs.valueBlock.value[0];
    return id instanceof asn1js.Sequence ? id.valueBlock.value : null;
  };
  const id2 = first(v2);
  if (id2) {
    let alg = "sha256";
    let i = 0;
    if (id2[0] instanceof asn1js.Sequence) {
      const oid = id2[0].valueBlock.value[0];
      const name = oid instanceof asn1js.ObjectIdentifier ? HASHES[oid.valueBlock.toString()]?.name : undefined;
      if (!name) return null;
      alg = name;
      i = 1;
    }
    const h = id2[i];
    return h instanceof asn1js.OctetString ? { alg, hash: u8(h.valueBlock.valueHexView) } : null;
  }
  const id1 = first(v1);
  const h = id1?.[0];
  return h instanceof asn1js.OctetString ? { alg: "sha1", hash: u8(h.valueBlock.valueHexView) } : null;
}

/** Whether a CA in `anchors` issued `certDer` (names match, its key verifies the signature), both valid at `at`. */
export function issuedByOneOf(certDer: Uint8Array, anchors: Uint8Array[], at: Date): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certDer);
  } catch {
    return false;
  }
  const within = (c: X509Certificate) => at >= new Date(c.validFrom) && at <= new Date(c.validTo);
  if (!within(cert)) return false;
  return anchors.some((a) => {
    try {
      const ca = new X509Certificate(a);
      return ca.ca && within(ca) && cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch {
      return false;
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The TSA's certificate
// ---------------------------------------------------------------------------------------------------------------

/**
 * A TSA certificate (X.509 v3) for `publicKeySpki`, issued by the CA (`caCertDer`, its RSA or EC
 * key `caKey`): subject C=CN, O and CN as UTF8String; basicConstraints cA=false; keyUsage
 * digitalSignature + nonRepudiation (critical); extendedKeyUsage id-kp-timeStamping (critical,
 * the only purpose — RFC 3161 §2.3); subject and authority key identifiers. The issuer Name is the
 * CA certificate's subject, byte for byte.
 */
export function issueTsaCertificate(input: { caCertDer: Uint8Array; caKey: KeyObject; publicKeySpki: Uint8Array; serial: Uint8Array; now: Date; years: number; commonName: string; organisation: string }): Uint8Array {
  const ca = pkijs.Certificate.fromBER(ab(input.caCertDer));
  const spki = pkijs.PublicKeyInfo.fromBER(ab(input.publicKeySpki));
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = positiveInteger(input.serial);
  cert.issuer = ca.subject;
  cert.subject = new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({ type: "2.5.4.6", value: new asn1js.PrintableString({ value: "CN" }) }),
      new pkijs.AttributeTypeAndValue({ type: "2.5.4.10", value: new asn1js.Utf8String({ value: input.organisation }) }),
      new pkijs.AttributeTypeAndValue({ type: "2.5.4.3", value: new asn1js.Utf8String({ value: input.commonName }) }),
    ],
  });
  const notBefore = wholeSeconds(new Date(input.now.getTime() - 60_000));
  const notAfter = wholeSeconds(new Date(input.now.getTime() + input.years * 365 * 86400_000));
  cert.notBefore = new pkijs.Time({ type: notBefore.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime, value: notBefore });
  cert.notAfter = new pkijs.Time({ type: notAfter.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime, value: notAfter });
  cert.subjectPublicKeyInfo = spki;
  const keyId = hash("sha1", u8(spki.subjectPublicKey.valueBlock.valueHexView));
  const caSki = ca.extensions?.find((e) => e.extnID === TSA_OID.subjectKeyIdentifier)?.parsedValue;
  const caKeyId = caSki instanceof asn1js.OctetString ? u8(caSki.valueBlock.valueHexView) : hash("sha1", u8(ca.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView));
  const ext = (extnID: string, critical: boolean, value: { toBER(): ArrayBuffer }) => new pkijs.Extension({ extnID, critical, extnValue: value.toBER() });
  cert.extensions = [
    ext(TSA_OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    // digitalSignature (bit 0) and nonRepudiation (bit 1): 0b11000000, 6 unused bits.
    ext(TSA_OID.keyUsage, true, new asn1js.BitString({ valueHex: ab(Uint8Array.of(0xc0)), unusedBits: 6 })),
    ext(TSA_OID.extKeyUsage, true, new pkijs.ExtKeyUsage({ keyPurposes: [TSA_OID.timeStamping] }).toSchema()),
    ext(TSA_OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: ab(keyId) })),
    ext(TSA_OID.authorityKeyIdentifier, false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: ab(caKeyId) }) }).toSchema()),
  ];
  const sigAlg = signatureAlgorithmFor(input.caKey);
  cert.signature = sigAlg;
  cert.signatureAlgorithm = sigAlg;
  const tbs = der(cert.encodeTBS());
  cert.tbsView = tbs;
  cert.signatureValue = new asn1js.BitString({ valueHex: ab(new Uint8Array(nodeSign("sha256", tbs, input.caKey))) });
  return der(cert.toSchema());
}
