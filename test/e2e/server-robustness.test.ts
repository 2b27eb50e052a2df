import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Browser, Page } from "playwright-core";
import { contextFor, DEMO_PASSWORD, expectNoHydrationErrors, launchBrowser, removeDataDir, startServer, type RunningServer } from "./harness";

/**
 * The server edge (docs/decisions/013-process-errors-and-restart.md): nothing a stranger sends
 * — over /live or HTTP — crashes or stalls the process, leaks a stack trace, or stops the live
 * events of everyone else. The server runs with NODE_ENV=development, where express and Remix
 * would otherwise show error details.
 */

type Msg = { type: string; channel?: string; seq?: number; code?: string; event?: { channel: string; seq: number; type: string } };
type Session = { cookie: string; csrf: string };

/** A stack frame, a source path or a module path in a response body. */
const LEAK = /\bat [\w.<>]+ \(|\bat (file:|\/)|\/work\/|node_modules|\.tsx?:\d+|\.js:\d+:\d+|Failed query|TypeError|URIError|RangeError/;

async function session(url: string, username?: string): Promise<Session> {
  const page = await fetch(`${url}/login`);
  const csrfCookie = /th_csrf=([^;]+)/.exec(page.headers.get("set-cookie") ?? "")![1]!;
  let csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  let cookie = `th_csrf=${csrfCookie}`;
  if (username) {
    const res = await fetch(`${url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, username, password: DEMO_PASSWORD, redirectTo: "/" }),
    });
    expect(res.status).toBe(302);
    cookie += `; th_session=${/th_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")![1]}`;
    csrf = /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${url}/`, { headers: { cookie } })).text())![1]!;
  }
  return { cookie, csrf };
}

const wsUrl = (url: string) => `${url.replace("http", "ws")}/live`;

/** Opens a socket; resolves once open (or rejects with the HTTP status of a refused upgrade). */
function openSocket(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; msgs: Msg[]; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(url), { headers });
    const msgs: Msg[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on("close", (code, reason) => r({ code, reason: reason.toString() })));
    ws.on("message", (raw) => msgs.push(JSON.parse(String(raw)) as Msg));
    ws.on("open", () => resolve({ ws, msgs, closed }));
    ws.on("unexpected-response", (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
      res.resume();
    });
    ws.on("error", (e) => reject(e));
  });
}

async function until(what: string, cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms))]);
}

/** A raw HTTP request (fetch refuses to send some of the headers a stranger can send). */
function rawRequest(url: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method: opts.method ?? "GET", path: opts.path, headers: opts.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

describe("the server edge: hostile input closes one socket or answers 4xx, never the process", () => {
  let server: RunningServer;
  let tenderer: Session;
  let bidder: Session;
  let tendererId: string;
  let tenderId: string;
  let browser: Browser | null = null;

  beforeAll(async () => {
    server = await startServer({ env: { NODE_ENV: "development" } });
    tenderer = await session(server.url, "tenderer");
    bidder = await session(server.url, "bidder1");
    tendererId = ((await (await fetch(`${server.url}/?_data=root`, { headers: { cookie: tenderer.cookie } })).json()) as { user: { id: string } }).user.id;
    const portal = await (await fetch(`${server.url}/`)).text();
    tenderId = new RegExp(`/tenders/([0-9a-f-]{36})">[^<]*</a></h3><div class="meta"><span>[^<]*DQ-2026-JS-0101`).exec(portal)![1]!;
  });
  afterEach(() => expectNoHydrationErrors());
  afterAll(async () => {
    await browser?.close();
    if (server) {
      await server.stop();
      removeDataDir(server.dataDir);
    }
  });

  const alive = async () => {
    const r = await fetch(`${server.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ok: true });
  };

  it("/live: each hostile frame or upgrade closes that socket with a code and a reason; the process and other subscribers carry on", async () => {
    // Someone watching: the tenderer's own inbox channel.
    const watcher = await openSocket(server.url, { cookie: tenderer.cookie });
    watcher.ws.send(JSON.stringify({ type: "subscribe", channel: `user:${tendererId}`, after: -1 }));
    await until("watcher subscribed", () => watcher.msgs.some((m) => m.type === "subscribed"));

    const hostile: { name: string; frames: (string | Buffer)[]; code: number }[] = [
      { name: "after beyond PostgreSQL integer", frames: [JSON.stringify({ type: "subscribe", channel: "portal", after: 2147483648 })], code: 1008 },
      { name: "after 1e308", frames: ['{"type":"subscribe","channel":"portal","after":1e308}'], code: 1008 },
      { name: "after -2", frames: [JSON.stringify({ type: "subscribe", channel: "portal", after: -2 })], code: 1008 },
      { name: "frame over the payload limit", frames: ["x".repeat(20 * 1024)], code: 1009 },
      { name: "channel name too long", frames: [JSON.stringify({ type: "subscribe", channel: `tender:${"a".repeat(500)}` })], code: 1008 },
      { name: "channel name with odd characters", frames: [JSON.stringify({ type: "subscribe", channel: "portal\u0000\n" })], code: 1008 },
      { name: "binary frame", frames: [Buffer.from([0, 1, 2, 3])], code: 1008 },
      { name: "not JSON", frames: ["{"], code: 1008 },
      {
        name: "too many subscriptions",
        frames: Array.from({ length: 17 }, (_, i) => JSON.stringify({ type: "subscribe", channel: `tender:${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`, after: -1 })),
        code: 1008,
      },
      { name: "message flood", frames: Array.from({ length: 40 }, () => JSON.stringify({ type: "subscribe", channel: "portal", after: -1 })), code: 1008 },
    ];
    for (const h of hostile) {
      const s = await openSocket(server.url);
      for (const f of h.frames) s.ws.send(f);
      const closed = await withTimeout(s.closed, 10_000, h.name);
      expect(closed.code, h.name).toBe(h.code);
      // 1009 comes from the ws library's frame parser, which sends the code alone.
      if (h.code !== 1009) expect(closed.reason.length, h.name).toBeGreaterThan(0);
      await alive();
    }

    // A session cookie that is not valid percent-encoding: served as anonymous, like on HTTP.
    const badCookie = await openSocket(server.url, { cookie: "th_session=%E0%A4%A; th_csrf=%" });
    badCookie.ws.send(JSON.stringify({ type: "subscribe", channel: "portal", after: -1 }));
    await until("anonymous subscription", () => badCookie.msgs.some((m) => m.type === "subscribed"));
    badCookie.ws.send(JSON.stringify({ type: "subscribe", channel: `user:${tendererId}`, after: -1 }));
    await until("forbidden channel", () => badCookie.msgs.some((m) => m.code === "FORBIDDEN"));
    badCookie.ws.close();
    await alive();

    // A reset while the upgrade's session is being looked up (the socket has no 'error' listener of Node's then).
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) => {
        const u = new URL(server.url);
        const sock = connect(Number(u.port), u.hostname, () => {
          sock.write(
            `GET /live HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: ${tenderer.cookie}\r\n\r\n`,
            () => {
              sock.resetAndDestroy();
              resolve();
            },
          );
        });
        sock.on("error", () => resolve());
      });
    }
    await new Promise((r) => setTimeout(r, 500));
    await alive();
    // An upgrade whose request target is not a URL.
    await new Promise<void>((resolve) => {
      const u = new URL(server.url);
      const sock = connect(Number(u.port), u.hostname, () =>
        sock.write(`GET http://[::1 HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`),
      );
      sock.on("close", () => resolve());
      sock.on("error", () => resolve());
      setTimeout(() => {
        sock.destroy();
        resolve();
      }, 2000);
    });
    await alive();

    // Another site's page opening /live with the victim's cookie: refused before the cookie is read.
    for (const origin of ["http://evil.example", "null", "garbage"]) {
      const refused = await openSocket(server.url, { cookie: tenderer.cookie, origin }).then(
        () => 0,
        (e: { status?: number }) => e.status ?? -1,
      );
      expect(refused, origin).toBe(403);
    }
    // The server's own origin, and no Origin at all (a non-browser client), are served.
    const own = await openSocket(server.url, { cookie: tenderer.cookie, origin: server.url });
    own.ws.close();

    // Sockets per address are bounded (the watcher holds one).
    const many: WebSocket[] = [];
    let refusedWith = 0;
    for (let i = 0; i < 120 && !refusedWith; i++) {
      await openSocket(server.url).then(
        (s) => many.push(s.ws),
        (e: { status?: number }) => (refusedWith = e.status ?? -1),
      );
    }
    expect(refusedWith).toBe(429);
    expect(many.length).toBeLessThanOrEqual(100);
    for (const ws of many) ws.close();
    await until("sockets released", () => many.every((ws) => ws.readyState === ws.CLOSED));

    await alive();
    // The watcher is still subscribed and still receives events: a bidder asks a question, the tenderer is notified.
    expect(watcher.ws.readyState).toBe(WebSocket.OPEN);
    const ask = await fetch(`${server.url}/tenders/${tenderId}?index`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: bidder.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: bidder.csrf, intent: "ask", body: "请问工期是否可以调整？（稳健性测试）" }),
    });
    expect(ask.status).toBeLessThan(400);
    await until("live event after the hostile frames", () => watcher.msgs.some((m) => m.type === "event" && m.event?.type === "inbox"));
    watcher.ws.close();
    expect(server.output()).not.toMatch(/unhandled|uncaught|FATAL/i);
  });

  it("HTTP: bad Origin, X-Forwarded-For, X-Request-Id, Host and body-parser errors answer 4xx without a stack trace", async () => {
    const anon = await session(server.url);
    const login = (headers: Record<string, string>) =>
      fetch(`${server.url}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: anon.cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ _csrf: anon.csrf, username: "bidder2", password: DEMO_PASSWORD, redirectTo: "/" }),
      });

    // Origin: unparsable or "null" on a mutating request → 403 with the translated line, not a 500 stack.
    for (const origin of ["garbage", "null", "http://evil.example", "http://[::1"]) {
      const r = await login({ origin });
      const body = await r.text();
      expect(r.status, origin).toBe(403);
      expect(body, origin).toContain("其他网站");
      expect(body, origin).not.toMatch(LEAK);
      expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    }
    // The server's own origin is fine.
    expect((await login({ origin: server.url })).status).toBe(302);

    // X-Forwarded-For from the loopback proxy that is not an IP address: the session's inet column still gets a valid address.
    const fresh = await session(server.url);
    const xff = await fetch(`${server.url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: fresh.cookie, "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": "not-an-ip, also bad" },
      body: new URLSearchParams({ _csrf: fresh.csrf, username: "bidder3", password: DEMO_PASSWORD, redirectTo: "/" }),
    });
    expect(xff.status).toBe(302);
    for (const forwarded of ["not-an-ip", "1.2.3.4:80", "fe80::1%eth0", "::ffff:10.0.0.1", "999.1.1.1", ",,,"]) {
      const r = await fetch(`${server.url}/`, { headers: { cookie: bidder.cookie, "x-forwarded-for": forwarded } });
      expect(r.status, forwarded).toBe(200);
      await r.arrayBuffer();
    }

    // X-Request-Id: a plain one is echoed, anything else replaced by a UUID.
    const plain = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "lb-7f3a.01_x" } });
    expect(plain.headers.get("x-request-id")).toBe("lb-7f3a.01_x");
    for (const id of ["<script>alert(1)</script>", "a".repeat(65), "id with spaces", "ä"]) {
      const r = await rawRequest(server.url, { path: "/healthz", headers: { "x-request-id": id } });
      expect(r.headers["x-request-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }

    // A Host Remix cannot build a URL from, or a bad path encoding: 400, no stack.
    for (const r of [
      await rawRequest(server.url, { path: "/", headers: { host: "a b" } }),
      await rawRequest(server.url, { path: "/", headers: { host: "127.0.0.1:1", "x-forwarded-host": "x y" } }),
      await rawRequest(server.url, { path: "/build/%E0%A4%A" }),
    ]) {
      expect(r.status).toBe(400);
      expect(r.body).not.toMatch(LEAK);
    }

    // body-parser on the upload API: invalid JSON, wrong type, too large, bad charset, bad encoding.
    const api = `/api/sections/00000000-0000-4000-8000-000000000000/uploads`;
    const auth = { cookie: bidder.cookie, "x-csrf-token": bidder.csrf };
    const cases: { headers: Record<string, string>; body: string | Buffer; status: number; code: string }[] = [
      { headers: { "content-type": "application/json" }, body: "{not json", status: 400, code: "MALFORMED_REQUEST" },
      { headers: { "content-type": "application/json" }, body: "null", status: 400, code: "MALFORMED_REQUEST" },
      { headers: { "content-type": "text/plain" }, body: "{}", status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
      { headers: {}, body: "{}", status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
      { headers: { "content-type": "application/json" }, body: JSON.stringify({ pad: "x".repeat(200 * 1024) }), status: 413, code: "PAYLOAD_TOO_LARGE" },
      { headers: { "content-type": "application/json; charset=ibm500" }, body: "{}", status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
      { headers: { "content-type": "application/json", "content-encoding": "br-nope" }, body: "{}", status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
      { headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: "not gzip", status: 400, code: "MALFORMED_REQUEST" },
      // Well-formed JSON of the wrong shape reaches no service as null: refused as a malformed envelope (R18).
      { headers: { "content-type": "application/json" }, body: JSON.stringify({ certificateId: "x", chunkSize: 65536, files: [null], recipients: null }), status: 422, code: "RULE_VIOLATION" },
    ];
    for (const c of cases) {
      const r = await rawRequest(server.url, { method: "POST", path: api, headers: { ...auth, ...c.headers }, body: c.body });
      expect(r.status, JSON.stringify(c.headers)).toBe(c.status);
      expect(r.body).not.toMatch(LEAK);
      expect((JSON.parse(r.body) as { error: { code: string } }).error.code).toBe(c.code);
      expect(r.headers["cache-control"]).toBe("no-store");
    }
    const complete = await rawRequest(server.url, {
      method: "POST",
      path: "/api/uploads/00000000-0000-4000-8000-000000000000/complete",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ manifest: { v: 1, alg: "AES-256-GCM", chunkSize: 65536, files: [{ index: 0 }], recipients: [null] }, signature: 5 }),
    });
    expect(complete.status).toBe(422);
    expect(complete.body).not.toMatch(LEAK);

    // Remix data and document requests whose loaders fail: no message, stack or SQL in the body (NODE_ENV=development here).
    for (const path of ["/?to=0000-01-01", "/?_data=routes%2F_index&to=0000-01-01", "/?_data=routes/nope", "/tenders/%E0%A4%A", "/?q=%E0%A4%A"]) {
      const r = await fetch(`${server.url}${path}`, { headers: { cookie: bidder.cookie } });
      const body = await r.text();
      expect(body, path).not.toMatch(LEAK);
      expect(r.headers.get("cache-control"), path).toBe("no-store");
    }

    await alive();
    expect(server.output()).not.toMatch(/unhandled|uncaught|FATAL/i);
  });

  it("headers: a nonce-based CSP on HTML, no-store for sessions and pages with a CSRF token, cacheable static assets", async () => {
    const home = await fetch(`${server.url}/`);
    const html = await home.text();
    const csp = home.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    for (const d of ["default-src 'self'", "img-src 'self' data: blob:", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "connect-src 'self'"]) expect(csp).toContain(d);
    expect(csp).toMatch(/script-src 'self' 'nonce-/);
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    // Every inline script carries this response's nonce; the next response has another.
    const scripts = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attrs of scripts) expect(attrs).toContain(`nonce="${nonce}"`);
    const again = await fetch(`${server.url}/`);
    await again.arrayBuffer();
    expect(again.headers.get("content-security-policy")).not.toContain(nonce!);
    // HTML embeds the visitor's CSRF token: never stored; signed-in responses of any kind neither.
    expect(home.headers.get("cache-control")).toBe("no-store");
    const feedSignedIn = await fetch(`${server.url}/feed.atom`, { headers: { cookie: tenderer.cookie } });
    await feedSignedIn.arrayBuffer();
    expect(feedSignedIn.headers.get("cache-control")).toBe("no-store");
    const feedPublic = await fetch(`${server.url}/feed.atom`);
    await feedPublic.arrayBuffer();
    expect(feedPublic.headers.get("cache-control")).toBe("public, max-age=60");
    const api = await fetch(`${server.url}/api/sections/00000000-0000-4000-8000-000000000000/uploads/current`, { headers: { cookie: bidder.cookie } });
    await api.arrayBuffer();
    expect(api.headers.get("cache-control")).toBe("no-store");
    const data = await fetch(`${server.url}/?_data=root`, { headers: { cookie: bidder.cookie } });
    await data.arrayBuffer();
    expect(data.headers.get("cache-control")).toBe("no-store");
    // Fingerprinted assets stay cacheable, even for a signed-in browser.
    const asset = /href="(\/build\/_assets\/[^"]+\.css)"/.exec(html)![1]!;
    const css = await fetch(`${server.url}${asset}`, { headers: { cookie: tenderer.cookie } });
    await css.arrayBuffer();
    expect(css.headers.get("cache-control")).toMatch(/max-age=31536000/);
    // HSTS only behind HTTPS (COOKIE_SECURE=1); not here.
    expect(home.headers.get("strict-transport-security")).toBeNull();
  });

  it("Chromium reports no Content-Security-Policy violation on the portal, a tender, the bid page and the opening hall", async () => {
    browser = await launchBrowser();
    const violations: string[] = [];
    const watch = (page: Page) => {
      page.on("console", (m) => {
        if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
      });
    };
    const collectDomViolations = async (page: Page) => {
      const found = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
      violations.push(...found.map((v) => `${page.url()}: ${v}`));
    };
    const portal = await (await fetch(`${server.url}/`)).text();
    const hallTender = new RegExp(`/tenders/([0-9a-f-]{36})">[^<]*</a></h3><div class="meta"><span>[^<]*DQ-2026-JS-0466`).exec(portal)![1]!;
    for (const who of [undefined, "bidder1", "tenderer"] as const) {
      const { context, page } = await contextFor(browser, server.url, who);
      await context.addInitScript(() => {
        const w = window as unknown as { __csp: string[] };
        w.__csp = [];
        document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      watch(page);
      for (const path of ["/", `/tenders/${tenderId}`, `/tenders/${hallTender}`, "/login"]) {
        await page.goto(path);
        await page.waitForLoadState("networkidle");
        await collectDomViolations(page);
      }
      // The opening hall (live socket, WebCrypto) and, for the bidder, the bid page (sealing uses WebAssembly).
      await page.goto(`/tenders/${hallTender}`);
      const hall = page.locator('a[href$="/opening"]').first();
      if (await hall.count()) {
        await hall.click();
        await page.waitForURL(/\/opening/);
        await page.waitForLoadState("networkidle");
        await collectDomViolations(page);
      }
      if (who === "bidder1") {
        await page.goto(`/tenders/${tenderId}`);
        const bid = page.locator('a[href$="/bid"]').first();
        expect(await bid.count()).toBeGreaterThan(0);
        await bid.click();
        await page.waitForURL(/\/bid$/);
        await page.waitForLoadState("networkidle");
        // WebAssembly compiles under the policy (hash-wasm hashes the plaintext while sealing).
        const wasmOk = await page.evaluate(async () => {
          const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
          try {
            await WebAssembly.compile(empty);
            return true;
          } catch {
            return false;
          }
        });
        expect(wasmOk).toBe(true);
        await collectDomViolations(page);
      }
      await context.close();
    }
    expect(violations).toEqual([]);
  });
});
