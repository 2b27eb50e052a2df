import type { Thresholds } from "../supervision/lights";
import type { Period } from "./days";
import type { ResultsProfile } from "./results";

/**
 * Rule profiles are data (docs/product.md §2): one per regime (R1), versioned. A tender records
 * the profile version it was published under.
 *
 * Money: every amount is an integer number of fen (分, ¥0.01) held in a `number`. Amounts up
 * to Number.MAX_SAFE_INTEGER fen (≈ ¥90 trillion) are exact, so no bigint is needed.
 */
export type Regime = "ZTB" | "ZFCG";

/** Procurement category, as stored on the project (R14 sector caps depend on it). */
export type Category = "construction" | "goods" | "services" | "survey_design";

export type RuleProfile = {
  /** R1: ZTB = 招标投标法/条例 (mainly engineering); ZFCG = 政府采购法/87号令. */
  code: Regime;
  version: string;
  /** R7: 法24 / 采购法35 — at least 20 days from the first issue of the documents to the bid deadline. */
  minBidPeriod: Period;
  /** R7: 法24 binds only projects that must be tendered (依法必须招标); 采购法35 binds every ZFCG tender. */
  minBidPeriodMustTenderOnly: boolean;
  /** R6: ZTB documents on sale ≥ 5 days (条例16); ZFCG ≥ 5 working days (87号令18). */
  documentsAvailability: Period;
  /** R10: amendments that may affect bid preparation ≥ 15 days before the deadline, else extend (条例21; 87号令27). */
  amendmentMinDaysBeforeDeadline: number;
  /** R10: pre-qualification documents: 3 days. */
  prequalificationAmendmentMinDays: number;
  /** R10 ZFCG: an amendment may not change the procurement subject or the qualification conditions (87号令27). */
  amendmentMayNotChangeSubject: boolean;
  /**
   * R11 ZTB 异议 (条例22): tender documents ≥ 10 days before the bid deadline, pre-qualification
   * documents ≥ 2 days before the application deadline; answer within 3 days; suspends.
   * R12 ZFCG 质疑 (采购法52–53): filed ≤ 7 working days after knowing; answer ≤ 7 working days.
   */
  objection: {
    rule: "R11" | "R12";
    filingMinDaysBeforeDeadline: number | null;
    prequalificationFilingMinDaysBeforeDeadline: number | null;
    filingWindow: Period | null;
    answerWithin: Period;
    /**
     * Whether a pending objection suspends the procedure. R11 requires it for ZTB. For ZFCG the
     * law lets the finance department suspend during a complaint (采购法57, ≤ 30 days); the
     * product also pauses on a pending 质疑 (docs/product.md §2 `suspended`).
     */
    suspends: boolean;
  };
  /** R14: bond ≤ 2 % of the estimate (ZTB, 条例26) or budget (ZFCG, 采购条例33). */
  bondCapPercent: number;
  bondBase: "estimate" | "budget";
  /** R14 ◐: ZTB sector caps in fen (construction/goods ¥800k; survey/design ¥100k); absent = no cap. */
  bondCapAbsoluteFen: Partial<Record<Category, number>>;
  /** R25: fewer bids → no opening, re-tender. */
  minBidders: number;
  /** R27 ✖: re-apply the minimum after decryption failures (unconfirmed in law; configurable). */
  recheckMinBiddersAfterDecryptionFailure: boolean;
  /** R32: committee ≥ min, odd, experts ≥ numerator/denominator; ZFCG ≥ 7 from a ¥10M budget (以上 includes it). */
  committee: { min: number; minLargeBudget: number | null; largeBudgetThresholdFen: number | null; expertShareNumerator: number; expertShareDenominator: number };
  /**
   * R32: whether the tendering unit (purchaser) may name a representative as a non-expert member, and whether that
   * representative may chair. ZTB: 法37 / 评标规定9 (招标人的代表); ZFCG: 87号令45 — a purchaser representative may sit
   * but may not chair (EV3). At most `max` representatives; the expert share (≥ 2/3) is checked with the committee.
   */
  committeeRepresentative: { allowed: boolean; mayChair: boolean; max: number };
  /** R47: at most 3 ranked candidates. */
  maxRankedCandidates: number;
  /** R51 ZTB candidate publicity ≥ 3 days; R54 ZFCG result notice period 1 working day. */
  publicity: Period;
  /** R56: contract within 30 days of the award notice. */
  contractDays: number;
  /** R61: archives are kept at least 15 years after archiving (retention end = archive date + this many years). */
  retentionYears: number;
  /** Results (R51–R57, R15, R70): every time limit after the signed report; see app/domain/rules/results.ts. */
  results: ResultsProfile;
  /** R65 electronic supervision: when a running limit turns yellow (app/domain/supervision/lights.ts). */
  supervision: Thresholds;
  /** R5: notice fields that must be present (their titles: `rules:noticeFields.<field>`). */
  requiredNoticeFields: readonly string[];
  /**
   * R35: who adds a salt to an expert draw (ADR 027). One party gives it in the draw command itself; more than one
   * commit first (SHA-256 of the salt) and reveal in turn, the last reveal running the draw. ZTB: the supervising
   * department oversees the draw (条例46); ZFCG: the purchaser draws under the finance department's supervision
   * (87号令48), so both salt.
   */
  drawSaltParties: readonly ("supervisor" | "tendering_unit")[];
};

const yuanToFen = (yuan: number) => yuan * 100;

