// Ingest benchmark (docs/product.md §5: sealed-bid ingest over loopback HTTP ≥ 70 % of a raw Node
// HTTP sink's throughput on the same file; server RSS < 250 MB for a 1 GiB bid).
// One 1 GiB bid is sealed ahead of time (so the client's cost is only reading and sending);
// then, in the same run and alternating, the same ciphertext chunks with the same
// concurrency go to (a) a raw Node HTTP sink that discards them, (b) a raw sink that stores
// each one as the blob store does (temp file, SHA-256, fsync, rename), and (c) the real server
// on PostgreSQL (session, CSRF, deadline check, R18 check, blob store, chunk row) followed by
// the completing command that verifies the signed manifest and signs the receipt.
// Needs `npm run build` and the local PostgreSQL.
// Usage: npx tsx bench/bid-ingest.ts [--mib 1024] [--chunk-mib 4 (the browser client's chunk size, ADR 032)] [--parallel 3] [--runs 2]
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { benchEnv, makeBidders, MiB, preseal, publishedSection, putChunks, spawnReady, startServer, uploadBid } from "./lib/bid-env";
import { formatNumber, reportFigures } from "./lib/report";

const { values } = parseArgs({
  options: {
    mib: { type: "string", default: "1024" },
    "chunk-mib": { type: "string", default: "4" },
    parallel: { type: "string", default: "3" },
    runs: { type: "string", default: "2" },
  },
});
const SIZE = Number(values.mib) * MiB;
const CHUNK = Number(values["chunk-mib"]) * MiB;
const PARALLEL = Number(values.parallel);

const env = await benchEnv("ingest");
const work = mkdtempSync(path.join(tmpdir(), "th-bench-ingest-"));
try {
  const { sectionId } = await publishedSection(env.app);
  const [bidder] = await makeBidders(env, 1);
  const t0 = performance.now();
  const sealed = await preseal(
    bidder!.cert,
    {
      name: "技术标.bin",
      size: SIZE,
      data: (async function* () {
        for (let left = SIZE; left > 0; left -= 4 * MiB) yield new Uint8Array(randomBytes(Math.min(4 * MiB, left)));
      })(),
    },
    path.join(work, "sealed.bin"),
    CHUNK,
  );
  console.error(`sealed ${(SIZE / MiB).toFixed(0)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${sealed.chunks.length} chunks`);

  const rows: { target: string; run: number; seconds: number; mbPerSec: number; peakRssMiB: number; idleRssMiB: number; cpuPercent: number }[] = [];
  for (let run = 1; run <= Number(values.runs); run++) {
    for (const target of ["raw sink", "raw sink + fsync", "server"] as const) {
      const child =
        target === "server"
          ? await startServer(env)
          : await spawnReady([process.execPath, "--import", "tsx", "bench/lib/raw-sink.ts", ...(target === "raw sink + fsync" ? ["--fsync"] : [])], {});
      const idle = child.peakRssMiB();
      const cpu0 = child.cpuSeconds();
      const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });
      const start = performance.now();
      if (target === "server") {
        const r = await uploadBid(agent, child.url, sectionId, bidder!, sealed, PARALLEL);
        if (r.status !== 200) throw new Error(`complete: ${r.status} ${r.body}`);
        console.error(`run ${run} server: chunks ${(r.chunksMs / 1000).toFixed(2)} s, completing request (every chunk made durable, manifest, receipt) ${(r.completeMs / 1000).toFixed(2)} s`);
      } else {
        await putChunks(agent, child.url, (c) => `/sink/${c.file}/${c.chunk}`, {}, sealed, PARALLEL);
      }
      const seconds = (performance.now() - start) / 1000;
      const peak = child.peakRssMiB();
      const cpu = child.cpuSeconds() - cpu0;
      agent.destroy();
      await child.stop();
      rows.push({ target, run, seconds, mbPerSec: sealed.bytes / 1e6 / seconds, peakRssMiB: peak, idleRssMiB: idle, cpuPercent: (cpu / seconds) * 100 });
      console.error(`run ${run} ${target}: ${(sealed.bytes / 1e6 / seconds).toFixed(0)} MB/s, peak RSS ${peak.toFixed(0)} MiB (after start ${idle.toFixed(0)} MiB), CPU ${((cpu / seconds) * 100).toFixed(0)} % of a core`);
    }
  }
  const best = (t: string) => Math.max(...rows.filter((r) => r.target === t).map((r) => r.mbPerSec));
  const worstRss = (t: string) => Math.max(...rows.filter((r) => r.target === t).map((r) => r.peakRssMiB));
  console.log(`\n${(SIZE / MiB).toFixed(0)} MiB bid, ${CHUNK / MiB} MiB chunks, ${PARALLEL} in flight, ${values.runs} runs (best throughput, highest peak RSS)`);
  console.log("| target | MB/s | ratio to raw sink | peak RSS |\n|---|---|---|---|");
  for (const t of ["raw sink", "raw sink + fsync", "server"]) {
    console.log(`| ${t} | ${best(t).toFixed(0)} | ${((best(t) / best("raw sink")) * 100).toFixed(0)} % | ${worstRss(t).toFixed(0)} MiB |`);
  }
  console.log(JSON.stringify(rows));
  const scope = `${formatNumber(SIZE / MiB)} MiB bid, ${CHUNK / MiB} MiB chunks, ${PARALLEL} in flight`;
  reportFigures("bid-ingest", [
    { id: "serverMBps", label: `ingest through the server (${scope})`, value: Math.round(best("server")), unit: "MB/s", baseline: { label: "raw sink", value: Math.round(best("raw sink")) }, target: { kind: "minRatio", value: 0.7 } },
    // The target is in MB (10^6 bytes); VmHWM is read in MiB.
    { id: "serverPeakRss", label: `server peak RSS (${scope})`, value: Math.round((worstRss("server") * MiB) / 1e6), unit: "MB", target: { kind: "max", value: 250, strict: true } },
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
  await env.close();
}
process.exit(0);
