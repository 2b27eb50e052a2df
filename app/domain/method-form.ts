import { z } from "zod";
import { Dec, dsum, PARAM_RE } from "./evaluation/decimal";
import {
  defaultsFor,
  flattenCriteria,
  GROUPS,
  ID_RE,
  isScoredKind,
  LIMITS,
  METHOD_KINDS,
  MODES,
  parseMethodConfig,
  regimeOf,
  REVIEW_STAGES,
  safeParseMethodConfig,
  SUBJECTIVE_RULES,
  TIE_STEPS,
  type AdjustmentFactor,
  type Benchmark,
  type Criterion,
  type DropCount,
  type Group,
  type MethodConfig,
  type MethodConfigInput,
  type MethodKind,
  type PriceScore,
  type Regime,
  type ReviewItem,
  type TrimRow,
} from "./evaluation/method";
import { defaultReviewItems } from "./evaluation/review-defaults";
import { sectionMethod } from "./evaluation/section-method";
import { MAX_ADJUSTMENTS_PER_SECTION, MAX_CRITERIA_PER_SECTION, MAX_POLICY_DEDUCTIONS, MAX_REVIEW_ITEMS_PER_SECTION, MAX_TRIM_ROWS } from "./limits";

/**
 * The evaluation method of one section as the tender form edits it, and the exact mapping between the form's fields
 * and the engine's MethodConfig (app/domain/evaluation/method.ts) — both ways, so that a saved configuration opens in
 * the form and saves back unchanged (`methodFromFields(methodFormValues(c)) = c` for every configuration the form can
 * express). The form's fields are plain strings (Conform field names under `sections[i].`); every list has its bound
 * (app/domain/limits.ts, within the engine's LIMITS); errors are common:errors.* keys placed on the field's path.
 *
 * The criteria tree is edited as rows in depth-first order with a level (1…3): a row's parent is the nearest row
 * above it with a lower level. A parent's points may be left blank (= the sum of its children). Blank rows are
 * ignored; blank codes are generated (B1, T1, P1, O1 by group; F/Q/S/C1 by review stage).
 *
 * Lists and check boxes cannot say "not sent" in a form, so `shownKind` (a hidden field: the method the fields were
 * rendered for) tells them apart: when it is absent or differs from the chosen method (a caller that sends no
 * method fields, or a method changed without JavaScript), missing lists and check boxes take the new method's
 * defaults (`defaultMethodConfig`); otherwise a missing list is empty and a missing check box is off. A missing
 * group of scalar fields (rounding, flags…) or a blank scalar with a default always takes the default.
 */

// ---------------------------------------------------------------------------------------------------------------
// Kinds by regime, legacy names
// ---------------------------------------------------------------------------------------------------------------

export const KINDS_OF: Record<Regime, readonly MethodKind[]> = {
  ZTB: METHOD_KINDS.filter((k) => regimeOf(k) === "ZTB"),
  ZFCG: METHOD_KINDS.filter((k) => regimeOf(k) === "ZFCG"),
};
export const lowestKindOf = (regime: Regime): MethodKind => (regime === "ZTB" ? "ZTB_LOWEST_EVALUATED" : "ZFCG_LOWEST");

/** The earlier form's method names, still accepted (API callers, old fixtures): resolved by the project's regime. */
const LEGACY_KINDS: Record<string, Record<Regime, MethodKind>> = {
  lowest_evaluated_price: { ZTB: "ZTB_LOWEST_EVALUATED", ZFCG: "ZFCG_LOWEST" },
  comprehensive: { ZTB: "ZTB_COMPREHENSIVE", ZFCG: "ZFCG_COMPREHENSIVE" },
};

/** A method kind named in the form (a kind, or a legacy name resolved for the regime); null when unknown. */
export function resolveKind(value: string | undefined, regime: Regime): MethodKind | null {
  // A re-shown form may carry anything a request sent (two `method` fields make an array): only a string counts.
  const v = typeof value === "string" ? value.trim() : "";
  if ((METHOD_KINDS as readonly string[]).includes(v)) return v as MethodKind;
  return LEGACY_KINDS[v]?.[regime] ?? null;
}

export const BENCHMARK_SOURCES = ["lowest", "mean", "trimmed_mean", "composite"] as const;
export const PRICE_SCORE_KINDS = ["low_price_priority", "linear_deviation", "ratio_deviation", "n_factor"] as const;
export const FACTOR_KINDS = ["none", "K", "downward_pct"] as const;
export const ADJUSTMENT_KINDS = ["missing_item", "deviation_rate", "amount"] as const;
export const ADJUSTMENT_REFERENCES = ["highest_other", "mean_other", "lowest_other"] as const;

// ---------------------------------------------------------------------------------------------------------------
// Defaults a new section starts from
// ---------------------------------------------------------------------------------------------------------------

const leaf = (id: string, label: string, max: string, mode: Criterion["mode"], extra: Partial<Criterion> = {}): Criterion => ({ id, label, max, mode, ...extra });

