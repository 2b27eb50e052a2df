import { describe, expect, it } from "vitest";
import { creditCodeCheckChar, isValidCreditCode, withCheckChar } from "./credit-code";

describe("统一社会信用代码 (GB 32100-2015)", () => {
  it("accepts a published valid code and refuses a changed check character", () => {
    // A well-known valid example of the standard's algorithm.
    expect(isValidCreditCode("91350100M000100Y43")).toBe(true);
    expect(isValidCreditCode("91350100M000100Y44")).toBe(false);
  });
  it("refuses wrong length and forbidden letters (I, O, S, V, Z)", () => {
    expect(isValidCreditCode("91350100M000100Y4")).toBe(false);
    expect(isValidCreditCode("9135010OM000100Y43")).toBe(false);
    expect(creditCodeCheckChar("9135010IM000100Y4")).toBeNull();
  });
  it("completes a prefix so the result validates", () => {
    const code = withCheckChar("91230100MA1ABCDE1");
    expect(code).toHaveLength(18);
    expect(isValidCreditCode(code)).toBe(true);
    expect(isValidCreditCode(code.toLowerCase())).toBe(true);
  });
});
