import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFInvalidObject,
  PDFName,
  PDFNumber,
  PDFString,
  degrees,
  rgb,
  type PDFFont,
  type PDFPage,
} from "@cantoo/pdf-lib";
import { createPrivateKey, sign as nodeSign, type KeyObject } from "node:crypto";
import { SignPdf } from "@signpdf/signpdf";
import { DEFAULT_BYTE_RANGE_PLACEHOLDER, Signer, SUBFILTER_ETSI_CADES_DETACHED } from "@signpdf/utils";
import * as fontkit from "fontkit";
import { openPkcs12, pemToDer } from "../certs";
import { assembleSignedData, prepareSignedAttributes, sha256 } from "./cms";

/**
 * Official documents (开标记录表, 专家抽取记录, 评标报告 …) as PDFs with Chinese text (an
 * embedded, subset Noto Sans SC) signed with the platform's certificate as PAdES baseline B-T
 * (ETSI EN 319 142-1): SubFilter ETSI.CAdES.detached, a detached CMS over the ByteRange with the
 * signed attributes content-type, message-digest and ESS signing-certificate-v2 (crypto/pdf/cms.ts,
 * the same as the members' signatures), and the unsigned attribute id-aa-signatureTimeStampToken
 * holding an RFC 3161 token over SHA-256 of the signature value, which `timeStamp` obtains (the
 * platform's TSA in-process, or an external one over HTTP: app/services/platform/tsa.server.ts).
 * Verifiable by poppler's pdfsig, Adobe Reader and `openssl cms`/`openssl ts` (docs/pades.md).
 * Pure: the font, the PKCS#12, the signing time and the time-stamper are passed in.
 */
export type OfficialDocument = {
  title: string;
  /** Document number and version, shown under the title. */
  number: string;
  meta: [label: string, value: string][];
  sections: { heading: string; table?: { headers: string[]; rows: string[][]; widths: number[] }; paragraphs?: string[]; blocks?: Block[] }[];
  footer: string;
  /** Printed faintly across every page (e.g. a draft that is not for signing). */
  watermark?: string;
  /** Prints "第 i 页 共 n 页" and the document number at the foot of every page. */
  pageNumbers?: boolean;
};

/**
 * More content for a section, rendered after its `paragraphs` and `table`, in order: sub-headings, paragraphs
 * (optionally smaller or muted) and tables (with an optional caption, a smaller font, and the header row repeated
 * on every page the table runs onto).
 */
export type Block =
  | { kind: "subheading"; text: string }
  | { kind: "paragraph"; text: string; size?: number; muted?: boolean }
  | { kind: "table"; caption?: string; headers: string[]; rows: string[][]; widths: number[]; size?: number };

export type SigningKey = { p12: Uint8Array; passphrase: string; name: string; location: string; reason: string };

/** Returns an RFC 3161 TimeStampToken (DER) whose messageImprint is SHA-256 of `signatureValue`. */
export type SignatureTimeStamper = (signatureValue: Uint8Array) => Promise<Uint8Array>;

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const SIGNATURE_BYTES = 8192;

class Writer {
  page: PDFPage;
  y: number;
  constructor(
    private readonly doc: PDFDocument,
    private readonly font: PDFFont,
  ) {
    this.page = doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }
  ensure(h: number) {
    if (this.y - h < MARGIN + 20) this.breakPage();
  }
  breakPage() {
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }
  text(s: string, size: number, x = MARGIN, opts: { center?: boolean; color?: [number, number, number] } = {}) {
    const width = this.font.widthOfTextAtSize(s, size);
    const px = opts.center ? (A4[0] - width) / 2 : x;
    this.page.drawText(s, { x: px, y: this.y - size, size, font: this.font, color: rgb(...(opts.color ?? [0.1, 0.1, 0.1])) });
  }
  /** Each character's advance at size 1 (measuring the whole line again per character made wrapping quadratic). */
  private readonly advance = new Map<string, number>();
  private widthOf(ch: string): number {
    let w = this.advance.get(ch);
    if (w === undefined) this.advance.set(ch, (w = this.font.widthOfTextAtSize(ch, 1)));
    return w;
  }
  /** Wraps text to a width, character by character (CJK has no spaces to break on). */
  wrap(s: string, size: number, width: number): string[] {
    const lines: string[] = [];
    let cur = "";
    let curWidth = 0;
    for (const ch of s) {
      const w = ch === "\n" ? 0 : this.widthOf(ch) * size;
      if (ch === "\n" || curWidth + w > width) {
        lines.push(cur);
        cur = ch === "\n" ? "" : ch;
        curWidth = w;
      } else {
        cur += ch;
        curWidth += w;
      }
    }
    if (cur) lines.push(cur);
    return lines;
  }
}

