import { cstDate, type HolidayCalendar, type Period } from "../rules/days";
import { periodEndsAt } from "../rules/results";
import { violation, type RuleViolation } from "../rules/violations";

/**
 * 投诉 (R53): a bidder's complaint to the supervising department (行政监督部门) after an objection of its own — to the
 * tender documents (R11 异议 / R12 质疑, table `objections`) or to the evaluation result (R52, `result_objections`) —
 * was answered, or its answer is overdue (条例60: the objection comes first; 87号令/94号令: a 质疑 precedes the 投诉).
 * The department accepts or refuses it within 3 working days of filing and decides within 30 working days of
 * accepting it; it may suspend the section meanwhile (条例62).
 *
 * Pure: instants and the holiday calendar come from the caller (R2 day counting, as the results' limits: the start day
 * is not counted, a working-day period ends at 24:00 CST of its last working day).
 */

export type ComplaintStatus = "filed" | "accepted" | "refused" | "decided" | "withdrawn";
export type ComplaintAction = "accept" | "refuse" | "decide" | "withdraw";
export type ComplaintOutcome = "upheld" | "dismissed" | "partly_upheld";
export const COMPLAINT_OUTCOMES: readonly ComplaintOutcome[] = ["upheld", "partly_upheld", "dismissed"];
/** The objection tables a complaint can follow. */
export type ObjectionKind = "documents" | "results";
export const OBJECTION_KINDS: readonly ObjectionKind[] = ["documents", "results"];

/** R53: accepted or refused within 3 working days of filing (条例61 / 94号令21: 收到投诉后3个工作日内审查决定是否受理). */
export const COMPLAINT_ACCEPT_WITHIN: Period = { days: 3, unit: "working" };
/** R53: decided within 30 working days of acceptance (条例61 / 94号令28). */
export const COMPLAINT_DECISION_WITHIN: Period = { days: 30, unit: "working" };

/**
 * R53: how long after the objection's answer a complaint may be filed. ZTB (条例60): within 10 days of knowing — of the
 * answer, or of the answer period passing without one (the objection's time is not counted). ZFCG (采购法55, 94号令10):
 * within 15 working days after the answer period ends (答复期满后), whether answered or not; a late answer restarts it.
 */
export const COMPLAINT_FILING_WITHIN: Record<"ZTB" | "ZFCG", Period> = {
  ZTB: { days: 10, unit: "calendar" },
  ZFCG: { days: 15, unit: "working" },
};

/** R53: the last instant a complaint on this objection may be filed (R2 counting: the start day is not counted). */
export function complaintFilingDue(o: { answerDueAt: Date; answeredAt: Date | null }, regime: "ZTB" | "ZFCG", cal: HolidayCalendar): Date {
  const start =
    regime === "ZFCG"
      ? o.answeredAt && o.answeredAt > o.answerDueAt
        ? o.answeredAt
        : o.answerDueAt
      : (o.answeredAt ?? o.answerDueAt);
  return periodEndsAt(start, COMPLAINT_FILING_WITHIN[regime], cal, false);
}

export const COMPLAINT_BODY_MIN = 10;
export const COMPLAINT_BODY_MAX = 4000;
export const COMPLAINT_REASON_MAX = 2000;
export const COMPLAINT_DECISION_MAX = 4000;

/** R53: the department accepts or refuses a complaint filed at `filedAt` by this instant. */
export function complaintAcceptDue(filedAt: Date, cal: HolidayCalendar): Date {
  return periodEndsAt(filedAt, COMPLAINT_ACCEPT_WITHIN, cal, true);
}

/** R53: the department decides a complaint accepted at `acceptedAt` by this instant. */
export function complaintDecisionDue(acceptedAt: Date, cal: HolidayCalendar): Date {
  return periodEndsAt(acceptedAt, COMPLAINT_DECISION_WITHIN, cal, true);
}

/**
 * R53: the status a complaint moves to, or null when the action is not open to it: filed → accepted | refused;
 * accepted → decided; filed or accepted → withdrawn (the complainant withdraws before the decision). Refused, decided
 * and withdrawn are final.
 */
export function complaintTransition(from: ComplaintStatus, action: ComplaintAction): ComplaintStatus | null {
  switch (action) {
    case "accept":
      return from === "filed" ? "accepted" : null;
    case "refuse":
      return from === "filed" ? "refused" : null;
    case "decide":
      return from === "accepted" ? "decided" : null;
    case "withdraw":
      return from === "filed" || from === "accepted" ? "withdrawn" : null;
  }
}

/** A complaint still running (the department has something to do). */
export function complaintOpen(status: ComplaintStatus): boolean {
  return status === "filed" || status === "accepted";
}

