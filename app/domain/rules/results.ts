import { addPeriod, cstDate, cstEndOfDay, nextWorkingDayOnOrAfter, type HolidayCalendar, type Period } from "./days";
import { violation, type RuleViolation } from "./violations";
import { fenToYuan } from "../money";

/**
 * Results (定标): every time limit and rule between the signed evaluation report and the contract (R51–R57, R15, R70).
 * Pure: instants in, instants out; the database clock and the holiday calendar are passed in. Day counting is R2
 * (start day not counted, a period ends at 24:00 CST); whether a calendar-day period that ends on a weekend or holiday
 * moves to the next working day is a profile setting (docs/evaluation-rules.md §5.5 leaves it to the platform; default: no).
 */

export type ResultsProfile = {
  /** R51: ZTB publishes the candidates (中标候选人公示); R54: ZFCG does not. */
  candidatePublicity: boolean;
  /** R51: publicity starts within 3 days of the report. */
  publicityStartWithin: Period | null;
  /** How long after the signed report the job publishes the publicity (0 = at once; must stay inside the limit). */
  publicityDelayMinutes: number;
  /** Whether a publicity period ending on a non-working day moves to the next working day (R2 民法典203; a setting). */
  publicityRollsForward: boolean;
  /** R52: an objection to the result is answered within 3 days; suspends meanwhile. */
  objectionAnswerWithin: Period | null;
  objectionAnswerRollsForward: boolean;
  /** R57: ZFCG purchaser decides within 5 working days of receiving the report, else rank 1 is deemed chosen. */
  decisionWithin: Period | null;
  /** R54: ZFCG result notice within 2 working days of the decision (ZTB: null — issued when the tendering unit does). */
  noticesWithin: Period | null;
  /** R54: ZFCG notice period (公告期限) 1 working day. */
  noticePeriod: Period | null;
  /** R56: the contract timer warns this many days before the 30-day limit. */
  contractWarnDaysBefore: number;
  /** R57: ZFCG contract published within 2 working days of signing. */
  contractPublishWithin: Period | null;
  /** R15: bond refund limits and what they count from. */
  bondRefund: { winner: Period; winnerFrom: "contract" | "notice"; losers: Period; losersFrom: "contract" | "notice" };
  /**
   * R55/R70: rank1_if_state_funded — ZTB: a state-funded project's rank 1 must win unless an R55 reason is recorded
   * for every candidate ranked above the winner; other projects choose among the candidates. rank_order — ZFCG
   * (87号令68): in the order of the report, same recording rule. tenderer_decides — 评定分离 (R70, where local law
   * allows): any candidate of the list, a reason recorded when it is not rank 1.
   */
  awardMode: "rank1_if_state_funded" | "rank_order" | "tenderer_decides";
  /** EV22: rejected bidders and reasons go to the bidders themselves; to the public only where local rules say so. */
  publishRejectedBidders: boolean;
};

/** The last instant of a period started at `start` (R2), optionally rolled forward past non-working days. */
export function periodEndsAt(start: Date, period: Period, cal: HolidayCalendar, rollForward: boolean): Date {
  const last = addPeriod(cstDate(start), period, cal);
  return cstEndOfDay(rollForward || period.unit === "working" ? nextWorkingDayOnOrAfter(last, cal) : last);
}

/** R51/TV-D1: the candidate publicity must start by this instant (report received + 3 days, 24:00). */
export function publicityStartDue(reportSignedAt: Date, p: ResultsProfile, cal: HolidayCalendar): Date | null {
  return p.candidatePublicity && p.publicityStartWithin ? periodEndsAt(reportSignedAt, p.publicityStartWithin, cal, false) : null;
}

/** R51/TV-D1: when the job publishes the publicity: after the configured delay, never later than the limit. */
export function publicityPublishAt(reportSignedAt: Date, p: ResultsProfile, cal: HolidayCalendar): Date | null {
  const due = publicityStartDue(reportSignedAt, p, cal);
  if (!due) return null;
  const at = new Date(reportSignedAt.getTime() + Math.max(0, p.publicityDelayMinutes) * 60_000);
  return at < due ? at : due;
}

