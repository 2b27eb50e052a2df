import { describe, expect, it } from "vitest";
import { validateEvaluation, type EvaluationSpec } from "./evaluation";

const spec = (criteria: EvaluationSpec["criteria"]): EvaluationSpec => ({ method: "comprehensive", criteria });
const c = (code: string, kind: "price" | "technical" | "commercial", weight: number) => ({ code, name: code, kind, weight, max: weight });

describe("evaluation method validation (R46)", () => {
  it("R46: lowest evaluated price needs no criteria", () => {
    expect(validateEvaluation({ method: "lowest_evaluated_price", criteria: [] }, { regime: "ZTB", category: "construction" })).toEqual([]);
  });

  it("R46: comprehensive weights must sum to 100", () => {
    const v = validateEvaluation(spec([c("P", "price", 40), c("T", "technical", 50)]), { regime: "ZTB", category: "construction" });
    expect(v.map((x) => x.code)).toEqual(["RULE_R46_WEIGHTS_SUM"]);
    expect(v[0]!.params.total).toBe(90);
  });

  it("R46: exactly one price criterion", () => {
    const v = validateEvaluation(spec([c("T", "technical", 60), c("B", "commercial", 40)]), { regime: "ZTB", category: "construction" });
    expect(v.map((x) => x.code)).toEqual(["RULE_R46_ONE_PRICE_CRITERION"]);
  });

  it("R46: ZFCG goods need a price weight of at least 30 %", () => {
    const low = validateEvaluation(spec([c("P", "price", 25), c("T", "technical", 75)]), { regime: "ZFCG", category: "goods" });
    expect(low).toEqual([{ rule: "R46", code: "RULE_R46_ZFCG_PRICE_WEIGHT", params: { weight: 25, min: 30 } }]);
    expect(validateEvaluation(spec([c("P", "price", 30), c("T", "technical", 70)]), { regime: "ZFCG", category: "goods" })).toEqual([]);
  });

  it("R46: ZFCG services need at least 10 %, ZTB has no floor", () => {
    expect(validateEvaluation(spec([c("P", "price", 9), c("T", "technical", 91)]), { regime: "ZFCG", category: "services" })[0]?.params).toEqual({ weight: 9, min: 10 });
    expect(validateEvaluation(spec([c("P", "price", 5), c("T", "technical", 95)]), { regime: "ZTB", category: "services" })).toEqual([]);
  });

  it("R46: duplicate criterion codes are refused", () => {
    const v = validateEvaluation(spec([c("P", "price", 50), c("P", "technical", 50)]), { regime: "ZTB", category: "goods" });
    expect(v.map((x) => x.code)).toContain("RULE_R46_DUPLICATE_CRITERION");
  });
});
