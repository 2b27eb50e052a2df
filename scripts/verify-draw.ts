// `npm run verify-draw -- <proof.json | draw id>`: re-runs a revealed expert draw from its
// public proof (commitment, server seed, supervisor salt, record head, lines, candidate
// list) and checks that it yields exactly the recorded experts. A file needs no database;
// a draw id reads the proof from DATABASE_URL or the embedded database under DATA_DIR.
import { readFileSync } from "node:fs";
import path from "node:path";
import { verifyDraw, type DrawProof } from "#expert-pool/verify";
import { openDatabase } from "#db/client";
import { loadConfig } from "#app/services/platform/config.server";
import { drawProof } from "#app/services/pool/draws.server";

const arg = process.argv[2];
if (!arg) {
  console.error("usage: npm run verify-draw -- <proof.json | draw id>");
  process.exit(2);
}
let proof: DrawProof;
if (/^[0-9a-f-]{36}$/i.test(arg)) {
  const config = loadConfig();
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, "pglite") });
  try {
    proof = await drawProof(handle.db, arg);
  } finally {
    await handle.close();
  }
} else {
  proof = JSON.parse(readFileSync(arg, "utf8")) as DrawProof;
}
const result = verifyDraw(proof);
if (result.ok) {
  console.log(`Draw ${proof.drawId} verified: ${result.picks.length} experts, the same as recorded.`);
  for (const p of result.picks) console.log(`  ${p.specialty} ${p.role.padEnd(6)} #${p.order} ${p.expertId}`);
} else {
  console.error(`Draw ${proof.drawId} does NOT verify: ${result.reason}`);
  process.exitCode = 1;
}
