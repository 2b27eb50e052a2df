import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes, randomUUID } from "node:crypto";
import { isIP } from "node:net";
import type { IncomingHttpHeaders } from "node:http";

/**
 * What the server accepts from the network before any service sees a request (the edge):
 * request ids, client addresses, origins, host names. Everything here is a pure function of
 * the request's headers and is shared by the express layer and the `/live` WebSocket upgrade,
 * so both apply the same rules. The limits are listed in docs/decisions/013-process-errors-and-restart.md.
 */

/** The request id of the request (or WebSocket message) being handled, for log lines. */
export type RequestStore = { requestId: string };
export const requestStore = new AsyncLocalStorage<RequestStore>();

export function currentRequestId(): string | null {
  return requestStore.getStore()?.requestId ?? null;
}

/** A client's `X-Request-Id` is kept only when it is short and plain (it is echoed into headers and logs). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function acceptRequestId(header: string | string[] | undefined): string {
  return typeof header === "string" && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

/** A fresh CSP nonce (128 bits, base64) for one HTML response. */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * A valid IP address in canonical form, or null: IPv4-mapped IPv6 becomes IPv4, an IPv6 zone
 * (`%eth0`) is dropped (PostgreSQL's `inet` has none). Everything stored in an `inet` column
 * passes through here.
 */
export function normaliseIp(value: string | null | undefined): string | null {
  if (!value) return null;
  let v = value.trim();
  const zone = v.indexOf("%");
  if (zone >= 0) v = v.slice(0, zone);
  const kind = isIP(v);
  if (kind === 0) return null;
  if (kind === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
    if (mapped && isIP(mapped[1]!) === 4) return mapped[1]!;
  }
  return v.toLowerCase();
}

function isLoopback(ip: string): boolean {
  return ip === "::1" || /^127\./.test(ip);
}

/**
 * The client's address under `trust proxy = loopback` (what express computes for `req.ip`),
 * but never anything other than a valid IP: walking `X-Forwarded-For` from the right while the
 * hop that reported it is a loopback proxy; an entry that is not an IP address stops the walk at
 * the last hop we trust (the proxy's own address). Returns null only when the socket has no
 * address (it was already closed).
 */
export function clientIp(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined): string | null {
  let ip = normaliseIp(remoteAddress);
  if (!ip) return null;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
  if (!header) return ip;
  const hops = header.split(",").slice(-MAX_FORWARDED_HOPS).reverse();
  for (const hop of hops) {
    if (!isLoopback(ip)) break;
    const next = normaliseIp(hop);
    if (!next) break;
    ip = next;
  }
  return ip;
}

/** At most this many `X-Forwarded-For` entries are looked at (the rest are an attacker's padding). */
export const MAX_FORWARDED_HOPS = 16;

/** `host[:port]` as a browser sends it: a DNS name, an IPv4 address or a bracketed IPv6 address. */
const HOST_PATTERN = /^(?:[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(?:\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

export function validHost(host: string | undefined): host is string {
  return typeof host === "string" && host.length <= 260 && HOST_PATTERN.test(host);
}

/**
 * Whether an `Origin` header names this server: its host is the request's `Host` or the host of
 * `PUBLIC_URL` (behind a proxy that rewrites Host). `null`, an unparsable value or any other
 * host is foreign. An absent Origin is the caller's decision (non-browser clients send none).
 */
export function isOwnOrigin(origin: string, headers: IncomingHttpHeaders, publicUrl: string): boolean {
  if (origin === "null") return false;
  let host: string;
  try {
    const u = new URL(origin);
    if (u.protocol !== "http:" && u.protocol !== "https:") return false;
    host = u.host;
  } catch {
    return false;
  }
  if (headers.host && host === headers.host.toLowerCase()) return true;
  try {
    return host === new URL(publicUrl).host;
  } catch {
    return false;
  }
}

/** One cookie's raw value from a Cookie header (no decoding; a malformed pair is skipped). */
export function rawCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim() || null;
  }
  return null;
}

/** One cookie's percent-decoded value, or null when it is absent or not valid percent-encoding. */
export function decodedCookie(header: string | undefined, name: string): string | null {
  const raw = rawCookie(header, name);
  if (raw === null) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/**
 * The Content-Security-Policy of every response. Scripts: this origin and the response's nonce
 * (Remix's inline context and module scripts, React's streaming scripts) plus 'wasm-unsafe-eval'
 * for WebAssembly compilation (hash-wasm hashes the plaintext while a bid is sealed; it is not
 * JavaScript eval). Styles: the stylesheet from this origin; `style` attributes (React `style={{…}}`
 * props rendered on the server) are allowed by `style-src-attr 'unsafe-inline'`, inline <style>
 * elements are not (style-src-elem). Browsers without the -elem/-attr directives fall back to
 * style-src, which allows both. WebSockets: 'self' covers ws:/wss: in current browsers; the own host
 * is listed explicitly for those where it does not. Blob: images and workers for client-built files.
 */
export function contentSecurityPolicy(nonce: string, host: string | undefined): string {
  const ws = validHost(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    "style-src 'self' 'unsafe-inline'",
    "style-src-elem 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${ws}`,
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
}
