import { dmean, dsum, HUNDRED, type Dec } from "./decimal";
import type { MemberScore } from "./aggregate";
import type { PricedBid } from "./price";

/**
 * Flags (EV14, EV18). A flag never changes a score or rejects a bid: a deviation flag needs a written reason from
 * the member before "member done"; an abnormally-low flag opens a clarification (R44, 评标规定21, 87号令60).
 */

export type DeviationFlag = { memberId: string; bidderId: string; itemId: string; score: Dec; reference: Dec; devPct: Dec | null };

/**
 * EV18: a member's score s on one item of one bidder is flagged when |s − ref| / ref × 100 > thresholdPct, where
 * ref = the mean of the *other* members' valid scores (default) or of all members' (TV-X2 shows both). With
 * ref = 0, any s ≠ 0 is flagged (devPct null: unbounded); with no other scores there is no reference and no flag.
 */
export function deviationFlags(
  bidderId: string,
  itemId: string,
  values: readonly MemberScore[],
  reference: "others" | "all",
  thresholdPct: Dec,
): DeviationFlag[] {
  const out: DeviationFlag[] = [];
  // Σ of the reference set as total − own score: entered scores have at most 4 decimals and 4 integer digits, so
  // every such sum is exact and this equals the left-to-right sum of the others (docs §8.5) — in O(n), not O(n²).
  const total = dsum(values.map((x) => x.score));
  const all = values.length > 0 ? total.div(values.length) : null;
  for (const v of [...values].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))) {
    const n = reference === "all" ? values.length : values.length - 1;
    if (n === 0) continue;
    const ref = reference === "all" ? all! : total.minus(v.score).div(n);
    const diff = v.score.minus(ref).abs();
    if (ref.isZero()) {
      if (!diff.isZero()) out.push({ memberId: v.memberId, bidderId, itemId, score: v.score, reference: ref, devPct: null });
      continue;
    }
    const dev = diff.div(ref).times(HUNDRED);
    if (dev.gt(thresholdPct)) out.push({ memberId: v.memberId, bidderId, itemId, score: v.score, reference: ref, devPct: dev });
  }
  return out;
}

/** The deviation of one score from a reference, in percent (for display: TV-X2's table). */
export function deviationPct(score: Dec, ref: Dec): Dec | null {
  return ref.isZero() ? null : score.minus(ref).abs().div(ref).times(HUNDRED);
}

export type BelowMaxFlag = { memberId: string; bidderId: string; itemId: string; score: Dec; limit: Dec };

/** EV18 optional rule (公路范本 3.2.2 as amended): a score below ratio × max needs a reason (TV-X2: 3 < 0.6 × 10). */
export function belowMaxFlags(bidderId: string, itemId: string, values: readonly MemberScore[], max: Dec, ratio: Dec): BelowMaxFlag[] {
  const limit = ratio.times(max);
  return values
    .filter((v) => v.score.lt(limit))
    .map((v) => ({ memberId: v.memberId, bidderId, itemId, score: v.score, limit }))
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

export type AbnormallyLow = { pct: Dec; flagged: boolean };

/**
 * EV14 (TV-A1): for each valid bid, pct = (P − m) / m × 100 with m = the mean of the *other* valid bids' prices;
 * flagged when pct ≤ −thresholdPct (at least that far below). Needs two valid bids; none are flagged otherwise.
 */
export function abnormallyLow(bids: readonly PricedBid[], thresholdPct: Dec): Map<string, AbnormallyLow> {
  const out = new Map<string, AbnormallyLow>();
  if (bids.length < 2) return out;
  for (const b of bids) {
    const m = dmean(bids.filter((x) => x.bidderId !== b.bidderId).map((x) => x.price));
    const pct = b.price.minus(m).div(m).times(HUNDRED);
    out.set(b.bidderId, { pct, flagged: pct.lte(thresholdPct.neg()) });
  }
  return out;
}
