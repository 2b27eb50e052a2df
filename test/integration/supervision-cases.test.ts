import { and, asc, count, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { alerts, caseNotes, cases, complaints, jobs, liveEvents, objections, organisations, recordEntries } from "#db/schema/index";
import { complaintAcceptDue, complaintDecisionDue } from "#app/domain/supervision/complaints";
import type { AppContext } from "#app/services/platform/context.server";
import { dbNow } from "#app/services/platform/command.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { runDueJobs } from "#app/services/platform/jobs.server";
import { addCaseNote, caseAttachment, caseDetail, listCases, openCase, setCaseStatus } from "#app/services/supervision/cases.server";
import { acceptComplaint, decideComplaint, fileComplaint, listComplaints, myComplaints, refuseComplaint, withdrawComplaint } from "#app/services/supervision/complaints.server";
import { sectionFacts, sectionLightNow } from "#app/services/supervision/facts.server";
import { loadCalendar } from "#app/services/tendering/calendar.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, answerObjection, createProject, fileObjection, publishProject } from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { forEachDriver } from "../helpers/db";
import { failure, ruleOf } from "../helpers/errors";
import { makeActor, projectForm } from "../helpers/factories";

/**
 * Supervision cases (R65) and complaints (R53) through the services on both databases: every change writes its record
 * entry and a live event on the `supervision` channel; a supervisor acts only within its jurisdiction (a region prefix);
 * a complaint follows the bidder's own answered (or overdue) objection, is accepted or refused with a reason within 3
 * working days, decided within 30; the overdue timer writes its record entry.
 */

async function supervisorIn(app: AppContext, jurisdiction: string) {
  const a = await makeActor(app, "supervisor");
  await app.db.update(organisations).set({ jurisdiction }).where(eq(organisations.id, a.orgId!));
  return a;
}

/** A published ZTB tender in 黑龙江省大庆市 (the factory's region) with two bidders. */
async function publishedTender(app: AppContext) {
  const tu = await makeActor(app, "tendering_unit");
  const projectId = await createProject(app, tu, await projectForm(app));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["supervision-cases"]))) });
  await publishProject(app, tu, projectId);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  const b1 = await makeActor(app, "bidder");
  const b2 = await makeActor(app, "bidder");
  const b3 = await makeActor(app, "bidder");
  return { tu, projectId, sectionId, b1, b2, b3 };
}

const entriesOf = (app: AppContext, subjectType: string, subjectId: string) =>
  app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectType, subjectType), eq(recordEntries.subjectId, subjectId))).orderBy(asc(recordEntries.seq));

const supervisionEvents = async (app: AppContext) => (await app.db.select({ type: liveEvents.type, data: liveEvents.data }).from(liveEvents).where(eq(liveEvents.channel, "supervision"))).map((e) => e.type);

