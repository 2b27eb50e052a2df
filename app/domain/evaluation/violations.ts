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
  // Scoring and the summary (sheet.ts, services/evaluation/{scoring,summary}; R45–R48, EV10, EV17–EV19)
  RULE_R46_SCORE_FORMAT: "R46",
  RULE_R46_SCORE_DECIMALS: "R46",
  RULE_R46_SCORE_ABOVE_MAX: "R46",
  RULE_R46_SCORE_BELOW_MIN: "R46",
  RULE_R46_SCORE_NOT_OPTION: "R46",
  RULE_R46_SCORE_OFF_STEP: "R46",
  RULE_R46_NOT_SCORED: "R46",
  RULE_R46_BID_NOT_SCORED: "R46",
  RULE_R48_SHEET_INCOMPLETE: "R48",
  RULE_R48_SHEET_SUBMITTED: "R48",
  RULE_R48_CHANGE_REASON: "R48",
  RULE_R48_CHANGE_NOTE: "R48",
  RULE_R48_CHANGE_SAME: "R48",
  RULE_R48_CHANGE_NO_SCORE: "R48",
  RULE_R48_NOT_FLAGGED: "R48",
  RULE_R48_FLAGS_UNJUSTIFIED: "R48",
  RULE_R48_RESULT_BLOCKED: "R48",
  RULE_R48_DISAGREEMENT: "R48",
  RULE_R47_TIE_PENDING: "R47",
  RULE_R47_TIE_ORDER: "R47",
  RULE_R45_REASONING_MISSING: "R45",
  // The report, its signatures and rollbacks (report-signing.ts; R49, R50, EV20, EV21)
  RULE_R49_RESULT_MISMATCH: "R49",
  RULE_R50_DISSENT_REASONS: "R50",
  RULE_R50_MAJORITY_DISSENT: "R50",
  RULE_R50_POSITIONS_CLOSED: "R50",
  RULE_R50_NOT_FINAL: "R50",
  RULE_R50_ALREADY_SIGNED: "R50",
  RULE_R50_STALE_REVISION: "R50",
  RULE_R50_ROLLBACK_PENDING: "R50",
  RULE_R50_ROLLBACK_TARGET: "R50",
  RULE_R50_ROLLBACK_REASON: "R50",
  // Compliance review and clarifications (grounds.ts, review.ts, clarification.ts, services/evaluation/{review,clarifications}; R43–R45, EV12–EV14, EV17)
  RULE_R44_FAIL_REASON: "R44",
  RULE_R44_GROUND_UNKNOWN: "R44",
  RULE_R44_CLARIFY_FIRST: "R44",
  RULE_R44_REVIEW_DONE: "R44",
  RULE_R44_REVIEW_INCOMPLETE: "R44",
  RULE_R44_MEMBERS_NOT_DONE: "R44",
  RULE_R44_REVIEW_CLOSED: "R44",
  RULE_R45_REASONING_REQUIRED: "R45",
  RULE_R45_NOT_TOO_FEW: "R45",
  RULE_R43_CLARIFICATION_PENDING: "R43",
  RULE_R43_DEADLINE_RANGE: "R43",
  RULE_R43_CLARIFICATION_CLOSED: "R43",
  RULE_R43_CLARIFICATION_LIMIT: "R43",
  RULE_R43_CORRECTION_OPEN: "R43",
  RULE_R43_NOTHING_TO_CORRECT: "R43",
  RULE_R43_WORDS_UNREADABLE: "R43",
  RULE_R43_DECISION: "R43",
  RULE_R43_ANSWER_REQUIRED: "R43",
  RULE_R43_ANSWER_SIGNATURE: "R43",
} as const satisfies Record<string, RuleNumber>;

export type EvaluationViolationCode = keyof typeof EVALUATION_VIOLATION_CODES;

export function evaluationViolation(code: EvaluationViolationCode, params: Record<string, string | number> = {}): RuleViolation {
  return { rule: EVALUATION_VIOLATION_CODES[code], code, params };
}

/** The i18next key of a code's message in the `rules` namespace. */
export const evaluationMessageKey = (code: EvaluationViolationCode | string) => `rules:evaluation.${code}`;
