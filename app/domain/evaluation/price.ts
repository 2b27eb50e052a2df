import { Dec, dmean, dmin, HUNDRED, round } from "./decimal";
import type { Benchmark, DropCount, PolicyDeduction, PriceScore, Rounding, TrimRow } from "./method";

/**
 * Benchmark price (评标基准价), deviation (偏差率) and every price-score kind (R46), plus the ZFCG policy
 * deduction (政策性价格扣除, 87号令55). Pure functions of decimals; the algorithm is specified step by step in
 * docs/evaluation-appendix.md §7 and the order of operations here is the one written there.
 */

export type PricedBid = { bidderId: string; price: Dec };

/** Bids sorted by price ascending, equal prices by bidder id (so which instance is trimmed is deterministic). */
export function byPriceThenId(bids: readonly PricedBid[]): PricedBid[] {
  return [...bids].sort((a, b) => a.price.comparedTo(b.price) || (a.bidderId < b.bidderId ? -1 : a.bidderId > b.bidderId ? 1 : 0));
}

const dropCount = (d: DropCount, n: number) => (typeof d === "number" ? d : Math.floor(n / d.per));

/**
 * How many bids a trimming table drops for a pool of n (first matching row wins; no row → none). Never drops
 * more than n − 1 in all (the high side is limited first), so a benchmark always exists (TV-E7).
 */
export function trimCounts(n: number, rows: readonly TrimRow[]): { high: number; low: number } {
  const row = rows.find((r) => n >= r.minN && (r.maxN === undefined || n <= r.maxN));
  if (!row || n === 0) return { high: 0, low: 0 };
  const high = Math.min(dropCount(row.dropHigh, n), n - 1);
  const low = Math.min(dropCount(row.dropLow, n), n - 1 - high);
  return { high, low };
}

export type BenchmarkResult = {
  source: Benchmark["source"];
  /** Ids of the pool (valid bids), sorted. */
  pool: string[];
  trimmedHigh: string[];
  trimmedLow: string[];
  /** The value before the factor: the lowest price, the (trimmed) mean, or the composite sum. */
  raw: Dec;
  /** The benchmark B after the factor and the optional baseScale rounding. */
  value: Dec;
};

export type CompositeInputs = { A: Dec; B: Dec; C: Dec };

/**
 * The benchmark over the pool (only bids that passed the review and are ≤ the ceiling — the caller passes exactly
 * those). Trimmed bids leave the average but are still scored against it (TV-E2); at the trimming boundary only
 * one instance of an equal price is dropped per count (the order is price, then bidder id).
 */
export function computeBenchmark(b: Benchmark, rounding: Rounding, pool: readonly PricedBid[], composite: CompositeInputs | null): BenchmarkResult {
  if (pool.length === 0) throw new RangeError("benchmark: empty pool");
  const sorted = byPriceThenId(pool);
  const ids = sorted.map((x) => x.bidderId).sort();
  let trimmedHigh: string[] = [];
  let trimmedLow: string[] = [];
  let raw: Dec;
  switch (b.source) {
    case "lowest":
      raw = dmin(sorted.map((x) => x.price));
      break;
    case "mean":
      raw = dmean(sorted.map((x) => x.price));
      break;
    case "trimmed_mean": {
      const { high, low } = trimCounts(sorted.length, b.trim ?? []);
      const kept = sorted.slice(low, sorted.length - high);
      trimmedLow = sorted.slice(0, low).map((x) => x.bidderId).sort();
      trimmedHigh = sorted.slice(sorted.length - high).map((x) => x.bidderId).sort();
      raw = dmean(kept.map((x) => x.price));
      break;
    }
    case "composite": {
      if (!composite || !b.composite) throw new RangeError("benchmark: composite inputs missing");
      const w = b.composite.weights;
      raw = composite.A.times(w.A).plus(composite.B.times(w.B)).plus(composite.C.times(w.C));
      break;
    }
  }
  let value = raw;
  if (b.factor?.kind === "K") value = raw.times(b.factor.value);
  else if (b.factor?.kind === "downward_pct") value = raw.times(new Dec(1).minus(new Dec(b.factor.value).div(HUNDRED)));
  if (rounding.baseScale !== undefined) value = round(value, rounding.baseScale);
  return { source: b.source, pool: ids, trimmedHigh, trimmedLow, raw, value };
}

/**
 * 偏差率 dev% = 100 × (P − B) / B (标准施工招标文件 2.2.3), computed as ratio = (P − B) / B, [rounded to
 * devRatioScale], × 100, [rounded to devPctScale] (TV-E1, TV-E2: "dev rounded first" vs exact).
 */
export function devPct(P: Dec, B: Dec, rounding: Pick<Rounding, "devRatioScale" | "devPctScale">): Dec {
  let ratio = P.minus(B).div(B);
  if (rounding.devRatioScale !== undefined) ratio = round(ratio, rounding.devRatioScale);
  let pct = ratio.times(HUNDRED);
  if (rounding.devPctScale !== undefined) pct = round(pct, rounding.devPctScale);
  return pct;
}

export type PriceScoreResult = { devPct: Dec | null; deduction: Dec | null; score: Dec };

/** The unrounded price score of one bid (rounding to the score scale is the caller's, per aggregateBeforeRound). */
export function priceScore(ps: PriceScore, P: Dec, B: Dec, rounding: Pick<Rounding, "devRatioScale" | "devPctScale">): PriceScoreResult {
  const full = new Dec(ps.full);
  if (ps.kind === "low_price_priority") {
    // 87号令55: (评标基准价 / 投标报价) × full, written as (full × B) / P so that there is one division. Capped at full
    // (a base above a bid can only happen with a non-"lowest" benchmark, which ZFCG may not use).
    const s = full.times(B).div(P);
    return { devPct: null, deduction: null, score: s.gt(full) ? full : s };
  }
  const pct = devPct(P, B, rounding);
  const abs = pct.abs();
  let deduction: Dec;
  switch (ps.kind) {
    case "linear_deviation":
      deduction = pct.gt(0) ? new Dec(ps.E1).times(abs) : new Dec(ps.E2).times(abs);
      break;
    case "ratio_deviation":
      deduction = full.times(abs).div(HUNDRED);
      break;
    case "n_factor":
      deduction = full.times(pct.gt(0) ? ps.nAbove : ps.nBelow).times(abs).div(HUNDRED);
      break;
  }
  if (ps.maxDeduction !== undefined && deduction.gt(ps.maxDeduction)) deduction = new Dec(ps.maxDeduction);
  const s = full.minus(deduction);
  return { devPct: pct, deduction, score: s.lt(0) ? new Dec(0) : s };
}

/**
 * The policy deduction percentage for a bidder (ZFCG, 财库〔2020〕46号 Art 9 ◐): the largest percentage among the
 * categories it qualifies for — the preferences are not cumulative. null = no deduction.
 */
export function deductionPct(deductions: readonly PolicyDeduction[], policy: readonly string[]): Dec | null {
  const pcts = deductions.filter((d) => policy.includes(d.id)).map((d) => new Dec(d.pct));
  if (pcts.length === 0) return null;
  return pcts.reduce((a, b) => (b.gt(a) ? b : a));
}

/** The deducted price used for the base and the bidder's own score: price × (1 − pct / 100), rounded to fen. The
 * contract price stays the undeducted bid (87号令55 last paragraph; TV-Z2, TV-Z3). */
export function deductedPrice(price: Dec, pct: Dec): Dec {
  return round(price.times(new Dec(1).minus(pct.div(HUNDRED))), 2);
}
