import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type postgres from "postgres";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkSignedPdf } from "../helpers/pdfsig";
import { contextFor, ownPostgresDatabase, DEMO_PASSWORD, expectNoHydrationErrors, launchBrowser, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * Issue 4 end to end in Chromium (server on PostgreSQL, so the test can move the deadline and
 * the window's end like a clock would): three bidders seal bids with their certificate files;
 * at the deadline the hall opens by itself; separate browser contexts for the three bidders,
 * the tendering unit, a supervisor and the public watch it live. Two bidders check in and
 * decrypt; the third checks in but does not decrypt, so after the window two custodians (the
 * tendering unit and the supervisor) each open their share in their own browser; the 唱标
 * appears live in every context; an objection is raised and answered; the signed opening
 * record is downloaded and verified with pdfsig. Set E2E_SHOTS=dir to keep screenshots.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe("online opening hall", () => {
  let server: RunningServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  let sql: postgres.Sql;
  const dir = mkdtempSync(path.join(tmpdir(), "th-e2e-open-"));
  const shots = process.env.E2E_SHOTS;
  let projectId = "";
  let sectionId = "";
  let hallUrl = "";
  let port = 0;
  const views: Record<string, { context: BrowserContext; page: Page }> = {};
  const p12 = (user: string) => path.join(server.dataDir, "demo-certs", `${user}.p12`);
  const shot = async (page: Page, name: string) => {
    if (!shots) return;
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    db = await ownPostgresDatabase("open");
    sql = db.sql;
    port = await freePort();
    server = await startServer({ env: { DATABASE_URL: db.url, PORT: String(port) } });
    browser = await launchBrowser();
    const [p] = await sql`select p.id, s.id as section_id from projects p join sections s on s.project_id = p.id where p.code = 'DQ-2026-JS-0101'`;
    projectId = p!.id as string;
    sectionId = p!.section_id as string;
    hallUrl = `/tenders/${projectId}/sections/${sectionId}/opening`;
  });
  // Every page these tests open must hydrate cleanly (React #418/#423/#425).
  afterEach(expectNoHydrationErrors);

  afterAll(async () => {
    for (const v of Object.values(views)) await v.context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await db?.drop();
  });

  it("three bidders seal bids in their browsers; before the deadline the hall is not open", async () => {
    const prices = { bidder1: "11520000.00", bidder2: "11380000.50", bidder3: "11690000.00" };
    for (const [user, price] of Object.entries(prices)) {
      const { context, page } = await contextFor(browser, server.url, user);
      await page.goto(`/tenders/${projectId}/sections/${sectionId}/bid`, { waitUntil: "networkidle" });
      const file = path.join(dir, `${user}-技术标.pdf`);
      writeFileSync(file, randomBytes(300_000));
      await page.setInputFiles("input[name=p12]", p12(user));
      await page.fill("input[name=passphrase]", DEMO_PASSWORD);
      await page.fill("input[name=priceYuan]", price);
      await page.fill("input[name=durationDays]", "540");
      await page.fill("input[name=quality]", "合格");
      await page.fill("input[name=projectManager]", `${user}项目经理`);
      await page.setInputFiles("input[name=files]", file);
      await page.click("[data-testid=bid-form] button[type=submit]");
      await page.getByTestId("bid-done").waitFor({ timeout: 60_000 });
      await context.close();
    }
    const pub = await contextFor(browser, server.url);
    await pub.page.goto(`/tenders/${projectId}`, { waitUntil: "networkidle" });
    await pub.page.getByTestId("hall-01").click();
    await pub.page.getByTestId("not-open").waitFor();
    await pub.context.close();
  });

  it("at the deadline the hall opens by itself and every context watches it live", async () => {
    for (const user of ["bidder1", "bidder2", "bidder3", "tenderer", "supervisor"]) views[user] = await contextFor(browser, server.url, user);
    views.public = await contextFor(browser, server.url);
    for (const v of Object.values(views)) await v.page.goto(hallUrl, { waitUntil: "networkidle" });
    await views.public!.page.getByTestId("not-open").waitFor();
    // The deadline passes (as a clock would): the scheduled job opens the hall; pages update over the WebSocket.
    await sql`update projects set bid_deadline = now() - interval '1 second' where id = ${projectId}`;
    await sql`update jobs set due_at = now() where kind = 'opening.open' and payload->>'sectionId' = ${sectionId}`;
    for (const v of Object.values(views)) await v.page.getByTestId("phase").getByText("解密中").waitFor({ timeout: 20_000 });
    expect(await views.public!.page.getByTestId("counts").textContent()).toContain("递交 3 家");
    // The tendering side sees who is missing by name; the public sees only who has checked in.
    expect(await views.tenderer!.page.getByTestId("presence").textContent()).toContain("哈尔滨华安建筑工程有限公司");
    expect(await views.public!.page.getByTestId("presence").textContent()).not.toContain("哈尔滨华安建筑工程有限公司");
  });

  it("bidders check in with their certificates and two decrypt in the browser; the hall updates live", async () => {
    for (const user of ["bidder1", "bidder2", "bidder3"]) {
      const page = views[user]!.page;
      await page.setInputFiles("[data-testid=p12-form] input[name=p12]", p12(user));
      await page.fill("[data-testid=p12-form] input[name=passphrase]", DEMO_PASSWORD);
      await page.click("[data-testid=p12-form] button[type=submit]");
      await page.getByTestId("checkin").click();
      await page.getByTestId("my-state").getByText("已签到").waitFor();
    }
    await views.public!.page.getByTestId("presence").getByText("哈尔滨华安建筑工程有限公司").waitFor();
    expect(await views.public!.page.getByTestId("counts").textContent()).toContain("已签到 3 家");
    await shot(views.bidder1!.page, "hall-bidder-checked-in");

    // The server restarts in the middle of the opening (same database, data folder and port): the pages
    // reconnect their WebSocket and catch up by sequence number; nothing of the opening is lost.
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { DATABASE_URL: db.url, PORT: String(port) } });
    for (const user of ["bidder1", "bidder2"]) {
      const page = views[user]!.page;
      await page.getByTestId("release").click();
      await page.getByTestId("my-state").getByText("已解密").waitFor({ timeout: 30_000 });
    }
    await views.tenderer!.page.getByTestId("counts").getByText("已解密 2 家").waitFor();
    await views.supervisor!.page.getByTestId("counts").getByText("已解密 2 家").waitFor();
    // No prices or names with prices before the reading, in any context.
    for (const v of Object.values(views)) expect(await v.page.textContent("main")).not.toContain("11520000");
    await shot(views.tenderer!.page, "hall-tenderer-decryption");
  });

  it("after the window, two custodians open their shares in their own browsers; the 唱标 appears live everywhere", async () => {
    await sql`update openings set decryption_ends_at = now() - interval '1 second' where section_id = ${sectionId}`;
    await sql`update jobs set due_at = now() where kind = 'opening.window_end' and payload->>'sectionId' = ${sectionId}`;
    for (const v of Object.values(views)) await v.page.getByTestId("phase").getByText("密钥保管人解密").waitFor({ timeout: 20_000 });
    await shot(views.supervisor!.page, "hall-supervisor-fallback");
    for (const user of ["tenderer", "supervisor"]) {
      const page = views[user]!.page;
      const panel = page.getByTestId("custodian-panel");
      await panel.locator("input[name=p12]").setInputFiles(p12(user));
      await panel.locator("input[name=passphrase]").fill(DEMO_PASSWORD);
      await panel.locator("button[type=submit]").click();
      await page.getByTestId("release-share").click();
      if (user === "tenderer") await page.getByTestId("share-result").waitFor({ timeout: 30_000 });
    }
    for (const [name, v] of Object.entries(views)) {
      const reading = v.page.getByTestId("reading");
      await reading.waitFor({ timeout: 30_000 });
      const text = (await reading.textContent()) ?? "";
      // Prices as money (app/domain/money.ts#formatMoney: thousands separators), with the capitals below.
      expect(text, name).toContain("¥11,520,000.00");
      expect(text, name).toContain("¥11,380,000.50");
      expect(text, name).toContain("¥11,690,000.00");
      expect(text, name).toContain("哈尔滨华安建筑工程有限公司");
      expect(text, name).toContain("壹仟壹佰叁拾捌万元伍角整");
    }
    expect(await views.tenderer!.page.getByTestId("progress").textContent()).toContain("由密钥保管人解密");
    await shot(views.public!.page, "hall-public-reading");
  });

  it("an objection is raised and answered in the hall, bidders confirm, the signed record is downloaded and verifies", async () => {
    const b2 = views.bidder2!.page;
    await b2.getByTestId("object-form").locator("textarea").fill("第3家投标人的工期唱标是否与投标函一致？");
    await b2.getByTestId("object-form").locator("button").click();
    const tu = views.tenderer!.page;
    const form = tu.getByTestId("answer-form");
    await form.waitFor({ timeout: 15_000 });
    await form.locator("input[name=answer]").fill("经核对投标文件，工期为540日历天，唱标无误。");
    await form.locator("button").click();
    await b2.getByTestId("answer").getByText("唱标无误").waitFor({ timeout: 15_000 });
    await views.public!.page.getByTestId("answer").getByText("唱标无误").waitFor({ timeout: 15_000 });
    for (const user of ["bidder1", "bidder2", "bidder3"]) {
      await views[user]!.page.getByTestId("confirm").click();
      await views[user]!.page.getByText("您已确认开标记录").waitFor();
    }
    await shot(tu, "hall-tenderer-reading");
    await tu.getByTestId("close").click();
    await tu.getByTestId("record-pdf").waitFor({ timeout: 30_000 });
    // Every context sees the record live; the public downloads it.
    const pub = views.public!.page;
    await pub.getByTestId("record-pdf").waitFor({ timeout: 15_000 });
    const [download] = await Promise.all([pub.waitForEvent("download"), pub.getByTestId("record-pdf").click()]);
    const file = path.join(dir, "record.pdf");
    await download.saveAs(file);
    const ca = readFileSync(path.join(server.dataDir, "pki", "ca.pem"), "utf8");
    const check = checkSignedPdf(new Uint8Array(readFileSync(file)), ca);
    expect(check.plain).toContain("Signature is Valid");
    expect(check.trusted).toContain("Certificate is Trusted");
    expect(check.tampered).toContain("Digest Mismatch");
    const text = check.text.replace(/\s+/g, "");
    expect(text).toContain("开标记录表");
    expect(text).toContain("11,380,000.50"); // with separators, as the hall shows it
    expect(text).toContain("唱标无误");
    expect(text).toContain("密钥保管人");
    const [o] = await sql`select phase, record_sha256 from openings where section_id = ${sectionId}`;
    expect(o).toMatchObject({ phase: "closed" });
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    await shot(pub, "hall-public-closed");
    // The tender's public page lists the section's hall as closed, with its signed record.
    await pub.goto(`/tenders/${projectId}`, { waitUntil: "networkidle" });
    await pub.getByRole("link", { name: "开标记录表" }).waitFor();
  });
});
