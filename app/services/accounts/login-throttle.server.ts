import { isIPv4, isIPv6 } from "node:net";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Database, Tx } from "#db/client";
import { loginThrottles } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { dbNow } from "../platform/command.server";

/**
 * Login throttling (docs/decisions/014-login-throttling.md). Three counters per attempt:
 * - account + client: the budget of one client (IP) for one account; exponential back-off once spent;
 * - account: a ceiling across all clients (a distributed attack); its back-off applies only to
 *   clients that have never signed in to the account, so the owner on a known client keeps working;
 * - client: a ceiling per IP across all accounts (password spraying); known clients are exempt too.
 * Each counts failures in a fixed window; once `free` are used up, every further failure doubles
 * the wait (`baseSeconds`, 2×, 4×… up to `maxSeconds`). Attempts refused during a wait are not
 * verified and not counted.
 */
export const LOGIN_LIMITS = {
  windowMinutes: 60,
  accountClient: { free: 5, baseSeconds: 30, maxSeconds: 15 * 60 },
  account: { free: 20, baseSeconds: 60, maxSeconds: 60 * 60 },
  client: { free: 30, baseSeconds: 60, maxSeconds: 60 * 60 },
  /** A client that signed in to the account successfully within this many days is "known". */
  knownClientDays: 90,
  /** Counters untouched this long (and not remembering a known client) are deleted. */
  retentionDays: 2,
} as const;

export type ThrottleRule = { free: number; baseSeconds: number; maxSeconds: number };
export type ThrottleScope = "account_client" | "account" | "client";
export type Counter = { failures: number; windowStartedAt: Date; blockedUntil: Date | null; lastSuccessAt: Date | null };
export type CounterUpdate = { scope: ThrottleScope; failures: number; windowStartedAt: Date; blockedUntil: Date | null };
export type AttemptPlan = { ok: false; retryAfterSeconds: number } | { ok: true; known: boolean; updates: CounterUpdate[] };

/** The wait after the given number of failures in a window: 0 within the free budget, then doubling. */
export function backoffSeconds(failures: number, rule: ThrottleRule): number {
  if (failures < rule.free) return 0;
  return Math.min(rule.baseSeconds * 2 ** Math.min(failures - rule.free, 30), rule.maxSeconds);
}

/**
 * The client an attempt comes from, as a throttling key: an IPv4 address (IPv4-mapped IPv6
 * included) or the /64 network of an IPv6 address (one subscriber usually holds a whole /64).
 * '' when unknown.
 */
export function clientKey(ip: string | null | undefined): string {
  const raw = (ip ?? "").trim().split("%")[0]!;
  if (!raw) return "";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(raw);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(raw)) return raw;
  if (isIPv6(raw)) {
    const groups = expandIpv6(raw);
    if (groups) return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
  }
  return raw.slice(0, 64);
}

