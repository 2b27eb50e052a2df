import { describe, expect, it } from "vitest";
import { getProfile, RULE_PROFILES, ZFCG_PROFILE, ZTB_PROFILE } from "./profiles";

describe("rule profiles (data)", () => {
  it("R1: one profile per regime, looked up by code", () => {
    expect(RULE_PROFILES.map((p) => p.code)).toEqual(["ZTB", "ZFCG"]);
    expect(getProfile("ZTB")).toBe(ZTB_PROFILE);
    expect(getProfile("ZFCG")).toBe(ZFCG_PROFILE);
    for (const p of RULE_PROFILES) expect(p.version).toMatch(/^\d{4}\.\d+$/);
  });

  it("R6/R7: 20 calendar days to the deadline under both; documents 5 days (ZTB) or 5 working days (ZFCG)", () => {
    expect(ZTB_PROFILE.minBidPeriod).toEqual({ days: 20, unit: "calendar" });
    expect(ZFCG_PROFILE.minBidPeriod).toEqual({ days: 20, unit: "calendar" });
    expect([ZTB_PROFILE.minBidPeriodMustTenderOnly, ZFCG_PROFILE.minBidPeriodMustTenderOnly]).toEqual([true, false]);
    expect(ZTB_PROFILE.documentsAvailability).toEqual({ days: 5, unit: "calendar" });
    expect(ZFCG_PROFILE.documentsAvailability).toEqual({ days: 5, unit: "working" });
  });

  it("R10: 15 days (pre-qualification 3) under both; only ZFCG forbids changing the subject", () => {
    for (const p of RULE_PROFILES) expect([p.amendmentMinDaysBeforeDeadline, p.prequalificationAmendmentMinDays]).toEqual([15, 3]);
    expect([ZTB_PROFILE.amendmentMayNotChangeSubject, ZFCG_PROFILE.amendmentMayNotChangeSubject]).toEqual([false, true]);
  });

  it("R11/R12: ZTB ≥ 10 (pre-qualification 2) days before, answer in 3 days; ZFCG 7 working days each way", () => {
    expect(ZTB_PROFILE.objection).toMatchObject({ rule: "R11", filingMinDaysBeforeDeadline: 10, prequalificationFilingMinDaysBeforeDeadline: 2, filingWindow: null, answerWithin: { days: 3, unit: "calendar" } });
    expect(ZFCG_PROFILE.objection).toMatchObject({ rule: "R12", filingMinDaysBeforeDeadline: null, filingWindow: { days: 7, unit: "working" }, answerWithin: { days: 7, unit: "working" } });
  });

  it("R14: 2 % of the estimate (ZTB) or budget (ZFCG); ZTB sector caps in integer fen", () => {
    expect([ZTB_PROFILE.bondCapPercent, ZTB_PROFILE.bondBase]).toEqual([2, "estimate"]);
    expect([ZFCG_PROFILE.bondCapPercent, ZFCG_PROFILE.bondBase]).toEqual([2, "budget"]);
    expect(ZTB_PROFILE.bondCapAbsoluteFen).toEqual({ construction: 80_000_000, goods: 80_000_000, survey_design: 10_000_000 });
    expect(ZFCG_PROFILE.bondCapAbsoluteFen).toEqual({});
  });

  it("R25/R32/R47/R51/R54/R56: bidders, committee, candidates, publicity, contract", () => {
    for (const p of RULE_PROFILES) {
      expect([p.minBidders, p.committee.min, p.maxRankedCandidates, p.contractDays]).toEqual([3, 5, 3, 30]);
      expect(p.committee.expertShareNumerator / p.committee.expertShareDenominator).toBeCloseTo(2 / 3);
    }
    expect(ZFCG_PROFILE.committee).toMatchObject({ minLargeBudget: 7, largeBudgetThresholdFen: 1_000_000_000 }); // ¥10M
    // R32/EV3: the tendering unit's representative may sit under both; under ZFCG it may not chair (87号令45).
    expect(ZTB_PROFILE.committeeRepresentative).toEqual({ allowed: true, mayChair: true, max: 3 });
    expect(ZFCG_PROFILE.committeeRepresentative).toEqual({ allowed: true, mayChair: false, max: 3 });
    expect(ZTB_PROFILE.publicity).toEqual({ days: 3, unit: "calendar" });
    expect(ZFCG_PROFILE.publicity).toEqual({ days: 1, unit: "working" });
  });

  it("R5: ZTB notices carry the 法16 items; ZFCG notices the 8 items of 87号令13", () => {
    expect(ZTB_PROFILE.requiredNoticeFields).toEqual(["tenderingUnit", "address", "nature", "quantity", "place", "time", "obtainMethod"]);
    expect(ZFCG_PROFILE.requiredNoticeFields).toHaveLength(8);
    expect(ZFCG_PROFILE.requiredNoticeFields).toContain("budget");
  });

  it("profiles survive a JSON round trip (they are stored as data)", () => {
    for (const p of RULE_PROFILES) expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});
