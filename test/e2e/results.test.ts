import { fenToYuan } from "#app/domain/money";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type postgres from "postgres";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { openDatabase, type DbHandle } from "#db/client";
import { LocalBlobStore } from "#app/services/platform/blob-store.server";
import { loadConfig } from "#app/services/platform/config.server";
import type { AppContext } from "#app/services/platform/context.server";
import { LiveHub } from "#app/services/platform/live-hub.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import type { ResultCandidate } from "#db/schema/index";
import { demoPdf } from "../../server/demo-pdf";
import { ocdsValidator } from "../fixtures/ocds-1.1.5/validator";
import { PASSWORD } from "../helpers/factories";
import { checkSignedPdf } from "../helpers/pdfsig";
import { signedReport } from "../helpers/report";
import { contextFor, expectNoHydrationErrors, launchBrowser, ownPostgresDatabase, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * The results stage (定标, R51–R61) end to end in Chromium through the real server on its own PostgreSQL database.
 * The state before the browser — a section whose evaluation report every member signed — is made by the server's own
 * modules against that database (test/helpers/report.ts); the server's job runner publishes the publicity (R51).
 * From there everything goes through the pages: the public portal shows the candidates; a bidder objects (R52), the
 * tendering unit answers and the publicity resumes; the period ends by the server's timer job; the tendering unit's
 * out-of-list and skipped-rank choices are refused (R55) before rank 1 is decided; notices go out together, signed
 * (R56), each bidder reads only its own (R54/EV25); the contract is recorded (R56) and the section archived (R59, R61);
 * the archive ZIP checks out with sha256sum and pdfsig; the OCDS feed validates against the 1.1.5 schemas.
 */
describe("results: publicity, objection, decision, notices, contract, archive, open data", () => {
  let server: RunningServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  let sql: postgres.Sql;
  let handle: DbHandle;
  let app: AppContext;
  const dir = mkdtempSync(path.join(tmpdir(), "th-e2e-results-"));
  const shots = path.resolve(import.meta.dirname, "../../test-results/e2e-results");
  let t: Awaited<ReturnType<typeof signedReport>>["t"];
  let candidates: ResultCandidate[] = [];
  let projectCode = "";
  let caPem = "";
  const users: Record<string, { context: BrowserContext; page: Page }> = {};
  const usernameOf = (a: unknown) => (a as { username: string }).username;
  const manageUrl = () => `/manage/${t.projectId}/results`;
  const bidderUrl = () => `/tenders/${t.projectId}/sections/${t.sectionId}/results`;

  const shot = async (page: Page, name: string) => {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };
  /** Waits until Remix has hydrated the page (a form submitted before that would post natively). */
  const hydrated = (page: Page) => page.waitForFunction(() => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined, undefined, { timeout: 30_000 });
  const open = async (page: Page, url: string) => {
    await page.goto(url, { waitUntil: "networkidle" });
    await hydrated(page);
  };
  const stage = async () => (await sql`select stage from section_results where section_id = ${t.sectionId}`)[0]?.stage as string | undefined;
  const as = async (name: string, username: string) => {
    users[name] ??= await contextFor(browser, server.url);
    const { page } = users[name]!;
    await page.goto("/login");
    await page.fill("#username", username);
    await page.fill("#password", PASSWORD);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("main button[type=submit]")]);
    return page;
  };
  const bidderOf = (orgId: string) => t.bidders.find((b) => b.actor.orgId === orgId)!;

  beforeAll(async () => {
    db = await ownPostgresDatabase("results");
    sql = db.sql;
    server = await startServer({ env: { DATABASE_URL: db.url } });
    // The screenshots are read by people: Chromium gets the Noto Sans SC font the PDFs are set in (the machine may have
    // no CJK font, and every Chinese character would be a box).
    const fonts = path.join(dir, "fonts.conf");
    const noto = path.dirname(createRequire(import.meta.url).resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"));
    writeFileSync(fonts, `<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>${noto}</dir><dir>${path.join(noto, "../700Bold")}</dir><cachedir>${path.join(dir, "fc-cache")}</cachedir></fontconfig>`);
    process.env.FONTCONFIG_FILE = fonts;
    browser = await launchBrowser();
    // The server's own modules on the server's database and data folder (its CA and signing keys, its blob store).
    handle = await openDatabase({ databaseUrl: db.url, max: 4 });
    const hub = new LiveHub(handle);
    await hub.start();
    const config = loadConfig({ DATA_DIR: server.dataDir, SESSION_SECRET: "e2e-session-secret-0123456789abcdef0123456789", NODE_ENV: "test", DATABASE_URL: db.url } as NodeJS.ProcessEnv);
    app = { db: handle.db, blobs: new LocalBlobStore(path.join(server.dataDir, "blobs")), hub, config };
    // TEST SETUP: three bids (one above the ceiling), every one reviewed, the report signed by all five members.
    ({ t } = await signedReport(app, 3));
    // R51: the report's signing schedules the publicity; the SERVER's job runner (server/index.ts, every second)
    // publishes it — this test does not run the job itself.
    await vi.waitFor(async () => expect(await stage()).toBe("publicity"), { timeout: 30_000, interval: 250 });
    const [r] = await sql`select candidates from section_results where section_id = ${t.sectionId}`;
    candidates = r!.candidates as ResultCandidate[];
    expect(candidates.map((c) => c.rank)).toEqual([1, 2]);
    const [p] = await sql`select code, state_funded from projects where id = ${t.projectId}`;
    projectCode = p!.code as string;
    // The factory's tender is state-funded (the form's default): under ZTB rank 1 must win unless R55 (test 4).
    expect(p!.state_funded).toBe(true);
    caPem = documentSigner(app.config).caCertPem;
  }, 300_000);
  afterEach(expectNoHydrationErrors);
  // On a failure, what every browser showed (E2E_FAIL_SHOTS=dir).
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

  it("R51: the public tender page shows the section in publicity with its ranked candidates (not the rejected bid)", async () => {
    const { page } = (users.public = await contextFor(browser, server.url));
    await open(page, `/tenders/${t.projectId}`);
    const panel = page.getByTestId("results-01");
    await expect.poll(() => panel.getByTestId("results-stage").textContent()).toContain("公示中");
    const rows = panel.getByTestId("candidates").locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    for (const c of candidates) await expect.poll(() => rows.nth(c.rank - 1).textContent()).toContain(c.name);
    await shot(page, "portal-tender-publicity");
    // The bidder results page is public too (no session): the same stage and candidates.
    await open(page, bidderUrl());
    expect(await page.getByTestId("result-stage").textContent()).toBe("公示中");
    const text = (await page.getByTestId("publicity").textContent()) ?? "";
    for (const c of candidates) expect(text).toContain(c.name);
    expect(await page.getByTestId("objection-form").count()).toBe(0);
    await shot(page, "bidder-page-public");
  });

  it("R52: a bidder files an objection → suspended; the tendering unit dismisses it → the publicity resumes", async () => {
    const objector = bidderOf(candidates[1]!.orgId);
    const bp = await as("objector", usernameOf(objector.actor));
    await open(bp, bidderUrl());
    expect(await bp.getByTestId("my-outcome").textContent()).toContain("排名第 2 名");
    const form = bp.getByTestId("objection-form");
    await form.locator("textarea[name=body]").fill("第一名投标人项目经理的业绩证明存疑，请复核。");
    await form.getByTestId("file-objection").click();
    await bp.getByTestId("done").waitFor();
    await expect.poll(() => bp.getByTestId("result-stage").textContent()).toBe("异议暂停");
    expect(await bp.getByTestId("my-objection").count()).toBe(1);
    expect(await stage()).toBe("suspended");
    await shot(bp, "bidder-suspended");

    const tu = await as("tu", usernameOf(t.tu));
    await open(tu, manageUrl());
    const sec = tu.getByTestId("results-01");
    expect(await sec.getByTestId("result-stage").textContent()).toBe("异议暂停");
    const answer = sec.getByTestId("answer-form");
    await answer.locator("textarea[name=answer]").fill("经核查，业绩证明真实有效，异议不成立。");
    await answer.locator("select[name=outcome]").selectOption("dismissed");
    await answer.getByTestId("answer").click();
    await expect.poll(() => tu.getByTestId("done").textContent()).toBe("已答复异议。");
    await expect.poll(() => sec.getByTestId("result-stage").textContent()).toBe("公示中");
    expect(await stage()).toBe("publicity");
    expect(await sec.getByTestId("result-objection").textContent()).toMatch(/已于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 答复/);
    // The objector's page follows by live revalidation (no reload): publicity again, its objection answered.
    await expect.poll(() => bp.getByTestId("result-stage").textContent(), { timeout: 15_000 }).toBe("公示中");
    await expect.poll(() => bp.getByTestId("my-objection").textContent()).toContain("经核查，业绩证明真实有效");
  });

  it("R51: the period ends by the server's timer job → 待定标 on the manage page (live)", async () => {
    // TEST FIXTURE (the database clock cannot be moved): the period's end and its pending timer job(s) into the past.
    await sql`update section_results set publicity_ends_at = now() - interval '1 second' where section_id = ${t.sectionId}`;
    const moved = await sql`update jobs set due_at = now() - interval '1 second'
      where kind = 'results.timer' and state = 'pending' and payload->>'sectionId' = ${t.sectionId} and payload->>'timer' = 'publicity_end' returning id`;
    expect(moved.length).toBeGreaterThan(0);
    // The server's job runner ends the publicity; the manage page (open since the last step) revalidates live.
    const sec = users.tu!.page.getByTestId("results-01");
    await expect.poll(() => sec.getByTestId("result-stage").textContent(), { timeout: 20_000 }).toBe("待定标");
    expect(await stage()).toBe("decision");
    await sec.getByTestId("decide-form").waitFor();
    await shot(users.tu!.page, "manage-decision");
  });

  it("R55: a winner outside the list and rank 2 without a reason are refused with the translated rule; rank 1 is decided", async () => {
    const tu = users.tu!.page;
    const sec = tu.getByTestId("results-01");
    const decide = sec.getByTestId("decide-form");
    const rejected = t.bidders.find((b) => !candidates.some((c) => c.bidId === b.bidId))!;
    // A crafted post: the first radio's value becomes the rejected bid (what a hand-made request would send).
    await decide.getByTestId("choose-1").evaluate((el, bidId) => ((el as HTMLInputElement).value = bidId), rejected.bidId);
    await decide.getByTestId("decide").click();
    const error = tu.getByTestId("error");
    await expect.poll(() => error.textContent()).toContain("R55：中标人必须是评标委员会推荐的中标候选人");
    expect(await error.locator("li[data-rule=R55]").count()).toBe(1);
    const unchanged = await sql`select stage, winner_bid_id from section_results where section_id = ${t.sectionId}`;
    expect(unchanged[0]).toMatchObject({ stage: "decision", winner_bid_id: null });

    // Rank 2 with no R55 reason for rank 1 (the project is state-funded: rank order is binding).
    await open(tu, manageUrl());
    await decide.getByTestId("choose-2").check();
    await decide.getByTestId("deviation-1").waitFor();
    await decide.getByTestId("decide").click();
    await expect.poll(() => error.textContent()).toContain("R55：排名第 1 的中标候选人未被确定为中标人");
    expect((await sql`select stage, winner_bid_id from section_results where section_id = ${t.sectionId}`)[0]).toMatchObject({ stage: "decision", winner_bid_id: null });

    await decide.getByTestId("choose-1").check();
    await decide.getByTestId("decide").click();
    await expect.poll(() => tu.getByTestId("done").textContent()).toBe("已确定中标人。");
    await expect.poll(() => sec.getByTestId("result-stage").textContent()).toBe("已定标，待发通知书");
    expect((await sql`select winner_bid_id, winner_rank from section_results where section_id = ${t.sectionId}`)[0]).toMatchObject({ winner_bid_id: candidates[0]!.bidId, winner_rank: 1 });
  });

  it("R56, R54/EV25: notices issued together; the winner reads its award notice from the inbox, another bidder its result notice; nobody else's", async () => {
    const tu = users.tu!.page;
    const sec = tu.getByTestId("results-01");
    const notices = sec.getByTestId("notices-form");
    await notices.locator("input[name=contractPlace]").fill("大庆市萨尔图区招标人办公室");
    await notices.getByTestId("issue-notices").click();
    await expect.poll(() => tu.getByTestId("done").textContent(), { timeout: 30_000 }).toBe("通知书已签章发出，结果已公告。");
    await expect.poll(() => sec.getByTestId("result-stage").textContent()).toBe("已发中标通知书");

    // The winner: the message in the inbox leads to its results page, where the award notice downloads (a signed PDF).
    const winner = bidderOf(candidates[0]!.orgId);
    const wp = await as("winner", usernameOf(winner.actor));
    await open(wp, "/inbox");
    const item = wp.getByTestId("inbox").locator("li", { hasText: "中标通知书" });
    expect(await item.count()).toBe(1);
    await Promise.all([wp.waitForURL((u) => u.pathname === bidderUrl()), item.getByRole("button").first().click()]);
    await hydrated(wp);
    expect(await wp.getByTestId("my-outcome").textContent()).toContain("贵单位被确定为中标人");
    const awardLink = wp.getByTestId("doc-award_notice");
    const [download] = await Promise.all([wp.waitForEvent("download"), awardLink.click()]);
    const awardPdf = readFileSync((await download.path())!);
    expect(awardPdf.subarray(0, 5).toString()).toBe("%PDF-");
    const award = checkSignedPdf(awardPdf, caPem);
    expect(award.trusted).toContain("Signature is Valid");
    expect(award.text.replace(/\s+/g, "")).toContain("中标通知书");
    expect(award.text).toContain(candidates[0]!.name);
    await shot(wp, "bidder-winner");
    const awardHref = (await awardLink.getAttribute("href"))!;

    // Another bidder: its own result notice, not the winner's award notice (404, as for anything it may not see).
    const op = users.objector!.page;
    await open(op, bidderUrl());
    expect(await op.getByTestId("doc-award_notice").count()).toBe(0);
    const res = await op.request.get((await op.getByTestId("doc-result_notice").getAttribute("href"))!);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toBe("application/pdf");
    const notice = checkSignedPdf(await res.body(), caPem);
    expect(notice.trusted).toContain("Signature is Valid");
    expect(notice.text).toContain(candidates[1]!.name);
    expect((await op.request.get(awardHref)).status()).toBe(404);
    // …and neither may the public.
    expect((await users.public!.page.request.get(awardHref)).status()).toBe(404);
  });

  it("R56, R59/R61: the contract is recorded (PDF, amount, date) → contracted; the section is archived", async () => {
    const tu = users.tu!.page;
    const sec = tu.getByTestId("results-01");
    const form = sec.getByTestId("contract-form");
    const file = path.join(dir, "施工合同.pdf");
    writeFileSync(file, demoPdf(["Construction contract", "signed by both parties"]));
    await form.locator("input[name=file]").setInputFiles(file);
    await form.locator("input[name=amountYuan]").fill(fenToYuan(candidates[0]!.priceFen));
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await form.locator("input[name=signedOn]").fill(today);
    await form.getByTestId("record-contract").click();
    await expect.poll(() => tu.getByTestId("done").textContent()).toBe("合同已登记。");
    await expect.poll(() => sec.getByTestId("result-stage").textContent()).toBe("已签约");
    expect(await sec.getByTestId("contract-facts").textContent()).toContain(today);
    expect(await sec.getByTestId("refunds").locator("tbody tr").count()).toBe(3);
    // ZTB: the contract PDF is for the parties and supervisors only (R57 publishes ZFCG contracts).
    expect(await sec.locator("tr", { has: tu.getByTestId("doc-contract") }).textContent()).toContain("不公开");

    await sec.getByTestId("archive").click();
    await expect.poll(() => tu.getByTestId("done").textContent()).toBe("已归档。");
    await expect.poll(() => sec.getByTestId("result-stage").textContent()).toBe("已归档");
    expect((await sql`select status from sections where id = ${t.sectionId}`)[0]!.status).toBe("archived");
    await shot(tu, "manage-archived");
    await open(users.winner!.page, bidderUrl());
    await shot(users.winner!.page, "bidder-archived");
  });

  it("R59–R61: the archive ZIP as the tendering unit: SHA256SUMS holds, every platform-issued PDF has a valid trusted signature", async () => {
    const tu = users.tu!.page;
    const res = await tu.request.get(`/manage/${t.projectId}/archive.zip`);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toBe("application/zip");
    const zip = path.join(dir, "archive.zip");
    writeFileSync(zip, await res.body());
    const out = path.join(dir, "archive");
    const unzip = spawnSync("unzip", ["-q", zip, "-d", out], { encoding: "utf8" });
    expect(unzip.status, unzip.stderr).toBe(0);
    const sums = spawnSync("sha256sum", ["--strict", "-c", "SHA256SUMS"], { cwd: out, encoding: "utf8" });
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = path.join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(path.relative(out, p));
      }
    };
    walk(out);
    // Every file but SHA256SUMS is listed in it.
    const listed = new Set(readFileSync(path.join(out, "SHA256SUMS"), "utf8").trim().split("\n").map((l) => l.replace(/^[0-9a-f]{64} [ *]/, "")));
    expect(files.filter((f) => f !== "SHA256SUMS").sort()).toEqual([...listed].sort());

    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as { files: { path: string; kind: string; sha256: string }[] };
    const kindOf = new Map(manifest.files.map((f) => [f.path, f.kind]));
    // Uploads by the parties, not signed by the platform — skipped by path: the tender documents (tendering unit),
    // the bidders' decrypted bid files, the contract PDF the tendering unit recorded (R56).
    const upload = (p: string) => /^tender\/documents\//.test(p) || /^sections\/[^/]+\/bids\/.+\/files\//.test(p) || /^sections\/[^/]+\/results\/contract-HT-[^/]*$/.test(p);
    const pdfs = files.filter((f) => readFileSync(path.join(out, f)).subarray(0, 5).toString() === "%PDF-");
    const signed = pdfs.filter((p) => !upload(p));
    const skipped = pdfs.filter(upload);
    // What was skipped is what the manifest calls an upload; what is checked, what it calls platform-issued.
    expect(new Set(skipped.map((p) => kindOf.get(p)))).toEqual(new Set(["tender_document", "result_contract"]));
    const contractPath = skipped.find((p) => kindOf.get(p) === "result_contract")!;
    expect(readFileSync(path.join(out, contractPath))).toEqual(Buffer.from(demoPdf(["Construction contract", "signed by both parties"])));
    expect(signed.map((p) => kindOf.get(p)).sort()).toEqual(
      ["evaluation_report_pdf", "opening_record_pdf", "result_award_notice", "result_publicity", "result_result_announcement", "result_result_notice", "result_result_notice"].sort(),
    );
    const ca = readFileSync(path.join(out, "pki", "platform-ca.pem"), "utf8");
    for (const p of signed) {
      const check = checkSignedPdf(readFileSync(path.join(out, p)), ca);
      const validations = [...check.trusted.matchAll(/Signature Validation: (.*)/g)].map((m) => m[1]);
      const certs = [...check.trusted.matchAll(/Certificate Validation: (.*)/g)].map((m) => m[1]);
      // One platform signature; the report also has one per member (five).
      expect(validations.length, `${p}\n${check.trusted}`).toBe(kindOf.get(p) === "evaluation_report_pdf" ? 6 : 1);
      expect(validations.every((v) => v === "Signature is Valid."), `${p}\n${check.trusted}`).toBe(true);
      expect(certs.every((v) => v === "Certificate is Trusted."), `${p}\n${check.trusted}`).toBe(true);
      expect(check.tampered, p).toMatch(/Digest Mismatch|Signature is Invalid/);
    }
    // docs/archive.md: result documents are `results/<kind>-<number>.pdf`.
    const resultFiles = manifest.files.filter((f) => f.kind.startsWith("result_") && f.kind !== "result_documents").map((f) => f.path);
    expect(resultFiles.filter((p) => !p.endsWith(".pdf"))).toEqual([]);
  });

  it("open data: the OCDS release feed pages to its end, every package valid (1.1.5, draft-04), with this tender's tender, award and contract releases; its record valid", async () => {
    const v = ocdsValidator();
    const base = new URL(server.url);
    /** links.next is built from PUBLIC_URL (here the server's unset default): follow its path and query on this server. */
    const here = (u: string) => {
      const x = new URL(u, base);
      return `${base.origin}${x.pathname}${x.search}`;
    };
    const releases: { ocid: string; id: string; tag: string[]; awards?: { status: string }[]; contracts?: unknown[] }[] = [];
    let next: string | null = `${server.url}/api/ocds/releases?limit=5`;
    let pages = 0;
    while (next && pages < 200) {
      const res = await fetch(next);
      expect(res.status, next).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as { releases: typeof releases; links?: { next?: string } };
      expect(v.releasePackage(body), next).toEqual([]);
      for (const r of body.releases) expect(v.codes(r), r.id).toEqual([]);
      releases.push(...body.releases);
      const link = res.headers.get("link");
      expect(link ? /<([^>]+)>; rel="next"/.exec(link)?.[1] : undefined).toBe(body.links?.next);
      next = body.links?.next ? here(body.links.next) : null;
      pages++;
    }
    expect(next).toBeNull();
    expect(pages).toBeGreaterThan(1);
    // Nothing skipped or repeated.
    expect(new Set(releases.map((r) => r.id)).size).toBe(releases.length);
    const ocid = `${app.config.ocdsOcidPrefix}-${projectCode}`;
    const mine = releases.filter((r) => r.ocid === ocid);
    const tags = mine.flatMap((r) => r.tag);
    expect(tags).toContain("tender");
    expect(tags, `results releases (docs/open-data.md: notices issued → award, contract → contract); got ${tags.join(", ")}`).toContain("award");
    expect(tags).toContain("contract");
    expect(mine.find((r) => r.tag.includes("award"))!.awards!.some((a) => a.status === "active")).toBe(true);

    const rec = await fetch(`${server.url}/api/ocds/records/${encodeURIComponent(ocid)}`);
    expect(rec.status).toBe(200);
    const record = (await rec.json()) as { records: { ocid: string; releases: unknown[]; compiledRelease?: unknown }[] };
    expect(v.recordPackage(record)).toEqual([]);
    expect(record.records).toHaveLength(1);
    expect(record.records[0]!.releases).toHaveLength(mine.length);
    expect(record.records[0]!.compiledRelease).toBeDefined();
  });
});
