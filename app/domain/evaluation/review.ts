import { groundRank } from "./grounds";
import { flattenCriteria, type MethodConfig, type ReviewItem } from "./method";

/**
 * Compliance review (初步评审, EV12, R44, R45) as pure functions: the items a member marks, the committee's conclusion
 * per item by majority, and what happens when too few bids remain. The review-room service
 * (app/services/evaluation/review.server.ts) stores the marks and calls these.
 */

/**
 * A review item every evaluation has besides the configured ones: "other grounds" (R44), where a member cites a
 * ground that none of the configured items covers (e.g. a price below cost after its clarification, EV14). Its fail
 * becomes the engine input's `rejection` (input.ts), never a `review` entry. Reserved id.
 */
export const OTHER_ITEM_ID = "r44:other";
/** The conclusion's item for a correction the bidder refused or did not confirm in time (R43; never marked). Reserved id. */
export const CORRECTION_ITEM_ID = "r43:correction";

export type ReviewItemKind = ReviewItem["stage"] | "criterion" | "other";
export type ReviewItemDef = { id: string; label: string | null; stage: ReviewItemKind };

/**
 * The items marked per bid (docs/evaluation-rules.md §3.1): the configured review items (form, qualification, responsiveness,
 * compliance), then the pass_fail criteria of the criteria tree (合格/不合格 items, EV5), then "other grounds".
 */
export function reviewItems(config: Pick<MethodConfig, "review" | "criteria">): ReviewItemDef[] {
  const items: ReviewItemDef[] = config.review.map((r) => ({ id: r.id, label: r.label, stage: r.stage }));
  for (const f of flattenCriteria(config.criteria)) if (f.leaf && f.node.mode === "pass_fail") items.push({ id: f.node.id, label: f.node.label, stage: "criterion" });
  if (!items.some((i) => i.id === OTHER_ITEM_ID)) items.push({ id: OTHER_ITEM_ID, label: null, stage: "other" });
  return items;
}

export type Mark = { memberId: string; bidId: string; itemId: string; passed: boolean; ground: string | null; reason: string };

/**
 * EV12 (87号令61; 评标规定9): the committee's result on one item is by majority of the members' marks. A tie — only
 * possible with an even number of seated members — rejects nothing: a rejection is a finding the committee must
 * make by majority, and the leader has no casting vote (评标规定9: 与其他成员有同等的表决权).
 */
export function majorityPasses(votes: { pass: number; fail: number }): boolean {
  return votes.fail <= votes.pass;
}

export type ItemConclusion = { itemId: string; passed: boolean; votes: { pass: number; fail: number }; ground: string | null };
export type BidConclusion = {
  bidId: string;
  passed: boolean;
  items: ItemConclusion[];
  /** The grounds of the failed items (each item's most cited ground), in catalogue order, without repeats. */
  grounds: string[];
  /** The reasons of the members who failed a failed item: item, member, text. */
  reasons: { itemId: string; memberId: string; reason: string }[];
};

/**
 * The conclusion per bid (EV12): each item by majority of the given members' marks (every member must have marked
 * every item — the caller checks that each is done); a bid passes when every item passes and it has no forced
 * failure (a refused or unconfirmed correction, R43: `forced` maps the bid to the ground the platform concludes).
 * A failed item's ground is the one most of its fail marks cite (ties: catalogue order).
 */
export function concludeReview(input: {
  bidIds: readonly string[];
  itemIds: readonly string[];
  memberIds: readonly string[];
  marks: readonly Mark[];
  forced?: ReadonlyMap<string, string>;
}): BidConclusion[] {
  const members = new Set(input.memberIds);
  const byKey = new Map<string, Mark[]>();
  for (const m of input.marks) {
    if (!members.has(m.memberId)) continue;
    const k = `${m.bidId}\u0000${m.itemId}`;
    const list = byKey.get(k) ?? [];
    list.push(m);
    byKey.set(k, list);
  }
  return input.bidIds.map((bidId) => {
    const items: ItemConclusion[] = [];
    const reasons: BidConclusion["reasons"] = [];
    for (const itemId of input.itemIds) {
      const marks = byKey.get(`${bidId}\u0000${itemId}`) ?? [];
      const fails = marks.filter((m) => !m.passed);
      const votes = { pass: marks.length - fails.length, fail: fails.length };
      const passed = majorityPasses(votes);
      let ground: string | null = null;
      if (!passed) {
        const count = new Map<string, number>();
        for (const f of fails) if (f.ground) count.set(f.ground, (count.get(f.ground) ?? 0) + 1);
        ground = [...count.entries()].sort((a, b) => b[1] - a[1] || groundRank(a[0]) - groundRank(b[0]) || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;
        for (const f of [...fails].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))) reasons.push({ itemId, memberId: f.memberId, reason: f.reason });
      }
      items.push({ itemId, passed, votes, ground });
    }
    const forced = input.forced?.get(bidId);
    if (forced) items.push({ itemId: CORRECTION_ITEM_ID, passed: false, votes: { pass: 0, fail: 0 }, ground: forced });
    const grounds = [...new Set(items.filter((i) => !i.passed && i.ground).map((i) => i.ground!))].sort((a, b) => groundRank(a) - groundRank(b));
    return { bidId, passed: items.every((i) => i.passed), items, grounds, reasons };
  });
}

/** The (bid, item) pairs a member has not marked yet — "member done" needs none (EV17). */
export function missingMarks(bidIds: readonly string[], itemIds: readonly string[], marks: readonly Pick<Mark, "bidId" | "itemId">[]): { bidId: string; itemId: string }[] {
  const have = new Set(marks.map((m) => `${m.bidId}\u0000${m.itemId}`));
  const out: { bidId: string; itemId: string }[] = [];
  for (const bidId of bidIds) for (const itemId of itemIds) if (!have.has(`${bidId}\u0000${itemId}`)) out.push({ bidId, itemId });
  return out;
}

/**
 * R45 / EV10 / TV-N1 after the review closes, with `valid` bids left:
 * - `enough`: at least `min` → scoring;
 * - `fail`: ZFCG (`action: "fail"`) below `min`, or none left under either regime (法42: all rejected → re-tender) →
 *   the section fails and a failure notice is issued;
 * - `reasoning`: ZTB (`record_reasoning`) with 1…min−1 left → the committee records its reasoning (is competition
 *   clearly lacking?) and either continues with the remaining bids or rejects all (评标规定27, 1117号(十三)).
 */
export function tooFewOutcome(valid: number, tooFew: { min: number; action: "fail" | "record_reasoning" }): "enough" | "fail" | "reasoning" {
  if (valid >= tooFew.min) return "enough";
  if (valid === 0 || tooFew.action === "fail") return "fail";
  return "reasoning";
}

/** The engine's view of a conclusion (input.ts BidInput): the configured items as `review`, "other grounds" as `rejection`. */
export function engineReview(conclusion: { items: readonly { itemId: string; passed: boolean }[] }, rejectionReason: string): { review: { itemId: string; passed: boolean }[]; rejection: { reason: string } | null } {
  const review = conclusion.items.filter((i) => i.itemId !== OTHER_ITEM_ID && i.itemId !== CORRECTION_ITEM_ID).map((i) => ({ itemId: i.itemId, passed: i.passed }));
  const other = conclusion.items.find((i) => i.itemId === OTHER_ITEM_ID);
  return { review, rejection: other && !other.passed ? { reason: rejectionReason.slice(0, 500) || "R44" } : null };
}
