import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Executor, Tx } from "#db/client";
import {
  bidOpenings,
  bondRefunds,
  committeeMembers,
  contracts,
  evaluationReports,
  evaluations,
  experts,
  organisations,
  projects,
  resultDocuments,
  resultObjections,
  sectionResults,
  sections,
  tenderDocuments,
  users,
  type EvaluationReport,
  type ResultBidder,
  type ResultCandidate,
  type SectionResult,
} from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import type { Appendix } from "#app/domain/evaluation/appendix";
import { cstDate } from "#app/domain/rules/days";
import { getProfile } from "#app/domain/rules/profiles";
import {
  bondRefundDue,
  checkContract,
  checkResultObjection,
  checkWinner,
  contractPublishDue,
  contractTimers,
  decisionDue,
  DEVIATION_NOTE_MAX,
  noticeNumber,
  noticePeriodEnds,
  noticesDue,
  OBJECTION_MAX,
  objectionAnswerDue,
  publicityEndsAt,
  publicityPublishAt,
  publicityStartDue,
  type Deviation,
} from "#app/domain/rules/results";
import type { Actor } from "../platform/actor";
import { systemActor } from "../platform/actor";
import { dbNow, requirePermission, runCommand, runOptionalCommand, type LiveEventInput } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { scheduleJob } from "../platform/jobs.server";
import { channels } from "../platform/live-channels.server";
import { notifyOrganisations } from "../platform/notify.server";
import { signOfficial, type OfficialDocument } from "../platform/official-pdf.server";
import { loadCalendar } from "../tendering/calendar.server";
import { publishRelease } from "../open-data/releases.server";
import { managesProject, type PublishBlob } from "../tendering/tenders.server";

const noPublish: PublishBlob = async () => {};
import { REASON_ZH } from "../evaluation/report.server";
import { announcementDocument, awardNoticeDocument, publicityDocument, resultNoticeDocument, type ResultFacts } from "./documents";

/**
 * Results (定标, R51–R61): from the signed evaluation report to the contract. One row per section
 * (`section_results`) holds the stage and every due instant; jobs fire the timers (publicity start and end, the
 * ZFCG deemed choice, overdue answers, notices and contracts), commands do the rest — each in one transaction with
 * its record entry and live events (command.server.ts). Documents are rendered and signed by the platform before the
 * command (blobs are content-addressed; an unreferenced one is swept), and referenced by the command that issues them.
 */

type Ctx = Pick<AppContext, "db" | "blobs" | "config">;

export const RESULTS_TIMER_JOB = "results.timer";
export type ResultsTimer = "publicity_publish" | "publicity_end" | "objection_overdue" | "decision_deemed" | "notices_overdue" | "contract_warn" | "contract_overdue";

async function scheduleTimer(tx: Tx, sectionId: string, timer: ResultsTimer, dueAt: Date, key: string = dueAt.toISOString()): Promise<void> {
  await scheduleJob(tx, { kind: RESULTS_TIMER_JOB, dueAt, payload: { sectionId, timer }, dedupeKey: `results:${timer}:${sectionId}:${key}` });
}

export const resultsEvent = (projectId: string, type: string, data: Record<string, unknown> = {}): LiveEventInput[] => [
  { channel: channels.tender(projectId), type, data },
  { channel: channels.portal(), type, data: { projectId, ...data } },
];

async function sectionAndProject(db: Executor, sectionId: string) {
  const [row] = await db.select({ section: sections, project: projects }).from(sections).innerJoin(projects, eq(projects.id, sections.projectId)).where(eq(sections.id, sectionId));
  if (!row) throw new DomainError("NOT_FOUND");
  return row;
}

async function lockResult(tx: Tx, sectionId: string): Promise<SectionResult> {
  if (!isUuid(sectionId)) throw new DomainError("NOT_FOUND");
  const [r] = await tx.select().from(sectionResults).where(eq(sectionResults.sectionId, sectionId)).for("update");
  if (!r) throw new DomainError("NOT_FOUND");
  return r;
}

async function supervisorOrgs(db: Executor): Promise<{ id: string; name: string }[]> {
  return db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(eq(organisations.kind, "supervisor")).orderBy(asc(organisations.name));
}

/** The tendering side of the section's project (tendering unit or agency), else NOT_FOUND (never reveal others' sections). */
async function requireManager(db: Executor, actor: Actor, sectionId: string) {
  requirePermission(actor, "tender:manage");
  const sp = await sectionAndProject(db, sectionId);
  if (!managesProject(actor, sp.project)) throw new DomainError("NOT_FOUND");
  return sp;
}

function rejectWith(violations: ReturnType<typeof checkWinner>): void {
  if (violations.length) throw new DomainError("RULE_VIOLATION", {}, violations);
}

// ------------------------------------------------------------------------------------------------ opening the results

/**
 * The candidates and every bidder's outcome from the signed report's appendix (R47: ≤ 3 ranked candidates), with the
 * promised quality, duration and project manager from the sealed bid form read at the opening.
 */
