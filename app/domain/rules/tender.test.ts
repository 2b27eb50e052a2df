import { describe, expect, it } from "vitest";
import { ZFCG_PROFILE, ZTB_PROFILE } from "./profiles";
import {
  amendmentEffect,
  checkAmendmentScope,
  checkBond,
  checkObjectionFiling,
  objectionAnswerDue,
  objectionFilingDeadline,
  objectionSuspends,
  validatePublication,
  type PublicationInput,
} from "./tender";
import { cst, GOLDEN_WEEK_2026 as cal } from "./test-fixtures";

const ztbNotice = { tenderingUnit: "x", address: "x", nature: "x", quantity: "x", place: "x", time: "x", obtainMethod: "x" };
const zfcgNotice = { tenderingUnit: "x", projectName: "x", budget: 1, scope: "x", qualification: "x", howToObtain: "x", deadline: "x", contact: "x" };

/** A publishable ZTB tender: published Mon 2026-11-23 10:00 CST, deadline exactly 20 days later. */
const ztb = (over: Partial<PublicationInput> = {}): PublicationInput => ({
  regime: "ZTB",
  mustTender: true,
  category: "construction",
  estimateFen: 100_000_000, // ¥1M
  bondFen: 1_000_000, // ¥10k
  ceilingPriceFen: 90_000_000,
  publishAt: cst("2026-11-23T10:00"),
  documentsAvailableFrom: cst("2026-11-23T10:00"),
  documentsAvailableUntil: cst("2026-11-30T17:00"),
  questionDeadline: cst("2026-12-05T17:00"),
  bidDeadline: cst("2026-12-13T09:30"),
  noticeFields: ztbNotice,
  ...over,
});
const zfcg = (over: Partial<PublicationInput> = {}): PublicationInput =>
  ztb({ regime: "ZFCG", category: "goods", estimateFen: undefined, budgetFen: 100_000_000, noticeFields: zfcgNotice, ...over });
const codes = (v: { code: string }[]) => v.map((x) => x.code);

describe("publication: R7 minimum bid period", () => {
  it("R7: exactly 20 days (start day not counted) is allowed", () => {
    expect(validatePublication(ztb(), ZTB_PROFILE, cal)).toEqual([]);
    expect(validatePublication(ztb({ bidDeadline: cst("2026-12-13T00:00") }), ZTB_PROFILE, cal)).toEqual([]);
  });

  it("R7: 19 days is refused with the minimum and the earliest allowed date", () => {
    const v = validatePublication(ztb({ bidDeadline: cst("2026-12-12T23:59") }), ZTB_PROFILE, cal);
    expect(v).toEqual([{ rule: "R7", code: "RULE_R7_BID_PERIOD", params: { minDays: 20, earliest: "2026-12-13" } }]);
  });

  it("R7: refuses a 10-day bid period", () => {
    const v = validatePublication(ztb({ questionDeadline: cst("2026-11-30T17:00"), bidDeadline: cst("2026-12-03T09:30") }), ZTB_PROFILE, cal);
    expect(codes(v)).toEqual(["RULE_R7_BID_PERIOD"]);
  });

  it("R7: ZFCG needs 20 days too (采购法35): 20 allowed, 19 refused", () => {
    expect(validatePublication(zfcg(), ZFCG_PROFILE, cal)).toEqual([]);
    expect(codes(validatePublication(zfcg({ bidDeadline: cst("2026-12-12T09:30") }), ZFCG_PROFILE, cal))).toEqual(["RULE_R7_BID_PERIOD"]);
  });

  it("R7: binds ZTB only when the project must be tendered (法24); ZFCG always", () => {
    const short = { questionDeadline: cst("2026-12-01T17:00"), bidDeadline: cst("2026-12-03T09:30"), mustTender: false };
    expect(validatePublication(ztb(short), ZTB_PROFILE, cal)).toEqual([]);
    expect(codes(validatePublication(zfcg(short), ZFCG_PROFILE, cal))).toEqual(["RULE_R7_BID_PERIOD"]);
  });

  it("R7: counts from the day the documents start to be issued when that is after publication", () => {
    const later = { documentsAvailableFrom: cst("2026-11-25T09:00"), documentsAvailableUntil: cst("2026-12-02T17:00") };
    const v = validatePublication(ztb(later), ZTB_PROFILE, cal);
    expect(v).toEqual([{ rule: "R7", code: "RULE_R7_BID_PERIOD", params: { minDays: 20, earliest: "2026-12-15" } }]);
    expect(validatePublication(ztb({ ...later, bidDeadline: cst("2026-12-15T09:30") }), ZTB_PROFILE, cal)).toEqual([]);
  });
});

