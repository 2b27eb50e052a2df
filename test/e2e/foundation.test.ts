import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { withCheckChar } from "#app/domain/credit-code";
import { demoPdf } from "../../server/demo-pdf";
import { contextFor, cstInput, expectNoHydrationErrors, launchBrowser, removeDataDir, startServer, type RunningServer } from "./harness";

const run = promisify(execFile);

/**
 * The foundation, end to end in Debian's Chromium through the real server on PGlite:
 * publication, Chinese search, obtaining documents, anonymous Q&A, R10 extension, R7
 * refusal in Chinese, R9 confidentiality, admin protection, and record tamper detection.
 */
describe("foundation end to end", () => {
  let server: RunningServer;
  let browser: Browser;
  const title = `东湖新区第二小学综合楼新建工程施工招标${Date.now() % 100000}`;
  const code = `E2E-${Date.now()}`;
  let projectId = "";

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  // Every page these tests open must hydrate cleanly (React #418/#423/#425).
  afterEach(expectNoHydrationErrors);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
  });

  async function fillProjectForm(page: Page, over: { code: string; title: string; bidDays: number }) {
    await page.goto("/manage/new");
    await page.fill("#code", over.code);
    await page.fill("#title", over.title);
    await page.selectOption("#regime", "ZTB");
    await page.selectOption("#category", "construction");
    await page.fill("#region", "黑龙江省大庆市");
    await page.fill("#location", "大庆市东湖新区");
    await page.fill("#fundingSource", "财政资金");
    await page.fill("#estimateYuan", "8000000");
    await page.fill("#description", "新建综合楼一栋，建筑面积约 6000 平方米。");
    await page.fill("#qualification", "建筑工程施工总承包二级及以上资质。");
    await page.fill("#contactName", "王招标");
    await page.fill("#contactPhone", "0459-1234567");
    await page.fill("#obtainMethod", "在本平台免费下载。");
    await page.fill("#documentsFrom", cstInput(0, "00:00"));
    await page.fill("#documentsUntil", cstInput(7, "17:00"));
    await page.fill("#questionDeadline", cstInput(Math.max(1, over.bidDays - 5), "17:00"));
    await page.fill("#bidDeadline", cstInput(over.bidDays, "09:30"));
    await page.fill('[name="sections[0].code"]', "01");
    await page.fill('[name="sections[0].title"]', "施工");
    await page.fill('[name="sections[0].ceilingPriceYuan"]', "7900000");
    await page.fill('[name="sections[0].bondYuan"]', "100000");
    await page.selectOption('[name="sections[0].method"]', "ZTB_LOWEST_EVALUATED");
    await Promise.all([page.waitForURL(/\/manage\/[0-9a-f-]{36}$/), page.getByTestId("save-project").click()]);
  }

  async function uploadPdf(page: Page, name: string) {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "th-pdf-")), name);
    writeFileSync(file, demoPdf(["E2E tender documents", name]));
    await page.waitForLoadState("networkidle"); // hydrated: React will not reset the file input
    await page.setInputFiles("#file", file);
    await page.click("form:has(input[name=intent][value=upload]) button[type=submit]");
    await page.getByTestId("done").waitFor();
    await page.getByText(name).first().waitFor();
  }

  it("a tendering unit publishes a tender with a PDF", async () => {
    const { context, page } = await contextFor(browser, server.url, "tenderer");
    await fillProjectForm(page, { code, title, bidDays: 25 });
    projectId = page.url().split("/").pop()!;
    await uploadPdf(page, "综合楼招标文件.pdf");
    await page.click('[data-testid="publish"]');
    await page.getByTestId("done").filter({ hasText: "招标公告已发布" }).waitFor();
    await page.locator("h1 .tag", { hasText: "投标中" }).waitFor();
    await context.close();
  });

  it("R7: a 10-day bid period is refused with R7's message in Chinese", async () => {
    const { context, page } = await contextFor(browser, server.url, "tenderer");
    await fillProjectForm(page, { code: `${code}-R7`, title: `${title}（短期）`, bidDays: 10 });
    await uploadPdf(page, "短期招标文件.pdf");
    await page.click('[data-testid="publish"]');
    const error = page.getByTestId("error");
    await error.waitFor();
    const text = (await error.textContent()) ?? "";
    expect(text).toContain("R7");
    expect(text).toMatch(/不得少于\s*20\s*日/);
    await expect(page.locator('[data-rule="R7"]').count()).resolves.toBe(1);
    // Nothing changed: still a draft.
    expect(await page.locator("h1 .tag").textContent()).toBe("草稿");
    await context.close();
  });

  it("a bidder finds it through Chinese search, obtains the documents and asks a question", async () => {
    const { context, page } = await contextFor(browser, server.url, "bidder1");
    await page.goto(`/?q=${encodeURIComponent("综合楼新建")}`);
    await page.getByRole("link", { name: title }).click();
    await page.waitForURL(new RegExp(`/tenders/${projectId}$`));
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /综合楼招标文件\.pdf/ }).first().click()]);
    const saved = await download.path();
    expect(saved).toMatch(/\S/);
    await page.reload();
    await page.locator("textarea[name=body]").first().fill("请明确综合楼外墙保温材料的燃烧性能等级要求。");
    await page.locator("form:has(input[name=intent][value=ask]) button[type=submit]").click();
    await page.getByText("请明确综合楼外墙保温材料的燃烧性能等级要求。").first().waitFor();
    await context.close();
  });

  it("the answer appears publicly without the asker's name", async () => {
    const { context, page } = await contextFor(browser, server.url, "tenderer");
    await page.goto(`/manage/${projectId}`);
    await page.locator("textarea[name=answer]").first().fill("外墙保温材料燃烧性能等级不低于 A 级。");
    await page.click("form:has(input[name=intent][value=answerQuestion]) button[type=submit]");
    await page.getByTestId("done").filter({ hasText: "答复已公开发布" }).waitFor();
    await context.close();

    const pub = await contextFor(browser, server.url);
    await pub.page.goto(`/tenders/${projectId}`);
    const body = (await pub.page.textContent("main")) ?? "";
    expect(body).toContain("外墙保温材料燃烧性能等级不低于 A 级。");
    expect(body).toContain("请明确综合楼外墙保温材料的燃烧性能等级要求。");
    expect(body).not.toContain("黑龙江龙建路桥建设有限公司");
    expect(body).not.toContain("陈投标");
    await pub.context.close();
  });

  it("R9: another bidder cannot see who obtained the documents; the tendering unit can", async () => {
    const other = await contextFor(browser, server.url, "bidder2");
    const res = await other.page.goto(`/manage/${projectId}`);
    expect(res?.status()).toBeGreaterThanOrEqual(400);
    const sup = await other.page.goto(`/supervise/${projectId}`);
    expect(sup?.status()).toBeGreaterThanOrEqual(400);
    await other.page.goto(`/tenders/${projectId}`);
    expect(await other.page.textContent("main")).not.toContain("黑龙江龙建路桥建设有限公司");
    await other.context.close();

    const owner = await contextFor(browser, server.url, "tenderer");
    await owner.page.goto(`/manage/${projectId}`);
    expect(await owner.page.getByTestId("downloads").textContent()).toContain("黑龙江龙建路桥建设有限公司");
    await owner.context.close();
  });

  it("R10: an amendment inside 15 days of the deadline extends it", async () => {
    const { context, page } = await contextFor(browser, server.url, "agent");
    await page.goto("/manage");
    await page.getByRole("link", { name: "大庆市第一中学室外供热管网改造工程" }).click();
    const before = (await page.getByTestId("bid-deadline").textContent())!.trim();
    await page.fill("#am-title", "关于管材规格的澄清");
    await page.fill("#am-body", "第五章技术标准中 DN200 管材壁厚调整为 6.3mm。");
    await page.click("form:has(input[name=intent][value=amend]) button[type=submit]");
    const done = page.getByTestId("done");
    await done.waitFor();
    expect(await done.textContent()).toContain("R10");
    await expect.poll(async () => (await page.getByTestId("bid-deadline").textContent())!.trim(), { timeout: 10_000 }).not.toBe(before);
    const after = (await page.getByTestId("bid-deadline").textContent())!.trim();
    expect(after.slice(0, 10) >= cstInput(15).slice(0, 10)).toBe(true);
    await context.close();

    // The bidder that obtained the documents is notified in its inbox.
    const b2 = await contextFor(browser, server.url, "bidder2");
    await b2.page.goto("/inbox");
    expect(await b2.page.textContent("main")).toContain("大庆市第一中学室外供热管网改造工程");
    await b2.context.close();
  });

  it("the public cannot reach admin pages", async () => {
    const { context, page } = await contextFor(browser, server.url);
    for (const p of ["/admin", "/admin/users", "/admin/orgs", "/record", "/manage", "/supervise"]) {
      await page.goto(p);
      expect(new URL(page.url()).pathname, p).toBe("/login");
    }
    const bidder = await contextFor(browser, server.url, "bidder1");
    const res = await bidder.page.goto("/admin/users");
    expect(res?.status()).toBe(403);
    await bidder.context.close();
    await context.close();
  });

  it("anyone checks an entry's inclusion in the latest signed checkpoint at /verify/record (docs/record-format.md)", async () => {
    const { context, page } = await contextFor(browser, server.url);
    // The checkpointer signs the demo record within seconds of the start; wait for the first checkpoint.
    await expect.poll(async () => (await (await fetch(`${server.url}/verify/record.json`)).json()).checkpoints.length, { timeout: 30_000 }).toBeGreaterThan(0);
    await page.goto("/");
    await page.locator("footer").getByRole("link", { name: "档案验证" }).click();
    await page.locator("h1", { hasText: "交易档案公开验证" }).waitFor();
    expect(await page.getByTestId("checkpoints").locator("tbody tr").count()).toBeGreaterThan(0);
    await page.fill("input[name=seq]", "3");
    await page.getByRole("button", { name: "验证" }).click();
    await page.getByTestId("inclusion").getByText("包含证明验证通过").waitFor();
    await page.goto("/verify/record?seq=0");
    await page.getByText("记录序号应为正整数").waitFor();
    await context.close();
  });

  it("the UI switches to English", async () => {
    const { context, page } = await contextFor(browser, server.url);
    await page.goto("/");
    await page.getByTestId("lang-switch").click();
    await page.waitForFunction(() => document.documentElement.lang === "en");
    // The header re-renders after the language cookie is set; wait for it rather than race it.
    await page.locator("header").getByText("Sign in").waitFor();
    expect(await page.textContent("header")).not.toContain("登录");
    await context.close();
  });

  it("a bidder self-registers (organisation + first user); a bad credit code is refused in Chinese", async () => {
    const { context, page } = await contextFor(browser, server.url);
    await page.goto("/register");
    const fill = async (code: string) => {
      await page.fill("#orgName", "大庆新源建设工程有限公司");
      await page.fill("#creditCode", code);
      await page.fill("#region", "黑龙江省大庆市");
      await page.fill("#contactName", "郑经理");
      await page.fill("#contactPhone", "0459-7654321");
      await page.fill("#username", "xinyuan");
      await page.fill("#displayName", "郑经理");
      await page.fill("#password", "xinyuan-2026!");
      await page.fill("#confirm", "xinyuan-2026!");
      await page.click("main button[type=submit]");
    };
    await fill("91230600MA1AAAAA10"); // wrong check character
    await page.getByText("统一社会信用代码格式或校验位不正确").waitFor();
    await fill(withCheckChar("91230600MA1AAAAA1"));
    await page.waitForURL((u) => u.pathname === "/");
    expect(await page.getByTestId("whoami").textContent()).toContain("大庆新源建设工程有限公司");
    await context.close();
  });

  it("bad input changes nothing: a non-PDF tender document is refused with a clear message", async () => {
    const { context, page } = await contextFor(browser, server.url, "tenderer");
    await page.goto("/manage");
    await page.getByRole("link", { name: "大庆市第一中学食堂改造工程（草稿）" }).click();
    await page.locator("h1", { hasText: "大庆市第一中学食堂改造工程（草稿）" }).waitFor();
    const before = await page.locator("table tbody tr").count();
    const file = path.join(mkdtempSync(path.join(tmpdir(), "th-bad-")), "伪装.pdf");
    writeFileSync(file, "this is not a PDF");
    await page.waitForLoadState("networkidle");
    await page.setInputFiles("#file", file);
    await page.click("form:has(input[name=intent][value=upload]) button[type=submit]");
    await page.getByText("仅接受 PDF 格式的文件").waitFor();
    expect(await page.locator("table tbody tr").count()).toBe(before);
    expect(await page.textContent("main")).not.toContain("伪装.pdf");
    await context.close();
  });

  it("a draft is edited before publication", async () => {
    const { context, page } = await contextFor(browser, server.url, "tenderer");
    await page.goto("/manage");
    await page.getByRole("link", { name: "大庆市第一中学食堂改造工程（草稿）" }).click();
    await page.locator("h1", { hasText: "食堂改造" }).waitFor();
    await page.getByRole("link", { name: "编辑项目" }).click();
    await page.locator("h1", { hasText: "编辑项目" }).waitFor();
    expect(await page.inputValue("#code")).toBe("DQ-2026-JS-0420");
    await page.fill("#title", "大庆市第一中学食堂及宿舍改造工程（草稿）");
    await Promise.all([page.waitForURL(/\/manage\/[0-9a-f-]{36}$/), page.getByTestId("save-project").click()]);
    await page.locator("h1", { hasText: "食堂及宿舍改造" }).waitFor();
    await context.close();
  });

  it("tampering with a business row (verify-record --state) or a record row (verify-record) is detected", async () => {
    await server.stop();
    const env = { ...process.env, DATA_DIR: server.dataDir, DATABASE_URL: "" };
    const ok = await run("npx", ["tsx", "scripts/verify-record.ts", "--state"], { env });
    expect(ok.stdout).toMatch(/Record intact: \d+ entries/);
    // The server's checkpointer signed the record's tree within a second of starting (docs/record-format.md §4).
    expect(ok.stdout).toMatch(/Checkpoints intact: [1-9]\d*, latest size [1-9]\d* root [0-9a-f]{64}/);
    // R60: everything the demo seed and this file's browser sessions changed went through commands, so every
    // state-bound row is as the entry that last wrote it says (docs/record-format.md §1.7).
    expect(ok.stdout).toMatch(/State intact: [1-9]\d* rows of state-bound tables, \d+ writes bound to \d+ entries/);

    const pg = await PGlite.create({ dataDir: path.join(server.dataDir, "pglite") });
    // A project renamed by SQL: the chain is untouched, the state check names the row.
    const project = await pg.query<{ id: string }>("UPDATE projects SET title = title || '（篡改）' WHERE code = 'DQ-2026-JS-0420' RETURNING id");
    const projectId = project.rows[0]!.id;
    await pg.close();
    const stateBroken = await run("npx", ["tsx", "scripts/verify-record.ts", "--state"], { env }).then(
      () => null,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(stateBroken?.code).toBe(1);
    expect(stateBroken?.stdout).toMatch(/Record intact/);
    expect(stateBroken?.stderr).toContain(`projects ["${projectId}"]: row differs from what entry #`);
    expect(stateBroken?.stderr).toContain(`projects ["${projectId}"]: written outside any command`);

    const pgAgain = await PGlite.create({ dataDir: path.join(server.dataDir, "pglite") });
    await pgAgain.exec("ALTER TABLE record_entries DISABLE TRIGGER USER");
    const target = await pgAgain.query<{ seq: number }>("SELECT seq FROM record_entries WHERE action = 'question.answer' ORDER BY seq LIMIT 1");
    const seq = Number(target.rows[0]!.seq);
    await pgAgain.query(`UPDATE record_entries SET payload = jsonb_set(payload, '{answer}', '"篡改后的答复"') WHERE seq = $1`, [seq]);
    await pgAgain.exec("ALTER TABLE record_entries ENABLE TRIGGER USER");
    await pgAgain.close();

    const broken = await run("npx", ["tsx", "scripts/verify-record.ts"], { env }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(broken?.code).toBe(1);
    expect(broken?.stderr).toContain(`entry #${seq}`);
    expect(broken?.stderr).toContain("payload_hash_mismatch");
  });
});
