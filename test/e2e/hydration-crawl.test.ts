import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contextFor, expectNoHydrationErrors, launchBrowser, removeDataDir, startServer, takeHydrationErrors, type RunningServer } from "./harness";

/**
 * Every page of the demo, as every demo role, in both languages, hydrates without a React hydration error
 * (#418/#423/#425). The browser runs in another time zone and locale than the server (America/New_York, de-DE):
 * anything formatted with the browser's clock or locale instead of China time and a fixed format shows up here, as
 * does a value imported from a `.server` module and used in render (undefined in the browser bundle).
 *
 * The crawl starts from the portal and the role's navigation, visits every tender, every section's opening hall and
 * bid page, and follows same-origin links (at most two pages per URL pattern, ids replaced).
 */
const ROLES = ["admin", "tenderer", "agent", "supervisor", "expert", "bidder1", "public"] as const;
const LANGS = ["zh-CN", "en"] as const;
/**
 * Every role crawls in Chinese (the default); English, whose pages share every component and differ only in their
 * strings, is crawled by the roles whose pages differ most (the admin's, a bidder's, the public's) to keep the suite short.
 */
const EN_ROLES: ReadonlySet<string> = new Set(["admin", "bidder1", "public"]);
// Downloads (PDFs, feeds, receipts, certificates, archives) and the JSON API are not pages.
const SKIP = /\/(logout|lang)$|\.(pdf|atom|jws|json|pem|cer|zip)$|\/documents\/|^\/api\//;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const PER_PATTERN = 2;
const MAX_PAGES = 50;

const patternOf = (u: URL) => u.pathname.replace(UUID, ":id") + (u.search ? `?${[...u.searchParams.keys()].sort().join("&")}` : "");

/** Opens a page and waits until React has hydrated it (Remix's router exists) and a little longer for its errors. */
async function visit(page: Page, url: string) {
  const res = await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined, undefined, { timeout: 15_000 });
  await page.waitForTimeout(150);
  return res;
}

describe("no hydration errors anywhere in the demo", () => {
  let server: RunningServer;
  let browser: Browser;
  /** Every tender of the portal and its sections (found once, as the public sees them). */
  let must: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const { context, page } = await contextFor(browser, server.url);
    await visit(page, "/");
    const tenders = [...new Set(await page.$$eval("a[href^='/tenders/']", (as) => as.map((a) => a.getAttribute("href")!)))];
    for (const t of tenders) {
      await visit(page, t);
      const halls = [...new Set(await page.$$eval("a[href*='/opening']", (as) => as.map((a) => a.getAttribute("href")!)))].filter((h) => /\/opening$/.test(h));
      must.push(t, ...halls, ...halls.map((h) => h.replace(/\/opening$/, "/bid")));
    }
    must = [...new Set(must)];
    await context.close();
    takeHydrationErrors();
  });

  afterEach(expectNoHydrationErrors);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
  });

  it("the detector sees a hydration error (a page whose server HTML differs from its first render)", async () => {
    const { context, page } = await contextFor(browser, server.url, undefined, { timezoneId: "America/New_York" });
    await page.route("**/login", async (route) => {
      const r = await route.fetch();
      await route.fulfill({ response: r, body: (await r.text()).replace("<h1>", "<h1>X") });
    });
    await visit(page, "/login");
    const seen = takeHydrationErrors();
    // React may report more (#423 after #418) after the first look: close the page, then drain what came late,
    // so that the afterEach check of this test sees none of the errors it provoked on purpose.
    await context.close();
    seen.push(...takeHydrationErrors());
    expect(seen.length).toBeGreaterThan(0);
  });

  it("finds the demo's tenders and halls", () => {
    expect(must.filter((u) => /^\/tenders\/[^/]+$/.test(u)).length).toBeGreaterThanOrEqual(6);
    expect(must.filter((u) => u.endsWith("/opening")).length).toBeGreaterThanOrEqual(7);
  });

  for (const lang of LANGS) {
    for (const role of ROLES.filter((r) => lang === "zh-CN" || EN_ROLES.has(r))) {
      it(`${role} · ${lang}`, { timeout: 600_000 }, async () => {
        const { context, page } = await contextFor(browser, server.url, role === "public" ? undefined : role, { lang, locale: "de-DE", timezoneId: "America/New_York" });
        const origin = new URL(server.url).origin;
        const seen = new Map<string, number>();
        const visited = new Set<string>();
        const problems: string[] = [];
        const queue = ["/", ...must];
        const forced = new Set(must);
        let n = 0;
        while (queue.length && n < MAX_PAGES) {
          const url = queue.shift()!;
          if (visited.has(url)) continue;
          visited.add(url);
          const key = patternOf(new URL(url, origin));
          if (!forced.has(url) && (seen.get(key) ?? 0) >= PER_PATTERN) continue;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          const res = await visit(page, url);
          n++;
          for (const p of takeHydrationErrors()) problems.push(`${url}: ${p.text.slice(0, 200)}`);
          if (res && res.status() >= 500) problems.push(`${url}: HTTP ${res.status()}`);
          for (const href of await page.$$eval("a[href]", (as) => as.map((a) => a.getAttribute("href") ?? ""))) {
            if (!href.startsWith("/") || href.startsWith("//")) continue;
            const u = new URL(href, origin);
            if (!SKIP.test(u.pathname)) queue.push(u.pathname + u.search);
          }
        }
        await context.close();
        expect(problems).toEqual([]);
        expect(n).toBeGreaterThan(role === "public" ? 10 : 15);
      });
    }
  }

  it("every e2e file that opens a browser fails on hydration errors (afterEach(expectNoHydrationErrors))", () => {
    const dir = import.meta.dirname;
    const missing = readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts"))
      .filter((f) => {
        const src = readFileSync(path.join(dir, f), "utf8");
        return /launchBrowser\(/.test(src) && !/afterEach\(\s*(\(\)\s*=>\s*)?expectNoHydrationErrors/.test(src);
      });
    expect(missing).toEqual([]);
  });
});
