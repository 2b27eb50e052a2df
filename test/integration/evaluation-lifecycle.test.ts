import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { evaluations, jobs, notifications, sections } from "#db/schema/index";
import { prepareEvaluation, startEvaluation } from "#app/services/evaluation/lifecycle.server";
import { myEvaluations, roomView } from "#app/services/evaluation/room-view.server";
import { canSubscribe, channels } from "#app/services/platform/live-channels.server";
import { failure } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { openedSection, seatCommittee } from "../helpers/evaluation";

forEachDriver("evaluation lifecycle (ADR 015)", (env) => {
  it("the opening's close prepares the evaluation (a job); the room opens at the start for its committee and supervisors only (R36, R42)", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const [job] = await app.db.select().from(jobs).where(and(eq(jobs.kind, "evaluation.prepare"), eq(jobs.dedupeKey, `evaluation.prepare:${t.sectionId}`)));
    expect(job!.payload).toEqual({ sectionId: t.sectionId });

    expect(await prepareEvaluation(app, t.sectionId)).toBe(true);
    expect(await prepareEvaluation(app, t.sectionId)).toBe(false); // idempotent
    const [ev] = await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId));
    expect(ev).toMatchObject({ stage: "waiting" });
    expect((ev!.config as { kind: string }).kind).toBe("ZTB_LOWEST_EVALUATED");

    const members = await seatCommittee(app, t.sectionId, 5, { start: false });
    await app.db.update(evaluations).set({ startsAt: new Date(Date.now() + 86400_000) }).where(eq(evaluations.sectionId, t.sectionId));
    // Before the start a member knows the time and place only (R36).
    const early = await roomView(app.db, members[0]!.actor, t.sectionId);
    expect(early.project).toBeNull();
    expect(early.members.map((m) => m.id)).toEqual([members[0]!.memberId]);
    expect((await myEvaluations(app.db, members[0]!.actor))[0]).toMatchObject({ projectTitle: null, stage: "waiting" });
    expect(await startEvaluation(app, t.sectionId)).toBe(false); // not yet due (database clock)

    await app.db.update(evaluations).set({ startsAt: new Date(Date.now() - 1000) }).where(eq(evaluations.sectionId, t.sectionId));
    expect(await startEvaluation(app, t.sectionId)).toBe(true);
    expect(await startEvaluation(app, t.sectionId)).toBe(false);
    const [sec] = await app.db.select({ status: sections.status }).from(sections).where(eq(sections.id, t.sectionId));
    expect(sec!.status).toBe("evaluating");
    const told = await app.db.select().from(notifications).where(and(eq(notifications.userId, members[1]!.actor.user!.id), eq(notifications.kind, "evaluationOpen")));
    expect(told).toHaveLength(1);

    const view = await roomView(app.db, members[0]!.actor, t.sectionId);
    expect(view).toMatchObject({ stage: "entry", viewer: "member", me: { seat: 1 } });
    expect(view.members).toHaveLength(5);
    expect((await roomView(app.db, t.supervisor, t.sectionId)).viewer).toBe("supervisor");
    // R42: the tendering unit and the bidders see nothing of the room.
    expect((await failure(roomView(app.db, t.tu, t.sectionId)))?.code).toBe("NOT_FOUND");
    expect((await failure(roomView(app.db, t.bidders[0]!.actor, t.sectionId)))?.code).toBe("NOT_FOUND");
    const ch = channels.evaluation(t.sectionId);
    expect(await canSubscribe(app.db, members[2]!.actor, ch)).toBe(true);
    expect(await canSubscribe(app.db, t.supervisor, ch)).toBe(true);
    expect(await canSubscribe(app.db, t.tu, ch)).toBe(false);
    expect(await canSubscribe(app.db, t.bidders[0]!.actor, ch)).toBe(false);
    expect(await canSubscribe(app.db, null, ch)).toBe(false);
  });
});