/**
 * R51/TV-D1: the earliest end of a publicity started at `startedAt` lasting `period` (start day not counted), plus the
 * time it spent suspended (R52) carried onto the end, which then ends at 24:00 of the day it reaches.
 */
export function publicityEndsAt(startedAt: Date, period: Period, p: ResultsProfile, cal: HolidayCalendar, suspendedMs = 0): Date {
  const base = periodEndsAt(startedAt, period, cal, p.publicityRollsForward);
  if (suspendedMs <= 0) return base;
  return cstEndOfDay(cstDate(new Date(base.getTime() + suspendedMs - 1)));
}

/** R52/TV-D1: an objection filed at `filedAt` is answered by this instant. */
export function objectionAnswerDue(filedAt: Date, p: ResultsProfile, cal: HolidayCalendar): Date | null {
  return p.objectionAnswerWithin ? periodEndsAt(filedAt, p.objectionAnswerWithin, cal, p.objectionAnswerRollsForward) : null;
}

/** R52: objections are filed during the publicity (running or suspended by another objection), by a bidder of the section. */
export function checkResultObjection(input: { stage: string; isBidder: boolean; body: string; pendingOwn: boolean }): RuleViolation[] {
  const out: RuleViolation[] = [];
  if (input.stage !== "publicity" && input.stage !== "suspended") out.push(violation("RULE_R52_NOT_IN_PUBLICITY"));
  if (!input.isBidder) out.push(violation("RULE_R52_NOT_A_BIDDER"));
  const n = input.body.trim().length;
  if (n < OBJECTION_MIN || n > OBJECTION_MAX) out.push(violation("RULE_R52_BODY_LENGTH", { min: OBJECTION_MIN, max: OBJECTION_MAX }));
  if (input.pendingOwn) out.push(violation("RULE_R52_ALREADY_PENDING"));
  return out;
}
export const OBJECTION_MIN = 10;
export const OBJECTION_MAX = 4000;

/** R57/TV-D2: ZFCG: the purchaser receives the report when it is signed (the platform delivers it) and decides by this instant. */
export function decisionDue(reportReceivedAt: Date, p: ResultsProfile, cal: HolidayCalendar): Date | null {
  return p.decisionWithin ? periodEndsAt(reportReceivedAt, p.decisionWithin, cal, true) : null;
}

/** R54/TV-D2: ZFCG result notice due (2 working days after the decision); ZTB: null. */
export function noticesDue(decidedAt: Date, p: ResultsProfile, cal: HolidayCalendar): Date | null {
  return p.noticesWithin ? periodEndsAt(decidedAt, p.noticesWithin, cal, true) : null;
}

/** R54: the end of the ZFCG notice period (1 working day after the notice). */
export function noticePeriodEnds(noticeAt: Date, p: ResultsProfile, cal: HolidayCalendar): Date | null {
  return p.noticePeriod ? periodEndsAt(noticeAt, p.noticePeriod, cal, true) : null;
}

/** R56: the contract is signed within `contractDays` calendar days of the award notice; the timer warns before. */
export function contractTimers(noticeAt: Date, contractDays: number, p: ResultsProfile, cal: HolidayCalendar): { dueAt: Date; warnAt: Date } {
  const dueAt = periodEndsAt(noticeAt, { days: contractDays, unit: "calendar" }, cal, false);
  const warnAt = new Date(dueAt.getTime() - Math.max(0, p.contractWarnDaysBefore) * 86_400_000);
  return { dueAt, warnAt: warnAt > noticeAt ? warnAt : noticeAt };
}

/** R57: ZFCG contract publication due; null when the profile does not ask for it. */
export function contractPublishDue(signedAt: Date, p: ResultsProfile, cal: HolidayCalendar): Date | null {
  return p.contractPublishWithin ? periodEndsAt(signedAt, p.contractPublishWithin, cal, true) : null;
}

