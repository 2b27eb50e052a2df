import DecimalJs from "decimal.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dec, DecimalParseError, fenToYuan, fixed, money, parseMoney, parseScore, PRECISION, r2, round, yuanToFen } from "./decimal";

/** Reference half-up on integers: value = m / 10^k, rounded to s decimals, computed with BigInt only. */
function bigIntHalfUp(m: bigint, k: number, s: number): string {
  const neg = m < 0n;
  let a = neg ? -m : m;
  if (s < k) {
    const d = 10n ** BigInt(k - s);
    const q = a / d;
    const rem = a % d;
    a = rem * 2n >= d ? q + 1n : q;
  } else a *= 10n ** BigInt(s - k);
  const digits = a.toString().padStart(s + 1, "0");
  const out = s === 0 ? digits : `${digits.slice(0, -s)}.${digits.slice(-s)}`;
  return neg && a !== 0n ? `-${out}` : out;
}

describe("decimal arithmetic (EV7)", () => {
  it("TV-R1: r2 is half-up on exact decimals, unlike Number#toFixed", () => {
    expect(r2(new Dec("1.005")).toFixed(2)).toBe("1.01");
    expect((1.005).toFixed(2)).toBe("1.00");
    expect(r2(new Dec("2.675")).toFixed(2)).toBe("2.68");
    expect((2.675).toFixed(2)).toBe("2.67");
    expect(fixed(new Dec(30).minus(new Dec("2.33").times("0.5")), 2)).toBe("28.84");
    expect(fixed(new Dec(950000).times(30).div(1100000), 2)).toBe("25.91");
  });

  it("EV7: the clone has 40 digits and HALF_UP; the global Decimal configuration is untouched", () => {
    expect(Dec.precision).toBe(PRECISION);
    expect(Dec.rounding).toBe(DecimalJs.ROUND_HALF_UP);
    expect(DecimalJs.precision).toBe(20);
    expect(DecimalJs.rounding).toBe(DecimalJs.ROUND_HALF_UP);
    expect(new Dec(1).div(3).toFixed()).toBe(`0.${"3".repeat(40)}`);
  });

  it("EV7: rendering never writes -0, an exponent or a plus sign", () => {
    expect(fixed(new Dec("-0.001"), 2)).toBe("0.00");
    expect(fixed(new Dec(0).times(-1), 2)).toBe("0.00");
    expect(fixed(new Dec("1e-30"), 6)).toBe("0.000000");
    expect(fixed(new Dec("123456789012345678901234"), 2)).toBe("123456789012345678901234.00");
    expect(money(new Dec("-2.675"))).toBe("-2.68");
  });

  it("EV7: money strings are parsed strictly (yuan, ≤ 2 decimals)", () => {
    for (const ok of ["0", "0.5", "9950000", "4522140.00", "9999999999999.99"]) expect(parseMoney(ok).toFixed()).toBe(new Dec(ok).toFixed());
    for (const bad of ["", " 1", "1 ", "01", "-1", "+1", "1.", ".5", "1.234", "1e5", "1,000", "10000000000000", "NaN", "Infinity", "１"]) {
      expect(() => parseMoney(bad), bad).toThrow(DecimalParseError);
    }
    expect(() => parseMoney(1.5)).toThrow(DecimalParseError);
    expect(() => parseScore("10000")).toThrow(DecimalParseError);
  });

  it("EV7: fen ↔ yuan at the database boundary", () => {
    expect(fenToYuan(995_000_000)).toBe("9950000.00");
    expect(fenToYuan(5)).toBe("0.05");
    expect(yuanToFen("4522140.5")).toBe(452_214_050);
    expect(() => fenToYuan(1.5)).toThrow();
    expect(() => fenToYuan(-1)).toThrow();
  });

  it("EV7 property: half-up rounding matches a BigInt reference", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 6 }), (m, k, s) => {
        const x = new Dec(m.toString()).div(new Dec(10).pow(k));
        const expected = bigIntHalfUp(m, k, s);
        expect(fixed(x, s)).toBe(expected.startsWith("-") && /^-0(\.0+)?$/.test(expected) ? expected.slice(1) : expected);
        expect(round(x, s).toFixed(s).replace(/^-(0(\.0+)?)$/, "$1")).toBe(fixed(x, s));
      }),
      { seed: 20261201, numRuns: 400 },
    );
  }, 30_000);
});
