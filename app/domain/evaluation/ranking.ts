import type { Dec } from "./decimal";
import type { LotPurpose } from "./input";
import type { TieStep } from "./method";

/**
 * Ranking with the documents' tie chain (R47, EV8, EV9; TV-T1, TV-T2), same-brand collapse (87号令31, EV11; TV-B1)
 * and the number of candidates (EV10, TV-N1). A lot is never drawn here: the caller injects a deterministic chooser
 * (e.g. a Fisher–Yates shuffle driven by the seeded HMAC-DRBG of the draw) and the result records that a lot was
 * used and among whom, so a verifier can replay it. Algorithm: docs/evaluation-appendix.md §9.
 */

export type RankEntry = {
  bidderId: string;
  /** The primary key: total score (desc) or evaluated price (asc). */
  primary: Dec;
  /** The (corrected, undeducted) bid price, for price_asc. */
  bidPrice: Dec;
  /** Technical and business group totals as reported, for tech_desc / business_desc (0 for price methods). */
  technical: Dec;
  business: Dec;
};

/** Returns the chosen order of `among` (sorted ids), or null when no lot result is available yet. */
export type LotResolver = (among: string[], purpose: LotPurpose) => string[] | null;
/** Returns the order the tenderer decided for `among`, or null when it has not decided. */
export type DecisionResolver = (among: string[]) => string[] | null;

export type TraceStep = { step: TieStep; among: string[]; result: string[][] };
export type Pending = "tied" | "lot" | "tenderer_decides";
export type RankedEntry = { bidderId: string; rank: number; pending: Pending | null };
export type Ranking = { order: RankedEntry[]; trace: TraceStep[] };

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Partition entries (already in order) into runs of equal key. */
function partition(entries: readonly RankEntry[], key: (e: RankEntry) => Dec, dir: "asc" | "desc"): RankEntry[][] {
  const sorted = [...entries].sort((a, b) => {
    const c = key(a).comparedTo(key(b));
    return (dir === "asc" ? c : -c) || byId(a.bidderId, b.bidderId);
  });
  const out: RankEntry[][] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last && key(last[0]!).eq(key(e))) last.push(e);
    else out.push([e]);
  }
  return out;
}

const KEY: Record<"price_asc" | "tech_desc" | "business_desc", [(e: RankEntry) => Dec, "asc" | "desc"]> = {
  price_asc: [(e) => e.bidPrice, "asc"],
  tech_desc: [(e) => e.technical, "desc"],
  business_desc: [(e) => e.business, "desc"],
};

type Resolved = { ids: string[]; pending: Pending | null };

function resolve(
  group: RankEntry[],
  chain: readonly TieStep[],
  i: number,
  ctx: { lot: LotResolver; decide: DecisionResolver; trace: TraceStep[]; lotPurpose: LotPurpose },
): Resolved[] {
  const among = group.map((e) => e.bidderId).sort(byId);
  if (group.length === 1) return [{ ids: among, pending: null }];
  if (i >= chain.length) return [{ ids: among, pending: "tied" }];
  const step = chain[i]!;
  if (step === "lot" || step === "tenderer_decides") {
    const order = step === "lot" ? ctx.lot(among, ctx.lotPurpose) : ctx.decide(among);
    if (!order) return [{ ids: among, pending: step }];
    ctx.trace.push({ step, among, result: order.map((id) => [id]) });
    return order.map((id) => ({ ids: [id], pending: null }));
  }
  const [key, dir] = KEY[step];
  const parts = partition(group, key, dir);
  ctx.trace.push({ step, among, result: parts.map((p) => p.map((e) => e.bidderId).sort(byId)) });
  return parts.flatMap((p) => resolve(p, chain, i + 1, ctx));
}

