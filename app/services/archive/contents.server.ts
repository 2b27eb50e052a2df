import { createHash } from "node:crypto";
import { and, asc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "#db/client";
import {
  amendments,
  bidOpenings,
  bids,
  bondRefunds,
  certificates,
  contracts,
  documentDownloads,
  draws,
  evaluationReports,
  objections,
  openingConfirmations,
  openingObjections,
  openings,
  organisations,
  projects,
  questions,
  recordEntries,
  recordHead,
  resultDocuments,
  sectionResults,
  sections,
  tenderDocuments,
  users,
  type Section,
} from "#db/schema/index";
import { manifestBytes } from "#crypto/seal/seal";
import { fromBase64 } from "#crypto/seal/format";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { actorVisible } from "#app/domain/record-visibility";
import type { AppContext } from "../platform/context.server";
import { dbNow } from "../platform/command.server";
import { documentSigner } from "../platform/platform-signer.server";
import { drawProof } from "../pool/draws.server";
import { archivePath, csv, fenToYuan, firstMentions, safeSegment, sha256sums, uniquePaths, type ArchiveEntry, type Withheld } from "./layout";
import { archiveReadme } from "./readme";
import { VERIFY_ENTRIES_MJS } from "./verify-script";

type Ctx = Pick<AppContext, "db" | "blobs" | "config">;

/** Section statuses after which the evaluation is over: the opened bid files join the archive (R42 ends with it). */
const EVALUATION_OVER: readonly Section["status"][] = ["failed", "evaluated", "publicity", "awarded", "contracted", "archived", "terminated"];

export type ArchiveContents = {
  projectId: string;
  projectCode: string;
  /** The database clock when the contents were read. */
  exportedAt: Date;
  /** The record's chain head when the contents were read (every exported entry is at or before it). */
  head: { seq: number; hash: string };
  /** Every file of the ZIP, `manifest.json` and `SHA256SUMS` included (they come last). */
  entries: ArchiveEntry[];
  withheld: Withheld[];
  /** SHA-256 of `manifest.json` (recorded in the `archive.exported` entry). */
  manifestSha256: string;
};

const enc = new TextEncoder();
const sha256Hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const json = (v: unknown) => enc.encode(`${JSON.stringify(v, null, 2)}\n`);
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * Everything the archive of one project holds (docs/archive.md), in ZIP order, with each file's SHA-256 and size,
 * without reading any large blob into memory: generated files are built here (small: JSON, CSV, the record), blobs
 * are listed by hash and streamed by `writeArchiveZip`. Blobs whose size no row keeps (the signed PDFs) are streamed
 * once here to count and check them.
 *
 * One archive for every exporter (the tender side and supervisors): what the tendering unit may not see is withheld
 * for everyone and listed with its reason (ADR 017): who asked a question (R9/ADR 007), bids before the deadline
 * (ADR 010), the opened bid files before the evaluation is over (R42), the draw record before the evaluation time
 * and the draw proof before the reveal (R36), report versions that were never signed.
 */
export async function archiveContents(ctx: Ctx, projectId: string): Promise<ArchiveContents> {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const db = ctx.db;
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!project) throw new DomainError("NOT_FOUND");
  const now = await dbNow(db);
  const [head] = await db.select({ seq: recordHead.seq, hash: recordHead.hash }).from(recordHead).where(eq(recordHead.id, 1));
  const headAt = head ?? { seq: 0, hash: "0".repeat(64) };
  const biddingOver = now >= project.bidDeadline;

  const secs = await db.select().from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq));
  const sectionIds = secs.map((s) => s.id);
  const bidRows = sectionIds.length && biddingOver ? await db.select().from(bids).where(inArray(bids.sectionId, sectionIds)).orderBy(asc(bids.receivedAt)) : [];
  const drawRows = await db.select().from(draws).where(eq(draws.projectId, projectId)).orderBy(asc(draws.createdAt));

  // The record: entries about the project, its sections, bids and draws, and entries about other rows whose payload
  // names one of its sections (room bookings, results rows). Bids are taken from the record even before the deadline.
  const allBidIds = sectionIds.length ? (await db.select({ id: bids.id }).from(bids).where(inArray(bids.sectionId, sectionIds))).map((b) => b.id) : [];
  const record = await recordOf(db, projectId, sectionIds, allBidIds, drawRows.map((d) => d.id), headAt.seq);
  const mentions = firstMentions(record);
  const seqOf = (sha: string) => mentions.get(sha) ?? null;

  const files: ArchiveEntry[] = [];
  const withheld: Withheld[] = [];
  const addBytes = (path: string, kind: string, bytes: Uint8Array, recordSeq: number | null = null) =>
    files.push({ path, source: { bytes }, sha256: sha256Hex(bytes), size: bytes.length, kind, recordSeq });
  const sizeCache = new Map<string, number>();
  const addBlob = async (path: string, kind: string, sha256: string, size: number | null) => {
    const n = size ?? sizeCache.get(sha256) ?? (await measureBlob(ctx, sha256));
    sizeCache.set(sha256, n);
    files.push({ path, source: { blob: sha256 }, sha256, size: n, kind, recordSeq: seqOf(sha256) });
  };
  const orgNames = await namesOf(db, [project.tenderingUnitId, project.agencyId, ...bidRows.map((b) => b.orgId)]);

  // ------------------------------------------------------------------ tender/
  const { searchText: _s, createdBy: _c, ...notice } = project;
  addBytes("tender/project.json", "tender_notice", json({ ...notice, tenderingUnit: orgNames.get(project.tenderingUnitId) ?? null, agency: project.agencyId ? (orgNames.get(project.agencyId) ?? null) : null, sections: secs.map(sectionSummary) }));
  const docs = await db.select().from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId)).orderBy(asc(tenderDocuments.version), asc(tenderDocuments.filename));
  for (const d of docs) await addBlob(archivePath("tender", "documents", `v${d.version}`, d.filename), "tender_document", d.sha256, d.size);
  const amends = await db.select().from(amendments).where(eq(amendments.projectId, projectId)).orderBy(asc(amendments.seq));
  addBytes("tender/amendments.json", "amendments", json(amends.map(({ issuedBy: _i, ...a }) => a)));
  // Askers stay anonymous, as on the portal (docs/product.md §3.1, ADR 007).
  const qs = await db
    .select({ id: questions.id, body: questions.body, askedAt: questions.askedAt, answer: questions.answer, answeredAt: questions.answeredAt })
    .from(questions)
    .where(eq(questions.projectId, projectId))
    .orderBy(asc(questions.askedAt));
  addBytes("tender/questions.json", "questions", json(qs));
  // Objections are formal acts: the objector is shown to the tender side and supervisors (ADR 007).
  const obs = await db
    .select({ id: objections.id, objector: organisations.name, body: objections.body, status: objections.status, filedAt: objections.filedAt, answerDueAt: objections.answerDueAt, answer: objections.answer, answeredAt: objections.answeredAt })
    .from(objections)
    .innerJoin(organisations, eq(organisations.id, objections.orgId))
    .where(eq(objections.projectId, projectId))
    .orderBy(asc(objections.filedAt));
  addBytes("tender/objections.json", "objections", json(obs));
  // R9: who obtained the documents — confidential, known to the tendering unit, its agency and supervisors.
  const obtainers = await db
    .select({ organisation: organisations.name, creditCode: organisations.creditCode, firstAt: documentDownloads.firstAt, lastAt: documentDownloads.lastAt, lastVersion: documentDownloads.lastVersion, count: documentDownloads.count })
    .from(documentDownloads)
    .innerJoin(organisations, eq(organisations.id, documentDownloads.orgId))
    .where(eq(documentDownloads.projectId, projectId))
    .orderBy(asc(documentDownloads.firstAt));
  addBytes("tender/document-obtainers.json", "document_obtainers", json(obtainers));

  // ------------------------------------------------------------------ sections/<code>/
  const sectionDirs = uniquePaths(secs.map((s) => ({ id: s.id, path: `sections/${safeSegment(s.code)}` })));
  for (const s of secs) {
    const base = sectionDirs.find((d) => d.id === s.id)!.path;
    const [result] = await db.select().from(sectionResults).where(eq(sectionResults.sectionId, s.id));
    addBytes(`${base}/section.json`, "section", json({ ...sectionSummary(s), evaluation: s.evaluation, keyModel: s.keyModel, result: result ?? null }));

    // bids/<bidder>/v<N>/
    const sBids = bidRows.filter((b) => b.sectionId === s.id);
    if (!biddingOver) withheld.push({ path: `${base}/bids/`, kind: "bids", reason: "bid deadline not reached: who bid stays sealed (ADR 010)" });
    const bidOpeningRows = sBids.length ? await db.select().from(bidOpenings).where(inArray(bidOpenings.bidId, sBids.map((b) => b.id))) : [];
    const certRows = sBids.length ? await db.select({ id: certificates.id, certPem: certificates.certPem, fingerprint: certificates.fingerprint }).from(certificates).where(inArray(certificates.id, [...new Set(sBids.map((b) => b.certificateId))])) : [];
    const bidderDirs = uniquePaths([...new Set(sBids.map((b) => b.orgId))].map((orgId) => ({ orgId, path: `${base}/bids/${safeSegment(orgNames.get(orgId) ?? orgId)}` })));
    const filesOpen = EVALUATION_OVER.includes(s.status);
    for (const b of sBids) {
      const dir = `${bidderDirs.find((d) => d.orgId === b.orgId)!.path}/v${b.version}`;
      const bidSeq = record.find((e) => e.subjectType === "bid" && e.subjectId === b.id && e.action === "bid.submit")?.seq ?? null;
      const opening = bidOpeningRows.find((o) => o.bidId === b.id) ?? null;
      const cert = certRows.find((c) => c.id === b.certificateId);
      addBytes(
        `${dir}/bid.json`,
        "bid",
        json({
          bidId: b.id,
          bidder: orgNames.get(b.orgId) ?? null,
          orgId: b.orgId,
          version: b.version,
          status: b.status,
          receivedAt: iso(b.receivedAt),
          closedAt: iso(b.closedAt),
          totalBytes: b.totalBytes,
          manifestSha256: b.manifestSha256,
          certificateFingerprint: cert?.fingerprint ?? null,
          sealedBeforeAmendment: b.sealedBeforeAmendment,
          opening: opening ? { state: opening.state, openedBy: opening.openedBy, openedAt: iso(opening.openedAt), files: opening.files, failureCause: opening.failureCause, decidedReason: opening.decidedReason, decidedAt: iso(opening.decidedAt) } : null,
        }),
        bidSeq,
      );
      // The canonical manifest is exactly the signed bytes: its SHA-256 is the receipt's manifestSha256.
      addBytes(`${dir}/manifest.json`, "bid_manifest", manifestBytes(b.manifest), bidSeq);
      addBytes(`${dir}/manifest.sig`, "bid_manifest_signature", fromBase64(b.signature), bidSeq);
      if (cert) addBytes(`${dir}/bidder-certificate.pem`, "bidder_certificate", enc.encode(cert.certPem), bidSeq);
      addBytes(`${dir}/receipt.jws`, "bid_receipt", enc.encode(`${b.receipt}\n`), bidSeq);
      if (opening?.state === "decrypted" && opening.files?.length) {
        if (!filesOpen) withheld.push({ path: `${dir}/files/`, kind: "bid_files", reason: "the evaluation is not over: opened bid files are for the committee only (R42)" });
        else {
          const named = uniquePaths(opening.files.map((f) => ({ f, path: `${dir}/files/${safeSegment(f.name)}` })));
          // Decrypted from the stored ciphertext as the ZIP is written (ADR 031; a stored plaintext blob if there is one).
          for (const { f, path } of named) files.push({ path, source: { bidFile: { bidId: b.id, index: f.index } }, sha256: f.sha256, size: f.size, kind: "bid_file", recordSeq: seqOf(f.sha256) });
        }
      }
    }

    // draw/<id>/
    for (const d of drawRows.filter((x) => x.sectionId === s.id)) {
      const dir = `${base}/draw/${d.id.slice(0, 8)}`;
      addBytes(`${dir}/draw.json`, "draw", json({ drawId: d.id, status: d.status, lines: d.lines, regionMode: d.regionMode, evaluationAt: iso(d.evaluationAt), commitment: d.commitment, salted: !!d.salt, drawnAt: iso(d.drawnAt), revealedAt: iso(d.revealedAt), recordPdfSha256: d.recordPdfSha256 }));
      if (d.recordPdfSha256) {
        // R36: the names are known to the tender side from the evaluation time on.
        if (now >= d.evaluationAt) await addBlob(`${dir}/record.pdf`, "draw_record_pdf", d.recordPdfSha256, null);
        else withheld.push({ path: `${dir}/record.pdf`, kind: "draw_record_pdf", reason: "before the evaluation time the drawn experts are secret (R36)" });
      }
      const proof = d.status === "revealed" ? await drawProof(db, d.id).catch((e: unknown) => (e instanceof DomainError ? null : Promise.reject(e))) : null;
      if (proof) addBytes(`${dir}/proof.json`, "draw_proof", json(proof), record.find((e) => e.subjectType === "draw" && e.subjectId === d.id && e.action === "draw.reveal")?.seq ?? null);
      else if (d.status !== "cancelled") withheld.push({ path: `${dir}/proof.json`, kind: "draw_proof", reason: "the draw is not revealed yet: the server seed stays secret (R36)" });
    }

    // opening/
    const [o] = await db.select().from(openings).where(eq(openings.sectionId, s.id));
    if (o) {
      const objs = await db
        .select({ objector: organisations.name, text: openingObjections.text, raisedAt: openingObjections.raisedAt, answer: openingObjections.answer, answeredAt: openingObjections.answeredAt })
        .from(openingObjections)
        .innerJoin(organisations, eq(organisations.id, openingObjections.orgId))
        .where(eq(openingObjections.sectionId, s.id))
        .orderBy(asc(openingObjections.raisedAt));
      const confs = await db
        .select({ bidder: organisations.name, at: openingConfirmations.at })
        .from(openingConfirmations)
        .innerJoin(organisations, eq(organisations.id, openingConfirmations.orgId))
        .where(eq(openingConfirmations.sectionId, s.id))
        .orderBy(asc(openingConfirmations.at));
      addBytes(`${base}/opening/opening.json`, "opening", json({ phase: o.phase, openedAt: iso(o.openedAt), closedAt: iso(o.closedAt), bidCount: o.bidCount, failure: o.failure, reading: o.reading, readAt: iso(o.readAt), objections: objs, confirmations: confs, recordSha256: o.recordSha256, failureNoticeSha256: o.failureNoticeSha256 }));
      if (o.recordSha256) await addBlob(`${base}/opening/record.pdf`, "opening_record_pdf", o.recordSha256, null);
      if (o.failureNoticeSha256) await addBlob(`${base}/opening/failure-notice.pdf`, "failure_notice_pdf", o.failureNoticeSha256, null);
    }

    // evaluation/: the signed report (latest revision: every member signature) and its appendix.
    const reports = await db.select().from(evaluationReports).where(eq(evaluationReports.sectionId, s.id)).orderBy(asc(evaluationReports.version));
    for (const r of reports) {
      if (r.status !== "signed") {
        withheld.push({ path: `${base}/evaluation/v${r.version}/`, kind: "evaluation_report", reason: r.status === "voided" ? "a voided version, never signed (R49, EV20); in the record" : "not signed by every member yet (R50)" });
        continue;
      }
      await addBlob(`${base}/evaluation/report-v${r.version}.pdf`, "evaluation_report_pdf", r.pdfSha256, null);
      addBytes(`${base}/evaluation/appendix-v${r.version}.json`, "evaluation_appendix", json(r.appendix), seqOf(r.appendixSha256));
    }

    // results/: every result document, the contract and the bond refunds.
    const docsOut = await db.select().from(resultDocuments).where(eq(resultDocuments.sectionId, s.id)).orderBy(asc(resultDocuments.issuedAt));
    const recipients = await namesOf(db, docsOut.map((d) => d.orgId));
    const namedDocs = uniquePaths(docsOut.map((d) => ({ d, path: `${base}/results/${safeSegment(`${d.kind}-${d.number}.pdf`)}` })));
    for (const { d, path } of namedDocs) await addBlob(path, `result_${d.kind}`, d.sha256, d.size);
    if (docsOut.length)
      addBytes(
        `${base}/results/documents.json`,
        "result_documents",
        json(namedDocs.map(({ d, path }) => ({ path, kind: d.kind, number: d.number, filename: d.filename, recipient: d.orgId ? (recipients.get(d.orgId) ?? d.orgId) : null, public: d.public, issuedAt: iso(d.issuedAt), sha256: d.sha256 }))),
      );
    const [contract] = await db.select().from(contracts).where(eq(contracts.sectionId, s.id));
    if (contract) {
      const winner = (await namesOf(db, [contract.winnerOrgId])).get(contract.winnerOrgId) ?? null;
      addBytes(`${base}/results/contract.json`, "contract", json({ winner, winnerOrgId: contract.winnerOrgId, amountFen: contract.amountFen, amountYuan: fenToYuan(contract.amountFen), signedOn: contract.signedOn, documentId: contract.documentId, recordedAt: iso(contract.recordedAt), publishedAt: iso(contract.publishedAt) }));
    }
    const refunds = await db
      .select({ org: organisations.name, creditCode: organisations.creditCode, amountFen: bondRefunds.amountFen, dueAt: bondRefunds.dueAt, refundedAt: bondRefunds.refundedAt, reference: bondRefunds.reference })
      .from(bondRefunds)
      .innerJoin(organisations, eq(organisations.id, bondRefunds.orgId))
      .where(eq(bondRefunds.sectionId, s.id))
      .orderBy(asc(bondRefunds.dueAt));
    if (refunds.length)
      addBytes(
        `${base}/results/bond-refunds.csv`,
        "bond_refunds",
        enc.encode(csv(["bidder", "credit_code", "amount_yuan", "due_at", "refunded_at", "reference"], refunds.map((r) => [r.org, r.creditCode, fenToYuan(r.amountFen), iso(r.dueAt), iso(r.refundedAt), r.reference]))),
      );
  }

  // ------------------------------------------------------------------ record/
  const lines = record.map((e) => `${JSON.stringify(e.line)}\n`).join("");
  addBytes("record/entries.jsonl", "record_entries", enc.encode(lines));
  addBytes("record/head.json", "record_head", json({ seq: headAt.seq, hash: headAt.hash, at: now.toISOString() }));
  addBytes("record/verify-entries.mjs", "record_verifier", enc.encode(VERIFY_ENTRIES_MJS));

  // ------------------------------------------------------------------ pki/
  const signer = documentSigner(ctx.config);
  addBytes("pki/platform-ca.pem", "ca_certificate", enc.encode(signer.caCertPem));
  signer.externalCaPems.forEach((pem, i) => addBytes(`pki/external-ca-${i + 1}.pem`, "ca_certificate", enc.encode(pem)));

  // ------------------------------------------------------------------ README.md, manifest.json, SHA256SUMS
  addBytes("README.md", "readme", enc.encode(archiveReadme({ code: project.code, title: project.title, exportedAt: now, head: headAt, sections: secs.map((s) => ({ code: s.code, dir: sectionDirs.find((d) => d.id === s.id)!.path })) })));
  const unique = uniquePaths(files);
  const manifest = {
    format: "tenderhall.archive.v1",
    project: { id: project.id, code: project.code, title: project.title, regime: project.regime },
    exportedAt: now.toISOString(),
    recordHead: headAt,
    files: unique.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, kind: f.kind, recordSeq: f.recordSeq })),
    withheld,
  };
  const manifestBytesOut = json(manifest);
  const manifestSha256 = sha256Hex(manifestBytesOut);
  const all = [...unique, { path: "manifest.json", source: { bytes: manifestBytesOut }, sha256: manifestSha256, size: manifestBytesOut.length, kind: "manifest", recordSeq: null }];
  const sums = enc.encode(sha256sums(all));
  all.push({ path: "SHA256SUMS", source: { bytes: sums }, sha256: sha256Hex(sums), size: sums.length, kind: "checksums", recordSeq: null });
  return { projectId, projectCode: project.code, exportedAt: now, head: headAt, entries: all, withheld, manifestSha256 };
}

