import { aliasedTable, and, asc, count, desc, eq, gte, ilike, isNotNull, lt, lte, ne, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "#db/client";
import {
  amendments,
  contracts,
  documentDownloads,
  objections,
  organisations,
  projects,
  questions,
  sectionResults,
  sections,
  tenderDocuments,
  users,
  type Project,
} from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { portalStatusOf, resultsPhaseOf, type PortalStatus, type ResultsPhase } from "#app/domain/portal";
import { hasPermission } from "#app/domain/permissions";
import type { Actor } from "../platform/actor";
import { dbNow } from "../platform/command.server";
import type { LiveHub } from "../platform/live-hub.server";
import { MicroCache } from "./portal-cache.server";
import { managesProject } from "./tenders.server";

export { PORTAL_STATUSES, portalStatusOf, type PortalStatus } from "#app/domain/portal";

export type PortalFilters = {
  q?: string;
  regime?: "ZTB" | "ZFCG";
  category?: Project["category"];
  region?: string;
  status?: PortalStatus;
  from?: string; // YYYY-MM-DD (publication date, China time)
  to?: string;
  page?: number;
};

export const PAGE_SIZE = 20;

type PortalPage = Awaited<ReturnType<typeof queryPublicTenders>>;
const portalCaches = new WeakMap<object, MicroCache<PortalPage>>();

/**
 * The public list through a 1-second micro-cache per filter, invalidated by `portal` live
 * events (docs/decisions/006). The clock-derived status (bidding → closed) may lag by at
 * most the TTL.
 */
export function listPublicTendersCached(app: { db: Executor; hub: LiveHub }, f: PortalFilters): Promise<PortalPage> {
  let cache = portalCaches.get(app.hub);
  if (!cache) {
    cache = new MicroCache<PortalPage>(1000);
    cache.invalidateOn(app.hub, "portal");
    portalCaches.set(app.hub, cache);
  }
  return cache.get(JSON.stringify(f), () => queryPublicTenders(app.db, f));
}

const tu = aliasedTable(organisations, "tu");

/**
 * The project's results phase in SQL — the same rule as `resultsPhaseOf` (app/domain/portal.ts): `publicity` while a
 * section's candidate publicity runs or is suspended (R51/R52); `contracted` when every section is done (failed,
 * terminated, contracted, archived) and one has a contract (R56/R58); `awarded` when a result is announced (notices
 * issued, R56) or a contract exists; else null.
 */
const resultsPhaseSql = sql<ResultsPhase | null>`(case
  when exists (select 1 from ${sectionResults} r where r.project_id = ${projects.id} and r.stage in ('publicity', 'suspended')) then 'publicity'
  when exists (select 1 from ${contracts} c join ${sections} s on s.id = c.section_id where s.project_id = ${projects.id})
    and not exists (select 1 from ${sections} s where s.project_id = ${projects.id} and s.status not in ('failed', 'terminated', 'contracted', 'archived')) then 'contracted'
  when exists (select 1 from ${contracts} c join ${sections} s on s.id = c.section_id where s.project_id = ${projects.id})
    or exists (select 1 from ${sectionResults} r where r.project_id = ${projects.id} and r.stage = 'notified') then 'awarded'
  else null end)`;

/** One project's results phase (for the detail page), by the pure rule. */
export async function projectResultsPhase(db: Executor, projectId: string): Promise<ResultsPhase | null> {
  const rows = await db
    .select({ status: sections.status, stage: sectionResults.stage, contract: contracts.sectionId })
    .from(sections)
    .leftJoin(sectionResults, eq(sectionResults.sectionId, sections.id))
    .leftJoin(contracts, eq(contracts.sectionId, sections.id))
    .where(eq(sections.projectId, projectId));
  return resultsPhaseOf(rows.map((r) => ({ status: r.status, stage: r.stage, contracted: r.contract !== null })));
}

/**
 * The public tender list: published tenders only, with Chinese substring search over a
 * lower-cased search column (ILIKE; the same on PGlite and PostgreSQL 15, see
 * docs/decisions/006-chinese-search.md).
 */
export function listPublicTenders(db: Executor, f: PortalFilters) {
  return queryPublicTenders(db, f);
}

async function queryPublicTenders(db: Executor, f: PortalFilters) {
  const now = await dbNow(db);
  const where: SQL[] = [ne(projects.status, "draft")];
  if (f.q?.trim()) {
    for (const term of f.q.trim().toLowerCase().split(/\s+/).slice(0, 5)) {
      where.push(ilike(projects.searchText, `%${escapeLike(term)}%`));
    }
  }
  if (f.regime) where.push(eq(projects.regime, f.regime));
  if (f.category) where.push(eq(projects.category, f.category));
  if (f.region?.trim()) where.push(ilike(projects.region, `%${escapeLike(f.region.trim())}%`));
  if (f.status === "bidding") where.push(eq(projects.status, "published"), gte(projects.bidDeadline, now));
  else if (f.status === "closed") where.push(eq(projects.status, "published"), lt(projects.bidDeadline, now), sql`${resultsPhaseSql} is null`);
  else if (f.status === "publicity" || f.status === "awarded" || f.status === "contracted")
    where.push(eq(projects.status, "published"), lt(projects.bidDeadline, now), sql`${resultsPhaseSql} = ${f.status}`);
  else if (f.status) where.push(eq(projects.status, f.status));
  if (f.from) where.push(gte(projects.publishedAt, new Date(`${f.from}T00:00:00+08:00`)));
  if (f.to) where.push(lte(projects.publishedAt, new Date(`${f.to}T23:59:59.999+08:00`)));
  const page = Math.max(1, f.page ?? 1);
  const cond = and(...where);
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: projects.id,
        code: projects.code,
        title: projects.title,
        regime: projects.regime,
        category: projects.category,
        region: projects.region,
        status: projects.status,
        bidDeadline: projects.bidDeadline,
        publishedAt: projects.publishedAt,
        estimateFen: projects.estimateFen,
        tenderingUnit: tu.name,
        phase: resultsPhaseSql,
      })
      .from(projects)
      .innerJoin(tu, eq(tu.id, projects.tenderingUnitId))
      .where(cond)
      .orderBy(desc(projects.publishedAt), desc(projects.id))
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE),
    db.select({ n: count() }).from(projects).where(cond),
  ]);
  return {
    now,
    page,
    pageSize: PAGE_SIZE,
    total: total?.n ?? 0,
    items: rows.map(({ phase, ...r }) => ({ ...r, portalStatus: portalStatusOf(r, now, phase ?? null) })),
  };
}

