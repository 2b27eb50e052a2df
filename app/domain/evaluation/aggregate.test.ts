import { describe, expect, it } from "vitest";
import { aggregateSubjective, agreedObjective, checkScore, highwaySpreads } from "./aggregate";
import { Dec, fixed } from "./decimal";
import { evaluate } from "./evaluate";
import { defaultsFor, type MethodConfigInput } from "./method";
import { bid, members } from "./test-fixtures";

const ms = (scores: string[]) => scores.map((s, i) => ({ memberId: `M${i + 1}`, score: new Dec(s) }));

describe("aggregation of the members' scores (R48, EV17)", () => {
  it("TV-X1: 38, 42, 43, 45, 50 → plain mean 43.60; trimmed (n ≥ 5) 43.33", () => {
    expect(fixed(aggregateSubjective("mean", ms(["38", "42", "43", "45", "50"])).value, 2)).toBe("43.60");
    const t = aggregateSubjective("trimmed_1_1_if_n_ge_5", ms(["38", "42", "43", "45", "50"]));
    expect(fixed(t.value, 2)).toBe("43.33");
    expect(t.dropped).toEqual(["M1", "M5"]);
    // Fewer than five: no trimming.
    expect(fixed(aggregateSubjective("trimmed_1_1_if_n_ge_5", ms(["38", "42", "43", "45"])).value, 2)).toBe("42.00");
  });

  it("TV-X1: trimming drops one instance of an equal extreme (the lower member id first at the bottom, the higher at the top)", () => {
    const t = aggregateSubjective("trimmed_1_1_if_n_ge_5", ms(["5", "5", "7", "9", "9"]));
    expect(t.dropped).toEqual(["M1", "M5"]);
    expect(t.value.toFixed()).toBe("7");
  });

  it("TV-X1 invalid single score (a provincial 房建 rule): out of range, not an option, off the step, too many decimals", () => {
    const range = { id: "T1", label: "t", max: "10", mode: "range" as const };
    expect(checkScore(range, "10", 2)).toBeNull();
    expect(checkScore(range, "10.01", 2)).toBe("above_max");
    expect(checkScore({ ...range, bounds: ["2", "8"] }, "1", 2)).toBe("below_min");
    expect(checkScore({ ...range, bounds: ["2", "8"] }, "9", 2)).toBe("above_max");
    expect(checkScore(range, "7.125", 2)).toBe("too_many_decimals");
    const fixedItem = { id: "F", label: "f", max: "10", mode: "fixed" as const, options: ["10", "7", "3", "0"] };
    expect(checkScore(fixedItem, "7.0", 2)).toBeNull();
    expect(checkScore(fixedItem, "5", 2)).toBe("not_an_option");
    const ded = { id: "D", label: "d", max: "10", mode: "deduction" as const, step: "0.5" };
    expect(checkScore(ded, "8.5", 2)).toBeNull();
    expect(checkScore(ded, "8.2", 2)).toBe("off_step");
    expect(checkScore(ded, "0", 2)).toBeNull();
  });

  it("87号令64(3): objective values must agree", () => {
    expect(agreedObjective([{ source: "M1", score: new Dec("15") }, { source: "M2", score: new Dec("15.0") }])!.toFixed()).toBe("15");
    expect(agreedObjective([{ source: "M1", score: new Dec("15") }, { source: "M2", score: new Dec("12") }])).toBeNull();
  });

  it("highway 9-member rule, step 1: the largest spread, then 最高分 − 次低分, then a lot", () => {
    const t = (xs: string[]) => xs.map((x) => new Dec(x));
    const one = highwaySpreads(new Map([["M1", t(["80", "70", "75"])], ["M2", t(["90", "60", "70"])], ["M3", t(["85", "80", "82"])]]));
    expect(one.tied).toEqual(["M2"]);
    const second = highwaySpreads(new Map([["M1", t(["90", "60", "61"])], ["M2", t(["90", "60", "80"])]]));
    expect(second.spreads.map((s) => [s.spread.toFixed(), s.second.toFixed()])).toEqual([["30", "29"], ["30", "10"]]);
    expect(second.tied).toEqual(["M1"]);
    expect(highwaySpreads(new Map([["M1", t(["90", "60"])], ["M2", t(["70", "40"])]])).tied).toEqual(["M1", "M2"]);
  });
});

