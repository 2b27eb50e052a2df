// Opening hall fan-out (docs/product.md §5: 5,000 concurrent WebSocket viewers, 唱标 fan-out p99 < 300 ms).
// A published tender with 3 sealed bids (bidder key model) is prepared through the real
// services in this process: the hall opens, the 3 bidders check in, 2 of them release their
// content keys. The real server then runs in a child process on the same PostgreSQL
// database; `--viewers` anonymous WebSocket connections, spread over `--clients-procs` viewer
// processes (bench/lib/opening-bench.ts), subscribe to `opening:<sectionId>`. When all are
// subscribed, this process releases the last key (the real service: chunks against the
// signed manifest, AES-GCM, plaintext to the blob store, the `opening.progress` command, then
// the 唱标 command `opening.reading`); the event travels by PostgreSQL NOTIFY to the server,
// which sends it to every viewer. Latency per viewer is measured three ways:
//   - from the start of the 唱标 command's transaction in this process (CLOCK_MONOTONIC, shared
//     by all processes on the machine) — the headline figure;
//   - from the moment that transaction's commit returned in this process;
//   - from the event's `at` field (the database clock at the transaction's start, ms precision)
//     against each viewer's wall clock.
// Then `--rounds` smaller events (a bidder's confirmation of the record, `opening.confirmed`)
// are sent `--interval` ms apart and measured the same way.
// Needs `npm run build` and the local PostgreSQL.
// Usage: npx tsx bench/opening-fanout.ts [--viewers 5000] [--clients-procs 2] [--rounds 20] [--interval 500]
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { toBase64 } from "#crypto/seal/format";
import { confirmRecord, openHall, releaseBidKey } from "#app/services/opening/opening.server";
import { checkInAs, tenderWithBids } from "../test/helpers/opening";
import { benchEnv, cpuSeconds, peakRssMiB, percentile, startServer } from "./lib/bid-env";
import type { FromViewer, ToViewer, ViewerEvent } from "./lib/opening-bench";
import { formatNumber, reportFigures } from "./lib/report";

const { values } = parseArgs({
  options: {
    viewers: { type: "string", default: "5000" },
    "clients-procs": { type: "string", default: "2" },
    rounds: { type: "string", default: "20" },
    interval: { type: "string", default: "500" },
    concurrency: { type: "string", default: "100" },
  },
});
const N = Number(values.viewers);
const PROCS = Number(values["clients-procs"]);
const ROUNDS = Number(values.rounds);
const INTERVAL = Number(values.interval);

const monoMs = () => Number(process.hrtime.bigint() / 1000n) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const openFiles = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"));
console.error(`open files limit (soft/hard, inherited by the server and viewer processes): ${openFiles?.[1]}/${openFiles?.[2]}`);

