import { describe, expect, it } from "vitest";
import {
  addCalendarDays,
  addWorkingDays,
  cstDate,
  cstDateTime,
  isWorkingDay,
  makeHolidayCalendar,
  nextWorkingDayOnOrAfter,
  periodEnd,
  workingDaysBetween,
} from "./days";

// 2026 National Day golden week: Oct 1–7 holidays; Sat Oct 10 a make-up working day.
const cal = makeHolidayCalendar([
  ...["01", "02", "03", "04", "05", "06", "07"].map((d) => ({ date: `2026-10-${d}`, kind: "holiday" as const })),
  { date: "2026-10-10", kind: "workday" },
]);

describe("R2 day counting", () => {
  it("R2: maps instants to the China calendar date (UTC+8)", () => {
    expect(cstDate(new Date("2026-11-22T15:59:59Z"))).toBe("2026-11-22");
    expect(cstDate(new Date("2026-11-22T16:00:00Z"))).toBe("2026-11-23");
    expect(cstDateTime("2026-11-23", 9, 30).toISOString()).toBe("2026-11-23T01:30:00.000Z");
  });

  it("R2: weekends and holidays are not working days; make-up days are", () => {
    expect(isWorkingDay("2026-11-23", cal)).toBe(true); // Monday
    expect(isWorkingDay("2026-11-22", cal)).toBe(false); // Sunday
    expect(isWorkingDay("2026-10-05", cal)).toBe(false); // holiday on a Monday
    expect(isWorkingDay("2026-10-10", cal)).toBe(true); // make-up Saturday
  });

  it("R2: the start day is not counted", () => {
    expect(addCalendarDays("2026-11-23", 20)).toBe("2026-12-13");
    // Friday + 1 working day = Monday.
    expect(addWorkingDays("2026-11-27", 1, cal)).toBe("2026-11-30");
    expect(workingDaysBetween("2026-11-27", "2026-11-30", cal)).toBe(1);
  });

  it("R2: working days skip the golden week and count the make-up Saturday", () => {
    // From Wed Sep 30: Oct 1–7 off, Thu Oct 8, Fri Oct 9, Sat Oct 10 (make-up), Mon Oct 12 …
    expect(addWorkingDays("2026-09-30", 3, cal)).toBe("2026-10-10");
    expect(addWorkingDays("2026-09-30", 5, cal)).toBe("2026-10-13");
  });

  it("R2: a last day on a holiday moves to the next working day", () => {
    expect(nextWorkingDayOnOrAfter("2026-10-03", cal)).toBe("2026-10-08");
    expect(nextWorkingDayOnOrAfter("2026-11-23", cal)).toBe("2026-11-23");
  });

  it("R2: periods end at 24:00 of their last day (China time)", () => {
    // 3 days from Mon 2026-11-23 10:00 CST → last day Thu 11-26 → ends Fri 11-27 00:00 CST.
    const end = periodEnd(new Date("2026-11-23T02:00:00Z"), 3, "calendar", cal);
    expect(end.toISOString()).toBe("2026-11-26T16:00:00.000Z");
    // 3 days from Sep 29 lands on Oct 2 (holiday) → moves to Oct 8, ends Oct 9 00:00 CST.
    expect(periodEnd(new Date("2026-09-29T02:00:00Z"), 3, "calendar", cal).toISOString()).toBe("2026-10-08T16:00:00.000Z");
  });
});
