import { describe, expect, it } from "vitest";
import { ZTB_PROFILE } from "../rules/profiles";
import { objectionAnswerDue } from "../rules/results";
import { cst, GOLDEN_WEEK_2026 as cal } from "../rules/test-fixtures";
import { violation } from "../rules/violations";
import { DEFAULT_THRESHOLDS, lightOf, nextChange, sectionLight } from "./lights";
import type { LimitInstance } from "./limits";

const ms = (d: Date, n: number) => new Date(d.getTime() + n);

// R52: an objection to the result filed Mon 2026-11-02 10:00 is answered within 3 days: by Thu 11-05 24:00.
const FILED = cst("2026-11-02T10:00");
const DUE = objectionAnswerDue(FILED, ZTB_PROFILE.results, cal)!;
const SPAN = DUE.getTime() - FILED.getTime(); // 3 d 14 h = 309 600 000 ms
const objection = (doneAt: Date | null = null, subjectId = "r1", filedAt = FILED, dueAt = DUE): LimitInstance => ({ limitId: "resultObjectionAnswer", startedAt: filedAt, dueAt, doneAt, subjectId });
const at = (pct: number) => ms(FILED, Math.round((SPAN * pct) / 100));

describe("lightOf: deadlines (R65 warnings, e.g. the R52 answer limit)", () => {
  it("the due instant is Fri 11-06 00:00 CST and the span is exact", () => {
    expect(DUE).toEqual(cst("2026-11-06T00:00"));
    expect(SPAN).toBe(309_600_000);
  });

  it("79.99 % is green, 80 % exactly is yellow (1 ms before it still green)", () => {
    expect(lightOf(objection(), at(79.99), DEFAULT_THRESHOLDS)).toEqual({ light: "green", usedPct: expect.closeTo(79.99, 6), overdueMs: 0, breach: null });
    expect(lightOf(objection(), ms(at(80), -1)).light).toBe("green");
    expect(lightOf(objection(), at(80))).toEqual({ light: "yellow", usedPct: 80, overdueMs: 0, breach: null });
  });

  it("before the start and early on: green at 0 %", () => {
    expect(lightOf(objection(), ms(FILED, -60_000))).toEqual({ light: "green", usedPct: 0, overdueMs: 0, breach: null });
    expect(lightOf(objection(), FILED).light).toBe("green");
  });

  it("due exactly now is yellow (not late); 1 ms after is red and overdue by 1 ms", () => {
    expect(lightOf(objection(), DUE)).toEqual({ light: "yellow", usedPct: 100, overdueMs: 0, breach: null });
    expect(lightOf(objection(), ms(DUE, 1))).toEqual({ light: "red", usedPct: expect.any(Number), overdueMs: 1, breach: "overdue" });
  });

  it("done in time is green (also exactly at the due instant), with the share used when it was done", () => {
    expect(lightOf(objection(at(50)), ms(DUE, 86_400_000))).toEqual({ light: "green", usedPct: 50, overdueMs: 0, breach: null });
    expect(lightOf(objection(DUE), ms(DUE, 1)).light).toBe("green");
  });

  it("done late stays red for good: a recorded breach, overdue fixed at doneAt − dueAt", () => {
    const late = objection(ms(DUE, 3_600_000));
    expect(lightOf(late, ms(DUE, 3_600_000))).toEqual({ light: "red", usedPct: expect.any(Number), overdueMs: 3_600_000, breach: "late" });
    expect(lightOf(late, cst("2027-03-01T00:00"))).toMatchObject({ light: "red", overdueMs: 3_600_000, breach: "late" });
  });

  it("R57 deemed choice / R37 time-out: the platform's step is a missed limit (red) even at the due instant", () => {
    const deemed: LimitInstance = { limitId: "awardDecision", startedAt: cst("2026-09-29T16:30"), dueAt: cst("2026-10-13T00:00"), doneAt: cst("2026-10-13T00:00"), missed: true };
    expect(lightOf(deemed, cst("2026-10-14T09:00"))).toMatchObject({ light: "red", overdueMs: 0, breach: "missed" });
  });

  it("a doneAt later than now has not happened yet", () => {
    expect(lightOf(objection(at(90)), at(85)).light).toBe("yellow");
    expect(lightOf(objection(at(90)), at(90)).light).toBe("green");
  });

  it("a zero-length limit is yellow at its instant and red after", () => {
    const zero = objection(null, "z", DUE, DUE);
    expect(lightOf(zero, ms(DUE, -1)).light).toBe("green");
    expect(lightOf(zero, DUE)).toMatchObject({ light: "yellow", usedPct: 100 });
    expect(lightOf(zero, ms(DUE, 1)).light).toBe("red");
  });
});

