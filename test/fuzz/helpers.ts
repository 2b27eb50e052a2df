import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, type Dirent } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import type postgres from "postgres";
import { DEMO_PASSWORD, ownPostgresDatabase, removeDataDir, startServer, type RunningServer } from "../e2e/harness";

/**
 * Shared helpers of the property-based fuzz layer (test/fuzz): the real server on a PostgreSQL
 * database of its own (so the test can count rows while the server runs), an HTTP client that
 * keeps cookies, demo sign-in, route enumeration from the built app, database/blob snapshots,
 * the checks every property applies and a collector that reports every distinct failure with
 * the seed and the counterexample that reproduces it.
 */

// ---------------------------------------------------------------------------------------------
// Seed and budget
// ---------------------------------------------------------------------------------------------

/** Fixed seed: every run generates the same requests. Override with FUZZ_SEED to explore. */
export const FUZZ_SEED = intEnv("FUZZ_SEED", 20261201);
/** Scales every property's number of runs (FUZZ_SCALE=4 for a longer local session). */
export const FUZZ_SCALE = Number(process.env.FUZZ_SCALE ?? "1") || 1;
/** Replays one run of a property (fast-check path, printed with each failure). */
export const FUZZ_PATH = process.env.FUZZ_PATH || undefined;

export function runs(n: number): number {
  return Math.max(1, Math.round(n * FUZZ_SCALE));
}

function intEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) ? v : fallback;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

/** The demo users the suites sign in as (password demo12345). */
export const DEMO_USERS = ["admin", "tenderer", "agent", "supervisor", "expert", "bidder1", "bidder2", "bidder3"] as const;
export type DemoUser = (typeof DEMO_USERS)[number];

// ---------------------------------------------------------------------------------------------
// The server under test
// ---------------------------------------------------------------------------------------------

/**
 * The real server (test/e2e/harness.ts startServer: server/index.ts on the built app, demo seed)
 * on its own PostgreSQL database and data folder. When a request stops the process, the suite
 * records the failure and `restart()`s it on the same database and folder (the seed is skipped,
 * sessions and CSRF tokens stay valid: the harness fixes SESSION_SECRET) so fuzzing goes on.
 */
export class FuzzServer {
  private current!: RunningServer;
  private earlierOutput = "";
  restarts = 0;

  private constructor(
    readonly db: { url: string; sql: postgres.Sql; drop(): Promise<void> },
    readonly dataDir: string,
  ) {}

  static async start(tag: string): Promise<FuzzServer> {
    const db = await ownPostgresDatabase(`fuzz_${tag}`);
    const server = new FuzzServer(db, mkdtempSync(path.join(tmpdir(), "th-fuzz-")));
    try {
      await server.boot();
    } catch (e) {
      await db.drop();
      removeDataDir(server.dataDir);
      throw e;
    }
    return server;
  }

  private async boot() {
    this.current = await startServer({ dataDir: this.dataDir, env: { DATABASE_URL: this.db.url } });
  }

  get url(): string {
    return this.current.url;
  }

  get port(): number {
    return Number(new URL(this.current.url).port);
  }

  get sql(): postgres.Sql {
    return this.db.sql;
  }

  /** Everything the server process(es) printed, across restarts. */
  output(): string {
    return this.earlierOutput + this.current.output();
  }

  /** GET /healthz answers 200 (three tries half a second apart: a busy machine is not a dead server). */
  async alive(): Promise<boolean> {
    for (let i = 0; i < 3; i++) {
      const r = await send(this, { method: "GET", path: "/healthz", timeoutMs: 5_000 });
      if (r.status === 200) return true;
      await sleep(500);
    }
    return false;
  }

  /** At a test boundary: a server an earlier test left stopped is started again on the same data. */
  async ensureUp(): Promise<void> {
    if (!(await this.alive())) await this.restart();
  }

  async restart(): Promise<void> {
    this.earlierOutput += this.current.output() + "\n---- restarted by the fuzz suite ----\n";
    await this.current.stop();
    this.restarts++;
    await this.boot();
  }

