import { describe, expect, it } from "vitest";
import { decryptionEndsAt } from "../rules/opening";
import { ZFCG_PROFILE, ZTB_PROFILE } from "../rules/profiles";
import { bondRefundDue, contractPublishDue, contractTimers, decisionDue, noticesDue, objectionAnswerDue as resultAnswerDue, publicityEndsAt, publicityStartDue } from "../rules/results";
import { amendmentEffect, objectionAnswerDue } from "../rules/tender";
import { complaintAcceptDue, complaintDecisionDue } from "./complaints";
import { cst, GOLDEN_WEEK_2026 as cal } from "../rules/test-fixtures";
import { sectionLight } from "./lights";
import { bondRefundStart, emptySectionFacts, LIMITS, limitById, ruleOf, sectionLimits, type LimitId, type LimitInstance, type SectionFacts } from "./limits";

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
const of = (facts: SectionFacts, id: LimitId) => limitById(id).instances(facts);
const plain = (i: LimitInstance) => ({ ...i, startedAt: iso(i.startedAt), dueAt: iso(i.dueAt), doneAt: iso(i.doneAt) });

// A ZTB tender (R1) in the 2026 autumn: published Tue 09-01, documents until Mon 09-07 17:00, first deadline Fri 09-25.
const ZTB_PUBLISHED = cst("2026-09-01T09:00");
const AMENDED_AT = cst("2026-09-15T10:00");
const amendment = amendmentEffect({ issuedAt: AMENDED_AT, bidDeadline: cst("2026-09-25T09:30"), affectsBidPreparation: true }, ZTB_PROFILE, cal);
const NEW_DEADLINE = amendment.newDeadline!;
const OPENED_AT = new Date(NEW_DEADLINE.getTime() + 2_000); // the opening job ran 2 s after the deadline (R24)
const REPORT_SIGNED = cst("2026-10-09T16:30");
const ztbResults = ZTB_PROFILE.results;

function ztbFacts(): SectionFacts {
  const publicityStart = REPORT_SIGNED; // publicityDelayMinutes 0: published by the job at once (R51)
  return {
    ...emptySectionFacts("ZTB"),
    tender: { publishedAt: ZTB_PUBLISHED, documentsFrom: cst("2026-08-31T09:00"), documentsUntil: cst("2026-09-07T17:00"), bidDeadline: NEW_DEADLINE },
    amendments: [
      { id: "a1", issuedAt: AMENDED_AT, newDeadline: NEW_DEADLINE, affectsBidPreparation: true },
      { id: "a2", issuedAt: cst("2026-09-16T10:00"), newDeadline: NEW_DEADLINE, affectsBidPreparation: false },
    ],
    documentObjections: [{ id: "o1", filedAt: cst("2026-09-10T10:00"), answerDueAt: objectionAnswerDue(cst("2026-09-10T10:00"), ZTB_PROFILE, cal), answeredAt: cst("2026-09-12T15:00") }],
    opening: { openedAt: OPENED_AT, decryptionEndsAt: decryptionEndsAt(OPENED_AT, 60) },
    invitations: [
      { pickId: "p1", invitedAt: cst("2026-09-28T10:00"), dueAt: cst("2026-09-28T14:00"), status: "confirmed", respondedAt: cst("2026-09-28T11:20") },
      { pickId: "p2", invitedAt: cst("2026-09-28T10:00"), dueAt: cst("2026-09-28T14:00"), status: "timed_out", respondedAt: cst("2026-09-28T14:00") },
      { pickId: "p3", invitedAt: cst("2026-09-28T14:00"), dueAt: cst("2026-09-28T18:00"), status: "invited", respondedAt: null },
    ],
    evaluation: { slotStartsAt: cst("2026-10-09T09:00"), slotEndsAt: cst("2026-10-09T17:00"), finishedAt: REPORT_SIGNED },
    results: {
      reportSignedAt: REPORT_SIGNED,
      publicityDueAt: publicityStartDue(REPORT_SIGNED, ztbResults, cal),
      publicityStartedAt: publicityStart,
      publicityEndsAt: publicityEndsAt(publicityStart, ZTB_PROFILE.publicity, ztbResults, cal),
      publicityEndedAt: null,
      decisionDueAt: null,
      decidedAt: null,
      decisionMode: null,
      noticesDueAt: null,
      notifiedAt: null,
      contractDueAt: null,
    },
    resultObjections: [
      { id: "r1", filedAt: cst("2026-10-10T09:00"), answerDueAt: resultAnswerDue(cst("2026-10-10T09:00"), ztbResults, cal)!, answeredAt: cst("2026-10-11T09:00") },
      { id: "r2", filedAt: cst("2026-10-11T10:00"), answerDueAt: resultAnswerDue(cst("2026-10-11T10:00"), ztbResults, cal)!, answeredAt: null },
    ],
  };
}