function escapeLike(s: string) {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The public detail page: never drafts; questions without the asker (docs/product.md §3.1). */
export async function getPublicTender(db: Executor, projectId: string) {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const now = await dbNow(db);
  const [p] = await db.select().from(projects).where(and(eq(projects.id, projectId), ne(projects.status, "draft")));
  if (!p) throw new DomainError("NOT_FOUND");
  const orgName = async (id: string | null) =>
    id ? ((await db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, id)))[0]?.name ?? null) : null;
  const row = { p, tenderingUnit: (await orgName(p.tenderingUnitId)) ?? "", agency: await orgName(p.agencyId) };
  const [secs, docs, qa, amends] = await Promise.all([
    db.select().from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq)),
    db
      .select({ id: tenderDocuments.id, version: tenderDocuments.version, filename: tenderDocuments.filename, size: tenderDocuments.size, sha256: tenderDocuments.sha256, createdAt: tenderDocuments.createdAt })
      .from(tenderDocuments)
      .where(eq(tenderDocuments.projectId, projectId))
      .orderBy(desc(tenderDocuments.version), asc(tenderDocuments.filename)),
    db
      .select({ id: questions.id, body: questions.body, answer: questions.answer, askedAt: questions.askedAt, answeredAt: questions.answeredAt })
      .from(questions)
      .where(and(eq(questions.projectId, projectId), isNotNull(questions.answer)))
      .orderBy(asc(questions.answeredAt)),
    db.select().from(amendments).where(eq(amendments.projectId, projectId)).orderBy(asc(amendments.seq)),
  ]);
  const { searchText: _s, createdBy: _c, ...project } = row.p;
  const phase = await projectResultsPhase(db, projectId);
  return {
    now,
    project: { ...project, tenderingUnit: row.tenderingUnit, agency: row.agency, portalStatus: portalStatusOf(row.p, now, phase) },
    sections: secs,
    documents: docs,
    questions: qa,
    amendments: amends.map(({ issuedBy: _i, ...a }) => a),
  };
}

