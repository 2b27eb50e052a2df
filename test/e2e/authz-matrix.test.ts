import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * docs/product.md §4: authorisation is checked on every route for every role, through the real
 * server over HTTP (no browser needed): page routes × roles, and CSRF on every action.
 */
type Who = "public" | "admin" | "tenderer" | "agent" | "bidder1" | "supervisor" | "expert";
const WHO: Who[] = ["public", "admin", "tenderer", "agent", "bidder1", "supervisor", "expert"];

// 200 = allowed, 302 = sent to login (or away), 403 = forbidden.
const MATRIX: Record<string, Record<Who, number>> = {
  "/": { public: 200, admin: 200, tenderer: 200, agent: 200, bidder1: 200, supervisor: 200, expert: 200 },
  "/feed.atom": { public: 200, admin: 200, tenderer: 200, agent: 200, bidder1: 200, supervisor: 200, expert: 200 },
  "/manage": { public: 302, admin: 403, tenderer: 200, agent: 200, bidder1: 403, supervisor: 403, expert: 403 },
  "/manage/new": { public: 302, admin: 403, tenderer: 200, agent: 200, bidder1: 403, supervisor: 403, expert: 403 },
  "/workbench": { public: 302, admin: 200, tenderer: 200, agent: 200, bidder1: 200, supervisor: 200, expert: 200 },
  "/supervise": { public: 302, admin: 403, tenderer: 403, agent: 403, bidder1: 403, supervisor: 200, expert: 403 },
  "/admin": { public: 302, admin: 200, tenderer: 403, agent: 403, bidder1: 403, supervisor: 403, expert: 403 },
  "/admin/orgs": { public: 302, admin: 200, tenderer: 403, agent: 403, bidder1: 403, supervisor: 403, expert: 403 },
  "/admin/users": { public: 302, admin: 200, tenderer: 403, agent: 403, bidder1: 403, supervisor: 403, expert: 403 },
  "/admin/holidays": { public: 302, admin: 200, tenderer: 403, agent: 403, bidder1: 403, supervisor: 403, expert: 403 },
  "/admin/rooms": { public: 302, admin: 200, tenderer: 403, agent: 403, bidder1: 403, supervisor: 403, expert: 403 },
  "/record": { public: 302, admin: 200, tenderer: 403, agent: 403, bidder1: 403, supervisor: 200, expert: 403 },
  "/inbox": { public: 302, admin: 200, tenderer: 200, agent: 200, bidder1: 200, supervisor: 200, expert: 200 },
  "/pool": { public: 302, admin: 200, tenderer: 403, agent: 403, bidder1: 403, supervisor: 403, expert: 403 },
  "/draws": { public: 302, admin: 403, tenderer: 403, agent: 403, bidder1: 403, supervisor: 200, expert: 403 },
  "/invitations": { public: 302, admin: 200, tenderer: 200, agent: 200, bidder1: 200, supervisor: 200, expert: 200 },
  "/my-profile": { public: 302, admin: 404, tenderer: 404, agent: 404, bidder1: 404, supervisor: 404, expert: 200 },
  "/certificates": { public: 302, admin: 200, tenderer: 200, agent: 200, bidder1: 200, supervisor: 200, expert: 200 },
  "/admin/certificates": { public: 302, admin: 200, tenderer: 403, agent: 403, bidder1: 403, supervisor: 403, expert: 403 },
  "/register": { public: 200, admin: 302, tenderer: 302, agent: 302, bidder1: 302, supervisor: 302, expert: 302 },
};

type Session = { cookie: string; csrf: string };