// A ZFCG section, report signed Tue 09-29 16:30 just before the golden week (R2: Oct 1–7 off, Sat Oct 10 a working day).
const ZFCG_REPORT = cst("2026-09-29T16:30");
const DECIDED = cst("2026-10-09T10:00");
const NOTIFIED = cst("2026-10-12T10:00");
const RECORDED = cst("2026-10-20T10:00");
const zfcg = ZFCG_PROFILE.results;

function zfcgFacts(): SectionFacts {
  const refundStart = (winner: boolean) => bondRefundStart({ winner, noticeAt: NOTIFIED, contractAt: RECORDED }, zfcg)!;
  const refundDue = (winner: boolean) => bondRefundDue({ winner, noticeAt: NOTIFIED, contractAt: RECORDED }, zfcg, cal)!;
  return {
    ...emptySectionFacts("ZFCG"),
    tender: { publishedAt: cst("2026-08-03T09:00"), documentsFrom: cst("2026-08-03T09:00"), documentsUntil: cst("2026-08-10T17:00"), bidDeadline: cst("2026-08-28T09:30") },
    documentObjections: [{ id: "z1", filedAt: cst("2026-09-29T10:00"), answerDueAt: objectionAnswerDue(cst("2026-09-29T10:00"), ZFCG_PROFILE, cal), answeredAt: null }],
    results: {
      reportSignedAt: ZFCG_REPORT,
      publicityDueAt: null,
      publicityStartedAt: null,
      publicityEndsAt: null,
      publicityEndedAt: null,
      decisionDueAt: decisionDue(ZFCG_REPORT, zfcg, cal),
      decidedAt: DECIDED,
      decisionMode: "chosen",
      noticesDueAt: noticesDue(DECIDED, zfcg, cal),
      notifiedAt: NOTIFIED,
      contractDueAt: contractTimers(NOTIFIED, ZFCG_PROFILE.contractDays, zfcg, cal).dueAt,
    },
    contract: { signedOn: "2026-10-19", recordedAt: RECORDED, publishDueAt: contractPublishDue(RECORDED, zfcg, cal), publishedAt: RECORDED },
    refunds: [
      { id: "b1", startedAt: refundStart(false), dueAt: refundDue(false), refundedAt: cst("2026-10-16T11:00") },
      { id: "b2", startedAt: refundStart(true), dueAt: refundDue(true), refundedAt: null },
    ],
  };
}