  async close(): Promise<void> {
    await this.current.stop();
    await this.db.drop();
    removeDataDir(this.dataDir);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `n` in flight. */
export async function inPool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export type Sent = {
  method: string;
  /** Already encoded path and query (sent byte for byte). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs?: number;
  /** Who sends it (for the report). */
  as?: string;
  /** A short description of the body for the report (defaults to a preview of the bytes). */
  describe?: string;
};

export type Answer = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** Network error or timeout (status 0). */
  error?: string;
  /**
   * The server closed the connection while the body was still being sent, before any answer
   * (EPIPE/ECONNRESET). A server may stop reading a body it refuses (RFC 9112 §9.6); the
   * answer it may have written is lost with the reset, so this counts as a refusal without a
   * status: the write check applies, the status checks cannot.
   */
  cutOff?: boolean;
  ms: number;
};

const MAX_BODY = 16 * 1024 * 1024;

/**
 * One HTTP/1.1 exchange on a fresh connection, written on a raw socket and parsed here. The
 * request asks for keep-alive, as a browser does: a server that answers before reading a large
 * body (a refusal) then discards the rest instead of resetting the connection, so the answer
 * is seen. Write errors are ignored (the server may close after answering); the socket is
 * closed as soon as the answer is complete. Never throws: network errors and timeouts are status 0.
 */
export function send(server: { port: number }, req: Sent): Promise<Answer> {
  const started = Date.now();
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, "utf8");
  const headers: Record<string, string> = { host: `127.0.0.1:${server.port}`, ...req.headers };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (body && !has("content-length")) headers["content-length"] = String(body.length);
  const bad = Object.entries(headers).find(([k, v]) => /[\r\n\0]/.test(k + v));
  if (bad || /[\s]/.test(req.path)) throw new Error(`test bug: cannot send header/path ${JSON.stringify(bad ?? req.path).slice(0, 200)}`);
  const head = `${req.method} ${req.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`;
  const timeoutMs = req.timeoutMs ?? 30_000;
  return new Promise<Answer>((resolve) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    let bodyDone = !body;
    let cutOff = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const parsed = parseAnswer(buf, req.method, true);
      if (!parsed) {
        resolve({ status: 0, headers: {}, body: Buffer.alloc(0), text: "", error: error ?? "connection closed without an answer", ms: Date.now() - started, ...(cutOff ? { cutOff } : {}) });
        return;
      }
      resolve({ ...parsed, text: parsed.body.toString("utf8"), ms: Date.now() - started, ...(error && !parsed.complete ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    const sock = connect(server.port, "127.0.0.1");
    // The body goes in 64 KiB pieces, each after the previous one left the buffer, and stops as
    // soon as an answer starts arriving: a server that refuses early and closes then never
    // makes a write fail (EPIPE would tear the socket down before its answer is read).
    const writeBody = () => {
      let at = 0;
      const pump = () => {
        while (body && at < body.length && buf.length === 0 && !sock.destroyed) {
          const piece = body.subarray(at, at + 65_536);
          at += piece.length;
          const last = at >= body.length;
          if (!sock.write(piece, () => last && (bodyDone = true))) {
            sock.once("drain", pump);
            return;
          }
        }
      };
      pump();
    };
    sock.on("connect", () => {
      sock.write(head);
      writeBody();
    });
    sock.on("data", (b: Buffer) => {
      if (buf.length < MAX_BODY) buf = Buffer.concat([buf, b]);
      const parsed = parseAnswer(buf, req.method, false);
      if (parsed?.complete) finish();
    });
    sock.on("error", (e) => {
      // EPIPE/ECONNRESET while writing after the server answered: the answer is in `buf`.
      const code = (e as NodeJS.ErrnoException).code ?? "";
      if (!bodyDone && (code === "EPIPE" || code === "ECONNRESET")) cutOff = true;
      if (!parseAnswer(buf, req.method, true)) finish(cutOff ? `the server closed the connection while the body was being sent (${code})` : `${code} ${e.message}`.trim());
    });
    sock.on("close", () => finish());
  });
}

/** Parses an HTTP/1.1 answer (Content-Length, chunked, or until close); null without a full head. */
function parseAnswer(all: Buffer, method: string, closed: boolean): { status: number; headers: IncomingHttpHeaders; body: Buffer; complete: boolean } | null {
  const end = all.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = all.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
  const headers: IncomingHttpHeaders = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i <= 0) continue;
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    if (k === "set-cookie") headers["set-cookie"] = [...(headers["set-cookie"] ?? []), v];
    else headers[k] = v;
  }
  const rest = all.subarray(end + 4);
  if (method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, headers, body: Buffer.alloc(0), complete: true };
  if (/chunked/i.test(String(headers["transfer-encoding"] ?? ""))) {
    const { body, done } = dechunk(rest);
    return { status, headers, body, complete: done || closed };
  }
  const length = Number(headers["content-length"]);
  if (Number.isFinite(length)) return { status, headers, body: rest.subarray(0, length), complete: rest.length >= length || closed };
  return { status, headers, body: rest, complete: closed };
}

function dechunk(b: Buffer): { body: Buffer; done: boolean } {
  const out: Buffer[] = [];
  let i = 0;
  while (i < b.length) {
    const eol = b.indexOf("\r\n", i);
    if (eol < 0) break;
    const n = parseInt(b.subarray(i, eol).toString("latin1"), 16);
    if (!Number.isFinite(n)) break;
    if (n === 0) return { body: Buffer.concat(out), done: true };
    if (eol + 2 + n > b.length) break;
    out.push(b.subarray(eol + 2, eol + 2 + n));
    i = eol + 2 + n + 2;
  }
  return { body: Buffer.concat(out), done: false };
}

/**
 * A request written on a raw socket: the head, then `body`; `endAfter` bytes of it are sent and
 * then the client half-closes (a truncated upload), or more bytes than Content-Length declares
 * are sent (an oversized one). Resolves with the status lines the server answered (if any).
 */
export function rawExchange(server: { port: number }, head: string, body: Buffer, opts: { endAfter?: number; waitMs?: number } = {}): Promise<{ statuses: number[]; text: string }> {
  return new Promise((resolve) => {
    const sock = connect(server.port, "127.0.0.1");
    let data = "";
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      const statuses = [...data.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ statuses, text: data });
    };
    const timer = setTimeout(finish, opts.waitMs ?? 2_000);
    sock.on("connect", () => {
      sock.write(head);
      const part = opts.endAfter === undefined ? body : body.subarray(0, opts.endAfter);
      sock.end(part);
    });
    sock.on("data", (b: Buffer) => {
      data += b.toString("latin1");
    });
    sock.on("error", finish);
    sock.on("close", finish);
  });
}

// ---------------------------------------------------------------------------------------------
// Cookies, sign-in
// ---------------------------------------------------------------------------------------------

export type Client = {
  /** "anonymous", a demo username, or a hostile-cookie variant. */
  name: string;
  username: string | null;
  userId: string | null;
  csrfCookie: string;
  csrf: string;
  session: string | null;
  /** Raw Cookie header override (hostile cookies). */
  rawCookie?: string;
  /** Sign in again before the next request (the last one logged this client out). */
  stale?: boolean;
};

export function cookieHeader(c: Client): string {
  if (c.rawCookie !== undefined) return c.rawCookie;
  return [`th_csrf=${c.csrfCookie}`, c.session ? `th_session=${c.session}` : ""].filter(Boolean).join("; ");
}

function setCookies(a: Answer): string[] {
  const v = a.headers["set-cookie"];
  return Array.isArray(v) ? v : v ? [v] : [];
}

export function cookieFrom(a: Answer, name: string): string | null {
  for (const c of setCookies(a)) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m) return m[1]!;
  }
  return null;
}

/** The response clears the session cookie (a logout). */
export function clearsSession(a: Answer): boolean {
  return setCookies(a).some((c) => /^th_session=;|^th_session=[^;]*;.*Max-Age=0/i.test(c));
}

/**
 * The address a demo user signs in from: fixed per user, never used by fuzzed requests, so the
 * login throttle (per account and client) never holds back the suite's own sign-in.
 */
const SIGN_IN_IP: Record<string, string> = Object.fromEntries(DEMO_USERS.map((u, i) => [u, `10.250.0.${i + 1}`]));

