import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { toBase64 } from "#crypto/seal/format";
import { expect, it } from "vitest";
import { committeeMembers, drawPicks, drawPools, draws, evaluations, expertEmployment, expertRelationships, experts, jobs, notifications, organisations, recordEntries, type Job } from "#db/schema/index";
import { createUser } from "#app/services/accounts/accounts.server";
import { addRepresentative, committeePanel, committeeViolations, recuseMember, removeRepresentative, syncCommittee } from "#app/services/evaluation/committee.server";
import { startEvaluation } from "#app/services/evaluation/lifecycle.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { closeOpening, releaseBidKey } from "#app/services/opening/opening.server";
import { systemActor } from "#app/services/platform/actor";
import { dbNow } from "#app/services/platform/command.server";
import type { AppContext } from "#app/services/platform/context.server";
import { ALREADY_DRAWN_REASON, drawWithSalt, myInvitations, requestDraw, rescreenDraws, respondToInvitation } from "#app/services/pool/draws.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { forEachDriver } from "../helpers/db";
import { failure, ruleOf } from "../helpers/errors";
import { insertExperts, makeActor, projectForm, setBidDeadline } from "../helpers/factories";
import { checkInAs, tenderWithBids } from "../helpers/opening";

const job = {} as Job;
const codes = (vs: { code: string }[]) => vs.map((v) => v.code).sort();

/** `size` expert members seated directly on a section (accounts and pool entries; no draw — the draw has its own test). */
async function expertSeats(app: AppContext, sectionId: string, size: number, from = 1) {
  const out: string[] = [];
  for (let i = from; i < from + size; i++) {
    const a = await makeActor(app, "expert");
    const [e] = await app.db.insert(experts).values({ code: `CM-${sectionId.slice(0, 8)}-${i}`, name: `专家${i}`, yearsExperience: 12, region: "黑龙江省大庆市", userId: a.user!.id }).returning({ id: experts.id });
    const [m] = await app.db.insert(committeeMembers).values({ sectionId, kind: "expert", expertId: e!.id, userId: a.user!.id, seat: i }).returning({ id: committeeMembers.id });
    out.push(m!.id);
  }
  return out;
}

async function publishedSection(app: AppContext, over: Record<string, unknown> = {}) {
  const tu = await makeActor(app, "tendering_unit");
  const agency = await makeActor(app, "agency");
  const projectId = await createProject(app, tu, await projectForm(app, { agencyId: agency.orgId, ...over }));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["committee"]))) });
  await publishProject(app, tu, projectId);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  return { tu, agency, projectId, sectionId };
}

