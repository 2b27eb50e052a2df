import { and, eq } from "drizzle-orm";
import { drawPicks, draws, evaluations, experts, projects, roomBookings, rooms, sections } from "#db/schema/index";
import { prepareEvaluation, startEvaluation } from "#app/services/evaluation/lifecycle.server";
import { drawWithSalt, requestDraw, respondToInvitation } from "#app/services/pool/draws.server";
import { dbNow, runCommand } from "#app/services/platform/command.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { bookRoom } from "#app/services/rooms/rooms.server";

/**
 * The specialty that only the five demo expert accounts (pool experts E0001–E0005) hold in the demo pool
 * (server/seed.ts seedExperts), so that the demo's real draw for its evaluation — one line of this specialty,
 * five members, no backups — draws exactly them, whatever its seed.
 */
export const DEMO_COMMITTEE_SPECIALTY = "A0701";
export const DEMO_COMMITTEE_SIZE = 5;
/** The review room the demo evaluation is booked in (server/demo-rooms.ts; the tender's free-text room names it too). */
export const DEMO_EVALUATION_ROOM = "PB-03";

/**
 * DEMO ONLY: takes a section whose opening record is closed into its evaluation, through the real commands, so that a
 * newcomer can walk through the review room (issue 12 item 13):
 * - the tendering unit requests a draw (A0701 × 5, an evaluation half an hour from now), the demo supervisor adds the
 *   salt, the tendering unit runs it (R35; the bidders are screened as conflict parties, R40);
 * - each drawn demo expert confirms its invitation;
 * - the tendering unit books the review room PB-03 for the evaluation (R32: enough seats);
 * - the evaluation is prepared (the committee formed from the draw, R37) and its timeline moved to now (a demo step,
 *   like the bid deadline's), so that it starts at once: stage `entry`, the room open to its five members.
 */
export async function seedEvaluation(app: AppContext, sys: Actor, who: { tenderingUnit: Actor; supervisor: Actor; experts: Actor[] }, sectionId: string): Promise<void> {
  const [section] = await app.db.select({ projectId: sections.projectId }).from(sections).where(eq(sections.id, sectionId));
  const evaluationAt = new Date((await dbNow(app.db)).getTime() + 30 * 60_000);
  const drawId = await requestDraw(app, who.tenderingUnit, {
    sectionId,
    lines: [{ specialty: DEMO_COMMITTEE_SPECIALTY, count: DEMO_COMMITTEE_SIZE, backups: 0 }],
    // E0005 lives in 哈尔滨, the project in 大庆.
    regionMode: "any",
    evaluationAt,
    avoid: [],
  });
  await drawWithSalt(app, who.supervisor, drawId, "赵监督现场输入-0521");
  for (const e of who.experts) {
    const [pick] = await app.db
      .select({ id: drawPicks.id })
      .from(drawPicks)
      .innerJoin(experts, eq(experts.id, drawPicks.expertId))
      .where(and(eq(drawPicks.drawId, drawId), eq(experts.userId, e.user!.id)));
    if (!pick) throw new Error(`demo draw: ${e.user!.displayName} was not drawn`);
    await respondToInvitation(app, e, pick.id, true);
  }
  const [room] = await app.db.select({ id: rooms.id }).from(rooms).where(eq(rooms.code, DEMO_EVALUATION_ROOM));
  await bookRoom(app, who.tenderingUnit, { roomId: room!.id, sectionId, purpose: "evaluation", hours: 4 });
  await prepareEvaluation(app, sectionId);
  await fastForwardEvaluation(app, sys, section!.projectId, sectionId);
  await startEvaluation(app, sectionId);
}

/**
 * DEMO ONLY: moves a prepared demo evaluation's start to a minute ago — with its booking's slot, its draws' evaluation
 * time and the project's planned start — so its room can be shown at once. Recorded as a demo step.
 */
async function fastForwardEvaluation(app: AppContext, sys: Actor, projectId: string, sectionId: string) {
  await runCommand(app, sys, "seed.fast_forward_evaluation", async ({ tx, now }) => {
    const [ev] = await tx.select().from(evaluations).where(eq(evaluations.sectionId, sectionId));
    const shift = now.getTime() - 60_000 - ev!.startsAt.getTime();
    const back = (d: Date) => new Date(d.getTime() + shift);
    await tx.update(evaluations).set({ startsAt: back(ev!.startsAt) }).where(eq(evaluations.sectionId, sectionId));
    if (ev!.bookingId) {
      const [b] = await tx.select().from(roomBookings).where(eq(roomBookings.id, ev!.bookingId));
      await tx.update(roomBookings).set({ startsAt: back(b!.startsAt), endsAt: back(b!.endsAt) }).where(eq(roomBookings.id, b!.id));
    }
    for (const d of await tx.select({ id: draws.id, at: draws.evaluationAt }).from(draws).where(eq(draws.sectionId, sectionId))) {
      await tx.update(draws).set({ evaluationAt: back(d.at) }).where(eq(draws.id, d.id));
    }
    await tx.update(projects).set({ evaluationStart: back(ev!.startsAt) }).where(eq(projects.id, projectId));
    return { result: undefined, subjectType: "section", subjectId: sectionId, payload: { demo: true, shiftMs: shift, startsAt: back(ev!.startsAt).toISOString() } };
  });
}
