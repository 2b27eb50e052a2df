// `npm run verify-record`: recomputes the record's hash chain from the database and names the first broken entry,
// then checks every published checkpoint of its transparency log (docs/record-format.md §4): the signature by the
// platform's signing certificate, the body against the stored row, and the Merkle root of the first `size`
// entries — so an entry rewritten with the whole chain recomputed is still found. Exit 0 when intact, 1 when
// broken. Uses DATABASE_URL or the embedded database under DATA_DIR, like the server.
import path from "node:path";
import { openDatabase } from "#db/client";
import { loadConfig } from "#app/services/platform/config.server";
import { verifyRecord } from "#app/services/platform/record.server";
import { verifyCheckpoints } from "#app/services/transparency/log.server";

const config = loadConfig();
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, "pglite") });
try {
  const result = await verifyRecord(handle.db);
  if (result.ok) {
    console.log(`Record intact: ${result.entries} entries, head #${result.head.seq} ${result.head.hash}`);
  } else {
    const b = result.break;
    console.error(`Record BROKEN at entry #${b.seq} (${b.action ?? "?"} at ${b.at ?? "?"}): ${b.reason}`);
  }
  const log = await verifyCheckpoints({ db: handle.db, config });
  if (log.ok) {
    console.log(log.latest ? `Checkpoints intact: ${log.checkpoints}, latest size ${log.latest.size} root ${log.latest.rootHash}` : "Checkpoints: none issued yet");
  } else {
    console.error(`Checkpoint of size ${log.size} FAILS (${log.checkpoints} earlier checkpoints verified): ${log.reason}`);
  }
  process.exitCode = result.ok && log.ok ? 0 : 1;
} finally {
  await handle.close();
}
