import { eq } from "drizzle-orm";
import { evaluations } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { hasControlCharacter } from "#app/domain/text";
import type { Actor } from "../platform/actor";
import { runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { isSupervisor, lockEvaluation, memberOf, roomEvent, type Stage } from "./access.server";

/**
 * A pause (87号令65: the documents are ambiguous or defective, or break a mandatory rule, and the evaluation cannot go
 * on): the leader or a supervisor stops the room with a reason and resumes it later. A pause is a flag, not a stage
 * (docs/decisions/015-evaluation.md): while it is set every room command is refused (requireStage).
 */

type Ctx = Pick<AppContext, "db">;

/** Stages in which the room works and can be paused. */
const PAUSABLE: readonly Stage[] = ["entry", "leader", "review", "scoring", "summary", "signing"];

async function pauser(tx: Parameters<Parameters<typeof runCommand>[3]>[0]["tx"], actor: Actor, sectionId: string) {
  const ev = await lockEvaluation(tx, sectionId);
  const member = await memberOf(tx, actor, sectionId);
  const live = member && member.status !== "recused" && member.status !== "removed" ? member : null;
  if (!live && !isSupervisor(actor)) throw new DomainError("NOT_FOUND");
  const leader = live !== null && ev.leaderMemberId === live.id && live.status === "seated";
  if (!leader && !isSupervisor(actor)) throw new DomainError("FORBIDDEN", { permission: "evaluation:lead" });
  if (!PAUSABLE.includes(ev.stage)) throw new DomainError("INVALID_STATE", { stage: ev.stage });
  return { ev, seat: leader ? live.seat : null };
}

export async function pauseEvaluation(ctx: Ctx, actor: Actor, sectionId: string, reason: string) {
  return runCommand(ctx, actor, "evaluation.paused", async ({ tx, now }) => {
    const { ev, seat } = await pauser(tx, actor, sectionId);
    if (ev.pausedAt) throw new DomainError("INVALID_STATE", { stage: "paused" });
    const text = reason.trim();
    if (text.length < 4 || text.length > 500 || hasControlCharacter(text)) throw new DomainError("VALIDATION", { field: "reason" });
    await tx.update(evaluations).set({ pausedAt: now, pauseReason: text }).where(eq(evaluations.sectionId, sectionId));
    return {
      result: null,
      subjectType: "section",
      subjectId: sectionId,
      payload: { stage: ev.stage, seat, reason: text },
      events: [roomEvent(sectionId, "evaluation.paused", { paused: true })],
    };
  });
}

export async function resumeEvaluation(ctx: Ctx, actor: Actor, sectionId: string) {
  return runCommand(ctx, actor, "evaluation.resumed", async ({ tx, now }) => {
    const { ev, seat } = await pauser(tx, actor, sectionId);
    if (!ev.pausedAt) throw new DomainError("INVALID_STATE", { stage: ev.stage });
    await tx.update(evaluations).set({ pausedAt: null, pauseReason: null }).where(eq(evaluations.sectionId, sectionId));
    return {
      result: null,
      subjectType: "section",
      subjectId: sectionId,
      payload: { stage: ev.stage, seat, pausedAt: ev.pausedAt.toISOString(), minutes: Math.round((now.getTime() - ev.pausedAt.getTime()) / 60000) },
      events: [roomEvent(sectionId, "evaluation.paused", { paused: false })],
    };
  });
}