/** Trimming table of the default benchmark (thebid-style, docs/evaluation-rules.md §1.6(b)): n ≤ 4 → none, n ≥ 5 → 1 high, 1 low. */
const DEFAULT_TRIM: TrimRow[] = [
  { minN: 0, maxN: 4, dropHigh: 0, dropLow: 0 },
  { minN: 5, dropHigh: 1, dropLow: 1 },
];

/** Document text of the default criteria (the labels are data, like the review items in review-defaults.ts). */
function scoredDefaults(kind: MethodKind): Pick<MethodConfigInput & { kind: "ZTB_COMPREHENSIVE" }, "criteria" | "benchmark" | "priceScore"> | null {
  switch (kind) {
    case "ZTB_COMPREHENSIVE": // 标准施工招标文件 第三章 2.2.1 shape: 商务 10, 技术 30, 价格 60
      return {
        criteria: [
          { id: "B", label: "商务部分", max: "10", group: "business", children: [leaf("B1", "类似工程业绩", "5", "fixed", { objective: true, options: ["5", "3", "0"] }), leaf("B2", "企业信誉", "5", "fixed", { objective: true, options: ["5", "3", "0"] })] },
          { id: "T", label: "技术部分", max: "30", group: "technical", children: [leaf("T1", "施工组织设计", "20", "range"), leaf("T2", "项目管理机构", "10", "range")] },
          leaf("P", "投标报价", "60", "formula", { group: "price" }),
        ],
        benchmark: { source: "trimmed_mean", trim: DEFAULT_TRIM },
        priceScore: { kind: "linear_deviation", full: "60", E1: "2", E2: "1" },
      };
    case "ZTB_REASONABLE_LOW": // 合理低价法: only the price is scored
      return {
        criteria: [leaf("P", "投标报价", "100", "formula", { group: "price" })],
        benchmark: { source: "trimmed_mean", trim: DEFAULT_TRIM },
        priceScore: { kind: "linear_deviation", full: "100", E1: "2", E2: "1" },
      };
    case "ZTB_MEAN_PRICE": // 平均值法: B = mean, S = F × (1 − |P − B| / B)
      return {
        criteria: [leaf("B1", "企业业绩与信誉", "20", "range", { group: "business" }), leaf("T1", "施工组织设计", "40", "range", { group: "technical" }), leaf("P", "投标报价", "40", "formula", { group: "price" })],
        benchmark: { source: "mean" },
        priceScore: { kind: "ratio_deviation", full: "40" },
      };
    case "ZFCG_COMPREHENSIVE": // 87号令55: technical 50, commercial 20, price 30, 低价优先法
      return {
        criteria: [
          { id: "T", label: "技术部分", max: "50", group: "technical", children: [leaf("T1", "技术参数响应", "35", "range"), leaf("T2", "实施方案", "15", "range")] },
          { id: "B", label: "商务部分", max: "20", group: "business", children: [leaf("B1", "售后服务", "10", "range"), leaf("B2", "类似项目业绩", "10", "fixed", { objective: true, options: ["10", "5", "0"] })] },
          leaf("P", "价格", "30", "formula", { group: "price" }),
        ],
        benchmark: { source: "lowest" },
        priceScore: { kind: "low_price_priority", full: "30" },
      };
    default:
      return null;
  }
}

/**
 * The configuration a new section of this kind starts from: the regime's defaults (defaultsFor: tie chain, too few
 * bids, correction order), the review items of docs/evaluation-rules.md §3.1, and for the scored kinds a criteria tree, a
 * benchmark and a price formula that pass publication; ZFCG kinds carry the small-enterprise price deduction
 * (财库〔2020〕46号: 6–10 % for goods and services).
 */
export function defaultMethodConfig(kind: MethodKind): MethodConfig {
  const regime = regimeOf(kind);
  const zfcg = regime === "ZFCG" ? { policyDeductions: [{ id: "SME", label: "小微企业价格扣除", pct: "10" }], sameBrand: true } : {};
  return parseMethodConfig({ kind, ...defaultsFor(kind), review: defaultReviewItems(regime), ...(scoredDefaults(kind) ?? {}), ...zfcg });
}

// ---------------------------------------------------------------------------------------------------------------
// The form's fields (under sections[i].)
// ---------------------------------------------------------------------------------------------------------------

const str = (max: number) => z.string().max(max, "tooLong").optional();
const short = str(40);
const code = str(64);
const label = str(LIMITS.label);

const ReviewRowSchema = z.object({ code, stage: short, label });
const CriterionRowSchema = z.object({
  code,
  level: short,
  group: short,
  label,
  max: short,
  mode: short,
  objective: short,
  qualification: short,
  options: str(200),
  low: short,
  high: short,
  step: short,
  minExplainRatio: short,
});
const TrimRowSchema = z.object({ minN: short, maxN: short, dropHigh: short, dropLow: short });
const DeductionRowSchema = z.object({ code, label, pct: short });
const AdjustmentRowSchema = z.object({ code, kind: short, label, reference: short, threshold: short, direction: short, ratePct: short });