export async function snapshotFromReport(db: Executor, sectionId: string, appendix: Appendix): Promise<{ candidates: ResultCandidate[]; bidders: ResultBidder[] }> {
  const opened = await db
    .select({ bidId: bidOpenings.bidId, orgId: bidOpenings.orgId, form: bidOpenings.form, name: organisations.name })
    .from(bidOpenings)
    .innerJoin(organisations, eq(organisations.id, bidOpenings.orgId))
    .where(eq(bidOpenings.sectionId, sectionId));
  const byBid = new Map(opened.map((o) => [o.bidId, o]));
  const rankOf = new Map(appendix.result.ranking.map((r) => [r.bidderId, r.rank]));
  const priceFen = (input: { readPrice: string; correction: { price: string; confirmed: boolean } | null }) => {
    const p = input.correction?.confirmed ? input.correction.price : input.readPrice;
    return Math.round(Number(p) * 100);
  };
  const bidders: ResultBidder[] = appendix.input.bids.map((ib) => {
    const rb = appendix.result.bids.find((b) => b.bidderId === ib.bidderId);
    const o = byBid.get(ib.bidderId);
    const reasons = (rb?.reasons ?? []).map((r) => (r === "rejected" && ib.rejection ? ib.rejection.reason : (REASON_ZH[r] ?? r)));
    return {
      bidId: ib.bidderId,
      orgId: o?.orgId ?? ib.bidderId,
      name: o?.name ?? ib.name,
      priceFen: priceFen(ib),
      valid: rb?.valid ?? false,
      reasons,
      rank: rb?.valid ? (rankOf.get(ib.bidderId) ?? null) : null,
      total: rb?.total ?? null,
      groups: rb?.groups ? { ...rb.groups } : null,
    };
  });
  const candidates: ResultCandidate[] = appendix.result.candidates.map((bidId, i) => {
    const b = bidders.find((x) => x.bidId === bidId)!;
    const f = byBid.get(bidId)?.form?.form;
    return {
      rank: rankOf.get(bidId) ?? i + 1,
      bidId,
      orgId: b.orgId,
      name: b.name,
      priceFen: b.priceFen,
      durationDays: f?.durationDays ?? "",
      quality: f?.quality ?? "",
      projectManager: f?.projectManager ?? "",
      total: b.total,
      groups: b.groups,
    };
  });
  return { candidates, bidders };
}

/**
 * Inside the command that completes the report's signing (report.server.ts): the section enters the results stage.
 * ZTB (R51): candidate publicity is due within 3 days — the job publishes it after the profile's delay. ZFCG (R54,
 * R57): no publicity; the platform delivers the report to the purchaser at once, who decides within 5 working days
 * or rank 1 is deemed chosen. A re-check (条例56) that ends in a newly signed report replaces the snapshot.
 */
export async function openResults(tx: Tx, sectionId: string, report: EvaluationReport, now: Date): Promise<LiveEventInput[]> {
  const { project } = await sectionAndProject(tx, sectionId);
  const profile = getProfile(project.regime).results;
  const cal = await loadCalendar(tx);
  const snapshot = await snapshotFromReport(tx, sectionId, report.appendix as Appendix);
  const ztb = profile.candidatePublicity;
  const values = {
    projectId: project.id,
    reportId: report.id,
    reportNumber: report.number,
    stage: ztb ? ("publicity_due" as const) : ("decision" as const),
    candidates: snapshot.candidates,
    bidders: snapshot.bidders,
    reportSignedAt: now,
    publicityDueAt: publicityStartDue(now, profile, cal),
    decisionDueAt: ztb ? null : decisionDue(now, profile, cal),
    suspendedFrom: null,
    suspendedAt: null,
    suspendedMs: 0,
    publicityStartedAt: null,
    publicityEndsAt: null,
    publicityEndedAt: null,
  };
  await tx
    .insert(sectionResults)
    .values({ sectionId, ...values })
    .onConflictDoUpdate({ target: sectionResults.sectionId, set: values });
  if (snapshot.candidates.length === 0) {
    await tx.update(sectionResults).set({ stage: "ended", endedReason: "no_candidates" }).where(eq(sectionResults.sectionId, sectionId));
    return [];
  }
  if (ztb) await scheduleTimer(tx, sectionId, "publicity_publish", publicityPublishAt(now, profile, cal)!, report.id);
  else await scheduleTimer(tx, sectionId, "decision_deemed", values.decisionDueAt!);
  return resultsEvent(project.id, "results.opened", { sectionId, stage: values.stage });
}

// ------------------------------------------------------------------------------------------------ facts and documents

async function resultFacts(db: Executor, r: SectionResult, baseUrl: string): Promise<ResultFacts> {
  const { section, project } = await sectionAndProject(db, r.sectionId);
  const orgIds = [project.tenderingUnitId, ...(project.agencyId ? [project.agencyId] : [])];
  const orgs = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, orgIds));
  const name = (id: string | null) => orgs.find((o) => o.id === id)?.name ?? "";
  const sup = await supervisorOrgs(db);
  const notice = project.notice ?? {};
  return {
    regime: project.regime,
    projectCode: project.code,
    projectTitle: project.title,
    sectionCode: section.code,
    sectionTitle: section.title,
    tenderingUnit: name(project.tenderingUnitId),
    agency: project.agencyId ? name(project.agencyId) : null,
    location: project.location,
    contactName: notice.contactName ?? "",
    contactPhone: notice.contactPhone ?? "",
    supervisor: notice.supervisor || sup[0]?.name || "",
    reportNumber: r.reportNumber,
    reportSignedAt: r.reportSignedAt,
    bidDeadline: project.bidDeadline,
    candidates: r.candidates,
    bidders: r.bidders,
    objectionUrl: `${baseUrl.replace(/\/$/, "")}/tenders/${project.id}/sections/${section.id}/results`,
  };
}

async function signDocument(ctx: Ctx, doc: OfficialDocument, reason: string, now: Date): Promise<{ sha256: string; size: number }> {
  return ctx.blobs.put(await signOfficial(ctx, doc, { now, reason }));
}

