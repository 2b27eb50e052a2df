import { checkScore } from "./aggregate";
import { Dec, SCORE_RE } from "./decimal";
import { flattenCriteria, isScored, type Criterion, type Group, type MethodConfig, type Mode } from "./method";
import { evaluationViolation, type EvaluationViolationCode } from "./violations";
import type { RuleViolation } from "../rules/violations";

/**
 * The score sheet of the review room (详细评审), rendered from the frozen method configuration and never from code
 * (EV6): one row per node of the criteria tree (groups, sub-items), what each cell of a bid's column is (typed by the
 * member, chosen from the options, entered once for the committee, computed by the engine, or not scored), and the
 * validity of one entered score with a message that names the item and the bound it breaks (R46: only the
 * documents' criteria and their bounds). The engine's checkScore (aggregate.ts) decides validity; this file only
 * turns its reason into a translated violation.
 */

/** How a cell of the sheet is filled. */
export type CellKind =
  /** A parent node: the sum of its children (shown, never typed). */
  | "group"
  /** A subjective item the member scores within its bounds. */
  | "score"
  /** An objective item (87号令64(3)): every value given must agree; the leader may enter it once for the committee. */
  | "objective"
  /** The price score, computed by the engine (EV7). */
  | "formula"
  /** A pass/fail item: decided at the compliance review, 0 points. */
  | "pass_fail";

export type SheetRow = {
  id: string;
  label: string;
  depth: number;
  group: Group;
  parentId: string | null;
  max: string;
  kind: CellKind;
  mode: Mode | null;
  /** `fixed`: the values to choose from, as configured (e.g. 优/良/一般/差 = 15/10/5/0). */
  options: string[] | null;
  /** The allowed interval for typed items ([0, max] unless configured). */
  bounds: [string, string] | null;
  step: string | null;
};

export type SheetModel = {
  /** false for the lowest-price methods: nothing is scored by the members, the sheet only confirms. */
  scored: boolean;
  /** Decimals a score may have (rounding.scale). */
  scale: number;
  total: string | null;
  rows: SheetRow[];
};

/** A leaf a member (or the committee, for objective items) enters a value for. */
export const isMemberScored = (c: Criterion): boolean => !c.children && c.mode !== "formula" && c.mode !== "pass_fail";

export function sheetModel(config: MethodConfig): SheetModel {
  const rows: SheetRow[] = flattenCriteria(config.criteria).map((f) => {
    const c = f.node;
    const kind: CellKind = !f.leaf ? "group" : c.mode === "formula" ? "formula" : c.mode === "pass_fail" ? "pass_fail" : c.objective ? "objective" : "score";
    const typed = kind === "score" || kind === "objective";
    return {
      id: c.id,
      label: c.label,
      depth: f.depth,
      group: f.group,
      parentId: f.parentId,
      max: c.max,
      kind,
      mode: c.mode ?? null,
      options: typed && c.mode === "fixed" ? [...(c.options ?? [])] : null,
      bounds: typed ? boundsOf(c) : null,
      step: typed && c.mode === "deduction" ? (c.step ?? null) : null,
    };
  });
  return { scored: isScored(config), scale: config.rounding.scale, total: isScored(config) ? config.total : null, rows };
}

/** [low, high] of a typed item, as checkScore applies them. */
export function boundsOf(c: Criterion): [string, string] {
  return c.bounds && (c.mode === "range" || c.mode === "deduction") ? [c.bounds[0], c.bounds[1]] : ["0", c.max];
}

/** The member-scored leaves of a configuration, in the tree's order. */
export function scoredLeaves(config: MethodConfig): Criterion[] {
  return flattenCriteria(config.criteria)
    .filter((f) => f.leaf && isMemberScored(f.node))
    .map((f) => f.node);
}

/** The member-scored leaf with this id, or null (a group, the price, a pass/fail item or an unknown id). */
export function scoredLeaf(config: MethodConfig, itemId: string): Criterion | null {
  return scoredLeaves(config).find((c) => c.id === itemId) ?? null;
}

