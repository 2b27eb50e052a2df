import { describe, expect, it } from "vitest";
import { makeHolidayCalendar } from "./days";
import { ZFCG_PROFILE, ZTB_PROFILE } from "./profiles";
import { amendmentEffect, checkBond, checkObjectionFiling, objectionAnswerDue, validatePublication, type PublicationInput } from "./tender";

const cal = makeHolidayCalendar([
  ...["01", "02", "03", "04", "05", "06", "07"].map((d) => ({ date: `2026-10-${d}`, kind: "holiday" as const })),
  { date: "2026-10-10", kind: "workday" },
]);
const cst = (s: string) => new Date(`${s}:00+08:00`);

const ztbNotice = { tenderingUnit: "x", address: "x", nature: "x", quantity: "x", place: "x", time: "x", obtainMethod: "x" };
const base = (over: Partial<PublicationInput> = {}): PublicationInput => ({
  regime: "ZTB",
  mustTender: true,
  category: "construction",
  estimateFen: 1_000_000_00,
  bondFen: 1_000_000,
  ceilingPriceFen: 90_000_000,
  publishAt: cst("2026-11-23T10:00"),
  documentsAvailableFrom: cst("2026-11-23T10:00"),
  documentsAvailableUntil: cst("2026-11-30T17:00"),
  questionDeadline: cst("2026-12-05T17:00"),
  bidDeadline: cst("2026-12-13T09:30"),
  noticeFields: ztbNotice,
  ...over,
});
const codes = (v: { code: string }[]) => v.map((x) => x.code);

describe("publication rules", () => {
  it("R7: exactly 20 days (start day not counted) is allowed", () => {
    expect(validatePublication(base(), ZTB_PROFILE, cal)).toEqual([]);
  });

  it("R7: 19 days is refused with the earliest allowed date", () => {
    const v = validatePublication(base({ bidDeadline: cst("2026-12-12T23:59") }), ZTB_PROFILE, cal);
    expect(v).toEqual([{ rule: "R7", code: "RULE_R7_BID_PERIOD", params: { minDays: 20, earliest: "2026-12-13" } }]);
  });

  it("R7: refuses a 10-day bid period", () => {
    const v = validatePublication(base({ questionDeadline: cst("2026-11-30T17:00"), bidDeadline: cst("2026-12-03T09:30") }), ZTB_PROFILE, cal);
    expect(codes(v)).toEqual(["RULE_R7_BID_PERIOD"]);
  });

  it("R5: missing notice fields are named", () => {
    const v = validatePublication(base({ noticeFields: { ...ztbNotice, obtainMethod: " ", place: undefined } }), ZTB_PROFILE, cal);
    expect(v).toEqual([{ rule: "R5", code: "RULE_R5_NOTICE_FIELDS", params: { fields: "place, obtainMethod" } }]);
  });

  it("R6: ZTB documents available ≥ 5 days; ZFCG ≥ 5 working days", () => {
    expect(codes(validatePublication(base({ documentsAvailableUntil: cst("2026-11-27T17:00") }), ZTB_PROFILE, cal))).toEqual(["RULE_R6_AVAILABILITY"]);
    // Mon 11-23 + 5 days = Sat 11-28, which R2 moves to Mon 11-30.
    const sat = validatePublication(base({ documentsAvailableUntil: cst("2026-11-28T17:00") }), ZTB_PROFILE, cal);
    expect(sat[0]?.params.earliest).toBe("2026-11-30");
    expect(validatePublication(base({ documentsAvailableUntil: cst("2026-11-30T17:00") }), ZTB_PROFILE, cal)).toEqual([]);
    const zfcg = { tenderingUnit: "x", projectName: "x", budget: 1, scope: "x", qualification: "x", howToObtain: "x", deadline: "x", contact: "x" };
    // Mon 11-23 + 5 working days = Mon 11-30.
    const short = validatePublication(base({ regime: "ZFCG", budgetFen: 100_000_000, estimateFen: undefined, noticeFields: zfcg, documentsAvailableUntil: cst("2026-11-28T17:00") }), ZFCG_PROFILE, cal);
    expect(codes(short)).toEqual(["RULE_R6_AVAILABILITY_WORKING"]);
    expect(short[0]!.params.earliest).toBe("2026-11-30");
  });

  it("R8: a floor price is forbidden; a ceiling above the estimate is refused", () => {
    expect(codes(validatePublication(base({ floorPriceFen: 1 }), ZTB_PROFILE, cal))).toEqual(["RULE_R8_FLOOR_PRICE"]);
    expect(codes(validatePublication(base({ ceilingPriceFen: 1_000_000_01 }), ZTB_PROFILE, cal))).toEqual(["RULE_R8_CEILING_PRICE"]);
  });

  it("timeline order: the question deadline must precede the bid deadline", () => {
    expect(codes(validatePublication(base({ questionDeadline: cst("2026-12-14T17:00") }), ZTB_PROFILE, cal))).toEqual(["RULE_TIMELINE_ORDER"]);
  });
});

