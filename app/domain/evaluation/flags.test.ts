import { describe, expect, it } from "vitest";
import { Dec, fixed } from "./decimal";
import { evaluate } from "./evaluate";
import { abnormallyLow, belowMaxFlags, deviationFlags, deviationPct } from "./flags";
import { bid, priceOnlyConfig, priceOnlyInput } from "./test-fixtures";

const ms = (scores: string[]) => scores.map((s, i) => ({ memberId: `M${i + 1}`, score: new Dec(s) }));
const mean = (xs: number[]) => new Dec(xs.reduce((a, b) => a + b, 0)).div(xs.length);

describe("flags (EV14, EV18)", () => {
  const x2 = ms(["8", "8", "7", "8", "3"]);

  it("TV-X2: deviation vs all and vs the others (item max 10, t = 30 %)", () => {
    expect(fixed(mean([8, 8, 7, 8, 3]), 2)).toBe("6.80");
    expect(fixed(deviationPct(new Dec(8), mean([8, 8, 7, 8, 3]))!, 2)).toBe("17.65");
    expect(fixed(deviationPct(new Dec(8), mean([8, 7, 8, 3]))!, 2)).toBe("23.08");
    expect(fixed(deviationPct(new Dec(7), mean([8, 8, 7, 8, 3]))!, 2)).toBe("2.94");
    expect(fixed(deviationPct(new Dec(7), mean([8, 8, 8, 3]))!, 2)).toBe("3.70");
    expect(fixed(deviationPct(new Dec(3), mean([8, 8, 7, 8, 3]))!, 2)).toBe("55.88");
    expect(fixed(deviationPct(new Dec(3), mean([8, 8, 7, 8]))!, 2)).toBe("61.29");
    const others = deviationFlags("A", "T1", x2, "others", new Dec(30));
    expect(others.map((f) => [f.memberId, fixed(f.devPct!, 2)])).toEqual([["M5", "61.29"]]);
    const all = deviationFlags("A", "T1", x2, "all", new Dec(30));
    expect(all.map((f) => [f.memberId, fixed(f.devPct!, 2)])).toEqual([["M5", "55.88"]]);
    // With t = 20 % the two references disagree on M1 (23.08 % vs 17.65 %).
    expect(deviationFlags("A", "T1", x2, "others", new Dec(20)).map((f) => f.memberId)).toEqual(["M1", "M2", "M4", "M5"]);
    expect(deviationFlags("A", "T1", x2, "all", new Dec(20)).map((f) => f.memberId)).toEqual(["M5"]);
  });

  it("TV-X2: below 60 % of the item's max (3 < 6) needs a reason", () => {
    expect(belowMaxFlags("A", "T1", x2, new Dec(10), new Dec("0.6")).map((f) => [f.memberId, f.limit.toFixed()])).toEqual([["M5", "6"]]);
  });

  it("EV18: a zero reference flags any non-zero score; no reference, no flag", () => {
    // M3's reference (the others: 0, 0) is zero; M1's and M2's (0 and 1 → 0.5) is not: they lie 100 % off it.
    const flags = deviationFlags("A", "T1", ms(["0", "0", "1"]), "others", new Dec(30));
    expect(flags.map((f) => [f.memberId, f.devPct && fixed(f.devPct, 2)])).toEqual([["M1", "100.00"], ["M2", "100.00"], ["M3", null]]);
    expect(deviationFlags("A", "T1", ms(["5"]), "others", new Dec(30))).toEqual([]);
  });

  it("TV-A1: abnormally low = at least 20 % below the mean of the other valid bids; the others lie above", () => {
    const bids = [
      { bidderId: "A", price: new Dec(1000000) },
      { bidderId: "B", price: new Dec(980000) },
      { bidderId: "C", price: new Dec(1020000) },
      { bidderId: "D", price: new Dec(700000) },
    ];
    const f = abnormallyLow(bids, new Dec(20));
    expect(["A", "B", "C", "D"].map((id) => [fixed(f.get(id)!.pct, 2), f.get(id)!.flagged])).toEqual([
      ["11.11", false],
      ["8.09", false],
      ["14.18", false],
      ["-30.00", true],
    ]);
    expect(abnormallyLow(bids.slice(0, 1), new Dec(20)).size).toBe(0);
  });

  it("TV-A1 through evaluate: flagged and warned, never rejected (EV14)", () => {
    const r = evaluate(priceOnlyConfig("ZTB_COMPREHENSIVE", "100", { benchmark: { source: "lowest" }, priceScore: { kind: "low_price_priority", full: "100" } }), {
      ...priceOnlyInput("2000000", []),
      bids: [bid("A", "1000000"), bid("B", "980000"), bid("C", "1020000"), bid("D", "700000")],
    });
    expect(r.warnings).toContainEqual({ code: "abnormally_low", ids: ["D"] });
    expect(r.bids.find((b) => b.bidderId === "D")).toMatchObject({ valid: true, abnormallyLow: { pct: "-30.00", flagged: true } });
    expect(r.ranking[0]!.bidderId).toBe("D");
  });
});