/** What a signed-in bidder sees of its own involvement (its own organisation only). */
export async function bidderView(db: Executor, actor: Actor, projectId: string) {
  if (!actor.orgId || !actor.roles.includes("bidder")) return null;
  const [obtained] = await db
    .select()
    .from(documentDownloads)
    .where(and(eq(documentDownloads.projectId, projectId), eq(documentDownloads.orgId, actor.orgId)));
  const mine = await db
    .select({ id: questions.id, body: questions.body, answer: questions.answer, askedAt: questions.askedAt })
    .from(questions)
    .where(and(eq(questions.projectId, projectId), eq(questions.askedByOrgId, actor.orgId)))
    .orderBy(asc(questions.askedAt));
  const myObjections = await db
    .select({ id: objections.id, body: objections.body, status: objections.status, answer: objections.answer, filedAt: objections.filedAt, answerDueAt: objections.answerDueAt })
    .from(objections)
    .where(and(eq(objections.projectId, projectId), eq(objections.orgId, actor.orgId)))
    .orderBy(asc(objections.filedAt));
  return { obtained: obtained ? { firstAt: obtained.firstAt, lastVersion: obtained.lastVersion } : null, questions: mine, objections: myObjections };
}

export async function listManagedProjects(db: Executor, actor: Actor) {
  if (!actor.orgId || !hasPermission(actor.roles, "tender:manage")) throw new DomainError("FORBIDDEN");
  const now = await dbNow(db);
  const rows = await db
    .select({
      id: projects.id,
      code: projects.code,
      title: projects.title,
      status: projects.status,
      bidDeadline: projects.bidDeadline,
      publishedAt: projects.publishedAt,
      regime: projects.regime,
      tenderingUnit: tu.name,
    })
    .from(projects)
    .innerJoin(tu, eq(tu.id, projects.tenderingUnitId))
    .where(or(eq(projects.tenderingUnitId, actor.orgId), eq(projects.agencyId, actor.orgId)))
    .orderBy(desc(projects.createdAt));
  return rows.map((r) => ({ ...r, portalStatus: portalStatusOf(r, now) }));
}

/** The management view of one project: scoped to the tendering unit and its agency. */
export async function getManagedProject(db: Executor, actor: Actor, projectId: string) {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p || !managesProject(actor, p)) throw new DomainError("NOT_FOUND");
  return projectFullView(db, p);
}

/** Supervisors read every tender in full (read-only), drafts included. */
export async function getSupervisedProject(db: Executor, actor: Actor, projectId: string) {
  if (!hasPermission(actor.roles, "supervise:read")) throw new DomainError("FORBIDDEN");
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p) throw new DomainError("NOT_FOUND");
  const [unit] = await db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, p.tenderingUnitId));
  return { ...(await projectFullView(db, p)), tenderingUnit: unit?.name ?? "" };
}

