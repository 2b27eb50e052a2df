import type { RuleViolation } from "../rules/violations";
import { LIMITS, limitById, type LimitId, type LimitInstance } from "./limits";

/**
 * The lights of electronic supervision (红黄灯, R65 电子监察预警): every limit instance (limits.ts) gets a light from the
 * database clock `now`, and a section shows the worst of its instances' lights.
 *
 * Deadlines (a party must act by `dueAt`):
 * - green while less than `yellowAtPct` (default 80 %) of [startedAt, dueAt] has passed, and when done in time
 *   (doneAt ≤ dueAt);
 * - yellow from `yellowAtPct` up to and including `dueAt` itself (due exactly now is not yet late);
 * - red from 1 ms after `dueAt` while not done (`overdue`), and — permanently — when it was done late (doneAt > dueAt,
 *   `late`) or the platform took the step in the party's place (`missed`: R57 deemed choice, R37 time-out). A limit
 *   done late is a recorded breach: finishing the step does not make the light green again, so the section stays red
 *   for supervisors to see (its `overdueMs` is then fixed at doneAt − dueAt).
 * Periods (a window that closes by itself): green, yellow in its last part (from `yellowAtPct`, "closing soon"), green
 * once over; red when the database records it closed before `dueAt` (`cut_short`).
 *
 * A `doneAt` later than `now` has not happened yet, so every light is a function of `now` alone (nextChange relies on
 * it). A recorded rule violation passed to `sectionLight` makes the section red whatever its limits show.
 */

export type Light = "green" | "yellow" | "red";

/** Why an instance is red. */
export type Breach = "overdue" | "late" | "missed" | "cut_short";

export type Thresholds = {
  /** Yellow from this share of a limit's time, in percent (0 < x ≤ 100). */
  yellowAtPct: number;
  /** Per-limit overrides (e.g. the R56 contract timer's 5-days-before warning ≈ 83.4 % of 30 days). */
  byLimit?: Partial<Record<LimitId, number>>;
};

export const DEFAULT_THRESHOLDS: Thresholds = { yellowAtPct: 80 };

export type LightResult = {
  light: Light;
  /** Share of [startedAt, dueAt] used, in percent: up to now, or up to doneAt once done (≥ 0; over 100 when late). */
  usedPct: number;
  /** How far past dueAt: now − dueAt while overdue, doneAt − dueAt once done late; 0 otherwise. */
  overdueMs: number;
  breach: Breach | null;
};

const RANK: Record<Light, number> = { green: 0, yellow: 1, red: 2 };

function pctFor(i: LimitInstance, t: Thresholds): number {
  const pct = t.byLimit?.[i.limitId] ?? t.yellowAtPct;
  if (!Number.isFinite(pct) || pct <= 0 || pct > 100) throw new RangeError(`supervision threshold must be in (0, 100], got ${pct} for ${i.limitId}`);
  return pct;
}

/**
 * The first millisecond at which `pct` % of [startedAt, dueAt] has passed: yellow from here. Integer arithmetic on
 * milliseconds, so 80 % of a span is exact (79.99 % is green, 80 % yellow).
 */
function yellowAt(i: LimitInstance, pct: number): number {
  const start = i.startedAt.getTime();
  const span = Math.max(0, i.dueAt.getTime() - start);
  return start + Math.ceil((pct * span) / 100);
}

function used(i: LimitInstance, at: number): number {
  const start = i.startedAt.getTime();
  const span = i.dueAt.getTime() - start;
  if (span <= 0) return at >= start ? 100 : 0;
  return Math.max(0, ((at - start) / span) * 100);
}

/** The light of one limit instance at `now` (see the module comment for the rules). */
export function lightOf(instance: LimitInstance, now: Date, thresholds: Thresholds = DEFAULT_THRESHOLDS): LightResult {
  const t = now.getTime();
  const due = instance.dueAt.getTime();
  const done = instance.doneAt !== null && instance.doneAt.getTime() <= t ? instance.doneAt.getTime() : null;
  const kind = limitById(instance.limitId).kind;
  const pct = pctFor(instance, thresholds);
  const running = (): LightResult => ({ light: t >= yellowAt(instance, pct) ? "yellow" : "green", usedPct: used(instance, t), overdueMs: 0, breach: null });

  if (kind === "period") {
    if (done !== null && done < due) return { light: "red", usedPct: used(instance, done), overdueMs: 0, breach: "cut_short" };
    if (done !== null || t > due) return { light: "green", usedPct: 100, overdueMs: 0, breach: null };
    return running();
  }
  if (done !== null) {
    if (instance.missed) return { light: "red", usedPct: used(instance, done), overdueMs: Math.max(0, done - due), breach: "missed" };
    if (done > due) return { light: "red", usedPct: used(instance, done), overdueMs: done - due, breach: "late" };
    return { light: "green", usedPct: used(instance, done), overdueMs: 0, breach: null };
  }
  if (t > due) return { light: "red", usedPct: used(instance, t), overdueMs: t - due, breach: "overdue" };
  return running();
}

export type InstanceLight = LimitInstance & LightResult;

export type SectionLight = {
  light: Light;
  /** The limits at the section's light (unique ids, catalogue order); empty when green or red by violations only. */
  reasons: LimitId[];
  /** The recorded rule violations passed in (any makes the section red). */
  violations: readonly RuleViolation[];
  /** Every instance with its light: worst first, then by due instant. */
  instances: InstanceLight[];
};

const ORDER: ReadonlyMap<LimitId, number> = new Map(LIMITS.map((l, i) => [l.id, i]));

/**
 * A section's light: the worst of its instances' lights (green when it has none, e.g. a draft), red when a recorded
 * rule violation is passed in. `reasons` names the limits that set the light.
 */
export function sectionLight(instances: readonly LimitInstance[], now: Date, thresholds: Thresholds = DEFAULT_THRESHOLDS, violations: readonly RuleViolation[] = []): SectionLight {
  const lit: InstanceLight[] = instances
    .map((i) => ({ ...i, ...lightOf(i, now, thresholds) }))
    .sort((a, b) => RANK[b.light] - RANK[a.light] || a.dueAt.getTime() - b.dueAt.getTime());
  const worst = lit.reduce<Light>((w, i) => (RANK[i.light] > RANK[w] ? i.light : w), "green");
  const light: Light = violations.length > 0 ? "red" : worst;
  const reasons =
    light === "green" ? [] : [...new Set(lit.filter((i) => i.light === light).map((i) => i.limitId))].sort((a, b) => (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0));
  return { light, reasons, violations, instances: lit };
}

/**
 * The next instant after `now` at which any instance's light changes (green→yellow, yellow→red, a period's end, a
 * future doneAt), for scheduling a live update; null when no light will change by itself.
 */
export function nextChange(instances: readonly LimitInstance[], now: Date, thresholds: Thresholds = DEFAULT_THRESHOLDS): Date | null {
  const t = now.getTime();
  let best: number | null = null;
  for (const i of instances) {
    const current = lightOf(i, now, thresholds).light;
    const candidates = [yellowAt(i, pctFor(i, thresholds)), i.dueAt.getTime() + 1, i.doneAt?.getTime() ?? Number.NaN]
      .filter((c) => Number.isFinite(c) && c > t && (best === null || c < best))
      .sort((a, b) => a - b);
    const first = candidates.find((c) => lightOf(i, new Date(c), thresholds).light !== current);
    if (first !== undefined) best = first;
  }
  return best === null ? null : new Date(best);
}