describe("the limits table", () => {
  it("has one entry per limit, each with its rule, i18n stem, stage and kind", () => {
    expect(LIMITS.map((l) => l.id)).toEqual([
      "documentsPeriod",
      "documentObjectionAnswer",
      "bidPeriod",
      "amendmentWindow",
      "decryptionWindow",
      "expertConfirmation",
      "evaluationSlot",
      "publicityStart",
      "publicityPeriod",
      "resultObjectionAnswer",
      "awardDecision",
      "resultNotices",
      "contract",
      "contractPublication",
      "bondRefund",
      "complaintAcceptance",
      "complaintDecision",
    ]);
    expect(LIMITS.map((l) => `${l.id}:${ruleOf(l, "ZTB")}/${ruleOf(l, "ZFCG")}`)).toEqual([
      "documentsPeriod:R6/R6",
      "documentObjectionAnswer:R11/R12",
      "bidPeriod:R7/R7",
      "amendmentWindow:R10/R10",
      "decryptionWindow:R26/R26",
      "expertConfirmation:R37/R37",
      "evaluationSlot:R38/R38",
      "publicityStart:R51/R51",
      "publicityPeriod:R51/R51",
      "resultObjectionAnswer:R52/R52",
      "awardDecision:R57/R57",
      "resultNotices:R54/R54",
      "contract:R56/R56",
      "contractPublication:R57/R57",
      "bondRefund:R15/R15",
      "complaintAcceptance:R53/R53",
      "complaintDecision:R53/R53",
    ]);
    for (const l of LIMITS) expect(l.i18nKey).toBe(`supervision:limits.${l.id}`);
    expect(LIMITS.filter((l) => l.kind === "period").map((l) => l.id)).toEqual(["documentsPeriod", "bidPeriod", "amendmentWindow", "decryptionWindow", "publicityPeriod"]);
    expect(limitById("bondRefund").stage).toBe("refunds");
    expect(LIMITS.filter((l) => l.stage === "complaints").map((l) => `${l.id}:${l.kind}`)).toEqual(["complaintAcceptance:deadline", "complaintDecision:deadline"]);
    expect(() => limitById("nope" as LimitId)).toThrow(RangeError);
  });

  it("a draft (empty facts) has no limits and is green", () => {
    for (const regime of ["ZTB", "ZFCG"] as const) {
      const facts = emptySectionFacts(regime);
      expect(sectionLimits(facts)).toEqual([]);
      expect(sectionLight(sectionLimits(facts), cst("2026-09-01T09:00")).light).toBe("green");
    }
    // Objections cannot exist without a published tender; stray rows of a draft start nothing.
    expect(of({ ...emptySectionFacts("ZTB"), documentObjections: ztbFacts().documentObjections }, "documentObjectionAnswer")).toEqual([]);
  });
});

