import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatNumber, formatTable, formatTarget, parseResults, ratioOf, replaceSection, reportFigures, SECTION_END, SECTION_START, serializeResult, verdict, type Figure } from "./report";

const fig = (over: Partial<Figure>): Figure => ({ id: "x", label: "x", value: 1, unit: "ms", target: { kind: "max", value: 100, strict: true }, ...over });

describe("verdict", () => {
  it("max: strict is <, otherwise ≤", () => {
    expect(verdict(fig({ value: 99.9 }))).toBe("met");
    expect(verdict(fig({ value: 100 }))).toBe("missed");
    expect(verdict(fig({ value: 100, target: { kind: "max", value: 100 } }))).toBe("met");
    expect(verdict(fig({ value: 0, unit: "", target: { kind: "max", value: 0 } }))).toBe("met");
    expect(verdict(fig({ value: 1, unit: "", target: { kind: "max", value: 0 } }))).toBe("missed");
  });

  it("min: ≥ (> with strict)", () => {
    expect(verdict(fig({ value: 800, target: { kind: "min", value: 800 } }))).toBe("met");
    expect(verdict(fig({ value: 799, target: { kind: "min", value: 800 } }))).toBe("missed");
    expect(verdict(fig({ value: 800, target: { kind: "min", value: 800, strict: true } }))).toBe("missed");
  });

  it("minRatio compares value / baseline with the target", () => {
    const ingest = (value: number, raw: number) => fig({ value, unit: "MB/s", baseline: { label: "raw sink", value: raw }, target: { kind: "minRatio", value: 0.7 } });
    expect(verdict(ingest(70, 100))).toBe("met");
    expect(verdict(ingest(69, 100))).toBe("missed");
    expect(ratioOf(ingest(81, 526))).toBeCloseTo(0.154, 3);
    expect(verdict(fig({ value: 50, target: { kind: "minRatio", value: 0.5 } }))).toBe("missed"); // no baseline
    expect(verdict(ingest(50, 0))).toBe("missed");
    expect(verdict(ingest(50, NaN))).toBe("missed");
  });

  it("a figure that was not measured is missed, whatever the target", () => {
    expect(verdict(fig({ value: NaN }))).toBe("missed");
    expect(verdict(fig({ value: NaN, target: { kind: "max", value: 0 } }))).toBe("missed");
    expect(verdict(fig({ value: Infinity, target: { kind: "min", value: 1 } }))).toBe("missed");
  });
});

describe("formatting", () => {
  it("numbers: thousands grouped, decimals by magnitude, trailing zeros dropped, locale-independent", () => {
    expect(formatNumber(10000)).toBe("10,000");
    expect(formatNumber(1234567.8)).toBe("1,234,568");
    expect(formatNumber(572.4)).toBe("572");
    expect(formatNumber(48.34)).toBe("48.3");
    expect(formatNumber(2.2)).toBe("2.2");
    expect(formatNumber(2.257)).toBe("2.26");
    expect(formatNumber(0.1234)).toBe("0.123");
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(-1500)).toBe("-1,500");
    expect(formatNumber(NaN)).toBe("—");
    expect(formatNumber(23.5, 1)).toBe("23.5");
    expect(formatNumber(20, 1)).toBe("20.0");
  });

  it("targets", () => {
    expect(formatTarget(fig({}))).toBe("< 100 ms");
    expect(formatTarget(fig({ unit: "", target: { kind: "max", value: 0 } }))).toBe("≤ 0");
    expect(formatTarget(fig({ unit: "req/s", target: { kind: "min", value: 800 } }))).toBe("≥ 800 req/s");
    expect(formatTarget(fig({ unit: "MB/s", baseline: { label: "raw sink", value: 1 }, target: { kind: "minRatio", value: 0.7 } }))).toBe("≥ 70 % of raw sink");
  });

  it("the table: one row per figure with baseline, ratio, target and verdict; failed benches with their exit code", () => {
    const table = formatTable([
      { bench: "bid-ingest", figure: fig({ label: "ingest", value: 81, unit: "MB/s", baseline: { label: "raw sink", value: 526 }, target: { kind: "minRatio", value: 0.7 } }), comparable: true },
      { bench: "portal", figure: fig({ label: "p99 | all", value: 62.5 }), comparable: false },
      { bench: "award-notice", figure: fig({ label: "size", value: 47.1, unit: "KB", target: { kind: "max", value: 150, strict: true } }), comparable: true },
      { bench: "opening-decrypt", failed: { exitCode: 2 } },
      { bench: "evaluation", failed: { exitCode: null, signal: "SIGTERM", reason: "stopped after 240 s" } },
    ]);
    expect(table.split("\n")).toEqual([
      "| bench | figure | value | baseline | ratio | target | met/missed |",
      "|---|---|---|---|---|---|---|",
      "| bid-ingest | ingest | 81 MB/s | raw sink: 526 MB/s | 15 % | ≥ 70 % of raw sink | **missed** |",
      "| portal | p99 \\| all | 62.5 ms | — | — | < 100 ms | met (quick run: not comparable to the target) |",
      "| award-notice | size | 47.1 KB | — | — | < 150 KB | met |",
      "| opening-decrypt | — | **failed** (exit code 2) | — | — | — | failed |",
      "| evaluation | — | **failed** (signal SIGTERM: stopped after 240 s) | — | — | — | failed |",
    ]);
  });
});

