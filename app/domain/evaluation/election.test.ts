import { describe, expect, it } from "vitest";
import { castBallot, checkAppointedLeader, resolveFallback, startElection, type ElectionState } from "./election";

const five = ["M1", "M2", "M3", "M4", "M5"].map((id) => ({ id, kind: "expert" as const }));
const at = "2026-12-01T09:00:00+08:00";

function vote(state: ElectionState, round: number, choices: Record<string, string>): ElectionState {
  let s = state;
  for (const [voter, choice] of Object.entries(choices)) {
    const r = castBallot(s, { round, voter, choice, at });
    if (!r.ok) throw new Error(r.violation.code);
    s = r.state;
  }
  return s;
}

describe("leader election (EV3, EV16)", () => {
  it("TV-V1: round 1 ties M2/M4; round 2 only they are eligible; M2 leads with 3 votes", () => {
    let s = startElection({ regime: "ZTB", maxRounds: 3, fallback: "lot" }, five);
    s = vote(s, 1, { M1: "M2", M2: "M2", M3: "M4", M4: "M4", M5: "M1" });
    expect([s.status, s.round, s.eligible]).toEqual(["voting", 2, ["M2", "M4"]]);
    expect(s.tallies[0]!.votes).toEqual([
      { candidate: "M1", count: 1 },
      { candidate: "M2", count: 2 },
      { candidate: "M3", count: 0 },
      { candidate: "M4", count: 2 },
      { candidate: "M5", count: 0 },
    ]);
    const wrong = castBallot(s, { round: 2, voter: "M1", choice: "M1", at });
    expect(wrong.ok || wrong.violation.code).toBe("RULE_R32_ELECTION_NOT_ELIGIBLE");
    s = vote(s, 2, { M1: "M2", M2: "M2", M3: "M4", M4: "M2", M5: "M4" });
    expect([s.status, s.leader, s.decidedBy]).toEqual(["elected", "M2", "votes"]);
    expect(s.ballots).toHaveLength(10);
  });

  it("TV-V1: a second ballot by the same member in one round is refused with a code", () => {
    let s = startElection({ regime: "ZTB", maxRounds: 3, fallback: "lot" }, five);
    s = vote(s, 1, { M1: "M2" });
    const again = castBallot(s, { round: 1, voter: "M1", choice: "M3", at });
    expect(again).toEqual({ ok: false, violation: { rule: "R32", code: "RULE_R32_ELECTION_ALREADY_VOTED", params: { round: 1 } } });
    expect(castBallot(s, { round: 1, voter: "X9", choice: "M3", at })).toMatchObject({ ok: false, violation: { code: "RULE_R32_ELECTION_NOT_MEMBER" } });
    expect(castBallot(s, { round: 2, voter: "M2", choice: "M3", at })).toMatchObject({ ok: false, violation: { code: "RULE_R32_ELECTION_CLOSED" } });
  });

  it("EV16: after the round limit the fallback decides — a lot among the tied, or (ZTB) appointment", () => {
    const tie = { M1: "M1", M2: "M1", M3: "M2", M4: "M2", M5: "M3" };
    let s = startElection({ regime: "ZTB", maxRounds: 1, fallback: "lot" }, five);
    s = vote(s, 1, tie);
    expect([s.status, s.eligible]).toEqual(["fallback", ["M1", "M2"]]);
    expect(resolveFallback(s, { kind: "appointment", leader: "M1" })).toMatchObject({ ok: false, violation: { code: "RULE_R32_ELECTION_NO_FALLBACK" } });
    expect(resolveFallback(s, { kind: "lot", order: ["M1", "M3"] })).toMatchObject({ ok: false });
    const lot = resolveFallback(s, { kind: "lot", order: ["M2", "M1"] });
    expect(lot.ok && [lot.state.leader, lot.state.decidedBy]).toEqual(["M2", "lot"]);
    let a = startElection({ regime: "ZTB", maxRounds: 1, fallback: "appointment" }, five);
    a = vote(a, 1, tie);
    const appointed = resolveFallback(a, { kind: "appointment", leader: "M5" });
    expect(appointed.ok && [appointed.state.leader, appointed.state.decidedBy]).toEqual(["M5", "appointment"]);
    let z = startElection({ regime: "ZFCG", maxRounds: 1, fallback: "appointment" }, five);
    z = vote(z, 1, tie);
    expect(resolveFallback(z, { kind: "appointment", leader: "M5" })).toMatchObject({ ok: false, violation: { code: "RULE_R32_ELECTION_NO_FALLBACK" } });
  });

  it("EV3: in ZFCG the purchaser's representative cannot be chosen (but votes); appointment is ZTB only", () => {
    const members = [...five.slice(0, 4), { id: "R1", kind: "representative" as const }];
    const s = startElection({ regime: "ZFCG", maxRounds: 3, fallback: "lot" }, members);
    expect(s.eligible).toEqual(["M1", "M2", "M3", "M4"]);
    expect(castBallot(s, { round: 1, voter: "M1", choice: "R1", at })).toMatchObject({ ok: false, violation: { code: "RULE_R32_ELECTION_NOT_ELIGIBLE" } });
    expect(castBallot(s, { round: 1, voter: "R1", choice: "M1", at }).ok).toBe(true);
    expect(startElection({ regime: "ZTB", maxRounds: 3, fallback: "lot" }, members).eligible).toContain("R1");
    expect(checkAppointedLeader("ZFCG", members, "M1").map((v) => v.code)).toEqual(["RULE_R32_LEADER_APPOINTED"]);
    expect(checkAppointedLeader("ZTB", members, "M1")).toEqual([]);
  });
});
