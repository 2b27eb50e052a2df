import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFObjectParser,
  PDFRef,
  PDFString,
  type PDFObject,
} from "@cantoo/pdf-lib";

/**
 * Incremental updates (ISO 32000-1 §7.5.6) that add one signature field to an existing PDF
 * without touching a byte of it, so every earlier signature stays valid. Server-side, pure:
 * bytes in, bytes out; the signing time is passed in.
 *
 * Reading follows the cross-reference chain from the last `startxref` through every `/Prev`
 * (classic xref tables only — what our renderer writes with `useObjectStreams: false` and what
 * each update here appends) and parses just the objects it needs with pdf-lib's object parser:
 * the catalog, the AcroForm and its fields, the page tree down to the first page, and that page's
 * annotations. Writing never re-saves the document: the new and changed objects are serialised
 * on their own and appended with a new xref section and trailer (`/Prev`, the same `/Root`,
 * `/Info` and `/ID`, `/Size` raised). The exact layout is in docs/report-signatures.md.
 *
 * Why not @signpdf/placeholder-plain 3.3.0 (same family as @signpdf/signpdf): evaluated on our
 * platform-signed files, it (1) drops the platform's field from /AcroForm /Fields, because it only
 * finds an existing AcroForm by the text "/Type /AcroForm", which pdf-lib does not write; (2) has
 * no field-name option (fields are "Signature1", "Signature2", …); (3) writes /Name, /Reason,
 * /Location as UTF-8 bytes of a UTF-16 string (the BOM becomes C3 BE C3 BF), so Chinese text is
 * garbled; (4) assumes generation 0 and a direct /Annots array when it rewrites the page. pdf-lib's
 * own `saveIncremental` (this fork) was also considered: it needs every changed object marked by
 * hand (an unmarked change is silently dropped) and defaults to xref streams for PDF ≥ 1.5; our
 * own writer (the second half of this file) keeps the layout ours to document byte for byte.
 */

export type IncrementalErrorCode =
  /** Not a PDF we can read: no startxref/%%EOF, a broken xref table, a missing object. */
  | "BAD_PDF"
  /** The last section is a cross-reference stream (or a hybrid file): not supported. */
  | "UNSUPPORTED_XREF"
  | "ENCRYPTED"
  | "NO_PAGE"
  /** The field name is empty, contains a period (ISO 32000-1 §12.7.3.2) or is not unique. */
  | "BAD_FIELD_NAME"
  | "DUPLICATE_FIELD"
  /** No unsigned signature placeholder at the end of the file. */
  | "NO_PLACEHOLDER"
  | "CMS_TOO_LARGE";

export class IncrementalError extends Error {
  constructor(
    readonly code: IncrementalErrorCode,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = "IncrementalError";
  }
}

export const SUBFILTER_ETSI_CADES_DETACHED = "ETSI.CAdES.detached";
/** Bytes reserved for the CMS (16,384 hex digits). A B-B CMS with an RSA-4096 signer and a 4096-bit CA is ~3.5 KB. */
export const DEFAULT_CONTENTS_BYTES = 8192;
/** Width of the ByteRange array text: "[0 " + three 10-digit numbers + separators + "]" — fits files up to 9,999,999,999 bytes. */
const BYTE_RANGE_WIDTH = 36;

export type ByteRange = [number, number, number, number];

// ---------------------------------------------------------------------------------------------------------------
// Bytes ⇄ text
// ---------------------------------------------------------------------------------------------------------------

