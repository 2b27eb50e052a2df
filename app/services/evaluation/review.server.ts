import { createHash } from "node:crypto";
import { and, asc, eq, inArray } from "drizzle-orm";
import { canonicalJson } from "#crypto/canonical-json";
import type { Executor, Tx } from "#db/client";
import { evaluations, memberStageDone, openings, reviewConclusions, reviewMarks, sections, type CommitteeMember, type Evaluation } from "#db/schema/index";
import { checkRejectionGround, correctionRefusedGround, groundOf, groundsFor } from "#app/domain/evaluation/grounds";
import type { MethodConfig, Regime } from "#app/domain/evaluation/method";
import { concludeReview, CORRECTION_ITEM_ID, engineReview, missingMarks, reviewItems, tooFewOutcome, type ReviewItemDef } from "#app/domain/evaluation/review";
import { evaluationViolation, type EvaluationViolationCode } from "#app/domain/evaluation/violations";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { formatCst } from "#app/domain/tender-form";
import type { Actor } from "../platform/actor";
import { runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { scheduleJob } from "../platform/jobs.server";
import { issueFailureNotice } from "../opening/opening.server";
import { liveMembers, loadEvaluation, lockEvaluation, requireLeader, requireMember, requireStage, roomEvent, seated, setStage } from "./access.server";
import { FILE_STAGES, inRoom, sectionBids, type SectionBid } from "./bid-files.server";
import { abnormallyLowFlags, clarificationState, clarificationsView } from "./clarifications.server";

/**
 * The compliance review (初步评审, issue 12 item 6; EV12–EV14, EV17, R44, R45; docs/decisions/015-evaluation.md
 * "review"). From the items configured at publication (review items and pass_fail criteria, plus "other grounds"),
 * each seated member marks pass/fail per item per bid, a fail with a reason and a ground of the R44 catalogue
 * (app/domain/evaluation/grounds.ts); a clarify-first ground waits for an answered or expired clarification (EV13).
 * Every mark is saved as it is made (one command each). A member marks its review done, which locks its marks
 * until it reopens them (before the close). The leader closes the stage when every seated member is done: the
 * conclusion per item per bid by majority (EV12; a tie rejects nothing), stored with its grounds and reasons and
 * written to the record; only then do members see each other's marks. Too few valid bids (R45, TV-N1): ZFCG fails
 * the section with a signed failure notice; ZTB records the committee's reasoning and continues or rejects all.
 * Then the stage is `scoring`.
 */

type Ctx = Pick<AppContext, "db" | "blobs" | "config">;

const rule = (code: EvaluationViolationCode, params: Record<string, string | number> = {}): never => {
  throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation(code, params)]);
};

export const REVIEW_LIMITS = { reason: 1000, reasoningMin: 10, reasoning: 4000, id: 64 } as const;

const methodOf = (ev: Evaluation) => ev.config as MethodConfig;
const regimeOf = (ev: Evaluation): Regime => (methodOf(ev).kind.startsWith("ZFCG") ? "ZFCG" : "ZTB");

async function isClosed(db: Executor, sectionId: string): Promise<boolean> {
  const [row] = await db.select({ bidId: reviewConclusions.bidId }).from(reviewConclusions).where(eq(reviewConclusions.sectionId, sectionId)).limit(1);
  return !!row;
}

async function isDone(db: Executor, sectionId: string, memberId: string): Promise<boolean> {
  const [row] = await db
    .select({ at: memberStageDone.doneAt })
    .from(memberStageDone)
    .where(and(eq(memberStageDone.sectionId, sectionId), eq(memberStageDone.memberId, memberId), eq(memberStageDone.stage, "review")));
  return !!row;
}

/** The member's own marks, or every counted member's (live, seated) — for the close and, after it, the view. */
async function marksOf(db: Executor, sectionId: string, memberIds: readonly string[]) {
  if (!memberIds.length) return [];
  return db
    .select()
    .from(reviewMarks)
    .where(and(eq(reviewMarks.sectionId, sectionId), inArray(reviewMarks.memberId, [...memberIds])))
    .orderBy(asc(reviewMarks.bidId), asc(reviewMarks.itemId));
}

/** The member's seat and the open review stage it may still change (not done, not closed). */
async function openSheet(tx: Tx, actor: Actor, sectionId: string): Promise<{ member: CommitteeMember; ev: Evaluation }> {
  const member = await requireMember(tx, actor, sectionId);
  const ev = await lockEvaluation(tx, sectionId);
  requireStage(ev, "review");
  if (await isClosed(tx, sectionId)) rule("RULE_R44_REVIEW_CLOSED");
  return { member, ev };
}

