import { and, asc, desc, eq } from "drizzle-orm";
import type { Executor } from "#db/client";
import { drawPicks, draws, expertEmployment, expertRelationships, experts, expertSpecialties, expertUnavailability, projects, specialties } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { hasPermission } from "#app/domain/permissions";
import type { Actor } from "../platform/actor";
import { dbNow, requirePermission, runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";

type Ctx = Pick<AppContext, "db">;

/** The expert record linked to the actor's account (an expert keeps its own profile). */
async function ownExpertId(db: Executor, actor: Actor): Promise<string> {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  const [e] = await db.select({ id: experts.id }).from(experts).where(eq(experts.userId, actor.user.id));
  if (!e) throw new DomainError("NOT_FOUND");
  return e.id;
}

/** Who may read/change an expert: the expert itself, or a pool administrator. */
async function resolveExpert(db: Executor, actor: Actor, expertId: string | "me"): Promise<string> {
  if (expertId === "me") return ownExpertId(db, actor);
  requirePermission(actor, "pool:manage");
  if (!isUuid(expertId)) throw new DomainError("NOT_FOUND");
  return expertId;
}

/** The full profile with declarations and evaluation history (draws the expert was drawn in whose evaluation has started, without the other names). */
export async function expertProfile(db: Executor, actor: Actor, expertId: string | "me") {
  const id = await resolveExpert(db, actor, expertId);
  const [e] = await db.select().from(experts).where(eq(experts.id, id));
  if (!e) throw new DomainError("NOT_FOUND");
  const [specs, jobs, rels, away, history] = await Promise.all([
    db.select({ code: specialties.code, name: specialties.name }).from(expertSpecialties).innerJoin(specialties, eq(specialties.code, expertSpecialties.code)).where(eq(expertSpecialties.expertId, id)).orderBy(asc(specialties.code)),
    db.select().from(expertEmployment).where(eq(expertEmployment.expertId, id)).orderBy(desc(expertEmployment.fromDate)),
    db.select().from(expertRelationships).where(eq(expertRelationships.expertId, id)).orderBy(desc(expertRelationships.fromDate)),
    db.select().from(expertUnavailability).where(eq(expertUnavailability.expertId, id)).orderBy(desc(expertUnavailability.fromDate)),
    db
      .select({ evaluationAt: draws.evaluationAt, status: drawPicks.status, role: drawPicks.role, project: projects.title, code: projects.code, drawStatus: draws.status })
      .from(drawPicks)
      .innerJoin(draws, eq(draws.id, drawPicks.drawId))
      .innerJoin(projects, eq(projects.id, draws.projectId))
      .where(eq(drawPicks.expertId, id))
      .orderBy(desc(draws.evaluationAt)),
  ]);
  const { userId: _u, ...expert } = e;
  // R36: the committee is secret until the evaluation starts — to the pool's administrators
  // too (only supervisors see a draw's list before that, on the draw itself). Before then an
  // entry names a project, so it is left out for everyone here; the expert sees its own
  // pending invitations on /invitations (time and place only). A revealed draw is public,
  // and a draw is revealed only after the section's evaluation time (revealDraw).
  const now = await dbNow(db);
  const visible = history.filter((h) => h.evaluationAt <= now);
  return { expert, specialties: specs, employment: jobs, relationships: rels, unavailability: away, history: visible };
}

type Declaration =
  | { type: "relationship"; kind: "shareholding" | "directorship" | "relative"; orgName: string; orgCode?: string; fromDate: string; toDate?: string; note: string }
  | { type: "employment"; orgName: string; orgCode?: string; fromDate: string; toDate?: string }
  | { type: "unavailability"; fromDate: string; toDate: string; reason: string };

/** Adds a declaration (relationship, employment, unavailability) to an expert's own record, or as an admin. */
export async function addDeclaration(ctx: Ctx, actor: Actor, expertId: string | "me", d: Declaration): Promise<void> {
  const id = await resolveExpert(ctx.db, actor, expertId);
  await runCommand(ctx, actor, `expert.declare_${d.type}`, async ({ tx }) => {
    if (d.type === "relationship") await tx.insert(expertRelationships).values({ expertId: id, kind: d.kind, orgName: d.orgName, orgCode: d.orgCode ?? null, fromDate: d.fromDate, toDate: d.toDate ?? null, note: d.note });
    else if (d.type === "employment") await tx.insert(expertEmployment).values({ expertId: id, orgName: d.orgName, orgCode: d.orgCode ?? null, fromDate: d.fromDate, toDate: d.toDate ?? null });
    else await tx.insert(expertUnavailability).values({ expertId: id, fromDate: d.fromDate, toDate: d.toDate, reason: d.reason });
    return { result: undefined, subjectType: "expert", subjectId: id, payload: { ...d } };
  });
}

/** Removes one of an expert's declarations (its own, or any as an admin). */
export async function removeDeclaration(ctx: Ctx, actor: Actor, expertId: string | "me", type: "relationship" | "employment" | "unavailability", declarationId: string): Promise<void> {
  const id = await resolveExpert(ctx.db, actor, expertId);
  if (!isUuid(declarationId)) throw new DomainError("NOT_FOUND");
  await runCommand(ctx, actor, `expert.remove_${type}`, async ({ tx }) => {
    const table = type === "relationship" ? expertRelationships : type === "employment" ? expertEmployment : expertUnavailability;
    const rows = await tx.delete(table).where(and(eq(table.id, declarationId), eq(table.expertId, id))).returning({ id: table.id });
    if (!rows.length) throw new DomainError("NOT_FOUND");
    return { result: undefined, subjectType: "expert", subjectId: id, payload: { type, declarationId } };
  });
}

/** Admin: sets an expert's status (suspension and blacklisting need a reason). */
export async function setExpertStatus(ctx: Ctx, actor: Actor, expertId: string, s: { status: "active" | "suspended" | "retired" | "blacklisted"; reason: string; punished: boolean }): Promise<void> {
  requirePermission(actor, "pool:manage");
  await runCommand(ctx, actor, "expert.set_status", async ({ tx }) => {
    const rows = await tx.update(experts).set({ status: s.status, statusReason: s.reason, punished: s.punished }).where(eq(experts.id, expertId)).returning({ id: experts.id });
    if (!rows.length) throw new DomainError("NOT_FOUND");
    return { result: undefined, subjectType: "expert", subjectId: expertId, payload: { ...s } };
  });
}

export function canManagePool(actor: Actor) {
  return hasPermission(actor.roles, "pool:manage");
}
