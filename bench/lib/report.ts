// Machine-readable benchmark figures (issue 15 item 1). Each bench calls `reportFigures` with the figures the
// targets of BENCHMARKS.md talk about; when BENCH_RESULT_FILE is set (bench/run.ts sets it) one JSON line per call
// is appended to that file, otherwise nothing happens and the bench's own output is all there is.
// The rest of this module is pure: whether a figure meets its target, number formatting, the summary table and
// the replacement of the generated section of BENCHMARKS.md — used by bench/run.ts, tested in report.test.ts.
import { appendFileSync } from "node:fs";

/**
 * max: value must be ≤ target (< with `strict`); min: value must be ≥ target (> with `strict`);
 * minRatio: value / baseline must be ≥ target (a fraction: 0.7 is 70 %).
 */
export type Target = { kind: "max" | "min" | "minRatio"; value: number; strict?: boolean };
export type Figure = {
  /** Stable within its bench, e.g. "p99". */
  id: string;
  label: string;
  /** NaN (nothing measured) is allowed and counts as missed. */
  value: number;
  unit: string;
  /** A reference measured in the same run (raw sink, raw AES-GCM, …), in the figure's unit. */
  baseline?: { label: string; value: number };
  target: Target;
};
export type Verdict = "met" | "missed";
export type ResultLine = { bench: string; figures: Figure[] };

/** Appends one JSON line `{ bench, figures }` to BENCH_RESULT_FILE when it is set. */
export function reportFigures(bench: string, figures: Figure[], file = process.env.BENCH_RESULT_FILE): void {
  if (!file) return;
  appendFileSync(file, serializeResult(bench, figures) + "\n");
}

/** NaN and ±Infinity become null in JSON; `parseResults` turns them back into NaN. */
export function serializeResult(bench: string, figures: Figure[]): string {
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  return JSON.stringify({
    bench,
    figures: figures.map((f) => ({ ...f, value: num(f.value), ...(f.baseline ? { baseline: { ...f.baseline, value: num(f.baseline.value) } } : {}) })),
  });
}

/** The lines of a result file; blank or malformed lines are skipped. */
export function parseResults(text: string): ResultLine[] {
  const out: ResultLine[] = [];
  const num = (x: unknown) => (typeof x === "number" ? x : NaN);
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let raw: { bench?: unknown; figures?: unknown };
    try {
      raw = JSON.parse(line) as typeof raw;
    } catch {
      continue;
    }
    if (typeof raw.bench !== "string" || !Array.isArray(raw.figures)) continue;
    out.push({
      bench: raw.bench,
      figures: (raw.figures as Figure[]).map((f) => ({ ...f, value: num(f.value), ...(f.baseline ? { baseline: { ...f.baseline, value: num(f.baseline.value) } } : {}) })),
    });
  }
  return out;
}

/** value / baseline, or NaN when there is no usable baseline. */
export function ratioOf(f: Figure): number {
  if (!f.baseline || !Number.isFinite(f.baseline.value) || f.baseline.value <= 0 || !Number.isFinite(f.value)) return NaN;
  return f.value / f.baseline.value;
}

/** Whether the figure meets its target; anything not measured (NaN) or without its baseline is missed. */
export function verdict(f: Figure): Verdict {
  const t = f.target;
  const v = t.kind === "minRatio" ? ratioOf(f) : f.value;
  if (!Number.isFinite(v)) return "missed";
  const ok = t.kind === "max" ? (t.strict ? v < t.value : v <= t.value) : t.strict ? v > t.value : v >= t.value;
  return ok ? "met" : "missed";
}

/**
 * Digits grouped by thousands with a comma (locale-independent). Without `decimals`: none from 100 up, then 1, 2 or 3
 * by magnitude, trailing zeros dropped.
 */