const latin1 = (b: Uint8Array, from = 0, to = b.length) => {
  let s = "";
  for (let i = from; i < to; i += 0x4000) s += String.fromCharCode(...b.subarray(i, Math.min(to, i + 0x4000)));
  return s;
};
const ascii = (s: string) => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e) throw new RangeError("non-ASCII text in a PDF token");
    out[i] = c;
  }
  return out;
};
const serialise = (o: PDFObject) => {
  const buf = new Uint8Array(o.sizeInBytes());
  o.copyBytesInto(buf, 0);
  return buf;
};
/** A PDF text string as a hex string: UTF-16BE with a byte-order mark (ISO 32000-1 §7.9.2.2). */
export function pdfTextHex(text: string): string {
  let hex = "FEFF";
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0");
  return `<${hex}>`;
}
/** A PDF date (ISO 32000-1 §7.9.4) in UTC: D:YYYYMMDDHHmmSSZ. */
export function pdfDate(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}
const textOf = (o: PDFObject | undefined): string | null => (o instanceof PDFHexString || o instanceof PDFString ? o.decodeText() : null);

// ---------------------------------------------------------------------------------------------------------------
// Reading: the xref chain and the objects it points to
// ---------------------------------------------------------------------------------------------------------------

export type XrefSection = {
  /** Offset of the `xref` keyword. */
  offset: number;
  /** In-use entries of this section (object number → offset and generation); free entries as null. */
  entries: Map<number, { offset: number; gen: number } | null>;
  trailer: PDFDict;
  prev: number | null;
};

export type PdfIndex = {
  /** Newest first. */
  sections: XrefSection[];
  /** The current object table after applying every section, oldest to newest. */
  objects: Map<number, { offset: number; gen: number }>;
  /** The last startxref value. */
  startxref: number;
  size: number;
  root: PDFRef;
  info: PDFRef | null;
  id: PDFArray | null;
  context: PDFContext;
  bytes: Uint8Array;
};

function lastStartxref(pdf: Uint8Array): number {
  const tail = latin1(pdf, Math.max(0, pdf.length - 1024));
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!m) throw new IncrementalError("BAD_PDF", "no startxref … %%EOF at the end");
  return Number(m[1]);
}

