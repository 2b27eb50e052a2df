import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate";
import { defaultsFor, type MethodConfigInput } from "./method";
import { bid, members } from "./test-fixtures";

const ztbLowest: MethodConfigInput = {
  kind: "ZTB_LOWEST_EVALUATED",
  ...defaultsFor("ZTB_LOWEST_EVALUATED"),
  review: [{ id: "qual", label: "资格评审", stage: "qualification" }],
  adjustments: [
    { kind: "missing_item", id: "missing", label: "单价遗漏", reference: "highest_other" },
    { kind: "deviation_rate", id: "advance", label: "预付款比例", threshold: "20", direction: "above", ratePct: "0.1" },
    { kind: "amount", id: "minor", label: "细微偏差" },
  ],
};

const zfcgLowest = (extra: Partial<MethodConfigInput> = {}): MethodConfigInput =>
  ({
    kind: "ZFCG_LOWEST",
    ...defaultsFor("ZFCG_LOWEST"),
    review: [{ id: "qual", label: "资格审查", stage: "qualification" }],
    policyDeductions: [{ id: "small_micro", label: "小微企业", pct: "10" }],
    ...extra,
  }) as MethodConfigInput;

describe("lowest-price methods (R46, R47)", () => {
  it("TV-L1: ZTB evaluated price = corrected bid + adjustments (missing item at the highest other unit price; advance payment)", () => {
    const r = evaluate(ztbLowest, {
      members: members(5),
      bids: [
        bid("A", "9200000", {
          adjustments: [
            { factorId: "missing", items: [{ itemRef: "X1", quantity: "500" }], note: "第12项漏报单价" },
            { factorId: "advance", value: "30", note: "预付款30%，超出10个百分点" },
          ],
        }),
        bid("B", "9300000", { unitPrices: [{ itemRef: "X1", unitPrice: "120" }] }),
        bid("C", "9250000", { correction: { price: "9280000", confirmed: true, steps: [] }, unitPrices: [{ itemRef: "X1", unitPrice: "110" }] }),
      ],
    });
    expect(r.status).toBe("complete");
    const a = r.bids.find((b) => b.bidderId === "A")!;
    expect(a.adjustments).toEqual([
      { factorId: "missing", amount: "60000.00" },
      { factorId: "advance", amount: "92000.00" },
    ]);
    expect(r.bids.map((b) => b.evaluatedPrice)).toEqual(["9352000.00", "9300000.00", "9280000.00"]);
    expect(r.ranking.map((x) => [x.bidderId, x.rank])).toEqual([
      ["C", 1],
      ["B", 2],
      ["A", 3],
    ]);
    // The contract price is the corrected bid, not the evaluated price.
    expect(r.bids.find((b) => b.bidderId === "C")!.bidPrice).toBe("9280000.00");
  });

  it("TV-L1: a missing item no other bidder priced blocks; an unconfirmed correction invalidates the bid", () => {
    const r = evaluate(ztbLowest, {
      bids: [
        bid("A", "9200000", { adjustments: [{ factorId: "missing", items: [{ itemRef: "X9", quantity: "1" }], note: "漏项" }] }),
        bid("B", "9300000"),
        bid("C", "9250000"),
      ],
    });
    expect(r.blockers).toEqual([{ code: "missing_reference_price", bidderId: "A", itemId: "X9", memberId: null }]);
    const refused = evaluate(ztbLowest, { bids: [bid("A", "1"), bid("B", "2"), bid("C", "3", { correction: { price: "4", confirmed: false, steps: [] } })] });
    expect(refused.bids[2]).toMatchObject({ valid: false, reasons: ["correction_refused"], bidPrice: "3.00" });
  });

  it("TV-Z3: ZFCG lowest price with a small-enterprise deduction; A and C 并列 (or a logged lot)", () => {
    const input = {
      members: members(5),
      bids: [bid("A", "498000"), bid("B", "502000", { policy: ["small_micro"] }), bid("C", "498000")],
    };
    const r = evaluate(zfcgLowest(), input);
    expect(r.bids.map((b) => [b.bidderId, b.evaluatedPrice, b.bidPrice])).toEqual([
      ["A", "498000.00", "498000.00"],
      ["B", "451800.00", "502000.00"],
      ["C", "498000.00", "498000.00"],
    ]);
    expect(r.ranking).toEqual([
      { bidderId: "B", rank: 1, pending: null },
      { bidderId: "A", rank: 2, pending: "tied" },
      { bidderId: "C", rank: 2, pending: "tied" },
    ]);
    const withLot = evaluate(zfcgLowest({ tieBreak: { chain: ["lot"] } }), input, { chooseLot: () => ["C", "A"] });
    expect(withLot.ranking.map((x) => x.bidderId)).toEqual(["B", "C", "A"]);
    expect(withLot.lots).toEqual([{ purpose: "ranking", among: ["A", "C"], order: ["C", "A"] }]);
  });

  it("TV-B1: same brand counts once — the lowest-priced one (Q) is evaluated, P is invalid; ranking Q, R", () => {
    // Counted as one bidder, brand X + brand Y make two: the vector's documents accept two (tooFew.min = 2).
    const c = zfcgLowest({ tooFew: { min: 2, action: "fail" } });
    const bids = [bid("P", "500000", { brand: "X" }), bid("Q", "480000", { brand: "X" }), bid("R", "490000", { brand: "Y" })];
    const r = evaluate(c, { bids });
    expect(r.bids.map((b) => [b.bidderId, b.valid, b.reasons, b.brand])).toEqual([
      ["P", false, ["same_brand"], "collapsed"],
      ["Q", true, [], "representative"],
      ["R", true, [], null],
    ]);
    expect(r.ranking.map((x) => x.bidderId)).toEqual(["Q", "R"]);
    expect(r.counts).toEqual({ bids: 3, qualified: 3, valid: 2, effective: 2 });
    // With the default minimum of 3, the two brands are too few (87号令31 counts them as one bidder).
    expect(evaluate(zfcgLowest(), { bids }).failure).toBe("too_few_valid");
    // P and Q both at 480,000 → the documents' method, else a lot.
    const eq = [bid("P", "480000", { brand: "X" }), bid("Q", "480000", { brand: "X" }), bid("R", "490000", { brand: "Y" })];
    expect(evaluate(c, { bids: eq }).status).toBe("blocked");
    const drawn = evaluate(c, { bids: eq }, { chooseLot: (among) => [...among].reverse() });
    expect(drawn.sameBrand).toEqual([{ brand: "X", bidderIds: ["P", "Q"], representative: "Q", lot: true }]);
    expect(drawn.ranking.map((x) => x.bidderId)).toEqual(["Q", "R"]);
  });
});
