import { describe, expect, it } from "vitest";
import { makeHolidayCalendar } from "./days";
import { ZFCG_PROFILE, ZTB_PROFILE } from "./profiles";
import {
  bondRefundDue,
  checkContract,
  checkResultObjection,
  checkWinner,
  contractPublishDue,
  contractTimers,
  decisionDue,
  noticeNumber,
  noticePeriodEnds,
  noticesDue,
  objectionAnswerDue,
  publicityEndsAt,
  publicityPublishAt,
  publicityStartDue,
} from "./results";
import { cst, GOLDEN_WEEK_2026 } from "./test-fixtures";

const plain = makeHolidayCalendar([]);
const ztb = ZTB_PROFILE.results;
const zfcg = ZFCG_PROFILE.results;
const iso = (d: Date | null) => d?.toISOString() ?? null;
const codes = (v: { code: string }[]) => v.map((x) => x.code);

describe("R51/R52 candidate publicity (TV-D1)", () => {
  it("TV-D1: report received Mon 2025-06-09 → publicity must start by Thu 2025-06-12 24:00", () => {
    expect(iso(publicityStartDue(cst("2025-06-09T16:00"), ztb, plain))).toBe(iso(cst("2025-06-13T00:00")));
    expect(publicityStartDue(cst("2025-06-09T16:00"), zfcg, plain)).toBeNull(); // R54: no candidate publicity
  });

  it("TV-D1: published Tue 2025-06-10 → counts 06-11, 06-12, 06-13 → earliest end Fri 2025-06-13 24:00", () => {
    expect(iso(publicityEndsAt(cst("2025-06-10T10:00"), ZTB_PROFILE.publicity, ztb, plain))).toBe(iso(cst("2025-06-14T00:00")));
  });

  it("R51: the job publishes at once by default, and never after the limit whatever the delay", () => {
    expect(iso(publicityPublishAt(cst("2025-06-09T16:00"), ztb, plain))).toBe(iso(cst("2025-06-09T16:00")));
    expect(iso(publicityPublishAt(cst("2025-06-09T16:00"), { ...ztb, publicityDelayMinutes: 10 * 24 * 60 }, plain))).toBe(iso(cst("2025-06-13T00:00")));
  });

  it("R2 setting: a publicity ending on a Saturday stays there by default and moves to Monday when the profile rolls forward", () => {
    // Published Wed 2025-06-11 → 12, 13, 14 (Sat).
    expect(iso(publicityEndsAt(cst("2025-06-11T09:00"), ZTB_PROFILE.publicity, ztb, plain))).toBe(iso(cst("2025-06-15T00:00")));
    expect(iso(publicityEndsAt(cst("2025-06-11T09:00"), ZTB_PROFILE.publicity, { ...ztb, publicityRollsForward: true }, plain))).toBe(iso(cst("2025-06-17T00:00")));
  });

  it("R52: time spent suspended is added to the end, which then ends at 24:00 of the day it reaches", () => {
    const start = cst("2025-06-10T10:00");
    // Suspended 30 hours: 06-13 24:00 + 30 h = 06-15 06:00 → ends 06-15 24:00.
    expect(iso(publicityEndsAt(start, ZTB_PROFILE.publicity, ztb, plain, 30 * 3600_000))).toBe(iso(cst("2025-06-16T00:00")));
    // Exactly one day: ends 06-14 24:00 (not 06-15).
    expect(iso(publicityEndsAt(start, ZTB_PROFILE.publicity, ztb, plain, 24 * 3600_000))).toBe(iso(cst("2025-06-15T00:00")));
  });

  it("TV-D1: an objection received Wed 06-11 is answered by Sat 06-14 24:00 (calendar days, no weekend extension by default)", () => {
    expect(iso(objectionAnswerDue(cst("2025-06-11T15:00"), ztb, plain))).toBe(iso(cst("2025-06-15T00:00")));
    expect(iso(objectionAnswerDue(cst("2025-06-11T15:00"), { ...ztb, objectionAnswerRollsForward: true }, plain))).toBe(iso(cst("2025-06-17T00:00")));
  });

  it("R52: only a bidder of the section, only during the publicity, one pending objection per bidder, bounded text", () => {
    expect(checkResultObjection({ stage: "publicity", isBidder: true, body: "对第一名的业绩认定有异议，请复核。", pendingOwn: false })).toEqual([]);
    expect(checkResultObjection({ stage: "suspended", isBidder: true, body: "对第一名的业绩认定有异议，请复核。", pendingOwn: false })).toEqual([]);
    expect(codes(checkResultObjection({ stage: "decision", isBidder: true, body: "对第一名的业绩认定有异议，请复核。", pendingOwn: false }))).toEqual(["RULE_R52_NOT_IN_PUBLICITY"]);
    expect(codes(checkResultObjection({ stage: "publicity", isBidder: false, body: "对第一名的业绩认定有异议，请复核。", pendingOwn: false }))).toEqual(["RULE_R52_NOT_A_BIDDER"]);
    expect(codes(checkResultObjection({ stage: "publicity", isBidder: true, body: "   太短   ", pendingOwn: false }))).toEqual(["RULE_R52_BODY_LENGTH"]);
    expect(codes(checkResultObjection({ stage: "publicity", isBidder: true, body: "x".repeat(4001), pendingOwn: false }))).toEqual(["RULE_R52_BODY_LENGTH"]);
    expect(codes(checkResultObjection({ stage: "publicity", isBidder: true, body: "对第一名的业绩认定有异议，请复核。", pendingOwn: true }))).toEqual(["RULE_R52_ALREADY_PENDING"]);
  });
});

