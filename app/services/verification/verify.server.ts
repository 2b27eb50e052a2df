import { createHash } from "node:crypto";
import { and, asc, eq, inArray, or, sql } from "drizzle-orm";
import { canonicalJson } from "#crypto/canonical-json";
import { verifyCheckpoint } from "#crypto/checkpoint";
import { pemToDer } from "#crypto/certs";
import { entryLeaf, fromHex, verifyInclusion } from "#crypto/merkle";
import { verifyReceipt, type ReceiptPayload } from "#crypto/receipt";
import type { Executor } from "#db/client";
import { bids, draws, evaluationReports, openings, projects, recordEntries, reportSignatures, resultDocuments, sections, tenderDocuments } from "#db/schema/index";
import { isUuid } from "#app/domain/ids";
import type { AppContext } from "../platform/context.server";
import { documentSigner } from "../platform/platform-signer.server";
import { inclusion, listCheckpoints } from "../transparency/log.server";
import { detectUpload, type UploadKind } from "./detect";
import { MAX_RECEIPT_CHARS } from "./limits";
import { checkPdf, type Anchors, type PdfReport } from "./pdf.server";
import { readZip, ZipError, type ZipErrorCode } from "./zip.server";

/**
 * The public verification page's checks (/verify, docs/decisions/026-public-verification-page.md): what an uploaded
 * file is — a PDF the platform issued, a bid receipt (JWS) or an archive export (ZIP) — whether its signatures hold
 * against the certificates published at /pki, which document of which tender it is, the record entry that issued it
 * and that entry's inclusion proof in the latest signed checkpoint covering it.
 *
 * What is revealed is bounded by what the uploader holds (R9, ADR 026): a document is looked up only by the SHA-256
 * of bytes uploaded (never by a hash typed in), and the answer names only what the document itself states (kind,
 * tender code and title, section) plus the record entry's public coordinates (seq, action, time, entry hash — the
 * entry hash and inclusion proof are public at /verify/record anyway); never the entry's payload, actor or IP.
 */

export { MAX_RECEIPT_CHARS, MAX_UPLOAD_BYTES } from "./limits";
/** Record lines of an uploaded archive compared with the platform's record. */
export const MAX_ARCHIVE_RECORD_LINES = 100_000;

type Ctx = Pick<AppContext, "db" | "config">;

export type EntryView = { seq: number; action: string; at: string; hash: string };

export type ProofView =
  | { covered: true; size: number; rootHash: string; issuedAt: string; leafHash: string; proof: string[]; included: boolean; checkpointValid: boolean }
  | { covered: false; latestSize: number | null };

export type IssuedDocument = {
  kind: string;
  number: string | null;
  version: number | null;
  project: { code: string; title: string };
  section: { code: string; title: string } | null;
  /** "file": the uploaded bytes are the document as stored; "revision": a signed revision of it is (bytes were appended). */
  match: "file" | "revision";
  /** A file a party uploaded and the platform recorded (a tender document, the contract): not signed by the platform. */
  upload: boolean;
};

export type PdfVerification = {
  type: "pdf";
  status: "valid" | "recorded" | "invalid" | "modified" | "foreign" | "unrecorded" | "unreadable";
  pdf: PdfReport;
  document: IssuedDocument | null;
  entry: EntryView | null;
  proof: ProofView | null;
};

export type ReceiptVerification = {
  type: "receipt";
  status: "valid" | "invalid" | "foreign" | "unrecorded";
  failure: "MALFORMED" | "UNTRUSTED_SIGNER" | "BAD_SIGNATURE" | "NOT_PLATFORM_SIGNER" | null;
  signer: string | null;
  claims: ReceiptPayload | null;
  entry: EntryView | null;
  proof: ProofView | null;
};

export type ArchiveProblem = { code: string; path?: string; seq?: number };

export type ArchiveVerification = {
  type: "archive";
  status: "valid" | "invalid" | "unrecorded" | "unreadable";
  zipError: ZipErrorCode | null;
  manifestSha256: string | null;
  project: { id: string; code: string; title: string; known: boolean } | null;
  exportedAt: string | null;
  recordHead: { seq: number; hash: string } | null;
  files: number;
  withheld: number;
  recordLines: number;
  pdfs: { checked: number; valid: number };
  receipts: { checked: number; valid: number };
  problems: ArchiveProblem[];
  entry: EntryView | null;
  proof: ProofView | null;
};