describe("result lines", () => {
  it("round-trip through JSON, NaN included; malformed lines are skipped", () => {
    const a = serializeResult("portal", [fig({ id: "p99", value: NaN, baseline: { label: "b", value: 3 } })]);
    const parsed = parseResults(`${a}\nnot json\n\n${JSON.stringify({ bench: 1 })}\n`);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.bench).toBe("portal");
    expect(parsed[0]!.figures[0]!.value).toBeNaN();
    expect(parsed[0]!.figures[0]!.baseline).toEqual({ label: "b", value: 3 });
  });

  it("reportFigures appends one line per call when a file is given, and does nothing without one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "th-report-test-"));
    try {
      const file = path.join(dir, "r.jsonl");
      reportFigures("a", [fig({ id: "one" })], file);
      reportFigures("b", [fig({ id: "two" }), fig({ id: "three" })], file);
      const lines = parseResults(readFileSync(file, "utf8"));
      expect(lines.map((l) => [l.bench, l.figures.map((f) => f.id)])).toEqual([
        ["a", ["one"]],
        ["b", ["two", "three"]],
      ]);
      expect(() => reportFigures("c", [fig({})], "")).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("replaceSection", () => {
  const intro = "# Benchmarks\n\nMeasured on this project's machines with the scripts in `bench/`.\nSecond line of the intro.\n";
  const rest = "## Public portal\n\nhistory table\n\n## Expert draw\n\nmore\n";

  it("inserts the markers after the intro paragraph when they are absent, keeping the rest unchanged", () => {
    const doc = `${intro}\n${rest}`;
    const out = replaceSection(doc, "TABLE 1");
    expect(out).toBe(`${intro}\n${SECTION_START}\nTABLE 1\n${SECTION_END}\n\n${rest}`);
  });

  it("replaces only what lies between the markers", () => {
    const doc = `${intro}\n${SECTION_START}\nold\nold table\n${SECTION_END}\n\n${rest}`;
    const out = replaceSection(doc, "new table\n\n");
    expect(out).toBe(`${intro}\n${SECTION_START}\nnew table\n${SECTION_END}\n\n${rest}`);
    expect(replaceSection(out, "new table")).toBe(out); // idempotent
  });

  it("refuses a document with only one marker", () => {
    expect(() => replaceSection(`${intro}\n${SECTION_START}\n${rest}`, "x")).toThrow(/only one of the markers/);
  });

  it("a document with only a title gets the section after it", () => {
    expect(replaceSection("# Benchmarks\n", "T")).toBe(`# Benchmarks\n\n${SECTION_START}\nT\n${SECTION_END}\n`);
  });
});
