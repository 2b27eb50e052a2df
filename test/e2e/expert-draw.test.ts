import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import type postgres from "postgres";
import { spawnSync } from "node:child_process";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { contextFor, cstInput, expectNoHydrationErrors, launchBrowser, ownPostgresDatabase, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * Issue 5 end to end in Chromium: an admin imports experts from .xlsx (one bad row reported,
 * nothing applied; then the fixed file); the tendering unit requests a draw (its pool committed);
 * a supervisor adds the salt and the draw runs in the same step; the tendering unit cannot see the names; an expert declines
 * and the backup is invited; the seed stays secret until the evaluation time (R36); after the
 * reveal the public verifier re-runs the draw.
 */
describe("expert pool and verifiable draw", () => {
  let server: RunningServer;
  let browser: Browser;
  let drawUrl = "";

  // This suite runs the real server on PostgreSQL (its own database), so the test can also
  // act as a database operator (linking an expert account) and as the clock (moving the
  // evaluation time into the past) while the server runs.
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  let sql: postgres.Sql;

  beforeAll(async () => {
    db = await ownPostgresDatabase("draw");
    sql = db.sql;
    server = await startServer({ env: { DATABASE_URL: db.url } });
    browser = await launchBrowser();
  });
  afterEach(expectNoHydrationErrors);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await db?.drop();
  });

  async function xlsxFile(rows: unknown[][]) {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("专家");
    ws.addRow(["专家编号", "姓名", "职称", "职称级别", "从业年限", "所在地区", "工作单位", "专业代码", "状态", "状态原因"]);
    rows.forEach((r) => ws.addRow(r));
    const file = path.join(mkdtempSync(path.join(tmpdir(), "th-xlsx-")), "专家名单.xlsx");
    await wb.xlsx.writeFile(file);
    return file;
  }

  it("an admin imports experts from .xlsx; one bad row is reported and nothing applied", async () => {
    const { context, page } = await contextFor(browser, server.url, "admin");
    await page.goto("/pool", { waitUntil: "networkidle" });
    const rows = Array.from({ length: 12 }, (_, i) => [`X${100 + i}`, `新专家${i}`, "高级工程师", "正高级", 12, "黑龙江省大庆市", "大庆市市政设计院", "A0203", "在库", ""]);
    await page.setInputFiles("#file", await xlsxFile([...rows, ["X999", "错误行", "工程师", "特级", 10, "黑龙江省大庆市", "", "A0203", "在库", ""]]));
    await page.click("main form:has(#file) button[type=submit]");
    const errors = page.getByTestId("import-errors");
    await errors.waitFor();
    expect(await errors.textContent()).toContain("第 14 行「职称级别」");
    await page.goto("/pool?q=X1", { waitUntil: "networkidle" });
    expect(await page.textContent("main")).toContain("共 0 名专家");
    await page.setInputFiles("#file", await xlsxFile(rows));
    await page.click("main form:has(#file) button[type=submit]");
    await page.getByTestId("import-ok").waitFor();
    expect(await page.getByTestId("import-ok").textContent()).toContain("已导入 12 名专家");
    await context.close();
  });

  it("the tendering unit requests a draw (its pool committed); the supervisor's salt runs it, sealed", async () => {
    const tu = await contextFor(browser, server.url, "tenderer");
    await tu.page.goto("/manage");
    await tu.page.getByRole("link", { name: "大庆市第一中学教学楼改扩建工程施工招标" }).click();
    await tu.page.locator("h1", { hasText: "教学楼改扩建" }).waitFor();
    await tu.page.getByRole("link", { name: "评标专家抽取" }).click();
    await tu.page.locator("h1", { hasText: "评标专家抽取" }).waitFor();
    await tu.page.selectOption("#regionMode", "local");
    await tu.page.fill("#evaluationAt", cstInput(26, "09:00"));
    await tu.page.selectOption('[name="lines[0].specialty"]', "A02");
    await tu.page.fill('[name="lines[0].count"]', "5");
    await tu.page.fill('[name="lines[0].backups"]', "2");
    await Promise.all([tu.page.waitForURL(/\/draws\/[0-9a-f-]{36}$/), tu.page.click("main form button[type=submit]")]);
    drawUrl = new URL(tu.page.url()).pathname;
    expect(await tu.page.getByTestId("commitment").textContent()).toMatch(/^[0-9a-f]{64}$/);
    // ADR 027: the candidate list and the exclusions are fixed and committed at the request, before any salt.
    expect(await tu.page.getByTestId("pool-commitment").textContent()).toMatch(/^[0-9a-f]{64}$/);
    expect(await tu.page.getByTestId("committed-pool").textContent()).toMatch(/符合条件 \d+ 人，回避排除 \d+ 人/);
    expect(await tu.page.getByTestId("run").count()).toBe(0); // ZTB: only the supervisor salts, and its salt draws

    // The salt and the draw are one step.
    const sup = await contextFor(browser, server.url, "supervisor");
    await sup.page.goto(drawUrl);
    await sup.page.fill("#salt", "监督员现场输入-4821");
    await sup.page.getByTestId("run").click();
    await sup.page.getByTestId("done").filter({ hasText: "抽取完成" }).waitFor();

    await tu.page.reload();
    // R36: the tendering unit sees the counts, never the names, before the evaluation.
    expect(await tu.page.getByTestId("counts").textContent()).toContain("正式 5 人，备选 2 人");
    await tu.page.getByTestId("sealed").waitFor();
    expect(await tu.page.locator('[data-testid="picks"]').count()).toBe(0);
    await tu.context.close();

    await sup.page.reload();
    expect(await sup.page.locator('[data-testid="picks"] tbody tr').count()).toBe(7);
    // The signed draw record is issued by a job right after the draw.
    await expect.poll(async () => (await sup.page.reload(), await sup.page.getByTestId("record-pdf").count()), { timeout: 15_000 }).toBe(1);
    const [download] = await Promise.all([sup.page.waitForEvent("download"), sup.page.getByTestId("record-pdf").click()]);
    const pdfPath = await download.path();
    expect(spawnSync("pdfsig", [pdfPath], { encoding: "utf8" }).stdout).toContain("Signature is Valid");
    const exclusions = (await sup.page.getByTestId("exclusions").textContent())!;
    expect(exclusions).toMatch(/R40|R68|R39/);
    expect(exclusions).not.toMatch(/tendering_unit|agency|bidder|shareholding|directorship|relative/); // parties in words
    await sup.context.close();

    // A bidder cannot reach the draw at all.
    const bidder = await contextFor(browser, server.url, "bidder1");
    const res = await bidder.page.goto(drawUrl);
    expect(res?.status()).toBe(404);
    await bidder.context.close();
  });

  it("an expert declines and the first backup is invited automatically", async () => {
    const sup = await contextFor(browser, server.url, "supervisor");
    await sup.page.goto(drawUrl);
    const member = sup.page.locator('[data-testid="picks"] tbody tr', { hasText: "正式" }).first();
    const memberCode = (await member.locator("td").nth(3).textContent())!.trim();
    // The pool administrator links the demo expert's account to this drawn expert.
    await sql`update experts set user_id = null where user_id = (select id from users where username = 'expert')`;
    await sql`update experts set user_id = (select id from users where username = 'expert') where code = ${memberCode}`;

    const expert = await contextFor(browser, server.url, "expert");
    await expert.page.goto("/invitations");
    expect(await expert.page.textContent("main")).toContain("评标时间");
    expect(await expert.page.textContent("main")).not.toContain("大庆市第一中学"); // time and place only (R36)
    // …and by when to answer, in China time.
    expect(await expert.page.getByTestId("confirm-by").textContent()).toMatch(/请于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）前确认/);
    await expert.page.fill('input[name="reason"]', "当日已有其他评标任务");
    await expert.page.click('button[value="decline"]');
    await expert.page.getByText("系统将自动通知下一位备选专家").waitFor();
    await expert.context.close();

    await sup.page.reload();
    const rowOf = (code: string) => sup.page.locator('[data-testid="picks"] tbody tr', { hasText: code });
    expect(await rowOf(memberCode).textContent()).toContain("已拒绝");
    const firstBackup = sup.page.locator('[data-testid="picks"] tbody tr', { hasText: "备选" }).first();
    expect(await firstBackup.textContent()).toContain("待确认");
    await sup.context.close();
  });

  it("R37: a draw short of eligible experts says what happens next and links a supplementary draw", async () => {
    const tu = await contextFor(browser, server.url, "tenderer");
    await tu.page.goto("/manage");
    await tu.page.getByRole("link", { name: "大庆市第一中学教学楼改扩建工程施工招标" }).click();
    await tu.page.locator("h1", { hasText: "教学楼改扩建" }).waitFor();
    await tu.page.getByRole("link", { name: "评标专家抽取" }).click();
    await tu.page.locator("h1", { hasText: "评标专家抽取" }).waitFor();
    await tu.page.selectOption("#regionMode", "any");
    await tu.page.fill("#evaluationAt", cstInput(25, "09:00"));
    await tu.page.selectOption('[name="lines[0].specialty"]', "C05");
    await tu.page.fill('[name="lines[0].count"]', "15");
    await tu.page.fill('[name="lines[0].backups"]', "2");
    await Promise.all([tu.page.waitForURL(/\/draws\/[0-9a-f-]{36}$/), tu.page.click("main form button[type=submit]")]);
    const shortUrl = new URL(tu.page.url()).pathname;
    const sup = await contextFor(browser, server.url, "supervisor");
    await sup.page.goto(shortUrl);
    await sup.page.fill("#salt", "监督员现场输入-9035");
    await sup.page.getByTestId("run").click();
    expect(await sup.page.getByTestId("done").textContent()).toContain("人数不足");
    await sup.context.close();
    await tu.page.reload({ waitUntil: "networkidle" });
    const shortfall = (await tu.page.getByTestId("shortfall").textContent())!;
    expect(shortfall).toMatch(/C05 专业需要 17 人（含备选），符合条件的仅 \d+ 人，缺 \d+ 人（R37）/);
    expect(shortfall).toContain("补足之前不能组建");
    await Promise.all([tu.page.waitForURL(/\/manage\/[0-9a-f-]{36}\/draws\?/), tu.page.getByTestId("supplement").click()]);
    expect(await tu.page.locator("#regionMode").inputValue()).toBe("any");
    expect(await tu.page.locator("#evaluationAt").inputValue()).toBe(cstInput(25, "09:00"));
    await tu.context.close();
  });

  it("R35 ZFCG profile: the tendering unit and the supervisor commit to salts in the browser, then reveal; the last reveal draws", async () => {
    const tu = await contextFor(browser, server.url, "tenderer");
    await tu.page.goto("/manage");
    await tu.page.getByRole("link", { name: "大庆市第一中学教学楼改扩建工程施工招标" }).click();
    await tu.page.locator("h1", { hasText: "教学楼改扩建" }).waitFor();
    const projectId = new URL(tu.page.url()).pathname.split("/")[2]!;
    // Test-only: the tender under the ZFCG profile for this request (the draw keeps the salt parties it was requested with).
    await sql`update projects set profile_code = 'ZFCG' where id = ${projectId}::uuid`;
    await tu.page.getByRole("link", { name: "评标专家抽取" }).click();
    await tu.page.locator("h1", { hasText: "评标专家抽取" }).waitFor();
    await tu.page.selectOption("#regionMode", "any");
    await tu.page.fill("#evaluationAt", cstInput(25, "09:00"));
    await tu.page.selectOption('[name="lines[0].specialty"]', "A02");
    await tu.page.fill('[name="lines[0].count"]', "2");
    await tu.page.fill('[name="lines[0].backups"]', "0");
    await Promise.all([tu.page.waitForURL(/\/draws\/[0-9a-f-]{36}$/), tu.page.click("main form button[type=submit]")]);
    await sql`update projects set profile_code = 'ZTB' where id = ${projectId}::uuid`;
    const url = new URL(tu.page.url()).pathname;
    const sup = await contextFor(browser, server.url, "supervisor");

    // Each party's salt stays in its browser: only the SHA-256 commitment is posted.
    const commit = async (page: typeof tu.page) => {
      await page.goto(url, { waitUntil: "networkidle" });
      await page.getByTestId("generate-salt").click();
      const salt = await page.locator("#my-salt").inputValue();
      expect(salt).toMatch(/^[0-9a-f]{32}$/);
      await expect.poll(() => page.locator("#salt-commitment").inputValue()).toMatch(/^[0-9a-f]{64}$/);
      await page.getByTestId("commit-salt").click();
      await page.getByTestId("done").filter({ hasText: "盐值承诺已提交" }).waitFor();
      return salt;
    };
    const tuSalt = await commit(tu.page);
    expect(await tu.page.getByTestId("reveal-salt").count()).toBe(0); // no reveal before every party has committed
    const supSalt = await commit(sup.page);
    expect(await sup.page.getByTestId("salt-parties").textContent()).toContain("招标人（采购人）（已提交承诺）");

    await tu.page.reload({ waitUntil: "networkidle" });
    await tu.page.fill("#reveal-salt", tuSalt);
    await tu.page.getByTestId("reveal-salt").click();
    await tu.page.getByTestId("done").filter({ hasText: "盐值已公开" }).waitFor();
    await sup.page.reload({ waitUntil: "networkidle" });
    await sup.page.fill("#reveal-salt", supSalt);
    await sup.page.getByTestId("reveal-salt").click();
    await sup.page.getByTestId("done").filter({ hasText: "抽取完成" }).waitFor();
    const [row] = await sql<{ status: string; salts: [string, string][] }[]>`select status, salts from draws where id = ${url.split("/").pop()!}::uuid`;
    expect(row!.status).toBe("drawn");
    expect(row!.salts.map(([p]) => p).sort()).toEqual(["supervisor", "tendering_unit"]);
    await tu.context.close();
    await sup.context.close();
  });

  it("R36: no reveal before the evaluation time, even when forced; nothing public yet", async () => {
    const admin = await contextFor(browser, server.url, "admin");
    await admin.page.goto(drawUrl, { waitUntil: "networkidle" });
    expect(await admin.page.getByTestId("reveal-later").textContent()).toContain("之后方可公开种子");
    expect(await admin.page.locator("form:has(input[value=reveal])").count()).toBe(0);
    // A hand-made POST of the reveal intent is refused with the rule, translated.
    const forced = await admin.page.evaluate(async (url) => {
      const csrf = (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
      const res = await fetch(`${url}?index`, { method: "POST", body: new URLSearchParams({ _csrf: csrf, intent: "reveal" }) });
      return { status: res.status, text: await res.text() };
    }, drawUrl);
    expect(forced.status).toBe(422);
    expect(forced.text).toContain("评标委员会名单在评标结果公开前保密");
    await admin.context.close();
    expect((await fetch(`${server.url}/verify${drawUrl}`)).status).toBe(404);
    expect((await fetch(`${server.url}/verify${drawUrl}.json`)).status).toBe(404);
  });

  it("after the evaluation time and the reveal, the public verifier re-runs the draw and gets the same experts", async () => {
    // The test acts as the clock: the section's evaluation time (of all its draws) has passed.
    await sql`update draws set evaluation_at = now() - interval '1 minute' where section_id = (select section_id from draws where id = ${drawUrl.split("/").pop()!}::uuid)`;
    const admin = await contextFor(browser, server.url, "admin");
    await admin.page.goto(drawUrl);
    await admin.page.click("form:has(input[value=reveal]) button[type=submit]");
    await admin.page.getByTestId("done").waitFor();
    await admin.context.close();

    const pub = await contextFor(browser, server.url);
    await pub.page.goto(`/verify${drawUrl}`);
    expect(await pub.page.getByTestId("verify-outcome").textContent()).toContain("验证通过");
    expect(await pub.page.locator('[data-testid="verified-picks"] tbody tr').count()).toBe(7);
    await pub.context.close();

    // Offline: download the proof and re-run it with the command-line verifier (no database needed).
    const res = await fetch(`${server.url}/verify${drawUrl}.json`);
    expect(res.headers.get("content-type")).toContain("application/json");
    const proof = await res.text();
    const file = path.join(mkdtempSync(path.join(tmpdir(), "th-proof-")), "proof.json");
    writeFileSync(file, proof);
    const ok = spawnSync("npx", ["tsx", "scripts/verify-draw.ts", file], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("verified: 7 experts");
    const forged = JSON.parse(proof) as { v: number; salts: [string, string][] };
    expect(forged.v).toBe(2);
    forged.salts = [["supervisor", "伪造的盐值"]];
    writeFileSync(file, JSON.stringify(forged));
    const bad = spawnSync("npx", ["tsx", "scripts/verify-draw.ts", file], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("does NOT verify");
  });
});
