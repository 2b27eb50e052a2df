import { createHash } from "node:crypto";
import { and, count, eq, inArray, isNull, sql } from "drizzle-orm";
import { canonicalJson } from "#crypto/canonical-json";
import type { Executor } from "#db/client";
import { committeeMembers, evaluations, memberStageDone, reviewConclusions, scores, type CommitteeMember, type Evaluation } from "#db/schema/index";
import { evaluate, type EvaluationResult } from "#app/domain/evaluation/evaluate";
import { ID_RE, type MethodConfig } from "#app/domain/evaluation/method";
import { scoredLeaf, scoredLeaves, scoreKey, scoreViolation, sheetGaps, sheetModel } from "#app/domain/evaluation/sheet";
import { evaluationViolation } from "#app/domain/evaluation/violations";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import type { Actor } from "../platform/actor";
import { runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { liveMembers, lockEvaluation, requireMember, requireStage, roomEvent, seated, setStage } from "./access.server";
import { COMMITTEE_ENTRY, evaluationInput, frozenConfig, recompute } from "./summary.server";

/**
 * Independent scoring (详细评审; docs/decisions/015-evaluation.md "scoring"): the sheet rendered from the frozen
 * method (EV6), one column per bid that passed the review; members score the subjective items within their bounds,
 * objective items are entered by each member or once by the leader for the committee (they must agree, 87号令64(3)),
 * the price score is computed by the engine. Every change is autosaved field by field with a revision number; a
 * submitted sheet is locked (EV17) and the member may reopen it until the stage closes. Nobody sees another
 * member's scores before all have submitted: the view returns the viewer's own sheet only, supervisors see counts.
 *
 * Each autosave is a command (`evaluation.score_saved`): permission, rule, the write with its `rev`, and a record
 * entry naming the member's seat, the bid, the item and the new revision — not the value (the record is read by
 * people who may not see a score before everyone submitted, R42); the submitted sheet's SHA-256 is recorded at
 * submission, and every change after it with before/after (R48, summary.server.ts). No live event: the room's
 * channel never carries a score. Everything acknowledged is committed: a reload or a restart loses nothing.
 */

type Ctx = Pick<AppContext, "db">;

/** Parsed configurations by the md5 of their stored JSON (frozen at publication; the cache only skips re-parsing). */
const CONFIGS = new Map<string, MethodConfig>();
const CONFIG_CACHE_SIZE = 200;

export type SaveInput = { bidId: string; item: string; score: string; rev: number };
export type Saved = { bidId: string; item: string; score: string; rev: number; committee: boolean; savedAt: string };

/**
 * Autosave of one field (the hot path: one command, no live event). The client sends the
 * revision it last saw (0 for a field never saved); a different stored revision is a CONFLICT — another tab or
 * window saved in between — and nothing is written. Refused outside `scoring`, while paused, after submission, for
 * a bid that did not pass the review, an item members do not score, or a value outside the item's bounds (R46).
 */
export async function saveScore(ctx: Ctx, actor: Actor, sectionId: string, input: SaveInput): Promise<Saved> {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  if (!isUuid(sectionId) || !isUuid(input.bidId)) throw new DomainError("NOT_FOUND");
  if (!ID_RE.test(input.item)) throw new DomainError("VALIDATION", { field: "item" });
  if (!Number.isSafeInteger(input.rev) || input.rev < 0 || input.rev > 2 ** 31 - 1) throw new DomainError("VALIDATION", { field: "rev" });
  const userId = actor.user.id;
  return runCommand(ctx, actor, "evaluation.score_saved", async ({ tx }) => {
    // FOR SHARE: saves of one room run side by side; a submission, a stage change or a pause (FOR UPDATE) waits.
    const [row] = await tx
      .select({
        stage: evaluations.stage,
        pausedAt: evaluations.pausedAt,
        configHash: sql<string>`md5(${evaluations.config}::text)`,
        leader: evaluations.leaderMemberId,
        memberId: committeeMembers.id,
        seat: committeeMembers.seat,
        status: committeeMembers.status,
        done: sql<boolean>`exists (select 1 from ${memberStageDone} where ${memberStageDone.sectionId} = ${evaluations.sectionId} and ${memberStageDone.memberId} = ${committeeMembers.id} and ${memberStageDone.stage} = 'scoring')`,
        passed: sql<boolean | null>`(select ${reviewConclusions.passed} from ${reviewConclusions} where ${reviewConclusions.sectionId} = ${evaluations.sectionId} and ${reviewConclusions.bidId} = ${input.bidId})`,
      })
      .from(evaluations)
      .leftJoin(committeeMembers, and(eq(committeeMembers.sectionId, evaluations.sectionId), eq(committeeMembers.userId, userId), isNull(committeeMembers.voidedAt)))
      .where(eq(evaluations.sectionId, sectionId))
      .for("share", { of: evaluations });
    if (!row || !row.memberId || row.status === "recused" || row.status === "removed") throw new DomainError("NOT_FOUND");
    const seat = row.seat!;
    if (row.status !== "seated") throw new DomainError("INVALID_STATE", { status: row.status ?? "" });
    if (row.stage !== "scoring") throw new DomainError("INVALID_STATE", { stage: row.stage });
    if (row.pausedAt) throw new DomainError("INVALID_STATE", { stage: "paused" });
    if (row.done) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R48_SHEET_SUBMITTED")]);
    if (row.passed !== true) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R46_BID_NOT_SCORED")]);
    let config = CONFIGS.get(row.configHash);
    if (!config) {
      const [c] = await tx.select({ config: evaluations.config }).from(evaluations).where(eq(evaluations.sectionId, sectionId));
      config = frozenConfig(c!);
      if (CONFIGS.size >= CONFIG_CACHE_SIZE) CONFIGS.delete(CONFIGS.keys().next().value!);
      CONFIGS.set(row.configHash, config);
    }
    const leaf = scoredLeaf(config, input.item);
    if (!leaf) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R46_NOT_SCORED", { item: input.item })]);
    const v = scoreViolation(leaf, input.score, config.rounding.scale);
    if (v) throw new DomainError("RULE_VIOLATION", {}, [v]);
    // The leader's entry of an objective item is the committee's single entry (87号令64(3): every value must agree).
    const note = leaf.objective && row.leader === row.memberId ? COMMITTEE_ENTRY : "";
    const stamp = sql`date_trunc('milliseconds', now())`;
    const [saved] = await tx
      .insert(scores)
      .values({ sectionId, memberId: row.memberId, bidId: input.bidId, itemId: leaf.id, score: input.score, note, rev: 1, updatedAt: stamp })
      .onConflictDoUpdate({
        target: [scores.sectionId, scores.memberId, scores.bidId, scores.itemId],
        set: { score: input.score, note, rev: sql`${scores.rev} + 1`, updatedAt: stamp },
        where: sql`${scores.rev} = ${input.rev}`,
      })
      .returning({ rev: scores.rev, updatedAt: scores.updatedAt });
    if (!saved) {
      const [current] = await tx
        .select({ score: scores.score, rev: scores.rev })
        .from(scores)
        .where(and(eq(scores.sectionId, sectionId), eq(scores.memberId, row.memberId), eq(scores.bidId, input.bidId), eq(scores.itemId, leaf.id)));
      throw new DomainError("CONFLICT", { item: leaf.label, rev: current?.rev ?? 0, score: current?.score ?? "" });
    }
    const committee = note === COMMITTEE_ENTRY;
    return {
      result: { bidId: input.bidId, item: leaf.id, score: input.score, rev: saved.rev, committee, savedAt: saved.updatedAt.toISOString() },
      subjectType: "section",
      subjectId: sectionId,
      payload: { seat, bidId: input.bidId, item: leaf.id, rev: saved.rev, committee },
    };
  });
}

/** The SHA-256 of a member's sheet as submitted (canonical JSON of its entries, sorted): what the record keeps. */
export function sheetSha256(rows: readonly { bidId: string; itemId: string; score: string; note: string }[]): string {
  const entries = rows
    .map((r) => ({ bidId: r.bidId, item: r.itemId, score: r.score, committee: r.note === COMMITTEE_ENTRY }))
    .sort((a, b) => (a.bidId + a.item < b.bidId + b.item ? -1 : a.bidId + a.item > b.bidId + b.item ? 1 : 0));
  return createHash("sha256").update(canonicalJson(entries)).digest("hex");
}

/** The bids scored (valid after the review, the corrections and the ceiling) and the engine's price scores. */
async function pricedBids(db: Executor, sectionId: string) {
  const data = await evaluationInput(db, sectionId, { sheets: false });
  const priced: EvaluationResult = evaluate(data.config, data.input);
  return { data, priced, valid: priced.bids.filter((b) => b.valid).map((b) => b.bidderId) };
}

/**
 * EV17: a member submits its sheet — complete (every valid bid × scored item) and valid — which locks it. The
 * record keeps the sheet's SHA-256. When the last seated member submits, the stage moves to `summary` and the result
 * is computed from the stored inputs (EV19).
 */
export async function submitSheet(ctx: Ctx, actor: Actor, sectionId: string) {
  return runCommand(ctx, actor, "evaluation.scoring_submitted", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const member = await requireMember(tx, actor, sectionId);
    requireStage(ev, "scoring");
    const [done] = await tx.select().from(memberStageDone).where(and(eq(memberStageDone.sectionId, sectionId), eq(memberStageDone.memberId, member.id), eq(memberStageDone.stage, "scoring")));
    if (done) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R48_SHEET_SUBMITTED")]);
    const { data, valid } = await pricedBids(tx, sectionId);
    const rows = await tx.select().from(scores).where(and(eq(scores.sectionId, sectionId), eq(scores.memberId, member.id)));
    const own = new Map(rows.map((r) => [scoreKey(r.bidId, r.itemId), r.score]));
    const committee = new Set(data.input.objectiveScores.map((e) => scoreKey(e.bidderId, e.itemId)));
    const gaps = sheetGaps(data.config, valid, own, committee);
    const problems = [...gaps.invalid, ...gaps.missing];
    if (problems.length) {
      const first = problems[0]!;
      const bid = data.bids.find((b) => b.bidId === first.bidId)?.name ?? "";
      throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R48_SHEET_INCOMPLETE", { count: problems.length, first: `${bid} · ${first.label}` })]);
    }
    await tx.insert(memberStageDone).values({ sectionId, memberId: member.id, stage: "scoring", doneAt: now });
    const members = seated(await liveMembers(tx, sectionId));
    const doneRows = await tx.select({ memberId: memberStageDone.memberId }).from(memberStageDone).where(and(eq(memberStageDone.sectionId, sectionId), eq(memberStageDone.stage, "scoring")));
    const all = members.every((m) => doneRows.some((d) => d.memberId === m.id));
    const events = [roomEvent(sectionId, "evaluation.progress", { seat: member.seat, stage: "scoring", done: true })];
    let resultSha256: string | null = null;
    let tieReferred: string[][] = [];
    if (all) {
      events.push(await setStage(tx, ev, "summary", now));
      const r = await recompute(tx, { ...ev, stage: "summary" });
      resultSha256 = r.digest;
      tieReferred = r.referred;
    }
    return {
      result: { allSubmitted: all },
      subjectType: "section",
      subjectId: sectionId,
      payload: { seat: member.seat, sheetSha256: sheetSha256(rows), entries: rows.length, allSubmitted: all, resultSha256, tieReferred },
      events,
    };
  });
}

