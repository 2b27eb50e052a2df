import { createHash, verify as nodeVerify, X509Certificate } from "node:crypto";
import * as asn1js from "asn1js";
import forge from "node-forge";
import * as pkijs from "pkijs";
import { fromBinary, toBinary } from "../certs";

/**
 * PAdES baseline signatures (ETSI EN 319 142-1) as CMS SignedData (RFC 5652), detached:
 * the content is the PDF's ByteRange bytes, carried outside the CMS. Signed attributes are
 * exactly content-type (id-data), message-digest (SHA-256 of the ByteRange bytes) and ESS
 * signing-certificate-v2 (RFC 5035: SHA-256 of the signer's certificate with its issuer and
 * serial). No signing-time: PAdES puts the claimed time in the signature dictionary's /M.
 *
 * Two steps, because the signer's key is in its browser: `prepareSignedAttributes` gives the DER
 * of the SET OF attributes (what the key signs, RSASSA-PKCS1-v1_5/SHA-256), and
 * `assembleSignedData` wraps the returned signature into the SignedData. Structures are built
 * with forge's ASN.1; certificates are embedded as given (a certificate that forge would not
 * re-encode byte for byte is refused, never altered). Server-side (node:crypto hashes and
 * verifies); the browser's part is app/client/sign-attributes.ts. Byte layout and OIDs:
 * docs/report-signatures.md and docs/pades.md.
 *
 * B-T: `assembleSignedData` also takes an RFC 3161 TimeStampToken over SHA-256 of the signature
 * value (crypto/tsa) and carries it as the unsigned attribute id-aa-signatureTimeStampToken
 * (built with pkijs); the signed attributes — what the signer's key signs — do not change.
 */

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;
type Node = forge.asn1.Asn1;

export const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  sha256: "2.16.840.1.101.3.4.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
} as const;

export type CmsErrorCode = "BAD_CERT" | "BAD_ATTRIBUTES" | "BAD_DIGEST";

export class CmsError extends Error {
  constructor(
    readonly code: CmsErrorCode,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = "CmsError";
  }
}

const DER_OPTIONS = { strict: true, parseAllBytes: true, decodeBitStrings: false } as unknown as boolean;
const parse = (der: Uint8Array | string): Node => asn1.fromDer(typeof der === "string" ? der : toBinary(der), DER_OPTIONS);
const der = (n: Node): string => asn1.toDer(n).getBytes();
const seq = (v: Node[]) => asn1.create(U, T.SEQUENCE, true, v);
const set = (v: Node[]) => asn1.create(U, T.SET, true, v);
const oid = (o: string) => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
const octets = (b: Uint8Array | string) => asn1.create(U, T.OCTETSTRING, false, typeof b === "string" ? b : toBinary(b));
const int = (n: number) => asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const ctx = (tag: number, v: Node[]) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag as forge.asn1.Type, true, v);
const oidOf = (n: Node | undefined): string | null => (n && n.tagClass === U && n.type === T.OID && typeof n.value === "string" ? asn1.derToOid(n.value) : null);
const kids = (n: Node | undefined): Node[] => (n && Array.isArray(n.value) ? n.value : []);
const bytesOf = (n: Node | undefined): string | null => (n && typeof n.value === "string" ? n.value : null);

export const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(b).digest());

/** DER SET OF: elements sorted by their encodings (X.690 §11.6), shorter ones as if padded with zeros. */
function derSetOf(elements: Node[]): Node {
  const enc = elements.map((e) => ({ e, d: der(e) }));
  enc.sort((x, y) => {
    const n = Math.max(x.d.length, y.d.length);
    for (let i = 0; i < n; i++) {
      const a = i < x.d.length ? x.d.charCodeAt(i) : 0;
      const b = i < y.d.length ? y.d.charCodeAt(i) : 0;
      if (a !== b) return a - b;
    }
    return 0;
  });
  return set(enc.map((x) => x.e));
}

