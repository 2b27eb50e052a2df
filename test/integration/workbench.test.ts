// The workbench (工作台, issue 14 point 5; app/services/workbench/): each role's reader lists what waits for it and by
// when, scoped to its own organisation — the tendering side's pending objection (R11) with its due date and its
// sections' supervision light ("—" without a row), the contract due (R56) after the notices; a bidder's sealed bid with
// its version and receipt, the opening to attend, its documents and its notices (R54); an expert's invitation with
// its confirmation deadline (R37) and the report waiting for its position (R50); the admin's failed job, expiring
// certificate, room bookings per day and pool health. A user with several roles sees a part per role.
import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { certificates, drawPicks, experts, jobs, memberships, objections, projects, roomBookings, rooms, sectionResults, supervisionLights, tenderDocuments } from "#db/schema/index";
import { WorkbenchQuerySchema } from "#app/domain/workbench";
import { actorForUser } from "#app/services/accounts/auth.server";
import { generateReport } from "#app/services/evaluation/report.server";
import { dbNow } from "#app/services/platform/command.server";
import { drawWithSalt, requestDraw } from "#app/services/pool/draws.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, askQuestion, createProject, fileObjection, obtainDocument, publishProject } from "#app/services/tendering/tenders.server";
import { adminWorkbench } from "#app/services/workbench/admin.server";
import { bidderWorkbench } from "#app/services/workbench/bidder.server";
import { expertWorkbench } from "#app/services/workbench/expert.server";
import { tenderingWorkbench } from "#app/services/workbench/tendering.server";
import { workbench } from "#app/services/workbench/workbench.server";
import { demoPdf } from "../../server/demo-pdf";
import { submit } from "../helpers/bids";
import { forEachDriver } from "../helpers/db";
import { failure } from "../helpers/errors";
import { insertExperts, makeActor, projectForm } from "../helpers/factories";
import { form } from "../helpers/opening";
import { enrollFor } from "../helpers/pki";
import { atSigning, sectionThroughResults } from "../helpers/report";

const q = (o: Record<string, string> = {}) => WorkbenchQuerySchema.parse(o);