export type Verification = PdfVerification | ReceiptVerification | ArchiveVerification | { type: "unknown" };

const sha256Hex = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

/** The trust anchors as /pki publishes them (pki.server.ts) and the CAs trusted for users' certificates. */
export function anchorsOf(config: Ctx["config"]): Anchors {
  const s = documentSigner(config);
  return { caPem: s.caCertPem, signerPem: s.signerCertPem, tsaPem: s.tsa?.certPem ?? null, userCaPems: [s.caCertPem, ...s.externalCaPems] };
}

/**
 * At most this many verifications run at once in a process; others wait their turn (a public page that parses PDFs
 * and inflates ZIPs for anyone must not let a burst of uploads take every core; the bodies are bounded already).
 */
export const MAX_CONCURRENT_VERIFICATIONS = 2;
let running = 0;
const queue: (() => void)[] = [];

async function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_VERIFICATIONS) await new Promise<void>((resolve) => queue.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    const next = queue.shift();
    if (next) next();
    else running--;
  }
}

/** Verifies an uploaded file (or pasted receipt text) of any of the three kinds; never throws for bad input. */
export function verifyUpload(ctx: Ctx, bytes: Uint8Array): Promise<Verification> {
  return inTurn(() => verifyNow(ctx, bytes));
}

async function verifyNow(ctx: Ctx, bytes: Uint8Array): Promise<Verification> {
  const kind: UploadKind = detectUpload(bytes);
  if (kind === "pdf") return verifyPdf(ctx, bytes);
  if (kind === "zip") return verifyArchive(ctx, bytes);
  if (kind === "receipt") return verifyReceiptText(ctx, new TextDecoder().decode(bytes));
  return { type: "unknown" };
}

// ------------------------------------------------------------------------------------------------ the record

const ENTRY_COLUMNS = { seq: recordEntries.seq, action: recordEntries.action, at: recordEntries.at, hash: recordEntries.hash };
const entryView = (e: { seq: number; action: string; at: Date; hash: string }): EntryView => ({ seq: e.seq, action: e.action, at: e.at.toISOString(), hash: e.hash });

/** The first entry about one of `subjects` whose payload names `sha256` (the entry that issued the document). */
async function entryNaming(db: Executor, subjects: { type: string; id: string }[], sha256: string): Promise<EntryView | null> {
  if (!/^[0-9a-f]{64}$/.test(sha256) || !subjects.length) return null;
  const [row] = await db
    .select(ENTRY_COLUMNS)
    .from(recordEntries)
    .where(and(or(...subjects.map((s) => and(eq(recordEntries.subjectType, s.type), eq(recordEntries.subjectId, s.id)))), sql`position(${sha256} in ${recordEntries.payload}::text) > 0`))
    .orderBy(asc(recordEntries.seq))
    .limit(1);
  return row ? entryView(row) : null;
}

/**
 * The inclusion proof of entry `seq` in the latest checkpoint, checked here: the audit path against the checkpoint's
 * root, and the checkpoint's signature with the platform signer pinned (docs/record-format.md §4.3).
 */
export async function proofFor(ctx: Ctx, seq: number): Promise<ProofView> {
  const [latest] = await listCheckpoints(ctx.db, { limit: 1 });
  if (!latest || latest.size < seq) return { covered: false, latestSize: latest?.size ?? null };
  const p = await inclusion(ctx.db, seq, latest.size);
  const included = verifyInclusion(entryLeaf(p.entryHash), seq - 1, p.size, p.proof.map(fromHex), fromHex(latest.rootHash));
  const a = anchorsOf(ctx.config);
  const signer = Buffer.from(pemToDer(a.signerPem)).toString("base64");
  const check = await verifyCheckpoint(latest.signed, [a.caPem], new Date(latest.issuedAt), [signer]);
  const checkpointValid = check.valid && check.checkpoint.size === latest.size && check.checkpoint.rootHash === latest.rootHash;
  return { covered: true, size: latest.size, rootHash: latest.rootHash, issuedAt: latest.issuedAt, leafHash: p.leafHash, proof: p.proof, included, checkpointValid };
}

// ------------------------------------------------------------------------------------------------ PDFs

type Found = { doc: IssuedDocument; subjects: { type: string; id: string }[] };