/**
 * EV12/R44: saves one mark (autosave: one command per change). A fail needs a reason (≤ 1000) and a ground of the
 * regime's catalogue; a clarify-first ground needs an answered or expired clarification of that bid (EV13).
 */
export async function saveReviewMark(ctx: Ctx, actor: Actor, sectionId: string, input: { bidId: string; itemId: string; passed: boolean; ground?: string | null; reason?: string | null }) {
  // Ids from outside are checked before any query; item and ground ids are short catalogue codes.
  if (!isUuid(sectionId) || !isUuid(input.bidId)) throw new DomainError("NOT_FOUND");
  if (!input.itemId || input.itemId.length > REVIEW_LIMITS.id) throw new DomainError("VALIDATION", { field: "itemId" });
  if ((input.ground ?? "").length > REVIEW_LIMITS.id) throw new DomainError("VALIDATION", { field: "ground" });
  return runCommand(ctx, actor, "evaluation.review_marked", async ({ tx, now }) => {
    const { member, ev } = await openSheet(tx, actor, sectionId);
    if (await isDone(tx, sectionId, member.id)) rule("RULE_R44_REVIEW_DONE");
    const bid = (await sectionBids(tx, sectionId)).find((b) => b.bidId === input.bidId);
    if (!bid) throw new DomainError("NOT_FOUND");
    if (!reviewItems(methodOf(ev)).some((i) => i.id === input.itemId)) throw new DomainError("VALIDATION", { field: "itemId" });
    const reason = (input.reason ?? "").trim();
    if (reason.length > REVIEW_LIMITS.reason) throw new DomainError("VALIDATION", { field: "reason" });
    let ground: string | null = null;
    if (!input.passed) {
      if (!reason || !input.ground) rule("RULE_R44_FAIL_REASON");
      const problem = checkRejectionGround(regimeOf(ev), input.ground, (await clarificationState(tx, sectionId)).clarified.has(bid.bidId));
      if (problem === "unknown") rule("RULE_R44_GROUND_UNKNOWN", { regime: regimeOf(ev) });
      if (problem === "clarify_first") rule("RULE_R44_CLARIFY_FIRST");
      ground = input.ground!;
    }
    const values = { sectionId, memberId: member.id, bidId: bid.bidId, itemId: input.itemId, passed: input.passed, ground, reason, updatedAt: now };
    await tx
      .insert(reviewMarks)
      .values(values)
      .onConflictDoUpdate({ target: [reviewMarks.sectionId, reviewMarks.memberId, reviewMarks.bidId, reviewMarks.itemId], set: { passed: values.passed, ground, reason, updatedAt: now } });
    return {
      result: { savedAt: now.toISOString() },
      subjectType: "section",
      subjectId: sectionId,
      // Marks never travel on the room's channel (R42); the record keeps each one.
      payload: { seat: member.seat, memberId: member.id, bidId: bid.bidId, itemId: input.itemId, passed: input.passed, ground, reason },
    };
  });
}

/**
 * EV12: the member passes every item of one bid it has not marked yet (一键合格), one command and one record entry
 * listing the items; marks it already made (a fail with its reason) stay as they are.
 */
export async function passRemaining(ctx: Ctx, actor: Actor, sectionId: string, bidId: string) {
  if (!isUuid(sectionId) || !isUuid(bidId)) throw new DomainError("NOT_FOUND");
  return runCommand(ctx, actor, "evaluation.review_marked", async ({ tx, now }) => {
    const { member, ev } = await openSheet(tx, actor, sectionId);
    if (await isDone(tx, sectionId, member.id)) rule("RULE_R44_REVIEW_DONE");
    const bid = (await sectionBids(tx, sectionId)).find((b) => b.bidId === bidId);
    if (!bid) throw new DomainError("NOT_FOUND");
    const mine = (await marksOf(tx, sectionId, [member.id])).filter((m) => m.bidId === bidId);
    const missing = missingMarks([bidId], reviewItems(methodOf(ev)).map((i) => i.id), mine).map((m) => m.itemId);
    if (missing.length) await tx.insert(reviewMarks).values(missing.map((itemId) => ({ sectionId, memberId: member.id, bidId, itemId, passed: true, ground: null, reason: "", updatedAt: now })));
    return {
      result: { savedAt: now.toISOString(), items: missing.length },
      subjectType: "section",
      subjectId: sectionId,
      payload: { seat: member.seat, memberId: member.id, bidId, passed: true, items: missing },
    };
  });
}