function indexOfAscii(pdf: Uint8Array, needle: string, from: number): number {
  const first = needle.charCodeAt(0);
  outer: for (let i = pdf.indexOf(first, from); i !== -1 && i <= pdf.length - needle.length; i = pdf.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (pdf[i + j] !== needle.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

function readSection(pdf: Uint8Array, offset: number, context: PDFContext): XrefSection {
  const head = latin1(pdf, offset, Math.min(pdf.length, offset + 64));
  if (/^\s*\d+\s+\d+\s+obj/.test(head)) throw new IncrementalError("UNSUPPORTED_XREF", "cross-reference stream");
  const lead = /^\s*xref/.exec(head);
  if (!lead) throw new IncrementalError("BAD_PDF", `no xref table at ${offset}`);
  const trailerAt = indexOfAscii(pdf, "trailer", offset);
  if (trailerAt < 0) throw new IncrementalError("BAD_PDF", "no trailer");
  const tokens = latin1(pdf, offset + lead[0].length, trailerAt).trim().split(/\s+/).filter(Boolean);
  const entries: XrefSection["entries"] = new Map();
  for (let i = 0; i < tokens.length; ) {
    const start = Number(tokens[i]);
    const count = Number(tokens[i + 1]);
    if (!Number.isInteger(start) || !Number.isInteger(count) || count < 0) throw new IncrementalError("BAD_PDF", "xref subsection header");
    i += 2;
    for (let k = 0; k < count; k++, i += 3) {
      const [off, gen, kind] = [tokens[i], tokens[i + 1], tokens[i + 2]];
      if (!off || !gen || (kind !== "n" && kind !== "f")) throw new IncrementalError("BAD_PDF", "xref entry");
      entries.set(start + k, kind === "n" ? { offset: Number(off), gen: Number(gen) } : null);
    }
  }
  let trailer: PDFObject;
  try {
    trailer = PDFObjectParser.forBytes(pdf.subarray(trailerAt + "trailer".length), context).parseObject();
  } catch (e) {
    throw new IncrementalError("BAD_PDF", `trailer: ${String(e)}`);
  }
  if (!(trailer instanceof PDFDict)) throw new IncrementalError("BAD_PDF", "trailer is not a dictionary");
  if (trailer.has(PDFName.of("XRefStm"))) throw new IncrementalError("UNSUPPORTED_XREF", "hybrid file (/XRefStm)");
  if (trailer.has(PDFName.of("Encrypt"))) throw new IncrementalError("ENCRYPTED");
  const prev = trailer.get(PDFName.of("Prev"));
  return { offset, entries, trailer, prev: prev instanceof PDFNumber ? prev.asNumber() : null };
}

/** Reads the cross-reference chain (last section first, then each /Prev). */
export function indexPdf(pdf: Uint8Array): PdfIndex {
  const context = PDFContext.create();
  const startxref = lastStartxref(pdf);
  const sections: XrefSection[] = [];
  const seen = new Set<number>();
  for (let at: number | null = startxref; at !== null; ) {
    if (seen.has(at) || at < 0 || at >= pdf.length) throw new IncrementalError("BAD_PDF", "broken /Prev chain");
    seen.add(at);
    const s = readSection(pdf, at, context);
    sections.push(s);
    at = s.prev;
  }
  const objects = new Map<number, { offset: number; gen: number }>();
  for (const s of [...sections].reverse()) {
    for (const [num, e] of s.entries) {
      if (e) objects.set(num, e);
      else if (num !== 0) objects.delete(num);
    }
  }
  const latest = sections[0]!.trailer;
  const size = Math.max(...sections.map((s) => (s.trailer.get(PDFName.of("Size")) as PDFNumber | undefined)?.asNumber() ?? 0), ...[...objects.keys()].map((n) => n + 1));
  const root = latest.get(PDFName.of("Root"));
  if (!(root instanceof PDFRef)) throw new IncrementalError("BAD_PDF", "no /Root");
  const info = latest.get(PDFName.of("Info"));
  const id = latest.get(PDFName.of("ID"));
  return { sections, objects, startxref, size, root, info: info instanceof PDFRef ? info : null, id: id instanceof PDFArray ? id : null, context, bytes: pdf };
}

/** Parses one indirect object at its xref offset (generation checked). */
export function readObject(ix: PdfIndex, ref: PDFRef): PDFObject {
  const e = ix.objects.get(ref.objectNumber);
  if (!e || e.gen !== ref.generationNumber) throw new IncrementalError("BAD_PDF", `object ${ref.objectNumber} ${ref.generationNumber} not in the xref`);
  const head = /^\s*(\d+)\s+(\d+)\s+obj/.exec(latin1(ix.bytes, e.offset, Math.min(ix.bytes.length, e.offset + 40)));
  if (!head || Number(head[1]) !== ref.objectNumber || Number(head[2]) !== ref.generationNumber) {
    throw new IncrementalError("BAD_PDF", `xref offset of object ${ref.objectNumber} does not point at it`);
  }
  try {
    return PDFObjectParser.forBytes(ix.bytes.subarray(e.offset + head[0].length), ix.context).parseObject();
  } catch (err) {
    throw new IncrementalError("BAD_PDF", `object ${ref.objectNumber}: ${String(err)}`);
  }
}

const resolve = (ix: PdfIndex, o: PDFObject | undefined): PDFObject | undefined => (o instanceof PDFRef ? readObject(ix, o) : o);

function firstPage(ix: PdfIndex, catalog: PDFDict): PDFRef {
  let ref = catalog.get(PDFName.of("Pages"));
  for (let depth = 0; depth < 32; depth++) {
    if (!(ref instanceof PDFRef)) break;
    const node = readObject(ix, ref);
    if (!(node instanceof PDFDict)) break;
    const type = node.get(PDFName.of("Type"));
    if (type === PDFName.of("Page")) return ref;
    const kids = resolve(ix, node.get(PDFName.of("Kids")));
    if (!(kids instanceof PDFArray) || kids.size() === 0) break;
    ref = kids.get(0);
  }
  throw new IncrementalError("NO_PAGE");
}

// ---------------------------------------------------------------------------------------------------------------
// Reading signatures (for the verifier and tests)
// ---------------------------------------------------------------------------------------------------------------

export type PdfSignature = {
  fieldName: string;
  subFilter: string | null;
  byteRange: ByteRange;
  /** The CMS (DER, without the zero padding), or null for an unsigned placeholder. */
  cms: Uint8Array | null;
  name: string | null;
  reason: string | null;
  location: string | null;
  /** The claimed signing time (/M), as written. */
  m: string | null;
};

/** Length of a DER TLV at the start of `b` (0 if `b` does not start with one). */
export function derLength(b: Uint8Array): number {
  if (b.length < 2 || b[0] === 0) return 0;
  const l = b[1]!;
  if (l < 0x80) return 2 + l;
  const n = l & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return 0;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}

const hexValue = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);

/**
 * The DER CMS inside the ByteRange gap (the /Contents hex string `<…>`), read straight from the
 * file bytes and only as far as its DER length says (the rest is zero padding). Null when the
 * gap is not a hex string or holds no DER value (an unsigned placeholder).
 */
function cmsInGap(pdf: Uint8Array, [, b, c]: ByteRange): Uint8Array | null {
  if (pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e) return null;
  const decode = (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const hi = hexValue(pdf[b + 1 + 2 * i]!);
      const lo = hexValue(pdf[b + 2 + 2 * i]!);
      if (hi < 0 || lo < 0) return null;
      out[i] = hi * 16 + lo;
    }
    return out;
  };
  const capacity = Math.floor((c - b - 2) / 2);
  const head = decode(Math.min(6, capacity));
  const len = head ? derLength(head) : 0;
  return len > 0 && len <= capacity ? decode(len) : null;
}

/** Every signature field of the AcroForm, in /Fields order, with its ByteRange and CMS. */
export function readSignatures(pdf: Uint8Array): PdfSignature[] {
  const ix = indexPdf(pdf);
  const catalog = readObject(ix, ix.root);
  if (!(catalog instanceof PDFDict)) throw new IncrementalError("BAD_PDF", "catalog");
  const acro = resolve(ix, catalog.get(PDFName.of("AcroForm")));
  if (!(acro instanceof PDFDict)) return [];
  const fields = resolve(ix, acro.get(PDFName.of("Fields")));
  if (!(fields instanceof PDFArray)) return [];
  const out: PdfSignature[] = [];
  for (let i = 0; i < fields.size(); i++) {
    const f = resolve(ix, fields.get(i));
    if (!(f instanceof PDFDict) || f.get(PDFName.of("FT")) !== PDFName.of("Sig")) continue;
    const v = resolve(ix, f.get(PDFName.of("V")));
    if (!(v instanceof PDFDict)) continue;
    const br = v.get(PDFName.of("ByteRange"));
    const nums = br instanceof PDFArray ? br.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : NaN)) : [];
    if (nums.length !== 4 || nums.some((n) => !Number.isInteger(n))) continue;
    const byteRange = nums as ByteRange;
    const sub = v.get(PDFName.of("SubFilter"));
    const m = v.get(PDFName.of("M"));
    out.push({
      fieldName: textOf(f.get(PDFName.of("T"))) ?? "",
      subFilter: sub instanceof PDFName ? sub.decodeText() : null,
      byteRange,
      cms: v.get(PDFName.of("Contents")) instanceof PDFHexString ? cmsInGap(pdf, byteRange) : null,
      name: textOf(v.get(PDFName.of("Name"))),
      reason: textOf(v.get(PDFName.of("Reason"))),
      location: textOf(v.get(PDFName.of("Location"))),
      m: m instanceof PDFString ? m.asString() : textOf(m),
    });
  }
  return out;
}

