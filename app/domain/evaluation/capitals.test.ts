import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { yuanInCapitals } from "../money";
import { CapitalsParseError, parseYuanCapitals } from "./capitals";

describe("amounts in capitals (人民币大写) — the parser beside yuanInCapitals (R43)", () => {
  it.each([
    ["玖佰贰拾伍万元整", "9250000.00"],
    ["玖拾捌万伍仟元", "985000.00"],
    ["玖拾捌万伍仟元整", "985000.00"],
    ["人民币玖拾捌万伍仟圆正", "985000.00"],
    ["壹仟壹佰叁拾捌万元伍角整", "11380000.50"],
    ["壹仟壹佰叁拾捌万元伍角", "11380000.50"],
    ["壹亿贰仟万零叁仟零肆拾元零柒分", "120003040.07"],
    ["壹拾万零壹佰元整", "100100.00"],
    ["拾万元整", "100000.00"],
    ["壹万零伍元整", "10005.00"],
    ["壹元零伍分", "1.05"],
    ["伍角整", "0.50"],
    ["伍分", "0.05"],
    ["零元整", "0.00"],
    ["壹万亿元整", "1000000000000.00"],
  ])("%s → %s", (words, amount) => {
    expect(parseYuanCapitals(words)).toBe(amount);
  });

  it("refuses what is not exactly one amount", () => {
    for (const bad of [
      "",
      "玖佰贰拾伍万",
      "玖佰贰拾伍万元整整",
      "壹元零伍分整",
      "壹万伍元整",
      "壹万零零伍元整",
      "壹拾拾元整",
      "贰佰贰拾伍万元整 ",
      " 贰佰元整",
      "925万元整",
      "玖佰贰拾伍萬元整",
      "壹佰元零角伍分",
      "零壹元整",
      "壹仟亿万元整",
      "元整",
    ]) {
      expect(() => parseYuanCapitals(bad), bad).toThrow(CapitalsParseError);
    }
  });

  it("property: parse(format(x)) == x for random amounts", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 99 }), (yuan, fen) => {
        const amount = `${yuan}.${String(fen).padStart(2, "0")}`;
        expect(parseYuanCapitals(yuanInCapitals(amount))).toBe(amount);
      }),
      { seed: 43, numRuns: 1000 },
    );
    // Sparse amounts (runs of zeros) are where the 零 rules bite.
    fc.assert(
      fc.property(fc.array(fc.constantFrom("0", "0", "0", "1", "5", "9"), { minLength: 1, maxLength: 16 }), fc.constantFrom("00", "05", "50", "55"), (digits, fen) => {
        const amount = `${BigInt(digits.join(""))}.${fen}`;
        expect(parseYuanCapitals(yuanInCapitals(amount))).toBe(amount);
      }),
      { seed: 44, numRuns: 1000 },
    );
  }, 30_000);
});
