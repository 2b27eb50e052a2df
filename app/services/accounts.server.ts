import { and, asc, eq, sql } from "drizzle-orm";
import { memberships, organisations, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { ROLE_FOR_ORG_KIND, type OrgKind, type Role } from "#app/domain/roles";
import type { Actor } from "./actor";
import { hashPassword } from "./auth.server";
import { requirePermission, runCommand } from "./command.server";
import type { AppContext } from "./context.server";

type Ctx = Pick<AppContext, "db">;

export type NewOrganisation = {
  name: string;
  kind: OrgKind;
  creditCode?: string | null;
  region?: string;
  contactName?: string;
  contactPhone?: string;
  address?: string;
};

export type NewUser = { username: string; displayName: string; password: string; email?: string | null; phone?: string | null };

/** Admin: creates an organisation. */
export async function createOrganisation(ctx: Ctx, actor: Actor, org: NewOrganisation): Promise<string> {
  return runCommand(ctx, actor, "org.create", async ({ tx }) => {
    if (!actor.system) requirePermission(actor, "admin:orgs");
    const id = await insertOrganisation(tx, org);
    return { result: id, subjectType: "organisation", subjectId: id, payload: { ...org } };
  });
}

/** Admin: creates a user in an organisation with a role the organisation's kind allows. */
export async function createUser(ctx: Ctx, actor: Actor, input: NewUser & { orgId: string; role: Role }): Promise<string> {
  const passwordHash = await hashPassword(input.password);
  return runCommand(ctx, actor, "user.create", async ({ tx }) => {
    if (!actor.system) requirePermission(actor, "admin:users");
    const [org] = await tx.select().from(organisations).where(eq(organisations.id, input.orgId));
    if (!org) throw new DomainError("VALIDATION", { field: "orgId" });
    if (!ROLE_FOR_ORG_KIND[org.kind].includes(input.role)) throw new DomainError("VALIDATION", { field: "role" });
    const id = await insertUser(tx, input, passwordHash);
    await tx.insert(memberships).values({ userId: id, orgId: input.orgId, role: input.role });
    return { result: id, subjectType: "user", subjectId: id, payload: { username: input.username, orgId: input.orgId, role: input.role } };
  });
}

/** Bidders self-register: the organisation and its first user, in one command (R3: free). */
export async function registerBidder(ctx: Ctx, actor: Actor, input: { org: Omit<NewOrganisation, "kind">; user: NewUser }): Promise<string> {
  const passwordHash = await hashPassword(input.user.password);
  return runCommand(ctx, actor, "bidder.register", async ({ tx }) => {
    const orgId = await insertOrganisation(tx, { ...input.org, kind: "bidder" });
    const userId = await insertUser(tx, input.user, passwordHash);
    await tx.insert(memberships).values({ userId, orgId, role: "bidder" });
    return { result: userId, subjectType: "organisation", subjectId: orgId, payload: { org: input.org, username: input.user.username } };
  });
}

/** Admin: activates or deactivates a user (deactivated users cannot sign in; sessions stop working). */
export async function setUserActive(ctx: Ctx, actor: Actor, userId: string, active: boolean): Promise<void> {
  await runCommand(ctx, actor, active ? "user.activate" : "user.deactivate", async ({ tx }) => {
    requirePermission(actor, "admin:users");
    if (actor.user?.id === userId && !active) throw new DomainError("INVALID_STATE", { status: "self" });
    const [u] = await tx.update(users).set({ active }).where(eq(users.id, userId)).returning({ id: users.id });
    if (!u) throw new DomainError("NOT_FOUND");
    return { result: undefined, subjectType: "user", subjectId: userId, payload: { active } };
  });
}

type Tx = Parameters<Parameters<Ctx["db"]["transaction"]>[0]>[0];

async function insertOrganisation(tx: Tx, org: NewOrganisation): Promise<string> {
  const [byName] = await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.name, org.name));
  if (byName) throw new DomainError("CONFLICT", { field: "name" });
  if (org.creditCode) {
    const [byCode] = await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.creditCode, org.creditCode));
    if (byCode) throw new DomainError("CONFLICT", { field: "creditCode" });
  }
  const [row] = await tx
    .insert(organisations)
    .values({
      name: org.name,
      kind: org.kind,
      creditCode: org.creditCode || null,
      region: org.region ?? "",
      contactName: org.contactName ?? "",
      contactPhone: org.contactPhone ?? "",
      address: org.address ?? "",
    })
    .returning({ id: organisations.id });
  return row!.id;
}

async function insertUser(tx: Tx, u: NewUser, passwordHash: string): Promise<string> {
  const [dup] = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.username}) = ${u.username.toLowerCase()}`);
  if (dup) throw new DomainError("CONFLICT", { field: "username" });
  const [row] = await tx
    .insert(users)
    .values({ username: u.username, displayName: u.displayName, email: u.email ?? null, phone: u.phone ?? null, passwordHash })
    .returning({ id: users.id });
  return row!.id;
}

export async function listOrganisations(db: Ctx["db"]) {
  return db.select().from(organisations).orderBy(asc(organisations.kind), asc(organisations.name));
}

export async function listUsers(db: Ctx["db"]) {
  return db
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      active: users.active,
      createdAt: users.createdAt,
      org: organisations.name,
      role: memberships.role,
    })
    .from(users)
    .leftJoin(memberships, eq(memberships.userId, users.id))
    .leftJoin(organisations, and(eq(organisations.id, memberships.orgId)))
    .orderBy(asc(users.username));
}

/** Counts for the admin dashboard. */
export async function adminCounts(db: Ctx["db"]) {
  const one = async (table: "organisations" | "users" | "projects" | "record_entries") => {
    const rows = await db.execute<{ n: number }>(sql.raw(`select count(*)::int as n from ${table}`));
    const list = (rows as unknown as { rows?: { n: number }[] }).rows ?? (rows as unknown as { n: number }[]);
    return Number(list[0]?.n ?? 0);
  };
  return { organisations: await one("organisations"), users: await one("users"), projects: await one("projects"), records: await one("record_entries") };
}
