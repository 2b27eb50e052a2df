import { violation, type RuleViolation } from "../rules/violations";

/**
 * 案件 (R63–R65 electronic supervision; the `cases` table): a supervisor opens a case on an alert or on a tender, works
 * it (notes, attachments) and closes it as resolved or referred to another body, with the outcome in writing. Who may
 * act on which project is jurisdiction.ts (阳泉's city–county supervision). Pure.
 */

export type CaseStatus = "open" | "investigating" | "resolved" | "referred";
export const CASE_STATUSES: readonly CaseStatus[] = ["open", "investigating", "resolved", "referred"];

/** open → investigating → resolved | referred; the two closed states are final. */
const NEXT: Record<CaseStatus, readonly CaseStatus[]> = {
  open: ["investigating"],
  investigating: ["resolved", "referred"],
  resolved: [],
  referred: [],
};

export const CASE_TITLE_MAX = 200;
export const CASE_NOTE_MAX = 4000;
export const CASE_OUTCOME_MAX = 4000;
/** Bounds of one case: notes (of every kind) and attachments, and one attachment's size. */
export const CASE_NOTES_MAX = 500;
export const CASE_ATTACHMENTS_MAX = 50;
export const CASE_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;

/** The statuses a case in `from` may move to. */
export function caseNextStatuses(from: CaseStatus): readonly CaseStatus[] {
  return NEXT[from];
}

export function caseClosed(status: CaseStatus): boolean {
  return status === "resolved" || status === "referred";
}

/** A status change: allowed by the transitions, and closing (resolved/referred) needs the outcome text. */
export function checkCaseStatusChange(from: CaseStatus, to: CaseStatus, outcome: string): RuleViolation[] {
  if (!NEXT[from].includes(to)) return [violation("RULE_R65_CASE_TRANSITION", { from, to })];
  const n = outcome.trim().length;
  if (caseClosed(to) && (n < 2 || n > CASE_OUTCOME_MAX)) return [violation("RULE_R65_CASE_OUTCOME_REQUIRED", { max: CASE_OUTCOME_MAX })];
  return [];
}

/** 案件编号: AJ-<year>-<n>, n from 1 per calendar year (China time), at least four digits. */
export function caseCode(year: number, n: number): string {
  if (!Number.isInteger(year) || !Number.isInteger(n) || n < 1) throw new RangeError(`caseCode: bad year or number ${year}/${n}`);
  return `AJ-${year}-${String(n).padStart(4, "0")}`;
}

/** The number of a case code of that year (AJ-2026-0012 → 12), or null for another year or a malformed code. */
export function caseNumberOf(code: string, year: number): number | null {
  const m = /^AJ-(\d{4})-(\d{4,})$/.exec(code);
  return m && Number(m[1]) === year ? Number(m[2]) : null;
}
