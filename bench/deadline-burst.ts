// Deadline burst (docs/product.md §5: 1,000 bidders × 5 MB in the last 60 s — 0 accepted bids
// lost, 0 late bids accepted, p99 receipt < 2 s).
// 1,000 bidder organisations with enrolled certificates and sessions are prepared through
// the services; each seals its own 5 MB bid ahead of time (its own content key and manifest
// signature — the sealing happens in each bidder's browser, not on the server). The real
// server on PostgreSQL then gets a bid deadline 60 s ahead (set in the database clock), and
// the bidders start their uploads at random moments in the first `--spread` seconds of that
// minute; a further `--late` bidders finish theirs only after the deadline. Afterwards the
// database is compared with what every bidder was told.
// Needs `npm run build` and the local PostgreSQL.
// Usage: npx tsx bench/deadline-burst.ts [--bidders 1000] [--mb 5] [--window 60] [--spread 50] [--late 20] [--parallel 3] [--chunk-mib 4 (the browser client's chunk size, ADR 032)] [--workers 1]
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { rowsOf } from "#db/client";
import { dbNow } from "#app/services/platform/command.server";
import {
  benchEnv,
  makeBidders,
  percentile,
  preseal,
  publishedSection,
  putChunks,
  request,
  startServer,
  type BenchBidder,
  type Presealed,
} from "./lib/bid-env";
import { formatNumber, reportFigures } from "./lib/report";

const { values } = parseArgs({
  options: {
    bidders: { type: "string", default: "1000" },
    mb: { type: "string", default: "5" },
    window: { type: "string", default: "60" },
    spread: { type: "string", default: "50" },
    late: { type: "string", default: "20" },
    parallel: { type: "string", default: "3" },
    "chunk-mib": { type: "string", default: "4" },
    /** Server processes (WEB_CONCURRENCY, PostgreSQL only; ADR 022). */
    workers: { type: "string", default: "1" },
  },
});
const N = Number(values.bidders);
const LATE = Number(values.late);
const BYTES = Number(values.mb) * 1_000_000;
const WINDOW_MS = Number(values.window) * 1000;
const SPREAD_MS = Number(values.spread) * 1000;
const PARALLEL = Number(values.parallel);