async function nextNumber(db: Executor, sectionId: string, kind: "publicity" | "award_notice" | "result_notice" | "result_announcement" | "contract"): Promise<number> {
  const rows = await db.select({ id: resultDocuments.id }).from(resultDocuments).where(and(eq(resultDocuments.sectionId, sectionId), eq(resultDocuments.kind, kind)));
  return rows.length + 1;
}

const baseUrlOf = (ctx: Ctx) => ctx.config.publicUrl;

// ------------------------------------------------------------------------------------------------ publicity (ZTB, R51)

/** Job: publishes the candidate publicity (R51/EV22) — a signed PDF on the portal — and starts its ≥ 3-day period. */
export async function publishPublicity(ctx: Ctx, sectionId: string): Promise<boolean> {
  const [r] = await ctx.db.select().from(sectionResults).where(eq(sectionResults.sectionId, sectionId));
  if (!r || r.stage !== "publicity_due") return false;
  const { project, section } = await sectionAndProject(ctx.db, sectionId);
  const profile = getProfile(project.regime);
  const cal = await loadCalendar(ctx.db);
  const nowGuess = await dbNow(ctx.db);
  const facts = await resultFacts(ctx.db, r, baseUrlOf(ctx));
  const n = await nextNumber(ctx.db, sectionId, "publicity");
  const number = noticeNumber("GS", project.code, section.seq, n);
  // The period is computed again inside the command from the database clock; the document prints the same dates
  // unless the day changes between rendering and committing (then the command renders nothing and the job retries).
  const endsAt = publicityEndsAt(nowGuess, profile.publicity, profile.results, cal);
  const doc = publicityDocument(facts, { number, startedAt: nowGuess, endsAt, objectionDays: profile.results.objectionAnswerWithin?.days ?? 3 });
  const stored = await signDocument(ctx, doc, "中标候选人公示（平台签章）", nowGuess);
  const done = await runOptionalCommand(ctx, systemActor(), "results.publicity_published", async ({ tx, now }) => {
    const locked = await lockResult(tx, sectionId);
    if (locked.stage !== "publicity_due" || locked.reportId !== r.reportId) return null;
    const ends = publicityEndsAt(now, profile.publicity, profile.results, cal);
    if (ends.getTime() !== endsAt.getTime()) throw new Error("publicity day changed while rendering; retry");
    const [docRow] = await tx
      .insert(resultDocuments)
      .values({ sectionId, kind: "publicity", orgId: null, number, filename: `中标候选人公示-${number}.pdf`, sha256: stored.sha256, size: stored.size, public: true, issuedAt: now })
      .returning({ id: resultDocuments.id });
    await tx.update(sectionResults).set({ stage: "publicity", publicityStartedAt: now, publicityEndsAt: ends }).where(eq(sectionResults.sectionId, sectionId));
    await tx.update(sections).set({ status: "publicity" }).where(eq(sections.id, sectionId));
    await scheduleTimer(tx, sectionId, "publicity_end", ends);
    await publishRelease(tx, { projectId: project.id, tags: ["tenderUpdate"], now }, ctx.config); // open data: the candidates (docs/open-data.md)
    // Every bidder is told; a rejected bidder's own reasons are in its own message (EV22), never in the public document.
    for (const b of locked.bidders) {
      await notifyOrganisations(tx, [b.orgId], {
        kind: b.valid ? "resultsPublicity" : "resultsPublicityRejected",
        params: { title: project.title, section: section.code, reasons: b.reasons.join("；") },
        link: `/tenders/${project.id}/sections/${sectionId}/results`,
      });
    }
    await notifyOrganisations(tx, [project.tenderingUnitId, ...(project.agencyId ? [project.agencyId] : [])], {
      kind: "resultsPublicity",
      params: { title: project.title, section: section.code, reasons: "" },
      link: `/manage/${project.id}/results`,
    });
    return {
      result: true,
      subjectType: "section",
      subjectId: sectionId,
      payload: { number, documentId: docRow!.id, sha256: stored.sha256, startedAt: now.toISOString(), endsAt: ends.toISOString(), candidates: locked.candidates.map((c) => ({ rank: c.rank, orgId: c.orgId })) },
      events: resultsEvent(project.id, "results.publicity", { sectionId }),
    };
  });
  return !!done;
}

/** Job: the publicity's period is over (R51) — unless suspended or extended meanwhile — the decision is due. */
async function endPublicity(ctx: Ctx, sectionId: string): Promise<boolean> {
  const done = await runOptionalCommand(ctx, systemActor(), "results.publicity_ended", async ({ tx, now }) => {
    const r = await lockResult(tx, sectionId);
    if (r.stage !== "publicity" || !r.publicityEndsAt || now < r.publicityEndsAt) return null;
    await tx.update(sectionResults).set({ stage: "decision", publicityEndedAt: now }).where(eq(sectionResults.sectionId, sectionId));
    const { project, section } = await sectionAndProject(tx, sectionId);
    await notifyOrganisations(tx, [project.tenderingUnitId, ...(project.agencyId ? [project.agencyId] : [])], {
      kind: "resultsDecisionDue",
      params: { title: project.title, section: section.code },
      link: `/manage/${project.id}/results`,
    });
    return { result: true, subjectType: "section", subjectId: sectionId, payload: { endsAt: r.publicityEndsAt.toISOString() }, events: resultsEvent(project.id, "results.publicity_ended", { sectionId }) };
  });
  return !!done;
}

// ------------------------------------------------------------------------------------------------ objections (R52)

