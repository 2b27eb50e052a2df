import { inflateRawSync } from "node:zlib";

/**
 * A bounded reader of an uploaded ZIP (the archive export, docs/archive.md) for the public verification page: the
 * central directory is read from the end-of-central-directory record, every entry's local header is checked against
 * it (method, position; a CRC-32 mismatch is flagged on the entry), and only stored (0) and deflated (8) entries are read. Everything about the file is hostile: ZIP64, encryption,
 * data descriptors that disagree, overlapping entries, too many entries, a declared or actual size above the limits,
 * or a compression ratio above `maxRatio` (a zip bomb) are refused with a ZipError before more is inflated. Inflation
 * is bounded by the declared size (zlib `maxOutputLength`), so a lying header costs at most that much memory.
 */
export type ZipLimits = {
  maxEntries: number;
  /** Largest uncompressed entry. */
  maxEntryBytes: number;
  /** Sum of every entry's uncompressed size. */
  maxTotalBytes: number;
  /** Largest uncompressed / compressed ratio of a deflated entry above `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
};

export const ZIP_LIMITS: ZipLimits = { maxEntries: 5000, maxEntryBytes: 32 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024, maxRatio: 100, ratioFloorBytes: 1024 * 1024 };

export type ZipErrorCode = "NOT_ZIP" | "UNSUPPORTED" | "TOO_MANY_ENTRIES" | "TOO_LARGE" | "BOMB" | "CORRUPT";

export class ZipError extends Error {
  constructor(readonly code: ZipErrorCode) {
    super(code);
    this.name = "ZipError";
  }
}

/** `crcOk` false: the data does not match its CRC-32 (a changed byte; the caller names the file rather than refuse all). */
export type ZipEntry = { name: string; data: Uint8Array; crcOk: boolean };

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as ZIP uses it). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const EOCD = 0x06054b50;
const CEN = 0x02014b50;
const LOC = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Every file entry of `bytes` (directories skipped), in central-directory order; throws ZipError. */
export function readZip(bytes: Uint8Array, limits: ZipLimits = ZIP_LIMITS): ZipEntry[] {
  if (!isZip(bytes) || bytes.length < 22) throw new ZipError("NOT_ZIP");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  // The EOCD is within the last 22 + 65,535 bytes (its comment is at most 65,535 bytes).
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (u32(o) === EOCD && o + 22 + u16(o + 20) === bytes.length) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) throw new ZipError("NOT_ZIP");
  const count = u16(eocd + 10);
  const cdSize = u32(eocd + 12);
  const cdOffset = u32(eocd + 16);
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0 || u16(eocd + 8) !== count) throw new ZipError("UNSUPPORTED"); // multi-disk
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new ZipError("UNSUPPORTED"); // ZIP64
  if (count > limits.maxEntries) throw new ZipError("TOO_MANY_ENTRIES");
  if (cdOffset + cdSize > eocd) throw new ZipError("CORRUPT");

  const out: ZipEntry[] = [];
  const seen = new Set<string>();
  const spans: [number, number][] = [];
  let total = 0;
  let p = cdOffset;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || u32(p) !== CEN) throw new ZipError("CORRUPT");
    const flags = u16(p + 8);
    const crc = u32(p + 16);
    const method = u16(p + 10);
    const compressed = u32(p + 20);
    const size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    const local = u32(p + 42);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cdOffset + cdSize) throw new ZipError("CORRUPT");
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    } catch {
      throw new ZipError("CORRUPT");
    }
    p = next;
    if (flags & 0x1) throw new ZipError("UNSUPPORTED"); // encrypted
    if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff) throw new ZipError("UNSUPPORTED");
    if (name.endsWith("/")) continue;
    if (!name || name.length > 1000 || seen.has(name)) throw new ZipError("CORRUPT");
    seen.add(name);
    if (size > limits.maxEntryBytes) throw new ZipError("TOO_LARGE");
    total += size;
    if (total > limits.maxTotalBytes) throw new ZipError("TOO_LARGE");
    if (method !== 0 && method !== 8) throw new ZipError("UNSUPPORTED");
    if (method === 0 && compressed !== size) throw new ZipError("CORRUPT");
    if (method === 8 && size > limits.ratioFloorBytes && size > compressed * limits.maxRatio) throw new ZipError("BOMB");

    if (local + 30 > cdOffset || u32(local) !== LOC) throw new ZipError("CORRUPT");
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    const end = start + compressed;
    if (end > cdOffset) throw new ZipError("CORRUPT");
    if (u16(local + 8) !== method) throw new ZipError("CORRUPT");
    for (const [a, b] of spans) if (local < b && end > a) throw new ZipError("CORRUPT"); // overlapping entries
    spans.push([local, end]);
    const raw = bytes.subarray(start, end);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else {
      try {
        data = new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(1, size) }));
      } catch {
        throw new ZipError("CORRUPT");
      }
    }
    if (data.length !== size) throw new ZipError("CORRUPT");
    out.push({ name, data, crcOk: crc32(data) === crc });
  }
  return out;
}
