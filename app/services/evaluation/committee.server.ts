import { and, asc, count, eq, inArray, isNotNull, isNull, max } from "drizzle-orm";
import type { Executor, Tx } from "#db/client";
import { committeeMembers, drawPicks, draws, evaluations, experts, memberships, projects, sections, users } from "#db/schema/index";
import { checkCommittee } from "#app/domain/evaluation/committee";
import { evaluationViolation } from "#app/domain/evaluation/violations";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { getProfile } from "#app/domain/rules/profiles";
import type { RuleViolation } from "#app/domain/rules/violations";
import { systemActor, type Actor } from "../platform/actor";
import { requirePermission, runCommand, runOptionalCommand, type LiveEventInput } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { replacePick, type PickReplacement } from "../pool/draws.server";
import { managesProject } from "../tendering/tenders.server";
import { liveMembers, lockEvaluation, memberOf, roomEvent, sectionAndProject, setStage } from "./access.server";

/**
 * The committee of a section (R32, R35, R37; docs/decisions/015-evaluation.md "The committee").
 *
 * - **Formation**: every pick of the section's draws that is confirmed or still invited (a member, or a backup
 *   promoted in a member's place — standby backups are neither), with the expert's platform account, gets a seat; seats are numbered in draw order and never reused (a replacement gets the next).
 * - **Composition** (R32) is checked against the section's rule profile by the pure `checkCommittee`: size, odd,
 *   experts ≥ 2/3, the ¥10M rule (ZFCG), the representative's chair (ZFCG).
 * - **Recusal / replacement** (R37, R39/R40): the member's seat is voided (its work is never aggregated), its pick is
 *   replaced through the draw (`replacePick`: the next standby backup of the line is invited, or the line is short
 *   and a supplementary draw is asked for), and the replacement gets a new seat at once.
 */

type Ctx = Pick<AppContext, "db">;

/** Pick statuses that still hold a seat. */
const LIVE_PICK = ["invited", "confirmed"] as const;

/**
 * Seats every live pick (invited or confirmed: members and promoted backups) of the section that has no seat yet. Returns what was seated, for the record.
 * Inside the caller's transaction.
 */
export async function formCommittee(tx: Tx, sectionId: string, _now: Date): Promise<{ seats: number; experts: string[] }> {
  const picks = await tx
    .select({ pickId: drawPicks.id, expertId: drawPicks.expertId, code: experts.code, userId: experts.userId, order: drawPicks.order })
    .from(drawPicks)
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .innerJoin(experts, eq(experts.id, drawPicks.expertId))
    .where(and(eq(draws.sectionId, sectionId), inArray(draws.status, ["drawn", "revealed"]), inArray(drawPicks.status, [...LIVE_PICK]), isNotNull(experts.userId)))
    .orderBy(draws.createdAt, drawPicks.role, drawPicks.order);
  const [last] = await tx.select({ seat: max(committeeMembers.seat) }).from(committeeMembers).where(eq(committeeMembers.sectionId, sectionId));
  let seat = last?.seat ?? 0;
  const seatedCodes: string[] = [];
  for (const p of picks) {
    const [exists] = await tx.select({ id: committeeMembers.id }).from(committeeMembers).where(and(eq(committeeMembers.sectionId, sectionId), eq(committeeMembers.drawPickId, p.pickId)));
    if (exists) continue;
    // A promoted backup who already sits under another live seat (it cannot: one pick per expert per section) is skipped.
    const [sits] = await tx
      .select({ id: committeeMembers.id })
      .from(committeeMembers)
      .where(and(eq(committeeMembers.sectionId, sectionId), eq(committeeMembers.userId, p.userId!), isNull(committeeMembers.voidedAt)));
    if (sits) continue;
    await tx.insert(committeeMembers).values({ sectionId, kind: "expert", expertId: p.expertId, drawPickId: p.pickId, userId: p.userId!, seat: ++seat });
    seatedCodes.push(p.code);
  }
  return { seats: seatedCodes.length, experts: seatedCodes };
}

/**
 * R32: the rule violations of the committee's current composition (live members; the leader as chair). Empty when
 * it may evaluate. The budget of the ¥10M rule is the project's estimate (ZFCG: the budget, R14 `bondBase`).
 */
