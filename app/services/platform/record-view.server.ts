import { and, desc, eq, gte, ilike, inArray, like, lt, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "#db/client";
import { alerts, bids, cases, complaints, draws, organisations, projects, recordEntries, recordHead, sections, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { hasPermission } from "#app/domain/permissions";
import { actorVisible, SUPERVISOR_ONLY_ACTIONS, TENDER_SIDE_ACTIONS } from "#app/domain/record-visibility";
import { chinaDay, type RecordSearch } from "#app/domain/record-search";
import type { Actor } from "./actor";
import { dbNow } from "./command.server";

export const RECORD_PAGE_SIZE = 50;

/** A LIKE pattern matching `q` anywhere, with LIKE's wildcards in `q` taken literally. */
const containing = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The project a record entry is about, as text: the subject itself (project), or the project of the subject section,
 * bid, draw, supervision case, complaint or alert. Each branch casts the subject id only for its own subject type (whose ids are UUIDs).
 */
const subjectProjectId = sql<string | null>`(case ${recordEntries.subjectType}
  when 'project' then ${recordEntries.subjectId}
  when 'section' then (select s.project_id::text from ${sections} s where s.id = ${recordEntries.subjectId}::uuid)
  when 'bid' then (select s.project_id::text from ${bids} b join ${sections} s on s.id = b.section_id where b.id = ${recordEntries.subjectId}::uuid)
  when 'draw' then (select d.project_id::text from ${draws} d where d.id = ${recordEntries.subjectId}::uuid)
  when 'case' then (select c.project_id::text from ${cases} c where c.id = ${recordEntries.subjectId}::uuid)
  when 'complaint' then (select c.project_id::text from ${complaints} c where c.id = ${recordEntries.subjectId}::uuid)
  when 'alert' then (select a.project_id::text from ${alerts} a where a.id = ${recordEntries.subjectId}::uuid)
end)`;

/**
 * The unified record (交易档案) as its readers (record:read) see it: newest first, with the actor's and organisation's
 * names and the project each entry is about. Search by subject id, by project (code or title; entries about the
 * project, its sections, bids and draws), by day (China time), by action (code or group) and by actor (username,
 * name or organisation). Pages go backwards by sequence number (`beforeSeq`), so a page never shifts while new
 * entries arrive. Payloads are not returned — the viewer shows the hashes that bind them.
 *
 * Confidentiality (app/domain/record-visibility.ts): every entry is listed, but who obtained the documents (R9),
 * who objected, who asked a question, and — until the deadline — who sealed a bid are shown only to those allowed;
 * for everyone else the entry has no actor, organisation or IP, and a search by actor does not find it.
 */
export async function listRecordWithNames(
  db: Executor,
  actor: Actor,
  opts: { subjectId?: string; beforeSeq?: number; limit?: number } & Pick<RecordSearch, "project" | "date" | "action"> & { who?: string } = {},
) {
  if (!hasPermission(actor.roles, "record:read")) throw new DomainError("FORBIDDEN", { permission: "record:read" });
  const limit = Math.min(Math.max(opts.limit ?? RECORD_PAGE_SIZE, 1), 200);
  const supervisor = hasPermission(actor.roles, "supervise:read");
  const now = await dbNow(db);
  const conds: SQL[] = [];
  if (opts.subjectId) conds.push(eq(recordEntries.subjectId, opts.subjectId));
  if (opts.beforeSeq) conds.push(lt(recordEntries.seq, opts.beforeSeq));
  if (opts.date) {
    const day = chinaDay(opts.date);
    conds.push(gte(recordEntries.at, day.from), lt(recordEntries.at, day.to));
  }
  if (opts.action) {
    const a = opts.action;
    conds.push(a.includes(".") && !a.endsWith(".") ? eq(recordEntries.action, a) : like(recordEntries.action, `${a.endsWith(".") ? a : `${a}.`}%`));
  }
  if (opts.project) {
    const subjects = await projectSubjects(db, opts.project);
    if (!subjects.length) return { entries: [], olderBefore: null, head: await headOf(db) };
    conds.push(inArray(recordEntries.subjectId, subjects));
  }
  if (opts.who) {
    const q = containing(opts.who);
    conds.push(or(ilike(users.username, q), ilike(users.displayName, q), ilike(organisations.name, q))!);
    // Only entries whose actor this reader may see: a search must not reveal a withheld name.
    conds.push(sql`not (${hiddenActor(supervisor, actor.orgId ?? null)})`);
  }
  const rows = await db
    .select({
      seq: recordEntries.seq,
      at: recordEntries.at,
      action: recordEntries.action,
      subjectType: recordEntries.subjectType,
      subjectId: recordEntries.subjectId,
      ip: recordEntries.ip,
      hash: recordEntries.hash,
      prevHash: recordEntries.prevHash,
      payloadHash: recordEntries.payloadHash,
      actorUserId: recordEntries.actorUserId,
      actorName: users.displayName,
      actorUsername: users.username,
      orgName: organisations.name,
    })
    .from(recordEntries)
    .leftJoin(users, eq(users.id, recordEntries.actorUserId))
    .leftJoin(organisations, eq(organisations.id, recordEntries.orgId))
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(recordEntries.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const projectOf = await projectsOf(db, page);
  const entries = page.map((r) => {
    const p = projectOf.get(`${r.subjectType}:${r.subjectId}`) ?? null;
    const sealed = r.subjectType === "bid" && !!p && now < p.bidDeadline;
    const managesProject = !!p && !!actor.orgId && (p.tenderingUnitId === actor.orgId || p.agencyId === actor.orgId);
    const visible = actorVisible(r.action, { supervisor, managesProject }, sealed);
    const project = p ? { id: p.id, code: p.code } : null;
    if (visible) return { ...r, project, sealed: false, confidential: false };
    return { ...r, project, actorUserId: null, actorName: null, actorUsername: null, orgName: null, ip: null, sealed, confidential: !sealed };
  });
  return {
    entries,
    /** Where the next (older) page starts, or null on the last page. */
    olderBefore: rows.length > limit ? rows[limit - 1]!.seq : null,
    head: await headOf(db),
  };
}

async function headOf(db: Executor) {
  const [head] = await db.select({ seq: recordHead.seq, hash: recordHead.hash }).from(recordHead).where(eq(recordHead.id, 1));
  return head ?? { seq: 0, hash: "" };
}

/** SQL: the entry's actor is withheld from this reader (the same rule as actorVisible, for the WHERE clause). */
function hiddenActor(supervisor: boolean, orgId: string | null): SQL {
  const sealedBid = sql`(${recordEntries.subjectType} = 'bid' and exists (select 1 from ${bids} b join ${sections} s on s.id = b.section_id join ${projects} p on p.id = s.project_id where b.id = ${recordEntries.subjectId}::uuid and now() < p.bid_deadline))`;
  if (supervisor) return sealedBid;
  const supervisorsOnly = SUPERVISOR_ONLY_ACTIONS.length ? sql`${recordEntries.action} in (${sql.join(SUPERVISOR_ONLY_ACTIONS.map((a) => sql`${a}`), sql`, `)})` : sql`false`;
  const managed = orgId ? sql`exists (select 1 from ${projects} p where p.id::text = ${subjectProjectId} and (p.tendering_unit_id = ${orgId}::uuid or p.agency_id = ${orgId}::uuid))` : sql`false`;
  const tenderSide = TENDER_SIDE_ACTIONS.length ? sql`(${recordEntries.action} in (${sql.join(TENDER_SIDE_ACTIONS.map((a) => sql`${a}`), sql`, `)}) and not ${managed})` : sql`false`;
  return sql`(${sealedBid} or ${supervisorsOnly} or ${tenderSide})`;
}

/** Subject ids of everything about the projects whose code or title contains `q`: projects, sections, bids, draws. */
async function projectSubjects(db: Executor, q: string): Promise<string[]> {
  const pattern = containing(q);
  const ps = await db.select({ id: projects.id }).from(projects).where(or(ilike(projects.code, pattern), ilike(projects.title, pattern))).limit(100);
  if (!ps.length) return [];
  const projectIds = ps.map((p) => p.id);
  const secs = await db.select({ id: sections.id }).from(sections).where(inArray(sections.projectId, projectIds));
  const sectionIds = secs.map((s) => s.id);
  const bidRows = sectionIds.length ? await db.select({ id: bids.id }).from(bids).where(inArray(bids.sectionId, sectionIds)) : [];
  const drawRows = await db.select({ id: draws.id }).from(draws).where(inArray(draws.projectId, projectIds));
  return [...projectIds, ...sectionIds, ...bidRows.map((b) => b.id), ...drawRows.map((d) => d.id)];
}

type ProjectOfEntry = { id: string; code: string; tenderingUnitId: string; agencyId: string | null; bidDeadline: Date };

/** The project of each entry of a page (key `subjectType:subjectId`), for its code and the confidentiality rule. */
async function projectsOf(db: Executor, rows: { subjectType: string; subjectId: string }[]): Promise<Map<string, ProjectOfEntry>> {
  const ids = (type: string) => [...new Set(rows.filter((r) => r.subjectType === type && isUuid(r.subjectId)).map((r) => r.subjectId))];
  const projectIdOf = new Map<string, string>();
  for (const id of ids("project")) projectIdOf.set(`project:${id}`, id);
  const sectionIds = ids("section");
  if (sectionIds.length) for (const s of await db.select({ id: sections.id, projectId: sections.projectId }).from(sections).where(inArray(sections.id, sectionIds))) projectIdOf.set(`section:${s.id}`, s.projectId);
  const bidIds = ids("bid");
  if (bidIds.length)
    for (const b of await db.select({ id: bids.id, projectId: sections.projectId }).from(bids).innerJoin(sections, eq(sections.id, bids.sectionId)).where(inArray(bids.id, bidIds))) projectIdOf.set(`bid:${b.id}`, b.projectId);
  const drawIds = ids("draw");
  if (drawIds.length) for (const d of await db.select({ id: draws.id, projectId: draws.projectId }).from(draws).where(inArray(draws.id, drawIds))) projectIdOf.set(`draw:${d.id}`, d.projectId);
  const projectIds = [...new Set(projectIdOf.values())];
  const list = projectIds.length
    ? await db
        .select({ id: projects.id, code: projects.code, tenderingUnitId: projects.tenderingUnitId, agencyId: projects.agencyId, bidDeadline: projects.bidDeadline })
        .from(projects)
        .where(inArray(projects.id, projectIds))
    : [];
  const byId = new Map(list.map((p) => [p.id, p]));
  const out = new Map<string, ProjectOfEntry>();
  for (const [key, pid] of projectIdOf) {
    const p = byId.get(pid);
    if (p) out.set(key, p);
  }
  return out;
}
