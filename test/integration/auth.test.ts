import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { sessions, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { setUserActive } from "#app/services/accounts/accounts.server";
import { addHoliday, listHolidays, removeHoliday } from "#app/services/tendering/holidays.server";
import { actorForSession, login, LOGIN_LIMITS, logout } from "#app/services/accounts/auth.server";
import { forEachDriver } from "../helpers/db";
import { makeActor, PASSWORD } from "../helpers/factories";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

forEachDriver("accounts and sessions", (env) => {
  it("passwords are stored as argon2id", async () => {
    const a = await makeActor(env().app, "bidder");
    const [u] = await env().app.db.select().from(users).where(eq(users.id, a.user!.id));
    expect(u!.passwordHash.startsWith("$argon2id$")).toBe(true);
    expect(u!.passwordHash).not.toContain(PASSWORD);
  });

  it("login creates a session that resolves to the actor with its organisation and roles", async () => {
    const a = await makeActor(env().app, "tendering_unit");
    const s = await login(env().app, { username: a.username.toUpperCase(), password: PASSWORD, ip: "127.0.0.1", userAgent: "vitest" });
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const resolved = await actorForSession(env().app.db, s.token, "127.0.0.1", "vitest");
    expect(resolved?.user?.id).toBe(a.user!.id);
    expect(resolved?.orgId).toBe(a.orgId);
    expect(resolved?.roles).toEqual(["tendering_unit"]);
    // Only the token's hash is stored.
    const rows = await env().app.db.select().from(sessions).where(eq(sessions.userId, a.user!.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toBe(s.token);
    expect(await actorForSession(env().app.db, "not-a-token", null, null)).toBeNull();
  });

  it("a wrong password and an unknown user give the same INVALID_CREDENTIALS", async () => {
    const a = await makeActor(env().app, "bidder");
    expect(await code(login(env().app, { username: a.username, password: "wrong password!", ip: "127.0.0.2", userAgent: null }))).toBe("INVALID_CREDENTIALS");
    expect(await code(login(env().app, { username: "nobody-here", password: PASSWORD, ip: "127.0.0.2", userAgent: null }))).toBe("INVALID_CREDENTIALS");
  });

  it("after 5 failures from one client the account is rate limited there, even with the right password", async () => {
    const a = await makeActor(env().app, "bidder");
    for (let i = 0; i < LOGIN_LIMITS.accountClient.free; i++) {
      expect(await code(login(env().app, { username: a.username, password: `bad-${i}-password`, ip: "10.1.0.7", userAgent: null }))).toBe("INVALID_CREDENTIALS");
    }
    expect(await code(login(env().app, { username: a.username, password: PASSWORD, ip: "10.1.0.7", userAgent: null }))).toBe("RATE_LIMITED");
    // Another account is not affected.
    const b = await makeActor(env().app, "bidder");
    expect(await code(login(env().app, { username: b.username, password: PASSWORD, ip: "10.1.0.99", userAgent: null }))).toBe("ok");
  });

  it("a deactivated user cannot sign in and its sessions stop working; logout deletes the session", async () => {
    const admin = await makeActor(env().app, "admin");
    const a = await makeActor(env().app, "agency");
    const s = await login(env().app, { username: a.username, password: PASSWORD, ip: null, userAgent: null });
    await setUserActive(env().app, admin, a.user!.id, false);
    expect(await actorForSession(env().app.db, s.token, null, null)).toBeNull();
    expect(await code(login(env().app, { username: a.username, password: PASSWORD, ip: null, userAgent: null }))).toBe("INVALID_CREDENTIALS");
    await setUserActive(env().app, admin, a.user!.id, true);
    const s2 = await login(env().app, { username: a.username, password: PASSWORD, ip: null, userAgent: null });
    const actor = (await actorForSession(env().app.db, s2.token, null, null))!;
    await logout(env().app, actor, s2.token);
    expect(await actorForSession(env().app.db, s2.token, null, null)).toBeNull();
  });

  it("only admins manage users (route permission checked again in the service)", async () => {
    const bidder = await makeActor(env().app, "bidder");
    expect(await code(setUserActive(env().app, bidder, bidder.user!.id, false))).toBe("FORBIDDEN");
    const [u] = await env().app.db.select().from(users).where(eq(users.id, bidder.user!.id));
    expect(u!.active).toBe(true);
  });

  it("R2: admins maintain the holiday calendar; others may not", async () => {
    const admin = await makeActor(env().app, "admin");
    const bidder = await makeActor(env().app, "bidder");
    expect((await listHolidays(env().app.db, 2026)).map((h) => h.day)).toContain("2026-10-01");
    await addHoliday(env().app, admin, { day: "2027-02-06", kind: "holiday", name: "春节" });
    expect(await code(addHoliday(env().app, admin, { day: "2027-02-06", kind: "holiday", name: "重复" }))).toBe("CONFLICT");
    expect(await code(addHoliday(env().app, bidder, { day: "2027-02-07", kind: "holiday", name: "春节" }))).toBe("FORBIDDEN");
    expect((await listHolidays(env().app.db, 2027)).map((h) => h.day)).toEqual(["2027-01-01", "2027-02-06"]);
    await removeHoliday(env().app, admin, "2027-02-06");
    expect((await listHolidays(env().app.db, 2027)).map((h) => h.day)).toEqual(["2027-01-01"]);
  });
});