/** R52: a bidder of the section objects to the result during the publicity; the section is suspended until answered. */
export async function fileResultObjection(ctx: Ctx, actor: Actor, sectionId: string, input: { body: string }): Promise<{ id: string; answerDueAt: Date }> {
  requirePermission(actor, "tender:object");
  const body = String(input.body ?? "").slice(0, OBJECTION_MAX + 1);
  return runCommand(ctx, actor, "results.objection_filed", async ({ tx, now }) => {
    const r = await lockResult(tx, sectionId);
    const { project, section } = await sectionAndProject(tx, sectionId);
    const isBidder = r.bidders.some((b) => b.orgId === actor.orgId);
    const [pending] = actor.orgId
      ? await tx.select({ id: resultObjections.id }).from(resultObjections).where(and(eq(resultObjections.sectionId, sectionId), eq(resultObjections.orgId, actor.orgId), eq(resultObjections.status, "pending")))
      : [];
    const v = checkResultObjection({ stage: r.stage, isBidder, body, pendingOwn: !!pending });
    rejectWith(v);
    const profile = getProfile(project.regime).results;
    const cal = await loadCalendar(tx);
    const answerDueAt = objectionAnswerDue(now, profile, cal) ?? now;
    const [row] = await tx
      .insert(resultObjections)
      .values({ sectionId, orgId: actor.orgId!, userId: actor.user!.id, body: body.trim(), filedAt: now, answerDueAt })
      .returning({ id: resultObjections.id });
    if (r.stage === "publicity") {
      await tx.update(sectionResults).set({ stage: "suspended", suspendedFrom: "publicity", suspendedAt: now }).where(eq(sectionResults.sectionId, sectionId));
    }
    await scheduleTimer(tx, sectionId, "objection_overdue", answerDueAt, row!.id);
    await notifyOrganisations(tx, [project.tenderingUnitId, ...(project.agencyId ? [project.agencyId] : [])], {
      kind: "resultsObjectionFiled",
      params: { title: project.title, section: section.code, due: cstDate(new Date(answerDueAt.getTime() - 1)) },
      link: `/manage/${project.id}/results`,
    });
    return {
      result: { id: row!.id, answerDueAt },
      subjectType: "section",
      subjectId: sectionId,
      // The record keeps who objected (R60); the public views never show it (R52).
      payload: { objectionId: row!.id, orgId: actor.orgId, answerDueAt: answerDueAt.toISOString(), suspended: true },
      events: resultsEvent(project.id, "results.suspended", { sectionId }),
    };
  });
}

export const OBJECTION_ANSWER_MAX = 4000;

/**
 * R52: the tendering side answers. `dismissed` — when no other objection is pending, the publicity resumes and its
 * end moves by the time it was suspended; `recheck` — 条例56: the original committee re-checks (the evaluation goes
 * back to the summary, the signed report is voided, a newly signed report restarts the publicity); `end` — the
 * section ends without an award (failed, to be re-tendered). The answer is published without the objector's name.
 */
export async function answerResultObjection(ctx: Ctx, actor: Actor, objectionId: string, input: { answer: string; outcome: string }): Promise<void> {
  if (!isUuid(objectionId)) throw new DomainError("NOT_FOUND");
  const answer = String(input.answer ?? "").trim();
  const outcome = String(input.outcome ?? "");
  if (answer.length < 2 || answer.length > OBJECTION_ANSWER_MAX) throw new DomainError("VALIDATION", { field: "answer", max: OBJECTION_ANSWER_MAX });
  if (outcome !== "dismissed" && outcome !== "recheck" && outcome !== "end") throw new DomainError("VALIDATION", { field: "outcome" });
  const [o] = await ctx.db.select().from(resultObjections).where(eq(resultObjections.id, objectionId));
  if (!o) throw new DomainError("NOT_FOUND");
  await requireManager(ctx.db, actor, o.sectionId);
  await runCommand(ctx, actor, "results.objection_answered", async ({ tx, now }) => {
    const r = await lockResult(tx, o.sectionId);
    const [locked] = await tx.select().from(resultObjections).where(eq(resultObjections.id, objectionId)).for("update");
    if (!locked || locked.status !== "pending") throw new DomainError("INVALID_STATE", { status: locked?.status ?? "missing" });
    const { project, section } = await sectionAndProject(tx, o.sectionId);
    await tx.update(resultObjections).set({ status: "answered", answer, outcome, answeredBy: actor.user!.id, answeredAt: now }).where(eq(resultObjections.id, objectionId));
    const others = await tx.select({ id: resultObjections.id }).from(resultObjections).where(and(eq(resultObjections.sectionId, o.sectionId), eq(resultObjections.status, "pending")));
    const payload: Record<string, unknown> = { objectionId, outcome, late: now > locked.answerDueAt };
    const extra: LiveEventInput[] = [];
    const suspendedMs = r.suspendedAt ? r.suspendedMs + (now.getTime() - r.suspendedAt.getTime()) : r.suspendedMs;
    if (outcome === "end") {
      await tx.update(sectionResults).set({ stage: "ended", endedReason: "objection_sustained", suspendedAt: null, suspendedMs }).where(eq(sectionResults.sectionId, o.sectionId));
      await tx.update(sections).set({ status: "failed" }).where(eq(sections.id, o.sectionId));
      payload.stage = "ended";
    } else if (outcome === "recheck") {
      // 条例56: back to the original committee. The signed report is voided; a newly signed one re-opens the results.
      const [report] = await tx.select().from(evaluationReports).where(and(eq(evaluationReports.sectionId, o.sectionId), eq(evaluationReports.status, "signed")));
      if (report) await tx.update(evaluationReports).set({ status: "voided", voidedAt: now, voidReason: `条例56 复核：${answer}`.slice(0, 500) }).where(eq(evaluationReports.id, report.id));
      await tx.update(evaluations).set({ stage: "summary", stageChangedAt: now }).where(eq(evaluations.sectionId, o.sectionId));
      extra.push({ channel: channels.evaluation(o.sectionId), type: "evaluation.stage", data: { from: "signed", to: "summary" } });
      await tx.update(sectionResults).set({ stage: "recheck", suspendedAt: null, suspendedMs }).where(eq(sectionResults.sectionId, o.sectionId));
      await tx.update(sections).set({ status: "evaluating" }).where(eq(sections.id, o.sectionId));
      payload.stage = "recheck";
      payload.voidedReport = report?.number ?? null;
    } else if (others.length === 0 && r.stage === "suspended") {
      const profile = getProfile(project.regime);
      const cal = await loadCalendar(tx);
      const ends = publicityEndsAt(r.publicityStartedAt!, profile.publicity, profile.results, cal, suspendedMs);
      await tx.update(sectionResults).set({ stage: "publicity", suspendedFrom: null, suspendedAt: null, suspendedMs, publicityEndsAt: ends }).where(eq(sectionResults.sectionId, o.sectionId));
      await scheduleTimer(tx, o.sectionId, "publicity_end", ends);
      payload.stage = "publicity";
      payload.publicityEndsAt = ends.toISOString();
    }
    if (outcome !== "dismissed") await publishRelease(tx, { projectId: project.id, tags: ["tenderUpdate"], now }, ctx.config); // open data
    await notifyOrganisations(tx, [locked.orgId], { kind: "resultsObjectionAnswered", params: { title: project.title, section: section.code }, link: `/tenders/${project.id}/sections/${o.sectionId}/results` });
    return { result: undefined, subjectType: "section", subjectId: o.sectionId, payload, events: [...resultsEvent(project.id, "results.objection_answered", { sectionId: o.sectionId }), ...extra] };
  });
}