describe("publication: R5, R6, R8, timeline", () => {
  it("R5: missing ZTB notice fields are named (法16)", () => {
    const v = validatePublication(ztb({ noticeFields: { ...ztbNotice, obtainMethod: " ", place: undefined } }), ZTB_PROFILE, cal);
    expect(v).toEqual([{ rule: "R5", code: "RULE_R5_NOTICE_FIELDS", params: { fields: "place, obtainMethod" } }]);
  });

  it("R5: ZFCG notices need the budget among their 8 items (87号令13)", () => {
    const v = validatePublication(zfcg({ noticeFields: { ...zfcgNotice, budget: null } }), ZFCG_PROFILE, cal);
    expect(v).toEqual([{ rule: "R5", code: "RULE_R5_NOTICE_FIELDS", params: { fields: "budget" } }]);
    // The ZTB field set does not satisfy ZFCG.
    expect(codes(validatePublication(zfcg({ noticeFields: ztbNotice }), ZFCG_PROFILE, cal))).toEqual(["RULE_R5_NOTICE_FIELDS"]);
  });

  it("R6: ZTB documents available ≥ 5 days, a weekend last day moving to Monday", () => {
    expect(codes(validatePublication(ztb({ documentsAvailableUntil: cst("2026-11-27T17:00") }), ZTB_PROFILE, cal))).toEqual(["RULE_R6_AVAILABILITY"]);
    // Mon 11-23 + 5 days = Sat 11-28, which R2 moves to Mon 11-30.
    const sat = validatePublication(ztb({ documentsAvailableUntil: cst("2026-11-28T17:00") }), ZTB_PROFILE, cal);
    expect(sat).toEqual([{ rule: "R6", code: "RULE_R6_AVAILABILITY", params: { minDays: 5, earliest: "2026-11-30" } }]);
    expect(validatePublication(ztb({ documentsAvailableUntil: cst("2026-11-30T17:00") }), ZTB_PROFILE, cal)).toEqual([]);
  });

  it("R6: ZFCG documents available ≥ 5 working days", () => {
    // Mon 11-23 + 5 working days = Mon 11-30.
    const short = validatePublication(zfcg({ documentsAvailableUntil: cst("2026-11-28T17:00") }), ZFCG_PROFILE, cal);
    expect(short).toEqual([{ rule: "R6", code: "RULE_R6_AVAILABILITY_WORKING", params: { minDays: 5, earliest: "2026-11-30" } }]);
  });

  it("R6: ZFCG working days skip the golden week", () => {
    // Published Tue Sep 29: Sep 30, Oct 8, 9, 10 (make-up), 12 → documents until Oct 12 at least.
    const sep = { publishAt: cst("2026-09-29T10:00"), documentsAvailableFrom: cst("2026-09-29T10:00"), questionDeadline: cst("2026-10-16T17:00"), bidDeadline: cst("2026-10-20T09:30") };
    const v = validatePublication(zfcg({ ...sep, documentsAvailableUntil: cst("2026-10-09T17:00") }), ZFCG_PROFILE, cal);
    expect(v).toEqual([{ rule: "R6", code: "RULE_R6_AVAILABILITY_WORKING", params: { minDays: 5, earliest: "2026-10-12" } }]);
    expect(validatePublication(zfcg({ ...sep, documentsAvailableUntil: cst("2026-10-12T17:00") }), ZFCG_PROFILE, cal)).toEqual([]);
  });

  it("R8: a floor price is forbidden under both regimes", () => {
    expect(validatePublication(ztb({ floorPriceFen: 1 }), ZTB_PROFILE, cal)).toEqual([{ rule: "R8", code: "RULE_R8_FLOOR_PRICE", params: {} }]);
    expect(codes(validatePublication(zfcg({ floorPriceFen: 0 }), ZFCG_PROFILE, cal))).toEqual(["RULE_R8_FLOOR_PRICE"]);
  });

  it("R8: a ceiling price is allowed up to the estimate/budget, refused above it or when not positive", () => {
    expect(validatePublication(ztb({ ceilingPriceFen: 100_000_000 }), ZTB_PROFILE, cal)).toEqual([]);
    expect(validatePublication(ztb({ ceilingPriceFen: null }), ZTB_PROFILE, cal)).toEqual([]);
    expect(validatePublication(ztb({ ceilingPriceFen: 100_000_001 }), ZTB_PROFILE, cal)).toEqual([
      { rule: "R8", code: "RULE_R8_CEILING_PRICE", params: { ceiling: "1000000.01", base: "1000000.00" } },
    ]);
    expect(codes(validatePublication(zfcg({ ceilingPriceFen: 0 }), ZFCG_PROFILE, cal))).toEqual(["RULE_R8_CEILING_PRICE"]);
  });

  it("R2 timeline order: questions before the deadline; documents end by the deadline", () => {
    const order = [{ rule: "R2", code: "RULE_TIMELINE_ORDER", params: {} }];
    expect(validatePublication(ztb({ questionDeadline: cst("2026-12-14T17:00") }), ZTB_PROFILE, cal)).toEqual(order);
    expect(validatePublication(ztb({ documentsAvailableUntil: cst("2026-12-13T10:00") }), ZTB_PROFILE, cal)).toEqual(order);
    expect(codes(validatePublication(ztb({ documentsAvailableUntil: cst("2026-11-23T09:00") }), ZTB_PROFILE, cal))).toContain("RULE_TIMELINE_ORDER");
  });
});