/** The method fields of one section, as sent (every value a bounded string; every list bounded). */
export const METHOD_FIELDS = {
  method: z.string({ required_error: "required" }).max(40, "invalid"),
  shownKind: short,
  review: z.array(ReviewRowSchema).max(MAX_REVIEW_ITEMS_PER_SECTION, "tooMany").optional(),
  criteria: z.array(CriterionRowSchema).max(MAX_CRITERIA_PER_SECTION, "tooMany").optional(),
  total: short,
  benchmark: z.object({ source: short, factor: short, factorValue: short, priceBasis: short, compositeA: short, compositeB: short, compositeC: short }).optional(),
  trim: z.array(TrimRowSchema).max(MAX_TRIM_ROWS, "tooMany").optional(),
  priceScore: z.object({ kind: short, E1: short, E2: short, maxDeduction: short, nAbove: short, nBelow: short }).optional(),
  rounding: z.object({ scale: short, itemScale: short, baseScale: short, devRatioScale: short, devPctScale: short, aggregateBeforeRound: short }).optional(),
  aggregation: z.object({ subjective: short, business: short, technical: short, other: short, invalidScore: short }).optional(),
  flags: z.object({ reference: short, thresholdPct: short, belowMaxRatio: short, abnormallyLowPct: short }).optional(),
  tieChain: z.array(short).max(LIMITS.chain, "tooMany").optional(),
  candidates: short,
  tooFewMin: short,
  tooFewAction: short,
  leader: z.object({ chosenBy: short, maxRounds: short, fallback: short }).optional(),
  policyDeductions: z.array(DeductionRowSchema).max(MAX_POLICY_DEDUCTIONS, "tooMany").optional(),
  sameBrand: short,
  adjustments: z.array(AdjustmentRowSchema).max(MAX_ADJUSTMENTS_PER_SECTION, "tooMany").optional(),
};
export const MethodFieldsSchema = z.object(METHOD_FIELDS);
export type MethodFields = z.infer<typeof MethodFieldsSchema>;
/** The same fields as the form shows them (all optional strings): what `methodFormValues` produces. */
export type MethodFormValues = Partial<MethodFields>;

// ---------------------------------------------------------------------------------------------------------------
// Fields → configuration
// ---------------------------------------------------------------------------------------------------------------

export type FieldIssue = (path: (string | number)[], message: string) => void;

const isBlank = (v: string | undefined | null) => v == null || v.trim() === "";
const CHECKED = new Set(["on", "true", "1"]);
const isChecked = (v: string | undefined) => v !== undefined && CHECKED.has(v.trim());
const GROUP_LETTER: Record<Group, string> = { business: "B", technical: "T", price: "P", other: "O" };
const STAGE_LETTER: Record<ReviewItem["stage"], string> = { form: "F", qualification: "Q", responsiveness: "S", compliance: "C" };

/** Field readers that report on a path and return undefined when the value is unusable. */
function readers(issue: FieldIssue) {
  const decimal = (path: (string | number)[], v: string | undefined, min: string, max: string, required: boolean): string | undefined => {
    if (isBlank(v)) {
      if (required) issue(path, "required");
      return undefined;
    }
    const s = v!.trim();
    if (!PARAM_RE.test(s) || new Dec(s).lt(min) || new Dec(s).gt(max)) {
      issue(path, "invalid");
      return undefined;
    }
    return s;
  };
  const integer = (path: (string | number)[], v: string | undefined, min: number, max: number, fallback: number | undefined): number | undefined => {
    if (isBlank(v)) return fallback;
    const s = v!.trim();
    const n = /^\d{1,4}$/.test(s) ? Number(s) : NaN;
    if (!(n >= min && n <= max)) {
      issue(path, "invalid");
      return fallback;
    }
    return n;
  };
  function choice<T extends string>(path: (string | number)[], v: string | undefined, options: readonly T[], fallback: T): T;
  function choice<T extends string>(path: (string | number)[], v: string | undefined, options: readonly T[], fallback?: T): T | undefined;
  function choice<T extends string>(path: (string | number)[], v: string | undefined, options: readonly T[], fallback?: T): T | undefined {
    if (isBlank(v)) {
      if (fallback === undefined) issue(path, "required");
      return fallback;
    }
    const s = v!.trim() as T;
    if (!options.includes(s)) {
      issue(path, "invalid");
      return fallback;
    }
    return s;
  }
  /** An optional choice: blank = absent. */
  const optionalChoice = <T extends string>(path: (string | number)[], v: string | undefined, options: readonly T[]): T | undefined => {
    if (isBlank(v)) return undefined;
    if (!options.includes(v!.trim() as T)) {
      issue(path, "invalid");
      return undefined;
    }
    return v!.trim() as T;
  };
  const text = (path: (string | number)[], v: string | undefined): string | undefined => {
    if (isBlank(v)) {
      issue(path, "required");
      return undefined;
    }
    return v!.trim();
  };
  return { decimal, integer, choice, optionalChoice, text };
}