async function open(url: string, username?: string): Promise<Session> {
  const page = await fetch(`${url}/login`);
  const csrfCookie = /th_csrf=([^;]+)/.exec(page.headers.get("set-cookie") ?? "")![1]!;
  let csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  let cookie = `th_csrf=${csrfCookie}`;
  if (username) {
    const res = await fetch(`${url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, username, password: DEMO_PASSWORD, redirectTo: "/" }),
    });
    expect(res.status).toBe(302);
    cookie += `; th_session=${/th_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")![1]}`;
    // The token is bound to the session (docs/decisions/014): the login page's one no longer validates.
    csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${url}/`, { headers: { cookie } })).text())![1]!;
  }
  return { cookie, csrf };
}

describe("route × role authorisation matrix", () => {
  let server: RunningServer;
  const sessions = new Map<Who, Session>();

  beforeAll(async () => {
    server = await startServer();
    for (const w of WHO) sessions.set(w, await open(server.url, w === "public" ? undefined : w));
  });
  afterAll(async () => {
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
  });

  for (const [route, expected] of Object.entries(MATRIX)) {
    it(`GET ${route}`, async () => {
      const got: Record<string, number> = {};
      for (const w of WHO) {
        const res = await fetch(`${server.url}${route}`, { redirect: "manual", headers: { cookie: sessions.get(w)!.cookie } });
        got[w] = res.status;
        await res.arrayBuffer();
      }
      expect(got).toEqual(expected);
    });
  }

  it("a public visitor sent to login keeps where it was going", async () => {
    const res = await fetch(`${server.url}/admin/users`, { redirect: "manual" });
    expect(res.headers.get("location")).toBe("/login?redirectTo=%2Fadmin%2Fusers");
  });

  it("CSRF: every mutating route refuses a POST without the token, and one from another origin", async () => {
    const s = sessions.get("admin")!;
    for (const route of ["/logout", "/admin/orgs", "/admin/users", "/admin/holidays", "/record", "/inbox", "/login", "/register", "/invitations", "/my-profile", "/certificates/enroll", "/certificates/challenge", "/certificates/prove", "/admin/certificates"]) {
      const res = await fetch(`${server.url}${route}`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ name: "x" }),
      });
      expect(res.status, route).toBe(403);
    }
    const t = sessions.get("tenderer")!;
    for (const route of ["/manage/new"]) {
      const res = await fetch(`${server.url}${route}`, { method: "POST", redirect: "manual", headers: { cookie: t.cookie, "content-type": "application/x-www-form-urlencoded" }, body: "code=x" });
      expect(res.status, route).toBe(403);
    }
    const cross = await fetch(`${server.url}/admin/orgs`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: s.cookie, origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: s.csrf, name: "跨站伪造单位", kind: "bidder" }),
    });
    expect(cross.status).toBe(403);
    const list = await (await fetch(`${server.url}/admin/orgs`, { headers: { cookie: s.cookie } })).text();
    expect(list).not.toContain("跨站伪造单位");
  });

  it("the sealed-bid upload API refuses anonymous requests (401), requests without the CSRF header (403) and other origins", async () => {
    const section = "00000000-0000-4000-8000-000000000000";
    const body = JSON.stringify({ certificateId: section, chunkSize: 65536, files: [], recipients: [] });
    const anon = await fetch(`${server.url}/api/sections/${section}/uploads`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(anon.status).toBe(401);
    expect((await anon.json()).error.code).toBe("UNAUTHENTICATED");
    const b = sessions.get("bidder1")!;
    const noToken = await fetch(`${server.url}/api/sections/${section}/uploads`, { method: "POST", headers: { cookie: b.cookie, "content-type": "application/json" }, body });
    expect(noToken.status).toBe(403);
    expect((await noToken.json()).error.code).toBe("CSRF");
    const cross = await fetch(`${server.url}/api/sections/${section}/uploads`, { method: "POST", headers: { cookie: b.cookie, origin: "http://evil.example", "content-type": "application/json" }, body });
    expect(cross.status).toBe(403);
    await cross.arrayBuffer();
    // A tendering unit is not a bidder (R22): refused even with a valid token.
    const t = sessions.get("tenderer")!;
    const notBidder = await fetch(`${server.url}/api/sections/${section}/uploads`, { method: "POST", headers: { cookie: t.cookie, "x-csrf-token": t.csrf, "content-type": "application/json" }, body });
    expect(notBidder.status).toBe(403);
    await notBidder.arrayBuffer();
  });
});
