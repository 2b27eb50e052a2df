import { describe, expect, it } from "vitest";
import { EMPTY_CALENDAR } from "../rules/days";
import { cst, GOLDEN_WEEK_2026 as cal } from "../rules/test-fixtures";
import {
  checkComplaintFiling,
  checkComplaintSuspension,
  SUSPENDED_BY_COMPLAINT,
  checkDecision,
  checkRefusal,
  complaintAcceptDue,
  complaintDecisionDue,
  complaintFilingDue,
  complaintOpen,
  complaintTransition,
  type ComplaintAction,
  type ComplaintStatus,
  type ObjectionForComplaint,
} from "./complaints";

const codes = (v: { code: string }[]) => v.map((x) => x.code);

describe("R53 complaint limits (R2 working days)", () => {
  it("R53: accepted or refused within 3 working days of filing — Fri 11-20 → Wed 11-25 24:00 (the weekend not counted)", () => {
    expect(complaintAcceptDue(cst("2026-11-20T15:00"), EMPTY_CALENDAR)).toEqual(cst("2026-11-26T00:00"));
    // Filed on a Saturday: Mon, Tue, Wed.
    expect(complaintAcceptDue(cst("2026-11-21T10:00"), EMPTY_CALENDAR)).toEqual(cst("2026-11-26T00:00"));
  });

  it("R53/R2: across the golden week — filed Wed 09-30: 10-08, 10-09, Sat 10-10 (调休) → due 10-10 24:00", () => {
    expect(complaintAcceptDue(cst("2026-09-30T09:00"), cal)).toEqual(cst("2026-10-11T00:00"));
  });

  it("R53: decided within 30 working days of acceptance — accepted Mon 11-23 → Mon 01-04 24:00 (six weeks of weekdays)", () => {
    expect(complaintDecisionDue(cst("2026-11-23T10:00"), EMPTY_CALENDAR)).toEqual(cst("2027-01-05T00:00"));
    // Across the golden week: accepted Tue 09-29; working days 09-30, 10-08, 10-09, 10-10, then 26 more weekdays.
    expect(complaintDecisionDue(cst("2026-09-29T10:00"), cal)).toEqual(cst("2026-11-17T00:00"));
  });
});

describe("R53 the time to complain (条例60; 采购法55)", () => {
  const answered = { answerDueAt: cst("2026-11-19T00:00"), answeredAt: cst("2026-11-18T15:00") };
  it("R53 ZTB: 10 days after the answer — answered 11-18 → last day Sat 11-28 (calendar days, not rolled forward)", () => {
    expect(complaintFilingDue(answered, "ZTB", EMPTY_CALENDAR)).toEqual(cst("2026-11-29T00:00"));
  });
  it("R53 ZTB: no answer — 10 days after the answer period passed (11-19 → 11-29)", () => {
    expect(complaintFilingDue({ ...answered, answeredAt: null }, "ZTB", EMPTY_CALENDAR)).toEqual(cst("2026-11-30T00:00"));
  });
  it("R53 ZFCG: 15 working days after the answer period ends, even when answered early (Thu 11-19 → Thu 12-10)", () => {
    expect(complaintFilingDue(answered, "ZFCG", EMPTY_CALENDAR)).toEqual(cst("2026-12-11T00:00"));
    expect(complaintFilingDue({ ...answered, answeredAt: null }, "ZFCG", EMPTY_CALENDAR)).toEqual(cst("2026-12-11T00:00"));
  });
  it("R53 ZFCG: a late answer restarts the 15 working days (answered Wed 11-25 → Wed 12-16)", () => {
    expect(complaintFilingDue({ ...answered, answeredAt: cst("2026-11-25T10:00") }, "ZFCG", EMPTY_CALENDAR)).toEqual(cst("2026-12-17T00:00"));
  });
  it("R53/R2: ZFCG across the golden week — answer period ended Wed 09-30: 10-08, 10-09, Sat 10-10 (调休) count", () => {
    // 10-08, 10-09, 10-10, 10-12…10-16 (8), 10-19…10-23 (13), 10-26, 10-27 (15).
    expect(complaintFilingDue({ answerDueAt: cst("2026-09-30T17:00"), answeredAt: null }, "ZFCG", cal)).toEqual(cst("2026-10-28T00:00"));
  });
  it("R53: filing is refused after the last day and taken up to its last instant (near miss)", () => {
    const objection: ObjectionForComplaint = { kind: "documents", orgId: "bidder-a", projectId: "p1", sectionId: null, ...answered };
    const filingDueAt = complaintFilingDue(objection, "ZTB", EMPTY_CALENDAR);
    const input = { objection, complainantOrgId: "bidder-a", projectId: "p1", sectionId: null, body: "答复未回应资格条件的排他性问题，请监督部门处理。", alreadyFiled: false, filingDueAt };
    expect(checkComplaintFiling({ ...input, now: filingDueAt })).toEqual([]);
    expect(checkComplaintFiling({ ...input, now: new Date(filingDueAt.getTime() + 1) })).toEqual([{ rule: "R53", code: "RULE_R53_FILING_LATE", params: { until: "2026-11-28" } }]);
  });
});

