// Supervision dashboard benchmark (issue 14 §6): the supervisor's dashboard over 10,000 sections at 20 concurrent
// supervisors, on PostgreSQL by default (--driver pglite for the embedded database). Bulk-loads projects and sections
// (a share of them with an objection answer past due, so every light occurs), runs the supervision projector in this
// process until every section has its light row (timed), then starts the real server in a child process and measures
// GET /supervise (a mix of the unfiltered first page, a light filter, a stage filter and a deep page) with a signed-in
// supervisor's session.
// Usage: npx tsx bench/supervision-dashboard.ts [--sections 10000] [--seconds 20] [--supervisors 20] [--driver postgres]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { openDatabase } from "#db/client";
import { objections, projects, sections, users } from "#db/schema/index";
import { createOrganisation, createUser } from "#app/services/accounts/accounts.server";
import { actorForSession, login } from "#app/services/accounts/auth.server";
import { parseDashboardQuery } from "#app/domain/supervision/dashboard-query";
import { supervisionDashboard } from "#app/services/supervision/dashboard.server";
import { systemActor } from "#app/services/platform/actor";
import { projectSupervision } from "#app/services/supervision/projector.server";
import { formatNumber, reportFigures } from "./lib/report";

const { values } = parseArgs({
  options: {
    sections: { type: "string", default: "10000" },
    seconds: { type: "string", default: "20" },
    supervisors: { type: "string", default: "20" },
    driver: { type: "string", default: "postgres" },
    /** Server processes (WEB_CONCURRENCY; PostgreSQL only — the embedded database is one process's). */
    workers: { type: "string", default: "1" },
    "in-process-only": { type: "boolean", default: false },
  },
});
const N = Number(values.sections);
const SECONDS = Number(values.seconds);
const CONNS = Number(values.supervisors);
const PG = values.driver === "postgres";

const dataDir = mkdtempSync(path.join(tmpdir(), "th-bench-sup-"));
const dbName = `th_bench_sup_${Date.now().toString(36)}`;
const admin = PG ? postgres("postgres://127.0.0.1:5432/postgres", { max: 1, onnotice: () => {} }) : null;
if (admin) await admin.unsafe(`create database ${dbName}`);
const databaseUrl = PG ? `postgres://127.0.0.1:5432/${dbName}` : undefined;

const handle = await openDatabase({ databaseUrl, dataDir: path.join(dataDir, "pglite") });
const app = { db: handle.db };
const sys = systemActor();
const password = "bench-password-1";
const tuOrg = await createOrganisation(app, sys, { name: "基准招标人", kind: "tendering_unit", region: "黑龙江省大庆市" });
const tuUser = await createUser(app, sys, { username: "bench-tu", displayName: "基准", password, orgId: tuOrg, role: "tendering_unit" });
const bidderOrg = await createOrganisation(app, sys, { name: "基准投标人", kind: "bidder", region: "黑龙江省" });
const bidderUser = await createUser(app, sys, { username: "bench-bidder", displayName: "投标", password, orgId: bidderOrg, role: "bidder" });
const supOrg = await createOrganisation(app, sys, { name: "大庆市监督局", kind: "supervisor", region: "黑龙江省大庆市", jurisdiction: "黑龙江省大庆市" });
await createUser(app, sys, { username: "bench-sup", displayName: "监督", password, orgId: supOrg, role: "supervisor" });
for (const county of ["萨尔图区", "让胡路区", "肇州县", "肇源县"]) {
  await createOrganisation(app, sys, { name: `${county}监督局`, kind: "supervisor", region: `黑龙江省大庆市${county}`, jurisdiction: `黑龙江省大庆市${county}` });
}

const t0 = performance.now();
const regions = ["黑龙江省大庆市萨尔图区", "黑龙江省大庆市让胡路区", "黑龙江省大庆市肇州县", "黑龙江省大庆市肇源县", "黑龙江省大庆市"];
const now = Date.now();
const day = 86400_000;
for (let i = 0; i < N; i += 500) {
  const batch = Array.from({ length: Math.min(500, N - i) }, (_, j) => {
    const k = i + j;
    // Publication from 0 to 24 days ago: documents on offer for 10 days, bids due after 25 days — green, yellow
    // (≥ 80 % of a period used) and closed periods all occur.
    const published = new Date(now - (k % 25) * day);
    return {
      code: `SUP-BENCH-${k}`,
      title: `基准项目 ${k}`,
      regime: k % 3 === 0 ? ("ZFCG" as const) : ("ZTB" as const),
      profileCode: k % 3 === 0 ? ("ZFCG" as const) : ("ZTB" as const),
      category: (["construction", "goods", "services"] as const)[k % 3]!,
      region: regions[k % regions.length]!,
      tenderingUnitId: tuOrg,
      estimateFen: 1_000_000_00,
      status: "published" as const,
      documentsFrom: published,
      documentsUntil: new Date(published.getTime() + 10 * day),
      questionDeadline: new Date(published.getTime() + 15 * day),
      bidDeadline: new Date(published.getTime() + 25 * day),
      publishedAt: published,
      searchText: `sup-bench-${k} 基准项目 ${k}`,
      createdBy: tuUser,
    };
  });
  const ids = await handle.db.insert(projects).values(batch).returning({ id: projects.id });
  await handle.db.insert(sections).values(
    ids.map((r) => ({ projectId: r.id, seq: 1, code: "01", title: "标段", status: "published" as const, evaluation: { method: "lowest_evaluated_price" as const, criteria: [] }, keyModel: { model: "bidder" as const, threshold: 0, custodians: [] } })),
  );
  // Every 20th project has an objection whose answer is overdue: red.
  const late = ids.filter((_, j) => (i + j) % 20 === 0);
  if (late.length)
    await handle.db.insert(objections).values(late.map((r) => ({ projectId: r.id, orgId: bidderOrg, userId: bidderUser, body: "基准异议", filedAt: new Date(now - 5 * day), answerDueAt: new Date(now - 2 * day) })));
}
const loadS = (performance.now() - t0) / 1000;