/** The objection a complaint follows, as its table holds it. */
export type ObjectionForComplaint = {
  kind: ObjectionKind;
  /** objections.org_id / result_objections.org_id: who objected. */
  orgId: string;
  /** The project the objection is on (result objections: their section's project). */
  projectId: string;
  /** result_objections.section_id; null for an objection to the documents (project-wide). */
  sectionId: string | null;
  answerDueAt: Date;
  answeredAt: Date | null;
};

/**
 * R53 (with R11/R12/R52): who may complain. The complainant is a bidder whose own objection on the same project (and
 * section, for a result objection) was answered, or whose answer is overdue (`now` at or past the answer limit): the
 * objection must come first (条例60), and a complaint cannot cut short the tendering side's time to answer. One
 * complaint per objection and organisation (`alreadyFiled`). Filing closes at `filingDueAt` (complaintFilingDue).
 */
export function checkComplaintFiling(input: {
  objection: ObjectionForComplaint | null;
  complainantOrgId: string | null;
  projectId: string;
  sectionId: string | null;
  now: Date;
  body: string;
  alreadyFiled: boolean;
  /** complaintFilingDue of the objection: after this instant the complaint is late. */
  filingDueAt: Date;
}): RuleViolation[] {
  const o = input.objection;
  if (!o || !input.complainantOrgId || o.orgId !== input.complainantOrgId || o.projectId !== input.projectId || (o.sectionId !== null && o.sectionId !== input.sectionId)) {
    return [violation("RULE_R53_NO_OBJECTION")];
  }
  const out: RuleViolation[] = [];
  if (!o.answeredAt && input.now.getTime() < o.answerDueAt.getTime()) out.push(violation("RULE_R53_OBJECTION_PENDING"));
  else if (input.now.getTime() > input.filingDueAt.getTime()) out.push(violation("RULE_R53_FILING_LATE", { until: cstDate(new Date(input.filingDueAt.getTime() - 1)) }));
  const n = input.body.trim().length;
  if (n < COMPLAINT_BODY_MIN || n > COMPLAINT_BODY_MAX) out.push(violation("RULE_R53_BODY_LENGTH", { min: COMPLAINT_BODY_MIN, max: COMPLAINT_BODY_MAX }));
  if (input.alreadyFiled) out.push(violation("RULE_R53_ALREADY_FILED"));
  return out;
}

/** R53: a refusal to accept names its reason (条例61: 不予受理的，应当说明理由). */
export function checkRefusal(reason: string): RuleViolation[] {
  const n = reason.trim().length;
  return n < 2 || n > COMPLAINT_REASON_MAX ? [violation("RULE_R53_REASON_REQUIRED", { max: COMPLAINT_REASON_MAX })] : [];
}

/** R53: the decision has an outcome and a written decision (投诉处理决定书). */
export function checkDecision(input: { outcome: string; decision: string }): RuleViolation[] {
  const out: RuleViolation[] = [];
  if (!COMPLAINT_OUTCOMES.includes(input.outcome as ComplaintOutcome)) out.push(violation("RULE_R53_OUTCOME_REQUIRED"));
  const n = input.decision.trim().length;
  if (n < 2 || n > COMPLAINT_DECISION_MAX) out.push(violation("RULE_R53_DECISION_REQUIRED", { max: COMPLAINT_DECISION_MAX }));
  return out;
}

/**
 * R53 (政府采购质疑和投诉办法28: 暂停采购活动; 条例62: 责令暂停招标投标活动): while an accepted complaint suspends a section
 * (or, filed against the whole project, every section of it), the procedure does not move forward. These are the
 * commands that move it: a bid submitted, the experts drawn, scores submitted and summarised, the report signed, the
 * winner decided, the notices issued, the contract recorded. Questions, objections, the complaint's own steps,
 * withdrawals and everything that only reads go on; an opening already under way is finished (its record is the
 * evidence the department examines), and a bid deadline that falls inside a suspension is the tendering side's to
 * extend by an amendment (R10).
 */
export const SUSPENDED_BY_COMPLAINT: readonly string[] = [
  "bid.submit",
  "draw.run",
  "evaluation.scoring_submitted",
  "evaluation.finalised",
  "evaluation.report_signed",
  "results.winner_decided",
  "results.notices_issued",
  "results.contract_recorded",
];

/** R53: the violation when `action` would move a section forward while complaints suspend it (their acceptance times given). */
export function checkComplaintSuspension(action: string, suspendedSince: readonly Date[]): RuleViolation[] {
  if (!SUSPENDED_BY_COMPLAINT.includes(action) || suspendedSince.length === 0) return [];
  const since = suspendedSince.reduce((a, b) => (a < b ? a : b));
  return [violation("RULE_R53_SUSPENDED", { since: cstDate(since) })];
}
