import { channels } from "#app/services/platform/live-channels.server";
import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import type { Executor, Tx } from "#db/client";
import { alerts, caseNotes, cases, organisations, projects, sections, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { cstDate } from "#app/domain/rules/days";
import { CASE_ATTACHMENTS_MAX, CASE_NOTE_MAX, CASE_NOTES_MAX, CASE_STATUSES, CASE_TITLE_MAX, caseClosed, caseCode, caseNextStatuses, checkCaseStatusChange, type CaseStatus } from "#app/domain/supervision/cases";
import { covers } from "#app/domain/supervision/jurisdiction";
import type { Actor } from "../platform/actor";
import { runCommand, type LiveEventInput } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import type { PublishBlob } from "../tendering/tenders.server";
import type { StoredUpload } from "../tendering/uploads.server";
import { regionCovered, supervisorScope, type SupervisorScope } from "./scope.server";

/**
 * 案件 (R63–R65): a supervisor opens a case on an alert (the alert moves to `in_case`) or on a tender (a project, or one
 * of its sections), works it with notes and PDF attachments (blob store, content-addressed, published by the command
 * that records them), and moves it open → investigating → resolved | referred (closing needs the outcome in writing).
 * Every change is one command: its record entry (subject `case`) and a live event on the `supervision` channel.
 *
 * Jurisdiction (阳泉's city–county supervision, jurisdiction.ts): a supervision organisation acts only on projects whose
 * region starts with its jurisdiction; it lists and reads only those cases (another one's are NOT_FOUND), and opening a
 * case on a project outside it is FORBIDDEN.
 */

type Ctx = Pick<AppContext, "db">;

const CHANNEL = channels.supervision();
export const CASES_PAGE_SIZE = 20;

const event = (type: string, data: Record<string, unknown>): LiveEventInput[] => [{ channel: CHANNEL, type, data }];

/** A project within the scope's jurisdiction, else FORBIDDEN (NOT_FOUND when there is no such project or it is a draft). */
async function projectInScope(db: Executor, scope: SupervisorScope, projectId: string) {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const [p] = await db.select({ id: projects.id, code: projects.code, title: projects.title, region: projects.region }).from(projects).where(eq(projects.id, projectId));
  if (!p) throw new DomainError("NOT_FOUND");
  if (!covers(scope.jurisdiction, p.region)) throw new DomainError("FORBIDDEN", { reason: "jurisdiction" });
  return p;
}

/** A case of the scope's jurisdiction, locked for the command; NOT_FOUND otherwise. */
async function lockCase(tx: Tx, scope: SupervisorScope, caseId: string) {
  if (!isUuid(caseId)) throw new DomainError("NOT_FOUND");
  const [c] = await tx.select().from(cases).where(eq(cases.id, caseId)).for("update");
  if (!c) throw new DomainError("NOT_FOUND");
  const [p] = await tx.select({ region: projects.region }).from(projects).where(eq(projects.id, c.projectId));
  if (!p || !covers(scope.jurisdiction, p.region)) throw new DomainError("NOT_FOUND");
  return c;
}

/** Any constant: orders the drawing of case numbers (one per year, China time). */
const CODE_LOCK = 0x7468_6361; // "thca"

/** The next 案件编号 of the year (under a transaction-scoped advisory lock, so two cases never draw the same number). */
async function nextCaseCode(tx: Tx, now: Date): Promise<string> {
  await tx.execute(sql`select pg_advisory_xact_lock(${CODE_LOCK})`);
  const year = Number(cstDate(now).slice(0, 4));
  const prefix = `AJ-${year}-`;
  const [row] = await tx
    .select({ n: sql<number | null>`max(cast(substring(${cases.code} from ${prefix.length + 1}::int) as integer))` })
    .from(cases)
    .where(sql`left(${cases.code}, ${prefix.length}::int) = ${prefix}`);
  return caseCode(year, Number(row?.n ?? 0) + 1);
}

function cleanTitle(title: unknown): string {
  const t = String(title ?? "").trim();
  if (t.length < 2 || t.length > CASE_TITLE_MAX) throw new DomainError("VALIDATION", { field: "title", max: CASE_TITLE_MAX });
  return t;
}

/**
 * Opens a case: on an alert (`alertId`: its project and section; the alert must be open and becomes `in_case`), or on
 * a project and optionally one of its sections. The opening supervisor owns it; its organisation is the case's.
 */
export async function openCase(ctx: Ctx, actor: Actor, input: { alertId?: string | null; projectId?: string | null; sectionId?: string | null; title: string }): Promise<{ id: string; code: string }> {
  const scope = await supervisorScope(ctx.db, actor);
  const title = cleanTitle(input.title);
  return runCommand(ctx, actor, "supervision.case_opened", async ({ tx, now }) => {
    let projectId: string;
    let sectionId: string | null = null;
    let alertId: string | null = null;
    if (input.alertId) {
      if (!isUuid(input.alertId)) throw new DomainError("NOT_FOUND");
      const [a] = await tx.select().from(alerts).where(eq(alerts.id, input.alertId)).for("update");
      if (!a) throw new DomainError("NOT_FOUND");
      if (a.status !== "open") throw new DomainError("INVALID_STATE", { status: a.status });
      sectionId = a.sectionId;
      const fromSection = a.sectionId ? (await tx.select({ projectId: sections.projectId }).from(sections).where(eq(sections.id, a.sectionId)))[0]?.projectId : undefined;
      const pid = a.projectId ?? fromSection;
      if (!pid) throw new DomainError("INVALID_STATE", { status: "no_project" });
      projectId = pid;
      alertId = a.id;
    } else {
      if (!input.projectId || !isUuid(input.projectId)) throw new DomainError("NOT_FOUND");
      projectId = input.projectId;
      if (input.sectionId) {
        if (!isUuid(input.sectionId)) throw new DomainError("NOT_FOUND");
        const [s] = await tx.select({ id: sections.id }).from(sections).where(and(eq(sections.id, input.sectionId), eq(sections.projectId, projectId)));
        if (!s) throw new DomainError("NOT_FOUND");
        sectionId = s.id;
      }
    }
    await projectInScope(tx, scope, projectId);
    const code = await nextCaseCode(tx, now);
    const [row] = await tx
      .insert(cases)
      .values({ code, title, projectId, sectionId, alertId, supervisorOrgId: scope.orgId, ownerUserId: actor.user!.id, status: "open", openedAt: now })
      .returning({ id: cases.id });
    const id = row!.id;
    await tx.insert(caseNotes).values({ caseId: id, authorUserId: actor.user!.id, at: now, kind: "status", body: "", status: "open" });
    if (alertId) await tx.update(alerts).set({ status: "in_case", caseId: id }).where(eq(alerts.id, alertId));
    return {
      result: { id, code },
      subjectType: "case",
      subjectId: id,
      payload: { code, title, projectId, sectionId, alertId, supervisorOrgId: scope.orgId },
      events: event("supervision.case_opened", { caseId: id, projectId, sectionId, alertId }),
    };
  });
}

/**
 * A note on an open case: text, or a PDF attachment (already staged in the blob store by the route, published here in
 * the command) with an optional description. At most CASE_NOTES_MAX notes and CASE_ATTACHMENTS_MAX attachments a case.
 */
export async function addCaseNote(
  ctx: Ctx,
  actor: Actor,
  caseId: string,
  input: { body: string; attachment?: StoredUpload | null },
  publish: PublishBlob = async () => {},
): Promise<{ id: string }> {
  const scope = await supervisorScope(ctx.db, actor);
  const body = String(input.body ?? "").trim();
  const file = input.attachment ?? null;
  if (body.length > CASE_NOTE_MAX || (!file && body.length < 1)) throw new DomainError("VALIDATION", { field: "body", max: CASE_NOTE_MAX });
  return runCommand(ctx, actor, "supervision.case_note_added", async ({ tx, now }) => {
    const c = await lockCase(tx, scope, caseId);
    if (caseClosed(c.status)) throw new DomainError("INVALID_STATE", { status: c.status });
    const [counts] = await tx
      .select({ all: count(), files: sql<number>`count(*) filter (where ${caseNotes.kind} = 'attachment')` })
      .from(caseNotes)
      .where(eq(caseNotes.caseId, c.id));
    if (Number(counts?.all ?? 0) >= CASE_NOTES_MAX) throw new DomainError("TOO_MANY_ITEMS", { max: CASE_NOTES_MAX });
    if (file && Number(counts?.files ?? 0) >= CASE_ATTACHMENTS_MAX) throw new DomainError("TOO_MANY_ITEMS", { max: CASE_ATTACHMENTS_MAX });
    if (file) await publish(file.sha256);
    const [note] = await tx
      .insert(caseNotes)
      .values({ caseId: c.id, authorUserId: actor.user!.id, at: now, kind: file ? "attachment" : "note", body, blobKey: file?.sha256 ?? null, fileName: file?.filename ?? null, size: file?.size ?? null })
      .returning({ id: caseNotes.id });
    return {
      result: { id: note!.id },
      subjectType: "case",
      subjectId: c.id,
      payload: { noteId: note!.id, kind: file ? "attachment" : "note", body, ...(file ? { sha256: file.sha256, fileName: file.filename, size: file.size } : {}) },
      events: event("supervision.case_note_added", { caseId: c.id, projectId: c.projectId }),
    };
  });
}

/** R65: moves a case along open → investigating → resolved | referred; closing records the outcome and the instant. */
export async function setCaseStatus(ctx: Ctx, actor: Actor, caseId: string, input: { status: string; outcome?: string }): Promise<void> {
  const scope = await supervisorScope(ctx.db, actor);
  const to = String(input.status ?? "") as CaseStatus;
  if (!CASE_STATUSES.includes(to)) throw new DomainError("VALIDATION", { field: "status" });
  const outcome = String(input.outcome ?? "").trim();
  await runCommand(ctx, actor, "supervision.case_status_changed", async ({ tx, now }) => {
    const c = await lockCase(tx, scope, caseId);
    const v = checkCaseStatusChange(c.status, to, outcome);
    if (v.length) throw new DomainError("RULE_VIOLATION", {}, v);
    const closing = caseClosed(to);
    await tx
      .update(cases)
      .set({ status: to, ...(closing ? { closedAt: now, outcome } : {}) })
      .where(eq(cases.id, c.id));
    await tx.insert(caseNotes).values({ caseId: c.id, authorUserId: actor.user!.id, at: now, kind: "status", body: closing ? outcome : outcome.slice(0, CASE_NOTE_MAX), status: to });
    return {
      result: undefined,
      subjectType: "case",
      subjectId: c.id,
      payload: { from: c.status, to, ...(closing ? { outcome } : {}) },
      events: event("supervision.case_status_changed", { caseId: c.id, projectId: c.projectId, status: to }),
    };
  });
}

// ------------------------------------------------------------------------------------------------ reading

export type CaseListItem = {
  id: string;
  code: string;
  title: string;
  status: CaseStatus;
  openedAt: Date;
  closedAt: Date | null;
  projectId: string;
  projectCode: string;
  projectTitle: string;
  sectionCode: string | null;
  owner: string;
  fromAlert: boolean;
};

/** The cases of the actor's jurisdiction, newest first, optionally of one status; CASES_PAGE_SIZE a page. */
export async function listCases(db: Executor, actor: Actor, opts: { status?: string | null; page?: number } = {}): Promise<{ items: CaseListItem[]; total: number; page: number; pages: number }> {
  const scope = await supervisorScope(db, actor, "supervise:read");
  const status = CASE_STATUSES.includes(opts.status as CaseStatus) ? (opts.status as CaseStatus) : null;
  const where = and(regionCovered(scope.jurisdiction), status ? eq(cases.status, status) : undefined);
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(cases).innerJoin(projects, eq(projects.id, cases.projectId)).where(where);
  const pages = Math.max(1, Math.ceil(Number(total) / CASES_PAGE_SIZE));
  const page = Math.min(Math.max(1, Math.floor(Number(opts.page) || 1)), pages);
  const rows = await db
    .select({
      id: cases.id,
      code: cases.code,
      title: cases.title,
      status: cases.status,
      openedAt: cases.openedAt,
      closedAt: cases.closedAt,
      projectId: projects.id,
      projectCode: projects.code,
      projectTitle: projects.title,
      sectionCode: sections.code,
      owner: users.displayName,
      alertId: cases.alertId,
    })
    .from(cases)
    .innerJoin(projects, eq(projects.id, cases.projectId))
    .leftJoin(sections, eq(sections.id, cases.sectionId))
    .innerJoin(users, eq(users.id, cases.ownerUserId))
    .where(where)
    .orderBy(desc(cases.openedAt), desc(cases.code))
    .limit(CASES_PAGE_SIZE)
    .offset((page - 1) * CASES_PAGE_SIZE);
  return { items: rows.map(({ alertId, ...r }) => ({ ...r, fromAlert: !!alertId })), total: Number(total), page, pages };
}

/** One case with its notes in order, for a supervisor of its jurisdiction (NOT_FOUND otherwise). */
export async function caseDetail(db: Executor, actor: Actor, caseId: string) {
  const scope = await supervisorScope(db, actor, "supervise:read");
  if (!isUuid(caseId)) throw new DomainError("NOT_FOUND");
  const [row] = await db
    .select({ c: cases, projectCode: projects.code, projectTitle: projects.title, region: projects.region, sectionCode: sections.code, sectionTitle: sections.title, owner: users.displayName, org: organisations.name })
    .from(cases)
    .innerJoin(projects, eq(projects.id, cases.projectId))
    .leftJoin(sections, eq(sections.id, cases.sectionId))
    .innerJoin(users, eq(users.id, cases.ownerUserId))
    .innerJoin(organisations, eq(organisations.id, cases.supervisorOrgId))
    .where(eq(cases.id, caseId));
  if (!row || !covers(scope.jurisdiction, row.region)) throw new DomainError("NOT_FOUND");
  const notes = await db
    .select({ id: caseNotes.id, at: caseNotes.at, kind: caseNotes.kind, body: caseNotes.body, status: caseNotes.status, fileName: caseNotes.fileName, size: caseNotes.size, author: users.displayName })
    .from(caseNotes)
    .innerJoin(users, eq(users.id, caseNotes.authorUserId))
    .where(eq(caseNotes.caseId, caseId))
    .orderBy(asc(caseNotes.at), asc(caseNotes.id))
    .limit(CASE_NOTES_MAX + 1);
  const alert = row.c.alertId ? ((await db.select({ id: alerts.id, kind: alerts.kind, rule: alerts.rule, severity: alerts.severity, detectedAt: alerts.detectedAt }).from(alerts).where(eq(alerts.id, row.c.alertId)))[0] ?? null) : null;
  const attachments = notes.filter((n) => n.kind === "attachment").length;
  return {
    case: { ...row.c, projectCode: row.projectCode, projectTitle: row.projectTitle, sectionCode: row.sectionCode, sectionTitle: row.sectionTitle, owner: row.owner, org: row.org },
    alert,
    notes,
    next: caseNextStatuses(row.c.status),
    canAct: actor.roles.includes("supervisor") && !caseClosed(row.c.status),
    canAttach: attachments < CASE_ATTACHMENTS_MAX && notes.length < CASE_NOTES_MAX,
  };
}

/** An attachment of a case the actor may read: its blob and name (NOT_FOUND otherwise). */
export async function caseAttachment(db: Executor, actor: Actor, caseId: string, noteId: string): Promise<{ sha256: string; fileName: string }> {
  const scope = await supervisorScope(db, actor, "supervise:read");
  if (!isUuid(caseId) || !isUuid(noteId)) throw new DomainError("NOT_FOUND");
  const [row] = await db
    .select({ blobKey: caseNotes.blobKey, fileName: caseNotes.fileName, region: projects.region })
    .from(caseNotes)
    .innerJoin(cases, eq(cases.id, caseNotes.caseId))
    .innerJoin(projects, eq(projects.id, cases.projectId))
    .where(and(eq(caseNotes.id, noteId), eq(caseNotes.caseId, caseId), eq(caseNotes.kind, "attachment")));
  if (!row?.blobKey || !covers(scope.jurisdiction, row.region)) throw new DomainError("NOT_FOUND");
  return { sha256: row.blobKey, fileName: row.fileName ?? "attachment.pdf" };
}

/** What the "open a case" form shows: the alert or the project it starts from, within the actor's jurisdiction. */
export async function caseOpeningContext(db: Executor, actor: Actor, from: { alertId?: string | null; projectId?: string | null }) {
  const scope = await supervisorScope(db, actor);
  let projectId = from.projectId ?? null;
  let alert: { id: string; kind: string; rule: string; severity: string; sectionId: string | null; status: string } | null = null;
  if (from.alertId) {
    if (!isUuid(from.alertId)) throw new DomainError("NOT_FOUND");
    const [a] = await db.select({ id: alerts.id, kind: alerts.kind, rule: alerts.rule, severity: alerts.severity, sectionId: alerts.sectionId, status: alerts.status, projectId: alerts.projectId }).from(alerts).where(eq(alerts.id, from.alertId));
    if (!a) throw new DomainError("NOT_FOUND");
    const fromSection = a.sectionId ? (await db.select({ projectId: sections.projectId }).from(sections).where(eq(sections.id, a.sectionId)))[0]?.projectId : null;
    projectId = a.projectId ?? fromSection ?? null;
    alert = { id: a.id, kind: a.kind, rule: a.rule, severity: a.severity, sectionId: a.sectionId, status: a.status };
  }
  if (!projectId) throw new DomainError("NOT_FOUND");
  const project = await projectInScope(db, scope, projectId);
  const sectionRows = await db.select({ id: sections.id, code: sections.code, title: sections.title }).from(sections).where(eq(sections.projectId, project.id)).orderBy(asc(sections.seq));
  const openCases = await db
    .select({ id: cases.id, code: cases.code, title: cases.title, status: cases.status })
    .from(cases)
    .where(and(eq(cases.projectId, project.id), inArray(cases.status, ["open", "investigating"])))
    .orderBy(desc(cases.openedAt))
    .limit(20);
  return { project, sections: sectionRows, alert, openCases };
}
