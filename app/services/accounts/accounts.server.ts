import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { memberships, organisations, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { ROLE_FOR_ORG_KIND, type OrgKind, type Role } from "#app/domain/roles";
import type { Actor } from "../platform/actor";
import { hashPassword } from "./auth.server";
import { requirePermission, runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";

type Ctx = Pick<AppContext, "db">;

export type NewOrganisation = {
  name: string;
  kind: OrgKind;
  creditCode?: string | null;
  region?: string;
  /** Supervision organisations: the region prefix supervised (null: the organisation's region; '': every region). */
  jurisdiction?: string | null;
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
      jurisdiction: org.kind === "supervisor" ? (org.jurisdiction ?? null) : null,
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

// ---------------------------------------------------------------------------------------
// Administration pages: searchable, paginated lists (a provincial centre has thousands of
// bidder organisations and users) and the dashboard figures.

export const ADMIN_PAGE_SIZE = 50;

/** `%text%` for ILIKE, with the pattern characters of the user's text escaped. */
function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Admin: organisations, optionally of one kind and matching a name or credit code, with their user counts. */
export async function searchOrganisations(db: Ctx["db"], opts: { q?: string; kind?: OrgKind; page?: number } = {}) {
  const conds = [];
  if (opts.kind) conds.push(eq(organisations.kind, opts.kind));
  if (opts.q) {
    const p = containsPattern(opts.q);
    conds.push(sql`(${organisations.name} ilike ${p} or ${organisations.creditCode} ilike ${p} or ${organisations.region} ilike ${p})`);
  }
  const where = conds.length ? and(...conds) : undefined;
  const page = Math.max(1, Math.floor(opts.page ?? 1));
  const rows = await db
    .select({
      id: organisations.id,
      name: organisations.name,
      kind: organisations.kind,
      creditCode: organisations.creditCode,
      region: organisations.region,
      contactName: organisations.contactName,
      contactPhone: organisations.contactPhone,
      address: organisations.address,
      createdAt: organisations.createdAt,
    })
    .from(organisations)
    .where(where)
    .orderBy(asc(organisations.kind), asc(organisations.name))
    .limit(ADMIN_PAGE_SIZE)
    .offset((page - 1) * ADMIN_PAGE_SIZE);
  const counts = rows.length
    ? await db
        .select({ orgId: memberships.orgId, n: sql<number>`count(distinct ${memberships.userId})::int` })
        .from(memberships)
        .where(inArray(memberships.orgId, rows.map((r) => r.id)))
        .groupBy(memberships.orgId)
    : [];
  const usersOf = new Map(counts.map((c) => [c.orgId, Number(c.n)]));
  const [total] = await db.select({ n: sql<number>`count(*)::int` }).from(organisations).where(where);
  const n = Number(total?.n ?? 0);
  return { rows: rows.map((r) => ({ ...r, users: usersOf.get(r.id) ?? 0 })), page, pages: Math.max(1, Math.ceil(n / ADMIN_PAGE_SIZE)), total: n };
}

/** Admin: the organisations a user can be created in (id, name, kind), for the select. */
export async function listOrganisationOptions(db: Ctx["db"]) {
  return db
    .select({ id: organisations.id, name: organisations.name, kind: organisations.kind })
    .from(organisations)
    .orderBy(asc(organisations.kind), asc(organisations.name));
}

/** Admin: users with their organisation and role (one row per membership), searchable and paginated. */
export async function searchUsers(db: Ctx["db"], opts: { q?: string; orgId?: string; page?: number } = {}) {
  const conds = [];
  if (opts.orgId) conds.push(eq(memberships.orgId, opts.orgId));
  if (opts.q) {
    const p = containsPattern(opts.q);
    conds.push(sql`(${users.username} ilike ${p} or ${users.displayName} ilike ${p} or ${organisations.name} ilike ${p})`);
  }
  const where = conds.length ? and(...conds) : undefined;
  const page = Math.max(1, Math.floor(opts.page ?? 1));
  const rows = await db
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      email: users.email,
      phone: users.phone,
      active: users.active,
      createdAt: users.createdAt,
      orgId: organisations.id,
      org: organisations.name,
      orgKind: organisations.kind,
      role: memberships.role,
    })
    .from(users)
    .leftJoin(memberships, eq(memberships.userId, users.id))
    .leftJoin(organisations, eq(organisations.id, memberships.orgId))
    .where(where)
    .orderBy(asc(users.username), asc(memberships.role))
    .limit(ADMIN_PAGE_SIZE)
    .offset((page - 1) * ADMIN_PAGE_SIZE);
  const [total] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .leftJoin(memberships, eq(memberships.userId, users.id))
    .leftJoin(organisations, eq(organisations.id, memberships.orgId))
    .where(where);
  const n = Number(total?.n ?? 0);
  return { rows, page, pages: Math.max(1, Math.ceil(n / ADMIN_PAGE_SIZE)), total: n };
}

/** One organisation's id, name and kind (to preselect it in the new-user form), or null. */
export async function getOrganisationOption(db: Ctx["db"], orgId: string) {
  const [org] = await db.select({ id: organisations.id, name: organisations.name, kind: organisations.kind }).from(organisations).where(eq(organisations.id, orgId));
  return org ?? null;
}

/** The admin dashboard: organisations by kind, users (active / deactivated), and the other counts. */
export async function adminDashboard(db: Ctx["db"], year: number) {
  const [byKind, byActive, base, [hol]] = await Promise.all([
    db.select({ kind: organisations.kind, n: sql<number>`count(*)::int` }).from(organisations).groupBy(organisations.kind),
    db.select({ active: users.active, n: sql<number>`count(*)::int` }).from(users).groupBy(users.active),
    adminCounts(db),
    db.execute<{ n: number }>(sql`select count(*)::int as n from holidays where day between ${`${year}-01-01`}::date and ${`${year}-12-31`}::date`).then(
      (r) => (r as unknown as { rows?: { n: number }[] }).rows ?? (r as unknown as { n: number }[]),
    ),
  ]);
  return {
    ...base,
    orgsByKind: Object.fromEntries(byKind.map((r) => [r.kind, Number(r.n)])) as Partial<Record<OrgKind, number>>,
    activeUsers: Number(byActive.find((r) => r.active)?.n ?? 0),
    inactiveUsers: Number(byActive.find((r) => !r.active)?.n ?? 0),
    holidays: Number(hol?.n ?? 0),
    year,
  };
}
