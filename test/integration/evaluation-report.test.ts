import { and, eq } from "drizzle-orm";
import { writeFileSync } from "node:fs";
import { expect, it } from "vitest";
import { fromBase64 } from "#crypto/seal/format";
import { rsaSign } from "#crypto/keys";
import { evaluationReports, evaluations, recordEntries, reportPositions, reportSignatures, rollbacks, scores, sections } from "#db/schema/index";
import type { AppContext } from "#app/services/platform/context.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import { roomView } from "#app/services/evaluation/room-view.server";
import {
  advanceReport,
  completeSignature,
  generateReport,
  prepareSignature,
  recordPosition,
  reportAppendix,
  reportPdf,
  reportView,
} from "#app/services/evaluation/report.server";
import { decideRollback, requestRollback } from "#app/services/evaluation/rollback.server";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { forceStage } from "../helpers/evaluation";
import { atSigning, blobBytes, signAs } from "../helpers/report";
import { checkSignedPdf } from "../helpers/pdfsig";
import { PASSWORD } from "../helpers/factories";
import { login } from "#app/services/accounts/auth.server";
import type { Actor } from "#app/services/platform/actor";
import { appendixSha256 } from "#app/domain/evaluation/appendix";
import { loader as reportPdfRoute } from "../../app/routes/evaluations.$sectionId.report[.]pdf";
import { loader as appendixRoute } from "../../app/routes/evaluations.$sectionId.appendix[.]json";

/** GETs a resource route as `who` (a real session cookie), the way the browser does. */
async function get(app: AppContext, route: typeof reportPdfRoute, who: (Actor & { username: string }) | null, sectionId: string, query = "") {
  const cookie = who ? `th_session=${(await login(app, { username: who.username, password: PASSWORD, ip: null, userAgent: null })).token}` : "";
  const request = new Request(`http://localhost/evaluations/${sectionId}/x${query}`, { headers: cookie ? { cookie } : {} });
  return (await route({ request, params: { sectionId }, context: { app, ip: null, userAgent: null, requestId: "t", csrfToken: "", cspNonce: "" } } as never)) as Response;
}

