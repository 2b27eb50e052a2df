import { and, eq, ne } from "drizzle-orm";
import { expect, it } from "vitest";
import { bondRefunds, contracts, drawPicks, draws, evaluationReports, evaluations, experts, jobs, openings, projects, roomBookings, rooms, sectionResults } from "#db/schema/index";
import { cstDateTime } from "#app/domain/rules/days";
import type { LimitInstance } from "#app/domain/supervision/limits";
import { lightOf, sectionLight } from "#app/domain/supervision/lights";
import type { AppContext } from "#app/services/platform/context.server";
import { dbNow } from "#app/services/platform/command.server";
import { decideWinner, issueNotices, recordContract } from "#app/services/results/results.server";
import { sectionFacts, sectionLightNow, sectionsFacts } from "#app/services/supervision/facts.server";
import { forEachDriver } from "../helpers/db";
import { tenderWithBids } from "../helpers/opening";
import { fireResultsTimer, sectionThroughResults } from "../helpers/report";
import { demoPdf } from "../../server/demo-pdf";

/**
 * R63/R65 electronic supervision: the facts read from the database are the rows' values, and a section's light is
 * judged by the database clock from them (docs/decisions/019-supervision-limits.md).
 */

async function resultRow(app: AppContext, sectionId: string) {
  const [r] = await app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, sectionId));
  return r!;
}

/** `next` is when the light changes: one instance's light differs there from 1 ms before it, and none earlier. */
function expectChangeAt(instances: readonly LimitInstance[], now: Date, next: Date) {
  expect(next.getTime()).toBeGreaterThan(now.getTime());
  const before = new Date(next.getTime() - 1);
  expect(instances.some((i) => lightOf(i, before).light !== lightOf(i, next).light)).toBe(true);
  // Nothing changed between now and just before `next`.
  for (const i of instances) expect(lightOf(i, before).light).toBe(lightOf(i, now).light);
}

