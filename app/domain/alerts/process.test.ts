import { describe, expect, it } from "vitest";
import {
  detectAmendmentWithoutExtension,
  detectOverdueAnswers,
  detectOverdueContracts,
  detectOverduePublications,
  detectOverdueRefunds,
  detectRepeatedDeclines,
  detectScoreOutliers,
  detectSingleBidder,
  type DrawPickInput,
  type ScoreInput,
} from "./detectors";

const S = "sec-1";
const at = (s: string) => new Date(s);
const DAY = 24 * 60 * 60 * 1000;

describe("R25 single bidder", () => {
  const deadline = at("2025-04-01T01:30:00Z");

  it("R25: one bidder (two versions of one organisation) after the deadline fires", () => {
    expect(detectSingleBidder({ sectionId: S, deadline, bidderOrgIds: ["orgA", "orgA"] }, at("2025-04-01T01:30:00Z"))).toEqual([
      { kind: "ALERT_R25_SINGLE_BIDDER", rule: "R25", sectionId: S, subjects: ["orgA"], evidence: { deadline: deadline.toISOString(), bidders: 1 }, severity: "warning" },
    ]);
  });

  it("R25 near miss: one bidder before the deadline, or two bidders after, do not fire", () => {
    expect(detectSingleBidder({ sectionId: S, deadline, bidderOrgIds: ["orgA"] }, at("2025-04-01T01:29:59Z"))).toEqual([]);
    expect(detectSingleBidder({ sectionId: S, deadline, bidderOrgIds: ["orgA", "orgB"] }, at("2025-04-02T00:00:00Z"))).toEqual([]);
    expect(detectSingleBidder({ sectionId: S, deadline, bidderOrgIds: [] }, at("2025-04-02T00:00:00Z"))).toEqual([]);
  });
});

describe("R10 amendment inside the window without extension", () => {
  // Deadline 2025-04-20 09:30 CST.
  const deadline = at("2025-04-20T01:30:00Z");

  it("R10: an amendment issued 10 days before the deadline that did not move it fires (critical)", () => {
    const alerts = detectAmendmentWithoutExtension({ sectionId: S, deadline, amendments: [{ id: "am1", issuedAt: at("2025-04-10T02:00:00Z"), affectsBidPreparation: true }] });
    expect(alerts).toEqual([
      {
        kind: "ALERT_R10_AMENDMENT_NOT_EXTENDED",
        rule: "R10",
        sectionId: S,
        subjects: ["am1"],
        evidence: { amendmentId: "am1", issuedAt: "2025-04-10T02:00:00.000Z", deadline: deadline.toISOString(), requiredDeadlineDay: "2025-04-25", minDays: 15 },
        severity: "critical",
      },
    ]);
  });

  it("R10: the CST day counts — issued 2025-04-05 23:30 CST (15:30 UTC) is day 04-05, needing 04-20: on time", () => {
    expect(detectAmendmentWithoutExtension({ sectionId: S, deadline, amendments: [{ id: "am1", issuedAt: at("2025-04-05T15:30:00Z"), affectsBidPreparation: true }] })).toEqual([]);
    // 00:30 CST on 04-06 is 16:30 UTC on 04-05: one day too late.
    expect(detectAmendmentWithoutExtension({ sectionId: S, deadline, amendments: [{ id: "am2", issuedAt: at("2025-04-05T16:30:00Z"), affectsBidPreparation: true }] })).toHaveLength(1);
  });

  it("R10 near miss: exactly 15 days before, an amendment not affecting bid preparation, or a deadline moved far enough do not fire", () => {
    expect(detectAmendmentWithoutExtension({ sectionId: S, deadline, amendments: [{ id: "am1", issuedAt: at("2025-04-05T02:00:00Z"), affectsBidPreparation: true }] })).toEqual([]);
    expect(detectAmendmentWithoutExtension({ sectionId: S, deadline, amendments: [{ id: "am1", issuedAt: at("2025-04-15T02:00:00Z"), affectsBidPreparation: false }] })).toEqual([]);
    expect(detectAmendmentWithoutExtension({ sectionId: S, deadline: at("2025-04-30T01:30:00Z"), amendments: [{ id: "am1", issuedAt: at("2025-04-15T02:00:00Z"), affectsBidPreparation: true }] })).toEqual([]);
  });

  it("R10: pre-qualification documents use minDays 3", () => {
    const input = { sectionId: S, deadline, amendments: [{ id: "am1", issuedAt: at("2025-04-15T02:00:00Z"), affectsBidPreparation: true }] };
    expect(detectAmendmentWithoutExtension(input, { minDays: 3 })).toEqual([]);
    expect(detectAmendmentWithoutExtension({ ...input, amendments: [{ id: "am1", issuedAt: at("2025-04-18T02:00:00Z"), affectsBidPreparation: true }] }, { minDays: 3 })).toHaveLength(1);
  });
});

