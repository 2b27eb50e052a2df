/**
 * What an upload to /verify is, from its first bytes (pure): a PDF (`%PDF-`), a ZIP (local file header `PK\x03\x04`,
 * the archive export) or a bid receipt — a compact JWS, three base64url parts, possibly with surrounding whitespace
 * (a pasted or saved `receipt.jws`). Anything else is `unknown`, answered as "not a document this page checks".
 */
export type UploadKind = "pdf" | "zip" | "receipt" | "unknown";

const JWS = /^\s*[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\s*$/;

/** Receipts are a few KiB; a longer text is not one. */
export const MAX_RECEIPT_DETECT_BYTES = 64 * 1024;

export function detectUpload(bytes: Uint8Array): UploadKind {
  const head = (n: number) => String.fromCharCode(...bytes.subarray(0, n));
  if (bytes.length >= 5 && head(5) === "%PDF-") return "pdf";
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return "zip";
  if (bytes.length <= MAX_RECEIPT_DETECT_BYTES) {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return "unknown";
    }
    if (JWS.test(text)) return "receipt";
  }
  return "unknown";
}
