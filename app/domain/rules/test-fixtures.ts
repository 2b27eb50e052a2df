import { makeHolidayCalendar } from "./days";

/**
 * Test calendar (R2): the 2026 National Day golden week Oct 1–7 as holidays, with the
 * make-up working days Sun Sep 20 and Sat Oct 10 (调休); ordinary weekends otherwise.
 */
export const GOLDEN_WEEK_2026 = makeHolidayCalendar([
  ...["01", "02", "03", "04", "05", "06", "07"].map((d) => ({ date: `2026-10-${d}`, kind: "holiday" as const })),
  { date: "2026-09-20", kind: "workday" },
  { date: "2026-10-10", kind: "workday" },
]);

/** An instant written as China time, e.g. `cst("2026-11-23T09:30")`. */
export const cst = (local: string): Date => new Date(`${local}:00+08:00`);
