import { describe, expect, it } from "vitest";
import { ZFCG_PROFILE, ZTB_PROFILE } from "../rules/profiles";
import { checkCommittee, ZFCG_CONSULTATION_COMMITTEE, type CommitteeMember } from "./committee";

const committee = (experts: number, reps = 0, chairRep = false): CommitteeMember[] => [
  ...Array.from({ length: experts }, (_, i) => ({ id: `E${i}`, kind: "expert" as const, chair: !chairRep && i === 0 })),
  ...Array.from({ length: reps }, (_, i) => ({ id: `R${i}`, kind: "representative" as const, chair: chairRep && i === 0 })),
];
const codes = (vs: { code: string }[]) => vs.map((v) => v.code);

describe("committee composition (R32)", () => {
  it("R32 ZTB: ≥ 5, odd, experts ≥ 2/3 — the tendering unit's representative counts as a non-expert", () => {
    expect(checkCommittee(ZTB_PROFILE.committee, { regime: "ZTB", members: committee(4, 1) })).toEqual([]);
    expect(codes(checkCommittee(ZTB_PROFILE.committee, { regime: "ZTB", members: committee(3, 2) }))).toEqual(["RULE_R32_EXPERT_SHARE"]);
    expect(codes(checkCommittee(ZTB_PROFILE.committee, { regime: "ZTB", members: committee(3) }))).toEqual(["RULE_R32_TOO_FEW_MEMBERS"]);
    expect(codes(checkCommittee(ZTB_PROFILE.committee, { regime: "ZTB", members: committee(6) }))).toEqual(["RULE_R32_EVEN_MEMBERS"]);
    expect(checkCommittee(ZTB_PROFILE.committee, { regime: "ZTB", members: committee(5) })).toEqual([]);
    expect(codes(checkCommittee(ZTB_PROFILE.committee, { regime: "ZTB", members: committee(4, 1), representativesAllowed: false }))).toEqual(["RULE_R32_REPRESENTATIVE_NOT_ALLOWED"]);
  });

  it("R32 ZFCG: ≥ 7 from a ¥10M budget (in fen; 以上 includes it); the purchaser's representative may not chair", () => {
    const big = 1_000_000_000; // ¥10,000,000.00 in fen
    expect(codes(checkCommittee(ZFCG_PROFILE.committee, { regime: "ZFCG", budgetFen: big, members: committee(4, 1) }))).toEqual(["RULE_R32_TOO_FEW_MEMBERS"]);
    expect(checkCommittee(ZFCG_PROFILE.committee, { regime: "ZFCG", budgetFen: big - 1, members: committee(4, 1) })).toEqual([]);
    expect(checkCommittee(ZFCG_PROFILE.committee, { regime: "ZFCG", budgetFen: big, members: committee(6, 1) })).toEqual([]);
    expect(checkCommittee(ZFCG_PROFILE.committee, { regime: "ZFCG", budgetFen: big, members: committee(6, 1) })[0]).toBeUndefined();
    expect(codes(checkCommittee(ZFCG_PROFILE.committee, { regime: "ZFCG", members: committee(4, 1, true) }))).toEqual(["RULE_R32_REPRESENTATIVE_CHAIR"]);
    expect(checkCommittee(ZTB_PROFILE.committee, { regime: "ZTB", members: committee(4, 1, true) })).toEqual([]);
    expect(() => checkCommittee(ZFCG_PROFILE.committee, { regime: "ZFCG", budgetFen: 1.5, members: committee(5) })).toThrow(RangeError);
  });

  it("R32 ZFCG 竞争性磋商: 3 or more, odd", () => {
    expect(checkCommittee(ZFCG_CONSULTATION_COMMITTEE, { regime: "ZFCG", members: committee(3) })).toEqual([]);
    expect(checkCommittee(ZFCG_CONSULTATION_COMMITTEE, { regime: "ZFCG", budgetFen: 5_000_000_000, members: committee(2, 1) })).toEqual([]);
    expect(codes(checkCommittee(ZFCG_CONSULTATION_COMMITTEE, { regime: "ZFCG", members: committee(1, 1) }))).toEqual(["RULE_R32_TOO_FEW_MEMBERS", "RULE_R32_EVEN_MEMBERS", "RULE_R32_EXPERT_SHARE"]);
  });
});
