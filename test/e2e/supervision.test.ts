import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contextFor, expectNoHydrationErrors, launchBrowser, ownPostgresDatabase, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * Electronic supervision (电子监察, R23, R63–R65) in Chromium through the real server, its demo seed and its own
 * PostgreSQL database (the test acts as the clock): the dashboard shows the demo's lights and alerts; a limit's light
 * turns yellow then red on an open dashboard by the clock alone (no reload); the collusion alerts of the demo's
 * county tender (two bids sealed from one address with one project manager, prices in equal steps); and city–county
 * supervision (the county supervisor sees its county only).
 */
describe("electronic supervision in the browser", () => {
  let server: RunningServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;

  const hydrated = (page: Page) => page.waitForFunction(() => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined, undefined, { timeout: 30_000 });
  const projectId = async (code: string) => ((await db.sql`select id from projects where code = ${code}`) as unknown as { id: string }[])[0]!.id;
  /** Waits until the projector has given every section its row (it runs once a second in the server). */
  const settled = async () => {
    for (let i = 0; i < 60; i++) {
      const [r] = (await db.sql`select count(*)::int as n from sections s where not exists (select 1 from supervision_lights l where l.section_id = s.id)`) as unknown as { n: number }[];
      if (r!.n === 0) return;
      await new Promise((res) => setTimeout(res, 500));
    }
    throw new Error("projector did not settle");
  };

  beforeAll(async () => {
    db = await ownPostgresDatabase("supervision");
    server = await startServer({ env: { DATABASE_URL: db.url } });
    browser = await launchBrowser();
    await settled();
  }, 300_000);
  afterEach(expectNoHydrationErrors);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await db?.drop();
  });

  it("the city supervisor's dashboard: every light occurs in the demo, counts link to their lists, the collusion alerts of the county tender (R23, R65)", async () => {
    const { page, context } = await contextFor(browser, server.url, "supervisor");
    await page.goto("/supervise", { waitUntil: "networkidle" });
    const count = async (l: string) => Number((await page.locator(`[data-testid=count-${l}] strong`).innerText()).trim());
    expect(await count("red")).toBeGreaterThanOrEqual(1);
    expect(await count("yellow")).toBeGreaterThanOrEqual(1);
    expect(await count("green")).toBeGreaterThanOrEqual(1);
    // The red tile filters the list to red rows; the worst come first on the unfiltered list too.
    await Promise.all([page.waitForURL(/light=red/), page.click("[data-testid=count-red]")]);
    const lights = await page.$$eval("[data-testid=supervise-row]", (rows) => rows.map((r) => r.getAttribute("data-light")));
    expect(lights.length).toBe(await count("red"));
    expect(new Set(lights)).toEqual(new Set(["red"]));
    const reasons = await page.$$eval("[data-testid=supervise-row] [data-testid=reasons]", (r) => r.map((x) => (x as HTMLElement).innerText));
    expect(reasons.some((r) => r.includes("R11/R12"))).toBe(true);
    expect(await page.locator("[data-testid=chart-stages] svg").count()).toBe(1);

    // The demo's one open case is on the county tender's row.
    await page.goto("/supervise?q=DQ-2026-JS-0702", { waitUntil: "networkidle" });
    expect((await page.locator("[data-testid=supervise-row] td.num").nth(1).innerText()).trim()).toBe("1");
    // One click from the row to the tender's supervision page, inside the app (the table's plain links are
    // navigated by one delegated handler: no document load, the marker set on this window survives).
    await page.evaluate(() => ((window as unknown as { thMarker: number }).thMarker = 42));
    const target = `/supervise/${await projectId("DQ-2026-JS-0702")}`;
    await Promise.all([page.waitForURL((u) => u.pathname === target), page.click("[data-testid=supervise-row] [data-testid=project-link]")]);
    expect(await page.evaluate(() => (window as unknown as { thMarker?: number }).thMarker)).toBe(42);
    // The county tender DQ-2026-JS-0702: the supervision panel lists the R23 alerts with the bidders concerned.
    await page.waitForSelector("[data-testid=alerts] li");
    const kinds = await page.$$eval("[data-testid=alerts] li", (li) => li.map((l) => l.getAttribute("data-kind")));
    expect(kinds).toEqual(expect.arrayContaining(["ALERT_R23_SAME_IP", "ALERT_R23_SAME_PROJECT_MANAGER", "ALERT_R23_PRICE_ARITHMETIC"]));
    const ipAlert = await page.locator("[data-testid=alerts] li[data-kind=ALERT_R23_SAME_IP]").innerText();
    expect(ipAlert).toContain("黑龙江龙建路桥建设有限公司");
    expect(ipAlert).toContain("大庆油田建设集团有限责任公司");
    expect(ipAlert).not.toContain("哈尔滨华安建筑工程有限公司");
    expect(ipAlert).toContain("192.0.2.11");
    await context.close();
  });

  it("a limit's light turns yellow then red on an open dashboard by the clock alone, without a reload (R11, R65)", async () => {
    const { page, context } = await contextFor(browser, server.url, "supervisor");
    const pid = await projectId("DQ-2026-JS-0315");
    const [section] = (await db.sql`select id from sections where project_id = ${pid}`) as unknown as { id: string }[];
    await page.goto("/supervise?q=DQ-2026-JS-0315", { waitUntil: "networkidle" });
    await hydrated(page);
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    // The page is open (and subscribed to the live channel) before anything changes.
    await page.waitForTimeout(1500);
    // The clock: the pending objection's answer limit (R11) is moved to run from 10 s ago to 12 s from now — 45 % used,
    // yellow at 80 % (in ≈ 7.6 s), red once it passes (in 12 s). The row is re-judged now, as a command on the section
    // would have it; from then on only the projector's own schedule (next_change_at) moves the light.
    await db.sql`update objections set filed_at = now() - interval '10 seconds', answer_due_at = now() + interval '12 seconds' where project_id = ${pid} and status = 'pending'`;
    await db.sql`update supervision_lights set next_change_at = now() where section_id = ${section!.id}`;
    const row = page.locator(`[data-testid=supervise-row][data-section="${section!.id}"]`);
    await expect.poll(() => row.getAttribute("data-light"), { timeout: 10_000, interval: 200 }).toBe("green");
    await expect.poll(() => row.getAttribute("data-light"), { timeout: 20_000, interval: 200 }).toBe("yellow");
    await expect.poll(() => row.getAttribute("data-light"), { timeout: 20_000, interval: 200 }).toBe("red");
    await expect(row.locator("[data-testid=reasons]").innerText()).resolves.toContain("R11");
    // The page was never reloaded: the live channel revalidated it.
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    // The history records both changes.
    const history = (await db.sql`select from_light, light from supervision_history where section_id = ${section!.id} order by id`) as unknown as { from_light: string | null; light: string }[];
    expect(history.slice(-2).map((h) => `${h.from_light}→${h.light}`)).toEqual(["green→yellow", "yellow→red"]);
    await context.close();
  });

  it("an event between the page's render and its subscription is not lost: the page subscribes after the sequence number its data was read at", async () => {
    const { page, context } = await contextFor(browser, server.url, "supervisor");
    const [green] = (await db.sql`select l.section_id, p.id as project_id, p.code from supervision_lights l join projects p on p.id = l.project_id
      where l.light = 'green' and l.stage = 'tendering' order by p.code limit 1`) as unknown as { section_id: string; project_id: string; code: string }[];
    // The page's subscribe frame is held back until the event has happened (as if the socket opened late).
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await page.routeWebSocket(/\/live$/, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((m) => void gate.then(() => upstream.send(m)));
    });
    await page.goto(`/supervise?q=${green!.code}`, { waitUntil: "networkidle" });
    await hydrated(page);
    const row = page.locator(`[data-testid=supervise-row][data-section="${green!.section_id}"]`);
    expect(await row.getAttribute("data-light")).toBe("green");
    // TEST SETUP: an objection whose answer is overdue appears; the projector judges the section red and announces it.
    const [b] = (await db.sql`select u.id, m.org_id from users u join memberships m on m.user_id = u.id where u.username = 'bidder3' limit 1`) as unknown as { id: string; org_id: string }[];
    await db.sql`insert into objections (project_id, org_id, user_id, body, filed_at, answer_due_at) values (${green!.project_id}, ${b!.org_id}, ${b!.id}, '监察测试异议', now() - interval '5 days', now() - interval '1 hour')`;
    await db.sql`update supervision_lights set next_change_at = now() where section_id = ${green!.section_id}`;
    await expect.poll(async () => ((await db.sql`select light from supervision_lights where section_id = ${green!.section_id}`) as unknown as { light: string }[])[0]!.light, { timeout: 15_000, interval: 200 }).toBe("red");
    release();
    await expect.poll(() => row.getAttribute("data-light"), { timeout: 15_000, interval: 200 }).toBe("red");
    await context.close();
  });

  it("city–county supervision: the county supervisor sees its county's tender only; another county's tender is not found (R63/R64)", async () => {
    const { page, context } = await contextFor(browser, server.url, "supervisor2");
    await page.goto("/supervise", { waitUntil: "networkidle" });
    await expect(page.locator("[data-testid=scope]").innerText()).resolves.toContain("黑龙江省大庆市肇州县");
    const codes = await page.$$eval("[data-testid=project-link]", (a) => a.map((x) => x.textContent ?? ""));
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((c) => c.includes("DQ-2026-JS-0702"))).toBe(true);
    const other = await page.goto(`/supervise/${await projectId("DQ-2026-JS-0101")}`);
    expect(other!.status()).toBe(404);
    const own = await page.goto(`/supervise/${await projectId("DQ-2026-JS-0702")}`);
    expect(own!.status()).toBe(200);
    await context.close();
  });
});
