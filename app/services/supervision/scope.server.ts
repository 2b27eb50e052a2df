import { eq, like, type AnyColumn, type SQL } from "drizzle-orm";
import type { Executor } from "#db/client";
import { organisations, projects } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import { covers, jurisdictionOf } from "#app/domain/supervision/jurisdiction";
import type { Actor } from "../platform/actor";
import { requirePermission } from "../platform/command.server";

/**
 * Who supervises what (阳泉's city–county supervision, R63–R65): a supervision organisation's jurisdiction is a region
 * prefix (app/domain/supervision/jurisdiction.ts). The dashboard, cases and complaints all read the scope from here.
 */

export type ReadScope = {
  /** The region prefix the actor supervises ('' = every region). */
  prefix: string;
  orgId: string | null;
  orgName: string | null;
};

/** A supervision organisation acting in its jurisdiction (cases, complaints). */
export type SupervisorScope = { orgId: string; jurisdiction: string };

async function organisationOf(db: Executor, orgId: string) {
  const [org] = await db
    .select({ id: organisations.id, name: organisations.name, kind: organisations.kind, jurisdiction: organisations.jurisdiction, region: organisations.region })
    .from(organisations)
    .where(eq(organisations.id, orgId));
  return org ?? null;
}

/** The reading scope; FORBIDDEN without supervise:read. A supervisor's organisation gives its jurisdiction; other holders of the permission (none today) see every region. */
export async function supervisionScope(db: Executor, actor: Actor): Promise<ReadScope> {
  if (!actor.user || !hasPermission(actor.roles, "supervise:read")) throw new DomainError("FORBIDDEN", { permission: "supervise:read" });
  if (!actor.orgId) return { prefix: "", orgId: null, orgName: null };
  const org = await organisationOf(db, actor.orgId);
  if (!org || org.kind !== "supervisor") return { prefix: "", orgId: org?.id ?? null, orgName: org?.name ?? null };
  return { prefix: jurisdictionOf(org), orgId: org.id, orgName: org.name };
}

/** The acting supervision organisation and its jurisdiction (supervise:read to read, supervise:act to act); only a supervision organisation has one. */
export async function supervisorScope(db: Executor, actor: Actor, permission: "supervise:read" | "supervise:act" = "supervise:act"): Promise<SupervisorScope> {
  requirePermission(actor, permission);
  if (!actor.orgId) throw new DomainError("FORBIDDEN", { permission });
  const org = await organisationOf(db, actor.orgId);
  if (!org || org.kind !== "supervisor") throw new DomainError("FORBIDDEN", { permission });
  return { orgId: org.id, jurisdiction: jurisdictionOf(org) };
}

/** NOT_FOUND (never FORBIDDEN: a county supervisor must not learn that another county's tender exists) outside the scope. */
export async function requireProjectInScope(db: Executor, actor: Actor, projectId: string): Promise<ReadScope> {
  const scope = await supervisionScope(db, actor);
  const [p] = await db.select({ region: projects.region }).from(projects).where(eq(projects.id, projectId));
  if (!p || !covers(scope.prefix, p.region)) throw new DomainError("NOT_FOUND");
  return scope;
}

/** LIKE pattern for a prefix, with the pattern characters escaped (a prefix with % or _ is literal). */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** SQL: the region column starts with the prefix (index-friendly with text_pattern_ops). */
export const regionUnder = (column: AnyColumn, prefix: string): SQL => like(column, prefixPattern(prefix));

/** SQL: the project's region is within the jurisdiction. */
export const regionCovered = (jurisdiction: string): SQL => regionUnder(projects.region, jurisdiction);