export async function committeeViolations(db: Executor, sectionId: string): Promise<RuleViolation[]> {
  const { project } = await sectionAndProject(db, sectionId);
  const [ev] = await db.select({ leader: evaluations.leaderMemberId }).from(evaluations).where(eq(evaluations.sectionId, sectionId));
  const members = (await liveMembers(db, sectionId)).filter((m) => m.status !== "recused" && m.status !== "removed");
  const profile = getProfile(project.profileCode);
  const reps = members.filter((m) => m.kind === "representative").length;
  return checkCommittee(profile.committee, {
    regime: project.regime,
    budgetFen: project.estimateFen,
    members: members.map((m) => ({ id: m.id, kind: m.kind, chair: ev?.leader === m.id })),
    representativesAllowed: profile.committeeRepresentative.allowed && reps <= profile.committeeRepresentative.max,
  });
}

export type SeatChange = { seat: number; kind: "expert" | "representative"; replacement: PickReplacement | null; seated: { seats: number; experts: string[] } };

/**
 * Voids one seat and replaces it (R37): the member's status, the reason and the time are kept; whatever the member
 * did (marks, scores, ballots, signatures) stays in its rows but is void with the seat — every aggregation reads
 * live members only. An expert's pick is replaced through its draw (the next backup of the line, or a shortfall and
 * a supplementary draw, R37), and the replacement is seated at once. A leader who leaves takes the leadership with
 * it: past the election, the room returns to `leader` (EV3). Inside the caller's command; returns the live events.
 */
export async function voidSeat(
  tx: Tx,
  sectionId: string,
  memberId: string,
  how: { status: "recused" | "removed"; rule: string; code: string; reason: string },
  now: Date,
): Promise<{ change: SeatChange; events: LiveEventInput[] }> {
  const [m] = await tx.select().from(committeeMembers).where(eq(committeeMembers.id, memberId)).for("update");
  if (!m || m.voidedAt) throw new DomainError("INVALID_STATE", { status: m?.status ?? "missing" });
  await tx
    .update(committeeMembers)
    .set({ status: how.status, recusalReason: how.status === "recused" ? how.reason : m.recusalReason, voidedAt: now, voidReason: `${how.rule} ${how.code}: ${how.reason}` })
    .where(eq(committeeMembers.id, memberId));
  const replacement = m.drawPickId ? await replacePick(tx, m.drawPickId, { rule: how.rule, code: how.code }, now) : null;
  const seated = await formCommittee(tx, sectionId, now);
  const events: LiveEventInput[] = [roomEvent(sectionId, "evaluation.member_replaced", { seat: m.seat })];
  const [ev] = await tx.select().from(evaluations).where(eq(evaluations.sectionId, sectionId));
  if (ev && ev.leaderMemberId === memberId) {
    await tx.update(evaluations).set({ leaderMemberId: null, electionRound: 1, electionEligible: [] }).where(eq(evaluations.sectionId, sectionId));
    if (["review", "scoring", "summary", "signing"].includes(ev.stage)) events.push(await setStage(tx, ev, "leader", now));
  }
  return { change: { seat: m.seat, kind: m.kind, replacement, seated }, events };
}

/**
 * "I have a conflict" (R37, R39/R40, EV15): the acting member leaves the committee for the declared reason, in one
 * command (`evaluation.recused`): its seat is voided, a replacement invited, the reason in the record.
 */
export async function recuseMember(ctx: Ctx, actor: Actor, sectionId: string, reason: string): Promise<SeatChange> {
  return runCommand(ctx, actor, "evaluation.recused", async ({ tx, now }) => {
    await lockEvaluation(tx, sectionId);
    const m = await memberOf(tx, actor, sectionId);
    if (!m || m.status === "recused" || m.status === "removed") throw new DomainError("NOT_FOUND");
    const { change, events } = await voidSeat(tx, sectionId, m.id, { status: "recused", rule: "R37", code: "RECUSAL_DECLARED", reason }, now);
    return {
      result: change,
      subjectType: "section",
      subjectId: sectionId,
      payload: {
        rule: "R37",
        seat: m.seat,
        reason,
        replacement: change.replacement && { expertHash: change.replacement.expertHash, promotedPickId: change.replacement.promotedPickId, shortfall: change.replacement.shortfall },
        seated: change.seated.seats,
      },
      events,
    };
  });
}

/**
 * Job `evaluation.committee_sync` (scheduled by the draw when a pick of a prepared section changes): a seat whose
 * pick is no longer live (declined, timed out, replaced by the re-screen) is voided, and newly invited backups are
 * seated. Idempotent; null when nothing changed.
 */