const digest = (marks: readonly { bidId: string; itemId: string; passed: boolean; ground: string | null; reason: string }[]) =>
  createHash("sha256")
    .update(canonicalJson(marks.map((m) => ({ bidId: m.bidId, itemId: m.itemId, passed: m.passed, ground: m.ground, reason: m.reason }))))
    .digest("hex");

/** EV17: the member's review is done — every item of every bid marked — and its marks are locked. */
export async function markReviewDone(ctx: Ctx, actor: Actor, sectionId: string) {
  return runCommand(ctx, actor, "evaluation.review_done", async ({ tx, now }) => {
    const { member, ev } = await openSheet(tx, actor, sectionId);
    if (await isDone(tx, sectionId, member.id)) rule("RULE_R44_REVIEW_DONE");
    const bids = await sectionBids(tx, sectionId);
    const items = reviewItems(methodOf(ev));
    const mine = await marksOf(tx, sectionId, [member.id]);
    const missing = missingMarks(
      bids.map((b) => b.bidId),
      items.map((i) => i.id),
      mine,
    );
    if (missing.length) rule("RULE_R44_REVIEW_INCOMPLETE", { missing: missing.length });
    await tx.insert(memberStageDone).values({ sectionId, memberId: member.id, stage: "review", doneAt: now });
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { seat: member.seat, memberId: member.id, marks: mine.length, failed: mine.filter((m) => !m.passed).length, marksSha256: digest(mine) },
      events: [roomEvent(sectionId, "evaluation.member_done", { seat: member.seat, stage: "review" })],
    };
  });
}

/** EV17: the member reopens its own review before the leader closes the stage (logged). */
export async function reopenReview(ctx: Ctx, actor: Actor, sectionId: string) {
  return runCommand(ctx, actor, "evaluation.review_reopened", async ({ tx }) => {
    const { member } = await openSheet(tx, actor, sectionId);
    if (!(await isDone(tx, sectionId, member.id))) throw new DomainError("INVALID_STATE", { stage: "review" });
    await tx.delete(memberStageDone).where(and(eq(memberStageDone.sectionId, sectionId), eq(memberStageDone.memberId, member.id), eq(memberStageDone.stage, "review")));
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { seat: member.seat, memberId: member.id },
      events: [roomEvent(sectionId, "evaluation.member_reopened", { seat: member.seat, stage: "review" })],
    };
  });
}

type Failure = { cause: "too_few" | "rejected_all"; valid: number; min: number; regime: Regime; reasoning?: string; at: string };

/** R45: the section fails at its evaluation (stage `failed`, section `failed`); the notice is issued by a job. */
async function failSection(tx: Tx, ev: Evaluation, now: Date, failure: Omit<Failure, "at">) {
  await tx
    .update(evaluations)
    .set({ failure: { ...failure, at: now.toISOString() } satisfies Failure })
    .where(eq(evaluations.sectionId, ev.sectionId));
  await tx.update(sections).set({ status: "failed" }).where(eq(sections.id, ev.sectionId));
  await scheduleJob(tx, { kind: "evaluation.failure_notice", dueAt: now, payload: { sectionId: ev.sectionId }, dedupeKey: `evaluation.failure_notice:${ev.sectionId}` });
  return setStage(tx, ev, "failed", now);
}

/**
 * The leader closes the review (EV12, EV17): every seated member done, no clarification awaiting an answer (R43).
 * The conclusion per item per bid by majority, with the grounds and reasons, is stored and recorded; a refused or
 * unconfirmed correction fails its bid (87号令59). Then R45: enough valid bids → `scoring`; ZFCG below the
 * minimum, or none left → `failed` (the failure notice follows); ZTB below the minimum → the leader records the
 * committee's reasoning (`decideTooFew`).
 */
