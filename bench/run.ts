// Every benchmark in one command (issue 15 item 1): `npm run bench` builds once (`npm run build`: the Remix app
// and the compiled server), then runs each bench of bench/ in its own child process, one after another, with
// BENCH_RESULT_FILE set so each records its figures (bench/lib/report.ts), and prints one Markdown table: each
// figure, the baseline measured in the same run, the ratio, the target and met/missed. A bench that fails is a
// "failed" row with its exit code, and the run goes on. A full run then rewrites the generated section of
// BENCHMARKS.md (between the bench:summary markers) with the date, the machine and the table.
// Usage: npm run bench [-- --quick] [-- --only portal,expert-draw] [-- --no-write] [-- --skip-build]
//   --quick: reduced sizes, the whole run under 5 minutes on 2 cores; figures are marked where the reduced size
//            makes them not comparable to the target; BENCHMARKS.md is not written.
//   --only:  a comma-separated selection of the benches below (names, prefixes or words of names: portal,draw).
//   --no-write: print the table only.
// Bench logs go to stderr; the table (and only it) goes to stdout.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { formatNumber, formatTable, parseResults, replaceSection, type Row } from "./lib/report";

type Spec = {
  name: string;
  /** The bench file under bench/ (default: the name). */
  script?: string;
  full: string[];
  quick: string[];
  /** Figure ids whose quick value is comparable to the target ("all": every figure of the bench). */
  quickComparable: "all" | string[];
  /** Which arguments are added when the local PostgreSQL answers. */
  withPostgres?: (url: string) => string[];
};

/**
 * Full size: the arguments BENCHMARKS.md's figures were measured with. Quick: small enough that the whole run
 * (build included) stays under 5 minutes on 2 cores. Comparable under --quick are only the figures whose work per
 * unit does not depend on the reduced size: sealing throughput per byte, the award notice and report signatures (the
 * same documents, fewer runs), and the server's start. Everything measured under a load (connections, bidders,
 * viewers, rooms, pool and table sizes) is not.
 */
/** The portal's search-and-filter case: a Chinese substring search within a region. */
const PORTAL_SEARCH = "/?q=教学楼&region=黑龙江省大庆市";

const BENCHES: Spec[] = [
  { name: "first-start", full: [], quick: [], quickComparable: "all" },
  { name: "portal", full: ["--tenders", "10000", "--seconds", "15", "--connections", "50"], quick: ["--tenders", "1000", "--seconds", "5", "--connections", "50"], quickComparable: [] },
  { name: "portal-search", script: "portal", full: ["--tenders", "10000", "--seconds", "15", "--connections", "50", "--path", PORTAL_SEARCH], quick: ["--tenders", "1000", "--seconds", "5", "--connections", "50", "--path", PORTAL_SEARCH], quickComparable: [] },
  {
    name: "portal-postgres",
    script: "portal",
    full: ["--tenders", "10000", "--seconds", "15", "--connections", "50"],
    quick: ["--tenders", "1000", "--seconds", "5", "--connections", "50"],
    quickComparable: [],
    withPostgres: (url) => ["--database-url", url],
  },
  {
    name: "expert-draw",
    full: ["--experts", "100000", "--draws", "50"],
    quick: ["--experts", "5000", "--draws", "10"],
    quickComparable: [],
    withPostgres: (url) => ["--database-url", url],
  },
  { name: "sealing", full: ["--mib", "1024", "--runs", "2"], quick: ["--mib", "256", "--runs", "1"], quickComparable: "all" },
  { name: "bid-ingest", full: ["--mib", "1024", "--runs", "2"], quick: ["--mib", "128", "--runs", "1"], quickComparable: [] },
  {
    name: "deadline-burst",
    full: ["--bidders", "1000", "--mb", "5", "--window", "60", "--spread", "50", "--late", "20"],
    quick: ["--bidders", "20", "--mb", "1", "--window", "12", "--spread", "6", "--late", "2"],
    quickComparable: [],
  },
  { name: "opening-fanout", full: ["--viewers", "5000", "--clients-procs", "2"], quick: ["--viewers", "500", "--clients-procs", "1", "--rounds", "5", "--interval", "200"], quickComparable: [] },
  // Figures verify-<n> (MB/s against the raw pipeline measured in the same run, ≥ 50 %) and wall-<n> (< 60 s), n in flight.
  { name: "opening-decrypt", full: ["--bids", "200", "--mib", "50", "--concurrency", "2,4"], quick: ["--bids", "8", "--mib", "4", "--concurrency", "2,4", "--breakdown-mib", "32"], quickComparable: [] },
  {
    name: "evaluation",
    full: ["--rooms", "21", "--members", "7", "--seconds", "300", "--report-rooms", "3"],
    quick: ["--quick", "--rooms", "2", "--members", "7", "--seconds", "10", "--report-rooms", "1"],
    quickComparable: ["reportSignMedian", "reportSignMax"],
  },
  { name: "award-notice", full: ["--runs", "40"], quick: ["--runs", "10"], quickComparable: "all" },
  { name: "report-signing", full: ["--pages", "10", "--members", "7", "--runs", "3"], quick: ["--pages", "10", "--members", "7", "--runs", "1"], quickComparable: "all" },
  {
    name: "supervision-dashboard",
    full: ["--sections", "10000", "--seconds", "20", "--supervisors", "20"],
    quick: ["--sections", "2000", "--seconds", "5", "--supervisors", "20"],
    quickComparable: [],
  },
];

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "no-write": { type: "boolean", default: false },
    "skip-build": { type: "boolean", default: false },
    "timeout-s": { type: "string" },
  },
});
const QUICK = values.quick;
const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);
const PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** Per bench: a hung bench is stopped (its whole process group) and reported as failed. */
const TIMEOUT_MS = Number(values["timeout-s"] ?? (QUICK ? 240 : 4 * 3600)) * 1000;

