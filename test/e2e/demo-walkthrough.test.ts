import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { demoPdf } from "../../server/demo-pdf";
import { contextFor, expectNoHydrationErrors, launchBrowser, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * What a new user of the demo meets, in Chromium through the real server and seed: the expert pool's pager, the
 * closed tender's opening with its signed record, the management page's halls and download list, a bidder's own
 * bids, a wrong PKCS#12 passphrase, the record viewer (labels, search, R9), money, the countdown, the header at
 * 1366 px, the amendment and the expert login the README describes.
 */
describe("the demo, as a new user meets it", () => {
  let server: RunningServer;
  let browser: Browser;
  const tenders = new Map<string, string>(); // code → /tenders/:id
  const halls = new Map<string, string>(); // code → first section's hall

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const { context, page } = await contextFor(browser, server.url);
    await page.goto("/");
    for (const href of new Set(await page.$$eval("a[href^='/tenders/']", (as) => as.map((a) => a.getAttribute("href")!)))) {
      await page.goto(href);
      const code = /DQ-2026-[A-Z]{2}-\d{4}/.exec(await page.innerText("main"))?.[0];
      if (!code) continue;
      tenders.set(code, href);
      const hall = await page.$$eval("a[href$='/opening']", (as) => as.map((a) => a.getAttribute("href")!));
      if (hall[0]) halls.set(code, hall[0]);
    }
    await context.close();
  });

  afterEach(expectNoHydrationErrors);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
  });

  const p12 = (user: string) => path.join(server.dataDir, "demo-certs", `${user}.p12`);
  const cells = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((e) => (e as HTMLElement).innerText.trim()));

  it("/pool lists 50 of 120 experts with a pager that survives hydration and pages", async () => {
    const { context, page } = await contextFor(browser, server.url, "admin");
    await page.goto("/pool", { waitUntil: "networkidle" });
    expect(await page.locator("main table tbody tr").count()).toBe(50);
    await page.locator("nav.pager").waitFor();
    await page.locator("nav.pager a").last().click();
    await page.waitForURL(/page=2/);
    // The client-side navigation renders the second page.
    await expect.poll(async () => (await cells(page, "main table tbody tr td:first-child"))[0]).toBe("E0051");
    expect(await page.locator("nav.pager").textContent()).toMatch(/2/);
    await context.close();
  });

  it("the closed tender DQ-2026-JS-0088 had its opening: closed, read out, with its signed opening record", async () => {
    const { context, page } = await contextFor(browser, server.url);
    await page.goto(halls.get("DQ-2026-JS-0088")!, { waitUntil: "networkidle" });
    expect(await page.getByTestId("phase").textContent()).toBe("开标结束");
    expect(await page.getByTestId("not-open").count()).toBe(0);
    const reading = await page.getByTestId("reading").innerText();
    expect(reading).toContain("¥5,386,000.00");
    expect(reading).toContain("伍佰叁拾捌万陆仟元整");
    const href = await page.getByTestId("record-pdf").getAttribute("href");
    const pdf = await page.request.get(href!);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()["content-type"]).toContain("application/pdf");
    expect((await pdf.body()).subarray(0, 5).toString()).toBe("%PDF-");
    await context.close();
  });

  it("the management page links each section's hall and lists the three bidders who obtained the documents", async () => {
    const { context, page } = await contextFor(browser, server.url, "tenderer");
    const manage = `/manage/${tenders.get("DQ-2026-JS-0466")!.split("/").pop()}`;
    await page.goto(manage, { waitUntil: "networkidle" });
    expect(await page.locator("[data-testid=downloads] tbody tr").count()).toBe(3);
    await page.getByTestId("hall-link").first().click();
    await page.waitForURL(/\/opening$/);
    expect(await page.getByTestId("phase").textContent()).toBe("解密中");
    // Money with thousands separators on the management page.
    await page.goto(manage, { waitUntil: "networkidle" });
    expect(await page.innerText("main")).toContain("¥3,850,000.00");
    await context.close();
  });

  it("a bidder's own bids: /my-bids in the nav, every section with its state, receipt and hall", async () => {
    for (const lang of ["zh-CN", "en"] as const) {
      const { context, page } = await contextFor(browser, server.url, "bidder1", { lang });
      await page.goto("/");
      await page.locator("header a[href='/my-bids']").click();
      await page.waitForURL(/\/my-bids$/);
      // A client-side navigation: the URL changes before the new page has rendered.
      await expect
        .poll(() => page.$$eval("[data-testid=my-bids] tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-state")).sort()))
        // DQ-2026-JS-0088, DQ-2026-JL-0521, DQ-2026-JS-0702 (the supervision demo) and the three sections of
        // DQ-2026-JS-0601 (server/demo-results.ts) are past their opening; DQ-2026-JS-0466's hall waits for the bidder's key.
        .toEqual(["opening_closed", "opening_closed", "opening_closed", "opening_closed", "opening_closed", "opening_closed", "opening_pending"]);
      const text = await page.innerText("main");
      expect(text).toContain("DQ-2026-JS-0466");
      expect(text).toContain("DQ-2026-JS-0088");
      expect(text).toContain("DQ-2026-JL-0521");
      expect(text).toContain("DQ-2026-JS-0601");
      await page.getByTestId("my-bid-receipt").first().click();
      await page.waitForURL(/\/bids\/[^/]+\/receipt$/);
      await page.goBack();
      await page.getByTestId("my-bid-hall").first().click();
      await page.waitForURL(/\/opening$/);
      await context.close();
    }
  });

  it("a wrong passphrase says the passphrase is wrong (never 'generate a new key pair'); a non-PKCS#12 file says so", async () => {
    const { context, page } = await contextFor(browser, server.url, "bidder1");
    const bidPage = halls.get("DQ-2026-JS-0101")!.replace(/\/opening$/, "/bid");
    const pdf = path.join(server.dataDir, "not-a-certificate.pdf");
    writeFileSync(pdf, demoPdf(["not a certificate"]));
    await page.goto(bidPage, { waitUntil: "networkidle" });
    // The countdown to the deadline counts days.
    expect(await page.getByTestId("countdown").textContent()).toMatch(/^\d+ 天 \d{2}:\d{2}:\d{2}$/);
    const trySubmit = async (file: string, passphrase: string) => {
      await page.setInputFiles("input[name=p12]", file);
      await page.fill("input[name=passphrase]", passphrase);
      await page.fill("input[name=priceYuan]", "11000000");
      await page.fill("input[name=durationDays]", "300");
      await page.fill("input[name=quality]", "合格");
      await page.fill("input[name=projectManager]", "赵立新");
      await page.setInputFiles("input[name=files]", pdf);
      const before = await page.$$eval("[data-testid=error]", (els) => els.map((e) => (e as HTMLElement).innerText).join("|"));
      await page.click("[data-testid=bid-form] button[type=submit]");
      // Wait for this attempt's message (the previous one is cleared when the form is submitted).
      await page.waitForFunction((prev) => {
        const text = [...document.querySelectorAll("[data-testid=error]")].map((e) => (e as HTMLElement).innerText).join("|");
        return text !== "" && text !== prev;
      }, before);
      return page.getByTestId("error").last().innerText();
    };
    const wrong = await trySubmit(p12("bidder1"), "not-the-passphrase");
    expect(wrong).toContain("口令不正确");
    expect(wrong).not.toMatch(/重新生成|新的密钥|密钥对/);
    const notP12 = await trySubmit(pdf, "demo12345");
    expect(notP12).toContain("不是 PKCS#12");
    // Another user's certificate opens but is not this bidder's.
    const other = await trySubmit(p12("bidder2"), "demo12345");
    expect(other).toContain("不是您在本平台登记");
    await context.close();

    // The same in the opening hall (check-in).
    const hall = await contextFor(browser, server.url, "bidder1", { lang: "en" });
    await hall.page.goto(halls.get("DQ-2026-JS-0466")!, { waitUntil: "networkidle" });
    await hall.page.setInputFiles("[data-testid=p12-form] input[name=p12]", p12("bidder1"));
    await hall.page.fill("[data-testid=p12-form] input[name=passphrase]", "wrong");
    await hall.page.click("[data-testid=p12-form] button[type=submit]");
    const msg = await hall.page.locator("[data-testid=p12-form] [data-testid=error]").innerText();
    expect(msg).toContain("Wrong passphrase");
    expect(msg).not.toMatch(/new key|generate/i);
    await hall.context.close();
  });

  it("the record: every action in words, search by project, day, action and actor; R9 hides who obtained the documents", async () => {
    const code = "DQ-2026-JS-0466";
    for (const lang of ["zh-CN", "en"] as const) {
      const { context, page } = await contextFor(browser, server.url, "admin", { lang });
      await page.goto("/record", { waitUntil: "networkidle" });
      const raw = (await cells(page, "[data-testid=record] tbody td[data-action]")).filter((c) => /^[a-z_]+\.[a-z_]+$/.test(c));
      expect(raw, lang).toEqual([]);
      await context.close();
    }
    const admin = await contextFor(browser, server.url, "admin");
    await admin.page.goto("/record");
    await admin.page.fill("#project", code);
    await admin.page.click("[data-testid=record-search] button[type=submit]");
    await admin.page.waitForURL(/project=/);
    await expect.poll(async () => new Set(await cells(admin.page, "[data-testid=record] tbody tr td:nth-child(4)"))).toEqual(new Set([code]));
    expect((await cells(admin.page, "[data-testid=record] tbody tr td:nth-child(4)")).length).toBeGreaterThan(5);
    // R9: the admin sees that the documents were obtained, not by whom.
    await admin.page.selectOption("#action", "document.obtain");
    await admin.page.click("[data-testid=record-search] button[type=submit]");
    await admin.page.waitForURL(/action=document.obtain/);
    await expect.poll(() => admin.page.locator("[data-testid=record] tbody tr").count()).toBe(3);
    expect(await admin.page.getByTestId("confidential-actor").count()).toBe(3);
    expect(await admin.page.innerText("[data-testid=record]")).not.toContain("陈投标");
    // By actor: the bidder's withheld entries are not found by its name either.
    await admin.page.goto(`/record?actor=${encodeURIComponent("陈投标")}&action=document.obtain`);
    expect(await admin.page.getByTestId("empty").count()).toBe(1);
    // By day (China time): today has entries, a day long past has none.
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await admin.page.goto(`/record?date=${today}&project=${code}`);
    expect(await admin.page.locator("[data-testid=record] tbody tr").count()).toBeGreaterThan(0);
    await admin.page.goto(`/record?date=2001-01-01`);
    expect(await admin.page.getByTestId("empty").count()).toBe(1);
    await admin.context.close();

    // The supervisor oversees the tender: the names are there.
    const sup = await contextFor(browser, server.url, "supervisor");
    await sup.page.goto(`/record?project=${code}&action=document.obtain`);
    const who = await sup.page.innerText("[data-testid=record]");
    for (const name of ["陈投标", "周投标", "吴投标"]) expect(who).toContain(name);
    await sup.page.goto(`/record?actor=${encodeURIComponent("陈投标")}&action=document.`);
    expect(await sup.page.locator("[data-testid=record] tbody tr").count()).toBeGreaterThanOrEqual(3);
    await sup.context.close();
  });

  it("the header stays on one line at 1366 px for every role, in Chinese and English", async () => {
    for (const lang of ["zh-CN", "en"] as const) {
      for (const user of ["admin", "tenderer", "agent", "supervisor", "expert", "bidder1", undefined]) {
        const { context, page } = await contextFor(browser, server.url, user, { lang, viewport: { width: 1366, height: 900 } });
        await page.goto(user ? "/inbox" : "/", { waitUntil: "networkidle" });
        await page.locator("header").waitFor();
        const nav = await page.$$eval("header .main-nav a, header .user-nav > *", (els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
        // One line: every nav item and the user menu start within a few pixels of each other (a wrapped line is ≥ 25 px lower).
        expect(Math.max(...nav) - Math.min(...nav), `${user ?? "public"} ${lang}: ${nav.join(",")}`).toBeLessThan(20);
        expect((await page.locator("header").boundingBox())!.height, `${user ?? "public"} ${lang}`).toBeLessThan(70);
        await context.close();
      }
    }
  });

  it("the README's demo: DQ-2026-SZ-0133 has no amendment yet, 12 days to go; the expert login is pool expert E0001", async () => {
    const pub = await contextFor(browser, server.url);
    await pub.page.goto(tenders.get("DQ-2026-SZ-0133")!);
    expect(await pub.page.innerText("main")).not.toMatch(/顺延至/);
    await pub.context.close();

    const expert = await contextFor(browser, server.url, "expert");
    expect(await expert.page.getByTestId("whoami").textContent()).toContain("王建国");
    await expert.context.close();
    const admin = await contextFor(browser, server.url, "admin");
    await admin.page.goto("/pool?q=E0001");
    expect((await cells(admin.page, "main table tbody tr td:nth-child(2)"))[0]).toBe("王建国");
    await admin.context.close();
  });
});