async function sectionAndProject(db: Executor, sectionId: string) {
  const [r] = await db
    .select({ sCode: sections.code, sTitle: sections.title, pId: projects.id, pCode: projects.code, pTitle: projects.title })
    .from(sections)
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(eq(sections.id, sectionId));
  return r ?? null;
}

/** The official PDF stored under `sha256`, from the tables that name the platform's signed documents. */
export async function findIssuedPdf(db: Executor, sha256: string, match: IssuedDocument["match"]): Promise<Found | null> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return null;
  const at = async (sectionId: string, kind: string, extra: { number?: string | null; version?: number | null; drawId?: string } = {}): Promise<Found | null> => {
    const sp = await sectionAndProject(db, sectionId);
    if (!sp) return null;
    return {
      doc: { kind, number: extra.number ?? null, version: extra.version ?? null, project: { code: sp.pCode, title: sp.pTitle }, section: { code: sp.sCode, title: sp.sTitle }, match, upload: kind === "result_contract" },
      subjects: [{ type: "section", id: sectionId }, ...(extra.drawId ? [{ type: "draw", id: extra.drawId }] : [])],
    };
  };
  const [o] = await db.select({ sectionId: openings.sectionId, record: openings.recordSha256 }).from(openings).where(or(eq(openings.recordSha256, sha256), eq(openings.failureNoticeSha256, sha256))).limit(1);
  if (o) return at(o.sectionId, o.record === sha256 ? "opening_record" : "failure_notice");
  const [d] = await db.select({ id: draws.id, sectionId: draws.sectionId }).from(draws).where(eq(draws.recordPdfSha256, sha256)).limit(1);
  if (d) return at(d.sectionId, "draw_record", { drawId: d.id });
  const [rd] = await db.select({ sectionId: resultDocuments.sectionId, kind: resultDocuments.kind, number: resultDocuments.number }).from(resultDocuments).where(eq(resultDocuments.sha256, sha256)).limit(1);
  if (rd) return at(rd.sectionId, `result_${rd.kind}`, { number: rd.number });
  const [er] = await db
    .select({ sectionId: evaluationReports.sectionId, number: evaluationReports.number, version: evaluationReports.version })
    .from(evaluationReports)
    .where(or(eq(evaluationReports.pdfSha256, sha256), eq(evaluationReports.basePdfSha256, sha256)))
    .limit(1);
  if (er) return at(er.sectionId, "evaluation_report", { number: er.number, version: er.version });
  const [rs] = await db
    .select({ sectionId: evaluationReports.sectionId, number: evaluationReports.number, version: evaluationReports.version })
    .from(reportSignatures)
    .innerJoin(evaluationReports, eq(evaluationReports.id, reportSignatures.reportId))
    .where(eq(reportSignatures.pdfSha256, sha256))
    .limit(1);
  if (rs) return at(rs.sectionId, "evaluation_report", { number: rs.number, version: rs.version });
  // A tender document (uploaded by the tendering unit), once the tender is published: a draft's files name nothing.
  const [td] = await db
    .select({ projectId: projects.id, code: projects.code, title: projects.title, version: tenderDocuments.version })
    .from(tenderDocuments)
    .innerJoin(projects, eq(projects.id, tenderDocuments.projectId))
    .where(and(eq(tenderDocuments.sha256, sha256), sql`${projects.status} <> 'draft'`))
    .orderBy(asc(tenderDocuments.version))
    .limit(1);
  if (td) return { doc: { kind: "tender_document", number: null, version: td.version, project: { code: td.code, title: td.title }, section: null, match, upload: true }, subjects: [{ type: "project", id: td.projectId }] };
  return null;
}

/**
 * Decides what a PDF's checks add up to (pure; unit-tested). `upload`: the file found is one a party uploaded and the
 * platform recorded (a tender document, the contract) — its bytes are the recorded ones, whatever signatures it has
 * of its own (they are shown, not judged).
 */
