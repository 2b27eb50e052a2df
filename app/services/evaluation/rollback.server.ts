import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import type { Executor } from "#db/client";
import { evaluations, memberStageDone, reviewConclusions, rollbacks } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { checkRollbackRequest, rollbackClears, rollbackTargets, ROLLBACK_NOTE_MAX, type RollbackTarget } from "#app/domain/evaluation/report-signing";
import { evaluationViolation } from "#app/domain/evaluation/violations";
import type { Actor } from "../platform/actor";
import { runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { isSupervisor, lockEvaluation, requireMember, requireRoomViewer, roomEvent, sectionAndProject, setStage } from "./access.server";
import { voidLiveReport } from "./report.server";

/**
 * 回退 (EV20, docs/evaluation-rules.md §4.8; docs/decisions/015-evaluation.md "Stages"): a seated member asks, with a reason,
 * to return to an earlier stage; a supervisor or the project's agency approves or refuses. An approved rollback moves
 * the stage back, voids the live report version with every signature on it (EV21: the next version is signed anew),
 * and clears the "done" marks (and, before the summary, the review conclusions or the result) after the target.
 * Nothing else is deleted: scores, marks and the voided report stay, and the record lists what was cleared.
 */

type Ctx = Pick<AppContext, "db">;

/** A member's request (one pending at a time per section). */
export async function requestRollback(ctx: Ctx, actor: Actor, sectionId: string, input: { toStage: string; reason: string }): Promise<{ id: string }> {
  const toStage = String(input.toStage ?? "").slice(0, 20);
  const reason = String(input.reason ?? "").trim();
  return runCommand(ctx, actor, "evaluation.rollback_requested", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const member = await requireMember(tx, actor, sectionId);
    if (ev.pausedAt) throw new DomainError("INVALID_STATE", { stage: "paused" });
    const v = checkRollbackRequest(ev.stage, toStage, reason);
    if (v.length) throw new DomainError("RULE_VIOLATION", {}, v);
    const [pending] = await tx.select({ id: rollbacks.id }).from(rollbacks).where(and(eq(rollbacks.sectionId, sectionId), isNull(rollbacks.decision))).limit(1);
    if (pending) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R50_ROLLBACK_PENDING")]);
    const [row] = await tx.insert(rollbacks).values({ sectionId, toStage: toStage as RollbackTarget, reason, requestedBy: member.id, requestedAt: now }).returning({ id: rollbacks.id });
    return {
      result: { id: row!.id },
      subjectType: "section",
      subjectId: sectionId,
      payload: { rollbackId: row!.id, seat: member.seat, fromStage: ev.stage, toStage, reason },
      events: [roomEvent(sectionId, "evaluation.rollback", { pending: true })],
    };
  });
}

/** Who decides (EV20): a supervisor, or the project's agency. Anyone else in the room: FORBIDDEN; outside it: NOT_FOUND. */
async function requireDecider(db: Executor, actor: Actor, sectionId: string): Promise<void> {
  if (isSupervisor(actor)) return;
  const { project } = await sectionAndProject(db, sectionId);
  if (project.agencyId && actor.orgId === project.agencyId && actor.roles.includes("agency")) return;
  await requireRoomViewer(db, actor, sectionId); // NOT_FOUND for anyone who cannot see the room
  throw new DomainError("FORBIDDEN", { permission: "evaluation:rollback" });
}

/** Approves (the rollback happens, in the same command) or refuses a pending request. */
export async function decideRollback(ctx: Ctx, actor: Actor, sectionId: string, input: { rollbackId: string; approve: boolean; note: string }): Promise<void> {
  const note = String(input.note ?? "").trim();
  if (note.length > ROLLBACK_NOTE_MAX) throw new DomainError("VALIDATION", { field: "note" });
  if (!isUuid(input.rollbackId)) throw new DomainError("NOT_FOUND");
  await runCommand(ctx, actor, "evaluation.rollback_decided", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    await requireDecider(tx, actor, sectionId);
    const [rb] = await tx.select().from(rollbacks).where(and(eq(rollbacks.id, input.rollbackId), eq(rollbacks.sectionId, sectionId))).for("update");
    if (!rb) throw new DomainError("NOT_FOUND");
    if (rb.decision) throw new DomainError("INVALID_STATE", { stage: ev.stage });
    await tx.update(rollbacks).set({ decision: input.approve ? "approved" : "refused", decidedBy: actor.user!.id, decidedAt: now, decisionNote: note || null }).where(eq(rollbacks.id, rb.id));
    const base = { rollbackId: rb.id, approved: input.approve, fromStage: ev.stage, toStage: rb.toStage, reason: rb.reason, note: note || null };
    if (!input.approve) return { result: null, subjectType: "section", subjectId: sectionId, payload: base, events: [roomEvent(sectionId, "evaluation.rollback", { pending: false })] };
    // The stage may have moved on since the request: the target must still be earlier.
    const target = rb.toStage as RollbackTarget;
    if (!(rollbackTargets(ev.stage) as string[]).includes(target)) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R50_ROLLBACK_TARGET", { stage: ev.stage })]);
    const clears = rollbackClears(target);
    // The stage first: the database unlocks the scores only once the evaluation is no longer at signing (EV21).
    const stage = await setStage(tx, ev, target, now);
    const voided = await voidLiveReport(tx, sectionId, rb.reason, now);
    const done = clears.doneStages.length
      ? await tx
          .delete(memberStageDone)
          .where(and(eq(memberStageDone.sectionId, sectionId), inArray(memberStageDone.stage, clears.doneStages)))
          .returning({ memberId: memberStageDone.memberId, stage: memberStageDone.stage, doneAt: memberStageDone.doneAt })
      : [];
    const conclusions = clears.conclusions ? await tx.delete(reviewConclusions).where(eq(reviewConclusions.sectionId, sectionId)).returning() : [];
    // Back at the summary the result stays (the leader re-checks and finalises it again, EV19); earlier it is void.
    if (clears.result && target !== "summary") await tx.update(evaluations).set({ result: null }).where(eq(evaluations.sectionId, sectionId));
    if (clears.leader) await tx.update(evaluations).set({ leaderMemberId: null }).where(eq(evaluations.sectionId, sectionId));
    return {
      result: null,
      subjectType: "section",
      subjectId: sectionId,
      payload: {
        ...base,
        voidedReport: voided,
        clearedDone: done.map((d) => ({ memberId: d.memberId, stage: d.stage, doneAt: d.doneAt.toISOString() })),
        clearedConclusions: conclusions.map((c) => ({ bidId: c.bidId, passed: c.passed, ground: c.ground, items: c.items, reasons: c.reasons })),
        clearedResult: clears.result && target !== "summary",
        clearedLeader: clears.leader ? ev.leaderMemberId : null,
      },
      events: [stage, roomEvent(sectionId, "evaluation.rollback", { pending: false })],
    };
  });
}

/** The rollbacks of a section, newest first (the report panel; room viewers only). */
export async function rollbacksOf(db: Executor, sectionId: string) {
  const rows = await db.select().from(rollbacks).where(eq(rollbacks.sectionId, sectionId)).orderBy(desc(rollbacks.requestedAt)).limit(50);
  return rows.map((r) => ({ id: r.id, toStage: r.toStage, reason: r.reason, requestedBy: r.requestedBy, requestedAt: r.requestedAt.toISOString(), decision: r.decision, decidedAt: r.decidedAt?.toISOString() ?? null, decisionNote: r.decisionNote }));
}
