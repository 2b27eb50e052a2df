import { describe, expect, it } from "vitest";
import { CORRECTION_ITEM_ID, concludeReview, engineReview, majorityPasses, missingMarks, OTHER_ITEM_ID, reviewItems, tooFewOutcome, type Mark } from "./review";
import { defaultsFor, parseMethodConfig } from "./method";

const mark = (memberId: string, bidId: string, itemId: string, passed: boolean, ground: string | null = null, reason = ""): Mark => ({ memberId, bidId, itemId, passed, ground, reason: passed ? "" : reason || "理由" });

describe("compliance review (EV12, R44, R45)", () => {
  it("EV12: the items are the configured review items, the pass_fail criteria, then “other grounds”", () => {
    const config = parseMethodConfig({
      kind: "ZTB_COMPREHENSIVE",
      ...defaultsFor("ZTB_COMPREHENSIVE"),
      review: [
        { id: "f1", label: "投标函签字盖章", stage: "form" },
        { id: "q1", label: "营业执照", stage: "qualification" },
      ],
      criteria: [
        { id: "t", label: "技术", max: "60", group: "technical", children: [{ id: "t1", label: "施工方案", max: "60", mode: "range" }, { id: "t2", label: "★参数", max: "0", mode: "pass_fail" }] },
        { id: "p", label: "报价", max: "40", group: "price", mode: "formula" },
      ],
      benchmark: { source: "mean" },
      priceScore: { kind: "linear_deviation", full: "40", E1: "2", E2: "1" },
    });
    expect(reviewItems(config).map((i) => [i.id, i.stage])).toEqual([
      ["f1", "form"],
      ["q1", "qualification"],
      ["t2", "criterion"],
      [OTHER_ITEM_ID, "other"],
    ]);
    // A method without configured items still reviews “other grounds” (R44).
    expect(reviewItems(parseMethodConfig({ kind: "ZFCG_LOWEST", ...defaultsFor("ZFCG_LOWEST") })).map((i) => i.id)).toEqual([OTHER_ITEM_ID]);
  });

  it("EV12 (87号令61): each item by majority; a tie rejects nothing and the leader has no casting vote (评标规定9)", () => {
    expect(majorityPasses({ pass: 3, fail: 2 })).toBe(true);
    expect(majorityPasses({ pass: 2, fail: 3 })).toBe(false);
    expect(majorityPasses({ pass: 2, fail: 2 })).toBe(true);
    const members = ["M1", "M2", "M3", "M4", "M5"];
    const marks: Mark[] = [];
    for (const m of members) {
      marks.push(mark(m, "A", "q1", true), mark(m, "B", "q1", true));
      // Bid A: three of five fail f1, two of them on 51(1), one on 51(6).
      marks.push(mark(m, "A", "f1", m === "M4" || m === "M5"));
      marks.push(mark(m, "B", "f1", m !== "M1"));
    }
    const fix = (m: Mark) => (m.bidId === "A" && m.itemId === "f1" && !m.passed ? { ...m, ground: m.memberId === "M3" ? "ZTB_51_6_NOT_RESPONSIVE" : "ZTB_51_1_UNSIGNED", reason: `${m.memberId} 未盖章` } : m.bidId === "B" && !m.passed ? { ...m, ground: "ZTB_51_1_UNSIGNED" } : m);
    const out = concludeReview({ bidIds: ["A", "B"], itemIds: ["f1", "q1"], memberIds: members, marks: marks.map(fix) });
    expect(out[0]).toMatchObject({ bidId: "A", passed: false, grounds: ["ZTB_51_1_UNSIGNED"] });
    expect(out[0]!.items).toEqual([
      { itemId: "f1", passed: false, votes: { pass: 2, fail: 3 }, ground: "ZTB_51_1_UNSIGNED" },
      { itemId: "q1", passed: true, votes: { pass: 5, fail: 0 }, ground: null },
    ]);
    expect(out[0]!.reasons.map((r) => r.memberId)).toEqual(["M1", "M2", "M3"]);
    // Bid B: one member of five fails f1 — the majority passes it; the dissenting mark stays in the record.
    expect(out[1]).toMatchObject({ bidId: "B", passed: true, grounds: [], reasons: [] });
    expect(out[1]!.items[0]!.votes).toEqual({ pass: 4, fail: 1 });
  });

  it("EV12/EV15: marks of members not counted (voided, not seated) do not vote", () => {
    const marks = [mark("M1", "A", "x", true), mark("M2", "A", "x", true), mark("M3", "A", "x", false, "ZFCG_63_1_NO_BOND"), mark("X9", "A", "x", false, "ZFCG_63_1_NO_BOND"), mark("X8", "A", "x", false, "ZFCG_63_1_NO_BOND")];
    const [a] = concludeReview({ bidIds: ["A"], itemIds: ["x"], memberIds: ["M1", "M2", "M3"], marks });
    expect(a).toMatchObject({ passed: true, items: [{ itemId: "x", passed: true, votes: { pass: 2, fail: 1 }, ground: null }] });
  });

  it("R43 (87号令59): a refused or unconfirmed correction fails the bid whatever the marks", () => {
    const marks = ["M1", "M2", "M3"].map((m) => mark(m, "A", "x", true));
    const [a] = concludeReview({ bidIds: ["A"], itemIds: ["x"], memberIds: ["M1", "M2", "M3"], marks, forced: new Map([["A", "ZFCG_59_CORRECTION_REFUSED"]]) });
    expect(a!.passed).toBe(false);
    expect(a!.grounds).toEqual(["ZFCG_59_CORRECTION_REFUSED"]);
    expect(a!.items.at(-1)).toEqual({ itemId: CORRECTION_ITEM_ID, passed: false, votes: { pass: 0, fail: 0 }, ground: "ZFCG_59_CORRECTION_REFUSED" });
  });

  it("EV17: “member done” needs every item of every bid marked", () => {
    expect(missingMarks(["A", "B"], ["x", "y"], [{ bidId: "A", itemId: "x" }, { bidId: "B", itemId: "y" }])).toEqual([
      { bidId: "A", itemId: "y" },
      { bidId: "B", itemId: "x" },
    ]);
    expect(missingMarks(["A"], ["x"], [{ bidId: "A", itemId: "x" }])).toEqual([]);
  });

  it("R45/EV10/TV-N1: ZFCG with 2 qualified fails; ZTB with 2 valid records reasoning; none left fails under both", () => {
    expect(tooFewOutcome(2, { min: 3, action: "fail" })).toBe("fail");
    expect(tooFewOutcome(2, { min: 3, action: "record_reasoning" })).toBe("reasoning");
    expect(tooFewOutcome(1, { min: 3, action: "record_reasoning" })).toBe("reasoning");
    expect(tooFewOutcome(0, { min: 3, action: "record_reasoning" })).toBe("fail");
    expect(tooFewOutcome(3, { min: 3, action: "fail" })).toBe("enough");
    expect(tooFewOutcome(5, { min: 3, action: "record_reasoning" })).toBe("enough");
  });

  it("R44: the engine input takes the configured items as review and “other grounds” as a rejection", () => {
    const c = { items: [{ itemId: "f1", passed: true }, { itemId: OTHER_ITEM_ID, passed: false }, { itemId: CORRECTION_ITEM_ID, passed: false }] };
    expect(engineReview(c, "低于成本")).toEqual({ review: [{ itemId: "f1", passed: true }], rejection: { reason: "低于成本" } });
    expect(engineReview({ items: [{ itemId: OTHER_ITEM_ID, passed: true }] }, "")).toEqual({ review: [], rejection: null });
  });
});
