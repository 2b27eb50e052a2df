import { z } from "zod";
import { Dec, MONEY_RE, PARAM_RE } from "./decimal";

/**
 * The evaluation method as data (R46, EV5–EV7): one configuration model for every method, frozen into the section
 * at publication, rendered by the review-room screens (EV6) and executed by `evaluate` (evaluate.ts). Every number
 * is a decimal string (decimal.ts); every list and string has a bound, so a hostile configuration cannot make the
 * engine loop or allocate without limit. Publication rules (group sums, ZFCG price share…) are in validate.ts; this
 * file only says what a well-formed configuration is.
 *
 * Field-by-field meaning and the defaults are specified in docs/evaluation-appendix.md §4.
 */

export const LIMITS = {
  criteria: 100, // nodes in the criteria tree
  depth: 3, // group item → sub-item → sub-sub-item
  options: 20,
  review: 200,
  trimRows: 20,
  adjustments: 50,
  deductions: 10,
  chain: 5,
  label: 200,
  bids: 200,
  members: 25,
  scoresPerSheet: 20_000,
  lots: 200,
} as const;

/** Identifiers (bidders, members, items): ASCII, so that every implementation sorts them the same way. */
export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const IdSchema = z.string().regex(ID_RE, "an identifier: ASCII letters, digits and . _ : - (≤ 64)");

// eslint-disable-next-line no-control-regex
const CONTROL_OR_LONE_SURROGATE = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Free text (labels, names, reasons): no control characters, well-formed UTF-16. */
export const textSchema = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL_OR_LONE_SURROGATE.test(s), "no control characters or lone surrogates");

/** A decimal parameter string within [min, max]. */
export const decimalSchema = (min: string, max: string, re: RegExp = PARAM_RE) =>
  z
    .string()
    .regex(re, "a plain decimal string")
    .refine((s) => {
      const d = new Dec(s);
      return d.gte(min) && d.lte(max);
    }, `between ${min} and ${max}`);

export const MoneySchema = z.string().regex(MONEY_RE, "money in yuan: a plain decimal with at most 2 decimals");

export const REGIMES = ["ZTB", "ZFCG"] as const;
export type Regime = (typeof REGIMES)[number];

export const METHOD_KINDS = [
  "ZTB_LOWEST_EVALUATED", // 经评审的最低投标价法 (评标规定30–33)
  "ZTB_COMPREHENSIVE", // 综合评估法 (评标规定34–37)
  "ZTB_REASONABLE_LOW", // 合理低价法 (公路范本): price is the only scored factor
  "ZTB_MEAN_PRICE", // 平均值法: base = mean of the valid bids, S = F × (1 − |P − B| / B)
  "ZFCG_LOWEST", // 最低评标价法 (87号令54, 56)
  "ZFCG_COMPREHENSIVE", // 综合评分法 (87号令55, 57), 低价优先法 only
] as const;
export type MethodKind = (typeof METHOD_KINDS)[number];
export const regimeOf = (kind: MethodKind): Regime => (kind.startsWith("ZFCG") ? "ZFCG" : "ZTB");
export const isScoredKind = (kind: MethodKind) => kind !== "ZTB_LOWEST_EVALUATED" && kind !== "ZFCG_LOWEST";

// ---------------------------------------------------------------------------------------------------------------
// Criteria tree (EV5, EV6)
// ---------------------------------------------------------------------------------------------------------------

export const GROUPS = ["business", "technical", "price", "other"] as const; // 商务 / 技术 / 价格 / 其他
export type Group = (typeof GROUPS)[number];

/** pass_fail = 合格/不合格 (0 points); fixed = one of `options` (固定分值); range = any value in `bounds` (酌情打分);
 * deduction = max minus multiples of `step` (扣分制); formula = computed by the engine (the price score). */
export const MODES = ["pass_fail", "fixed", "range", "deduction", "formula"] as const;
export type Mode = (typeof MODES)[number];

const ScoreValue = decimalSchema("0", "1000");

