import type { RuleViolation } from "../rules/violations";
import type { Regime } from "./method";
import { evaluationViolation as v } from "./violations";

/**
 * Electing the committee leader (推举组长; EV3, EV16; TV-V1) as a pure state machine over ballots, after the Gansu
 * system's rounds: one vote per member per round; a round is complete when every member has voted; the top
 * vote-getter leads; a tie for the top keeps only the tied eligible for the next round; after `maxRounds` tied
 * rounds the fallback decides — a lot among the tied (the caller draws it from its seeded DRBG) or, for ZTB only,
 * appointment by the tendering unit. ZFCG: the purchaser's representative may not lead (87号令45(四)). The leader
 * has no extra vote. Every ballot (voter, round, choice, time) is kept for the record.
 */

export type ElectionConfig = { regime: Regime; maxRounds: number; fallback: "lot" | "appointment" };
export type ElectionMember = { id: string; kind: "expert" | "representative" };
export type Ballot = { round: number; voter: string; choice: string; at: string };
export type Tally = { round: number; votes: { candidate: string; count: number }[]; top: string[] };

export type ElectionState = {
  config: ElectionConfig;
  members: ElectionMember[];
  round: number;
  /** Who may receive votes in the current round (sorted). */
  eligible: string[];
  ballots: Ballot[];
  tallies: Tally[];
  status: "voting" | "fallback" | "elected";
  leader: string | null;
  decidedBy: "votes" | "lot" | "appointment" | null;
};

export type Step = { ok: true; state: ElectionState } | { ok: false; violation: RuleViolation };

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Who may lead at all: everyone, except the purchaser's representative in ZFCG. */
export function mayLead(regime: Regime, m: ElectionMember): boolean {
  return !(regime === "ZFCG" && m.kind === "representative");
}

export function startElection(config: ElectionConfig, members: readonly ElectionMember[]): ElectionState {
  if (!Number.isInteger(config.maxRounds) || config.maxRounds < 1 || config.maxRounds > 10) throw new RangeError("maxRounds must be 1…10");
  if (new Set(members.map((m) => m.id)).size !== members.length) throw new RangeError("duplicate member");
  const eligible = members.filter((m) => mayLead(config.regime, m)).map((m) => m.id).sort(byId);
  if (eligible.length === 0) throw new RangeError("no member may lead");
  return { config, members: [...members].sort((a, b) => byId(a.id, b.id)), round: 1, eligible, ballots: [], tallies: [], status: "voting", leader: null, decidedBy: null };
}

/** Cast one ballot. Refusals: not a member, the election is not in this round (closed), a second ballot in one round, an ineligible choice. */
export function castBallot(state: ElectionState, ballot: Ballot): Step {
  if (state.status !== "voting" || ballot.round !== state.round) return { ok: false, violation: v("RULE_R32_ELECTION_CLOSED", { round: state.round }) };
  if (!state.members.some((m) => m.id === ballot.voter)) return { ok: false, violation: v("RULE_R32_ELECTION_NOT_MEMBER", { voter: ballot.voter }) };
  if (state.ballots.some((b) => b.round === state.round && b.voter === ballot.voter)) return { ok: false, violation: v("RULE_R32_ELECTION_ALREADY_VOTED", { round: state.round }) };
  if (!state.eligible.includes(ballot.choice)) return { ok: false, violation: v("RULE_R32_ELECTION_NOT_ELIGIBLE", { candidate: ballot.choice }) };

  const ballots = [...state.ballots, { ...ballot }];
  const inRound = ballots.filter((b) => b.round === state.round);
  if (inRound.length < state.members.length) return { ok: true, state: { ...state, ballots } };

  const votes = state.eligible.map((candidate) => ({ candidate, count: inRound.filter((b) => b.choice === candidate).length }));
  const most = Math.max(...votes.map((x) => x.count));
  const top = votes.filter((x) => x.count === most).map((x) => x.candidate);
  const tallies = [...state.tallies, { round: state.round, votes, top }];
  if (top.length === 1) return { ok: true, state: { ...state, ballots, tallies, status: "elected", leader: top[0]!, decidedBy: "votes" } };
  if (state.round < state.config.maxRounds) return { ok: true, state: { ...state, ballots, tallies, round: state.round + 1, eligible: top } };
  return { ok: true, state: { ...state, ballots, tallies, eligible: top, status: "fallback" } };
}

/**
 * Resolve a fallback: a lot (`order` = the tied members in the order the caller's seeded draw produced; the first
 * leads) or, for ZTB with fallback "appointment", the member the tendering unit appoints.
 */
export function resolveFallback(state: ElectionState, how: { kind: "lot"; order: readonly string[] } | { kind: "appointment"; leader: string }): Step {
  if (state.status !== "fallback") return { ok: false, violation: v("RULE_R32_ELECTION_CLOSED", { round: state.round }) };
  if (how.kind !== state.config.fallback || (how.kind === "appointment" && state.config.regime !== "ZTB")) {
    return { ok: false, violation: v("RULE_R32_ELECTION_NO_FALLBACK", { fallback: state.config.fallback }) };
  }
  if (how.kind === "lot") {
    const sorted = [...how.order].sort(byId);
    if (sorted.length !== state.eligible.length || sorted.some((id, i) => id !== state.eligible[i])) {
      return { ok: false, violation: v("RULE_R32_ELECTION_NOT_ELIGIBLE", { candidate: how.order.join(",") }) };
    }
    return { ok: true, state: { ...state, status: "elected", leader: how.order[0]!, decidedBy: "lot" } };
  }
  const m = state.members.find((x) => x.id === how.leader);
  if (!m || !mayLead(state.config.regime, m)) return { ok: false, violation: v("RULE_R32_ELECTION_NOT_ELIGIBLE", { candidate: how.leader }) };
  return { ok: true, state: { ...state, status: "elected", leader: how.leader, decidedBy: "appointment" } };
}

/** EV3: a leader appointed by the tendering unit (ZTB only); the ZFCG purchaser's representative never leads. */
export function checkAppointedLeader(regime: Regime, members: readonly ElectionMember[], leader: string): RuleViolation[] {
  if (regime !== "ZTB") return [v("RULE_R32_LEADER_APPOINTED", {})];
  const m = members.find((x) => x.id === leader);
  if (!m) return [v("RULE_R32_ELECTION_NOT_MEMBER", { voter: leader })];
  return [];
}
