import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "#app/locales/index";
import { MAX_CRITERIA_PER_SECTION, MAX_FORM_BYTES, MAX_FORM_FIELDS, MAX_IMPORT_ROWS, MAX_SECTIONS_PER_TENDER } from "#app/domain/limits";
import { demoPdf } from "../../server/demo-pdf";
import { cstInput, DEMO_PASSWORD, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * Targeted regression tests for the malformed-input findings of the hardening probe: each
 * request below once answered 500 (some with a stack trace), pinned the CPU, or stored files
 * for a refused request. Through the real server over HTTP with the demo data, in development
 * mode (where a 500 would carry the stack) and in production: every one must get a 4xx (or a
 * bounded 200 for a clamped query), a translated message, nothing that looks like a stack trace
 * or a file path, and change nothing.
 */

type Session = { cookie: string; csrf: string };
const zh = resources["zh-CN"] as unknown as { common: { errors: Record<string, string> }; pool: { importFailure: Record<string, string> } };
/** The zh-CN text of an error code, with its parameters filled in (as the page shows it). */
const message = (code: string, params: Record<string, string | number> = {}) => zh.common.errors[code]!.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(params[k]));
const LEAK = /\/work\/|node_modules|\.tsx?:\d|\n\s{4}at | {4}at /;

/** Signs in over HTTP as a browser would: the login form's token and cookies, then the token of the signed-in session. */
async function open(url: string, username?: string): Promise<Session> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const page = await fetch(`${url}/login`);
  keep(page);
  let csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  if (username) {
    const res = await fetch(`${url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, username, password: DEMO_PASSWORD, redirectTo: "/" }),
    });
    expect(res.status).toBe(302);
    keep(res);
    const home = await fetch(`${url}/`, { headers: { cookie: cookie() } });
    keep(home);
    csrf = /name="_csrf" value="([^"]+)"/.exec(await home.text())![1]!;
  }
  return { cookie: cookie(), csrf };
}

/** A valid project form (as the page posts it), to be spoiled one field at a time. */
function projectForm(csrf: string, over: Record<string, string> = {}): URLSearchParams {
  const f: Record<string, string> = {
    _csrf: csrf,
    code: `MAL-${Date.now()}`,
    title: "畸形输入测试项目",
    regime: "ZTB",
    mustTender: "on",
    category: "construction",
    region: "黑龙江省大庆市",
    location: "萨尔图区",
    description: "概况",
    fundingSource: "财政资金",
    estimateYuan: "1000000",
    contactName: "王",
    contactPhone: "0459-1234567",
    obtainMethod: "平台下载",
    qualification: "资质",
    documentsFrom: cstInput(1, "08:00"),
    documentsUntil: cstInput(10, "17:00"),
    questionDeadline: cstInput(12, "17:00"),
    bidDeadline: cstInput(25, "09:30"),
    decryptionWindowMinutes: "60",
    keyModel: "bidder",
    keyThreshold: "2",
    "sections[0].code": "01",
    "sections[0].title": "施工",
    "sections[0].bondYuan": "0",
    "sections[0].method": "lowest_evaluated_price",
    ...over,
  };
  return new URLSearchParams(Object.entries(f).filter(([, v]) => v !== "\u0001omit"));
}

// Development mode is where a 500 would carry the stack trace; production is what runs.
describe.each(["development", "production"] as const)("NODE_ENV=%s — malformed input: 4xx with a translated message, no stack trace, nothing changed", (mode) => {
  let server: RunningServer;
  let tenderer: Session;
  let admin: Session;
  let bidder: Session;
  let draftId: string;
  let publishedId: string;
  let projectsBefore: number;

  const get = (p: string, s?: Session, headers: Record<string, string> = {}) => fetch(`${server.url}${p}`, { redirect: "manual", headers: { ...(s ? { cookie: s.cookie } : {}), ...headers } });
  const post = (p: string, s: Session, body: BodyInit, type?: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${p}`, { method: "POST", redirect: "manual", headers: { cookie: s.cookie, ...(type ? { "content-type": type } : {}), ...headers }, body });
  const form = (p: string, s: Session, fields: URLSearchParams | Record<string, string>) =>
    post(p, s, (fields instanceof URLSearchParams ? fields : new URLSearchParams(fields)).toString(), "application/x-www-form-urlencoded");

  /** A refusal: the status, the translated message in the body, nothing leaked. Returns the body. */
  async function refused(res: Response, status: number | [number, number], text?: string): Promise<string> {
    const body = await res.text();
    if (Array.isArray(status)) {
      expect(res.status, body.slice(0, 300)).toBeGreaterThanOrEqual(status[0]);
      expect(res.status, body.slice(0, 300)).toBeLessThanOrEqual(status[1]);
    } else expect(res.status, body.slice(0, 300)).toBe(status);
    if (text) expect(body).toContain(text);
    expect(body).not.toMatch(LEAK);
    return body;
  }

  async function managedCount(): Promise<number> {
    const html = await (await get("/manage", tenderer)).text();
    return new Set([...html.matchAll(/href="\/manage\/([0-9a-f-]{36})"/g)].map((m) => m[1])).size;
  }

  function blobHashes(): Set<string> {
    const root = path.join(server.dataDir, "blobs");
    const out = new Set<string>();
    if (!existsSync(root)) return out;
    for (const a of readdirSync(root)) {
      if (a === "tmp") continue;
      for (const b of readdirSync(path.join(root, a))) for (const n of readdirSync(path.join(root, a, b))) out.add(n);
    }
    return out;
  }

  beforeAll(async () => {
    server = await startServer({ env: { NODE_ENV: mode } });
    [tenderer, admin, bidder] = await Promise.all([open(server.url, "tenderer"), open(server.url, "admin"), open(server.url, "bidder1")]);
    const manage = await (await get("/manage", tenderer)).text();
    draftId = /DQ-2026-JS-0420<\/td><td><a [^>]*href="\/manage\/([0-9a-f-]{36})"/.exec(manage)![1]!;
    const portal = await (await get("/")).text();
    publishedId = /href="\/tenders\/([0-9a-f-]{36})"/.exec(portal)![1]!;
    projectsBefore = await managedCount();
  });
  afterAll(async () => {
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
  });

  describe("counts and indices are bounded", () => {
    // Bounded work is shown by what is rendered and its size, not by a stopwatch (timings belong to bench/).
    it("GET /manage/new?sections=6000 renders at most MAX_SECTIONS_PER_TENDER sections", async () => {
      const res = await get("/manage/new?sections=6000", tenderer);
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(html).toContain(`data-testid="section-${MAX_SECTIONS_PER_TENDER - 1}"`);
      expect(html).not.toContain(`data-testid="section-${MAX_SECTIONS_PER_TENDER}"`);
      expect(html.length).toBeLessThan(3_000_000);
      expect(html).not.toMatch(LEAK);
    });

    it("POST sections[100000].code is refused before any array is built and the server stays up", async () => {
      await refused(await form("/manage/new", tenderer, { _csrf: tenderer.csrf, "sections[100000].code": "x" }), 400, message("TOO_MANY_ITEMS", { max: MAX_SECTIONS_PER_TENDER }));
      const health = await get("/healthz");
      expect(health.status).toBe(200);
    });

    it("an index beyond one array's own bound (criteria) is refused", async () => {
      await refused(await form("/manage/new", tenderer, projectForm(tenderer.csrf, { [`sections[0].criteria[${MAX_CRITERIA_PER_SECTION}].label`]: "x" })), 400, message("TOO_MANY_ITEMS", { max: MAX_CRITERIA_PER_SECTION }));
    });

    it("too many fields, or a body larger than the form bound, is refused", async () => {
      const many = new URLSearchParams({ _csrf: tenderer.csrf });
      for (let i = 0; i <= MAX_FORM_FIELDS; i++) many.append(`f${i}`, "1");
      await refused(await form("/manage/new", tenderer, many), 400, message("TOO_MANY_ITEMS", { max: MAX_FORM_FIELDS }));
      const big = `_csrf=${tenderer.csrf}&description=${"x".repeat(MAX_FORM_BYTES)}`;
      await refused(await post("/manage/new", tenderer, big, "application/x-www-form-urlencoded"), 413, message("PAYLOAD_TOO_LARGE"));
    });
  });

  describe("text, numbers, dates and enums", () => {
    it("NUL and other control characters in text fields are refused (not a PostgreSQL 500)", async () => {
      await refused(await form("/manage/new", tenderer, projectForm(tenderer.csrf, { title: "食堂\u0000改造" })), 400, message("CONTROL_CHARACTER"));
      await refused(await form(`/tenders/${publishedId}`, bidder, { _csrf: bidder.csrf, intent: "ask", body: "请问\u0000工期" }), 400, message("CONTROL_CHARACTER"));
      await refused(await form("/login", await open(server.url), { username: "tenderer\u0000", password: "x" }), [400, 403]);
    });

    it("impossible dates that pass the pattern are field errors, not 500s", async () => {
      for (const d of ["2026-13-01T09:30", "2026-02-30T09:30", "2026-01-01T25:00"]) {
        const html = await refused(await form("/manage/new", tenderer, projectForm(tenderer.csrf, { bidDeadline: d })), 400, zh.common.errors.VALIDATION);
        expect(html, d).toContain(zh.common.errors.invalid);
      }
    });

    it("impossible numbers, too-long strings and unknown enum values are field errors", async () => {
      const spoiled: Record<string, string>[] = [
        { estimateYuan: "Infinity" },
        { estimateYuan: "1e308" },
        { estimateYuan: "-5" },
        { estimateYuan: "0.001" },
        { estimateYuan: "9007199254740993" },
        { "sections[0].bondYuan": "1e400" },
        { decryptionWindowMinutes: "1e308" },
        { keyThreshold: "-1" },
        { title: "长".repeat(201) },
        { regime: "XYZ" },
        { category: "weapons" },
        { "sections[0].method": "coin_toss" },
        { custodians: "nobody" },
      ];
      for (const over of spoiled) {
        await refused(await form("/manage/new", tenderer, projectForm(tenderer.csrf, over)), 400, zh.common.errors.VALIDATION);
      }
    });
  });

  describe("ids", () => {
    const G = "a".repeat(36); // 36 characters, passes a loose [0-9a-f-]{36} check, not a UUID
    const routes = (g: string) => [
      [`/manage/xyz`, "tenderer"],
      [`/manage/${g}`, "tenderer"],
      [`/manage/${g}/edit`, "tenderer"],
      [`/manage/${g}/draws`, "tenderer"],
      [`/tenders/${g}`, null],
      [`/tenders/${g}/documents/${g}`, "bidder"],
      [`/tenders/${g}/sections/${g}/bid`, "bidder"],
      [`/tenders/${g}/sections/${g}/opening`, "bidder"],
      [`/tenders/${g}/sections/${g}/opening/record.pdf`, null],
      [`/tenders/${g}/sections/${g}/opening/notice.pdf`, null],
      [`/bids/${g}/receipt`, "bidder"],
      [`/bids/${g}/receipt.jws`, "bidder"],
      [`/supervise/${g}`, "supervisor"],
      [`/draws/${g}`, "supervisor"],
      [`/draws/${g}/record.pdf`, "supervisor"],
      [`/pool/${g}`, "admin"],
      [`/verify/draws/${g}`, null],
      [`/verify/draws/${g}.json`, null],
    ] as const;

    it("malformed ids in route params are 404 with the translated message", async () => {
      const supervisor = await open(server.url, "supervisor");
      const who = { tenderer, bidder, admin, supervisor } as Record<string, Session>;
      for (const g of [G, "-".repeat(36), "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "%00"]) {
        for (const [p, u] of routes(g)) {
          const res = await get(p, u ? who[u]! : undefined);
          const body = await refused(res, 404);
          // Pages show the translated text; JSON resources carry the code the client translates.
          const translated = body.includes(zh.common.errors.pageNotFound!) || body.includes(zh.common.errors.NOT_FOUND!) || body.includes('"code":"NOT_FOUND"');
          expect(translated, `${p}: ${body.slice(0, 200)}`).toBe(true);
        }
      }
    });

    it("malformed ids in the URL of a form action are refused", async () => {
      for (const g of [G, "-".repeat(36)]) {
        await refused(await form(`/manage/${g}`, tenderer, { _csrf: tenderer.csrf, intent: "publish" }), 404, zh.common.errors.NOT_FOUND);
        await refused(await form(`/manage/${g}/edit`, tenderer, projectForm(tenderer.csrf)), 404);
        await refused(await form(`/tenders/${g}`, bidder, { _csrf: bidder.csrf, intent: "ask", body: "请问" }), 404);
      }
    });

    it("malformed ids in form fields (hidden inputs, selects) are refused", async () => {
      await refused(await form("/inbox", tenderer, { _csrf: tenderer.csrf, intent: "read", id: G }), 404, zh.common.errors.NOT_FOUND);
      await refused(await form("/admin/certificates", admin, { _csrf: admin.csrf, certificateId: G, reason: "x" }), 404, zh.common.errors.NOT_FOUND);
      await refused(await form(`/manage/${draftId}`, tenderer, { _csrf: tenderer.csrf, intent: "removeDocument", documentId: G }), 404, zh.common.errors.NOT_FOUND);
      await refused(await form("/manage/new", tenderer, projectForm(tenderer.csrf, { agencyId: "-".repeat(36) })), 404, zh.common.errors.NOT_FOUND);
    });
  });

  describe("bodies that are not forms", () => {
    it("JSON, text/plain and no body are 415; a truncated multipart body is 400", async () => {
      await refused(await post("/manage/new", tenderer, JSON.stringify({ _csrf: tenderer.csrf, code: "x" }), "application/json"), 415, message("UNSUPPORTED_MEDIA_TYPE"));
      await refused(await post("/manage/new", tenderer, `_csrf=${tenderer.csrf}`, "text/plain"), 415, message("UNSUPPORTED_MEDIA_TYPE"));
      await refused(await post(`/tenders/${publishedId}`, bidder, "", undefined), 415, message("UNSUPPORTED_MEDIA_TYPE"));
      await refused(await post("/inbox", tenderer, "{}", "application/json", { "x-csrf-token": tenderer.csrf }), 415, message("UNSUPPORTED_MEDIA_TYPE"));
      // The language switch carries no token, and is read with the same bounds.
      await refused(await post("/lang", tenderer, '{"lng":"en"}', "application/json"), 415, message("UNSUPPORTED_MEDIA_TYPE"));
      const b = "----th-truncated";
      const truncated = `--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${tenderer.csrf}\r\n--${b}\r\nContent-Disposition: form-data; name="intent"\r\n\r\nupl`;
      await refused(await post(`/manage/${draftId}`, tenderer, truncated, `multipart/form-data; boundary=${b}`), 400, message("MALFORMED_REQUEST"));
      await refused(await post(`/manage/${draftId}`, tenderer, "garbage", "multipart/form-data"), 400, message("MALFORMED_REQUEST"));
    });
  });

  describe("uploads", () => {
    const pdf = (label: string) => new Blob([demoPdf([`畸形输入测试 ${label} ${Date.now()}`]) as unknown as BlobPart], { type: "application/pdf" });
    const sha = async (b: Blob) => createHash("sha256").update(new Uint8Array(await b.arrayBuffer())).digest("hex");

    it("a document upload refused for its CSRF token or the role stores nothing", async () => {
      for (const [who, token, status] of [
        [tenderer, "forged-token", 403],
        [bidder, bidder.csrf, 403],
      ] as const) {
        const file = pdf(`${status}-${token.slice(0, 4)}`);
        const body = new FormData();
        body.set("_csrf", token);
        body.set("intent", "upload");
        body.set("file", file, "refused.pdf");
        await refused(await post(`/manage/${draftId}`, who, body), status);
        expect(blobHashes().has(await sha(file))).toBe(false);
      }
      // A file part before the token is refused at that part.
      const b = "----th-order";
      const early = `--${b}\r\nContent-Disposition: form-data; name="file"; filename="early.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 early-${Date.now()}\r\n--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${tenderer.csrf}\r\n--${b}--\r\n`;
      await refused(await post(`/manage/${draftId}`, tenderer, early, `multipart/form-data; boundary=${b}`), 403, message("CSRF"));
      expect([...blobHashes()]).not.toContain(createHash("sha256").update(early.split("\r\n\r\n")[1]!.split("\r\n")[0]!).digest("hex"));
    });

    it("an upload refused after its files were received (a rule, a later non-PDF part) leaves no blob, not even a staged one", async () => {
      const upload = async (files: [Blob, string][]) => {
        const body = new FormData();
        body.set("_csrf", tenderer.csrf);
        body.set("intent", "upload");
        for (const [f, name] of files) body.append("file", f, name);
        return post(`/manage/${draftId}`, tenderer, body);
      };
      const staged = () => (existsSync(path.join(server.dataDir, "blobs", "tmp")) ? readdirSync(path.join(server.dataDir, "blobs", "tmp")).length : 0);
      const first = pdf("dup-1");
      expect((await upload([[first, "重复名称.pdf"]])).status).toBe(200);
      expect(blobHashes().has(await sha(first))).toBe(true);
      // The same name again: refused by the command (CONFLICT) after the file was received.
      const second = pdf("dup-2");
      await refused(await upload([[second, "重复名称.pdf"]]), 409);
      expect(blobHashes().has(await sha(second))).toBe(false);
      // A PDF followed by a part that is not one: the whole upload is refused, the PDF is not kept.
      const good = pdf("before-bad");
      await refused(await upload([[good, "好的.pdf"], [new Blob(["not a pdf"], { type: "application/pdf" }), "坏的.pdf"]]), 400);
      expect(blobHashes().has(await sha(good))).toBe(false);
      expect(staged()).toBe(0);
    });

    it("a text field cannot pose as a stored file", async () => {
      const forged = JSON.stringify({ filename: "forged.pdf", contentType: "application/pdf", size: 1, sha256: "0".repeat(64) });
      await refused(await form(`/manage/${draftId}`, tenderer, { _csrf: tenderer.csrf, intent: "upload", file: forged }), 400);
    });

    it("a document named with ; and = is served with an RFC 6266/8187 Content-Disposition", async () => {
      const name = "报价;清单=v1 (终稿).pdf";
      const body = new FormData();
      body.set("_csrf", tenderer.csrf);
      body.set("intent", "upload");
      body.set("file", pdf("named"), name);
      const res = await post(`/manage/${draftId}`, tenderer, body);
      expect(res.status, await res.clone().text()).toBe(200);
      const page = await (await get(`/manage/${draftId}`, tenderer)).text();
      const href = /href="(\/tenders\/[0-9a-f-]{36}\/documents\/[0-9a-f-]{36})">报价;清单=v1 \(终稿\)\.pdf</.exec(page)?.[1];
      expect(href).toBeTruthy();
      const doc = await get(href!, tenderer);
      expect(doc.status).toBe(200);
      const cd = doc.headers.get("content-disposition")!;
      await doc.arrayBuffer();
      expect(cd.split(";").map((s) => s.trim().split("=")[0])).toEqual(["attachment", "filename", "filename*"]);
      expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(cd)![1]!)).toBe(name);
      expect(/filename="([^"]*)"/.exec(cd)![1]).not.toMatch(/[;="\\%]/);
    });

    it("a garbage .xlsx and an oversized CSV to the expert import are refused with a translated reason", async () => {
      const garbage = new FormData();
      garbage.set("_csrf", admin.csrf);
      garbage.set("file", new Blob([new Uint8Array(4096).fill(0x41)]), "experts.xlsx");
      await refused(await post("/pool", admin, garbage), 400, zh.pool.importFailure.unreadable);
      const header = "专家编号,姓名,从业年限,所在地区,专业代码";
      const rows = Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => `M${i},专家${i},10,大庆,A0101`);
      const big = new FormData();
      big.set("_csrf", admin.csrf);
      big.set("file", new Blob([[header, ...rows].join("\n")]), "experts.csv");
      await refused(await post("/pool", admin, big), 400, zh.pool.importFailure.tooManyRows!.replace("{{max}}", String(MAX_IMPORT_ROWS)));
      const nul = new FormData();
      nul.set("_csrf", admin.csrf);
      nul.set("file", new Blob([`${header}\nM1,张\u0000三,10,大庆,A0101`]), "experts.csv");
      const r = await post("/pool", admin, nul);
      expect(r.status).toBe(422);
      expect(await r.text()).not.toMatch(LEAK);
    });
  });

  describe("list pages clamp and ignore bad query parameters", () => {
    it("page numbers, query text and filters never reach the database as they are", async () => {
      for (const [p, s] of [
        ["/?q=%00", undefined],
        ["/?region=%00&page=1e308", undefined],
        [`/?q=${"长".repeat(500)}`, undefined],
        ["/pool?page=1e308", admin],
        ["/pool?page=-3&status=deleted", admin],
        ["/pool?q=%00", admin],
        [`/pool?q=${"a".repeat(5000)}`, admin],
        ["/admin/certificates?page=-1", admin],
        ["/admin/certificates?page=1e300", admin],
        ["/admin/certificates?q=%00", admin],
        ["/admin/users?q=%00", admin],
        ["/admin/orgs?q=%00&page=1e308", admin],
        ["/record?before=1e20", admin],
        ["/inbox?page=1e308", tenderer],
      ] as const) {
        const res = await get(p, s);
        const body = await res.text();
        expect(res.status, `${p}: ${body.slice(0, 200)}`).toBe(200);
        expect(body, p).not.toMatch(LEAK);
      }
    });
  });

  it("nothing above created a project", async () => {
    expect(await managedCount()).toBe(projectsBefore);
  });
});
