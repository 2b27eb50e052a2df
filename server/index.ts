// The server's entry point. One process by default; on PostgreSQL, WEB_CONCURRENCY > 1 runs that many server
// processes sharing the port (server/cluster.ts, docs/decisions/022-server-processes.md). Each of them is
// server/instance.ts: express + Remix + /live on one port, the jobs worker and the supervision projector.
import cluster from "node:cluster";
import { loadConfig } from "#app/services/platform/config.server";

if (cluster.isPrimary && loadConfig().workers > 1) {
  const { runPrimary } = await import("./cluster");
  await runPrimary(loadConfig());
} else {
  await import("./instance");
}
