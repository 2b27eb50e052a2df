import {
  addCalendarDays,
  addPeriod,
  cstDate,
  cstDateAtTimeOf,
  cstEndOfDay,
  daysBetween,
  nextWorkingDayOnOrAfter,
  periodEnd,
  periodLastDay,
  type CalendarDate,
  type HolidayCalendar,
} from "./days";
import type { Category, Regime, RuleProfile } from "./profiles";
import { violation, type RuleViolation } from "./violations";

/** Publication inputs; amounts are integer fen (分), instants are passed in (no clock here). */
export type PublicationInput = {
  regime: Regime;
  /** R1: 依法必须招标 — R7 binds ZTB tenders only when set (法24). */
  mustTender: boolean;
  category: Category;
  /** R14 base for ZTB (估算价). */
  estimateFen?: number;
  /** R14 base for ZFCG (预算金额). */
  budgetFen?: number;
  /** R8: a ceiling price is allowed; it is disclosed by being published with the notice. */
  ceilingPriceFen?: number | null;
  /** R8: a floor price is forbidden; any value here is a violation. */
  floorPriceFen?: number | null;
  bondFen: number;
  /** The publication instant (= now, database clock). */
  publishAt: Date;
  documentsAvailableFrom: Date;
  documentsAvailableUntil: Date;
  questionDeadline: Date;
  bidDeadline: Date;
  noticeFields: Record<string, unknown>;
};

/**
 * Every publication rule of the profile (R5–R8, R14 and timeline order), against explicit
 * inputs. Returns all violations in a stable order (empty = publishable).
 */
export function validatePublication(input: PublicationInput, profile: RuleProfile, cal: HolidayCalendar): RuleViolation[] {
  const base = profile.bondBase === "budget" ? input.budgetFen : input.estimateFen;
  return [
    checkNoticeFields(input.noticeFields, profile),
    checkTimelineOrder(input),
    checkDocumentsAvailability(input, profile, cal),
    checkBidPeriod(input, profile, cal),
    checkFloorPrice(input.floorPriceFen),
    checkCeilingPrice(input.ceilingPriceFen, base),
    base == null || base <= 0 ? checkMissingBondBase(input.bondFen) : checkBond({ bondFen: input.bondFen, baseFen: base, category: input.category }, profile),
  ].filter((v): v is RuleViolation => v !== null);
}

