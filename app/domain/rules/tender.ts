import {
  addCalendarDays,
  cstDate,
  cstDateTime,
  cstTimeOfDayMs,
  daysBetween,
  nextWorkingDayOnOrAfter,
  periodEnd,
  periodLastDay,
  workingDaysBetween,
  type HolidayCalendar,
} from "./days";
import type { Category, RuleProfile } from "./profiles";
import type { RuleViolation } from "./violations";

export type PublicationInput = {
  regime: "ZTB" | "ZFCG";
  mustTender: boolean;
  category: Category;
  estimateFen?: number;
  budgetFen?: number;
  ceilingPriceFen?: number | null;
  /** R8: a floor price is forbidden; any value here is a violation. */
  floorPriceFen?: number | null;
  bondFen: number;
  /** The first issue instant (= now, database clock). */
  publishAt: Date;
  documentsAvailableFrom: Date;
  documentsAvailableUntil: Date;
  questionDeadline: Date;
  bidDeadline: Date;
  noticeFields: Record<string, unknown>;
};

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/**
 * Every publication rule of the profile, against explicit inputs (the time among them).
 * Returns all violations (empty = publishable).
 */
export function validatePublication(input: PublicationInput, profile: RuleProfile, cal: HolidayCalendar): RuleViolation[] {
  const out: RuleViolation[] = [];

  // R5: notice content.
  const missing = profile.requiredNoticeFields.filter((f) => isBlank(input.noticeFields[f]));
  if (missing.length) out.push({ rule: "R5", code: "RULE_R5_NOTICE_FIELDS", params: { fields: missing.join(", ") } });

  // Timeline order (R2 periods assume it): documents → questions → deadline, all after publication.
  if (input.documentsAvailableUntil <= input.documentsAvailableFrom || input.questionDeadline >= input.bidDeadline || input.bidDeadline <= input.publishAt) {
    out.push({ rule: "R2", code: "RULE_TIMELINE_ORDER", params: {} });
  }

  // R6: availability period of the documents.
  const availStart = input.documentsAvailableFrom > input.publishAt ? input.documentsAvailableFrom : input.publishAt;
  const availEnd = periodEnd(availStart, profile.documentsAvailability.days, profile.documentsAvailability.unit, cal);
  // The documents must stay available through the last day of the period (until 24:00 or at least to its end of business).
  if (cstDate(input.documentsAvailableUntil) < cstDate(new Date(availEnd.getTime() - 1))) {
    out.push({
      rule: "R6",
      code: profile.documentsAvailability.unit === "working" ? "RULE_R6_AVAILABILITY_WORKING" : "RULE_R6_AVAILABILITY",
      params: { minDays: profile.documentsAvailability.days, earliest: cstDate(new Date(availEnd.getTime() - 1)) },
    });
  }

  // R7: at least 20 days from the first issue day (not counted) to the deadline day.
  const earliest = addCalendarDays(cstDate(input.publishAt), profile.minBidPeriod.days);
  if (cstDate(input.bidDeadline) < earliest) {
    out.push({ rule: "R7", code: "RULE_R7_BID_PERIOD", params: { minDays: profile.minBidPeriod.days, earliest } });
  }

  // R8: no floor price; a ceiling price must be positive and within the estimate/budget.
  if (input.floorPriceFen != null) out.push({ rule: "R8", code: "RULE_R8_FLOOR_PRICE", params: {} });
  const base = profile.bondBase === "budget" ? input.budgetFen : input.estimateFen;
  if (input.ceilingPriceFen != null && (input.ceilingPriceFen <= 0 || (base != null && input.ceilingPriceFen > base))) {
    out.push({ rule: "R8", code: "RULE_R8_CEILING_PRICE", params: { ceiling: yuan(input.ceilingPriceFen), base: base == null ? "" : yuan(base) } });
  }

  // R14: the bond cap.
  const bond = checkBond({ bondFen: input.bondFen, baseFen: base ?? 0, category: input.category }, profile);
  if (bond) out.push(bond);
  return out;
}

