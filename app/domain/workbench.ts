import { z } from "zod";
import type { MyBidState } from "./my-bids";
import { EnumFilterSchema, PageSchema } from "./query";
import type { Role } from "./roles";
import { addCalendarDays, cstDate, isCalendarDate } from "./rules/days";

/**
 * The workbench (工作台, issue 14 point 5): the home page of a signed-in user, one part per role it holds, each listing
 * what waits for it and by when. Pure and isomorphic: which parts a user sees, the lists and their filters (bounded
 * query parameters, a bad value ignored), a section's stage when the supervision read model has no row for it yet,
 * what is pending with its rule and due instant, how urgent it is, and the per-day counts of the admin's room bookings.
 */

/** The parts of the workbench: the tendering side (tendering unit and agency share one), a bidder, an expert, the admin. */
export const WORKBENCH_PARTS = ["tendering", "bidder", "expert", "admin"] as const;
export type WorkbenchPart = (typeof WORKBENCH_PARTS)[number];

/** Which parts a user with these roles sees, in page order (a supervisor's work is on /supervise: no part). */
export function workbenchParts(roles: readonly Role[]): WorkbenchPart[] {
  const out: WorkbenchPart[] = [];
  if (roles.includes("tendering_unit") || roles.includes("agency")) out.push("tendering");
  if (roles.includes("bidder")) out.push("bidder");
  if (roles.includes("expert")) out.push("expert");
  if (roles.includes("admin")) out.push("admin");
  return out;
}

/** Every list of the workbench, each with an anchor on the page (`#wb-<list>`) that its counts link to. */
export const WORKBENCH_LISTS = [
  "tendering-sections",
  "tendering-pending",
  "bidder-downloads",
  "bidder-bids",
  "bidder-openings",
  "bidder-notices",
  "bidder-clarifications",
  "expert-invitations",
  "expert-evaluations",
  "expert-reports",
  "admin-pool",
  "admin-rooms",
  "admin-certificates",
  "admin-jobs",
] as const;
export type WorkbenchList = (typeof WORKBENCH_LISTS)[number];

/** The part a list belongs to. */
export function partOfList(list: WorkbenchList): WorkbenchPart {
  return list.slice(0, list.indexOf("-")) as WorkbenchPart;
}

/**
 * A section's lifecycle stage, in the supervision dashboard's words (db/schema/supervision.ts `supervision_stage`,
 * app/domain/supervision/stage.ts): the workbench groups the tendering side's sections by it.
 */
export const WORKBENCH_STAGES = ["draft", "tendering", "opening", "evaluation", "publicity", "decision", "contract", "completed", "ended"] as const;
export type WorkbenchStage = (typeof WORKBENCH_STAGES)[number];

type ProjectStatus = "draft" | "published" | "suspended" | "terminated";
type SectionStatus =
  | "draft"
  | "published"
  | "bidding_closed"
  | "opening"
  | "opened"
  | "failed"
  | "evaluating"
  | "evaluated"
  | "publicity"
  | "awarded"
  | "contracted"
  | "archived"
  | "terminated";
type ResultStage = "publicity_due" | "publicity" | "suspended" | "recheck" | "decision" | "decided" | "notified" | "contracted" | "archived" | "ended";

/**
 * The stage of a section with no supervision_lights row yet (the projector has not reached it): from its own status,
 * the project's and its results row's stage. The same boundaries as the projector's (stage.ts): the results stage
 * decides once it exists (R51–R57; a re-check after an objection is still the publicity, 条例56), else the section's
 * status (R24–R28 opening, R41–R50 evaluation); a terminated project or a failed/terminated section has ended.
 */
export function fallbackStage(input: { projectStatus: ProjectStatus; sectionStatus: SectionStatus; resultStage: ResultStage | null }): WorkbenchStage {
  const { projectStatus, sectionStatus, resultStage } = input;
  if (projectStatus === "terminated" || sectionStatus === "failed" || sectionStatus === "terminated") return "ended";
  if (resultStage) {
    switch (resultStage) {
      case "ended":
        return "ended";
      case "contracted":
      case "archived":
        return "completed";
      case "notified":
        return "contract";
      case "decision":
      case "decided":
        return "decision";
      default:
        return "publicity";
    }
  }
  switch (sectionStatus) {
    case "draft":
      return projectStatus === "draft" ? "draft" : "tendering";
    case "published":
    case "bidding_closed":
      return "tendering";
    case "opening":
    case "opened":
      return "opening";
    case "evaluating":
    case "evaluated":
      return "evaluation";
    case "publicity":
      return "publicity";
    case "awarded":
      return "contract";
    case "contracted":
    case "archived":
      return "completed";
  }
}

/** How many sections are at each stage, in lifecycle order, stages with none left out. */
export function stageCounts(rows: readonly { stage: WorkbenchStage }[]): { stage: WorkbenchStage; count: number }[] {
  const n = new Map<WorkbenchStage, number>();
  for (const r of rows) n.set(r.stage, (n.get(r.stage) ?? 0) + 1);
  return WORKBENCH_STAGES.filter((s) => n.has(s)).map((stage) => ({ stage, count: n.get(stage)! }));
}

/** What the tendering side must answer or do. */
export const PENDING_KINDS = ["question", "objection", "result_objection", "decision", "notices", "contract", "refund"] as const;
export type PendingKind = (typeof PENDING_KINDS)[number];

/**
 * The rule that sets each pending item's limit, by regime: a question to the documents (答疑, no limit of its own: the
 * answer is an amendment, R10); an objection to the documents within 3 days (ZTB 异议 R11) or a 质疑 within 7 working
 * days (ZFCG R12); an objection to the result (R52); the winner's decision (ZTB R55; ZFCG R57, deemed after its
 * limit); the award and result notices (ZTB R56; ZFCG result notice R54); the contract within 30 days of the notice
 * (R56); a bond refund (R15).
 */