describe("R54/R57 ZFCG result dates (TV-D2)", () => {
  it("TV-D2: the purchaser receives the report Wed 06-11 → must choose by Wed 06-18 (12, 13, 16, 17, 18), else rank 1 is deemed chosen", () => {
    expect(iso(decisionDue(cst("2025-06-11T10:00"), zfcg, plain))).toBe(iso(cst("2025-06-19T00:00")));
    expect(decisionDue(cst("2025-06-11T10:00"), ztb, plain)).toBeNull();
  });

  it("TV-D2: winner chosen Fri 06-13 → result notice by Tue 2025-06-17 (16, 17); notice period 1 working day", () => {
    expect(iso(noticesDue(cst("2025-06-13T10:00"), zfcg, plain))).toBe(iso(cst("2025-06-18T00:00")));
    expect(noticesDue(cst("2025-06-13T10:00"), ztb, plain)).toBeNull();
    expect(iso(noticePeriodEnds(cst("2025-06-17T10:00"), zfcg, plain))).toBe(iso(cst("2025-06-19T00:00")));
  });

  it("R2: working days skip the golden week and count its make-up Saturday", () => {
    // Decision Tue 2026-09-29 → 30 (Wed), then 10-08 (Thu): the holidays Oct 1–7 are skipped.
    expect(iso(noticesDue(cst("2026-09-29T10:00"), zfcg, GOLDEN_WEEK_2026))).toBe(iso(cst("2026-10-09T00:00")));
    // Decision Thu 2026-10-08 → Fri 10-09, Sat 10-10 (调休 working day).
    expect(iso(noticesDue(cst("2026-10-08T10:00"), zfcg, GOLDEN_WEEK_2026))).toBe(iso(cst("2026-10-11T00:00")));
  });

  it("R57: a ZFCG contract is published within 2 working days of signing; ZTB has no such limit", () => {
    expect(iso(contractPublishDue(cst("2025-06-20T10:00"), zfcg, plain))).toBe(iso(cst("2025-06-25T00:00")));
    expect(contractPublishDue(cst("2025-06-20T10:00"), ztb, plain)).toBeNull();
  });
});

describe("R56 contract and R15 bond refunds", () => {
  it("R56: the contract is due 30 days after the notice (24:00); the timer warns 5 days before", () => {
    const t = contractTimers(cst("2025-06-17T10:00"), 30, ztb, plain);
    expect(iso(t.dueAt)).toBe(iso(cst("2025-07-18T00:00")));
    expect(iso(t.warnAt)).toBe(iso(cst("2025-07-13T00:00")));
  });

  it("R56: signing date between the notice and today, positive amount", () => {
    expect(checkContract({ signedOn: "2025-06-20", noticeDate: "2025-06-17", today: "2025-06-21", amountFen: 100, winningFen: 100 })).toEqual([]);
    expect(codes(checkContract({ signedOn: "2025-06-16", noticeDate: "2025-06-17", today: "2025-06-21", amountFen: 100, winningFen: 100 }))).toEqual(["RULE_R56_SIGNED_BEFORE_NOTICE"]);
    expect(codes(checkContract({ signedOn: "2025-06-22", noticeDate: "2025-06-17", today: "2025-06-21", amountFen: 100, winningFen: 100 }))).toEqual(["RULE_R56_SIGNED_IN_FUTURE"]);
    expect(codes(checkContract({ signedOn: "2025-06-20", noticeDate: "2025-06-17", today: "2025-06-21", amountFen: 0.5, winningFen: 100 }))).toEqual(["RULE_R56_AMOUNT"]);
    // 法46: the contract price is the winning price.
    expect(checkContract({ signedOn: "2025-06-20", noticeDate: "2025-06-17", today: "2025-06-21", amountFen: 101, winningFen: 100 })).toEqual([{ rule: "R56", code: "RULE_R56_AMOUNT_MISMATCH", params: { winning: "1.00" } }]);
  });

  it("R15: ZTB refunds every bond 5 days after the contract; ZFCG refunds losers 5 working days after the notice, the winner after the contract", () => {
    const noticeAt = cst("2025-06-13T10:00");
    const contractAt = cst("2025-06-20T10:00");
    expect(iso(bondRefundDue({ winner: false, noticeAt, contractAt }, ztb, plain))).toBe(iso(cst("2025-06-26T00:00")));
    expect(bondRefundDue({ winner: true, noticeAt, contractAt: null }, ztb, plain)).toBeNull(); // not before the contract
    expect(iso(bondRefundDue({ winner: false, noticeAt, contractAt: null }, zfcg, plain))).toBe(iso(cst("2025-06-21T00:00")));
    expect(iso(bondRefundDue({ winner: true, noticeAt, contractAt }, zfcg, plain))).toBe(iso(cst("2025-06-28T00:00")));
  });
});

