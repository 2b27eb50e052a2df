import { and, asc, eq, inArray, isNull, like, ne, or, sql } from "drizzle-orm";
import type { Executor } from "#db/client";
import {
  amendments,
  bondRefunds,
  complaints,
  contracts,
  draws,
  drawPicks,
  evaluationReports,
  evaluations,
  jobs,
  objections,
  openings,
  projects,
  recordEntries,
  resultObjections,
  roomBookings,
  sectionResults,
  sections,
} from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { getProfile } from "#app/domain/rules/profiles";
import { bondRefundStart, sectionLimits, type ComplaintFacts, type LimitId, type ObjectionFacts, type SectionFacts } from "#app/domain/supervision/limits";
import { DEFAULT_THRESHOLDS, nextChange, sectionLight, type InstanceLight, type Light, type Thresholds } from "#app/domain/supervision/lights";
import { dbNow } from "#app/services/platform/command.server";

/**
 * Electronic supervision (R63/R65): the reader that fills `SectionFacts` (app/domain/supervision/limits.ts) from the
 * tables its fields name, and a section's light by the database clock (docs/decisions/019-supervision-limits.md).
 *
 * One query per table for a whole batch of sections (chunks of `CHUNK` ids), so the dashboard's 10,000 sections cost
 * a dozen queries per chunk, not a dozen per section. Nothing is recomputed: every due instant is the stored one
 * (R2's holiday calendar was applied by the command that stored it, so the reader needs no calendar).
 *
 * `endedAt` (the section left the procedure without an award) is the earliest of:
 * - openings.phase_changed_at with phase 'failed' (R25/R27);
 * - evaluations.stage_changed_at with stage 'failed' (R45);
 * - the results ended (section_results.stage 'ended', R52): result_objections.answered_at of the objection answered
 *   with outcome 'end' (the same transaction set the stage), or section_results.report_signed_at when the results
 *   ended at once for want of candidates (reason 'no_candidates', written by the transaction that opened them);
 * - termination (R13: projects.status or sections.status 'terminated'): no column holds its instant, so the record
 *   entry on the project or section whose action names it (`%terminat%`) gives it.
 *
 * Complaints (R53) are read by project: a section has its own and its project's project-wide ones (section_id null,
 * after an objection to the documents). A withdrawal has no column either: its record entry
 * (`supervision.complaint_withdrawn` on the complaint) gives the instant.
 */

const CHUNK = 1000;

const instant = (d: Date | null | undefined): Date | null => d ?? null;