describe("aggregation inside evaluate (R48, EV17)", () => {
  const config = (extra: Partial<MethodConfigInput> & Record<string, unknown> = {}): MethodConfigInput =>
    ({
      kind: "ZTB_COMPREHENSIVE",
      ...defaultsFor("ZTB_COMPREHENSIVE"),
      review: [{ id: "qual", label: "资格", stage: "qualification" }],
      criteria: [
        { id: "T", label: "技术", max: "60", group: "technical", mode: "range" },
        { id: "O", label: "业绩", max: "10", group: "business", mode: "fixed", objective: true, options: ["10", "5", "0"] },
        { id: "P", label: "价格", max: "30", group: "price", mode: "formula" },
      ],
      benchmark: { source: "lowest" },
      priceScore: { kind: "low_price_priority", full: "30" },
      ...extra,
    }) as MethodConfigInput;
  const bids = [bid("A", "100"), bid("B", "110"), bid("C", "120")];
  const sheets = (n: number, t: (m: number, b: string) => string, o: (m: number, b: string) => string | null = () => "10") =>
    Array.from({ length: n }, (_, m) => ({
      memberId: `M${m + 1}`,
      scores: ["A", "B", "C"].flatMap((b) => [{ bidderId: b, itemId: "T", score: t(m, b) }, ...(o(m, b) === null ? [] : [{ bidderId: b, itemId: "O", score: o(m, b)! }])]),
    }));

  it("highway 9-member rule: discard the widest member, drop 1 high/1 low per item, 3 decimals; commercial items a plain mean", () => {
    // M9 spreads its totals widest (60 vs 0); every other member 10 apart.
    const t = (m: number, b: string) => (m === 8 ? { A: "60", B: "30", C: "0" }[b]! : String(40 + m + (b === "A" ? 10 : b === "B" ? 5 : 0)));
    const r = evaluate(config({ rounding: { itemScale: 3 }, aggregation: { subjective: "highway_9_member", byGroup: { business: "mean" } } }), {
      members: members(9),
      bids,
      sheets: sheets(9, t),
    });
    expect(r.status).toBe("complete");
    expect(r.highway!.discarded).toBe("M9");
    const a = r.bids[0]!.items.find((i) => i.itemId === "T")!;
    // A: members 1–8 give 50…57; drop 50 and 57 → mean of 51…56 = 53.5.
    expect(a.value).toBe("53.500");
    expect(a.dropped).toEqual(["M1", "M8", "M9"]);
    expect(r.bids[0]!.items.find((i) => i.itemId === "O")!.rule).toBe("objective");
  });

  it("highway 9-member rule: a tie of spreads resolved by a lot (recorded), else blocked", () => {
    const t = (m: number, b: string) => (m >= 7 ? { A: "60", B: "30", C: "0" }[b]! : "40");
    const c = config({ aggregation: { subjective: "highway_9_member" } });
    const input = { members: members(9), bids, sheets: sheets(9, t) };
    const pending = evaluate(c, input);
    expect(pending.status).toBe("blocked");
    expect(pending.blockers).toContainEqual({ code: "lot_pending", bidderId: null, itemId: null, memberId: null });
    const drawn = evaluate(c, input, { chooseLot: (among) => [...among].reverse() });
    expect(drawn.highway!.discarded).toBe("M9");
    expect(drawn.lots).toEqual([{ purpose: "highway_discard", among: ["M8", "M9"], order: ["M9", "M8"] }]);
  });

  it("TV-X1 invalid single score: block (default, R48) or void (the provincial rule) — void scores are excluded and listed", () => {
    const t = (m: number) => ["38", "42", "43", "45", "61"][m]!;
    const input = { members: members(5), bids, sheets: sheets(5, t) };
    const blocked = evaluate(config(), input);
    expect(blocked.status).toBe("blocked");
    expect(blocked.blockers.filter((b) => b.code === "invalid_score").map((b) => b.memberId)).toEqual(["M5", "M5", "M5"]);
    const voided = evaluate(config({ aggregation: { invalidScore: "void" } }), input);
    expect(voided.status).toBe("complete");
    expect(voided.voidScores[0]).toEqual({ memberId: "M5", bidderId: "A", itemId: "T", score: "61", reason: "above_max" });
    expect(voided.bids[0]!.items[0]!.value).toBe("42.00");
  });

  it("87号令64(3): objective disagreements block the aggregation and are listed; once per committee is enough", () => {
    const disagree = evaluate(config(), { members: members(5), bids, sheets: sheets(5, () => "40", (m, b) => (b === "B" && m === 2 ? "5" : "10")) });
    expect(disagree.status).toBe("blocked");
    expect(disagree.disagreements).toEqual([
      {
        bidderId: "B",
        itemId: "O",
        values: [
          { memberId: "M1", score: "10.00" },
          { memberId: "M2", score: "10.00" },
          { memberId: "M3", score: "5.00" },
          { memberId: "M4", score: "10.00" },
          { memberId: "M5", score: "10.00" },
        ],
      },
    ]);
    expect(disagree.bids.every((b) => b.total === null)).toBe(true);
    const once = evaluate(config(), {
      members: members(5),
      bids,
      sheets: sheets(5, () => "40", () => null),
      objectiveScores: ["A", "B", "C"].map((b) => ({ bidderId: b, itemId: "O", score: "5" })),
    });
    expect(once.status).toBe("complete");
    expect(once.bids[0]!.total).toBe("75.00");
  });

  it("a missing score blocks, naming the member", () => {
    const s = sheets(5, () => "40");
    s[3]!.scores = s[3]!.scores.filter((e) => !(e.bidderId === "C" && e.itemId === "T"));
    const r = evaluate(config(), { members: members(5), bids, sheets: s });
    expect(r.blockers).toEqual([{ code: "missing_score", bidderId: "C", itemId: "T", memberId: "M4" }]);
  });
});
