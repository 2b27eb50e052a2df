// Portal benchmark (docs/product.md §5): the public tender list over 10,000 tenders at 50
// concurrent keep-alive connections. Starts the real server (embedded PGlite, or PostgreSQL with
// --database-url: a fresh database is created beside the given one and dropped) in a child process,
// bulk-loads tenders, then measures req/s and latency percentiles. The load comes from this Node
// process (the default, as every figure in BENCHMARKS.md) or from `wrk` (`--client wrk`, Debian
// package wrk): a C client that drives more requests per second but, on two cores shared with the
// server, shows a tail the server's own health probe does not (BENCHMARKS.md, "Public portal").
// Usage: npx tsx bench/portal.ts [--tenders 10000] [--seconds 20] [--connections 50] [--path /]
//        [--client wrk|node] [--database-url postgres://…]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "#db/client";
import { projects, sections } from "#db/schema/index";
import postgres from "postgres";
import { formatNumber, reportFigures } from "./lib/report";

const { values } = parseArgs({
  options: {
    tenders: { type: "string", default: "10000" },
    seconds: { type: "string", default: "20" },
    connections: { type: "string", default: "50" },
    path: { type: "string", default: "/" },
    client: { type: "string", default: "node" },
    "database-url": { type: "string" },
  },
});
if (values.client !== "wrk" && values.client !== "node") throw new Error("--client is wrk or node");
const N = Number(values.tenders);
const SECONDS = Number(values.seconds);
const CONNS = Number(values.connections);

const dataDir = mkdtempSync(path.join(tmpdir(), "th-bench-"));

// PostgreSQL: a database of its own for this run.
let databaseUrl = "";
let dropDatabase = async () => {};
if (values["database-url"]) {
  const admin = postgres(values["database-url"], { max: 1, onnotice: () => {} });
  const name = `th_bench_portal_${process.pid}`;
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(values["database-url"]);
  u.pathname = `/${name}`;
  databaseUrl = u.toString();
  dropDatabase = async () => {
    const a = postgres(values["database-url"]!, { max: 1, onnotice: () => {} });
    await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  };
}
const DB_LABEL = databaseUrl ? "PostgreSQL" : "PGlite";

// 1. Seed the demo centre once through the server, then stop it and bulk-load tenders.
async function runServer(seed: boolean): Promise<{ url: string; stop(): Promise<void>; pid: number }> {
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : [];
  const child = spawn(process.execPath, [...nodeArgs, "build/server-main/index.js"], {
    env: { ...process.env, PORT: "0", DATA_DIR: dataDir, SEED_DEMO: seed ? "1" : "0", DATABASE_URL: databaseUrl, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => {
      out += b;
      const m = /ready on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (c) => reject(new Error(`server exited ${c}`)));
  });
  return { url, pid: child.pid!, stop: () => new Promise((r) => (child.once("exit", () => r()), child.kill("SIGTERM"))) };
}

const first = await runServer(true);
await first.stop();

const handle = await openDatabase(databaseUrl ? { databaseUrl } : { dataDir: path.join(dataDir, "pglite") });
const [owner] = await handle.db.select().from(projects).limit(1);
if (!owner) throw new Error("seed missing");
const t0 = performance.now();
const regions = ["黑龙江省大庆市", "黑龙江省哈尔滨市", "黑龙江省齐齐哈尔市", "黑龙江省牡丹江市"];
const words = ["教学楼", "道路", "供热管网", "污水处理厂", "智慧校园", "医院门诊楼", "体育馆", "办公设备", "绿化养护", "物业服务"];
for (let i = 0; i < N; i += 500) {
  const batch = Array.from({ length: Math.min(500, N - i) }, (_, j) => {
    const k = i + j;
    const title = `大庆市${words[k % words.length]}项目（批次${k}）`;
    const published = new Date(Date.now() - (k % 60) * 86400_000);
    return {
      ...owner,
      id: undefined as unknown as string,
      code: `BENCH-${k}`,
      title,
      region: regions[k % regions.length]!,
      publishedAt: published,
      bidDeadline: new Date(published.getTime() + 25 * 86400_000),
      searchText: `bench-${k} ${title} ${regions[k % regions.length]}`.toLowerCase(),
      status: "published" as const,
    };
  }).map(({ id: _id, ...r }) => r);
  const ids = await handle.db.insert(projects).values(batch).returning({ id: projects.id });
  await handle.db.insert(sections).values(
    ids.map((r) => ({ projectId: r.id, seq: 1, code: "01", title: "标段", evaluation: { method: "lowest_evaluated_price" as const, criteria: [] }, keyModel: { model: "bidder" as const, threshold: 0, custodians: [] } })),
  );
}
await handle.close();
console.log(`loaded ${N} tenders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// 2. Serve and measure.
const server = await runServer(false);
const target = new URL(values.path!, server.url);
type Result = { requests: number; errors: number; reqPerSec: number; p50ms: number; p99ms: number };

/** The Node client: CONNS loops of keep-alive GETs from this process. */
async function measureNode(): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNS });
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const start = performance.now();
      http
        .get(target, { agent }, (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`status ${res.statusCode}`))));
        })
        .on("error", reject);
    });
  for (let i = 0; i < 200; i++) await get(); // warm-up
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNS }, async () => {
      while (performance.now() < end) {
        try {
          latencies.push(await get());
        } catch {
          errors++;
        }
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { requests: latencies.length, errors, reqPerSec: Math.round(latencies.length / SECONDS), p50ms: pct(50), p99ms: pct(99) };
}

/** wrk: one thread, CONNS connections, its own latency distribution (--latency); a request is an error after 10 s. */
function measureWrk(): Result {
  const run = (seconds: number) => execFileSync("wrk", ["-t1", `-c${CONNS}`, `-d${seconds}s`, "--timeout", "10s", "--latency", target.href], { encoding: "utf8" });
  run(2); // warm-up
  const out = run(SECONDS);
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(out);
    if (!m) throw new Error(`wrk output without ${label}%: ${out}`);
    return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  console.error(out);
  return { requests, errors, reqPerSec: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)), p50ms: ms("50"), p99ms: ms("99") };
}

const r = values.client === "wrk" ? measureWrk() : await measureNode();
await server.stop();
rmSync(dataDir, { recursive: true, force: true });
await dropDatabase();
console.log(JSON.stringify({ tenders: N, connections: CONNS, seconds: SECONDS, path: values.path, client: values.client, database: DB_LABEL, ...r }));
const scope = `${formatNumber(N)} tenders, ${CONNS} connections, ${DB_LABEL}, ${values.client} client${values.path === "/" ? "" : `, ${values.path}`}`;
// Search and filters: "within 2× of that" (issue 15 item 6) — half the throughput, twice the p99.
const factor = values.path === "/" ? 1 : 2;
reportFigures(`portal${databaseUrl ? "-postgres" : ""}${values.path === "/" ? "" : "-search"}`, [
  { id: "reqPerSec", label: `tender list req/s (${scope})`, value: r.reqPerSec, unit: "req/s", target: { kind: "min", value: 800 / factor } },
  { id: "p99", label: `tender list p99 (${scope})`, value: r.p99ms, unit: "ms", target: { kind: "max", value: 100 * factor, strict: true } },
  { id: "errors", label: "tender list errors", value: r.errors, unit: "", target: { kind: "max", value: 0 } },
]);