const earliest = (list: readonly (Date | null)[]): Date | null =>
  list.reduce<Date | null>((best, d) => (d && (!best || d.getTime() < best.getTime()) ? d : best), null);

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** The facts of one batch of sections (at most CHUNK ids): one query per source table. */
async function readChunk(db: Executor, ids: string[]): Promise<Map<string, SectionFacts>> {
  const heads = await db
    .select({
      sectionId: sections.id,
      sectionStatus: sections.status,
      projectId: projects.id,
      projectStatus: projects.status,
      regime: projects.regime,
      publishedAt: projects.publishedAt,
      documentsFrom: projects.documentsFrom,
      documentsUntil: projects.documentsUntil,
      bidDeadline: projects.bidDeadline,
    })
    .from(sections)
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(inArray(sections.id, ids));
  if (heads.length === 0) return new Map();
  const projectIds = [...new Set(heads.map((h) => h.projectId))];
  const terminated = heads.filter((h) => h.sectionStatus === "terminated" || h.projectStatus === "terminated");

  const [amendmentRows, objectionRows, openingRows, invitationRows, evaluationRows, resultRows, resultObjectionRows, contractRows, refundRows, terminationRows, complaintRows] = await Promise.all([
    db
      .select({ projectId: amendments.projectId, id: amendments.id, issuedAt: amendments.issuedAt, newDeadline: amendments.newDeadline, affectsBidPreparation: amendments.affectsBidPreparation })
      .from(amendments)
      .where(inArray(amendments.projectId, projectIds))
      .orderBy(asc(amendments.issuedAt), asc(amendments.id)),
    db
      .select({ projectId: objections.projectId, id: objections.id, filedAt: objections.filedAt, answerDueAt: objections.answerDueAt, answeredAt: objections.answeredAt })
      .from(objections)
      .where(inArray(objections.projectId, projectIds))
      .orderBy(asc(objections.filedAt), asc(objections.id)),
    db
      .select({ sectionId: openings.sectionId, phase: openings.phase, openedAt: openings.openedAt, decryptionEndsAt: openings.decryptionEndsAt, phaseChangedAt: openings.phaseChangedAt })
      .from(openings)
      .where(inArray(openings.sectionId, ids)),
    // R37: an invitation is a pick with its confirmation time-out job (sent in the same transaction).
    db
      .select({ sectionId: draws.sectionId, pickId: drawPicks.id, status: drawPicks.status, respondedAt: drawPicks.respondedAt, invitedAt: jobs.createdAt, dueAt: jobs.dueAt })
      .from(drawPicks)
      .innerJoin(draws, eq(draws.id, drawPicks.drawId))
      .innerJoin(jobs, eq(jobs.dedupeKey, sql`'draw-timeout:' || ${drawPicks.id}::text`))
      .where(and(inArray(draws.sectionId, ids), ne(drawPicks.status, "standby")))
      .orderBy(asc(jobs.createdAt), asc(drawPicks.id)),
    db
      .select({
        sectionId: evaluations.sectionId,
        stage: evaluations.stage,
        stageChangedAt: evaluations.stageChangedAt,
        slotStartsAt: roomBookings.startsAt,
        slotEndsAt: roomBookings.endsAt,
        reportSignedAt: evaluationReports.signedAt,
      })
      .from(evaluations)
      .leftJoin(roomBookings, and(eq(roomBookings.id, evaluations.bookingId), isNull(roomBookings.cancelledAt)))
      .leftJoin(evaluationReports, and(eq(evaluationReports.sectionId, evaluations.sectionId), ne(evaluationReports.status, "voided")))
      .where(inArray(evaluations.sectionId, ids)),
    db
      .select({
        sectionId: sectionResults.sectionId,
        stage: sectionResults.stage,
        endedReason: sectionResults.endedReason,
        winnerOrgId: sectionResults.winnerOrgId,
        reportSignedAt: sectionResults.reportSignedAt,
        publicityDueAt: sectionResults.publicityDueAt,
        publicityStartedAt: sectionResults.publicityStartedAt,
        publicityEndsAt: sectionResults.publicityEndsAt,
        publicityEndedAt: sectionResults.publicityEndedAt,
        decisionDueAt: sectionResults.decisionDueAt,
        decidedAt: sectionResults.decidedAt,
        decisionMode: sectionResults.decisionMode,
        noticesDueAt: sectionResults.noticesDueAt,
        notifiedAt: sectionResults.notifiedAt,
        contractDueAt: sectionResults.contractDueAt,
      })
      .from(sectionResults)
      .where(inArray(sectionResults.sectionId, ids)),
    db
      .select({ sectionId: resultObjections.sectionId, id: resultObjections.id, filedAt: resultObjections.filedAt, answerDueAt: resultObjections.answerDueAt, answeredAt: resultObjections.answeredAt, outcome: resultObjections.outcome })
      .from(resultObjections)
      .where(inArray(resultObjections.sectionId, ids))
      .orderBy(asc(resultObjections.filedAt), asc(resultObjections.id)),
    db
      .select({ sectionId: contracts.sectionId, signedOn: contracts.signedOn, recordedAt: contracts.recordedAt, publishDueAt: contracts.publishDueAt, publishedAt: contracts.publishedAt })
      .from(contracts)
      .where(inArray(contracts.sectionId, ids)),
    db
      .select({ sectionId: bondRefunds.sectionId, id: bondRefunds.id, orgId: bondRefunds.orgId, dueAt: bondRefunds.dueAt, refundedAt: bondRefunds.refundedAt })
      .from(bondRefunds)
      .where(inArray(bondRefunds.sectionId, ids))
      .orderBy(asc(bondRefunds.dueAt), asc(bondRefunds.id)),
    terminated.length === 0
      ? Promise.resolve([] as { subjectType: string; subjectId: string; at: Date }[])
      : db
          .select({ subjectType: recordEntries.subjectType, subjectId: recordEntries.subjectId, at: recordEntries.at })
          .from(recordEntries)
          .where(
            and(
              like(recordEntries.action, "%terminat%"),
              or(
                and(eq(recordEntries.subjectType, "section"), inArray(recordEntries.subjectId, terminated.map((h) => h.sectionId))),
                and(eq(recordEntries.subjectType, "project"), inArray(recordEntries.subjectId, [...new Set(terminated.map((h) => h.projectId))])),
              ),
            ),
          ),
    db
      .select({
        projectId: complaints.projectId,
        sectionId: complaints.sectionId,
        id: complaints.id,
        status: complaints.status,
        filedAt: complaints.filedAt,
        acceptDueAt: complaints.acceptDueAt,
        acceptedAt: complaints.acceptedAt,
        refusedAt: complaints.refusedAt,
        decisionDueAt: complaints.decisionDueAt,
        decidedAt: complaints.decidedAt,
      })
      .from(complaints)
      .where(inArray(complaints.projectId, projectIds))
      .orderBy(asc(complaints.filedAt), asc(complaints.id)),
  ]);
  const withdrawnIds = complaintRows.filter((c) => c.status === "withdrawn").map((c) => c.id);
  const withdrawalRows =
    withdrawnIds.length === 0
      ? []
      : await db
          .select({ subjectId: recordEntries.subjectId, at: recordEntries.at })
          .from(recordEntries)
          .where(and(eq(recordEntries.subjectType, "complaint"), eq(recordEntries.action, "supervision.complaint_withdrawn"), inArray(recordEntries.subjectId, withdrawnIds)));
  const withdrawnAt = new Map(withdrawalRows.map((r) => [r.subjectId, r.at]));

  const amendmentsBy = groupBy(amendmentRows, (r) => r.projectId);
  const objectionsBy = groupBy(objectionRows, (r) => r.projectId);
  const openingBy = new Map(openingRows.map((r) => [r.sectionId, r]));
  const invitationsBy = groupBy(invitationRows, (r) => r.sectionId);
  const evaluationBy = new Map(evaluationRows.map((r) => [r.sectionId, r]));
  const resultBy = new Map(resultRows.map((r) => [r.sectionId, r]));
  const resultObjectionsBy = groupBy(resultObjectionRows, (r) => r.sectionId);
  const contractBy = new Map(contractRows.map((r) => [r.sectionId, r]));
  const refundsBy = groupBy(refundRows, (r) => r.sectionId);
  const terminationBy = groupBy(terminationRows, (r) => `${r.subjectType}:${r.subjectId}`);
  const complaintsBy = groupBy(complaintRows, (r) => r.projectId);
  const complaintFacts = (c: (typeof complaintRows)[number]): ComplaintFacts => ({
    id: c.id,
    filedAt: c.filedAt,
    acceptDueAt: c.acceptDueAt,
    admittedAt: instant(c.acceptedAt) ?? instant(c.refusedAt),
    decisionDueAt: instant(c.decisionDueAt),
    decidedAt: instant(c.decidedAt),
    withdrawnAt: c.status === "withdrawn" ? (withdrawnAt.get(c.id) ?? null) : null,
  });

  const objectionFacts = (o: { id: string; filedAt: Date; answerDueAt: Date; answeredAt: Date | null }): ObjectionFacts => ({
    id: o.id,
    filedAt: o.filedAt,
    answerDueAt: o.answerDueAt,
    answeredAt: instant(o.answeredAt),
  });

  const out = new Map<string, SectionFacts>();
  for (const h of heads) {
    const profile = getProfile(h.regime);
    const opening = openingBy.get(h.sectionId);
    const ev = evaluationBy.get(h.sectionId);
    const r = resultBy.get(h.sectionId);
    const c = contractBy.get(h.sectionId);
    const resultObjs = resultObjectionsBy.get(h.sectionId) ?? [];

    const evaluation: SectionFacts["evaluation"] =
      ev && ev.slotStartsAt && ev.slotEndsAt
        ? { slotStartsAt: ev.slotStartsAt, slotEndsAt: ev.slotEndsAt, finishedAt: ev.stage === "failed" ? ev.stageChangedAt : instant(ev.reportSignedAt) }
        : null;

    const refunds: SectionFacts["refunds"][number][] = [];
    for (const b of refundsBy.get(h.sectionId) ?? []) {
      // R15: the start the refund's due instant was computed from (bondRefundDue in results.server.ts).
      const startedAt = bondRefundStart({ winner: !!r?.winnerOrgId && b.orgId === r.winnerOrgId, noticeAt: instant(r?.notifiedAt), contractAt: instant(c?.recordedAt) }, profile.results);
      if (startedAt) refunds.push({ id: b.id, startedAt, dueAt: b.dueAt, refundedAt: instant(b.refundedAt) });
    }

    const resultsEnded =
      r?.stage === "ended"
        ? (earliest(resultObjs.filter((o) => o.outcome === "end").map((o) => instant(o.answeredAt))) ?? (r.endedReason === "no_candidates" ? r.reportSignedAt : null))
        : null;
    const terminatedAt =
      h.sectionStatus === "terminated" || h.projectStatus === "terminated"
        ? earliest([...(terminationBy.get(`section:${h.sectionId}`) ?? []), ...(terminationBy.get(`project:${h.projectId}`) ?? [])].map((e) => e.at))
        : null;

    out.set(h.sectionId, {
      regime: h.regime,
      tender: h.publishedAt ? { publishedAt: h.publishedAt, documentsFrom: h.documentsFrom, documentsUntil: h.documentsUntil, bidDeadline: h.bidDeadline } : null,
      amendments: (amendmentsBy.get(h.projectId) ?? []).map((a) => ({ id: a.id, issuedAt: a.issuedAt, newDeadline: a.newDeadline, affectsBidPreparation: a.affectsBidPreparation })),
      documentObjections: (objectionsBy.get(h.projectId) ?? []).map(objectionFacts),
      opening: opening ? { openedAt: opening.openedAt, decryptionEndsAt: opening.decryptionEndsAt } : null,
      invitations: (invitationsBy.get(h.sectionId) ?? []).map((p) => ({
        pickId: p.pickId,
        invitedAt: p.invitedAt,
        dueAt: p.dueAt,
        status: p.status as Exclude<typeof p.status, "standby">,
        respondedAt: instant(p.respondedAt),
      })),
      evaluation,
      results: r
        ? {
            reportSignedAt: r.reportSignedAt,
            publicityDueAt: instant(r.publicityDueAt),
            publicityStartedAt: instant(r.publicityStartedAt),
            publicityEndsAt: instant(r.publicityEndsAt),
            publicityEndedAt: instant(r.publicityEndedAt),
            decisionDueAt: instant(r.decisionDueAt),
            decidedAt: instant(r.decidedAt),
            decisionMode: r.decisionMode === "chosen" || r.decisionMode === "deemed" ? r.decisionMode : null,
            noticesDueAt: instant(r.noticesDueAt),
            notifiedAt: instant(r.notifiedAt),
            contractDueAt: instant(r.contractDueAt),
          }
        : null,
      resultObjections: resultObjs.map(objectionFacts),
      contract: c ? { signedOn: c.signedOn, recordedAt: c.recordedAt, publishDueAt: instant(c.publishDueAt), publishedAt: instant(c.publishedAt) } : null,
      refunds,
      complaints: (complaintsBy.get(h.projectId) ?? []).filter((c) => c.sectionId === null || c.sectionId === h.sectionId).map(complaintFacts),
      endedAt: earliest([
        opening?.phase === "failed" ? opening.phaseChangedAt : null,
        ev?.stage === "failed" ? ev.stageChangedAt : null,
        resultsEnded,
        terminatedAt,
      ]),
    });
  }
  return out;
}

