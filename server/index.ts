import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { loadConfig } from "#app/services/platform/config.server";
import type { RequestContext } from "#app/services/platform/context.server";
import { CSRF_COOKIE, csrfTokenFor, newCsrfCookieValue } from "#app/services/accounts/csrf.server";
import { sweepUnreferencedBlobs } from "#app/services/platform/blob-sweep.server";
import { cleanupAbandonedUploads } from "#app/services/bids/bids.server";
import { channelsFromEnv } from "#app/services/pool/channels.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { startJobWorker } from "#app/services/platform/jobs.server";
import { DEMO_PASSWORD, seedDemo } from "./seed";
import { boot } from "./boot";
import { attachLive } from "./live";
import { bidApi } from "./bid-api";

const config = loadConfig();
const started = Date.now();
const booted = await boot(config);
if (config.seedDemo) {
  const seeded = await seedDemo(booted.app);
  if (seeded) printDemoLogins(seeded.logins);
}

const buildPath = path.resolve("build/server/index.js");
const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;

const app = express();
app.disable("x-powered-by");
app.set("trust proxy", "loopback");

// Request id and security headers on every response.
app.use((req, res, next) => {
  const id = (req.headers["x-request-id"] as string | undefined) ?? randomUUID();
  res.setHeader("X-Request-Id", id);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("Content-Security-Policy", "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'");
  res.locals.requestId = id;
  next();
});

app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));

app.get("/favicon.ico", (_req, res) => {
  res.status(204).end();
});

app.get("/healthz", (_req, res) => {
  res.json({ ok: true, driver: booted.handle.driver });
});

// CSRF: every visitor gets a random th_csrf cookie; forms echo HMAC(secret, cookie).
// Mutating requests from another origin are refused outright (defence in depth).
app.use((req, res, next) => {
  const mutating = !["GET", "HEAD", "OPTIONS"].includes(req.method);
  const origin = req.headers.origin;
  if (mutating && origin && origin !== "null" && new URL(origin).host !== req.headers.host) {
    res.status(403).type("text/plain").send("Cross-origin request refused (CSRF)");
    return;
  }
  let csrf = parseCookie(req.headers.cookie, CSRF_COOKIE);
  if (!csrf) {
    csrf = newCsrfCookieValue();
    res.cookie(CSRF_COOKIE, csrf, { httpOnly: true, sameSite: "lax", secure: config.cookieSecure, path: "/" });
  }
  res.locals.csrfToken = csrfTokenFor(config.sessionSecrets[0]!, csrf);
  next();
});

app.use("/api", bidApi(booted.app));

app.all(
  "*",
  createRequestHandler({
    build,
    mode: config.env,
    getLoadContext: (req, res): RequestContext => ({
      app: booted.app,
      ip: req.ip ?? null,
      userAgent: req.headers["user-agent"] ?? null,
      requestId: res.locals.requestId as string,
      csrfToken: res.locals.csrfToken as string,
    }),
  }),
);

// Unreferenced blobs (a refused upload) are swept hourly; the jobs worker takes this over later.
// Abandoned partial bid uploads are deleted first, so their chunks become unreferenced.
const sweep = setInterval(() => {
  cleanupAbandonedUploads(booted.app.db)
    .then(() => sweepUnreferencedBlobs(booted.app.db, booted.app.blobs, new Date()))
    .then(
    (deleted) => deleted.length && console.log(`blob sweep: removed ${deleted.length} unreferenced blobs`),
    (e: unknown) => console.error("blob sweep failed", e),
  );
}, 3600_000);
sweep.unref();

// Time-driven steps (confirmation deadlines, outbound notices) survive restarts in the jobs table.
const worker = startJobWorker(booted.app, jobHandlers(channelsFromEnv()));

const server = createServer(app);
const live = attachLive(server, booted.app);

server.listen(config.port, config.host, () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.port;
  console.log(`Tenderhall ready on http://${config.host}:${port} (${booted.handle.driver}, started in ${Date.now() - started} ms)`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  clearInterval(sweep);
  live.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await worker.stop();
  await booted.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

function parseCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=") || null;
  }
  return null;
}

function printDemoLogins(logins: { role: string; username: string; password: string; org: string }[]) {
  console.log("\nDemo trading centre seeded. Demo logins (development data only):");
  for (const l of logins) console.log(`  ${l.role.padEnd(15)} ${l.username.padEnd(14)} ${l.password}   ${l.org}`);
  console.log(`Demo certificates (PKCS#12, passphrase ${DEMO_PASSWORD}): ${path.join(config.dataDir, "demo-certs")}/<username>.p12\n`);
}
