import { and, asc, desc, eq, inArray, ne } from "drizzle-orm";
import type { Executor } from "#db/client";
import {
  amendments,
  contracts,
  evaluationReports,
  evaluations,
  objections,
  openings,
  projects,
  recordEntries,
  resultDocuments,
  resultObjections,
  sectionResults,
  sections,
  type ResultCandidate,
} from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { resultsPhaseOf, sectionPublicStage, type ResultsPhase, type SectionPublicStage } from "#app/domain/portal";
import { getProfile } from "#app/domain/rules/profiles";
import { buildTimeline, type TimelineEntry } from "#app/domain/timeline";
import { dbNow } from "../platform/command.server";

/**
 * The public side of the results stage (定标, R51–R58) for the portal: what anyone may read, per section. Built only
 * from what is published anyway:
 * - the candidate publicity exactly as publicised (R51/EV22): the snapshot the publicity PDF was rendered from —
 *   ranked candidates with price, quality, duration, project manager and score, and every bidder's conclusion and
 *   score; the rejection reasons only where the profile publishes them (EV22 `publishRejectedBidders`), otherwise
 *   they stay in each rejected bidder's own message;
 * - answered R52 objections with their answer and outcome, never the objector (no organisation, no user);
 * - the result announcement's facts (R56/R58: winner, amount, date) once the notices are issued — a winner decided
 *   but not announced is not public;
 * - the contract's facts (R58: winner, amount, signing date); its PDF only where the document is public (ZFCG, R57);
 * - links to the public documents only (`result_documents.public`): never a notice addressed to a bidder (R54/EV25).
 * No committee member's name is ever read here (R36: secret before the result; the ZFCG announcement PDF lists them).
 */

export type PublicCandidate = Pick<ResultCandidate, "rank" | "name" | "priceFen" | "quality" | "durationDays" | "projectManager" | "total" | "groups">;
export type PublicBidder = { name: string; priceFen: number; valid: boolean; rank: number | null; total: string | null; groups: Record<string, string> | null; reasons?: string[] };
export type PublicResultDocument = { id: string; kind: "publicity" | "result_announcement" | "contract"; number: string; filename: string; size: number; sha256: string; issuedAt: Date };

export type SectionPublicResult = {
  sectionId: string;
  code: string;
  title: string;
  stage: SectionPublicStage;
  publicity: {
    number: string | null;
    documentId: string | null;
    startedAt: Date;
    endsAt: Date | null;
    endedAt: Date | null;
    suspended: boolean;
    candidates: PublicCandidate[];
    bidders: PublicBidder[];
    rejected: number;
    /** Whether the profile publishes the rejection reasons (EV22). */
    reasonsPublished: boolean;
  } | null;
  /** R52: answered objections, without the objector. */
  objections: { id: string; body: string; filedAt: Date; answer: string; answeredAt: Date; outcome: "dismissed" | "recheck" | "end" }[];
  /** R52: how many objections wait for an answer (the publicity is suspended meanwhile). */
  pendingObjections: number;
  announcement: { number: string | null; documentId: string | null; date: Date; winner: string; amountFen: number; durationDays: string; quality: string; projectManager: string } | null;
  contract: { winner: string; amountFen: number; signedOn: string; documentId: string | null } | null;
  documents: PublicResultDocument[];
};

const PUBLIC_KINDS = ["publicity", "result_announcement", "contract"] as const;

const candidateView = (c: ResultCandidate): PublicCandidate => ({
  rank: c.rank,
  name: c.name,
  priceFen: c.priceFen,
  quality: c.quality,
  durationDays: c.durationDays,
  projectManager: c.projectManager,
  total: c.total,
  groups: c.groups,
});

/**
 * The public results of every section of a published project and the tender's timeline (app/domain/timeline.ts).
 * NOT_FOUND for unknown ids and drafts.
 */