describe("lightOf: thresholds", () => {
  it("a lower threshold turns yellow earlier; a per-limit override applies to that limit only", () => {
    expect(lightOf(objection(), at(60), { yellowAtPct: 50 }).light).toBe("yellow");
    expect(lightOf(objection(), at(49.99), { yellowAtPct: 50 }).light).toBe("green");
    const t = { yellowAtPct: 80, byLimit: { resultObjectionAnswer: 95 } };
    expect(lightOf(objection(), at(90), t).light).toBe("green");
    expect(lightOf(objection(), at(95), t).light).toBe("yellow");
    const refund: LimitInstance = { limitId: "bondRefund", startedAt: FILED, dueAt: DUE, doneAt: null };
    expect(lightOf(refund, at(90), t).light).toBe("yellow");
  });

  it("100 % means yellow only at the due instant itself", () => {
    expect(lightOf(objection(), ms(DUE, -1), { yellowAtPct: 100 }).light).toBe("green");
    expect(lightOf(objection(), DUE, { yellowAtPct: 100 }).light).toBe("yellow");
  });

  it("a threshold outside (0, 100] is refused", () => {
    for (const bad of [0, -5, 101, Number.NaN]) expect(() => lightOf(objection(), FILED, { yellowAtPct: bad })).toThrow(RangeError);
  });
});

describe("lightOf: periods", () => {
  // R51: candidate publicity Fri 10-09 16:30 → Mon 10-12 24:00.
  const publicity = (doneAt: Date | null = null): LimitInstance => ({ limitId: "publicityPeriod", startedAt: cst("2026-10-09T16:30"), dueAt: cst("2026-10-13T00:00"), doneAt });

  it("R51: yellow in its last 20 % (closing soon), green once over — passing its end is no breach", () => {
    expect(lightOf(publicity(), cst("2026-10-10T12:00")).light).toBe("green");
    expect(lightOf(publicity(), cst("2026-10-12T12:00")).light).toBe("yellow");
    expect(lightOf(publicity(), cst("2026-10-13T00:00")).light).toBe("yellow");
    expect(lightOf(publicity(), ms(cst("2026-10-13T00:00"), 1))).toEqual({ light: "green", usedPct: 100, overdueMs: 0, breach: null });
    // Ended by the job a few seconds after its end: green.
    expect(lightOf(publicity(ms(cst("2026-10-13T00:00"), 5_000)), cst("2026-10-14T00:00")).light).toBe("green");
  });

  it("R51/R7: a period closed before its end was cut short (red)", () => {
    expect(lightOf(publicity(cst("2026-10-12T09:00")), cst("2026-10-12T10:00"))).toMatchObject({ light: "red", breach: "cut_short", overdueMs: 0 });
    const bid: LimitInstance = { limitId: "bidPeriod", startedAt: cst("2026-09-01T09:00"), dueAt: cst("2026-09-30T09:30"), doneAt: cst("2026-09-30T09:00") };
    expect(lightOf(bid, cst("2026-09-30T09:01")).light).toBe("red");
  });
});

