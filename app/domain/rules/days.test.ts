import { describe, expect, it } from "vitest";
import {
  addCalendarDays,
  addWorkingDays,
  cstDate,
  cstDateAtTimeOf,
  cstDateTime,
  cstEndOfDay,
  daysBetween,
  isCalendarDate,
  isWorkingDay,
  makeHolidayCalendar,
  nextWorkingDayOnOrAfter,
  periodEnd,
  periodLastDay,
  workingDaysBetween,
  workingDaysFromTo,
} from "./days";
import { cst, GOLDEN_WEEK_2026 as cal } from "./test-fixtures";

describe("R2 China time", () => {
  it("R2: maps instants to the China calendar date (UTC+8, no DST)", () => {
    expect(cstDate(new Date("2026-11-22T15:59:59.999Z"))).toBe("2026-11-22");
    expect(cstDate(new Date("2026-11-22T16:00:00Z"))).toBe("2026-11-23");
    expect(cstDate(new Date("2026-07-01T16:00:00Z"))).toBe("2026-07-02"); // summer: still +8
    expect(cstDateTime("2026-11-23", 9, 30).toISOString()).toBe("2026-11-23T01:30:00.000Z");
    expect(cstDateTime("2026-11-23", 0).toISOString()).toBe("2026-11-22T16:00:00.000Z");
  });

  it("R2: periods end at 24:00 China time, i.e. 00:00 of the next day", () => {
    expect(cstEndOfDay("2026-12-31").toISOString()).toBe("2026-12-31T16:00:00.000Z");
    expect(cstDate(new Date(cstEndOfDay("2026-12-31").getTime() - 1))).toBe("2026-12-31");
  });

  it("R2: moves an instant to another day at the same China time of day", () => {
    expect(cstDateAtTimeOf("2026-12-08", cst("2026-12-01T09:30")).toISOString()).toBe(cst("2026-12-08T09:30").toISOString());
    // 07:00 CST is 23:00 UTC the previous day: the China time of day is kept.
    expect(cstDateAtTimeOf("2026-12-08", cst("2026-12-01T07:00")).toISOString()).toBe("2026-12-07T23:00:00.000Z");
  });
});

describe("R2 calendar", () => {
  it("R2: weekends and holidays are not working days; make-up days (调休) are", () => {
    expect(isWorkingDay("2026-11-23", cal)).toBe(true); // Monday
    expect(isWorkingDay("2026-11-21", cal)).toBe(false); // Saturday
    expect(isWorkingDay("2026-11-22", cal)).toBe(false); // Sunday
    expect(isWorkingDay("2026-10-05", cal)).toBe(false); // holiday on a Monday
    expect(isWorkingDay("2026-10-10", cal)).toBe(true); // make-up Saturday
    expect(isWorkingDay("2026-09-20", cal)).toBe(true); // make-up Sunday
  });

  it("R2: the holiday calendar refuses malformed dates instead of silently never matching", () => {
    expect(isCalendarDate("2026-10-01")).toBe(true);
    expect(isCalendarDate("2026-02-30")).toBe(false);
    expect(isCalendarDate("2026-13-01")).toBe(false);
    expect(isCalendarDate("2026-1-1")).toBe(false);
    expect(() => makeHolidayCalendar([{ date: "2026/10/01", kind: "holiday" }])).toThrow(RangeError);
  });
});

describe("R2 day counting", () => {
  it("R2: the start day is not counted (calendar days)", () => {
    expect(addCalendarDays("2026-11-23", 20)).toBe("2026-12-13");
    expect(addCalendarDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addCalendarDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(daysBetween("2026-11-23", "2026-12-13")).toBe(20);
    expect(daysBetween("2026-12-13", "2026-11-23")).toBe(-20);
  });

  it("R2: working days skip weekends; the start day is not counted", () => {
    // Friday + 1 working day = Monday.
    expect(addWorkingDays("2026-11-27", 1, cal)).toBe("2026-11-30");
    expect(addWorkingDays("2026-11-23", 5, cal)).toBe("2026-11-30");
    expect(addWorkingDays("2026-11-23", 0, cal)).toBe("2026-11-23");
    expect(workingDaysBetween("2026-11-27", "2026-11-30", cal)).toBe(1);
    expect(workingDaysBetween("2026-11-23", "2026-11-23", cal)).toBe(0);
    expect(() => addWorkingDays("2026-11-23", -1, cal)).toThrow(RangeError);
  });

  it("R2: working days skip the golden week and count the make-up Saturday", () => {
    // From Wed Sep 30: Oct 1–7 off, Thu Oct 8, Fri Oct 9, Sat Oct 10 (make-up), Mon Oct 12 …
    expect(addWorkingDays("2026-09-30", 1, cal)).toBe("2026-10-08");
    expect(addWorkingDays("2026-09-30", 3, cal)).toBe("2026-10-10");
    expect(addWorkingDays("2026-09-30", 5, cal)).toBe("2026-10-13");
    expect(workingDaysBetween("2026-09-30", "2026-10-12", cal)).toBe(4);
    expect(workingDaysFromTo(cst("2026-09-30T23:00"), cst("2026-10-12T01:00"), cal)).toBe(4);
  });

  it("R2: a last day on a holiday or weekend moves to the next working day", () => {
    expect(nextWorkingDayOnOrAfter("2026-10-03", cal)).toBe("2026-10-08");
    expect(nextWorkingDayOnOrAfter("2026-10-11", cal)).toBe("2026-10-12"); // Sunday
    expect(nextWorkingDayOnOrAfter("2026-10-10", cal)).toBe("2026-10-10"); // make-up Saturday stays
    expect(nextWorkingDayOnOrAfter("2026-11-23", cal)).toBe("2026-11-23");
  });

  it("R2: the start day is the China date of the start instant", () => {
    // 2026-11-22T20:00Z is Mon 11-23 04:00 CST: 3 days → Thu 11-26, not Wed 11-25.
    expect(periodLastDay(new Date("2026-11-22T20:00:00Z"), { days: 3, unit: "calendar" }, cal)).toBe("2026-11-26");
  });

  it("R2: periods end at 24:00 of their last day (China time), after the holiday roll-forward", () => {
    // 3 days from Mon 2026-11-23 10:00 CST → last day Thu 11-26 → ends Fri 11-27 00:00 CST.
    expect(periodEnd(cst("2026-11-23T10:00"), 3, "calendar", cal).toISOString()).toBe(cst("2026-11-27T00:00").toISOString());
    // 3 days from Sep 29 land on Oct 2 (holiday) → moved to Oct 8, ends Oct 9 00:00 CST.
    expect(periodEnd(cst("2026-09-29T10:00"), 3, "calendar", cal).toISOString()).toBe(cst("2026-10-09T00:00").toISOString());
    // 5 working days from Tue Sep 29: Sep 30, Oct 8, 9, 10 (make-up), 12 → ends Oct 13 00:00 CST.
    expect(periodEnd(cst("2026-09-29T10:00"), 5, "working", cal).toISOString()).toBe(cst("2026-10-13T00:00").toISOString());
  });
});