/** Codes: a typed one must be a valid, unused identifier; a blank one is generated after every typed one is known. */
class Codes {
  private taken = new Set<string>();
  private pending: { prefix: string; set: (id: string) => void }[] = [];
  constructor(private issue: FieldIssue) {}
  take(path: (string | number)[], v: string | undefined, prefix: string, set: (id: string) => void) {
    if (isBlank(v)) return void this.pending.push({ prefix, set });
    const s = v!.trim();
    if (!ID_RE.test(s)) this.issue(path, "invalid");
    else if (this.taken.has(s)) this.issue(path, "duplicate");
    this.taken.add(s);
    set(s);
  }
  assign() {
    for (const p of this.pending) {
      let n = 1;
      while (this.taken.has(`${p.prefix}${n}`)) n++;
      this.taken.add(`${p.prefix}${n}`);
      p.set(`${p.prefix}${n}`);
    }
    this.pending = [];
  }
}

function parseOptions(v: string | undefined): string[] | null {
  const parts = (v ?? "").split(/[\s,，、/／;；]+/).filter((p) => p !== "");
  if (parts.length < 1 || parts.length > LIMITS.options) return null;
  return parts.every((p) => PARAM_RE.test(p) && new Dec(p).lte(1000)) ? parts : null;
}

const DROP_PER_RE = /^n\s*\/\s*(\d{1,3})$/i;
/** A trimming row's drop count as typed: "1" (that many bids) or "n/6" (⌊n / 6⌋, TV-E7). */
export function parseDropCount(v: string | undefined): DropCount | null {
  const s = (v ?? "").trim();
  if (/^\d{1,3}$/.test(s) && Number(s) <= 100) return Number(s);
  const m = DROP_PER_RE.exec(s);
  return m && Number(m[1]) >= 2 && Number(m[1]) <= 100 ? { per: Number(m[1]) } : null;
}
export const formatDropCount = (d: DropCount): string => (typeof d === "number" ? String(d) : `n/${d.per}`);

type Row = { j: number; level: number; node: Criterion; children: Row[]; group?: Group; raw: NonNullable<MethodFields["criteria"]>[number] };

/**
 * The configuration the fields describe, or null (with every problem reported on its field's path, relative to the
 * section). `regime` is the project's; a method of the other regime is refused on `method`.
 */
