import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownPostgresDatabase, removeDataDir, startServer } from "./harness";

/**
 * WEB_CONCURRENCY on PostgreSQL (server/cluster.ts, docs/decisions/022): the primary migrates once and forks the
 * workers, which share the port; a worker that dies stops the whole server with code 1 (the process supervisor
 * restarts it, ADR 013); SIGTERM stops every worker and then the primary with code 0. On the embedded database the
 * setting is ignored (one process owns PGlite's files).
 */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const workerPids = (out: string) => [...out.matchAll(/worker \d+ \(pid (\d+)\) listening/g)].map((m) => Number(m[1]));
const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return cond();
};

describe("server processes (WEB_CONCURRENCY)", () => {
  let pg: Awaited<ReturnType<typeof ownPostgresDatabase>>;
  const dirs: string[] = [];
  beforeAll(async () => {
    pg = await ownPostgresDatabase("cluster");
  });
  afterAll(async () => {
    await pg?.drop();
    for (const d of dirs) removeDataDir(d);
  });

  it("two workers share the port and answer; SIGTERM stops them all with code 0", async () => {
    const server = await startServer({ env: { DATABASE_URL: pg.url, WEB_CONCURRENCY: "2", SEED_DEMO: "0" } });
    dirs.push(server.dataDir);
    expect(server.output()).toMatch(/ready on http:\/\/127\.0\.0\.1:\d+ \(postgres, 2 processes/);
    const pids = workerPids(server.output());
    expect(pids).toHaveLength(2);
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`${server.url}/healthz`).then((r) => r.status)));
    expect(answers.every((s) => s === 200)).toBe(true);
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    expect(await until(() => pids.every((p) => !alive(p)), 15_000)).toBe(true);
  });

  it("a worker killed with SIGKILL stops the server with code 1, the other worker too", async () => {
    const server = await startServer({ env: { DATABASE_URL: pg.url, WEB_CONCURRENCY: "2", SEED_DEMO: "0" } });
    dirs.push(server.dataDir);
    const pids = workerPids(server.output());
    expect(pids).toHaveLength(2);
    process.kill(pids[0]!, "SIGKILL");
    expect(await until(() => /worker \d+ exited \(SIGKILL\): stopping the server/.test(server.output()), 15_000)).toBe(true);
    expect(await until(() => !alive(pids[1]!), 20_000)).toBe(true);
    expect(await server.stop()).toBe(1);
  });

  it("on the embedded database the setting is ignored: one process", async () => {
    const server = await startServer({ env: { WEB_CONCURRENCY: "2", SEED_DEMO: "0" } });
    dirs.push(server.dataDir);
    expect(server.output()).toMatch(/ready on http:\/\/127\.0\.0\.1:\d+ \(pglite, started in/);
    expect(workerPids(server.output())).toHaveLength(0);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });
});