/** R15: when a bond is refunded, from the award notice or the contract, for the winner or another bidder. */
export function bondRefundDue(input: { winner: boolean; noticeAt: Date; contractAt: Date | null }, p: ResultsProfile, cal: HolidayCalendar): Date | null {
  const period = input.winner ? p.bondRefund.winner : p.bondRefund.losers;
  const from = (input.winner ? p.bondRefund.winnerFrom : p.bondRefund.losersFrom) === "contract" ? input.contractAt : input.noticeAt;
  return from ? periodEndsAt(from, period, cal, period.unit === "working") : null;
}

/** R56: the contract's signing date (not before the notice, not in the future) and amount (the winning price). */
export function checkContract(input: { signedOn: string; noticeDate: string; today: string; amountFen: number; winningFen: number }): RuleViolation[] {
  const out: RuleViolation[] = [];
  if (input.signedOn < input.noticeDate) out.push(violation("RULE_R56_SIGNED_BEFORE_NOTICE", { notice: input.noticeDate }));
  if (input.signedOn > input.today) out.push(violation("RULE_R56_SIGNED_IN_FUTURE"));
  if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) out.push(violation("RULE_R56_AMOUNT"));
  // 法46/条例57: the contract's price is the winning bid's (its substance may not depart from the bid and the documents).
  else if (input.amountFen !== input.winningFen) out.push(violation("RULE_R56_AMOUNT_MISMATCH", { winning: fenToYuan(input.winningFen) }));
  return out;
}

/** R55: the reasons that let a lower-ranked candidate win (条例55). */
export const R55_REASONS = ["gave_up", "force_majeure", "no_performance_bond", "unlawful_conduct"] as const;
export type R55Reason = (typeof R55_REASONS)[number];
export type Deviation = { rank: number; reason: string; note: string };
export const DEVIATION_NOTE_MAX = 1000;

/**
 * R55 (ZTB, 条例55; 法57), R57 (ZFCG, 87号令68), R70: whether `chosenRank` may win. A winner outside the candidate
 * list is void (法57). Where rank 1 must win (state funding under rank1_if_state_funded, and rank_order), a lower
 * candidate wins only when every candidate ranked above it has a recorded R55 reason with a note, and the decision
 * carries evidence. Under tenderer_decides (R70) any candidate of the list may win, with a note when it is not rank 1.
 */
export function checkWinner(input: {
  candidateRanks: number[];
  chosenRank: number | null;
  stateFunded: boolean;
  mode: ResultsProfile["awardMode"];
  deviations: Deviation[];
  hasEvidence: boolean;
}): RuleViolation[] {
  const { chosenRank } = input;
  if (chosenRank === null || !input.candidateRanks.includes(chosenRank)) return [violation("RULE_R55_NOT_A_CANDIDATE")];
  const above = input.candidateRanks.filter((r) => r < chosenRank).sort((a, b) => a - b);
  if (above.length === 0) return [];
  const strict = input.mode === "rank_order" || (input.mode === "rank1_if_state_funded" && input.stateFunded);
  const noted = (d: Deviation | undefined) => !!d && d.note.trim().length > 0 && d.note.length <= DEVIATION_NOTE_MAX;
  if (!strict) {
    if (input.mode === "tenderer_decides" && !input.deviations.some((d) => noted(d))) return [violation("RULE_R70_REASON_REQUIRED")];
    return [];
  }
  const out: RuleViolation[] = [];
  for (const rank of above) {
    const d = input.deviations.find((x) => x.rank === rank);
    if (!d || !(R55_REASONS as readonly string[]).includes(d.reason) || !noted(d)) out.push(violation("RULE_R55_RANK_SKIPPED", { rank }));
  }
  if (out.length === 0 && !input.hasEvidence) out.push(violation("RULE_R55_EVIDENCE_REQUIRED"));
  return out;
}

/** R56/EV24: notice numbers, unique on the platform: <kind>-<project code>-<section seq>-<n>. */
export function noticeNumber(kind: "GS" | "ZB" | "JG" | "GG" | "HT", projectCode: string, sectionSeq: number, n: number): string {
  return `${kind}-${projectCode}-${String(sectionSeq).padStart(2, "0")}-${String(n).padStart(3, "0")}`;
}
