import { describe, expect, it } from "vitest";
import { RULE_VIOLATION_CODES, RuleError, violation } from "./violations";

describe("rule violations", () => {
  it("R7: a violation takes its rule number from its code", () => {
    expect(violation("RULE_R7_BID_PERIOD", { minDays: 20, earliest: "2026-12-13" })).toEqual({ rule: "R7", code: "RULE_R7_BID_PERIOD", params: { minDays: 20, earliest: "2026-12-13" } });
    expect(violation("RULE_TIMELINE_ORDER")).toEqual({ rule: "R2", code: "RULE_TIMELINE_ORDER", params: {} });
  });

  it("every code names its own rule (RULE_R<n>_… belongs to R<n>)", () => {
    for (const [code, rule] of Object.entries(RULE_VIOLATION_CODES)) {
      const n = /^RULE_(R\d+)_/.exec(code)?.[1];
      if (n) expect(rule, code).toBe(n);
    }
  });

  it("RuleError carries the stable code RULE_VIOLATION and every violation", () => {
    const vs = [violation("RULE_R8_FLOOR_PRICE"), violation("RULE_R14_BOND_CAP", { percent: 2, cap: "1.00", bond: "2.00" })];
    const e = new RuleError(vs);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("RuleError");
    expect(e.code).toBe("RULE_VIOLATION");
    expect(e.violations).toEqual(vs);
    expect(e.message).toBe("R8 RULE_R8_FLOOR_PRICE, R14 RULE_R14_BOND_CAP");
  });
});