export function methodFromFields(raw: MethodFields, regime: Regime, issue: FieldIssue): MethodConfig | null {
  let failed = false;
  const report: FieldIssue = (path, message) => {
    failed = true;
    issue(path, message);
  };
  const r = readers(report);
  const kind = resolveKind(raw.method, regime);
  if (!kind) {
    report(["method"], isBlank(raw.method) ? "required" : "invalid");
    return null;
  }
  if (regimeOf(kind) !== regime) {
    report(["method"], "methodRegime");
    return null;
  }
  const d = defaultMethodConfig(kind);
  const fresh = raw.shownKind?.trim() !== kind;
  const codes = new Codes(report);

  // Review items (初步评审).
  let review: ReviewItem[] = [];
  if (fresh && raw.review === undefined) review = d.review.map((x) => ({ ...x }));
  else
    (raw.review ?? []).forEach((row, k) => {
      if (!row || (isBlank(row.code) && isBlank(row.label))) return;
      const stage = r.choice(["review", k, "stage"], row.stage, REVIEW_STAGES, regime === "ZTB" ? "form" : "compliance");
      const item: ReviewItem = { id: "", stage, label: r.text(["review", k, "label"], row.label) ?? "" };
      codes.take(["review", k, "code"], row.code, STAGE_LETTER[stage], (id) => (item.id = id));
      review.push(item);
    });

  // The criteria tree (scored kinds only; the lowest-price kinds review pass/fail and score nothing).
  let criteria: Criterion[] = [];
  if (isScoredKind(kind)) {
    if (fresh && raw.criteria === undefined) criteria = structuredClone(d.criteria);
    else criteria = criteriaFromRows(raw.criteria ?? [], r, report, codes);
  }
  codes.assign();

  const base = {
    kind,
    review,
    criteria,
    tieBreak: { chain: tieChainOf(raw, fresh, d, report) },
    candidates: { count: r.integer(["candidates"], raw.candidates, 1, 10, d.candidates.count)! },
    tooFew: { min: r.integer(["tooFewMin"], raw.tooFewMin, 1, 10, d.tooFew.min)!, action: r.choice(["tooFewAction"], raw.tooFewAction, ["fail", "record_reasoning"] as const, d.tooFew.action) },
    corrections: { order: regime },
    leader: raw.leader
      ? {
          chosenBy: r.choice(["leader", "chosenBy"], raw.leader.chosenBy, ["election", "appointed"] as const, d.leader.chosenBy),
          maxRounds: r.integer(["leader", "maxRounds"], raw.leader.maxRounds, 1, 10, d.leader.maxRounds)!,
          fallback: r.choice(["leader", "fallback"], raw.leader.fallback, ["lot", "appointment"] as const, d.leader.fallback),
        }
      : d.leader,
    rounding: raw.rounding
      ? {
          scale: r.integer(["rounding", "scale"], raw.rounding.scale, 0, 4, d.rounding.scale)!,
          mode: "HALF_UP" as const,
          itemScale: r.integer(["rounding", "itemScale"], raw.rounding.itemScale, 0, 6, undefined),
          baseScale: r.integer(["rounding", "baseScale"], raw.rounding.baseScale, 0, 6, undefined),
          devRatioScale: r.integer(["rounding", "devRatioScale"], raw.rounding.devRatioScale, 2, 8, undefined),
          devPctScale: r.integer(["rounding", "devPctScale"], raw.rounding.devPctScale, 0, 6, undefined),
          aggregateBeforeRound: isChecked(raw.rounding.aggregateBeforeRound),
        }
      : d.rounding,
    flags: raw.flags
      ? {
          deviation: {
            reference: r.choice(["flags", "reference"], raw.flags.reference, ["others", "all"] as const, d.flags.deviation.reference),
            thresholdPct: r.decimal(["flags", "thresholdPct"], raw.flags.thresholdPct, "0", "1000", false) ?? d.flags.deviation.thresholdPct,
          },
          belowMaxRatio: r.decimal(["flags", "belowMaxRatio"], raw.flags.belowMaxRatio, "0", "1", false),
          abnormallyLow: { thresholdPct: r.decimal(["flags", "abnormallyLowPct"], raw.flags.abnormallyLowPct, "0", "100", false) ?? d.flags.abnormallyLow.thresholdPct },
        }
      : d.flags,
  };

  let config: MethodConfigInput;
  if (kind === "ZTB_LOWEST_EVALUATED") {
    const adjustments = fresh && raw.adjustments === undefined ? [] : adjustmentsFromRows(raw.adjustments ?? [], r, report);
    config = { ...base, kind, adjustments };
  } else {
    const zfcg =
      regime === "ZFCG"
        ? {
            policyDeductions: fresh && raw.policyDeductions === undefined && "policyDeductions" in d ? d.policyDeductions : deductionsFromRows(raw.policyDeductions ?? [], r, report),
            sameBrand: fresh && raw.sameBrand === undefined ? true : isChecked(raw.sameBrand),
          }
        : {};
    if (kind === "ZFCG_LOWEST") config = { ...base, kind, ...zfcg };
    else {
      const ds = d as Extract<MethodConfig, { benchmark: unknown }>;
      const formula = flattenCriteria(criteria).filter((f) => f.leaf && f.node.mode === "formula");
      const full = formula.length === 1 ? formula[0]!.node.max : "0";
      config = {
        ...base,
        kind,
        ...zfcg,
        total: r.decimal(["total"], raw.total, "1", "1000", false) ?? ds.total,
        benchmark: benchmarkOf(raw, fresh, ds.benchmark, r, report),
        priceScore: priceScoreOf(raw, full, ds.priceScore, r),
        aggregation: raw.aggregation
          ? {
              subjective: r.choice(["aggregation", "subjective"], raw.aggregation.subjective, SUBJECTIVE_RULES, ds.aggregation.subjective),
              objective: "must_agree",
              byGroup: Object.fromEntries(
                (["business", "technical", "other"] as const).flatMap((g) => {
                  const v = r.optionalChoice(["aggregation", g], raw.aggregation![g], SUBJECTIVE_RULES);
                  return v ? [[g, v]] : [];
                }),
              ),
              invalidScore: r.choice(["aggregation", "invalidScore"], raw.aggregation.invalidScore, ["void", "block"] as const, ds.aggregation.invalidScore),
            }
          : ds.aggregation,
      } as MethodConfigInput;
    }
  }
  if (failed) return null;
  const parsed = safeParseMethodConfig(stripUndefined(config));
  if (!parsed.success) {
    issue(["method"], "invalid");
    return null;
  }
  return parsed.data;
}

function tieChainOf(raw: MethodFields, fresh: boolean, d: MethodConfig, issue: FieldIssue) {
  if (fresh && raw.tieChain === undefined) return [...d.tieBreak.chain];
  const out: (typeof TIE_STEPS)[number][] = [];
  (raw.tieChain ?? []).forEach((v, i) => {
    if (isBlank(v)) return;
    if (!(TIE_STEPS as readonly string[]).includes(v!.trim())) issue(["tieChain", i], "invalid");
    else out.push(v!.trim() as (typeof TIE_STEPS)[number]);
  });
  return out;
}

