import { describe, expect, it } from "vitest";
import { defaultsFor, parseMethodConfig, type Criterion, type MethodConfigInput } from "./method";
import { tvZ1Config } from "./test-fixtures";
import { validateMethod } from "./validate";

const codes = (config: MethodConfigInput, ctx: Parameters<typeof validateMethod>[1]) => validateMethod(parseMethodConfig(config), ctx).map((v) => v.code);
const zfcg = (price: string, other: Criterion[] = []): MethodConfigInput => ({
  ...tvZ1Config,
  criteria: [
    { id: "T", label: "技术", max: String(100 - Number(price) - other.reduce((s, c) => s + Number(c.max), 0)), group: "technical", mode: "range" },
    ...other,
    { id: "P", label: "价格", max: price, group: "price", mode: "formula" },
  ],
  priceScore: { kind: "low_price_priority", full: price },
});

describe("publication-time validation (EV2, EV5)", () => {
  it("TV-Z1's configuration is valid", () => {
    expect(codes(tvZ1Config, { category: "goods" })).toEqual([]);
  });

  it("TV-P1: ZFCG goods with price 25/100 → refused; services 10/100 → accepted", () => {
    const v = validateMethod(parseMethodConfig(zfcg("25")), { category: "goods" });
    expect(v).toEqual([{ rule: "R46", code: "RULE_R46_ZFCG_PRICE_SHARE", params: { share: "25", min: 30 } }]);
    expect(codes(zfcg("10"), { category: "services" })).toEqual([]);
    expect(codes(zfcg("9"), { category: "services" })).toEqual(["RULE_R46_ZFCG_PRICE_SHARE"]);
  });

  it("TV-P1: a scored qualification condition (registered capital ≥ ¥10M) is refused (87号令17, 55)", () => {
    const capital: Criterion = { id: "CAP", label: "注册资本不低于1000万元", max: "5", group: "business", mode: "fixed", options: ["5", "0"], qualification: true };
    expect(codes(zfcg("30", [capital]), { category: "goods" })).toEqual(["RULE_R46_QUALIFICATION_SCORED"]);
    const reviewed: Criterion = { ...capital, max: "0", mode: "pass_fail", options: undefined };
    expect(codes(zfcg("30", [reviewed]), { category: "goods" })).toEqual([]);
  });

  it("TV-P1 / EV2: 竞争性磋商 goods price 65/100 is refused only when the range rule is enabled", () => {
    expect(codes(zfcg("65"), { category: "goods", procurementMethod: "competitive_consultation" })).toEqual([]);
    expect(codes(zfcg("65"), { category: "goods", procurementMethod: "competitive_consultation", consultationRangeRule: true })).toEqual(["RULE_R46_ZFCG_PRICE_RANGE"]);
    expect(codes(zfcg("65"), { category: "goods" })).toEqual([]); // 87号令55 has floors only
  });

  it("EV5: price 0 only for fixed-price items", () => {
    const none: MethodConfigInput = { ...tvZ1Config, criteria: [{ id: "T", label: "技术", max: "100", group: "technical", mode: "range" }] };
    expect(codes(none, { category: "goods" })).toEqual(["RULE_R46_PRICE_ITEM", "RULE_R46_ZFCG_PRICE_SHARE"]);
    expect(codes(none, { category: "goods", fixedPrice: true })).toEqual([]);
  });

  it("EV5: group maxima sum to the declared total; parents sum their children; items fit their points", () => {
    const c: MethodConfigInput = {
      ...tvZ1Config,
      total: "100",
      criteria: [
        { id: "T", label: "技术", max: "50", group: "technical", children: [{ id: "T1", label: "t1", max: "30", mode: "range" }, { id: "T2", label: "t2", max: "15", mode: "fixed", options: ["20", "0"] }] },
        { id: "B", label: "商务", max: "15", group: "business", mode: "range", bounds: ["5", "20"] },
        { id: "P", label: "价格", max: "30", group: "price", mode: "formula" },
      ],
    };
    expect(validateMethod(parseMethodConfig(c), { category: "goods" })).toEqual([
      { rule: "R46", code: "RULE_R46_ITEM_SUM", params: { item: "T", sum: "45", max: "50" } },
      { rule: "R46", code: "RULE_R46_ITEM_RANGE", params: { item: "T2" } },
      { rule: "R46", code: "RULE_R46_ITEM_RANGE", params: { item: "B" } },
      { rule: "R46", code: "RULE_R46_GROUP_TOTAL", params: { total: "95", declared: "100" } },
    ]);
  });

  it("87号令55: ZFCG must use 低价优先法; benchmark-price methods are ZTB only", () => {
    const c = { ...tvZ1Config, benchmark: { source: "trimmed_mean" as const, trim: [{ minN: 5, dropHigh: 1, dropLow: 1 }], factor: { kind: "K" as const, value: "0.97" } }, priceScore: { kind: "linear_deviation" as const, full: "30", E1: "2", E2: "1" } };
    expect(codes(c, { category: "goods" })).toEqual(["RULE_R46_ZFCG_LOW_PRICE_PRIORITY", "RULE_R46_BENCHMARK_ZTB_ONLY", "RULE_R46_BENCHMARK_ZTB_ONLY"]);
    const ztb = { ...c, kind: "ZTB_COMPREHENSIVE" as const, ...defaultsFor("ZTB_COMPREHENSIVE"), policyDeductions: undefined, sameBrand: undefined };
    delete ztb.policyDeductions;
    delete ztb.sameBrand;
    expect(codes(ztb, { category: "construction" })).toEqual([]);
  });

  it("R46 合理低价法 / 平均值法 and the lowest-price methods: only what the method scores", () => {
    const ztb = defaultsFor("ZTB_REASONABLE_LOW");
    const rl: MethodConfigInput = {
      kind: "ZTB_REASONABLE_LOW",
      ...ztb,
      criteria: [
        { id: "X", label: "施工组织设计", max: "10", group: "technical", mode: "range" },
        { id: "P", label: "价格", max: "90", group: "price", mode: "formula" },
      ],
      benchmark: { source: "mean" },
      priceScore: { kind: "linear_deviation", full: "90", E1: "2", E2: "1" },
    };
    expect(codes(rl, { category: "construction" })).toEqual(["RULE_R46_PRICE_ONLY"]);
    const mp: MethodConfigInput = { ...rl, kind: "ZTB_MEAN_PRICE", criteria: [{ id: "P", label: "价格", max: "100", group: "price", mode: "formula" }], priceScore: { kind: "linear_deviation", full: "100", E1: "2", E2: "1" } };
    expect(codes(mp, { category: "construction" })).toEqual(["RULE_R46_MEAN_PRICE_FORMULA"]);
    const low: MethodConfigInput = { kind: "ZFCG_LOWEST", ...defaultsFor("ZFCG_LOWEST"), criteria: [{ id: "X", label: "x", max: "10", group: "technical", mode: "range" }] };
    expect(codes(low, { category: "goods" })).toEqual(["RULE_R46_LOWEST_NOT_SCORED"]);
  });

  it("trimming rows, tie chains, candidates, the too-few rule, the correction order and the leader (R32, R43, R45, R47)", () => {
    const base = parseMethodConfig({
      kind: "ZTB_COMPREHENSIVE",
      ...defaultsFor("ZTB_COMPREHENSIVE"),
      criteria: [{ id: "P", label: "价格", max: "100", group: "price", mode: "formula" }],
      benchmark: { source: "trimmed_mean", trim: [{ minN: 2, dropHigh: 1, dropLow: 1 }] },
      priceScore: { kind: "linear_deviation", full: "100", E1: "2", E2: "1" },
      tieBreak: { chain: ["lot", "price_asc", "price_asc"] },
      candidates: { count: 4 },
      corrections: { order: "ZFCG" },
      leader: { chosenBy: "appointed" },
    });
    expect(validateMethod(base, { category: "construction" }).map((v) => [v.code, v.params])).toEqual([
      ["RULE_R46_TRIM_DROPS_ALL", { row: 1, n: 2 }],
      ["RULE_R46_TIE_CHAIN", { step: "price_asc" }],
      ["RULE_R46_TIE_CHAIN", { step: "price_asc" }],
      ["RULE_R47_CANDIDATES", { count: 4, max: 3 }],
      ["RULE_R43_CORRECTION_ORDER", { order: "ZFCG", regime: "ZTB" }],
    ]);
    const z = parseMethodConfig({ ...tvZ1Config, tooFew: { min: 3, action: "record_reasoning" }, leader: { fallback: "appointment" } });
    expect(validateMethod(z, { category: "goods" }).map((v) => v.code)).toEqual(["RULE_R45_ZFCG_TOO_FEW", "RULE_R32_LEADER_APPOINTED"]);
  });
});