export type Criterion = {
  id: string;
  label: string;
  /** 分值: the points this node can give. A parent's max is the sum of its children's (validate.ts). */
  max: string;
  /** Required on top-level nodes; children inherit it (a different value is refused by validate.ts). */
  group?: Group;
  /** Leaves only. */
  mode?: Mode;
  /** 客观分: every member must give the same value (87号令64(3)); it may also be entered once for the committee. */
  objective?: boolean;
  /** `fixed`: the allowed values, e.g. ["10", "7", "3", "0"] (优/良/一般/差). */
  options?: string[];
  /** `range` / `deduction`: the allowed interval [low, high]; default [0, max]. */
  bounds?: [string, string];
  /** `deduction`: the deduction per fault; a score must be max − k·step (or the lower bound). */
  step?: string;
  /** A score below ratio × max needs a written reason (公路范本 variant, EV18); overrides flags.belowMaxRatio. */
  minExplainRatio?: string;
  /** A qualification condition (资格条件): it may be reviewed pass/fail but never scored (87号令55, 17; EV5). */
  qualification?: boolean;
  children?: Criterion[];
};

export const CriterionSchema: z.ZodType<Criterion> = z.lazy(() =>
  z
    .object({
      id: IdSchema,
      label: textSchema(LIMITS.label),
      max: ScoreValue,
      group: z.enum(GROUPS).optional(),
      mode: z.enum(MODES).optional(),
      objective: z.boolean().optional(),
      options: z.array(ScoreValue).min(1).max(LIMITS.options).optional(),
      bounds: z.tuple([ScoreValue, ScoreValue]).optional(),
      step: decimalSchema("0.0001", "1000").optional(),
      minExplainRatio: decimalSchema("0", "1").optional(),
      qualification: z.boolean().optional(),
      children: z.array(CriterionSchema).min(1).max(LIMITS.criteria).optional(),
    })
    .strict()
    .superRefine((c, ctx) => {
      if (c.children && c.mode) ctx.addIssue({ code: "custom", message: "a parent node has no mode" });
      if (!c.children && !c.mode) ctx.addIssue({ code: "custom", message: "a leaf needs a mode" });
      if (c.mode === "fixed" && !c.options) ctx.addIssue({ code: "custom", message: "a fixed item needs options" });
      if (c.options && c.mode !== "fixed") ctx.addIssue({ code: "custom", message: "options only on fixed items" });
      if (c.bounds && c.mode !== "range" && c.mode !== "deduction") ctx.addIssue({ code: "custom", message: "bounds only on range/deduction items" });
      if (c.step && c.mode !== "deduction") ctx.addIssue({ code: "custom", message: "step only on deduction items" });
      if (c.mode === "pass_fail" && !new Dec(c.max).isZero()) ctx.addIssue({ code: "custom", message: "a pass_fail item has max 0" });
    }),
);

// ---------------------------------------------------------------------------------------------------------------
// Compliance review items (初步评审: form, qualification, responsiveness; ZFCG 资格审查 / 符合性审查)
// ---------------------------------------------------------------------------------------------------------------

export const REVIEW_STAGES = ["form", "qualification", "responsiveness", "compliance"] as const;
export const ReviewItemSchema = z.object({ id: IdSchema, label: textSchema(LIMITS.label), stage: z.enum(REVIEW_STAGES) }).strict();
export type ReviewItem = z.infer<typeof ReviewItemSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Benchmark price (评标基准价), price score, rounding
// ---------------------------------------------------------------------------------------------------------------

/** How many bids a trimming row drops on one side: a fixed count, or ⌊n / per⌋ (石首: per = 6, TV-E7). */
export const DropCountSchema = z.union([z.number().int().min(0).max(100), z.object({ per: z.number().int().min(2).max(100) }).strict()]);
export type DropCount = z.infer<typeof DropCountSchema>;

/** One row of a trimming table: applies when minN ≤ n ≤ maxN (maxN absent = no upper bound); first match wins. */
export const TrimRowSchema = z
  .object({
    minN: z.number().int().min(0).max(LIMITS.bids),
    maxN: z.number().int().min(0).max(LIMITS.bids).optional(),
    dropHigh: DropCountSchema,
    dropLow: DropCountSchema,
  })
  .strict();
export type TrimRow = z.infer<typeof TrimRowSchema>;

