// `npm run verify-record`: recomputes the record's hash chain from the database and names
// the first broken entry. Exit 0 when intact, 1 when broken. Uses DATABASE_URL or the
// embedded database under DATA_DIR, like the server.
import path from "node:path";
import { openDatabase } from "#db/client";
import { loadConfig } from "#app/services/platform/config.server";
import { verifyRecord } from "#app/services/platform/record.server";

const config = loadConfig();
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, "pglite") });
try {
  const result = await verifyRecord(handle.db);
  if (result.ok) {
    console.log(`Record intact: ${result.entries} entries, head #${result.head.seq} ${result.head.hash}`);
    process.exitCode = 0;
  } else {
    const b = result.break;
    console.error(`Record BROKEN at entry #${b.seq} (${b.action ?? "?"} at ${b.at ?? "?"}): ${b.reason}`);
    process.exitCode = 1;
  }
} finally {
  await handle.close();
}
