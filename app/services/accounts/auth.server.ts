import { createHash, randomBytes } from "node:crypto";
import { hash as argonHash, verify as argonVerify } from "@node-rs/argon2";
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Executor } from "#db/client";
import { loginAttempts, memberships, organisations, sessions, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import type { Role } from "#app/domain/roles";
import { PUBLIC_ACTOR, type Actor } from "../platform/actor";
import { runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { releaseOnSuccess, reserveLoginAttempt } from "./login-throttle.server";

export const SESSION_COOKIE = "th_session";
const SESSION_DAYS = 7;
/** Login throttling limits (docs/decisions/014-login-throttling.md). */
export { LOGIN_LIMITS } from "./login-throttle.server";

/** The Set-Cookie header for a session token (raw value: the token is random and only its hash is stored). */
export function sessionCookieHeader(token: string, expiresAt: Date, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    `Expires=${expiresAt.toUTCString()}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearSessionCookieHeader(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/** argon2id with the library's OWASP-level defaults (19 MiB, t=2). */
export function hashPassword(password: string): Promise<string> {
  return argonHash(password, { algorithm: 2 /* Argon2id */ });
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await argonVerify(stored, password);
  } catch {
    return false;
  }
}

const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");

// A fixed argon2id hash so an unknown user costs the same time as a wrong password.
let dummyHash: Promise<string> | null = null;

export type SessionInfo = { token: string; expiresAt: Date };

export type LoginOptions = {
  /** The password check (argon2id); injectable so tests can count how many attempts reach it. */
  verify?: (stored: string, password: string) => Promise<boolean>;
};

/**
 * Password login: throttled (login-throttle.server.ts reserves the attempt's slot before the
 * password is checked), recorded, and answered with one message for any failure.
 */
export async function login(
  ctx: Pick<AppContext, "db">,
  input: { username: string; password: string; ip: string | null; userAgent: string | null },
  opts: LoginOptions = {},
): Promise<SessionInfo> {
  const verify = opts.verify ?? verifyPassword;
  const username = input.username.trim().toLowerCase();
  const slot = await reserveLoginAttempt(ctx.db, username, input.ip);
  const [user] = await ctx.db.select().from(users).where(sql`lower(${users.username}) = ${username}`);
  dummyHash ??= hashPassword("tenderhall-timing-equaliser");
  const ok = user ? await verify(user.passwordHash, input.password) : (await verify(await dummyHash, input.password), false);
  if (!user || !ok || !user.active) {
    // The reserved slot already counts as a failure; only the audit row is left to write.
    await ctx.db.insert(loginAttempts).values({ username, ip: input.ip, success: false });
    throw new DomainError("INVALID_CREDENTIALS");
  }
  const token = randomBytes(32).toString("base64url");
  const actor: Actor = { ...(await actorForUser(ctx.db, user.id, input.ip, input.userAgent)) };
  return runCommand(ctx, actor, "auth.login", async ({ tx, now }) => {
    const expiresAt = new Date(now.getTime() + SESSION_DAYS * 24 * 3600 * 1000);
    const [s] = await tx
      .insert(sessions)
      .values({ tokenHash: tokenHash(token), userId: user.id, expiresAt, ip: input.ip, userAgent: input.userAgent })
      .returning({ id: sessions.id });
    await tx.insert(loginAttempts).values({ username, ip: input.ip, success: true });
    await releaseOnSuccess(tx, slot, now);
    return {
      result: { token, expiresAt },
      subjectType: "user",
      subjectId: user.id,
      payload: { sessionId: s!.id, userAgent: input.userAgent },
    };
  });
}

export async function logout(ctx: Pick<AppContext, "db">, actor: Actor, token: string): Promise<void> {
  if (!actor.user) return;
  await runCommand(ctx, actor, "auth.logout", async ({ tx }) => {
    await tx.delete(sessions).where(eq(sessions.tokenHash, tokenHash(token)));
    return { result: undefined, subjectType: "user", subjectId: actor.user!.id, payload: {} };
  });
}

/** Resolves the actor behind a session token (null when absent or expired). */
export async function actorForSession(
  db: Executor,
  token: string | null | undefined,
  ip: string | null,
  userAgent: string | null,
): Promise<Actor | null> {
  if (!token) return null;
  // Whether the last-seen time is a minute old is decided by the database clock in the same query (one round trip
  // fewer on every signed-in request, each chunk of a bid upload included).
  const [row] = await db
    .select({ userId: sessions.userId, id: sessions.id, stale: sql<boolean>`${sessions.lastSeenAt} < now() - interval '60 seconds'` })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash(token)), gt(sessions.expiresAt, sql`now()`), eq(users.active, true)));
  if (!row) return null;
  if (row.stale) {
    await db.update(sessions).set({ lastSeenAt: sql`now()` }).where(eq(sessions.id, row.id));
  }
  return actorForUser(db, row.userId, ip, userAgent);
}

/** The user's active organisation is its earliest membership; roles are its roles there. */
export async function actorForUser(db: Executor, userId: string, ip: string | null, userAgent: string | null): Promise<Actor> {
  const rows = await db
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      orgId: memberships.orgId,
      orgKind: organisations.kind,
      role: memberships.role,
    })
    .from(users)
    .leftJoin(memberships, eq(memberships.userId, users.id))
    .leftJoin(organisations, eq(organisations.id, memberships.orgId))
    .where(eq(users.id, userId))
    .orderBy(asc(memberships.createdAt));
  const first = rows[0];
  if (!first) return { ...PUBLIC_ACTOR, ip, userAgent };
  const orgId = first.orgId;
  const roles = rows.filter((r) => r.orgId === orgId && r.role).map((r) => r.role as Role);
  return {
    user: { id: first.id, username: first.username, displayName: first.displayName },
    orgId,
    orgKind: first.orgKind,
    roles,
    ip,
    userAgent,
  };
}