export const FactorSchema = z.discriminatedUnion("kind", [
  /** B = M × K (下浮系数, e.g. 0.97). */
  z.object({ kind: z.literal("K"), value: decimalSchema("0.5", "1.5") }).strict(),
  /** B = M × (1 − value / 100) (下浮 x %). */
  z.object({ kind: z.literal("downward_pct"), value: decimalSchema("0", "50") }).strict(),
]);

export const BenchmarkSchema = z
  .object({
    /** lowest = min; mean = plain mean; trimmed_mean = mean after the trimming table; composite = plug-in (A·wA + B·wB + C·wC). */
    source: z.enum(["lowest", "mean", "trimmed_mean", "composite"]),
    trim: z.array(TrimRowSchema).min(1).max(LIMITS.trimRows).optional(),
    factor: FactorSchema.optional(),
    /** composite: weights of the three components; the components themselves are inputs (drawn at the opening). */
    composite: z.object({ weights: z.object({ A: decimalSchema("0", "1"), B: decimalSchema("0", "1"), C: decimalSchema("0", "1") }).strict() }).strict().optional(),
    /** The price a bid is compared with: the bid price, or the bid price minus its provisional sums (暂列金额/暂估价, 合理低价法). */
    priceBasis: z.enum(["bid", "excluding_provisional"]).default("bid"),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.source === "trimmed_mean" && !b.trim) ctx.addIssue({ code: "custom", message: "trimmed_mean needs a trimming table" });
    if (b.source !== "trimmed_mean" && b.trim) ctx.addIssue({ code: "custom", message: "a trimming table only with trimmed_mean" });
    if (b.source === "composite" && !b.composite) ctx.addIssue({ code: "custom", message: "composite needs weights" });
    if (b.source !== "composite" && b.composite) ctx.addIssue({ code: "custom", message: "weights only with composite" });
  });
export type Benchmark = z.infer<typeof BenchmarkSchema>;

const Points = decimalSchema("0", "1000");
const PerPct = decimalSchema("0", "100");
export const PriceScoreSchema = z.discriminatedUnion("kind", [
  /** S = full × B / P (87号令55). */
  z.object({ kind: z.literal("low_price_priority"), full: Points }).strict(),
  /** S = full − E1·dev% above the base, full − E2·|dev%| at or below; capped deduction; floor 0 (标准施工招标文件 2.2.4(3)). */
  z.object({ kind: z.literal("linear_deviation"), full: Points, E1: PerPct, E2: PerPct, maxDeduction: Points.optional() }).strict(),
  /** S = full × (1 − |dev%| / 100) (平均值法). */
  z.object({ kind: z.literal("ratio_deviation"), full: Points, maxDeduction: Points.optional() }).strict(),
  /** S = full × (1 − n·|dev%| / 100), n = nAbove above the base, nBelow at or below. */
  z.object({ kind: z.literal("n_factor"), full: Points, nAbove: decimalSchema("0", "100"), nBelow: decimalSchema("0", "100"), maxDeduction: Points.optional() }).strict(),
]);
export type PriceScore = z.infer<typeof PriceScoreSchema>;

export const RoundingSchema = z
  .object({
    /** Scores (price score, group totals, totals) are kept to `scale` decimals, half-up (保留两位小数，第三位四舍五入). */
    scale: z.number().int().min(0).max(4).default(2),
    mode: z.literal("HALF_UP").default("HALF_UP"),
    /** Aggregated item scores when rounded per item (default = scale; the 公路范本 9-member rule uses 3). */
    itemScale: z.number().int().min(0).max(6).optional(),
    /** Round the benchmark price to this many decimals (the Gansu system: 2). Absent = unrounded. */
    baseScale: z.number().int().min(0).max(6).optional(),
    /** Round the ratio (P − B) / B to this many decimals before × 100 (the Gansu system: 4). */
    devRatioScale: z.number().int().min(2).max(8).optional(),
    /** Round dev% to this many decimals before scoring ("dev rounded first"); absent = exact (TV-E1). */
    devPctScale: z.number().int().min(0).max(6).optional(),
    /** true = keep every item exact and round only the total; false = round each aggregated item and the price score. */
    aggregateBeforeRound: z.boolean().default(false),
  })
  .strict();
