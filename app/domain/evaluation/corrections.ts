import { parseYuanCapitals } from "./capitals";
import { Dec, dsum, fixed, money, parseMoney, parseQuantity, round } from "./decimal";
import type { CorrectionRule, CorrectionStep } from "./input";
import type { Regime } from "./method";

/**
 * Arithmetic corrections of a bid price (算术错误修正, R43) in the configured order.
 *
 * ZTB (评标规定19): (1) the amount in words (大写) beats the figures; (2) a unit price beats the total, except where
 * the unit price has an obvious decimal-point error — then the total stands and the unit price is fixed
 * (TV-C1…C3).
 * ZFCG (87号令59, applied in this order, one rule per inconsistency): (1) the price schedule (开标一览表) beats the
 * body; (2) words beat figures; (3) an obvious decimal/percentage slip in a unit price → keep the schedule's total
 * and fix the unit price; (4) total vs the sum of the unit prices → the unit-price result (TV-C4…C7).
 *
 * A correction proposes; it binds only after the bidder confirms in writing (ZTB 标准施工招标文件 ◐, ZFCG 87号令59
 * with 51) — refusal makes the bid invalid. `evaluate` takes the confirmed result (`toBidCorrection`).
 */

export type BillLine = {
  ref: string;
  quantity: string;
  unitPrice: string;
  /** The line total as written. */
  total: string;
  /** The committee's finding on "obvious decimal error"; absent = detected (the written total is qty × unit × 10^k, k = ±1…±4). */
  decimalSlip?: boolean;
};

export type WrittenPrice = {
  /** The total in figures (小写), yuan. For ZFCG: the schedule's. */
  figures: string;
  /** The total in words (大写), if written. */
  words?: string;
  lines?: BillLine[];
  /** true = the lines are the whole price (the total is their sum); false = a partial list (the total moves by the lines' corrections). */
  linesComplete?: boolean;
};

export type CorrectionResult = {
  order: Regime;
  /** The price as read (the figures of the schedule / bid letter). */
  readPrice: string;
  /** The corrected price. */
  price: string;
  steps: CorrectionStep[];
  lines: BillLine[];
  changed: boolean;
  /** A changed price binds only after the bidder's written confirmation. */
  requiresConfirmation: boolean;
  binding: false;
};

const POWERS = [-4, -3, -2, -1, 1, 2, 3, 4].map((k) => ({ k, f: new Dec(10).pow(k) }));

/** The power of ten k (±1…±4) with written total = quantity × unit × 10^k exactly, or null. */
export function decimalSlipPower(quantity: Dec, unit: Dec, total: Dec): number | null {
  const product = quantity.times(unit);
  if (product.isZero()) return null;
  const ratio = total.div(product);
  return POWERS.find((p) => ratio.eq(p.f))?.k ?? null;
}

/** Unit prices: two decimals when exact, else four. */
const unitStr = (x: Dec) => (x.decimalPlaces() <= 2 ? fixed(x, 2) : fixed(x, 4));

function correctLines(lines: readonly BillLine[], rules: { slip: CorrectionRule; unit: CorrectionRule }, steps: CorrectionStep[]) {
  const corrected: BillLine[] = [];
  let delta = new Dec(0);
  for (const line of lines) {
    const q = parseQuantity(line.quantity);
    const u = parseQuantity(line.unitPrice);
    const t = parseMoney(line.total);
    const expected = round(q.times(u), 2);
    if (expected.eq(t)) {
      corrected.push({ ...line });
      continue;
    }
    const k = decimalSlipPower(q, u, t);
    const slip = line.decimalSlip ?? k !== null;
    if (slip && !q.isZero()) {
      const unit = k !== null ? u.times(new Dec(10).pow(k)) : round(t.div(q), 4);
      steps.push({ rule: rules.slip, target: `line:${line.ref}`, field: "unitPrice", before: unitStr(u), after: unitStr(unit) });
      corrected.push({ ...line, unitPrice: unitStr(unit) });
    } else {
      steps.push({ rule: rules.unit, target: `line:${line.ref}`, field: "total", before: money(t), after: money(expected) });
      delta = delta.plus(expected.minus(t));
      corrected.push({ ...line, total: money(expected) });
    }
  }
  return { corrected, delta };
}

function finish(order: Regime, readPrice: Dec, total: Dec, written: WrittenPrice, rule: CorrectionRule, steps: CorrectionStep[]): CorrectionResult {
  const { corrected, delta } = correctLines(written.lines ?? [], order === "ZTB" ? { slip: "ztb_decimal_slip_keep_total", unit: "ztb_unit_price_over_total" } : { slip: "zfcg_decimal_slip_fix_unit", unit: "zfcg_unit_price_result" }, steps);
  let price = total;
  if (written.lines && written.linesComplete) price = dsum(corrected.map((l) => new Dec(l.total)));
  else price = total.plus(delta);
  if (!price.eq(total)) steps.push({ rule, target: "total", field: "total", before: money(total), after: money(price) });
  const changed = !price.eq(readPrice) || steps.length > 0;
  return { order, readPrice: money(readPrice), price: money(price), steps, lines: corrected, changed, requiresConfirmation: changed, binding: false };
}

/** ZTB, 评标规定19. Throws CapitalsParseError when the words cannot be read (→ clarification). */
export function correctZtb(written: WrittenPrice): CorrectionResult {
  const figures = parseMoney(written.figures);
  const steps: CorrectionStep[] = [];
  let total = figures;
  if (written.words !== undefined) {
    const words = new Dec(parseYuanCapitals(written.words));
    if (!words.eq(figures)) {
      steps.push({ rule: "ztb_words_over_figures", target: "total", field: "total", before: money(figures), after: money(words) });
      total = words;
    }
  }
  return finish("ZTB", figures, total, written, "ztb_unit_price_over_total", steps);
}

/** ZFCG, 87号令59: the schedule (开标一览表) with its words and lines, and optionally the body's total. */
export function correctZfcg(schedule: WrittenPrice, body?: { total: string }): CorrectionResult {
  const figures = parseMoney(schedule.figures);
  const steps: CorrectionStep[] = [];
  if (body !== undefined) {
    const b = parseMoney(body.total);
    if (!b.eq(figures)) steps.push({ rule: "zfcg_schedule_over_body", target: "total", field: "total", before: money(b), after: money(figures) });
  }
  let total = figures;
  if (schedule.words !== undefined) {
    const words = new Dec(parseYuanCapitals(schedule.words));
    if (!words.eq(figures)) {
      steps.push({ rule: "zfcg_words_over_figures", target: "total", field: "total", before: money(figures), after: money(words) });
      total = words;
    }
  }
  return finish("ZFCG", figures, total, schedule, "zfcg_unit_price_result", steps);
}

/** The evaluation input for a proposed correction once the bidder has answered (confirmed or refused). */
export function toBidCorrection(result: CorrectionResult, confirmed: boolean): { price: string; confirmed: boolean; steps: CorrectionStep[] } | null {
  return result.changed ? { price: result.price, confirmed, steps: result.steps } : null;
}