forEachDriver("workbench", (env) => {
  it("the tendering side sees a pending objection with its due date (R11), the question, its sections by stage with the light or —", async () => {
    const { app } = env();
    const tu = await makeActor(app, "tendering_unit");
    const agency = await makeActor(app, "agency");
    const other = await makeActor(app, "tendering_unit");
    const bidder = await makeActor(app, "bidder");
    const projectId = await createProject(app, tu, await projectForm(app, { agencyId: agency.orgId, sections: [
      { code: "01", title: "施工", ceilingPriceYuan: "9900000", bondYuan: "100000", method: "lowest_evaluated_price" },
      { code: "02", title: "监理", ceilingPriceYuan: "900000", bondYuan: "10000", method: "lowest_evaluated_price" },
    ] }));
    await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["workbench"]))) });
    await publishProject(app, tu, projectId);
    const [s1, s2] = (await getManagedProject(app.db, tu, projectId)).sections;
    const [doc] = await app.db.select({ id: tenderDocuments.id }).from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId));
    await obtainDocument(app, bidder, projectId, doc!.id);
    await askQuestion(app, bidder, projectId, "工期能否调整？");
    const objectionId = await fileObjection(app, bidder, projectId, "资格条件排斥潜在投标人。");
    const [o] = await app.db.select().from(objections).where(eq(objections.id, objectionId));
    const now = await dbNow(app.db);

    // The projector has a row for section 01 only: 02 shows no light.
    await app.db.insert(supervisionLights).values({ sectionId: s1!.id, projectId, regime: "ZTB", category: "construction", region: "黑龙江省大庆市", stage: "tendering", light: "red", reasons: ["objection_answer"], lightSince: now, updatedAt: now });

    for (const side of [tu, agency]) {
      const w = await tenderingWorkbench(app.db, side, now);
      const objection = w.pending.find((p) => p.kind === "objection")!;
      expect(objection).toMatchObject({ rule: "R11", dueAt: o!.answerDueAt.toISOString(), projectId, href: `/manage/${projectId}`, who: expect.any(String) });
      expect(["today", "soon", "later"]).toContain(objection.urgency);
      expect(w.pending.find((p) => p.kind === "question")).toMatchObject({ rule: "R10", dueAt: null, urgency: "none" });
      // Limits first, the question (no limit) last.
      expect(w.pending.map((p) => p.kind)).toEqual(["objection", "question"]);
      expect(w.pendingKinds).toEqual(expect.arrayContaining([{ kind: "objection", count: 1 }, { kind: "question", count: 1 }]));
      const rows = new Map(w.sections.map((s) => [s.sectionId, s]));
      expect(rows.get(s1!.id)).toMatchObject({ stage: "tendering", light: "red", reasons: ["objection_answer"] });
      // No supervision_lights row: no light (the page shows "—"), the stage from the section itself (suspended by R11: still tendering).
      expect(rows.get(s2!.id)).toMatchObject({ stage: "tendering", light: null });
      expect(w.stages).toEqual([{ stage: "tendering", count: 2 }]);
    }
    // Another tendering unit sees nothing of it; a bidder has no tendering part.
    const theirs = await tenderingWorkbench(app.db, other, now);
    expect(theirs.pending).toEqual([]);
    expect(theirs.sections).toEqual([]);
    expect((await failure(tenderingWorkbench(app.db, bidder, now)))?.code).toBe("FORBIDDEN");

    // Through the page's service: the kind filter narrows its list; a bad stage is ignored; the bidder sees its download.
    const page = await workbench(app.db, tu, q({ list: "tendering-pending", kind: "objection", stage: "nope" }));
    expect(page.parts).toEqual(["tendering"]);
    expect(page.tendering!.pending.rows.map((p) => p.kind)).toEqual(["objection"]);
    expect(page.tendering!.sections.total).toBe(2);
    const mine = await bidderWorkbench(app.db, bidder, now);
    expect(mine.downloads).toEqual([expect.objectContaining({ projectId, lastVersion: 1, newer: false })]);
  });

  it("a bidder sees its sealed bid with its version and receipt, and the opening to attend with its deadline", async () => {
    const { app } = env();
    const tu = await makeActor(app, "tendering_unit");
    const projectId = await createProject(app, tu, await projectForm(app));
    await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["bids"]))) });
    await publishProject(app, tu, projectId);
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    const a = await makeActor(app, "bidder");
    const b = await makeActor(app, "bidder");
    const certA = await enrollFor(app, a);
    await submit(app, a, certA, sectionId, null, [form("9800000"), new TextEncoder().encode("技术标")]);
    const v2 = await submit(app, a, certA, sectionId, null, [form("9700000"), new TextEncoder().encode("技术标 2")]);
    const now = await dbNow(app.db);
    const [p] = await app.db.select().from(projects).where(eq(projects.id, projectId));

    const w = await bidderWorkbench(app.db, a, now);
    expect(w.bids).toEqual([expect.objectContaining({ state: "sealed", latest: expect.objectContaining({ id: v2.bidId, version: 2, status: "submitted", receiptHref: `/bids/${v2.bidId}/receipt` }) })]);
    expect(w.openings).toEqual([expect.objectContaining({ when: "upcoming", deadline: p!.bidDeadline.toISOString(), hallHref: `/tenders/${projectId}/sections/${sectionId}/opening` })]);
    // Another bidder sees nothing of it (ADR 010); the tendering unit has no bidder part.
    expect((await bidderWorkbench(app.db, b, now)).bids).toEqual([]);
    expect((await failure(bidderWorkbench(app.db, tu, now)))?.code).toBe("FORBIDDEN");
  });

  it("after the notices the tendering unit sees the contract due (R56); each bidder its own notice (R54/EV25)", async () => {
    const { app } = env();
    const { t } = await sectionThroughResults(app, "notified");
    const [r] = await app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, t.sectionId));
    const now = await dbNow(app.db);
    const w = await tenderingWorkbench(app.db, t.tu, now);
    expect(w.pending.filter((p) => p.kind === "contract")).toEqual([expect.objectContaining({ rule: "R56", dueAt: r!.contractDueAt!.toISOString(), href: `/manage/${t.projectId}/results` })]);
    expect(w.sections.find((s) => s.sectionId === t.sectionId)).toMatchObject({ stage: "contract", light: null });
    for (const b of t.bidders) {
      const notices = (await bidderWorkbench(app.db, b.actor, now)).notices;
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ kind: b.actor.orgId === r!.winnerOrgId ? "award_notice" : "result_notice", href: expect.stringMatching(/^\/results\/documents\//) });
    }
  });

  it("an expert sees its invitation with the confirmation deadline (R37), and a report waiting for its position (R50)", async () => {
    const { app } = env();
    const tu = await makeActor(app, "tendering_unit");
    const supervisor = await makeActor(app, "supervisor");
    const expertUser = await makeActor(app, "expert");
    const projectId = await createProject(app, tu, await projectForm(app));
    await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["draw"]))) });
    await publishProject(app, tu, projectId);
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    await insertExperts(app, Array.from({ length: 6 }, (_, i) => ({ code: `WB-E${i}`, specialties: ["A0101"] })));
    const now = await dbNow(app.db);
    const drawId = await requestDraw(app, tu, { sectionId, lines: [{ specialty: "A01", count: 3, backups: 1 }], regionMode: "local", evaluationAt: new Date(now.getTime() + 30 * 86400_000), avoid: [] });
    await drawWithSalt(app, supervisor, drawId, "监督员盐值");
    const [pick] = await app.db.select().from(drawPicks).where(and(eq(drawPicks.drawId, drawId), eq(drawPicks.status, "invited")));
    await app.db.update(experts).set({ userId: expertUser.user!.id }).where(eq(experts.id, pick!.expertId));
    const [timeout] = await app.db.select().from(jobs).where(eq(jobs.dedupeKey, `draw-timeout:${pick!.id}`));

    const w = await expertWorkbench(app.db, expertUser, now);
    expect(w.invitations).toEqual([expect.objectContaining({ pickId: pick!.id, status: "invited", confirmBy: timeout!.dueAt.toISOString(), href: "/invitations" })]);
    expect(w.invitations[0]!.urgency).not.toBe("none");
    expect(w.reports).toEqual([]);
    expect((await failure(expertWorkbench(app.db, tu, now)))?.code).toBe("FORBIDDEN");

    // A committee member with a report generated and no position yet: it waits for the member (R50); its evaluation is booked.
    const { t, members } = await atSigning(app, 3);
    await generateReport(app, t.sectionId);
    const m = await expertWorkbench(app.db, members[0]!.actor, await dbNow(app.db));
    expect(m.reports).toEqual([expect.objectContaining({ sectionId: t.sectionId, step: "position", href: `/evaluations/${t.sectionId}` })]);
    expect(m.evaluations.map((e) => e.sectionId)).toContain(t.sectionId);
  });

  it("the admin sees a failed job, an expiring certificate, room bookings per day and the pool's health", async () => {
    const { app } = env();
    const admin = await makeActor(app, "admin");
    const bidder = await makeActor(app, "bidder");
    const now = await dbNow(app.db);
    const [job] = await app.db.insert(jobs).values({ kind: "results.timer", payload: { sectionId: "x" }, dueAt: now, state: "failed", attempts: 5, lastError: "boom: " + "x".repeat(1000) }).returning({ id: jobs.id });
    await app.db.insert(jobs).values({ kind: "results.timer", payload: {}, dueAt: now, state: "pending" });
    const cert = await enrollFor(app, bidder);
    await app.db.update(certificates).set({ notAfter: new Date(now.getTime() + 10 * 86400_000) }).where(eq(certificates.id, cert.certificateId));
    await insertExperts(app, [
      { code: "WB-A1", specialties: ["B0101"] },
      { code: "WB-A2", specialties: ["B0101", "B0102"] },
      { code: "WB-S1", specialties: ["B0101"], status: "suspended" },
    ]);
    const [room] = await app.db.insert(rooms).values({ code: `WB-${env().driver}`, name: "第9评标室", kind: "review", capacity: 9 }).returning({ id: rooms.id });
    const start = new Date(now.getTime() + 2 * 86400_000);
    await app.db.insert(roomBookings).values({ roomId: room!.id, purpose: "other", startsAt: start, endsAt: new Date(start.getTime() + 3600_000), bookedBy: admin.user!.id });
    await app.db.insert(roomBookings).values({ roomId: room!.id, purpose: "other", startsAt: new Date(now.getTime() + 20 * 86400_000), endsAt: new Date(now.getTime() + 20 * 86400_000 + 3600_000), bookedBy: admin.user!.id });

    const w = await adminWorkbench(app.db, admin, now);
    const failed = w.jobs.find((j) => j.id === job!.id)!;
    expect(failed).toMatchObject({ kind: "results.timer", attempts: 5 });
    expect(failed.lastError.length).toBeLessThanOrEqual(300);
    expect(w.jobs.every((j) => j.key !== undefined)).toBe(true);
    expect(w.certificates.map((c) => c.id)).toContain(cert.certificateId);
    expect(w.rooms).toHaveLength(14);
    const day = w.rooms.find((d) => d.day === new Date(start.getTime() + 8 * 3600_000).toISOString().slice(0, 10))!;
    expect(day.count).toBeGreaterThanOrEqual(1);
    // The booking 20 days ahead is outside the window.
    expect(w.bookings.every((b) => new Date(b.startsAt).getTime() < now.getTime() + 15 * 86400_000)).toBe(true);
    expect(w.pool.byStatus.find((s) => s.status === "suspended")!.count).toBeGreaterThanOrEqual(1);
    const b01 = w.pool.bySpecialty.find((s) => s.code === "B01")!;
    expect(b01.count).toBeGreaterThanOrEqual(2); // WB-A2 counted once for B01 though it holds two of its specialties
    expect((await failure(adminWorkbench(app.db, bidder, now)))?.code).toBe("FORBIDDEN");

    // The page's day filter lists that day's bookings; a day outside the window is ignored.
    const page = await workbench(app.db, admin, q({ list: "admin-rooms", day: day.day }));
    expect(page.admin!.day).toBe(day.day);
    expect(page.admin!.bookings.rows.every((b) => b.day === day.day)).toBe(true);
    expect((await workbench(app.db, admin, q({ day: "2001-01-01" }))).admin!.day).toBeNull();
  });

  it("a user with several roles sees a part per role; role= shows one; a supervisor gets none", async () => {
    const { app } = env();
    const bidder = await makeActor(app, "bidder");
    await app.db.insert(memberships).values({ userId: bidder.user!.id, orgId: bidder.orgId!, role: "expert" });
    const both = await actorForUser(app.db, bidder.user!.id, null, null);
    expect((await workbench(app.db, both, q())).parts).toEqual(["bidder", "expert"]);
    const one = await workbench(app.db, both, q({ role: "expert" }));
    expect(one.parts).toEqual(["expert"]);
    expect(one.bidder).toBeNull();
    // A part the user does not hold is never shown.
    expect((await workbench(app.db, both, q({ role: "admin" }))).parts).toEqual(["bidder", "expert"]);
    const sup = await workbench(app.db, await makeActor(app, "supervisor"), q());
    expect(sup).toMatchObject({ parts: [], supervisor: true, tendering: null, bidder: null, expert: null, admin: null });
  });
});
