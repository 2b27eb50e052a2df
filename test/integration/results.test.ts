import { and, asc, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { bondRefunds, contracts, evaluationReports, evaluations, notifications, projects, recordEntries, resultDocuments, resultObjections, sectionResults, sections, memberships, ocdsReleases } from "#db/schema/index";
import type { AppContext } from "#app/services/platform/context.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { runDueJobs } from "#app/services/platform/jobs.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import { makeActor } from "../helpers/factories";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { checkSignedPdf } from "../helpers/pdfsig";
import { blobBytes, fireResultsTimer, signedReport } from "../helpers/report";
import { demoPdf } from "../../server/demo-pdf";
import {
  answerResultObjection,
  decideWinner,
  fileResultObjection,
  issueNotices,
  recordBondRefund,
  recordContract,
} from "#app/services/results/results.server";
import { bidderResults, managedResults, resultDocumentFor } from "#app/services/results/views.server";
import { PUBLIC_ACTOR } from "#app/services/platform/actor";
import { recordFeed } from "#app/services/open-data/feed.server";
import { ocdsValidator } from "../fixtures/ocds-1.1.5/validator";

const compact = (s: string) => s.replace(/\s+/g, "");

async function result(app: AppContext, sectionId: string) {
  const [r] = await app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, sectionId));
  return r!;
}

async function inboxOf(app: AppContext, orgId: string) {
  return app.db
    .select({ kind: notifications.kind, params: notifications.params })
    .from(notifications)
    .innerJoin(memberships, eq(memberships.userId, notifications.userId))
    .where(eq(memberships.orgId, orgId));
}

