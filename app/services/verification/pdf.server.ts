import { createHash, X509Certificate } from "node:crypto";
import { chainsTo, pemToDer } from "#crypto/certs";
import { equalBytes, verifyCmsSignature } from "#crypto/pdf/cms";
import { byteRangeBytes, readSignatures, type ByteRange } from "#crypto/pdf/incremental";
import { sha256, verifyTimeStampToken } from "#crypto/tsa/tsa";
import { derToPem } from "../platform/platform-signer.server";

/**
 * Checking every signature of an uploaded PDF (PAdES B-T, docs/pades.md) against the trust anchors the platform
 * publishes at /pki, without the database: the CMS over the ByteRange (crypto/pdf/cms.ts), the signer's chain to a
 * trusted CA at the time-stamp's genTime, the RFC 3161 signature time-stamp (crypto/tsa/tsa.ts) and whether its TSA is
 * the platform's, and the file's own integrity around the signatures (the unsigned /Contents padding is zeros, the
 * ByteRange starts at 0 and spans the file up to the gap). Nothing here throws for bad input: a file that does not
 * parse is `readable: false`.
 */
export type Anchors = {
  /** The platform CA (PEM) — what /pki publishes. */
  caPem: string;
  /** The platform's document-signing certificate (PEM): a signature by it is the platform's own. */
  signerPem: string;
  /** The platform TSA certificate (PEM), when there is an embedded TSA. */
  tsaPem: string | null;
  /** CAs whose user certificates are trusted (the platform CA and configured external CAs, R71) — members' signatures. */
  userCaPems: string[];
};

/** At most this many signatures are checked in one PDF (the report carries one per member plus the platform's). */
export const MAX_PDF_SIGNATURES = 40;

export type SignatureFailure =
  | "NO_CMS"
  | "BYTE_RANGE"
  | "PADDING_CHANGED"
  | "MALFORMED"
  | "NOT_SIGNED_DATA"
  | "ALGORITHM"
  | "NO_SIGNER_CERT"
  | "BAD_ATTRIBUTES"
  | "DIGEST_MISMATCH"
  | "ESS_MISMATCH"
  | "BAD_SIGNATURE"
  | "UNTRUSTED_SIGNER";

export type SignatureReport = {
  field: string;
  valid: boolean;
  failure: SignatureFailure | null;
  /** The signer certificate's subject (C, O, CN), when a certificate was found. */
  signer: string | null;
  signerSerialHex: string | null;
  /** The signer is the platform's document-signing certificate (/pki "signer"). */
  platformSigner: boolean;
  /** /M: the time the signer claims, as written (not proven). */
  claimedTime: string | null;
  reason: string | null;
  timestamp: { valid: boolean; failure: string | null; genTime: string | null; tsa: string | null; platformTsa: boolean } | null;
  /** Where the signed revision ends (c + d of the ByteRange). */
  revisionEnd: number;
};

export type PdfReport = {
  readable: boolean;
  sha256: string;
  size: number;
  signatures: SignatureReport[];
  /** SHA-256 of each signed revision (the file up to each signature's ByteRange end), oldest first, distinct. */
  revisionSha256s: string[];
  /** Bytes after the last signed revision (an unsigned change appended to the file). */
  unsignedTail: number;
  tooManySignatures: boolean;
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const dn = (x: X509Certificate) => x.subject.split("\n").filter(Boolean).join(", ");

export function isPdf(bytes: Uint8Array): boolean {
  // ISO 32000: the header may follow up to 1024 bytes of junk, but every PDF this platform issues starts with it.
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 5)).toString("latin1") === "%PDF-";
}

/** The /Contents gap is `<hex>`: the CMS's DER hex digits, then only "0" padding (PADDING_CHANGED otherwise). */
function paddingIntact(pdf: Uint8Array, [, b, c]: ByteRange, cmsLength: number): boolean {
  for (let i = b + 1 + 2 * cmsLength; i < c - 1; i++) if (pdf[i] !== 0x30) return false;
  return true;
}