/** A certificate as forge ASN.1, with its issuer Name and serialNumber nodes (raw, as encoded). */
function certificate(certDer: Uint8Array): { node: Node; issuer: Node; serial: Node } {
  let node: Node;
  try {
    node = parse(certDer);
  } catch {
    throw new CmsError("BAD_CERT", "not DER");
  }
  if (der(node) !== toBinary(certDer)) throw new CmsError("BAD_CERT", "does not re-encode byte for byte");
  const tbs = kids(kids(node)[0]);
  const v = tbs[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const serial = tbs[v];
  const issuer = tbs[v + 2];
  if (!serial || serial.type !== T.INTEGER || !issuer || issuer.type !== T.SEQUENCE) throw new CmsError("BAD_CERT", "not an X.509 certificate");
  return { node, issuer, serial };
}

const attribute = (type: string, value: Node) => seq([oid(type), set([value])]);

/**
 * The signed attributes for a signature over `byteRangeDigest` (SHA-256, 32 bytes) by the holder
 * of `signerCertDer`: the DER of the SET OF Attribute (tag 0x31) — the exact bytes the signer's
 * key signs (RFC 5652 §5.4).
 */
export function prepareSignedAttributes(input: { byteRangeDigest: Uint8Array; signerCertDer: Uint8Array }): { signedAttrsDer: Uint8Array } {
  if (input.byteRangeDigest.length !== 32) throw new CmsError("BAD_DIGEST", "SHA-256 digest expected");
  const cert = certificate(input.signerCertDer);
  // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT id-sha256 (omitted in DER), certHash, issuerSerial }
  // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }; GeneralName directoryName is [4] EXPLICIT Name.
  const essCertId = seq([octets(sha256(input.signerCertDer)), seq([seq([ctx(4, [cert.issuer])]), cert.serial])]);
  const attrs = derSetOf([
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.messageDigest, octets(input.byteRangeDigest)),
    attribute(OID.signingCertificateV2, seq([seq([essCertId])])),
  ]);
  return { signedAttrsDer: fromBinary(der(attrs)) };
}

export type SignedAttributes = {
  contentType: string;
  messageDigest: Uint8Array;
  /** certHash of the first ESSCertIDv2 (SHA-256 of the signer's certificate). */
  signerCertSha256: Uint8Array;
  /** Attribute types in encoded order. */
  types: string[];
};

/** Reads and checks the signed attributes: DER, exactly the three B-B attributes, SHA-256 everywhere. */
export function readSignedAttributes(signedAttrsDer: Uint8Array): SignedAttributes {
  let root: Node;
  try {
    root = parse(signedAttrsDer);
  } catch {
    throw new CmsError("BAD_ATTRIBUTES", "not DER");
  }
  if (root.tagClass !== U || root.type !== T.SET || der(root) !== toBinary(signedAttrsDer)) throw new CmsError("BAD_ATTRIBUTES", "not a DER SET");
  const byType = new Map<string, Node>();
  const types: string[] = [];
  for (const a of kids(root)) {
    const [t, values, ...rest] = kids(a);
    const type = oidOf(t);
    if (!type || rest.length || !values || values.type !== T.SET || kids(values).length !== 1 || byType.has(type)) throw new CmsError("BAD_ATTRIBUTES", "malformed attribute");
    byType.set(type, kids(values)[0]!);
    types.push(type);
  }
  const expected = [OID.contentType, OID.messageDigest, OID.signingCertificateV2];
  if (types.length !== expected.length || !expected.every((t) => byType.has(t))) throw new CmsError("BAD_ATTRIBUTES", `attributes ${types.join(", ")}`);
  const contentType = oidOf(byType.get(OID.contentType));
  const md = bytesOf(byType.get(OID.messageDigest));
  const essCert = kids(kids(kids(byType.get(OID.signingCertificateV2))[0])[0]);
  // A first element that is a SEQUENCE is an explicit hashAlgorithm: only SHA-256 is accepted.
  const hashAt = essCert[0]?.type === T.SEQUENCE ? 1 : 0;
  if (hashAt === 1 && oidOf(kids(essCert[0])[0]) !== OID.sha256) throw new CmsError("BAD_ATTRIBUTES", "ESS hash algorithm");
  const certHash = bytesOf(essCert[hashAt]);
  if (contentType !== OID.data || !md || md.length !== 32 || !certHash || certHash.length !== 32) throw new CmsError("BAD_ATTRIBUTES", "values");
  return { contentType, messageDigest: fromBinary(md), signerCertSha256: fromBinary(certHash), types };
}