forEachDriver("evaluation committee (R32, R37, R39/R40)", (env) => {
  it("R32 composition per regime: ZTB ≥ 5, odd, experts ≥ 2/3 with the tendering unit's representative; ZFCG ≥ 7 from ¥10M, the representative never chairs", async () => {
    const { app } = env();
    const { tu, agency, projectId, sectionId } = await publishedSection(app);
    const bidder = await makeActor(app, "bidder");
    await expertSeats(app, sectionId, 4);
    expect(codes(await committeeViolations(app.db, sectionId))).toEqual(["RULE_R32_EVEN_MEMBERS", "RULE_R32_TOO_FEW_MEMBERS"]);

    // The tendering unit names one of its own staff (R32, R40: own-unit staff sit only as its representative).
    expect((await failure(addRepresentative(app, tu, sectionId, agency.user!.id)))?.params).toEqual({ field: "userId" });
    expect((await failure(addRepresentative(app, bidder, sectionId, bidder.user!.id)))?.code).toBe("FORBIDDEN");
    expect((await failure(addRepresentative(app, agency, sectionId, "nope")))?.params).toEqual({ field: "userId" });
    const seat = await addRepresentative(app, agency, sectionId, tu.user!.id); // the agency acts for the tendering unit
    expect(seat).toBe(5);
    expect((await failure(addRepresentative(app, tu, sectionId, tu.user!.id)))?.code).toBe("CONFLICT");
    expect(await committeeViolations(app.db, sectionId)).toEqual([]); // 4 experts + 1 representative: 5, odd, 4/5 ≥ 2/3
    const staff = [];
    for (let i = 0; i < 3; i++) staff.push(await createUser(app, systemActor(), { username: `rep-${i}-${sectionId.slice(0, 8)}-${env().driver}`, displayName: `代表${i}`, password: "correct horse battery", orgId: tu.orgId!, role: "tendering_unit" }));
    await addRepresentative(app, tu, sectionId, staff[0]!);
    expect(codes(await committeeViolations(app.db, sectionId))).toEqual(["RULE_R32_EVEN_MEMBERS"]); // 4/6 = 2/3 exactly: allowed
    await addRepresentative(app, tu, sectionId, staff[1]!);
    expect(codes(await committeeViolations(app.db, sectionId))).toEqual(["RULE_R32_EXPERT_SHARE"]); // 4 of 7 < 2/3
    // At most three representatives (profile `committeeRepresentative.max`).
    expect(ruleOf(await failure(addRepresentative(app, tu, sectionId, staff[2]!)))).toEqual(["RULE_R32_REPRESENTATIVE_NOT_ALLOWED"]);
    const panel = await committeePanel(app.db, tu, sectionId);
    expect(panel).toMatchObject({ regime: "ZTB", min: 5, experts: 4, canEdit: true });
    expect(panel.reps.map((r) => r.seat)).toEqual([5, 6, 7]);
    expect(panel.candidates.map((c) => c.id)).toEqual([staff[2]]);
    expect((await failure(committeePanel(app.db, bidder, sectionId)))?.code).toBe("NOT_FOUND");
    for (const r of panel.reps.slice(1)) await removeRepresentative(app, tu, sectionId, r.id);
    expect(await committeeViolations(app.db, sectionId)).toEqual([]);
    const recorded = await app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.subjectId, sectionId)).orderBy(asc(recordEntries.seq));
    expect(recorded.filter((r) => r.action.startsWith("evaluation.representative_")).map((r) => r.action)).toEqual([
      "evaluation.representative_added",
      "evaluation.representative_added",
      "evaluation.representative_added",
      "evaluation.representative_removed",
      "evaluation.representative_removed",
    ]);

    // ZFCG (87号令47): ≥ 7 from a ¥10M budget (以上 includes it); below it 5 will do. Test-only: the same tender under ZFCG.
    await app.db.execute(sql`update projects set regime = 'ZFCG', profile_code = 'ZFCG', estimate_fen = 1000000000 where id = ${projectId}::uuid`);
    expect(codes(await committeeViolations(app.db, sectionId))).toEqual(["RULE_R32_TOO_FEW_MEMBERS"]);
    expect((await committeePanel(app.db, tu, sectionId)).min).toBe(7);
    await app.db.execute(sql`update projects set estimate_fen = 999999999 where id = ${projectId}::uuid`);
    expect(await committeeViolations(app.db, sectionId)).toEqual([]);
    // The purchaser's representative may sit but not chair (87号令45, EV3).
    const [rep] = await app.db.select().from(committeeMembers).where(and(eq(committeeMembers.sectionId, sectionId), eq(committeeMembers.kind, "representative"), isNull(committeeMembers.voidedAt)));
    await app.db.insert(evaluations).values({ sectionId, stage: "waiting", stageChangedAt: new Date(), startsAt: new Date(Date.now() + 3600_000), config: {}, leaderMemberId: rep!.id });
    expect(codes(await committeeViolations(app.db, sectionId))).toEqual(["RULE_R32_REPRESENTATIVE_CHAIR"]);
    // Once the room is open the representative can no longer be changed.
    await app.db.update(evaluations).set({ stage: "entry", leaderMemberId: null }).where(eq(evaluations.sectionId, sectionId));
    expect((await failure(addRepresentative(app, tu, sectionId, staff[2]!)))?.code).toBe("INVALID_STATE");
    expect((await failure(removeRepresentative(app, tu, sectionId, rep!.id)))?.code).toBe("INVALID_STATE");
  });

  it("R37, R39/R40: a draw made before the deadline is re-screened against the bidders at the opening; conflicted experts are replaced from the backups, the reason on record", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder");
    // The draw happens before the bid deadline (who bids is still confidential: no bidder is a conflict party yet).
    const now = await dbNow(app.db);
    await setBidDeadline(app, t.projectId, new Date(now.getTime() + 3600_000));
    const users = await Promise.all(Array.from({ length: 8 }, () => makeActor(app, "expert")));
    const prefix = `RS-${env().driver}-${t.sectionId.slice(0, 6)}`;
    await insertExperts(app, users.map((u, i) => ({ code: `${prefix}-${i}`, specialties: ["A0101"], userId: u.user!.id })));
    const drawId = await requestDraw(app, t.tu, { sectionId: t.sectionId, lines: [{ specialty: "A01", count: 5, backups: 3 }], regionMode: "any", evaluationAt: new Date(now.getTime() + 2 * 3600_000), avoid: [] });
    expect((await drawWithSalt(app, t.supervisor, drawId, "监督盐值-复核")).picks).toBe(8);
    expect(await rescreenDraws(app, t.sectionId)).toBeNull(); // before the deadline: no bidders known, nothing to re-screen

    const picks = await app.db
      .select({ id: drawPicks.id, expertId: drawPicks.expertId, role: drawPicks.role, order: drawPicks.order, status: drawPicks.status, userId: experts.userId })
      .from(drawPicks)
      .innerJoin(experts, eq(experts.id, drawPicks.expertId))
      .where(eq(drawPicks.drawId, drawId))
      .orderBy(asc(drawPicks.role), asc(drawPicks.order));
    const members = picks.filter((p) => p.role === "member");
    const backups = picks.filter((p) => p.role === "backup");
    expect([members.length, backups.length]).toEqual([5, 3]);
    // What the pool knew all along: one member works for bidder 1 (R40.1), the first backup is related to bidder 2 (R40.4).
    const codeOf = async (orgId: string) => (await app.db.select().from(organisations).where(eq(organisations.id, orgId)))[0]!.creditCode!;
    const conflicted = members[2]!;
    await app.db.insert(expertEmployment).values({ expertId: conflicted.expertId, orgName: "投标单位1", orgCode: await codeOf(t.bidders[0]!.actor.orgId!), fromDate: "2022-03-01" });
    await app.db.insert(expertRelationships).values({ expertId: backups[0]!.expertId, kind: "relative", orgName: "投标单位2", orgCode: await codeOf(t.bidders[1]!.actor.orgId!), fromDate: "2019-01-01" });

    // The deadline passes: the opening's job opens the hall and re-screens the draw (bidderOrgIds are no longer empty).
    await setBidDeadline(app, t.projectId, new Date(Date.now() - 1000));
    await jobHandlers([])["opening.open"]!(app, { sectionId: t.sectionId }, job);
    const [entry] = await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, t.sectionId), eq(recordEntries.action, "draw.rescreen")));
    const payload = entry!.payload as { rule: string; bidders: number; replaced: { pickId: string; rule: string; code: string; role: string; promotedPickId: string | null; shortfall: boolean }[] };
    expect(payload).toMatchObject({ rule: "R37", bidders: 3 });
    expect(payload.replaced.map((r) => [r.pickId, r.role, r.rule, r.code])).toEqual([
      [backups[0]!.id, "backup", "R40", "EXCLUDED_RELATIONSHIP"],
      [conflicted.id, "member", "R40", "EXCLUDED_EMPLOYMENT"],
    ]);
    // The conflicted backup left the standby list first, so the next backup in order took the member's place.
    expect(payload.replaced[1]!.promotedPickId).toBe(backups[1]!.id);
    expect(JSON.stringify(payload)).not.toContain(prefix); // R36: codes and hashes only, no names or expert codes
    const after = new Map((await app.db.select().from(drawPicks).where(eq(drawPicks.drawId, drawId))).map((p) => [p.id, p]));
    expect(after.get(conflicted.id)).toMatchObject({ status: "replaced", reason: "R40 EXCLUDED_EMPLOYMENT" });
    expect(after.get(backups[0]!.id)).toMatchObject({ status: "replaced", reason: "R40 EXCLUDED_RELATIONSHIP" });
    expect(after.get(backups[1]!.id)!.status).toBe("invited");
    expect(after.get(backups[2]!.id)!.status).toBe("standby");
    const [d] = await app.db.select().from(draws).where(eq(draws.id, drawId));
    expect(d!.exclusions!.filter((x) => (x.params as { stage?: string }).stage === "rescreen").map((x) => x.code).sort()).toEqual(["EXCLUDED_EMPLOYMENT", "EXCLUDED_RELATIONSHIP"]);
    // The withdrawn expert is told it is no longer needed, not why (R36); the promoted backup gets the invitation.
    const told = await app.db.select().from(notifications).where(eq(notifications.userId, conflicted.userId!));
    expect(told.map((n) => n.kind).sort()).toEqual(["drawInvitation", "drawWithdrawn"]);
    expect((await myInvitations(app.db, users.find((u) => u.user!.id === conflicted.userId)!)).map((i) => i.status)).toEqual(["replaced"]);
    const promotedUser = users.find((u) => u.user!.id === backups[1]!.userId)!;
    expect((await myInvitations(app.db, promotedUser)).map((i) => i.status)).toEqual(["invited"]);
    expect(await rescreenDraws(app, t.sectionId)).toBeNull(); // idempotent

    // The opening closes; the evaluation is prepared from the re-screened draw (the prepare job re-screens again: nothing).
    for (const b of t.bidders) await checkInAs(app, b, t.sectionId);
    for (const b of t.bidders) await releaseBidKey(app, b.actor, t.sectionId, toBase64(b.rawKey));
    await closeOpening(app, t.tu, t.sectionId);
    await jobHandlers([])["evaluation.prepare"]!(app, { sectionId: t.sectionId }, job);
    const seated = await app.db.select().from(committeeMembers).where(and(eq(committeeMembers.sectionId, t.sectionId), isNull(committeeMembers.voidedAt))).orderBy(asc(committeeMembers.seat));
    expect(seated).toHaveLength(5);
    expect(seated.map((m) => m.userId)).not.toContain(conflicted.userId);
    expect(seated.map((m) => m.userId)).toContain(backups[1]!.userId);
    expect(await committeeViolations(app.db, t.sectionId)).toEqual([]);

    // In the room a member declares a conflict (R37, EV15): its seat is void, the last backup is invited and seated at once.
    await app.db.update(evaluations).set({ startsAt: new Date(Date.now() - 1000) }).where(eq(evaluations.sectionId, t.sectionId));
    await startEvaluation(app, t.sectionId);
    const leaving = seated[0]!;
    const leavingActor = users.find((u) => u.user!.id === leaving.userId)!;
    const change = await recuseMember(app, leavingActor, t.sectionId, "与投标人法定代表人系大学同学");
    expect(change).toMatchObject({ seat: leaving.seat, kind: "expert", replacement: { rule: "R37", code: "RECUSAL_DECLARED", promotedPickId: backups[2]!.id, shortfall: false }, seated: { seats: 1 } });
    const [gone] = await app.db.select().from(committeeMembers).where(eq(committeeMembers.id, leaving.id));
    expect(gone).toMatchObject({ status: "recused", recusalReason: "与投标人法定代表人系大学同学" });
    expect(gone!.voidedAt).not.toBeNull();
    const [rec] = await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, t.sectionId), eq(recordEntries.action, "evaluation.recused")));
    expect(rec!.payload).toMatchObject({ rule: "R37", seat: leaving.seat, reason: "与投标人法定代表人系大学同学" });
    const live = await app.db.select().from(committeeMembers).where(and(eq(committeeMembers.sectionId, t.sectionId), isNull(committeeMembers.voidedAt)));
    expect(live).toHaveLength(5);
    expect(live.find((m) => m.userId === backups[2]!.userId)).toMatchObject({ seat: 6, status: "expected" });
    expect((await failure(recuseMember(app, leavingActor, t.sectionId, "again")))?.code).toBe("NOT_FOUND");

    // A member who declines with no backup left: the line is short (R37: a supplementary draw), the seat follows by the sync job.
    const decliner = seated[1]!;
    await respondToInvitation(app, users.find((u) => u.user!.id === decliner.userId)!, decliner.drawPickId!, false, "身体原因");
    const [sync] = await app.db.select().from(jobs).where(eq(jobs.kind, "evaluation.committee_sync"));
    expect(sync!.payload).toEqual({ sectionId: t.sectionId });
    expect(await syncCommittee(app, t.sectionId)).toEqual({ voided: [decliner.seat], seated: 0 });
    expect(await syncCommittee(app, t.sectionId)).toBeNull();
    expect(codes(await committeeViolations(app.db, t.sectionId))).toEqual(["RULE_R32_EVEN_MEMBERS", "RULE_R32_TOO_FEW_MEMBERS"]);
    const short = await app.db.select().from(notifications).where(and(eq(notifications.userId, t.tu.user!.id), eq(notifications.kind, "drawShortfall")));
    expect(short).toHaveLength(1);

    // R37 "or a new draw": the tender side runs a supplementary draw; its member is seated by the sync job.
    const extra = await makeActor(app, "expert");
    await insertExperts(app, [{ code: `${prefix}-extra`, specialties: ["A0102"], userId: extra.user!.id }]);
    // The line (A01) also matches the eight experts of the first draw (A0101): R37, none of them may be drawn again.
    const supplement = await requestDraw(app, t.tu, { sectionId: t.sectionId, lines: [{ specialty: "A01", count: 1, backups: 0 }], regionMode: "any", evaluationAt: new Date(Date.now() + 3600_000), avoid: [] });
    expect((await drawWithSalt(app, t.supervisor, supplement, "监督盐值-补抽")).picks).toBe(1);
    // The request's exclusions are in the draw's committed pool row (ADR 030).
    const [suppRow] = await app.db.select({ exclusions: drawPools.exclusions }).from(drawPools).where(eq(drawPools.drawId, supplement));
    const again = (suppRow!.exclusions as { expertCode: string; code: string; params: { reason?: string } }[]).filter((x) => x.code === "EXCLUDED_MANUAL" && x.params.reason === ALREADY_DRAWN_REASON);
    expect(again.map((x) => x.expertCode).sort()).toEqual(users.slice(0, 8).map((_, i) => `${prefix}-${i}`).sort());
    expect(await syncCommittee(app, t.sectionId)).toEqual({ voided: [], seated: 1 });
    const filled = await app.db.select().from(committeeMembers).where(and(eq(committeeMembers.sectionId, t.sectionId), isNull(committeeMembers.voidedAt)));
    expect(filled.find((m) => m.userId === extra.user!.id)).toMatchObject({ seat: 7, status: "expected" });
    expect(await committeeViolations(app.db, t.sectionId)).toEqual([]);
  });
});
