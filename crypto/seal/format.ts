/**
 * The sealed-bid envelope, version 1 (docs/sealed-bid-format.md). Shared constants and the
 * byte layouts of the per-chunk nonce and additional authenticated data, so that sealing
 * and opening — in the browser and in Node — agree byte for byte.
 */
export const SEAL_VERSION = 1;
export const SEAL_MAGIC = "TH-SEAL-v1";
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
export const TAG_BYTES = 16;
const MAX_FILES = 2 ** 32 - 1;

/** 12-byte GCM nonce: file index (uint32 BE) ‖ chunk index (uint64 BE, low 32 bits used). Unique per (file, chunk) under one content key. */
export function chunkNonce(fileIndex: number, chunkIndex: number): Uint8Array {
  assertIndex(fileIndex, chunkIndex);
  const n = new Uint8Array(12);
  const v = new DataView(n.buffer);
  v.setUint32(0, fileIndex);
  v.setUint32(4, Math.floor(chunkIndex / 2 ** 32));
  v.setUint32(8, chunkIndex >>> 0);
  return n;
}

/**
 * AAD: ASCII "TH-SEAL-v1" ‖ file index (uint32 BE) ‖ chunk index (uint64 BE) ‖ final flag
 * (0x01 for the last chunk of a file, else 0x00). Authenticating the position and the final
 * flag makes reordering, splicing between files and truncation fail to decrypt.
 */
export function chunkAad(fileIndex: number, chunkIndex: number, final: boolean): Uint8Array {
  assertIndex(fileIndex, chunkIndex);
  const magic = new TextEncoder().encode(SEAL_MAGIC);
  const a = new Uint8Array(magic.length + 13);
  a.set(magic, 0);
  const v = new DataView(a.buffer);
  v.setUint32(magic.length, fileIndex);
  v.setUint32(magic.length + 4, Math.floor(chunkIndex / 2 ** 32));
  v.setUint32(magic.length + 8, chunkIndex >>> 0);
  a[magic.length + 12] = final ? 1 : 0;
  return a;
}

function assertIndex(fileIndex: number, chunkIndex: number) {
  if (!Number.isInteger(fileIndex) || fileIndex < 0 || fileIndex > MAX_FILES) throw new RangeError("file index out of range");
  if (!Number.isSafeInteger(chunkIndex) || chunkIndex < 0) throw new RangeError("chunk index out of range");
}

/** Name of file 0 in the manifest: the sealed bid form (docs/sealed-bid-format.md §2). */
export const BID_FORM_NAME = "bid-form.json";

/**
 * The label file `index` (1, 2, …) carries in the manifest instead of its real name, so that names do not leak
 * before the opening (docs/sealed-bid-format.md §2): `file-<index>` followed by the real name's extension when the
 * name ends with a dot and 1–8 ASCII letters or digits, ASCII-lowercased (`技术标.PDF` → `file-1.pdf`, `说明` → `file-2`).
 */
export function fileLabel(index: number, realName: string): string {
  return `file-${index}${/\.[A-Za-z0-9]{1,8}$/.exec(realName)?.[0]?.toLowerCase() ?? ""}`;
}

export type ManifestFile = {
  index: number;
  name: string;
  /** Plaintext size in bytes. */
  size: number;
  /** SHA-256 of the plaintext, hex. */
  sha256: string;
  /** SHA-256 of each ciphertext chunk (ciphertext ‖ tag), hex, in order. */
  chunks: string[];
};

export type Recipient = { kid: string; alg: "RSA-OAEP-256"; wrappedKey: string /* base64 */ };

export type Manifest = {
  v: 1;
  alg: "AES-256-GCM";
  chunkSize: number;
  files: ManifestFile[];
  recipients: Recipient[];
};

/** A generic failure: nothing about why a bid does not open is leaked beyond this (docs/sealed-bid-format.md: "fail closed, one generic error"). */
export class SealError extends Error {
  constructor(readonly code: "DECRYPT_FAILED" | "MANIFEST_INVALID" | "SIGNATURE_INVALID" | "KEY_UNWRAP_FAILED") {
    super(code);
    this.name = "SealError";
  }
}

export function toHex(b: ArrayBuffer | Uint8Array): string {
  return Array.from(b instanceof Uint8Array ? b : new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
}

export function toBase64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
