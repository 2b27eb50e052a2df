#!/usr/bin/env node
// `npm start`: builds if needed, then starts the server (migrations run at start) and seeds
// the demo trading centre once on an empty database. Nothing else to install or configure.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { supervise } from "./supervise.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
process.chdir(root);

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

// Rebuilt when a source is newer than its build: the Remix app (build/server) and the compiled server
// (build/server-main, scripts/build-server.mjs), so production runs plain JavaScript, not tsx.
const sourcesNewest = () => Math.max(...["app", "server", "db", "crypto", "expert-pool"].map(newest), statSync("remix.config.js").mtimeMs);
const stale = (file) => !existsSync(file) || statSync(file).mtimeMs < sourcesNewest();
if (stale("build/server/index.js")) {
  console.log("Building the app (remix build)…");
  const r = spawnSync(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "build"], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (stale("build/server-main/index.js")) {
  const r = spawnSync(process.execPath, ["scripts/build-server.mjs"], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// The migrated empty database a new data folder starts from (db/template.ts): rebuilt when the migrations changed.
{
  const r = spawnSync(process.execPath, ["build/server-main/db-template.js"], { stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// The server runs as a supervised child: restarted with back-off when it exits unexpectedly (an
// uncaught exception exits it on purpose, ADR 013), never after SIGINT/SIGTERM.
const server = supervise({
  command: process.execPath,
  args: ["--enable-source-maps", "build/server-main/index.js"],
  env: { SEED_DEMO: "1", ...process.env },
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.stop(sig));
server.done.then((code) => process.exit(code));