/**
 * The supervision facts of many sections (R63), keyed by section id; ids of no section are absent. Reads in chunks
 * of CHUNK sections, one query per source table and chunk.
 */
export async function sectionsFacts(db: Executor, sectionIds: readonly string[]): Promise<Map<string, SectionFacts>> {
  const unique = [...new Set(sectionIds)];
  const out = new Map<string, SectionFacts>();
  for (let i = 0; i < unique.length; i += CHUNK) {
    for (const [id, facts] of await readChunk(db, unique.slice(i, i + CHUNK))) out.set(id, facts);
  }
  return out;
}

/** The supervision facts of one section (R63); NOT_FOUND for an unknown id. */
export async function sectionFacts(db: Executor, sectionId: string): Promise<SectionFacts> {
  const facts = (await sectionsFacts(db, [sectionId])).get(sectionId);
  if (!facts) throw new DomainError("NOT_FOUND");
  return facts;
}

export type SectionLightNow = {
  light: Light;
  /** The limits at the section's light (empty when green). */
  reasons: LimitId[];
  /** When the light (of any limit instance) next changes by itself; null when none will. */
  next: Date | null;
  /** The database clock the light was judged at. */
  now: Date;
  /** The section's limit instances (limits.ts) with their lights, worst first (the reasons' details). */
  instances: InstanceLight[];
};

/**
 * R65: a section's light by the database clock — its facts' limit instances judged by `sectionLight` and the next
 * instant one of them changes (`nextChange`, for scheduling the light-change job). Recorded rule violations are not
 * read here (which record entries count as violations is the supervision issue's later decision).
 */
export async function sectionLightNow(db: Executor, sectionId: string, thresholds: Thresholds = DEFAULT_THRESHOLDS): Promise<SectionLightNow> {
  const facts = await sectionFacts(db, sectionId);
  const now = await dbNow(db);
  const instances = sectionLimits(facts);
  const lit = sectionLight(instances, now, thresholds);
  return { light: lit.light, reasons: lit.reasons, next: nextChange(instances, now, thresholds), now, instances: lit.instances };
}
