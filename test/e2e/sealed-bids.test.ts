import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type postgres from "postgres";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contextFor, ownPostgresDatabase, DEMO_PASSWORD, expectNoHydrationErrors, launchBrowser, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * Issue 3 end to end in Chromium (server on PostgreSQL, so the test can move the deadline
 * like a clock would): a bidder enrols in the browser and downloads its PKCS#12 file, seals
 * and uploads a 50 MB bid with the progress bar visible, reloads mid-upload and resumes,
 * receives and verifies its receipt, replaces the bid, and a bid finished one second after
 * the deadline is refused. Supervisors see a count; the tendering unit sees nothing.
 */
describe("sealed bids", () => {
  let server: RunningServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  let sql: postgres.Sql;
  const dir = mkdtempSync(path.join(tmpdir(), "th-e2e-bids-"));
  let p12Path = "";
  let bidPath = "";
  let projectId = "";
  const PASS = "投标口令-passphrase-42";

  beforeAll(async () => {
    db = await ownPostgresDatabase("bids");
    sql = db.sql;
    server = await startServer({ env: { DATABASE_URL: db.url } });
    browser = await launchBrowser();
    const [p] = await sql`select id from projects where code = 'DQ-2026-JS-0101'`;
    projectId = p!.id as string;
    // 50 MB of bid file (random bytes: nothing in it compresses or repeats).
    const fifty = path.join(dir, "技术标.bin");
    writeFileSync(fifty, randomBytes(50 * 1024 * 1024));
    bidPath = fifty;
  });
  // Every page these tests open must hydrate cleanly (React #418/#423/#425).
  afterEach(expectNoHydrationErrors);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await db?.drop();
  });

  async function fillBid(page: Page, files: string[], price: string) {
    await page.setInputFiles("input[name=p12]", p12Path);
    await page.fill("input[name=passphrase]", PASS);
    await page.fill("input[name=priceYuan]", price);
    await page.fill("input[name=durationDays]", "540");
    await page.fill("input[name=quality]", "合格");
    await page.fill("input[name=projectManager]", "陈建国");
    await page.setInputFiles("input[name=files]", files);
  }

  it("a bidder enrols in the browser and downloads its PKCS#12 file", async () => {
    const { context, page } = await contextFor(browser, server.url, "bidder2");
    await page.goto("/certificates", { waitUntil: "networkidle" });
    await page.fill("input[name=passphrase]", PASS);
    await page.fill("input[name=passphrase2]", PASS);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=enrol-form] button[type=submit]")]);
    p12Path = path.join(dir, download.suggestedFilename());
    await download.saveAs(p12Path);
    expect(download.suggestedFilename()).toBe("tenderhall-bidder2.p12");
    await page.getByTestId("status-ok").waitFor();
    // The certificate names the user and the organisation in Chinese; the server stored the certificate only.
    await page.getByTestId("certificates").getByText("周投标").first().waitFor();
    const [row] = await sql`select subject_cn, subject_o, cert_pem from certificates c join users u on u.id = c.user_id where u.username = 'bidder2' order by c.created_at desc limit 1`;
    expect(row).toMatchObject({ subject_cn: "周投标", subject_o: "大庆油田建设集团有限责任公司" });
    expect(String(row!.cert_pem)).not.toContain("PRIVATE KEY");
    // Possession proof with the downloaded file.
    await page.setInputFiles("[data-testid=prove-form] input[name=p12]", p12Path);
    await page.fill("[data-testid=prove-form] input[name=passphrase]", PASS);
    await page.click("[data-testid=prove-form] button[type=submit]");
    await page.getByText("已证明持有").waitFor();
    await context.close();
  });

  it("seals and uploads 50 MB with progress, resumes after a reload, verifies the receipt, replaces the bid", async () => {
    const { context, page } = await contextFor(browser, server.url, "bidder2");
    await page.goto(`/tenders/${projectId}`, { waitUntil: "networkidle" });
    await page.getByTestId("bid-links").getByRole("link").first().click();
    await page.waitForURL(/\/bid$/);
    await page.getByTestId("no-bid").waitFor();

    // Slow the chunk uploads down a little so the reload lands mid-upload.
    let stored = 0;
    await page.route("**/api/uploads/*/chunks/**", async (route) => {
      if (route.request().method() === "PUT") await new Promise((r) => setTimeout(r, 250));
      await route.continue();
    });
    page.on("response", (r) => {
      if (r.request().method() === "PUT" && r.url().includes("/chunks/") && r.ok()) stored++;
    });
    await page.waitForLoadState("networkidle");
    await fillBid(page, [bidPath], "11650000.00");
    await page.click("[data-testid=bid-form] button[type=submit]");
    const progress = page.getByTestId("upload-progress");
    await progress.waitFor();
    await expect.poll(() => stored, { timeout: 60_000 }).toBeGreaterThanOrEqual(4);
    const text = await page.getByTestId("progress-text").textContent();
    expect(text).toMatch(/MB\/s/);
    expect(text).toMatch(/剩余 \d+ 秒/);
    await page.screenshot({ path: path.join(dir, "progress.png") });

    // Reload mid-upload: the page offers to resume; only the missing chunks are sent.
    await page.reload({ waitUntil: "networkidle" });
    const banner = page.getByTestId("resume-banner");
    await banner.waitFor();
    const before = stored;
    expect(before).toBeLessThan(14);
    await fillBid(page, [bidPath], "11650000.00");
    await page.click("[data-testid=bid-form] button[type=submit]");
    const done = page.getByTestId("bid-done");
    await done.waitFor({ timeout: 120_000 });
    expect(await done.textContent()).toContain("已续传完成，接收第 1 版投标文件");
    expect(await page.getByTestId("receipt-check").textContent()).toContain("签名有效");
    // 14 chunks in all (bid form + 50 MiB in 4 MiB chunks: 12 × 4 MiB + 2 MiB); the resumed run sent only what was missing.
    expect(stored - before).toBeLessThan(14);
    expect(stored - before).toBeGreaterThan(0);
    const [bid] = await sql`select b.version, b.total_bytes, b.ip, b.user_agent, jsonb_array_length(b.manifest->'files') as files from bids b join organisations o on o.id = b.org_id join sections s on s.id = b.section_id where o.name = '大庆油田建设集团有限责任公司' and s.project_id = ${projectId}`;
    expect(Number(bid!.total_bytes)).toBeGreaterThan(50 * 1024 * 1024);
    expect(bid).toMatchObject({ version: 1, files: 2 });
    expect(String(bid!.user_agent)).toContain("Chrome");

    // The receipt page verifies the platform's signature in the browser; the downloaded file verifies too.
    await page.getByTestId("current-bid").waitFor();
    await page.getByTestId("receipt-link").click();
    await page.getByTestId("receipt-verdict").getByText("签名有效").waitFor();
    expect(await page.getByTestId("receipt").textContent()).toContain("DQ-2026-JS-0101");
    const [jws] = await Promise.all([page.waitForEvent("download"), page.getByTestId("receipt-download").click()]);
    const jwsPath = path.join(dir, "receipt.jws");
    await jws.saveAs(jwsPath);
    await page.setInputFiles("[data-testid=receipt-file]", jwsPath);
    await page.getByTestId("receipt-file-verdict").getByText("签名有效").waitFor();
    // A tampered receipt fails.
    const parts = (await import("node:fs")).readFileSync(jwsPath, "utf8").split(".");
    const forged = JSON.parse(Buffer.from(parts[1]!, "base64url").toString());
    forged.version = 9;
    const forgedPath = path.join(dir, "receipt-forged.jws");
    writeFileSync(forgedPath, `${parts[0]}.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${parts[2]}`);
    await page.setInputFiles("[data-testid=receipt-file]", forgedPath);
    await page.getByTestId("receipt-file-verdict").getByText("篡改").waitFor();

    // Replace before the deadline: version 2; version 1 is kept as replaced.
    await page.goBack({ waitUntil: "networkidle" });
    const small = path.join(dir, "商务标.pdf");
    writeFileSync(small, randomBytes(200_000));
    await fillBid(page, [small], "11600000.00");
    await page.click("[data-testid=bid-form] button[type=submit]");
    await page.getByTestId("bid-done").getByText("已接收第 2 版投标文件").waitFor({ timeout: 60_000 });
    await page.getByTestId("current-bid").getByText("第 2 版").waitFor();
    expect(await page.getByTestId("my-bid").textContent()).toContain("已替换");
    await context.close();
  });

  it("supervisors see a count; the tendering unit sees nothing", async () => {
    const sup = await contextFor(browser, server.url, "supervisor");
    await sup.page.goto(`/supervise/${projectId}`, { waitUntil: "networkidle" });
    expect(await sup.page.getByTestId("sealed-count-01").textContent()).toContain("1 份");
    await sup.context.close();
    const tu = await contextFor(browser, server.url, "tenderer");
    const [section] = await sql`select id from sections where project_id = ${projectId}`;
    const res = await tu.page.goto(`/tenders/${projectId}/sections/${section!.id}/bid`);
    expect(res?.status()).toBe(403);
    await tu.page.goto(`/manage/${projectId}`, { waitUntil: "networkidle" });
    expect(await tu.page.textContent("main")).not.toContain("密封投标文件");
    await tu.context.close();
  });

  it("a second bidder seals from the same address with the same project manager: the supervisor sees the R23 alert naming both (R23)", async () => {
    const { context, page } = await contextFor(browser, server.url, "bidder1");
    await page.goto(`/tenders/${projectId}`, { waitUntil: "networkidle" });
    await page.getByTestId("bid-links").getByRole("link").first().click();
    await page.waitForURL(/\/bid$/);
    await page.waitForLoadState("networkidle");
    const small = path.join(dir, "技术标-1.pdf");
    writeFileSync(small, randomBytes(200_000));
    await page.setInputFiles("input[name=p12]", path.join(server.dataDir, "demo-certs", "bidder1.p12"));
    await page.fill("input[name=passphrase]", DEMO_PASSWORD);
    await page.fill("input[name=priceYuan]", "11200000");
    await page.fill("input[name=durationDays]", "540");
    await page.fill("input[name=quality]", "合格");
    // The same project manager as bidder2's bid; both browsers upload from 127.0.0.1.
    await page.fill("input[name=projectManager]", "陈建国");
    await page.setInputFiles("input[name=files]", small);
    await page.click("[data-testid=bid-form] button[type=submit]");
    await page.getByTestId("bid-done").waitFor({ timeout: 60_000 });
    await context.close();

    // The projector raises the alert within a pass of the bid's record entry; the supervision page lists it.
    const sup = await contextFor(browser, server.url, "supervisor");
    let kinds: (string | null)[] = [];
    for (let i = 0; i < 30 && !kinds.includes("ALERT_R23_SAME_IP"); i++) {
      await sup.page.goto(`/supervise/${projectId}`, { waitUntil: "networkidle" });
      kinds = await sup.page.$$eval("[data-testid=alerts] li", (li) => li.map((l) => l.getAttribute("data-kind")));
      if (!kinds.includes("ALERT_R23_SAME_IP")) await sup.page.waitForTimeout(500);
    }
    const text = await sup.page.locator("[data-testid=alerts] li[data-kind=ALERT_R23_SAME_IP]").innerText();
    expect(text).toContain("黑龙江龙建路桥建设有限公司");
    expect(text).toContain("大庆油田建设集团有限责任公司");
    expect(text).toContain("127.0.0.1");
    // The project manager is inside the sealed bids: no alert can name it before the opening decrypts them (R18).
    expect(kinds).not.toContain("ALERT_R23_SAME_PROJECT_MANAGER");
    await sup.context.close();
  });

  it("a bid finished one second after the deadline is refused (R19)", async () => {
    const { context, page } = await contextFor(browser, server.url, "bidder3");
    // bidder3 uses its demo certificate file (enrolled at seed time, passphrase = demo password).
    const demoP12 = path.join(server.dataDir, "demo-certs", "bidder3.p12");
    await page.goto(`/tenders/${projectId}`, { waitUntil: "networkidle" });
    await page.getByTestId("bid-links").getByRole("link").first().click();
    await page.waitForURL(/\/bid$/);
    await page.waitForLoadState("networkidle");
    // The moment the browser asks to complete the bid, the deadline is one second in the past.
    await page.route("**/api/uploads/*/complete", async (route) => {
      await sql`update projects set bid_deadline = now() - interval '1 second' where id = ${projectId}`;
      await route.continue();
    });
    const late = path.join(dir, "迟到.pdf");
    writeFileSync(late, randomBytes(300_000));
    await page.setInputFiles("input[name=p12]", demoP12);
    await page.fill("input[name=passphrase]", DEMO_PASSWORD);
    await page.fill("input[name=priceYuan]", "11000000");
    await page.fill("input[name=durationDays]", "500");
    await page.fill("input[name=quality]", "合格");
    await page.fill("input[name=projectManager]", "吴工");
    await page.setInputFiles("input[name=files]", late);
    await page.click("[data-testid=bid-form] button[type=submit]");
    const err = page.getByTestId("error");
    await err.waitFor({ timeout: 60_000 });
    expect(await err.locator("[data-rule=R19]").textContent()).toContain("投标截止时间");
    const rows = await sql`select count(*)::int as n from bids b join organisations o on o.id = b.org_id join sections s on s.id = b.section_id where o.name = '哈尔滨华安建筑工程有限公司' and s.project_id = ${projectId}`;
    expect(rows[0]!.n).toBe(0);
    // After the deadline the page is closed for changes (R21).
    await page.reload({ waitUntil: "networkidle" });
    await page.getByTestId("closed").waitFor();
    await context.close();
  });
});