export function pdfStatus(pdf: PdfReport, found: boolean, matchedRevision: boolean, upload = false): PdfVerification["status"] {
  if (found && upload && !matchedRevision) return "recorded";
  if (!pdf.readable) return "unreadable";
  const sigs = pdf.signatures;
  const platform = sigs.some((s) => s.valid && s.platformSigner);
  if (sigs.length === 0) return found ? "invalid" : "foreign";
  if (sigs.some((s) => !s.valid)) {
    // Signed by someone else entirely, and nothing of it is known here: not this platform's document.
    if (!found && sigs.every((s) => s.failure === "UNTRUSTED_SIGNER")) return "foreign";
    return "invalid";
  }
  if (pdf.tooManySignatures) return "invalid";
  if (!platform) return found ? "invalid" : "foreign";
  if (!found) return "unrecorded";
  if (matchedRevision || pdf.unsignedTail > 0) return "modified";
  return "valid";
}

export async function verifyPdf(ctx: Ctx, bytes: Uint8Array): Promise<PdfVerification> {
  const pdf = checkPdf(bytes, anchorsOf(ctx.config));
  let found = pdf.readable ? await findIssuedPdf(ctx.db, pdf.sha256, "file") : null;
  let matched = pdf.sha256;
  // Not the stored file: maybe a signed revision of it is (someone appended an unsigned update).
  if (!found && pdf.readable) {
    for (const sha of [...pdf.revisionSha256s].reverse()) {
      if (sha === pdf.sha256) continue;
      found = await findIssuedPdf(ctx.db, sha, "revision");
      matched = sha;
      if (found) break;
    }
  }
  const status = pdfStatus(pdf, !!found, found?.doc.match === "revision", found?.doc.upload ?? false);
  const entry = found && status !== "invalid" ? await entryNaming(ctx.db, found.subjects, matched) : null;
  // A tampered file gets no document details: it is not the document (it only claims to be).
  const shown = status === "invalid" ? null : (found?.doc ?? null);
  return { type: "pdf", status, pdf, document: shown, entry, proof: entry ? await proofFor(ctx, entry.seq) : null };
}

// ------------------------------------------------------------------------------------------------ receipts

const b64urlJson = (s: string): unknown => {
  try {
    return JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
  } catch {
    return null;
  }
};

export async function verifyReceiptText(ctx: Ctx, text: string): Promise<ReceiptVerification> {
  const jws = text.trim();
  const none = { signer: null, claims: null, entry: null, proof: null };
  if (jws.length > MAX_RECEIPT_CHARS || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jws)) return { type: "receipt", status: "invalid", failure: "MALFORMED", ...none };
  const a = anchorsOf(ctx.config);
  const check = await verifyReceipt(jws, [a.caPem], new Date());
  if (!check.valid) return { type: "receipt", status: check.reason === "UNTRUSTED_SIGNER" ? "foreign" : "invalid", failure: check.reason, ...none };
  // The CA also issues users' certificates: a receipt is the platform's only when its signer is the platform's.
  const header = b64urlJson(jws.split(".")[0]!) as { x5c?: string[] } | null;
  const signerB64 = Buffer.from(pemToDer(a.signerPem)).toString("base64");
  if (header?.x5c?.[0] !== signerB64) return { type: "receipt", status: "foreign", failure: "NOT_PLATFORM_SIGNER", ...none };
  const claims = check.payload;
  const id = claims.receiptId;
  const [row] = isUuid(id) ? await ctx.db.select({ receipt: bids.receipt }).from(bids).where(eq(bids.id, id)) : [];
  if (!row || row.receipt !== jws) return { type: "receipt", status: "unrecorded", failure: null, signer: check.signer, claims, entry: null, proof: null };
  const [e] = await ctx.db
    .select(ENTRY_COLUMNS)
    .from(recordEntries)
    .where(and(eq(recordEntries.subjectType, "bid"), eq(recordEntries.subjectId, id), eq(recordEntries.action, "bid.submit")))
    .orderBy(asc(recordEntries.seq))
    .limit(1);
  const entry = e ? entryView(e) : null;
  return { type: "receipt", status: entry ? "valid" : "unrecorded", failure: null, signer: check.signer, claims, entry, proof: entry ? await proofFor(ctx, entry.seq) : null };
}

// ------------------------------------------------------------------------------------------------ archives

type ManifestFile = { path: string; sha256: string; size: number; kind: string };
type Manifest = { format: string; project: { id: string; code: string; title: string }; exportedAt: string; recordHead: { seq: number; hash: string }; files: ManifestFile[]; withheld: unknown[] };