async function projectFullView(db: Executor, p: Project) {
  const projectId = p.id;
  const now = await dbNow(db);
  const [secs, docs, qs, obs, amends] = await Promise.all([
    db.select().from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq)),
    db.select().from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId)).orderBy(desc(tenderDocuments.version), asc(tenderDocuments.filename)),
    // The asker stays anonymous even to the tender side (no channel for favouritism).
    db
      .select({ id: questions.id, body: questions.body, answer: questions.answer, askedAt: questions.askedAt, answeredAt: questions.answeredAt })
      .from(questions)
      .where(eq(questions.projectId, projectId))
      .orderBy(asc(questions.askedAt)),
    db
      .select({ id: objections.id, body: objections.body, status: objections.status, answer: objections.answer, filedAt: objections.filedAt, answerDueAt: objections.answerDueAt, org: organisations.name })
      .from(objections)
      .innerJoin(organisations, eq(organisations.id, objections.orgId))
      .where(eq(objections.projectId, projectId))
      .orderBy(asc(objections.filedAt)),
    db.select().from(amendments).where(eq(amendments.projectId, projectId)).orderBy(asc(amendments.seq)),
  ]);
  return { now, project: { ...p, portalStatus: portalStatusOf(p, now) }, sections: secs, documents: docs, questions: qs, objections: obs, amendments: amends };
}

/**
 * Who obtained the documents (R9): only the tendering unit, its agency and supervisors.
 * Anyone else gets FORBIDDEN, including other bidders.
 */
export async function listDownloads(db: Executor, actor: Actor, projectId: string) {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p) throw new DomainError("NOT_FOUND");
  const supervisor = hasPermission(actor.roles, "supervise:read");
  if (!supervisor && !managesProject(actor, p)) throw new DomainError("FORBIDDEN");
  const dl = aliasedTable(users, "dl");
  return db
    .select({
      org: organisations.name,
      creditCode: organisations.creditCode,
      user: dl.displayName,
      firstAt: documentDownloads.firstAt,
      lastAt: documentDownloads.lastAt,
      lastVersion: documentDownloads.lastVersion,
      count: documentDownloads.count,
    })
    .from(documentDownloads)
    .innerJoin(organisations, eq(organisations.id, documentDownloads.orgId))
    .innerJoin(dl, eq(dl.id, documentDownloads.userId))
    .where(eq(documentDownloads.projectId, projectId))
    .orderBy(asc(documentDownloads.firstAt));
}

/** Supervisors see every tender (read-only), drafts included. */
export async function listAllForSupervisor(db: Executor, actor: Actor) {
  if (!hasPermission(actor.roles, "supervise:read")) throw new DomainError("FORBIDDEN");
  const now = await dbNow(db);
  const rows = await db
    .select({
      id: projects.id,
      code: projects.code,
      title: projects.title,
      status: projects.status,
      bidDeadline: projects.bidDeadline,
      publishedAt: projects.publishedAt,
      tenderingUnit: tu.name,
      downloads: sql<number>`(select count(*)::int from ${documentDownloads} where ${documentDownloads.projectId} = ${projects.id})`,
      pendingObjections: sql<number>`(select count(*)::int from ${objections} where ${objections.projectId} = ${projects.id} and ${objections.status} = 'pending')`,
    })
    .from(projects)
    .innerJoin(tu, eq(tu.id, projects.tenderingUnitId))
    .orderBy(desc(projects.createdAt))
    .limit(500);
  return rows.map((r) => ({ ...r, portalStatus: portalStatusOf(r, now) }));
}

/** A document as the portal lists it, for download checks. */
export async function getDocument(db: Executor, projectId: string, documentId: string) {
  if (!isUuid(projectId) || !isUuid(documentId)) throw new DomainError("NOT_FOUND");
  const [d] = await db
    .select()
    .from(tenderDocuments)
    .where(and(eq(tenderDocuments.id, documentId), eq(tenderDocuments.projectId, projectId)));
  if (!d) throw new DomainError("NOT_FOUND");
  return d;
}

export async function listTenderingUnits(db: Executor) {
  return db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(eq(organisations.kind, "tendering_unit")).orderBy(asc(organisations.name));
}

export async function listAgencies(db: Executor) {
  return db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(eq(organisations.kind, "agency")).orderBy(asc(organisations.name));
}

export { isUuid };
