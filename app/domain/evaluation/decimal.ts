import DecimalJs from "decimal.js";

/**
 * Decimal arithmetic for the evaluation engine (EV7): no binary floating point touches a price or a score.
 *
 * `Dec` is a private clone of decimal.js — the global `Decimal` configuration is never read or changed. Every
 * operation (plus, minus, times, div) rounds its result to PRECISION significant digits, half-up (ties away from
 * zero); comparisons, negation, absolute value and `toDecimalPlaces` are exact. An independent verifier reproduces
 * the engine exactly by using the same rule (Python: `decimal.Context(prec=40, rounding=ROUND_HALF_UP)`), see
 * docs/evaluation-appendix.md §3.
 *
 * Money convention of the engine: **decimal strings in yuan with at most two decimals** ("9950000", "4522140.00",
 * "0.5"). The database keeps integer fen; `fenToYuan` / `yuanToFen` convert at the service boundary. Outputs are
 * always rendered with a fixed number of decimals (`fixed`), e.g. money "9950000.00".
 */
export const PRECISION = 40;

export const Dec = DecimalJs.clone({
  defaults: true,
  precision: PRECISION,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export type Dec = InstanceType<typeof Dec>;

export const ZERO = new Dec(0);
export const HUNDRED = new Dec(100);

/** Money in yuan as the engine accepts it: non-negative, at most 13 integer digits, at most 2 decimals, no exponent, no leading zeros. */
export const MONEY_RE = /^(?:0|[1-9]\d{0,12})(?:\.\d{1,2})?$/;
/** A signed money amount (adjustments may lower an evaluated price). */
export const SIGNED_MONEY_RE = /^-?(?:0|[1-9]\d{0,12})(?:\.\d{1,2})?$/;
/** A unit price or a quantity in a bill of quantities: up to 4 decimals. */
export const QUANTITY_RE = /^(?:0|[1-9]\d{0,12})(?:\.\d{1,4})?$/;
/** A score as a member enters it: 0…9999.9999. */
export const SCORE_RE = /^(?:0|[1-9]\d{0,3})(?:\.\d{1,4})?$/;
/** A non-negative configuration parameter (weights, factors, percentages): at most 6 integer digits and 6 decimals. */
export const PARAM_RE = /^(?:0|[1-9]\d{0,5})(?:\.\d{1,6})?$/;

export class DecimalParseError extends RangeError {
  constructor(
    readonly kind: string,
    readonly value: unknown,
  ) {
    super(`not a ${kind}: ${typeof value === "string" ? JSON.stringify(value) : typeof value}`);
    this.name = "DecimalParseError";
  }
}

function strict(re: RegExp, kind: string, value: unknown): Dec {
  if (typeof value !== "string" || !re.test(value)) throw new DecimalParseError(kind, value);
  return new Dec(value);
}

/** Strict money parser (yuan, ≤ 2 decimals). Refuses "1e5", " 1", "1,000", "01", "-1", "1.", ".5", "1.234". */
export const parseMoney = (value: unknown): Dec => strict(MONEY_RE, "money amount", value);
export const parseSignedMoney = (value: unknown): Dec => strict(SIGNED_MONEY_RE, "signed money amount", value);
export const parseQuantity = (value: unknown): Dec => strict(QUANTITY_RE, "quantity", value);
export const parseScore = (value: unknown): Dec => strict(SCORE_RE, "score", value);
export const parseParam = (value: unknown): Dec => strict(PARAM_RE, "decimal parameter", value);

/** Round half-up (ties away from zero) to `scale` decimals. */
export function round(x: Dec, scale: number): Dec {
  return x.toDecimalPlaces(scale, DecimalJs.ROUND_HALF_UP);
}

/** `round(x, 2)`. */
export const r2 = (x: Dec): Dec => round(x, 2);

/**
 * The canonical rendering: rounded half-up to exactly `scale` decimals, plain notation, no exponent, no "+", and
 * never "-0…" (a zero is always rendered unsigned). Every decimal in results and the appendix uses it.
 */
export function fixed(x: Dec, scale: number): string {
  const r = round(x, scale);
  return r.isZero() ? new Dec(0).toFixed(scale) : r.toFixed(scale);
}

export const money = (x: Dec): string => fixed(x, 2);

/** Number of decimals written in a plain decimal string ("1.50" → 2, "3" → 0). */
export function decimalsOf(s: string): number {
  const i = s.indexOf(".");
  return i < 0 ? 0 : s.length - i - 1;
}

/** Integer fen (as the database stores it) → yuan string with two decimals. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new DecimalParseError("fen amount", String(fen));
  return money(new Dec(fen).div(100));
}

/** Yuan string (strict, ≤ 2 decimals) → integer fen. */
export function yuanToFen(yuan: string): number {
  const fen = parseMoney(yuan).times(100);
  const n = Number(fen.toFixed(0));
  if (!Number.isSafeInteger(n)) throw new DecimalParseError("fen amount", yuan);
  return n;
}

export const dmin = (xs: readonly Dec[]): Dec => xs.reduce((a, b) => (b.lt(a) ? b : a));
export const dmax = (xs: readonly Dec[]): Dec => xs.reduce((a, b) => (b.gt(a) ? b : a));
/** Σ xs, left to right (each addition rounded to PRECISION digits; exact for the values the engine sums). */
export const dsum = (xs: readonly Dec[]): Dec => xs.reduce((a, b) => a.plus(b), new Dec(0));
/** (Σ xs) / n — one division. */
export const dmean = (xs: readonly Dec[]): Dec => dsum(xs).div(xs.length);