/**
 * Rank: primary key (desc for scores, asc for prices), then each tie group through the chain. A key step splits
 * the group by its key; `lot` and `tenderer_decides` order it completely from the injected results, or leave it
 * pending; a group left after the chain is 并列 ("tied"). Unresolved groups share a rank (1, 2, 2, 4) and list their
 * members by id. Every step applied to a group of two or more is recorded in `trace`.
 */
export function rankEntries(
  entries: readonly RankEntry[],
  opts: { primary: "asc" | "desc"; chain: readonly TieStep[]; lot: LotResolver; decide: DecisionResolver; lotPurpose?: LotPurpose },
): Ranking {
  const trace: TraceStep[] = [];
  const groups = partition(entries, (e) => e.primary, opts.primary);
  const resolved = groups.flatMap((g) => resolve(g, opts.chain, 0, { lot: opts.lot, decide: opts.decide, trace, lotPurpose: opts.lotPurpose ?? "ranking" }));
  const order: RankedEntry[] = [];
  let position = 1;
  for (const r of resolved) {
    for (const id of r.ids) order.push({ bidderId: id, rank: position, pending: r.ids.length > 1 ? r.pending : null });
    position += r.ids.length;
  }
  return { order, trace };
}

export type BrandGroup = { brand: string; bidderIds: string[]; representative: string | null; lot: boolean };

/**
 * Same-brand collapse (87号令31, TV-B1): bids offering the same brand count once. Within each brand the best bid by
 * the primary key and the chain's key steps represents it (the lowest price for the lowest-price method, the
 * highest score for the comprehensive one); a tie at the top is resolved by a lot (purpose "same_brand") — the
 * documents' method, else random. representative null = the lot is still pending.
 */
export function collapseSameBrand(
  entries: readonly (RankEntry & { brand: string | null })[],
  opts: { primary: "asc" | "desc"; chain: readonly TieStep[]; lot: LotResolver },
): BrandGroup[] {
  const keySteps = opts.chain.filter((s) => s !== "lot" && s !== "tenderer_decides");
  const byBrand = new Map<string, (RankEntry & { brand: string | null })[]>();
  for (const e of [...entries].sort((a, b) => byId(a.bidderId, b.bidderId))) {
    if (e.brand === null) continue;
    byBrand.set(e.brand, [...(byBrand.get(e.brand) ?? []), e]);
  }
  const out: BrandGroup[] = [];
  for (const [brand, members] of byBrand) {
    if (members.length < 2) continue;
    const ranking = rankEntries(members, { primary: opts.primary, chain: keySteps, lot: () => null, decide: () => null });
    const top = ranking.order.filter((e) => e.rank === 1).map((e) => e.bidderId);
    let representative: string | null = top[0]!;
    let lot = false;
    if (top.length > 1) {
      const order = opts.lot([...top].sort(byId), "same_brand");
      representative = order ? order[0]! : null;
      lot = true;
    }
    out.push({ brand, bidderIds: members.map((m) => m.bidderId), representative, lot });
  }
  return out;
}

/**
 * Candidates (EV10): the ranked bids with rank ≤ count (ZTB at most 3, R47). An unresolved tie across the boundary
 * brings in every bid of that rank, so the list can be longer than `count` (the caller warns).
 */
export function candidatesOf(order: readonly RankedEntry[], count: number): string[] {
  return order.filter((e) => e.rank <= count).map((e) => e.bidderId);
}

/**
 * A lot chooser from a uniform integer source (e.g. the draw's HMAC-DRBG `uniform(n)` ∈ [0, n)): Fisher–Yates over
 * the sorted ids, i from n−1 down to 1, swap(i, uniform(i + 1)). Same source state → same order.
 */
export function shuffleChooser(uniform: (n: number) => number): (among: readonly string[]) => string[] {
  return (among) => {
    const a = [...among].sort(byId);
    for (let i = a.length - 1; i > 0; i--) {
      const j = uniform(i + 1);
      if (!Number.isInteger(j) || j < 0 || j > i) throw new RangeError("shuffleChooser: uniform out of range");
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
}