function sectionSummary(s: Section) {
  return { id: s.id, seq: s.seq, code: s.code, title: s.title, status: s.status, ceilingPriceFen: s.ceilingPriceFen, bondFen: s.bondFen };
}

async function namesOf(db: Executor, ids: (string | null)[]): Promise<Map<string, string>> {
  const list = [...new Set(ids.filter((x): x is string => !!x))];
  if (!list.length) return new Map();
  return new Map((await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, list))).map((o) => [o.id, o.name]));
}

/** Streams a blob once to count its bytes and check its hash (a blob that does not match its name is refused). */
async function measureBlob(ctx: Ctx, sha256: string): Promise<number> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of await ctx.blobs.get(sha256)) {
    size += (chunk as Uint8Array).length;
    hash.update(chunk as Uint8Array);
  }
  if (hash.digest("hex") !== sha256) throw new Error(`blob ${sha256} does not match its hash`);
  return size;
}

type ExportedEntry = { seq: number; subjectType: string; subjectId: string; action: string; payload: unknown; line: Record<string, unknown> };

/**
 * The record entries of the project (docs/archive.md "record/"), oldest first, up to the head read at export, as
 * jsonl lines: every field the hash covers, the payload, the hash and — not covered by it — the actor's and
 * organisation's names. Where the tendering unit may not see who acted (app/domain/record-visibility.ts: who asked a
 * question; who sealed a bid before the deadline) the actor fields are removed and listed in `withheld` (a sealed
 * bid's payload too, as it names the bidder's certificate); such an entry is checked by its links only.
 */
