import type { RuleNumber, RuleViolation } from "../rules/violations";

/**
 * Violation codes of the evaluation engine and the rule each belongs to, in the existing {rule, code, params}
 * style (app/domain/rules/violations.ts). Their messages live in app/locales/{zh-CN,en}/rules.json under the
 * `evaluation` object — translate with `t(evaluationMessageKey(code), params)` — so that the rules catalog of
 * app/domain/rules keeps its own one-to-one check; violations.test.ts here checks these codes against both
 * catalogs in the same way.
 */
export const EVALUATION_VIOLATION_CODES = {
  // Publication-time validation of the method (validate.ts; EV2, EV5)
  RULE_R46_GROUP_TOTAL: "R46",
  RULE_R46_ITEM_SUM: "R46",
  RULE_R46_CHILD_GROUP: "R46",
  RULE_R46_ITEM_RANGE: "R46",
  RULE_R46_PRICE_ITEM: "R46",
  RULE_R46_PRICE_FULL: "R46",
  RULE_R46_ZFCG_PRICE_SHARE: "R46",
  RULE_R46_ZFCG_PRICE_RANGE: "R46",
  RULE_R46_QUALIFICATION_SCORED: "R46",
  RULE_R46_ZFCG_LOW_PRICE_PRIORITY: "R46",
  RULE_R46_BENCHMARK_ZTB_ONLY: "R46",
  RULE_R46_LOWEST_NOT_SCORED: "R46",
  RULE_R46_PRICE_ONLY: "R46",
  RULE_R46_MEAN_PRICE_FORMULA: "R46",
  RULE_R46_TRIM_DROPS_ALL: "R46",
  RULE_R46_TIE_CHAIN: "R46",
  RULE_R47_CANDIDATES: "R47",
  RULE_R45_ZFCG_TOO_FEW: "R45",
  RULE_R43_CORRECTION_ORDER: "R43",
  RULE_R32_LEADER_APPOINTED: "R32",
  // Committee composition (committee.ts)
  RULE_R32_TOO_FEW_MEMBERS: "R32",
  RULE_R32_EVEN_MEMBERS: "R32",
  RULE_R32_EXPERT_SHARE: "R32",
  RULE_R32_REPRESENTATIVE_CHAIR: "R32",
  RULE_R32_REPRESENTATIVE_NOT_ALLOWED: "R32",
  // Leader election (election.ts; EV3, EV16)
  RULE_R32_ELECTION_NOT_MEMBER: "R32",
  RULE_R32_ELECTION_ALREADY_VOTED: "R32",
  RULE_R32_ELECTION_NOT_ELIGIBLE: "R32",
  RULE_R32_ELECTION_CLOSED: "R32",
  RULE_R32_ELECTION_NO_FALLBACK: "R32",
} as const satisfies Record<string, RuleNumber>;

export type EvaluationViolationCode = keyof typeof EVALUATION_VIOLATION_CODES;

export function evaluationViolation(code: EvaluationViolationCode, params: Record<string, string | number> = {}): RuleViolation {
  return { rule: EVALUATION_VIOLATION_CODES[code], code, params };
}

/** The i18next key of a code's message in the `rules` namespace. */
export const evaluationMessageKey = (code: EvaluationViolationCode | string) => `rules:evaluation.${code}`;
