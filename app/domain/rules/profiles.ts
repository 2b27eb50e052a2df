import type { Period } from "./days";

/**
 * Rule profiles are data (PRODUCT.md §2): one per regime, versioned. A tender records the
 * profile version it was published under. Money is integer fen (分).
 */
export type Category = "construction" | "goods" | "services" | "survey_design";

export type RuleProfile = {
  code: "ZTB" | "ZFCG";
  version: string;
  /** R7: 法24 / 采购法35 — at least 20 days from first issue to the bid deadline. */
  minBidPeriod: Period;
  /** R6: ZTB documents on sale ≥ 5 days (条例16); ZFCG ≥ 5 working days (87号令18). */
  documentsAvailability: Period;
  /** R10: amendments that may affect bid preparation ≥ 15 days before the deadline, else extend. */
  amendmentMinDaysBeforeDeadline: number;
  /** R10: pre-qualification documents: 3 days. */
  prequalificationAmendmentMinDays: number;
  /** R10 ZFCG: may not change the procurement subject or qualification conditions. */
  amendmentMayNotChangeSubject: boolean;
  /** R11 (ZTB 异议, ≥ 10 days before the deadline; answer in 3 days) / R12 (ZFCG 质疑, ≤ 7 working days after knowing; answer ≤ 7 working days). */
  objection: {
    rule: "R11" | "R12";
    filingMinDaysBeforeDeadline: number | null;
    filingWindow: Period | null;
    answerWithin: Period;
    suspends: boolean;
  };
  /** R14: bond ≤ 2 % of the estimate (ZTB) or budget (ZFCG). */
  bondCapPercent: number;
  bondBase: "estimate" | "budget";
  /** R14 ◐: ZTB sector caps in fen (construction/goods ¥800k; survey/design ¥100k). */
  bondCapAbsoluteFen: Partial<Record<Category, number>>;
  /** R25: fewer valid bids → no opening. */
  minBidders: number;
  /** R27: re-apply the minimum after decryption failures (unconfirmed in law; configurable). */
  recheckMinBiddersAfterDecryptionFailure: boolean;
  /** R32 committee composition. */
  committee: { min: number; minLargeBudget: number | null; largeBudgetThresholdFen: number | null; expertShareNumerator: number; expertShareDenominator: number };
  /** R47 */
  maxRankedCandidates: number;
  /** R51 (ZTB ≥ 3 days) / R54 (ZFCG 1 working day). */
  publicity: Period;
  /** R56 */
  contractDays: number;
  /** R5: notice fields that must be present. */
  requiredNoticeFields: string[];
};

export const ZTB_PROFILE: RuleProfile = {
  code: "ZTB",
  version: "2026.1",
  minBidPeriod: { days: 20, unit: "calendar" },
  documentsAvailability: { days: 5, unit: "calendar" },
  amendmentMinDaysBeforeDeadline: 15,
  prequalificationAmendmentMinDays: 3,
  amendmentMayNotChangeSubject: false,
  objection: { rule: "R11", filingMinDaysBeforeDeadline: 10, filingWindow: null, answerWithin: { days: 3, unit: "calendar" }, suspends: true },
  bondCapPercent: 2,
  bondBase: "estimate",
  bondCapAbsoluteFen: { construction: 80_000_000, goods: 80_000_000, survey_design: 10_000_000 },
  minBidders: 3,
  recheckMinBiddersAfterDecryptionFailure: false,
  committee: { min: 5, minLargeBudget: null, largeBudgetThresholdFen: null, expertShareNumerator: 2, expertShareDenominator: 3 },
  maxRankedCandidates: 3,
  publicity: { days: 3, unit: "calendar" },
  contractDays: 30,
  // 法16: name/address of the tendering unit, nature, quantity, place and time, how to obtain the documents.
  requiredNoticeFields: ["tenderingUnit", "address", "nature", "quantity", "place", "time", "obtainMethod"],
};

export const ZFCG_PROFILE: RuleProfile = {
  code: "ZFCG",
  version: "2026.1",
  minBidPeriod: { days: 20, unit: "calendar" },
  documentsAvailability: { days: 5, unit: "working" },
  amendmentMinDaysBeforeDeadline: 15,
  prequalificationAmendmentMinDays: 3,
  amendmentMayNotChangeSubject: true,
  objection: { rule: "R12", filingMinDaysBeforeDeadline: null, filingWindow: { days: 7, unit: "working" }, answerWithin: { days: 7, unit: "working" }, suspends: true },
  bondCapPercent: 2,
  bondBase: "budget",
  bondCapAbsoluteFen: {},
  minBidders: 3,
  recheckMinBiddersAfterDecryptionFailure: true,
  committee: { min: 5, minLargeBudget: 7, largeBudgetThresholdFen: 1_000_000_000, expertShareNumerator: 2, expertShareDenominator: 3 },
  maxRankedCandidates: 3,
  publicity: { days: 1, unit: "working" },
  contractDays: 30,
  // 87号令13: purchaser and agency, project name, budget and ceiling price, requirements, qualification,
  // how/where/when to obtain the documents, the deadline and opening, contact.
  requiredNoticeFields: ["tenderingUnit", "projectName", "budget", "scope", "qualification", "howToObtain", "deadline", "contact"],
};

export const RULE_PROFILES: readonly RuleProfile[] = [ZTB_PROFILE, ZFCG_PROFILE];

export function getProfile(code: "ZTB" | "ZFCG"): RuleProfile {
  return code === "ZFCG" ? ZFCG_PROFILE : ZTB_PROFILE;
}