async function recordOf(db: Executor, projectId: string, sectionIds: string[], bidIds: string[], drawIds: string[], headSeq: number): Promise<ExportedEntry[]> {
  const [p] = await db.select({ bidDeadline: projects.bidDeadline }).from(projects).where(eq(projects.id, projectId));
  const now = await dbNow(db);
  const sealed = !!p && now < p.bidDeadline;
  const subject = (type: string, ids: string[]): SQL | undefined => (ids.length ? and(eq(recordEntries.subjectType, type), inArray(recordEntries.subjectId, ids)) : undefined);
  const named = [...sectionIds, projectId];
  const conds = [
    subject("project", [projectId]),
    subject("section", sectionIds),
    subject("bid", bidIds),
    subject("draw", drawIds),
    // Rows of the project that are subjects of their own (a room booking, later results rows) name it in the payload.
    sql`(${recordEntries.payload}->>'sectionId') in (${sql.join(named.map((id) => sql`${id}`), sql`, `)})`,
    sql`(${recordEntries.payload}->>'projectId') = ${projectId}`,
  ].filter((c): c is SQL => !!c);
  const rows = await db
    .select({ e: recordEntries, actorName: users.displayName, orgName: organisations.name })
    .from(recordEntries)
    .leftJoin(users, eq(users.id, recordEntries.actorUserId))
    .leftJoin(organisations, eq(organisations.id, recordEntries.orgId))
    .where(and(or(...conds), sql`${recordEntries.seq} <= ${headSeq}`))
    .orderBy(asc(recordEntries.seq));
  return rows.map(({ e, actorName, orgName }) => {
    const sealedBid = e.subjectType === "bid" && sealed;
    const visible = actorVisible(e.action, { supervisor: false, managesProject: true }, sealedBid);
    const base = {
      seq: e.seq,
      at: e.at.toISOString(),
      actorUserId: e.actorUserId,
      orgId: e.orgId,
      ip: e.ip,
      action: e.action,
      subjectType: e.subjectType,
      subjectId: e.subjectId,
      payloadHash: e.payloadHash,
      prevHash: e.prevHash,
      // Entry format v2 (docs/record-format.md §1.7): the digest of the rows the command wrote; absent on v1 entries.
      ...(e.stateHash == null ? {} : { stateHash: e.stateHash }),
      hash: e.hash,
    };
    const line: Record<string, unknown> = visible
      ? { ...base, payload: e.payload, names: { actor: actorName ?? null, organisation: orgName ?? null } }
      : { ...base, actorUserId: null, orgId: null, ip: null, ...(sealedBid ? {} : { payload: e.payload }), withheld: sealedBid ? ["actor", "payload"] : ["actor"] };
    return { seq: e.seq, subjectType: e.subjectType, subjectId: e.subjectId, action: e.action, payload: sealedBid ? null : e.payload, line };
  });
}

export type { ArchiveEntry, Withheld };