/** EV17: before the stage closes a member reopens its own submitted sheet (recorded). */
export async function reopenSheet(ctx: Ctx, actor: Actor, sectionId: string) {
  return runCommand(ctx, actor, "evaluation.scoring_reopened", async ({ tx }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const member = await requireMember(tx, actor, sectionId);
    requireStage(ev, "scoring");
    const removed = await tx
      .delete(memberStageDone)
      .where(and(eq(memberStageDone.sectionId, sectionId), eq(memberStageDone.memberId, member.id), eq(memberStageDone.stage, "scoring")))
      .returning({ memberId: memberStageDone.memberId });
    if (!removed.length) throw new DomainError("INVALID_STATE", { stage: "scoring" });
    return {
      result: null,
      subjectType: "section",
      subjectId: sectionId,
      payload: { seat: member.seat },
      events: [roomEvent(sectionId, "evaluation.progress", { seat: member.seat, stage: "scoring", done: false })],
    };
  });
}

/**
 * The scoring stage as a viewer sees it. A seated member: the sheet model, the bids it scores (with the engine's
 * price scores and the benchmark), the bids not scored and why, its OWN entries with their revisions, the values the
 * leader entered once for the committee (objective items), whether it has submitted, and everyone's progress as
 * counts. A supervisor: the counts only. Never another member's score (R42, docs/product.md §3.5).
 */