function criteriaFromRows(rows: NonNullable<MethodFields["criteria"]>, r: ReturnType<typeof readers>, issue: FieldIssue, codes: Codes): Criterion[] {
  const roots: Row[] = [];
  const stack: Row[] = [];
  rows.forEach((row, j) => {
    if (!row) return;
    const blank = [row.code, row.label, row.max, row.options, row.low, row.high, row.step, row.minExplainRatio].every(isBlank);
    if (blank) return;
    let level = r.integer(["criteria", j, "level"], row.level, 1, LIMITS.depth, 1)!;
    if (level > stack.length + 1) {
      issue(["criteria", j, "level"], "criterionParent");
      level = stack.length + 1;
    }
    stack.length = level - 1;
    const node: Row = { j, level, node: { id: "", label: "", max: "0" }, children: [], raw: row };
    if (level === 1) {
      node.group = r.choice(["criteria", j, "group"], row.group, GROUPS, undefined) ?? "technical";
      roots.push(node);
    } else {
      node.group = stack[level - 2]!.group;
      stack[level - 2]!.children.push(node);
    }
    stack.push(node);
  });
  const build = (n: Row): Criterion => {
    const { raw: row, j } = n;
    const c: Criterion = { id: "", label: r.text(["criteria", j, "label"], row.label) ?? "", max: "0" };
    codes.take(["criteria", j, "code"], row.code, GROUP_LETTER[n.group ?? "other"], (id) => (c.id = id));
    if (n.level === 1) c.group = n.group;
    if (isChecked(row.qualification)) c.qualification = true;
    if (n.children.length) {
      c.children = n.children.map(build);
      c.max = r.decimal(["criteria", j, "max"], row.max, "0", "1000", false) ?? dsum(c.children.map((x) => new Dec(x.max))).toFixed();
      return c;
    }
    const mode = r.choice(["criteria", j, "mode"], row.mode, MODES, undefined) ?? "range";
    c.mode = mode;
    if (mode === "pass_fail") {
      c.max = isBlank(row.max) ? "0" : (r.decimal(["criteria", j, "max"], row.max, "0", "0", true) ?? "0");
    } else c.max = r.decimal(["criteria", j, "max"], row.max, "0", "1000", true) ?? "0";
    if (mode !== "formula" && mode !== "pass_fail" && isChecked(row.objective)) c.objective = true;
    if (mode === "fixed") {
      const options = parseOptions(row.options);
      if (!options) issue(["criteria", j, "options"], isBlank(row.options) ? "required" : "invalid");
      else c.options = options;
    }
    if (mode === "range" || mode === "deduction") {
      const low = r.decimal(["criteria", j, "low"], row.low, "0", "1000", !isBlank(row.high));
      const high = r.decimal(["criteria", j, "high"], row.high, "0", "1000", !isBlank(row.low));
      if (low !== undefined && high !== undefined) c.bounds = [low, high];
    }
    if (mode === "deduction") {
      const step = r.decimal(["criteria", j, "step"], row.step, "0.0001", "1000", false);
      if (step !== undefined) c.step = step;
    }
    const ratio = r.decimal(["criteria", j, "minExplainRatio"], row.minExplainRatio, "0", "1", false);
    if (ratio !== undefined) c.minExplainRatio = ratio;
    return c;
  };
  return roots.map(build);
}

function benchmarkOf(raw: MethodFields, fresh: boolean, d: Benchmark, r: ReturnType<typeof readers>, issue: FieldIssue): Benchmark {
  const b = raw.benchmark;
  if (!b) return structuredClone(d);
  const source = r.choice(["benchmark", "source"], b.source, BENCHMARK_SOURCES, d.source);
  const out: Benchmark = { source, priceBasis: r.choice(["benchmark", "priceBasis"], b.priceBasis, ["bid", "excluding_provisional"] as const, "bid") };
  if (source === "trimmed_mean") {
    if (fresh && raw.trim === undefined) out.trim = structuredClone(d.trim ?? DEFAULT_TRIM);
    else {
      const trim: TrimRow[] = [];
      (raw.trim ?? []).forEach((row, i) => {
        if (!row || [row.minN, row.maxN, row.dropHigh, row.dropLow].every(isBlank)) return;
        const minN = r.integer(["trim", i, "minN"], row.minN, 0, LIMITS.bids, undefined);
        if (minN === undefined && isBlank(row.minN)) issue(["trim", i, "minN"], "required");
        const maxN = r.integer(["trim", i, "maxN"], row.maxN, 0, LIMITS.bids, undefined);
        const drop = (f: "dropHigh" | "dropLow") => {
          const v = parseDropCount(row[f]);
          if (v === null) issue(["trim", i, f], isBlank(row[f]) ? "required" : "invalid");
          return v ?? 0;
        };
        const t: TrimRow = { minN: minN ?? 0, dropHigh: drop("dropHigh"), dropLow: drop("dropLow") };
        if (maxN !== undefined) t.maxN = maxN;
        trim.push(t);
      });
      if (!trim.length) issue(["trim"], "required");
      out.trim = trim;
    }
  }
  const factor = r.choice(["benchmark", "factor"], b.factor, FACTOR_KINDS, "none");
  if (factor === "K") {
    const value = r.decimal(["benchmark", "factorValue"], b.factorValue, "0.5", "1.5", true);
    if (value) out.factor = { kind: "K", value };
  } else if (factor === "downward_pct") {
    const value = r.decimal(["benchmark", "factorValue"], b.factorValue, "0", "50", true);
    if (value) out.factor = { kind: "downward_pct", value };
  }
  if (source === "composite") {
    const w = (k: "A" | "B" | "C") => r.decimal(["benchmark", `composite${k}`], b[`composite${k}`], "0", "1", true) ?? "0";
    out.composite = { weights: { A: w("A"), B: w("B"), C: w("C") } };
  }
  return out;
}