/** R6/R7: documents start to be issued at publication, or later if their period starts later. */
function firstIssue(input: Pick<PublicationInput, "publishAt" | "documentsAvailableFrom">): Date {
  return input.documentsAvailableFrom > input.publishAt ? input.documentsAvailableFrom : input.publishAt;
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/** R5 (法16; 87号令13): every statutory notice item is present. */
function checkNoticeFields(fields: Record<string, unknown>, profile: RuleProfile): RuleViolation | null {
  const missing = profile.requiredNoticeFields.filter((f) => isBlank(fields[f]));
  return missing.length ? violation("RULE_R5_NOTICE_FIELDS", { fields: missing.join(", ") }) : null;
}

/**
 * Timeline sanity, reported as RULE_TIMELINE_ORDER under R2 (the periods assume it): the
 * documents period is non-empty and ends by the bid deadline, questions close before the bid
 * deadline, and the bid deadline is after publication.
 */
function checkTimelineOrder(input: PublicationInput): RuleViolation | null {
  const ordered =
    input.documentsAvailableFrom < input.documentsAvailableUntil &&
    input.documentsAvailableUntil <= input.bidDeadline &&
    input.questionDeadline < input.bidDeadline &&
    input.publishAt < input.bidDeadline;
  return ordered ? null : violation("RULE_TIMELINE_ORDER");
}

/**
 * R6: documents available ≥ 5 days (ZTB, 条例16) or ≥ 5 working days (ZFCG, 87号令18), start
 * day not counted, a last day on a holiday moved to the next working day (R2). The documents
 * may close at any time of that last day (notices usually say 17:00).
 */
function checkDocumentsAvailability(input: PublicationInput, profile: RuleProfile, cal: HolidayCalendar): RuleViolation | null {
  const period = profile.documentsAvailability;
  const lastDay = periodLastDay(firstIssue(input), period, cal);
  if (cstDate(input.documentsAvailableUntil) >= lastDay) return null;
  const code = period.unit === "working" ? "RULE_R6_AVAILABILITY_WORKING" : "RULE_R6_AVAILABILITY";
  return violation(code, { minDays: period.days, earliest: lastDay });
}

/**
 * R7 (法24; 采购法35): the bid deadline falls on or after first-issue day + 20 (the issue day
 * is not counted, R2). A minimum duration, not a deadline: no holiday roll-forward.
 */
function checkBidPeriod(input: PublicationInput, profile: RuleProfile, cal: HolidayCalendar): RuleViolation | null {
  if (profile.minBidPeriodMustTenderOnly && !input.mustTender) return null;
  const earliest = addPeriod(cstDate(firstIssue(input)), profile.minBidPeriod, cal);
  if (cstDate(input.bidDeadline) >= earliest) return null;
  return violation("RULE_R7_BID_PERIOD", { minDays: profile.minBidPeriod.days, earliest });
}

/** R8 (条例27; 87号令12): no floor price. */
function checkFloorPrice(floorPriceFen: number | null | undefined): RuleViolation | null {
  return floorPriceFen != null ? violation("RULE_R8_FLOOR_PRICE") : null;
}

/** R8: a ceiling price, if set, is positive and within the estimate/budget (bids above either are rejected, R44). */
function checkCeilingPrice(ceilingFen: number | null | undefined, baseFen: number | undefined): RuleViolation | null {
  if (ceilingFen == null || (ceilingFen > 0 && (baseFen == null || ceilingFen <= baseFen))) return null;
  return violation("RULE_R8_CEILING_PRICE", { ceiling: yuan(ceilingFen), base: baseFen == null ? "—" : yuan(baseFen) });
}

/** R14: without an estimate/budget the 2 % cap cannot be checked, so a bond cannot be required. */
function checkMissingBondBase(bondFen: number): RuleViolation | null {
  return bondFen > 0 ? violation("RULE_R14_BOND_BASE_MISSING") : null;
}

/**
 * R14: bond ≤ 2 % of the estimate (ZTB, 条例26) or budget (ZFCG, 采购条例33) and, for ZTB,
 * ≤ the sector cap (◐ ¥800k construction/goods, ¥100k survey/design). "不得超过" includes the cap.
 */
export function checkBond(input: { bondFen: number; baseFen: number; category: Category }, profile: RuleProfile): RuleViolation | null {
  const percentCap = Math.floor((input.baseFen * profile.bondCapPercent) / 100);
  const sectorCap = profile.bondCapAbsoluteFen[input.category];
  if (sectorCap !== undefined && sectorCap < percentCap && input.bondFen > sectorCap) {
    return violation("RULE_R14_BOND_SECTOR_CAP", { cap: yuan(sectorCap), bond: yuan(input.bondFen) });
  }
  if (input.bondFen > percentCap) {
    return violation("RULE_R14_BOND_CAP", { percent: profile.bondCapPercent, cap: yuan(percentCap), bond: yuan(input.bondFen) });
  }
  return null;
}

export type AmendmentEffect = { extend: boolean; newDeadline: Date | null; minDays: number };

/**
 * R10 (条例21; 87号令27): an amendment that may affect bid preparation, issued fewer than 15
 * days (pre-qualification: 3) before the deadline, moves the deadline to issue day + 15 at
 * the old deadline's CST time of day, rolled forward to a working day (R2).
 */
export function amendmentEffect(
  input: { issuedAt: Date; bidDeadline: Date; affectsBidPreparation: boolean; prequalification?: boolean },
  profile: RuleProfile,
  cal: HolidayCalendar,
): AmendmentEffect {
  const minDays = input.prequalification ? profile.prequalificationAmendmentMinDays : profile.amendmentMinDaysBeforeDeadline;
  const earliestDay = addCalendarDays(cstDate(input.issuedAt), minDays);
  if (!input.affectsBidPreparation || cstDate(input.bidDeadline) >= earliestDay) return { extend: false, newDeadline: null, minDays };
  return { extend: true, newDeadline: cstDateAtTimeOf(nextWorkingDayOnOrAfter(earliestDay, cal), input.bidDeadline), minDays };
}

/** R10 ZFCG (87号令27): an amendment may not change the procurement subject or the qualification conditions. */
export function checkAmendmentScope(input: { changesSubject: boolean; changesQualification: boolean }, profile: RuleProfile): RuleViolation | null {
  if (!profile.amendmentMayNotChangeSubject || (!input.changesSubject && !input.changesQualification)) return null;
  return violation("RULE_R10_SUBJECT_CHANGE");
}

export type ObjectionFilingInput = {
  /** The bid deadline, or for a pre-qualification objection the application deadline. */
  bidDeadline: Date;
  /** R12: when the supplier knew or should have known (for the documents: when it obtained them or the notice period ended, 采购条例53). */
  knownAt?: Date;
  /** R11: an objection to pre-qualification documents (≥ 2 days before the application deadline). */
  prequalification?: boolean;
};

type FilingLimit = { lastDay: CalendarDate; refuse: (filedAt: Date) => RuleViolation };

/** The profile's filing limits that apply to this objection (R11 before-deadline, R12 after-knowing). */
function filingLimits(input: ObjectionFilingInput, profile: RuleProfile, cal: HolidayCalendar): FilingLimit[] {
  const o = profile.objection;
  const limits: FilingLimit[] = [];
  const minDays = input.prequalification ? o.prequalificationFilingMinDaysBeforeDeadline : o.filingMinDaysBeforeDeadline;
  if (minDays != null) {
    // R11: "截止时间10日前" — filing day + minDays ≤ deadline day (R2: filing day not counted).
    const deadlineDay = cstDate(input.bidDeadline);
    const code = input.prequalification ? "RULE_R11_PREQ_OBJECTION_TOO_LATE" : "RULE_R11_OBJECTION_TOO_LATE";
    limits.push({
      lastDay: addCalendarDays(deadlineDay, -minDays),
      refuse: (filedAt) => violation(code, { minDays, daysLeft: Math.max(0, daysBetween(cstDate(filedAt), deadlineDay)) }),
    });
  }
  const window = o.filingWindow;
  if (window && input.knownAt) {
    // R12: within 7 working days of knowing, the last day ending at 24:00 (R2).
    const last = periodLastDay(input.knownAt, window, cal);
    limits.push({ lastDay: last, refuse: () => violation("RULE_R12_CHALLENGE_WINDOW", { days: window.days, last }) });
  }
  return limits;
}

/**
 * R11/R12: the instant from which an objection is late (24:00 CST of the last allowed day),
 * or null when no limit applies (e.g. R12 without `knownAt`). For showing "objections until …".
 */
export function objectionFilingDeadline(input: ObjectionFilingInput, profile: RuleProfile, cal: HolidayCalendar): Date | null {
  const [first] = filingLimits(input, profile, cal)
    .map((l) => l.lastDay)
    .sort();
  return first === undefined ? null : cstEndOfDay(first);
}

/**
 * R11 (ZTB 异议, 条例22): tender documents ≥ 10 days, pre-qualification ≥ 2 days before the deadline.
 * R12 (ZFCG 质疑, 采购法52): within 7 working days after the supplier knew (or should have known).
 */
export function checkObjectionFiling(input: ObjectionFilingInput & { filedAt: Date }, profile: RuleProfile, cal: HolidayCalendar): RuleViolation | null {
  const filedDay = cstDate(input.filedAt);
  const broken = filingLimits(input, profile, cal).find((l) => filedDay > l.lastDay);
  return broken ? broken.refuse(input.filedAt) : null;
}

/** R11: answer within 3 days; R12: within 7 working days (each ending at 24:00 CST, R2). */
export function objectionAnswerDue(filedAt: Date, profile: RuleProfile, cal: HolidayCalendar): Date {
  return periodEnd(filedAt, profile.objection.answerWithin.days, profile.objection.answerWithin.unit, cal);
}

/**
 * R11: a pending objection suspends the procedure until it is answered. The caller moves the
 * tender to `suspended` when this is true and back when every objection is answered.
 */
export function objectionSuspends(profile: RuleProfile): boolean {
  return profile.objection.suspends;
}

/** Fen → yuan with two decimals, for message parameters ("800000.00"). */
function yuan(fen: number): string {
  return (fen / 100).toFixed(2);
}