describe("EV18 score far from the other members", () => {
  const items = [
    { itemId: "tech", max: "20" },
    { itemId: "svc", max: "10" },
  ];
  const sc = (memberId: string, bidId: string, itemId: string, score: string, expertId: string | null = `exp-${memberId}`): ScoreInput => ({ memberId, expertId, bidId, itemId, score });

  it("EV18: 4 of 20 against 16, 17, 18 (ref 17, 65 % of the maximum) fires for that member only, with the expert as subject", () => {
    const alerts = detectScoreOutliers(S, items, [sc("m1", "b1", "tech", "16"), sc("m2", "b1", "tech", "17"), sc("m3", "b1", "tech", "18"), sc("m4", "b1", "tech", "4")]);
    expect(alerts).toEqual([
      {
        kind: "ALERT_EV18_SCORE_OUTLIER",
        rule: "EV18",
        sectionId: S,
        subjects: ["exp-m4"],
        evidence: {
          memberId: "m4",
          bidId: "b1",
          itemId: "tech",
          score: "4.0000",
          reference: "17.0000",
          max: "20.0000",
          deviationPctOfMax: "65.00",
          ev18DeviationPct: "76.47",
          thresholdPct: "30.00",
        },
        severity: "warning",
      },
    ]);
  });

  it("EV18 near miss: a deviation of 25 % of the maximum (ref 1 on a 10-point item, score 3.5) does not fire, though EV18's ref-relative measure is 250 %", () => {
    expect(detectScoreOutliers(S, items, [sc("m1", "b1", "svc", "1"), sc("m2", "b1", "svc", "1"), sc("m3", "b1", "svc", "3.5")])).toEqual([]);
  });

  it("EV18 near miss: two members far apart cannot be told apart (minScores 3); unknown items are skipped", () => {
    expect(detectScoreOutliers(S, items, [sc("m1", "b1", "tech", "2"), sc("m2", "b1", "tech", "20")])).toEqual([]);
    expect(detectScoreOutliers(S, items, [sc("m1", "b1", "other", "0"), sc("m2", "b1", "other", "9"), sc("m3", "b1", "other", "9")])).toEqual([]);
  });

  it("EV18: the representative (no expert id) is named by member id; the threshold is a parameter; cells are per bid", () => {
    const scores = [sc("m1", "b1", "svc", "9"), sc("m2", "b1", "svc", "9"), sc("rep", "b1", "svc", "5", null), sc("m1", "b2", "svc", "5"), sc("m2", "b2", "svc", "5"), sc("rep", "b2", "svc", "5", null)];
    expect(detectScoreOutliers(S, items, scores).map((a) => a.subjects)).toEqual([["rep"]]);
    expect(detectScoreOutliers(S, items, scores, { thresholdPct: 40 })).toEqual([]);
  });
});

describe("R34 expert declining invitations repeatedly", () => {
  const now = at("2025-06-30T00:00:00Z");
  const pick = (n: number, daysAgo: number, status: DrawPickInput["status"] = "declined", expertId = "e1"): DrawPickInput => ({
    pickId: `p${n}`,
    expertId,
    sectionId: `sec-${n}`,
    status,
    respondedAt: new Date(now.getTime() - daysAgo * DAY),
  });

  it("R34: three declines within 180 days fire, listing the picks and sections (no single section)", () => {
    const alerts = detectRepeatedDeclines([pick(1, 100), pick(2, 30), pick(3, 2), pick(4, 1, "confirmed")], now);
    expect(alerts).toEqual([
      {
        kind: "ALERT_R34_REPEATED_DECLINES",
        rule: "R34",
        sectionId: null,
        subjects: ["e1"],
        evidence: {
          declines: 3,
          windowDays: 180,
          minDeclines: 3,
          pickIds: ["p1", "p2", "p3"],
          sectionIds: ["sec-1", "sec-2", "sec-3"],
          respondedAt: [pick(1, 100).respondedAt!.toISOString(), pick(2, 30).respondedAt!.toISOString(), pick(3, 2).respondedAt!.toISOString()],
        },
        severity: "warning",
      },
    ]);
  });

  it("R34 near miss: a decline outside the window, a time-out (by default) or declines spread over experts do not fire", () => {
    expect(detectRepeatedDeclines([pick(1, 200), pick(2, 30), pick(3, 2)], now)).toEqual([]);
    expect(detectRepeatedDeclines([pick(1, 20, "timed_out"), pick(2, 30), pick(3, 2)], now)).toEqual([]);
    expect(detectRepeatedDeclines([pick(1, 20), pick(2, 30), pick(3, 2, "declined", "e2")], now)).toEqual([]);
  });

  it("R34: time-outs count when asked; N and the window are parameters", () => {
    expect(detectRepeatedDeclines([pick(1, 20, "timed_out"), pick(2, 30), pick(3, 2)], now, { countTimeouts: true })).toHaveLength(1);
    expect(detectRepeatedDeclines([pick(2, 30), pick(3, 2)], now, { minDeclines: 2, windowDays: 31 })).toHaveLength(1);
    expect(detectRepeatedDeclines([pick(2, 30), pick(3, 2)], now, { minDeclines: 2, windowDays: 29 })).toEqual([]);
  });
});

