import type { RuleViolation } from "../rules/violations";
import type { Regime } from "./method";
import { evaluationViolation } from "./violations";

/**
 * The rules of the evaluation report's signing (评标报告, R49–R50, EV20–EV21; docs/decisions/015-evaluation.md "The
 * report and its signatures"). Pure: the service passes the members, positions, signatures and the database clock.
 *
 * A report version goes through two phases:
 * 1. **positions** — every live member reads the draft and records agreement or a dissent with its reasons (R50). A
 *    member who records nothing by the deadline is deemed to consent (条例53, 评标规定43; 87号令61). ZFCG: the
 *    committee decides by majority (87号令61), so a version that a majority dissents from is not signed — the
 *    committee must roll back (EV20).
 * 2. **signing** — the version with every dissent printed is rendered and signed by the platform; each member signs
 *    it in its own browser. All signed → the report is signed. A member who has not signed by the deadline refused
 *    without stating reasons beyond its recorded position: deemed consent (条例53); the report is complete once at
 *    least one member has signed.
 */

/** R50: minutes the members have to record agreement or dissent once the draft exists (then deemed consent). */
export const POSITION_WINDOW_MINUTES = 30;
/** R50: minutes the members have to sign the final version (then a missing signature is deemed consent). */
export const SIGNING_WINDOW_MINUTES = 120;
/** R50: the most characters a dissent's reasons may have. */
export const DISSENT_MAX = 2000;
/** EV20: the most characters a rollback request's reason may have (LZ: ≤ 500). */
export const ROLLBACK_REASON_MAX = 500;
export const ROLLBACK_NOTE_MAX = 500;

/** The report's number: one per version (EV21: a new version has a new number). */
export function reportNumber(projectCode: string, sectionCode: string, version: number): string {
  const clean = (s: string) => s.replace(/[^\p{L}\p{N}_-]+/gu, "").slice(0, 60) || "X";
  return `PB-${clean(projectCode)}-${clean(sectionCode)}-v${version}`;
}

/** The PDF signature field of a member's seat (seats are never reused, so names never collide; no period, ISO 32000-1 §12.7.3.2). */
export const memberFieldName = (seat: number) => `评标委员会成员 ${seat} 签名`;
export const MEMBER_SIGNING_REASON = "评标委员会成员签名";

export type Position = "agree" | "dissent" | "deemed";

/** R50: a dissent must state its reasons (bounded); an agreement carries none. Returns the text to store, or the violation. */
export function checkPosition(position: string, text: string | null | undefined): { position: "agree" | "dissent"; dissent: string | null } | RuleViolation {
  const t = (text ?? "").trim();
  if (position === "agree") return { position: "agree", dissent: null };
  if (position !== "dissent") return evaluationViolation("RULE_R50_DISSENT_REASONS", { max: DISSENT_MAX });
  if (!t || t.length > DISSENT_MAX) return evaluationViolation("RULE_R50_DISSENT_REASONS", { max: DISSENT_MAX });
  return { position: "dissent", dissent: t };
}

export type PositionsState = {
  /** Every member recorded a position (or is deemed to consent): the version to sign can be rendered. */
  ready: boolean;
  /** Members deemed to consent now (no position and the deadline passed). */
  deemed: string[];
  /** ZFCG majority rule (87号令61): the version cannot be signed; only a rollback continues. */
  violation: RuleViolation | null;
};

/** Whether the positions phase is over (R50; 87号令61 majority rule for ZFCG). */
export function positionsState(input: { regime: Regime; members: readonly string[]; positions: readonly { memberId: string; position: Position }[]; deadlinePassed: boolean }): PositionsState {
  const have = new Map(input.positions.map((p) => [p.memberId, p.position]));
  const missing = input.members.filter((m) => !have.has(m));
  const deemed = input.deadlinePassed ? missing : [];
  const complete = missing.length === 0 || input.deadlinePassed;
  const dissents = input.members.filter((m) => have.get(m) === "dissent").length;
  const majorityDissent = input.regime === "ZFCG" && dissents * 2 > input.members.length;
  if (complete && majorityDissent) return { ready: false, deemed, violation: evaluationViolation("RULE_R50_MAJORITY_DISSENT", { dissents, members: input.members.length }) };
  return { ready: complete && input.members.length > 0, deemed, violation: null };
}

export type SigningState = {
  /** The report is signed: every member signed, or the deadline passed with at least one signature. */
  complete: boolean;
  /** Members whose missing signature is deemed consent (条例53), when complete by the deadline. */
  deemed: string[];
};

export function signingState(input: { members: readonly string[]; signed: readonly string[]; deadlinePassed: boolean }): SigningState {
  const signed = new Set(input.signed);
  const missing = input.members.filter((m) => !signed.has(m));
  if (input.members.length > 0 && missing.length === 0) return { complete: true, deemed: [] };
  if (input.deadlinePassed && input.members.some((m) => signed.has(m))) return { complete: true, deemed: missing };
  return { complete: false, deemed: [] };
}

/** EV20: the stages a rollback may return to, in order. */
export const ROLLBACK_TARGETS = ["leader", "review", "scoring", "summary"] as const;
export type RollbackTarget = (typeof ROLLBACK_TARGETS)[number];
const ORDER = ["waiting", "entry", "leader", "review", "scoring", "summary", "signing", "signed"] as const;

/** The stages a member may ask to return to from `current` (strictly earlier, from the leader election on). */
export function rollbackTargets(current: string): RollbackTarget[] {
  const at = ORDER.indexOf(current as (typeof ORDER)[number]);
  if (at < 0 || current === "signed") return [];
  return ROLLBACK_TARGETS.filter((t) => ORDER.indexOf(t) < at);
}

/** EV20: a rollback request needs a target before the current stage and a reason (≤ 500 characters). */
export function checkRollbackRequest(current: string, toStage: string, reason: string): RuleViolation[] {
  const v: RuleViolation[] = [];
  if (!(rollbackTargets(current) as string[]).includes(toStage)) v.push(evaluationViolation("RULE_R50_ROLLBACK_TARGET", { stage: current }));
  const r = reason.trim();
  if (!r || r.length > ROLLBACK_REASON_MAX) v.push(evaluationViolation("RULE_R50_ROLLBACK_REASON", { max: ROLLBACK_REASON_MAX }));
  return v;
}

/** EV20: what a rollback to `toStage` clears ("done" marks after it; the data itself stays). */
export function rollbackClears(toStage: RollbackTarget): { doneStages: ("review" | "scoring")[]; conclusions: boolean; result: boolean; leader: boolean } {
  const at = ORDER.indexOf(toStage);
  return {
    doneStages: (["review", "scoring"] as const).filter((s) => ORDER.indexOf(s) >= at),
    conclusions: at <= ORDER.indexOf("review"),
    result: at <= ORDER.indexOf("summary"),
    leader: toStage === "leader",
  };
}