describe("R14 bond cap", () => {
  it("R14: 2 % of the ZTB estimate is the boundary (不得超过 includes it)", () => {
    expect(checkBond({ bondFen: 200_000, baseFen: 10_000_000, category: "services" }, ZTB_PROFILE)).toBeNull();
    expect(checkBond({ bondFen: 200_001, baseFen: 10_000_000, category: "services" }, ZTB_PROFILE)).toEqual({
      rule: "R14",
      code: "RULE_R14_BOND_CAP",
      params: { percent: 2, cap: "2000.00", bond: "2000.01" },
    });
  });

  it("R14: the ZTB sector cap (¥800k construction/goods, ¥100k survey/design) applies below 2 %", () => {
    const big = 10_000_000_000; // ¥100M estimate: 2 % = ¥2M
    expect(checkBond({ bondFen: 80_000_000, baseFen: big, category: "construction" }, ZTB_PROFILE)).toBeNull();
    expect(checkBond({ bondFen: 80_000_001, baseFen: big, category: "construction" }, ZTB_PROFILE)).toEqual({
      rule: "R14",
      code: "RULE_R14_BOND_SECTOR_CAP",
      params: { cap: "800000.00", bond: "800000.01" },
    });
    expect(checkBond({ bondFen: 80_000_001, baseFen: big, category: "goods" }, ZTB_PROFILE)?.code).toBe("RULE_R14_BOND_SECTOR_CAP");
    expect(checkBond({ bondFen: 10_000_000, baseFen: big, category: "survey_design" }, ZTB_PROFILE)).toBeNull();
    expect(checkBond({ bondFen: 10_000_001, baseFen: big, category: "survey_design" }, ZTB_PROFILE)?.code).toBe("RULE_R14_BOND_SECTOR_CAP");
    // Services have no sector cap; ZFCG has none at all.
    expect(checkBond({ bondFen: 200_000_000, baseFen: big, category: "services" }, ZTB_PROFILE)).toBeNull();
    expect(checkBond({ bondFen: 80_000_001, baseFen: big, category: "construction" }, ZFCG_PROFILE)).toBeNull();
  });

  it("R14: below the sector cap the 2 % limit is the binding one", () => {
    // ¥10M estimate: 2 % = ¥200k < ¥800k.
    expect(checkBond({ bondFen: 20_000_001, baseFen: 1_000_000_000, category: "construction" }, ZTB_PROFILE)?.code).toBe("RULE_R14_BOND_CAP");
  });

  it("R14: publication checks ZFCG bonds against 2 % of the budget, not the estimate", () => {
    expect(validatePublication(zfcg({ bondFen: 2_000_000, estimateFen: 1 }), ZFCG_PROFILE, cal)).toEqual([]);
    expect(codes(validatePublication(zfcg({ bondFen: 2_000_001 }), ZFCG_PROFILE, cal))).toEqual(["RULE_R14_BOND_CAP"]);
  });

  it("R14: a bond without an estimate/budget cannot be checked and is refused; no bond is fine", () => {
    expect(validatePublication(ztb({ estimateFen: undefined }), ZTB_PROFILE, cal)).toEqual([
      { rule: "R14", code: "RULE_R14_BOND_BASE_MISSING", params: {} },
    ]);
    expect(validatePublication(ztb({ estimateFen: undefined, bondFen: 0 }), ZTB_PROFILE, cal)).toEqual([]);
  });
});