export function formatNumber(x: number, decimals?: number): string {
  if (!Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  const d = decimals ?? (Number.isInteger(x) || a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
  const fixed = a.toFixed(d);
  const [int, frac] = (decimals === undefined && fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed).split(".");
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${x < 0 && Number(fixed) !== 0 ? "-" : ""}${grouped}${frac ? `.${frac}` : ""}`;
}

const withUnit = (x: number, unit: string) => (unit ? `${formatNumber(x)} ${unit}` : formatNumber(x));

export function formatPercent(r: number): string {
  if (!Number.isFinite(r)) return "—";
  const p = r * 100;
  return `${formatNumber(p, p >= 10 ? 0 : 1)} %`;
}

export function formatTarget(f: Figure): string {
  const t = f.target;
  if (t.kind === "minRatio") return `${t.strict ? ">" : "≥"} ${formatPercent(t.value)} of ${f.baseline?.label ?? "baseline"}`;
  const op = t.kind === "max" ? (t.strict ? "<" : "≤") : t.strict ? ">" : "≥";
  return `${op} ${withUnit(t.value, f.unit)}`;
}

/** One row of the summary: a figure a bench reported, or a bench that failed (with its exit code). */
export type Row =
  | { bench: string; figure: Figure; comparable: boolean }
  | { bench: string; failed: { exitCode: number | null; signal?: string | null; reason?: string } };

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The Markdown table: bench, figure, value, baseline, ratio, target, met/missed. */
export function formatTable(rows: Row[]): string {
  const lines = ["| bench | figure | value | baseline | ratio | target | met/missed |", "|---|---|---|---|---|---|---|"];
  for (const r of rows) {
    if ("failed" in r) {
      const how = r.failed.signal ? `signal ${r.failed.signal}` : `exit code ${r.failed.exitCode ?? "?"}`;
      lines.push(`| ${cell(r.bench)} | — | **failed** (${cell(how)}${r.failed.reason ? `: ${cell(r.failed.reason)}` : ""}) | — | — | — | failed |`);
      continue;
    }
    const f = r.figure;
    const v = verdict(f);
    const baseline = f.baseline ? `${f.baseline.label}: ${withUnit(f.baseline.value, f.unit)}` : "—";
    const ratio = f.baseline ? formatPercent(ratioOf(f)) : "—";
    const result = (v === "met" ? "met" : "**missed**") + (r.comparable ? "" : " (quick run: not comparable to the target)");
    lines.push(`| ${cell(r.bench)} | ${cell(f.label)} | ${cell(withUnit(f.value, f.unit))} | ${cell(baseline)} | ${ratio} | ${cell(formatTarget(f))} | ${result} |`);
  }
  return lines.join("\n");
}

export const SECTION_START = "<!-- bench:summary:start -->";
export const SECTION_END = "<!-- bench:summary:end -->";

/**
 * Replaces what lies between the markers with `body`; the rest of the document is kept byte for byte. Without the
 * markers, they are inserted (with the body) after the intro paragraph — the first paragraph after the title.
 */
export function replaceSection(doc: string, body: string): string {
  const block = `${SECTION_START}\n${body.replace(/\n+$/, "")}\n${SECTION_END}`;
  const s = doc.indexOf(SECTION_START);
  const e = doc.indexOf(SECTION_END);
  if (s !== -1 && e !== -1 && e > s) return doc.slice(0, s) + block + doc.slice(e + SECTION_END.length);
  if (s !== -1 || e !== -1) throw new Error(`BENCHMARKS.md has only one of the markers ${SECTION_START} / ${SECTION_END}, or they are out of order`);
  const lines = doc.split("\n");
  let i = 0;
  while (i < lines.length && (lines[i]!.trim() === "" || lines[i]!.startsWith("#"))) i++; // title and blank lines
  while (i < lines.length && lines[i]!.trim() !== "" && !lines[i]!.startsWith("#")) i++; // the intro paragraph
  const before = lines.slice(0, i).join("\n").replace(/\n+$/, "");
  const after = lines.slice(i).join("\n").replace(/^\n*/, "");
  return `${before}\n\n${block}\n${after ? `\n${after}` : ""}`;
}
