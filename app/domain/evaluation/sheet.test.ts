import { describe, expect, it } from "vitest";
import en from "../../locales/en/rules.json";
import zh from "../../locales/zh-CN/rules.json";
import { parseMethodConfig, type Criterion } from "./method";
import { ownSubtotals, scoredLeaf, scoredLeaves, scoreViolation, sheetGaps, sheetModel, scoreKey } from "./sheet";
import { defaultsFor } from "./method";
import { tvZ1Config } from "./test-fixtures";

const ztb = parseMethodConfig({
  kind: "ZTB_COMPREHENSIVE",
  ...defaultsFor("ZTB_COMPREHENSIVE"),
  review: [{ id: "qual", label: "资格评审", stage: "qualification" }],
  criteria: [
    {
      id: "T",
      label: "施工组织设计",
      max: "40",
      group: "technical",
      children: [
        { id: "T1", label: "施工方案", max: "25", mode: "range", bounds: ["5", "25"] },
        { id: "T2", label: "质量管理", max: "10", mode: "fixed", options: ["10", "7", "3", "0"] },
        { id: "T3", label: "安全文明", max: "5", mode: "deduction", step: "0.5" },
      ],
    },
    { id: "B", label: "项目经理业绩", max: "20", group: "business", mode: "fixed", objective: true, options: ["20", "10", "0"] },
    { id: "Q", label: "资格条件", max: "0", group: "other", mode: "pass_fail", qualification: true },
    { id: "P", label: "投标报价", max: "40", group: "price", mode: "formula" },
  ],
  benchmark: { source: "mean" },
  priceScore: { kind: "linear_deviation", full: "40", E1: "2", E2: "1" },
});

const leaf = (id: string) => scoredLeaf(ztb, id)!;
const message = (lang: "zh" | "en", code: string, params: Record<string, string | number>) => {
  const m = (lang === "zh" ? zh : en) as unknown as { evaluation: Record<string, string> };
  return m.evaluation[code]!.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(params[k]));
};

describe("score sheet model (EV6: rendered from the frozen configuration)", () => {
  it("EV6: one row per node in tree order, with the cell kind, options, bounds and step from the configuration", () => {
    const m = sheetModel(ztb);
    expect(m).toMatchObject({ scored: true, scale: 2, total: "100" });
    expect(m.rows.map((r) => [r.id, r.depth, r.kind])).toEqual([
      ["T", 1, "group"],
      ["T1", 2, "score"],
      ["T2", 2, "score"],
      ["T3", 2, "score"],
      ["B", 1, "objective"],
      ["Q", 1, "pass_fail"],
      ["P", 1, "formula"],
    ]);
    const [, t1, t2, t3, b, , p] = m.rows;
    expect(t1).toMatchObject({ bounds: ["5", "25"], options: null, step: null, group: "technical", parentId: "T" });
    expect(t2).toMatchObject({ options: ["10", "7", "3", "0"], bounds: ["0", "10"] });
    expect(t3).toMatchObject({ step: "0.5", bounds: ["0", "5"] });
    expect(b).toMatchObject({ options: ["20", "10", "0"], group: "business" });
    expect(p).toMatchObject({ bounds: null, options: null, max: "40" });
  });

  it("EV6: the member-scored leaves exclude groups, the price formula and pass/fail items; unknown ids are not scored", () => {
    expect(scoredLeaves(ztb).map((c) => c.id)).toEqual(["T1", "T2", "T3", "B"]);
    expect(scoredLeaf(ztb, "P")).toBeNull();
    expect(scoredLeaf(ztb, "Q")).toBeNull();
    expect(scoredLeaf(ztb, "T")).toBeNull();
    expect(scoredLeaf(ztb, "nope")).toBeNull();
  });

  it("EV6: a lowest-price method has no scored rows (the sheet only confirms)", () => {
    const lowest = parseMethodConfig({ kind: "ZFCG_LOWEST", ...defaultsFor("ZFCG_LOWEST") });
    expect(sheetModel(lowest)).toMatchObject({ scored: false, total: null, rows: [] });
    expect(sheetModel(parseMethodConfig(tvZ1Config)).rows.map((r) => r.kind)).toEqual(["score", "objective", "formula"]);
  });
});