forEachDriver("supervision cases and complaints (R53, R65)", (env) => {
  it("R65: a case opened from an alert (alert → in_case), noted with a PDF attachment, investigated and resolved; every step recorded; another jurisdiction is refused", async () => {
    const { app } = env();
    const t = await publishedTender(app);
    const daqing = await supervisorIn(app, "黑龙江省大庆市");
    const harbin = await supervisorIn(app, "黑龙江省哈尔滨市");
    // TEST FIXTURE: an alert as the detectors store it (alerts.server.ts).
    const [alert] = await app.db
      .insert(alerts)
      .values({ fingerprint: `it:${t.sectionId}`, kind: "single_bidder", rule: "R23", severity: "warning", sectionId: t.sectionId, projectId: t.projectId, detectedAt: await dbNow(app.db) })
      .returning();

    // Outside its jurisdiction a supervisor may not open a case (from the alert or the project) — nothing written.
    expect((await failure(openCase(app, harbin, { alertId: alert!.id, title: "单一投标人预警核查" })))?.code).toBe("FORBIDDEN");
    expect((await failure(openCase(app, harbin, { projectId: t.projectId, title: "越权立案" })))?.code).toBe("FORBIDDEN");
    expect((await app.db.select({ n: count() }).from(cases))[0]!.n).toBe(0);
    // Neither may a bidder or the tendering unit.
    expect((await failure(openCase(app, t.b1, { projectId: t.projectId, title: "投标人立案" })))?.code).toBe("FORBIDDEN");

    const opened = await openCase(app, daqing, { alertId: alert!.id, title: "单一投标人预警核查" });
    expect(opened.code).toMatch(/^AJ-\d{4}-0001$/);
    const [a] = await app.db.select().from(alerts).where(eq(alerts.id, alert!.id));
    expect(a).toMatchObject({ status: "in_case", caseId: opened.id });
    const [c] = await app.db.select().from(cases).where(eq(cases.id, opened.id));
    expect(c).toMatchObject({ projectId: t.projectId, sectionId: t.sectionId, alertId: alert!.id, supervisorOrgId: daqing.orgId, ownerUserId: daqing.user!.id, status: "open" });
    // An alert already in a case opens no second one.
    expect((await failure(openCase(app, daqing, { alertId: alert!.id, title: "重复立案" })))?.code).toBe("INVALID_STATE");
    // A second case on the project draws the next number.
    const second = await openCase(app, daqing, { projectId: t.projectId, sectionId: t.sectionId, title: "招标文件资格条件核查" });
    expect(Number(second.code.slice(-4))).toBe(2);

    await addCaseNote(app, daqing, opened.id, { body: "已调取投标文件下载记录。" });
    const pdf = await app.blobs.put(demoPdf(["调查笔录"]));
    await addCaseNote(app, daqing, opened.id, { body: "调查笔录", attachment: { filename: "调查笔录.pdf", contentType: "application/pdf", ...pdf } });
    expect((await failure(addCaseNote(app, daqing, opened.id, { body: "" })))?.code).toBe("VALIDATION");
    expect((await failure(addCaseNote(app, harbin, opened.id, { body: "越权记录" })))?.code).toBe("NOT_FOUND");

    // R65: open → resolved skips the investigation; closing needs the outcome.
    expect(ruleOf(await failure(setCaseStatus(app, daqing, opened.id, { status: "resolved", outcome: "已核实" })))).toEqual(["RULE_R65_CASE_TRANSITION"]);
    await setCaseStatus(app, daqing, opened.id, { status: "investigating" });
    expect((await failure(setCaseStatus(app, harbin, opened.id, { status: "resolved", outcome: "越权办结" })))?.code).toBe("NOT_FOUND");
    expect(ruleOf(await failure(setCaseStatus(app, daqing, opened.id, { status: "resolved", outcome: "" })))).toEqual(["RULE_R65_CASE_OUTCOME_REQUIRED"]);
    await setCaseStatus(app, daqing, opened.id, { status: "resolved", outcome: "经核查，仅一家投标系因资格条件合理，不存在违规，办结。" });
    const [closed] = await app.db.select().from(cases).where(eq(cases.id, opened.id));
    expect(closed!.status).toBe("resolved");
    expect(closed!.closedAt).not.toBeNull();
    expect(closed!.outcome).toContain("办结");
    // A closed case takes no more notes or changes.
    expect((await failure(addCaseNote(app, daqing, opened.id, { body: "补充" })))?.code).toBe("INVALID_STATE");
    expect(ruleOf(await failure(setCaseStatus(app, daqing, opened.id, { status: "referred", outcome: "移送" })))).toEqual(["RULE_R65_CASE_TRANSITION"]);

    const notes = await app.db.select().from(caseNotes).where(eq(caseNotes.caseId, opened.id)).orderBy(asc(caseNotes.at), asc(caseNotes.id));
    expect(notes.map((n) => `${n.kind}:${n.status ?? ""}`)).toEqual(["status:open", "note:", "attachment:", "status:investigating", "status:resolved"]);
    const file = notes.find((n) => n.kind === "attachment")!;
    expect(file).toMatchObject({ blobKey: pdf.sha256, fileName: "调查笔录.pdf", size: pdf.size });
    expect(await caseAttachment(app.db, daqing, opened.id, file.id)).toEqual({ sha256: pdf.sha256, fileName: "调查笔录.pdf" });
    expect((await failure(caseAttachment(app.db, harbin, opened.id, file.id)))?.code).toBe("NOT_FOUND");

    const entries = await entriesOf(app, "case", opened.id);
    expect(entries.map((e) => e.action)).toEqual([
      "supervision.case_opened",
      "supervision.case_note_added",
      "supervision.case_note_added",
      "supervision.case_status_changed",
      "supervision.case_status_changed",
    ]);
    expect(entries[0]!.payload).toMatchObject({ code: opened.code, alertId: alert!.id, projectId: t.projectId, sectionId: t.sectionId });
    expect(entries[0]!.actorUserId).toBe(daqing.user!.id);
    expect(entries[2]!.payload).toMatchObject({ kind: "attachment", sha256: pdf.sha256 });
    expect(entries[4]!.payload).toMatchObject({ from: "investigating", to: "resolved" });
    expect(await supervisionEvents(app)).toEqual(expect.arrayContaining(["supervision.case_opened", "supervision.case_note_added", "supervision.case_status_changed"]));

    // Lists and details by jurisdiction.
    const list = await listCases(app.db, daqing, { status: "resolved" });
    expect(list.items.map((i) => i.id)).toEqual([opened.id]);
    expect((await listCases(app.db, daqing)).total).toBe(2);
    expect((await listCases(app.db, harbin)).total).toBe(0);
    expect((await failure(caseDetail(app.db, harbin, opened.id)))?.code).toBe("NOT_FOUND");
    const detail = await caseDetail(app.db, daqing, opened.id);
    expect(detail.alert?.id).toBe(alert!.id);
    expect(detail.next).toEqual([]);
  });

  it("R53: a complaint after an answered objection is accepted (suspending) within 3 working days and decided; a bidder without an objection, or before the answer, is refused", async () => {
    const { app } = env();
    const t = await publishedTender(app);
    const sup = await supervisorIn(app, "黑龙江省大庆市");
    const objectionId = await fileObjection(app, t.b1, t.projectId, "招标文件设定的资格条件具有排他性，请求修改。");
    const body = "招标人的异议答复未回应资格条件的排他性问题，请监督部门依法处理。";

    // R53: not before the answer (nor before its limit passed).
    expect(ruleOf(await failure(fileComplaint(app, t.b1, { objectionKind: "documents", objectionId, body })))).toEqual(["RULE_R53_OBJECTION_PENDING"]);
    await answerObjection(app, t.tu, objectionId, "资格条件符合行业规定，不予修改。");
    // R53: a bidder without an objection of its own (someone else's objection id, or none) is refused — nothing written.
    const before = (await app.db.select({ n: count() }).from(recordEntries))[0]!.n;
    expect(ruleOf(await failure(fileComplaint(app, t.b2, { objectionKind: "documents", objectionId, body })))).toEqual(["RULE_R53_NO_OBJECTION"]);
    expect(ruleOf(await failure(fileComplaint(app, t.b2, { objectionKind: "results", objectionId, body })))).toEqual(["RULE_R53_NO_OBJECTION"]);
    expect((await failure(fileComplaint(app, sup, { objectionKind: "documents", objectionId, body })))?.code).toBe("FORBIDDEN");
    expect((await app.db.select({ n: count() }).from(complaints))[0]!.n).toBe(0);
    expect((await app.db.select({ n: count() }).from(recordEntries))[0]!.n).toBe(before);

    // R53 (条例60): ten days after the answer the time to complain has passed. TEST SETUP: the answer moved 12 days back.
    const [answered] = await app.db.select({ at: objections.answeredAt }).from(objections).where(eq(objections.id, objectionId));
    await app.db.update(objections).set({ answeredAt: new Date(answered!.at!.getTime() - 12 * 86400_000) }).where(eq(objections.id, objectionId));
    expect(ruleOf(await failure(fileComplaint(app, t.b1, { objectionKind: "documents", objectionId, body })))).toEqual(["RULE_R53_FILING_LATE"]);
    expect((await app.db.select({ n: count() }).from(complaints))[0]!.n).toBe(0);
    expect((await app.db.select({ n: count() }).from(recordEntries))[0]!.n).toBe(before);
    await app.db.update(objections).set({ answeredAt: answered!.at }).where(eq(objections.id, objectionId));

    const filed = await fileComplaint(app, t.b1, { objectionKind: "documents", objectionId, body });
    const cal = await loadCalendar(app.db);
    const [row] = await app.db.select().from(complaints).where(eq(complaints.id, filed.id));
    expect(row).toMatchObject({ projectId: t.projectId, sectionId: null, objectionKind: "documents", complainantOrgId: t.b1.orgId, status: "filed" });
    // To the supervising department: the most specific jurisdiction covering the region (the suite's other Daqing ones tie).
    expect((await app.db.select({ j: organisations.jurisdiction }).from(organisations).where(eq(organisations.id, row!.supervisorOrgId!)))[0]!.j).toBe("黑龙江省大庆市");
    expect(row!.acceptDueAt).toEqual(complaintAcceptDue(row!.filedAt, cal));
    // One complaint per objection.
    expect(ruleOf(await failure(fileComplaint(app, t.b1, { objectionKind: "documents", objectionId, body })))).toEqual(["RULE_R53_ALREADY_FILED"]);
    // Its acceptance timer job is scheduled at accept_due_at.
    const [job] = await app.db.select().from(jobs).where(eq(jobs.dedupeKey, `complaint:accept:${filed.id}`));
    expect(job!.dueAt).toEqual(row!.acceptDueAt);
    // The section's facts carry the project-wide complaint; the light is judged on it.
    expect((await sectionFacts(app.db, t.sectionId)).complaints.map((c) => c.id)).toEqual([filed.id]);
    expect((await sectionLightNow(app.db, t.sectionId)).instances.some((i) => i.limitId === "complaintAcceptance")).toBe(true);

    // Only the department can act; decide before accept is refused.
    expect((await failure(acceptComplaint(app, t.tu, filed.id)))?.code).toBe("FORBIDDEN");
    expect((await failure(decideComplaint(app, sup, filed.id, { outcome: "upheld", decision: "成立" })))?.code).toBe("INVALID_STATE");
    const accepted = await acceptComplaint(app, sup, filed.id, { suspend: true });
    const [acc] = await app.db.select().from(complaints).where(eq(complaints.id, filed.id));
    expect(acc).toMatchObject({ status: "accepted", suspended: true, handledBy: sup.user!.id });
    expect(acc!.acceptedAt!.getTime()).toBeLessThanOrEqual(acc!.acceptDueAt.getTime()); // within 3 working days
    expect(acc!.decisionDueAt).toEqual(complaintDecisionDue(acc!.acceptedAt!, cal));
    expect(accepted.decisionDueAt).toEqual(acc!.decisionDueAt);
    expect((await app.db.select().from(jobs).where(eq(jobs.dedupeKey, `complaint:decision:${filed.id}`)))[0]!.dueAt).toEqual(acc!.decisionDueAt);

    expect(ruleOf(await failure(decideComplaint(app, sup, filed.id, { outcome: "", decision: "" })))).toEqual(["RULE_R53_OUTCOME_REQUIRED", "RULE_R53_DECISION_REQUIRED"]);
    await decideComplaint(app, sup, filed.id, { outcome: "upheld", decision: "投诉成立，责令招标人修改资格条件并顺延投标截止时间。" });
    const [dec] = await app.db.select().from(complaints).where(eq(complaints.id, filed.id));
    expect(dec).toMatchObject({ status: "decided", outcome: "upheld", suspended: false });
    // The timers find nothing to do any more.
    await app.db.update(jobs).set({ dueAt: new Date(Date.now() - 1000) }).where(eq(jobs.dedupeKey, `complaint:accept:${filed.id}`));
    await runDueJobs(app, jobHandlers([]));

    const entries = await entriesOf(app, "complaint", filed.id);
    expect(entries.map((e) => e.action)).toEqual(["supervision.complaint_filed", "supervision.complaint_accepted", "supervision.complaint_decided"]);
    expect(entries[1]!.payload).toMatchObject({ suspended: true, late: false });
    expect(entries[2]!.payload).toMatchObject({ outcome: "upheld", suspensionLifted: true, late: false });
    expect(await supervisionEvents(app)).toEqual(expect.arrayContaining(["supervision.complaint_filed", "supervision.complaint_accepted", "supervision.complaint_decided"]));

    // The bidder sees its complaint's status; the supervisor's list has it.
    expect((await myComplaints(app.db, t.b1)).map((c) => [c.id, c.status])).toEqual([[filed.id, "decided"]]);
    expect((await myComplaints(app.db, t.b2)).length).toBe(0);
    expect((await listComplaints(app.db, sup, { status: "decided" })).items.map((c) => c.id)).toEqual([filed.id]);
    // A department of another jurisdiction does not see or handle it.
    const harbin = await supervisorIn(app, "黑龙江省哈尔滨市");
    expect((await listComplaints(app.db, harbin)).total).toBe(0);
  });

  it("R53: a refusal needs its reason; the overdue timer writes supervision.complaint_overdue once and the light turns red; withdrawal by the complainant only", async () => {
    const { app } = env();
    const t = await publishedTender(app);
    const sup = await supervisorIn(app, "");
    const o2 = await fileObjection(app, t.b2, t.projectId, "评分标准中的业绩要求与项目规模不相适应。");
    await answerObjection(app, t.tu, o2, "业绩要求符合规定。");
    const o3 = await fileObjection(app, t.b3, t.projectId, "技术参数指向特定品牌。");
    await answerObjection(app, t.tu, o3, "参数已核实。");
    const c2 = await fileComplaint(app, t.b2, { objectionKind: "documents", objectionId: o2, body: "答复未说明业绩要求的依据，请监督部门审查。" });
    const c3 = await fileComplaint(app, t.b3, { objectionKind: "documents", objectionId: o3, body: "答复未回应技术参数指向性的问题，请求处理。" });

    // TEST FIXTURE: the acceptance limit passes (the database clock cannot be moved): the row's limit and its job.
    const past = new Date((await dbNow(app.db)).getTime() - 1000);
    await app.db.update(complaints).set({ acceptDueAt: past }).where(eq(complaints.id, c2.id));
    await app.db.update(jobs).set({ dueAt: past }).where(eq(jobs.dedupeKey, `complaint:accept:${c2.id}`));
    await runDueJobs(app, jobHandlers([]));
    await runDueJobs(app, jobHandlers([]));
    const overdue = (await entriesOf(app, "complaint", c2.id)).filter((e) => e.action === "supervision.complaint_overdue");
    expect(overdue).toHaveLength(1);
    expect(overdue[0]!.payload).toMatchObject({ timer: "accept", dueAt: past.toISOString(), projectId: t.projectId });
    expect(overdue[0]!.actorUserId).toBeNull();
    expect(await supervisionEvents(app)).toContain("supervision.complaint_overdue");
    // R65/R53: the section's light reflects the overdue acceptance.
    const light = await sectionLightNow(app.db, t.sectionId);
    expect(light.light).toBe("red");
    expect(light.reasons).toContain("complaintAcceptance");

    expect(ruleOf(await failure(refuseComplaint(app, sup, c2.id, { reason: "" })))).toEqual(["RULE_R53_REASON_REQUIRED"]);
    expect((await app.db.select().from(complaints).where(eq(complaints.id, c2.id)))[0]!.status).toBe("filed");
    await refuseComplaint(app, sup, c2.id, { reason: "投诉事项已超出异议范围，不予受理。" });
    const [refused] = await app.db.select().from(complaints).where(eq(complaints.id, c2.id));
    expect(refused).toMatchObject({ status: "refused", refusalReason: "投诉事项已超出异议范围，不予受理。" });
    const last = (await entriesOf(app, "complaint", c2.id)).at(-1)!;
    expect(last.action).toBe("supervision.complaint_refused");
    expect(last.payload).toMatchObject({ late: true });
    // Refused is final; once refused the light is no longer red for it.
    expect((await failure(acceptComplaint(app, sup, c2.id)))?.code).toBe("INVALID_STATE");

    // Withdrawal: only the complainant, only while running.
    expect((await failure(withdrawComplaint(app, t.b2, c3.id)))?.code).toBe("NOT_FOUND");
    await withdrawComplaint(app, t.b3, c3.id);
    expect((await app.db.select().from(complaints).where(eq(complaints.id, c3.id)))[0]!.status).toBe("withdrawn");
    expect((await failure(withdrawComplaint(app, t.b3, c3.id)))?.code).toBe("INVALID_STATE");
    const facts = await sectionFacts(app.db, t.sectionId);
    const withdrawn = facts.complaints.find((c) => c.id === c3.id)!;
    expect(withdrawn.withdrawnAt).not.toBeNull();
    // Withdrawn in time: its acceptance limit is done without a breach (c2's late refusal keeps the section red).
    const after = await sectionLightNow(app.db, t.sectionId);
    expect(after.instances.find((i) => i.subjectId === c3.id)).toMatchObject({ limitId: "complaintAcceptance", light: "green", breach: null });
    expect(after.instances.find((i) => i.subjectId === c2.id)).toMatchObject({ limitId: "complaintAcceptance", light: "red", breach: "late" });
  });
});
