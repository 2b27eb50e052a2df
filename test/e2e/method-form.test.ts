import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { demoPdf } from "../../server/demo-pdf";
import { contextFor, cstInput, expectNoHydrationErrors, launchBrowser, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * The evaluation method in the tender form, end to end (issue 12 item 8; EV5, EV6, R46): a tendering unit keeps the
 * comprehensive method's defaults, adds a criterion row (a Conform intent, a server round trip that saves nothing),
 * sees a translated field error, removes the row, saves, publishes; the manage page and the public tender page show
 * the published method (formula, parameters, criteria, review items) rendered from the stored configuration.
 */
describe("evaluation method in the tender form", () => {
  let server: RunningServer;
  let browser: Browser;
  const title = `方法配置测试工程${Date.now() % 100000}`;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  afterEach(expectNoHydrationErrors);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
  });

  it("configure, get a field error, fix, save, publish; the pages show the method", async () => {
    const { context, page } = await contextFor(browser, server.url, "tenderer");
    await page.goto("/manage/new");
    await page.waitForLoadState("networkidle");
    await page.fill("#code", `E2E-M-${Date.now()}`);
    await page.fill("#title", title);
    await page.selectOption("#category", "construction");
    await page.fill("#region", "黑龙江省大庆市");
    await page.fill("#location", "大庆市让胡路区");
    await page.fill("#fundingSource", "财政资金");
    await page.fill("#estimateYuan", "8000000");
    await page.fill("#description", "新建实验楼。");
    await page.fill("#qualification", "建筑工程施工总承包二级及以上资质。");
    await page.fill("#contactName", "王招标");
    await page.fill("#contactPhone", "0459-1234567");
    await page.fill("#obtainMethod", "在本平台免费下载。");
    await page.fill("#documentsFrom", cstInput(0, "00:00"));
    await page.fill("#documentsUntil", cstInput(7, "17:00"));
    await page.fill("#questionDeadline", cstInput(20, "17:00"));
    await page.fill("#bidDeadline", cstInput(25, "09:30"));
    await page.fill('[name="sections[0].code"]', "01");
    await page.fill('[name="sections[0].title"]', "施工");
    await page.fill('[name="sections[0].bondYuan"]', "100000");

    // The regime decides the methods: ZFCG switches the section to its comprehensive method, ZTB back.
    await page.selectOption("#regime", "ZFCG");
    expect(await page.inputValue('[name="sections[0].method"]')).toBe("ZFCG_COMPREHENSIVE");
    await page.selectOption("#regime", "ZTB");
    await page.selectOption('[name="sections[0].method"]', "ZTB_COMPREHENSIVE");
    // The method's defaults: a criteria tree with the price formula item, a trimming table, review items.
    const criteria = page.getByTestId("criteria-rows");
    expect(await criteria.locator("tbody tr").count()).toBe(7);
    expect(await page.getByTestId("review-items").locator("tbody tr").count()).toBeGreaterThan(10);
    await page.fill('[name="sections[0].priceScore.E1"]', "1.5");

    // Add a row: the form comes back with the row, nothing saved, everything typed kept.
    await page.locator("fieldset:has([data-testid=criteria-rows]) > button", { hasText: "添加一行" }).click();
    await criteria.locator("tbody tr").nth(7).waitFor();
    expect(await page.inputValue("#title")).toBe(title);
    expect(await page.inputValue('[name="sections[0].priceScore.E1"]')).toBe("1.5");
    await page.fill('[name="sections[0].criteria[7].label"]', "安全文明施工");
    await page.fill('[name="sections[0].criteria[7].max"]', "五分");
    await page.getByTestId("save-project").click();
    const bad = criteria.locator("tbody tr").nth(7);
    await bad.locator(".field-error", { hasText: "格式不正确" }).waitFor();
    expect(await page.getAttribute('[name="sections[0].criteria[7].max"]', "aria-invalid")).toBe("true");

    // Remove it again and save.
    await bad.getByRole("button", { name: "删除此行" }).click();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=criteria-rows] tbody tr").length === 7);
    await Promise.all([page.waitForURL(/\/manage\/[0-9a-f-]{36}$/), page.getByTestId("save-project").click()]);
    const projectId = page.url().split("/").pop()!;
    await page.getByTestId("method-01-kind").filter({ hasText: "综合评估法" }).waitFor();

    // Publish (EV5: validated then) and read the method on the public page (EV6: rendered from the stored data).
    const file = path.join(mkdtempSync(path.join(tmpdir(), "th-pdf-")), "实验楼招标文件.pdf");
    writeFileSync(file, demoPdf(["E2E method form"]));
    await page.waitForLoadState("networkidle");
    await page.setInputFiles("#file", file);
    await page.click("form:has(input[name=intent][value=upload]) button[type=submit]");
    await page.getByTestId("done").waitFor();
    await page.click('[data-testid="publish"]');
    await page.getByTestId("done").filter({ hasText: "招标公告已发布" }).waitFor();

    await page.goto(`/tenders/${projectId}`);
    const method = page.getByTestId("method-01");
    await method.getByText("综合评估法").first().waitFor();
    expect(await method.getByTestId("method-formula").textContent()).toContain("价格分 = 60 − 1.5 × 偏差率");
    expect(await method.getByTestId("method-benchmark").textContent()).toContain("去掉最高、最低");
    expect(await method.getByTestId("criteria").textContent()).toContain("施工组织设计");
    expect(await method.getByTestId("criteria").textContent()).not.toContain("安全文明施工");
    expect(await method.getByTestId("review-items").textContent()).toContain("形式评审");
    await context.close();
  });

  it("a bidder's bid form asks for what the published ZFCG method needs: its policy deductions and the brand (TV-B1)", async () => {
    const { context, page } = await contextFor(browser, server.url, "bidder1");
    await page.goto(`/?q=${encodeURIComponent("智慧校园信息化设备")}`);
    await page.getByRole("link", { name: "大庆市智慧校园信息化设备采购项目" }).click();
    await page.getByTestId("method-1包").getByText("综合评分法").first().waitFor();
    const hall = await page.getByTestId("hall-1包").getAttribute("href");
    await page.goto(hall!.replace(/\/opening$/, "/bid"));
    await page.getByTestId("bid-policy").getByText("小微企业价格扣除").waitFor();
    await page.locator('input[name="brand"]').waitFor();
    expect(await page.locator('input[name="provisionalYuan"]').count()).toBe(0);
    await context.close();
  });
});
