import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contextFor, expectNoHydrationErrors, launchBrowser, ownPostgresDatabase, removeDataDir, startServer, Visitor, type RunningServer } from "./harness";

/**
 * The anonymous tender list's page cache (server/page-cache.ts, docs/decisions/024) through the real server: a cached
 * page carries each visitor's own CSP nonce and CSRF token (the token works for that visitor's login and no other's);
 * signed-in visitors and Remix data requests are never served from it; a tender published (a `portal` event) shows on
 * the next anonymous request even though the cache's lifetime is set to ten minutes here.
 */
describe("public page cache", () => {
  let server: RunningServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  const q = `/?q=${encodeURIComponent("食堂改造")}`;
  const DRAFT = "大庆市第一中学食堂改造工程（草稿）";
  const nonceOf = (res: Response) => /'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1];

  beforeAll(async () => {
    db = await ownPostgresDatabase("pagecache");
    server = await startServer({ env: { DATABASE_URL: db.url, PAGE_CACHE_TTL_MS: "600000" } });
    browser = await launchBrowser();
  }, 300_000);
  afterEach(expectNoHydrationErrors);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await db?.drop();
  });

  it("serves one rendering to anonymous visitors, each with its own nonce and a CSRF token bound to its own cookie", async () => {
    const a = new Visitor(server.url);
    const b = new Visitor(server.url);
    const first = await a.fetch(q);
    const second = await b.fetch(q);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get("x-page-cache")).toBe("hit");
    expect(second.headers.get("cache-control")).toBe("no-store");
    const [htmlA, htmlB] = [await first.text(), await second.text()];
    // The same page, apart from the two per-visitor values.
    const nonceA = nonceOf(first)!;
    const nonceB = nonceOf(second)!;
    expect(nonceA).not.toBe(nonceB);
    expect(htmlB).toContain(`nonce="${nonceB}"`);
    expect(htmlB).not.toContain(nonceA);
    // The root loader's data carries the visitor's token (forms read it from there).
    const tokenOf = (html: string) => /\\?"csrfToken\\?":\\?"([^"\\]+)\\?"/.exec(html)![1]!;
    const tokenA = tokenOf(htmlA);
    const tokenB = tokenOf(htmlB);
    expect(tokenA).not.toBe(tokenB);
    expect(htmlB.replaceAll(tokenB, "T").replaceAll(nonceB, "N")).toBe(htmlA.replaceAll(tokenA, "T").replaceAll(nonceA, "N"));
    expect(htmlA).not.toContain(DRAFT);
    // B's token from the cached page signs B in; A's token does not work with B's cookie.
    const swapped = await b.post("/login", { _csrf: tokenA, username: "tenderer", password: "demo12345", redirectTo: "/" });
    expect(swapped.status).toBe(403);
    const ok = await b.post("/login", { _csrf: tokenB, username: "tenderer", password: "demo12345", redirectTo: "/" });
    expect(ok.status).toBe(302);
    expect(b.has("th_session")).toBe(true);
    // Signed in: rendered for the visitor, never from the cache.
    const signedIn = await b.fetch(q);
    expect(signedIn.headers.get("x-page-cache")).toBeNull();
    expect(await signedIn.text()).toContain('data-testid="whoami"');
    // Remix data requests and other paths pass by the cache.
    expect((await a.fetch(`${q}&_data=root`)).headers.get("x-page-cache")).toBeNull();
    expect((await a.fetch("/login")).headers.get("x-page-cache")).toBeNull();
  });

  it("a tender published shows on the next anonymous request (the portal event clears the cache)", async () => {
    const v = new Visitor(server.url);
    expect(await (await v.fetch(q)).text()).not.toContain(DRAFT.replace("（草稿）", ""));
    expect((await v.fetch(q)).headers.get("x-page-cache")).toBe("hit");
    const [draft] = (await db.sql`select id from projects where code = 'DQ-2026-JS-0420'`) as unknown as { id: string }[];
    const { context, page } = await contextFor(browser, server.url, "tenderer");
    await page.goto(`/manage/${draft!.id}`, { waitUntil: "networkidle" });
    await page.click('[data-testid="publish"]');
    await page.getByTestId("done").waitFor();
    await context.close();
    let seen = false;
    for (let i = 0; i < 40 && !seen; i++) {
      const res = await v.fetch(q);
      seen = (await res.text()).includes(`DQ-2026-JS-0420`);
      if (!seen) await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen).toBe(true);
  });

  it("a page past its lifetime is served at once while one request renders its successor (stale-while-revalidate)", async () => {
    // A second server on the same database whose pages live 300 ms.
    const short = await startServer({ env: { DATABASE_URL: db.url, PAGE_CACHE_TTL_MS: "300" } });
    try {
      const v = new Visitor(short.url);
      const list = "/?q=" + encodeURIComponent("教学楼改扩建");
      const first = await v.fetch(list);
      expect(first.headers.get("x-page-cache")).toBe("miss");
      const before = await first.text();
      expect(before).toContain("DQ-2026-JS-0101");
      // A change no portal event announces (only the clock-derived status changes so in practice).
      await db.sql`update projects set title = title || '（更名）' where code = 'DQ-2026-JS-0101'`;
      await new Promise((r) => setTimeout(r, 400));
      const stale = await v.fetch(list);
      expect(stale.headers.get("x-page-cache")).toBe("stale");
      expect(await stale.text()).not.toContain("（更名）");
      let fresh = "";
      for (let i = 0; i < 40 && !fresh.includes("（更名）"); i++) {
        await new Promise((r) => setTimeout(r, 100));
        fresh = await (await v.fetch(list)).text();
      }
      expect(fresh).toContain("（更名）");
    } finally {
      await db.sql`update projects set title = replace(title, '（更名）', '') where code = 'DQ-2026-JS-0101'`;
      await short.stop();
      removeDataDir(short.dataDir);
    }
  }, 120_000);
});