function priceScoreOf(raw: MethodFields, full: string, d: PriceScore, r: ReturnType<typeof readers>): PriceScore {
  const p = raw.priceScore;
  if (!p) return { ...structuredClone(d), full };
  const kind = r.choice(["priceScore", "kind"], p.kind, PRICE_SCORE_KINDS, d.kind);
  const maxDeduction = () => r.decimal(["priceScore", "maxDeduction"], p.maxDeduction, "0", "1000", false);
  const pct = (f: "E1" | "E2" | "nAbove" | "nBelow") => r.decimal(["priceScore", f], p[f], "0", "100", true) ?? "0";
  switch (kind) {
    case "low_price_priority":
      return { kind, full };
    case "linear_deviation":
      return stripUndefined({ kind, full, E1: pct("E1"), E2: pct("E2"), maxDeduction: maxDeduction() });
    case "ratio_deviation":
      return stripUndefined({ kind, full, maxDeduction: maxDeduction() });
    case "n_factor":
      return stripUndefined({ kind, full, nAbove: pct("nAbove"), nBelow: pct("nBelow"), maxDeduction: maxDeduction() });
  }
}

function deductionsFromRows(rows: NonNullable<MethodFields["policyDeductions"]>, r: ReturnType<typeof readers>, issue: FieldIssue) {
  const codes = new Codes(issue);
  const out: { id: string; label: string; pct: string }[] = [];
  rows.forEach((row, i) => {
    if (!row || [row.code, row.label, row.pct].every(isBlank)) return;
    const item = { id: "", label: r.text(["policyDeductions", i, "label"], row.label) ?? "", pct: r.decimal(["policyDeductions", i, "pct"], row.pct, "0", "50", true) ?? "0" };
    codes.take(["policyDeductions", i, "code"], row.code, "D", (id) => (item.id = id));
    out.push(item);
  });
  codes.assign();
  return out;
}

function adjustmentsFromRows(rows: NonNullable<MethodFields["adjustments"]>, r: ReturnType<typeof readers>, issue: FieldIssue): AdjustmentFactor[] {
  const codes = new Codes(issue);
  const out: AdjustmentFactor[] = [];
  rows.forEach((row, i) => {
    if (!row || [row.code, row.label, row.threshold, row.ratePct].every(isBlank)) return;
    const p = (f: string) => ["adjustments", i, f];
    const kind = r.choice(p("kind"), row.kind, ADJUSTMENT_KINDS, "amount");
    const common = { id: "", label: r.text(p("label"), row.label) ?? "" };
    let item: AdjustmentFactor;
    if (kind === "missing_item") item = { kind, ...common, reference: r.choice(p("reference"), row.reference, ADJUSTMENT_REFERENCES, "highest_other") };
    else if (kind === "deviation_rate")
      item = {
        kind,
        ...common,
        threshold: r.decimal(p("threshold"), row.threshold, "0", "1000000", true) ?? "0",
        direction: r.choice(p("direction"), row.direction, ["above", "below"] as const, "above"),
        ratePct: r.decimal(p("ratePct"), row.ratePct, "0", "100", true) ?? "0",
      };
    else item = { kind, ...common };
    codes.take(p("code"), row.code, "A", (id) => (item.id = id));
    out.push(item);
  });
  codes.assign();
  return out;
}

function stripUndefined<T extends object>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration → fields
// ---------------------------------------------------------------------------------------------------------------

const on = (b: boolean | undefined) => (b ? "on" : undefined);
const int = (n: number | undefined) => (n === undefined ? undefined : String(n));

