#!/usr/bin/env bash
# `npm test`: every test — typecheck, lint, unit, integration (PGlite AND PostgreSQL),
# then end-to-end in Debian's Chromium and the fuzz layer, both through the real server.
# Prints one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
# A result file left by an earlier run must not count for a layer that did not run this time.
rm -f test-results/vitest-core.json test-results/vitest-e2e.json test-results/vitest-fuzz.json
status=0

step() { echo; echo "== $*"; }

step "typecheck"; npx tsc --noEmit || status=1
step "lint"; npx eslint . --max-warnings 0 || status=1
step "migrations up to date"; npx drizzle-kit check >/dev/null || status=1

step "unit + integration tests"
# Two workers (the CI machine has two cores): integration suites each have their own databases.
npx vitest run --project unit --project integration --maxWorkers=2 \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-core.json || status=1

step "build"; npx remix build && node scripts/build-server.mjs || status=1

step "end-to-end tests (Chromium)"
# Two files at a time, each with its own server, data folder, port and browser.
npx vitest run --project e2e --maxWorkers=2 \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-e2e.json || status=1

# Property-based fuzz layer against the real server (test/fuzz): fixed seed, bounded runs
# (FUZZ_SEED / FUZZ_SCALE override); a failure prints every distinct counterexample.
step "fuzz tests (real server, fixed seed)"
npx vitest run --project fuzz \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-fuzz.json || status=1

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  const failedNames = [];
  for (const f of ["test-results/vitest-core.json", "test-results/vitest-e2e.json", "test-results/vitest-fuzz.json"]) {
    if (!fs.existsSync(f)) { failed++; console.error("missing " + f); continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
    // Name every failure here too: CI keeps only the tail of the output.
    for (const file of r.testResults || []) {
      const rel = String(file.name).replace(process.cwd() + "/", "");
      const bad = (file.assertionResults || []).filter((a) => a.status === "failed");
      if (file.status === "failed" && bad.length === 0) failedNames.push(`${rel}: ${String(file.message || "failed").split("\n")[0].slice(0, 300)}`);
      for (const a of bad) failedNames.push(`${rel} > ${a.fullName}: ${String((a.failureMessages || [""])[0]).split("\n")[0].slice(0, 300)}`);
    }
  }
  for (const n of failedNames) console.log("FAILED " + n);
  console.log("");
  console.log(`Tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (passed === 0 || failed > 0) process.exitCode = 1;
' || status=1
exit $status