export function pendingRule(kind: PendingKind, regime: "ZTB" | "ZFCG"): string {
  switch (kind) {
    case "question":
      return "R10";
    case "objection":
      return regime === "ZTB" ? "R11" : "R12";
    case "result_objection":
      return "R52";
    case "decision":
      return regime === "ZTB" ? "R55" : "R57";
    case "notices":
      return regime === "ZTB" ? "R56" : "R54";
    case "contract":
      return "R56";
    case "refund":
      return "R15";
  }
}

/**
 * How urgent a limit is on the database clock: `overdue` from 1 ms after `dueAt` (due exactly now is not late, as the
 * lights count it), `today` when it falls on today's China-time date (R2), `soon` within the next 3 calendar days,
 * `later` beyond, `none` without a limit.
 */
export type Urgency = "overdue" | "today" | "soon" | "later" | "none";
export const SOON_DAYS = 3;

export function urgencyOf(dueAt: Date | null, now: Date): Urgency {
  if (!dueAt) return "none";
  if (dueAt.getTime() < now.getTime()) return "overdue";
  const today = cstDate(now);
  const day = cstDate(dueAt);
  if (day === today) return "today";
  return day <= addCalendarDays(today, SOON_DAYS) ? "soon" : "later";
}

/** Pending items, soonest limit first; those without a limit last; ties by `key` so the order is stable. */
export function byDue<T extends { dueAt: Date | null; key: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => {
    if (a.dueAt && b.dueAt && a.dueAt.getTime() !== b.dueAt.getTime()) return a.dueAt.getTime() - b.dueAt.getTime();
    if (!a.dueAt !== !b.dueAt) return a.dueAt ? -1 : 1;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}

/**
 * The bids whose opening the bidder attends (R24: the opening is at the bid deadline, each bidder decrypts its own
 * bid in the hall, R26): a sealed bid before the deadline (counting down to it), and a bid in a hall that is open
 * or reading out. Not a withdrawn bid, an upload not yet sealed, or a hall that closed or failed.
 */
export function attendsOpening(state: MyBidState): "upcoming" | "in_hall" | null {
  if (state === "sealed") return "upcoming";
  if (state === "awaiting_opening" || state === "opening_pending" || state === "decrypted" || state === "read_out") return "in_hall";
  return null;
}

/** The admin's window of room bookings and of expiring certificates. */
export const ROOM_DAYS = 14;
export const CERTIFICATE_EXPIRY_DAYS = 30;

/** The China-time calendar days from today on, `days` of them. */
export function daysFrom(now: Date, days: number): string[] {
  const today = cstDate(now);
  return Array.from({ length: days }, (_, i) => addCalendarDays(today, i));
}

/**
 * Room bookings per China-time day of the next `days` days (today first), by the day each booking starts (a booking
 * over midnight counts on its first day); bookings outside the window are not counted.
 */
export function bookingsPerDay(starts: readonly Date[], now: Date, days = ROOM_DAYS): { day: string; count: number }[] {
  const window = daysFrom(now, days);
  const n = new Map(window.map((d) => [d, 0]));
  for (const s of starts) {
    const d = cstDate(s);
    if (n.has(d)) n.set(d, n.get(d)! + 1);
  }
  return window.map((day) => ({ day, count: n.get(day)! }));
}

/** A `?day=` filter: a calendar date inside the window, else ignored. */
export function dayInWindow(day: string | undefined, now: Date, days = ROOM_DAYS): string | undefined {
  if (!day) return undefined;
  return daysFrom(now, days).includes(day) ? day : undefined;
}

/** Rows a list shows in its part before "all" (the count links to the whole list). */
export const WB_PREVIEW = 5;
/** Rows per page of a list opened on its own (`?list=`). */
export const WB_PAGE_SIZE = 25;
/** Rows a reader fetches per list at most (a longer list says "500+" and links to the page that has them all). */
export const WB_MAX_ROWS = 500;

/** A list as a part shows it: the preview, or one page when it is the list opened on its own. */
export function pageOf<T>(rows: readonly T[], focused: boolean, page: number): { rows: T[]; page: number; pages: number; total: number } {
  const total = rows.length;
  if (!focused) return { rows: rows.slice(0, WB_PREVIEW), page: 1, pages: 1, total };
  const pages = Math.max(1, Math.ceil(total / WB_PAGE_SIZE));
  const p = Math.min(Math.max(1, page), pages);
  return { rows: rows.slice((p - 1) * WB_PAGE_SIZE, p * WB_PAGE_SIZE), page: p, pages, total };
}

/**
 * The workbench's query string: one part (`role`), one list opened on its own (`list`, paged), and the filters of the
 * lists — a section stage, a pending kind, a booking day. Anything malformed or outside its values is ignored.
 */
export const WorkbenchQuerySchema = z.object({
  role: EnumFilterSchema([...WORKBENCH_PARTS]),
  list: EnumFilterSchema([...WORKBENCH_LISTS]),
  stage: EnumFilterSchema([...WORKBENCH_STAGES]),
  kind: EnumFilterSchema([...PENDING_KINDS]),
  day: z
    .string()
    .refine((s) => isCalendarDate(s))
    .optional()
    .catch(undefined),
  page: PageSchema,
});
export type WorkbenchQuery = z.infer<typeof WorkbenchQuerySchema>;

/** The link of a count: the workbench with that list opened (with its filter and page), at the list's anchor. */
export function listHref(list: WorkbenchList, filter: Readonly<Record<string, string | null | undefined>> = {}): string {
  const q = new URLSearchParams({ role: partOfList(list), list });
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
  return `/workbench?${q.toString()}#wb-${list}`;
}
