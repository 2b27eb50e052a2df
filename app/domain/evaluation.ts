import type { RuleViolation } from "./rules/violations";

/** The evaluation method and criteria fixed at publication (PRODUCT.md §3.5; R46). */
export type EvaluationCriterion = { code: string; name: string; kind: "price" | "technical" | "commercial"; weight: number; max: number };
export type EvaluationSpec = {
  method: "lowest_evaluated_price" | "comprehensive";
  criteria: EvaluationCriterion[];
  priceFormula?: "lowest_over_price" | "benchmark_deviation";
};

/**
 * Pure validation of an evaluation spec (R46): comprehensive scoring needs criteria whose
 * weights sum to 100 with exactly one price criterion; ZFCG price weight ≥ 30 % for goods,
 * ≥ 10 % for services. Lowest evaluated price needs no weights.
 */
export function validateEvaluation(
  spec: EvaluationSpec,
  ctx: { regime: "ZTB" | "ZFCG"; category: string },
): RuleViolation[] {
  if (spec.method === "lowest_evaluated_price") return [];
  const out: RuleViolation[] = [];
  const total = spec.criteria.reduce((s, c) => s + c.weight, 0);
  if (Math.abs(total - 100) > 1e-9) out.push({ rule: "R46", code: "RULE_R46_WEIGHTS_SUM", params: { total } });
  const prices = spec.criteria.filter((c) => c.kind === "price");
  if (prices.length !== 1) out.push({ rule: "R46", code: "RULE_R46_ONE_PRICE_CRITERION", params: { count: prices.length } });
  if (ctx.regime === "ZFCG" && prices.length === 1) {
    const min = ctx.category === "goods" ? 30 : ctx.category === "services" ? 10 : 0;
    const w = prices[0]!.weight;
    if (w < min) out.push({ rule: "R46", code: "RULE_R46_ZFCG_PRICE_WEIGHT", params: { weight: w, min } });
  }
  const codes = new Set<string>();
  for (const c of spec.criteria) {
    if (codes.has(c.code)) out.push({ rule: "R46", code: "RULE_R46_DUPLICATE_CRITERION", params: { code: c.code } });
    codes.add(c.code);
  }
  return out;
}
