import type { EvaluationInputData } from "./input";
import { defaultsFor, type Criterion, type MethodConfigInput, type MethodConfigInputOf } from "./method";

/**
 * Configurations and inputs of the test vectors (TV-*) shared by the unit tests, the appendix fixtures and the
 * generator of docs/evaluation-appendix.md's examples. Money in yuan strings.
 */

export const members = (n: number) => Array.from({ length: n }, (_, i) => ({ memberId: `M${i + 1}`, name: `专家${i + 1}`, role: "expert" as const }));

export const bid = (bidderId: string, readPrice: string, extra: Partial<EvaluationInputData["bids"][number]> = {}) => ({
  bidderId,
  name: `投标人${bidderId}`,
  readPrice,
  review: [{ itemId: "qual", passed: true }],
  ...extra,
});

/** Sheets from a table: item → bidder → the members' scores in member order. */
export function sheetsFrom(table: Record<string, Record<string, string[]>>, n: number): EvaluationInputData["sheets"] {
  return Array.from({ length: n }, (_, m) => ({
    memberId: `M${m + 1}`,
    scores: Object.entries(table).flatMap(([itemId, byBidder]) => Object.entries(byBidder).map(([bidderId, scores]) => ({ bidderId, itemId, score: scores[m]! }))),
  }));
}

const qual = [{ id: "qual", label: "资格审查", stage: "qualification" as const }];

// ------------------------------------------------------------------------------------------- TV-Z1 / TV-Z2 (ZFCG)
export const zfcgCriteria: Criterion[] = [
  { id: "T", label: "技术", max: "50", group: "technical", mode: "range" },
  { id: "B", label: "商务", max: "20", group: "business", mode: "range", objective: true },
  { id: "P", label: "价格", max: "30", group: "price", mode: "formula" },
];

export const tvZ1Config: MethodConfigInputOf<"ZFCG_COMPREHENSIVE"> = {
  kind: "ZFCG_COMPREHENSIVE",
  ...defaultsFor("ZFCG_COMPREHENSIVE"),
  review: qual,
  criteria: zfcgCriteria,
  benchmark: { source: "lowest" },
  priceScore: { kind: "low_price_priority", full: "30" },
  policyDeductions: [{ id: "small_micro", label: "小微企业价格扣除", pct: "10" }],
};

export const tvZ1Input = (policyC: string[] = []): EvaluationInputData => ({
  ceilingPrice: "1150000",
  members: members(5),
  bids: [bid("A", "950000"), bid("B", "1000000"), bid("C", "1100000", { policy: policyC }), bid("D", "1200000")],
  sheets: sheetsFrom({ T: { A: ["42", "44", "40", "43", "41"], B: ["46", "45", "47", "44", "48"], C: ["38", "40", "39", "41", "37"] } }, 5),
  objectiveScores: [
    { bidderId: "A", itemId: "B", score: "15" },
    { bidderId: "B", itemId: "B", score: "18" },
    { bidderId: "C", itemId: "B", score: "12" },
  ],
});

// ------------------------------------------------------------------------------------------- ZTB price-only methods
/** A ZTB section scored on price only (the price vectors TV-E1, TV-E2, TV-E4, TV-E5). */
export const priceOnlyConfig = (kind: "ZTB_COMPREHENSIVE" | "ZTB_REASONABLE_LOW" | "ZTB_MEAN_PRICE", full: string, rest: Partial<MethodConfigInput> & Record<string, unknown>): MethodConfigInput =>
  ({
    kind,
    ...defaultsFor(kind),
    review: qual,
    total: full,
    criteria: [{ id: "P", label: "投标报价", max: full, group: "price", mode: "formula" }],
    ...rest,
  }) as MethodConfigInput;

export const priceOnlyInput = (ceiling: string, prices: string[]): EvaluationInputData => ({
  ceilingPrice: ceiling,
  members: members(5),
  bids: prices.map((p, i) => bid(`B${i + 1}`, p)),
});