/** A visitor: the th_csrf cookie and the page's `_csrf` token, from GET /login. */
export async function visitor(server: FuzzServer, name = "anonymous"): Promise<Client> {
  const page = await send(server, { method: "GET", path: "/login" });
  const csrfCookie = cookieFrom(page, "th_csrf");
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!csrfCookie || !csrf) throw new Error(`GET /login gave no CSRF cookie/token (status ${page.status}):\n${page.text.slice(0, 500)}`);
  return { name, username: null, userId: null, csrfCookie, csrf, session: null };
}

/** Signs in over HTTP exactly as the login form does (GET /login, then POST with `_csrf`). */
export async function signIn(server: FuzzServer, username: string): Promise<Client> {
  const c = await visitor(server, username);
  const res = await send(server, {
    method: "POST",
    path: "/login",
    headers: { cookie: cookieHeader(c), "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": SIGN_IN_IP[username] ?? "10.250.1.1" },
    body: new URLSearchParams({ _csrf: c.csrf, username, password: DEMO_PASSWORD, redirectTo: "/" }).toString(),
  });
  const session = cookieFrom(res, "th_session");
  if (res.status !== 302 || !session) throw new Error(`sign-in as ${username} failed: ${res.status} ${res.text.slice(0, 300)}`);
  // The form token may be bound to the session and the login may rotate th_csrf (ADR 005/013):
  // take the cookie the login set, then the token a page renders for the signed-in user.
  const signedIn: Client = { ...c, session, csrfCookie: cookieFrom(res, "th_csrf") || c.csrfCookie };
  for (const page of ["/inbox", "/", "/certificates"]) {
    const p = await send(server, { method: "GET", path: page, headers: { cookie: cookieHeader(signedIn) } });
    const token = /name="_csrf" value="([^"]+)"/.exec(p.text)?.[1];
    if (token) {
      signedIn.csrf = decodeEntities(token);
      break;
    }
  }
  const [row] = await server.sql<{ id: string }[]>`select id from users where username = ${username}`;
  return { ...signedIn, username, userId: row?.id ?? null };
}

/** Every demo user signed in, plus an anonymous visitor. */
export async function signInAll(server: FuzzServer): Promise<Client[]> {
  const out = [await visitor(server)];
  for (const u of DEMO_USERS) out.push(await signIn(server, u));
  return out;
}

/** Signs a client in again after a request logged it out (outside any checked window). */
export async function refresh(server: FuzzServer, c: Client): Promise<void> {
  if (!c.stale || !c.username) return;
  const fresh = await signIn(server, c.username);
  Object.assign(c, fresh, { name: c.name, stale: false });
}

// ---------------------------------------------------------------------------------------------
// Routes of the built app
// ---------------------------------------------------------------------------------------------

export type RouteInfo = {
  id: string;
  /** Full path pattern, e.g. "/tenders/:id/sections/:sectionId/opening". */
  pattern: string;
  params: string[];
  hasLoader: boolean;
  hasAction: boolean;
  /** An index route: its action is reached with `?index` (as Remix's <Form> posts). */
  index: boolean;
  /** Route module source (app/routes/…), when found, for field names the page does not render. */
  file: string | null;
};

/** The route module's source text (null when the route file is not found). */
export function sourceOf(route: RouteInfo): string | null {
  return route.file ? readFileSync(route.file, "utf8") : null;
}

/**
 * Every route of build/server/index.js (the classic compiler's output), read in a child
 * process so the bundle's module graph stays out of the test process.
 */
