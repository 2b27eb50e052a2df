import { describe, expect, it } from "vitest";
import { METHOD_KINDS, parseMethodConfig, regimeOf, type MethodConfig, type Regime } from "./evaluation/method";
import { validateMethod } from "./evaluation/validate";
import { SealedBidForm } from "./rules/opening";
import { bidFormInputs, defaultMethodConfig, methodFieldsForDisplay, methodFormValues, MethodFieldsSchema, methodFromFields, parseDropCount, resolveKind, type MethodFormValues } from "./method-form";

/** Parse the form's fields as the project schema does; returns the configuration and the issues by dotted path. */
function fromFields(values: MethodFormValues, regime: Regime) {
  const issues: Record<string, string> = {};
  const fields = MethodFieldsSchema.parse(JSON.parse(JSON.stringify(values)));
  const config = methodFromFields(fields, regime, (path, message) => (issues[path.join(".")] ??= message));
  return { config, issues };
}
const roundTrip = (c: MethodConfig) => fromFields(methodFormValues(c), regimeOf(c.kind));

describe("method form: defaults (EV5, EV6, R46)", () => {
  it.each(METHOD_KINDS)("the default configuration of %s passes publication (validateMethod) for every category", (kind) => {
    const c = defaultMethodConfig(kind);
    for (const category of ["construction", "goods", "services"] as const) expect(validateMethod(c, { category }), category).toEqual([]);
    // §3.1: every kind carries the regime's compliance review items.
    expect(c.review.length).toBeGreaterThan(0);
  });

  it("a method named alone (an API caller, an old draft) takes the method's defaults; legacy names resolve by regime", () => {
    expect(fromFields({ method: "ZTB_COMPREHENSIVE" }, "ZTB").config).toEqual(defaultMethodConfig("ZTB_COMPREHENSIVE"));
    expect(fromFields({ method: "lowest_evaluated_price" }, "ZFCG").config).toEqual(defaultMethodConfig("ZFCG_LOWEST"));
    expect(resolveKind("comprehensive", "ZTB")).toBe("ZTB_COMPREHENSIVE");
    expect(resolveKind("comprehensive", "ZFCG")).toBe("ZFCG_COMPREHENSIVE");
    expect(resolveKind("bribe", "ZTB")).toBeNull();
  });
});

