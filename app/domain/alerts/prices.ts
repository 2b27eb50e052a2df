import { Dec, fixed, money, parseMoney, HUNDRED } from "#app/domain/evaluation/decimal";
import { alert, byString, type Alert } from "./alert";

/**
 * R23 (条例40(四); 87号令37(四) "投标报价呈规律性差异"): the section's prices, sorted, stepping by an equal amount
 * (arithmetic) or by an equal ratio (geometric). Decimal arithmetic throughout (no binary floating point touches a
 * price, as in the evaluation engine).
 *
 * The test is on the whole set of the section's opened prices: with n sorted prices p₀ ≤ … ≤ pₙ₋₁ the mean step is
 * d̄ = (pₙ₋₁ − p₀) / (n − 1) and the set is arithmetic when every step dᵢ = pᵢ₊₁ − pᵢ satisfies |dᵢ − d̄| ≤ tol % × d̄.
 * Geometric is the same test on ln p (equal ratios are equal steps of the logarithm). Equal prices (d̄ = 0) are not a
 * progression. Two bids always form a "progression", so fewer than 3 never fire.
 */

/** One opened bid's price: bid_openings.form → form.priceYuan (a yuan decimal string, app/domain/rules/opening.ts). */
export type PricedBidInput = {
  /** bid_openings.bidId */
  bidId: string;
  /** bid_openings.orgId */
  orgId: string;
  /** bid_openings.form.form.priceYuan */
  priceYuan: string;
};

export type PricePatternParams = {
  /** Minimum number of bids (default 3; values below 3 are refused: any two prices form a progression). */
  minBids?: number;
  /** Arithmetic: the largest allowed deviation of a step from the mean step, in percent of the mean step (default 1). */
  stepTolerancePct?: number;
  /** Geometric: the same on the logarithms of the prices, in percent of the mean log-step (default 1). */
  ratioTolerancePct?: number;
};

export const DEFAULT_PRICE_PATTERN = { minBids: 3, stepTolerancePct: 1, ratioTolerancePct: 1 } as const;

/** The largest |dᵢ − d̄| / d̄ × 100 over the steps of sorted values, or null when d̄ = 0 (no progression). */
function maxStepDeviationPct(values: readonly Dec[]): { mean: Dec; maxDevPct: Dec } | null {
  const n = values.length;
  const mean = values[n - 1]!.minus(values[0]!).div(n - 1);
  if (!mean.gt(0)) return null;
  let maxDev = new Dec(0);
  for (let i = 0; i + 1 < n; i++) {
    const dev = values[i + 1]!.minus(values[i]!).minus(mean).abs().div(mean).times(HUNDRED);
    if (dev.gt(maxDev)) maxDev = dev;
  }
  return { mean, maxDevPct: maxDev };
}

/**
 * R23 patterned prices. Returns at most one alert: arithmetic when the steps are equal, else geometric when the ratios
 * are (an arithmetic set with small steps is nearly geometric too; it is reported once, as arithmetic). One price per
 * organisation: a second entry of the same organisation is ignored.
 */
export function detectPatternedPrices(sectionId: string, bids: readonly PricedBidInput[], params: PricePatternParams = {}): Alert[] {
  const minBids = params.minBids ?? DEFAULT_PRICE_PATTERN.minBids;
  if (!Number.isInteger(minBids) || minBids < 3) throw new RangeError("detectPatternedPrices: minBids must be an integer ≥ 3");
  const stepTol = new Dec(params.stepTolerancePct ?? DEFAULT_PRICE_PATTERN.stepTolerancePct);
  const ratioTol = new Dec(params.ratioTolerancePct ?? DEFAULT_PRICE_PATTERN.ratioTolerancePct);
  const seen = new Set<string>();
  const priced: { bidId: string; orgId: string; price: Dec }[] = [];
  for (const b of bids) {
    if (seen.has(b.orgId)) continue;
    seen.add(b.orgId);
    priced.push({ bidId: b.bidId, orgId: b.orgId, price: parseMoney(b.priceYuan) });
  }
  if (priced.length < minBids) return [];
  priced.sort((a, b) => a.price.comparedTo(b.price) || byString(a.bidId, b.bidId));
  const prices = priced.map((p) => p.price);
  const common = {
    prices: prices.map(money),
    bidIds: priced.map((p) => p.bidId),
    bids: priced.length,
  };
  const subjects = priced.map((p) => p.orgId);

  const arithmetic = maxStepDeviationPct(prices);
  if (arithmetic && arithmetic.maxDevPct.lte(stepTol)) {
    return [
      alert(
        "ALERT_R23_PRICE_ARITHMETIC",
        sectionId,
        subjects,
        { ...common, meanStepYuan: money(arithmetic.mean), maxDeviationPct: fixed(arithmetic.maxDevPct, 4), tolerancePct: fixed(stepTol, 4) },
        "warning",
      ),
    ];
  }
  if (!prices[0]!.gt(0)) return [];
  const geometric = maxStepDeviationPct(prices.map((p) => p.ln()));
  if (geometric && geometric.maxDevPct.lte(ratioTol)) {
    return [
      alert(
        "ALERT_R23_PRICE_GEOMETRIC",
        sectionId,
        subjects,
        { ...common, meanRatio: fixed(geometric.mean.exp(), 6), maxDeviationPct: fixed(geometric.maxDevPct, 4), tolerancePct: fixed(ratioTol, 4) },
        "warning",
      ),
    ];
  }
  return [];
}
