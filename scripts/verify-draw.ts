// `npm run verify-draw -- <proof.json | draw id>`: re-runs a revealed expert draw from its public proof and checks
// that it yields exactly the recorded experts (docs/draw-proof.md §8). A proof of version 2 (ADR 027): the server
// seed against its commitment, the committed pool (lines, candidates, pseudonymised exclusions, salt parties)
// against the pool commitment and both against what the record holds (`recorded`), the exclusions' count and
// rules, each party's salt against its commitment, then the draw. Version 1 (draws requested before migration
// 0016): commitment, seed, salt, record head, candidate list. A file needs no database; a draw id reads the proof
// — `recorded` straight from the record entries — from DATABASE_URL or the embedded database under DATA_DIR.
// An independent implementation from the document alone: test/fixtures/expert-pool/verify_draw.py.
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
  if (proof.v === 2) {
    console.log(`  pool commitment ${proof.poolCommitment}: ${proof.candidates.length} candidates, ${proof.exclusions.length} exclusions`);
    console.log(`  salts: ${proof.salts.map(([p]) => p).join(", ")}; record entries ${proof.recorded.entries.map((e) => `#${e.seq} ${e.action}`).join(", ")}`);
  }
  for (const p of result.picks) console.log(`  ${p.specialty} ${p.role.padEnd(6)} #${p.order} ${p.expertId}`);
} else {
  console.error(`Draw ${proof.drawId} does NOT verify: ${result.reason}`);
  process.exitCode = 1;
}
