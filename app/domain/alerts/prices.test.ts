import { describe, expect, it } from "vitest";
import { detectPatternedPrices, type PricedBidInput } from "./detectors";

const S = "sec-1";
const bids = (...prices: string[]): PricedBidInput[] => prices.map((p, i) => ({ bidId: `b${i + 1}`, orgId: `org${i + 1}`, priceYuan: p }));

describe("R23 patterned prices (规律性差异)", () => {
  it("R23: 100, 200, 301 (steps within 1 % of the mean step) fire as arithmetic, sorted, with the evidence", () => {
    const alerts = detectPatternedPrices(S, bids("301", "100", "200"));
    expect(alerts).toEqual([
      {
        kind: "ALERT_R23_PRICE_ARITHMETIC",
        rule: "R23",
        sectionId: S,
        subjects: ["org1", "org2", "org3"],
        evidence: {
          prices: ["100.00", "200.00", "301.00"],
          bidIds: ["b2", "b3", "b1"],
          bids: 3,
          meanStepYuan: "100.50",
          maxDeviationPct: "0.4975",
          tolerancePct: "1.0000",
        },
        severity: "warning",
      },
    ]);
  });

  it("R23: exact equal steps of real tender prices fire (4 bids, step ¥12 500)", () => {
    const alerts = detectPatternedPrices(S, bids("9950000.00", "9962500", "9975000", "9987500.00"));
    expect(alerts.map((a) => [a.kind, a.evidence.meanStepYuan, a.evidence.maxDeviationPct])).toEqual([["ALERT_R23_PRICE_ARITHMETIC", "12500.00", "0.0000"]]);
  });

  it("R23 near miss: 100, 200, 305 with tolerance 1 % do not fire (a step is 2.44 % off the mean)", () => {
    expect(detectPatternedPrices(S, bids("100", "200", "305"), { stepTolerancePct: 1 })).toEqual([]);
  });

  it("R23: the same 100, 200, 305 fire with a 3 % tolerance (the tolerance is a parameter)", () => {
    expect(detectPatternedPrices(S, bids("100", "200", "305"), { stepTolerancePct: 3 }).map((a) => a.kind)).toEqual(["ALERT_R23_PRICE_ARITHMETIC"]);
  });

  it("R23: a constant ratio (100, 200, 400, 800) fires as geometric with the ratio", () => {
    const alerts = detectPatternedPrices(S, bids("800", "100", "400", "200"));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: "ALERT_R23_PRICE_GEOMETRIC", rule: "R23", subjects: ["org1", "org2", "org3", "org4"], evidence: { meanRatio: "2.000000", maxDeviationPct: "0.0000", prices: ["100.00", "200.00", "400.00", "800.00"] } });
  });

  it("R23: prices 2 % apart each (1 000 000, 1 020 000, 1 040 400) are reported once", () => {
    const alerts = detectPatternedPrices(S, bids("1000000", "1020000", "1040400"));
    expect(alerts.map((a) => a.kind)).toEqual(["ALERT_R23_PRICE_ARITHMETIC"]);
    expect(detectPatternedPrices(S, bids("1000000", "1020000", "1040400"), { stepTolerancePct: 0.1 }).map((a) => [a.kind, a.evidence.meanRatio])).toEqual([
      ["ALERT_R23_PRICE_GEOMETRIC", "1.020000"],
    ]);
  });

  it("R23 near miss: 100, 200, 410 are neither arithmetic nor geometric within 1 %", () => {
    expect(detectPatternedPrices(S, bids("100", "200", "410"))).toEqual([]);
  });

  it("R23 near miss: two bids never fire, however regular; nor fewer than minBids", () => {
    expect(detectPatternedPrices(S, bids("100", "200"))).toEqual([]);
    expect(detectPatternedPrices(S, bids("100", "200", "300"), { minBids: 4 })).toEqual([]);
    expect(() => detectPatternedPrices(S, bids("100", "200"), { minBids: 2 })).toThrow(RangeError);
  });

  it("R23 near miss: equal prices are not a progression; a second entry of one organisation is ignored", () => {
    expect(detectPatternedPrices(S, bids("500", "500", "500"))).toEqual([]);
    const twice: PricedBidInput[] = [...bids("100", "200"), { bidId: "b9", orgId: "org1", priceYuan: "300" }];
    expect(detectPatternedPrices(S, twice)).toEqual([]);
  });

  it("R23: a malformed price is refused, not guessed", () => {
    expect(() => detectPatternedPrices(S, bids("100", "1e3", "300"))).toThrow(RangeError);
  });
});