export async function publicResults(db: Executor, projectId: string): Promise<{ now: Date; phase: ResultsPhase | null; sections: SectionPublicResult[]; timeline: TimelineEntry[] }> {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const now = await dbNow(db);
  const [p] = await db
    .select({ id: projects.id, regime: projects.regime, profileCode: projects.profileCode, publishedAt: projects.publishedAt, bidDeadline: projects.bidDeadline })
    .from(projects)
    .where(and(eq(projects.id, projectId), ne(projects.status, "draft")));
  if (!p) throw new DomainError("NOT_FOUND");
  const secs = await db.select({ id: sections.id, code: sections.code, title: sections.title, status: sections.status }).from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq));
  const ids = secs.map((s) => s.id);
  const none = Promise.resolve([] as never[]);
  const [results, objs, docs, cons, opens, evals, reports, amends, tenderObjs, archives] = await Promise.all([
    db.select().from(sectionResults).where(eq(sectionResults.projectId, projectId)),
    ids.length
      ? db
          // Never orgId / userId / answeredBy: the public never learns who objected (R52).
          .select({ id: resultObjections.id, sectionId: resultObjections.sectionId, body: resultObjections.body, status: resultObjections.status, filedAt: resultObjections.filedAt, answer: resultObjections.answer, answeredAt: resultObjections.answeredAt, outcome: resultObjections.outcome })
          .from(resultObjections)
          .where(inArray(resultObjections.sectionId, ids))
          .orderBy(asc(resultObjections.filedAt))
      : none,
    ids.length
      ? db
          .select({ id: resultDocuments.id, sectionId: resultDocuments.sectionId, kind: resultDocuments.kind, number: resultDocuments.number, filename: resultDocuments.filename, size: resultDocuments.size, sha256: resultDocuments.sha256, issuedAt: resultDocuments.issuedAt, public: resultDocuments.public, orgId: resultDocuments.orgId })
          .from(resultDocuments)
          .where(and(inArray(resultDocuments.sectionId, ids), inArray(resultDocuments.kind, [...PUBLIC_KINDS])))
          .orderBy(asc(resultDocuments.issuedAt))
      : none,
    ids.length ? db.select().from(contracts).where(inArray(contracts.sectionId, ids)) : none,
    ids.length ? db.select({ sectionId: openings.sectionId, phase: openings.phase, phaseChangedAt: openings.phaseChangedAt, closedAt: openings.closedAt }).from(openings).where(inArray(openings.sectionId, ids)) : none,
    ids.length ? db.select({ sectionId: evaluations.sectionId, stage: evaluations.stage, startsAt: evaluations.startsAt, stageChangedAt: evaluations.stageChangedAt }).from(evaluations).where(inArray(evaluations.sectionId, ids)) : none,
    ids.length ? db.select({ sectionId: evaluationReports.sectionId, number: evaluationReports.number, signedAt: evaluationReports.signedAt }).from(evaluationReports).where(inArray(evaluationReports.sectionId, ids)) : none,
    db.select({ seq: amendments.seq, issuedAt: amendments.issuedAt, extended: amendments.extended, newDeadline: amendments.newDeadline }).from(amendments).where(eq(amendments.projectId, projectId)).orderBy(asc(amendments.seq)),
    db.select({ filedAt: objections.filedAt, answeredAt: objections.answeredAt }).from(objections).where(eq(objections.projectId, projectId)),
    // R59: a section archived without a results row (failed at the opening) has its instant only in the record.
    ids.length
      ? db.select({ subjectId: recordEntries.subjectId, at: recordEntries.at }).from(recordEntries).where(and(eq(recordEntries.action, "section.archived"), eq(recordEntries.subjectType, "section"), inArray(recordEntries.subjectId, ids))).orderBy(desc(recordEntries.seq))
      : none,
  ]);
  const profile = getProfile(p.profileCode).results;
  const bySection = <T extends { sectionId: string }>(rows: T[], id: string) => rows.filter((r) => r.sectionId === id);

  const views: SectionPublicResult[] = secs.map((s) => {
    const r = results.find((x) => x.sectionId === s.id) ?? null;
    const c = cons.find((x) => x.sectionId === s.id) ?? null;
    // Only public documents: a notice (orgId set, public false) is never listed (R54/EV25).
    const pub = bySection(docs, s.id).filter((d) => d.public && d.orgId === null);
    const latest = (kind: (typeof PUBLIC_KINDS)[number]) => [...pub].reverse().find((d) => d.kind === kind) ?? null;
    const o = bySection(objs, s.id);
    // The snapshot is what the publicity printed (publishPublicity renders it); a re-check replaces it and clears
    // publicityStartedAt until the new publicity is out, so a stale table is never shown as current.
    const publicised = r && r.publicityStartedAt && r.stage !== "publicity_due" ? r : null;
    const pubDoc = latest("publicity");
    const winner = r?.winnerBidId ? (r.candidates.find((x) => x.bidId === r.winnerBidId) ?? null) : null;
    const announced = r && r.notifiedAt && winner ? r : null;
    const annDoc = latest("result_announcement");
    const contractDoc = c ? (pub.find((d) => d.id === c.documentId) ?? null) : null;
    const contractWinner = c ? (r?.candidates.find((x) => x.orgId === c.winnerOrgId)?.name ?? winner?.name ?? "") : "";
    return {
      sectionId: s.id,
      code: s.code,
      title: s.title,
      stage: sectionPublicStage({ status: s.status, stage: r?.stage ?? null, contracted: !!c }),
      publicity: publicised
        ? {
            number: pubDoc?.number ?? null,
            documentId: pubDoc?.id ?? null,
            startedAt: publicised.publicityStartedAt!,
            endsAt: publicised.publicityEndsAt,
            endedAt: publicised.publicityEndedAt,
            suspended: publicised.stage === "suspended",
            candidates: [...publicised.candidates].sort((a, b) => a.rank - b.rank).map(candidateView),
            bidders: publicised.bidders.map((b) => ({
              name: b.name,
              priceFen: b.priceFen,
              valid: b.valid,
              rank: b.rank,
              total: b.valid ? b.total : null,
              groups: b.valid ? b.groups : null,
              // EV22: reasons go to the rejected bidder itself; to the public only where the profile says so.
              ...(profile.publishRejectedBidders && !b.valid ? { reasons: [...b.reasons] } : {}),
            })),
            rejected: publicised.bidders.filter((b) => !b.valid).length,
            reasonsPublished: profile.publishRejectedBidders,
          }
        : null,
      objections: o
        .filter((x) => x.status === "answered" && x.answer && x.answeredAt && x.outcome)
        .map((x) => ({ id: x.id, body: x.body, filedAt: x.filedAt, answer: x.answer!, answeredAt: x.answeredAt!, outcome: x.outcome! })),
      pendingObjections: o.filter((x) => x.status === "pending").length,
      announcement:
        announced && winner
          ? {
              number: annDoc?.number ?? null,
              documentId: annDoc?.id ?? null,
              date: announced.notifiedAt!,
              winner: winner.name,
              amountFen: winner.priceFen,
              durationDays: winner.durationDays,
              quality: winner.quality,
              projectManager: winner.projectManager,
            }
          : null,
      // R58: winner, amount, signing date; the PDF only where it is public (R57 ZFCG).
      contract: c ? { winner: contractWinner, amountFen: c.amountFen, signedOn: c.signedOn, documentId: contractDoc?.id ?? null } : null,
      documents: pub.map((d) => ({ id: d.id, kind: d.kind as PublicResultDocument["kind"], number: d.number, filename: d.filename, size: d.size, sha256: d.sha256, issuedAt: d.issuedAt })),
    };
  });

  const timeline = buildTimeline({
    now,
    project: { publishedAt: p.publishedAt, bidDeadline: p.bidDeadline },
    amendments: amends,
    objections: tenderObjs,
    sections: secs.map((s) => {
      const r = results.find((x) => x.sectionId === s.id) ?? null;
      const c = cons.find((x) => x.sectionId === s.id) ?? null;
      const op = opens.find((x) => x.sectionId === s.id) ?? null;
      const ev = evals.find((x) => x.sectionId === s.id) ?? null;
      return {
        id: s.id,
        code: s.code,
        opening: op,
        evaluation: ev,
        reports: bySection(reports, s.id),
        publicities: bySection(docs, s.id).filter((d) => d.kind === "publicity" && d.public),
        objections: bySection(objs, s.id).map((x) => ({ filedAt: x.filedAt, answeredAt: x.answeredAt, outcome: x.outcome })),
        result: r,
        contract: c ? { signedOn: c.signedOn, recordedAt: c.recordedAt } : null,
        archivedAt: r?.archivedAt ?? (s.status === "archived" ? (archives.find((a) => a.subjectId === s.id)?.at ?? null) : null),
      };
    }),
  });

  const phase = resultsPhaseOf(secs.map((s) => ({ status: s.status, stage: results.find((x) => x.sectionId === s.id)?.stage ?? null, contracted: cons.some((x) => x.sectionId === s.id) })));
  return { now, phase, sections: views, timeline };
}

/**
 * A public results document of the project (the publicity, the result announcement, a public contract), for the
 * download route; null for anything else — a notice to a bidder (private, R54/EV25), a ZTB contract PDF, another
 * project's document, a draft project.
 */
export async function publicResultDocument(db: Executor, projectId: string, documentId: string): Promise<{ sha256: string; filename: string; kind: string; number: string } | null> {
  if (!isUuid(projectId) || !isUuid(documentId)) return null;
  const [d] = await db
    .select({ sha256: resultDocuments.sha256, filename: resultDocuments.filename, kind: resultDocuments.kind, number: resultDocuments.number, public: resultDocuments.public, orgId: resultDocuments.orgId })
    .from(resultDocuments)
    .innerJoin(sections, eq(sections.id, resultDocuments.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(and(eq(resultDocuments.id, documentId), eq(sections.projectId, projectId), ne(projects.status, "draft")));
  if (!d || !d.public || d.orgId !== null || !(PUBLIC_KINDS as readonly string[]).includes(d.kind)) return null;
  return { sha256: d.sha256, filename: d.filename, kind: d.kind, number: d.number };
}
