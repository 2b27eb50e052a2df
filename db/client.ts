import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema/index";
import { currentTemplate } from "./template";

export type Schema = typeof schema;
/** One type for both drivers (docs/decisions/002-database-pglite-postgres.md): code below app/services takes `Database | Tx`. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Executor = Database | Tx;

export type DbHandle = {
  db: Database;
  /**
   * A small pool of its own for work that must not queue behind bulk requests (a bid's completing command behind
   * other bidders' chunk uploads, issue 15 item 3). PostgreSQL: separate connections; PGlite (one connection): `db`.
   */
  priority: Database;
  driver: "pglite" | "postgres";
  /** LISTEN on a channel; returns an unlisten function. Used by the live hub. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

export type OpenOptions = {
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** PGlite data directory (on disk). `memory://` for an in-memory database. */
  dataDir?: string;
  /** Pre-built PGlite data dir tarball (tests load a migrated template). */
  loadDataDir?: Blob;
  /**
   * A new (empty) on-disk data folder starts from the migrated template built by `npm run build` (db/template.ts),
   * when there is one for the current migrations; `false` always creates the cluster and migrates.
   */
  template?: boolean;
  max?: number;
  /** Connections of the priority pool (PostgreSQL only; default 4). */
  priorityMax?: number;
};

/** The PostgreSQL servers' handles (their commits survive the death of this process whether or not they are flushed). */
const serverDatabases = new WeakSet<object>();

/**
 * Whether a commit on this database may be asynchronous (`synchronous_commit = off`) without losing it when *this*
 * process dies: true on a PostgreSQL server (the server process still holds the commit and writes it within
 * moments), false on the embedded PGlite, which lives and dies with this process.
 */
export function survivesOurDeath(db: object): boolean {
  return serverDatabases.has(db);
}

/** Opens the database eagerly and runs the committed migrations. */
export async function openDatabase(opts: OpenOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const client = postgres(opts.databaseUrl, { max: opts.max ?? 10, onnotice: () => {} });
    const db = drizzlePostgres(client, { schema, casing: "snake_case" }) as unknown as Database;
    const priorityClient = postgres(opts.databaseUrl, { max: opts.priorityMax ?? 4, onnotice: () => {} });
    const priority = drizzlePostgres(priorityClient, { schema, casing: "snake_case" }) as unknown as Database;
    serverDatabases.add(db).add(priority);
    const migrationClient = postgres(opts.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await migratePostgres(drizzlePostgres(migrationClient, { casing: "snake_case" }), { migrationsFolder });
    } finally {
      await migrationClient.end({ timeout: 5 });
    }
    return {
      db,
      priority,
      driver: "postgres",
      async listen(channel, onPayload) {
        const sub = await client.listen(channel, onPayload);
        return () => sub.unlisten();
      },
      close: async () => {
        await Promise.all([client.end({ timeout: 5 }), priorityClient.end({ timeout: 5 })]);
      },
    };
  }
  const dataDir = opts.dataDir ?? "./data/pglite";
  let loadDataDir = opts.loadDataDir;
  if (!dataDir.startsWith("memory://")) {
    mkdirSync(path.resolve(dataDir), { recursive: true });
    if (!loadDataDir && opts.template !== false && !existsSync(path.join(dataDir, "PG_VERSION"))) loadDataDir = currentTemplate();
  }
  // btree_gist: the exclusion constraint on room bookings (migration 0009).
  const pg = await PGlite.create({ dataDir, loadDataDir, extensions: { btree_gist } });
  const db = drizzlePglite(pg, { schema, casing: "snake_case" }) as unknown as Database;
  await migratePglite(drizzlePglite(pg, { casing: "snake_case" }), { migrationsFolder });
  return {
    db,
    priority: db,
    driver: "pglite",
    async listen(channel, onPayload) {
      const unlisten = await pg.listen(channel, onPayload);
      return unlisten;
    },
    close: () => pg.close(),
  };
}

export { schema };

/** Rows of a raw `db.execute(sql…)` on either driver (postgres-js returns an array, PGlite `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}