const env = await benchEnv("burst");
const work = mkdtempSync(path.join(tmpdir(), "th-bench-burst-"));
try {
  const { sectionId } = await publishedSection(env.app);
  let t = performance.now();
  const bidders = await makeBidders(env, N + LATE);
  console.error(`${N + LATE} bidders with certificates and sessions in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  t = performance.now();
  const sealed: Presealed[] = [];
  for (const [i, b] of bidders.entries()) {
    sealed.push(
      await preseal(
        b.cert,
        {
          name: "投标文件.bin",
          size: BYTES,
          data: (async function* () {
            yield new Uint8Array(randomBytes(BYTES));
          })(),
        },
        path.join(work, `bid-${i}.sealed`),
        Number(values["chunk-mib"]) * 1024 * 1024,
      ),
    );
  }
  console.error(`sealed ${N + LATE} bids of ${values.mb} MB in ${((performance.now() - t) / 1000).toFixed(0)} s`);

  const server = await startServer(env, { WEB_CONCURRENCY: values.workers! });
  // The deadline, in the database clock, one window from now.
  const now = await dbNow(env.app.db);
  const deadline = new Date(now.getTime() + WINDOW_MS);
  await env.app.db.execute(sql`update projects set bid_deadline = ${deadline.toISOString()}::timestamptz where id = (select project_id from sections where id = ${sectionId}::uuid)`);
  const skew = Date.now() - now.getTime(); // local clock minus database clock (same machine: ~0)
  const atDb = (dbMs: number) => dbMs + skew;
  console.error(`deadline ${deadline.toISOString()}; ${N} bidders start in the next ${values.spread} s, ${LATE} complete after the deadline`);

  type Outcome = { i: number; late: boolean; status: number; body: string; receiptMs: number; totalMs: number; receivedAt: string | null; bidId: string | null; phase: string };
  const outcomes: Outcome[] = [];
  const cpu0 = server.cpuSeconds();
  const clientCpu0 = process.cpuUsage();

  async function run(i: number, b: BenchBidder, s: Presealed, startAt: number, completeNotBefore: number | null): Promise<void> {
    await sleepUntil(startAt);
    const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });
    const headers = { cookie: b.session.cookie, "x-csrf-token": b.session.csrf };
    const t0 = performance.now();
    let phase = "begin";
    try {
      const begin = await request(agent, server.url, "POST", `/api/sections/${sectionId}/uploads`, { ...headers, "content-type": "application/json" }, Buffer.from(JSON.stringify({ certificateId: b.cert.certificateId, chunkSize: s.chunkSize, files: s.declared, recipients: s.recipients })));
      if (begin.status !== 200) {
        outcomes.push({ i, late: completeNotBefore !== null, status: begin.status, body: begin.body, receiptMs: NaN, totalMs: performance.now() - t0, receivedAt: null, bidId: null, phase });
        return;
      }
      const { uploadId } = JSON.parse(begin.body) as { uploadId: string };
      phase = "chunks";
      try {
        await putChunks(agent, server.url, (c) => `/api/uploads/${uploadId}/chunks/${c.file}/${c.chunk}`, headers, s, PARALLEL);
      } catch (e) {
        outcomes.push({ i, late: completeNotBefore !== null, status: 0, body: String(e), receiptMs: NaN, totalMs: performance.now() - t0, receivedAt: null, bidId: null, phase });
        return;
      }
      if (completeNotBefore !== null) await sleepUntil(completeNotBefore);
      phase = "complete";
      const c0 = performance.now();
      const done = await request(agent, server.url, "POST", `/api/uploads/${uploadId}/complete`, { ...headers, "content-type": "application/json" }, Buffer.from(JSON.stringify({ manifest: s.manifest, signature: s.signature })));
      const receipt = done.status === 200 ? (JSON.parse(done.body) as { bidId: string; receivedAt: string }) : null;
      outcomes.push({ i, late: completeNotBefore !== null, status: done.status, body: done.body, receiptMs: performance.now() - c0, totalMs: performance.now() - t0, receivedAt: receipt?.receivedAt ?? null, bidId: receipt?.bidId ?? null, phase });
    } finally {
      agent.destroy();
    }
  }

  const startLocal = Date.now();
  await Promise.all([
    ...bidders.slice(0, N).map((b, i) => run(i, b, sealed[i]!, startLocal + Math.random() * SPREAD_MS, null)),
    // Late bidders: upload in the last seconds, then complete 0.5–3 s after the deadline.
    ...bidders.slice(N).map((b, j) => run(N + j, b, sealed[N + j]!, atDb(deadline.getTime()) - 8000, atDb(deadline.getTime()) + 500 + Math.random() * 2500)),
  ]);
  const cpu = server.cpuSeconds() - cpu0;
  const clientCpu = process.cpuUsage(clientCpu0);
  const peak = server.peakRssMiB();
  await server.stop();

  // What the database holds, against what each bidder was told.
  const stored = rowsOf<{ id: string; received_at: string; late: boolean; status: string }>(
    await env.app.db.execute(sql`select b.id, b.received_at::text, b.received_at >= p.bid_deadline as late, b.status from bids b join sections s on s.id = b.section_id join projects p on p.id = s.project_id where b.section_id = ${sectionId}::uuid`),
  );
  const byId = new Map(stored.map((r) => [r.id, r]));
  const accepted = outcomes.filter((o) => o.status === 200);
  const lost = accepted.filter((o) => !byId.has(o.bidId!) || byId.get(o.bidId!)!.status !== "submitted");
  const lateAccepted = stored.filter((r) => r.late).length + accepted.filter((o) => new Date(o.receivedAt!) >= deadline).length;
  const onTime = outcomes.filter((o) => !o.late);
  const refusedOnTime = onTime.filter((o) => o.status !== 200);
  const lateOnes = outcomes.filter((o) => o.late);
  const receipts = accepted.map((o) => o.receiptMs).sort((a, b) => a - b);
  const totals = accepted.map((o) => o.totalMs).sort((a, b) => a - b);
  const reasons = new Map<string, number>();
  for (const o of outcomes.filter((x) => x.status !== 200)) {
    const code = /"code":"(\w+)"/.exec(o.body)?.[1] ?? String(o.status || o.body.slice(0, 80));
    const rule = /RULE_R\d+\w*/.exec(o.body)?.[0];
    const key = `${o.late ? "late" : "on time"} / ${o.phase} / ${rule ?? code}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  const result = {
    bidders: N,
    lateBidders: LATE,
    mb: Number(values.mb),
    chunkMiB: Number(values["chunk-mib"]),
    serverProcesses: Number(values.workers),
    windowSeconds: WINDOW_MS / 1000,
    spreadSeconds: SPREAD_MS / 1000,
    accepted: accepted.length,
    acceptedLost: lost.length,
    lateAccepted,
    onTimeRefused: refusedOnTime.length,
    lateRefused: lateOnes.filter((o) => o.status !== 200).length,
    refusals: Object.fromEntries(reasons),
    receiptP50ms: Math.round(percentile(receipts, 50)),
    receiptP99ms: Math.round(percentile(receipts, 99)),
    receiptMaxMs: Math.round(receipts.at(-1) ?? NaN),
    uploadP50ms: Math.round(percentile(totals, 50)),
    uploadP99ms: Math.round(percentile(totals, 99)),
    serverPeakRssMiB: Math.round(peak),
    serverCpuPercentOfCore: Math.round((cpu / ((Date.now() - startLocal) / 1000)) * 100),
    clientCpuPercentOfCore: Math.round(((clientCpu.user + clientCpu.system) / 1e6 / ((Date.now() - startLocal) / 1000)) * 100),
  };
  console.log(JSON.stringify(result, null, 2));
  const scope = `${formatNumber(N)} bidders × ${values.mb} MB in ${WINDOW_MS / 1000} s`;
  reportFigures("deadline-burst", [
    { id: "acceptedLost", label: `accepted bids lost (${scope})`, value: lost.length, unit: "", target: { kind: "max", value: 0 } },
    { id: "lateAccepted", label: `late bids accepted (${LATE} late)`, value: lateAccepted, unit: "", target: { kind: "max", value: 0 } },
    { id: "receiptP99", label: `receipt p99 (${scope})`, value: result.receiptP99ms, unit: "ms", target: { kind: "max", value: 2000, strict: true } },
    { id: "onTimeRefused", label: "on-time bidders refused at the deadline", value: refusedOnTime.length, unit: "", target: { kind: "max", value: 0 } },
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
  await env.close();
}
process.exit(0);

function sleepUntil(localMs: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, localMs - Date.now())));
}
