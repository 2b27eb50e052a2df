import { describe, expect, it } from "vitest";
import { answerBytes, CLARIFICATION_LIMITS, decisionAllowed, dueMinutesAllowed, proposeCorrection } from "./clarification";

describe("clarifications (R43, EV13, EV14)", () => {
  it("R43: the reply deadline is bounded (10 minutes … 48 hours)", () => {
    expect(dueMinutesAllowed(9)).toBe(false);
    expect(dueMinutesAllowed(10)).toBe(true);
    expect(dueMinutesAllowed(2880)).toBe(true);
    expect(dueMinutesAllowed(2881)).toBe(false);
    expect(dueMinutesAllowed(30.5)).toBe(false);
    expect(dueMinutesAllowed(Number.NaN)).toBe(false);
    expect(CLARIFICATION_LIMITS.maxMinutes).toBe(48 * 60);
  });

  it("R43: the signed bytes bind the request, the question's hash, the decision, the price and the answer", () => {
    const base = { id: "0b6f2c8e-1111-4222-8333-444455556666", questionSha256: "ab".repeat(32), kind: "correction" as const, decision: "accept" as const, price: "9250000.00", answer: "确认\n第二行" };
    const text = new TextDecoder().decode(answerBytes(base));
    expect(text).toBe(`TH-CLARIFICATION-v1\n${base.id}\n${base.questionSha256}\ncorrection\naccept\n9250000.00\n确认\n第二行`);
    expect(new TextDecoder().decode(answerBytes({ ...base, kind: "question", decision: "answer", price: null, answer: "" }))).toMatch(/\nquestion\nanswer\n-\n$/);
    expect(() => answerBytes({ ...base, price: "1\n2" })).toThrow(RangeError);
  });

  it("87号令59: a correction is accepted or refused; a question is answered", () => {
    expect(decisionAllowed("correction", "accept")).toBe(true);
    expect(decisionAllowed("correction", "refuse")).toBe(true);
    expect(decisionAllowed("correction", "answer")).toBe(false);
    expect(decisionAllowed("question", "answer")).toBe(true);
    expect(decisionAllowed("abnormally_low", "accept")).toBe(false);
  });

  it("TV-C1 (ZTB, 评标规定19): the words 玖佰贰拾伍万元整 beat the figures 9,520,000 → 9,250,000", () => {
    const r = proposeCorrection("ZTB", { figures: "9520000", words: "玖佰贰拾伍万元整" });
    expect(r.ok && r.result.price).toBe("9250000.00");
  });

  it("TV-C2 (ZTB): the unit price beats the item total → bid total −3,600.00", () => {
    const r = proposeCorrection("ZTB", { figures: "9500000", lines: [{ ref: "C2", quantity: "1200", unitPrice: "85.50", total: "106200.00" }] });
    expect(r.ok && r.result.price).toBe("9496400.00");
  });

  it("TV-C7 (ZFCG, 87号令59(1) then (2)): schedule 980,000 with words 985,000, body 990,000 → 985,000", () => {
    const r = proposeCorrection("ZFCG", { figures: "980000", words: "玖拾捌万伍仟元", bodyTotal: "990000" });
    expect(r.ok && r.result.price).toBe("985000.00");
    expect(r.ok && r.result.steps.map((s) => s.rule)).toEqual(["zfcg_schedule_over_body", "zfcg_words_over_figures"]);
  });

  it("R43: nothing to correct, or words that cannot be read, propose nothing", () => {
    expect(proposeCorrection("ZTB", { figures: "9250000", words: "玖佰贰拾伍万元整" })).toEqual({ ok: false, problem: "unchanged" });
    expect(proposeCorrection("ZTB", { figures: "9250000", words: "大约九百万" })).toEqual({ ok: false, problem: "unreadable" });
  });
});
