import { channels } from "#app/services/platform/live-channels.server";
import { and, count, desc, eq, inArray } from "drizzle-orm";
import type { Executor, Tx } from "#db/client";
import { complaints, objections, organisations, projects, resultObjections, sections, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import {
  checkComplaintFiling,
  checkDecision,
  checkRefusal,
  COMPLAINT_BODY_MAX,
  COMPLAINT_DECISION_MAX,
  COMPLAINT_REASON_MAX,
  complaintAcceptDue,
  complaintDecisionDue,
  complaintFilingDue,
  complaintTransition,
  OBJECTION_KINDS,
  type ComplaintAction,
  type ComplaintStatus,
  type ObjectionForComplaint,
  type ObjectionKind,
} from "#app/domain/supervision/complaints";
import { covers, supervisingOrg } from "#app/domain/supervision/jurisdiction";
import type { Actor } from "../platform/actor";
import { systemActor } from "../platform/actor";
import { requirePermission, runCommand, runOptionalCommand, type LiveEventInput } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { scheduleJob } from "../platform/jobs.server";
import { loadCalendar } from "../tendering/calendar.server";
import { regionCovered, supervisorScope, type SupervisorScope } from "./scope.server";

/**
 * 投诉 (R53): a bidder complains to the supervising department after an objection of its own (R11/R12 to the
 * documents, R52 to the result) was answered or its answer is overdue; the department accepts (optionally suspending
 * the section meanwhile) or refuses it with a reason within 3 working days, and decides an accepted one within 30
 * working days. Every change is one command (record entry on the complaint, live event on the `supervision` channel);
 * two timer jobs (at accept_due_at and decision_due_at) write `supervision.complaint_overdue` when a limit passed
 * with the complaint still waiting. The limits count on the holiday calendar the results use (R2, loadCalendar).
 *
 * The complaint goes to the supervising department of the project's region (the most specific jurisdiction,
 * jurisdiction.ts); any supervision organisation whose jurisdiction covers the region may handle it.
 */

type Ctx = Pick<AppContext, "db">;

const CHANNEL = channels.supervision();
export const COMPLAINT_TIMER_JOB = "supervision.complaint_timer";
export type ComplaintTimer = "accept" | "decision";
export const COMPLAINTS_PAGE_SIZE = 20;

const event = (type: string, data: Record<string, unknown>): LiveEventInput[] => [{ channel: CHANNEL, type, data }];

async function scheduleTimer(tx: Tx, complaintId: string, timer: ComplaintTimer, dueAt: Date): Promise<void> {
  await scheduleJob(tx, { kind: COMPLAINT_TIMER_JOB, dueAt, payload: { complaintId, timer }, dedupeKey: `complaint:${timer}:${complaintId}` });
}

/** The objection a complaint would follow, as the pure rule wants it; null when there is no such row. */
async function objectionFor(db: Executor, kind: ObjectionKind, objectionId: string): Promise<(ObjectionForComplaint & { body: string; answer: string | null; status: string; filedAt: Date }) | null> {
  if (!isUuid(objectionId)) return null;
  if (kind === "documents") {
    const [o] = await db.select().from(objections).where(eq(objections.id, objectionId));
    return o ? { kind, orgId: o.orgId, projectId: o.projectId, sectionId: null, answerDueAt: o.answerDueAt, answeredAt: o.answeredAt, body: o.body, answer: o.answer, status: o.status, filedAt: o.filedAt } : null;
  }
  const [o] = await db.select({ o: resultObjections, projectId: sections.projectId }).from(resultObjections).innerJoin(sections, eq(sections.id, resultObjections.sectionId)).where(eq(resultObjections.id, objectionId));
  return o
    ? { kind, orgId: o.o.orgId, projectId: o.projectId, sectionId: o.o.sectionId, answerDueAt: o.o.answerDueAt, answeredAt: o.o.answeredAt, body: o.o.body, answer: o.o.answer, status: o.o.status, filedAt: o.o.filedAt }
    : null;
}

function objectionKind(kind: unknown): ObjectionKind {
  if (!OBJECTION_KINDS.includes(kind as ObjectionKind)) throw new DomainError("VALIDATION", { field: "kind" });
  return kind as ObjectionKind;
}

/**
 * R53: a bidder files a complaint after its objection. The project and section are the objection's; a bidder with no
 * objection of its own there (or one still within its answer period) is refused by the rule, and nothing is written.
 */
export async function fileComplaint(ctx: Ctx, actor: Actor, input: { objectionKind: string; objectionId: string; body: string }): Promise<{ id: string; acceptDueAt: Date }> {
  requirePermission(actor, "complaint:file");
  const kind = objectionKind(input.objectionKind);
  const body = String(input.body ?? "").slice(0, COMPLAINT_BODY_MAX + 1);
  return runCommand(ctx, actor, "supervision.complaint_filed", async ({ tx, now }) => {
    const o = await objectionFor(tx, kind, String(input.objectionId ?? ""));
    const [existing] =
      o && actor.orgId
        ? await tx
            .select({ id: complaints.id })
            .from(complaints)
            .where(and(eq(complaints.objectionKind, kind), eq(complaints.objectionId, String(input.objectionId)), eq(complaints.complainantOrgId, actor.orgId)))
        : [];
    const [project] = o ? await tx.select({ region: projects.region, regime: projects.regime }).from(projects).where(eq(projects.id, o.projectId)) : [];
    const cal = await loadCalendar(tx);
    const filingDueAt = o && project ? complaintFilingDue(o, project.regime, cal) : now;
    const v = checkComplaintFiling({ objection: o, complainantOrgId: actor.orgId, projectId: o?.projectId ?? "", sectionId: o?.sectionId ?? null, now, body, alreadyFiled: !!existing, filingDueAt });
    if (v.length) throw new DomainError("RULE_VIOLATION", {}, v);
    const supervisors = await tx
      .select({ id: organisations.id, name: organisations.name, jurisdiction: organisations.jurisdiction, region: organisations.region })
      .from(organisations)
      .where(eq(organisations.kind, "supervisor"));
    const supervisorOrgId = supervisingOrg(supervisors, project?.region ?? "")?.id ?? null;
    const acceptDueAt = complaintAcceptDue(now, cal);
    const [row] = await tx
      .insert(complaints)
      .values({
        projectId: o!.projectId,
        sectionId: o!.sectionId,
        objectionKind: kind,
        objectionId: String(input.objectionId),
        complainantOrgId: actor.orgId!,
        filedBy: actor.user!.id,
        supervisorOrgId,
        body: body.trim(),
        status: "filed",
        filedAt: now,
        acceptDueAt,
      })
      .returning({ id: complaints.id });
    await scheduleTimer(tx, row!.id, "accept", acceptDueAt);
    return {
      result: { id: row!.id, acceptDueAt },
      subjectType: "complaint",
      subjectId: row!.id,
      payload: { projectId: o!.projectId, sectionId: o!.sectionId, objectionKind: kind, objectionId: input.objectionId, orgId: actor.orgId, supervisorOrgId, body: body.trim(), acceptDueAt: acceptDueAt.toISOString() },
      events: event("supervision.complaint_filed", { complaintId: row!.id, projectId: o!.projectId, sectionId: o!.sectionId }),
    };
  });
}

/** The complaint locked for a department's command: within the scope's jurisdiction, else NOT_FOUND. */
async function lockForSupervisor(tx: Tx, scope: SupervisorScope, complaintId: string) {
  if (!isUuid(complaintId)) throw new DomainError("NOT_FOUND");
  const [c] = await tx.select().from(complaints).where(eq(complaints.id, complaintId)).for("update");
  if (!c) throw new DomainError("NOT_FOUND");
  const [p] = await tx.select({ region: projects.region }).from(projects).where(eq(projects.id, c.projectId));
  if (!p || !covers(scope.jurisdiction, p.region)) throw new DomainError("NOT_FOUND");
  return c;
}

function transition(from: ComplaintStatus, action: ComplaintAction): ComplaintStatus {
  const to = complaintTransition(from, action);
  if (!to) throw new DomainError("INVALID_STATE", { status: from });
  return to;
}

/** R53: the department accepts the complaint (decision due in 30 working days); `suspend` suspends the section meanwhile. */
export async function acceptComplaint(ctx: Ctx, actor: Actor, complaintId: string, input: { suspend?: boolean } = {}): Promise<{ decisionDueAt: Date }> {
  const scope = await supervisorScope(ctx.db, actor);
  const suspend = input.suspend === true;
  return runCommand(ctx, actor, "supervision.complaint_accepted", async ({ tx, now }) => {
    const c = await lockForSupervisor(tx, scope, complaintId);
    const to = transition(c.status, "accept");
    const decisionDueAt = complaintDecisionDue(now, await loadCalendar(tx));
    await tx.update(complaints).set({ status: to, acceptedAt: now, decisionDueAt, suspended: suspend, handledBy: actor.user!.id }).where(eq(complaints.id, c.id));
    await scheduleTimer(tx, c.id, "decision", decisionDueAt);
    return {
      result: { decisionDueAt },
      subjectType: "complaint",
      subjectId: c.id,
      payload: { projectId: c.projectId, sectionId: c.sectionId, suspended: suspend, decisionDueAt: decisionDueAt.toISOString(), late: now > c.acceptDueAt },
      events: event("supervision.complaint_accepted", { complaintId: c.id, projectId: c.projectId, sectionId: c.sectionId, suspended: suspend }),
    };
  });
}

/** R53: the department refuses to accept the complaint, with its reason. */
export async function refuseComplaint(ctx: Ctx, actor: Actor, complaintId: string, input: { reason: string }): Promise<void> {
  const scope = await supervisorScope(ctx.db, actor);
  const reason = String(input.reason ?? "").slice(0, COMPLAINT_REASON_MAX + 1);
  const v = checkRefusal(reason);
  if (v.length) throw new DomainError("RULE_VIOLATION", {}, v);
  await runCommand(ctx, actor, "supervision.complaint_refused", async ({ tx, now }) => {
    const c = await lockForSupervisor(tx, scope, complaintId);
    const to = transition(c.status, "refuse");
    await tx.update(complaints).set({ status: to, refusedAt: now, refusalReason: reason.trim(), handledBy: actor.user!.id }).where(eq(complaints.id, c.id));
    return {
      result: undefined,
      subjectType: "complaint",
      subjectId: c.id,
      payload: { projectId: c.projectId, sectionId: c.sectionId, reason: reason.trim(), late: now > c.acceptDueAt },
      events: event("supervision.complaint_refused", { complaintId: c.id, projectId: c.projectId, sectionId: c.sectionId }),
    };
  });
}

/** R53: the department decides an accepted complaint (outcome and written decision); a suspension is lifted. */
export async function decideComplaint(ctx: Ctx, actor: Actor, complaintId: string, input: { outcome: string; decision: string }): Promise<void> {
  const scope = await supervisorScope(ctx.db, actor);
  const outcome = String(input.outcome ?? "");
  const decision = String(input.decision ?? "").slice(0, COMPLAINT_DECISION_MAX + 1);
  const v = checkDecision({ outcome, decision });
  if (v.length) throw new DomainError("RULE_VIOLATION", {}, v);
  await runCommand(ctx, actor, "supervision.complaint_decided", async ({ tx, now }) => {
    const c = await lockForSupervisor(tx, scope, complaintId);
    const to = transition(c.status, "decide");
    await tx.update(complaints).set({ status: to, decidedAt: now, outcome, decision: decision.trim(), suspended: false, handledBy: actor.user!.id }).where(eq(complaints.id, c.id));
    return {
      result: undefined,
      subjectType: "complaint",
      subjectId: c.id,
      payload: { projectId: c.projectId, sectionId: c.sectionId, outcome, decision: decision.trim(), suspensionLifted: c.suspended, late: !!c.decisionDueAt && now > c.decisionDueAt },
      events: event("supervision.complaint_decided", { complaintId: c.id, projectId: c.projectId, sectionId: c.sectionId, outcome }),
    };
  });
}

/** R53: the complainant withdraws its complaint before the decision; a suspension is lifted. */
export async function withdrawComplaint(ctx: Ctx, actor: Actor, complaintId: string): Promise<void> {
  requirePermission(actor, "complaint:file");
  if (!isUuid(complaintId)) throw new DomainError("NOT_FOUND");
  await runCommand(ctx, actor, "supervision.complaint_withdrawn", async ({ tx }) => {
    const [c] = await tx.select().from(complaints).where(eq(complaints.id, complaintId)).for("update");
    if (!c || c.complainantOrgId !== actor.orgId) throw new DomainError("NOT_FOUND");
    const to = transition(c.status, "withdraw");
    await tx.update(complaints).set({ status: to, suspended: false }).where(eq(complaints.id, c.id));
    return {
      result: undefined,
      subjectType: "complaint",
      subjectId: c.id,
      payload: { projectId: c.projectId, sectionId: c.sectionId, from: c.status, suspensionLifted: c.suspended },
      events: event("supervision.complaint_withdrawn", { complaintId: c.id, projectId: c.projectId, sectionId: c.sectionId }),
    };
  });
}

/**
 * Job: a complaint limit fell due. When the complaint is still waiting for that step (filed at accept_due_at,
 * accepted at decision_due_at) the fact is written to the record (`supervision.complaint_overdue`); otherwise nothing.
 */
export async function complaintTimer(ctx: Ctx, complaintId: string, timer: ComplaintTimer): Promise<void> {
  if (!isUuid(complaintId) || (timer !== "accept" && timer !== "decision")) return;
  await runOptionalCommand(ctx, systemActor(), "supervision.complaint_overdue", async ({ tx, now }) => {
    const [c] = await tx.select().from(complaints).where(eq(complaints.id, complaintId)).for("update");
    if (!c) return null;
    const due = timer === "accept" ? (c.status === "filed" ? c.acceptDueAt : null) : c.status === "accepted" ? c.decisionDueAt : null;
    if (!due || now < due) return null;
    return {
      result: true,
      subjectType: "complaint",
      subjectId: c.id,
      payload: { projectId: c.projectId, sectionId: c.sectionId, timer, dueAt: due.toISOString(), supervisorOrgId: c.supervisorOrgId },
      events: event("supervision.complaint_overdue", { complaintId: c.id, projectId: c.projectId, sectionId: c.sectionId, timer }),
    };
  });
}

// ------------------------------------------------------------------------------------------------ reading

const COMPLAINT_STATUSES: readonly ComplaintStatus[] = ["filed", "accepted", "refused", "decided", "withdrawn"];

const listColumns = {
  id: complaints.id,
  status: complaints.status,
  filedAt: complaints.filedAt,
  acceptDueAt: complaints.acceptDueAt,
  decisionDueAt: complaints.decisionDueAt,
  suspended: complaints.suspended,
  outcome: complaints.outcome,
  objectionKind: complaints.objectionKind,
  projectId: projects.id,
  projectCode: projects.code,
  projectTitle: projects.title,
  sectionCode: sections.code,
  complainant: organisations.name,
};

/** The complaints of the actor's jurisdiction (supervisors), newest first, optionally of one status. */
export async function listComplaints(db: Executor, actor: Actor, opts: { status?: string | null; page?: number } = {}) {
  const scope = await supervisorScope(db, actor, "supervise:read");
  const status = COMPLAINT_STATUSES.includes(opts.status as ComplaintStatus) ? (opts.status as ComplaintStatus) : null;
  const where = and(regionCovered(scope.jurisdiction), status ? eq(complaints.status, status) : undefined);
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(complaints).innerJoin(projects, eq(projects.id, complaints.projectId)).where(where);
  const pages = Math.max(1, Math.ceil(Number(total) / COMPLAINTS_PAGE_SIZE));
  const page = Math.min(Math.max(1, Math.floor(Number(opts.page) || 1)), pages);
  const items = await db
    .select(listColumns)
    .from(complaints)
    .innerJoin(projects, eq(projects.id, complaints.projectId))
    .leftJoin(sections, eq(sections.id, complaints.sectionId))
    .innerJoin(organisations, eq(organisations.id, complaints.complainantOrgId))
    .where(where)
    .orderBy(desc(complaints.filedAt), desc(complaints.id))
    .limit(COMPLAINTS_PAGE_SIZE)
    .offset((page - 1) * COMPLAINTS_PAGE_SIZE);
  return { items, total: Number(total), page, pages };
}

/** One complaint with the objection it follows (supervisors of its jurisdiction; NOT_FOUND otherwise). */
export async function complaintDetail(db: Executor, actor: Actor, complaintId: string) {
  const scope = await supervisorScope(db, actor, "supervise:read");
  return readComplaint(db, complaintId, (c) => covers(scope.jurisdiction, c.region), actor.roles.includes("supervisor"));
}

async function readComplaint(db: Executor, complaintId: string, may: (c: { region: string; complainantOrgId: string }) => boolean, supervisorView: boolean) {
  if (!isUuid(complaintId)) throw new DomainError("NOT_FOUND");
  const [row] = await db
    .select({ c: complaints, projectCode: projects.code, projectTitle: projects.title, region: projects.region, sectionCode: sections.code, sectionTitle: sections.title, complainant: organisations.name, filedByName: users.displayName })
    .from(complaints)
    .innerJoin(projects, eq(projects.id, complaints.projectId))
    .leftJoin(sections, eq(sections.id, complaints.sectionId))
    .innerJoin(organisations, eq(organisations.id, complaints.complainantOrgId))
    .innerJoin(users, eq(users.id, complaints.filedBy))
    .where(eq(complaints.id, complaintId));
  if (!row || !may({ region: row.region, complainantOrgId: row.c.complainantOrgId })) throw new DomainError("NOT_FOUND");
  const objection = await objectionFor(db, row.c.objectionKind as ObjectionKind, row.c.objectionId);
  const supervisor = row.c.supervisorOrgId ? ((await db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, row.c.supervisorOrgId)))[0]?.name ?? null) : null;
  return {
    complaint: { ...row.c, projectCode: row.projectCode, projectTitle: row.projectTitle, sectionCode: row.sectionCode, sectionTitle: row.sectionTitle, complainant: row.complainant, filedByName: row.filedByName, supervisor },
    objection: objection ? { body: objection.body, answer: objection.answer, status: objection.status, filedAt: objection.filedAt, answerDueAt: objection.answerDueAt, answeredAt: objection.answeredAt } : null,
    actions: {
      accept: supervisorView && !!complaintTransition(row.c.status, "accept"),
      refuse: supervisorView && !!complaintTransition(row.c.status, "refuse"),
      decide: supervisorView && !!complaintTransition(row.c.status, "decide"),
      withdraw: !supervisorView && !!complaintTransition(row.c.status, "withdraw"),
    },
  };
}

