import type { ZodError } from "zod";
import { aggregateSubjective, agreedObjective, checkScore, highwaySpreads, type InvalidScoreReason, type MemberScore } from "./aggregate";
import { Dec, dsum, fixed, money, round } from "./decimal";
import { abnormallyLow, belowMaxFlags, deviationFlags, type BelowMaxFlag, type DeviationFlag } from "./flags";
import { EvaluationInputSchema, type BidInput, type EvaluationInput, type EvaluationInputData, type Lot, type LotPurpose } from "./input";
import { collapseLowestByBrand, evaluatedPrice, ztbAdjustments, zfcgScoringPrice, type Adjustment } from "./lowest-price";
import {
  flattenCriteria,
  isScored,
  regimeOf,
  safeParseMethodConfig,
  type Criterion,
  type FlatCriterion,
  type Group,
  type MethodConfig,
  type MethodConfigInput,
  type SubjectiveRule,
} from "./method";
import { computeBenchmark, priceScore, type BenchmarkResult } from "./price";
import { candidatesOf, collapseSameBrand, rankEntries, type BrandGroup, type RankEntry, type RankedEntry, type TraceStep } from "./ranking";

/**
 * The whole evaluation of one section: `evaluate(config, input) → result`, pure and deterministic (the same input
 * gives the same result byte for byte once serialised canonically, whatever the order of bids, members or
 * sheets). Every intermediate is in the result: prices, benchmark, dev%, price scores, item scores per member and
 * aggregated, group totals, totals, flags, disagreements, ranking with its tie-break trace, lots, candidates.
 * The computation is specified in docs/evaluation-appendix.md §6–§10; it runs in four phases, and a phase that
 * finds a blocker (missing conclusion, objective disagreement, pending lot…) ends the computation there.
 */

export const ENGINE_VERSION = 1;

export type LotChooser = (among: readonly string[], purpose: LotPurpose) => readonly string[];

export class EvaluationInputError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = "EvaluationInputError";
  }
}

export const INVALID_REASONS = ["review_missing", "review_failed", "correction_refused", "zero_price", "above_ceiling", "rejected", "same_brand"] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

export type BlockerCode =
  | "missing_review"
  | "missing_reference_price"
  | "missing_adjustment_input"
  | "missing_benchmark_inputs"
  | "benchmark_not_positive"
  | "missing_score"
  | "no_valid_score"
  | "invalid_score"
  | "objective_disagreement"
  | "lot_pending";
export type Blocker = { code: BlockerCode; bidderId: string | null; itemId: string | null; memberId: string | null };
export type WarningCode = "fewer_than_min_valid" | "abnormally_low" | "tie_pending" | "candidate_boundary_tie";
export type Warning = { code: WarningCode; ids: string[] };

export type ItemResult = { itemId: string; value: string | null; rule: SubjectiveRule | "objective" | "formula" | "pass_fail" | "sum"; dropped: string[] };
export type Groups = Record<Group, string>;

export type BidResult = {
  bidderId: string;
  bidPrice: string;
  valid: boolean;
  reasons: InvalidReason[];
  deductionId: string | null;
  scoringPrice: string;
  adjustments: { factorId: string; amount: string }[];
  evaluatedPrice: string | null;
  abnormallyLow: { pct: string; flagged: boolean } | null;
  brand: "representative" | "collapsed" | null;
  trimmed: "high" | "low" | null;
  devPct: string | null;
  priceScore: string | null;
  items: ItemResult[];
  groups: Groups | null;
  total: string | null;
};

export type EvaluationResult = {
  engineVersion: number;
  status: "complete" | "blocked" | "failed";
  failure: "too_few_qualified" | "too_few_valid" | "all_rejected" | null;
  blockers: Blocker[];
  warnings: Warning[];
  counts: { bids: number; qualified: number; valid: number; effective: number };
  benchmark: { source: string; pool: string[]; trimmedHigh: string[]; trimmedLow: string[]; raw: string; value: string } | null;
  bids: BidResult[];
  memberTotals: { memberId: string; bidderId: string; total: string | null }[];
  voidScores: { memberId: string | null; bidderId: string; itemId: string; score: string; reason: InvalidScoreReason }[];
  disagreements: { bidderId: string; itemId: string; values: { memberId: string | null; score: string }[] }[];
  highway: { discarded: string | null; spreads: { memberId: string; spread: string; second: string }[] } | null;
  flags: {
    deviation: { memberId: string; bidderId: string; itemId: string; score: string; reference: string; devPct: string | null }[];
    belowMax: { memberId: string; bidderId: string; itemId: string; score: string; limit: string }[];
  };
  sameBrand: BrandGroup[];
  ranking: RankedEntry[];
  tieBreaks: TraceStep[];
  lots: Lot[];
  candidates: string[];
  reasoningRequired: boolean;
};