forEachDriver("results (R51–R57, R15)", (env) => {
  it("ZTB: signed report → publicity by a job (signed PDF, R51/EV22) → objection suspends (R52) → answered, the period extended → decision; an out-of-list or skipped-rank winner refused (R55) → notices issued together, signed, delivered (R56) → contract and bond refunds (R15)", async () => {
    const { app } = env();
    const { t } = await signedReport(app, 3);
    const ca = documentSigner(app.config).caCertPem;
    const sid = t.sectionId;

    // The report's signing opened the results: publicity is due within 3 days (R51), published at once by the job.
    const opened = await result(app, sid);
    expect(opened.stage).toBe("publicity_due");
    expect(opened.candidates.map((c) => c.rank)).toEqual([1, 2]);
    expect(opened.bidders.find((b) => !b.valid)).toMatchObject({ reasons: ["超过最高投标限价"], rank: null });
    await runDueJobs(app, jobHandlers([]));
    const pub = await result(app, sid);
    expect(pub.stage).toBe("publicity");
    expect(pub.publicityEndsAt!.getTime() - pub.publicityStartedAt!.getTime()).toBeGreaterThanOrEqual(3 * 86_400_000);
    const [sec] = await app.db.select({ status: sections.status }).from(sections).where(eq(sections.id, sid));
    expect(sec!.status).toBe("publicity");
    const [pdoc] = await app.db.select().from(resultDocuments).where(and(eq(resultDocuments.sectionId, sid), eq(resultDocuments.kind, "publicity")));
    expect(pdoc).toMatchObject({ public: true, orgId: null });
    const pcheck = checkSignedPdf(await blobBytes(app, pdoc!.sha256), ca);
    expect(pcheck.trusted).toContain("Signature is Valid");
    expect(pcheck.trusted).toContain("Certificate is Trusted");
    const ptext = compact(pcheck.text);
    for (const s of ["中标候选人公示", "一、评标情况", "二、提出异议的渠道和方式", "四、监督部门", "五、联系方式", "陈建国", "9,800,000.00"]) expect(ptext).toContain(s);
    // R36: no member name before the result; R44/EV22: the rejected bidder's reasons are not in the public document…
    expect(ptext).not.toContain("专家1");
    expect(ptext).not.toContain("超过最高投标限价");
    // …but in its own message.
    const rejected = opened.bidders.find((b) => !b.valid)!;
    expect((await inboxOf(app, rejected.orgId)).find((n) => n.kind === "resultsPublicityRejected")?.params.reasons).toBe("超过最高投标限价");

    // R52: only bidders of the section, only in publicity, one pending each; a filed objection suspends.
    const outsider = await makeActor(app, "bidder");
    expect(ruleOf(await failure(fileResultObjection(app, outsider, sid, { body: "我单位对评标结果有异议，请复核。" })))).toEqual(["RULE_R52_NOT_A_BIDDER"]);
    const objector = t.bidders[1]!.actor;
    expect(ruleOf(await failure(fileResultObjection(app, objector, sid, { body: "短" })))).toEqual(["RULE_R52_BODY_LENGTH"]);
    const filed = await fileResultObjection(app, objector, sid, { body: "第一名投标人项目经理的业绩证明存疑，请复核。" });
    expect((await result(app, sid)).stage).toBe("suspended");
    expect(ruleOf(await failure(fileResultObjection(app, objector, sid, { body: "再次提出同一异议，请复核。" })))).toEqual(["RULE_R52_ALREADY_PENDING"]);
    expect(await failure(decideWinner(app, t.tu, sid, { bidId: opened.candidates[0]!.bidId }))).toMatchObject({ code: "INVALID_STATE" });
    // A bidder cannot answer; the tendering unit answers (dismissed) and the publicity resumes with its end extended.
    expect(await failure(answerResultObjection(app, objector, filed.id, { answer: "驳回", outcome: "dismissed" }))).toMatchObject({ code: "FORBIDDEN" });
    await answerResultObjection(app, t.tu, filed.id, { answer: "经核查，业绩证明真实有效，异议不成立。", outcome: "dismissed" });
    const resumed = await result(app, sid);
    expect(resumed.stage).toBe("publicity");
    expect(resumed.suspendedMs).toBeGreaterThan(0);
    expect(resumed.publicityEndsAt!.getTime()).toBeGreaterThanOrEqual(pub.publicityEndsAt!.getTime());
    const [answered] = await app.db.select().from(resultObjections).where(eq(resultObjections.id, filed.id));
    expect(answered).toMatchObject({ status: "answered", outcome: "dismissed" });
    expect((await inboxOf(app, t.bidders[1]!.actor.orgId!)).some((n) => n.kind === "resultsObjectionAnswered")).toBe(true);

    // R51: the period ends by its timer; the decision is due.
    await fireResultsTimer(app, sid, "publicity_end", "publicityEndsAt");
    expect((await result(app, sid)).stage).toBe("decision");

    // R55: a winner outside the list is void; state funding → rank 2 needs an R55 reason for rank 1 and evidence.
    const [first, second] = resumed.candidates;
    expect(ruleOf(await failure(decideWinner(app, t.tu, sid, { bidId: t.bidders[2]!.bidId })))).toEqual(["RULE_R55_NOT_A_CANDIDATE"]);
    expect(ruleOf(await failure(decideWinner(app, t.tu, sid, { bidId: second!.bidId })))).toEqual(["RULE_R55_RANK_SKIPPED"]);
    expect(ruleOf(await failure(decideWinner(app, t.tu, sid, { bidId: second!.bidId, deviations: [{ rank: 1, reason: "gave_up", note: "书面放弃中标" }] })))).toEqual(["RULE_R55_EVIDENCE_REQUIRED"]);
    expect(await failure(decideWinner(app, t.bidders[0]!.actor, sid, { bidId: first!.bidId }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await decideWinner(app, t.tu, sid, { bidId: first!.bidId })).toEqual({ rank: 1 });

    // R56: notices issued together: award notice, a result notice to each other bidder, the public announcement.
    expect(await issueNotices(app, t.tu, sid, { contractPlace: "大庆市萨尔图区招标人办公室" })).toEqual({ documents: 4 });
    const docs = await app.db.select().from(resultDocuments).where(eq(resultDocuments.sectionId, sid));
    const award = docs.find((d) => d.kind === "award_notice")!;
    expect(award.orgId).toBe(first!.orgId);
    expect(docs.filter((d) => d.kind === "result_notice").map((d) => d.orgId).sort()).toEqual(t.bidders.map((b) => b.actor.orgId!).filter((o) => o !== first!.orgId).sort());
    const acheck = checkSignedPdf(await blobBytes(app, award.sha256), ca);
    expect(acheck.trusted).toContain("Signature is Valid");
    for (const s of ["中标通知书", first!.name, "9,800,000.00", "玖佰捌拾万元整", "大庆市萨尔图区招标人办公室", "30日内"]) expect(compact(acheck.text)).toContain(compact(s));
    const ann = docs.find((d) => d.kind === "result_announcement")!;
    expect(ann.public).toBe(true);
    expect(compact(checkSignedPdf(await blobBytes(app, ann.sha256), ca).text)).toContain("中标结果公告");
    const r3 = await result(app, sid);
    expect(r3.stage).toBe("notified");
    expect(r3.contractDueAt!.getTime() - r3.notifiedAt!.getTime()).toBeGreaterThan(29 * 86_400_000);
    expect((await inboxOf(app, first!.orgId)).some((n) => n.kind === "resultsAwardNotice")).toBe(true);
    expect((await app.db.select({ status: sections.status }).from(sections).where(eq(sections.id, sid)))[0]!.status).toBe("awarded");

    // R56: the contract — dates and amount checked — then R15 bond refunds due 5 days after it, for every bidder.
    const pdf = await app.blobs.put(demoPdf(["合同"]));
    expect(ruleOf(await failure(recordContract(app, t.tu, sid, { pdf, filename: "合同.pdf", amountFen: 0, signedOn: "2000-01-01" })))).toEqual(["RULE_R56_SIGNED_BEFORE_NOTICE", "RULE_R56_AMOUNT"]);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await recordContract(app, t.tu, sid, { pdf, filename: "施工合同.pdf", amountFen: first!.priceFen, signedOn: today });
    const [c] = await app.db.select().from(contracts).where(eq(contracts.sectionId, sid));
    expect(c).toMatchObject({ amountFen: first!.priceFen, winnerOrgId: first!.orgId, signedOn: today });
    expect((await result(app, sid)).stage).toBe("contracted");
    const refunds = await app.db.select().from(bondRefunds).where(eq(bondRefunds.sectionId, sid));
    expect(refunds).toHaveLength(3);
    expect(refunds.every((x) => x.amountFen === 10_000_000 && x.dueAt.getTime() > Date.now())).toBe(true);
    await recordBondRefund(app, t.tu, refunds[0]!.id, { reference: "BANK-20261202-001" });
    expect(await failure(recordBondRefund(app, t.tu, refunds[0]!.id, { reference: "again" }))).toMatchObject({ code: "INVALID_STATE" });

    // Access (R54/EV25): a notice reaches its recipient only; public documents anyone; supervisors read everything.
    const loser = t.bidders.find((b) => b.actor.orgId !== first!.orgId)!.actor;
    expect(await resultDocumentFor(app.db, loser, award.id)).toBeNull();
    expect(await resultDocumentFor(app.db, PUBLIC_ACTOR, award.id)).toBeNull();
    expect(await resultDocumentFor(app.db, t.supervisor, award.id)).toMatchObject({ sha256: award.sha256 });
    expect(await resultDocumentFor(app.db, PUBLIC_ACTOR, ann.id)).toMatchObject({ sha256: ann.sha256 });
    const mine = await bidderResults(app.db, loser, t.projectId, sid);
    expect(mine.documents.map((d) => d.kind).sort()).toEqual(["publicity", "result_announcement", "result_notice"]);
    expect(mine.mine).toMatchObject({ won: false });
    expect(mine.objections).toEqual(loser.orgId === objector.orgId ? [expect.objectContaining({ status: "answered", outcome: "dismissed" })] : []);
    const sup = await managedResults(app.db, t.supervisor, t.projectId, new Date());
    expect(sup.readOnly).toBe(true);
    expect(sup.sections[0]!.result).toMatchObject({ stage: "contracted", overdue: { publicity: false, notices: false, contract: false } });
    expect(await failure(managedResults(app.db, t.bidders[0]!.actor, t.projectId, new Date()))).toMatchObject({ code: "NOT_FOUND" });
    // R52: an answer later than its limit shows as overdue to the supervisor.
    const later = await managedResults(app.db, t.supervisor, t.projectId, new Date(Date.now() + 400 * 86_400_000));
    expect(later.sections[0]!.objections[0]).toMatchObject({ overdue: false });

    // Open data (OCDS 1.1.5): the candidates, the award and the contract are releases; the record package validates.
    const rels = await app.db.select().from(ocdsReleases).where(eq(ocdsReleases.projectId, t.projectId)).orderBy(asc(ocdsReleases.seq));
    expect(rels.map((x) => x.tags.join())).toEqual(["tender", "tenderUpdate", "tenderUpdate", "award", "contract"]);
    const v = ocdsValidator();
    const res = await recordFeed(app, new Request(`http://localhost/api/ocds/records/${rels[0]!.ocid}`), rels[0]!.ocid);
    const rp = (await res.json()) as { records: { compiledRelease: { awards: { status: string; suppliers: { name: string }[] }[]; contracts: { status: string }[] } }[] };
    expect(v.recordPackage(rp)).toEqual([]);
    for (const x of rels) expect([...v.release(x.data), ...v.codes(x.data)]).toEqual([]);
    const compiled = rp.records[0]!.compiledRelease;
    expect(compiled.awards.find((a) => a.status === "active")!.suppliers[0]!.name).toBe(first!.name);
    expect(compiled.contracts[0]!.status).toBe("active");

    // Every step is in the record, hash-linked (the chain is verified by the record suite).
    const actions = (await app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.subjectId, sid))).map((e) => e.action);
    for (const a of ["results.publicity_published", "results.objection_filed", "results.objection_answered", "results.publicity_ended", "results.winner_decided", "results.notices_issued", "results.contract_recorded", "results.bond_refunded"]) expect(actions).toContain(a);
  });

  it("R52/条例56: a sustained objection sends the section back to the committee (report voided) or ends it", async () => {
    const { app } = env();
    const { t } = await signedReport(app, 3);
    await runDueJobs(app, jobHandlers([]));
    const o = await fileResultObjection(app, t.bidders[1]!.actor, t.sectionId, { body: "第一名的报价明显低于成本，请评标委员会复核。" });
    // R52: unanswered after its 3 days, the objection shows as overdue to the supervisor (not before).
    const sup = (at: number) => managedResults(app.db, t.supervisor, t.projectId, new Date(at)).then((v) => v.sections[0]!.objections[0]!.overdue);
    expect(await sup(Date.now())).toBe(false);
    expect(await sup(Date.now() + 5 * 86_400_000)).toBe(true);
    await answerResultObjection(app, t.tu, o.id, { answer: "异议成立，提请原评标委员会复核。", outcome: "recheck" });
    expect((await result(app, t.sectionId)).stage).toBe("recheck");
    const [ev] = await app.db.select({ stage: evaluations.stage }).from(evaluations).where(eq(evaluations.sectionId, t.sectionId));
    expect(ev!.stage).toBe("summary");
    const reports = await app.db.select({ status: evaluationReports.status }).from(evaluationReports).where(eq(evaluationReports.sectionId, t.sectionId));
    expect(reports.map((r) => r.status)).toEqual(["voided"]);
    expect((await app.db.select({ status: sections.status }).from(sections).where(eq(sections.id, t.sectionId)))[0]!.status).toBe("evaluating");

    const other = await signedReport(app, 3);
    await runDueJobs(app, jobHandlers([]));
    const o2 = await fileResultObjection(app, other.t.bidders[2]!.actor, other.t.sectionId, { body: "第一名与第二名投标人存在串通投标情形。" });
    await answerResultObjection(app, other.t.tu, o2.id, { answer: "经查属实，本标段终止，依法重新招标。", outcome: "end" });
    expect((await result(app, other.t.sectionId)).stage).toBe("ended");
    expect((await app.db.select({ status: sections.status }).from(sections).where(eq(sections.id, other.t.sectionId)))[0]!.status).toBe("failed");
  });

  it("ZFCG (R54, R57, TV-D2): no publicity; the purchaser's silence makes rank 1 the winner; each loser is told its own score and rank only; the announcement lists the experts", async () => {
    const { app } = env();
    const { t } = await signedReport(app, 3);
    // TEST FIXTURE: the same section under the ZFCG profile (the regime decides every results limit).
    await app.db.update(projects).set({ regime: "ZFCG" }).where(eq(projects.id, t.projectId));
    // Re-open the results as ZFCG: replay what the report's completion does, on the ZFCG profile.
    const [report] = await app.db.select().from(evaluationReports).where(and(eq(evaluationReports.sectionId, t.sectionId), eq(evaluationReports.status, "signed")));
    const { openResults } = await import("#app/services/results/results.server");
    await app.db.transaction(async (tx) => void (await openResults(tx, t.sectionId, report!, new Date())));
    const r = await result(app, t.sectionId);
    expect(r.stage).toBe("decision");
    expect(r.publicityDueAt).toBeNull();
    expect(r.decisionDueAt!.getTime()).toBeGreaterThan(Date.now() + 5 * 86_400_000);
    expect(ruleOf(await failure(fileResultObjection(app, t.bidders[1]!.actor, t.sectionId, { body: "对评审结果有疑问，请说明理由。" })))).toEqual(["RULE_R52_NOT_IN_PUBLICITY"]);

    await fireResultsTimer(app, t.sectionId, "decision_deemed", "decisionDueAt");
    const d = await result(app, t.sectionId);
    expect(d).toMatchObject({ stage: "decided", decisionMode: "deemed", winnerRank: 1 });
    expect(d.noticesDueAt!.getTime()).toBeGreaterThan(Date.now());
    const [deemed] = await app.db.select().from(recordEntries).where(and(eq(recordEntries.action, "results.winner_deemed"), eq(recordEntries.subjectId, t.sectionId)));
    expect(deemed!.actorUserId).toBeNull();

    await issueNotices(app, t.tu, t.sectionId);
    const docs = await app.db.select().from(resultDocuments).where(eq(resultDocuments.sectionId, t.sectionId));
    const ca = documentSigner(app.config).caCertPem;
    const second = d.candidates.find((c) => c.rank === 2)!;
    const loserDoc = docs.find((x) => x.kind === "result_notice" && x.orgId === second.orgId)!;
    const text = compact(checkSignedPdf(await blobBytes(app, loserDoc.sha256), ca).text);
    expect(text).toContain("未中标通知书");
    expect(text).toContain("第2名（共2家）");
    expect(text).toContain(second.name);
    // Never another bidder's score: the third bidder's name is not in the second's notice.
    expect(text).not.toContain(d.bidders.find((b) => !b.valid)!.name);
    const ann = compact(checkSignedPdf(await blobBytes(app, docs.find((x) => x.kind === "result_announcement")!.sha256), ca).text);
    expect(ann).toContain("评审专家名单");
    expect(ann).toContain("专家1");
    expect(ann).toContain("公告期限");
    expect((await result(app, t.sectionId)).noticePeriodEndsAt).not.toBeNull();
    // R15 ZFCG: the losers' refunds start at the notice; the winner's waits for the contract.
    const refunds = await app.db.select().from(bondRefunds).where(eq(bondRefunds.sectionId, t.sectionId));
    expect(refunds.map((x) => x.orgId).sort()).toEqual(d.bidders.filter((b) => b.orgId !== d.winnerOrgId).map((b) => b.orgId).sort());
  });
});