export async function closeReview(ctx: Ctx, actor: Actor, sectionId: string) {
  return runCommand(ctx, actor, "evaluation.review_closed", async ({ tx, now }) => {
    const { member, ev } = await openSheet(tx, actor, sectionId);
    requireLeader(ev, member);
    const members = seated(await liveMembers(tx, sectionId));
    const done = new Set(
      (await tx.select({ memberId: memberStageDone.memberId }).from(memberStageDone).where(and(eq(memberStageDone.sectionId, sectionId), eq(memberStageDone.stage, "review")))).map((d) => d.memberId),
    );
    const notDone = members.filter((m) => !done.has(m.id));
    if (notDone.length) rule("RULE_R44_MEMBERS_NOT_DONE", { seats: notDone.map((m) => `M${m.seat}`).join("、") });
    const state = await clarificationState(tx, sectionId);
    if (state.pending) rule("RULE_R43_CLARIFICATION_PENDING", { count: state.pending });
    const config = methodOf(ev);
    const regime = regimeOf(ev);
    const bids = await sectionBids(tx, sectionId);
    const items = reviewItems(config);
    const marks = await marksOf(
      tx,
      sectionId,
      members.map((m) => m.id),
    );
    const forced = new Map<string, string>();
    for (const [bidId, c] of state.corrections) if (!c.confirmed) forced.set(bidId, correctionRefusedGround(regime));
    const conclusions = concludeReview({ bidIds: bids.map((b) => b.bidId), itemIds: items.map((i) => i.id), memberIds: members.map((m) => m.id), marks, forced });
    const seatOf = new Map(members.map((m) => [m.id, m.seat]));
    const labelOf = new Map(items.map((i) => [i.id, i.label ?? "其他否决情形"]));
    for (const c of conclusions) {
      await tx.insert(reviewConclusions).values({
        sectionId,
        bidId: c.bidId,
        passed: c.passed,
        items: c.items,
        ground: c.grounds.length ? c.grounds.join(",") : null,
        reasons: c.reasons.map((r) => `${labelOf.get(r.itemId) ?? r.itemId}（M${seatOf.get(r.memberId)}）：${r.reason}`),
        decidedAt: now,
      });
    }
    const valid = conclusions.filter((c) => c.passed).length;
    const outcome = tooFewOutcome(valid, config.tooFew);
    const flags = abnormallyLowFlags(config, bids);
    const events = [roomEvent(sectionId, "evaluation.review_closed", {})];
    if (outcome === "enough") events.push(await setStage(tx, ev, "scoring", now));
    else if (outcome === "fail") events.push(await failSection(tx, ev, now, { cause: "too_few", valid, min: config.tooFew.min, regime }));
    return {
      result: { valid, outcome },
      subjectType: "section",
      subjectId: sectionId,
      payload: {
        seat: member.seat,
        members: members.map((m) => m.seat),
        conclusions: conclusions.map((c) => ({ bidId: c.bidId, passed: c.passed, grounds: c.grounds, items: c.items, reasons: c.reasons.map((r) => ({ itemId: r.itemId, seat: seatOf.get(r.memberId), reason: r.reason })) })),
        marksSha256: digest(marks),
        abnormallyLow: [...flags].filter(([, f]) => f.flagged).map(([bidId, f]) => ({ bidId, pct: f.pct })),
        valid,
        min: config.tooFew.min,
        outcome,
      },
      events,
    };
  });
}

/**
 * R45/EV10/TV-N1 (ZTB, `record_reasoning`): with fewer than the minimum valid bids after the review, the leader
 * records the committee's reasoning — is competition clearly lacking? — and either continues with the remaining bids
 * (→ `scoring`) or rejects all (→ `failed`, with the failure notice; 评标规定27, 法42).
 */
export async function decideTooFew(ctx: Ctx, actor: Actor, sectionId: string, input: { decision: string; reasoning: string }) {
  if (!isUuid(sectionId)) throw new DomainError("NOT_FOUND");
  const decision = input.decision === "continue" || input.decision === "reject_all" ? input.decision : null;
  if (!decision) throw new DomainError("VALIDATION", { field: "decision" });
  return runCommand(ctx, actor, decision === "continue" ? "evaluation.too_few_continued" : "evaluation.too_few_rejected_all", async ({ tx, now }) => {
    const member = await requireMember(tx, actor, sectionId);
    const ev = await lockEvaluation(tx, sectionId);
    requireLeader(ev, member);
    requireStage(ev, "review");
    const config = methodOf(ev);
    const rows = await tx.select({ passed: reviewConclusions.passed }).from(reviewConclusions).where(eq(reviewConclusions.sectionId, sectionId));
    if (!rows.length) throw new DomainError("INVALID_STATE", { stage: "review" });
    const valid = rows.filter((r) => r.passed).length;
    if (tooFewOutcome(valid, config.tooFew) !== "reasoning") rule("RULE_R45_NOT_TOO_FEW", { min: config.tooFew.min });
    const reasoning = input.reasoning.trim();
    if (reasoning.length < REVIEW_LIMITS.reasoningMin || reasoning.length > REVIEW_LIMITS.reasoning) rule("RULE_R45_REASONING_REQUIRED", { min: config.tooFew.min, length: REVIEW_LIMITS.reasoningMin });
    await tx.update(evaluations).set({ tooFewReasoning: reasoning }).where(eq(evaluations.sectionId, sectionId));
    const event =
      decision === "continue" ? await setStage(tx, ev, "scoring", now) : await failSection(tx, ev, now, { cause: "rejected_all", valid, min: config.tooFew.min, regime: regimeOf(ev), reasoning });
    return { result: undefined, subjectType: "section", subjectId: sectionId, payload: { seat: member.seat, decision, reasoning, valid, min: config.tooFew.min }, events: [event] };
  });
}