/** A manifest.json of the shape docs/archive.md gives, or null (pure). */
export function parseManifest(bytes: Uint8Array): Manifest | null {
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  const o = m as Partial<Manifest> | null;
  if (!o || typeof o !== "object" || o.format !== "tenderhall.archive.v1" || !Array.isArray(o.files) || !Array.isArray(o.withheld)) return null;
  const p = o.project;
  if (!p || typeof p.id !== "string" || typeof p.code !== "string" || typeof p.title !== "string") return null;
  const h = o.recordHead;
  if (!h || !Number.isSafeInteger(h.seq) || typeof h.hash !== "string" || typeof o.exportedAt !== "string") return null;
  for (const f of o.files) if (!f || typeof f.path !== "string" || typeof f.sha256 !== "string" || !Number.isSafeInteger(f.size) || typeof f.kind !== "string") return null;
  return o as Manifest;
}

/** SHA256SUMS lines (`<hex>  <path>`), or null when a line is not one (pure). */
export function parseSums(text: string): Map<string, string> | null {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m || out.has(m[2]!)) return null;
    out.set(m[2]!, m[1]!);
  }
  return out;
}

type RecordLine = { seq: number; hash: string; prevHash: string; payloadHash: string; payload?: unknown; withheld?: string[] };

export async function verifyArchive(ctx: Ctx, bytes: Uint8Array): Promise<ArchiveVerification> {
  const base: ArchiveVerification = {
    type: "archive",
    status: "unreadable",
    zipError: null,
    manifestSha256: null,
    project: null,
    exportedAt: null,
    recordHead: null,
    files: 0,
    withheld: 0,
    recordLines: 0,
    pdfs: { checked: 0, valid: 0 },
    receipts: { checked: 0, valid: 0 },
    problems: [],
    entry: null,
    proof: null,
  };
  let entries: ReturnType<typeof readZip>;
  try {
    entries = readZip(bytes);
  } catch (e) {
    if (e instanceof ZipError) return { ...base, zipError: e.code };
    throw e;
  }
  const byName = new Map(entries.map((e) => [e.name, e.data]));
  const crcBad = entries.filter((e) => !e.crcOk).map((e) => e.name);
  const manifestBytes = byName.get("manifest.json");
  const manifest = manifestBytes ? parseManifest(manifestBytes) : null;
  if (!manifest || !manifestBytes) return { ...base, zipError: null, problems: [{ code: "NO_MANIFEST" }] };
  const problems: ArchiveProblem[] = [];
  const manifestSha256 = sha256Hex(manifestBytes);
  for (const path of crcBad) problems.push({ code: "CRC_MISMATCH", path });

  // 1. Every file listed is there with its hash and size; nothing else is; SHA256SUMS agrees (docs/archive.md step 1).
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    const data = byName.get(f.path);
    if (!data) problems.push({ code: "MISSING_FILE", path: f.path });
    else if (data.length !== f.size || sha256Hex(data) !== f.sha256) problems.push({ code: "FILE_CHANGED", path: f.path });
  }
  for (const name of byName.keys()) if (!listed.has(name) && name !== "manifest.json" && name !== "SHA256SUMS") problems.push({ code: "EXTRA_FILE", path: name });
  const sumsBytes = byName.get("SHA256SUMS");
  const sums = sumsBytes ? parseSums(new TextDecoder().decode(sumsBytes)) : null;
  if (!sums) problems.push({ code: "NO_CHECKSUMS" });
  else {
    for (const [path, sha] of sums) {
      const data = byName.get(path);
      if (!data || sha256Hex(data) !== sha) problems.push({ code: "CHECKSUM_MISMATCH", path });
    }
    for (const name of byName.keys()) if (name !== "SHA256SUMS" && !sums.has(name)) problems.push({ code: "NOT_IN_CHECKSUMS", path: name });
  }

  // 2. Signed PDFs and receipts against /pki (steps 2 and 3).
  const anchors = anchorsOf(ctx.config);
  const pdfs = { checked: 0, valid: 0 };
  const receipts = { checked: 0, valid: 0 };
  for (const f of manifest.files) {
    const data = byName.get(f.path);
    if (!data) continue;
    // Platform-issued PDFs (not the parties' uploads: tender documents, bid files, the recorded contract).
    if ((/_pdf$/.test(f.kind) || (/^result_/.test(f.kind) && f.kind !== "result_contract")) && f.path.endsWith(".pdf")) {
      pdfs.checked++;
      const r = checkPdf(data, anchors);
      if (r.readable && r.signatures.length > 0 && r.signatures.every((s) => s.valid) && r.signatures.some((s) => s.platformSigner) && r.unsignedTail === 0) pdfs.valid++;
      else problems.push({ code: "PDF_SIGNATURE", path: f.path });
    } else if (f.kind === "bid_receipt") {
      receipts.checked++;
      const r = await verifyReceipt(new TextDecoder().decode(data), [anchors.caPem], new Date());
      if (r.valid) receipts.valid++;
      else problems.push({ code: "RECEIPT_SIGNATURE", path: f.path });
    }
  }

  // 3. The record entries: payload hashes, links, and each entry hash against the platform's record (step 4).
  let recordLines = 0;
  const recordBytes = byName.get("record/entries.jsonl");
  if (recordBytes) {
    const lines: RecordLine[] = [];
    let bad = false;
    for (const text of new TextDecoder().decode(recordBytes).split("\n")) {
      if (!text) continue;
      if (lines.length >= MAX_ARCHIVE_RECORD_LINES) {
        problems.push({ code: "RECORD_TOO_LONG" });
        break;
      }
      try {
        const l = JSON.parse(text) as RecordLine;
        if (!Number.isSafeInteger(l.seq) || l.seq < 1 || typeof l.hash !== "string" || typeof l.prevHash !== "string" || typeof l.payloadHash !== "string") throw new Error("shape");
        lines.push(l);
      } catch {
        bad = true;
      }
    }
    if (bad) problems.push({ code: "RECORD_MALFORMED" });
    recordLines = lines.length;
    let prev: RecordLine | null = null;
    for (const l of lines) {
      const hidden = new Set(Array.isArray(l.withheld) ? l.withheld : []);
      if (!hidden.has("payload") && sha256Hex(canonicalJson(l.payload ?? null)) !== l.payloadHash) problems.push({ code: "PAYLOAD_HASH", seq: l.seq });
      if (prev && l.seq <= prev.seq) problems.push({ code: "RECORD_ORDER", seq: l.seq });
      if (prev && l.seq === prev.seq + 1 && l.prevHash !== prev.hash) problems.push({ code: "RECORD_LINK", seq: l.seq });
      if (l.seq > manifest.recordHead.seq) problems.push({ code: "RECORD_BEYOND_HEAD", seq: l.seq });
      prev = l;
    }
    for (let i = 0; i < lines.length; i += 1000) {
      const part = lines.slice(i, i + 1000);
      const rows = await ctx.db.select({ seq: recordEntries.seq, hash: recordEntries.hash }).from(recordEntries).where(inArray(recordEntries.seq, part.map((l) => l.seq)));
      const known = new Map(rows.map((r) => [r.seq, r.hash]));
      for (const l of part) if (known.get(l.seq) !== l.hash) problems.push({ code: "RECORD_NOT_PLATFORM", seq: l.seq });
    }
  } else problems.push({ code: "NO_RECORD" });

  // 4. The export itself: the archive.exported entry naming this manifest, and its proof.
  const [project] = isUuid(manifest.project.id) ? await ctx.db.select({ code: projects.code, title: projects.title }).from(projects).where(eq(projects.id, manifest.project.id)) : [];
  const known = !!project && project.code === manifest.project.code;
  const [e] = known
    ? await ctx.db
        .select(ENTRY_COLUMNS)
        .from(recordEntries)
        .where(and(eq(recordEntries.subjectType, "project"), eq(recordEntries.subjectId, manifest.project.id), eq(recordEntries.action, "archive.exported"), sql`${recordEntries.payload}->>'manifestSha256' = ${manifestSha256}`))
        .orderBy(asc(recordEntries.seq))
        .limit(1)
    : [];
  const entry = e ? entryView(e) : null;
  const shown = problems.length ? problems.slice(0, 50) : [];
  return {
    ...base,
    status: problems.length ? "invalid" : entry ? "valid" : "unrecorded",
    manifestSha256,
    project: { ...manifest.project, known },
    exportedAt: manifest.exportedAt,
    recordHead: manifest.recordHead,
    files: manifest.files.length,
    withheld: manifest.withheld.length,
    recordLines,
    pdfs,
    receipts,
    problems: shown,
    entry: problems.length ? null : entry,
    proof: !problems.length && entry ? await proofFor(ctx, entry.seq) : null,
  };
}