/**
 * The unsigned attribute id-aa-signatureTimeStampToken (RFC 3161 Appendix A) holding `token`
 * (a TimeStampToken, i.e. a ContentInfo), as DER — built with pkijs.
 */
export function signatureTimeStampAttribute(token: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(new Uint8Array(token).buffer as ArrayBuffer); // a copy: a Buffer's slice() shares its backing store
  if (parsed.offset !== token.length) throw new CmsError("BAD_ATTRIBUTES", "time-stamp token is not one DER value");
  const ci = new pkijs.ContentInfo({ schema: parsed.result });
  return new Uint8Array(new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [ci.toSchema()] }).toSchema().toBER());
}

/**
 * The CMS ContentInfo (SignedData, detached) around a signature made over `signedAttrsDer`:
 * the signer's certificate first, then `chainDers`; the signer identified by issuer and serial.
 * With `signatureTimeStampToken`, the SignerInfo ends with unsignedAttrs [1] IMPLICIT SET OF
 * { id-aa-signatureTimeStampToken } (PAdES B-T); the caller gets the token over SHA-256(signature).
 */
export function assembleSignedData(input: { signedAttrsDer: Uint8Array; signature: Uint8Array; signerCertDer: Uint8Array; chainDers: Uint8Array[]; signatureTimeStampToken?: Uint8Array }): Uint8Array {
  readSignedAttributes(input.signedAttrsDer);
  const signer = certificate(input.signerCertDer);
  const chain = input.chainDers.map((c) => certificate(c).node);
  // [0] IMPLICIT SignedAttributes: the same bytes with the tag 0x31 replaced by 0xA0.
  const signedAttrs = parse(input.signedAttrsDer);
  signedAttrs.tagClass = asn1.Class.CONTEXT_SPECIFIC;
  signedAttrs.type = 0 as forge.asn1.Type;
  const sha256Alg = seq([oid(OID.sha256)]);
  const signerInfo = seq([
    int(1),
    seq([signer.issuer, signer.serial]),
    sha256Alg,
    signedAttrs,
    seq([oid(OID.rsaEncryption), asn1.create(U, T.NULL, false, "")]),
    octets(input.signature),
    ...(input.signatureTimeStampToken ? [ctx(1, [parse(signatureTimeStampAttribute(input.signatureTimeStampToken))])] : []),
  ]);
  const signedData = seq([
    int(1),
    set([seq([oid(OID.sha256)])]),
    seq([oid(OID.data)]),
    ctx(0, [signer.node, ...chain]),
    set([signerInfo]),
  ]);
  return fromBinary(der(seq([oid(OID.signedData), ctx(0, [signedData])])));
}

/** RSASSA-PKCS1-v1_5 / SHA-256 over `data` with the certificate's public key. */
export function verifyWithCert(certDer: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return nodeVerify("sha256", data, new X509Certificate(certDer).publicKey, signature);
  } catch {
    return false;
  }
}

export type CmsCheck =
  | {
      valid: true;
      signerCertDer: Uint8Array;
      certificates: Uint8Array[];
      signedAttrsDer: Uint8Array;
      messageDigest: Uint8Array;
      /** The SignerInfo's signature value (what a signature time-stamp imprints). */
      signature: Uint8Array;
      /** The id-aa-signatureTimeStampToken unsigned attribute's TimeStampToken (DER), if there is one (B-T). Not checked here: crypto/tsa verifyTimeStampToken. */
      signatureTimeStampToken: Uint8Array | null;
    }
  | { valid: false; reason: "MALFORMED" | "NOT_SIGNED_DATA" | "ALGORITHM" | "NO_SIGNER_CERT" | "BAD_ATTRIBUTES" | "DIGEST_MISMATCH" | "ESS_MISMATCH" | "BAD_SIGNATURE" };

