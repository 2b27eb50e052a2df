import { describe, expect, it } from "vitest";
import { EvaluationInputSchema } from "./input";
import { tvZ1Input } from "./test-fixtures";

const parse = (x: unknown) => EvaluationInputSchema.safeParse(x);

describe("the evaluation input (EV19: recomputed from stored inputs)", () => {
  it("EV7: TV-Z1's input parses with every default filled; money and scores stay decimal strings", () => {
    const r = EvaluationInputSchema.parse(tvZ1Input());
    expect(r.bids[0]).toMatchObject({ readPrice: "950000", correction: null, rejection: null, policy: [], brand: null, provisional: null, adjustments: [], unitPrices: [] });
    expect([r.lots, r.decisions, r.benchmarkInputs]).toEqual([[], [], null]);
  });

  it("EV7: binary floats, exponents, signs and over-long decimals are refused", () => {
    const ok = tvZ1Input();
    for (const readPrice of [950000, "9.5e5", "-950000", "950000.001", "0950000"]) {
      expect(parse({ ...ok, bids: [{ ...ok.bids[0]!, readPrice }] }).success, String(readPrice)).toBe(false);
    }
    expect(parse({ ...ok, sheets: [{ memberId: "M1", scores: [{ bidderId: "A", itemId: "T", score: "42.12345" }] }] }).success).toBe(false);
    expect(parse({ ...ok, bids: [] }).success).toBe(false);
  });

  it("R43: a correction carries its rule steps; unknown rules and members are refused", () => {
    const ok = tvZ1Input();
    const step = { rule: "zfcg_words_over_figures", target: "total", field: "total", before: "980000.00", after: "985000.00" };
    expect(parse({ ...ok, bids: [{ ...ok.bids[0]!, correction: { price: "985000", confirmed: true, steps: [step] } }] }).success).toBe(true);
    expect(parse({ ...ok, bids: [{ ...ok.bids[0]!, correction: { price: "985000", confirmed: true, steps: [{ ...step, rule: "guess" }] } }] }).success).toBe(false);
    expect(parse({ ...ok, bids: [{ ...ok.bids[0]!, extra: 1 }] }).success).toBe(false);
    expect(parse({ ...ok, members: [{ memberId: "M1", name: "专家", role: "chair" }] }).success).toBe(false);
  });
});