describe("R10 amendment timing", () => {
  const issuedAt = cst("2026-11-23T15:00");

  it("R10: inside 15 days, the deadline moves to issue day + 15 at the same time of day", () => {
    const e = amendmentEffect({ issuedAt, bidDeadline: cst("2026-12-01T09:30"), affectsBidPreparation: true }, ZTB_PROFILE, cal);
    expect(e).toEqual({ extend: true, newDeadline: cst("2026-12-08T09:30"), minDays: 15 });
  });

  it("R10: exactly 15 days before is on time; outside 15 days nothing changes", () => {
    expect(amendmentEffect({ issuedAt, bidDeadline: cst("2026-12-08T09:30"), affectsBidPreparation: true }, ZTB_PROFILE, cal)).toEqual({ extend: false, newDeadline: null, minDays: 15 });
    expect(amendmentEffect({ issuedAt, bidDeadline: cst("2026-12-20T09:30"), affectsBidPreparation: true }, ZFCG_PROFILE, cal).extend).toBe(false);
  });

  it("R10: 14 days before extends under both profiles", () => {
    const input = { issuedAt, bidDeadline: cst("2026-12-07T09:30"), affectsBidPreparation: true };
    expect(amendmentEffect(input, ZTB_PROFILE, cal).newDeadline).toEqual(cst("2026-12-08T09:30"));
    expect(amendmentEffect(input, ZFCG_PROFILE, cal).newDeadline).toEqual(cst("2026-12-08T09:30"));
  });

  it("R10: an amendment that does not affect bid preparation never extends", () => {
    expect(amendmentEffect({ issuedAt, bidDeadline: cst("2026-11-25T09:30"), affectsBidPreparation: false }, ZTB_PROFILE, cal).extend).toBe(false);
  });

  it("R10 + R2: an extension landing in the golden week moves to the next working day", () => {
    // Issued Sep 17 → +15 = Oct 2 (holiday) → Thu Oct 8.
    const e = amendmentEffect({ issuedAt: cst("2026-09-17T10:00"), bidDeadline: cst("2026-09-25T09:00"), affectsBidPreparation: true }, ZTB_PROFILE, cal);
    expect(e.newDeadline).toEqual(cst("2026-10-08T09:00"));
  });

  it("R10 + R2: a make-up Saturday is a working day; a Sunday moves to Monday", () => {
    // Sep 25 + 15 = Sat Oct 10 (调休 working day): stays.
    expect(amendmentEffect({ issuedAt: cst("2026-09-25T10:00"), bidDeadline: cst("2026-10-09T09:00"), affectsBidPreparation: true }, ZTB_PROFILE, cal).newDeadline).toEqual(cst("2026-10-10T09:00"));
    // Sep 26 + 15 = Sun Oct 11 → Mon Oct 12.
    expect(amendmentEffect({ issuedAt: cst("2026-09-26T10:00"), bidDeadline: cst("2026-10-09T09:00"), affectsBidPreparation: true }, ZTB_PROFILE, cal).newDeadline).toEqual(cst("2026-10-12T09:00"));
  });

  it("R10: pre-qualification documents need 3 days", () => {
    const e = amendmentEffect({ issuedAt: cst("2026-11-23T10:00"), bidDeadline: cst("2026-11-25T09:00"), affectsBidPreparation: true, prequalification: true }, ZTB_PROFILE, cal);
    expect(e).toEqual({ extend: true, newDeadline: cst("2026-11-26T09:00"), minDays: 3 });
    expect(amendmentEffect({ issuedAt: cst("2026-11-23T10:00"), bidDeadline: cst("2026-11-26T09:00"), affectsBidPreparation: true, prequalification: true }, ZTB_PROFILE, cal).extend).toBe(false);
  });

  it("R10: a ZFCG amendment may not change the procurement subject or qualification conditions; ZTB has no such rule", () => {
    expect(checkAmendmentScope({ changesSubject: true, changesQualification: false }, ZFCG_PROFILE)).toEqual({ rule: "R10", code: "RULE_R10_SUBJECT_CHANGE", params: {} });
    expect(checkAmendmentScope({ changesSubject: false, changesQualification: true }, ZFCG_PROFILE)?.code).toBe("RULE_R10_SUBJECT_CHANGE");
    expect(checkAmendmentScope({ changesSubject: false, changesQualification: false }, ZFCG_PROFILE)).toBeNull();
    expect(checkAmendmentScope({ changesSubject: true, changesQualification: true }, ZTB_PROFILE)).toBeNull();
  });
});