describe("R53 complaint status transitions", () => {
  const all: ComplaintStatus[] = ["filed", "accepted", "refused", "decided", "withdrawn"];
  const actions: ComplaintAction[] = ["accept", "refuse", "decide", "withdraw"];
  it("filed → accepted | refused | withdrawn; accepted → decided | withdrawn; refused, decided, withdrawn are final", () => {
    const table = Object.fromEntries(all.map((s) => [s, Object.fromEntries(actions.map((a) => [a, complaintTransition(s, a)]))]));
    expect(table).toEqual({
      filed: { accept: "accepted", refuse: "refused", decide: null, withdraw: "withdrawn" },
      accepted: { accept: null, refuse: null, decide: "decided", withdraw: "withdrawn" },
      refused: { accept: null, refuse: null, decide: null, withdraw: null },
      decided: { accept: null, refuse: null, decide: null, withdraw: null },
      withdrawn: { accept: null, refuse: null, decide: null, withdraw: null },
    });
    expect(all.filter(complaintOpen)).toEqual(["filed", "accepted"]);
  });
});

describe("R53 who may complain (after its own objection, R11/R12/R52)", () => {
  const now = cst("2026-11-20T10:00");
  const own: ObjectionForComplaint = { kind: "documents", orgId: "bidder-a", projectId: "p1", sectionId: null, answerDueAt: cst("2026-11-19T00:00"), answeredAt: cst("2026-11-18T15:00") };
  const base = { objection: own, complainantOrgId: "bidder-a", projectId: "p1", sectionId: null, now, body: "答复未回应资格条件的排他性问题，请监督部门处理。", alreadyFiled: false, filingDueAt: cst("2026-12-31T00:00") };

  it("R53: a bidder whose objection to the documents was answered may complain (project-wide, any section)", () => {
    expect(checkComplaintFiling(base)).toEqual([]);
    expect(checkComplaintFiling({ ...base, sectionId: "s1" })).toEqual([]);
  });

  it("R53: an objection not yet answered but past its answer limit is enough (overdue, R11/R52)", () => {
    const overdue = { ...own, answeredAt: null, answerDueAt: cst("2026-11-20T00:00") };
    expect(checkComplaintFiling({ ...base, objection: overdue })).toEqual([]);
    // At the very instant the limit ends the answer is overdue.
    expect(checkComplaintFiling({ ...base, objection: overdue, now: overdue.answerDueAt })).toEqual([]);
  });

  it("R53: an objection still within its answer period is refused (the tendering side's time to answer is not cut short)", () => {
    const pending = { ...own, answeredAt: null, answerDueAt: cst("2026-11-21T00:00") };
    expect(codes(checkComplaintFiling({ ...base, objection: pending }))).toEqual(["RULE_R53_OBJECTION_PENDING"]);
  });

  it("R53: without an objection of its own on this project/section there is no complaint", () => {
    expect(codes(checkComplaintFiling({ ...base, objection: null }))).toEqual(["RULE_R53_NO_OBJECTION"]);
    expect(codes(checkComplaintFiling({ ...base, complainantOrgId: "bidder-b" }))).toEqual(["RULE_R53_NO_OBJECTION"]);
    expect(codes(checkComplaintFiling({ ...base, complainantOrgId: null }))).toEqual(["RULE_R53_NO_OBJECTION"]);
    expect(codes(checkComplaintFiling({ ...base, projectId: "p2" }))).toEqual(["RULE_R53_NO_OBJECTION"]);
    // R52: a result objection is about one section.
    const result: ObjectionForComplaint = { ...own, kind: "results", sectionId: "s1" };
    expect(checkComplaintFiling({ ...base, objection: result, sectionId: "s1" })).toEqual([]);
    expect(codes(checkComplaintFiling({ ...base, objection: result, sectionId: "s2" }))).toEqual(["RULE_R53_NO_OBJECTION"]);
  });

  it("R53: the body is 10–4000 characters, and one complaint per objection", () => {
    expect(checkComplaintFiling({ ...base, body: "太短了" })).toEqual([{ rule: "R53", code: "RULE_R53_BODY_LENGTH", params: { min: 10, max: 4000 } }]);
    expect(codes(checkComplaintFiling({ ...base, body: "字".repeat(4001) }))).toEqual(["RULE_R53_BODY_LENGTH"]);
    expect(codes(checkComplaintFiling({ ...base, alreadyFiled: true }))).toEqual(["RULE_R53_ALREADY_FILED"]);
  });
});

