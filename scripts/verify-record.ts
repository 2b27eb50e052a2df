// `npm run verify-record`: recomputes the record's hash chain from the database and names the first broken entry,
// then checks every published checkpoint of its transparency log (docs/record-format.md §4): the signature by the
// platform's signing certificate, the body against the stored row, and the Merkle root of the first `size`
// entries — so an entry rewritten with the whole chain recomputed is still found. With `--state` (`npm run
// verify-record -- --state`) it also checks business state against the record (docs/record-format.md §1.7): every
// entry's stateHash against the writes it claimed, every row of every state-bound table against the last entry that
// wrote it, and no write outside a command. Exit 0 when intact, 1 when broken. Uses DATABASE_URL or the embedded
// database under DATA_DIR, like the server.
import path from "node:path";
import { openDatabase } from "#db/client";
import { loadConfig } from "#app/services/platform/config.server";
import { verifyRecord } from "#app/services/platform/record.server";
import { verifyCheckpoints } from "#app/services/transparency/log.server";
import { verifyState, type StateProblem } from "#app/services/transparency/state.server";

const checkState = process.argv.slice(2).includes("--state");
const describe = (p: StateProblem): string => {
  switch (p.kind) {
    case "writes_mismatch":
      return `entry #${p.seq}: stateHash does not match the writes stored for it`;
    case "writes_without_state":
      return `writes stored for entry #${p.seq}, which has no stateHash`;
    case "write_outside_command":
      return `${p.table} ${p.key}: written outside any command (no record entry claimed the write)`;
    case "row_unrecorded":
      return `${p.table} ${p.key}: row no record entry wrote`;
    case "row_deleted":
      return `${p.table} ${p.key}: row deleted outside the record (last written by entry #${p.seq})`;
    case "row_changed":
      return `${p.table} ${p.key}: row differs from what entry #${p.seq} wrote`;
  }
};

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
  let stateOk = true;
  if (checkState) {
    const state = await verifyState(handle.db);
    stateOk = state.ok;
    if (state.ok) console.log(`State intact: ${state.rows} rows of state-bound tables, ${state.writes} writes bound to ${state.entries} entries`);
    else {
      console.error(`State BROKEN: ${state.problems.length}${state.truncated ? "+" : ""} problem(s)`);
      for (const p of state.problems) console.error(`  ${describe(p)}`);
    }
  }
  process.exitCode = result.ok && log.ok && stateOk ? 0 : 1;
} finally {
  await handle.close();
}
