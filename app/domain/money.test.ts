import { describe, expect, it } from "vitest";
import { capitalsOrBlank, fenToYuan, yuanInCapitals } from "./money";

describe("yuanInCapitals (人民币大写, read in the 唱标 and written in the opening record, R28/R29)", () => {
  it.each([
    ["11380000.50", "壹仟壹佰叁拾捌万元伍角整"],
    ["11520000.00", "壹仟壹佰伍拾贰万元整"],
    ["11520000", "壹仟壹佰伍拾贰万元整"],
    ["10005", "壹万零伍元整"],
    ["100100", "壹拾万零壹佰元整"],
    ["100000000", "壹亿元整"],
    ["100000001", "壹亿零壹元整"],
    ["120003040.07", "壹亿贰仟万零叁仟零肆拾元零柒分"],
    ["3712800", "叁佰柒拾壹万贰仟捌佰元整"],
    ["1.05", "壹元零伍分"],
    ["1.5", "壹元伍角整"],
    ["0.50", "伍角整"],
    ["0.05", "伍分"],
    ["0", "零元整"],
    ["007", "柒元整"],
  ])("%s → %s", (amount, words) => {
    expect(yuanInCapitals(amount)).toBe(words);
  });

  it("refuses what is not an amount", () => {
    for (const bad of ["", "-1", "1.234", "1e5", "壹", "12345678901234567"]) {
      expect(() => yuanInCapitals(bad)).toThrow(RangeError);
      expect(capitalsOrBlank(bad)).toBe("");
    }
    expect(capitalsOrBlank("3765000.00")).toBe("叁佰柒拾陆万伍仟元整");
  });
});

describe("fenToYuan", () => {
  it("writes integer fen as yuan with two decimals, exactly", () => {
    expect(fenToYuan(100_500)).toBe("1005.00");
    expect(fenToYuan(980_000_001)).toBe("9800000.01");
    expect(fenToYuan(5)).toBe("0.05");
    expect(fenToYuan(-250)).toBe("-2.50");
    expect(() => fenToYuan(1.5)).toThrow(RangeError);
  });
});
