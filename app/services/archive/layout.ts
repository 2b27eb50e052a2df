/**
 * The archive export's pure parts (交易档案, R59–R61; docs/archive.md): path segments that every unzip tool accepts,
 * unique paths, the `SHA256SUMS` file `sha256sum -c` reads, the CSV of bond refunds, the record entry that first
 * names a file, and the retention date (R61). Data in, data out: no database, no clock.
 */

/** One file of the archive: where it goes, where its bytes come from, and what it is. */
export type ArchiveEntry = {
  /** Path inside the ZIP, `/`-separated, never absolute, never `..`. */
  path: string;
  /**
   * A blob of the blob store (streamed when the ZIP is written), an opened bid's file (decrypted from its stored
   * ciphertext when the ZIP is written, docs/decisions/031) or bytes generated for the export.
   */
  source: { blob: string } | { bidFile: { bidId: string; index: number } } | { bytes: Uint8Array };
  sha256: string;
  size: number;
  /** What the file is, e.g. `tender_document`, `bid_manifest`, `opening_record_pdf` (docs/archive.md lists them). */
  kind: string;
  /** The record entry (seq) that first names this file's SHA-256 in its payload, when there is one. */
  recordSeq: number | null;
};

/** Something the exporter may not receive (yet), listed in the manifest with the reason instead of its bytes. */
export type Withheld = { path: string; kind: string; reason: string };

// eslint-disable-next-line no-control-regex -- control characters are exactly what must go
const UNSAFE = /[\u0000-\u001f\u007f/\\:*?"<>|]/g;
const MAX_SEGMENT = 100;

/**
 * One path segment from a name a user chose (an organisation, a file label, a section code): characters Windows,
 * macOS or `unzip` would refuse or read as a separator become `_`; leading/trailing dots and spaces go (no `..`, no
 * hidden files); at most 100 code points. Never empty.
 */
export function safeSegment(name: string): string {
  const cleaned = name.normalize("NFC").replace(UNSAFE, "_").replace(/^[.\s]+|[.\s]+$/g, "");
  const cut = [...cleaned].slice(0, MAX_SEGMENT).join("").replace(/[.\s]+$/g, "");
  return cut || "_";
}

/** Joins segments (each made safe) into an archive path. */
export function archivePath(...segments: string[]): string {
  return segments.map(safeSegment).join("/");
}

/**
 * Makes every path unique (case-insensitively, as on Windows and macOS): a repeated path gets `-2`, `-3` … before its
 * extension. Order is kept; the first occurrence keeps its name.
 */
export function uniquePaths<T extends { path: string }>(entries: readonly T[]): T[] {
  const seen = new Set<string>();
  return entries.map((e) => {
    let p = e.path;
    if (seen.has(p.toLowerCase())) {
      const slash = p.lastIndexOf("/");
      const dot = p.lastIndexOf(".");
      const [stem, ext] = dot > slash + 1 ? [p.slice(0, dot), p.slice(dot)] : [p, ""];
      for (let n = 2; seen.has(p.toLowerCase()); n++) p = `${stem}-${n}${ext}`;
    }
    seen.add(p.toLowerCase());
    return p === e.path ? e : { ...e, path: p };
  });
}

/** `SHA256SUMS` as GNU `sha256sum -c` reads it: `<hex>  <path>` per line (text mode), sorted by path, LF endings. */
export function sha256sums(files: readonly { path: string; sha256: string }[]): string {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.path}\n`)
    .join("");
}

/** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a leading = + - @ is defused for spreadsheets. */
export function csvField(v: string | number | null): string {
  if (v === null) return "";
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(headers: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return [headers, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** Amount in fen as yuan with two decimals (integers only: no floating point). */
export function fenToYuan(fen: number): string {
  const neg = fen < 0;
  const a = Math.abs(fen);
  return `${neg ? "-" : ""}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

const HEX64_ANYWHERE = /[0-9a-f]{64}/g;

/**
 * For each SHA-256 named anywhere in a record entry's payload, the first entry (lowest seq) that names it: the entry
 * that introduced the file (the upload of a document, the closing of the opening with its record's hash …).
 */
export function firstMentions(entries: readonly { seq: number; payload: unknown }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of [...entries].sort((a, b) => a.seq - b.seq)) {
    for (const hex of JSON.stringify(e.payload ?? null).match(HEX64_ANYWHERE) ?? []) if (!out.has(hex)) out.set(hex, e.seq);
  }
  return out;
}

const CHINA_OFFSET_MS = 8 * 3600_000;

/** The calendar day (YYYY-MM-DD) of an instant in China time (UTC+8, no daylight saving). */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * R61: the retention end of an archive: the archive day (China time) plus `years` calendar years. An archive of
 * 29 February ends on 28 February when the end year is a common year (the day does not roll into March).
 * `years` must be a positive integer.
 */
export function retentionEnd(archivedAt: Date, years: number): string {
  if (!Number.isSafeInteger(years) || years < 1) throw new RangeError("retention years must be a positive integer");
  const [y, m, d] = chinaDate(archivedAt).split("-").map(Number) as [number, number, number];
  const year = y + years;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const day = m === 2 && d === 29 && !leap ? 28 : d;
  return `${String(year).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** R61: the retention in years: the configured override (ARCHIVE_RETENTION_YEARS) or the rule profile's value. */
export function retentionYears(profile: { retentionYears: number }, override: number | undefined): number {
  return override ?? profile.retentionYears;
}
