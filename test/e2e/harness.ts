import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import postgres from "postgres";

/** The compiled server as production runs it (`npm run build`: scripts/build-server.mjs). */
export const SERVER_ENTRY = "build/server-main/index.js";

/**
 * End-to-end harness: the real server (compiled `server/index.ts`, build/server-main, on the built Remix app) on a free
 * loopback port with its own data folder and the demo seed, and Debian's Chromium.
 */
export type RunningServer = { url: string; dataDir: string; stop(): Promise<number | null>; kill(): Promise<void>; output(): string };

export async function startServer(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), "th-e2e-"));
  const child: ChildProcess = spawn(process.execPath, ["--enable-source-maps", SERVER_ENTRY], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      SEED_DEMO: "1",
      SESSION_SECRET: "e2e-session-secret-0123456789abcdef0123456789",
      DATABASE_URL: "",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    // Migrations and the demo seed take well under a minute on an idle machine; CI machines are not idle (a start took
    // over 150 s on the 2-core machine with two e2e servers seeding beside other test runs).
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 240_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    dataDir,
    output: () => out,
    /** SIGKILL: the process dies at once, with no shutdown of any kind (a crash, an OOM kill). */
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
    },
    /** SIGTERM, as a process manager would; resolves with the exit code. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      return new Promise<number | null>((resolve) => {
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      });
    },
  };
}

export function removeDataDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * React hydration errors in production builds: #418 (text/markup mismatch), #423 (the root fell back to client
 * rendering), #425 (text content differs), and the development wording. The server HTML and the first client render
 * must be identical — a `.server` value that is undefined in the browser, or a date formatted in the browser's time
 * zone instead of China time, shows up here.
 */
export const HYDRATION_ERROR = /Minified React error #(418|423|425)\b|error-decoder\.html\?invariant=(418|423|425)\b|Hydration failed|did not match|There was an error while hydrating|Text content does not match/i;

export type PageProblem = { url: string; kind: "pageerror" | "console"; text: string };
const hydrationProblems: PageProblem[] = [];

/** Records hydration errors of a page (uncaught errors and console errors), for expectNoHydrationErrors. */
export function watchPage(page: Page) {
  page.on("pageerror", (e) => {
    const text = `${e.message}\n${e.stack ?? ""}`;
    if (HYDRATION_ERROR.test(text)) hydrationProblems.push({ url: page.url(), kind: "pageerror", text: e.message });
  });
  page.on("console", (m) => {
    if (m.type() === "error" && HYDRATION_ERROR.test(m.text())) hydrationProblems.push({ url: page.url(), kind: "console", text: m.text() });
  });
}

/** Hydration errors recorded since the last call (and clears them). */
export function takeHydrationErrors(): PageProblem[] {
  return hydrationProblems.splice(0, hydrationProblems.length);
}

/**
 * Every e2e file that opens a browser calls this in `afterEach`: the test fails when any page it opened had a
 * hydration error (test/e2e/hydration-crawl.test.ts checks that every such file does).
 */
export function expectNoHydrationErrors() {
  const found = takeHydrationErrors();
  if (found.length) throw new Error(`React hydration errors:\n${found.map((p) => `  ${p.url} (${p.kind}): ${p.text.slice(0, 300)}`).join("\n")}`);
}

/** Debian's Chromium; every page of every context it opens is watched for hydration errors. */
export async function launchBrowser(): Promise<Browser> {
  const browser = await launchChromium();
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser["newContext"]>) => {
    const context = await newContext(...args);
    context.on("page", watchPage);
    return context;
  };
  return browser;
}

async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

export const DEMO_PASSWORD = "demo12345";

/**
 * A fresh browser context (its own cookies), signed in as a demo user when `username` is given. `lang` sets the
 * language cookie (zh-CN default); `locale` and `timezoneId` the browser's own locale and time zone (the server's
 * differ: pages must format numbers and China-time dates the same on both sides).
 */
export async function contextFor(
  browser: Browser,
  baseURL: string,
  username?: string,
  opts: { lang?: "zh-CN" | "en"; locale?: string; timezoneId?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, locale: opts.locale ?? opts.lang ?? "zh-CN", acceptDownloads: true, timezoneId: opts.timezoneId, viewport: opts.viewport });
  if (opts.lang) await context.addCookies([{ name: "th_lng", value: opts.lang, url: baseURL }]);
  const page = await context.newPage();
  if (username) await login(page, username);
  return { context, page };
}

export async function login(page: Page, username: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("main button[type=submit]")]);
}

/** A date-time `days` from now in China time, as a datetime-local input value. */
export function cstInput(days: number, hhmm = "09:30"): string {
  const d = new Date(Date.now() + days * 86400_000 + 8 * 3600_000);
  return `${d.toISOString().slice(0, 10)}T${hhmm}`;
}

/**
 * A database of its own on the local PostgreSQL for a suite that runs the server on PostgreSQL
 * (so the test can act as a clock or a database operator while the server runs).
 */
export async function ownPostgresDatabase(tag: string): Promise<{ url: string; sql: postgres.Sql; drop(): Promise<void> }> {
  const base = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `th_e2e_${tag}_${process.pid}_${Date.now() % 100000}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  return {
    url,
    sql,
    async drop() {
      await sql.end();
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A cookie jar for one visitor: follows Set-Cookie like a browser (Max-Age=0 deletes). */
export class Visitor {
  private jar = new Map<string, string>();
  constructor(private readonly base: string) {}
  get cookie() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  has(name: string) {
    return this.jar.has(name);
  }
  async fetch(path: string, init: RequestInit = {}) {
    const res = await fetch(`${this.base}${path}`, { redirect: "manual", ...init, headers: { ...(init.headers as Record<string, string>), cookie: this.cookie } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      const name = pair!.slice(0, i).trim();
      if (/max-age=0/i.test(c) || pair!.slice(i + 1) === "") this.jar.delete(name);
      else this.jar.set(name, pair!.slice(i + 1));
    }
    return res;
  }
  /** The CSRF token the next page render carries. */
  async token(path = "/") {
    const html = await (await this.fetch(path)).text();
    return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  }
  post(path: string, fields: Record<string, string>) {
    return this.fetch(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });
  }
  async login(username: string, redirectTo = "/") {
    const token = await this.token("/login");
    return this.post("/login", { _csrf: token, username, password: DEMO_PASSWORD, redirectTo });
  }
}
