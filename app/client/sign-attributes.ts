/**
 * Browser side of a committee member's signature on the evaluation report (评标报告,
 * docs/report-signatures.md): the server prepared the report's incremental update and sent the
 * CMS signed attributes (base64 DER); the member opens its PKCS#12 file in the page and signs
 * them here with RSASSA-PKCS1-v1_5 / SHA-256 (WebCrypto). The private key never leaves the page;
 * only the signature and the certificate's fingerprint go back.
 *
 * Before signing, the attributes are checked to be exactly the three PAdES B-B attributes
 * (content-type, message-digest, ESS signing-certificate-v2) naming this file's certificate: the
 * same key signs check-in challenges and bid manifests, so the page signs nothing else this way.
 * (The parse is here rather than in crypto/pdf/cms.ts because the browser may import only the
 * isomorphic crypto modules listed in eslint.config.js.)
 */
import forge from "node-forge";
import { fromBinary, pemToDer, toBinary } from "#crypto/certs";
import { rsaSign } from "#crypto/keys";
import { openP12File, P12Error, type OpenedCertificate } from "./p12";

/**
 * File problems are P12Error (NOT_PKCS12, BAD_PASSPHRASE, NO_KEY, CERT_MISMATCH — see p12.ts), plus NOT_REGISTERED
 * when the file's certificate is not the one the report was prepared for. BAD_ATTRIBUTES: what the server sent is
 * not a set of report-signature attributes (not the user's fault; nothing is signed).
 */
export class SignAttributesError extends Error {
  constructor(readonly code: "BAD_ATTRIBUTES") {
    super(code);
    this.name = "SignAttributesError";
  }
}

const OID = {
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  sha256: "2.16.840.1.101.3.4.2.1",
};

type Node = forge.asn1.Asn1;
const kids = (n: Node | undefined): Node[] => (n && Array.isArray(n.value) ? n.value : []);
const prim = (n: Node | undefined, type: forge.asn1.Type): string | null =>
  n && n.tagClass === forge.asn1.Class.UNIVERSAL && n.type === type && typeof n.value === "string" ? n.value : null;
const oidOf = (n: Node | undefined) => {
  const v = prim(n, forge.asn1.Type.OID);
  return v === null ? null : forge.asn1.derToOid(v);
};
const hexOf = (bin: string) => forge.util.bytesToHex(bin);

/** The message digest and the ESS certificate hash (hex) of a B-B signed-attributes SET; throws BAD_ATTRIBUTES. */
export function readReportAttributes(signedAttrsDer: Uint8Array): { messageDigest: string; certSha256: string } {
  const bad = () => new SignAttributesError("BAD_ATTRIBUTES");
  let root: Node;
  try {
    root = forge.asn1.fromDer(toBinary(signedAttrsDer), { strict: true, parseAllBytes: true, decodeBitStrings: false } as unknown as boolean);
  } catch {
    throw bad();
  }
  if (root.tagClass !== forge.asn1.Class.UNIVERSAL || root.type !== forge.asn1.Type.SET || forge.asn1.toDer(root).getBytes() !== toBinary(signedAttrsDer)) throw bad();
  const values = new Map<string, Node>();
  for (const a of kids(root)) {
    const [t, set, ...rest] = kids(a);
    const type = oidOf(t);
    if (!type || rest.length || !set || set.type !== forge.asn1.Type.SET || kids(set).length !== 1 || values.has(type)) throw bad();
    values.set(type, kids(set)[0]!);
  }
  if (values.size !== 3 || oidOf(values.get(OID.contentType)) !== OID.data) throw bad();
  const md = prim(values.get(OID.messageDigest), forge.asn1.Type.OCTETSTRING);
  const essCert = kids(kids(kids(values.get(OID.signingCertificateV2))[0])[0]);
  const hashAt = essCert[0]?.type === forge.asn1.Type.SEQUENCE ? 1 : 0;
  if (hashAt === 1 && oidOf(kids(essCert[0])[0]) !== OID.sha256) throw bad();
  const certHash = prim(essCert[hashAt], forge.asn1.Type.OCTETSTRING);
  if (!md || md.length !== 32 || !certHash || certHash.length !== 32) throw bad();
  return { messageDigest: hexOf(md), certSha256: hexOf(certHash) };
}

export type AttributesSignature = {
  /** RSASSA-PKCS1-v1_5 / SHA-256 over the signed attributes. */
  signature: Uint8Array;
  signatureB64: string;
  /** SHA-256 of the certificate (hex): the platform's certificate id, to match the member's registered one. */
  fingerprint: string;
  certPem: string;
  /** The message digest being signed (hex), for the page to show. */
  messageDigest: string;
};

/**
 * Opens the PKCS#12 file and signs the report's signed attributes. `expectedFingerprint`, when
 * given, is the certificate the server prepared the signature for (the member's registered one).
 */
export async function signReportAttributes(input: {
  p12: Blob | Uint8Array;
  passphrase: string;
  signedAttrsB64: string;
  expectedFingerprint?: string;
}): Promise<AttributesSignature> {
  let signedAttrsDer: Uint8Array;
  try {
    signedAttrsDer = fromBinary(atob(input.signedAttrsB64));
  } catch {
    throw new SignAttributesError("BAD_ATTRIBUTES");
  }
  const attrs = readReportAttributes(signedAttrsDer);
  const file = input.p12 instanceof Blob ? input.p12 : new Blob([input.p12 as unknown as BlobPart]);
  const opened = await openP12File(file, input.passphrase);
  try {
    return await signWithOpened(opened, signedAttrsDer, attrs, input.expectedFingerprint);
  } finally {
    opened.privateKeyPkcs8.fill(0);
  }
}

async function signWithOpened(opened: OpenedCertificate, signedAttrsDer: Uint8Array, attrs: { messageDigest: string; certSha256: string }, expectedFingerprint?: string): Promise<AttributesSignature> {
  if (expectedFingerprint && expectedFingerprint.toLowerCase() !== opened.fingerprint) throw new P12Error("NOT_REGISTERED");
  const certHash = forge.md.sha256.create().update(toBinary(pemToDer(opened.certPem))).digest().toHex();
  if (certHash !== attrs.certSha256) throw new P12Error("NOT_REGISTERED");
  const signature = await rsaSign(opened.privateKeyPkcs8, signedAttrsDer);
  return { signature, signatureB64: btoa(toBinary(signature)), fingerprint: opened.fingerprint, certPem: opened.certPem, messageDigest: attrs.messageDigest };
}

/**
 * As signReportAttributes, with a certificate file the page has already opened (app/client/p12.ts openP12File, e.g.
 * by the room's certificate opener): the same checks of the attributes and of the certificate they name. The key
 * stays with the caller (the page drops it when the member leaves the panel).
 */
export async function signReportAttributesWith(opened: OpenedCertificate, signedAttrsB64: string, expectedFingerprint?: string): Promise<AttributesSignature> {
  let signedAttrsDer: Uint8Array;
  try {
    signedAttrsDer = fromBinary(atob(signedAttrsB64));
  } catch {
    throw new SignAttributesError("BAD_ATTRIBUTES");
  }
  return signWithOpened(opened, signedAttrsDer, readReportAttributes(signedAttrsDer), expectedFingerprint);
}
