import type { RuleViolation } from "../rules/violations";
import { Dec, dsum } from "./decimal";
import { flattenCriteria, isScored, regimeOf, type Criterion, type MethodConfig } from "./method";
import { evaluationViolation as v } from "./violations";

/**
 * Publication-time validation of an evaluation method (EV2, EV5; R32, R43, R45–R47; TV-P1). Structure (types,
 * bounds) is the schema's job (method.ts); this checks the rules a well-formed configuration can still break.
 * Returns violations in a stable order; none = the method may be published.
 */

export type ValidationContext = {
  /** The procurement category of the section (app/domain/rules/profiles.ts `Category`). */
  category: "construction" | "goods" | "services" | "survey_design";
  /** ZFCG procurement method: open/invited tender (87号令) or competitive consultation (竞争性磋商). Default tender. */
  procurementMethod?: "tender" | "competitive_consultation";
  /** Fixed-price or state-priced items: price is not scored (87号令55), so a price share of 0 is allowed. */
  fixedPrice?: boolean;
  /** EV2 (unconfirmed, 财库〔2014〕214号 Art 24): 竞争性磋商 price share 30–60 % goods / 10–30 % services. Off by default. */
  consultationRangeRule?: boolean;
};

/** ZFCG price-share floors (87号令55): goods ≥ 30 %, services ≥ 10 % (survey/design are services); none for works. */
const FLOOR: Record<ValidationContext["category"], number> = { goods: 30, services: 10, survey_design: 10, construction: 0 };
const RANGE: Record<ValidationContext["category"], [number, number] | null> = { goods: [30, 60], services: [10, 30], survey_design: [10, 30], construction: null };

const s = (d: Dec) => d.toFixed();

function checkItem(c: Criterion, out: RuleViolation[]) {
  const max = new Dec(c.max);
  const bad =
    (c.options ?? []).some((o) => new Dec(o).gt(max)) ||
    new Set((c.options ?? []).map((o) => new Dec(o).toFixed())).size !== (c.options ?? []).length ||
    (c.bounds !== undefined && (new Dec(c.bounds[0]).gt(c.bounds[1]) || new Dec(c.bounds[1]).gt(max))) ||
    (c.step !== undefined && new Dec(c.step).gt(max));
  if (bad) out.push(v("RULE_R46_ITEM_RANGE", { item: c.id }));
}

