// `npm run verify-evaluation -- <appendix.json> [...]`: recomputes an evaluation report's machine-readable appendix
// (docs/evaluation-appendix.md) from its method and inputs, prints the recomputation and the appendix's SHA-256 (the
// digest the report PDF prints), and lists every difference with the recorded result. Exit 1 on any difference,
// 2 on a usage or read error. Needs no database.
import { readFileSync } from "node:fs";
import { appendixSha256, verifyAppendix } from "#app/domain/evaluation/appendix";
import type { EvaluationResult } from "#app/domain/evaluation/evaluate";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: npm run verify-evaluation -- <appendix.json> [...]");
  process.exit(2);
}

function printResult(r: EvaluationResult) {
  console.log(`  status ${r.status}${r.failure ? ` (${r.failure})` : ""}; bids ${r.counts.bids}, qualified ${r.counts.qualified}, valid ${r.counts.valid}`);
  if (r.benchmark) console.log(`  benchmark (${r.benchmark.source}) ${r.benchmark.value}; pool ${r.benchmark.pool.join(", ")}; trimmed high [${r.benchmark.trimmedHigh.join(", ")}] low [${r.benchmark.trimmedLow.join(", ")}]`);
  const rank = new Map(r.ranking.map((e) => [e.bidderId, e]));
  for (const b of r.bids) {
    const e = rank.get(b.bidderId);
    const price = b.evaluatedPrice !== null ? `evaluated ${b.evaluatedPrice}` : `price score ${b.priceScore ?? "-"}`;
    const state = b.valid ? `${price}, total ${b.total ?? "-"}` : `invalid (${b.reasons.join(", ")})`;
    console.log(`  ${b.bidderId.padEnd(12)} bid ${b.bidPrice.padStart(16)}  ${state}${e ? `, rank ${e.rank}${e.pending ? ` (${e.pending})` : ""}` : ""}`);
  }
  if (r.candidates.length) console.log(`  candidates: ${r.candidates.join(", ")}`);
  for (const b of r.blockers) console.log(`  blocker ${b.code} ${[b.bidderId, b.itemId, b.memberId].filter(Boolean).join(" ")}`);
  for (const w of r.warnings) console.log(`  warning ${w.code}: ${w.ids.join(", ")}`);
  if (r.flags.deviation.length || r.flags.belowMax.length) console.log(`  flags: ${r.flags.deviation.length} deviation, ${r.flags.belowMax.length} below max`);
}

let failed = false;
for (const file of files) {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`${file}: cannot read: ${(e as Error).message}`);
    process.exit(2);
  }
  const v = verifyAppendix(doc);
  console.log(`${file}: sha256 ${appendixSha256(doc)}`);
  if (v.recomputed) printResult(v.recomputed);
  if (v.ok) console.log("  verified: the recorded result is exactly the recomputation");
  else {
    failed = true;
    console.log(`  DOES NOT VERIFY: ${v.differences.length} difference(s)`);
    for (const d of v.differences) console.log(`    ${d.path}: expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.found)}`);
  }
}
process.exitCode = failed ? 1 : 0;