describe("R14 bond cap", () => {
  it("R14: 2 % of the estimate is the boundary", () => {
    expect(checkBond({ bondFen: 200_000, baseFen: 10_000_000, category: "services" }, ZTB_PROFILE)).toBeNull();
    expect(checkBond({ bondFen: 200_001, baseFen: 10_000_000, category: "services" }, ZTB_PROFILE)?.code).toBe("RULE_R14_BOND_CAP");
  });
  it("R14: the ZTB sector cap (¥800k construction, ¥100k survey/design) applies below 2 %", () => {
    const big = 10_000_000_000; // ¥100M estimate: 2 % = ¥2M
    expect(checkBond({ bondFen: 80_000_000, baseFen: big, category: "construction" }, ZTB_PROFILE)).toBeNull();
    expect(checkBond({ bondFen: 80_000_001, baseFen: big, category: "construction" }, ZTB_PROFILE)?.code).toBe("RULE_R14_BOND_SECTOR_CAP");
    expect(checkBond({ bondFen: 10_000_001, baseFen: big, category: "survey_design" }, ZTB_PROFILE)?.code).toBe("RULE_R14_BOND_SECTOR_CAP");
    // ZFCG has no sector cap.
    expect(checkBond({ bondFen: 80_000_001, baseFen: big, category: "construction" }, ZFCG_PROFILE)).toBeNull();
  });
});

describe("R10 amendment timing", () => {
  it("R10: inside 15 days, the deadline moves to issue day + 15 at the same time of day", () => {
    const e = amendmentEffect({ issuedAt: cst("2026-11-23T15:00"), bidDeadline: cst("2026-12-01T09:30"), affectsBidPreparation: true }, ZTB_PROFILE, cal);
    expect(e.extend).toBe(true);
    expect(e.newDeadline?.toISOString()).toBe(cst("2026-12-08T09:30").toISOString());
  });
  it("R10: exactly 15 days before is on time", () => {
    expect(amendmentEffect({ issuedAt: cst("2026-11-23T15:00"), bidDeadline: cst("2026-12-08T09:30"), affectsBidPreparation: true }, ZTB_PROFILE, cal).extend).toBe(false);
  });
  it("R10: an amendment that does not affect bid preparation never extends", () => {
    expect(amendmentEffect({ issuedAt: cst("2026-11-23T15:00"), bidDeadline: cst("2026-11-25T09:30"), affectsBidPreparation: false }, ZTB_PROFILE, cal).extend).toBe(false);
  });
  it("R10 + R2: an extension landing in the golden week moves to the next working day", () => {
    // Issued Sep 17 → +15 = Oct 2 (holiday) → Oct 8.
    const e = amendmentEffect({ issuedAt: cst("2026-09-17T10:00"), bidDeadline: cst("2026-09-25T09:00"), affectsBidPreparation: true }, ZTB_PROFILE, cal);
    expect(e.newDeadline?.toISOString()).toBe(cst("2026-10-08T09:00").toISOString());
  });
  it("R10: pre-qualification documents need 3 days", () => {
    const e = amendmentEffect({ issuedAt: cst("2026-11-23T10:00"), bidDeadline: cst("2026-11-25T09:00"), affectsBidPreparation: true, prequalification: true }, ZTB_PROFILE, cal);
    expect(e.newDeadline?.toISOString()).toBe(cst("2026-11-26T09:00").toISOString());
  });
});

describe("R11/R12 objections", () => {
  it("R11: an objection 10 days before the deadline is on time; 9 days is too late", () => {
    expect(checkObjectionFiling({ filedAt: cst("2026-12-03T16:00"), bidDeadline: cst("2026-12-13T09:30") }, ZTB_PROFILE, cal)).toBeNull();
    expect(checkObjectionFiling({ filedAt: cst("2026-12-04T08:00"), bidDeadline: cst("2026-12-13T09:30") }, ZTB_PROFILE, cal)).toEqual({
      rule: "R11",
      code: "RULE_R11_OBJECTION_TOO_LATE",
      params: { minDays: 10, daysLeft: 9 },
    });
  });
  it("R11: the answer is due within 3 days (24:00 of the third day)", () => {
    expect(objectionAnswerDue(cst("2026-11-23T10:00"), ZTB_PROFILE, cal).toISOString()).toBe(cst("2026-11-27T00:00").toISOString());
  });
  it("R12: a ZFCG challenge within 7 working days of knowing; answer within 7 working days", () => {
    const known = cst("2026-11-23T10:00"); // Monday
    expect(checkObjectionFiling({ filedAt: cst("2026-12-02T17:00"), bidDeadline: cst("2026-12-20T09:00"), knownAt: known }, ZFCG_PROFILE, cal)).toBeNull();
    expect(checkObjectionFiling({ filedAt: cst("2026-12-03T09:00"), bidDeadline: cst("2026-12-20T09:00"), knownAt: known }, ZFCG_PROFILE, cal)?.code).toBe("RULE_R12_CHALLENGE_WINDOW");
    expect(objectionAnswerDue(known, ZFCG_PROFILE, cal).toISOString()).toBe(cst("2026-12-03T00:00").toISOString());
  });
});