export type Rounding = z.infer<typeof RoundingSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Aggregation, flags, ties, candidates, leader, corrections
// ---------------------------------------------------------------------------------------------------------------

export const SUBJECTIVE_RULES = ["mean", "trimmed_1_1_if_n_ge_5", "highway_9_member"] as const;
export type SubjectiveRule = (typeof SUBJECTIVE_RULES)[number];

export const AggregationSchema = z
  .object({
    subjective: z.enum(SUBJECTIVE_RULES).default("mean"),
    objective: z.literal("must_agree").default("must_agree"),
    /** A different rule for the subjective items of one group (公路范本: commercial items = plain mean). */
    byGroup: z.object({ business: z.enum(SUBJECTIVE_RULES), technical: z.enum(SUBJECTIVE_RULES), other: z.enum(SUBJECTIVE_RULES) }).partial().strict().default({}),
    /** An out-of-range or duplicate single score: void (excluded, a provincial 房建 rule) or block (the committee must fix it, R48). */
    invalidScore: z.enum(["void", "block"]).default("block"),
  })
  .strict();
export type Aggregation = z.infer<typeof AggregationSchema>;

export const TIE_STEPS = ["price_asc", "tech_desc", "business_desc", "tenderer_decides", "lot"] as const;
export type TieStep = (typeof TIE_STEPS)[number];
export const TieBreakSchema = z.object({ chain: z.array(z.enum(TIE_STEPS)).max(LIMITS.chain) }).strict();

export const FlagsSchema = z
  .object({
    /** EV18: |s − ref| / ref > thresholdPct % flags a member's score; ref = mean of the other members (default) or of all. */
    deviation: z
      .object({ reference: z.enum(["others", "all"]).default("others"), thresholdPct: decimalSchema("0", "1000").default("30") })
      .strict()
      .default({}),
    /** A score below ratio × max needs a reason (off when absent; a criterion's minExplainRatio overrides). */
    belowMaxRatio: decimalSchema("0", "1").optional(),
    /** EV14: flag a price at least thresholdPct % below the mean of the other valid bids. Never rejects. */
    abnormallyLow: z.object({ thresholdPct: decimalSchema("0", "100").default("20") }).strict().default({}),
  })
  .strict();

export const LeaderSchema = z
  .object({
    /** EV3: elected by the members (default), or appointed by the tendering unit (ZTB only, 评标规定9). */
    chosenBy: z.enum(["election", "appointed"]).default("election"),
    maxRounds: z.number().int().min(1).max(10).default(3),
    /** EV16: after maxRounds tied rounds — a lot among the tied, or appointment by the tendering unit (ZTB only). */
    fallback: z.enum(["lot", "appointment"]).default("lot"),
  })
  .strict();

export const PolicyDeductionSchema = z.object({ id: IdSchema, label: textSchema(LIMITS.label), pct: decimalSchema("0", "50") }).strict();
export type PolicyDeduction = z.infer<typeof PolicyDeductionSchema>;

export const AdjustmentFactorSchema = z.discriminatedUnion("kind", [
  /** 单价遗漏: add quantity × the highest (mean, lowest) unit price the other valid bids offer for the item. */
  z.object({ kind: z.literal("missing_item"), id: IdSchema, label: textSchema(LIMITS.label), reference: z.enum(["highest_other", "mean_other", "lowest_other"]) }).strict(),
  /** e.g. 付款条件: each point of `value` above (below) `threshold` adds ratePct % of the bid price. */
  z
    .object({
      kind: z.literal("deviation_rate"),
      id: IdSchema,
      label: textSchema(LIMITS.label),
      threshold: decimalSchema("0", "1000000"),
      direction: z.enum(["above", "below"]),
      ratePct: decimalSchema("0", "100"),
    })
    .strict(),
  /** A committee-quantified amount with its explanation (minor deviations, 评标规定26). */
  z.object({ kind: z.literal("amount"), id: IdSchema, label: textSchema(LIMITS.label) }).strict(),
]);
export type AdjustmentFactor = z.infer<typeof AdjustmentFactorSchema>;