describe("score validity messages (R46: the documents' bounds; the engine's checkScore decides)", () => {
  it("R46: valid values pass, in range, on an option, on the deduction step or at its lower bound", () => {
    expect(scoreViolation(leaf("T1"), "5", 2)).toBeNull();
    expect(scoreViolation(leaf("T1"), "24.75", 2)).toBeNull();
    expect(scoreViolation(leaf("T2"), "7", 2)).toBeNull();
    expect(scoreViolation(leaf("T2"), "7.00", 2)).toBeNull();
    expect(scoreViolation(leaf("T3"), "3.5", 2)).toBeNull();
    expect(scoreViolation(leaf("T3"), "0", 2)).toBeNull();
  });

  it("R46: each refusal names the item and the bound it breaks, in both languages", () => {
    const cases: [string, string, string, Record<string, string | number>][] = [
      ["T1", "26", "RULE_R46_SCORE_ABOVE_MAX", { item: "施工方案", max: "25" }],
      ["T1", "4.5", "RULE_R46_SCORE_BELOW_MIN", { item: "施工方案", min: "5" }],
      ["T1", "20.125", "RULE_R46_SCORE_DECIMALS", { item: "施工方案", decimals: 2 }],
      ["T2", "8", "RULE_R46_SCORE_NOT_OPTION", { item: "质量管理", options: "10 / 7 / 3 / 0" }],
      ["T3", "3.3", "RULE_R46_SCORE_OFF_STEP", { item: "安全文明", max: "5", step: "0.5", min: "0" }],
      ["T1", "-1", "RULE_R46_SCORE_FORMAT", { item: "施工方案" }],
      ["T1", "1e2", "RULE_R46_SCORE_FORMAT", { item: "施工方案" }],
      ["T1", "", "RULE_R46_SCORE_FORMAT", { item: "施工方案" }],
      ["T1", "00012", "RULE_R46_SCORE_FORMAT", { item: "施工方案" }],
    ];
    for (const [id, score, code, params] of cases) {
      const v = scoreViolation(leaf(id), score, 2);
      expect(v, `${id}=${score}`).toEqual({ rule: "R46", code, params });
      const zhText = message("zh", code, params);
      const enText = message("en", code, params);
      expect(zhText).toContain(String(params.item));
      expect(enText).toContain(String(params.item));
      for (const bound of ["max", "min", "options", "step", "decimals"] as const) {
        if (params[bound] !== undefined) {
          expect(zhText).toContain(String(params[bound]));
          expect(enText).toContain(String(params[bound]));
        }
      }
    }
  });

  it("R46: the bound named for an above-max refusal is the lower of the configured upper bound and the item's max", () => {
    const c: Criterion = { id: "X", label: "X", max: "10", mode: "range", bounds: ["0", "8"] };
    expect(scoreViolation(c, "9", 2)?.params).toEqual({ item: "X", max: "8" });
  });
});

describe("submission gaps (EV17: a member submits a complete, valid sheet)", () => {
  it("EV17: every valid bid × scored leaf needs the member's value; an objective item may be covered by the committee's entry", () => {
    const own = new Map([
      [scoreKey("b1", "T1"), "20"],
      [scoreKey("b1", "T2"), "8"], // not an option
      [scoreKey("b1", "T3"), "5"],
    ]);
    const committee = new Set([scoreKey("b1", "B")]);
    const gaps = sheetGaps(ztb, ["b1", "b2"], own, committee);
    expect(gaps.missing.map((g) => `${g.bidId}/${g.itemId}`)).toEqual(["b2/T1", "b2/T2", "b2/T3", "b2/B"]);
    expect(gaps.invalid.map((g) => [g.bidId, g.itemId, g.violation.code])).toEqual([["b1", "T2", "RULE_R46_SCORE_NOT_OPTION"]]);
  });

  it("EV17: an own value on an objective item is checked even when the committee entered one", () => {
    const gaps = sheetGaps(ztb, ["b1"], new Map([[scoreKey("b1", "B"), "15"]]), new Set([scoreKey("b1", "B")]));
    expect(gaps.invalid.map((g) => g.itemId)).toEqual(["B"]);
    expect(gaps.missing.map((g) => g.itemId)).toEqual(["T1", "T2", "T3"]);
  });
});

describe("own subtotals (EV7: decimal strings, no binary floating point)", () => {
  it("EV7: groups sum their children exactly; unknown parts leave the group and the total open", () => {
    const m = sheetModel(ztb);
    const full = ownSubtotals(m, new Map([["T1", "20.1"], ["T2", "7"], ["T3", "4.5"], ["B", "10"]]), "38.2");
    expect(full.get("T")).toBe("31.6");
    expect(full.get("")).toBe("79.8"); // 31.6 + 10 + 0 + 38.2, exact (0.1 + 0.2 style sums stay exact)
    const partial = ownSubtotals(m, new Map([["T1", "20"]]), null);
    expect(partial.get("T")).toBeNull();
    expect(partial.get("")).toBeNull();
  });
});