const env = await benchEnv("fanout");
const viewers: { proc: ChildProcess; count: number }[] = [];
let server: Awaited<ReturnType<typeof startServer>> | null = null;
try {
  const t = await tenderWithBids(env.app, 3, "bidder");
  const { sectionId, bidders } = t;
  const channel = `opening:${sectionId}`;
  if ((await openHall(env.app, sectionId)) !== "decryption") throw new Error("hall did not open");
  for (const b of bidders) await checkInAs(env.app, b, sectionId);
  for (const b of bidders.slice(0, 2)) await releaseBidKey(env.app, b.actor, sectionId, toBase64(b.rawKey));

  // Every transaction this process starts through `timed` is timed (start, commit returned).
  const txTimes: { start: number; end: number }[] = [];
  const db = env.app.db;
  const timedDb = new Proxy(db, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === "transaction") {
        return (...args: unknown[]) => {
          const rec = { start: monoMs(), end: NaN };
          txTimes.push(rec);
          return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args).then((r) => {
            rec.end = monoMs();
            return r;
          });
        };
      }
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const timed = { ...env.app, db: timedDb };

  server = await startServer(env);
  const rssIdle = rssMiB(server.pid);
  const perProc = Math.ceil(N / PROCS);
  const readies: Promise<Extract<FromViewer, { kind: "ready" }>>[] = [];
  for (let i = 0; i < PROCS; i++) {
    const count = Math.min(perProc, N - i * perProc);
    if (count <= 0) break;
    const proc = fork("bench/lib/opening-bench.ts", ["--url", server.url, "--channel", channel, "--count", String(count), "--concurrency", values.concurrency!], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    viewers.push({ proc, count });
    readies.push(nextMessage(proc, "ready"));
  }
  const ready = await Promise.all(readies);
  const subscribed = ready.reduce((a, r) => a + r.subscribed, 0);
  console.error(`${subscribed} of ${N} viewers subscribed (${ready.map((r) => `${r.subscribed} in ${(r.connectMs / 1000).toFixed(1)} s`).join(", ")}), ${ready.reduce((a, r) => a + r.failed, 0)} failed`);
  const rssConnected = rssMiB(server.pid);
  await sleep(2000);

  // The 唱标: the last bidder releases its key.
  const cpu0 = server.cpuSeconds();
  const tx0 = txTimes.length;
  const tRelease = monoMs();
  await releaseBidKey(timed, bidders[2]!.actor, sectionId, toBase64(bidders[2]!.rawKey));
  const releaseMs = monoMs() - tRelease;
  if (txTimes.length - tx0 < 2) throw new Error(`expected the progress and reading commands, saw ${txTimes.length - tx0} transactions`);
  const readingSeq = await env.app.hub.latestSeq(channel);
  const tracked = new Map<number, { label: string; start: number; end: number }>([
    [readingSeq - 1, { label: "opening.progress (just before)", ...txTimes.at(-2)! }],
    [readingSeq, { label: "唱标 opening.reading", ...txTimes.at(-1)! }],
  ]);
  await waitForAll([readingSeq], 30_000);
  const cpuReading = server.cpuSeconds() - cpu0;

  // Smaller repeated events: a bidder confirms the record.
  const cpu1 = server.cpuSeconds();
  const confirmSeqs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await confirmRecord(timed, bidders[r % 3]!.actor, sectionId);
    const rec = txTimes.at(-1)!;
    const seq = await env.app.hub.latestSeq(channel);
    tracked.set(seq, { label: "opening.confirmed", ...rec });
    confirmSeqs.push(seq);
    await sleep(INTERVAL);
  }
  await waitForAll(confirmSeqs, 30_000);
  const cpuConfirm = server.cpuSeconds() - cpu1;

  const reports = await Promise.all(viewers.map((v) => request(v.proc)));
  const events = new Map<number, { type: string; at: string; mono: number[]; wall: number[] }>();
  for (const rep of reports)
    for (const e of rep.events) {
      const x = events.get(e.seq) ?? { type: e.type, at: e.at, mono: [], wall: [] };
      x.mono.push(...e.monoMs);
      x.wall.push(...e.wallMs);
      events.set(e.seq, x);
    }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), max: round(s.at(-1) ?? NaN), min: round(s[0] ?? NaN) };
  };
  const measure = (seqs: number[]) => {
    const fromStart: number[] = [];
    const fromCommit: number[] = [];
    const fromAt: number[] = [];
    let received = 0;
    for (const seq of seqs) {
      const e = events.get(seq);
      const tr = tracked.get(seq)!;
      if (!e) continue;
      received += e.mono.length;
      for (const m of e.mono) {
        fromStart.push(m - tr.start);
        fromCommit.push(m - tr.end);
      }
      for (const w of e.wall) fromAt.push(w - Date.parse(e.at));
    }
    return { events: seqs.length, received, expected: seqs.length * subscribed, fromCommandStart: stats(fromStart), fromCommitReturned: stats(fromCommit), fromEventAt: stats(fromAt) };
  };
  const result = {
    viewers: N,
    subscribed,
    clientProcs: viewers.length,
    openFilesLimit: openFiles ? `${openFiles[1]}/${openFiles[2]}` : null,
    reading: { ...measure([readingSeq]), commandMs: round(tracked.get(readingSeq)!.end - tracked.get(readingSeq)!.start), releaseBidKeyMs: round(releaseMs), serverCpuSeconds: round2(cpuReading) },
    progress: measure([readingSeq - 1]),
    confirmed: { ...measure(confirmSeqs), rounds: ROUNDS, intervalMs: INTERVAL, serverCpuSeconds: round2(cpuConfirm) },
    server: { rssIdleMiB: round(rssIdle), rssConnectedMiB: round(rssConnected), peakRssMiB: round(server.peakRssMiB()), cpuSecondsTotal: round(server.cpuSeconds()) },
    viewerProcs: viewers.map((v) => ({ peakRssMiB: round(peakRssMiB(v.proc.pid!)), cpuSeconds: round(cpuSeconds(v.proc.pid!)) })),
    unexpectedCloses: reports.reduce((a, r) => a + r.closed, 0),
    typesSeen: [...events.entries()].map(([seq, e]) => `${seq}:${e.type}`),
  };
  console.log(JSON.stringify(result, null, 2));
  reportFigures("opening-fanout", [
    { id: "readingP99", label: `唱标 fan-out p99 from command start (${formatNumber(subscribed)} viewers)`, value: result.reading.fromCommandStart.p99, unit: "ms", target: { kind: "max", value: 300, strict: true } },
    { id: "readingReceived", label: `viewers that received the 唱标 (of ${formatNumber(N)} started)`, value: result.reading.received, unit: "", target: { kind: "min", value: 5000 } },
  ]);
  const row = (name: string, m: ReturnType<typeof measure>) =>
    `| ${name} | ${m.received} / ${m.expected} | ${m.fromCommandStart.p50} / ${m.fromCommandStart.p99} / ${m.fromCommandStart.max} ms | ${m.fromCommitReturned.p50} / ${m.fromCommitReturned.p99} ms | ${m.fromEventAt.p50} / ${m.fromEventAt.p99} ms |`;
  console.log(`\n${subscribed} viewers in ${viewers.length} processes; server peak RSS ${result.server.peakRssMiB} MiB (idle ${result.server.rssIdleMiB}, connected ${result.server.rssConnectedMiB}); server CPU for the 唱标 ${result.reading.serverCpuSeconds} s`);
  console.log("| event | received | from command start p50 / p99 / max | from commit p50 / p99 | from `at` p50 / p99 |\n|---|---|---|---|---|");
  console.log(row("唱标 (opening.reading)", result.reading));
  console.log(row("opening.progress (same release, just before)", result.progress));
  console.log(row(`opening.confirmed × ${ROUNDS}`, result.confirmed));

  async function waitForAll(seqs: number[], timeoutMs: number) {
    const want = seqs.length * subscribed;
    const until = Date.now() + timeoutMs;
    await sleep(1000); // no report requests while the viewers are still receiving
    for (;;) {
      const reps = await Promise.all(viewers.map((v) => request(v.proc)));
      const got = reps.reduce((a, r) => a + r.events.filter((e: ViewerEvent) => seqs.includes(e.seq)).reduce((b, e) => b + e.monoMs.length, 0), 0);
      if (got >= want || Date.now() > until) return;
      await sleep(500);
    }
  }
} finally {
  for (const v of viewers) v.proc.send({ kind: "exit" } satisfies ToViewer);
  await server?.stop();
  await env.close();
}
process.exit(0);

function request(proc: ChildProcess): Promise<Extract<FromViewer, { kind: "report" }>> {
  const p = nextMessage(proc, "report");
  proc.send({ kind: "report" } satisfies ToViewer);
  return p;
}

function nextMessage<K extends FromViewer["kind"]>(proc: ChildProcess, kind: K): Promise<Extract<FromViewer, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: FromViewer) => {
      if (m.kind !== kind) return;
      proc.off("message", onMsg);
      proc.off("exit", onExit);
      resolve(m as Extract<FromViewer, { kind: K }>);
    };
    const onExit = (code: number | null) => reject(new Error(`viewer process exited ${code}`));
    proc.on("message", onMsg);
    proc.once("exit", onExit);
  });
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

function round(x: number) {
  return Math.round(x * 10) / 10;
}

function round2(x: number) {
  return Math.round(x * 100) / 100;
}