export function builtRoutes(): RouteInfo[] {
  const buildFile = path.join(REPO_ROOT, "build/server/index.js");
  if (!existsSync(buildFile)) throw new Error("build/server/index.js is missing: run `npx remix build` first");
  const script = `
    const b = await import(${JSON.stringify(new URL(`file://${buildFile}`).href)});
    const out = Object.values(b.routes).map((r) => ({ id: r.id, parentId: r.parentId ?? null, path: r.path ?? "", index: !!r.index,
      hasLoader: typeof r.module.loader === "function", hasAction: typeof r.module.action === "function" }));
    process.stdout.write(JSON.stringify(out));`;
  const raw = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } });
  const rows = JSON.parse(raw) as { id: string; parentId: string | null; path: string; index: boolean; hasLoader: boolean; hasAction: boolean }[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const full = (id: string): string => {
    const r = byId.get(id)!;
    const own = r.path.replace(/^\/+|\/+$/g, "");
    const parent = r.parentId ? full(r.parentId) : "";
    return [parent, own].filter(Boolean).join("/");
  };
  return rows
    .filter((r) => r.id !== "root" && (r.hasLoader || r.hasAction))
    .map((r) => {
      const pattern = `/${full(r.id)}`;
      const file = ["tsx", "ts", "jsx", "js"].map((e) => path.join(REPO_ROOT, "app", `${r.id}.${e}`)).find((f) => existsSync(f)) ?? null;
      return {
        id: r.id,
        pattern,
        params: [...pattern.matchAll(/:(\w+)/g)].map((m) => m[1]!),
        hasLoader: r.hasLoader,
        hasAction: r.hasAction,
        index: r.index,
        file,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Fills a route pattern with already-encoded segment values. */
export function fillPattern(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/:(\w+)/g, (_, p: string) => values[p] ?? "x");
}

/** Field names and intents a form posts: rendered `name="…"` attributes (and button/hidden `intent` values). */
export function formFieldsOf(html: string): { names: Set<string>; intents: Set<string> } {
  const names = new Set<string>();
  const intents = new Set<string>();
  for (const m of html.matchAll(/<(input|button|select|textarea)\b([^>]*)>/gi)) {
    const attrs = m[2]!;
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1];
    if (!name) continue;
    const n = decodeEntities(name);
    if (n === "_csrf") continue;
    if (n === "intent") {
      const v = /\bvalue="([^"]*)"/.exec(attrs)?.[1];
      if (v) intents.add(decodeEntities(v));
      continue;
    }
    names.add(n);
  }
  return { names, intents };
}

/** A form as the server rendered it: where it posts, its fields with their values, its named submit buttons. */
export type FormSample = { action: string; pairs: [string, string][]; buttons: [string, string][] };

/**
 * Every `method="post"` form of a page with the values a browser would submit (hidden inputs,
 * texts, checked boxes and radios, selected options, textareas) — the starting point for
 * mutations that get past validation to the deep paths (one impossible date in a valid form).
 */
export function formsOf(html: string, pagePath: string): FormSample[] {
  const out: FormSample[] = [];
  for (const f of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = f[1]!;
    if (!/\bmethod="post"/i.test(attrs)) continue;
    const action = decodeEntities(/\baction="([^"]*)"/.exec(attrs)?.[1] ?? pagePath).replace(/^https?:\/\/[^/]+/, "") || pagePath;
    const pairs: [string, string][] = [];
    const buttons: [string, string][] = [];
    const body = f[2]!;
    for (const m of body.matchAll(/<(input|button)\b([^>]*)>/gi)) {
      const a = m[2]!;
      const name = /\bname="([^"]*)"/.exec(a)?.[1];
      if (!name) continue;
      const type = (/\btype="([^"]*)"/.exec(a)?.[1] ?? (m[1]!.toLowerCase() === "button" ? "submit" : "text")).toLowerCase();
      const value = decodeEntities(/\bvalue="([^"]*)"/.exec(a)?.[1] ?? "");
      if (type === "submit" || type === "button") buttons.push([decodeEntities(name), value]);
      else if (type === "checkbox" || type === "radio") {
        if (/\bchecked\b/.test(a)) pairs.push([decodeEntities(name), value || "on"]);
      } else if (type !== "file" && type !== "reset" && type !== "image") pairs.push([decodeEntities(name), value]);
    }
    for (const m of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const name = /\bname="([^"]*)"/.exec(m[1]!)?.[1];
      if (name) pairs.push([decodeEntities(name), decodeEntities(m[2]!)]);
    }
    for (const m of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const name = /\bname="([^"]*)"/.exec(m[1]!)?.[1];
      if (!name) continue;
      const options = [...m[2]!.matchAll(/<option\b([^>]*)>/gi)].map((o) => o[1]!);
      const chosen = options.find((o) => /\bselected\b/.test(o)) ?? options.find((o) => /\bvalue="[^"]+"/.test(o));
      if (chosen) pairs.push([decodeEntities(name), decodeEntities(/\bvalue="([^"]*)"/.exec(chosen)?.[1] ?? "")]);
    }
    out.push({ action, pairs, buttons });
  }
  return out;
}

/** Field names and intents an action reads in its source (forms built in the browser, e.g. `submit({…})`). */
export function sourceFieldsOf(source: string | null): { names: Set<string>; intents: Set<string> } {
  const names = new Set<string>();
  const intents = new Set<string>();
  if (!source) return { names, intents };
  for (const m of source.matchAll(/\b(?:form|f|get)\s*(?:\.get(?:All)?)?\("([\w.[\]-]+)"\)/g)) names.add(m[1]!);
  for (const m of source.matchAll(/\bsubmit\(\{([^}]*)\}/g)) for (const k of m[1]!.matchAll(/(\w+)\s*:/g)) names.add(k[1]!);
  for (const m of source.matchAll(/intent\s*===\s*"(\w+)"|case\s+"(\w+)"\s*:|intent:\s*z\.literal\("(\w+)"\)/g)) intents.add((m[1] ?? m[2] ?? m[3])!);
  const en = /Intent\s*=\s*z\.enum\(\[([^\]]+)\]\)/.exec(source);
  if (en) for (const s of en[1]!.matchAll(/"(\w+)"/g)) intents.add(s[1]!);
  names.delete("_csrf");
  names.delete("intent");
  return { names, intents };
}

function decodeEntities(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

// ---------------------------------------------------------------------------------------------
// Real ids from the demo database
// ---------------------------------------------------------------------------------------------

export type DemoIds = {
  projects: { id: string; code: string }[];
  sections: { id: string; projectId: string }[];
  documents: { id: string; projectId: string }[];
  bids: { id: string; sectionId: string; projectId: string }[];
  draws: string[];
  experts: string[];
  users: { id: string; username: string }[];
  certificates: { id: string; username: string }[];
  /** Every other id worth sending in a form field (notifications, questions, objections, picks…). */
  misc: string[];
};

export async function readIds(sql: postgres.Sql): Promise<DemoIds> {
  const projects = await sql<{ id: string; code: string }[]>`select id, code from projects order by code`;
  const sections = await sql<{ id: string; projectId: string }[]>`select id, project_id as "projectId" from sections order by project_id, seq`;
  const documents = await sql<{ id: string; projectId: string }[]>`select id, project_id as "projectId" from tender_documents order by project_id, version`;
  const bids = await sql<{ id: string; sectionId: string; projectId: string }[]>`
    select b.id, b.section_id as "sectionId", s.project_id as "projectId" from bids b join sections s on s.id = b.section_id order by b.received_at`;
  const draws = (await sql<{ id: string }[]>`select id from draws`).map((r) => r.id);
  const experts = (await sql<{ id: string }[]>`select id from experts order by code limit 40`).map((r) => r.id);
  const users = await sql<{ id: string; username: string }[]>`select id, username from users order by username`;
  const certificates = await sql<{ id: string; username: string }[]>`select c.id, u.username from certificates c join users u on u.id = c.user_id`;
  const misc: string[] = [];
  for (const t of ["notifications", "questions", "objections", "draw_picks", "opening_objections", "bid_uploads", "amendments"]) {
    try {
      const rows = await sql.unsafe<{ id: string }[]>(`select id::text as id from "${t}" limit 20`);
      misc.push(...rows.map((r) => r.id));
    } catch {
      // A table the schema no longer has (or without an id): nothing to borrow from it.
    }
  }
  return { projects, sections, documents, bids, draws, experts, users, certificates, misc };
}

// ---------------------------------------------------------------------------------------------
// Snapshots: row counts of every table and the blob store
// ---------------------------------------------------------------------------------------------

export type Snapshot = {
  counts: Record<string, number>;
  blobs: number;
  /** Temp files of the blob store (an upload in progress or left behind). */
  blobTemp: number;
  /** Jobs running or due now: the worker is about to write. */
  jobsBusy: number;
  /** Changes whenever the worker claims or finishes a job. */
  jobsSig: string;
};

export class Snapshots {
  private query = "";
  tables: string[] = [];
  constructor(private readonly server: FuzzServer) {}

  async init(): Promise<void> {
    const rows = await this.server.sql<{ t: string }[]>`
      select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
    this.tables = rows.map((r) => r.t);
    if (!this.tables.includes("jobs")) throw new Error("no jobs table: the schema changed, update test/fuzz/helpers.ts");
    // One round trip: a row per table, then the jobs' state (busy = running or due now).
    this.query = [
      ...this.tables.map((t) => `select '${t}' as k, count(*)::text as v from "public"."${t}"`),
      `select '__busy', count(*)::text from jobs where state = 'running' or (state = 'pending' and due_at <= now())`,
      `select '__sig', coalesce(sum(attempts), 0) || ':' || count(*) filter (where state in ('done', 'failed')) from jobs`,
    ].join(" union all ");
  }

  async take(): Promise<Snapshot> {
    const rows = await this.server.sql.unsafe<{ k: string; v: string }[]>(this.query);
    const counts: Record<string, number> = {};
    let busy = 0;
    let sig = "";
    for (const r of rows) {
      if (r.k === "__busy") busy = Number(r.v);
      else if (r.k === "__sig") sig = r.v;
      else counts[r.k] = Number(r.v);
    }
    const { blobs, temp } = countBlobs(path.join(this.server.dataDir, "blobs"));
    return { counts, blobs, blobTemp: temp, jobsBusy: busy, jobsSig: sig };
  }

  /** A snapshot taken while nothing runs in the background (no job due or running, no upload in progress). */
  async quiet(timeoutMs = 20_000): Promise<Snapshot> {
    const until = Date.now() + timeoutMs;
    let s = await this.take();
    while ((s.jobsBusy > 0 || s.blobTemp > 0) && Date.now() < until) {
      await sleep(200);
      s = await this.take();
    }
    return s;
  }
}

