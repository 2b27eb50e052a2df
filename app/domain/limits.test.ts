import { describe, expect, it } from "vitest";
import { clampInt, MAX_CRITERIA_PER_SECTION, MAX_FORM_ARRAY_INDEX, MAX_FORM_FIELDS, MAX_SECTIONS_PER_TENDER, sectionCountOf } from "./limits";

describe("limits", () => {
  it("clampInt: integers are clamped, anything else is the fallback", () => {
    expect(clampInt("7", 1, 50, 1)).toBe(7);
    expect(clampInt(" 7 ", 1, 50, 1)).toBe(7);
    expect(clampInt("6000", 1, 50, 1)).toBe(50);
    expect(clampInt("-3", 1, 50, 1)).toBe(1);
    expect(clampInt("0", 1, 50, 1)).toBe(1);
    for (const bad of ["", "abc", "1e308", "Infinity", "NaN", "2.5", "0x10", "9".repeat(400), null, undefined, {}]) expect(clampInt(bad, 1, 50, 1)).toBe(1);
  });

  it("?sections= is clamped to MAX_SECTIONS_PER_TENDER, and never hides a draft's sections", () => {
    expect(sectionCountOf("6000")).toBe(MAX_SECTIONS_PER_TENDER);
    expect(sectionCountOf("1e9")).toBe(1);
    expect(sectionCountOf(null)).toBe(1);
    expect(sectionCountOf("2", 3)).toBe(3);
    expect(sectionCountOf("5", 3)).toBe(5);
    expect(sectionCountOf(null, 500)).toBe(MAX_SECTIONS_PER_TENDER);
  });

  it("the global array-index bound covers every array bound, and the field bound covers the largest form", () => {
    expect(MAX_FORM_ARRAY_INDEX).toBe(Math.max(MAX_SECTIONS_PER_TENDER, MAX_CRITERIA_PER_SECTION) - 1);
    // The project form at its bounds: ~30 fields, 7 per section, 5 per criterion.
    expect(30 + MAX_SECTIONS_PER_TENDER * (7 + MAX_CRITERIA_PER_SECTION * 5)).toBeLessThanOrEqual(MAX_FORM_FIELDS);
  });
});
