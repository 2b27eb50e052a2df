import { and, count, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { loginAttempts } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { login, LOGIN_LIMITS, verifyPassword } from "#app/services/accounts/auth.server";
import { forEachDriver } from "../helpers/db";
import { makeActor, PASSWORD } from "../helpers/factories";

/** The outcome of a login: "ok", or the error code; RATE_LIMITED with its wait in seconds. */
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => {
      if (!(e instanceof DomainError)) throw e;
      return e.code === "RATE_LIMITED" ? `RATE_LIMITED:${e.params.seconds}` : e.code;
    },
  );
const limited = (o: string) => o.startsWith("RATE_LIMITED");
/** The wait of a RATE_LIMITED outcome in seconds (NaN otherwise). */
const waitOf = (o: string) => (limited(o) ? Number(o.split(":")[1]) : NaN);
/** A wait that started within the last few seconds at `seconds`. */
const expectWait = (o: string, seconds: number) => {
  expect(o).toMatch(/^RATE_LIMITED:/);
  expect(waitOf(o)).toBeLessThanOrEqual(seconds);
  expect(waitOf(o)).toBeGreaterThan(seconds - 5);
};

/** A password check that counts how often it runs (the argon2 verifications). */
function countingVerify() {
  let n = 0;
  return {
    verify: async (stored: string, password: string) => {
      n++;
      return verifyPassword(stored, password);
    },
    get count() {
      return n;
    },
  };
}

let ipSeq = 0;
/** A fresh documentation-range address per test, so suites do not share client counters. */
const freshIp = () => `198.18.${Math.floor(++ipSeq / 250)}.${(ipSeq % 250) + 1}`;