function countBlobs(root: string): { blobs: number; temp: number } {
  let blobs = 0;
  let temp = 0;
  const walk = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(path.join(dir, e.name), e.name === "tmp" && depth === 0 ? -100 : depth + 1);
      else if (depth < 0) temp++;
      else blobs++;
    }
  };
  walk(root, 0);
  return { blobs, temp };
}

/**
 * Writes a refused request may make by design. Everything else a refusal changes is a finding.
 * Row counts only: updates that do not add or remove rows (a session's `last_seen_at`, touched by
 * `actorForSession` on any request; `record_head`, one row; a challenge marked used) cannot show
 * up, so they need no exclusion — and `sessions` is deliberately NOT excluded: a refused request
 * that creates or deletes a session is a bug. `live_events` and `record_entries` are not
 * excluded either: the command layer writes them inside the command's transaction, which a
 * refusal rolls back, so a refusal that leaves one behind is a finding.
 */
export type Exclusion = { tables: string[]; applies(req: Sent, res: Answer): boolean; why: string };

export const BY_DESIGN: Exclusion[] = [
  {
    // ADR 005 (and the throttle replacing it): a failed login is stored so that the rate limit can
    // count it — a 401/429 from POST /login adds a login_attempts row and touches the throttle
    // counters; /register signs the new user in through the same login() and may do the same.
    tables: ["login_attempts", "login_throttles"],
    applies: (req) => req.method !== "GET" && /^\/(login|register)(?:[/?]|$)/.test(req.path),
    why: "failed logins are counted for the rate limit (ADR 005)",
  },
  {
    // ADR 011: a bidder's content key that does not open its bid is refused with R26 and the refusal
    // is itself recorded (record entry `opening.release_refused` + an event on the hall's channel),
    // so the hall shows the bidder's last error. Needs a checked-in bidder (a certificate
    // signature), which fuzzed requests cannot produce; kept so that a seed that gets there is
    // not a false positive.
    tables: ["record_entries", "live_events"],
    applies: (req, res) => /\/opening(?:\?|$)/.test(req.path) && res.status === 422 && res.text.includes("RULE_R26_WRONG_KEY"),
    why: "a refused key release is recorded (ADR 011, R26)",
  },
];

/** What changed between two snapshots, minus the writes the exclusions allow for this request. */
export function changes(before: Snapshot, after: Snapshot, req: Sent, res: Answer): string[] {
  const allowed = new Set(BY_DESIGN.filter((x) => x.applies(req, res)).flatMap((x) => x.tables));
  const out: string[] = [];
  for (const [t, n] of Object.entries(after.counts)) {
    const was = before.counts[t] ?? 0;
    if (n !== was && !allowed.has(t)) out.push(`${t} ${was} → ${n}`);
  }
  if (after.blobs !== before.blobs) out.push(`blobs ${before.blobs} → ${after.blobs}`);
  if (after.blobTemp !== before.blobTemp) out.push(`blob temp files ${before.blobTemp} → ${after.blobTemp}`);
  return out;
}

/** A refusal: 4xx, or a redirect to the login page (the public asking for a signed-in page). */
export function isRefused(res: Answer): boolean {
  if (res.status >= 400 && res.status < 500) return true;
  const loc = String(res.headers.location ?? "");
  return res.status >= 300 && res.status < 400 && /^(https?:\/\/[^/]+)?\/login(\?|$)/.test(loc);
}

// ---------------------------------------------------------------------------------------------
// Response checks
// ---------------------------------------------------------------------------------------------