const p0 = performance.now();
let passes = 0;
for (;;) {
  const r = await projectSupervision(app);
  passes++;
  if (r && !r.more) break;
}
const projectS = (performance.now() - p0) / 1000;
const session = await login(app, { username: "bench-sup", password, ip: "127.0.0.1", userAgent: "bench" });
// In-process: the dashboard's own queries, without HTTP and rendering.
const actor = await actorForSession(handle.db, session.token, "127.0.0.1", "bench");
const inProcess: number[] = [];
for (let i = 0; i < 10; i++) {
  const s0 = performance.now();
  await supervisionDashboard(handle.db, actor!, parseDashboardQuery(new URLSearchParams(i % 2 ? "light=red" : "")));
  inProcess.push(performance.now() - s0);
}
console.log(`in-process dashboard: ${inProcess.map((x) => x.toFixed(0)).join(" ")} ms`);
void users;
await handle.close();
console.log(`loaded ${N} sections in ${loadS.toFixed(1)} s; projected them in ${projectS.toFixed(1)} s (${passes} passes)`);

if (values["in-process-only"]) {
  if (admin) {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
  process.exit(0);
}
const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : [];
const child = spawn(process.execPath, [...nodeArgs, "build/server-main/index.js"], {
  env: { ...process.env, PORT: "0", DATA_DIR: dataDir, SEED_DEMO: "0", DATABASE_URL: databaseUrl ?? "", NODE_ENV: "production", WEB_CONCURRENCY: values.workers },
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

const paths = ["/supervise", "/supervise?light=red", "/supervise?stage=tendering&regime=ZTB", "/supervise?page=100", "/supervise?region=%E9%BB%91%E9%BE%99%E6%B1%9F%E7%9C%81%E5%A4%A7%E5%BA%86%E5%B8%82%E8%82%87%E5%B7%9E%E5%8E%BF"];
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNS });
const cookie = `th_session=${session.token}`;
let bytes = 0;
const get = (p: string) =>
  new Promise<number>((resolve, reject) => {
    const start = performance.now();
    http
      .get(new URL(p, url), { agent, headers: { cookie } }, (res) => {
        res.on("data", (b: Buffer) => (bytes += b.length));
        res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`status ${res.statusCode} for ${p}`))));
      })
      .on("error", reject);
  });
for (let i = 0; i < 50; i++) await get(paths[i % paths.length]!); // warm-up (and a check that every page answers 200)
bytes = 0;
const latencies: number[] = [];
const byPath = new Map<string, number[]>(paths.map((p) => [p, []]));
let errors = 0;
let turn = 0;
const end = performance.now() + SECONDS * 1000;
await Promise.all(
  Array.from({ length: CONNS }, async () => {
    while (performance.now() < end) {
      try {
        const p = paths[turn++ % paths.length]!;
        const ms = await get(p);
        latencies.push(ms);
        byPath.get(p)!.push(ms);
      } catch {
        errors++;
      }
    }
  }),
);
await new Promise<void>((r) => (child.once("exit", () => r()), child.kill("SIGTERM")));
rmSync(dataDir, { recursive: true, force: true });
if (admin) {
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
latencies.sort((a, b) => a - b);
for (const [p, l] of byPath) {
  l.sort((a, b) => a - b);
  const at = (q: number) => l[Math.min(l.length - 1, Math.floor(q * l.length))]?.toFixed(0);
  console.log(`${decodeURIComponent(p).padEnd(40)} n=${l.length} p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
}
const pct = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1));
console.log(
  JSON.stringify({
    driver: values.driver,
    sections: N,
    supervisors: CONNS,
    workers: Number(values.workers),
    seconds: SECONDS,
    requests: latencies.length,
    errors,
    reqPerSec: Math.round(latencies.length / SECONDS),
    p50ms: pct(50),
    p99ms: pct(99),
    kbPerPage: Math.round(bytes / Math.max(1, latencies.length) / 1024),
    projectionSeconds: Number(projectS.toFixed(1)),
    target: "p99 < 300 ms",
    met: pct(99) < 300 && errors === 0,
  }),
);
reportFigures("supervision-dashboard", [
  { id: "p99", label: `dashboard p99 (${formatNumber(N)} sections, ${CONNS} supervisors, ${PG ? "PostgreSQL" : "PGlite"}, ${values.workers} process(es))`, value: latencies.length ? pct(99) : NaN, unit: "ms", target: { kind: "max", value: 300, strict: true } },
  { id: "errors", label: "dashboard errors", value: errors, unit: "", target: { kind: "max", value: 0 } },
]);
