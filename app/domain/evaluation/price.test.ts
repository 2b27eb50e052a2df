import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dec, fixed } from "./decimal";
import { BenchmarkSchema, RoundingSchema, type TrimRow } from "./method";
import { computeBenchmark, deductedPrice, deductionPct, devPct, priceScore, trimCounts, type PricedBid } from "./price";

const pool = (prices: string[]): PricedBid[] => prices.map((p, i) => ({ bidderId: `B${i + 1}`, price: new Dec(p) }));
const rounding = (r: Record<string, unknown> = {}) => RoundingSchema.parse(r);
const bench = (b: Record<string, unknown>) => BenchmarkSchema.parse(b);
const score = (s: Dec) => fixed(s, 2);

const THEBID: TrimRow[] = [
  { minN: 0, maxN: 4, dropHigh: 0, dropLow: 0 },
  { minN: 5, dropHigh: 1, dropLow: 1 },
];

describe("benchmark price and price scores (R46, EV7)", () => {
  it("TV-Z1: 低价优先法 — base = lowest valid price, S = 30 × B / P (87号令55)", () => {
    const b = computeBenchmark(bench({ source: "lowest" }), rounding(), pool(["950000", "1000000", "1100000"]), null);
    expect(b.value.toFixed()).toBe("950000");
    const ps = { kind: "low_price_priority" as const, full: "30" };
    expect(["950000", "1000000", "1100000"].map((p) => score(priceScore(ps, new Dec(p), b.value, rounding()).score))).toEqual(["30.00", "28.50", "25.91"]);
    // The 18号令 wording base/price × weight × 100 is the same number.
    expect(fixed(new Dec(950000).div(1100000).times("0.30").times(100), 2)).toBe("25.91");
  });

  it("TV-Z2: a 10 % / 20 % small-enterprise deduction is used for the base and the own score; the contract price is undeducted", () => {
    const deductions = [{ id: "small_micro", label: "小微", pct: "10" }];
    const pct = deductionPct(deductions, ["small_micro"])!;
    const c10 = deductedPrice(new Dec(1100000), pct);
    expect(c10.toFixed(2)).toBe("990000.00");
    const ps = { kind: "low_price_priority" as const, full: "30" };
    expect(score(priceScore(ps, c10, new Dec(950000), rounding()).score)).toBe("28.79");
    const c20 = deductedPrice(new Dec(1100000), new Dec(20));
    const b = computeBenchmark(bench({ source: "lowest" }), rounding(), [...pool(["950000", "1000000"]), { bidderId: "C", price: c20 }], null);
    expect(b.value.toFixed(2)).toBe("880000.00");
    expect([new Dec(950000), new Dec(1000000), c20].map((p) => score(priceScore(ps, p, b.value, rounding()).score))).toEqual(["27.79", "26.40", "30.00"]);
    expect(deductionPct(deductions, [])).toBeNull();
    // Not cumulative: the largest applicable percentage.
    expect(deductionPct([...deductions, { id: "prison", label: "监狱企业", pct: "6" }], ["prison", "small_micro"])!.toFixed()).toBe("10");
  });

  it("TV-E1: linear deviation from the plain mean, F = 50, −2 per 1 % above, −1 per 1 % below; exact dev vs dev rounded first", () => {
    const prices = ["9600000", "9800000", "10000000", "10400000"];
    const b = computeBenchmark(bench({ source: "mean" }), rounding(), pool(prices), null);
    expect(b.value.toFixed()).toBe("9950000");
    const ps = { kind: "linear_deviation" as const, full: "50", E1: "2", E2: "1" };
    expect(prices.map((p) => fixed(devPct(new Dec(p), b.value, {}), 6))).toEqual(["-3.517588", "-1.507538", "0.502513", "4.522613"]);
    expect(prices.map((p) => score(priceScore(ps, new Dec(p), b.value, rounding()).score))).toEqual(["46.48", "48.49", "48.99", "40.95"]);
    expect(prices.map((p) => score(priceScore(ps, new Dec(p), b.value, rounding({ devPctScale: 2 })).score))).toEqual(["46.48", "48.49", "49.00", "40.96"]);
  });

  it("TV-E2: trimmed mean × K (n ≥ 5 → drop 1 high, 1 low), the rejected bid outside the pool, the trimmed ones still scored", () => {
    // 5,080,000 > ceiling 5,000,000 is rejected before the pool (the caller passes valid bids only).
    const prices = ["4350000", "4500000", "4620000", "4680000", "4710000", "4800000", "4950000"];
    const b = computeBenchmark(bench({ source: "trimmed_mean", trim: THEBID, factor: { kind: "K", value: "0.97" } }), rounding({ baseScale: 2 }), pool(prices), null);
    expect(b.trimmedLow).toEqual(["B1"]);
    expect(b.trimmedHigh).toEqual(["B7"]);
    expect(b.raw.toFixed()).toBe("4662000");
    expect(b.value.toFixed(2)).toBe("4522140.00");
    const ps = { kind: "linear_deviation" as const, full: "60", E1: "2", E2: "1" };
    expect(prices.map((p) => fixed(devPct(new Dec(p), b.value, {}), 4))).toEqual(["-3.8066", "-0.4896", "2.1640", "3.4908", "4.1542", "6.1444", "9.4614"]);
    expect(prices.map((p) => score(priceScore(ps, new Dec(p), b.value, rounding({ devPctScale: 2 })).score))).toEqual(["56.19", "59.51", "55.68", "53.02", "51.70", "47.72", "41.08"]);
    expect(prices.map((p) => score(priceScore(ps, new Dec(p), b.value, rounding()).score))).toEqual(["56.19", "59.51", "55.67", "53.02", "51.69", "47.71", "41.08"]);
    // The Gansu system's variant: the ratio to 4 dp, then × 100.
    expect(fixed(devPct(new Dec("4620000"), b.value, { devRatioScale: 4 }), 6)).toBe("2.160000");
  });

  it("TV-E4: 合理低价法, F = 100, E1 = 2, E2 = 1, n ≥ 5 → drop 1/1, no downward factor", () => {
    const prices = ["20350000", "20800000", "21000000", "21200000", "21900000"];
    const b = computeBenchmark(bench({ source: "trimmed_mean", trim: THEBID }), rounding(), pool(prices), null);
    expect(b.value.toFixed()).toBe("21000000");
    const ps = { kind: "linear_deviation" as const, full: "100", E1: "2", E2: "1" };
    expect(prices.map((p) => score(priceScore(ps, new Dec(p), b.value, rounding({ devPctScale: 2 })).score))).toEqual(["96.90", "99.05", "100.00", "98.10", "91.42"]);
    expect(prices.map((p) => score(priceScore(ps, new Dec(p), b.value, rounding()).score))).toEqual(["96.90", "99.05", "100.00", "98.10", "91.43"]);
  });

  it("TV-E5: 平均值法, F = 40, S = F × (1 − |P − B| / B)", () => {
    const prices = ["980000", "1000000", "1040000", "1100000"];
    const b = computeBenchmark(bench({ source: "mean" }), rounding(), pool(prices), null);
    expect(b.value.toFixed()).toBe("1030000");
    const ps = { kind: "ratio_deviation" as const, full: "40" };
    expect(prices.map((p) => fixed(priceScore(ps, new Dec(p), b.value, rounding()).score, 6))).toEqual(["38.058252", "38.834951", "39.611650", "37.281553"]);
    expect(prices.map((p) => score(priceScore(ps, new Dec(p), b.value, rounding()).score))).toEqual(["38.06", "38.83", "39.61", "37.28"]);
    // n_factor with n = 1 is the same formula.
    expect(score(priceScore({ kind: "n_factor", full: "40", nAbove: "1", nBelow: "1" }, new Dec("980000"), b.value, rounding()).score)).toBe("38.06");
  });

  it("TV-E7: 石首 trimming — drop ⌊n/6⌋ on each side, none below 6", () => {
    const rows: TrimRow[] = [
      { minN: 0, maxN: 5, dropHigh: 0, dropLow: 0 },
      { minN: 6, dropHigh: { per: 6 }, dropLow: { per: 6 } },
    ];
    expect([5, 6, 7, 11, 12, 13].map((n) => trimCounts(n, rows).high)).toEqual([0, 1, 1, 1, 2, 2]);
    expect([5, 6, 7, 11, 12, 13].map((n) => trimCounts(n, rows).low)).toEqual([0, 1, 1, 1, 2, 2]);
  });

  it("TV-E2: at the trimming boundary only one instance of an equal price is dropped", () => {
    const b = computeBenchmark(bench({ source: "trimmed_mean", trim: [{ minN: 5, dropHigh: 1, dropLow: 1 }] }), rounding(), pool(["100", "200", "300", "400", "400"]), null);
    expect(b.trimmedHigh).toEqual(["B5"]);
    expect(b.trimmedLow).toEqual(["B1"]);
    expect(b.raw.toFixed()).toBe("300");
  });

  it("R46: downward percentage and the composite plug-in", () => {
    const down = computeBenchmark(bench({ source: "mean", factor: { kind: "downward_pct", value: "5" } }), rounding(), pool(["100", "200"]), null);
    expect(down.value.toFixed()).toBe("142.5");
    const comp = computeBenchmark(
      bench({ source: "composite", composite: { weights: { A: "0.5", B: "0.3", C: "0.2" } }, factor: { kind: "K", value: "0.98" } }),
      rounding({ baseScale: 2 }),
      pool(["100"]),
      { A: new Dec("1000000"), B: new Dec("900000"), C: new Dec("800000") },
    );
    expect(comp.raw.toFixed()).toBe("930000");
    expect(comp.value.toFixed(2)).toBe("911400.00");
  });

  it("R46: maximum deduction and the floor at 0", () => {
    const ps = { kind: "linear_deviation" as const, full: "30", E1: "0.2", E2: "0.1", maxDeduction: "5" };
    expect(score(priceScore(ps, new Dec(200), new Dec(100), rounding()).score)).toBe("25.00");
    const steep = { kind: "linear_deviation" as const, full: "10", E1: "5", E2: "5" };
    expect(score(priceScore(steep, new Dec(200), new Dec(100), rounding()).score)).toBe("0.00");
  });

  it("property: trimming never drops more than n − 1; scores stay within [0, full]", () => {
    const row = fc.record({
      minN: fc.integer({ min: 0, max: 20 }),
      maxN: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
      dropHigh: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.record({ per: fc.integer({ min: 2, max: 10 }) })),
      dropLow: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.record({ per: fc.integer({ min: 2, max: 10 }) })),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 40 }), (rows, n) => {
        const { high, low } = trimCounts(n, rows as TrimRow[]);
        expect(high + low).toBeLessThanOrEqual(n - 1);
        expect(high).toBeGreaterThanOrEqual(0);
        expect(low).toBeGreaterThanOrEqual(0);
      }),
      { seed: 7, numRuns: 300 },
    );
    const kinds = [
      { kind: "low_price_priority" as const, full: "30" },
      { kind: "linear_deviation" as const, full: "40", E1: "2", E2: "1" },
      { kind: "ratio_deviation" as const, full: "40" },
      { kind: "n_factor" as const, full: "40", nAbove: "3", nBelow: "1" },
    ];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 9 }), fc.integer({ min: 1, max: 10 ** 9 }), fc.constantFrom(...kinds), (p, b, ps) => {
        const lowest = ps.kind === "low_price_priority" ? Math.min(p, b) : b;
        const s = priceScore(ps, new Dec(p), new Dec(lowest), rounding()).score;
        expect(s.gte(0) && s.lte(ps.full)).toBe(true);
      }),
      { seed: 8, numRuns: 300 },
    );
  }, 30_000);
});
