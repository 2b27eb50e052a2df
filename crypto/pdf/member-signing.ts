import { createHash } from "node:crypto";
import { verifyTimeStampToken } from "../tsa/tsa";
import { assembleSignedData, CmsError, equalBytes, prepareSignedAttributes, readSignedAttributes, sha256, verifyWithCert } from "./cms";
import { appendSignatureField, DEFAULT_CONTENTS_BYTES, fillContents, IncrementalError, lastPlaceholder, SUBFILTER_ETSI_CADES_DETACHED, type ByteRange } from "./incremental";

/**
 * The evaluation report (评标报告) signed by every committee member with its own certificate,
 * in its own browser, one incremental update per member (docs/report-signatures.md):
 *
 * 1. `prepareMemberSignature` (server): appends the member's signature field with a zero-filled
 *    /Contents, hashes the ByteRange bytes and builds the CMS signed attributes. The server keeps
 *    `preparedPdf` (or re-derives it: the step is deterministic) and sends only `signedAttrsDer`.
 * 2. The member's browser signs `signedAttrsDer` (RSASSA-PKCS1-v1_5/SHA-256) with the key in its
 *    PKCS#12 file — app/client/sign-attributes.ts — and returns the signature.
 * 3. `completeMemberSignature` (server): checks the attributes belong to this prepared file and
 *    certificate and that the signature verifies, then writes the CMS into /Contents — with the
 *    signature time-stamp (PAdES B-T) the server obtained in between: `checkMemberSignature` first,
 *    then an RFC 3161 token over SHA-256 of the signature value (crypto/tsa), then completion.
 *
 * Pure and server-side: bytes in, bytes out, the time passed in. Whether the certificate is the
 * member's registered, unrevoked, trusted one is the service's check (`assertUsable`), not this one's.
 */

export type ReportSigningErrorCode =
  | IncrementalError["code"]
  | CmsError["code"]
  /** The signed attributes are not the ones prepared for this file (digest) or this certificate (ESS hash). */
  | "ATTRS_MISMATCH"
  /** The signature does not verify with the certificate's public key over the signed attributes. */
  | "BAD_SIGNATURE"
  /** The signature time-stamp is not a TimeStampToken over SHA-256 of this signature value. */
  | "BAD_TIMESTAMP";

export class ReportSigningError extends Error {
  constructor(
    readonly code: ReportSigningErrorCode,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = "ReportSigningError";
  }
}

const rethrow = (e: unknown): never => {
  if (e instanceof IncrementalError || e instanceof CmsError) throw new ReportSigningError(e.code, e.message);
  throw e;
};

export type MemberSigner = { name: string; location: string; reason: string };

export type PreparedMemberSignature = {
  preparedPdf: Uint8Array;
  byteRange: ByteRange;
  /** DER SET OF Attribute: what the member's key signs. */
  signedAttrsDer: Uint8Array;
  /** SHA-256 (hex) of `preparedPdf`, for the server to check it completes the file it prepared. */
  preparedSha256: string;
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** SHA-256 of the two ByteRange pieces, without copying them. */
export function byteRangeDigest(pdf: Uint8Array, [a, b, c, d]: ByteRange): Uint8Array {
  return new Uint8Array(
    createHash("sha256")
      .update(pdf.subarray(a, a + b))
      .update(pdf.subarray(c, c + d))
      .digest(),
  );
}

export function prepareMemberSignature(input: {
  pdf: Uint8Array;
  fieldName: string;
  signer: MemberSigner;
  signingTime: Date;
  signerCertDer: Uint8Array;
  contentsBytes?: number;
}): PreparedMemberSignature {
  try {
    const field = appendSignatureField(input.pdf, {
      fieldName: input.fieldName,
      name: input.signer.name,
      reason: input.signer.reason,
      location: input.signer.location,
      signingTime: input.signingTime,
      subFilter: SUBFILTER_ETSI_CADES_DETACHED,
      contentsBytes: input.contentsBytes ?? DEFAULT_CONTENTS_BYTES,
    });
    const { signedAttrsDer } = prepareSignedAttributes({ byteRangeDigest: byteRangeDigest(field.pdf, field.byteRange), signerCertDer: input.signerCertDer });
    return { preparedPdf: field.pdf, byteRange: field.byteRange, signedAttrsDer, preparedSha256: hex(sha256(field.pdf)) };
  } catch (e) {
    return rethrow(e);
  }
}

type MemberSignatureInput = {
  preparedPdf: Uint8Array;
  signedAttrsDer: Uint8Array;
  signature: Uint8Array;
  signerCertDer: Uint8Array;
  chainDers: Uint8Array[];
};

/**
 * The checks of completion, without writing: the attributes were prepared for this file and
 * certificate and the signature verifies. The server runs it before asking for a time-stamp, so
 * nothing unverified is ever time-stamped. Returns the placeholder's ByteRange.
 */
export function checkMemberSignature(input: MemberSignatureInput): ByteRange {
  try {
    const { byteRange } = lastPlaceholder(input.preparedPdf);
    const attrs = readSignedAttributes(input.signedAttrsDer);
    if (!equalBytes(attrs.messageDigest, byteRangeDigest(input.preparedPdf, byteRange))) throw new ReportSigningError("ATTRS_MISMATCH", "message digest is not this file's");
    if (!equalBytes(attrs.signerCertSha256, sha256(input.signerCertDer))) throw new ReportSigningError("ATTRS_MISMATCH", "prepared for another certificate");
    if (!verifyWithCert(input.signerCertDer, input.signedAttrsDer, input.signature)) throw new ReportSigningError("BAD_SIGNATURE");
    return byteRange;
  } catch (e) {
    return rethrow(e);
  }
}

/**
 * Embeds the member's signature. Refuses (ReportSigningError) attributes that were not prepared
 * for this file and certificate, a signature that does not verify, and a `signatureTimeStamp`
 * whose imprint is not SHA-256 of this signature or whose TSA signature does not verify — before
 * writing anything. (Whether the TSA is trusted is the caller's check, made when it got the token.)
 * With the time-stamp the CMS is PAdES B-T, without it B-B. The returned file differs from
 * `preparedPdf` only inside the /Contents hex string.
 */
export function completeMemberSignature(input: MemberSignatureInput & { signatureTimeStamp?: Uint8Array }): Uint8Array {
  const byteRange = checkMemberSignature(input);
  try {
    if (input.signatureTimeStamp) {
      const check = verifyTimeStampToken(input.signatureTimeStamp, { imprint: sha256(input.signature), anchors: null });
      if (!check.valid) throw new ReportSigningError("BAD_TIMESTAMP", check.reason);
    }
    const cms = assembleSignedData({
      signedAttrsDer: input.signedAttrsDer,
      signature: input.signature,
      signerCertDer: input.signerCertDer,
      chainDers: input.chainDers,
      ...(input.signatureTimeStamp ? { signatureTimeStampToken: input.signatureTimeStamp } : {}),
    });
    return fillContents(input.preparedPdf, byteRange, cms);
  } catch (e) {
    return rethrow(e);
  }
}