export const ZTB_PROFILE: RuleProfile = {
  code: "ZTB",
  version: "2026.1",
  minBidPeriod: { days: 20, unit: "calendar" },
  minBidPeriodMustTenderOnly: true,
  documentsAvailability: { days: 5, unit: "calendar" },
  amendmentMinDaysBeforeDeadline: 15,
  prequalificationAmendmentMinDays: 3,
  amendmentMayNotChangeSubject: false,
  objection: {
    rule: "R11",
    filingMinDaysBeforeDeadline: 10,
    prequalificationFilingMinDaysBeforeDeadline: 2,
    filingWindow: null,
    answerWithin: { days: 3, unit: "calendar" },
    suspends: true,
  },
  bondCapPercent: 2,
  bondBase: "estimate",
  // 施工办法37, 货物办法27: ¥800k; 勘察设计办法24: ¥100k (◐, docs/rules.md §17).
  bondCapAbsoluteFen: { construction: yuanToFen(800_000), goods: yuanToFen(800_000), survey_design: yuanToFen(100_000) },
  minBidders: 3,
  recheckMinBiddersAfterDecryptionFailure: false,
  committee: { min: 5, minLargeBudget: null, largeBudgetThresholdFen: null, expertShareNumerator: 2, expertShareDenominator: 3 },
  committeeRepresentative: { allowed: true, mayChair: true, max: 3 },
  maxRankedCandidates: 3,
  publicity: { days: 3, unit: "calendar" },
  contractDays: 30,
  // R61: the archive (交易档案) is retained ≥ 15 years from its archiving.
  retentionYears: 15,
  results: {
    candidatePublicity: true,
    publicityStartWithin: { days: 3, unit: "calendar" },
    publicityDelayMinutes: 0,
    publicityRollsForward: false,
    objectionAnswerWithin: { days: 3, unit: "calendar" },
    objectionAnswerRollsForward: false,
    decisionWithin: null,
    noticesWithin: null,
    noticePeriod: null,
    contractWarnDaysBefore: 5,
    contractPublishWithin: null,
    bondRefund: { winner: { days: 5, unit: "calendar" }, winnerFrom: "contract", losers: { days: 5, unit: "calendar" }, losersFrom: "contract" },
    awardMode: "rank1_if_state_funded",
    publishRejectedBidders: false,
  },
  // R65: yellow at 80 % of a running limit (大庆's 黄灯预警), configurable per profile and per limit.
  supervision: { yellowAtPct: 80 },
  // 法16: name and address of the tendering unit, nature, quantity, place and time, how to obtain the documents.
  requiredNoticeFields: ["tenderingUnit", "address", "nature", "quantity", "place", "time", "obtainMethod"],
  drawSaltParties: ["supervisor"],
};

export const ZFCG_PROFILE: RuleProfile = {
  code: "ZFCG",
  version: "2026.1",
  minBidPeriod: { days: 20, unit: "calendar" },
  minBidPeriodMustTenderOnly: false,
  documentsAvailability: { days: 5, unit: "working" },
  amendmentMinDaysBeforeDeadline: 15,
  prequalificationAmendmentMinDays: 3,
  amendmentMayNotChangeSubject: true,
  objection: {
    rule: "R12",
    filingMinDaysBeforeDeadline: null,
    prequalificationFilingMinDaysBeforeDeadline: null,
    filingWindow: { days: 7, unit: "working" },
    answerWithin: { days: 7, unit: "working" },
    suspends: true,
  },
  bondCapPercent: 2,
  bondBase: "budget",
  bondCapAbsoluteFen: {},
  minBidders: 3,
  recheckMinBiddersAfterDecryptionFailure: true,
  committee: { min: 5, minLargeBudget: 7, largeBudgetThresholdFen: yuanToFen(10_000_000), expertShareNumerator: 2, expertShareDenominator: 3 },
  committeeRepresentative: { allowed: true, mayChair: false, max: 3 },
  maxRankedCandidates: 3,
  publicity: { days: 1, unit: "working" },
  contractDays: 30,
  // R61: the archive (交易档案) is retained ≥ 15 years from its archiving.
  retentionYears: 15,
  results: {
    candidatePublicity: false,
    publicityStartWithin: null,
    publicityDelayMinutes: 0,
    publicityRollsForward: false,
    objectionAnswerWithin: null,
    objectionAnswerRollsForward: false,
    decisionWithin: { days: 5, unit: "working" },
    noticesWithin: { days: 2, unit: "working" },
    noticePeriod: { days: 1, unit: "working" },
    contractWarnDaysBefore: 5,
    contractPublishWithin: { days: 2, unit: "working" },
    bondRefund: { winner: { days: 5, unit: "working" }, winnerFrom: "contract", losers: { days: 5, unit: "working" }, losersFrom: "notice" },
    awardMode: "rank_order",
    publishRejectedBidders: false,
  },
  // R65: yellow at 80 % of a running limit (大庆's 黄灯预警), configurable per profile and per limit.
  supervision: { yellowAtPct: 80 },
  // 87号令13: purchaser and agency, project name, budget (and ceiling price if set), requirements,
  // qualification, how/where/when to obtain the documents, the deadline and opening, contact.
  requiredNoticeFields: ["tenderingUnit", "projectName", "budget", "scope", "qualification", "howToObtain", "deadline", "contact"],
  drawSaltParties: ["supervisor", "tendering_unit"],
};

export const RULE_PROFILES: readonly RuleProfile[] = [ZTB_PROFILE, ZFCG_PROFILE];

export function getProfile(code: Regime): RuleProfile {
  return code === "ZFCG" ? ZFCG_PROFILE : ZTB_PROFILE;
}