forEachDriver("evaluation report (R49, R50, EV19–EV21)", (env) => {
  it("R49/R50: the report is generated from the result, every member states a position (a dissent with reasons), then all five sign in turn — pdfsig lists one valid trusted signature per member; the tendering unit reads it only once signed", async () => {
    const { app } = env();
    const { t, members } = await atSigning(app);
    const report = await generateReport(app, t.sectionId);
    expect(report).toMatchObject({ version: 1, status: "signing", finalizedAt: null });
    expect(await generateReport(app, t.sectionId)).toMatchObject({ id: report!.id }); // idempotent

    // R42: before the report is signed the tendering unit and a bidder see nothing (404), members and supervisors do.
    expect(await reportPdf(app.db, t.tu, t.sectionId, null)).toBeNull();
    expect(await reportAppendix(app.db, t.tu, t.sectionId, null)).toBeNull();
    expect(await reportPdf(app.db, t.bidders[0]!.actor, t.sectionId, null)).toBeNull();
    expect(await reportPdf(app.db, t.supervisor, t.sectionId, null)).not.toBeNull();
    expect(await reportPdf(app.db, members[2]!.actor, t.sectionId, null)).not.toBeNull();
    // …through the download routes too: 404 for the tendering unit, a bidder, the public and a malformed id or version.
    expect((await get(app, reportPdfRoute, t.tu as Actor & { username: string }, t.sectionId)).status).toBe(404);
    expect((await get(app, appendixRoute, t.tu as Actor & { username: string }, t.sectionId)).status).toBe(404);
    expect((await get(app, reportPdfRoute, null, t.sectionId)).status).toBe(404);
    expect((await get(app, reportPdfRoute, members[0]!.actor, "not-a-uuid")).status).toBe(404);
    expect((await get(app, reportPdfRoute, members[0]!.actor, t.sectionId, "?v=0")).status).toBe(404);
    const draft = await get(app, reportPdfRoute, members[0]!.actor, t.sectionId);
    expect(draft.status).toBe(200);
    expect(draft.headers.get("content-type")).toBe("application/pdf");
    expect(draft.headers.get("x-content-sha256")).toBe(report!.draftPdfSha256);
    if (process.env.KEEP_PDF) writeFileSync(`${process.env.KEEP_PDF}.draft.pdf`, Buffer.from(await draft.arrayBuffer()));

    // R50: the draft cannot be signed; a dissent needs reasons.
    expect(ruleOf(await failure(prepareSignature(app, members[0]!.actor, t.sectionId, { fingerprint: members[0]!.cert.fingerprint })))).toEqual(["RULE_R50_NOT_FINAL"]);
    expect(ruleOf(await failure(recordPosition(app, members[4]!.actor, t.sectionId, { position: "dissent", dissent: "  " })))).toEqual(["RULE_R50_DISSENT_REASONS"]);
    for (const m of members.slice(0, 4)) await recordPosition(app, m.actor, t.sectionId, { position: "agree" });
    expect((await reportView(app.db, members[0]!.actor, t.sectionId)).report).toMatchObject({ phase: "positions" });
    await recordPosition(app, members[4]!.actor, t.sectionId, { position: "dissent", dissent: "第二名的工期承诺未予核实，不同意排序结果。" });
    const [final] = await app.db.select().from(evaluationReports).where(eq(evaluationReports.id, report!.id));
    expect(final!.finalizedAt).not.toBeNull();
    expect(final!.pdfSha256).not.toBe(final!.draftPdfSha256);
    const [pos] = await app.db.select().from(reportPositions).where(and(eq(reportPositions.reportId, report!.id), eq(reportPositions.memberId, members[4]!.memberId)));
    expect(pos).toMatchObject({ position: "dissent", dissent: "第二名的工期承诺未予核实，不同意排序结果。" });
    expect(ruleOf(await failure(recordPosition(app, members[0]!.actor, t.sectionId, { position: "agree" })))).toEqual(["RULE_R50_POSITIONS_CLOSED"]);

    // The first member signs; the wrong signer (another member's certificate, or a signature by another key) is refused.
    await signAs(app, members[0]!, t.sectionId);
    expect((await failure(prepareSignature(app, members[1]!.actor, t.sectionId, { fingerprint: members[2]!.cert.fingerprint })))?.code).toBe("CERT_UNKNOWN");
    const p1 = await prepareSignature(app, members[1]!.actor, t.sectionId, { fingerprint: members[1]!.cert.fingerprint });
    const forged = await rsaSign(members[2]!.cert.privateKeyPkcs8, fromBase64(p1.signedAttrsB64));
    expect((await failure(completeSignature(app, members[1]!.actor, t.sectionId, { nonce: p1.nonce, revision: p1.revision, fingerprint: members[1]!.cert.fingerprint, signature: Buffer.from(forged).toString("base64") })))?.code).toBe("CHALLENGE_INVALID");
    // …and someone not on the committee (the tendering unit) cannot even prepare (404).
    expect((await failure(prepareSignature(app, t.tu, t.sectionId, { fingerprint: t.tuCert.fingerprint })))?.code).toBe("NOT_FOUND");
    // A second signature by the same member is refused (R50: one per member).
    expect(ruleOf(await failure(signAs(app, members[0]!, t.sectionId)))).toEqual(["RULE_R50_ALREADY_SIGNED"]);

    for (const m of members.slice(1, 4)) expect((await signAs(app, m, t.sectionId)).done.signed).toBe(false);
    expect(await reportPdf(app.db, t.tu, t.sectionId, null)).toBeNull(); // still not signed by all
    const last = await signAs(app, members[4]!, t.sectionId);
    expect(last.done.signed).toBe(true);

    const [ev] = await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId));
    expect(ev!.stage).toBe("signed");
    const [sec] = await app.db.select({ status: sections.status }).from(sections).where(eq(sections.id, t.sectionId));
    expect(sec!.status).toBe("evaluated");
    const sigs = await app.db.select().from(reportSignatures).where(eq(reportSignatures.reportId, report!.id));
    expect(sigs).toHaveLength(5);
    expect(sigs.find((s) => s.memberId === members[4]!.memberId)!.dissent).toBe("第二名的工期承诺未予核实，不同意排序结果。");

    // pdfsig: the platform's signature and then one valid, trusted signature per member.
    const pdf = await blobBytes(app, last.done.pdfSha256);
    if (process.env.KEEP_PDF) writeFileSync(process.env.KEEP_PDF, pdf);
    const check = checkSignedPdf(pdf, documentSigner(app.config).caCertPem);
    expect(check.trusted.match(/Signature is Valid\./g)).toHaveLength(6);
    expect(check.trusted.match(/Certificate is Trusted\./g)).toHaveLength(6);
    for (const m of members) expect(check.trusted).toContain(`评标委员会成员 ${m.seat} 签名`);
    expect(check.trusted).toContain("Total document signed");
    expect(check.tampered).toContain("Digest Mismatch");
    const text = check.text.replace(/\s+/g, "");
    for (const heading of ["一、基本情况和数据", "二、评标委员会成员名单", "三、开标记录", "八、经评审的投标人排序", "九、推荐的中标候选人", "十、澄清、说明、补正事项纪要", "十二、评标委员会成员意见"]) expect(text).toContain(heading);
    expect(text).toContain("第二名的工期承诺未予核实"); // R50: the dissent is printed

    // Signed: the tendering unit (and only it of the tendering side) reads the report and its appendix.
    expect(await reportPdf(app.db, t.tu, t.sectionId, null)).toMatchObject({ sha256: last.done.pdfSha256 });
    const appx = await reportAppendix(app.db, t.tu, t.sectionId, null);
    expect(appx!.sha256).toBe(final!.appendixSha256);
    expect(appx!.appendix.result).toEqual(ev!.result);
    expect(await reportPdf(app.db, t.bidders[0]!.actor, t.sectionId, null)).toBeNull();
    const viaRoute = await get(app, reportPdfRoute, t.tu as Actor & { username: string }, t.sectionId);
    expect(viaRoute.status).toBe(200);
    expect(Buffer.from(await viaRoute.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);
    const appxRes = await get(app, appendixRoute, t.tu as Actor & { username: string }, t.sectionId);
    expect(appxRes.status).toBe(200);
    expect(appendixSha256(JSON.parse(await appxRes.text()))).toBe(final!.appendixSha256); // the digest the report prints
    expect(text).toContain(final!.appendixSha256);
    // EV21: signing locked the scores (the database refuses any change once the report exists).
    await expect(app.db.insert(scores).values({ sectionId: t.sectionId, memberId: members[0]!.memberId, bidId: t.bidders[0]!.bidId, itemId: "x", score: "1" } as never)).rejects.toThrow();
    const actions = (await app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.subjectId, t.sectionId))).map((r) => r.action);
    for (const a of ["evaluation.report_generated", "evaluation.report_position", "evaluation.report_finalized", "evaluation.report_signed"]) expect(actions).toContain(a);
    const seen = await roomView(app.db, t.supervisor, t.sectionId);
    expect(seen.stage).toBe("signed");
    expect(seen.report!.report).toMatchObject({ phase: "signed", version: 1 });
    expect(seen.report!.report!.members.every((m) => m.signedAt)).toBe(true);
    expect(seen.report!.me).toBeNull(); // a supervisor watches, never signs
  }, 120_000);

  it("R50 (条例53, 87号令61): a member silent past the positions deadline is deemed to consent; past the signing deadline a missing signature too, once someone signed", async () => {
    const { app } = env();
    const { t, members } = await atSigning(app);
    const report = await generateReport(app, t.sectionId);
    await recordPosition(app, members[0]!.actor, t.sectionId, { position: "agree" });
    await advanceReport(app, t.sectionId); // not due yet
    expect((await app.db.select().from(evaluationReports).where(eq(evaluationReports.id, report!.id)))[0]!.finalizedAt).toBeNull();
    await app.db.update(evaluationReports).set({ createdAt: new Date(Date.now() - 31 * 60_000) }).where(eq(evaluationReports.id, report!.id));
    await advanceReport(app, t.sectionId);
    const positions = await app.db.select().from(reportPositions).where(eq(reportPositions.reportId, report!.id));
    expect(positions.filter((p) => p.position === "deemed").map((p) => p.memberId).sort()).toEqual(members.slice(1).map((m) => m.memberId).sort());
    const [final] = await app.db.select().from(evaluationReports).where(eq(evaluationReports.id, report!.id));
    expect(final!.finalizedAt).not.toBeNull();

    await advanceReport(app, t.sectionId); // nobody signed: the signing stays open even past the deadline
    await signAs(app, members[2]!, t.sectionId);
    await advanceReport(app, t.sectionId); // not due yet
    expect((await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId)))[0]!.stage).toBe("signing");
    await app.db.update(evaluationReports).set({ finalizedAt: new Date(Date.now() - 121 * 60_000) }).where(eq(evaluationReports.id, report!.id));
    await advanceReport(app, t.sectionId);
    expect((await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId)))[0]!.stage).toBe("signed");
    const [entry] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.subjectId, t.sectionId), eq(recordEntries.action, "evaluation.report_deemed_signed")));
    expect(entry!.payload).toMatchObject({ version: 1, deemedConsent: [1, 2, 4, 5] });
    expect(await reportPdf(app.db, t.tu, t.sectionId, null)).not.toBeNull();
  }, 120_000);

  it("EV20: a rollback needs a reason and a supervisor's approval; it voids the report version and every signature, and the next version is signed anew", async () => {
    const { app } = env();
    const { t, members } = await atSigning(app);
    const v1 = await generateReport(app, t.sectionId);
    for (const m of members) await recordPosition(app, m.actor, t.sectionId, { position: "agree" });
    await signAs(app, members[0]!, t.sectionId);

    expect(ruleOf(await failure(requestRollback(app, members[1]!.actor, t.sectionId, { toStage: "summary", reason: " " })))).toEqual(["RULE_R50_ROLLBACK_REASON"]);
    expect(ruleOf(await failure(requestRollback(app, members[1]!.actor, t.sectionId, { toStage: "signed", reason: "x" })))).toEqual(["RULE_R50_ROLLBACK_TARGET"]);
    expect((await failure(requestRollback(app, t.tu, t.sectionId, { toStage: "summary", reason: "价格分计算有误" })))?.code).toBe("NOT_FOUND");
    // A refused request changes nothing but the record.
    const refused = await requestRollback(app, members[3]!.actor, t.sectionId, { toStage: "scoring", reason: "想重新打分" });
    await decideRollback(app, t.supervisor, t.sectionId, { rollbackId: refused.id, approve: false, note: "理由不充分" });
    expect((await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId)))[0]!.stage).toBe("signing");
    expect((await app.db.select().from(evaluationReports).where(eq(evaluationReports.id, v1!.id)))[0]!.status).toBe("signing");
    expect((await failure(decideRollback(app, t.supervisor, t.sectionId, { rollbackId: refused.id, approve: true, note: "" })))?.code).toBe("INVALID_STATE");
    expect((await failure(decideRollback(app, t.supervisor, t.sectionId, { rollbackId: "nope", approve: true, note: "" })))?.code).toBe("NOT_FOUND");
    const rb = await requestRollback(app, members[1]!.actor, t.sectionId, { toStage: "summary", reason: "价格分计算有误，需复核" });
    // While it waits, nobody signs (R50) and a second request is refused.
    expect(ruleOf(await failure(signAs(app, members[2]!, t.sectionId)))).toEqual(["RULE_R50_ROLLBACK_PENDING"]);
    expect(ruleOf(await failure(requestRollback(app, members[3]!.actor, t.sectionId, { toStage: "summary", reason: "再次" })))).toEqual(["RULE_R50_ROLLBACK_PENDING"]);
    // Only a supervisor (or the agency) decides; a member cannot approve.
    expect((await failure(decideRollback(app, members[0]!.actor, t.sectionId, { rollbackId: rb.id, approve: true, note: "" })))?.code).toBe("FORBIDDEN");
    await decideRollback(app, t.supervisor, t.sectionId, { rollbackId: rb.id, approve: true, note: "同意回退复核" });

    const [ev] = await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId));
    expect(ev!.stage).toBe("summary");
    const [voided] = await app.db.select().from(evaluationReports).where(eq(evaluationReports.id, v1!.id));
    expect(voided).toMatchObject({ status: "voided", voidReason: "价格分计算有误，需复核" });
    const [row] = await app.db.select().from(rollbacks).where(eq(rollbacks.id, rb.id));
    expect(row).toMatchObject({ decision: "approved", toStage: "summary", decisionNote: "同意回退复核" });
    const decided = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.subjectId, t.sectionId), eq(recordEntries.action, "evaluation.rollback_decided"))).orderBy(recordEntries.seq);
    expect(decided.map((d) => d.payload)).toMatchObject([
      { approved: false, toStage: "scoring", note: "理由不充分" },
      { approved: true, toStage: "summary", reason: "价格分计算有误，需复核", voidedReport: { version: 1, signatures: 1 } },
    ]);

    // Back at signing (the summary finalised again), version 2 has a new number and needs every signature again (EV21).
    await forceStage(app, t.sectionId, "signing", members);
    const v2 = await generateReport(app, t.sectionId);
    expect(v2).toMatchObject({ version: 2 });
    expect(v2!.number).not.toBe(v1!.number);
    const view = await reportView(app.db, members[0]!.actor, t.sectionId);
    expect(view.versions.map((v) => [v.version, v.status])).toEqual([
      [2, "signing"],
      [1, "voided"],
    ]);
    expect(view.me).toMatchObject({ signed: false, position: null });
  }, 120_000);
});
