/**
 * R2 day counting (民法典 201/203; 87号令 85): the start day is not counted; if the last day
 * of a period is a holiday it moves to the next working day; periods end at 24:00;
 * "以上/以下/内" include the number. China Standard Time (UTC+8, no DST) is the legal
 * calendar, so instants are mapped to CST calendar dates with a fixed offset.
 *
 * Pure and isomorphic: no clock, no I/O. Instants are `Date`s passed in by the caller;
 * calendar dates are `YYYY-MM-DD` strings (they compare correctly as strings).
 */
const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86400_000;

/** A calendar date, `YYYY-MM-DD`. */
export type CalendarDate = string;

/** 日 = calendar days; 工作日 = working days (R2). */
export type DayUnit = "calendar" | "working";
export type Period = { days: number; unit: DayUnit };

export type HolidayCalendar = {
  /** Non-working days: statutory holidays. */
  holidays: ReadonlySet<CalendarDate>;
  /** Weekend days that are working days (调休). */
  makeupWorkdays: ReadonlySet<CalendarDate>;
};

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real `YYYY-MM-DD` date (rejects 2026-02-30). */
export function isCalendarDate(value: string): value is CalendarDate {
  return DATE_RE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && addCalendarDays(value, 0) === value;
}

/** Builds a calendar from rows; a malformed date throws (it would otherwise silently never match). */
export function makeHolidayCalendar(entries: readonly { date: CalendarDate; kind: "holiday" | "workday" }[]): HolidayCalendar {
  const bad = entries.find((e) => !isCalendarDate(e.date));
  if (bad) throw new RangeError(`holiday calendar: not a YYYY-MM-DD date: ${JSON.stringify(bad.date)}`);
  return {
    holidays: new Set(entries.filter((e) => e.kind === "holiday").map((e) => e.date)),
    makeupWorkdays: new Set(entries.filter((e) => e.kind === "workday").map((e) => e.date)),
  };
}

export const EMPTY_CALENDAR: HolidayCalendar = makeHolidayCalendar([]);

/** The CST calendar date of an instant. */
export function cstDate(instant: Date): CalendarDate {
  return new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant of `hh:mm` CST on a calendar date. */
export function cstDateTime(date: CalendarDate, hh: number, mm = 0): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - CST_OFFSET_MS + (hh * 60 + mm) * 60_000);
}

/** R2: 24:00 CST of a calendar date (= 00:00 CST of the next day), when a day-based period ends. */
export function cstEndOfDay(date: CalendarDate): Date {
  return cstDateTime(addCalendarDays(date, 1), 0);
}

/** Milliseconds since CST midnight of an instant (its time of day in China). */
export function cstTimeOfDayMs(instant: Date): number {
  return (((instant.getTime() + CST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
}

/** The instant on a calendar date at the same CST time of day as `instant`. */
export function cstDateAtTimeOf(date: CalendarDate, instant: Date): Date {
  return new Date(cstDateTime(date, 0).getTime() + cstTimeOfDayMs(instant));
}

/** The calendar date n days after (n < 0: before) `date`. */
export function addCalendarDays(date: CalendarDate, n: number): CalendarDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Calendar days from a to b (b − a). */
export function daysBetween(a: CalendarDate, b: CalendarDate): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

function weekday(date: CalendarDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** R2: Saturdays, Sundays and statutory holidays are rest days, except make-up working days (调休). */
export function isWorkingDay(date: CalendarDate, cal: HolidayCalendar): boolean {
  if (cal.makeupWorkdays.has(date)) return true;
  if (cal.holidays.has(date)) return false;
  const d = weekday(date);
  return d !== 0 && d !== 6;
}

/** R2: a period's last day that is not a working day moves to the next working day. */
export function nextWorkingDayOnOrAfter(date: CalendarDate, cal: HolidayCalendar): CalendarDate {
  let d = date;
  for (let i = 0; i < 366 && !isWorkingDay(d, cal); i++) d = addCalendarDays(d, 1);
  return d;
}

/** R2: n ≥ 0 working days after `date` (the start day is not counted). */
export function addWorkingDays(date: CalendarDate, n: number, cal: HolidayCalendar): CalendarDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`addWorkingDays: n must be a non-negative integer, got ${n}`);
  let d = date;
  let left = n;
  while (left > 0) {
    d = addCalendarDays(d, 1);
    if (isWorkingDay(d, cal)) left--;
  }
  return d;
}

/** Working days in (a, b]: the start day is not counted, the end day is. */
export function workingDaysBetween(a: CalendarDate, b: CalendarDate, cal: HolidayCalendar): number {
  let n = 0;
  for (let d = addCalendarDays(a, 1); d <= b; d = addCalendarDays(d, 1)) if (isWorkingDay(d, cal)) n++;
  return n;
}

/** Working days between two instants' CST dates (start day not counted), for notices and supervision. */
export function workingDaysFromTo(a: Date, b: Date, cal: HolidayCalendar): number {
  return workingDaysBetween(cstDate(a), cstDate(b), cal);
}

/** R2: the day a period of calendar or working days reaches, counted from `date` (not counted itself). */
export function addPeriod(date: CalendarDate, period: Period, cal: HolidayCalendar): CalendarDate {
  return period.unit === "working" ? addWorkingDays(date, period.days, cal) : addCalendarDays(date, period.days);
}

/** The last calendar day of a period starting at the instant `start` (R2, with holiday roll-forward). */
export function periodLastDay(start: Date, period: Period, cal: HolidayCalendar): CalendarDate {
  return nextWorkingDayOnOrAfter(addPeriod(cstDate(start), period, cal), cal);
}

/** R2: the instant a period ends — 24:00 CST of its last day (after the holiday roll-forward). */
export function periodEnd(start: Date, n: number, unit: DayUnit, cal: HolidayCalendar): Date {
  return cstEndOfDay(periodLastDay(start, { days: n, unit }, cal));
}