export async function scoringView(db: Executor, ev: Evaluation, member: CommitteeMember | null, supervisor: boolean) {
  const sectionId = ev.sectionId;
  const { data, priced, valid } = await pricedBids(db, sectionId);
  const leaves = scoredLeaves(data.config);
  const counts = valid.length
    ? await db
        .select({ memberId: scores.memberId, n: count() })
        .from(scores)
        .where(and(eq(scores.sectionId, sectionId), inArray(scores.bidId, valid)))
        .groupBy(scores.memberId)
    : [];
  const done = await db.select({ memberId: memberStageDone.memberId }).from(memberStageDone).where(and(eq(memberStageDone.sectionId, sectionId), eq(memberStageDone.stage, "scoring")));
  const progress = data.members.map((m) => ({ seat: m.seat, filled: Number(counts.find((c) => c.memberId === m.memberId)?.n ?? 0), required: valid.length * leaves.length, submitted: done.some((d) => d.memberId === m.memberId) }));
  const me = member && member.status === "seated" && data.members.some((m) => m.memberId === member.id) ? member : null;
  if (!me) return { kind: "progress" as const, supervisor, progress };

  const own = await db
    .select({ bidId: scores.bidId, itemId: scores.itemId, score: scores.score, rev: scores.rev, note: scores.note, updatedAt: scores.updatedAt })
    .from(scores)
    .where(and(eq(scores.sectionId, sectionId), eq(scores.memberId, me.id)));
  const name = new Map(data.bids.map((b) => [b.bidId, b.name]));
  // The sheet lists the bids in the order of the evaluation's input (the opening's reading order), not the engine's.
  const position = new Map(data.bids.map((b, i) => [b.bidId, i]));
  const byPosition = (a: { bidderId: string }, b: { bidderId: string }) => (position.get(a.bidderId) ?? 0) - (position.get(b.bidderId) ?? 0);
  return {
    kind: "member" as const,
    supervisor,
    progress,
    model: sheetModel(data.config),
    method: data.config.kind,
    leader: ev.leaderMemberId === me.id,
    submitted: done.some((d) => d.memberId === me.id),
    benchmark: priced.benchmark ? { value: priced.benchmark.value, source: priced.benchmark.source } : null,
    bids: priced.bids
      .filter((b) => b.valid)
      .sort(byPosition)
      .map((b) => ({ bidId: b.bidderId, name: name.get(b.bidderId) ?? "", bidPrice: b.bidPrice, priceScore: b.priceScore, devPct: b.devPct })),
    excluded: priced.bids.filter((b) => !b.valid).map((b) => ({ bidId: b.bidderId, name: name.get(b.bidderId) ?? "", reasons: b.reasons })),
    own: own.filter((r) => r.note !== COMMITTEE_ENTRY || ev.leaderMemberId === me.id).map((r) => ({ bidId: r.bidId, itemId: r.itemId, score: r.score, rev: r.rev, committee: r.note === COMMITTEE_ENTRY })),
    committee: data.input.objectiveScores.map((e) => ({ bidId: e.bidderId, itemId: e.itemId, score: e.score })),
  };
}
export type ScoringView = Awaited<ReturnType<typeof scoringView>>;