// ------------------------------------------------------------------------------------------------ the winner (R55, R57, R70)

export type WinnerInput = { bidId: string; deviations?: Deviation[]; evidence?: { sha256: string; size: number } | null };

/**
 * R55/R57/R70: the tendering unit (purchaser) confirms the winner among the candidates. A winner outside the list is
 * refused (法57); passing over a higher candidate needs an R55 reason with a note for each, and evidence.
 */
export async function decideWinner(ctx: Ctx, actor: Actor, sectionId: string, input: WinnerInput, publish: PublishBlob = noPublish): Promise<{ rank: number }> {
  const { project } = await requireManager(ctx.db, actor, sectionId);
  const deviations = (Array.isArray(input.deviations) ? input.deviations : []).slice(0, 5).map((d) => ({
    rank: Number(d.rank),
    reason: String(d.reason ?? "").slice(0, 40),
    note: String(d.note ?? "").trim().slice(0, DEVIATION_NOTE_MAX + 1),
  }));
  return runCommand(ctx, actor, "results.winner_decided", async ({ tx, now }) => {
    const r = await lockResult(tx, sectionId);
    if (r.stage !== "decision") throw new DomainError("INVALID_STATE", { stage: r.stage });
    const chosen = r.candidates.find((c) => c.bidId === input.bidId) ?? null;
    const profile = getProfile(project.regime).results;
    rejectWith(
      checkWinner({
        candidateRanks: r.candidates.map((c) => c.rank),
        chosenRank: chosen?.rank ?? null,
        stateFunded: project.stateFunded,
        mode: profile.awardMode,
        deviations,
        hasEvidence: !!input.evidence,
      }),
    );
    const kept = deviations.filter((d) => d.rank < chosen!.rank);
    if (input.evidence && kept.length) await publish(input.evidence.sha256);
    return decided(tx, r, chosen!, now, { mode: "chosen", by: actor.user!.id, deviations: kept, evidence: input.evidence?.sha256 ?? null });
  });
}

async function decided(
  tx: Tx,
  r: SectionResult,
  chosen: ResultCandidate,
  now: Date,
  how: { mode: "chosen" | "deemed"; by: string | null; deviations: Deviation[]; evidence: string | null },
) {
  const { project, section } = await sectionAndProject(tx, r.sectionId);
  const profile = getProfile(project.regime).results;
  const cal = await loadCalendar(tx);
  const due = noticesDue(now, profile, cal);
  await tx
    .update(sectionResults)
    .set({
      stage: "decided",
      winnerBidId: chosen.bidId,
      winnerOrgId: chosen.orgId,
      winnerRank: chosen.rank,
      decisionMode: how.mode,
      deviations: how.deviations,
      deviationEvidenceSha256: how.evidence,
      decidedAt: now,
      decidedBy: how.by,
      noticesDueAt: due,
    })
    .where(eq(sectionResults.sectionId, r.sectionId));
  if (due) await scheduleTimer(tx, r.sectionId, "notices_overdue", due);
  await notifyOrganisations(tx, [project.tenderingUnitId, ...(project.agencyId ? [project.agencyId] : [])], {
    kind: how.mode === "deemed" ? "resultsWinnerDeemed" : "resultsWinnerDecided",
    params: { title: project.title, section: section.code, winner: chosen.name },
    link: `/manage/${project.id}/results`,
  });
  return {
    result: { rank: chosen.rank },
    subjectType: "section",
    subjectId: r.sectionId,
    payload: { winnerBidId: chosen.bidId, winnerOrgId: chosen.orgId, rank: chosen.rank, mode: how.mode, deviations: how.deviations, evidenceSha256: how.evidence, noticesDueAt: due?.toISOString() ?? null },
    events: [{ channel: channels.tender(project.id), type: "results.decided", data: { sectionId: r.sectionId } }],
  };
}