const REASON_CODE = {
  too_many_decimals: "RULE_R46_SCORE_DECIMALS",
  above_max: "RULE_R46_SCORE_ABOVE_MAX",
  below_min: "RULE_R46_SCORE_BELOW_MIN",
  not_an_option: "RULE_R46_SCORE_NOT_OPTION",
  off_step: "RULE_R46_SCORE_OFF_STEP",
} as const satisfies Record<string, EvaluationViolationCode>;

/**
 * Why `score` is not an acceptable value for `leaf` (R46: the documents' bounds), as a violation naming the item and
 * the bound — or null. `scale` = the configuration's score decimals. The order of the checks is the engine's
 * (docs/evaluation-appendix.md §8.2), preceded by the format (a plain decimal, at most 4 integer digits).
 */
export function scoreViolation(leaf: Criterion, score: string, scale: number): RuleViolation | null {
  const item = leaf.label;
  if (!SCORE_RE.test(score)) return evaluationViolation("RULE_R46_SCORE_FORMAT", { item });
  const reason = checkScore(leaf, score, scale);
  if (!reason) return null;
  const [min, max] = boundsOf(leaf);
  const hi = new Dec(max).lt(leaf.max) ? max : leaf.max;
  const params: Record<string, Record<string, string | number>> = {
    too_many_decimals: { item, decimals: scale },
    above_max: { item, max: hi },
    below_min: { item, min },
    not_an_option: { item, options: (leaf.options ?? []).join(" / ") },
    off_step: { item, max: leaf.max, step: leaf.step ?? "", min },
  };
  return evaluationViolation(REASON_CODE[reason], params[reason]);
}

export type SheetGap = { bidId: string; itemId: string; label: string };

/**
 * What keeps a member from submitting its sheet (EV17): every valid bid × every member-scored leaf needs a value —
 * the member's own, or, for an objective item, the committee's single entry — and every own value must be valid.
 * `own` and `committee` are keyed by `${bidId}|${itemId}`.
 */
export function sheetGaps(
  config: MethodConfig,
  bidIds: readonly string[],
  own: ReadonlyMap<string, string>,
  committee: ReadonlySet<string>,
): { missing: SheetGap[]; invalid: (SheetGap & { violation: RuleViolation })[] } {
  const missing: SheetGap[] = [];
  const invalid: (SheetGap & { violation: RuleViolation })[] = [];
  const leaves = scoredLeaves(config);
  for (const bidId of bidIds) {
    for (const leaf of leaves) {
      const k = scoreKey(bidId, leaf.id);
      const value = own.get(k);
      if (value === undefined) {
        if (!(leaf.objective && committee.has(k))) missing.push({ bidId, itemId: leaf.id, label: leaf.label });
        continue;
      }
      const v = scoreViolation(leaf, value, config.rounding.scale);
      if (v) invalid.push({ bidId, itemId: leaf.id, label: leaf.label, violation: v });
    }
  }
  return { missing, invalid };
}

export const scoreKey = (bidId: string, itemId: string) => `${bidId}|${itemId}`;

/**
 * A member's own subtotals of one bid (for the sheet's group rows): each parent = the sum of its children where
 * all are known, else null; the price leaf takes `priceScore`. Decimal strings in, decimal strings out (EV7).
 */
export function ownSubtotals(model: SheetModel, values: ReadonlyMap<string, string>, priceScore: string | null): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const children = new Map<string, SheetRow[]>();
  for (const r of model.rows) if (r.parentId) children.set(r.parentId, [...(children.get(r.parentId) ?? []), r]);
  const valueOf = (r: SheetRow): Dec | null => {
    if (r.kind === "formula") return priceScore === null ? null : new Dec(priceScore);
    if (r.kind === "pass_fail") return new Dec(0);
    if (r.kind !== "group") {
      const v = values.get(r.id);
      return v !== undefined && SCORE_RE.test(v) ? new Dec(v) : null;
    }
    const parts = (children.get(r.id) ?? []).map(valueOf);
    const sum = parts.some((p) => p === null) ? null : parts.reduce<Dec>((a, b) => a.plus(b!), new Dec(0));
    out.set(r.id, sum === null ? null : sum.toFixed());
    return sum;
  };
  const top = model.rows.filter((r) => r.depth === 1).map(valueOf);
  out.set("", top.some((p) => p === null) || top.length === 0 ? null : top.reduce<Dec>((a, b) => a.plus(b!), new Dec(0)).toFixed());
  return out;
}