describe("R11 ZTB objections", () => {
  const bidDeadline = cst("2026-12-13T09:30");

  it("R11: an objection 10 days before the deadline is on time; 9 days is too late", () => {
    expect(checkObjectionFiling({ filedAt: cst("2026-12-03T23:59"), bidDeadline }, ZTB_PROFILE, cal)).toBeNull();
    expect(checkObjectionFiling({ filedAt: cst("2026-12-04T00:00"), bidDeadline }, ZTB_PROFILE, cal)).toEqual({
      rule: "R11",
      code: "RULE_R11_OBJECTION_TOO_LATE",
      params: { minDays: 10, daysLeft: 9 },
    });
    expect(objectionFilingDeadline({ bidDeadline }, ZTB_PROFILE, cal)).toEqual(cst("2026-12-04T00:00"));
  });

  it("R11: pre-qualification objections need 2 days before the application deadline", () => {
    const deadline = cst("2026-11-30T09:00");
    expect(checkObjectionFiling({ filedAt: cst("2026-11-28T17:00"), bidDeadline: deadline, prequalification: true }, ZTB_PROFILE, cal)).toBeNull();
    expect(checkObjectionFiling({ filedAt: cst("2026-11-29T08:00"), bidDeadline: deadline, prequalification: true }, ZTB_PROFILE, cal)).toEqual({
      rule: "R11",
      code: "RULE_R11_PREQ_OBJECTION_TOO_LATE",
      params: { minDays: 2, daysLeft: 1 },
    });
  });

  it("R11: the answer is due within 3 days (24:00 of the third day), rolled past holidays", () => {
    expect(objectionAnswerDue(cst("2026-11-23T10:00"), ZTB_PROFILE, cal)).toEqual(cst("2026-11-27T00:00"));
    // Filed Mon Sep 28: +3 = Oct 1 (holiday) → Oct 8, due Oct 9 00:00.
    expect(objectionAnswerDue(cst("2026-09-28T10:00"), ZTB_PROFILE, cal)).toEqual(cst("2026-10-09T00:00"));
  });

  it("R11: a pending objection suspends the procedure (both profiles pause)", () => {
    expect(objectionSuspends(ZTB_PROFILE)).toBe(true);
    expect(objectionSuspends(ZFCG_PROFILE)).toBe(true);
  });
});

describe("R12 ZFCG challenges", () => {
  const bidDeadline = cst("2026-12-20T09:00");

  it("R12: a challenge within 7 working days of knowing; answer within 7 working days", () => {
    const knownAt = cst("2026-11-23T10:00"); // Monday → 7 working days = Wed Dec 2
    expect(checkObjectionFiling({ filedAt: cst("2026-12-02T23:59"), bidDeadline, knownAt }, ZFCG_PROFILE, cal)).toBeNull();
    expect(checkObjectionFiling({ filedAt: cst("2026-12-03T00:00"), bidDeadline, knownAt }, ZFCG_PROFILE, cal)).toEqual({
      rule: "R12",
      code: "RULE_R12_CHALLENGE_WINDOW",
      params: { days: 7, last: "2026-12-02" },
    });
    expect(objectionFilingDeadline({ bidDeadline, knownAt }, ZFCG_PROFILE, cal)).toEqual(cst("2026-12-03T00:00"));
    expect(objectionAnswerDue(knownAt, ZFCG_PROFILE, cal)).toEqual(cst("2026-12-03T00:00"));
  });

  it("R12: the working-day window skips the golden week and counts the make-up Saturday", () => {
    // Known Tue Sep 29: Sep 30, Oct 8, 9, 10, 12, 13, 14 → last day Wed Oct 14.
    const knownAt = cst("2026-09-29T10:00");
    const late = cst("2026-10-20T09:00");
    expect(checkObjectionFiling({ filedAt: cst("2026-10-14T16:00"), bidDeadline: late, knownAt }, ZFCG_PROFILE, cal)).toBeNull();
    expect(checkObjectionFiling({ filedAt: cst("2026-10-15T09:00"), bidDeadline: late, knownAt }, ZFCG_PROFILE, cal)?.params).toEqual({ days: 7, last: "2026-10-14" });
  });

  it("R12: a ZFCG challenge has no before-deadline limit, and no window without a knowing date", () => {
    expect(checkObjectionFiling({ filedAt: cst("2026-12-19T09:00"), bidDeadline }, ZFCG_PROFILE, cal)).toBeNull();
    expect(objectionFilingDeadline({ bidDeadline }, ZFCG_PROFILE, cal)).toBeNull();
  });
});