/** The bytes a signature covers: the two ByteRange pieces, concatenated. */
export function byteRangeBytes(pdf: Uint8Array, br: ByteRange): Uint8Array {
  const [a, b, c, d] = br;
  if (a + b > pdf.length || c + d > pdf.length) throw new IncrementalError("BAD_PDF", "ByteRange outside the file");
  const out = new Uint8Array(b + d);
  out.set(pdf.subarray(a, a + b), 0);
  out.set(pdf.subarray(c, c + d), b);
  return out;
}

/** The offsets where each revision ends (just after its %%EOF marker), oldest first. */
export function revisionEnds(pdf: Uint8Array): number[] {
  return indexPdf(pdf)
    .sections.map((s) => indexOfAscii(pdf, "%%EOF", s.offset) + 5)
    .reverse();
}

// ---------------------------------------------------------------------------------------------------------------
// Writing: one signature field as an incremental update
// ---------------------------------------------------------------------------------------------------------------

export type SignatureFieldInput = {
  /** The field's partial name (/T), unique in the form; Chinese allowed; no period. */
  fieldName: string;
  /** /Name, /Reason, /Location of the signature dictionary (text strings). */
  name: string;
  reason: string;
  location: string;
  /** The claimed signing time, written as /M (PAdES: not a signed attribute). */
  signingTime: Date;
  subFilter?: string;
  /** Bytes reserved for the CMS in /Contents. */
  contentsBytes?: number;
};