describe("sectionLight", () => {
  it("a draft without limits is green with no reasons", () => {
    expect(sectionLight([], FILED)).toEqual({ light: "green", reasons: [], violations: [], instances: [] });
  });

  it("R52 with several objections: the worst wins, its limits are the reasons, instances worst first", () => {
    const now = ms(DUE, 1);
    const answered = objection(at(30), "r1");
    const overdue = objection(null, "r2");
    const fresh = objection(null, "r3", ms(FILED, 43_200_000), ms(DUE, 43_200_000)); // 12 h later: at 86 %, yellow
    const refund: LimitInstance = { limitId: "bondRefund", startedAt: FILED, dueAt: ms(DUE, 10 * 86_400_000), doneAt: null };
    const s = sectionLight([answered, overdue, fresh, refund], now);
    expect(s.light).toBe("red");
    expect(s.reasons).toEqual(["resultObjectionAnswer"]);
    expect(s.instances.map((i) => `${i.subjectId ?? i.limitId}:${i.light}`)).toEqual(["r2:red", "r3:yellow", "r1:green", "bondRefund:green"]);
    // Before the deadline: r2 at 95 % and r3 at 81 % are both yellow, earliest due first.
    const before = sectionLight([answered, overdue, fresh], at(95));
    expect(before).toMatchObject({ light: "yellow", reasons: ["resultObjectionAnswer"] });
    expect(before.instances.map((i) => `${i.subjectId}:${i.light}`)).toEqual(["r2:yellow", "r3:yellow", "r1:green"]);
  });

  it("reasons are unique and in catalogue order", () => {
    const late = (limitId: LimitInstance["limitId"]): LimitInstance => ({ limitId, startedAt: FILED, dueAt: DUE, doneAt: null });
    const s = sectionLight([late("bondRefund"), late("resultObjectionAnswer"), late("bondRefund"), late("documentObjectionAnswer")], ms(DUE, 1));
    expect(s.reasons).toEqual(["documentObjectionAnswer", "resultObjectionAnswer", "bondRefund"]);
  });

  it("a recorded rule violation makes the section red even when every limit is green", () => {
    const v = [violation("RULE_R55_RANK_SKIPPED", { rank: 1 })];
    const s = sectionLight([objection(at(10))], at(20), DEFAULT_THRESHOLDS, v);
    expect(s).toMatchObject({ light: "red", reasons: [], violations: v });
    expect(sectionLight([], FILED, DEFAULT_THRESHOLDS, v).light).toBe("red");
  });

  it("thresholds reach every instance", () => {
    expect(sectionLight([objection()], at(60), { yellowAtPct: 50 })).toMatchObject({ light: "yellow", reasons: ["resultObjectionAnswer"] });
  });
});

describe("nextChange", () => {
  it("running green → the first millisecond at 80 %; yellow → 1 ms after due; overdue red → nothing", () => {
    expect(nextChange([objection()], FILED)).toEqual(at(80));
    expect(nextChange([objection()], at(80))).toEqual(ms(DUE, 1));
    expect(nextChange([objection()], DUE)).toEqual(ms(DUE, 1));
    expect(nextChange([objection()], ms(DUE, 1))).toBeNull();
  });

  it("the light just before is the current one and changes exactly at the returned instant", () => {
    for (const now of [FILED, at(10), at(79.99), at(85), DUE]) {
      const next = nextChange([objection()], now)!;
      expect(lightOf(objection(), ms(next, -1)).light).toBe(lightOf(objection(), now).light);
      expect(lightOf(objection(), next).light).not.toBe(lightOf(objection(), now).light);
    }
  });

  it("a future doneAt changes the light when it happens; done limits never change", () => {
    expect(nextChange([objection(at(90))], at(85))).toEqual(at(90));
    expect(nextChange([objection(at(50))], at(60))).toBeNull();
    expect(nextChange([objection(ms(DUE, 5))], ms(DUE, 10))).toBeNull();
  });

  it("the earliest over several instances, honouring thresholds; a period's end turns it green", () => {
    const later = objection(null, "r2", ms(FILED, 3_600_000), ms(DUE, 3_600_000));
    expect(nextChange([later, objection()], FILED)).toEqual(at(80));
    expect(nextChange([later, objection()], FILED, { yellowAtPct: 50 })).toEqual(at(50));
    const period: LimitInstance = { limitId: "decryptionWindow", startedAt: FILED, dueAt: ms(FILED, 3_600_000), doneAt: null };
    expect(nextChange([period], ms(FILED, 3_000_000))).toEqual(ms(FILED, 3_600_001));
    expect(lightOf(period, ms(FILED, 3_600_001)).light).toBe("green");
  });

  it("no instances, or nothing left to change: null", () => {
    expect(nextChange([], FILED)).toBeNull();
    expect(nextChange([objection(at(10))], at(20))).toBeNull();
  });
});
