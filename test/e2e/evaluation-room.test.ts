import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { eq } from "drizzle-orm";
import { tmpdir } from "node:os";
import path from "node:path";
import type postgres from "postgres";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildPkcs12 } from "#crypto/certs";
import { toBase64 } from "#crypto/seal/format";
import { checkSignedPdf } from "../helpers/pdfsig";
import { openDatabase, type DbHandle } from "#db/client";
import { closeOpening, openHall, releaseBidKey } from "#app/services/opening/opening.server";
import { LocalBlobStore } from "#app/services/platform/blob-store.server";
import { loadConfig } from "#app/services/platform/config.server";
import type { AppContext } from "#app/services/platform/context.server";
import { LiveHub } from "#app/services/platform/live-hub.server";
import { prepareEvaluation, startEvaluation } from "#app/services/evaluation/lifecycle.server";
import type { Actor } from "#app/services/platform/actor";
import { evaluations } from "#db/schema/index";
import { freezeMethod, setReadPrices } from "../helpers/evaluation";
import { drawnDraw } from "../helpers/evaluation-entry";
import { PASSWORD } from "../helpers/factories";
import { checkInAs, tenderWithBids } from "../helpers/opening";
import type { Enrolled } from "../helpers/pki";
import { contextFor, expectNoHydrationErrors, launchBrowser, login, ownPostgresDatabase, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * Issue 12 item 15 end to end in Chromium: the review room with five member browser contexts. The server runs on
 * PostgreSQL (its own database); the state before the room — a tender through its opening with four decrypted
 * bids, and a committee from a real draw (five members, one standby backup, every expert with an account and a
 * certificate file) — is made by the server's own modules against that database (the opening and the draw have
 * their own end-to-end files). Everything from the room's start on goes through the real pages: entry with the
 * certificate file, one member declares a conflict and the backup enters (R37, EV15), the leader's election (EV3),
 * …; the tendering unit and a bidder get 404 while the room is open (R42).
 */
