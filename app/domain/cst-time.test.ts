import { describe, expect, it } from "vitest";
import { CstDateTimeSchema, isCalendarDay, parseCstDateTime, toCstInput } from "./cst-time";

describe("strict China-time parsing", () => {
  it("parses a real minute in China time", () => {
    expect(parseCstDateTime("2026-12-25T09:30")!.toISOString()).toBe("2026-12-25T01:30:00.000Z");
    expect(parseCstDateTime("2026-01-01T00:00")!.toISOString()).toBe("2025-12-31T16:00:00.000Z");
    expect(parseCstDateTime("2028-02-29T23:59")!.toISOString()).toBe("2028-02-29T15:59:00.000Z");
  });

  it("refuses impossible dates and times that pass the pattern", () => {
    for (const s of ["2026-13-01T09:30", "2026-00-10T09:30", "2026-02-30T09:30", "2026-02-29T09:30", "2026-04-31T09:30", "2026-01-00T09:30", "2026-01-01T25:00", "2026-01-01T24:00", "2026-01-01T09:60"]) {
      expect(parseCstDateTime(s), s).toBeNull();
    }
  });

  it("refuses other shapes and years outside 2000..2100", () => {
    for (const s of ["", "2026-12-25", "2026-12-25 09:30", "2026-12-25T09:30:00", "25/12/2026 09:30", "0000-01-01T00:00", "1999-12-31T23:59", "2101-01-01T00:00", "+02026-01-01T00:00"]) {
      expect(parseCstDateTime(s), s).toBeNull();
    }
  });

  it("round-trips with toCstInput", () => {
    for (const s of ["2026-03-01T00:00", "2026-12-31T23:59", "2000-01-01T08:00"]) expect(toCstInput(parseCstDateTime(s))).toBe(s);
    expect(toCstInput(new Date("2026-12-24T16:30:00Z"))).toBe("2026-12-25T00:30");
    expect(toCstInput("not a date")).toBe("");
  });

  it("the Zod schema reports `invalid` and yields a Date", () => {
    expect(CstDateTimeSchema.safeParse("2026-02-30T09:30").error?.issues[0]?.message).toBe("invalid");
    expect(CstDateTimeSchema.parse("2026-02-28T09:30")).toBeInstanceOf(Date);
  });

  it("calendar days: real days only, year 1900..2100", () => {
    expect(isCalendarDay("2026-02-28")).toBe(true);
    expect(isCalendarDay("2024-02-29")).toBe(true);
    for (const s of ["2026-02-29", "2026-13-01", "2026-02-30", "0000-01-01", "1899-12-31", "2101-01-01", "2026-1-1", "20260101"]) expect(isCalendarDay(s), s).toBe(false);
  });
});