const base = {
  review: z.array(ReviewItemSchema).max(LIMITS.review).default([]),
  criteria: z.array(CriterionSchema).max(LIMITS.criteria).default([]),
  rounding: RoundingSchema.default({}),
  tieBreak: TieBreakSchema,
  flags: FlagsSchema.default({}),
  /** R47/EV10: ZTB at most 3 ranked candidates; ZFCG documents usually ask for 3 (unconfirmed). */
  candidates: z.object({ count: z.number().int().min(1).max(10).default(3) }).strict().default({}),
  /** R45/EV10: fewer than `min` valid bids → fail (ZFCG 废标) or record the committee's reasoning (ZTB). */
  tooFew: z.object({ min: z.number().int().min(1).max(10).default(3), action: z.enum(["fail", "record_reasoning"]) }).strict(),
  leader: LeaderSchema.default({}),
  /** R43: the correction order applied by corrections.ts (评标规定19 vs 87号令59). */
  corrections: z.object({ order: z.enum(REGIMES) }).strict(),
};

const scored = {
  /** The declared total of the scored groups (usually 100). */
  total: decimalSchema("1", "1000").default("100"),
  benchmark: BenchmarkSchema,
  priceScore: PriceScoreSchema,
  aggregation: AggregationSchema.default({}),
};

const zfcg = {
  policyDeductions: z.array(PolicyDeductionSchema).max(LIMITS.deductions).default([]),
  /** 87号令31: bids offering the same brand (of the core product) count once. */
  sameBrand: z.boolean().default(true),
};

export const MethodConfigSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("ZTB_LOWEST_EVALUATED"), ...base, adjustments: z.array(AdjustmentFactorSchema).max(LIMITS.adjustments).default([]) }).strict(),
  z.object({ kind: z.literal("ZFCG_LOWEST"), ...base, ...zfcg }).strict(),
  z.object({ kind: z.literal("ZTB_COMPREHENSIVE"), ...base, ...scored }).strict(),
  z.object({ kind: z.literal("ZTB_REASONABLE_LOW"), ...base, ...scored }).strict(),
  z.object({ kind: z.literal("ZTB_MEAN_PRICE"), ...base, ...scored }).strict(),
  z.object({ kind: z.literal("ZFCG_COMPREHENSIVE"), ...base, ...scored, ...zfcg }).strict(),
]);

export type MethodConfig = z.output<typeof MethodConfigSchema>;
export type MethodConfigInput = z.input<typeof MethodConfigSchema>;
/** The input shape of one kind. */
export type MethodConfigInputOf<K extends MethodKind> = Extract<MethodConfigInput, { kind: K }>;
export type ScoredMethodConfig = Extract<MethodConfig, { kind: "ZTB_COMPREHENSIVE" | "ZTB_REASONABLE_LOW" | "ZTB_MEAN_PRICE" | "ZFCG_COMPREHENSIVE" }>;
export const isScored = (c: MethodConfig): c is ScoredMethodConfig => isScoredKind(c.kind);

/** Leaves and parents of the tree in depth-first order, with their depth and top-level group. */
export type FlatCriterion = { node: Criterion; depth: number; group: Group; parentId: string | null; leaf: boolean };
export function flattenCriteria(criteria: readonly Criterion[]): FlatCriterion[] {
  const out: FlatCriterion[] = [];
  const walk = (nodes: readonly Criterion[], depth: number, group: Group | undefined, parentId: string | null) => {
    for (const node of nodes) {
      const g = (depth === 1 ? node.group : group) ?? "other";
      out.push({ node, depth, group: g, parentId, leaf: !node.children });
      if (node.children) walk(node.children, depth + 1, g, node.id);
    }
  };
  walk(criteria, 1, undefined, null);
  return out;
}

/** Structural checks Zod cannot express per node: unique ids, depth, node count, top-level groups. */
function checkTree(config: { criteria: Criterion[]; review: ReviewItem[] }, ctx: z.RefinementCtx) {
  const flat = flattenCriteria(config.criteria);
  if (flat.length > LIMITS.criteria) ctx.addIssue({ code: "custom", path: ["criteria"], message: `at most ${LIMITS.criteria} criteria` });
  if (flat.some((f) => f.depth > LIMITS.depth)) ctx.addIssue({ code: "custom", path: ["criteria"], message: `at most ${LIMITS.depth} levels` });
  config.criteria.forEach((c, i) => {
    if (!c.group) ctx.addIssue({ code: "custom", path: ["criteria", i, "group"], message: "a top-level criterion needs a group" });
  });
  const ids = new Set<string>();
  for (const id of [...flat.map((f) => f.node.id), ...config.review.map((r) => r.id)]) {
    if (ids.has(id)) ctx.addIssue({ code: "custom", path: ["criteria"], message: `duplicate id ${id}` });
    ids.add(id);
  }
}

