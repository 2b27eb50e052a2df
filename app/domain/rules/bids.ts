import { TAG_BYTES, type Manifest } from "#crypto/seal/format";
import { MAX_FILES_PER_BID } from "../limits";
import { violation, type RuleViolation } from "./violations";

/**
 * Sealed-bid rules (docs/rules.md R18–R21), pure: the database clock and the stored state are
 * passed in. The server cannot read a bid, so R18 ("unencrypted bids are rejected") is
 * enforced by what it can check: the envelope's structure, every chunk's length and hash,
 * the bidder's signature, the recipients, and that no chunk looks like a known plaintext.
 */

export const BID_LIMITS = {
  minChunkSize: 64 * 1024,
  maxChunkSize: 8 * 1024 * 1024,
  maxFiles: MAX_FILES_PER_BID,
  /** 2 GiB per bid. */
  maxTotalBytes: 2 * 1024 ** 3,
  maxNameLength: 120,
};

/** R19 (submit after the deadline = late) and R21 (no replace/withdraw after it). `now` is the database clock. */
export function checkBidWindow(now: Date, deadline: Date, action: "submit" | "replace" | "withdraw", deadlineText: string): RuleViolation[] {
  if (now.getTime() < deadline.getTime()) return [];
  return [action === "submit" ? violation("RULE_R19_DEADLINE_PASSED", { deadline: deadlineText }) : violation("RULE_R21_LOCKED", { deadline: deadlineText })];
}

/** Number of chunks of a file of `size` plaintext bytes (an empty file has one empty chunk). */
export function chunkCount(size: number, chunkSize: number): number {
  return size === 0 ? 1 : Math.ceil(size / chunkSize);
}

/** Exact stored length of chunk `i` (plaintext bytes + the 16-byte GCM tag). */
export function chunkLength(size: number, chunkSize: number, i: number): number {
  const n = chunkCount(size, chunkSize);
  if (i < 0 || i >= n) return -1;
  return (i < n - 1 ? chunkSize : size - (n - 1) * chunkSize) + TAG_BYTES;
}

export type DeclaredFile = { index: number; name: string; size: number };

/** The layout a bidder declares when an upload begins (R18: a malformed envelope is refused early). */
export function checkDeclaredLayout(chunkSize: number, files: DeclaredFile[]): RuleViolation[] {
  const bad = (detail: string) => [violation("RULE_R18_MALFORMED", { detail })];
  if (!Number.isInteger(chunkSize) || chunkSize < BID_LIMITS.minChunkSize || chunkSize > BID_LIMITS.maxChunkSize) return bad("chunkSize");
  if (!Array.isArray(files) || files.length === 0 || files.length > BID_LIMITS.maxFiles) return bad("files");
  let total = 0;
  for (const [i, f] of files.entries()) {
    if (f.index !== i) return bad("file index");
    if (typeof f.name !== "string" || !f.name || f.name.length > BID_LIMITS.maxNameLength || hasUnsafeChar(f.name)) return bad("file name");
    if (!Number.isSafeInteger(f.size) || f.size < 0) return bad("file size");
    total += f.size;
  }
  if (total > BID_LIMITS.maxTotalBytes) return bad("total size");
  return [];
}

const MAGIC: { name: string; bytes: number[] }[] = [
  { name: "PDF", bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { name: "ZIP/OOXML", bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: "OLE (doc/xls)", bytes: [0xd0, 0xcf, 0x11, 0xe0] },
  { name: "RAR", bytes: [0x52, 0x61, 0x72, 0x21] },
  { name: "7z", bytes: [0x37, 0x7a, 0xbc, 0xaf] },
  { name: "PNG", bytes: [0x89, 0x50, 0x4e, 0x47] },
  { name: "JPEG", bytes: [0xff, 0xd8, 0xff, 0xe0] },
  { name: "JPEG/Exif", bytes: [0xff, 0xd8, 0xff, 0xe1] },
];

/**
 * Every signature is at least 4 bytes, so a random ciphertext chunk matches one by chance
 * with probability below 8 × 2^-32 (about 1 in 500 million chunks).
 *
 * R18: does this stored chunk look like plaintext? AES-GCM output is indistinguishable from
 * random bytes, so a chunk that starts with a file signature, or whose byte entropy is far
 * below 8 bits (text, office documents), was not sealed. Only the first 64 KiB is examined.
 */
export function looksUnencrypted(chunk: Uint8Array): boolean {
  for (const m of MAGIC) if (m.bytes.every((b, i) => chunk[i] === b)) return true;
  const n = Math.min(chunk.length, 64 * 1024);
  if (n < 4096) return false; // too short to judge
  const counts = new Uint32Array(256);
  for (let i = 0; i < n; i++) counts[chunk[i]!]!++;
  let h = 0;
  for (const c of counts) if (c) h -= (c / n) * Math.log2(c / n);
  // Random 4 KiB has entropy ≈ 7.95 bits/byte; compressed data > 7.9; text < 5.
  return h < 7.5;
}

/**
 * R18: the signed manifest must describe exactly what was uploaded — same chunk size, the
 * declared files in order with their sizes, every chunk's hash as stored — and wrap the
 * content key for the bidder's certificate and (when the section has one) its opening key.
 */
export function checkManifest(
  m: Manifest,
  upload: { chunkSize: number; files: DeclaredFile[]; stored: Map<string, string> },
  kids: { bidder: string; opening: string | null; rsaBytes: { bidder: number; opening: number | null } },
): RuleViolation[] {
  const bad = (detail: string) => [violation("RULE_R18_MALFORMED", { detail })];
  if (!m || m.v !== 1 || m.alg !== "AES-256-GCM" || m.chunkSize !== upload.chunkSize) return bad("header");
  if (!Array.isArray(m.files) || m.files.length !== upload.files.length) return bad("files");
  for (const [i, f] of m.files.entries()) {
    const d = upload.files[i]!;
    if (f.index !== i || f.name !== d.name || f.size !== d.size || !/^[0-9a-f]{64}$/.test(f.sha256 ?? "")) return bad("file entry");
    const n = chunkCount(d.size, upload.chunkSize);
    if (!Array.isArray(f.chunks) || f.chunks.length !== n) return bad("chunk count");
    for (let c = 0; c < n; c++) if (upload.stored.get(`${i}:${c}`) !== f.chunks[c]) return bad(`chunk ${i}:${c} missing or different`);
  }
  const rs = Array.isArray(m.recipients) ? m.recipients : [];
  const has = (kid: string, bytes: number | null) => rs.some((r) => r.kid === kid && r.alg === "RSA-OAEP-256" && typeof r.wrappedKey === "string" && (bytes === null || atobLength(r.wrappedKey) === bytes));
  if (!has(kids.bidder, kids.rsaBytes.bidder)) return [violation("RULE_R18_RECIPIENTS")];
  if (kids.opening && !has(kids.opening, kids.rsaBytes.opening)) return [violation("RULE_R18_RECIPIENTS")];
  return [];
}

function atobLength(b64: string): number {
  const clean = b64.replace(/=+$/, "");
  return Math.floor((clean.length * 3) / 4);
}

/** Path separators or control characters in a file label. */
function hasUnsafeChar(name: string): boolean {
  for (const ch of name) if (ch === "/" || ch === "\\" || ch.charCodeAt(0) < 0x20) return true;
  return false;
}
