/**
 * A broken rule: its number (docs/rules.md), a stable code and parameters. The UI translates
 * `rules:<code>` with the parameters (app/locales/{zh-CN,en}/rules.json) and can show the
 * rule's short title as `rules:titles.<rule>`.
 */
export type RuleNumber = `R${number}`;

export type RuleViolation = {
  rule: RuleNumber;
  code: string;
  params: Record<string, string | number>;
};

/**
 * Every violation code of the rules catalog and the rule it belongs to. Codes are stable
 * (stored, asserted in tests, translated); add one here and in both catalogs together
 * (rules-catalog.test.ts checks both directions).
 */
export const RULE_VIOLATION_CODES = {
  // Timeline sanity (not a statute of its own; the R2 periods assume it): documents period
  // before the deadline, questions before the deadline, deadline after publication.
  RULE_TIMELINE_ORDER: "R2",
  RULE_R5_NOTICE_FIELDS: "R5",
  RULE_DOCUMENTS_REQUIRED: "R5",
  RULE_R6_AVAILABILITY: "R6",
  RULE_R6_AVAILABILITY_WORKING: "R6",
  RULE_R7_BID_PERIOD: "R7",
  RULE_R8_FLOOR_PRICE: "R8",
  RULE_R8_CEILING_PRICE: "R8",
  /** Not a refusal: the message announcing an R10 extension. */
  RULE_R10_AMENDMENT_EXTENDED: "R10",
  RULE_R10_SUBJECT_CHANGE: "R10",
  RULE_R11_OBJECTION_TOO_LATE: "R11",
  RULE_R11_PREQ_OBJECTION_TOO_LATE: "R11",
  RULE_R12_CHALLENGE_WINDOW: "R12",
  RULE_R14_BOND_CAP: "R14",
  RULE_R14_BOND_SECTOR_CAP: "R14",
  RULE_R14_BOND_BASE_MISSING: "R14",
  RULE_R18_PLAINTEXT: "R18",
  RULE_R18_MALFORMED: "R18",
  RULE_R18_SIGNATURE: "R18",
  RULE_R18_RECIPIENTS: "R18",
  RULE_R19_DEADLINE_PASSED: "R19",
  RULE_R21_LOCKED: "R21",
  RULE_R24_NOT_CHECKED_IN: "R24",
  RULE_R24_HALL_NOT_OPEN: "R24",
  RULE_R25_TOO_FEW_BIDS: "R25",
  RULE_R26_WINDOW_CLOSED: "R26",
  RULE_R26_ALREADY_OPENED: "R26",
  RULE_R26_NOT_COMPLETE: "R26",
  RULE_R26_WRONG_KEY: "R26",
  RULE_R26_FALLBACK_NOT_ALLOWED: "R26",
  RULE_R27_NOT_NOW: "R27",
  RULE_R27_REASON_REQUIRED: "R27",
  RULE_R30_NOT_NOW: "R30",
  RULE_R30_TEXT_REQUIRED: "R30",
  RULE_R30_UNANSWERED: "R30",
  RULE_R36_REVEAL_TOO_EARLY: "R36",
  RULE_R46_WEIGHTS_SUM: "R46",
  RULE_R46_ONE_PRICE_CRITERION: "R46",
  RULE_R46_ZFCG_PRICE_WEIGHT: "R46",
  RULE_R46_DUPLICATE_CRITERION: "R46",
  // Results (app/domain/rules/results.ts).
  RULE_R52_NOT_IN_PUBLICITY: "R52",
  RULE_R52_NOT_A_BIDDER: "R52",
  RULE_R52_BODY_LENGTH: "R52",
  RULE_R52_ALREADY_PENDING: "R52",
  RULE_R55_NOT_A_CANDIDATE: "R55",
  RULE_R55_RANK_SKIPPED: "R55",
  RULE_R55_EVIDENCE_REQUIRED: "R55",
  RULE_R70_REASON_REQUIRED: "R70",
  RULE_R56_SIGNED_BEFORE_NOTICE: "R56",
  RULE_R56_SIGNED_IN_FUTURE: "R56",
  RULE_R56_AMOUNT: "R56",
  RULE_R56_AMOUNT_MISMATCH: "R56",
  // Supervision: complaints (app/domain/supervision/complaints.ts) and cases (cases.ts).
  RULE_R53_NO_OBJECTION: "R53",
  RULE_R53_OBJECTION_PENDING: "R53",
  RULE_R53_FILING_LATE: "R53",
  RULE_R53_SUSPENDED: "R53",
  RULE_R53_BODY_LENGTH: "R53",
  RULE_R53_ALREADY_FILED: "R53",
  RULE_R53_REASON_REQUIRED: "R53",
  RULE_R53_OUTCOME_REQUIRED: "R53",
  RULE_R53_DECISION_REQUIRED: "R53",
  RULE_R65_CASE_TRANSITION: "R65",
  RULE_R65_CASE_OUTCOME_REQUIRED: "R65",
} as const satisfies Record<string, RuleNumber>;

export type RuleViolationCode = keyof typeof RULE_VIOLATION_CODES;

/** A violation whose rule number is derived from its code, so the two can never disagree. */
export function violation(code: RuleViolationCode, params: Record<string, string | number> = {}): RuleViolation {
  return { rule: RULE_VIOLATION_CODES[code], code, params };
}

/** Thrown by commands refused by a rule; `code` is the stable error code, `violations` the reasons. */
export class RuleError extends Error {
  readonly code = "RULE_VIOLATION";
  constructor(readonly violations: RuleViolation[]) {
    super(violations.map((v) => `${v.rule} ${v.code}`).join(", "));
    this.name = "RuleError";
  }
}