/**
 * Checks a detached CMS over `content` the way our own verifier needs: SignedData with one
 * SignerInfo, SHA-256, the B-B signed attributes, message-digest = SHA-256(content), the ESS
 * certificate hash = SHA-256(signer's certificate), and the RSA signature over the attributes.
 * Trust (chain, validity, revocation) is the caller's: see crypto/certs.ts `chainsTo`.
 */
export function verifyCmsSignature(cmsDer: Uint8Array, content: Uint8Array): CmsCheck {
  let root: Node;
  try {
    root = parse(cmsDer);
  } catch {
    return { valid: false, reason: "MALFORMED" };
  }
  const [ct, wrapped] = kids(root);
  if (oidOf(ct) !== OID.signedData) return { valid: false, reason: "NOT_SIGNED_DATA" };
  const sd = kids(kids(wrapped)[0]);
  const certsNode = sd.find((n) => n.tagClass === asn1.Class.CONTEXT_SPECIFIC && n.type === (0 as forge.asn1.Type));
  const signerInfos = kids(sd[sd.length - 1]);
  if (oidOf(kids(sd[2])[0]) !== OID.data || kids(sd[2]).length !== 1 || signerInfos.length !== 1) return { valid: false, reason: "MALFORMED" };
  const si = kids(signerInfos[0]);
  const [, sid, digestAlg, attrs, sigAlg, sigValue, unsigned] = si;
  if (oidOf(kids(digestAlg)[0]) !== OID.sha256) return { valid: false, reason: "ALGORITHM" };
  if (oidOf(kids(sigAlg)[0]) !== OID.rsaEncryption && oidOf(kids(sigAlg)[0]) !== "1.2.840.113549.1.1.11") return { valid: false, reason: "ALGORITHM" };
  if (!attrs || attrs.tagClass !== asn1.Class.CONTEXT_SPECIFIC || attrs.type !== (0 as forge.asn1.Type) || !sigValue) return { valid: false, reason: "MALFORMED" };
  const certificates = kids(certsNode).map((c) => fromBinary(der(c)));
  const sidDer = sid ? der(sid) : "";
  const signerCertDer = certificates.find((c) => {
    try {
      const x = certificate(c);
      return der(seq([x.issuer, x.serial])) === sidDer;
    } catch {
      return false;
    }
  });
  if (!signerCertDer) return { valid: false, reason: "NO_SIGNER_CERT" };
  const setNode = asn1.create(U, T.SET, true, kids(attrs));
  const signedAttrsDer = fromBinary(der(setNode));
  let read: SignedAttributes;
  try {
    read = readSignedAttributes(signedAttrsDer);
  } catch {
    return { valid: false, reason: "BAD_ATTRIBUTES" };
  }
  if (!equalBytes(read.messageDigest, sha256(content))) return { valid: false, reason: "DIGEST_MISMATCH" };
  if (!equalBytes(read.signerCertSha256, sha256(signerCertDer))) return { valid: false, reason: "ESS_MISMATCH" };
  const signature = fromBinary(bytesOf(sigValue) ?? "");
  if (!verifyWithCert(signerCertDer, signedAttrsDer, signature)) return { valid: false, reason: "BAD_SIGNATURE" };
  let signatureTimeStampToken: Uint8Array | null = null;
  if (unsigned && unsigned.tagClass === asn1.Class.CONTEXT_SPECIFIC && unsigned.type === (1 as forge.asn1.Type)) {
    for (const a of kids(unsigned)) {
      const [t, values] = kids(a);
      if (oidOf(t) === OID.signatureTimeStampToken && kids(values).length === 1) signatureTimeStampToken = fromBinary(der(kids(values)[0]!));
    }
  }
  return { valid: true, signerCertDer, certificates, signedAttrsDer, messageDigest: read.messageDigest, signature, signatureTimeStampToken };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
