import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalJson as cryptoCanonicalJson } from "#crypto/canonical-json";
import { caseArb, reverseChooser } from "#test/fixtures/evaluation/arbitraries";
import { FIXTURES } from "#test/fixtures/evaluation/sources";
import { appendixSha256, buildAppendix, canonicalJson, verifyAppendix, type Appendix } from "./appendix";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const FIXDIR = path.join(ROOT, "test/fixtures/evaluation");
const PY = path.join(FIXDIR, "verify_evaluation.py");
const tmp = mkdtempSync(path.join(tmpdir(), "eval-appendix-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const load = (file: string) => JSON.parse(readFileSync(path.join(FIXDIR, file), "utf8")) as Appendix;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
type PyReport = { ok: boolean; sha256: string | null; differences: { path: string; expected: unknown; found: unknown }[] };

/** Run the Python verifier over many appendices in one process (JSON lines in, one report per line out). */
function python(docs: unknown[]): PyReport[] {
  const r = spawnSync("python3", [PY, "--jsonl"], { input: docs.map((d) => JSON.stringify(d)).join("\n"), encoding: "utf8", timeout: 120_000, maxBuffer: 64 << 20 });
  expect(r.error, r.stderr).toBeUndefined();
  expect(r.stderr).toBe("");
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as PyReport);
}

/** Deterministic tampering: change one recorded figure (or the status when nothing else is there). */
function tamper(a: Appendix): { doc: Appendix; path: string } {
  const doc = clone(a);
  const bid = doc.result.bids.findIndex((b) => b.total !== null);
  if (bid >= 0) {
    doc.result.bids[bid]!.total = "99.99";
    return { doc, path: `result.bids[${bid}].total` };
  }
  doc.result.bids[0]!.bidPrice = "1.00";
  return { doc, path: "result.bids[0].bidPrice" };
}

describe("the evaluation appendix (docs/evaluation-appendix.md)", () => {
  it("§2.2: canonicalJson is byte-identical to crypto/canonical-json.ts", () => {
    for (const f of FIXTURES) {
      const a = load(f.file);
      expect(canonicalJson(a)).toBe(cryptoCanonicalJson(a));
    }
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(cryptoCanonicalJson(v));
      }),
      { seed: 85, numRuns: 300 },
    );
  }, 30_000);

  it("§13: the committed vectors are exactly what the engine builds, and their digests are documented", () => {
    const sums = readFileSync(path.join(FIXDIR, "SHA256SUMS"), "utf8");
    const doc = readFileSync(path.join(ROOT, "docs/evaluation-appendix.md"), "utf8");
    for (const f of FIXTURES) {
      const built = buildAppendix({ method: f.method, input: f.input, context: f.context, chooseLot: f.chooseLot });
      const committed = load(f.file);
      expect(canonicalJson(committed), f.file).toBe(canonicalJson(built));
      const digest = appendixSha256(committed);
      expect(sums).toContain(`${digest}  ${f.file}`);
      expect(doc).toContain(digest);
      expect(committed.format).toBe("tenderhall-evaluation-appendix");
      expect(committed.version).toBe(1);
    }
  });

  it("§13: the ZTB vector — trimmed × K, linear deviation, one deviation flag, a tie resolved by price", () => {
    const r = load("ztb-comprehensive.appendix.json").result;
    expect(r.benchmark).toMatchObject({ raw: "9900000.000000", value: "9603000.000000", trimmedHigh: ["BID-D"], trimmedLow: ["BID-A"] });
    expect(r.bids.map((b) => [b.devPct, b.priceScore, b.total])).toEqual([
      ["-0.030000", "39.97", "88.37"],
      ["2.050000", "35.90", "75.90"],
      ["4.130000", "31.74", "75.90"],
      ["8.300000", "23.40", "68.60"],
    ]);
    expect(r.flags.deviation).toEqual([{ memberId: "M-C6E3", bidderId: "BID-D", itemId: "T1", score: "8.00", reference: "22.000000", devPct: "63.64" }]);
    expect(r.tieBreaks).toEqual([{ step: "price_asc", among: ["BID-B", "BID-C"], result: [["BID-B"], ["BID-C"]] }]);
    expect(r.candidates).toEqual(["BID-A", "BID-B", "BID-C"]);
    const lowest = load("zfcg-lowest-tv-z3.appendix.json");
    expect(lowest.input.lots).toEqual([{ purpose: "ranking", among: ["S-A", "S-C"], order: ["S-C", "S-A"] }]);
    expect(lowest.result.ranking.map((e) => e.bidderId)).toEqual(["S-B", "S-C", "S-A"]);
  });

  it("§12: verifyAppendix accepts the vectors and lists every tampered figure", () => {
    for (const f of FIXTURES) expect(verifyAppendix(load(f.file)), f.file).toMatchObject({ ok: true, differences: [] });
    const a = load("ztb-comprehensive.appendix.json");
    const t = tamper(a);
    expect(verifyAppendix(t.doc).differences).toEqual([{ path: t.path, expected: "88.37", found: "99.99" }]);
    // A changed input score changes the recomputation: the recorded results no longer match.
    const s = clone(a);
    s.input.sheets[0]!.scores[0]!.score = "25";
    const ds = verifyAppendix(s).differences.map((d) => d.path);
    expect(ds).toContain("result.bids[0].total");
    expect(ds).toContain("result.memberTotals[0].total");
    // A lot removed: the recomputation leaves the tie pending.
    const l = clone(load("zfcg-lowest-tv-z3.appendix.json"));
    l.input.lots = [];
    expect(verifyAppendix(l).differences.map((d) => d.path)).toContain("result.ranking[1].pending");
    // Envelope and normal form.
    const e = clone(a) as unknown as Record<string, unknown>;
    e.version = 2;
    e.extra = true;
    expect(verifyAppendix(e).differences.map((d) => d.path)).toEqual(["version", "extra"]);
    const o = clone(a);
    o.input.bids.reverse();
    expect(verifyAppendix(o).ok).toBe(false);
    const bad = clone(a);
    (bad.input.bids[0] as { readPrice: string }).readPrice = "9600000.001";
    expect(verifyAppendix(bad).differences).toEqual([{ path: "input", expected: "valid", found: expect.stringContaining("readPrice") }]);
  });

  it("§13: the independent Python verifier (written from the spec) accepts the vectors and reports the same tampering", () => {
    const ok = spawnSync("python3", [PY, ...FIXTURES.map((f) => path.join(FIXDIR, f.file))], { encoding: "utf8", timeout: 60_000 });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    for (const f of FIXTURES) expect(ok.stdout).toContain(`${f.file}: verified, sha256 ${appendixSha256(load(f.file))}`);
    const t = tamper(load("ztb-comprehensive.appendix.json"));
    const file = path.join(tmp, "tampered.appendix.json");
    writeFileSync(file, JSON.stringify(t.doc, null, 2));
    const bad = spawnSync("python3", [PY, file], { encoding: "utf8", timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`${t.path}: expected "88.37", found "99.99"`);
  }, 60_000);

  it("property: on generated evaluations the Python verifier agrees with the engine — digest, verdict and differences", () => {
    const cases = fc.sample(caseArb, { seed: 4242, numRuns: 80 });
    const appendices = cases.map((c, i) => buildAppendix({ method: c.method, input: c.input, chooseLot: reverseChooser, context: { case: `G${i}` } }));
    const tampered = appendices.map(tamper);
    const reports = python([...appendices, ...tampered.map((t) => t.doc)]);
    expect(reports).toHaveLength(appendices.length * 2);
    appendices.forEach((a, i) => {
      const r = reports[i]!;
      expect(r.differences, `case ${i} (${a.method.kind}, ${a.result.status})`).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.sha256).toBe(appendixSha256(a));
    });
    tampered.forEach((t, i) => {
      const py = reports[appendices.length + i]!;
      const ts = verifyAppendix(t.doc);
      expect(py.ok).toBe(false);
      expect(ts.ok).toBe(false);
      expect(py.differences.map((d) => d.path)).toEqual(ts.differences.map((d) => d.path));
      expect(ts.differences.map((d) => d.path)).toContain(t.path);
    });
    // The sample covers every method and every status.
    expect(new Set(appendices.map((a) => a.method.kind)).size).toBe(6);
    expect(new Set(appendices.map((a) => a.result.status))).toEqual(new Set(["complete", "blocked", "failed"]));
  }, 120_000);

  it("npm run verify-evaluation: exit 0 on the vectors, 1 on a tampered copy (printing the difference)", () => {
    // What `npm run verify-evaluation` runs (tsx), without npm's start-up cost.
    const run = (...files: string[]) => spawnSync(process.execPath, ["--import", "tsx", "scripts/verify-evaluation.ts", ...files], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    const ok = run(...FIXTURES.map((f) => path.join(FIXDIR, f.file)));
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain("verified: the recorded result is exactly the recomputation");
    expect(ok.stdout).toContain("BID-B        bid       9800000.00  price score 35.90, total 75.90, rank 2");
    const t = tamper(load("ztb-comprehensive.appendix.json"));
    const file = path.join(tmp, "tampered-cli.appendix.json");
    writeFileSync(file, JSON.stringify(t.doc));
    const bad = run(file);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`${t.path}: expected "88.37", found "99.99"`);
    expect(run().status).toBe(2);
  }, 180_000);
});