/**
 * R45: the failure notice of a section that failed at its evaluation (job `evaluation.failure_notice`): the opening's
 * path (issueFailureNotice: rendered, signed, stored as the section's notice, recorded, sent to the parties) with the
 * evaluation's reasons — 废标公告 (ZFCG, 采购法36) or 流标公告 (ZTB, all bids rejected). Idempotent.
 */
export async function publishEvaluationFailureNotice(ctx: Ctx, sectionId: string): Promise<{ sha256: string } | null> {
  const ev = await loadEvaluation(ctx.db, sectionId);
  const f = ev?.failure as Failure | null | undefined;
  if (!ev || ev.stage !== "failed" || !f) return null;
  const [o] = await ctx.db.select({ openedAt: openings.openedAt, bidCount: openings.bidCount }).from(openings).where(eq(openings.sectionId, sectionId));
  const zfcg = f.regime === "ZFCG";
  const reasons =
    f.cause === "rejected_all"
      ? [
          `经评标委员会评审，有效投标 ${f.valid} 家，不足 ${f.min} 家。评标委员会认为投标明显缺乏竞争，否决全部投标（《评标委员会和评标方法暂行规定》第二十七条，R45）。`,
          `评标委员会意见：${f.reasoning ?? ""}`,
        ]
      : f.valid === 0
        ? [`经评标委员会评审，所有投标均被否决（${zfcg ? "《政府采购法》第三十六条" : "《招标投标法》第四十二条"}，R45）。`]
        : [`经评标委员会评审，符合要求的投标人仅 ${f.valid} 家，不足 ${f.min} 家（《政府采购法》第三十六条，财政部令第87号第四十四条，R45）。`];
  return issueFailureNotice(ctx, sectionId, {
    action: "evaluation.failure_notice",
    notice: ({ s, p }) => ({
      title: zfcg ? "废标公告" : "流标公告",
      meta: [
        ["项目名称", p.title],
        ["项目编号", p.code],
        ["标段（包）", `${s.code} ${s.title}`],
        ["开标时间", o ? formatCst(o.openedAt) : ""],
        ["评标时间", formatCst(ev.startsAt)],
        ["递交投标文件", o ? `${o.bidCount} 家` : ""],
        ["有效投标", `${f.valid} 家`],
      ],
      reasons,
      next: [zfcg ? "采购人将依法重新组织采购，或经批准采用其他采购方式。" : "招标人将依法分析原因、修改招标文件后重新招标（《招标投标法》第四十二条）。"],
      footer: "本公告由 Tenderhall 平台根据评标委员会的评审结论生成并加盖平台电子签章（R45），同时写入交易档案。",
    }),
    inboxKind: "sectionFailedEvaluation",
    link: ({ p }) => `/tenders/${p.id}`,
    events: [roomEvent(sectionId, "evaluation.failure_notice", {})],
  });
}

/**
 * The engine input's review part per bid (input.ts BidInput; for the scoring and the report): the configured items'
 * conclusions as `review`, an "other grounds" fail as `rejection` with its reasons. Empty before the close.
 */
export async function reviewInputs(db: Executor, sectionId: string): Promise<Map<string, { review: { itemId: string; passed: boolean }[]; rejection: { reason: string } | null }>> {
  const rows = await db.select().from(reviewConclusions).where(eq(reviewConclusions.sectionId, sectionId));
  return new Map(rows.map((r) => [r.bidId, engineReview(r, r.reasons.join("；"))]));
}