export async function renderOfficialPdf(doc: OfficialDocument, fontBytes: Uint8Array, signingTime: Date): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit as unknown as Parameters<PDFDocument["registerFontkit"]>[0]);
  const font = await pdf.embedFont(fontBytes, { subset: true });
  pdf.setTitle(doc.title);
  pdf.setCreator("Tenderhall");
  pdf.setProducer("Tenderhall");
  pdf.setCreationDate(signingTime);
  pdf.setModificationDate(signingTime);
  const w = new Writer(pdf, font);
  w.text(doc.title, 20, 0, { center: true });
  w.y -= 30;
  w.text(doc.number, 10, 0, { center: true, color: [0.35, 0.35, 0.35] });
  w.y -= 24;
  for (const [label, value] of doc.meta) {
    const lines = w.wrap(value, 10.5, A4[0] - 2 * MARGIN - 110);
    w.ensure(lines.length * 15);
    w.text(label, 10.5, MARGIN, { color: [0.35, 0.35, 0.35] });
    lines.forEach((l, i) => {
      w.text(l, 10.5, MARGIN + 110);
      if (i < lines.length - 1) w.y -= 15;
    });
    w.y -= 17;
  }
  for (const s of doc.sections) {
    w.y -= 8;
    w.ensure(90); // a heading keeps a few lines of its section with it
    w.text(s.heading, 13);
    w.y -= 22;
    for (const p of s.paragraphs ?? []) {
      for (const l of w.wrap(p, 10.5, A4[0] - 2 * MARGIN)) {
        w.ensure(15);
        w.text(l, 10.5);
        w.y -= 15;
      }
    }
    if (s.table) {
      const total = s.table.widths.reduce((a, b) => a + b, 0);
      const cols = s.table.widths.map((x) => (x / total) * (A4[0] - 2 * MARGIN));
      const row = (cells: string[], header: boolean) => {
        const wrapped = cells.map((c, i) => w.wrap(c, 9.5, cols[i]! - 8));
        const h = Math.max(...wrapped.map((l) => l.length)) * 13 + 8;
        w.ensure(h);
        let x = MARGIN;
        wrapped.forEach((lines, i) => {
          w.page.drawRectangle({ x, y: w.y - h, width: cols[i]!, height: h, borderColor: rgb(0.6, 0.6, 0.6), borderWidth: 0.5, color: header ? rgb(0.93, 0.94, 0.96) : undefined });
          lines.forEach((l, j) => w.page.drawText(l, { x: x + 4, y: w.y - 13 - j * 13, size: 9.5, font }));
          x += cols[i]!;
        });
        w.y -= h;
      };
      row(s.table.headers, true);
      for (const r of s.table.rows) row(r, false);
      w.y -= 10;
    }
    if (s.blocks) renderBlocks(w, font, s.blocks);
  }
  w.y -= 10;
  w.ensure(30);
  for (const l of w.wrap(doc.footer, 9, A4[0] - 2 * MARGIN)) {
    w.text(l, 9, MARGIN, { color: [0.35, 0.35, 0.35] });
    w.y -= 13;
  }
  decoratePages(pdf, font, doc);
  return pdf.save({ useObjectStreams: false });
}