/** The bidder's own complaints (its organisation's), newest first, at most 100. */
export async function myComplaints(db: Executor, actor: Actor) {
  requirePermission(actor, "complaint:file");
  if (!actor.orgId) return [];
  const rows = await db
    .select({ ...listColumns, decision: complaints.decision, refusalReason: complaints.refusalReason, acceptedAt: complaints.acceptedAt, refusedAt: complaints.refusedAt, decidedAt: complaints.decidedAt })
    .from(complaints)
    .innerJoin(projects, eq(projects.id, complaints.projectId))
    .leftJoin(sections, eq(sections.id, complaints.sectionId))
    .innerJoin(organisations, eq(organisations.id, complaints.complainantOrgId))
    .where(eq(complaints.complainantOrgId, actor.orgId))
    .orderBy(desc(complaints.filedAt))
    .limit(100);
  return rows.map((r) => ({ ...r, canWithdraw: !!complaintTransition(r.status, "withdraw") }));
}

/**
 * What the complaint form shows for one of the bidder's objections: the objection, whether a complaint may be filed
 * now (R53: answered or overdue) and any complaint already filed on it. NOT_FOUND for another organisation's objection.
 */
export async function complaintFormFor(db: Executor, actor: Actor, kindInput: string, objectionId: string, now: Date) {
  requirePermission(actor, "complaint:file");
  const kind = objectionKind(kindInput);
  const o = await objectionFor(db, kind, objectionId);
  if (!o || o.orgId !== actor.orgId) throw new DomainError("NOT_FOUND");
  const [project] = await db.select({ id: projects.id, code: projects.code, title: projects.title, regime: projects.regime }).from(projects).where(eq(projects.id, o.projectId));
  const section = o.sectionId ? ((await db.select({ code: sections.code, title: sections.title }).from(sections).where(eq(sections.id, o.sectionId)))[0] ?? null) : null;
  const [existing] = await db
    .select({ id: complaints.id, status: complaints.status })
    .from(complaints)
    .where(and(eq(complaints.objectionKind, kind), eq(complaints.objectionId, objectionId), eq(complaints.complainantOrgId, actor.orgId!)));
  const filingDueAt = complaintFilingDue(o, project?.regime ?? "ZTB", await loadCalendar(db));
  const v = checkComplaintFiling({ objection: o, complainantOrgId: actor.orgId, projectId: o.projectId, sectionId: o.sectionId, now, body: "x".repeat(10), alreadyFiled: !!existing, filingDueAt });
  return {
    kind,
    objectionId,
    project: project!,
    section,
    objection: { body: o.body, answer: o.answer, status: o.status, filedAt: o.filedAt, answerDueAt: o.answerDueAt, answeredAt: o.answeredAt },
    existing: existing ?? null,
    violations: v,
  };
}

/** The counts of a jurisdiction's complaints still running (for the list's header). */
export async function openComplaintCounts(db: Executor, actor: Actor): Promise<{ filed: number; accepted: number }> {
  const scope = await supervisorScope(db, actor, "supervise:read");
  const rows = await db
    .select({ status: complaints.status, n: count() })
    .from(complaints)
    .innerJoin(projects, eq(projects.id, complaints.projectId))
    .where(and(regionCovered(scope.jurisdiction), inArray(complaints.status, ["filed", "accepted"])))
    .groupBy(complaints.status);
  const of = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { filed: of("filed"), accepted: of("accepted") };
}