forEachDriver("login throttling (docs/decisions/014-login-throttling.md)", (env) => {
  const attempt = (username: string, password: string, ip: string | null, verify?: (s: string, p: string) => Promise<boolean>) =>
    outcome(login(env().app, { username, password, ip, userAgent: "vitest" }, { verify }));

  /** Test-only: lets the running back-off on an account+client counter end now (the database clock cannot be moved). */
  const endBackoff = (username: string) =>
    env().app.db.execute(sql`update login_throttles set blocked_until = now() - interval '1 second' where scope = 'account_client' and username = ${username.toLowerCase()}`);

  it("20 parallel wrong attempts from one client: only the client's budget of 5 reaches argon2, the rest are refused", async () => {
    const a = await makeActor(env().app, "bidder");
    const ip = freshIp();
    const v = countingVerify();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(a.username, `wrong password ${i}`, ip, v.verify)));
    expect(v.count).toBe(LOGIN_LIMITS.accountClient.free);
    expect(results.filter((r) => r === "INVALID_CREDENTIALS")).toHaveLength(LOGIN_LIMITS.accountClient.free);
    expect(results.filter(limited)).toHaveLength(20 - LOGIN_LIMITS.accountClient.free);
    // Every verification is on record; refused attempts never reached the password check.
    const [rows] = await env().app.db.select({ n: count() }).from(loginAttempts).where(eq(loginAttempts.username, a.username.toLowerCase()));
    expect(rows!.n).toBe(LOGIN_LIMITS.accountClient.free);
  });

  it("30 parallel wrong attempts from 30 clients: at most the account ceiling of 20 reaches argon2", async () => {
    const a = await makeActor(env().app, "bidder");
    const v = countingVerify();
    const ips = Array.from({ length: 30 }, freshIp);
    const results = await Promise.all(ips.map((ip, i) => attempt(a.username, `wrong password ${i}`, ip, v.verify)));
    expect(v.count).toBe(LOGIN_LIMITS.account.free);
    expect(results.filter(limited)).toHaveLength(30 - LOGIN_LIMITS.account.free);
  });

  it("an attacker failing many times from its IP cannot lock the owner out of its own IP", async () => {
    const owner = await makeActor(env().app, "tendering_unit");
    const attacker = freshIp();
    const results: string[] = [];
    for (let i = 0; i < 15; i++) results.push(await attempt(owner.username, `guess ${i}`, attacker));
    expect(results.slice(0, 5)).toEqual(Array(5).fill("INVALID_CREDENTIALS"));
    expect(results.slice(5).every(limited)).toBe(true);
    // The attacker's client is in back-off even with the right password…
    expect(limited(await attempt(owner.username, PASSWORD, attacker))).toBe(true);
    // …while the owner, from an IP that never signed in before, is not affected at all.
    expect(await attempt(owner.username, PASSWORD, freshIp())).toBe("ok");
  });

  it("a distributed attack puts the account in back-off for unknown clients only; the owner's known client still signs in", async () => {
    const owner = await makeActor(env().app, "bidder");
    const home = freshIp();
    expect(await attempt(owner.username, PASSWORD, home)).toBe("ok"); // home becomes a known client
    for (let i = 0; i < LOGIN_LIMITS.account.free; i++) expect(await attempt(owner.username, `botnet ${i}`, freshIp())).toBe("INVALID_CREDENTIALS");
    const v = countingVerify();
    // A new client is refused without a password check, even with the right password…
    const stranger = await attempt(owner.username, PASSWORD, freshIp(), v.verify);
    expectWait(stranger, LOGIN_LIMITS.account.baseSeconds);
    expect(v.count).toBe(0);
    // …the owner at home signs in (its own budget of 5 applies there).
    expect(await attempt(owner.username, PASSWORD, home)).toBe("ok");
  });

  it("the per-IP ceiling: a client failing on 30 accounts is refused for others it never signed in to", async () => {
    const sprayer = freshIp();
    const regular = await makeActor(env().app, "agency");
    expect(await attempt(regular.username, PASSWORD, sprayer)).toBe("ok"); // e.g. a shared office address
    const victim = await makeActor(env().app, "bidder");
    for (let i = 0; i < LOGIN_LIMITS.client.free; i++) expect(await attempt(`sprayed-${ipSeq}-${i}`, "Passw0rd!", sprayer)).toBe("INVALID_CREDENTIALS");
    expectWait(await attempt(victim.username, PASSWORD, sprayer), LOGIN_LIMITS.client.baseSeconds);
    expect(await attempt(`sprayed-${ipSeq}-next`, "Passw0rd!", sprayer)).toMatch(/^RATE_LIMITED/);
    // The same account from elsewhere, and a client known to its account, are not affected.
    expect(await attempt(victim.username, PASSWORD, freshIp())).toBe("ok");
    expect(await attempt(regular.username, PASSWORD, sprayer)).toBe("ok");
  });

  it("the back-off grows exponentially (30 s, 60 s, 120 s) and a success restores the client's budget", async () => {
    const a = await makeActor(env().app, "bidder");
    const ip = freshIp();
    for (let i = 0; i < LOGIN_LIMITS.accountClient.free; i++) expect(await attempt(a.username, `typo ${i}`, ip)).toBe("INVALID_CREDENTIALS");
    const base = LOGIN_LIMITS.accountClient.baseSeconds;
    for (const factor of [1, 2, 4]) {
      // Refused without a check while the wait runs, even with the right password.
      expectWait(await attempt(a.username, PASSWORD, ip), base * factor);
      await endBackoff(a.username);
      expect(await attempt(a.username, `typo again ${factor}`, ip)).toBe("INVALID_CREDENTIALS");
    }
    expectWait(await attempt(a.username, PASSWORD, ip), base * 8);
    await endBackoff(a.username);
    expect(await attempt(a.username, PASSWORD, ip)).toBe("ok");
    // The budget is back: five more failures before any wait.
    for (let i = 0; i < LOGIN_LIMITS.accountClient.free; i++) expect(await attempt(a.username, `after ${i}`, ip)).toBe("INVALID_CREDENTIALS");
    expect(limited(await attempt(a.username, PASSWORD, ip))).toBe(true);
  });

  it("unknown account names are throttled the same way (no hint whether the account exists)", async () => {
    const ip = freshIp();
    const name = `no-such-user-${ipSeq}`;
    const v = countingVerify();
    const results = await Promise.all(Array.from({ length: 8 }, () => attempt(name, "whatever it is", ip, v.verify)));
    expect(v.count).toBe(LOGIN_LIMITS.accountClient.free);
    expect(results.filter(limited)).toHaveLength(3);
    const [rows] = await env().app.db.select({ n: count() }).from(loginAttempts).where(and(eq(loginAttempts.username, name), eq(loginAttempts.success, false)));
    expect(rows!.n).toBe(LOGIN_LIMITS.accountClient.free);
  });
});