function checkSignature(pdf: Uint8Array, sig: ReturnType<typeof readSignatures>[number], anchors: Anchors): SignatureReport {
  const [a, b, c, d] = sig.byteRange;
  const base: SignatureReport = {
    field: sig.fieldName,
    valid: false,
    failure: null,
    signer: null,
    signerSerialHex: null,
    platformSigner: false,
    claimedTime: sig.m,
    reason: sig.reason,
    timestamp: null,
    revisionEnd: c + d,
  };
  if (a !== 0 || b <= 0 || c <= b || d < 0 || c + d > pdf.length) return { ...base, failure: "BYTE_RANGE" };
  if (!sig.cms) return { ...base, failure: "NO_CMS" };
  if (!paddingIntact(pdf, sig.byteRange, sig.cms.length)) return { ...base, failure: "PADDING_CHANGED" };
  let content: Uint8Array;
  try {
    content = byteRangeBytes(pdf, sig.byteRange);
  } catch {
    return { ...base, failure: "BYTE_RANGE" };
  }
  const cms = verifyCmsSignature(sig.cms, content);
  if (!cms.valid) return { ...base, failure: cms.reason };
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cms.signerCertDer);
  } catch {
    return { ...base, failure: "NO_SIGNER_CERT" };
  }
  const signerDer = pemToDer(anchors.signerPem);
  const platformSigner = equalBytes(new Uint8Array(leaf.raw), signerDer);
  const withSigner = { ...base, signer: dn(leaf), signerSerialHex: leaf.serialNumber.toLowerCase(), platformSigner };

  // The time-stamp proves when the signature value existed; trust is judged at that time (else now).
  let timestamp: SignatureReport["timestamp"] = null;
  let at = new Date();
  if (cms.signatureTimeStampToken) {
    const caDers = [anchors.caPem, ...anchors.userCaPems].map(pemToDer);
    const tok = verifyTimeStampToken(cms.signatureTimeStampToken, { imprint: sha256(cms.signature), anchors: caDers });
    if (tok.valid) {
      at = tok.info.genTime;
      let tsa: string | null = null;
      try {
        tsa = dn(new X509Certificate(tok.info.tsaCertDer));
      } catch {
        tsa = null;
      }
      const platformTsa = anchors.tsaPem !== null && equalBytes(tok.info.tsaCertDer, pemToDer(anchors.tsaPem));
      timestamp = { valid: true, failure: null, genTime: tok.info.genTime.toISOString(), tsa, platformTsa };
    } else timestamp = { valid: false, failure: tok.reason, genTime: null, tsa: null, platformTsa: false };
  }
  const leafPem = derToPem(new Uint8Array(leaf.raw));
  const trusted = platformSigner ? chainsTo(leafPem, [anchors.caPem], at) : chainsTo(leafPem, anchors.userCaPems, at);
  if (!trusted) return { ...withSigner, timestamp, failure: "UNTRUSTED_SIGNER" };
  return { ...withSigner, timestamp, valid: true };
}

/** Every signature of `pdf` checked against `anchors`; never throws. */
export function checkPdf(pdf: Uint8Array, anchors: Anchors): PdfReport {
  const sha = createHash("sha256").update(pdf).digest("hex");
  const empty: PdfReport = { readable: false, sha256: sha, size: pdf.length, signatures: [], revisionSha256s: [], unsignedTail: 0, tooManySignatures: false };
  if (!isPdf(pdf)) return empty;
  let sigs: ReturnType<typeof readSignatures>;
  try {
    sigs = readSignatures(pdf);
  } catch {
    return empty;
  }
  const tooMany = sigs.length > MAX_PDF_SIGNATURES;
  const signatures = sigs.slice(0, MAX_PDF_SIGNATURES).map((s) => {
    try {
      return checkSignature(pdf, s, anchors);
    } catch {
      return { field: s.fieldName, valid: false, failure: "MALFORMED" as const, signer: null, signerSerialHex: null, platformSigner: false, claimedTime: s.m, reason: s.reason, timestamp: null, revisionEnd: 0 };
    }
  });
  const ends = [...new Set(signatures.filter((s) => s.revisionEnd > 0 && s.revisionEnd <= pdf.length).map((s) => s.revisionEnd))].sort((x, y) => x - y);
  const last = ends.at(-1) ?? 0;
  return {
    readable: true,
    sha256: sha,
    size: pdf.length,
    signatures,
    revisionSha256s: ends.map((e) => hex(new Uint8Array(createHash("sha256").update(pdf.subarray(0, e)).digest()))),
    unsignedTail: signatures.length ? pdf.length - last : 0,
    tooManySignatures: tooMany,
  };
}
