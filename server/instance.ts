import cluster from "node:cluster";
import { createServer } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { loadConfig } from "#app/services/platform/config.server";
import type { RequestContext } from "#app/services/platform/context.server";
import { CSRF_COOKIE, csrfBinding, csrfTokenFor, newCsrfCookieValue, SESSION_COOKIE } from "#app/services/accounts/csrf.server";
import { sweepUnreferencedBlobs } from "#app/services/platform/blob-sweep.server";
import { cleanupAbandonedUploads } from "#app/services/bids/bids.server";
import { channelsFromEnv } from "#app/services/pool/channels.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { startJobWorker } from "#app/services/platform/jobs.server";
import { startSupervisionProjector } from "#app/services/supervision/projector.server";
import { startCheckpointer } from "#app/services/transparency/checkpointer.server";
import { printDemoLogins, seedDemo } from "./seed";
import { boot } from "./boot";
import { attachLive } from "./live";
import { bidApi } from "./bid-api";
import { acceptRequestId, clientIp, contentSecurityPolicy, isOwnOrigin, newNonce, rawCookie, requestStore, validHost } from "./edge";
import { finalErrorHandler, installProcessErrorHandlers, sendError } from "./errors";
import { publicPageCache } from "./page-cache";

// Process-level backstops (ADR 013): before anything else can fail. Until the server is up a fatal
// error just exits; afterwards it shuts down (bounded) and the supervisor restarts the process.
let onFatal: (err: unknown) => void = () => process.exit(1);
installProcessErrorHandlers((err) => onFatal(err));

const config = loadConfig();
const started = Date.now();
// One of several processes sharing the port (WEB_CONCURRENCY, server/cluster.ts): the primary has migrated, seeded
// and created the PKI files before forking; the blob sweep runs in the first worker only.
const worker1 = cluster.isWorker ? cluster.worker?.id === 1 : true;
const booted = await boot(config);
if (config.seedDemo && !cluster.isWorker) {
  const seeded = await seedDemo(booted.app);
  if (seeded) printDemoLogins(seeded.logins, config.dataDir);
}

const buildPath = path.resolve("build/server/index.js");
const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;

const app = express();
app.disable("x-powered-by");
app.set("trust proxy", "loopback");

// The edge (server/edge.ts, ADR 013): a request id (the client's only if it is plain and short),
// the client's address (always a valid IP or null), the CSP nonce and the security headers on
// every response; the rest of the request runs with its id in AsyncLocalStorage for log lines.
app.use((req, res, next) => {
  const id = acceptRequestId(req.headers["x-request-id"]);
  const nonce = newNonce();
  res.locals.requestId = id;
  res.locals.cspNonce = nonce;
  res.locals.clientIp = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"]);
  res.setHeader("X-Request-Id", id);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("Content-Security-Policy", contentSecurityPolicy(nonce, req.headers.host));
  if (config.cookieSecure) res.setHeader("Strict-Transport-Security", "max-age=31536000");
  requestStore.run({ requestId: id }, () => {
    // RFC 9112 §3.2: a request without a usable Host is refused (Remix builds its URL from it).
    if (!validHost(req.headers.host) || (req.headers["x-forwarded-host"] !== undefined && !validHost(req.headers["x-forwarded-host"] as string))) {
      sendError(req, res, { status: 400, code: "MALFORMED_REQUEST", params: {} });
      return;
    }
    next();
  });
});

// Static assets stay cacheable (fingerprinted builds for a year, the rest for an hour).
app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));

// Everything else: `no-store` on every response to a request that carries a session and on every
// HTML page (each one embeds the visitor's CSRF token), and by default; a route's own caching
// (the public Atom feed, public PDFs) is kept only for anonymous, non-HTML responses.
app.use((req, res, next) => {
  const signedIn = rawCookie(req.headers.cookie, SESSION_COOKIE) !== null;
  const writeHead = res.writeHead;
  res.writeHead = function (this: typeof res, ...args: Parameters<typeof res.writeHead>) {
    const type = String(res.getHeader("Content-Type") ?? "");
    if (signedIn || !res.hasHeader("Cache-Control") || /^text\/html\b/i.test(type)) res.setHeader("Cache-Control", "no-store");
    // A route that sets its own framing policy (a bid file shown inside the review room) replaces the edge's
    // instead of adding to it: Remix appends, and two policies would both apply (the stricter wins).
    for (const name of ["Content-Security-Policy", "X-Frame-Options"]) {
      const v = res.getHeader(name);
      if (Array.isArray(v) && v.length > 1) res.setHeader(name, v[v.length - 1]!);
    }
    return writeHead.apply(this, args);
  } as typeof res.writeHead;
  next();
});

app.get("/favicon.ico", (_req, res) => {
  res.status(204).end();
});

app.get("/healthz", (_req, res) => {
  res.json({ ok: true, driver: booted.handle.driver });
});

