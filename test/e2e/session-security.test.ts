import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, ownPostgresDatabase, removeDataDir, startServer, Visitor, type RunningServer } from "./harness";

/**
 * Through the real server over HTTP (no browser needed): redirect targets from the request
 * never leave the site (app/domain/safe-redirect.ts), and the CSRF token is bound to the
 * session and rotates at login and logout (docs/decisions/014-login-throttling.md).
 */

describe("redirect targets and session-bound CSRF tokens", () => {
  let server: RunningServer;
  // On PostgreSQL (its own database): the same code paths, and a quicker start than seeding PGlite.
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;

  beforeAll(async () => {
    db = await ownPostgresDatabase("session");
    server = await startServer({ env: { DATABASE_URL: db.url } });
  });
  afterAll(async () => {
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await db?.drop();
  });

  const hostile = ["/\\evil.example", "//evil.example", "/%5Cevil.example", "/.//evil.example", "https://evil.example/", "/\t/evil.example", "javascript:alert(1)"];

  it("login follows only local redirect targets", async () => {
    for (const to of hostile) {
      const v = new Visitor(server.url);
      const res = await v.login("bidder1", to);
      expect(res.status, to).toBe(302);
      expect(res.headers.get("location"), to).toBe("/");
    }
    const ok = await new Visitor(server.url).login("bidder1", "/certificates?tab=mine");
    expect(ok.headers.get("location")).toBe("/certificates?tab=mine");
    // A signed-in visitor sent to the login page goes on — locally only.
    const v = new Visitor(server.url);
    await v.login("bidder1");
    expect((await v.fetch(`/login?redirectTo=${encodeURIComponent("/\\evil.example")}`)).headers.get("location")).toBe("/");
    expect((await v.fetch(`/login?redirectTo=${encodeURIComponent("/inbox")}`)).headers.get("location")).toBe("/inbox");
  });

  it("the language switch follows only local redirect targets", async () => {
    for (const to of hostile) {
      const res = await new Visitor(server.url).post("/lang", { lng: "en", redirectTo: to });
      expect(res.status, to).toBe(302);
      expect(res.headers.get("location"), to).toBe("/");
    }
    expect((await new Visitor(server.url).post("/lang", { lng: "en", redirectTo: "/tenders?q=x" })).headers.get("location")).toBe("/tenders?q=x");
  });

  it("a token obtained before login is refused after login (403 CSRF); the next page carries a working one", async () => {
    const v = new Visitor(server.url);
    const before = await v.token("/login");
    const res = await v.post("/login", { _csrf: before, username: "tenderer", password: DEMO_PASSWORD, redirectTo: "/" });
    expect(res.status).toBe(302);
    expect(v.has("th_session")).toBe(true);
    const stale = await v.post("/logout", { _csrf: before });
    expect(stale.status).toBe(403);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe("CSRF");
    expect((await v.fetch("/manage")).status).toBe(200); // still signed in
    // The bid upload API takes the token in a header: the stale one is refused there too.
    const section = "00000000-0000-4000-8000-000000000000";
    const api = await v.fetch(`/api/sections/${section}/uploads`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": before }, body: "{}" });
    expect(api.status).toBe(403);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("CSRF");
    const during = await v.token();
    expect(during).not.toBe(before);
    const out = await v.post("/logout", { _csrf: during });
    expect(out.status).toBe(302);
    expect(v.has("th_session")).toBe(false);
    // After logout neither the session's token nor the one from before login validates.
    for (const old of [before, during]) {
      const again = await v.post("/login", { _csrf: old, username: "tenderer", password: DEMO_PASSWORD, redirectTo: "/" });
      expect(again.status).toBe(403);
    }
    expect((await v.login("tenderer")).status).toBe(302);
  });

  it("a token from user A's session is refused in user B's session", async () => {
    const a = new Visitor(server.url);
    const b = new Visitor(server.url);
    await a.login("bidder1");
    await b.login("bidder2");
    const tokenA = await a.token();
    const tokenB = await b.token();
    expect(tokenA).not.toBe(tokenB);
    expect((await b.post("/logout", { _csrf: tokenA })).status).toBe(403);
    expect((await b.fetch("/inbox")).status).toBe(200);
    expect((await b.post("/logout", { _csrf: tokenB })).status).toBe(302);
    expect((await a.fetch("/inbox")).status).toBe(200); // A is unaffected
  });
});
