// The server's entry point. One process by default; on PostgreSQL, WEB_CONCURRENCY > 1 runs that many server
// processes sharing the port (server/cluster.ts, docs/decisions/022-server-processes.md). Each of them is
// server/instance.ts: express + Remix + /live on one port, the jobs worker and the supervision projector.
import cluster from "node:cluster";
import { loadConfig } from "#app/services/platform/config.server";

// libuv's thread pool runs file I/O, fsync and WebCrypto: with its default of 4 threads, a bid's completing command
// (RSA verify and sign, the fsync of its chunks) queued behind other bidders' chunk writes while it held the section's
// lock (issue 15 item 3). Read by libuv when the pool first starts, which has not happened yet here; workers inherit it.
process.env.UV_THREADPOOL_SIZE ??= "16";

if (cluster.isPrimary && loadConfig().workers > 1) {
  const { runPrimary } = await import("./cluster");
  await runPrimary(loadConfig());
} else {
  await import("./instance");
}