describe("the review room, five members in their own browsers", () => {
  let server: RunningServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  let sql: postgres.Sql;
  let handle: DbHandle;
  let app: AppContext;
  const dir = mkdtempSync(path.join(tmpdir(), "th-e2e-eval-"));
  const shots = process.env.E2E_SHOTS;
  let t: Awaited<ReturnType<typeof tenderWithBids>>;
  /** The draw's experts: five members (seats 1–5) and one standby backup, each with an account and a certificate. */
  let experts: { actor: Actor & { username: string }; cert: Enrolled; role: "member" | "backup" }[] = [];
  let roomUrl = "";
  /** Seat → the member's browser. */
  const seats = new Map<number, { context: BrowserContext; page: Page; p12: string; username: string }>();
  const others: Record<string, { context: BrowserContext; page: Page }> = {};
  const shot = async (page: Page, name: string) => {
    if (!shots) return;
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };
  /** The expert's certificate as a PKCS#12 file, as the enrolment page would have saved it. */
  const p12File = (name: string, cert: Enrolled) => {
    const file = path.join(dir, `${name}.p12`);
    writeFileSync(file, buildPkcs12({ privateKeyPkcs8: cert.privateKeyPkcs8, certPem: cert.certPem, chainPem: cert.chainPem, passphrase: PASSWORD, friendlyName: name, iterations: 1000 }));
    return file;
  };
  const member = (seat: number) => seats.get(seat)!.page;
  const seatOf = async (userId: string): Promise<number | null> =>
    ((await sql`select seat from committee_members where section_id = ${t.sectionId} and user_id = ${userId} and voided_at is null`)[0]?.seat as number | undefined) ?? null;

  /** TEST SETUP (test/helpers/evaluation-entry.ts drawnDraw, before the record closes): a drawn draw of one line. */
  const drawnExperts = async (size: number, backups: number) =>
    (await drawnDraw(app, t, size, backups, (i) => ({ code: `E2E-${i + 1}`, name: `评标专家${"甲乙丙丁戊己"[i]}`, org: `评标专家单位${i + 1}` }))).people;

  beforeAll(async () => {
    db = await ownPostgresDatabase("eval");
    sql = db.sql;
    server = await startServer({ env: { DATABASE_URL: db.url } });
    browser = await launchBrowser();
    // The server's own modules on the server's database and data folder (its CA, its blob store); live events reach
    // the server's pages through PostgreSQL NOTIFY.
    handle = await openDatabase({ databaseUrl: db.url, max: 4 });
    const hub = new LiveHub(handle);
    await hub.start();
    const config = loadConfig({ DATA_DIR: server.dataDir, SESSION_SECRET: "e2e-session-secret-0123456789abcdef0123456789", NODE_ENV: "test", DATABASE_URL: db.url } as NodeJS.ProcessEnv);
    app = { db: handle.db, blobs: new LocalBlobStore(path.join(server.dataDir, "blobs")), hub, config };

    // A tender through its opening: four bids decrypted.
    t = await tenderWithBids(app, 4, "bidder");
    await openHall(app, t.sectionId);
    for (const b of t.bidders) await checkInAs(app, b, t.sectionId);
    for (const b of t.bidders) await releaseBidKey(app, b.actor, t.sectionId, toBase64(b.rawKey));
    // The draw is made before the record closes: closing schedules the evaluation's preparation (the server's job
    // runner does it at once), which forms the committee from the draw's live picks (R35).
    experts = await drawnExperts(5, 1);
    // The fixture's read prices and ceiling, before the record closes (so the signed opening record reads them too).
    await setReadPrices(
      app,
      t.sectionId,
      t.bidders.map((b, i) => ({ bidId: b.bidId, priceYuan: ["9600000", "9800000", "10000000", "10400000"][i]! })),
      "10500000",
    );
    await closeOpening(app, t.tu, t.sectionId);
    // Whichever of the server's job and this call comes first prepares the evaluation (the other is a no-op).
    await prepareEvaluation(app, t.sectionId);
    // The ZTB 综合评估法 of the committed fixture (T1 range, T2 options, B1 objective, B2 range, P formula; election).
    await freezeMethod(app, t.sectionId, JSON.parse(readFileSync(new URL("../fixtures/evaluation/ztb-comprehensive.appendix.json", import.meta.url), "utf8")).method);
    await app.db.update(evaluations).set({ startsAt: new Date(Date.now() - 1000) }).where(eq(evaluations.sectionId, t.sectionId));
    await startEvaluation(app, t.sectionId);
    const [ev] = await sql`select stage from evaluations where section_id = ${t.sectionId}`;
    expect(ev?.stage).toBe("entry");
    roomUrl = `/evaluations/${t.sectionId}`;
  }, 300_000);
  afterEach(expectNoHydrationErrors);
  // On a failure, what every browser showed (E2E_FAIL_SHOTS=dir).
  afterEach(async (ctx) => {
    const out = process.env.E2E_FAIL_SHOTS;
    if (!out || ctx.task.result?.state !== "fail") return;
    mkdirSync(out, { recursive: true });
    for (const [name, v] of [...[...seats].map(([s, v]) => [`M${s}`, v] as const), ...Object.entries(others)]) {
      await v.page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true }).catch(() => undefined);
      writeFileSync(path.join(out, `${name}.html`), await v.page.content().catch(() => ""));
    }
    writeFileSync(path.join(out, "server.log"), server.output());
  });
  afterAll(async () => {
    for (const v of [...seats.values(), ...Object.values(others)]) await v.context.close().catch(() => undefined);
    await browser?.close();
    await app?.hub.stop();
    await handle?.close();
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await db?.drop();
  });

  /** Waits until Remix has hydrated the page (a form submitted before that would post natively and reload it). */
  const hydrated = (page: Page) => page.waitForFunction(() => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined, undefined, { timeout: 30_000 });

  /** Opens the certificate file in the entry panel and enters (R41: the signed challenge). */
  async function enter(page: Page, p12: string) {
    if (process.env.E2E_FAIL_SHOTS)
      page.on("response", (r) => {
        if (r.status() >= 400) void r.text().catch(() => "").then((b) => console.log("HTTP", r.status(), r.request().method(), r.url(), r.request().postData()?.slice(0, 300), b.slice(0, 500)));
      });
    await page.goto(roomUrl, { waitUntil: "networkidle" });
    await hydrated(page);
    const form = page.getByTestId("p12-form");
    await form.locator("input[name=p12]").setInputFiles(p12);
    await form.locator("input[name=passphrase]").fill(PASSWORD);
    await form.locator("button[type=submit]").click();
    await page.getByTestId("enter").click();
    await page.getByTestId("in-room").waitFor({ timeout: 30_000 });
  }

  it("R42: while the room is open the tendering unit and a bidder get 404; the members enter with their certificates", async () => {
    for (const [name, actor] of [
      ["tenderer", t.tu],
      ["bidder", t.bidders[0]!.actor],
      ["supervisor", t.supervisor],
    ] as const) {
      others[name] = await contextFor(browser, server.url);
      await login(others[name]!.page, (actor as { username: string }).username, PASSWORD);
    }
    for (const name of ["tenderer", "bidder"]) {
      const res = await others[name]!.page.goto(roomUrl);
      expect(res?.status(), name).toBe(404);
    }
    await Promise.all(
      experts
        .filter((x) => x.role === "member")
        .map(async (m) => {
          const seat = (await seatOf(m.actor.user!.id))!;
          const { context, page } = await contextFor(browser, server.url);
          await login(page, m.actor.username, PASSWORD);
          const p12 = p12File(`M${seat}`, m.cert);
          seats.set(seat, { context, page, p12, username: m.actor.username });
          await enter(page, p12);
        }),
    );
    expect([...seats.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    await others.supervisor!.page.goto(roomUrl, { waitUntil: "networkidle" });
    await others.supervisor!.page.getByTestId("entry-progress").waitFor();
    await shot(member(1), "room-entered");
  });

  it("R41, R37, EV15: four declare no conflict after reading; one declares a conflict and the backup enters and declares", async () => {
    await Promise.all(
      [1, 2, 4, 5].map(async (seat) => {
        const page = member(seat);
        await page.getByTestId("declaration").waitFor();
        // The reading countdown (R41) keeps the button disabled first.
        await page.locator("[data-testid=declare]:not([disabled])").click({ timeout: 30_000 });
        await page.getByTestId("declaration").waitFor({ state: "detached", timeout: 30_000 });
      }),
    );
    const leaving = member(3);
    await leaving.getByTestId("conflict").click();
    const form = leaving.getByTestId("recuse-form");
    await form.locator("textarea[name=reason]").fill("本人近三年曾在投标单位2担任技术顾问。");
    await form.locator("input[name=confirm]").check();
    await form.getByTestId("recuse").click();
    // The seat is void at once: the room is gone for the member (R42; the live revalidation can beat the redirect).
    await expect.poll(async () => (await sql`select status from committee_members where section_id = ${t.sectionId} and seat = 3`)[0]?.status, { timeout: 20_000 }).toBe("recused");
    // The recused member is sent back to its list of evaluations (never a bare 404 page).
    await leaving.waitForURL((u) => u.pathname === "/evaluations", { timeout: 20_000 });
    // …and the room stays closed to it: the page sends it back to the list (its seat is void).
    await leaving.goto(roomUrl);
    expect(new URL(leaving.url()).pathname).toBe("/evaluations");
    expect(await leaving.getByTestId("room-stage").count()).toBe(0);
    await seats.get(3)!.context.close();
    seats.delete(3);
    // The backup was invited and seated at once (seat 6).
    const backup = experts.find((x) => x.role === "backup")!;
    expect(await seatOf(backup.actor.user!.id)).toBe(6);
    const { context, page } = await contextFor(browser, server.url);
    await login(page, backup.actor.username, PASSWORD);
    const p12 = p12File("M6", backup.cert);
    seats.set(6, { context, page, p12, username: backup.actor.username });
    await enter(page, p12);
    await page.locator("[data-testid=declare]:not([disabled])").click({ timeout: 30_000 });
    await page.getByTestId("declaration").waitFor({ state: "detached", timeout: 30_000 });
    for (const seat of [1, 2, 4, 5, 6]) await member(seat).getByTestId("leader-panel").waitFor({ timeout: 20_000 });
    const recused = await sql`select status, recusal_reason from committee_members where section_id = ${t.sectionId} and seat = 3`;
    expect(recused[0]).toMatchObject({ status: "recused", recusal_reason: "本人近三年曾在投标单位2担任技术顾问。" });
  });
  it("EV3: the five elect their leader by secret ballot; the room moves to the compliance review", async () => {
    await Promise.all(
      [1, 2, 4, 5, 6].map(async (seat) => {
        const page = member(seat);
        const ballot = page.getByTestId("ballot");
        await ballot.waitFor({ timeout: 30_000 });
        await ballot.getByTestId("candidate-M1").check();
        await ballot.getByTestId("vote").click();
        await page.getByTestId("my-ballot").or(page.getByTestId("leader-result")).first().waitFor({ state: "attached", timeout: 30_000 });
      }),
    );
    for (const seat of [1, 2, 4, 5, 6]) {
      await member(seat).getByTestId("room-stage").getByText("初步评审").or(member(seat).getByTestId("review-panel")).first().waitFor({ timeout: 30_000 });
      expect(await member(seat).getByTestId("leader-panel").textContent()).toContain("M1");
    }
    const [ev] = await sql`select e.stage, m.seat from evaluations e join committee_members m on m.id = e.leader_member_id where e.section_id = ${t.sectionId}`;
    expect(ev).toMatchObject({ stage: "review", seat: 1 });
    await shot(member(1), "room-leader");
  });

  it("R43: the leader asks a bidder for a clarification; the bidder answers, signed, on its own page; the members see it", async () => {
    const leader = member(1);
    const form = leader.getByTestId("clarify-form");
    await form.waitFor({ timeout: 30_000 });
    const order2 = await leader.getByTestId("clarify-bid").locator("option").nth(2).getAttribute("value");
    await form.getByTestId("clarify-bid").selectOption(order2!);
    await form.getByTestId("clarify-question").fill("请说明项目经理类似业绩中第2项工程的竣工时间。");
    await form.getByTestId("clarify-send").click();
    await leader.getByTestId("clarification-list").waitFor({ timeout: 30_000 });
    // The bidder of that bid answers on /clarifications with its certificate file (signed in the page).
    const [bidRow] = await sql`select org_id from bids where id = ${order2!}`;
    const bidder = t.bidders.find((b) => b.actor.orgId === bidRow!.org_id)!;
    const bp = await contextFor(browser, server.url);
    others.answering = bp;
    await login(bp.page, (bidder.actor as { username?: string }).username!, PASSWORD);
    await bp.page.goto("/clarifications", { waitUntil: "networkidle" });
    await hydrated(bp.page);
    const card = bp.page.getByTestId("bidder-clarification");
    await card.getByTestId("p12-form").locator("input[name=p12]").setInputFiles(p12File("bidder-answer", bidder.cert));
    await card.getByTestId("p12-form").locator("input[name=passphrase]").fill(PASSWORD);
    await card.getByTestId("p12-form").locator("button[type=submit]").click();
    await card.getByTestId("answer-text").fill("该工程于2023年10月竣工，竣工验收备案表见投标文件第112页。");
    await card.getByTestId("answer-sign").click();
    await bp.page.getByTestId("my-answer").waitFor({ timeout: 30_000 });
    // Every member's room shows the answer (live).
    for (const seat of [1, 2, 4, 5, 6]) await member(seat).getByTestId("clarification-list").getByText("2023年10月竣工").waitFor({ timeout: 30_000 });
  });

  it("EV12, R44: every member marks its sheet; three fail the fourth bid on a ground; the leader closes — the bid is rejected with its ground", async () => {
    await Promise.all(
      [1, 2, 4, 5, 6].map(async (seat) => {
        const page = member(seat);
        for (const order of [1, 2, 3, 4]) {
          const bid = page.getByTestId(`review-bid-${order}`);
          if (order === 4 && [1, 2, 4].includes(seat)) {
            await bid.getByTestId("fail-resp").check();
            const ground = bid.getByTestId("ground-resp");
            const code = await ground.locator("option:not([disabled])").nth(1).getAttribute("value");
            await ground.selectOption(code!);
            await bid.getByTestId("reason-resp").fill("投标文件未按招标文件要求提供工期承诺，属实质性不响应。");
            await bid.getByTestId("save-fail-resp").click();
            await bid.locator("tr[data-item=resp].failed").waitFor({ timeout: 30_000 });
          }
          await bid.getByTestId(`pass-rest-${order}`).click();
          await bid.getByTestId(`pass-rest-${order}`).waitFor({ state: "detached", timeout: 30_000 });
        }
        await page.locator("[data-testid=review-done]:not([disabled])").click({ timeout: 30_000 });
        await page.getByTestId("review-reopen").waitFor({ timeout: 30_000 });
      }),
    );
    const leader = member(1);
    await leader.locator("[data-testid=review-close]:not([disabled])").click({ timeout: 30_000 });
    const conclusions = leader.getByTestId("review-conclusions");
    // The room moves on to scoring at once: the conclusions stay on the page, folded.
    await conclusions.waitFor({ state: "attached", timeout: 30_000 });
    expect(await conclusions.locator("tr[data-passed=false]").count()).toBe(1);
    expect(await conclusions.locator("tr[data-passed=false]").textContent()).toContain("实质性不响应");
    await shot(leader, "room-review-closed");
  });
  /** Scores per bid (in the sheet's column order) a member gives: T1 (0–25), T2 (15/10/5/0), B2 (0–10). */
  const SCORES: Record<number, [string, string, string][]> = {
    1: [["20", "10", "8"], ["22", "15", "7"], ["18", "10", "6"]],
    2: [["21", "10", "8"], ["23", "15", "8"], ["19", "10", "6"]],
    4: [["20", "10", "7"], ["22", "15", "7"], ["17", "10", "6"]],
    5: [["19", "10", "8"], ["21", "15", "7"], ["18", "10", "5"]],
    // M6 scores the third bid's technical plan far below the others (EV18: a deviation flag to justify).
    6: [["20", "10", "8"], ["22", "15", "8"], ["8", "10", "6"]],
  };
  let scoredBids: string[] = [];

  it("§4.5, EV6: each member scores independently with autosave; one reloads half-way and finds its scores; all submit", async () => {
    const leader = member(1);
    await leader.getByTestId("score-sheet").waitFor({ timeout: 30_000 });
    scoredBids = await leader.locator("[data-testid=score-sheet] thead th[data-bid]").evaluateAll((ths) => ths.map((th) => th.getAttribute("data-bid")!));
    // The rejected bid is not scored (EV12): three columns.
    expect(scoredBids).toHaveLength(3);
    const fill = async (page: Page, seat: number, bids: number[]) => {
      for (const i of bids) {
        const bid = scoredBids[i]!;
        const [t1, t2, b2] = SCORES[seat]![i]!;
        await page.getByTestId(`score-${bid}|T1`).fill(t1);
        await page.getByTestId(`score-${bid}|T2`).selectOption(t2);
        await page.getByTestId(`score-${bid}|B2`).fill(b2);
        // The objective item is the leader's entry for the committee (B1: 10 / 5 / 10).
        if (seat === 1) await page.getByTestId(`score-${bid}|B1`).selectOption(["10", "5", "10"][i]!);
      }
    };
    const saved = (page: Page) => page.getByTestId("autosave-status").getByText("所有修改均已保存").waitFor({ timeout: 30_000 });
    await Promise.all(
      [1, 2, 4, 5, 6].map(async (seat) => {
        const page = member(seat);
        await page.getByTestId("score-sheet").waitFor({ timeout: 30_000 });
        if (seat === 2) {
          // Half-way: the first bid is scored and saved; the member reloads the page (still in the room).
          await fill(page, seat, [0]);
          await saved(page);
          await page.reload({ waitUntil: "networkidle" });
          await hydrated(page);
          await page.getByTestId("score-sheet").waitFor({ timeout: 30_000 });
          expect(await page.getByTestId(`score-${scoredBids[0]}|T1`).inputValue()).toBe("21");
          expect(await page.getByTestId(`score-${scoredBids[0]}|B2`).inputValue()).toBe("8");
          await fill(page, seat, [1, 2]);
        } else await fill(page, seat, [0, 1, 2]);
        await saved(page);
        // The objective item is the committee's entry (the leader's): a sheet is complete once the leader's entries
        // are stored, which the leader's submission shows live in every room (R48: an incomplete sheet is refused).
        if (seat !== 1) await page.locator("[data-testid=scoring-progress] tr[data-seat='1']").getByText("已提交").waitFor({ timeout: 60_000 });
        await page.locator("[data-testid=submit-sheet]:not([disabled])").click({ timeout: 30_000 });
        await page.getByTestId("sheet-submitted").or(page.getByTestId("summary")).first().waitFor({ timeout: 30_000 });
      }),
    );
    await others.supervisor!.page.reload({ waitUntil: "networkidle" });
    // A supervisor sees progress, never a score (R42).
    // A supervisor watches progress read-only, never a score or the ranking before the report (R42).
    await others.supervisor!.page.getByTestId("summary-progress").waitFor({ timeout: 30_000 });
    expect(await others.supervisor!.page.getByTestId("score-sheet").count()).toBe(0);
    expect(await others.supervisor!.page.getByTestId("ranking").count()).toBe(0);
  });

  it("EV18, EV19: the summary flags the deviating score; its member justifies it; the leader finalises; the ranking", async () => {
    const m6 = member(6);
    const flags = m6.getByTestId("flags");
    await flags.waitFor({ timeout: 30_000 });
    // Only M6's score is flagged (EV18: T1 of the third bid, 8 against the others' 18).
    expect(await flags.locator("li").count()).toBe(1);
    const mine = flags.locator("li[data-mine=true]");
    await mine.locator("textarea").fill("该投标人施工方案未针对体育馆大跨度钢结构吊装编制专项措施，本人据此给予低分。");
    await mine.locator("button[type=submit]").click();
    await mine.getByTestId("justification").waitFor({ timeout: 30_000 });
    const leader = member(1);
    await leader.getByTestId("flags").getByTestId("justification").waitFor({ timeout: 30_000 });
    await leader.getByTestId("finalise").click();
    const ranking = leader.getByTestId("ranking");
    await leader.getByText("汇总已确认").first().waitFor({ timeout: 30_000 });
    expect(await ranking.locator("tbody tr").count()).toBe(3);
    await shot(leader, "room-summary");
  });
  const DISSENT = "本人认为第三名投标人的施工方案存在重大缺陷，不应推荐为中标候选人。";

  it("R50: the report is generated; four agree and one dissents with reasons; the tendering unit and a bidder still see nothing", async () => {
    const leader = member(1);
    await leader.getByTestId("report-panel").waitFor({ timeout: 30_000 });
    // The report job makes the draft at once; where it has not yet, a member asks for it.
    const generate = leader.getByTestId("report-generate");
    if (await generate.isVisible()) await generate.click();
    for (const seat of [1, 2, 4, 5, 6]) {
      const page = member(seat);
      const form = page.getByTestId("report-position-form");
      await form.waitFor({ timeout: 60_000 });
      if (seat === 5) {
        await form.locator("input[name=position][value=dissent]").check();
        await form.getByTestId("report-dissent").fill(DISSENT);
      }
      await form.getByTestId("report-position-submit").click();
      await page.getByTestId(`position-M${seat}`).getByText(seat === 5 ? "不同意" : "同意", { exact: true }).waitFor({ timeout: 30_000 });
    }
    // R42: until the report is signed, the tendering unit and a bidder get nothing — not the room, not the report.
    for (const name of ["tenderer", "bidder"]) {
      const page = others[name]!.page;
      for (const url of [roomUrl, `${roomUrl}/report.pdf`, `${roomUrl}/appendix.json`]) expect((await page.request.get(url)).status(), `${name} ${url}`).toBe(404);
    }
  });

  it("R49: all five sign the report in their browsers with their certificate files; pdfsig finds the five signatures valid; the dissent is printed", async () => {
    for (const seat of [1, 2, 4, 5, 6]) {
      const page = member(seat);
      const sign = page.getByTestId("report-sign");
      await sign.waitFor({ timeout: 60_000 });
      await sign.locator("input[name=p12]").setInputFiles(seats.get(seat)!.p12);
      await sign.locator("input[name=passphrase]").fill(PASSWORD);
      await sign.locator("button[type=submit]").click();
      await sign.getByTestId("report-sign-button").click();
      await page.getByTestId("report-signed-mine").waitFor({ timeout: 60_000 });
    }
    const leader = member(1);
    for (const seat of [1, 2, 4, 5, 6]) await leader.getByTestId(`signed-M${seat}`).getByText("已签名").waitFor({ timeout: 30_000 });
    await leader.getByTestId("room-stage").getByText("评标完成").waitFor({ timeout: 30_000 });
    const res = await leader.request.get(`${roomUrl}/report.pdf`);
    expect(res.status()).toBe(200);
    const pdf = new Uint8Array(await res.body());
    writeFileSync(path.join(dir, "report.pdf"), pdf);
    const ca = readFileSync(path.join(server.dataDir, "pki", "ca.pem"), "utf8");
    const check = checkSignedPdf(pdf, ca);
    // The platform's seal and the five members' signatures, each valid and trusted.
    const valid = check.plain.match(/Signature is Valid/g) ?? [];
    expect(valid.length).toBe(6);
    expect(check.plain).toContain("Tenderhall 平台签章");
    // One signature per seated member, in its own field, by its own certificate (the recused M3 signs nothing).
    for (const seat of [1, 2, 4, 5, 6]) {
      expect(check.plain).toContain(`评标委员会成员 ${seat} 签名`);
      expect(check.plain).toContain(`O=评标专家单位${seat},`);
    }
    expect(check.plain).not.toContain("评标委员会成员 3 签名");
    expect(check.plain).not.toMatch(/Signature is Invalid|Digest Mismatch/);
    expect((check.trusted.match(/Certificate is Trusted/g) ?? []).length).toBe(valid.length);
    expect(check.tampered).toContain("Digest Mismatch");
    const text = check.text.replace(/\s+/g, "");
    expect(text).toContain(DISSENT.replace(/\s+/g, ""));
    await shot(leader, "room-signed");
  });
  it("R49, EV19: after the signing the tendering unit gets the report; `npm run verify-evaluation` on the downloaded appendix agrees with it", async () => {
    const tu = others.tenderer!.page;
    const pdf = await tu.request.get(`${roomUrl}/report.pdf`);
    expect(pdf.status()).toBe(200);
    const res = await tu.request.get(`${roomUrl}/appendix.json`);
    expect(res.status()).toBe(200);
    const file = path.join(dir, "appendix.json");
    writeFileSync(file, await res.body());
    const appendix = JSON.parse(readFileSync(file, "utf8")) as { result: { ranking: { bidderId: string; rank: number; name?: string }[]; candidates: string[] }; input: { bids: { bidderId: string; name: string }[] } };
    const run = spawnSync("npm", ["run", "--silent", "verify-evaluation", "--", file], { cwd: path.resolve(import.meta.dirname, "../.."), encoding: "utf8" });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stdout).toContain("verified: the recorded result is exactly the recomputation");
    // The printed report names the appendix's digest, and the room's ranking is the appendix's.
    const sha = /sha256 ([0-9a-f]{64})/.exec(run.stdout)![1]!;
    expect(checkSignedPdf(new Uint8Array(await pdf.body()), readFileSync(path.join(server.dataDir, "pki", "ca.pem"), "utf8")).text.replace(/\s+/g, "")).toContain(sha);
    const names = new Map(appendix.input.bids.map((b) => [b.bidderId, b.name]));
    const expected = appendix.result.ranking.map((r) => names.get(r.bidderId));
    expect(expected).toHaveLength(3);
    const leader = member(1);
    const shown = await leader.locator("[data-testid=ranking] tbody tr td:nth-child(2)").allTextContents();
    expect(shown).toEqual(expected);
    // M6's deviating score of the third bid stands (justified in the room): the recomputation finds the one flag.
    expect(run.stdout).toMatch(/flags: 1 deviation/);
  });
});
