import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { contextFor, expectNoHydrationErrors, launchBrowser, ownPostgresDatabase, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * The public verification page (/verify, issue 16 item 5, ADR 026) in Chromium, anonymous, against the real server on
 * the demo seed: the candidate publicity the seed issued (a signed PDF, public on the portal) is uploaded and shown
 * 有效 with the platform signer, the tender and section, its record entry and the inclusion proof in the checkpoint
 * the server's checkpointer signed (CHECKPOINT_EVERY_ENTRIES=1); the same file with one byte flipped is 无效 and names
 * no document. zh-CN and English screenshots go to test-results/e2e-verify/.
 */
describe("e2e: /verify", () => {
  let server: RunningServer;
  let browser: Browser;
  let db: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  const dir = mkdtempSync(path.join(tmpdir(), "th-e2e-verify-"));
  const shots = path.resolve(import.meta.dirname, "../../test-results/e2e-verify");
  let pdf: Buffer;
  let project: { code: string; title: string };

  const hydrated = (page: Page) => page.waitForFunction(() => (window as unknown as { __remixRouter?: unknown }).__remixRouter !== undefined, undefined, { timeout: 30_000 });
  const shot = async (page: Page, name: string) => {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };
  const upload = async (page: Page, name: string, bytes: Buffer) => {
    await page.goto("/verify", { waitUntil: "networkidle" });
    await hydrated(page);
    await page.getByTestId("verify-file").setInputFiles({ name, mimeType: name.endsWith(".zip") ? "application/zip" : "application/pdf", buffer: bytes });
    await page.getByTestId("verify-form").locator("button[type=submit]").click();
    await page.getByTestId("verify-status").waitFor({ timeout: 60_000 });
  };

  beforeAll(async () => {
    db = await ownPostgresDatabase("verify");
    server = await startServer({ env: { DATABASE_URL: db.url, CHECKPOINT_EVERY_ENTRIES: "1" } });
    // Chromium gets the Noto Sans SC font (the machine may have no CJK font) so that the screenshots are readable.
    const fonts = path.join(dir, "fonts.conf");
    const noto = path.dirname(createRequire(import.meta.url).resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"));
    writeFileSync(fonts, `<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>${noto}</dir><cachedir>${path.join(dir, "fc-cache")}</cachedir></fontconfig>`);
    process.env.FONTCONFIG_FILE = fonts;
    browser = await launchBrowser();
    // The seed's public candidate publicity, downloaded as anyone downloads it from the portal.
    const [doc] = await db.sql`select d.id, s.project_id, p.code, p.title from result_documents d join sections s on s.id = d.section_id join projects p on p.id = s.project_id where d.public and d.kind = 'publicity' limit 1`;
    expect(doc).toBeDefined();
    project = { code: doc!.code as string, title: doc!.title as string };
    const res = await fetch(`${server.url}/tenders/${doc!.project_id}/results/${doc!.id}.pdf`);
    expect(res.status).toBe(200);
    pdf = Buffer.from(await res.arrayBuffer());
    // The checkpointer signs a checkpoint covering the seed within seconds.
    const [{ n }] = (await db.sql`select count(*)::int as n from record_entries`) as unknown as [{ n: number }];
    await vi.waitFor(
      async () => {
        const list = (await (await fetch(`${server.url}/verify/record.json`)).json()) as { checkpoints: { size: number }[] };
        expect(list.checkpoints[0]?.size ?? 0).toBeGreaterThanOrEqual(n);
      },
      { timeout: 90_000, interval: 1000 },
    );
  }, 400_000);

  afterEach(expectNoHydrationErrors);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
    if (server) removeDataDir(server.dataDir);
    rmSync(dir, { recursive: true, force: true });
  });

  it("an issued PDF is 有效: platform signer, TSA time, tender, record entry and inclusion proof; one flipped byte is 无效", async () => {
    const { context, page } = await contextFor(browser, server.url);
    await page.goto("/");
    expect(await page.locator('footer a[href="/verify"]').textContent()).toBe("文件验证");

    await upload(page, "中标候选人公示.pdf", pdf);
    expect(await page.getByTestId("verify-status").getAttribute("data-status")).toBe("valid");
    expect(await page.getByTestId("verify-status").textContent()).toContain("有效");
    expect(await page.getByTestId("verify-signer").first().textContent()).toContain("Tenderhall 平台文件签章");
    expect(await page.getByTestId("verify-signer").first().textContent()).toContain("平台文件签章证书");
    expect(await page.getByTestId("verify-document").textContent()).toContain("中标候选人公示");
    expect(await page.getByTestId("verify-tender").textContent()).toContain(project.code);
    expect(await page.getByTestId("verify-tender").textContent()).toContain(project.title);
    expect(await page.getByTestId("verify-signatures").textContent()).toContain("平台时间戳服务");
    expect(await page.getByTestId("verify-entry").textContent()).toContain("results.publicity");
    expect(await page.getByTestId("verify-proof").textContent()).toContain("审计路径已核验");
    await shot(page, "valid-zh");

    const tampered = Buffer.from(pdf);
    const at = Math.floor(tampered.length / 3);
    tampered[at] = tampered[at]! ^ 0x01;
    await upload(page, "tampered.pdf", tampered);
    const status = await page.getByTestId("verify-status").getAttribute("data-status");
    expect(["invalid", "unreadable"]).toContain(status);
    expect(await page.getByTestId("verify-status").textContent()).toMatch(/无效|无法读取/);
    expect(await page.getByTestId("verify-document").count()).toBe(0);
    expect(await page.getByTestId("verify-entry").count()).toBe(0);
    await shot(page, "tampered-zh");
    await context.close();

    const en = await contextFor(browser, server.url, undefined, { lang: "en" });
    await upload(en.page, "publicity.pdf", pdf);
    expect(await en.page.getByTestId("verify-status").textContent()).toContain("Valid.");
    expect(await en.page.getByTestId("verify-proof").textContent()).toContain("audit path verified");
    await shot(en.page, "valid-en");
    await en.context.close();
  });

  it("a pasted bid receipt and an exported archive ZIP are 有效 with their tender and record entry", async () => {
    const { context, page } = await contextFor(browser, server.url);
    const [bid] = await db.sql`select b.receipt, p.code from bids b join sections s on s.id = b.section_id join projects p on p.id = s.project_id where b.receipt is not null order by b.received_at limit 1`;
    await page.goto("/verify", { waitUntil: "networkidle" });
    await hydrated(page);
    await page.locator("textarea[name=receipt]").fill(bid!.receipt as string);
    await page.getByTestId("verify-form").locator("button[type=submit]").click();
    await page.getByTestId("verify-status").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("verify-status").getAttribute("data-status")).toBe("valid");
    expect(await page.getByTestId("verify-signer").textContent()).toContain("Tenderhall 平台文件签章");
    expect(await page.getByTestId("verify-tender").textContent()).toContain(bid!.code as string);
    expect(await page.getByTestId("verify-entry").textContent()).toContain("bid.submit");
    await shot(page, "receipt-zh");

    // The tendering unit exports the archive (docs/archive.md); anyone may check the file.
    const tenderer = await contextFor(browser, server.url, "tenderer");
    const [p] = await db.sql`select p.id from projects p join sections s on s.project_id = p.id join result_documents d on d.section_id = s.id where d.public limit 1`;
    const res = await tenderer.page.request.get(`/manage/${p!.id}/archive.zip`);
    expect(res.status()).toBe(200);
    const zip = await res.body();
    await tenderer.context.close();
    await upload(page, "archive.zip", zip);
    const problems = page.getByTestId("verify-problems");
    expect(await problems.count(), (await problems.count()) ? ((await problems.textContent()) ?? "") : "").toBe(0); // the recorded contract (an upload) is not taken for a platform PDF
    expect(await page.getByTestId("verify-status").getAttribute("data-status")).toBe("valid");
    expect(await page.getByTestId("verify-tender").textContent()).toContain(project.code);
    expect(await page.getByTestId("verify-entry").textContent()).toContain("archive.exported");
    await shot(page, "archive-zh");
    await context.close();
  });

  it("/verify.json answers the same checks for scripts; garbage and a wrong method are 4xx/200, never 5xx", async () => {
    const ok = (await (await fetch(`${server.url}/verify.json`, { method: "POST", body: new Uint8Array(pdf), headers: { "content-type": "application/pdf" } })).json()) as { type: string; status: string };
    expect(ok).toMatchObject({ type: "pdf", status: "valid" });
    const junk = await fetch(`${server.url}/verify.json`, { method: "POST", body: "not a document", headers: { "content-type": "text/plain" } });
    expect(junk.status).toBe(200);
    expect(await junk.json()).toEqual({ type: "unknown" });
    expect((await fetch(`${server.url}/verify.json`)).status).toBe(405);
  });
});
