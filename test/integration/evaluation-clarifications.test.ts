import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { rsaSign } from "#crypto/keys";
import { toBase64 } from "#crypto/seal/format";
import { bidOpenings, clarifications, evaluations, jobs, memberships, notifications, recordEntries, roomPresence } from "#db/schema/index";
import { answerBytes, type AnswerDecision, type ClarificationKind } from "#app/domain/evaluation/clarification";
import { defaultsFor, parseMethodConfig } from "#app/domain/evaluation/method";
import { defaultReviewItems } from "#app/domain/evaluation/review-defaults";
import { OTHER_ITEM_ID } from "#app/domain/evaluation/review";
import { answerClarification, bidderClarifications, clarificationState, clarificationsView, expireClarification, requestClarification } from "#app/services/evaluation/clarifications.server";
import { closeReview, markReviewDone, passRemaining, saveReviewMark } from "#app/services/evaluation/review.server";
import { sectionBids } from "#app/services/evaluation/bid-files.server";
import { evaluationInput } from "#app/services/evaluation/summary.server";
import { loadEvaluation } from "#app/services/evaluation/access.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { runDueJobs } from "#app/services/platform/jobs.server";
import type { AppContext } from "#app/services/platform/context.server";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { forceStage, openedSection, seatCommittee, type Bidder } from "../helpers/evaluation";
import { makeActor } from "../helpers/factories";

/**
 * Clarifications (澄清, R43, EV13, EV14; issue 12 item 7; ADR 015 "Clarifications"): the leader asks one bidder in
 * writing with a deadline on the database clock; the bidder answers in its account, signed with its certificate;
 * a correction (TV-C1) binds only when accepted and then feeds the engine; no answer in time → expired by a job.
 */

const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

async function atReview(app: AppContext) {
  const t = await openedSection(app, 3);
  const members = await seatCommittee(app, t.sectionId, 5);
  const config = parseMethodConfig({ kind: "ZTB_LOWEST_EVALUATED", ...defaultsFor("ZTB_LOWEST_EVALUATED"), review: defaultReviewItems("ZTB").slice(0, 1) });
  await app.db.update(evaluations).set({ config }).where(eq(evaluations.sectionId, t.sectionId));
  await forceStage(app, t.sectionId, "review", members);
  for (const m of members) await app.db.insert(roomPresence).values({ sectionId: t.sectionId, memberId: m.memberId, enteredAt: new Date() });
  return { t, members };
}

/** The bidder's page: signs answerBytes with the key of its certificate (as the browser does with its PKCS#12). */
async function answerAs(app: AppContext, b: Bidder, c: { id: string; question: string; kind: ClarificationKind; price: string | null }, decision: AnswerDecision, answer: string, key = b.cert.privateKeyPkcs8) {
  const bytes = answerBytes({ id: c.id, questionSha256: sha(c.question), kind: c.kind, decision, price: c.price, answer });
  const signature = toBase64(await rsaSign(key, bytes));
  return answerClarification(app, b.actor, c.id, { decision, answer, certificateId: b.cert.certificateId, signature });
}

