import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { caseArb, reverseChooser } from "#test/fixtures/evaluation/arbitraries";
import { canonicalJson } from "./appendix";
import { Dec } from "./decimal";
import { evaluate, EvaluationInputError } from "./evaluate";
import type { EvaluationInputData } from "./input";
import { flattenCriteria, parseMethodConfig } from "./method";
import { bid, members, priceOnlyConfig, priceOnlyInput, tvZ1Config, tvZ1Input } from "./test-fixtures";

const THEBID = [
  { minN: 0, maxN: 4, dropHigh: 0, dropLow: 0 },
  { minN: 5, dropHigh: 1, dropLow: 1 },
];

describe("evaluate: the whole computation (EV19)", () => {
  it("TV-Z1: ZFCG comprehensive — D above the ceiling is invalid; totals 87.00, 92.50, 76.91; rank B, A, C", () => {
    const r = evaluate(tvZ1Config, tvZ1Input());
    expect(r.status).toBe("complete");
    expect(r.bids.map((b) => [b.bidderId, b.valid, b.reasons, b.priceScore, b.total])).toEqual([
      ["A", true, [], "30.00", "87.00"],
      ["B", true, [], "28.50", "92.50"],
      ["C", true, [], "25.91", "76.91"],
      ["D", false, ["above_ceiling"], null, null],
    ]);
    expect(r.bids[0]!.items.map((i) => [i.itemId, i.value])).toEqual([
      ["T", "42.00"],
      ["B", "15.00"],
      ["P", "30.00"],
    ]);
    expect(r.benchmark).toMatchObject({ source: "lowest", pool: ["A", "B", "C"], value: "950000.000000" });
    expect(r.ranking.map((x) => [x.bidderId, x.rank])).toEqual([
      ["B", 1],
      ["A", 2],
      ["C", 3],
    ]);
    expect(r.candidates).toEqual(["B", "A", "C"]);
  });

  it("TV-Z2: C small/micro with 10 % → 28.79; with 20 % C becomes the base (A 27.79, B 26.40, C 30.00); contract price undeducted", () => {
    const ten = evaluate(tvZ1Config, tvZ1Input(["small_micro"]));
    expect(ten.bids.map((b) => b.priceScore)).toEqual(["30.00", "28.50", "28.79", null]);
    const c20 = { ...tvZ1Config, policyDeductions: [{ id: "small_micro", label: "小微企业", pct: "20" }] };
    const twenty = evaluate(c20, tvZ1Input(["small_micro"]));
    expect(twenty.benchmark!.value).toBe("880000.000000");
    expect(twenty.bids.map((b) => b.priceScore)).toEqual(["27.79", "26.40", "30.00", null]);
    expect(twenty.bids[2]).toMatchObject({ bidPrice: "1100000.00", scoringPrice: "880000.00", deductionId: "small_micro" });
  });

  it("TV-E2: trimmed mean × K through evaluate — the rejected bid outside, the trimmed ones scored and marked", () => {
    const prices = ["4350000", "4500000", "4620000", "4680000", "4710000", "4800000", "4950000", "5080000"];
    const config = priceOnlyConfig("ZTB_COMPREHENSIVE", "60", {
      benchmark: { source: "trimmed_mean", trim: THEBID, factor: { kind: "K", value: "0.97" } },
      priceScore: { kind: "linear_deviation", full: "60", E1: "2", E2: "1" },
      rounding: { baseScale: 2, devPctScale: 2 },
    });
    const r = evaluate(config, priceOnlyInput("5000000", prices));
    expect(r.benchmark).toMatchObject({ raw: "4662000.000000", value: "4522140.000000", trimmedHigh: ["B7"], trimmedLow: ["B1"] });
    expect(r.bids.map((b) => b.priceScore)).toEqual(["56.19", "59.51", "55.68", "53.02", "51.70", "47.72", "41.08", null]);
    expect(r.bids.map((b) => b.trimmed)).toEqual(["low", null, null, null, null, null, "high", null]);
    expect(r.bids[7]!.reasons).toEqual(["above_ceiling"]);
    expect(r.bids[2]!.devPct).toBe("2.160000");
  });

  it("TV-E4: 合理低价法 ranks by the price score and recommends the top 3", () => {
    const config = priceOnlyConfig("ZTB_REASONABLE_LOW", "100", {
      benchmark: { source: "trimmed_mean", trim: THEBID },
      priceScore: { kind: "linear_deviation", full: "100", E1: "2", E2: "1" },
    });
    const r = evaluate(config, priceOnlyInput("22000000", ["20350000", "20800000", "21000000", "21200000", "21900000"]));
    expect(r.bids.map((b) => b.total)).toEqual(["96.90", "99.05", "100.00", "98.10", "91.43"]);
    expect(r.ranking.map((x) => x.bidderId)).toEqual(["B3", "B2", "B4", "B1", "B5"]);
    expect(r.candidates).toEqual(["B3", "B2", "B4"]);
  });

  it("TV-E5: 平均值法 through evaluate", () => {
    const config = priceOnlyConfig("ZTB_MEAN_PRICE", "40", { total: "40", benchmark: { source: "mean" }, priceScore: { kind: "ratio_deviation", full: "40" } });
    const r = evaluate(config, priceOnlyInput("1150000", ["980000", "1000000", "1040000", "1100000"]));
    expect(r.bids.map((b) => b.priceScore)).toEqual(["38.06", "38.83", "39.61", "37.28"]);
  });

  it("TV-E1: aggregateBeforeRound keeps the price score exact (6-decimal rendering) and rounds the total once", () => {
    const config = priceOnlyConfig("ZTB_COMPREHENSIVE", "50", { benchmark: { source: "mean" }, priceScore: { kind: "linear_deviation", full: "50", E1: "2", E2: "1" }, rounding: { aggregateBeforeRound: true } });
    const r = evaluate(config, priceOnlyInput("10500000", ["9600000", "9800000", "10000000", "10400000"]));
    expect(r.bids.map((b) => b.priceScore)).toEqual(["46.482412", "48.492462", "48.994975", "40.954774"]);
    expect(r.bids.map((b) => b.total)).toEqual(["46.48", "48.49", "48.99", "40.95"]);
  });

  it("deterministic: the same input gives the same result byte for byte", () => {
    const a = canonicalJson(evaluate(tvZ1Config, tvZ1Input(["small_micro"])));
    const b = canonicalJson(evaluate(tvZ1Config, tvZ1Input(["small_micro"])));
    expect(a).toBe(b);
  });

  it("refuses malformed or inconsistent input with a code (never a partial guess)", () => {
    const err = (input: EvaluationInputData) => {
      try {
        evaluate(tvZ1Config, input);
      } catch (e) {
        return e instanceof EvaluationInputError ? e.code : "other";
      }
      return "none";
    };
    const ok = tvZ1Input();
    expect(err({ ...ok, bids: [...ok.bids, bid("A", "1")] })).toBe("input_invalid");
    expect(err({ ...ok, bids: [bid("A", "1.234")] })).toBe("input_invalid");
    expect(err({ ...ok, sheets: [{ memberId: "M9", scores: [] }] })).toBe("input_invalid");
    expect(err({ ...ok, sheets: [{ memberId: "M1", scores: [{ bidderId: "A", itemId: "P", score: "30" }] }] })).toBe("input_invalid");
    expect(err({ ...ok, lots: [{ purpose: "ranking", among: ["B", "A"], order: ["A", "B"] }] })).toBe("input_invalid");
    expect(err({ ...ok, bids: [bid("A", "1", { policy: ["unknown"] })] })).toBe("input_invalid");
    expect(() => evaluate({ ...tvZ1Config, kind: "X" } as never, ok)).toThrow(EvaluationInputError);
  });

  it("a missing review conclusion blocks in phase 1", () => {
    const input = tvZ1Input();
    input.bids[1] = { ...input.bids[1]!, review: [] };
    const r = evaluate(tvZ1Config, input);
    expect(r.status).toBe("blocked");
    expect(r.blockers).toEqual([{ code: "missing_review", bidderId: "B", itemId: "qual", memberId: null }]);
    expect(r.bids[1]!.reasons).toEqual(["review_missing"]);
    expect(r.benchmark).toBeNull();
  });

  it("property: invariant under permutation of bids, members, sheets and scores (lots from the same chooser)", () => {
    fc.assert(
      fc.property(caseArb, ({ method, input }) => {
        const a = evaluate(method, input, { chooseLot: reverseChooser });
        const shuffled: EvaluationInputData = {
          ...input,
          bids: [...input.bids].reverse(),
          members: [...(input.members ?? [])].reverse(),
          sheets: [...(input.sheets ?? [])].reverse().map((s) => ({ ...s, scores: [...s.scores].reverse() })),
        };
        const b = evaluate(method, shuffled, { chooseLot: reverseChooser });
        expect(canonicalJson(b)).toBe(canonicalJson(a));
      }),
      { seed: 2026, numRuns: 60 },
    );
  }, 60_000);

  it("property: every aggregated item lies within [0, max], totals within [0, total], the ranking is a permutation of the rankable bids", () => {
    fc.assert(
      fc.property(caseArb, ({ method, input }) => {
        const r = evaluate(method, input, { chooseLot: reverseChooser });
        const config = parseMethodConfig(method);
        const max = new Map(flattenCriteria(config.criteria).map((f) => [f.node.id, new Dec(f.node.max)]));
        for (const b of r.bids) {
          for (const it of b.items) if (it.value !== null) expect(new Dec(it.value).gte(0) && new Dec(it.value).lte(max.get(it.itemId)!), `${b.bidderId} ${it.itemId} ${it.value}`).toBe(true);
          if (b.total !== null) expect(new Dec(b.total).gte(0) && new Dec(b.total).lte(100)).toBe(true);
        }
        if (r.status === "complete") {
          const rankable = r.bids.filter((b) => b.valid && b.brand !== "collapsed").map((b) => b.bidderId);
          expect(r.ranking.map((x) => x.bidderId).sort()).toEqual(rankable.sort());
        } else expect(r.ranking).toEqual([]);
      }),
      { seed: 2027, numRuns: 60 },
    );
  }, 60_000);

  it("ZTB candidates are capped at 3 even if the configuration asks for more (R47)", () => {
    const config = priceOnlyConfig("ZTB_COMPREHENSIVE", "100", { benchmark: { source: "lowest" }, priceScore: { kind: "low_price_priority", full: "100" }, candidates: { count: 5 } });
    const r = evaluate(config, { members: members(5), bids: ["1", "2", "3", "4", "5"].map((p, i) => bid(`B${i}`, p)) });
    expect(r.candidates).toHaveLength(3);
  });
});
