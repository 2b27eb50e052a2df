import { and, asc, eq, isNotNull, isNull } from "drizzle-orm";
import type { Executor, Tx } from "#db/client";
import { committeeMembers, evaluations, projects, sections, type CommitteeMember, type Evaluation } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import type { Actor } from "../platform/actor";
import type { LiveEventInput } from "../platform/command.server";
import { channels } from "../platform/live-channels.server";

/**
 * Who may be in a review room and at which stage (docs/decisions/015-evaluation.md). Every evaluation command
 * starts here: lock the evaluation, find the actor's live committee seat, check the stage. R42: the room exists only
 * for its committee and supervisors — anyone else gets NOT_FOUND, never a hint that an evaluation is running.
 */

export type Stage = Evaluation["stage"];

/** The order of the stages; a rollback returns to an earlier one. */
export const STAGES: readonly Stage[] = ["waiting", "entry", "leader", "review", "scoring", "summary", "signing", "signed"];

export async function loadEvaluation(db: Executor, sectionId: string): Promise<Evaluation | null> {
  const [ev] = await db.select().from(evaluations).where(eq(evaluations.sectionId, sectionId));
  return ev ?? null;
}

/** Locks the evaluation row for the command (serialises every change of one room). */
export async function lockEvaluation(tx: Tx, sectionId: string): Promise<Evaluation> {
  const [ev] = await tx.select().from(evaluations).where(eq(evaluations.sectionId, sectionId)).for("update");
  if (!ev) throw new DomainError("NOT_FOUND");
  return ev;
}

/** The section and its project (for names, the regime, the parties). */
export async function sectionAndProject(db: Executor, sectionId: string) {
  const [row] = await db.select({ section: sections, project: projects }).from(sections).innerJoin(projects, eq(projects.id, sections.projectId)).where(eq(sections.id, sectionId));
  if (!row) throw new DomainError("NOT_FOUND");
  return row;
}

/** The live (not voided) members of a committee, by seat. */
export async function liveMembers(db: Executor, sectionId: string): Promise<CommitteeMember[]> {
  return db.select().from(committeeMembers).where(and(eq(committeeMembers.sectionId, sectionId), isNull(committeeMembers.voidedAt))).orderBy(asc(committeeMembers.seat));
}

/** Members who are in the room and count for quorum and aggregation: seated (entered and declared no conflict). */
export function seated(members: readonly CommitteeMember[]): CommitteeMember[] {
  return members.filter((m) => m.status === "seated");
}

/** The actor's live seat on this committee, or null. */
export async function memberOf(db: Executor, actor: Actor, sectionId: string): Promise<CommitteeMember | null> {
  if (!actor.user) return null;
  const [m] = await db
    .select()
    .from(committeeMembers)
    .where(and(eq(committeeMembers.sectionId, sectionId), eq(committeeMembers.userId, actor.user.id), isNull(committeeMembers.voidedAt)));
  return m ?? null;
}

/** Supervisors watch every room read-only (R42 "monitored"; 管招分离). */
export function isSupervisor(actor: Actor): boolean {
  return hasPermission(actor.roles, "supervise:read");
}

/**
 * The actor's seat, for a command a member makes. Not a member → NOT_FOUND (the room is not visible);
 * `seatedOnly`: the member must have entered and declared (R41) — before that, INVALID_STATE.
 */
export async function requireMember(db: Executor, actor: Actor, sectionId: string, opts: { seatedOnly?: boolean } = { seatedOnly: true }): Promise<CommitteeMember> {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  const m = await memberOf(db, actor, sectionId);
  if (!m || m.status === "recused" || m.status === "removed") throw new DomainError("NOT_FOUND");
  if (opts.seatedOnly !== false && m.status !== "seated") throw new DomainError("INVALID_STATE", { status: m.status });
  return m;
}

/** The leader's own commands (closing a stage, clarifications, finalising). */
export function requireLeader(ev: Evaluation, member: CommitteeMember): void {
  if (ev.leaderMemberId !== member.id) throw new DomainError("FORBIDDEN", { permission: "evaluation:lead" });
}

/** Refuses a command outside its stage(s), or while the evaluation is paused. */
export function requireStage(ev: Evaluation, ...stages: Stage[]): void {
  if (!stages.includes(ev.stage)) throw new DomainError("INVALID_STATE", { stage: ev.stage });
  if (ev.pausedAt) throw new DomainError("INVALID_STATE", { stage: "paused" });
}

/** Who may look into the room at all: its live members and supervisors (read-only). NOT_FOUND for anyone else. */
export async function requireRoomViewer(db: Executor, actor: Actor, sectionId: string): Promise<{ member: CommitteeMember | null; supervisor: boolean }> {
  const member = await memberOf(db, actor, sectionId);
  const supervisor = isSupervisor(actor);
  if (!supervisor && (!member || member.status === "recused" || member.status === "removed")) throw new DomainError("NOT_FOUND");
  return { member, supervisor };
}

/** A live event on the room's channel: presence and progress only, never a score or a mark (R42). */
export function roomEvent(sectionId: string, type: string, data: Record<string, unknown> = {}): LiveEventInput {
  return { channel: channels.evaluation(sectionId), type, data };
}

/** Moves the evaluation to `stage` (inside the caller's command) and returns the live event to emit. */
export async function setStage(tx: Tx, ev: Evaluation, stage: Stage, now: Date): Promise<LiveEventInput> {
  await tx.update(evaluations).set({ stage, stageChangedAt: now }).where(eq(evaluations.sectionId, ev.sectionId));
  return roomEvent(ev.sectionId, "evaluation.stage", { from: ev.stage, to: stage });
}

/**
 * Whether the actor once held a seat of this section's committee that is now void (recused, declined, replaced): the
 * room page sends such a former member back to its list instead of a bare 404. It tells the actor nothing it did not
 * know (its own seat); anyone else still gets 404 (R42).
 */
export async function wasMember(db: Executor, actor: Actor, sectionId: string): Promise<boolean> {
  if (!actor.user) return false;
  const [row] = await db
    .select({ id: committeeMembers.id })
    .from(committeeMembers)
    .where(and(eq(committeeMembers.sectionId, sectionId), eq(committeeMembers.userId, actor.user.id), isNotNull(committeeMembers.voidedAt)))
    .limit(1);
  return !!row;
}