/** Job (R57/TV-D2): ZFCG — the purchaser did not decide within 5 working days: rank 1 is deemed chosen. */
async function deemWinner(ctx: Ctx, sectionId: string): Promise<boolean> {
  const done = await runOptionalCommand(ctx, systemActor(), "results.winner_deemed", async ({ tx, now }) => {
    const r = await lockResult(tx, sectionId);
    if (r.stage !== "decision" || !r.decisionDueAt || now < r.decisionDueAt) return null;
    const first = [...r.candidates].sort((a, b) => a.rank - b.rank)[0];
    if (!first) return null;
    return decided(tx, r, first, now, { mode: "deemed", by: null, deviations: [], evidence: null });
  });
  return !!done;
}

// ------------------------------------------------------------------------------------------------ notices (R54, R56)

export const CONTRACT_PLACE_MAX = 200;

/**
 * R56/EV24/EV25, R54: in one command, the award notice to the winner, a result notice to every other bidder (ZFCG:
 * its own score and rank only) and the public result announcement — each a signed PDF, delivered to the recipient's
 * inbox. The contract timer (30 days) and, for ZFCG, the notice period and the losers' bond refunds start.
 */
export async function issueNotices(ctx: Ctx, actor: Actor, sectionId: string, input: { contractPlace?: string } = {}): Promise<{ documents: number }> {
  const { project, section } = await requireManager(ctx.db, actor, sectionId);
  const contractPlace = String(input.contractPlace ?? "").trim().slice(0, CONTRACT_PLACE_MAX);
  const [r] = await ctx.db.select().from(sectionResults).where(eq(sectionResults.sectionId, sectionId));
  if (!r) throw new DomainError("NOT_FOUND");
  if (r.stage !== "decided") throw new DomainError("INVALID_STATE", { stage: r.stage });
  const profile = getProfile(project.regime);
  const cal = await loadCalendar(ctx.db);
  const issuedAt = await dbNow(ctx.db);
  const facts = await resultFacts(ctx.db, r, baseUrlOf(ctx));
  const winner = r.candidates.find((c) => c.bidId === r.winnerBidId)!;
  const periodEnd = noticePeriodEnds(issuedAt, profile.results, cal);
  const expertNames =
    project.regime === "ZFCG"
      ? (
          await ctx.db
            .select({ name: experts.name, userName: users.displayName, kind: committeeMembers.kind })
            .from(committeeMembers)
            .innerJoin(users, eq(users.id, committeeMembers.userId))
            .leftJoin(experts, eq(experts.id, committeeMembers.expertId))
            .where(and(eq(committeeMembers.sectionId, sectionId), eq(committeeMembers.status, "seated"), isNull(committeeMembers.voidedAt)))
            .orderBy(asc(committeeMembers.seat))
        ).map((m) => (m.kind === "representative" ? `${m.userName}（采购人代表）` : (m.name ?? m.userName)))
      : [];
  const docs = project.regime === "ZFCG" ? (await ctx.db.select({ filename: tenderDocuments.filename, version: tenderDocuments.version, sha256: tenderDocuments.sha256 }).from(tenderDocuments).where(eq(tenderDocuments.projectId, project.id))).map((d) => `${d.filename}（第 ${d.version} 版，SHA-256 ${d.sha256}）`) : [];
  const ranked = r.bidders.filter((b) => b.valid && b.rank !== null).length;
  const planned: { kind: "award_notice" | "result_notice" | "result_announcement"; orgId: string | null; number: string; filename: string; doc: OfficialDocument; reason: string }[] = [];
  const awardN = await nextNumber(ctx.db, sectionId, "award_notice");
  const awardNumber = noticeNumber("ZB", project.code, section.seq, awardN);
  planned.push({
    kind: "award_notice",
    orgId: winner.orgId,
    number: awardNumber,
    filename: `中标通知书-${awardNumber}.pdf`,
    doc: awardNoticeDocument(facts, { number: awardNumber, winner, issuedAt, contractDays: profile.contractDays, contractPlace }),
    reason: "中标通知书（平台签章）",
  });
  let i = await nextNumber(ctx.db, sectionId, "result_notice");
  for (const b of r.bidders.filter((x) => x.orgId !== winner.orgId)) {
    const number = noticeNumber("JG", project.code, section.seq, i++);
    planned.push({ kind: "result_notice", orgId: b.orgId, number, filename: `${project.regime === "ZFCG" ? "未中标通知书" : "中标结果通知书"}-${number}.pdf`, doc: resultNoticeDocument(facts, { number, bidder: b, winner, issuedAt, ranked }), reason: "结果通知书（平台签章）" });
  }
  const annNumber = noticeNumber("GG", project.code, section.seq, await nextNumber(ctx.db, sectionId, "result_announcement"));
  planned.push({
    kind: "result_announcement",
    orgId: null,
    number: annNumber,
    filename: `中标结果公告-${annNumber}.pdf`,
    doc: announcementDocument(facts, { number: annNumber, winner, issuedAt, experts: expertNames, noticePeriodEndsAt: periodEnd, documents: docs }),
    reason: "中标结果公告（平台签章）",
  });
  const stored: ((typeof planned)[number] & { sha256: string; size: number })[] = [];
  for (const p of planned) stored.push({ ...p, ...(await signDocument(ctx, p.doc, p.reason, issuedAt)) });

  return runCommand(ctx, actor, "results.notices_issued", async ({ tx, now }) => {
    const locked = await lockResult(tx, sectionId);
    if (locked.stage !== "decided" || locked.winnerBidId !== r.winnerBidId) throw new DomainError("INVALID_STATE", { stage: locked.stage });
    const ids: { kind: string; id: string; number: string; sha256: string; orgId: string | null }[] = [];
    for (const s of stored) {
      const [row] = await tx
        .insert(resultDocuments)
        .values({ sectionId, kind: s.kind, orgId: s.orgId, number: s.number, filename: s.filename, sha256: s.sha256, size: s.size, public: s.orgId === null, issuedAt: now, issuedBy: actor.user!.id })
        .returning({ id: resultDocuments.id });
      ids.push({ kind: s.kind, id: row!.id, number: s.number, sha256: s.sha256, orgId: s.orgId });
      if (s.orgId) {
        await notifyOrganisations(tx, [s.orgId], {
          kind: s.kind === "award_notice" ? "resultsAwardNotice" : "resultsResultNotice",
          params: { title: project.title, section: section.code, number: s.number },
          link: `/tenders/${project.id}/sections/${sectionId}/results`,
        });
      }
    }
    const timers = contractTimers(now, profile.contractDays, profile.results, cal);
    const noticePeriod = noticePeriodEnds(now, profile.results, cal);
    await tx
      .update(sectionResults)
      .set({ stage: "notified", notifiedAt: now, contractDueAt: timers.dueAt, contractWarnAt: timers.warnAt, noticePeriodEndsAt: noticePeriod })
      .where(eq(sectionResults.sectionId, sectionId));
    await tx.update(sections).set({ status: "awarded" }).where(eq(sections.id, sectionId));
    await scheduleTimer(tx, sectionId, "contract_warn", timers.warnAt);
    await scheduleTimer(tx, sectionId, "contract_overdue", timers.dueAt);
    await createBondRefunds(tx, locked, section.bondFen, { noticeAt: now, contractAt: null }, profile.results, cal);
    await publishRelease(tx, { projectId: project.id, tags: ["award"], now }, ctx.config); // open data: the award (docs/open-data.md)
    return {
      result: { documents: ids.length },
      subjectType: "section",
      subjectId: sectionId,
      payload: { documents: ids, contractDueAt: timers.dueAt.toISOString(), noticePeriodEndsAt: noticePeriod?.toISOString() ?? null, late: !!locked.noticesDueAt && now > locked.noticesDueAt },
      events: resultsEvent(project.id, "results.notified", { sectionId }),
    };
  });
}

