import cluster, { type Worker } from "node:cluster";
import type { Config } from "#app/services/platform/config.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import { boot } from "./boot";
import { printDemoLogins, seedDemo } from "./seed";

/**
 * The primary of a clustered server (WEB_CONCURRENCY > 1 on PostgreSQL, docs/decisions/022): it does once what must
 * happen once — migrations, reference data, the demo seed, the platform's PKI files — then forks the workers, which
 * share the listening port (node:cluster hands connections round-robin). Everything else already works across
 * processes: live events travel through the database (NOTIFY + the outbox), jobs and the supervision projector are
 * claimed with FOR UPDATE SKIP LOCKED, caches are dropped on the live events that change what they hold, login
 * throttling counts in the database.
 *
 * A worker that exits without being asked to stops the whole server with exit code 1: `npm start`'s supervisor or
 * systemd restarts it, as for a single process (docs/decisions/013). SIGTERM/SIGINT stop every worker (each closes
 * its connections and database) and then the primary.
 */
export async function runPrimary(config: Config): Promise<void> {
  const started = Date.now();
  const booted = await boot(config);
  if (config.seedDemo) {
    const seeded = await seedDemo(booted.app);
    if (seeded) printDemoLogins(seeded.logins, config.dataDir);
  }
  documentSigner(config);
  const driver = booted.handle.driver;
  await booted.close();

  let stopping = false;
  let exitCode = 0;
  let listening = 0;
  const alive = new Set<Worker>();
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const w of alive) w.process.kill("SIGTERM");
    setTimeout(() => process.exit(code || 1), 15_000).unref();
    if (alive.size === 0) process.exit(code);
  };
  cluster.on("listening", (_w, address) => {
    if (++listening === config.workers)
      console.log(`Tenderhall ready on http://${config.host}:${address.port} (${driver}, ${config.workers} processes, started in ${Date.now() - started} ms)`);
  });
  cluster.on("exit", (w, code, signal) => {
    alive.delete(w);
    if (stopping) {
      if (alive.size === 0) process.exit(exitCode);
      return;
    }
    console.error(`worker ${w.id} exited (${signal ?? `code ${code}`}): stopping the server`);
    stop(1);
  });
  process.on("SIGTERM", () => stop(0));
  process.on("SIGINT", () => stop(0));
  for (let i = 0; i < config.workers; i++) alive.add(cluster.fork({ SEED_DEMO: "0" }));
}