/** R14: bond ≤ 2 % of the estimate/budget and, for ZTB, ≤ the sector cap. */
export function checkBond(input: { bondFen: number; baseFen: number; category: Category }, profile: RuleProfile): RuleViolation | null {
  const percentCap = Math.floor((input.baseFen * profile.bondCapPercent) / 100);
  const abs = profile.bondCapAbsoluteFen[input.category];
  const cap = abs !== undefined ? Math.min(percentCap, abs) : percentCap;
  if (input.bondFen <= cap) return null;
  return {
    rule: "R14",
    code: abs !== undefined && abs < percentCap ? "RULE_R14_BOND_SECTOR_CAP" : "RULE_R14_BOND_CAP",
    params: { percent: profile.bondCapPercent, cap: yuan(cap), bond: yuan(input.bondFen) },
  };
}

export type AmendmentEffect = { extend: boolean; newDeadline: Date | null; minDays: number };

/**
 * R10: an amendment that may affect bid preparation, issued fewer than 15 days (pre-
 * qualification: 3) before the deadline, moves the deadline to the issue day + 15 days at
 * the same time of day, rolled forward to a working day (R2).
 */
export function amendmentEffect(
  input: { issuedAt: Date; bidDeadline: Date; affectsBidPreparation: boolean; prequalification?: boolean },
  profile: RuleProfile,
  cal: HolidayCalendar,
): AmendmentEffect {
  const minDays = input.prequalification ? profile.prequalificationAmendmentMinDays : profile.amendmentMinDaysBeforeDeadline;
  if (!input.affectsBidPreparation) return { extend: false, newDeadline: null, minDays };
  const earliestDay = addCalendarDays(cstDate(input.issuedAt), minDays);
  if (cstDate(input.bidDeadline) >= earliestDay) return { extend: false, newDeadline: null, minDays };
  const day = nextWorkingDayOnOrAfter(earliestDay, cal);
  const tod = cstTimeOfDayMs(input.bidDeadline);
  const newDeadline = new Date(cstDateTime(day, 0).getTime() + tod);
  return { extend: true, newDeadline, minDays };
}

/**
 * R11 (ZTB): objections to the documents ≥ 10 days before the deadline.
 * R12 (ZFCG): a challenge within 7 working days after the supplier knew (or should have known).
 */
export function checkObjectionFiling(
  input: { filedAt: Date; bidDeadline: Date; knownAt?: Date },
  profile: RuleProfile,
  cal: HolidayCalendar,
): RuleViolation | null {
  const o = profile.objection;
  if (o.filingMinDaysBeforeDeadline != null) {
    const left = daysBetween(cstDate(input.filedAt), cstDate(input.bidDeadline));
    if (left < o.filingMinDaysBeforeDeadline) {
      return { rule: "R11", code: "RULE_R11_OBJECTION_TOO_LATE", params: { minDays: o.filingMinDaysBeforeDeadline, daysLeft: Math.max(0, left) } };
    }
  }
  if (o.filingWindow && input.knownAt) {
    const last = periodLastDay(input.knownAt, o.filingWindow, cal);
    if (cstDate(input.filedAt) > last) {
      return { rule: "R12", code: "RULE_R12_CHALLENGE_WINDOW", params: { days: o.filingWindow.days, last } };
    }
  }
  return null;
}

/** R11: answer within 3 days; R12: within 7 working days (each ending at 24:00 CST, R2). */
export function objectionAnswerDue(filedAt: Date, profile: RuleProfile, cal: HolidayCalendar): Date {
  return periodEnd(filedAt, profile.objection.answerWithin.days, profile.objection.answerWithin.unit, cal);
}

/** R11: a pending objection suspends the procedure until it is answered. */
export function objectionSuspends(profile: RuleProfile): boolean {
  return profile.objection.suspends;
}

/** Working days between two instants' CST dates (exported for notices and supervision). */
export function workingDaysFromTo(a: Date, b: Date, cal: HolidayCalendar): number {
  return workingDaysBetween(cstDate(a), cstDate(b), cal);
}

function yuan(fen: number): string {
  return (fen / 100).toFixed(2);
}
