// The priority pool (issue 15 item 3; db/client.ts): on PostgreSQL the work that must not queue behind bulk requests
// (a bid's completing command and its session lookup, server/bid-api.ts) has connections of its own, so it runs
// while every connection of the main pool is busy. On PGlite (one connection) it is the same database.
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, rowsOf, type DbHandle } from "#db/client";

const PG_BASE = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

describe("database: the priority pool", () => {
  const name = `th_test_prio_${process.pid}_${randomBytes(4).toString("hex")}`;
  let handle: DbHandle;
  beforeAll(async () => {
    const admin = postgres(PG_BASE, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_BASE);
    url.pathname = `/${name}`;
    handle = await openDatabase({ databaseUrl: url.toString(), max: 2, priorityMax: 1 });
  }, 120_000);
  afterAll(async () => {
    await handle?.close();
    const admin = postgres(PG_BASE, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it("PostgreSQL: with every main connection held, a command on the priority pool commits at once", async () => {
    let released = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Two transactions hold both connections of the main pool until the gate opens.
    const holders = [0, 1].map(() =>
      handle.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        await gate;
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    // A third request on the main pool queues behind them…
    const queued = handle.db.execute(sql`select 'main' as v`).then(() => released);
    // …while the priority pool answers, inside a transaction of its own, before the holders let go.
    const v = await handle.priority.transaction(async (tx) => rowsOf<{ v: string }>(await tx.execute(sql`select 'priority' as v`))[0]!.v);
    expect(v).toBe("priority");
    expect(released).toBe(false);
    released = true;
    release();
    await Promise.all(holders);
    expect(await queued).toBe(true); // the main-pool request ran only after the holders released
  });

  it("PGlite: the priority pool is the one connection", async () => {
    const lite = await openDatabase({ dataDir: "memory://" });
    try {
      expect(lite.priority).toBe(lite.db);
    } finally {
      await lite.close();
    }
  });
});