export function validateMethod(config: MethodConfig, ctx: ValidationContext): RuleViolation[] {
  const out: RuleViolation[] = [];
  const regime = regimeOf(config.kind);
  const flat = flattenCriteria(config.criteria);
  const leaves = flat.filter((f) => f.leaf);

  // The tree: parents sum their children, children stay in their parent's group, items are self-consistent.
  for (const f of flat) {
    if (f.leaf) checkItem(f.node, out);
    else {
      const sum = dsum(f.node.children!.map((c) => new Dec(c.max)));
      if (!sum.eq(f.node.max)) out.push(v("RULE_R46_ITEM_SUM", { item: f.node.id, sum: s(sum), max: f.node.max }));
      for (const c of f.node.children!) if (c.group !== undefined && c.group !== f.group) out.push(v("RULE_R46_CHILD_GROUP", { item: c.id }));
    }
    // EV5, 87号令55/17: qualification conditions are reviewed pass/fail, never scored.
    if (f.node.qualification && (!f.leaf || f.node.mode !== "pass_fail")) out.push(v("RULE_R46_QUALIFICATION_SCORED", { item: f.node.id }));
  }

  if (!isScored(config)) {
    for (const f of leaves) if (f.node.mode !== "pass_fail") out.push(v("RULE_R46_LOWEST_NOT_SCORED", { item: f.node.id }));
  } else {
    // EV5: the group maxima add up to the declared total.
    const top = flat.filter((f) => f.depth === 1);
    const total = dsum(top.map((f) => new Dec(f.node.max)));
    if (!total.eq(config.total)) out.push(v("RULE_R46_GROUP_TOTAL", { total: s(total), declared: config.total }));
    const priceMax = dsum(top.filter((f) => f.group === "price").map((f) => new Dec(f.node.max)));
    const formulas = leaves.filter((f) => f.node.mode === "formula");
    const priceNotScored = regime === "ZFCG" && ctx.fixedPrice === true && priceMax.isZero();
    if (!priceNotScored && (formulas.length !== 1 || formulas.some((f) => f.group !== "price"))) out.push(v("RULE_R46_PRICE_ITEM", { count: formulas.length }));
    if (formulas.length === 1 && !new Dec(config.priceScore.full).eq(formulas[0]!.node.max)) {
      out.push(v("RULE_R46_PRICE_FULL", { full: config.priceScore.full, max: formulas[0]!.node.max }));
    }

    if (config.kind === "ZTB_REASONABLE_LOW") {
      // 合理低价法: no points for plan, finance, capability…; only the price is scored.
      for (const f of leaves) if (f.node.mode !== "formula" && f.node.mode !== "pass_fail") out.push(v("RULE_R46_PRICE_ONLY", { item: f.node.id }));
    }
    if (config.kind === "ZTB_MEAN_PRICE" && (config.benchmark.source !== "mean" || config.priceScore.kind !== "ratio_deviation")) {
      out.push(v("RULE_R46_MEAN_PRICE_FORMULA", { source: config.benchmark.source, kind: config.priceScore.kind }));
    }

    if (regime === "ZFCG") {
      // EV2: the floor depends on the category; 0 only for fixed-price / state-priced items.
      const share = priceMax.div(config.total).times(100);
      const floor = FLOOR[ctx.category];
      if (!(ctx.fixedPrice && share.isZero()) && share.lt(floor)) out.push(v("RULE_R46_ZFCG_PRICE_SHARE", { share: s(share.toDecimalPlaces(2)), min: floor }));
      const range = RANGE[ctx.category];
      if (ctx.procurementMethod === "competitive_consultation" && ctx.consultationRangeRule && range && !share.isZero() && (share.lt(range[0]) || share.gt(range[1]))) {
        out.push(v("RULE_R46_ZFCG_PRICE_RANGE", { share: s(share.toDecimalPlaces(2)), min: range[0], max: range[1] }));
      }
      // 87号令55: 低价优先法 only; benchmark-price methods (trimmed means, factors, deviation) are ZTB only.
      if (config.priceScore.kind !== "low_price_priority") out.push(v("RULE_R46_ZFCG_LOW_PRICE_PRIORITY", { kind: config.priceScore.kind }));
      const b = config.benchmark;
      if (b.source !== "lowest") out.push(v("RULE_R46_BENCHMARK_ZTB_ONLY", { setting: `source=${b.source}` }));
      if (b.factor) out.push(v("RULE_R46_BENCHMARK_ZTB_ONLY", { setting: `factor=${b.factor.kind}` }));
      if (b.priceBasis !== "bid") out.push(v("RULE_R46_BENCHMARK_ZTB_ONLY", { setting: `priceBasis=${b.priceBasis}` }));
    }

    // A trimming row may never be able to drop every bid (the engine caps it at n − 1, but the documents would be wrong).
    for (const [i, row] of (config.benchmark.trim ?? []).entries()) {
      const hi = Math.min(row.maxN ?? 200, 200);
      for (let n = Math.max(row.minN, 1); n <= hi; n++) {
        const count = (d: typeof row.dropHigh) => (typeof d === "number" ? d : Math.floor(n / d.per));
        if (count(row.dropHigh) + count(row.dropLow) >= n) {
          out.push(v("RULE_R46_TRIM_DROPS_ALL", { row: i + 1, n }));
          break;
        }
      }
    }
  }

  // Tie chain: no repeats; lot and tenderer_decides end the chain.
  const chain = config.tieBreak.chain;
  chain.forEach((step, i) => {
    if (chain.indexOf(step) !== i || (i > 0 && (chain[i - 1] === "lot" || chain[i - 1] === "tenderer_decides"))) out.push(v("RULE_R46_TIE_CHAIN", { step }));
  });

  // R47 / EV10: ZTB recommends at most 3 ranked candidates.
  if (regime === "ZTB" && config.candidates.count > 3) out.push(v("RULE_R47_CANDIDATES", { count: config.candidates.count, max: 3 }));
  // R45: ZFCG tenders with fewer than 3 qualified/valid bids fail (87号令44, 采购法36).
  if (regime === "ZFCG" && (ctx.procurementMethod ?? "tender") === "tender" && (config.tooFew.action !== "fail" || config.tooFew.min < 3)) {
    out.push(v("RULE_R45_ZFCG_TOO_FEW", { action: config.tooFew.action, min: config.tooFew.min }));
  }
  // R43: the correction order of the regime (评标规定19 vs 87号令59).
  if (config.corrections.order !== regime) out.push(v("RULE_R43_CORRECTION_ORDER", { order: config.corrections.order, regime }));
  // EV3: only ZTB may have the leader appointed by the tenderer (评标规定9); ZFCG elects (87号令45(四)).
  if (regime === "ZFCG" && (config.leader.chosenBy === "appointed" || config.leader.fallback === "appointment")) out.push(v("RULE_R32_LEADER_APPOINTED", {}));
  return out;
}