/** Signs of an internal error in a body: stack frames, source paths, module paths. */
export const LEAK_PATTERNS: [string, RegExp][] = [
  ["stack frame", /\n\s+at /],
  ["source path /work/", /\/work\//],
  ["node_modules path", /node_modules/],
  ["TypeScript source location", /\.tsx?:\d+/],
  ["file:// URL", /file:\/\//],
];

export function leaksIn(text: string, extra: string[] = []): string[] {
  const found = LEAK_PATTERNS.filter(([, re]) => re.test(text)).map(([n]) => n);
  for (const p of extra) if (p && text.includes(p)) found.push(`path ${p}`);
  return found;
}

/**
 * Generated values must never look like a leak themselves (forms echo what was typed; stored
 * texts come back on later pages), or a correct server would fail the leak check.
 */
export function clean(s: string): boolean {
  return leaksIn(s).length === 0 && !s.includes(tmpdir() + "/th-") && !/\bat\s*$/.test(s);
}

// ---------------------------------------------------------------------------------------------
// Findings: every distinct failure, with what reproduces it
// ---------------------------------------------------------------------------------------------

export type FindingKind = "5xx" | "leak" | "write-on-refusal" | "no-answer" | "server-exit" | "protocol";

export type Finding = {
  kind: FindingKind;
  /** Deduplication key: kind + target + status + cause. */
  key: string;
  what: string;
  request: string;
  response?: string;
  log?: string;
  property: string;
  path: string;
  counterexample: string;
  count: number;
};

export class Findings {
  readonly all = new Map<string, Finding>();
  ambiguous = 0;
  /** Set when the server had to be restarted too often: the remaining runs are skipped. */
  gaveUp: string | null = null;
  /** Restarts of a stopped server during this property. */
  restarts = 0;
  /** Runs that ran / were planned (a time budget or gaveUp may stop a property early). */
  ran = 0;
  planned = 0;
  /** Answers per target and status, printed with FUZZ_STATS=1 (to see what the generators reach). */
  readonly stats = new Map<string, Map<number, number>>();

  count(target: string, status: number): void {
    let m = this.stats.get(target);
    if (!m) this.stats.set(target, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
  }

  printStats(title: string): void {
    if (!process.env.FUZZ_STATS) return;
    const lines = [...this.stats.entries()].sort().map(([t, m]) => `  ${t}: ${[...m.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(" ")}`);
    console.info(`${title} — answers by target and status:\n${lines.join("\n")}`);
  }

  add(f: Omit<Finding, "count">): void {
    const seen = this.all.get(f.key);
    if (seen) seen.count++;
    else this.all.set(f.key, { ...f, count: 1 });
  }

  report(title: string): string {
    const list = [...this.all.values()];
    const lines = [`${title}: ${list.length} distinct failure(s) (seed ${FUZZ_SEED}; ${this.ran} of ${this.planned} runs${this.gaveUp ? `; stopped early: ${this.gaveUp}` : ""})`];
    for (const [i, f] of list.entries()) {
      lines.push(
        "",
        `${i + 1}. [${f.kind}] ${f.what}${f.count > 1 ? `  (×${f.count})` : ""}`,
        `   request:  ${f.request}`,
        ...(f.response ? [`   response: ${f.response}`] : []),
        ...(f.log ? [`   server log: ${f.log}`] : []),
        /^\d+(:\d+)*$/.test(f.path)
          ? `   reproduce: FUZZ_SEED=${FUZZ_SEED} FUZZ_PATH=${f.path} npx vitest run --project fuzz -t "${f.property}"`
          : `   reproduce: FUZZ_SEED=${FUZZ_SEED} npx vitest run --project fuzz -t "${f.property}"   (step "${f.path}" of that test, not a fast-check path)`,
        `   counterexample: ${f.counterexample}`,
      );
    }
    return lines.join("\n");
  }

  /** Fails the test with every distinct failure (printed by vitest). */
  assertNone(title: string): void {
    this.printStats(title);
    if (this.ambiguous) console.info(`${title}: ${this.ambiguous} write check(s) skipped because a background job ran during the request`);
    if (this.ran < this.planned && !this.gaveUp) console.warn(`${title}: only ${this.ran} of ${this.planned} runs fitted in the time budget (a slow machine; FUZZ_BUDGET_S raises it)`);
    if (this.all.size || this.gaveUp) throw new Error(this.report(title));
  }
}

// Control characters other than tab/newline/CR, shown escaped in reports.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/** A compact, bounded rendering of generated values (long runs of one character are counted). */
export function preview(v: unknown, max = 400): string {
  const s = typeof v === "string" ? v : Buffer.isBuffer(v) ? v.toString("latin1") : fc.stringify(v);
  const squeezed = s.replace(/([\s\S])\1{24,}/g, (m, c: string) => `${c}⟨×${m.length}⟩`).replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return squeezed.length > max ? `${squeezed.slice(0, max)}… (${s.length} chars)` : squeezed;
}

/**
 * The cause of a 5xx as the server logged it: the first error (class and message), plus the
 * database's own message when a query failed — normalised (ids, numbers) so that one cause
 * reached through different requests groups as one finding.
 */
export function causeIn(log: string): string {
  const first = /\b((?:[A-Z]\w*)?Error)\b:?[ \t]*([^\n]*)/.exec(log);
  const pg = /\b(?:PostgresError|error):?[ \t]+([^\n]*(?:out of range|invalid input|violates|does not exist|syntax)[^\n]*)/i.exec(log);
  const text = [first ? `${first[1]}: ${first[2]!.slice(0, 110)}` : /^[^\n]*(?:ERR_|FATAL|BUG)[^\n]*$/m.exec(log)?.[0] ?? "", pg && !first?.[2]!.includes(pg[1]!) ? `(${pg[1]!.slice(0, 90)})` : ""]
    .filter(Boolean)
    .join(" ");
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/\d{2,}/g, "<n>")
    .trim();
}

/** The lines the server logged since `mark`, bounded. */
export function logSince(server: FuzzServer, mark: number, max = 700): string {
  const s = server.output().slice(mark).trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function describeRequest(req: Sent): string {
  const ct = req.headers?.["content-type"];
  const extra = Object.entries(req.headers ?? {})
    .filter(([k]) => !["cookie", "content-type", "content-length", "x-forwarded-for"].includes(k.toLowerCase()))
    .map(([k, v]) => `${k}: ${preview(v, 80)}`);
  const body = req.describe ?? (req.body !== undefined ? preview(req.body, 300) : "");
  return [
    `${req.method} ${preview(req.path, 300)}`,
    req.as ? `as ${req.as}` : "",
    ct ? `content-type ${ct}` : "",
    extra.length ? `headers {${extra.join(", ")}}` : "",
    body ? `body ${body}` : "",
  ]
    .filter(Boolean)
    .join(" | ");
}

export function describeAnswer(res: Answer): string {
  if (res.error) return `no answer (${res.error})`;
  return `${res.status} ${String(res.headers["content-type"] ?? "")} ${preview(res.text, 240)}`;
}

// ---------------------------------------------------------------------------------------------
// One checked exchange and the property runner
// ---------------------------------------------------------------------------------------------

export type RunCtx = { property: string; path: string; value: unknown };

/** Restarts of a stopped server per property before the suite stops fuzzing it (a restart skips the seed: seconds). */
const MAX_RESTARTS = 10;
/** Wall-clock budget per property (seconds); the runs that fit are made, the rest reported as skipped. */
const BUDGET_S = Number(process.env.FUZZ_BUDGET_S ?? "150") || 150;

/**
 * The state one fuzz file shares: the server, its snapshots, the findings, and a baseline
 * snapshot reused from one exchange to the next while nothing else wrote in between.
 */
export class Harness {
  findings = new Findings();
  readonly snapshots: Snapshots;
  private baseline: Snapshot | null = null;
  /** The previous exchange, for the report when the process dies a moment after answering. */
  private previous = "";

  constructor(readonly server: FuzzServer) {
    this.snapshots = new Snapshots(server);
  }

  async init() {
    await this.snapshots.init();
  }

  /** Forget the baseline (something outside a checked window wrote: a sign-in, a setup request). */
  invalidate() {
    this.baseline = null;
  }

  /**
   * Sends one request and applies every check: no 5xx, an answer, no leak in the body, and for a
   * refusal no row or blob written. `target` names the route/endpoint for grouping.
   */
  async exchange(req: Sent, ctx: RunCtx, target: string, opts: { writes?: boolean } = {}): Promise<Answer> {
    const checkWrites = opts.writes ?? true;
    const before = !checkWrites ? null : this.baseline && this.baseline.jobsBusy === 0 && this.baseline.blobTemp === 0 ? this.baseline : await this.snapshots.quiet();
    const mark = this.server.output().length;
    const res = await send(this.server, req);
    let after: Snapshot | null = null;
    if (before) {
      after = await this.snapshots.take();
      if (after.blobTemp > before.blobTemp || after.jobsBusy > 0) {
        // An aborted upload is still being cleaned up, or a job the request scheduled is running.
        after = await this.snapshots.quiet(5_000);
      }
      this.baseline = after;
    } else this.baseline = null;
    this.findings.count(target, res.status);
    const request = describeRequest(req);
    const base = { request, property: ctx.property, path: ctx.path, counterexample: preview(ctx.value, 1200) };
    const log = () => logSince(this.server, mark);
    if (res.status === 0 && res.cutOff) {
      // Refused without a status (see Answer.cutOff): only the process and the writes can be checked.
      if (await this.checkAlive(ctx, request, res.error ?? "cut off", mark)) this.checkWrites(before, after, req, res, base, target);
      return res;
    }
    if (res.status === 0) {
      // A dead process is the finding (server-exit); a live one that did not answer is another.
      if (await this.checkAlive(ctx, request, res.error ?? "no answer", mark))
        this.findings.add({ ...base, kind: "no-answer", key: `no-answer ${req.method} ${target} ${res.error?.replace(/\d+/g, "n")}`, what: `${req.method} ${target}: ${res.error}`, log: log() });
      return res;
    }
    if (res.status >= 500) {
      const l = log();
      const cause = causeIn(this.server.output().slice(mark));
      this.findings.add({
        ...base,
        kind: "5xx",
        key: `5xx ${target} ${res.status} ${cause}`,
        what: `${req.method} ${target} answered ${res.status}${cause ? ` — ${cause}` : ""}`,
        response: describeAnswer(res),
        log: l,
      });
    }
    const leaks = leaksIn(res.text, [this.server.dataDir]);
    if (leaks.length) {
      this.findings.add({
        ...base,
        kind: "leak",
        key: `leak ${req.method} ${target} ${res.status} ${leaks.join(",")}`,
        what: `${req.method} ${target} (${res.status}) body shows ${leaks.join(", ")}`,
        response: describeAnswer(res),
        log: log(),
      });
    }
    if (isRefused(res)) this.checkWrites(before, after, req, res, base, target);
    this.previous = request;
    return res;
  }

  /** A refusal must not have added or removed a row or a blob (minus the by-design writes). */
  private checkWrites(before: Snapshot | null, after: Snapshot | null, req: Sent, res: Answer, base: Pick<Finding, "request" | "property" | "path" | "counterexample">, target: string) {
    if (!before || !after) return;
    if (after.jobsSig !== before.jobsSig) {
      this.findings.ambiguous++;
      return;
    }
    const changed = changes(before, after, req, res);
    if (!changed.length) return;
    const status = res.cutOff ? "cut off" : String(res.status);
    this.findings.add({
      ...base,
      kind: "write-on-refusal",
      key: `write ${req.method} ${target} ${status} ${changed.map((c) => c.split(" ")[0]).join(",")}`,
      what: `${req.method} ${target} was refused (${status}) but changed ${changed.join(", ")}`,
      response: describeAnswer(res),
    });
  }

  /**
   * After a network error or at the end of a run: is the process still serving? If not, the
   * failure is recorded with the log (the crash) and the server restarted on the same data.
   */
  async checkAlive(ctx: RunCtx, request: string, why: string, mark: number): Promise<boolean> {
    if (await this.server.alive()) return true;
    const l = logSince(this.server, mark, 1500);
    const cause = causeIn(this.server.output().slice(mark));
    this.findings.add({
      kind: "server-exit",
      key: `server-exit ${cause}`,
      what: `the server stopped answering (${why})${cause ? ` — ${cause}` : ""}`,
      request: `${request}${this.previous && this.previous !== request ? `  (previous request: ${this.previous})` : ""}`,
      log: l,
      property: ctx.property,
      path: ctx.path,
      counterexample: preview(ctx.value, 1200),
    });
    if (this.findings.restarts >= MAX_RESTARTS) {
      this.findings.gaveUp = `the server stopped ${this.findings.restarts + 1} times; not restarted again`;
      return false;
    }
    this.findings.restarts++;
    await this.server.restart();
    this.invalidate();
    return false;
  }
}

/**
 * Runs a property with the fixed seed. The predicate records findings instead of failing, so one
 * run of the suite lists every distinct failure (the test then fails with all of them, each with
 * the seed and fast-check path that replays it: FUZZ_SEED=… FUZZ_PATH=…). A bug in the test code
 * itself throws, and fast-check prints its own seed/path/counterexample report.
 */
export async function fuzz<T>(opts: {
  property: string;
  arb: fc.Arbitrary<T>;
  numRuns: number;
  findings: Findings;
  run: (value: T, ctx: RunCtx) => Promise<void>;
  /** What of the generated value the report shows (defaults to all of it). */
  show?: (value: T) => unknown;
}): Promise<void> {
  let index = FUZZ_PATH ? Number(FUZZ_PATH.split(":")[0]) - 1 : -1;
  const numRuns = FUZZ_PATH ? 1 : opts.numRuns;
  opts.findings.planned += numRuns;
  await fc.assert(
    fc.asyncProperty(opts.arb, async (value) => {
      index++;
      if (opts.findings.gaveUp) return;
      opts.findings.ran++;
      await opts.run(value, { property: opts.property, path: String(index), value: opts.show ? opts.show(value) : value });
    }),
    { seed: FUZZ_SEED, numRuns, path: FUZZ_PATH, endOnFailure: true, interruptAfterTimeLimit: BUDGET_S * 1000, markInterruptAsFailure: false },
  );
}

// ---------------------------------------------------------------------------------------------
// Generators shared by the HTTP targets
// ---------------------------------------------------------------------------------------------

const HOSTILE_CONSTANTS = [
  "",
  " ",
  "0",
  "-1",
  "-2",
  "1.5",
  "1e308",
  "-1e308",
  "1e-308",
  "NaN",
  "Infinity",
  "-Infinity",
  "2147483647",
  "2147483648",
  "-2147483649",
  "9007199254740993",
  "99999999999999999999999999",
  "0x1F",
  "1_000",
  "١٢٣",
  "true",
  "false",
  "on",
  "null",
  "undefined",
  "[]",
  "{}",
  "[object Object]",
  "__proto__",
  "constructor",
  "prototype",
  "2026-13-01T09:30",
  "2026-02-30T09:30",
  "2026-12-31T24:00",
  "2026-01-01T25:61",
  "0000-00-00T00:00",
  "9999-12-31T23:59",
  "275760-09-13T00:00",
  "2026-13-01",
  "2026-02-30",
  "1969-12-31",
  "2026-12-01T09:30:00Z",
  "2026-12-01 09:30",
  "' OR 1=1 --",
  "'; drop table users; --",
  "%",
  "%%",
  "%00",
  "%E0%A4%A",
  "_",
  "\\",
  "\\u0000",
  "<script>alert(1)</script>",
  "\"><img src=x onerror=alert(1)>",
  "{{7*7}}",
  "${7*7}",
  "../../../../etc/passwd",
  "..",
  "../",
  "\u0000",
  "a\u0000b",
  "\u0000\u0000\u0000\u0000",
  "\r\n",
  "\t",
  "\uFFFE",
  "\uFEFF",
  "\u202E\u202D",
  "\uD83D",
  "𠮷𠮷𠮷",
  "👨‍👩‍👧‍👦",
  "大庆市第一中学",
  "投标人",
  "ＡＢＣ１２３",
  "javascript:alert(1)",
  "//evil.example/",
  "/\\evil.example",
  "https://evil.example/",
  "E0001",
  "ZTB",
  "ZFCG",
  "construction",
  "goods",
  "bidder",
  "admin",
  "centre",
  "tendering_unit",
  "expert",
  "accept",
  "decline",
  "bidder_with_custodian_fallback",
  "lowest_evaluated_price",
  "comprehensive",
  "price",
  "zh-CN",
  "en",
  "91230100MA1ABCDE1X",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
  "12345678-1234-1234-1234-1234567890123",
  "opening:x",
];

/** Strings a client can send: boundary numbers, impossible dates, NUL, unicode, markup, very long. */
export const hostileText: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_CONSTANTS) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 60 }) },
    { weight: 1, arbitrary: fc.integer({ min: -1e9, max: 1e9 }).map(String) },
    { weight: 1, arbitrary: fc.double().map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String) },
    {
      weight: 1,
      arbitrary: fc
        .record({ c: fc.constantFrom("x", "9", "大", "\u0000", "é", " ", "%"), n: fc.constantFrom(201, 1_001, 10_001, 70_000, 300_000) })
        .map(({ c, n }) => c.repeat(n)),
    },
  )
  .filter(clean);

