import { describe, expect, it } from "vitest";
import { CapitalsParseError } from "./capitals";
import { correctZfcg, correctZtb, decimalSlipPower, toBidCorrection } from "./corrections";
import { Dec } from "./decimal";
import { evaluate } from "./evaluate";
import { defaultsFor, type MethodConfigInput } from "./method";
import { bid } from "./test-fixtures";

describe("arithmetic corrections (R43)", () => {
  it("TV-C1 (ZTB, 评标规定19): words beat figures", () => {
    const r = correctZtb({ figures: "9520000", words: "玖佰贰拾伍万元整" });
    expect(r.price).toBe("9250000.00");
    expect(r.steps).toEqual([{ rule: "ztb_words_over_figures", target: "total", field: "total", before: "9520000.00", after: "9250000.00" }]);
    expect([r.requiresConfirmation, r.binding]).toEqual([true, false]);
  });

  it("TV-C2 (ZTB): the unit price beats the total — item 102,600.00, bid total −3,600.00", () => {
    const r = correctZtb({ figures: "9500000", lines: [{ ref: "C2", quantity: "1200", unitPrice: "85.50", total: "106200.00" }] });
    expect(r.lines[0]!.total).toBe("102600.00");
    expect(r.price).toBe("9496400.00");
    expect(r.steps.map((s) => [s.rule, s.target, s.before, s.after])).toEqual([
      ["ztb_unit_price_over_total", "line:C2", "106200.00", "102600.00"],
      ["ztb_unit_price_over_total", "total", "9500000.00", "9496400.00"],
    ]);
  });

  it("TV-C3 (ZTB): an obvious decimal slip in the unit price — the total stands, the unit becomes 4,500.00", () => {
    expect(decimalSlipPower(new Dec(1000), new Dec("4.50"), new Dec(4500000))).toBe(3);
    const r = correctZtb({ figures: "9500000", lines: [{ ref: "C3", quantity: "1000", unitPrice: "4.50", total: "4500000" }] });
    expect(r.lines[0]!.unitPrice).toBe("4500.00");
    expect(r.price).toBe("9500000.00");
    expect(r.steps).toEqual([{ rule: "ztb_decimal_slip_keep_total", target: "line:C3", field: "unitPrice", before: "4.50", after: "4500.00" }]);
    // The committee may find otherwise: then the unit price wins.
    const no = correctZtb({ figures: "4500000", lines: [{ ref: "C3", quantity: "1000", unitPrice: "4.50", total: "4500000", decimalSlip: false }], linesComplete: true });
    expect(no.price).toBe("4500.00");
  });

  it("TV-C4 (ZFCG, 87号令59(1)): the schedule's 318 元 beats the body's 3,180,000 — the bidder must still confirm", () => {
    const r = correctZfcg({ figures: "318" }, { total: "3180000" });
    expect(r.price).toBe("318.00");
    expect(r.steps.map((s) => s.rule)).toEqual(["zfcg_schedule_over_body"]);
    expect(r.requiresConfirmation).toBe(true);
  });

  it("TV-C5 (ZFCG rule 4): qty 10 × unit 1,200 with total 21,000 (digits swapped) → total 12,000", () => {
    const r = correctZfcg({ figures: "21000", lines: [{ ref: "1", quantity: "10", unitPrice: "1200", total: "21000" }], linesComplete: true });
    expect(r.price).toBe("12000.00");
    expect(r.steps.map((s) => s.rule)).toEqual(["zfcg_unit_price_result", "zfcg_unit_price_result"]);
  });

  it("TV-C6 (ZFCG rule 3): qty 10 × unit 120.0 with total 12,000 → the total stands, the unit becomes 1,200.0", () => {
    const r = correctZfcg({ figures: "12000", lines: [{ ref: "1", quantity: "10", unitPrice: "120.0", total: "12000" }], linesComplete: true });
    expect(r.price).toBe("12000.00");
    expect(r.lines[0]!.unitPrice).toBe("1200.00");
    expect(r.steps.map((s) => s.rule)).toEqual(["zfcg_decimal_slip_fix_unit"]);
  });

  it("TV-C7 (ZFCG rules 1 then 2): schedule 980,000 in figures, 玖拾捌万伍仟元 in words, body 990,000 → 985,000", () => {
    const r = correctZfcg({ figures: "980000", words: "玖拾捌万伍仟元" }, { total: "990000" });
    expect(r.price).toBe("985000.00");
    expect(r.steps.map((s) => [s.rule, s.before, s.after])).toEqual([
      ["zfcg_schedule_over_body", "990000.00", "980000.00"],
      ["zfcg_words_over_figures", "980000.00", "985000.00"],
    ]);
  });

  it("R43: nothing to correct → no confirmation; unreadable words → a clarification, not a guess", () => {
    const r = correctZtb({ figures: "9250000", words: "玖佰贰拾伍万元整" });
    expect([r.changed, r.requiresConfirmation, toBidCorrection(r, true)]).toEqual([false, false, null]);
    expect(() => correctZtb({ figures: "1", words: "壹元伍" })).toThrow(CapitalsParseError);
  });

  it("R43: the correction binds only once confirmed — evaluate uses the corrected price, or invalidates on refusal", () => {
    const config: MethodConfigInput = { kind: "ZTB_LOWEST_EVALUATED", ...defaultsFor("ZTB_LOWEST_EVALUATED"), review: [{ id: "qual", label: "资格", stage: "qualification" }] };
    const c1 = correctZtb({ figures: "9520000", words: "玖佰贰拾伍万元整" });
    const confirmed = evaluate(config, { bids: [bid("A", "9520000", { correction: toBidCorrection(c1, true) }), bid("B", "9300000"), bid("C", "9400000")] });
    expect(confirmed.ranking[0]!.bidderId).toBe("A");
    expect(confirmed.bids[0]!.evaluatedPrice).toBe("9250000.00");
    const refused = evaluate(config, { bids: [bid("A", "9520000", { correction: toBidCorrection(c1, false) }), bid("B", "9300000"), bid("C", "9400000")] });
    expect(refused.bids[0]!.reasons).toEqual(["correction_refused"]);
  });
});
