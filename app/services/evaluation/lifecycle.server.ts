import { and, eq, isNull } from "drizzle-orm";
import { evaluations, openings, roomBookings, sections } from "#db/schema/index";
import { sectionMethod } from "#app/domain/evaluation/section-method";
import { systemActor } from "../platform/actor";
import { runOptionalCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { scheduleJob } from "../platform/jobs.server";
import { notifyUsers } from "../platform/notify.server";
import { liveMembers, lockEvaluation, roomEvent, sectionAndProject, setStage } from "./access.server";
import { formCommittee } from "./committee.server";

type Ctx = Pick<AppContext, "db">;

/**
 * After the opening record is closed (job `evaluation.prepare`, scheduled by the opening): the section's
 * evaluation exists, `waiting`, with the method configuration frozen from the section as published, the booked
 * review room, and the committee formed from the draw (R32, R37). Idempotent.
 */
export async function prepareEvaluation(ctx: Ctx, sectionId: string): Promise<boolean> {
  const done = await runOptionalCommand(ctx, systemActor(), "evaluation.prepared", async ({ tx, now }) => {
    const [exists] = await tx.select({ id: evaluations.sectionId }).from(evaluations).where(eq(evaluations.sectionId, sectionId));
    if (exists) return null;
    const { section, project } = await sectionAndProject(tx, sectionId);
    const [opening] = await tx.select().from(openings).where(eq(openings.sectionId, sectionId));
    if (section.status !== "opened" || opening?.phase !== "closed") return null;
    const config = sectionMethod(section.evaluation, project.regime);
    const [booking] = await tx
      .select({ id: roomBookings.id, startsAt: roomBookings.startsAt })
      .from(roomBookings)
      .where(and(eq(roomBookings.sectionId, sectionId), eq(roomBookings.purpose, "evaluation"), isNull(roomBookings.cancelledAt)));
    const startsAt = booking?.startsAt ?? project.evaluationStart ?? now;
    await tx.insert(evaluations).values({ sectionId, stage: "waiting", stageChangedAt: now, startsAt, bookingId: booking?.id ?? null, config });
    const committee = await formCommittee(tx, sectionId, now);
    await scheduleJob(tx, { kind: "evaluation.start", dueAt: startsAt, payload: { sectionId }, dedupeKey: `evaluation.start:${sectionId}` });
    return {
      result: true,
      subjectType: "section",
      subjectId: sectionId,
      payload: { method: config.kind, startsAt: startsAt.toISOString(), bookingId: booking?.id ?? null, committee },
      events: [roomEvent(sectionId, "evaluation.prepared", { startsAt: startsAt.toISOString() })],
    };
  });
  return !!done;
}

/**
 * At the evaluation start (job `evaluation.start`, database clock): the room opens for its committee (`entry`),
 * the section is `evaluating`, and the members are told. Idempotent; does nothing before the start.
 */
export async function startEvaluation(ctx: Ctx, sectionId: string): Promise<boolean> {
  const done = await runOptionalCommand(ctx, systemActor(), "evaluation.started", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    if (ev.stage !== "waiting" || now < ev.startsAt) return null;
    const event = await setStage(tx, ev, "entry", now);
    await tx.update(sections).set({ status: "evaluating" }).where(eq(sections.id, sectionId));
    const members = await liveMembers(tx, sectionId);
    const { project, section } = await sectionAndProject(tx, sectionId);
    await notifyUsers(
      tx,
      members.map((m) => m.userId),
      { kind: "evaluationOpen", params: { title: project.title, section: section.code }, link: `/evaluations/${sectionId}` },
    );
    return { result: true, subjectType: "section", subjectId: sectionId, payload: { members: members.length }, events: [event] };
  });
  return !!done;
}