/** The form's fields for a configuration (the inverse of methodFromFields). */
export function methodFormValues(c: MethodConfig): MethodFormValues {
  const v: MethodFormValues = {
    method: c.kind,
    shownKind: c.kind,
    review: c.review.map((x) => ({ code: x.id, stage: x.stage, label: x.label })),
    criteria: flattenCriteria(c.criteria).map(({ node, depth, leaf }) => ({
      code: node.id,
      level: String(depth),
      group: depth === 1 ? node.group : undefined,
      label: node.label,
      max: node.max,
      mode: leaf ? node.mode : undefined,
      objective: on(node.objective),
      qualification: on(node.qualification),
      options: node.options?.join("/"),
      low: node.bounds?.[0],
      high: node.bounds?.[1],
      step: node.step,
      minExplainRatio: node.minExplainRatio,
    })),
    tieChain: [...c.tieBreak.chain],
    candidates: String(c.candidates.count),
    tooFewMin: String(c.tooFew.min),
    tooFewAction: c.tooFew.action,
    leader: { chosenBy: c.leader.chosenBy, maxRounds: String(c.leader.maxRounds), fallback: c.leader.fallback },
    rounding: {
      scale: String(c.rounding.scale),
      itemScale: int(c.rounding.itemScale),
      baseScale: int(c.rounding.baseScale),
      devRatioScale: int(c.rounding.devRatioScale),
      devPctScale: int(c.rounding.devPctScale),
      aggregateBeforeRound: on(c.rounding.aggregateBeforeRound),
    },
    flags: {
      reference: c.flags.deviation.reference,
      thresholdPct: c.flags.deviation.thresholdPct,
      belowMaxRatio: c.flags.belowMaxRatio,
      abnormallyLowPct: c.flags.abnormallyLow.thresholdPct,
    },
  };
  if (c.kind === "ZTB_LOWEST_EVALUATED") {
    v.adjustments = c.adjustments.map((a) => ({
      code: a.id,
      kind: a.kind,
      label: a.label,
      reference: a.kind === "missing_item" ? a.reference : undefined,
      threshold: a.kind === "deviation_rate" ? a.threshold : undefined,
      direction: a.kind === "deviation_rate" ? a.direction : undefined,
      ratePct: a.kind === "deviation_rate" ? a.ratePct : undefined,
    }));
  }
  if (c.kind === "ZFCG_LOWEST" || c.kind === "ZFCG_COMPREHENSIVE") {
    v.policyDeductions = c.policyDeductions.map((p) => ({ code: p.id, label: p.label, pct: p.pct }));
    v.sameBrand = on(c.sameBrand);
  }
  if (c.kind !== "ZTB_LOWEST_EVALUATED" && c.kind !== "ZFCG_LOWEST") {
    const b = c.benchmark;
    const p = c.priceScore;
    v.total = c.total;
    v.benchmark = {
      source: b.source,
      factor: b.factor?.kind ?? "none",
      factorValue: b.factor?.value,
      priceBasis: b.priceBasis,
      compositeA: b.composite?.weights.A,
      compositeB: b.composite?.weights.B,
      compositeC: b.composite?.weights.C,
    };
    v.trim = (b.trim ?? []).map((t) => ({ minN: String(t.minN), maxN: int(t.maxN), dropHigh: formatDropCount(t.dropHigh), dropLow: formatDropCount(t.dropLow) }));
    v.priceScore = {
      kind: p.kind,
      E1: p.kind === "linear_deviation" ? p.E1 : undefined,
      E2: p.kind === "linear_deviation" ? p.E2 : undefined,
      nAbove: p.kind === "n_factor" ? p.nAbove : undefined,
      nBelow: p.kind === "n_factor" ? p.nBelow : undefined,
      maxDeduction: p.kind === "low_price_priority" ? undefined : p.maxDeduction,
    };
    v.aggregation = { subjective: c.aggregation.subjective, ...c.aggregation.byGroup, invalidScore: c.aggregation.invalidScore };
  }
  return v;
}

/**
 * What the form shows for a section: the values as they are when they were rendered for this method, else the
 * method's defaults under whatever was typed (a method changed without JavaScript, or a new section).
 */
export function methodFieldsForDisplay(values: MethodFormValues, kind: MethodKind): MethodFormValues {
  if (values.shownKind === kind && typeof values.method === "string") return values;
  const defined = Object.fromEntries(Object.entries(values).filter(([, x]) => x !== undefined && x !== ""));
  return { ...methodFormValues(defaultMethodConfig(kind)), ...defined, method: kind, shownKind: kind };
}

/**
 * A section's stored method for the pages that show it (tender, manage, supervise): the MethodConfig it was saved
 * or published with (a draft of the earlier form converted, sectionMethod); null when the stored value cannot be
 * read, so that one bad row never breaks a page.
 */
export function storedMethodOrNull(stored: unknown, regime: Regime): MethodConfig | null {
  try {
    return sectionMethod(stored, regime);
  } catch {
    return null;
  }
}

/**
 * What the bid form asks for because of the section's method (the summary reads them from the sealed bid form,
 * summary.server.ts): the ZFCG policy deductions a bidder may claim (财库〔2020〕46号; the committee checks the
 * declaration), the core product's brand for the same-brand rule (87号令31, TV-B1), and the provisional sums when the
 * benchmark compares prices without them (合理低价法 `excluding_provisional`).
 */
export type BidFormInputs = { policy: { id: string; label: string }[]; brand: boolean; provisional: boolean };
export function bidFormInputs(m: MethodConfig | null): BidFormInputs {
  if (!m) return { policy: [], brand: false, provisional: false };
  const zfcg = m.kind === "ZFCG_LOWEST" || m.kind === "ZFCG_COMPREHENSIVE";
  return {
    policy: zfcg ? m.policyDeductions.map((d) => ({ id: d.id, label: d.label })) : [],
    brand: zfcg && m.sameBrand,
    provisional: "benchmark" in m && m.benchmark.priceBasis === "excluding_provisional",
  };
}