/** Path segment values (already encoded), none of them an id of the demo database. */
export const junkSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileText.filter((s) => s.length > 0 && s.length < 20_000).map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "?"))) },
  { weight: 2, arbitrary: fc.uuid().map(String) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "..",
      ".",
      "%2e%2e",
      "..%2f..%2fadmin",
      "%00",
      "a%00b",
      "%E0%A4%A",
      "%",
      "%zz",
      "%C0%AE%C0%AE",
      "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
      "ZZZZZZZZ-ZZZZ-4ZZZ-8ZZZ-ZZZZZZZZZZZZ",
      "00000000-0000-0000-0000-00000000000g",
      "------------------------------------",
      "111111111111111111111111111111111111",
      "00000000-0000-4000-8000-0000000000000",
      "0",
      "-1",
      "9".repeat(400),
      "x".repeat(5_000),
      encodeURIComponent("标段"),
      "null",
      "undefined",
      "__proto__",
      "constructor",
    ),
  },
);

/** Plausible-then-hostile query values for the keys list pages read. */
export const QUERY_KEYS = [
  "page",
  "q",
  "sections",
  "status",
  "specialty",
  "subject",
  "from",
  "to",
  "redirectTo",
  "before",
  "after",
  "year",
  "org",
  "kind",
  "regime",
  "category",
  "region",
  "lng",
  "id",
  "index",
  "_data",
] as const;

export function randomIp(): fc.Arbitrary<string> {
  // 10.0.0.0/8 minus the suite's sign-in addresses (10.250.0.0/16).
  return fc.tuple(fc.integer({ min: 0, max: 249 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map(([a, b, c]) => `10.${a}.${b}.${c}`);
}