describe("instance builders (ZTB)", () => {
  const f = ztbFacts();

  it("R6: the documents period runs from the first issue (publication, later than documents_from) to documents_until", () => {
    expect(of(f, "documentsPeriod").map(plain)).toEqual([{ limitId: "documentsPeriod", startedAt: iso(ZTB_PUBLISHED), dueAt: iso(cst("2026-09-07T17:00")), doneAt: null }]);
  });

  it("R11: a tender objection filed Thu 09-10 is answered by Mon 09-14 24:00 (3 days, Sunday rolled forward, R2)", () => {
    expect(of(f, "documentObjectionAnswer").map(plain)).toEqual([
      { limitId: "documentObjectionAnswer", startedAt: iso(cst("2026-09-10T10:00")), dueAt: iso(cst("2026-09-15T00:00")), doneAt: iso(cst("2026-09-12T15:00")), subjectId: "o1" },
    ]);
  });

  it("R7: the bid period ends at the deadline in force (after R10) and the hall opening closes it", () => {
    expect(of(f, "bidPeriod").map(plain)).toEqual([{ limitId: "bidPeriod", startedAt: iso(ZTB_PUBLISHED), dueAt: iso(cst("2026-09-30T09:30")), doneAt: iso(OPENED_AT) }]);
  });

  it("R10: only an amendment that may affect bid preparation opens a 15-day window (to Wed 09-30 09:30)", () => {
    expect(of(f, "amendmentWindow").map(plain)).toEqual([
      { limitId: "amendmentWindow", startedAt: iso(AMENDED_AT), dueAt: iso(cst("2026-09-30T09:30")), doneAt: iso(OPENED_AT), subjectId: "a1" },
    ]);
  });

  it("R26: the decryption window is the tender's 60 minutes from the opening", () => {
    expect(of(f, "decryptionWindow").map(plain)).toEqual([{ limitId: "decryptionWindow", startedAt: iso(OPENED_AT), dueAt: iso(new Date(OPENED_AT.getTime() + 3_600_000)), doneAt: null }]);
  });

  it("R37: one instance per invitation; a time-out is missed, an open invitation not done", () => {
    expect(of(f, "expertConfirmation").map(plain)).toEqual([
      { limitId: "expertConfirmation", startedAt: iso(cst("2026-09-28T10:00")), dueAt: iso(cst("2026-09-28T14:00")), doneAt: iso(cst("2026-09-28T11:20")), subjectId: "p1" },
      { limitId: "expertConfirmation", startedAt: iso(cst("2026-09-28T10:00")), dueAt: iso(cst("2026-09-28T14:00")), doneAt: iso(cst("2026-09-28T14:00")), subjectId: "p2", missed: true },
      { limitId: "expertConfirmation", startedAt: iso(cst("2026-09-28T14:00")), dueAt: iso(cst("2026-09-28T18:00")), doneAt: null, subjectId: "p3" },
    ]);
    // A pick still invited has not answered, whatever responded_at says.
    const stray = { ...f, invitations: [{ pickId: "p4", invitedAt: cst("2026-09-28T10:00"), dueAt: cst("2026-09-28T14:00"), status: "invited" as const, respondedAt: cst("2026-09-28T11:00") }] };
    expect(of(stray, "expertConfirmation")[0]!.doneAt).toBeNull();
  });

  it("R38: the evaluation's booked slot, done when the report is signed", () => {
    expect(of(f, "evaluationSlot").map(plain)).toEqual([{ limitId: "evaluationSlot", startedAt: iso(cst("2026-10-09T09:00")), dueAt: iso(cst("2026-10-09T17:00")), doneAt: iso(REPORT_SIGNED) }]);
    expect(of({ ...f, evaluation: null }, "evaluationSlot")).toEqual([]);
  });

  it("R51: publicity starts by Mon 10-12 24:00 and runs 3 days from Fri 10-09 (to Mon 10-12 24:00)", () => {
    expect(of(f, "publicityStart").map(plain)).toEqual([{ limitId: "publicityStart", startedAt: iso(REPORT_SIGNED), dueAt: iso(cst("2026-10-13T00:00")), doneAt: iso(REPORT_SIGNED) }]);
    expect(of(f, "publicityPeriod").map(plain)).toEqual([{ limitId: "publicityPeriod", startedAt: iso(REPORT_SIGNED), dueAt: iso(cst("2026-10-13T00:00")), doneAt: null }]);
  });

  it("R52: one instance per result objection, answered within 3 days", () => {
    expect(of(f, "resultObjectionAnswer").map(plain)).toEqual([
      { limitId: "resultObjectionAnswer", startedAt: iso(cst("2026-10-10T09:00")), dueAt: iso(cst("2026-10-14T00:00")), doneAt: iso(cst("2026-10-11T09:00")), subjectId: "r1" },
      { limitId: "resultObjectionAnswer", startedAt: iso(cst("2026-10-11T10:00")), dueAt: iso(cst("2026-10-15T00:00")), doneAt: null, subjectId: "r2" },
    ]);
  });

  it("ZTB has no R57 decision, R54 notice or R57 publication limit (the profile leaves those columns empty)", () => {
    for (const id of ["awardDecision", "resultNotices", "contract", "contractPublication", "bondRefund"] as const) expect(of(f, id)).toEqual([]);
  });

  it("sectionLimits lists every instance in catalogue order", () => {
    expect(sectionLimits(f).map((i) => i.limitId)).toEqual([
      "documentsPeriod",
      "documentObjectionAnswer",
      "bidPeriod",
      "amendmentWindow",
      "decryptionWindow",
      "expertConfirmation",
      "expertConfirmation",
      "expertConfirmation",
      "evaluationSlot",
      "publicityStart",
      "publicityPeriod",
      "resultObjectionAnswer",
      "resultObjectionAnswer",
    ]);
  });
});

