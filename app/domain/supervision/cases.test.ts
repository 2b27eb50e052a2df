import { describe, expect, it } from "vitest";
import { CASE_STATUSES, caseClosed, caseCode, caseNextStatuses, caseNumberOf, checkCaseStatusChange } from "./cases";

const codes = (v: { code: string }[]) => v.map((x) => x.code);

describe("R65 case status transitions", () => {
  it("open → investigating → resolved | referred; closed cases are final", () => {
    expect(Object.fromEntries(CASE_STATUSES.map((s) => [s, caseNextStatuses(s)]))).toEqual({
      open: ["investigating"],
      investigating: ["resolved", "referred"],
      resolved: [],
      referred: [],
    });
    expect(CASE_STATUSES.filter(caseClosed)).toEqual(["resolved", "referred"]);
  });

  it("R65: a transition outside the table is refused with both statuses", () => {
    expect(checkCaseStatusChange("open", "resolved", "已核实")).toEqual([{ rule: "R65", code: "RULE_R65_CASE_TRANSITION", params: { from: "open", to: "resolved" } }]);
    expect(codes(checkCaseStatusChange("resolved", "investigating", ""))).toEqual(["RULE_R65_CASE_TRANSITION"]);
    expect(codes(checkCaseStatusChange("investigating", "investigating", ""))).toEqual(["RULE_R65_CASE_TRANSITION"]);
    expect(checkCaseStatusChange("open", "investigating", "")).toEqual([]);
  });

  it("R65: closing (resolved or referred) needs the outcome in writing", () => {
    expect(codes(checkCaseStatusChange("investigating", "resolved", ""))).toEqual(["RULE_R65_CASE_OUTCOME_REQUIRED"]);
    expect(codes(checkCaseStatusChange("investigating", "referred", " "))).toEqual(["RULE_R65_CASE_OUTCOME_REQUIRED"]);
    expect(codes(checkCaseStatusChange("investigating", "resolved", "x".repeat(4001)))).toEqual(["RULE_R65_CASE_OUTCOME_REQUIRED"]);
    expect(checkCaseStatusChange("investigating", "referred", "移送市纪委监委。")).toEqual([]);
  });
});

describe("case codes", () => {
  it("AJ-<year>-<n>, four digits at least, read back per year", () => {
    expect(caseCode(2026, 1)).toBe("AJ-2026-0001");
    expect(caseCode(2026, 12345)).toBe("AJ-2026-12345");
    expect(caseNumberOf("AJ-2026-0012", 2026)).toBe(12);
    expect(caseNumberOf("AJ-2025-0012", 2026)).toBeNull();
    expect(caseNumberOf("AJ-2026-12", 2026)).toBeNull();
    expect(() => caseCode(2026, 0)).toThrow(RangeError);
  });
});