forEachDriver("supervision facts and lights (R63/R65)", (env) => {
  it("a published tender with its bid deadline passed: tender facts from the projects row, green, next = the documents period's yellow (R6/R7); an invitation past its limit is red (R37)", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 1, "bidder");
    const [p] = await app.db.select().from(projects).where(eq(projects.id, t.projectId));
    const facts = await sectionFacts(app.db, t.sectionId);
    expect(facts.regime).toBe(p!.regime);
    expect(facts.tender).toEqual({ publishedAt: p!.publishedAt, documentsFrom: p!.documentsFrom, documentsUntil: p!.documentsUntil, bidDeadline: p!.bidDeadline });
    expect(facts.opening).toBeNull();
    expect(facts.results).toBeNull();
    expect(facts.endedAt).toBeNull();

    const l = await sectionLightNow(app.db, t.sectionId);
    expect(l.light).toBe("green");
    expect(l.reasons).toEqual([]);
    // The documents period (R6) is the only limit still running: it turns yellow at 80 % of [first issue, until].
    const start = Math.max(p!.publishedAt!.getTime(), p!.documentsFrom.getTime());
    const yellow = start + Math.ceil((80 * (p!.documentsUntil.getTime() - start)) / 100);
    expect(l.next?.getTime()).toBe(yellow);
    expectChangeAt(l.instances, l.now, l.next!);
    expect(sectionLight(l.instances, l.next!).reasons).toEqual(["documentsPeriod"]);

    // TEST FIXTURE: an expert invitation (R37) as the draw writes it — a pick and its confirmation time-out job.
    const [e] = await app.db.insert(experts).values({ code: `SUP-${t.sectionId.slice(0, 8)}`, name: "专家", yearsExperience: 10, region: "黑龙江省大庆市" }).returning({ id: experts.id });
    const [d] = await app.db
      .insert(draws)
      .values({ projectId: t.projectId, sectionId: t.sectionId, requestedBy: t.tu.user!.id, lines: [], regionMode: "local", evaluationAt: new Date(Date.now() + 5 * 86_400_000), serverSeed: "s", commitment: "c" })
      .returning({ id: draws.id });
    const [pick] = await app.db.insert(drawPicks).values({ drawId: d!.id, expertId: e!.id, specialty: "A", role: "member", order: 1, status: "invited" }).returning({ id: drawPicks.id });
    const [job] = await app.db
      .insert(jobs)
      .values({ kind: "draw.confirmation_timeout", dueAt: new Date(Date.now() + 86_400_000), payload: { pickId: pick!.id }, dedupeKey: `draw-timeout:${pick!.id}` })
      .returning();
    expect((await sectionFacts(app.db, t.sectionId)).invitations).toEqual([{ pickId: pick!.id, invitedAt: job!.createdAt, dueAt: job!.dueAt, status: "invited", respondedAt: null }]);
    expect((await sectionLightNow(app.db, t.sectionId)).light).toBe("green");
    // TEST FIXTURE: the confirmation limit moved into the past → red, the invitation the reason.
    await app.db.update(jobs).set({ dueAt: new Date((await dbNow(app.db)).getTime() - 1000) }).where(eq(jobs.id, job!.id));
    const red = await sectionLightNow(app.db, t.sectionId);
    expect(red.light).toBe("red");
    expect(red.reasons).toEqual(["expertConfirmation"]);
    expect(red.instances[0]).toMatchObject({ limitId: "expertConfirmation", subjectId: pick!.id, breach: "overdue" });
  });

  it("a section through the results: facts match the rows; green in publicity; a limit moved into the past turns it red with that limit (R51, R56, R15)", async () => {
    const { app } = env();
    const { t } = await sectionThroughResults(app, "publicity");
    const id = t.sectionId;

    // Publicity (R51): the opening and the results row as stored.
    let r = await resultRow(app, id);
    const [o] = await app.db.select().from(openings).where(eq(openings.sectionId, id));
    let facts = await sectionFacts(app.db, id);
    expect(facts.opening).toEqual({ openedAt: o!.openedAt, decryptionEndsAt: o!.decryptionEndsAt });
    expect(r.stage).toBe("publicity");
    expect(facts.results).toMatchObject({ reportSignedAt: r.reportSignedAt, publicityDueAt: r.publicityDueAt, publicityStartedAt: r.publicityStartedAt, publicityEndsAt: r.publicityEndsAt, publicityEndedAt: null, contractDueAt: null });
    expect(facts.results!.publicityStartedAt).not.toBeNull();
    expect(facts.results!.publicityEndsAt).not.toBeNull();
    expect(facts.contract).toBeNull();
    expect(facts.refunds).toEqual([]);
    expect(facts.evaluation).toBeNull(); // no review room booked by the fixtures

    // TEST FIXTURE: a booked review-room slot (R38) around the evaluation; the signed report ends it in time.
    const [room] = await app.db.insert(rooms).values({ code: `SUP-${id.slice(0, 8)}`, name: "评标室", kind: "review", capacity: 9 }).returning({ id: rooms.id });
    const [booking] = await app.db
      .insert(roomBookings)
      .values({ roomId: room!.id, sectionId: id, purpose: "evaluation", startsAt: new Date(r.reportSignedAt.getTime() - 3_600_000), endsAt: new Date(r.reportSignedAt.getTime() + 3_600_000), bookedBy: t.tu.user!.id })
      .returning();
    await app.db.update(evaluations).set({ bookingId: booking!.id }).where(eq(evaluations.sectionId, id));
    const [report] = await app.db.select().from(evaluationReports).where(and(eq(evaluationReports.sectionId, id), ne(evaluationReports.status, "voided")));
    expect((await sectionFacts(app.db, id)).evaluation).toEqual({ slotStartsAt: booking!.startsAt, slotEndsAt: booking!.endsAt, finishedAt: report!.signedAt });
    expect(report!.signedAt).not.toBeNull();

    let l = await sectionLightNow(app.db, id);
    expect(l.light).toBe("green");
    expect(l.reasons).toEqual([]);
    expect(l.next).not.toBeNull();
    expectChangeAt(l.instances, l.now, l.next!);
    expect(sectionLight(l.instances, l.next!).light).not.toBe("green");
    // The publicity period (R51) is running: the light changes no later than its yellow point.
    const pStart = r.publicityStartedAt!.getTime();
    expect(l.next!.getTime()).toBeLessThanOrEqual(pStart + Math.ceil((80 * (r.publicityEndsAt!.getTime() - pStart)) / 100));

    // TEST FIXTURE: the publicity's start limit moved to before the start it recorded: started late → red.
    await app.db.update(sectionResults).set({ publicityDueAt: new Date(pStart - 1) }).where(eq(sectionResults.sectionId, id));
    l = await sectionLightNow(app.db, id);
    expect(l.light).toBe("red");
    expect(l.reasons).toEqual(["publicityStart"]);
    expect(l.instances.find((i) => i.limitId === "publicityStart")).toMatchObject({ light: "red", breach: "late" });
    // TEST FIXTURE: restored, so the section goes on as before.
    await app.db.update(sectionResults).set({ publicityDueAt: r.publicityDueAt }).where(eq(sectionResults.sectionId, id));
    expect((await sectionLightNow(app.db, id)).light).toBe("green");

    // Decision, notices (R56): the contract limit from the results row.
    await fireResultsTimer(app, id, "publicity_end", "publicityEndsAt");
    r = await resultRow(app, id);
    await decideWinner(app, t.tu, id, { bidId: r.candidates.find((c) => c.rank === 1)!.bidId });
    await issueNotices(app, t.tu, id, { contractPlace: "招标人办公室" });
    r = await resultRow(app, id);
    expect(r.stage).toBe("notified");
    facts = await sectionFacts(app.db, id);
    expect(facts.results).toMatchObject({ publicityEndsAt: r.publicityEndsAt, publicityEndedAt: r.publicityEndedAt, decidedAt: r.decidedAt, decisionMode: r.decisionMode, notifiedAt: r.notifiedAt, contractDueAt: r.contractDueAt });
    expect(facts.results!.contractDueAt).not.toBeNull();
    l = await sectionLightNow(app.db, id);
    expect(l.light).toBe("green");
    expect(l.instances.find((i) => i.limitId === "contract")).toMatchObject({ startedAt: r.notifiedAt, dueAt: r.contractDueAt, doneAt: null, light: "green" });
    expectChangeAt(l.instances, l.now, l.next!);

    // TEST FIXTURE: the contract limit (R56) moved into the past → red, the contract the reason, overdue.
    const now = await dbNow(app.db);
    await app.db.update(sectionResults).set({ contractDueAt: new Date(now.getTime() - 1000) }).where(eq(sectionResults.sectionId, id));
    l = await sectionLightNow(app.db, id);
    expect(l.light).toBe("red");
    expect(l.reasons).toEqual(["contract"]);
    expect(l.instances.find((i) => i.limitId === "contract")).toMatchObject({ light: "red", breach: "overdue" });
    // TEST FIXTURE: restored.
    await app.db.update(sectionResults).set({ contractDueAt: r.contractDueAt }).where(eq(sectionResults.sectionId, id));

    // The contract (R56) and the bond refunds (R15, ZTB: from the contract for every bidder).
    const pdf = await app.blobs.put(demoPdf(["施工合同"]));
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await recordContract(app, t.tu, id, { pdf, filename: "施工合同.pdf", amountFen: r.candidates.find((c) => c.rank === 1)!.priceFen, signedOn: today });
    const [c] = await app.db.select().from(contracts).where(eq(contracts.sectionId, id));
    const refundRows = await app.db.select().from(bondRefunds).where(eq(bondRefunds.sectionId, id));
    expect(refundRows.length).toBeGreaterThan(0);
    facts = await sectionFacts(app.db, id);
    expect(facts.contract).toEqual({ signedOn: c!.signedOn, recordedAt: c!.recordedAt, publishDueAt: c!.publishDueAt, publishedAt: c!.publishedAt });
    expect([...facts.refunds].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      refundRows.map((b) => ({ id: b.id, startedAt: c!.recordedAt, dueAt: b.dueAt, refundedAt: b.refundedAt })).sort((a, b) => a.id.localeCompare(b.id)),
    );
    l = await sectionLightNow(app.db, id);
    expect(l.light).toBe("green");
    expect(l.instances.find((i) => i.limitId === "contract")).toMatchObject({ doneAt: cstDateTime(today, 0), light: "green" });
    expectChangeAt(l.instances, l.now, l.next!);

    // TEST FIXTURE: one refund's limit (R15) moved into the past → red, bondRefund the reason.
    await app.db
      .update(bondRefunds)
      .set({ dueAt: new Date(c!.recordedAt.getTime() + 1) })
      .where(eq(bondRefunds.id, refundRows[0]!.id));
    l = await sectionLightNow(app.db, id);
    expect(l.light).toBe("red");
    expect(l.reasons).toEqual(["bondRefund"]);
    expect(l.instances.filter((i) => i.light === "red").map((i) => i.subjectId)).toEqual([refundRows[0]!.id]);

    // Batched: the same facts for many sections in one read; an unknown id is simply absent.
    const other = await tenderWithBids(app, 1, "bidder");
    const unknown = "00000000-0000-4000-8000-000000000000";
    const batch = await sectionsFacts(app.db, [id, other.sectionId, unknown, id]);
    expect([...batch.keys()].sort()).toEqual([id, other.sectionId].sort());
    expect(batch.get(id)).toEqual(await sectionFacts(app.db, id));
    expect(batch.get(other.sectionId)).toEqual(await sectionFacts(app.db, other.sectionId));
    await expect(sectionFacts(app.db, unknown)).rejects.toMatchObject({ code: "NOT_FOUND" });

    // TEST FIXTURE: the opening marked failed (R25/R27) → the section left the procedure at the phase change.
    const failedAt = new Date((await dbNow(app.db)).getTime() - 60_000);
    await app.db.update(openings).set({ phase: "failed", phaseChangedAt: failedAt }).where(eq(openings.sectionId, id));
    expect((await sectionFacts(app.db, id)).endedAt).toEqual(failedAt);
    expect((await sectionFacts(app.db, other.sectionId)).endedAt).toBeNull();
  });
});
