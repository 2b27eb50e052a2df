/**
 * R2 day counting (民法典 201/203; 87号令 85): the start day is not counted; if the last day
 * of a period is a holiday it moves to the next working day; periods end at 24:00;
 * "以上/以下/内" include the number. China Standard Time (UTC+8, no DST) is the legal
 * calendar, so instants are mapped to CST calendar dates with a fixed offset.
 */
const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86400_000;

/** A calendar date, `YYYY-MM-DD`. */
export type CalendarDate = string;

export type HolidayCalendar = {
  /** Non-working days: statutory holidays. */
  holidays: ReadonlySet<CalendarDate>;
  /** Weekend days that are working days (调休). */
  makeupWorkdays: ReadonlySet<CalendarDate>;
};

export function makeHolidayCalendar(entries: { date: CalendarDate; kind: "holiday" | "workday" }[]): HolidayCalendar {
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

/** Milliseconds since CST midnight of an instant (its time of day in China). */
export function cstTimeOfDayMs(instant: Date): number {
  return (((instant.getTime() + CST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
}

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

/** R2: n working days after `date` (the start day is not counted). */
export function addWorkingDays(date: CalendarDate, n: number, cal: HolidayCalendar): CalendarDate {
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

export type DayUnit = "calendar" | "working";
export type Period = { days: number; unit: DayUnit };

/** The last calendar day of a period of `n` days starting at `start` (R2, with holiday roll-forward). */
export function periodLastDay(start: Date, period: Period, cal: HolidayCalendar): CalendarDate {
  const first = cstDate(start);
  const last = period.unit === "working" ? addWorkingDays(first, period.days, cal) : addCalendarDays(first, period.days);
  return nextWorkingDayOnOrAfter(last, cal);
}

/** R2: the instant a period ends — 24:00 CST of its last day. */
export function periodEnd(start: Date, n: number, unit: DayUnit, cal: HolidayCalendar): Date {
  return cstDateTime(addCalendarDays(periodLastDay(start, { days: n, unit }, cal), 1), 0);
}