function renderBlocks(w: Writer, font: PDFFont, blocks: readonly Block[]) {
  const width = A4[0] - 2 * MARGIN;
  for (const b of blocks) {
    if (b.kind === "subheading") {
      w.y -= 4;
      w.ensure(30);
      w.text(b.text, 11);
      w.y -= 18;
    } else if (b.kind === "paragraph") {
      const size = b.size ?? 10.5;
      for (const l of w.wrap(b.text, size, width)) {
        w.ensure(size + 5);
        w.text(l, size, MARGIN, b.muted ? { color: [0.35, 0.35, 0.35] } : {});
        w.y -= size + 4.5;
      }
      w.y -= 2;
    } else {
      const size = b.size ?? 9.5;
      const lineH = size + 3.5;
      const total = b.widths.reduce((a, x) => a + x, 0);
      const cols = b.widths.map((x) => (x / total) * width);
      const heightOf = (cells: readonly string[]) => Math.max(1, ...cols.map((c, i) => w.wrap(cells[i] ?? "", size, c - 8).length)) * lineH + 8;
      // The caption and the header row stay with the first row (never alone at the foot of a page).
      const head = heightOf(b.headers) + (b.rows[0] ? heightOf(b.rows[0]) : 0);
      if (b.caption) {
        w.ensure(size + 6 + head);
        w.text(b.caption, size, MARGIN, { color: [0.35, 0.35, 0.35] });
        w.y -= size + 6;
      } else w.ensure(head);
      const row = (cells: readonly string[], header: boolean): void => {
        const wrapped = cols.map((c, i) => w.wrap(cells[i] ?? "", size, c - 8));
        const h = Math.max(1, ...wrapped.map((l) => l.length)) * lineH + 8;
        if (!header && w.y - h < MARGIN + 20) {
          w.breakPage(); // the header row again on the new page
          row(b.headers, true);
        } else w.ensure(h);
        let x = MARGIN;
        wrapped.forEach((lines, i) => {
          w.page.drawRectangle({ x, y: w.y - h, width: cols[i]!, height: h, borderColor: rgb(0.6, 0.6, 0.6), borderWidth: 0.5, color: header ? rgb(0.93, 0.94, 0.96) : undefined });
          lines.forEach((l, j) => w.page.drawText(l, { x: x + 4, y: w.y - size - 3.5 - j * lineH, size, font }));
          x += cols[i]!;
        });
        w.y -= h;
      };
      row(b.headers, true);
      for (const r of b.rows) row(r, false);
      w.y -= 10;
    }
  }
}

/** The watermark and page numbers, once every page exists. */
function decoratePages(pdf: PDFDocument, font: PDFFont, doc: OfficialDocument) {
  const pages = pdf.getPages();
  pages.forEach((page, i) => {
    if (doc.watermark) {
      const size = 40;
      const wm = font.widthOfTextAtSize(doc.watermark, size);
      page.drawText(doc.watermark, { x: (A4[0] - wm * Math.SQRT1_2) / 2, y: A4[1] / 2 - (wm * Math.SQRT1_2) / 2, size, font, color: rgb(0.85, 0.3, 0.3), opacity: 0.18, rotate: degrees(45) });
    }
    if (doc.pageNumbers) {
      const label = `${doc.number} · 第 ${i + 1} 页 共 ${pages.length} 页`;
      const lw = font.widthOfTextAtSize(label, 8);
      page.drawText(label, { x: (A4[0] - lw) / 2, y: MARGIN / 2, size: 8, font, color: rgb(0.45, 0.45, 0.45) });
    }
  });
}