// CSRF: every visitor gets a random th_csrf cookie; forms echo HMAC(secret, session or cookie).
// Mutating requests from another origin are refused outright (defence in depth).
app.use((req, res, next) => {
  const mutating = !["GET", "HEAD", "OPTIONS"].includes(req.method);
  const origin = req.headers.origin;
  // A present Origin must be this server's: `null` (sandboxed frames, cross-site redirects) and
  // unparsable values are foreign. No Origin (non-browser clients) falls through to the token check.
  if (mutating && origin !== undefined && !isOwnOrigin(origin, req.headers, config.publicUrl)) {
    sendError(req, res, { status: 403, code: "CROSS_ORIGIN", params: {} });
    return;
  }
  let csrf = parseCookie(req.headers.cookie, CSRF_COOKIE);
  if (!csrf) {
    csrf = newCsrfCookieValue();
    res.cookie(CSRF_COOKIE, csrf, { httpOnly: true, sameSite: "lax", secure: config.cookieSecure, path: "/" });
  }
  // Bound to the session when there is one (docs/decisions/014), else to the th_csrf cookie.
  res.locals.csrfToken = csrfTokenFor(config.sessionSecrets[0]!, csrfBinding(parseCookie(req.headers.cookie, SESSION_COOKIE), csrf));
  next();
});

app.use("/api", bidApi(booted.app, { ...booted.app, db: booted.handle.priority }));

const loadContext = (req: express.Request, res: express.Response, values: { csrfToken: string; cspNonce: string }): RequestContext => ({
  app: booted.app,
  ip: (res.locals.clientIp as string | null) ?? null,
  userAgent: req.headers["user-agent"] ?? null,
  requestId: res.locals.requestId as string,
  csrfToken: values.csrfToken,
  cspNonce: values.cspNonce,
});

// The anonymous tender list is rendered once a second at most and served from memory (server/page-cache.ts, ADR 024).
const pageCache = publicPageCache({ build, hub: booted.app.hub, loadContext, ttlMs: config.pageCacheTtlMs });
if (config.pageCacheTtlMs > 0) app.use(pageCache.middleware);

app.all(
  "*",
  createRequestHandler({
    build,
    // Always production: Remix then sanitises errors (no message or stack reaches the browser, in
    // the page data or the last-resort response) whatever NODE_ENV says; entry.server.tsx logs them.
    mode: "production",
    getLoadContext: (req, res): RequestContext => loadContext(req, res, { csrfToken: res.locals.csrfToken as string, cspNonce: res.locals.cspNonce as string }),
  }),
);

// Whatever reaches express's error path (body-parser, a bug) answers in our shape, never express's HTML.
app.use(finalErrorHandler);

// Unreferenced blobs (a refused upload) are swept hourly; the jobs worker takes this over later.
// Abandoned partial bid uploads are deleted first, so their chunks become unreferenced; staged data
// a crash left behind goes too.
const sweep = setInterval(() => {
  if (!worker1) return;
  cleanupAbandonedUploads(booted.app.db)
    .then(() => booted.app.blobs.removeStaleStaged(new Date(Date.now() - 3600_000)))
    .then(() => sweepUnreferencedBlobs(booted.app.db, booted.app.blobs, new Date()))
    .then(
    (deleted) => deleted.length && console.log(`blob sweep: removed ${deleted.length} unreferenced blobs`),
    (e: unknown) => console.error("blob sweep failed", e),
  );
}, 3600_000);
sweep.unref();

// Time-driven steps (confirmation deadlines, outbound notices) survive restarts in the jobs table.
const worker = startJobWorker(booted.app, jobHandlers(channelsFromEnv()));
// Electronic supervision (R65): the lights read model follows the record and the clock, once a second.
const projector = startSupervisionProjector(booted.app);
// The record's transparency log (docs/record-format.md): signed checkpoints as they fall due.
const checkpointer = startCheckpointer(booted.app);

const server = createServer(app);
const live = attachLive(server, booted.app);

server.listen(config.port, config.host, () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.port;
  // The primary announces a clustered server once every worker listens (scripts and tests wait for this line).
  if (cluster.isWorker) console.log(`worker ${cluster.worker?.id} (pid ${process.pid}) listening on port ${port} (started in ${Date.now() - started} ms)`);
  else console.log(`Tenderhall ready on http://${config.host}:${port} (${booted.handle.driver}, started in ${Date.now() - started} ms)`);
});

let stopping = false;
async function shutdown(signal: string, exitCode = 0) {
  if (stopping) {
    if (exitCode !== 0) process.exit(exitCode); // a second fatal error while stopping: no more waiting
    return;
  }
  stopping = true;
  console.log(`${signal}: shutting down`);
  const force = setTimeout(() => process.exit(exitCode || 1), exitCode ? 5_000 : 10_000);
  force.unref();
  clearInterval(sweep);
  pageCache.close();
  live.close();
  server.closeIdleConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await worker.stop();
  await projector.stop();
  await checkpointer.stop();
  await booted.close();
  process.exit(exitCode);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// An uncaught exception: stop accepting work, close the database cleanly, exit 1 (restarted by
// scripts/start.mjs or systemd). Bounded: after 5 s the process exits regardless.
onFatal = () => void shutdown("uncaught exception", 1).catch(() => process.exit(1));

function parseCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=") || null;
  }
  return null;
}