export type PreparedField = {
  /** The whole file: the input bytes, unchanged, followed by the update. */
  pdf: Uint8Array;
  byteRange: ByteRange;
  /** Where the update starts (= the input length). */
  revisionStart: number;
  signatureObject: number;
  widgetObject: number;
};

/**
 * Appends an incremental update with a new invisible signature field on the first page and a
 * signature dictionary whose /Contents is a zero-filled placeholder. The /ByteRange is final:
 * it covers the whole returned file except the /Contents hex string (including its `<` `>`).
 * Deterministic: the same input gives the same bytes.
 */
export function appendSignatureField(pdf: Uint8Array, input: SignatureFieldInput): PreparedField {
  const fieldName = input.fieldName;
  if (!fieldName.trim() || fieldName.includes(".")) throw new IncrementalError("BAD_FIELD_NAME", "empty or contains a period");
  const contentsBytes = input.contentsBytes ?? DEFAULT_CONTENTS_BYTES;
  const ix = indexPdf(pdf);
  const ctx = ix.context;
  const catalog = readObject(ix, ix.root);
  if (!(catalog instanceof PDFDict)) throw new IncrementalError("BAD_PDF", "catalog");
  const pageRef = firstPage(ix, catalog);
  const page = readObject(ix, pageRef) as PDFDict;

  const sigNum = ix.size;
  const widgetNum = ix.size + 1;
  let nextNum = ix.size + 2;
  const sigRef = PDFRef.of(sigNum, 0);
  const widgetRef = PDFRef.of(widgetNum, 0);
  /** Changed or new objects other than the signature and the widget, by object number. */
  const changed = new Map<number, { ref: PDFRef; obj: PDFObject }>();
  const put = (ref: PDFRef, obj: PDFObject) => changed.set(ref.objectNumber, { ref, obj });

  // The AcroForm: extend /Fields, set /SigFlags 3 (SignaturesExist | AppendOnly).
  const acroEntry = catalog.get(PDFName.of("AcroForm"));
  let acro: PDFDict;
  if (acroEntry instanceof PDFRef) {
    const a = readObject(ix, acroEntry);
    if (!(a instanceof PDFDict)) throw new IncrementalError("BAD_PDF", "AcroForm");
    acro = a;
    put(acroEntry, acro);
  } else if (acroEntry instanceof PDFDict) {
    acro = acroEntry;
    put(ix.root, catalog);
  } else {
    acro = ctx.obj({});
    const acroRef = PDFRef.of(nextNum++, 0);
    catalog.set(PDFName.of("AcroForm"), acroRef);
    put(acroRef, acro);
    put(ix.root, catalog);
  }
  const fieldsEntry = acro.get(PDFName.of("Fields"));
  let fields: PDFArray;
  if (fieldsEntry instanceof PDFRef) {
    const f = readObject(ix, fieldsEntry);
    if (!(f instanceof PDFArray)) throw new IncrementalError("BAD_PDF", "AcroForm /Fields");
    fields = f;
    put(fieldsEntry, fields);
  } else if (fieldsEntry instanceof PDFArray) {
    fields = fieldsEntry;
  } else {
    fields = ctx.obj([]);
    acro.set(PDFName.of("Fields"), fields);
  }
  for (let i = 0; i < fields.size(); i++) {
    const f = resolve(ix, fields.get(i));
    if (f instanceof PDFDict && textOf(f.get(PDFName.of("T"))) === fieldName) throw new IncrementalError("DUPLICATE_FIELD", fieldName);
  }
  fields.push(widgetRef);
  acro.set(PDFName.of("SigFlags"), PDFNumber.of(3));

  // The first page's /Annots. A direct array moves into its own object once (the page is rewritten
  // that time), so later signers rewrite only that small array, not the page with its resources.
  const annotsEntry = page.get(PDFName.of("Annots"));
  if (annotsEntry instanceof PDFRef) {
    const a = readObject(ix, annotsEntry);
    if (!(a instanceof PDFArray)) throw new IncrementalError("BAD_PDF", "page /Annots");
    a.push(widgetRef);
    put(annotsEntry, a);
  } else {
    const a = annotsEntry instanceof PDFArray ? annotsEntry : ctx.obj([]);
    a.push(widgetRef);
    const annotsRef = PDFRef.of(nextNum++, 0);
    page.set(PDFName.of("Annots"), annotsRef);
    put(annotsRef, a);
    put(pageRef, page);
  }

  // The widget (merged field and annotation): invisible, printable, on the first page.
  const widget = ctx.obj({
    Type: "Annot",
    Subtype: "Widget",
    FT: "Sig",
    T: PDFHexString.of(pdfTextHex(fieldName).slice(1, -1)),
    V: sigRef,
    Rect: [0, 0, 0, 0],
    F: 4,
    P: pageRef,
  });

  // Assemble the update. Offsets are absolute (the update follows the input bytes).
  const chunks: Uint8Array[] = [];
  let at = pdf.length;
  const offsets = new Map<number, { offset: number; gen: number }>();
  const emit = (b: Uint8Array) => {
    chunks.push(b);
    at += b.length;
  };
  const last = pdf[pdf.length - 1];
  if (last !== 0x0a && last !== 0x0d) emit(ascii("\n"));

  const placeholder = `[0 ${"*".repeat(10)} ${"*".repeat(10)} ${"*".repeat(10)}]`;
  if (placeholder.length !== BYTE_RANGE_WIDTH) throw new Error("ByteRange placeholder width");
  const sigHead =
    `${sigNum} 0 obj\n<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /${input.subFilter ?? SUBFILTER_ETSI_CADES_DETACHED}\n` +
    `/M (${pdfDate(input.signingTime)})\n/Name ${pdfTextHex(input.name)}\n/Reason ${pdfTextHex(input.reason)}\n/Location ${pdfTextHex(input.location)}\n/ByteRange `;
  offsets.set(sigNum, { offset: at, gen: 0 });
  emit(ascii(sigHead));
  const byteRangeAt = at;
  emit(ascii(`${placeholder}\n/Contents `));
  const contentsStart = at;
  emit(ascii(`<${"0".repeat(contentsBytes * 2)}>`));
  const contentsEnd = at;
  emit(ascii("\n>>\nendobj\n"));

  const writeObject = (ref: PDFRef, obj: PDFObject) => {
    offsets.set(ref.objectNumber, { offset: at, gen: ref.generationNumber });
    emit(ascii(`${ref.objectNumber} ${ref.generationNumber} obj\n`));
    emit(serialise(obj));
    emit(ascii("\nendobj\n"));
  };
  writeObject(widgetRef, widget);
  for (const num of [...changed.keys()].sort((a, b) => a - b)) writeObject(changed.get(num)!.ref, changed.get(num)!.obj);

  // The xref section: entry 0 and one subsection per run of consecutive object numbers.
  const xrefAt = at;
  const nums = [0, ...[...offsets.keys()].sort((a, b) => a - b)];
  let xref = "xref\n";
  for (let i = 0; i < nums.length; ) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j]! + 1) j++;
    xref += `${nums[i]} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) {
      const e = nums[k] === 0 ? null : offsets.get(nums[k]!)!;
      xref += e ? `${String(e.offset).padStart(10, "0")} ${String(e.gen).padStart(5, "0")} n \n` : "0000000000 65535 f \n";
    }
    i = j + 1;
  }
  emit(ascii(xref));
  const trailer = ctx.obj({});
  trailer.set(PDFName.of("Size"), PDFNumber.of(nextNum));
  trailer.set(PDFName.of("Root"), ix.root);
  if (ix.info) trailer.set(PDFName.of("Info"), ix.info);
  if (ix.id) trailer.set(PDFName.of("ID"), ix.id);
  trailer.set(PDFName.of("Prev"), PDFNumber.of(ix.startxref));
  emit(ascii("trailer\n"));
  emit(serialise(trailer));
  // No end-of-line after %%EOF: each revision ends exactly at its marker, and each update starts with one.
  emit(ascii(`\nstartxref\n${xrefAt}\n%%EOF`));

  const out = new Uint8Array(at);
  out.set(pdf, 0);
  let p = pdf.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  const byteRange: ByteRange = [0, contentsStart, contentsEnd, out.length - contentsEnd];
  const brText = `[${byteRange.join(" ")}]`;
  if (brText.length > BYTE_RANGE_WIDTH) throw new IncrementalError("BAD_PDF", "file too large for the ByteRange field");
  out.set(ascii(brText.slice(0, -1).padEnd(BYTE_RANGE_WIDTH - 1, " ") + "]"), byteRangeAt);
  return { pdf: out, byteRange, revisionStart: pdf.length, signatureObject: sigNum, widgetObject: widgetNum };
}

/**
 * The last signature of the file, which must be an unsigned placeholder whose ByteRange ends at
 * the end of the file (the state `appendSignatureField` leaves it in).
 */
export function lastPlaceholder(pdf: Uint8Array): { fieldName: string; byteRange: ByteRange } {
  const sigs = readSignatures(pdf);
  const last = sigs.find((s) => s.byteRange[2] + s.byteRange[3] === pdf.length && s.cms === null);
  if (!last) throw new IncrementalError("NO_PLACEHOLDER");
  const [, b, c] = last.byteRange;
  if (pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e) throw new IncrementalError("NO_PLACEHOLDER", "ByteRange gap is not the /Contents hex string");
  for (let i = b + 1; i < c - 1; i++) if (pdf[i] !== 0x30) throw new IncrementalError("NO_PLACEHOLDER", "placeholder is not zero-filled");
  return { fieldName: last.fieldName, byteRange: last.byteRange };
}

/** Writes the CMS into the /Contents placeholder (hex, zero-padded to the same length). Returns a copy. */
export function fillContents(pdf: Uint8Array, byteRange: ByteRange, cms: Uint8Array): Uint8Array {
  const [, b, c] = byteRange;
  const capacity = c - b - 2;
  if (cms.length * 2 > capacity) throw new IncrementalError("CMS_TOO_LARGE", `${cms.length} bytes, room for ${capacity / 2}`);
  const out = pdf.slice();
  let hex = "";
  for (const x of cms) hex += x.toString(16).padStart(2, "0");
  out.set(ascii(hex), b + 1);
  return out;
}