describe("method form: fields → MethodConfig → fields", () => {
  it.each(METHOD_KINDS)("%s: the default configuration survives a round trip through the form unchanged", (kind) => {
    const c = defaultMethodConfig(kind);
    const r = roundTrip(c);
    expect(r.issues).toEqual({});
    expect(r.config).toEqual(c);
  });

  it("every parameter the engine has survives the round trip (trimming table with n/6, factor K, rounding, flags, ties, adjustments, deductions)", () => {
    const ztb = parseMethodConfig({
      ...defaultMethodConfig("ZTB_COMPREHENSIVE"),
      benchmark: { source: "trimmed_mean", trim: [{ minN: 0, maxN: 6, dropHigh: 1, dropLow: 0 }, { minN: 7, dropHigh: { per: 6 }, dropLow: { per: 6 } }], factor: { kind: "K", value: "0.97" }, priceBasis: "excluding_provisional" },
      priceScore: { kind: "n_factor", full: "60", nAbove: "2", nBelow: "1", maxDeduction: "30" },
      rounding: { scale: 3, itemScale: 3, baseScale: 2, devRatioScale: 4, devPctScale: 2, aggregateBeforeRound: true },
      flags: { deviation: { reference: "all", thresholdPct: "25" }, belowMaxRatio: "0.6", abnormallyLow: { thresholdPct: "15" } },
      aggregation: { subjective: "trimmed_1_1_if_n_ge_5", byGroup: { business: "mean" }, invalidScore: "void" },
      tieBreak: { chain: ["price_asc", "tech_desc", "lot"] },
      leader: { chosenBy: "appointed", maxRounds: 2, fallback: "appointment" },
    });
    expect(roundTrip(ztb).config).toEqual(ztb);

    const lowest = parseMethodConfig({
      ...defaultMethodConfig("ZTB_LOWEST_EVALUATED"),
      adjustments: [
        { kind: "missing_item", id: "A1", label: "单价遗漏", reference: "mean_other" },
        { kind: "deviation_rate", id: "A2", label: "付款条件", threshold: "30", direction: "below", ratePct: "0.5" },
        { kind: "amount", id: "A3", label: "细微偏差" },
      ],
    });
    expect(roundTrip(lowest).config).toEqual(lowest);

    const zfcg = parseMethodConfig({ ...defaultMethodConfig("ZFCG_LOWEST"), policyDeductions: [{ id: "SME", label: "小微企业", pct: "10" }, { id: "D2", label: "监狱企业", pct: "6" }], sameBrand: false });
    expect(roundTrip(zfcg).config).toEqual(zfcg);
  });

  it("criteria rows: the level makes the tree, a blank parent max is the sum of its children, blank codes are generated, blank rows ignored", () => {
    const { config, issues } = fromFields(
      {
        method: "ZTB_COMPREHENSIVE",
        shownKind: "ZTB_COMPREHENSIVE",
        total: "100",
        criteria: [
          { level: "1", group: "technical", label: "技术部分" },
          { level: "2", label: "施工组织设计", mode: "range", max: "25" },
          { level: "2", label: "质量保证", mode: "fixed", max: "15", options: "15、10，5 0", objective: "on" },
          {},
          { level: "1", group: "price", label: "投标报价", mode: "formula", max: "60" },
        ],
        review: [{ stage: "form", label: "投标函签字盖章" }, { code: "Q9", stage: "qualification", label: "资质" }],
        benchmark: { source: "mean", factor: "none" },
        priceScore: { kind: "linear_deviation", E1: "2", E2: "1" },
      },
      "ZTB",
    );
    expect(issues).toEqual({});
    expect(config!.criteria).toEqual([
      {
        id: "T1",
        label: "技术部分",
        max: "40",
        group: "technical",
        children: [
          { id: "T2", label: "施工组织设计", max: "25", mode: "range" },
          { id: "T3", label: "质量保证", max: "15", mode: "fixed", objective: true, options: ["15", "10", "5", "0"] },
        ],
      },
      { id: "P1", label: "投标报价", max: "60", group: "price", mode: "formula" },
    ]);
    expect(config!.review).toEqual([
      { id: "F1", stage: "form", label: "投标函签字盖章" },
      { id: "Q9", stage: "qualification", label: "资质" },
    ]);
    // The price formula's full score is the price item's points (R46_PRICE_FULL can never be broken by the form).
    expect(config!.kind === "ZTB_COMPREHENSIVE" && config!.priceScore).toEqual({ kind: "linear_deviation", full: "60", E1: "2", E2: "1" });
    expect(validateMethod(config!, { category: "construction" })).toEqual([]);
  });

  it("a method changed without JavaScript is shown with the new method's defaults under what was typed", () => {
    const shown = methodFieldsForDisplay({ method: "ZTB_COMPREHENSIVE", shownKind: "ZTB_LOWEST_EVALUATED", review: [{ label: "只此一项", stage: "form" }] }, "ZTB_COMPREHENSIVE");
    expect(shown.shownKind).toBe("ZTB_COMPREHENSIVE");
    expect(shown.review).toEqual([{ label: "只此一项", stage: "form" }]);
    expect(shown.criteria).toEqual(methodFormValues(defaultMethodConfig("ZTB_COMPREHENSIVE")).criteria);
    const same = { method: "ZTB_MEAN_PRICE", shownKind: "ZTB_MEAN_PRICE" };
    expect(methodFieldsForDisplay(same, "ZTB_MEAN_PRICE")).toBe(same);
  });
});