describe("R53 refusal and decision", () => {
  it("R53: a refusal needs its reason", () => {
    expect(codes(checkRefusal(""))).toEqual(["RULE_R53_REASON_REQUIRED"]);
    expect(codes(checkRefusal("  "))).toEqual(["RULE_R53_REASON_REQUIRED"]);
    expect(checkRefusal("投诉事项不属于本部门受理范围。")).toEqual([]);
  });

  it("R53: a decision needs an outcome (upheld, partly upheld, dismissed) and its text", () => {
    expect(checkDecision({ outcome: "upheld", decision: "投诉成立，责令招标人修改招标文件。" })).toEqual([]);
    expect(checkDecision({ outcome: "partly_upheld", decision: "部分成立。" })).toEqual([]);
    expect(codes(checkDecision({ outcome: "maybe", decision: "" }))).toEqual(["RULE_R53_OUTCOME_REQUIRED", "RULE_R53_DECISION_REQUIRED"]);
  });
});

describe("R53: a complaint's suspension holds the procedure (checkComplaintSuspension)", () => {
  const since = [new Date("2026-12-03T02:00:00Z"), new Date("2026-12-01T09:00:00Z")];
  it("every command that moves a section forward is refused while a complaint suspends it, dated from the first", () => {
    for (const action of SUSPENDED_BY_COMPLAINT) expect(checkComplaintSuspension(action, since)).toEqual([{ rule: "R53", code: "RULE_R53_SUSPENDED", params: { since: "2026-12-01" } }]);
  });
  it("near misses: no suspension, or a command that does not move the section (questions, objections, the complaint itself, a withdrawal)", () => {
    expect(checkComplaintSuspension("bid.submit", [])).toEqual([]);
    for (const action of ["question.ask", "objection.file", "objection.answer", "supervision.complaint_decided", "bid.withdraw", "opening.closed", "evaluation.file_viewed"])
      expect(checkComplaintSuspension(action, since)).toEqual([]);
  });
});