export async function syncCommittee(ctx: Ctx, sectionId: string): Promise<{ voided: number[]; seated: number } | null> {
  return runOptionalCommand(ctx, systemActor(), "evaluation.committee_synced", async ({ tx, now }) => {
    const [exists] = await tx.select({ id: evaluations.sectionId }).from(evaluations).where(eq(evaluations.sectionId, sectionId));
    if (!exists) return null;
    const ev = await lockEvaluation(tx, sectionId);
    if (ev.stage === "signed" || ev.stage === "failed") return null;
    const stale = await tx
      .select({ id: committeeMembers.id, seat: committeeMembers.seat, pickStatus: drawPicks.status, pickReason: drawPicks.reason })
      .from(committeeMembers)
      .innerJoin(drawPicks, eq(drawPicks.id, committeeMembers.drawPickId))
      .where(and(eq(committeeMembers.sectionId, sectionId), isNull(committeeMembers.voidedAt), inArray(drawPicks.status, ["declined", "timed_out", "replaced"])));
    const events: LiveEventInput[] = [];
    for (const s of stale) {
      await tx
        .update(committeeMembers)
        .set({ status: "removed", voidedAt: now, voidReason: `R37 ${s.pickStatus}${s.pickReason ? `: ${s.pickReason}` : ""}` })
        .where(eq(committeeMembers.id, s.id));
      events.push(roomEvent(sectionId, "evaluation.member_replaced", { seat: s.seat }));
      if (ev.leaderMemberId === s.id) {
        await tx.update(evaluations).set({ leaderMemberId: null, electionRound: 1, electionEligible: [] }).where(eq(evaluations.sectionId, sectionId));
        if (["review", "scoring", "summary", "signing"].includes(ev.stage)) events.push(await setStage(tx, ev, "leader", now));
      }
    }
    const seated = await formCommittee(tx, sectionId, now);
    if (!stale.length && !seated.seats) return null;
    return {
      result: { voided: stale.map((s) => s.seat), seated: seated.seats },
      subjectType: "section",
      subjectId: sectionId,
      payload: { rule: "R37", voided: stale.map((s) => ({ seat: s.seat, pick: s.pickStatus })), seated: seated.seats },
      events,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The tendering unit's representative (R32: 法37 / 评标规定9 招标人的代表; 87号令45/47 采购人代表, never the chair)

async function managedSection(tx: Executor, actor: Actor, sectionId: string) {
  if (!isUuid(sectionId)) throw new DomainError("NOT_FOUND");
  const [row] = await tx.select({ section: sections, project: projects }).from(sections).innerJoin(projects, eq(projects.id, sections.projectId)).where(eq(sections.id, sectionId));
  if (!row || !managesProject(actor, row.project)) throw new DomainError("NOT_FOUND");
  return row;
}

/** The representative may be named or withdrawn only before the room opens (no evaluation yet, or `waiting`). */
async function requireBeforeStart(tx: Tx, sectionId: string): Promise<void> {
  const [ev] = await tx.select({ stage: evaluations.stage }).from(evaluations).where(eq(evaluations.sectionId, sectionId)).for("update");
  if (ev && ev.stage !== "waiting") throw new DomainError("INVALID_STATE", { stage: ev.stage });
}

/**
 * The tendering unit (or its agency) names a representative of the tendering unit as a non-expert member (R32),
 * where the profile allows it and up to its maximum: an active user of the tendering unit's own organisation
 * (R40: own-unit staff sit only as its representative). Whether the committee then holds (experts ≥ 2/3, odd, ≥
 * min) is R32's check at the entry (`committeeViolations`), shown in the panel meanwhile.
 */
export async function addRepresentative(ctx: Ctx, actor: Actor, sectionId: string, userId: string): Promise<number> {
  return runCommand(ctx, actor, "evaluation.representative_added", async ({ tx }) => {
    requirePermission(actor, "tender:manage");
    const { project } = await managedSection(tx, actor, sectionId);
    await requireBeforeStart(tx, sectionId);
    const profile = getProfile(project.profileCode);
    if (!profile.committeeRepresentative.allowed) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R32_REPRESENTATIVE_NOT_ALLOWED", { count: 1 })]);
    if (!isUuid(userId)) throw new DomainError("VALIDATION", { field: "userId" });
    const [user] = await tx
      .select({ id: users.id, name: users.displayName })
      .from(users)
      .innerJoin(memberships, eq(memberships.userId, users.id))
      .where(and(eq(users.id, userId), eq(users.active, true), eq(memberships.orgId, project.tenderingUnitId)));
    if (!user) throw new DomainError("VALIDATION", { field: "userId" });
    const live = await liveMembers(tx, sectionId);
    if (live.some((m) => m.userId === userId)) throw new DomainError("CONFLICT", { field: "userId" });
    const reps = live.filter((m) => m.kind === "representative").length;
    if (reps >= profile.committeeRepresentative.max) {
      throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R32_REPRESENTATIVE_NOT_ALLOWED", { count: reps + 1 })]);
    }
    const [last] = await tx.select({ seat: max(committeeMembers.seat) }).from(committeeMembers).where(eq(committeeMembers.sectionId, sectionId));
    const seat = (last?.seat ?? 0) + 1;
    await tx.insert(committeeMembers).values({ sectionId, kind: "representative", userId, seat });
    return { result: seat, subjectType: "section", subjectId: sectionId, payload: { rule: "R32", seat, userId } };
  });
}

/** Withdraws a representative before the room opens (its seat is voided with the reason; never reused). */
export async function removeRepresentative(ctx: Ctx, actor: Actor, sectionId: string, memberId: string): Promise<void> {
  await runCommand(ctx, actor, "evaluation.representative_removed", async ({ tx, now }) => {
    requirePermission(actor, "tender:manage");
    await managedSection(tx, actor, sectionId);
    await requireBeforeStart(tx, sectionId);
    if (!isUuid(memberId)) throw new DomainError("NOT_FOUND");
    const [m] = await tx
      .select()
      .from(committeeMembers)
      .where(and(eq(committeeMembers.id, memberId), eq(committeeMembers.sectionId, sectionId), eq(committeeMembers.kind, "representative"), isNull(committeeMembers.voidedAt)));
    if (!m) throw new DomainError("NOT_FOUND");
    await tx.update(committeeMembers).set({ status: "removed", voidedAt: now, voidReason: "R32 withdrawn by the tendering unit" }).where(eq(committeeMembers.id, memberId));
    return { result: undefined, subjectType: "section", subjectId: sectionId, payload: { rule: "R32", seat: m.seat } };
  });
}

/**
 * What the tender side sees of a section's committee before the room opens (R36: never the experts' names): the
 * R32 numbers of its profile, how many expert seats its draws hold, its representatives by name, who of the
 * tendering unit could be named, and the composition's violations as it stands.
 */
export async function committeePanel(db: Executor, actor: Actor, sectionId: string) {
  const { project } = await managedSection(db, actor, sectionId);
  const profile = getProfile(project.profileCode);
  const c = profile.committee;
  const large = c.minLargeBudget !== null && c.largeBudgetThresholdFen !== null && project.estimateFen >= c.largeBudgetThresholdFen;
  const live = await liveMembers(db, sectionId);
  const repRows = live.filter((m) => m.kind === "representative");
  const names = repRows.length ? await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, repRows.map((m) => m.userId))) : [];
  const [picked] = await db
    .select({ n: count() })
    .from(drawPicks)
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .where(and(eq(draws.sectionId, sectionId), inArray(draws.status, ["drawn", "revealed"]), inArray(drawPicks.status, [...LIVE_PICK])));
  const [ev] = await db.select({ stage: evaluations.stage }).from(evaluations).where(eq(evaluations.sectionId, sectionId));
  const open = !ev || ev.stage === "waiting";
  const candidates = open
    ? await db
        .select({ id: users.id, name: users.displayName })
        .from(users)
        .innerJoin(memberships, eq(memberships.userId, users.id))
        .where(and(eq(memberships.orgId, project.tenderingUnitId), eq(users.active, true)))
        .orderBy(asc(users.displayName))
    : [];
  const experts = Math.max(Number(picked?.n ?? 0), live.filter((m) => m.kind === "expert").length);
  const members = [
    ...Array.from({ length: experts }, (_, i) => ({ id: `e${i}`, kind: "expert" as const })),
    ...repRows.map((m) => ({ id: m.id, kind: "representative" as const })),
  ];
  return {
    regime: project.regime,
    min: large ? Math.max(c.min, c.minLargeBudget!) : c.min,
    share: `${c.expertShareNumerator}/${c.expertShareDenominator}`,
    representatives: { allowed: profile.committeeRepresentative.allowed, mayChair: profile.committeeRepresentative.mayChair, max: profile.committeeRepresentative.max },
    experts,
    reps: repRows.map((m) => ({ id: m.id, seat: m.seat, name: names.find((n) => n.id === m.userId)?.name ?? "" })),
    candidates: candidates.filter((u) => !live.some((m) => m.userId === u.id)),
    canEdit: open,
    violations: checkCommittee(c, { regime: project.regime, budgetFen: project.estimateFen, members, representativesAllowed: profile.committeeRepresentative.allowed }),
  };
}
export type CommitteePanel = Awaited<ReturnType<typeof committeePanel>>;
