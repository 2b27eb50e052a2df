import { and, asc, count, desc, eq, ilike, or, sql, type SQL } from "drizzle-orm";
import type { Executor } from "#db/client";
import { draws, experts, expertSpecialties, projects, sections, specialties } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { pageCount, POOL_PAGE_SIZE } from "#app/domain/paging";
import { hasPermission } from "#app/domain/permissions";
import type { Actor } from "../platform/actor";
import { managesProject } from "../tendering/tenders.server";

/** The pool as admins manage it (pool:manage): search by name/code, status, specialty subtree. */
export async function listExperts(db: Executor, actor: Actor, f: { q?: string; status?: string; specialty?: string; page?: number }) {
  if (!hasPermission(actor.roles, "pool:manage")) throw new DomainError("FORBIDDEN");
  const where: SQL[] = [];
  if (f.q?.trim()) where.push(or(ilike(experts.name, `%${f.q.trim()}%`), ilike(experts.code, `%${f.q.trim()}%`), ilike(experts.employerName, `%${f.q.trim()}%`))!);
  if (f.status && ["active", "suspended", "retired", "blacklisted"].includes(f.status)) where.push(eq(experts.status, f.status as "active"));
  if (f.specialty) where.push(sql`exists (select 1 from ${expertSpecialties} s where s.expert_id = ${experts.id} and s.code like ${`${f.specialty}%`})`);
  const cond = where.length ? and(...where) : undefined;
  const page = Math.max(1, f.page ?? 1);
  const rows = await db
    .select({
      id: experts.id,
      code: experts.code,
      name: experts.name,
      title: experts.title,
      titleLevel: experts.titleLevel,
      yearsExperience: experts.yearsExperience,
      region: experts.region,
      employerName: experts.employerName,
      status: experts.status,
      statusReason: experts.statusReason,
      specialties: sql<string[]>`(select coalesce(array_agg(s.code order by s.code), '{}') from ${expertSpecialties} s where s.expert_id = ${experts.id})`,
    })
    .from(experts)
    .where(cond)
    .orderBy(asc(experts.code))
    .limit(POOL_PAGE_SIZE)
    .offset((page - 1) * POOL_PAGE_SIZE);
  const [total] = await db.select({ n: count() }).from(experts).where(cond);
  const n = total?.n ?? 0;
  return { rows, total: n, page, pageSize: POOL_PAGE_SIZE, pages: pageCount(n, POOL_PAGE_SIZE) };
}

export async function listSpecialties(db: Executor) {
  return db.select().from(specialties).orderBy(asc(specialties.code));
}

/** Draws of a project, for its tendering unit/agency (no names here, R36). */
export async function listProjectDraws(db: Executor, actor: Actor, projectId: string) {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p || !managesProject(actor, p)) throw new DomainError("NOT_FOUND");
  const secs = await db.select({ id: sections.id, code: sections.code, title: sections.title }).from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq));
  const list = await db
    .select({ id: draws.id, status: draws.status, sectionId: draws.sectionId, evaluationAt: draws.evaluationAt, createdAt: draws.createdAt, lines: draws.lines, regionMode: draws.regionMode })
    .from(draws)
    .where(eq(draws.projectId, projectId))
    .orderBy(desc(draws.createdAt));
  return { project: p, sections: secs, draws: list };
}

/** Draws awaiting a supervisor's salt or run, for supervisors. */
export async function listDrawsForSupervisor(db: Executor, actor: Actor) {
  if (!hasPermission(actor.roles, "draw:read-names")) throw new DomainError("FORBIDDEN");
  return db
    .select({ id: draws.id, status: draws.status, evaluationAt: draws.evaluationAt, createdAt: draws.createdAt, title: projects.title, code: projects.code })
    .from(draws)
    .innerJoin(projects, eq(projects.id, draws.projectId))
    .orderBy(desc(draws.createdAt))
    .limit(200);
}
