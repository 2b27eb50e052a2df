import { describe, expect, it } from "vitest";
import { sectionMethod } from "./section-method";

describe("sectionMethod (what a section was published with)", () => {
  it("a stored MethodConfig is parsed with its defaults", () => {
    const m = sectionMethod({ kind: "ZFCG_LOWEST", tieBreak: { chain: [] }, tooFew: { min: 3, action: "fail" }, corrections: { order: "ZFCG" } }, "ZFCG");
    expect(m.kind).toBe("ZFCG_LOWEST");
    expect(m.candidates.count).toBe(3);
  });
  it("an earlier simple spec is converted for the section's regime", () => {
    expect(sectionMethod({ method: "lowest_evaluated_price", criteria: [] }, "ZTB").kind).toBe("ZTB_LOWEST_EVALUATED");
    expect(sectionMethod({ method: "lowest_evaluated_price", criteria: [] }, "ZFCG").kind).toBe("ZFCG_LOWEST");
  });
  it("a malformed configuration is refused", () => {
    expect(() => sectionMethod({ kind: "ZTB_COMPREHENSIVE" }, "ZTB")).toThrow();
  });
});