function select(only: string | undefined): Spec[] {
  if (!only) return BENCHES;
  const picked: Spec[] = [];
  for (const want of only.split(",").map((s) => s.trim()).filter(Boolean)) {
    // A name, a prefix of one, or one of its dash-separated words ("draw" → expert-draw, "opening" → both opening benches).
    const exact = BENCHES.filter((b) => b.name === want);
    const hits = exact.length ? exact : BENCHES.filter((b) => b.name.startsWith(want) || b.name.split("-").includes(want));
    if (!hits.length) {
      console.error(`--only: "${want}" is not a bench; benches: ${BENCHES.map((b) => b.name).join(", ")}`);
      process.exit(2);
    }
    for (const hit of hits) if (!picked.includes(hit)) picked.push(hit);
  }
  return BENCHES.filter((b) => picked.includes(b));
}
const selected = select(values.only);

async function postgresVersion(): Promise<string | null> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql<{ server_version: string }[]>`show server_version`;
    return row?.server_version ?? null;
  } catch {
    return null;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

function machine(pg: string | null): string {
  const cpus = os.cpus();
  const models = [...new Set(cpus.map((c) => c.model.trim()))].join(" / ") || "unknown CPU";
  return `${models} × ${cpus.length}, ${formatNumber(os.totalmem() / 1024 ** 3, 1)} GiB memory, Node ${process.version}, PostgreSQL ${pg ?? "not reachable"}`;
}

function utcDate(): string {
  try {
    return execFileSync("date", ["-u"], { encoding: "utf8" }).trim();
  } catch {
    return new Date().toUTCString();
  }
}

let current: ChildProcess | null = null;
const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal); // the bench and the servers/viewers it started
  } catch {
    /* already gone */
  }
};
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (current) killGroup(current, "SIGTERM");
    process.exit(130);
  });
}

