import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contextFor, expectNoHydrationErrors, launchBrowser, ownPostgresDatabase, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * The workbench (工作台, issue 14 point 5) in Chromium through the real server, its demo seed and its own PostgreSQL
 * database: every demo role signs in without a redirect target and lands on /workbench, where its part lists what waits
 * for it — the tendering unit's and the agency's contract due (R56) and bond refunds (R15) of DQ-2026-JS-0601 with
 * their limits and the sections by stage with a supervision light or "—"; a bidder's bids with their version and
 * receipt, the opening hall to attend and its notices (R54); an expert's booked evaluation; the admin's pool, rooms
 * booked today and a failed job. Counts link to their lists; bad query parameters are ignored; the header stays on one
 * line. Screenshots (PNG) go to WORKBENCH_SHOTS (default /tmp/workbench-shots), not into the repository.
 */
describe("the workbench of every demo role", () => {
  let server: RunningServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  const dir = mkdtempSync(path.join(tmpdir(), "th-e2e-workbench-"));
  const shots = process.env.WORKBENCH_SHOTS ?? "/tmp/workbench-shots";

  const shot = async (page: Page, name: string) => {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };
  const hydrated = (page: Page) => page.waitForFunction(() => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined, undefined, { timeout: 30_000 });
  const texts = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((e) => (e as HTMLElement).innerText.trim()));
  /** Signs in through the login page (no redirect target) and checks it lands on the workbench. */
  const signIn = async (username: string, lang: "zh-CN" | "en" = "zh-CN") => {
    const c = await contextFor(browser, server.url, username, { lang, viewport: { width: 1366, height: 900 } });
    expect(new URL(c.page.url()).pathname, username).toBe("/workbench");
    await hydrated(c.page);
    return c;
  };

  beforeAll(async () => {
    db = await ownPostgresDatabase("workbench");
    server = await startServer({ env: { DATABASE_URL: db.url } });
    // Screenshots are read by people: Chromium gets the Noto Sans SC font (the machine may have no CJK font).
    const fonts = path.join(dir, "fonts.conf");
    const noto = path.dirname(createRequire(import.meta.url).resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"));
    writeFileSync(fonts, `<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>${noto}</dir><dir>${path.join(noto, "../700Bold")}</dir><cachedir>${path.join(dir, "fc-cache")}</cachedir></fontconfig>`);
    process.env.FONTCONFIG_FILE = fonts;
    browser = await launchBrowser();
    // A job that failed (the admin's list): what a handler that kept throwing leaves behind.
    await db.sql`insert into jobs (kind, payload, due_at, state, attempts, last_error) values ('archive.export', '{}'::jsonb, now() - interval '1 hour', 'failed', 5, 'ENOSPC: no space left on device')`;
  }, 300_000);
  afterEach(expectNoHydrationErrors);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await db?.drop();
    removeDataDir(dir);
  });

  it("the tendering unit and the agency: the contract and refunds due with their limits, sections by stage with a light or —", async () => {
    for (const user of ["tenderer", "agent"]) {
      const { context, page } = await signIn(user);
      const part = page.getByTestId("wb-tendering");
      await part.waitFor();
      const kinds = await page.$$eval("[data-testid=wb-pending-row]", (rows) => rows.map((r) => r.getAttribute("data-kind")));
      expect(kinds.length, user).toBeGreaterThan(0);
      // DQ-2026-JS-0601: 标段 02 awarded (contract due, R56), 标段 03 contracted (two refunds due, R15).
      await page.getByTestId("kind-contract").waitFor();
      await page.getByTestId("kind-refund").waitFor();
      const stages = await texts(page, "[data-testid=wb-stages] a");
      expect(stages.length).toBeGreaterThan(0);
      // Every section shows its light from the read model, or "—" without a row.
      for (const l of await texts(page, "[data-testid=wb-light]")) expect(["绿灯", "黄灯", "红灯", "—"]).toContain(l);
      await shot(page, `${user}`);

      // The contract count opens its list (the workbench anchor), filtered: each row a contract with its limit and time left.
      await Promise.all([page.waitForURL(/list=tendering-pending&kind=contract#wb-tendering-pending/), page.getByTestId("kind-contract").click()]);
      const rows = page.locator("[data-testid=wb-tendering-pending] [data-testid=wb-pending-row]");
      await expect.poll(async () => [...new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-kind"))))]).toEqual(["contract"]);
      const due = await rows.first().locator("[data-testid=wb-due]").innerText();
      expect(due).toMatch(/R56|\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      expect(await rows.first().innerText()).toContain("R56");
      await rows.first().locator("[data-testid=countdown]").waitFor();
      // The row links to the results page where the contract is recorded.
      expect(await rows.first().locator("a").getAttribute("href")).toMatch(/^\/manage\/[0-9a-f-]{36}\/results$/);
      await shot(page, `${user}-contract-list`);
      await context.close();
    }
  });

  it("a bidder: its bids with version and receipt, the opening hall to attend, its notices and documents", async () => {
    const { context, page } = await signIn("bidder1");
    await page.getByTestId("wb-bidder").waitFor();
    const versions = await texts(page, "[data-testid=wb-bidder-bids] [data-testid=wb-bid-version]");
    expect(versions.length).toBeGreaterThan(0);
    expect(versions[0]).toMatch(/第 \d+ 版 · 回执/);
    const receipt = await page.locator("[data-testid=wb-receipt]").first().getAttribute("href");
    expect(receipt).toMatch(/^\/bids\/[0-9a-f-]{36}\/receipt$/);
    // DQ-2026-JS-0466's hall opened at seed time: the bid waits to be decrypted there (R26).
    expect(await page.locator("[data-testid=wb-opening-row]").count()).toBeGreaterThan(0);
    // The result notices of DQ-2026-JS-0601's 标段 02 and 03 (R54): bidder1 won neither.
    const notices = await page.$$eval("[data-testid=wb-notice-row]", (rows) => rows.map((r) => r.getAttribute("data-kind")));
    expect(notices).toContain("result_notice");
    expect(await page.locator("[data-testid=wb-download-row]").count()).toBeGreaterThan(0);
    await shot(page, "bidder1");
    // The bids count opens the whole list; the receipt link leads to the receipt.
    await Promise.all([page.waitForURL(/list=bidder-bids/), page.getByTestId("count-bidder-bids").click()]);
    expect(await page.locator("[data-testid=wb-bidder-bids] [data-testid=wb-bid-row]").count()).toBeGreaterThan(0);
    await Promise.all([page.waitForURL(/\/bids\/[0-9a-f-]{36}\/receipt$/), page.locator("[data-testid=wb-receipt]").first().click()]);
    await context.close();
  });

  it("an expert: the evaluation booked for it, with its invitation", async () => {
    const { context, page } = await signIn("expert");
    await page.getByTestId("wb-expert").waitFor();
    // DQ-2026-JL-0521's evaluation (room PB-03) started at seed time: the expert sits on it.
    const evaluations = page.locator("[data-testid=wb-evaluation-row]");
    expect(await evaluations.count()).toBeGreaterThan(0);
    expect(await evaluations.first().locator("a").getAttribute("href")).toMatch(/^\/evaluations\/[0-9a-f-]{36}$/);
    expect(await page.locator("[data-testid=wb-invitation-row][data-status=confirmed]").count()).toBeGreaterThan(0);
    expect(await page.getByTestId("wb-expert-invitations").innerText()).toContain("PB-03");
    await shot(page, "expert");
    await context.close();
  });

  it("the admin: the pool's health, rooms booked today, the failed job; in English too", async () => {
    const { context, page } = await signIn("admin");
    await page.getByTestId("wb-admin").waitFor();
    expect(Number(await page.getByTestId("pool-active").innerText())).toBeGreaterThanOrEqual(100);
    expect(await page.getByTestId("pool-active").getAttribute("href")).toBe("/pool?status=active");
    // The demo evaluation's booking of PB-03 today.
    const today = await page.$$eval("[data-testid=wb-rooms-per-day] td", (tds) => (tds[0] as HTMLElement).innerText.trim());
    expect(Number(today)).toBeGreaterThanOrEqual(1);
    const job = page.locator("[data-testid=wb-job-row]");
    expect(await job.count()).toBe(1);
    expect(await job.innerText()).toContain("archive.export");
    expect(await job.innerText()).toContain("ENOSPC");
    await shot(page, "admin");
    // The jobs count opens its list on the workbench.
    await Promise.all([page.waitForURL(/list=admin-jobs#wb-admin-jobs/), page.getByTestId("count-admin-jobs").click()]);
    // The specialty count links to the pool filtered by it.
    const spec = await page.$$eval("[data-testid=wb-admin-pool] td a", (as) => as.map((a) => a.getAttribute("href")));
    expect(spec.every((h) => /^\/pool\?status=active&specialty=[A-Z0-9]+$/.test(h ?? ""))).toBe(true);
    await context.close();

    const en = await signIn("admin", "en");
    expect(await en.page.locator("main h1").innerText()).toBe("Workbench");
    expect(await en.page.getByTestId("wb-admin").innerText()).toContain("Failed jobs");
    await shot(en.page, "admin-en");
    await en.context.close();
  });

  it("a supervisor is pointed to the supervision dashboard; the public is sent to sign in; bad query parameters are ignored", async () => {
    const anon = await fetch(`${server.url}/workbench`, { redirect: "manual" });
    expect(anon.status).toBe(302);
    expect(anon.headers.get("location")).toBe("/login?redirectTo=%2Fworkbench");
    const { context, page } = await signIn("supervisor");
    expect(await page.getByTestId("wb-none").innerText()).toContain("电子监察");
    await context.close();
    const t = await signIn("tenderer");
    const res = await t.page.goto("/workbench?list=%00zz&page=1e308&stage=nope&kind='--&day=2026-99-99&role=admin", { waitUntil: "networkidle" });
    expect(res!.status()).toBe(200);
    await t.page.getByTestId("wb-tendering").waitFor();
    await t.context.close();
  });

  it("the header with the workbench link stays on one line at 1366 px", async () => {
    for (const lang of ["zh-CN", "en"] as const) {
      for (const user of ["admin", "tenderer", "agent", "supervisor", "expert", "bidder1"]) {
        const { context, page } = await signIn(user, lang);
        const link = page.locator("header .main-nav a[href='/workbench']");
        expect(await link.innerText()).toBe(lang === "en" ? "Workbench" : "工作台");
        const nav = await page.$$eval("header .main-nav a, header .user-nav > *", (els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
        expect(Math.max(...nav) - Math.min(...nav), `${user} ${lang}: ${nav.join(",")}`).toBeLessThan(20);
        await context.close();
      }
    }
  });
});