describe("method form: bad input is reported on its field (common:errors.*)", () => {
  const scored = { method: "ZTB_COMPREHENSIVE", shownKind: "ZTB_COMPREHENSIVE" };
  const price = { level: "1", group: "price", label: "投标报价", mode: "formula", max: "100" };

  it("a method of the other regime, an unknown method, a missing method", () => {
    expect(fromFields({ method: "ZFCG_COMPREHENSIVE" }, "ZTB")).toEqual({ config: null, issues: { method: "methodRegime" } });
    expect(fromFields({ method: "bribe" }, "ZTB")).toEqual({ config: null, issues: { method: "invalid" } });
    expect(fromFields({ method: " " }, "ZTB")).toEqual({ config: null, issues: { method: "required" } });
  });

  it("criteria: bad points, a level without a parent, a duplicate or malformed code, a fixed item without options, a missing label", () => {
    const r = fromFields(
      {
        ...scored,
        criteria: [
          { level: "2", group: "technical", label: "孤儿", mode: "range", max: "10" },
          { level: "1", group: "technical", label: "技术", mode: "range", max: "1e3" },
          { level: "1", group: "business", code: "X1", label: "商务", mode: "fixed", max: "10" },
          { level: "1", group: "other", code: "X1", label: "其他", mode: "range", max: "5" },
          { level: "1", group: "other", code: "坏 代码", label: "其他2", mode: "range", max: "5" },
          { level: "1", group: "other", mode: "range", max: "5", low: "1" },
          price,
        ],
      },
      "ZTB",
    );
    expect(r.config).toBeNull();
    expect(r.issues).toEqual({
      "criteria.0.level": "criterionParent",
      "criteria.1.max": "invalid",
      "criteria.2.options": "required",
      "criteria.3.code": "duplicate",
      "criteria.4.code": "invalid",
      "criteria.5.label": "required",
      "criteria.5.high": "required",
    });
  });

  it("benchmark and price score parameters out of range, a trimming table with bad rows", () => {
    const r = fromFields(
      {
        ...scored,
        criteria: [price],
        benchmark: { source: "trimmed_mean", factor: "K", factorValue: "2" },
        trim: [{ minN: "0", dropHigh: "n/1", dropLow: "x" }, { minN: "", dropHigh: "1", dropLow: "1" }],
        priceScore: { kind: "linear_deviation", E1: "101", E2: "" },
        rounding: { scale: "9" },
        candidates: "0",
        tieChain: ["price_asc", "bribe"],
      },
      "ZTB",
    );
    expect(r.config).toBeNull();
    expect(r.issues).toEqual({
      "benchmark.factorValue": "invalid",
      "trim.0.dropHigh": "invalid",
      "trim.0.dropLow": "invalid",
      "trim.1.minN": "required",
      "priceScore.E1": "invalid",
      "priceScore.E2": "required",
      "rounding.scale": "invalid",
      candidates: "invalid",
      "tieChain.1": "invalid",
    });
  });

  it("a trimmed mean without any trimming row; review items and deductions need their labels and valid percentages", () => {
    expect(fromFields({ ...scored, criteria: [price], benchmark: { source: "trimmed_mean" }, trim: [] }, "ZTB").issues).toEqual({ trim: "required" });
    expect(fromFields({ method: "ZFCG_LOWEST", shownKind: "ZFCG_LOWEST", review: [{ code: "C1", stage: "compliance" }], policyDeductions: [{ label: "小微", pct: "60" }] }, "ZFCG").issues).toEqual({
      "review.0.label": "required",
      "policyDeductions.0.pct": "invalid",
    });
  });

  it("drop counts: a number or n/k (TV-E7)", () => {
    expect(parseDropCount("2")).toBe(2);
    expect(parseDropCount("n/6")).toEqual({ per: 6 });
    for (const bad of ["", "-1", "n/1", "1.5", "101", "n/0"]) expect(parseDropCount(bad), bad).toBeNull();
  });
});

describe("bid form fields the method asks for (read by the summary: policy deductions, TV-B1 brand, provisional sums)", () => {
  it("ZFCG: the method's policy deductions and the brand when the same-brand rule applies; ZTB: provisional sums only with excluding_provisional", () => {
    expect(bidFormInputs(defaultMethodConfig("ZFCG_COMPREHENSIVE"))).toEqual({ policy: [{ id: "SME", label: "小微企业价格扣除" }], brand: true, provisional: false });
    expect(bidFormInputs(parseMethodConfig({ ...defaultMethodConfig("ZFCG_LOWEST"), policyDeductions: [], sameBrand: false }))).toEqual({ policy: [], brand: false, provisional: false });
    expect(bidFormInputs(defaultMethodConfig("ZTB_COMPREHENSIVE")).provisional).toBe(false);
    const low = defaultMethodConfig("ZTB_REASONABLE_LOW");
    expect(bidFormInputs(parseMethodConfig({ ...low, benchmark: { ...("benchmark" in low ? low.benchmark : {}), priceBasis: "excluding_provisional" } }))).toEqual({ policy: [], brand: false, provisional: true });
    expect(bidFormInputs(null)).toEqual({ policy: [], brand: false, provisional: false });
  });

  it("the sealed bid form keeps them, bounded (R26: anything else makes the form unreadable)", () => {
    const form = { priceYuan: "100.00", durationDays: "30", policy: ["SME"], brand: "某品牌", provisionalYuan: "5000" };
    expect(SealedBidForm.parse({ v: 1, form, files: [] }).form).toMatchObject(form);
    for (const bad of [{ policy: ["坏"] }, { policy: Array(11).fill("SME") }, { brand: "x".repeat(101) }, { provisionalYuan: "1e5" }]) {
      expect(SealedBidForm.safeParse({ v: 1, form: { ...form, ...bad }, files: [] }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
