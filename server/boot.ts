import path from "node:path";
import { openDatabase, type DbHandle } from "#db/client";
import { LocalBlobStore } from "#app/services/platform/blob-store.server";
import type { Config } from "#app/services/platform/config.server";
import type { AppContext } from "#app/services/platform/context.server";
import { LiveHub } from "#app/services/platform/live-hub.server";
import { syncReferenceData } from "#app/services/platform/reference-data.server";
import { ensureStateBaseline } from "#app/services/transparency/state.server";
import { prepareEmbeddedPki } from "#app/services/platform/platform-signer.server";

export type Booted = { app: AppContext; handle: DbHandle; close(): Promise<void> };

/** Opens the database eagerly, migrates, loads reference data, starts the live hub; creates a new data folder's PKI meanwhile. */
export async function boot(config: Config): Promise<Booted> {
  // A new data folder's PKI keys are generated in the thread pool while the database opens and migrates.
  const [handle] = await Promise.all([
    openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: path.join(config.dataDir, "pglite"),
    }),
    prepareEmbeddedPki(config),
  ]);
  await syncReferenceData(handle.db);
  const hub = new LiveHub(handle);
  await hub.start();
  const app: AppContext = { db: handle.db, blobs: new LocalBlobStore(path.join(config.dataDir, "blobs")), hub, config };
  // A database upgraded to state binding (migration 0015) binds the rows it already had, once.
  await ensureStateBaseline(app);
  return {
    app,
    handle,
    async close() {
      await hub.stop();
      await handle.close();
    },
  };
}