/** R15: a refund row per bidder whose limit can be computed now (idempotent: one row per bidder and section). */
async function createBondRefunds(
  tx: Tx,
  r: SectionResult,
  bondFen: number,
  at: { noticeAt: Date; contractAt: Date | null },
  profile: ReturnType<typeof getProfile>["results"],
  cal: Awaited<ReturnType<typeof loadCalendar>>,
): Promise<void> {
  if (bondFen <= 0) return;
  for (const b of r.bidders) {
    const dueAt = bondRefundDue({ winner: b.orgId === r.winnerOrgId, ...at }, profile, cal);
    if (!dueAt) continue;
    await tx.insert(bondRefunds).values({ sectionId: r.sectionId, orgId: b.orgId, amountFen: bondFen, dueAt }).onConflictDoNothing();
  }
}

// ------------------------------------------------------------------------------------------------ contract (R56, R57)

export const CONTRACT_MAX_BYTES = 20 * 1024 * 1024;

/**
 * R56/R57: the tendering unit records the signed contract (a PDF, its amount and signing date). ZFCG contracts are
 * published (R57, within 2 working days: at once here); ZTB publishes the R58 facts (winner, amount, date) and keeps
 * the PDF for the parties and supervisors. Bond refunds due from the contract start (R15).
 */
