import { z } from "zod";
import { MAX_YEAR, MIN_YEAR } from "./limits";

/**
 * Date-times are entered as China time (UTC+8 all year, no daylight saving since 1991) in the
 * datetime-local form `YYYY-MM-DDTHH:mm`. The parser is strict: the text must name a real
 * calendar minute — `2026-13-01T09:30`, `2026-02-30T09:30`, `2026-01-01T25:00` are refused
 * rather than rolled over by `Date` (March 2nd) or passed on as an invalid time. Pure.
 */
const CST_OFFSET_MS = 8 * 3600_000;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Formats an instant as China time for a datetime-local input (`2026-11-23T09:30`). */
export function toCstInput(d: Date | string | null | undefined): string {
  if (!d) return "";
  const t = new Date(new Date(d).getTime() + CST_OFFSET_MS);
  return Number.isNaN(t.getTime()) ? "" : t.toISOString().slice(0, 16);
}

/** The instant a China-time `YYYY-MM-DDTHH:mm` names, or null when it is not a real minute in MIN_YEAR..MAX_YEAR. */
export function parseCstDateTime(s: string): Date | null {
  const m = DATE_TIME.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (y < MIN_YEAR || y > MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const at = new Date(Date.UTC(y, mo - 1, d, h, mi) - CST_OFFSET_MS);
  // Round trip: a day past the month's end (02-30, 04-31) comes back as another date.
  return toCstInput(at) === s ? at : null;
}

/** A real calendar day `YYYY-MM-DD` between `minYear` and `maxYear` (rejects 2026-02-30 and year 0000). */
export function isCalendarDay(s: string, minYear = 1900, maxYear = MAX_YEAR): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  if (y < minYear || y > maxYear) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Zod: a China-time date-time field, as a Date (the message "invalid" is a common:errors key). */
export const CstDateTimeSchema = z.string({ required_error: "required" }).transform((s, ctx) => {
  const at = parseCstDateTime(s.trim());
  if (!at) {
    ctx.addIssue({ code: "custom", message: "invalid" });
    return z.NEVER;
  }
  return at;
});

/** Zod: a calendar day field (`YYYY-MM-DD`), kept as text. */
export const CalendarDaySchema = z.string({ required_error: "required" }).trim().refine((s) => isCalendarDay(s), "invalid");
