import { describe, expect, it } from "vitest";
import { defaultsFor, flattenCriteria, fromLegacySpec, LIMITS, parseMethodConfig, safeParseMethodConfig, type Criterion } from "./method";
import { tvZ1Config } from "./test-fixtures";

const leaf = (id: string, extra: Partial<Criterion> = {}): Criterion => ({ id, label: id, max: "10", mode: "range", ...extra });
const scored = (criteria: Criterion[]) => ({ ...tvZ1Config, criteria });

describe("the method configuration as data (R46, EV5–EV7)", () => {
  it("EV6: TV-Z1's configuration parses, with every default filled", () => {
    const c = parseMethodConfig(tvZ1Config);
    expect(c.kind).toBe("ZFCG_COMPREHENSIVE");
    expect(c.rounding).toEqual({ scale: 2, mode: "HALF_UP", aggregateBeforeRound: false });
    if (c.kind !== "ZFCG_COMPREHENSIVE") throw new Error("kind");
    expect(c.aggregation).toEqual({ subjective: "mean", objective: "must_agree", byGroup: {}, invalidScore: "block" });
    expect(c.flags).toEqual({ deviation: { reference: "others", thresholdPct: "30" }, abnormallyLow: { thresholdPct: "20" } });
    expect(c.leader).toEqual({ chosenBy: "election", maxRounds: 3, fallback: "lot" });
    expect(c.candidates).toEqual({ count: 3 });
    expect([c.sameBrand, c.total, c.benchmark.priceBasis]).toEqual([true, "100", "bid"]);
  });

  it("EV7: numbers are decimal strings; binary floats and exponents are refused", () => {
    expect(safeParseMethodConfig({ ...tvZ1Config, priceScore: { kind: "low_price_priority", full: 30 } }).success).toBe(false);
    expect(safeParseMethodConfig({ ...tvZ1Config, priceScore: { kind: "low_price_priority", full: "3e1" } }).success).toBe(false);
    expect(safeParseMethodConfig({ ...tvZ1Config, priceScore: { kind: "low_price_priority", full: "30.0000001" } }).success).toBe(false);
  });

  it("bounds: unknown keys, too many or too deep criteria, hostile ids and text are refused", () => {
    expect(safeParseMethodConfig({ ...tvZ1Config, extra: 1 }).success).toBe(false);
    const many = Array.from({ length: LIMITS.criteria + 1 }, (_, i) => leaf(`C${i}`, { group: "technical" }));
    expect(safeParseMethodConfig(scored(many)).success).toBe(false);
    const deep: Criterion = { id: "A", label: "A", max: "10", group: "technical", children: [{ id: "B", label: "B", max: "10", children: [{ id: "C", label: "C", max: "10", children: [leaf("D")] }] }] };
    expect(safeParseMethodConfig(scored([deep])).success).toBe(false);
    expect(safeParseMethodConfig(scored([leaf("技术", { group: "technical" })])).success).toBe(false);
    expect(safeParseMethodConfig(scored([leaf("T", { group: "technical", label: "a\u0000b" })])).success).toBe(false);
    expect(safeParseMethodConfig(scored([leaf("T", { group: "technical" }), leaf("T", { group: "business" })])).success).toBe(false);
    expect(safeParseMethodConfig(scored([leaf("T")])).success).toBe(false); // a top-level node needs its group
    expect(safeParseMethodConfig(scored([leaf("T", { group: "technical", mode: "fixed" })])).success).toBe(false); // fixed needs options
    expect(safeParseMethodConfig(scored([leaf("T", { group: "technical", mode: "pass_fail" })])).success).toBe(false); // pass_fail has max 0
    expect(safeParseMethodConfig({ ...tvZ1Config, benchmark: { source: "trimmed_mean" } }).success).toBe(false);
    expect(safeParseMethodConfig({ ...tvZ1Config, tieBreak: { chain: Array(6).fill("price_asc") } }).success).toBe(false);
  });

  it("EV6: the tree flattens depth-first with inherited groups", () => {
    const tree: Criterion = { id: "T", label: "技术", max: "20", group: "technical", children: [leaf("T1"), leaf("T2")] };
    expect(flattenCriteria([tree]).map((f) => [f.node.id, f.depth, f.group, f.leaf])).toEqual([
      ["T", 1, "technical", false],
      ["T1", 2, "technical", true],
      ["T2", 2, "technical", true],
    ]);
  });

  it("EV1/EV3/EV8/EV9/EV10: regime defaults", () => {
    expect(defaultsFor("ZTB_COMPREHENSIVE")).toEqual({ tieBreak: { chain: ["price_asc", "tenderer_decides"] }, tooFew: { min: 3, action: "record_reasoning" }, corrections: { order: "ZTB" } });
    expect(defaultsFor("ZFCG_LOWEST").tieBreak.chain).toEqual([]);
    expect(defaultsFor("ZFCG_COMPREHENSIVE").tieBreak.chain).toEqual(["price_asc"]);
    expect(defaultsFor("ZFCG_COMPREHENSIVE").tooFew.action).toBe("fail");
  });

  it("fromLegacySpec: the tender form's old spec becomes the new configuration", () => {
    const old = {
      method: "comprehensive" as const,
      priceFormula: "benchmark_deviation" as const,
      criteria: [
        { code: "P", name: "价格", kind: "price" as const, weight: 40, max: 40 },
        { code: "T", name: "技术", kind: "technical" as const, weight: 45, max: 45 },
        { code: "B", name: "商务", kind: "commercial" as const, weight: 15, max: 15 },
      ],
    };
    const c = fromLegacySpec(old, "ZTB");
    expect(c.kind).toBe("ZTB_COMPREHENSIVE");
    if (c.kind !== "ZTB_COMPREHENSIVE") return;
    expect(c.criteria.map((x) => [x.id, x.group, x.mode, x.max])).toEqual([
      ["P", "price", "formula", "40"],
      ["T", "technical", "range", "45"],
      ["B", "business", "range", "15"],
    ]);
    expect(c.priceScore).toEqual({ kind: "linear_deviation", full: "40", E1: "2", E2: "1" });
    expect(c.benchmark.source).toBe("mean");
    const z = fromLegacySpec({ ...old, priceFormula: "lowest_over_price" }, "ZFCG");
    expect(z.kind === "ZFCG_COMPREHENSIVE" && [z.priceScore, z.benchmark.source, z.tooFew.action]).toEqual([{ kind: "low_price_priority", full: "40" }, "lowest", "fail"]);
    expect(fromLegacySpec({ method: "lowest_evaluated_price", criteria: [] }).kind).toBe("ZTB_LOWEST_EVALUATED");
    expect(fromLegacySpec({ method: "lowest_evaluated_price", criteria: [] }, "ZFCG").kind).toBe("ZFCG_LOWEST");
  });
});
