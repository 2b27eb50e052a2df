import { randomBytes } from "node:crypto";
import type { Request as ExpressRequest, Response as ExpressResponse, NextFunction } from "express";
import { createRequestHandler as createRemixHandler, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import { LANGUAGE_COOKIE } from "#app/i18n";
import { SESSION_COOKIE } from "#app/services/accounts/csrf.server";
import type { LiveHub } from "#app/services/platform/live-hub.server";
import { rawCookie } from "./edge";

/**
 * The public tender list's page cache (docs/decisions/024-public-page-cache.md). An anonymous visitor's `/` (with any
 * search and filters) is the same page for everyone who asks in the same language, except for two per-request values:
 * the CSP nonce and the CSRF token. The page is rendered once with a placeholder for each, kept for `ttlMs` (the
 * clock-derived status — bidding → closed — may lag by that much, as the portal's query cache already allows) or until
 * an event on the `portal` live channel (a tender published, amended, its results), and served with the visitor's own
 * nonce and token put in. Signed-in visitors, other paths, Remix data requests, non-200 answers and answers that set a
 * cookie are never cached. Concurrent first requests for one key share one rendering; once a page has aged past `ttlMs`
 * it is still served while one request renders its successor in the background (so the lag is at most `ttlMs` plus
 * one rendering), whereas a portal event drops it at once.
 */

export type PageCacheOptions = {
  build: ServerBuild;
  hub: LiveHub;
  loadContext: (req: ExpressRequest, res: ExpressResponse, placeholders: { csrfToken: string; cspNonce: string }) => AppLoadContext;
  ttlMs?: number;
  maxEntries?: number;
  /** Larger pages are served but not kept. */
  maxBodyBytes?: number;
};

/** The page split at the placeholders once: `parts` alternate text and slots (`nonce` / `csrf`). */
type Rendered = { status: number; headers: [string, string][]; setCookies: string[]; parts: string[]; slots: ("nonce" | "csrf")[]; cacheable: boolean };

/** The request paths whose anonymous pages are cached. */
export const CACHED_PATHS = new Set(["/"]);

export function publicPageCache(opts: PageCacheOptions) {
  const ttlMs = opts.ttlMs ?? 1000;
  const maxEntries = opts.maxEntries ?? 200;
  const maxBodyBytes = opts.maxBodyBytes ?? 512 * 1024;
  const remix = createRemixHandler(opts.build, "production");
  // Per-process random placeholders: no visitor can make a page contain them (they never leave this process).
  const tag = randomBytes(12).toString("hex");
  const placeholders = { csrfToken: `csrf${tag}`, cspNonce: `nonce${tag}` };
  // `last`: the entry's rendered page once it resolved (cacheable), served while a newer one renders.
  const entries = new Map<string, { at: number; value: Promise<Rendered>; last?: Rendered; refreshing?: boolean }>();
  const unsubscribe = opts.hub.subscribe("portal", () => entries.clear());

  async function render(req: ExpressRequest, res: ExpressResponse): Promise<Rendered> {
    const url = new URL(req.originalUrl, `${req.protocol}://${req.headers.host}`);
    const headers = new Headers();
    for (const name of ["host", "cookie", "accept", "accept-language", "user-agent"]) {
      const v = req.headers[name];
      if (typeof v === "string") headers.set(name, v);
    }
    const response = await remix(new Request(url, { method: "GET", headers }), opts.loadContext(req, res, placeholders));
    const body = await response.text();
    const out: [string, string][] = [];
    response.headers.forEach((v, k) => {
      if (k !== "content-length" && k !== "set-cookie") out.push([k, v]);
    });
    const cacheable = response.status === 200 && !response.headers.has("set-cookie") && /^text\/html\b/i.test(response.headers.get("content-type") ?? "") && Buffer.byteLength(body) <= maxBodyBytes;
    const parts: string[] = [];
    const slots: ("nonce" | "csrf")[] = [];
    const split = new RegExp(`(${placeholders.cspNonce}|${placeholders.csrfToken})`);
    body.split(split).forEach((piece, i) => {
      if (i % 2 === 0) parts.push(piece);
      else slots.push(piece === placeholders.cspNonce ? "nonce" : "csrf");
    });
    return { status: response.status, headers: out, setCookies: response.headers.getSetCookie(), parts, slots, cacheable };
  }

  function serve(res: ExpressResponse, page: Rendered, how: "hit" | "miss" | "stale") {
    res.status(page.status);
    for (const [k, v] of page.headers) res.setHeader(k, v);
    // Only an uncached answer has cookies of its own, and it goes to the request that caused it alone.
    if (!page.cacheable) for (const c of page.setCookies) res.append("Set-Cookie", c);
    res.setHeader("X-Page-Cache", how);
    const values = { nonce: String(res.locals.cspNonce), csrf: String(res.locals.csrfToken) };
    let html = page.parts[0]!;
    for (let i = 0; i < page.slots.length; i++) html += values[page.slots[i]!] + page.parts[i + 1]!;
    // res.end, not res.send: no ETag to compute over a page that is never stored (no-store) anyway.
    const bytes = Buffer.from(html, "utf8");
    res.setHeader("Content-Length", bytes.length);
    res.end(bytes);
  }

  function middleware(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
    if (req.method !== "GET" || !CACHED_PATHS.has(req.path) || "_data" in req.query || rawCookie(req.headers.cookie, SESSION_COOKIE) !== null) return next();
    const lang = rawCookie(req.headers.cookie, LANGUAGE_COOKIE) ?? "";
    const key = `${lang}\n${req.originalUrl}`;
    const now = Date.now();
    const hit = entries.get(key);
    let mine = false;
    let value: Promise<Rendered>;
    if (hit && now - hit.at < ttlMs) value = hit.value;
    else if (hit?.last) {
      // Expired by age only (a portal event clears the entry instead): the page at hand is served at once and one
      // request renders the next in the background, so no visitor waits for a rendering (stale-while-revalidate).
      if (!hit.refreshing) {
        hit.refreshing = true;
        const fresh = render(req, res);
        fresh.then(
          (page) => {
            if (entries.get(key) !== hit) return;
            if (page.cacheable) entries.set(key, { at: Date.now(), value: fresh, last: page });
            else entries.delete(key);
          },
          () => {
            if (entries.get(key) === hit) hit.refreshing = false;
          },
        );
      }
      serve(res, hit.last, "stale");
      return;
    } else {
      mine = true;
      value = render(req, res);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { at: now, value });
    }
    value.then(
      (page) => {
        const entry = entries.get(key);
        if (page.cacheable && entry?.value === value) entry.last = page;
        if (!page.cacheable) {
          if (entries.get(key)?.value === value) entries.delete(key);
          // An answer that may not be shared goes only to the request that caused it; the others render their own.
          if (!mine) return next();
        }
        if (!res.headersSent) serve(res, page, mine ? "miss" : "hit");
      },
      (e: unknown) => {
        if (entries.get(key)?.value === value) entries.delete(key);
        if (mine) next(e);
        else next();
      },
    );
  }

  return { middleware, close: unsubscribe, placeholders };
}
