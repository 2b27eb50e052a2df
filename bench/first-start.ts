// First start (issue 15 item 7; targets: first start < 15 s, restart < 5 s): the compiled server
// (`node build/server-main/index.js`, from `npm run build`) on a new, empty data folder with the embedded database
// and the demo seed — time from spawning the process until `GET /` answers 200 (migrations, PKI and secrets
// generated, demo centre seeded, Remix build loaded); then stopped (SIGTERM) and started again on the same folder,
// timed the same way. Listens on 127.0.0.1, port chosen by the system.
// Usage: npx tsx bench/first-start.ts [--restarts 1]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { reportFigures } from "./lib/report";

const { values } = parseArgs({ options: { restarts: { type: "string", default: "1" }, "timeout-s": { type: "string", default: "120" } } });
const TIMEOUT_MS = Number(values["timeout-s"]) * 1000;
const dataDir = mkdtempSync(path.join(tmpdir(), "th-bench-first-start-"));

function get200(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get(url, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200));
      })
      .on("error", () => resolve(false));
  });
}

/** Spawns the server and resolves when `GET /` answers 200: milliseconds from spawn to the "ready" line and to the 200. */
async function start(): Promise<{ readyMs: number; firstPageMs: number; stop(): Promise<void> }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["build/server-main/index.js"], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, SEED_DEMO: "1", DATABASE_URL: "", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stop = () => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : (child.once("exit", () => r()), child.kill("SIGTERM"))));
  let out = "";
  const ready = await new Promise<{ url: string; ms: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready on" line within ${TIMEOUT_MS} ms: ${out.slice(-2000)}`)), TIMEOUT_MS);
    child.stdout!.on("data", (b: Buffer) => {
      out += b;
      if (process.env.BENCH_VERBOSE) process.stderr.write(b);
      const m = /ready on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, ms: performance.now() - t0 });
      }
    });
    child.once("exit", (c) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${c}: ${out.slice(-2000)}`));
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  for (;;) {
    if (await get200(`${ready.url}/`)) break;
    if (performance.now() - t0 > TIMEOUT_MS) {
      await stop();
      throw new Error(`GET / did not answer 200 within ${TIMEOUT_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { readyMs: ready.ms, firstPageMs: performance.now() - t0, stop };
}

try {
  const first = await start();
  await first.stop();
  console.log(`first start (empty data folder, demo seed): "ready" after ${(first.readyMs / 1000).toFixed(2)} s, GET / 200 after ${(first.firstPageMs / 1000).toFixed(2)} s`);
  const restarts: number[] = [];
  for (let i = 0; i < Math.max(1, Number(values.restarts)); i++) {
    const again = await start();
    await again.stop();
    restarts.push(again.firstPageMs);
    console.log(`restart ${i + 1} (same data folder): "ready" after ${(again.readyMs / 1000).toFixed(2)} s, GET / 200 after ${(again.firstPageMs / 1000).toFixed(2)} s`);
  }
  const s = (ms: number) => Math.round(ms / 10) / 100;
  reportFigures("first-start", [
    { id: "firstStart", label: "first start: spawn → GET / 200 (empty data folder, PGlite, demo seed)", value: s(first.firstPageMs), unit: "s", target: { kind: "max", value: 15, strict: true } },
    { id: "restart", label: `restart on the same data folder: spawn → GET / 200${restarts.length > 1 ? ` (slowest of ${restarts.length})` : ""}`, value: s(Math.max(...restarts)), unit: "s", target: { kind: "max", value: 5, strict: true } },
  ]);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