function runBench(spec: Spec, args: string[], resultFile: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", `bench/${spec.script ?? spec.name}.ts`, ...args], {
      cwd: root,
      env: { ...process.env, BENCH_RESULT_FILE: resultFile, HOST: "127.0.0.1" },
      stdio: ["ignore", 2, 2], // the bench's own output goes to stderr; stdout is the table's
      detached: true, // its own process group, so a hung bench can be stopped with everything it started
    });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`[bench] ${spec.name}: no result after ${TIMEOUT_MS / 1000} s, stopping it`);
      killGroup(child, "SIGTERM");
      setTimeout(() => killGroup(child, "SIGKILL"), 10_000).unref();
    }, TIMEOUT_MS);
    let settled = false;
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      current = null;
      if (child.pid) killGroup(child, "SIGKILL"); // anything it left behind (a server it did not stop)
      resolve({ code, signal, timedOut });
    };
    child.on("error", (e) => {
      console.error(`[bench] ${spec.name}: ${e.message}`);
      if (child.pid === undefined) done(null, null); // could not be spawned at all
    });
    child.on("close", done);
  });
}

const runStarted = Date.now();
const durations: string[] = [];
if (!values["skip-build"]) {
  const b0 = Date.now();
  console.error("[bench] npm run build");
  const build = spawnSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", 2, 2] });
  if (build.status !== 0) {
    console.error(`[bench] npm run build failed (exit code ${build.status}); no bench was run`);
    process.exit(build.status ?? 1);
  }
  durations.push(`build ${Math.round((Date.now() - b0) / 1000)} s`);
}

const pg = await postgresVersion();
const work = mkdtempSync(path.join(os.tmpdir(), "th-bench-run-"));
const rows: Row[] = [];
try {
  for (const spec of selected) {
    const args = [...(QUICK ? spec.quick : spec.full), ...(pg && spec.withPostgres ? spec.withPostgres(PG_URL) : [])];
    const resultFile = path.join(work, `${spec.name}.jsonl`);
    writeFileSync(resultFile, "");
    console.error(`\n[bench] ${spec.name} ${args.join(" ")}`);
    const t0 = Date.now();
    const r = await runBench(spec, args, resultFile);
    const seconds = Math.round((Date.now() - t0) / 1000);
    durations.push(`${spec.name} ${seconds} s`);
    const lines = parseResults(readFileSync(resultFile, "utf8"));
    for (const line of lines)
      for (const figure of line.figures) {
        const comparable = !QUICK || spec.quickComparable === "all" || spec.quickComparable.includes(figure.id);
        rows.push({ bench: line.bench, figure, comparable });
      }
    if (r.timedOut || r.code !== 0 || r.signal) {
      rows.push({ bench: spec.name, failed: { exitCode: r.code, signal: r.signal, reason: r.timedOut ? `stopped after ${TIMEOUT_MS / 1000} s` : undefined } });
    } else if (!lines.length) {
      rows.push({ bench: spec.name, failed: { exitCode: r.code, reason: "no figures reported" } });
    }
    console.error(`[bench] ${spec.name}: ${r.code === 0 ? "done" : `failed (exit code ${r.code}${r.signal ? `, signal ${r.signal}` : ""})`} in ${seconds} s`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const totalS = Math.round((Date.now() - runStarted) / 1000);
durations.push(`total ${Math.floor(totalS / 60)} min ${totalS % 60} s`);

const date = utcDate();
const partial = values.only ? ` Only these benches were run: ${selected.map((b) => b.name).join(", ")}.` : "";
const body = [
  `## Summary — generated by \`npm run bench\`${QUICK ? " --quick" : ""}`,
  "",
  `${QUICK ? "**Quick run** (reduced sizes; figures marked “not comparable” cannot be held against their target). " : ""}` +
    `Measured ${date} on ${machine(pg)}. Each baseline is measured in the same run as its figure; the ratio is figure / baseline. ` +
    `Generated by bench/run.ts — do not edit by hand; the per-benchmark sections below keep the history and the analysis.${partial}`,
  "",
  formatTable(rows),
  "",
  `Durations: ${durations.join(", ")}.`,
].join("\n");
process.stdout.write(`\n${body}\n`);

if (!QUICK && !values["no-write"]) {
  const file = path.join(root, "BENCHMARKS.md");
  writeFileSync(file, replaceSection(readFileSync(file, "utf8"), body));
  console.error(`[bench] BENCHMARKS.md: generated section rewritten`);
}
process.exit(rows.some((r) => "failed" in r) ? 1 : 0);