/** The stored conclusions, by bid (for the report): passed, items with votes, grounds (catalogue codes) and reasons. */
export async function reviewConclusionsOf(db: Executor, sectionId: string) {
  const rows = await db.select().from(reviewConclusions).where(eq(reviewConclusions.sectionId, sectionId));
  return rows.map((r) => ({ bidId: r.bidId, passed: r.passed, items: r.items as ItemRow[], grounds: r.ground ? r.ground.split(",") : [], reasons: r.reasons, decidedAt: r.decidedAt.toISOString() }));
}
type ItemRow = { itemId: string; passed: boolean; votes: { pass: number; fail: number }; ground?: string | null };

/**
 * The review panel's view (room-view.server.ts adds it from the review stage on). A member sees its own marks
 * until the close, then everyone's; a supervisor sees progress, then the conclusions and marks. Bids with their
 * files (names and sizes; the bytes only through the recorded file route), the EV14 flags, and the clarifications.
 */
export async function reviewView(db: Executor, ev: Evaluation, viewer: { member: CommitteeMember | null; supervisor: boolean }) {
  const sectionId = ev.sectionId;
  const config = methodOf(ev);
  const regime = regimeOf(ev);
  const bids = await sectionBids(db, sectionId);
  const items: ReviewItemDef[] = reviewItems(config);
  const closed = await isClosed(db, sectionId);
  const me = viewer.member && viewer.member.status === "seated" ? viewer.member : null;
  const members = seated(await liveMembers(db, sectionId));
  const seatOf = new Map(members.map((m) => [m.id, m.seat]));
  const mine = me ? await marksOf(db, sectionId, [me.id]) : [];
  const state = await clarificationState(db, sectionId);
  const conclusions = closed ? await reviewConclusionsOf(db, sectionId) : [];
  const all = closed ? await marksOf(db, sectionId, members.map((m) => m.id)) : [];
  const valid = conclusions.filter((c) => c.passed).length;
  const outcome = closed ? tooFewOutcome(valid, config.tooFew) : null;
  const doneRows = await db.select({ memberId: memberStageDone.memberId }).from(memberStageDone).where(and(eq(memberStageDone.sectionId, sectionId), eq(memberStageDone.stage, "review")));
  const doneIds = new Set(doneRows.map((d) => d.memberId).filter((id) => seatOf.has(id)));
  const markView = (m: typeof mine[number]) => ({ bidId: m.bidId, itemId: m.itemId, passed: m.passed, ground: m.ground, reason: m.reason, updatedAt: m.updatedAt.toISOString() });
  const failure = ev.failure as Failure | null;
  return {
    regime,
    items,
    bids: bids.map((b: SectionBid) => ({ bidId: b.bidId, name: b.name, order: b.order, priceYuan: b.priceYuan, files: b.files.map((f) => ({ index: f.index, name: f.name, size: f.size })) })),
    /** Issue 12 item 4: the viewer may open the bid files here (a seated member in the room, at a reading stage). */
    canReadFiles: !!me && FILE_STAGES.includes(ev.stage) && (await inRoom(db, sectionId, me.id)),
    /** The grounds a member may cite in this regime (R44; wording under rules:evaluationGrounds). */
    grounds: groundsFor(regime).map((g) => ({ code: g.code, clarifyFirst: g.clarifyFirst })),
    /** The viewer leads (closes the review, decides R45, sends clarifications). */
    leader: !!me && ev.leaderMemberId === me.id,
    closed,
    /** The viewer's own marks (a seated member). */
    mine: mine.map(markView),
    done: me ? doneIds.has(me.id) : false,
    progress: { done: doneIds.size, members: members.length },
    /** EV13: bids with an answered or expired clarification (a clarify-first ground may be cited). */
    clarified: [...state.clarified],
    pending: state.pending,
    /** After the close: every counted member's marks (by seat) and the conclusions. */
    marks: all.map((m) => ({ ...markView(m), seat: seatOf.get(m.memberId) ?? 0 })),
    conclusions,
    tooFew: closed ? { valid, min: config.tooFew.min, action: config.tooFew.action, outcome, reasoning: ev.tooFewReasoning, decided: ev.stage !== "review" } : null,
    failure: failure ? { cause: failure.cause, valid: failure.valid, min: failure.min } : null,
    clarifications: await clarificationsView(db, sectionId, config, bids),
    correctionItemId: CORRECTION_ITEM_ID,
    groundSources: Object.fromEntries(conclusions.flatMap((c) => c.grounds).map((g) => [g, groundOf(g)?.source ?? ""])),
  };
}
export type ReviewView = Awaited<ReturnType<typeof reviewView>>;