/** Adds an invisible signature field with a ByteRange/Contents placeholder (ISO 32000-1 §12.8). */
async function withPlaceholder(pdfBytes: Uint8Array, key: SigningKey, signingTime: Date): Promise<Uint8Array> {
  const pdf = await PDFDocument.load(pdfBytes);
  const page = pdf.getPages()[0]!;
  const ctx = pdf.context;
  const byteRange = PDFArray.withContext(ctx);
  byteRange.push(PDFNumber.of(0));
  for (let i = 0; i < 3; i++) byteRange.push(PDFName.of(DEFAULT_BYTE_RANGE_PLACEHOLDER));
  const sig = ctx.obj({
    Type: "Sig",
    Filter: "Adobe.PPKLite",
    SubFilter: SUBFILTER_ETSI_CADES_DETACHED,
    ByteRange: byteRange,
    Contents: PDFHexString.of("0".repeat(SIGNATURE_BYTES * 2)),
    Reason: PDFHexString.fromText(key.reason),
    Name: PDFHexString.fromText(key.name),
    Location: PDFHexString.fromText(key.location),
    M: PDFString.fromDate(signingTime),
  });
  // Serialised in place (not in an object stream), so the signer can find the placeholder.
  const buf = new Uint8Array(sig.sizeInBytes());
  sig.copyBytesInto(buf, 0);
  const sigRef = ctx.register(PDFInvalidObject.of(buf));
  const widget = ctx.obj({
    Type: "Annot",
    Subtype: "Widget",
    FT: "Sig",
    Rect: [0, 0, 0, 0],
    V: sigRef,
    T: PDFHexString.fromText("Tenderhall 平台签章"),
    F: 4,
    P: page.ref,
  });
  const widgetRef = ctx.register(widget);
  const annots = page.node.lookupMaybe(PDFName.of("Annots"), PDFArray) ?? ctx.obj([]);
  annots.push(widgetRef);
  page.node.set(PDFName.of("Annots"), annots);
  let acro = pdf.catalog.lookupMaybe(PDFName.of("AcroForm"), PDFDict);
  if (!acro) {
    acro = ctx.obj({ Fields: [], SigFlags: 3 });
    pdf.catalog.set(PDFName.of("AcroForm"), ctx.register(acro));
  }
  (acro.lookup(PDFName.of("Fields"), PDFArray) as PDFArray).push(widgetRef);
  acro.set(PDFName.of("SigFlags"), PDFNumber.of(3));
  return pdf.save({ useObjectStreams: false });
}

type OpenedKey = { passphrase: string; privateKey: KeyObject; certDer: Uint8Array; chainDers: Uint8Array[] };
/** Opened PKCS#12 files by identity (opening one costs tens of milliseconds of PBKDF2 and AES in JavaScript). */
const opened = new WeakMap<Uint8Array, OpenedKey>();

function openKey(key: SigningKey): OpenedKey {
  const hit = opened.get(key.p12);
  if (hit && hit.passphrase === key.passphrase) return hit;
  const p = openPkcs12(key.p12, key.passphrase);
  const o = { passphrase: key.passphrase, privateKey: createPrivateKey({ key: Buffer.from(p.privateKeyPkcs8), format: "der", type: "pkcs8" }), certDer: pemToDer(p.certPem), chainDers: p.chainPem.map(pemToDer) };
  opened.set(key.p12, o);
  return o;
}

/**
 * @signpdf computes the ByteRange and hands over its bytes; this returns the B-T CMS for them:
 * signed attributes → RSASSA-PKCS1-v1_5/SHA-256 signature → time-stamp of the signature → SignedData.
 */
class PadesBtSigner extends Signer {
  constructor(
    private readonly key: OpenedKey,
    private readonly timeStamp: SignatureTimeStamper,
  ) {
    super();
  }
  override async sign(content: Buffer): Promise<Buffer> {
    const { signedAttrsDer } = prepareSignedAttributes({ byteRangeDigest: sha256(content), signerCertDer: this.key.certDer });
    const signature = new Uint8Array(nodeSign("sha256", signedAttrsDer, this.key.privateKey));
    const signatureTimeStampToken = await this.timeStamp(signature);
    return Buffer.from(assembleSignedData({ signedAttrsDer, signature, signerCertDer: this.key.certDer, chainDers: this.key.chainDers, signatureTimeStampToken }));
  }
}

/** Renders and signs an official document (PAdES B-T; `timeStamp` gives the signature time-stamp). */
export async function signedOfficialPdf(doc: OfficialDocument, fontBytes: Uint8Array, key: SigningKey, signingTime: Date, timeStamp: SignatureTimeStamper): Promise<Uint8Array> {
  const unsigned = await renderOfficialPdf(doc, fontBytes, signingTime);
  const prepared = await withPlaceholder(unsigned, key, signingTime);
  const signed = await new SignPdf().sign(Buffer.from(prepared), new PadesBtSigner(openKey(key), timeStamp), signingTime);
  return new Uint8Array(signed);
}