/** Parse a configuration (defaults filled); throws a ZodError on anything malformed. */
export function parseMethodConfig(value: unknown): MethodConfig {
  return MethodConfigSchema.superRefine(checkTree).parse(value);
}
export function safeParseMethodConfig(value: unknown) {
  return MethodConfigSchema.superRefine(checkTree).safeParse(value);
}

/** Defaults a tender form would start from, per regime (EV1, EV3, EV8, EV9, EV10). */
export function defaultsFor(kind: MethodKind): Pick<MethodConfigInput, "tieBreak" | "tooFew" | "corrections"> {
  const regime = regimeOf(kind);
  return {
    // EV8: ZTB equal → lower bid price → the tenderer decides. EV9: ZFCG lowest → 并列; comprehensive → price → 并列.
    tieBreak: { chain: regime === "ZTB" ? ["price_asc", "tenderer_decides"] : kind === "ZFCG_LOWEST" ? [] : ["price_asc"] },
    tooFew: { min: 3, action: regime === "ZFCG" ? "fail" : "record_reasoning" },
    corrections: { order: regime },
  };
}

/**
 * The earlier tender form's simple spec, as drafts saved before the MethodConfig form still hold it in
 * sections.evaluation (read through sectionMethod; the next save or the publication stores a MethodConfig).
 */
export type LegacyEvaluationSpec = {
  method: "lowest_evaluated_price" | "comprehensive";
  criteria: { code: string; name: string; kind: "price" | "technical" | "commercial"; weight: number; max: number }[];
  priceFormula?: "lowest_over_price" | "benchmark_deviation";
};

/**
 * The old, simple spec of the tender form (LegacyEvaluationSpec) → the new configuration. Old criteria become
 * leaves whose points are their weights (the old `max` scale is not kept: members score in points of the weight);
 * technical → technical, commercial → business, price → the price formula. `lowest_over_price` → 低价优先法 on the
 * lowest valid price; `benchmark_deviation` → linear deviation from the plain mean with E1 = 2, E2 = 1 (the typical
 * clause; the old spec has no parameters, so the tender form must ask for them before publication).
 */
export function fromLegacySpec(old: LegacyEvaluationSpec, regime: Regime = "ZTB"): MethodConfig {
  if (old.method === "lowest_evaluated_price") {
    const kind = regime === "ZFCG" ? "ZFCG_LOWEST" : "ZTB_LOWEST_EVALUATED";
    return parseMethodConfig({ kind, ...defaultsFor(kind) });
  }
  const kind = regime === "ZFCG" ? "ZFCG_COMPREHENSIVE" : "ZTB_COMPREHENSIVE";
  const weight = (w: number) => {
    const s = new Dec(String(w)).toDecimalPlaces(4).toFixed();
    return s;
  };
  const price = old.criteria.find((c) => c.kind === "price");
  const full = price ? weight(price.weight) : "0";
  const criteria: Criterion[] = old.criteria.map((c) =>
    c.kind === "price"
      ? { id: c.code, label: c.name, max: weight(c.weight), group: "price", mode: "formula" }
      : { id: c.code, label: c.name, max: weight(c.weight), group: c.kind === "technical" ? "technical" : "business", mode: "range" },
  );
  const total = old.criteria.reduce((s, c) => s.plus(weight(c.weight)), new Dec(0));
  const deviation = old.priceFormula === "benchmark_deviation";
  return parseMethodConfig({
    kind,
    ...defaultsFor(kind),
    total: total.gte(1) && total.lte(1000) ? total.toFixed() : "100",
    criteria,
    benchmark: { source: deviation ? "mean" : "lowest" },
    priceScore: deviation ? { kind: "linear_deviation", full, E1: "2", E2: "1" } : { kind: "low_price_priority", full },
  });
}