forEachDriver("evaluation: clarifications (R43, EV13, EV14)", (env) => {
  it("R43: the leader asks one bidder with a deadline; only that bidder sees and answers it, signed; EV13 then allows a clarify-first rejection", async () => {
    const { app } = env();
    const { t, members } = await atReview(app);
    const [b0, b1] = t.bidders as [Bidder, Bidder, Bidder];
    const leader = members[0]!;
    const question = "请说明贵公司投标报价中钢筋单价明显低于市场价的理由，并提供证明材料。";

    // Authorisation: only the committee asks (its leader); everyone else sees no room (404).
    const stranger = await makeActor(app, "expert");
    for (const a of [stranger, b0.actor, t.tu, t.supervisor]) {
      expect((await failure(requestClarification(app, a, t.sectionId, { bidId: b0.bidId, kind: "question", question, dueMinutes: 30 })))?.code).toBe("NOT_FOUND");
    }
    expect((await failure(requestClarification(app, members[1]!.actor, t.sectionId, { bidId: b0.bidId, kind: "question", question, dueMinutes: 30 })))?.code).toBe("FORBIDDEN");
    expect(ruleOf(await failure(requestClarification(app, leader.actor, t.sectionId, { bidId: b0.bidId, kind: "question", question, dueMinutes: 5 })))).toEqual(["RULE_R43_DEADLINE_RANGE"]);
    expect(ruleOf(await failure(requestClarification(app, leader.actor, t.sectionId, { bidId: b0.bidId, kind: "question", question, dueMinutes: 48 * 60 + 1 })))).toEqual(["RULE_R43_DEADLINE_RANGE"]);
    expect((await failure(requestClarification(app, leader.actor, t.sectionId, { bidId: "nope", kind: "question", question, dueMinutes: 30 })))?.code).toBe("NOT_FOUND");
    expect((await failure(requestClarification(app, leader.actor, t.sectionId, { bidId: b0.bidId, kind: "bribe", question, dueMinutes: 30 })))?.code).toBe("VALIDATION");

    const req = await requestClarification(app, leader.actor, t.sectionId, { bidId: b0.bidId, kind: "question", question, dueMinutes: 30 });
    // The deadline is on the database clock: 30 minutes after the request's own time.
    const [row] = await app.db.select().from(clarifications).where(eq(clarifications.id, req.id));
    expect(row!.dueAt.getTime() - row!.requestedAt.getTime()).toBe(30 * 60_000);
    expect(await app.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.dedupeKey, `evaluation.clarification_expire:${req.id}`))).toHaveLength(1);
    const told = await app.db.select({ kind: notifications.kind, link: notifications.link }).from(notifications).innerJoin(memberships, eq(memberships.userId, notifications.userId)).where(eq(memberships.orgId, b0.actor.orgId!));
    expect(told).toContainEqual({ kind: "clarificationRequested", link: `/clarifications#c-${req.id}` });

    // The bidder sees its own request (and nothing else of the room); another bidder sees none and cannot answer.
    const mine = await bidderClarifications(app.db, b0.actor);
    expect(mine.requests.map((r) => r.id)).toEqual([req.id]);
    expect(mine.requests[0]).toMatchObject({ question, questionSha256: sha(question), status: "open", kind: "question" });
    expect(mine.certificates.map((c) => c.id)).toContain(b0.cert.certificateId);
    expect((await bidderClarifications(app.db, b1.actor)).requests).toEqual([]);
    expect((await failure(answerAs(app, b1, { id: req.id, question, kind: "question", price: null }, "answer", "不是我们的")))?.code).toBe("NOT_FOUND");
    expect((await failure(bidderClarifications(app.db, leader.actor)))?.code).toBe("FORBIDDEN");

    // EV13: before the answer a clarify-first ground is refused.
    expect(ruleOf(await failure(saveReviewMark(app, members[2]!.actor, t.sectionId, { bidId: b0.bidId, itemId: OTHER_ITEM_ID, passed: false, ground: "ZTB_51_5_BELOW_COST", reason: "报价低于成本" })))).toEqual(["RULE_R44_CLARIFY_FIRST"]);
    // R43: the review cannot close while a request awaits its answer.
    for (const m of members) {
      for (const b of t.bidders) await passRemaining(app, m.actor, t.sectionId, b.bidId);
      await markReviewDone(app, m.actor, t.sectionId);
    }
    expect(ruleOf(await failure(closeReview(app, leader.actor, t.sectionId)))).toEqual(["RULE_R43_CLARIFICATION_PENDING"]);

    // The answer is signed: a wrong signature, a decision the kind does not allow, an empty answer are refused.
    expect(ruleOf(await failure(answerAs(app, b0, { id: req.id, question: "另一个问题", kind: "question", price: null }, "answer", "理由如下")))).toEqual(["RULE_R43_ANSWER_SIGNATURE"]);
    expect(ruleOf(await failure(answerAs(app, b0, { id: req.id, question, kind: "question", price: null }, "answer", "理由如下", b1.cert.privateKeyPkcs8)))).toEqual(["RULE_R43_ANSWER_SIGNATURE"]);
    expect(ruleOf(await failure(answerAs(app, b0, { id: req.id, question, kind: "question", price: null }, "accept", "")))).toEqual(["RULE_R43_DECISION"]);
    expect(ruleOf(await failure(answerAs(app, b0, { id: req.id, question, kind: "question", price: null }, "answer", "  ")))).toEqual(["RULE_R43_ANSWER_REQUIRED"]);
    const answer = "钢筋为我公司库存材料，采购合同及入库单见附件，单价真实合理。";
    await answerAs(app, b0, { id: req.id, question, kind: "question", price: null }, "answer", answer);
    expect(ruleOf(await failure(answerAs(app, b0, { id: req.id, question, kind: "question", price: null }, "answer", answer)))).toEqual(["RULE_R43_CLARIFICATION_CLOSED"]);
    const [answered] = await app.db.select().from(clarifications).where(eq(clarifications.id, req.id));
    expect(answered).toMatchObject({ status: "answered", answer, answerCertificateId: b0.cert.certificateId });
    const [entry] = await app.db.select({ payload: recordEntries.payload, actor: recordEntries.actorUserId }).from(recordEntries).where(eq(recordEntries.action, "evaluation.clarification_answered"));
    expect(entry).toMatchObject({ actor: b0.actor.user!.id, payload: { clarificationId: req.id, answerSha256: sha(answer), certificate: b0.cert.fingerprint } });

    // The committee sees the answer; EV13 now allows the clarify-first ground (after reopening a done sheet).
    const view = await clarificationsView(app.db, t.sectionId, (await loadEvaluation(app.db, t.sectionId))!.config as never, await sectionBids(app.db, t.sectionId));
    expect(view.requests[0]).toMatchObject({ id: req.id, status: "answered", answer });
    expect((await clarificationState(app.db, t.sectionId)).clarified.has(b0.bidId)).toBe(true);
  });

  it("TV-C1/R43: a correction binds only when the bidder accepts it and then feeds the engine; a refused one rejects the bid (评标规定19); no answer in time expires by a job (database clock)", async () => {
    const { app } = env();
    const { t, members } = await atReview(app);
    const [b0, b1, b2] = t.bidders as [Bidder, Bidder, Bidder];
    const leader = members[0]!;
    // TV-C1: words 玖佰贰拾伍万元整, figures 9,520,000 → words win → 9,250,000.
    const written = { figures: "9520000", words: "玖佰贰拾伍万元整" };
    expect(ruleOf(await failure(requestClarification(app, leader.actor, t.sectionId, { bidId: b0.bidId, kind: "correction", question: "大小写不一致", dueMinutes: 30, written: { figures: "9250000", words: "玖佰贰拾伍万元整" } })))).toEqual(["RULE_R43_NOTHING_TO_CORRECT"]);
    expect((await failure(requestClarification(app, leader.actor, t.sectionId, { bidId: b0.bidId, kind: "correction", question: "大小写不一致", dueMinutes: 30, written: { figures: "abc" } })))?.code).toBe("VALIDATION");
    const c0 = await requestClarification(app, leader.actor, t.sectionId, { bidId: b0.bidId, kind: "correction", question: "投标函大写金额与小写金额不一致，按评标规定第十九条以大写为准修正，请确认。", dueMinutes: 30, written });
    expect(ruleOf(await failure(requestClarification(app, leader.actor, t.sectionId, { bidId: b0.bidId, kind: "correction", question: "再次修正", dueMinutes: 30, written })))).toEqual(["RULE_R43_CORRECTION_OPEN"]);
    const c1 = await requestClarification(app, leader.actor, t.sectionId, { bidId: b1.bidId, kind: "correction", question: "大小写不一致，请确认修正。", dueMinutes: 30, written });
    const c2 = await requestClarification(app, leader.actor, t.sectionId, { bidId: b2.bidId, kind: "question", question: "请说明工期安排。", dueMinutes: 10 });

    const [r0] = (await bidderClarifications(app.db, b0.actor)).requests;
    expect(r0!.correction).toMatchObject({ price: "9250000.00" });
    // The bidder signs over the proposed price: a signature for another price does not verify.
    const q0 = { id: c0.id, question: r0!.question, kind: "correction" as const, price: "9520000.00" };
    expect(ruleOf(await failure(answerAs(app, b0, q0, "accept", "")))).toEqual(["RULE_R43_ANSWER_SIGNATURE"]);
    await answerAs(app, b0, { ...q0, price: r0!.correction!.price }, "accept", "");
    const [r1] = (await bidderClarifications(app.db, b1.actor)).requests;
    await answerAs(app, b1, { id: c1.id, question: r1!.question, kind: "correction", price: r1!.correction!.price }, "refuse", "我方不同意修正");

    // No answer in time: the job expires it on the database clock (not before), and a late answer is refused.
    expect(await expireClarification(app, c2.id)).toBe(false);
    await app.db.execute(sql`update clarifications set due_at = now() - interval '1 second' where id = ${c2.id}::uuid`);
    await app.db.execute(sql`update jobs set due_at = now() - interval '1 second' where dedupe_key = ${`evaluation.clarification_expire:${c2.id}`}`);
    await runDueJobs(app, jobHandlers([]));
    const [expired] = await app.db.select({ status: clarifications.status }).from(clarifications).where(eq(clarifications.id, c2.id));
    expect(expired!.status).toBe("expired");
    expect(await app.db.select().from(recordEntries).where(eq(recordEntries.action, "evaluation.clarification_expired"))).toHaveLength(1);
    const [r2] = (await bidderClarifications(app.db, b2.actor)).requests;
    expect(ruleOf(await failure(answerAs(app, b2, { id: c2.id, question: r2!.question, kind: "question", price: null }, "answer", "迟到的答复")))).toEqual(["RULE_R43_CLARIFICATION_CLOSED"]);

    const state = await clarificationState(app.db, t.sectionId);
    expect(state.corrections.get(b0.bidId)).toMatchObject({ price: "9250000.00", confirmed: true });
    expect(state.corrections.get(b1.bidId)).toMatchObject({ confirmed: false });
    expect(state.clarified.has(b2.bidId)).toBe(true); // expired counts as clarified for EV13

    // The close: the refused correction rejects b1 (评标规定19); the accepted one feeds the engine's input.
    for (const m of members) {
      for (const b of t.bidders) await passRemaining(app, m.actor, t.sectionId, b.bidId);
      await markReviewDone(app, m.actor, t.sectionId);
    }
    expect(await closeReview(app, leader.actor, t.sectionId)).toEqual({ valid: 2, outcome: "reasoning" });
    const [entry] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "evaluation.review_closed"), eq(recordEntries.subjectId, t.sectionId)));
    const concl = (entry!.payload as { conclusions: { bidId: string; passed: boolean; grounds: string[] }[] }).conclusions;
    expect(concl.find((c) => c.bidId === b1.bidId)).toMatchObject({ passed: false, grounds: ["ZTB_EP19_CORRECTION_REFUSED"] });
    const input = await evaluationInput(app.db, t.sectionId, { sheets: false });
    expect(input.input.bids.find((b) => b.bidderId === b0.bidId)!.correction).toMatchObject({ price: "9250000.00", confirmed: true });
  });

  it("EV14/TV-A1: an abnormally low price is flagged and drafted as a price-explanation request; the platform never rejects by itself", async () => {
    const { app } = env();
    const { t, members } = await atReview(app);
    const low = t.bidders[2]!;
    // D reads 7,000,000 against 9,800,000 and 9,900,000: > 20 % below the mean of the others.
    await app.db.execute(sql`update bid_openings set form = jsonb_set(form, '{form,priceYuan}', '"7000000"') where bid_id = ${low.bidId}::uuid`);
    const config = (await loadEvaluation(app.db, t.sectionId))!.config as never;
    const view = await clarificationsView(app.db, t.sectionId, config, await sectionBids(app.db, t.sectionId));
    expect(view.drafts.map((d) => d.bidId)).toEqual([low.bidId]);
    expect(view.flags[low.bidId]).toMatchObject({ flagged: true });
    await requestClarification(app, members[0]!.actor, t.sectionId, { bidId: low.bidId, kind: "abnormally_low", question: "报价明显低于其他投标人，请书面说明并提供证明材料（评标规定第二十一条）。", dueMinutes: 60 });
    const after = await clarificationsView(app.db, t.sectionId, config, await sectionBids(app.db, t.sectionId));
    expect(after.drafts).toEqual([]);
    const [bo] = await app.db.select({ state: bidOpenings.state }).from(bidOpenings).where(eq(bidOpenings.bidId, low.bidId));
    expect(bo!.state).toBe("decrypted");
  });
});
