import { decimalsOf, Dec, dmean } from "./decimal";
import type { Criterion, SubjectiveRule } from "./method";

/**
 * Aggregation of the members' scores (汇总; R48, EV17): validity of a single score (a provincial 房建 rule: out of range or twice for
 * one item = void), the subjective rules (plain mean, drop one high and one low from five scores on, the 公路范本
 * 9-member rule) and the objective-items-must-agree check (87号令64(3)). Algorithms: docs/evaluation-appendix.md §8.
 */

export type MemberScore = { memberId: string; score: Dec };

export const INVALID_SCORE_REASONS = ["duplicate", "too_many_decimals", "above_max", "below_min", "not_an_option", "off_step"] as const;
export type InvalidScoreReason = (typeof INVALID_SCORE_REASONS)[number];

/** Why a single entered score is not acceptable for `leaf`, or null. `maxDecimals` = the score scale. */
export function checkScore(leaf: Criterion, score: string, maxDecimals: number): Exclude<InvalidScoreReason, "duplicate"> | null {
  if (decimalsOf(score) > maxDecimals) return "too_many_decimals";
  const s = new Dec(score);
  const max = new Dec(leaf.max);
  const [lo, hi] = leaf.bounds && (leaf.mode === "range" || leaf.mode === "deduction") ? [new Dec(leaf.bounds[0]), new Dec(leaf.bounds[1])] : [new Dec(0), max];
  if (s.gt(hi) || s.gt(max)) return "above_max";
  if (s.lt(lo)) return "below_min";
  if (leaf.mode === "fixed" && !(leaf.options ?? []).some((o) => s.eq(o))) return "not_an_option";
  if (leaf.mode === "deduction" && leaf.step && !s.eq(lo) && !max.minus(s).div(leaf.step).isInteger()) return "off_step";
  return null;
}

/** Sort by score ascending, equal scores by member id: the instance dropped at either end is then well defined. */
export function byScoreThenMember(xs: readonly MemberScore[]): MemberScore[] {
  return [...xs].sort((a, b) => a.score.comparedTo(b.score) || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
}

export type Aggregated = { value: Dec; dropped: string[] };

/**
 * One subjective item of one bidder. mean = Σ / n. trimmed_1_1_if_n_ge_5 and highway_9_member (after the member
 * discard, which the caller applies by leaving that member out): with n ≥ 5 valid scores the lowest and the highest
 * instance are dropped, then the mean (TV-X1: 38, 42, 43, 45, 50 → 43.60 plain, 43.33 trimmed).
 */
export function aggregateSubjective(rule: SubjectiveRule, values: readonly MemberScore[]): Aggregated {
  if (values.length === 0) throw new RangeError("aggregate: no scores");
  if (rule === "mean" || values.length < 5) return { value: dmean(values.map((v) => v.score)), dropped: [] };
  const sorted = byScoreThenMember(values);
  const kept = sorted.slice(1, -1);
  return { value: dmean(kept.map((v) => v.score)), dropped: [sorted[0]!.memberId, sorted[sorted.length - 1]!.memberId].sort() };
}

export type MemberSpread = { memberId: string; spread: Dec; second: Dec };

/**
 * The 公路范本 9-member rule, step 1: for each member, its totals over the bidders (of the items under the rule);
 * spread = highest − lowest total, second = highest − second-lowest (最高分 − 次低分). The member with the largest
 * spread is discarded; equal spreads → the largest second; still equal → a lot among them (`tied`).
 */
export function highwaySpreads(totals: ReadonlyMap<string, readonly Dec[]>): { spreads: MemberSpread[]; tied: string[] } {
  const spreads: MemberSpread[] = [...totals.keys()].sort().map((memberId) => {
    const ts = [...totals.get(memberId)!].sort((a, b) => a.comparedTo(b));
    if (ts.length === 0) return { memberId, spread: new Dec(0), second: new Dec(0) };
    const hi = ts[ts.length - 1]!;
    return { memberId, spread: hi.minus(ts[0]!), second: hi.minus(ts[Math.min(1, ts.length - 1)]!) };
  });
  if (spreads.length === 0) return { spreads, tied: [] };
  const top = spreads.reduce((a, b) => (b.spread.gt(a) ? b.spread : a), spreads[0]!.spread);
  let tied = spreads.filter((s) => s.spread.eq(top));
  if (tied.length > 1) {
    const second = tied.reduce((a, b) => (b.second.gt(a) ? b.second : a), tied[0]!.second);
    tied = tied.filter((s) => s.second.eq(second));
  }
  return { spreads, tied: tied.map((s) => s.memberId) };
}

export type ObjectiveValue = { source: string; score: Dec };

/**
 * Objective items must agree (87号令64(3), EV17): every value given (the committee's single entry, each member's
 * own) must be numerically equal. Returns the agreed value, or null when they differ (the caller reports the
 * disagreement and blocks the aggregation).
 */
export function agreedObjective(values: readonly ObjectiveValue[]): Dec | null {
  if (values.length === 0) throw new RangeError("objective: no values");
  const first = values[0]!.score;
  return values.every((v) => v.score.eq(first)) ? first : null;
}
