import { Dec, dmax, dmean, dmin, dsum, HUNDRED, round } from "./decimal";
import type { BidInput } from "./input";
import type { AdjustmentFactor, PolicyDeduction, TieStep } from "./method";
import { deductedPrice, deductionPct } from "./price";
import { collapseSameBrand, type BrandGroup, type LotResolver, type RankEntry } from "./ranking";

/**
 * The two lowest-price methods.
 * - ZTB 经评审的最低投标价法 (评标规定30–33; TV-L1): evaluated price = corrected bid price + Σ adjustments of
 *   the documents' factors (commercial part only; the technical part is never converted to money, 评标规定32). The
 *   contract price is the bid price, not the evaluated price.
 * - ZFCG 最低评标价法 (87号令54, 56; TV-Z3, TV-B1): only arithmetic correction and policy deductions change the
 *   price; same-brand bids count once (the lowest one), the others are invalid.
 */

export type Adjustment = { factorId: string; amount: Dec };
export type AdjustmentBlocker = { code: "missing_reference_price" | "missing_adjustment_input"; bidderId: string; itemId: string };

/**
 * The adjustments of one bid, in the order of the configured factors (a factor without an input entry adds
 * nothing). Amounts are rounded to fen:
 * - missing_item: round(Σ quantity × ref, 2), ref = the highest / mean / lowest unit price the *other valid* bids
 *   offer for that bill item (none → blocker);
 * - deviation_rate: points = max(0, value − threshold) (above) or max(0, threshold − value) (below);
 *   amount = round(((points × ratePct) × bidPrice) / 100, 2);
 * - amount: the committee's signed amount.
 */
export function ztbAdjustments(
  factors: readonly AdjustmentFactor[],
  bid: Pick<BidInput, "bidderId" | "adjustments">,
  bidPrice: Dec,
  others: readonly Pick<BidInput, "bidderId" | "unitPrices">[],
): { adjustments: Adjustment[]; blockers: AdjustmentBlocker[] } {
  const adjustments: Adjustment[] = [];
  const blockers: AdjustmentBlocker[] = [];
  for (const f of factors) {
    const entry = bid.adjustments.find((a) => a.factorId === f.id);
    if (!entry) continue;
    switch (f.kind) {
      case "missing_item": {
        const parts: Dec[] = [];
        for (const item of entry.items) {
          const offered = others.flatMap((o) => o.unitPrices.filter((u) => u.itemRef === item.itemRef).map((u) => new Dec(u.unitPrice)));
          if (offered.length === 0) {
            blockers.push({ code: "missing_reference_price", bidderId: bid.bidderId, itemId: item.itemRef });
            continue;
          }
          const ref = f.reference === "highest_other" ? dmax(offered) : f.reference === "lowest_other" ? dmin(offered) : dmean(offered);
          parts.push(new Dec(item.quantity).times(ref));
        }
        adjustments.push({ factorId: f.id, amount: round(dsum(parts), 2) });
        break;
      }
      case "deviation_rate": {
        if (entry.value === null) {
          blockers.push({ code: "missing_adjustment_input", bidderId: bid.bidderId, itemId: f.id });
          continue;
        }
        const v = new Dec(entry.value);
        const t = new Dec(f.threshold);
        const diff = f.direction === "above" ? v.minus(t) : t.minus(v);
        const points = diff.gt(0) ? diff : new Dec(0);
        adjustments.push({ factorId: f.id, amount: round(points.times(f.ratePct).times(bidPrice).div(HUNDRED), 2) });
        break;
      }
      case "amount": {
        if (entry.amount === null) {
          blockers.push({ code: "missing_adjustment_input", bidderId: bid.bidderId, itemId: f.id });
          continue;
        }
        adjustments.push({ factorId: f.id, amount: new Dec(entry.amount) });
        break;
      }
    }
  }
  return { adjustments, blockers };
}

/** evaluated price = bid price + Σ adjustment amounts. */
export function evaluatedPrice(bidPrice: Dec, adjustments: readonly Adjustment[]): Dec {
  return bidPrice.plus(dsum(adjustments.map((a) => a.amount)));
}

/** ZFCG: the price used for comparison (and the base) after the policy deduction; null pct = none applies. */
export function zfcgScoringPrice(bidPrice: Dec, deductions: readonly PolicyDeduction[], policy: readonly string[]): { pct: Dec | null; price: Dec } {
  const pct = deductionPct(deductions, policy);
  return { pct, price: pct ? deductedPrice(bidPrice, pct) : bidPrice };
}

/** ZFCG lowest price: same-brand bids collapse to the lowest (deducted) price, then the chain's key steps, then a lot. */
export function collapseLowestByBrand(entries: readonly (RankEntry & { brand: string | null })[], chain: readonly TieStep[], lot: LotResolver): BrandGroup[] {
  return collapseSameBrand(entries, { primary: "asc", chain, lot });
}
