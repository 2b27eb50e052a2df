import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import type postgres from "postgres";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "#db/client";
import { organisations } from "#db/schema/index";
import { LocalBlobStore } from "#app/services/platform/blob-store.server";
import { loadConfig } from "#app/services/platform/config.server";
import type { AppContext } from "#app/services/platform/context.server";
import { LiveHub } from "#app/services/platform/live-hub.server";
import { addDocument, answerObjection, createProject, fileObjection, publishProject } from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { makeActor, PASSWORD, projectForm } from "../helpers/factories";
import { contextFor, expectNoHydrationErrors, launchBrowser, ownPostgresDatabase, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * Supervision cases (R65) and complaints (R53) end to end in Chromium through the real server on its own PostgreSQL
 * database. The state before the browser — a published tender in 黑龙江省大庆市, a bidder's objection to its documents
 * answered by the tendering unit, a supervisor whose jurisdiction is 黑龙江省大庆市 — is made by the server's own
 * modules. From there everything goes through the pages: the supervisor opens a case from the tender page, adds a
 * note with a PDF attachment, investigates and resolves it; the bidder complains from its objection, the supervisor
 * accepts (suspending) and decides, and the bidder reads the decision. Screenshots: /tmp/e2e-supervision-cases/.
 */
describe("supervision: cases and complaints", () => {
  let server: RunningServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  let sql: postgres.Sql;
  let handle: DbHandle;
  let app: AppContext;
  const dir = mkdtempSync(path.join(tmpdir(), "th-e2e-cases-"));
  const shots = "/tmp/e2e-supervision-cases";
  let projectId = "";
  let supervisor = "";
  let bidder = "";
  const users: Record<string, { context: BrowserContext; page: Page }> = {};

  const shot = async (page: Page, name: string) => {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };
  const hydrated = (page: Page) => page.waitForFunction(() => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined, undefined, { timeout: 30_000 });
  const open = async (page: Page, url: string) => {
    await page.goto(url, { waitUntil: "networkidle" });
    await hydrated(page);
  };
  const as = async (name: string, username: string) => {
    if (users[name]) return users[name].page; // signed in already
    users[name] = await contextFor(browser, server.url);
    const { page } = users[name]!;
    await page.goto("/login");
    await page.fill("#username", username);
    await page.fill("#password", PASSWORD);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("main button[type=submit]")]);
    return page;
  };

  beforeAll(async () => {
    db = await ownPostgresDatabase("cases");
    sql = db.sql;
    server = await startServer({ env: { DATABASE_URL: db.url } });
    const fonts = path.join(dir, "fonts.conf");
    const noto = path.dirname(createRequire(import.meta.url).resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"));
    writeFileSync(fonts, `<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>${noto}</dir><dir>${path.join(noto, "../700Bold")}</dir><cachedir>${path.join(dir, "fc-cache")}</cachedir></fontconfig>`);
    process.env.FONTCONFIG_FILE = fonts;
    browser = await launchBrowser();
    handle = await openDatabase({ databaseUrl: db.url, max: 4 });
    const hub = new LiveHub(handle);
    await hub.start();
    const config = loadConfig({ DATA_DIR: server.dataDir, SESSION_SECRET: "e2e-session-secret-0123456789abcdef0123456789", NODE_ENV: "test", DATABASE_URL: db.url } as NodeJS.ProcessEnv);
    app = { db: handle.db, blobs: new LocalBlobStore(path.join(server.dataDir, "blobs")), hub, config };
    // TEST SETUP: a published tender, a bidder's answered objection, a Daqing supervisor.
    const tu = await makeActor(app, "tendering_unit");
    projectId = await createProject(app, tu, await projectForm(app, { title: "电子监察案件测试工程" }));
    await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["cases-e2e"]))) });
    await publishProject(app, tu, projectId);
    const b = await makeActor(app, "bidder");
    bidder = b.username;
    const objectionId = await fileObjection(app, b, projectId, "招标文件设定的“省级优质工程奖”资格条件具有排他性，请求修改。");
    await answerObjection(app, tu, objectionId, "该资格条件符合行业规定，不予修改。");
    const s = await makeActor(app, "supervisor");
    await app.db.update(organisations).set({ jurisdiction: "黑龙江省大庆市" }).where(eq(organisations.id, s.orgId!));
    supervisor = s.username;
  }, 300_000);
  afterEach(expectNoHydrationErrors);
  afterEach(async (ctx) => {
    const out = process.env.E2E_FAIL_SHOTS;
    if (!out || ctx.task.result?.state !== "fail") return;
    mkdirSync(out, { recursive: true });
    for (const [name, v] of Object.entries(users)) {
      await v.page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true }).catch(() => undefined);
      writeFileSync(path.join(out, `${name}.html`), await v.page.content().catch(() => ""));
    }
    writeFileSync(path.join(out, "server.log"), server.output());
  });
  afterAll(async () => {
    for (const v of Object.values(users)) await v.context.close().catch(() => undefined);
    await browser?.close();
    await app?.hub.stop();
    await handle?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await db?.drop();
  });

  it("R65: a supervisor opens a case from the tender page, adds a note with a PDF, investigates and resolves it", async () => {
    const sp = await as("supervisor", supervisor);
    await open(sp, `/supervise/${projectId}`);
    await Promise.all([sp.waitForURL(/\/supervise\/cases\/new\?project=/), sp.getByTestId("open-case-link").click()]);
    await hydrated(sp);
    const form = sp.getByTestId("open-case-form");
    await form.locator("input[name=title]").fill("资格条件排他性核查");
    await shot(sp, "case-new");
    await Promise.all([sp.waitForURL(/\/supervise\/cases\/[0-9a-f-]{36}\?opened=/), form.getByTestId("open-case").click()]);
    await hydrated(sp);
    // The demo seed opened AJ-yyyy-0001 (its county tender's alert): this one is the next number of the year.
    expect(await sp.getByTestId("done").textContent()).toMatch(/已立案 AJ-\d{4}-0002/);
    expect(await sp.getByTestId("case-status").textContent()).toBe("已立案");
    const caseId = /\/supervise\/cases\/([0-9a-f-]{36})/.exec(sp.url())![1]!;

    // A note with a PDF attachment (multipart, staged and published by the command).
    const pdfPath = path.join(dir, "调查笔录.pdf");
    writeFileSync(pdfPath, demoPdf(["调查笔录", "e2e"]));
    const note = sp.getByTestId("note-form");
    await note.locator("textarea[name=body]").fill("已调取招标文件下载记录及答复材料。");
    await note.locator("input[name=file]").setInputFiles(pdfPath);
    await note.getByTestId("add-note").click();
    await expect.poll(() => sp.getByTestId("done").textContent()).toBe("已保存记录。");
    await expect.poll(() => sp.getByTestId("case-attachment").count()).toBe(1);
    const href = (await sp.getByTestId("case-attachment").getAttribute("href"))!;
    const res = await sp.request.get(href);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toBe("application/pdf");
    expect(Buffer.from(await res.body()).equals(readFileSync(pdfPath))).toBe(true);

    // R65: open → investigating → resolved (with the outcome).
    const status = sp.getByTestId("status-form");
    await status.locator("select[name=status]").selectOption("investigating");
    await status.getByTestId("change-status").click();
    await expect.poll(() => sp.getByTestId("case-status").textContent()).toBe("调查中");
    // Closing without the outcome is refused with the rule's message.
    await sp.getByTestId("status-form").locator("select[name=status]").selectOption("resolved");
    await sp.getByTestId("status-form").getByTestId("change-status").click();
    await expect.poll(() => sp.getByTestId("error").textContent()).toContain("R65");
    expect(await sp.getByTestId("case-status").textContent()).toBe("调查中");
    await sp.getByTestId("status-form").locator("select[name=status]").selectOption("resolved");
    await sp.getByTestId("status-form").locator("textarea[name=outcome]").fill("经核查，资格条件有行业依据，未发现违规，予以办结。");
    await sp.getByTestId("status-form").getByTestId("change-status").click();
    await expect.poll(() => sp.getByTestId("case-status").textContent()).toBe("已办结");
    expect(await sp.getByTestId("case-outcome").textContent()).toContain("予以办结");
    // open, the note with its attachment, investigating, resolved.
    expect(await sp.getByTestId("case-notes").locator("li").count()).toBe(4);
    await shot(sp, "case-resolved");
    const [row] = await sql`select status, closed_at from cases where id = ${caseId}`;
    expect(row!.status).toBe("resolved");
    expect(row!.closed_at).not.toBeNull();
    const actions = (await sql`select action from record_entries where subject_type = 'case' and subject_id = ${caseId} order by seq`).map((r) => r.action as string);
    expect(actions).toEqual(["supervision.case_opened", "supervision.case_note_added", "supervision.case_status_changed", "supervision.case_status_changed"]);

    await open(sp, "/supervise/cases?status=resolved");
    expect(await sp.getByTestId("case-row").count()).toBe(1);
    expect(await sp.getByTestId("case-status").first().textContent()).toBe("已办结");
    await shot(sp, "cases-list");
    // The open list holds the demo's case only, not this one.
    await open(sp, "/supervise/cases?status=open");
    expect(await sp.getByTestId("case-row").count()).toBe(1);
    expect(await sp.locator(`[data-testid=case-row] a[href*="${caseId}"]`).count()).toBe(0);
  });

  it("R53: a bidder complains from its answered objection; the supervisor accepts (suspending) and decides; the bidder reads the decision", async () => {
    const bp = await as("bidder", bidder);
    await open(bp, `/tenders/${projectId}`);
    const link = bp.getByTestId("my-objection").getByTestId("complain-link");
    await Promise.all([bp.waitForURL(/\/complaints\/new\?kind=documents&objection=/), link.click()]);
    await hydrated(bp);
    const form = bp.getByTestId("complaint-form");
    await form.locator("textarea[name=body]").fill("招标人的答复未说明该资格条件的依据，排斥潜在投标人，请监督部门依法处理。");
    await shot(bp, "complaint-new");
    await Promise.all([bp.waitForURL(/\/complaints\?filed=/), form.getByTestId("file-complaint").click()]);
    await hydrated(bp);
    expect(await bp.getByTestId("done").textContent()).toMatch(/投诉已提交，监督部门将在 \d{4}-\d{2}-\d{2} 24:00 前决定是否受理/);
    expect(await bp.getByTestId("my-complaint-status").textContent()).toBe("待受理");
    await shot(bp, "complaint-filed");

    const sp = await as("supervisor", supervisor);
    await open(sp, "/supervise/complaints");
    expect(await sp.getByTestId("complaint-counts").textContent()).toContain("待受理 1 件");
    await Promise.all([sp.waitForURL(/\/supervise\/complaints\/[0-9a-f-]{36}$/), sp.getByTestId("complaint-row").locator("a").first().click()]);
    await hydrated(sp);
    expect(await sp.getByTestId("complaint-body").textContent()).toContain("排斥潜在投标人");
    await shot(sp, "complaint-filed-supervisor");
    // Refusing without a reason is refused (R53), the complaint stays filed.
    await sp.getByTestId("refuse-form").getByTestId("refuse").click();
    await expect.poll(() => sp.getByTestId("error").textContent()).toContain("R53");
    expect(await sp.getByTestId("complaint-status").textContent()).toBe("待受理");
    const accept = sp.getByTestId("accept-form");
    await accept.locator("input[name=suspend]").check();
    await accept.getByTestId("accept").click();
    await expect.poll(() => sp.getByTestId("done").textContent()).toBe("已受理投诉。");
    await expect.poll(() => sp.getByTestId("complaint-status").textContent()).toBe("已受理 · 已暂停");
    const decide = sp.getByTestId("decide-form");
    await decide.locator("select[name=outcome]").selectOption("upheld");
    await decide.locator("textarea[name=decision]").fill("投诉成立。责令招标人删除该资格条件，发布澄清并顺延投标截止时间。");
    await decide.getByTestId("decide").click();
    await expect.poll(() => sp.getByTestId("done").textContent()).toBe("已作出处理决定。");
    await expect.poll(() => sp.getByTestId("complaint-status").textContent()).toBe("已处理");
    expect(await sp.getByTestId("complaint-outcome").textContent()).toBe("投诉成立");
    await shot(sp, "complaint-decided-supervisor");
    const [c] = await sql`select status, suspended, outcome from complaints where project_id = ${projectId}`;
    expect(c).toMatchObject({ status: "decided", suspended: false, outcome: "upheld" });

    await open(bp, "/complaints");
    expect(await bp.getByTestId("my-complaint-status").textContent()).toBe("已处理");
    expect(await bp.getByTestId("my-complaint-decision").textContent()).toContain("责令招标人删除该资格条件");
    await shot(bp, "complaint-decided-bidder");
  });
});
