import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Executor } from "#db/client";
import { committeeMembers, evaluations, experts, memberStageDone, projects, roomBookings, roomPresence, rooms, sections, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import type { Actor } from "../platform/actor";
import { liveMembers, loadEvaluation, requireRoomViewer, sectionAndProject, STAGES } from "./access.server";
import { electionView } from "./election.server";
import { entryView } from "./entry.server";
import { scoringView } from "./scoring.server";
import { summaryView } from "./summary.server";
import { reportView } from "./report.server";
import { rollbacksOf } from "./rollback.server";
import { reviewView } from "./review.server";

/**
 * What a viewer of one review room sees (docs/decisions/015-evaluation.md): the room's header, the committee
 * (seat, name, presence, progress) and the stage. Each stage's panel adds its own view (entry, leader, review,
 * scoring, summary, report) — a member sees its own work and, after everyone submitted, the committee's; a
 * supervisor sees progress read-only. Nobody else gets anything (NOT_FOUND, R42).
 */
export async function roomView(db: Executor, actor: Actor, sectionId: string) {
  const ev = await loadEvaluation(db, sectionId);
  if (!ev) throw new DomainError("NOT_FOUND");
  const { member, supervisor } = await requireRoomViewer(db, actor, sectionId);
  const { section, project } = await sectionAndProject(db, sectionId);
  const members = await liveMembers(db, sectionId);
  const ids = members.map((m) => m.id);
  const names = ids.length
    ? await db
        .select({ id: committeeMembers.id, expertName: experts.name, userName: users.displayName })
        .from(committeeMembers)
        .innerJoin(users, eq(users.id, committeeMembers.userId))
        .leftJoin(experts, eq(experts.id, committeeMembers.expertId))
        .where(inArray(committeeMembers.id, ids))
    : [];
  const present = ids.length ? await db.select({ memberId: roomPresence.memberId, enteredAt: roomPresence.enteredAt }).from(roomPresence).where(and(inArray(roomPresence.memberId, ids), isNull(roomPresence.leftAt))) : [];
  const done = ids.length ? await db.select().from(memberStageDone).where(eq(memberStageDone.sectionId, sectionId)) : [];
  const [booking] = ev.bookingId
    ? await db.select({ code: rooms.code, name: rooms.name, location: rooms.location, startsAt: roomBookings.startsAt, endsAt: roomBookings.endsAt }).from(roomBookings).innerJoin(rooms, eq(rooms.id, roomBookings.roomId)).where(eq(roomBookings.id, ev.bookingId))
    : [];
  const nameOf = new Map(names.map((n) => [n.id, n.expertName ?? n.userName]));
  const presentSet = new Set(present.map((p) => p.memberId));
  const presentSince = new Map(present.map((p) => [p.memberId, p.enteredAt.toISOString()]));
  // R36: before the evaluation starts a member knows the time and the place only — not the project, not the others.
  const early = ev.stage === "waiting" && !supervisor;
  return {
    sectionId,
    project: early ? null : { id: project.id, code: project.code, title: project.title, regime: project.regime },
    section: early ? null : { code: section.code, title: section.title, status: section.status },
    stage: ev.stage,
    startsAt: ev.startsAt.toISOString(),
    paused: ev.pausedAt ? { at: ev.pausedAt.toISOString(), reason: ev.pauseReason ?? "" } : null,
    room: booking ? { code: booking.code, name: booking.name, location: booking.location } : project.reviewRoom ? { code: "", name: project.reviewRoom, location: "" } : null,
    method: (ev.config as { kind: string }).kind,
    viewer: member && member.status !== "recused" && member.status !== "removed" ? ("member" as const) : ("supervisor" as const),
    supervisor,
    me: member ? { id: member.id, seat: member.seat, status: member.status, kind: member.kind, leader: ev.leaderMemberId === member.id } : null,
    // Entering and the declaration (R41) and the leader's election (EV3, EV16): app/services/evaluation/{entry,election}.server.ts.
    entry: early ? null : await entryView(db, ev, member, nameOf),
    election: STAGES.indexOf(ev.stage) >= STAGES.indexOf("leader") ? await electionView(db, ev, project.regime, member, nameOf) : null,
    // Scoring and the summary (EV17–EV19, R48): app/services/evaluation/{scoring,summary}.server.ts.
    scoring: ev.stage === "scoring" ? await scoringView(db, ev, member, supervisor) : null,
    summary: ev.stage === "summary" || ev.stage === "signing" || ev.stage === "signed" ? await summaryView(db, ev, member, supervisor) : null,
    // The compliance review, bid files, clarifications and R45 (app/services/evaluation/review.server.ts), from the review on.
    review: STAGES.indexOf(ev.stage) >= STAGES.indexOf("review") || ev.stage === "failed" ? await reviewView(db, ev, { member, supervisor }) : null,
    // The report, its signatures and rollbacks (R49, R50, EV20): app/services/evaluation/{report,rollback}.server.ts, from the leader on.
    report: STAGES.indexOf(ev.stage) >= STAGES.indexOf("leader") ? { ...(await reportView(db, actor, sectionId)), rollbacks: await rollbacksOf(db, sectionId) } : null,
    members: (early ? members.filter((m) => m.id === member?.id) : members).map((m) => ({
      id: m.id,
      seat: m.seat,
      name: nameOf.get(m.id) ?? "",
      kind: m.kind,
      status: m.status,
      present: presentSet.has(m.id),
      presentSince: presentSince.get(m.id) ?? null,
      leader: ev.leaderMemberId === m.id,
      done: done.filter((d) => d.memberId === m.id).map((d) => d.stage),
    })),
  };
}
export type RoomView = Awaited<ReturnType<typeof roomView>>;

/** The evaluations an expert (or a tendering unit's representative) sits on, newest first; supervisors see all. */
export async function myEvaluations(db: Executor, actor: Actor) {
  if (!actor.user) return [];
  const base = db
    .select({
      sectionId: evaluations.sectionId,
      stage: evaluations.stage,
      startsAt: evaluations.startsAt,
      projectCode: projects.code,
      projectTitle: projects.title,
      sectionCode: sections.code,
      sectionTitle: sections.title,
    })
    .from(evaluations)
    .innerJoin(sections, eq(sections.id, evaluations.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId));
  const rows = actor.roles.includes("supervisor")
    ? await base.orderBy(evaluations.startsAt).limit(200)
    : await base
        .innerJoin(committeeMembers, and(eq(committeeMembers.sectionId, evaluations.sectionId), eq(committeeMembers.userId, actor.user.id), isNull(committeeMembers.voidedAt)))
        .orderBy(evaluations.startsAt)
        .limit(200);
  const supervisor = actor.roles.includes("supervisor");
  // R36: a member learns which project it evaluates when the room opens; until then, time and place only.
  return rows.map((r) => {
    const early = r.stage === "waiting" && !supervisor;
    return { ...r, startsAt: r.startsAt.toISOString(), projectCode: early ? null : r.projectCode, projectTitle: early ? null : r.projectTitle, sectionCode: early ? null : r.sectionCode, sectionTitle: early ? null : r.sectionTitle };
  });
}
