import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe } from "vitest";
import { openDatabase, type DbHandle } from "#db/client";
import { currentTemplate } from "#db/template";
import { LocalBlobStore } from "#app/services/platform/blob-store.server";
import { loadConfig } from "#app/services/platform/config.server";
import type { AppContext } from "#app/services/platform/context.server";
import { LiveHub } from "#app/services/platform/live-hub.server";
import { syncReferenceData } from "#app/services/platform/reference-data.server";

export type Driver = "pglite" | "postgres";
export type TestEnv = { handle: DbHandle; app: AppContext; driver: Driver };

const PG_BASE = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * Runs the same suite on PGlite (in memory) and on real PostgreSQL: each run creates its
 * own database on 127.0.0.1:5432 and drops it afterwards. One database per suite (PGlite
 * costs ~3 s and ~800 MB to start), shared by the suite's tests.
 */
export function forEachDriver(title: string, suite: (env: () => TestEnv) => void) {
  for (const driver of ["pglite", "postgres"] as const) {
    describe(`${title} [${driver}]`, () => {
      let env: TestEnv | null = null;
      let dropDb: (() => Promise<void>) | null = null;
      const dataDir = mkdtempSync(path.join(tmpdir(), `th-it-${driver}-`));
      beforeAll(async () => {
        let handle: DbHandle;
        if (driver === "pglite") {
          // The migrated template of `npm run build` (db/template.ts) when it is current, else a migrated new cluster.
          handle = await openDatabase({ dataDir: "memory://", loadDataDir: currentTemplate() });
        } else {
          const name = `th_test_${process.pid}_${randomBytes(4).toString("hex")}`;
          const admin = postgres(PG_BASE, { max: 1, onnotice: () => {} });
          await admin.unsafe(`CREATE DATABASE ${name}`);
          await admin.end();
          const url = new URL(PG_BASE);
          url.pathname = `/${name}`;
          handle = await openDatabase({ databaseUrl: url.toString(), max: 10 });
          dropDb = async () => {
            const a = postgres(PG_BASE, { max: 1, onnotice: () => {} });
            await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            await a.end();
          };
        }
        await syncReferenceData(handle.db);
        const hub = new LiveHub(handle);
        await hub.start();
        const config = loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: "t".repeat(40), NODE_ENV: "test" } as NodeJS.ProcessEnv);
        env = { handle, driver, app: { db: handle.db, blobs: new LocalBlobStore(path.join(dataDir, "blobs")), hub, config } };
      });
      afterAll(async () => {
        await env?.app.hub.stop();
        await env?.handle.close();
        await dropDb?.();
        rmSync(dataDir, { recursive: true, force: true });
      });
      suite(() => {
        if (!env) throw new Error("database not ready");
        return env;
      });
    });
  }
}

/** Rows of a raw `db.execute` on either driver. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}