describe("R55/R57/R70 the winner", () => {
  const base = { candidateRanks: [1, 2, 3], stateFunded: true, mode: "rank1_if_state_funded" as const, deviations: [], hasEvidence: false };
  it("R55: rank 1 wins with nothing recorded; a winner outside the list is void (法57)", () => {
    expect(checkWinner({ ...base, chosenRank: 1 })).toEqual([]);
    expect(codes(checkWinner({ ...base, chosenRank: 4 }))).toEqual(["RULE_R55_NOT_A_CANDIDATE"]);
    expect(codes(checkWinner({ ...base, chosenRank: null }))).toEqual(["RULE_R55_NOT_A_CANDIDATE"]);
  });

  it("R55: state funding — rank 3 needs an R55 reason with a note for ranks 1 and 2, then evidence", () => {
    expect(codes(checkWinner({ ...base, chosenRank: 3, deviations: [{ rank: 1, reason: "gave_up", note: "书面放弃中标" }] }))).toEqual(["RULE_R55_RANK_SKIPPED"]);
    expect(checkWinner({ ...base, chosenRank: 3, deviations: [{ rank: 1, reason: "gave_up", note: "书面放弃" }] })[0]!.params).toEqual({ rank: 2 });
    expect(codes(checkWinner({ ...base, chosenRank: 2, deviations: [{ rank: 1, reason: "cheaper", note: "报价更低" }] }))).toEqual(["RULE_R55_RANK_SKIPPED"]);
    expect(codes(checkWinner({ ...base, chosenRank: 2, deviations: [{ rank: 1, reason: "gave_up", note: "  " }] }))).toEqual(["RULE_R55_RANK_SKIPPED"]);
    const two = [
      { rank: 1, reason: "gave_up", note: "书面放弃中标" },
      { rank: 2, reason: "no_performance_bond", note: "未按期提交履约保证金" },
    ];
    expect(codes(checkWinner({ ...base, chosenRank: 3, deviations: two }))).toEqual(["RULE_R55_EVIDENCE_REQUIRED"]);
    expect(checkWinner({ ...base, chosenRank: 3, deviations: two, hasEvidence: true })).toEqual([]);
  });

  it("R55: without state funding the tendering unit chooses among the candidates; R57 ZFCG keeps the rank order", () => {
    expect(checkWinner({ ...base, stateFunded: false, chosenRank: 2 })).toEqual([]);
    expect(codes(checkWinner({ ...base, stateFunded: false, chosenRank: 5 }))).toEqual(["RULE_R55_NOT_A_CANDIDATE"]);
    expect(codes(checkWinner({ ...base, stateFunded: false, mode: "rank_order", chosenRank: 2 }))).toEqual(["RULE_R55_RANK_SKIPPED"]);
  });

  it("R70: 评定分离 — any candidate of the list, with a reason when it is not rank 1", () => {
    expect(codes(checkWinner({ ...base, mode: "tenderer_decides", chosenRank: 2 }))).toEqual(["RULE_R70_REASON_REQUIRED"]);
    expect(checkWinner({ ...base, mode: "tenderer_decides", chosenRank: 2, deviations: [{ rank: 1, reason: "other", note: "综合考虑履约能力" }] })).toEqual([]);
    expect(codes(checkWinner({ ...base, mode: "tenderer_decides", chosenRank: 9 }))).toEqual(["RULE_R55_NOT_A_CANDIDATE"]);
  });

  it("R56: notice numbers are unique per kind, project, section and sequence", () => {
    expect(noticeNumber("ZB", "DQ-2026-JL-0521", 1, 1)).toBe("ZB-DQ-2026-JL-0521-01-001");
  });
});
