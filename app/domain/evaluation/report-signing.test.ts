import { describe, expect, it } from "vitest";
import { checkPosition, checkRollbackRequest, DISSENT_MAX, memberFieldName, positionsState, reportNumber, rollbackClears, rollbackTargets, signingState } from "./report-signing";

const M = ["m1", "m2", "m3", "m4", "m5"];

describe("report numbers and fields (R49, EV21)", () => {
  it("EV21: every version has its own number", () => {
    expect(reportNumber("DQ-2026-JS-0088", "01", 1)).toBe("PB-DQ-2026-JS-0088-01-v1");
    expect(reportNumber("DQ-2026-JS-0088", "01", 2)).toBe("PB-DQ-2026-JS-0088-01-v2");
    expect(reportNumber("a/b c", "第1标段", 3)).toBe("PB-abc-第1标段-v3");
  });
  it("R50: one signature field per seat, without a period (ISO 32000-1 §12.7.3.2)", () => {
    expect(memberFieldName(3)).toBe("评标委员会成员 3 签名");
    expect(memberFieldName(12)).not.toContain(".");
  });
});

describe("positions (R50: dissent with reasons, refusal without reasons = consent)", () => {
  it("R50: a dissent needs its reasons, bounded; an agreement carries none", () => {
    expect(checkPosition("agree", "ignored")).toEqual({ position: "agree", dissent: null });
    expect(checkPosition("dissent", "  价格分计算有误  ")).toEqual({ position: "dissent", dissent: "价格分计算有误" });
    expect(checkPosition("dissent", "   ")).toMatchObject({ rule: "R50", code: "RULE_R50_DISSENT_REASONS" });
    expect(checkPosition("dissent", "x".repeat(DISSENT_MAX + 1))).toMatchObject({ code: "RULE_R50_DISSENT_REASONS" });
    expect(checkPosition("deemed", "")).toMatchObject({ code: "RULE_R50_DISSENT_REASONS" });
  });

  it("R50: ready when every member recorded a position; before the deadline a missing one waits", () => {
    const some = [
      { memberId: "m1", position: "agree" as const },
      { memberId: "m2", position: "dissent" as const },
    ];
    expect(positionsState({ regime: "ZTB", members: M, positions: some, deadlinePassed: false })).toEqual({ ready: false, deemed: [], violation: null });
    const all = M.map((memberId) => ({ memberId, position: "agree" as const }));
    expect(positionsState({ regime: "ZTB", members: M, positions: all, deadlinePassed: false }).ready).toBe(true);
  });

  it("R50 (条例53, 87号令61): after the deadline a member without a position is deemed to consent", () => {
    const s = positionsState({ regime: "ZTB", members: M, positions: [{ memberId: "m1", position: "dissent" }], deadlinePassed: true });
    expect(s).toEqual({ ready: true, deemed: ["m2", "m3", "m4", "m5"], violation: null });
  });

  it("R50 ZFCG majority rule (87号令61): a version most members dissent from is not signed; ZTB prints the dissents and signs", () => {
    const three = ["m1", "m2", "m3"].map((memberId) => ({ memberId, position: "dissent" as const }));
    const rest = ["m4", "m5"].map((memberId) => ({ memberId, position: "agree" as const }));
    const zfcg = positionsState({ regime: "ZFCG", members: M, positions: [...three, ...rest], deadlinePassed: false });
    expect(zfcg.ready).toBe(false);
    expect(zfcg.violation).toMatchObject({ rule: "R50", code: "RULE_R50_MAJORITY_DISSENT", params: { dissents: 3, members: 5 } });
    expect(positionsState({ regime: "ZTB", members: M, positions: [...three, ...rest], deadlinePassed: false })).toEqual({ ready: true, deemed: [], violation: null });
    // Two of five is a minority: signed with the dissents printed.
    const two = positionsState({ regime: "ZFCG", members: M, positions: [...three.slice(0, 2), ...rest, { memberId: "m3", position: "agree" }], deadlinePassed: false });
    expect(two.ready).toBe(true);
    // Before everyone has spoken (and before the deadline) no majority is declared.
    expect(positionsState({ regime: "ZFCG", members: M, positions: three, deadlinePassed: false })).toEqual({ ready: false, deemed: [], violation: null });
  });
});

describe("signatures (R50)", () => {
  it("R50: complete when every member signed", () => {
    expect(signingState({ members: M, signed: M, deadlinePassed: false })).toEqual({ complete: true, deemed: [] });
    expect(signingState({ members: M, signed: ["m1"], deadlinePassed: false })).toEqual({ complete: false, deemed: [] });
  });
  it("R50 (条例53): after the deadline a missing signature is deemed consent, once anyone signed", () => {
    expect(signingState({ members: M, signed: ["m1", "m3"], deadlinePassed: true })).toEqual({ complete: true, deemed: ["m2", "m4", "m5"] });
    expect(signingState({ members: M, signed: [], deadlinePassed: true })).toEqual({ complete: false, deemed: [] });
  });
});

describe("rollback (EV20)", () => {
  it("EV20: only to an earlier stage from the leader election on, never after the report is signed", () => {
    expect(rollbackTargets("signing")).toEqual(["leader", "review", "scoring", "summary"]);
    expect(rollbackTargets("scoring")).toEqual(["leader", "review"]);
    expect(rollbackTargets("leader")).toEqual([]);
    expect(rollbackTargets("signed")).toEqual([]);
    expect(rollbackTargets("nonsense")).toEqual([]);
  });
  it("EV20: a reason of at most 500 characters is required", () => {
    expect(checkRollbackRequest("signing", "scoring", "专家3技术分录入错误")).toEqual([]);
    expect(checkRollbackRequest("signing", "signing", "x").map((v) => v.code)).toEqual(["RULE_R50_ROLLBACK_TARGET"]);
    expect(checkRollbackRequest("summary", "review", " ").map((v) => v.code)).toEqual(["RULE_R50_ROLLBACK_REASON"]);
    expect(checkRollbackRequest("summary", "review", "x".repeat(501)).map((v) => v.code)).toEqual(["RULE_R50_ROLLBACK_REASON"]);
  });
  it("EV20: later done marks, conclusions, result and leader are cleared as the target requires", () => {
    expect(rollbackClears("summary")).toEqual({ doneStages: [], conclusions: false, result: true, leader: false });
    expect(rollbackClears("scoring")).toEqual({ doneStages: ["scoring"], conclusions: false, result: true, leader: false });
    expect(rollbackClears("review")).toEqual({ doneStages: ["review", "scoring"], conclusions: true, result: true, leader: false });
    expect(rollbackClears("leader")).toEqual({ doneStages: ["review", "scoring"], conclusions: true, result: true, leader: true });
  });
});