describe("instance builders (ZFCG, across the golden week)", () => {
  const f = zfcgFacts();

  it("R12: a 质疑 filed Tue 09-29 is answered within 7 working days: by Wed 10-14 24:00", () => {
    expect(of(f, "documentObjectionAnswer").map(plain)).toEqual([
      { limitId: "documentObjectionAnswer", startedAt: iso(cst("2026-09-29T10:00")), dueAt: iso(cst("2026-10-15T00:00")), doneAt: null, subjectId: "z1" },
    ]);
  });

  it("R57: the purchaser decides within 5 working days of the report (09-30, 10-08, 10-09, Sat 10-10, 10-12)", () => {
    expect(of(f, "awardDecision").map(plain)).toEqual([{ limitId: "awardDecision", startedAt: iso(ZFCG_REPORT), dueAt: iso(cst("2026-10-13T00:00")), doneAt: iso(DECIDED) }]);
    const deemed = { ...f, results: { ...f.results!, decidedAt: cst("2026-10-13T00:00"), decisionMode: "deemed" as const } };
    expect(of(deemed, "awardDecision")[0]!.missed).toBe(true);
  });

  it("R54: the result notice within 2 working days of the decision", () => {
    expect(of(f, "resultNotices").map(plain)).toEqual([{ limitId: "resultNotices", startedAt: iso(DECIDED), dueAt: iso(cst("2026-10-13T00:00")), doneAt: iso(NOTIFIED) }]);
  });

  it("R56: the contract within 30 days of the notice, done on its signing day", () => {
    expect(of(f, "contract").map(plain)).toEqual([{ limitId: "contract", startedAt: iso(NOTIFIED), dueAt: iso(cst("2026-11-12T00:00")), doneAt: iso(cst("2026-10-19T00:00")) }]);
    expect(of({ ...f, contract: null }, "contract")[0]!.doneAt).toBeNull();
  });

  it("R57: the contract published within 2 working days of recording", () => {
    expect(of(f, "contractPublication").map(plain)).toEqual([{ limitId: "contractPublication", startedAt: iso(RECORDED), dueAt: iso(cst("2026-10-23T00:00")), doneAt: iso(RECORDED) }]);
  });

  it("R15: ZFCG losers' refunds count from the notice, the winner's from the contract (5 working days each)", () => {
    expect(bondRefundStart({ winner: false, noticeAt: NOTIFIED, contractAt: null }, zfcg)).toEqual(NOTIFIED);
    expect(bondRefundStart({ winner: true, noticeAt: NOTIFIED, contractAt: null }, zfcg)).toBeNull();
    expect(bondRefundStart({ winner: false, noticeAt: NOTIFIED, contractAt: RECORDED }, ZTB_PROFILE.results)).toEqual(RECORDED);
    expect(of(f, "bondRefund").map(plain)).toEqual([
      { limitId: "bondRefund", startedAt: iso(NOTIFIED), dueAt: iso(cst("2026-10-20T00:00")), doneAt: iso(cst("2026-10-16T11:00")), subjectId: "b1" },
      { limitId: "bondRefund", startedAt: iso(RECORDED), dueAt: iso(cst("2026-10-28T00:00")), doneAt: null, subjectId: "b2" },
    ]);
  });

  it("ZFCG has no candidate publicity (R54 instead of R51)", () => {
    expect(of(f, "publicityStart")).toEqual([]);
    expect(of(f, "publicityPeriod")).toEqual([]);
  });
});

describe("a section that ends without an award (R13 termination, R25 failure, R52 end)", () => {
  it("voids limits still running at the end and closes an overdue one as a late breach", () => {
    const f = ztbFacts();
    // Terminated Tue 10-13 12:00: objection r2 (due 10-15 00:00) is void; the invitation p3 (due 09-28 18:00) was overdue.
    const ended = { ...f, endedAt: cst("2026-10-13T12:00") };
    expect(of(ended, "resultObjectionAnswer").map((i) => i.subjectId)).toEqual(["r1"]);
    expect(of(ended, "expertConfirmation").find((i) => i.subjectId === "p3")!.doneAt).toEqual(cst("2026-10-13T12:00"));
    // A period already over stays as it was; one still running is void.
    expect(of(ended, "publicityPeriod")).toHaveLength(1);
    const early = { ...f, endedAt: cst("2026-10-12T12:00") };
    expect(of(early, "publicityPeriod")).toEqual([]);
    // Limits done before the end keep their instants.
    expect(of(early, "documentObjectionAnswer")[0]!.doneAt).toEqual(cst("2026-09-12T15:00"));
  });
});