export async function recordContract(
  ctx: Ctx,
  actor: Actor,
  sectionId: string,
  input: { pdf: { sha256: string; size: number }; filename: string; amountFen: number; signedOn: string },
  publish: PublishBlob = noPublish,
): Promise<void> {
  const { project, section } = await requireManager(ctx.db, actor, sectionId);
  const filename = [...String(input.filename ?? "contract.pdf")].map((c) => (c === "/" || c === "\\" || c.charCodeAt(0) < 32 ? "_" : c)).join("").slice(0, 120) || "contract.pdf";
  await runCommand(ctx, actor, "results.contract_recorded", async ({ tx, now }) => {
    const r = await lockResult(tx, sectionId);
    if (r.stage !== "notified") throw new DomainError("INVALID_STATE", { stage: r.stage });
    const winner = r.candidates.find((c) => c.bidId === r.winnerBidId)!;
    rejectWith(checkContract({ signedOn: input.signedOn, noticeDate: cstDate(r.notifiedAt!), today: cstDate(now), amountFen: input.amountFen, winningFen: winner.priceFen }));
    const profile = getProfile(project.regime);
    const cal = await loadCalendar(tx);
    const number = noticeNumber("HT", project.code, section.seq, 1);
    const publicPdf = !!profile.results.contractPublishWithin;
    const [doc] = await tx
      .insert(resultDocuments)
      .values({ sectionId, kind: "contract", orgId: null, number, filename, sha256: input.pdf.sha256, size: input.pdf.size, public: publicPdf, issuedAt: now, issuedBy: actor.user!.id })
      .returning({ id: resultDocuments.id });
    await publish(input.pdf.sha256);
    const publishDueAt = contractPublishDue(now, profile.results, cal);
    await tx.insert(contracts).values({ sectionId, winnerOrgId: winner.orgId, amountFen: input.amountFen, signedOn: input.signedOn, documentId: doc!.id, recordedBy: actor.user!.id, recordedAt: now, publishDueAt, publishedAt: now });
    await tx.update(sectionResults).set({ stage: "contracted", contractedAt: now }).where(eq(sectionResults.sectionId, sectionId));
    await tx.update(sections).set({ status: "contracted" }).where(eq(sections.id, sectionId));
    await createBondRefunds(tx, r, section.bondFen, { noticeAt: r.notifiedAt!, contractAt: now }, profile.results, cal);
    await publishRelease(tx, { projectId: project.id, tags: ["contract"], now }, ctx.config); // open data: the contract (docs/open-data.md)
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { number, documentId: doc!.id, sha256: input.pdf.sha256, amountFen: input.amountFen, signedOn: input.signedOn, late: !!r.contractDueAt && now > r.contractDueAt, published: publicPdf },
      events: resultsEvent(project.id, "results.contracted", { sectionId }),
    };
  });
}

export const REFUND_REFERENCE_MAX = 200;

/** R15: the tendering side records a bond refund (with the bank reference). */
export async function recordBondRefund(ctx: Ctx, actor: Actor, refundId: string, input: { reference: string }): Promise<void> {
  if (!isUuid(refundId)) throw new DomainError("NOT_FOUND");
  const [row] = await ctx.db.select().from(bondRefunds).where(eq(bondRefunds.id, refundId));
  if (!row) throw new DomainError("NOT_FOUND");
  const { project } = await requireManager(ctx.db, actor, row.sectionId);
  const reference = String(input.reference ?? "").trim().slice(0, REFUND_REFERENCE_MAX);
  if (!reference) throw new DomainError("VALIDATION", { field: "reference" });
  await runCommand(ctx, actor, "results.bond_refunded", async ({ tx, now }) => {
    const [locked] = await tx.select().from(bondRefunds).where(eq(bondRefunds.id, refundId)).for("update");
    if (!locked || locked.refundedAt) throw new DomainError("INVALID_STATE", { status: "refunded" });
    await tx.update(bondRefunds).set({ refundedAt: now, refundedBy: actor.user!.id, reference }).where(eq(bondRefunds.id, refundId));
    return {
      result: undefined,
      subjectType: "section",
      subjectId: row.sectionId,
      payload: { refundId, orgId: row.orgId, amountFen: row.amountFen, reference, late: now > row.dueAt },
      events: [{ channel: channels.tender(project.id), type: "results.bond_refunded", data: { sectionId: row.sectionId } }],
    };
  });
}

// ------------------------------------------------------------------------------------------------ timers

const LIMIT_KINDS: Record<ResultsTimer, string> = {
  publicity_publish: "",
  publicity_end: "",
  decision_deemed: "",
  objection_overdue: "resultsObjectionOverdue",
  notices_overdue: "resultsNoticesOverdue",
  contract_warn: "resultsContractWarn",
  contract_overdue: "resultsContractOverdue",
};

/** Job: one results timer. Overdue ones tell the responsible side and supervisors, and write the fact to the record. */
export async function resultsTimer(ctx: Ctx, sectionId: string, timer: ResultsTimer): Promise<void> {
  if (!isUuid(sectionId)) return;
  if (timer === "publicity_publish") return void (await publishPublicity(ctx, sectionId));
  if (timer === "publicity_end") return void (await endPublicity(ctx, sectionId));
  if (timer === "decision_deemed") return void (await deemWinner(ctx, sectionId));
  await runOptionalCommand(ctx, systemActor(), "results.limit_passed", async ({ tx, now }) => {
    const r = await lockResult(tx, sectionId);
    const { project, section } = await sectionAndProject(tx, sectionId);
    let due: Date | null = null;
    if (timer === "objection_overdue") {
      const late = await tx.select().from(resultObjections).where(and(eq(resultObjections.sectionId, sectionId), eq(resultObjections.status, "pending")));
      due = late.map((o) => o.answerDueAt).find((d) => d <= now) ?? null;
    } else if (timer === "notices_overdue" && r.stage === "decided") due = r.noticesDueAt;
    else if ((timer === "contract_warn" || timer === "contract_overdue") && r.stage === "notified") due = timer === "contract_warn" ? r.contractWarnAt : r.contractDueAt;
    if (!due || now < due) return null;
    const sup = (await supervisorOrgs(tx)).map((s) => s.id);
    const side = [project.tenderingUnitId, ...(project.agencyId ? [project.agencyId] : [])];
    await notifyOrganisations(tx, timer === "contract_warn" ? side : [...side, ...sup], {
      kind: LIMIT_KINDS[timer],
      params: { title: project.title, section: section.code, due: cstDate(new Date((timer === "contract_warn" ? r.contractDueAt! : due).getTime() - 1)) },
      link: `/manage/${project.id}/results`,
    });
    return { result: true, subjectType: "section", subjectId: sectionId, payload: { timer, dueAt: due.toISOString() }, events: [{ channel: channels.tender(project.id), type: "results.limit", data: { sectionId, timer } }] };
  });
}