describe("Overdue answers (R52), contracts (R56), publications (R57), refunds (R15)", () => {
  const due = at("2025-05-10T15:59:59Z");
  const now = at("2025-05-12T04:00:00Z");

  it("R52: an objection unanswered past answerDueAt is critical; answered late is a warning", () => {
    const alerts = detectOverdueAnswers(
      [
        { id: "o1", sectionId: S, orgId: "orgA", answerDueAt: due, answeredAt: null },
        { id: "o2", sectionId: S, orgId: "orgB", answerDueAt: due, answeredAt: at("2025-05-11T04:00:00Z") },
      ],
      now,
    );
    expect(alerts).toEqual([
      { kind: "ALERT_R52_ANSWER_OVERDUE", rule: "R52", sectionId: S, subjects: ["orgA"], evidence: { id: "o1", state: "open", dueAt: due.toISOString(), doneAt: "", overdueHours: 36 }, severity: "critical" },
      {
        kind: "ALERT_R52_ANSWER_OVERDUE",
        rule: "R52",
        sectionId: S,
        subjects: ["orgB"],
        evidence: { id: "o2", state: "late", dueAt: due.toISOString(), doneAt: "2025-05-11T04:00:00.000Z", overdueHours: 12 },
        severity: "warning",
      },
    ]);
  });

  it("R52 near miss: answered on time, or still open but not yet due, do not fire; a grace period delays the alert", () => {
    expect(
      detectOverdueAnswers(
        [
          { id: "o1", sectionId: S, orgId: "orgA", answerDueAt: due, answeredAt: due },
          { id: "o2", sectionId: S, orgId: "orgB", answerDueAt: at("2025-05-13T00:00:00Z"), answeredAt: null },
        ],
        now,
      ),
    ).toEqual([]);
    expect(detectOverdueAnswers([{ id: "o1", sectionId: S, orgId: "orgA", answerDueAt: due, answeredAt: null }], now, { graceMs: 2 * DAY })).toEqual([]);
  });

  it("R56: a contract not signed by contractDueAt fires for the winner; signed in time, or no timer yet, does not", () => {
    const alerts = detectOverdueContracts(
      [
        { sectionId: "s1", winnerOrgId: "orgW", contractDueAt: due, contractedAt: null },
        { sectionId: "s2", winnerOrgId: "orgX", contractDueAt: due, contractedAt: at("2025-05-09T00:00:00Z") },
        { sectionId: "s3", contractDueAt: null, contractedAt: null },
      ],
      now,
    );
    expect(alerts.map((a) => [a.kind, a.rule, a.sectionId, a.subjects, a.evidence.state, a.severity])).toEqual([["ALERT_R56_CONTRACT_OVERDUE", "R56", "s1", ["orgW"], "open", "critical"]]);
  });

  it("R57: a ZFCG contract published after publishDueAt fires; ZTB (no due instant) or published in time does not", () => {
    const alerts = detectOverduePublications(
      [
        { sectionId: "s1", winnerOrgId: "orgW", publishDueAt: due, publishedAt: at("2025-05-11T00:00:00Z") },
        { sectionId: "s2", winnerOrgId: "orgX", publishDueAt: null, publishedAt: null },
        { sectionId: "s3", winnerOrgId: "orgY", publishDueAt: due, publishedAt: at("2025-05-10T00:00:00Z") },
      ],
      now,
    );
    expect(alerts.map((a) => [a.kind, a.rule, a.sectionId, a.evidence.state, a.evidence.overdueHours, a.severity])).toEqual([["ALERT_R57_CONTRACT_PUBLICATION_OVERDUE", "R57", "s1", "late", 8, "warning"]]);
  });

  it("R15: a bond not refunded by dueAt fires for the bidder owed it; refunded in time does not", () => {
    const alerts = detectOverdueRefunds(
      [
        { id: "r1", sectionId: S, orgId: "orgA", dueAt: due, refundedAt: null },
        { id: "r2", sectionId: S, orgId: "orgB", dueAt: due, refundedAt: at("2025-05-10T08:00:00Z") },
      ],
      now,
    );
    expect(alerts.map((a) => [a.kind, a.rule, a.subjects, a.evidence.id, a.severity])).toEqual([["ALERT_R15_REFUND_OVERDUE", "R15", ["orgA"], "r1", "critical"]]);
  });
});