/** Rendering scales (docs/evaluation-appendix.md §3.4). */
export const DISPLAY_SCALE = 6;
const PCT_SCALE = 2;

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sameSet = (a: readonly string[], b: readonly string[]) => {
  if (a.length !== b.length) return false;
  const [x, y] = [[...a].sort(byId), [...b].sort(byId)];
  return x.every((v, i) => v === y[i]);
};
const isSortedUnique = (a: readonly string[]) => a.every((x, i) => i === 0 || a[i - 1]! < x);
const isPermutation = (order: readonly string[], among: readonly string[]) => order.length === among.length && new Set(order).size === order.length && sameSet(order, among);

function zodDetail(e: ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join(".")}: ${i.message}` : "invalid";
}

/** Parse both documents (strict, defaults filled); throws EvaluationInputError. */
export function parseEvaluationDocuments(config: unknown, input: unknown): { config: MethodConfig; input: EvaluationInput } {
  const c = safeParseMethodConfig(config);
  if (!c.success) throw new EvaluationInputError("config_invalid", zodDetail(c.error));
  const i = EvaluationInputSchema.safeParse(input);
  if (!i.success) throw new EvaluationInputError("input_invalid", zodDetail(i.error));
  return { config: c.data, input: i.data };
}

/** Cross-references the schema cannot check: unique ids, known items, members and bidders, well-formed lots. */
function checkReferences(config: MethodConfig, input: EvaluationInput, flat: FlatCriterion[]) {
  const fail = (detail: string) => {
    throw new EvaluationInputError("input_invalid", detail);
  };
  const bidders = new Set<string>();
  for (const b of input.bids) {
    if (bidders.has(b.bidderId)) fail(`duplicate bidder ${b.bidderId}`);
    bidders.add(b.bidderId);
  }
  const members = new Set<string>();
  for (const m of input.members) {
    if (members.has(m.memberId)) fail(`duplicate member ${m.memberId}`);
    members.add(m.memberId);
  }
  const leaves = new Map(flat.filter((f) => f.leaf).map((f) => [f.node.id, f.node]));
  const reviewable = new Set([...config.review.map((r) => r.id), ...flat.filter((f) => f.leaf && f.node.mode === "pass_fail").map((f) => f.node.id)]);
  const deductions = new Set("policyDeductions" in config ? config.policyDeductions.map((d) => d.id) : []);
  const factors = new Set(config.kind === "ZTB_LOWEST_EVALUATED" ? config.adjustments.map((a) => a.id) : []);
  for (const b of input.bids) {
    const seen = new Set<string>();
    for (const r of b.review) {
      if (!reviewable.has(r.itemId)) fail(`bid ${b.bidderId}: unknown review item ${r.itemId}`);
      if (seen.has(r.itemId)) fail(`bid ${b.bidderId}: two conclusions on ${r.itemId}`);
      seen.add(r.itemId);
    }
    for (const p of b.policy) if (!deductions.has(p)) fail(`bid ${b.bidderId}: unknown policy deduction ${p}`);
    const fs = new Set<string>();
    for (const a of b.adjustments) {
      if (!factors.has(a.factorId)) fail(`bid ${b.bidderId}: unknown adjustment factor ${a.factorId}`);
      if (fs.has(a.factorId)) fail(`bid ${b.bidderId}: two entries for factor ${a.factorId}`);
      fs.add(a.factorId);
    }
  }
  const sheetMembers = new Set<string>();
  for (const s of input.sheets) {
    if (!members.has(s.memberId)) fail(`sheet of unknown member ${s.memberId}`);
    if (sheetMembers.has(s.memberId)) fail(`two sheets for member ${s.memberId}`);
    sheetMembers.add(s.memberId);
    for (const e of s.scores) {
      if (!bidders.has(e.bidderId)) fail(`member ${s.memberId}: unknown bidder ${e.bidderId}`);
      const leaf = leaves.get(e.itemId);
      if (!leaf || leaf.mode === "formula" || leaf.mode === "pass_fail") fail(`member ${s.memberId}: ${e.itemId} is not a scored item`);
    }
  }
  for (const e of input.objectiveScores) {
    if (!bidders.has(e.bidderId)) fail(`objective score: unknown bidder ${e.bidderId}`);
    const leaf = leaves.get(e.itemId);
    if (!leaf || !leaf.objective || leaf.mode === "formula" || leaf.mode === "pass_fail") fail(`objective score: ${e.itemId} is not an objective item`);
  }
  for (const l of [...input.lots, ...input.decisions]) {
    if (!isSortedUnique(l.among)) fail("a lot or decision lists `among` unsorted or with repeats");
    if (!isPermutation(l.order, l.among)) fail("a lot or decision `order` is not a permutation of `among`");
    for (const id of l.among) if (!bidders.has(id) && !members.has(id)) fail(`a lot or decision names unknown ${id}`);
  }
}

type Work = {
  input: BidInput;
  bidPrice: Dec;
  valid: boolean;
  reasons: InvalidReason[];
  deductionId: string | null;
  scoringPrice: Dec;
  adjustments: Adjustment[];
  evaluatedPrice: Dec | null;
  abnormallyLow: { pct: Dec; flagged: boolean } | null;
  brand: "representative" | "collapsed" | null;
  trimmed: "high" | "low" | null;
  devPct: Dec | null;
  priceScore: Dec | null;
  items: Map<string, { value: Dec | null; rule: ItemResult["rule"]; dropped: string[] }>;
  groups: Record<Group, Dec> | null;
  total: Dec | null;
};

/**
 * Evaluate. `chooseLot` is called only for a lot the input does not already record (input.lots are replayed
 * first); without it such a lot stays pending. The lots used are returned in `result.lots`.
 */
export function evaluate(configData: MethodConfigInput | MethodConfig, inputData: EvaluationInputData | EvaluationInput, options: { chooseLot?: LotChooser } = {}): EvaluationResult {
  const { config, input } = parseEvaluationDocuments(configData, inputData);
  const flat = flattenCriteria(config.criteria);
  checkReferences(config, input, flat);

  const regime = regimeOf(config.kind);
  const scored = isScored(config);
  const rounding = config.rounding;
  const scale = rounding.scale;
  const itemScale = rounding.itemScale ?? scale;
  const abr = rounding.aggregateBeforeRound;
  const itemDisplay = abr ? DISPLAY_SCALE : Math.max(scale, itemScale);
  const chain = config.tieBreak.chain;

  const blockers: Blocker[] = [];
  const warnings: Warning[] = [];
  const lotsUsed: Lot[] = [];
  const sameBrand: BrandGroup[] = [];
  const block = (code: BlockerCode, bidderId: string | null = null, itemId: string | null = null, memberId: string | null = null) =>
    blockers.push({ code, bidderId, itemId, memberId });

  const lot = (among: string[], purpose: LotPurpose): string[] | null => {
    const sorted = [...among].sort(byId);
    const recorded = input.lots.find((l) => l.purpose === purpose && sameSet(l.among, sorted));
    let order: string[] | null = recorded ? [...recorded.order] : null;
    if (!order && options.chooseLot) {
      order = [...options.chooseLot(sorted, purpose)];
      if (!isPermutation(order, sorted)) throw new EvaluationInputError("lot_invalid", "the lot chooser did not return a permutation of the tied ids");
    }
    if (order) lotsUsed.push({ purpose, among: sorted, order });
    return order;
  };
  const decide = (among: string[]): string[] | null => {
    const d = input.decisions.find((x) => sameSet(x.among, among));
    return d ? [...d.order] : null;
  };

  // ---------------------------------------------------------------- phase 1: validity, prices, same brand (lowest)
  const reviewItems = config.review;
  const passFailLeaves = flat.filter((f) => f.leaf && f.node.mode === "pass_fail").map((f) => f.node);
  const ceiling = input.ceilingPrice === null ? null : new Dec(input.ceilingPrice);
  const works: Work[] = [...input.bids]
    .sort((a, b) => byId(a.bidderId, b.bidderId))
    .map((b) => {
      const reasons: InvalidReason[] = [];
      const conclusion = (id: string) => b.review.find((r) => r.itemId === id);
      let missing = false;
      let failed = false;
      for (const item of reviewItems) {
        const c = conclusion(item.id);
        if (!c) {
          block("missing_review", b.bidderId, item.id);
          missing = true;
        } else if (!c.passed) failed = true;
      }
      if (!missing && !failed) {
        for (const leaf of passFailLeaves) {
          const c = conclusion(leaf.id);
          if (!c) {
            block("missing_review", b.bidderId, leaf.id);
            missing = true;
          } else if (!c.passed) failed = true;
        }
      }
      if (missing) reasons.push("review_missing");
      if (failed) reasons.push("review_failed");
      const confirmed = b.correction === null || b.correction.confirmed;
      if (!confirmed) reasons.push("correction_refused");
      const bidPrice = new Dec(b.correction && b.correction.confirmed ? b.correction.price : b.readPrice);
      let scoringPrice = bidPrice;
      let deductionId: string | null = null;
      if ("policyDeductions" in config) {
        const { pct, price } = zfcgScoringPrice(bidPrice, config.policyDeductions, b.policy);
        scoringPrice = price;
        if (pct) deductionId = config.policyDeductions.find((d) => b.policy.includes(d.id) && new Dec(d.pct).eq(pct))!.id;
      } else if (scored && config.benchmark.priceBasis === "excluding_provisional" && b.provisional !== null) {
        scoringPrice = bidPrice.minus(b.provisional);
      }
      if (!scoringPrice.gt(0)) reasons.push("zero_price");
      if (ceiling && bidPrice.gt(ceiling)) reasons.push("above_ceiling");
      if (b.rejection) reasons.push("rejected");
      return {
        input: b,
        bidPrice,
        valid: reasons.length === 0,
        reasons,
        deductionId,
        scoringPrice,
        adjustments: [],
        evaluatedPrice: null,
        abnormallyLow: null,
        brand: null,
        trimmed: null,
        devPct: null,
        priceScore: null,
        items: new Map(),
        groups: null,
        total: null,
      };
    });
  const qualificationItems = reviewItems.filter((r) => r.stage === "qualification").map((r) => r.id);
  const qualified = works.filter((w) => qualificationItems.every((id) => w.input.review.find((r) => r.itemId === id)?.passed === true)).length;
  const valid = () => works.filter((w) => w.valid);

  const zfcgBrand = "sameBrand" in config && config.sameBrand;
  const rankEntryOf = (w: Work, primary: Dec): RankEntry & { brand: string | null } => ({
    bidderId: w.input.bidderId,
    primary,
    bidPrice: w.bidPrice,
    technical: w.groups ? round(w.groups.technical, scale) : new Dec(0),
    business: w.groups ? round(w.groups.business, scale) : new Dec(0),
    brand: w.input.brand,
  });

  if (config.kind === "ZFCG_LOWEST") {
    for (const w of valid()) w.evaluatedPrice = w.scoringPrice;
    if (zfcgBrand && blockers.length === 0) {
      const groups = collapseLowestByBrand(valid().map((w) => rankEntryOf(w, w.evaluatedPrice!)), chain, lot);
      applyBrandGroups(groups);
    }
  }

  function applyBrandGroups(groups: BrandGroup[]) {
    for (const g of groups) {
      sameBrand.push(g);
      if (g.representative === null) {
        block("lot_pending");
        continue;
      }
      for (const id of g.bidderIds) {
        const w = works.find((x) => x.input.bidderId === id)!;
        w.brand = id === g.representative ? "representative" : "collapsed";
        if (id !== g.representative && config.kind === "ZFCG_LOWEST") {
          w.valid = false;
          w.reasons.push("same_brand");
          w.evaluatedPrice = null;
        }
      }
    }
  }

  if (blockers.length === 0) {
    const flags = abnormallyLow(
      valid().map((w) => ({ bidderId: w.input.bidderId, price: w.bidPrice })),
      new Dec(config.flags.abnormallyLow.thresholdPct),
    );
    for (const w of valid()) w.abnormallyLow = flags.get(w.input.bidderId) ?? null;
    const low = valid().filter((w) => w.abnormallyLow?.flagged).map((w) => w.input.bidderId);
    if (low.length) warnings.push({ code: "abnormally_low", ids: low });
  }

  // Effective count: same-brand bids count once (87号令31); bids without a brand count each.
  const effectiveCount = () => {
    const vs = valid();
    if (!zfcgBrand) return vs.length;
    const brands = new Set(vs.filter((w) => w.input.brand !== null).map((w) => w.input.brand));
    return vs.filter((w) => w.input.brand === null).length + brands.size;
  };

  let failure: EvaluationResult["failure"] = null;
  let reasoningRequired = false;
  if (blockers.length === 0) {
    const min = config.tooFew.min;
    if (config.tooFew.action === "fail") {
      if (qualified < min) failure = "too_few_qualified";
      else if (effectiveCount() < min) failure = "too_few_valid";
    } else if (valid().length === 0) failure = "all_rejected";
    else if (effectiveCount() < min) {
      reasoningRequired = true;
      warnings.push({ code: "fewer_than_min_valid", ids: valid().map((w) => w.input.bidderId) });
    }
  }

  // ---------------------------------------------------------------- phase 2: adjustments / benchmark and price scores
  let benchmark: BenchmarkResult | null = null;
  const phase = () => blockers.length === 0 && failure === null;
  if (phase() && config.kind === "ZTB_LOWEST_EVALUATED") {
    for (const w of valid()) {
      const others = valid().filter((o) => o !== w).map((o) => o.input);
      const { adjustments, blockers: bs } = ztbAdjustments(config.adjustments, w.input, w.bidPrice, others);
      for (const b of bs) block(b.code, b.bidderId, b.itemId);
      w.adjustments = adjustments;
      w.evaluatedPrice = evaluatedPrice(w.bidPrice, adjustments);
    }
  }
  if (phase() && scored) {
    const pool = valid().map((w) => ({ bidderId: w.input.bidderId, price: w.scoringPrice }));
    const components = input.benchmarkInputs;
    if (config.benchmark.source === "composite" && components === null) block("missing_benchmark_inputs");
    else {
      benchmark = computeBenchmark(
        config.benchmark,
        rounding,
        pool,
        components ? { A: new Dec(components.A), B: new Dec(components.B), C: new Dec(components.C) } : null,
      );
      if (!benchmark.value.gt(0)) block("benchmark_not_positive");
      else {
        for (const w of valid()) {
          const id = w.input.bidderId;
          w.trimmed = benchmark.trimmedHigh.includes(id) ? "high" : benchmark.trimmedLow.includes(id) ? "low" : null;
          const r = priceScore(config.priceScore, w.scoringPrice, benchmark.value, rounding);
          w.devPct = r.devPct;
          w.priceScore = abr ? r.score : round(r.score, scale);
        }
      }
    }
  }

  // ---------------------------------------------------------------- phase 3: item scores, aggregation, flags
  const memberIds = input.members.map((m) => m.memberId).sort(byId);
  const voidScores: EvaluationResult["voidScores"] = [];
  const disagreements: EvaluationResult["disagreements"] = [];
  const deviation: DeviationFlag[] = [];
  const belowMax: BelowMaxFlag[] = [];
  const memberTotals: EvaluationResult["memberTotals"] = [];
  let highway: EvaluationResult["highway"] = null;
  const leafOrder = flat.filter((f) => f.leaf);
  const subjectiveRule = (f: FlatCriterion): SubjectiveRule =>
    scored ? ((f.group !== "price" ? config.aggregation.byGroup[f.group] : undefined) ?? config.aggregation.subjective) : "mean";
  const isMemberScored = (c: Criterion) => c.mode !== "formula" && c.mode !== "pass_fail";

  if (phase() && scored) {
    const vs = valid();
    const validIds = new Set(vs.map((w) => w.input.bidderId));
    // (bidder, item) → member → raw entries
    const entries = new Map<string, Map<string, string[]>>();
    const key = (b: string, i: string) => `${b}\u0000${i}`;
    for (const sheet of input.sheets) {
      for (const e of sheet.scores) {
        if (!validIds.has(e.bidderId)) continue;
        const k = key(e.bidderId, e.itemId);
        const m = entries.get(k) ?? new Map<string, string[]>();
        m.set(sheet.memberId, [...(m.get(sheet.memberId) ?? []), e.score]);
        entries.set(k, m);
      }
    }
    const committee = new Map<string, string[]>();
    for (const e of input.objectiveScores) {
      if (!validIds.has(e.bidderId)) continue;
      const k = key(e.bidderId, e.itemId);
      committee.set(k, [...(committee.get(k) ?? []), e.score]);
    }
    const invalidBlocks = config.aggregation.invalidScore === "block";
    /** The valid values of one (bidder, item) per source; void ones are recorded. */
    const validValues = (bidderId: string, leaf: Criterion, raw: Map<string | null, string[]>) => {
      const out: { memberId: string | null; score: Dec }[] = [];
      for (const [memberId, scores] of [...raw.entries()].sort((a, b) => (a[0] === null ? -1 : b[0] === null ? 1 : byId(a[0], b[0])))) {
        const sorted = [...scores].sort((a, b) => new Dec(a).comparedTo(b) || byId(a, b));
        for (const score of sorted) {
          const reason: InvalidScoreReason | null = scores.length > 1 ? "duplicate" : checkScore(leaf, score, scale);
          if (reason) {
            voidScores.push({ memberId, bidderId, itemId: leaf.id, score, reason });
            if (invalidBlocks) block("invalid_score", bidderId, leaf.id, memberId);
          } else out.push({ memberId, score: new Dec(score) });
        }
      }
      return out;
    };

    // Per (bidder, leaf): the members' valid scores (subjective) or the agreed value (objective).
    const memberValues = new Map<string, MemberScore[]>();
    const objectiveAgreed = new Map<string, Dec | null>();
    const objectiveOwn = new Map<string, Map<string | null, Dec>>();
    for (const w of vs) {
      const bidderId = w.input.bidderId;
      for (const f of leafOrder) {
        const leaf = f.node;
        if (!isMemberScored(leaf)) continue;
        const k = key(bidderId, leaf.id);
        const raw = new Map<string | null, string[]>(entries.get(k) ?? []);
        if (leaf.objective) {
          if (committee.has(k)) raw.set(null, committee.get(k)!);
          if (raw.size === 0) {
            block("missing_score", bidderId, leaf.id, null);
            objectiveAgreed.set(k, null);
            continue;
          }
          const values = validValues(bidderId, leaf, raw);
          objectiveOwn.set(k, new Map(values.map((v) => [v.memberId, v.score])));
          if (values.length === 0) {
            block("no_valid_score", bidderId, leaf.id, null);
            objectiveAgreed.set(k, null);
            continue;
          }
          const agreed = agreedObjective(values.map((v) => ({ source: v.memberId ?? "", score: v.score })));
          if (agreed === null) {
            disagreements.push({ bidderId, itemId: leaf.id, values: values.map((v) => ({ memberId: v.memberId, score: fixed(v.score, scale) })) });
            block("objective_disagreement", bidderId, leaf.id, null);
          }
          objectiveAgreed.set(k, agreed);
        } else {
          for (const m of memberIds) if (!raw.has(m)) block("missing_score", bidderId, leaf.id, m);
          const values = validValues(bidderId, leaf, raw).map((v) => ({ memberId: v.memberId!, score: v.score }));
          if (values.length === 0) block("no_valid_score", bidderId, leaf.id, null);
          memberValues.set(k, values);
        }
      }
    }

    // The 公路范本 9-member rule, step 1: discard the member with the largest spread of totals.
    const highwayLeaves = leafOrder.filter((f) => isMemberScored(f.node) && !f.node.objective && subjectiveRule(f) === "highway_9_member");
    let discarded: string | null = null;
    if (highwayLeaves.length > 0 && memberIds.length === 9) {
      const totals = new Map<string, Dec[]>(
        memberIds.map((m) => [
          m,
          vs.map((w) => dsum(highwayLeaves.flatMap((f) => (memberValues.get(key(w.input.bidderId, f.node.id)) ?? []).filter((v) => v.memberId === m).map((v) => v.score)))),
        ]),
      );
      const { spreads, tied } = highwaySpreads(totals);
      if (tied.length === 1) discarded = tied[0]!;
      else {
        const order = lot(tied, "highway_discard");
        if (order) discarded = order[0]!;
        else block("lot_pending");
      }
      highway = {
        discarded,
        spreads: spreads.map((s) => ({ memberId: s.memberId, spread: fixed(s.spread, DISPLAY_SCALE), second: fixed(s.second, DISPLAY_SCALE) })),
      };
    }

    // Aggregated item values, flags, member totals.
    const deviationThreshold = new Dec(config.flags.deviation.thresholdPct);
    for (const w of vs) {
      const bidderId = w.input.bidderId;
      for (const f of leafOrder) {
        const leaf = f.node;
        const k = key(bidderId, leaf.id);
        if (leaf.mode === "formula") {
          w.items.set(leaf.id, { value: w.priceScore, rule: "formula", dropped: [] });
        } else if (leaf.mode === "pass_fail") {
          w.items.set(leaf.id, { value: new Dec(0), rule: "pass_fail", dropped: [] });
        } else if (leaf.objective) {
          const agreed = objectiveAgreed.get(k) ?? null;
          w.items.set(leaf.id, { value: agreed === null ? null : abr ? agreed : round(agreed, itemScale), rule: "objective", dropped: [] });
        } else {
          const rule = subjectiveRule(f);
          const values = memberValues.get(k) ?? [];
          const complete = memberIds.every((m) => values.some((v) => v.memberId === m) || voidScores.some((x) => x.memberId === m && x.bidderId === bidderId && x.itemId === leaf.id));
          const usable = rule === "highway_9_member" && discarded !== null ? values.filter((v) => v.memberId !== discarded) : values;
          const pendingDiscard = rule === "highway_9_member" && memberIds.length === 9 && discarded === null;
          if (values.length === 0 || !complete || pendingDiscard) {
            w.items.set(leaf.id, { value: null, rule, dropped: [] });
          } else if (usable.length === 0) {
            block("no_valid_score", bidderId, leaf.id, null);
            w.items.set(leaf.id, { value: null, rule, dropped: [] });
          } else {
            const agg = aggregateSubjective(rule, usable);
            const dropped = rule === "highway_9_member" && discarded !== null ? [...agg.dropped, discarded].sort(byId) : agg.dropped;
            w.items.set(leaf.id, { value: abr ? agg.value : round(agg.value, itemScale), rule, dropped });
          }
          deviation.push(...deviationFlags(bidderId, leaf.id, values, config.flags.deviation.reference, deviationThreshold));
          const ratio = leaf.minExplainRatio ?? config.flags.belowMaxRatio;
          if (ratio !== undefined) belowMax.push(...belowMaxFlags(bidderId, leaf.id, values, new Dec(leaf.max), new Dec(ratio)));
        }
      }
      // Parents: the sum of their children, bottom-up.
      for (const f of [...flat].reverse()) {
        if (f.leaf) continue;
        const children = f.node.children!.map((c) => w.items.get(c.id)!.value);
        w.items.set(f.node.id, { value: children.some((c) => c === null) ? null : dsum(children as Dec[]), rule: "sum", dropped: [] });
      }
      for (const m of memberIds) {
        const parts: (Dec | null)[] = leafOrder.map((f) => {
          const leaf = f.node;
          const k = key(bidderId, leaf.id);
          if (leaf.mode === "formula") return w.priceScore;
          if (leaf.mode === "pass_fail") return new Dec(0);
          if (leaf.objective) {
            const own = objectiveOwn.get(k);
            return own?.get(m) ?? own?.get(null) ?? null;
          }
          return (memberValues.get(k) ?? []).find((v) => v.memberId === m)?.score ?? null;
        });
        memberTotals.push({ memberId: m, bidderId, total: parts.some((p) => p === null) ? null : fixed(dsum(parts as Dec[]), scale) });
      }
    }
    memberTotals.sort((a, b) => byId(a.memberId, b.memberId) || byId(a.bidderId, b.bidderId));

    if (blockers.length === 0) {
      for (const w of vs) {
        const groups = { business: new Dec(0), technical: new Dec(0), price: new Dec(0), other: new Dec(0) };
        for (const f of flat) if (f.depth === 1) groups[f.group] = groups[f.group].plus(w.items.get(f.node.id)!.value!);
        w.groups = groups;
        w.total = round(dsum([groups.business, groups.technical, groups.price, groups.other]), scale);
      }
    }
  }

  // ---------------------------------------------------------------- phase 4: same brand (comprehensive), ranking, candidates
  let ranking: RankedEntry[] = [];
  let tieBreaks: TraceStep[] = [];
  let candidates: string[] = [];
  if (phase()) {
    const primaryOf = (w: Work) => (scored ? w.total! : w.evaluatedPrice!);
    if (config.kind === "ZFCG_COMPREHENSIVE" && zfcgBrand) {
      applyBrandGroups(collapseSameBrand(valid().map((w) => rankEntryOf(w, primaryOf(w))), { primary: "desc", chain, lot }));
    }
    if (phase()) {
      const rankable = valid().filter((w) => w.brand !== "collapsed");
      const r = rankEntries(
        rankable.map((w) => rankEntryOf(w, primaryOf(w))),
        { primary: scored ? "desc" : "asc", chain, lot, decide },
      );
      ranking = r.order;
      tieBreaks = r.trace;
      const pending = ranking.filter((e) => e.pending !== null).map((e) => e.bidderId);
      if (pending.length) warnings.push({ code: "tie_pending", ids: pending });
      const count = regime === "ZTB" ? Math.min(config.candidates.count, 3) : config.candidates.count;
      candidates = candidatesOf(ranking, count);
      if (candidates.length > count) warnings.push({ code: "candidate_boundary_tie", ids: candidates });
    }
  }

  const status: EvaluationResult["status"] = blockers.length ? "blocked" : failure ? "failed" : "complete";
  blockers.sort((a, b) => byId(a.bidderId ?? "", b.bidderId ?? "") || byId(a.itemId ?? "", b.itemId ?? "") || byId(a.memberId ?? "", b.memberId ?? "") || byId(a.code, b.code));
  const render = (x: Dec | null, s: number) => (x === null ? null : fixed(x, s));
  return {
    engineVersion: ENGINE_VERSION,
    status,
    failure,
    blockers,
    warnings,
    counts: { bids: works.length, qualified, valid: valid().length, effective: effectiveCount() },
    benchmark: benchmark && {
      source: benchmark.source,
      pool: benchmark.pool,
      trimmedHigh: benchmark.trimmedHigh,
      trimmedLow: benchmark.trimmedLow,
      raw: fixed(benchmark.raw, DISPLAY_SCALE),
      value: fixed(benchmark.value, DISPLAY_SCALE),
    },
    bids: works.map((w) => ({
      bidderId: w.input.bidderId,
      bidPrice: money(w.bidPrice),
      valid: w.valid,
      reasons: w.reasons,
      deductionId: w.deductionId,
      scoringPrice: money(w.scoringPrice),
      adjustments: w.adjustments.map((a) => ({ factorId: a.factorId, amount: money(a.amount) })),
      evaluatedPrice: render(w.evaluatedPrice, 2),
      abnormallyLow: w.abnormallyLow && { pct: fixed(w.abnormallyLow.pct, PCT_SCALE), flagged: w.abnormallyLow.flagged },
      brand: w.brand,
      trimmed: w.trimmed,
      devPct: render(w.devPct, DISPLAY_SCALE),
      priceScore: render(w.priceScore, itemDisplay),
      items: flat
        .filter(() => w.items.size > 0)
        .map((f) => {
          const it = w.items.get(f.node.id)!;
          return { itemId: f.node.id, value: render(it.value, itemDisplay), rule: it.rule, dropped: it.dropped };
        }),
      groups: w.groups && {
        business: fixed(w.groups.business, scale),
        technical: fixed(w.groups.technical, scale),
        price: fixed(w.groups.price, scale),
        other: fixed(w.groups.other, scale),
      },
      total: render(w.total, scale),
    })),
    memberTotals,
    voidScores: sortByItem(voidScores, flat, (v) => [v.bidderId, v.itemId, v.memberId ?? ""]),
    disagreements,
    highway,
    flags: {
      deviation: deviation.map((d) => ({
        memberId: d.memberId,
        bidderId: d.bidderId,
        itemId: d.itemId,
        score: fixed(d.score, scale),
        reference: fixed(d.reference, DISPLAY_SCALE),
        devPct: d.devPct === null ? null : fixed(d.devPct, PCT_SCALE),
      })),
      belowMax: belowMax.map((d) => ({ memberId: d.memberId, bidderId: d.bidderId, itemId: d.itemId, score: fixed(d.score, scale), limit: fixed(d.limit, DISPLAY_SCALE) })),
    },
    sameBrand,
    ranking,
    tieBreaks,
    lots: lotsUsed,
    candidates,
    reasoningRequired,
  };
}

/** Sort records by bidder, then the item's position in the tree, then member (null first), keeping the rest stable. */
function sortByItem<T>(xs: T[], flat: FlatCriterion[], k: (x: T) => [string, string, string]): T[] {
  const pos = new Map(flat.map((f, i) => [f.node.id, i]));
  return [...xs].sort((a, b) => {
    const [ba, ia, ma] = k(a);
    const [bb, ib, mb] = k(b);
    return byId(ba, bb) || pos.get(ia)! - pos.get(ib)! || byId(ma, mb);
  });
}