function expandIpv6(addr: string): number[] | null {
  const parse = (part: string): number[] | null => {
    if (!part) return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (g.includes(".")) {
        if (!isIPv4(g)) return null;
        const o = g.split(".").map(Number) as [number, number, number, number];
        out.push((o[0] << 8) | o[1], (o[2] << 8) | o[3]);
      } else if (/^[0-9a-f]{1,4}$/i.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const gap = addr.indexOf("::");
  if (gap < 0) {
    const all = parse(addr);
    return all && all.length === 8 ? all : null;
  }
  const head = parse(addr.slice(0, gap));
  const tail = parse(addr.slice(gap + 2));
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/**
 * Pure decision for one attempt, given its locked counters: refuse while an applicable
 * back-off runs (how long to wait), or reserve the attempt — count it as a failure on every
 * counter now, with the back-off that failure would start — until the outcome is known.
 */
export function planAttempt(
  counters: { accountClient: Counter; account: Counter; client: Counter | null },
  now: Date,
  limits: typeof LOGIN_LIMITS = LOGIN_LIMITS,
): AttemptPlan {
  const t = now.getTime();
  const windowMs = limits.windowMinutes * 60_000;
  const known = !!counters.accountClient.lastSuccessAt && t - counters.accountClient.lastSuccessAt.getTime() < limits.knownClientDays * 86400_000;
  const entries: { scope: ThrottleScope; c: Counter; rule: ThrottleRule; applies: boolean }[] = [
    { scope: "account_client", c: counters.accountClient, rule: limits.accountClient, applies: true },
    { scope: "account", c: counters.account, rule: limits.account, applies: !known },
    ...(counters.client ? [{ scope: "client" as const, c: counters.client, rule: limits.client, applies: !known }] : []),
  ];
  const waits = entries.filter((e) => e.applies && e.c.blockedUntil && e.c.blockedUntil.getTime() > t).map((e) => e.c.blockedUntil!.getTime() - t);
  if (waits.length) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) };
  const updates = entries.map(({ scope, c, rule }) => {
    const fresh = t - c.windowStartedAt.getTime() >= windowMs;
    const failures = (fresh ? 0 : c.failures) + 1;
    const wait = backoffSeconds(failures, rule);
    // A back-off still running on a counter this client is exempt from is never shortened.
    const running = c.blockedUntil && c.blockedUntil.getTime() > t ? c.blockedUntil.getTime() : 0;
    const until = Math.max(running, wait ? t + wait * 1000 : 0);
    return { scope, failures, windowStartedAt: fresh ? now : c.windowStartedAt, blockedUntil: until ? new Date(until) : null };
  });
  return { ok: true, known, updates };
}

export type Reservation = { username: string; client: string; known: boolean };

const keyOf = (scope: ThrottleScope, username: string, client: string) =>
  scope === "account_client" ? { username, client } : scope === "account" ? { username, client: "" } : { username: "", client };

const whereKey = (scope: ThrottleScope, k: { username: string; client: string }) =>
  and(eq(loginThrottles.scope, scope), eq(loginThrottles.username, k.username), eq(loginThrottles.client, k.client));

/**
 * Reserves the attempt's slot before the password is checked, in one transaction that locks
 * the counter rows (`INSERT … ON CONFLICT … DO UPDATE … RETURNING` holds the row lock until
 * commit), always in the same order — account+client, account, client — so concurrent
 * attempts queue instead of all reading the same count, and never deadlock. Refuses with
 * RATE_LIMITED (and the wait) while a back-off applies.
 */
export async function reserveLoginAttempt(db: Database, username: string, ip: string | null): Promise<Reservation> {
  const client = clientKey(ip);
  const plan = await db.transaction(async (tx) => {
    const now = await dbNow(tx);
    const lock = async (scope: ThrottleScope): Promise<Counter> => {
      const [row] = await tx
        .insert(loginThrottles)
        .values({ scope, ...keyOf(scope, username, client), windowStartedAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: [loginThrottles.scope, loginThrottles.username, loginThrottles.client], set: { updatedAt: now } })
        .returning();
      return row!;
    };
    const accountClient = await lock("account_client");
    const account = await lock("account");
    const perClient = client ? await lock("client") : null;
    const p = planAttempt({ accountClient, account, client: perClient }, now);
    if (p.ok) {
      for (const u of p.updates) {
        await tx
          .update(loginThrottles)
          .set({ failures: u.failures, windowStartedAt: u.windowStartedAt, blockedUntil: u.blockedUntil })
          .where(whereKey(u.scope, keyOf(u.scope, username, client)));
      }
    }
    return p;
  });
  if (!plan.ok) throw new DomainError("RATE_LIMITED", { seconds: plan.retryAfterSeconds, minutes: Math.ceil(plan.retryAfterSeconds / 60) });
  return { username, client, known: plan.known };
}

/**
 * The reserved attempt succeeded (inside the login command's transaction): the client's budget
 * for the account is restored and the client becomes known; the account and client ceilings
 * get the reserved slot back (a back-off already running there stays). Stale counters are pruned.
 */
export async function releaseOnSuccess(tx: Tx, r: Reservation, now: Date): Promise<void> {
  await tx
    .update(loginThrottles)
    .set({ failures: 0, windowStartedAt: now, blockedUntil: null, lastSuccessAt: now, updatedAt: now })
    .where(whereKey("account_client", keyOf("account_client", r.username, r.client)));
  for (const scope of ["account", "client"] as const) {
    if (scope === "client" && !r.client) continue;
    await tx
      .update(loginThrottles)
      .set({ failures: sql`greatest(${loginThrottles.failures} - 1, 0)` })
      .where(whereKey(scope, keyOf(scope, r.username, r.client)));
  }
  const stale = new Date(now.getTime() - LOGIN_LIMITS.retentionDays * 86400_000);
  const forgotten = new Date(now.getTime() - LOGIN_LIMITS.knownClientDays * 86400_000);
  await tx
    .delete(loginThrottles)
    .where(and(lt(loginThrottles.updatedAt, stale), or(isNull(loginThrottles.lastSuccessAt), lt(loginThrottles.lastSuccessAt, forgotten))));
}