describe("R53 complaints to the supervising department", () => {
  // A complaint filed Tue 10-13 after objection r1 was answered; another filed Wed 10-14 and refused; a third withdrawn.
  const FILED = cst("2026-10-13T10:00");
  const ACCEPTED = cst("2026-10-15T09:00");
  const complaints: SectionFacts["complaints"] = [
    { id: "c1", filedAt: FILED, acceptDueAt: complaintAcceptDue(FILED, cal), admittedAt: ACCEPTED, decisionDueAt: complaintDecisionDue(ACCEPTED, cal), decidedAt: null, withdrawnAt: null },
    { id: "c2", filedAt: cst("2026-10-14T10:00"), acceptDueAt: complaintAcceptDue(cst("2026-10-14T10:00"), cal), admittedAt: cst("2026-10-16T10:00"), decisionDueAt: null, decidedAt: null, withdrawnAt: null },
    { id: "c3", filedAt: cst("2026-10-14T11:00"), acceptDueAt: complaintAcceptDue(cst("2026-10-14T11:00"), cal), admittedAt: null, decisionDueAt: null, decidedAt: null, withdrawnAt: cst("2026-10-15T08:00") },
  ];
  const f = { ...ztbFacts(), complaints };

  it("R53: one acceptance limit per complaint (3 working days), done when accepted, refused or withdrawn", () => {
    expect(of(f, "complaintAcceptance").map(plain)).toEqual([
      { limitId: "complaintAcceptance", startedAt: iso(FILED), dueAt: iso(cst("2026-10-17T00:00")), doneAt: iso(ACCEPTED), subjectId: "c1" },
      { limitId: "complaintAcceptance", startedAt: iso(cst("2026-10-14T10:00")), dueAt: iso(cst("2026-10-20T00:00")), doneAt: iso(cst("2026-10-16T10:00")), subjectId: "c2" },
      { limitId: "complaintAcceptance", startedAt: iso(cst("2026-10-14T11:00")), dueAt: iso(cst("2026-10-20T00:00")), doneAt: iso(cst("2026-10-15T08:00")), subjectId: "c3" },
    ]);
  });

  it("R53: a decision limit (30 working days from acceptance) only for an accepted complaint", () => {
    expect(of(f, "complaintDecision").map(plain)).toEqual([
      { limitId: "complaintDecision", startedAt: iso(ACCEPTED), dueAt: iso(cst("2026-11-27T00:00")), doneAt: null, subjectId: "c1" },
    ]);
    const decided = { ...f, complaints: [{ ...complaints[0]!, decidedAt: cst("2026-11-02T10:00") }] };
    expect(of(decided, "complaintDecision")[0]!.doneAt).toEqual(cst("2026-11-02T10:00"));
  });

  it("R53: an overdue acceptance makes the section red with the complaint limit as its reason", () => {
    const late = { ...emptySectionFacts("ZTB"), complaints: [{ ...complaints[2]!, withdrawnAt: null }] };
    const light = sectionLight(sectionLimits(late), cst("2026-10-21T09:00"));
    expect(light.light).toBe("red");
    expect(light.reasons).toEqual(["complaintAcceptance"]);
  });

  it("R53: the section's end (R13/R25/R45/R52) does not void the department's limits", () => {
    const ended = { ...f, endedAt: cst("2026-10-15T12:00") };
    expect(of(ended, "complaintDecision")).toEqual(of(f, "complaintDecision"));
    expect(of(ended, "complaintAcceptance")).toEqual(of(f, "complaintAcceptance"));
  });
});
