import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dec } from "./decimal";
import { evaluate } from "./evaluate";
import type { TieStep } from "./method";
import { candidatesOf, collapseSameBrand, rankEntries, shuffleChooser, type RankEntry } from "./ranking";
import { bid, members, priceOnlyConfig, tvZ1Config, tvZ1Input } from "./test-fixtures";

const e = (bidderId: string, primary: string, bidPrice: string, technical = "0", business = "0"): RankEntry => ({
  bidderId,
  primary: new Dec(primary),
  bidPrice: new Dec(bidPrice),
  technical: new Dec(technical),
  business: new Dec(business),
});
const none = () => null;
const rank = (entries: RankEntry[], chain: TieStep[], lot = none as (a: string[]) => string[] | null, decide = none as (a: string[]) => string[] | null) =>
  rankEntries(entries, { primary: "desc", chain, lot, decide });

describe("ranking and ties (R47, EV8–EV11)", () => {
  it("TV-T1 (ZFCG, 87号令57): score desc → price asc → 并列", () => {
    const r = rank([e("X", "88.50", "1000000"), e("Y", "88.50", "980000"), e("Z", "88.50", "980000"), e("W", "90.10", "1050000")], ["price_asc"]);
    expect(r.order).toEqual([
      { bidderId: "W", rank: 1, pending: null },
      { bidderId: "Y", rank: 2, pending: "tied" },
      { bidderId: "Z", rank: 2, pending: "tied" },
      { bidderId: "X", rank: 4, pending: null },
    ]);
    expect(r.trace).toEqual([{ step: "price_asc", among: ["X", "Y", "Z"], result: [["Y", "Z"], ["X"]] }]);
  });

  it("TV-T2 (ZTB): total → price → technical → lot", () => {
    const entries = [e("Q1", "91.20", "9700000", "27.0"), e("Q2", "91.20", "9650000", "26.0"), e("Q3", "91.20", "9650000", "26.5")];
    const r = rank(entries, ["price_asc", "tech_desc", "lot"]);
    expect(r.order.map((x) => x.bidderId)).toEqual(["Q3", "Q2", "Q1"]);
    expect(r.order.map((x) => x.rank)).toEqual([1, 2, 3]);
    expect(r.trace.map((t) => t.step)).toEqual(["price_asc", "tech_desc"]);
    // Q2 and Q3 also equal on technical → the lot decides, and the trace says among whom.
    const tied = [e("Q1", "91.20", "9700000", "27.0"), e("Q2", "91.20", "9650000", "26.5"), e("Q3", "91.20", "9650000", "26.5")];
    const pending = rank(tied, ["price_asc", "tech_desc", "lot"]);
    expect(pending.order.slice(0, 2)).toEqual([
      { bidderId: "Q2", rank: 1, pending: "lot" },
      { bidderId: "Q3", rank: 1, pending: "lot" },
    ]);
    const drawn = rank(tied, ["price_asc", "tech_desc", "lot"], (among) => [...among].reverse());
    expect(drawn.order.map((x) => x.bidderId)).toEqual(["Q3", "Q2", "Q1"]);
    expect(drawn.trace.at(-1)).toEqual({ step: "lot", among: ["Q2", "Q3"], result: [["Q3"], ["Q2"]] });
  });

  it("EV8: the tenderer decides (its recorded decision is replayed), else the tie stays pending", () => {
    const tied = [e("A", "90", "100"), e("B", "90", "100")];
    expect(rank(tied, ["price_asc", "tenderer_decides"]).order.map((x) => x.pending)).toEqual(["tenderer_decides", "tenderer_decides"]);
    expect(rank(tied, ["price_asc", "tenderer_decides"], none, () => ["B", "A"]).order.map((x) => x.bidderId)).toEqual(["B", "A"]);
  });

  it("TV-B1 (comprehensive): brand X counts once — P (88.00) represents it, Q is not a candidate; ranking P, R", () => {
    const entries = [
      { ...e("P", "88.00", "500000"), brand: "X" },
      { ...e("Q", "85.00", "480000"), brand: "X" },
      { ...e("R", "86.00", "490000"), brand: "Y" },
    ];
    const groups = collapseSameBrand(entries, { primary: "desc", chain: ["price_asc"], lot: none });
    expect(groups).toEqual([{ brand: "X", bidderIds: ["P", "Q"], representative: "P", lot: false }]);
    const r = rank(entries.filter((x) => x.bidderId !== "Q"), ["price_asc"]);
    expect(r.order.map((x) => x.bidderId)).toEqual(["P", "R"]);
    // Equal scores within a brand → a lot (purpose same_brand).
    const eq = [{ ...e("P", "88", "500000"), brand: "X" }, { ...e("Q", "88", "500000"), brand: "X" }];
    expect(collapseSameBrand(eq, { primary: "desc", chain: ["price_asc"], lot: none })[0]!.representative).toBeNull();
    expect(collapseSameBrand(eq, { primary: "desc", chain: ["price_asc"], lot: (a, purpose) => (purpose === "same_brand" ? ["Q", "P"] : null) })[0]).toEqual({
      brand: "X",
      bidderIds: ["P", "Q"],
      representative: "Q",
      lot: true,
    });
  });

  it("EV10/R47: candidates are ranks ≤ count; an unresolved tie at the boundary brings both in", () => {
    const r = rank([e("A", "90", "1"), e("B", "80", "1"), e("C", "70", "1"), e("D", "70", "1"), e("E", "60", "1")], []);
    expect(candidatesOf(r.order, 3)).toEqual(["A", "B", "C", "D"]);
    expect(candidatesOf(r.order, 2)).toEqual(["A", "B"]);
  });

  it("TV-N1 (ZTB): two valid bids → the committee must record its reasoning; at most 2 candidates", () => {
    const c = priceOnlyConfig("ZTB_COMPREHENSIVE", "100", { benchmark: { source: "lowest" }, priceScore: { kind: "low_price_priority", full: "100" } });
    const r = evaluate(c, { members: members(5), bids: [bid("A", "100"), bid("B", "110"), bid("C", "90", { review: [{ itemId: "qual", passed: false }] })] });
    expect(r.status).toBe("complete");
    expect(r.reasoningRequired).toBe(true);
    expect(r.warnings).toContainEqual({ code: "fewer_than_min_valid", ids: ["A", "B"] });
    expect(r.candidates).toEqual(["A", "B"]);
    const none = evaluate(c, { members: members(5), bids: [bid("C", "90", { review: [{ itemId: "qual", passed: false }] })] });
    expect([none.status, none.failure]).toEqual(["failed", "all_rejected"]);
  });

  it("TV-N1 (ZFCG): two qualified bidders → no evaluation (87号令44)", () => {
    const input = tvZ1Input();
    input.bids = input.bids.filter((b) => b.bidderId !== "D").map((b) => (b.bidderId === "C" ? { ...b, review: [{ itemId: "qual", passed: false }] } : b));
    const r = evaluate(tvZ1Config, input);
    expect([r.status, r.failure]).toEqual(["failed", "too_few_qualified"]);
    expect(r.ranking).toEqual([]);
    expect(r.bids.every((b) => b.priceScore === null)).toBe(true);
  });

  it("shuffleChooser: a Fisher–Yates over the sorted ids driven by the caller's uniform source", () => {
    const seq = [0, 1, 0];
    let i = 0;
    const choose = shuffleChooser(() => seq[i++]!);
    // sorted [A,B,C,D]: i=3 swap(3,0) → D,B,C,A; i=2 swap(2,1) → D,C,B,A; i=1 swap(1,0) → C,D,B,A
    expect(choose(["D", "A", "C", "B"])).toEqual(["C", "D", "B", "A"]);
    expect(() => shuffleChooser(() => 5)(["A", "B"])).toThrow(RangeError);
  });

  it("property: the ranking is a permutation of the rankable bids, ranks are consistent, and input order does not matter", () => {
    const entry = fc.record({ primary: fc.integer({ min: 0, max: 5 }), price: fc.integer({ min: 1, max: 3 }), tech: fc.integer({ min: 0, max: 2 }) });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 12 }), fc.constantFrom<TieStep[]>([], ["price_asc"], ["price_asc", "tech_desc", "lot"], ["tenderer_decides"]), (xs, chain) => {
        const entries = xs.map((x, i) => e(`B${String(i).padStart(2, "0")}`, String(x.primary), String(x.price), String(x.tech)));
        const lot = (among: string[]) => [...among].reverse();
        const r = rankEntries(entries, { primary: "desc", chain, lot, decide: none });
        expect(r.order.map((o) => o.bidderId).sort()).toEqual(entries.map((x) => x.bidderId).sort());
        r.order.forEach((o, i) => {
          expect(o.rank).toBeLessThanOrEqual(i + 1);
          if (i > 0) expect(o.rank).toBeGreaterThanOrEqual(r.order[i - 1]!.rank);
        });
        const shuffled = rankEntries([...entries].reverse(), { primary: "desc", chain, lot, decide: none });
        expect(shuffled).toEqual(r);
      }),
      { seed: 11, numRuns: 200 },
    );
  }, 30_000);
});
