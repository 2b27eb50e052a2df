import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { bidOpenings, committeeMembers, evaluations, jobs, memberships, notifications, openings, recordEntries, reviewConclusions, roomPresence, sections } from "#db/schema/index";
import { defaultsFor, parseMethodConfig, type MethodConfig, type MethodKind } from "#app/domain/evaluation/method";
import { defaultReviewItems } from "#app/domain/evaluation/review-defaults";
import { OTHER_ITEM_ID } from "#app/domain/evaluation/review";
import { openBidFile } from "#app/services/evaluation/bid-files.server";
import { closeReview, decideTooFew, markReviewDone, passRemaining, reopenReview, reviewView, saveReviewMark } from "#app/services/evaluation/review.server";
import { loadEvaluation } from "#app/services/evaluation/access.server";
import { roomView } from "#app/services/evaluation/room-view.server";
import { login } from "#app/services/accounts/auth.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { runDueJobs } from "#app/services/platform/jobs.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { loader as fileLoader } from "#app/routes/evaluations.$sectionId.bids.$bidId.files.$index";
import { demoPdf } from "../../server/demo-pdf";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { forceStage, openedSection, seatCommittee, type Member } from "../helpers/evaluation";
import { makeActor, PASSWORD } from "../helpers/factories";
import { checkSignedPdf } from "../helpers/pdfsig";

/**
 * Issue 12 items 4 and 6 (ADR 015 "Bid files", "review"): bid files read in the room by its members only, every
 * view recorded; the compliance review (初步评审, EV12, EV17, R44) from the items frozen at publication; too few
 * valid bids (R45, EV10, TV-N1) in both regimes, the ZFCG failure notice through the opening's notice path.
 */

/** Two review items of the regime's defaults (docs/evaluation-rules.md §3.1), frozen into the evaluation as at publication. */
async function freezeMethod(app: AppContext, sectionId: string, kind: MethodKind = "ZTB_LOWEST_EVALUATED"): Promise<MethodConfig> {
  const regime = kind.startsWith("ZFCG") ? "ZFCG" : "ZTB";
  const config = parseMethodConfig({ kind, ...defaultsFor(kind), review: defaultReviewItems(regime).slice(0, 2) });
  await app.db.update(evaluations).set({ config }).where(eq(evaluations.sectionId, sectionId));
  return config;
}

/** A section at the review stage: 5 seated members (M1 leads), each in the room. */
async function atReview(app: AppContext, bids = 3, kind: MethodKind = "ZTB_LOWEST_EVALUATED") {
  const t = await openedSection(app, bids);
  const members = await seatCommittee(app, t.sectionId, 5);
  const config = await freezeMethod(app, t.sectionId, kind);
  await forceStage(app, t.sectionId, "review", members);
  for (const m of members) await app.db.insert(roomPresence).values({ sectionId: t.sectionId, memberId: m.memberId, enteredAt: new Date() });
  const items = [...config.review.map((r) => r.id), OTHER_ITEM_ID];
  return { t, members, config, items };
}

/** Every member passes every bid, except that `fails` members fail `bidIds` on the first item with `ground`. */
async function markAll(app: AppContext, sectionId: string, members: Member[], bidIds: string[], fail: { bidIds: string[]; members: number; itemId: string; ground: string }) {
  for (const [i, m] of members.entries()) {
    for (const bidId of fail.bidIds) if (i < fail.members) await saveReviewMark(app, m.actor, sectionId, { bidId, itemId: fail.itemId, passed: false, ground: fail.ground, reason: `M${m.seat}：投标函未盖单位章` });
    for (const bidId of bidIds) await passRemaining(app, m.actor, sectionId, bidId);
    await markReviewDone(app, m.actor, sectionId);
  }
}

async function blobBytes(app: AppContext, sha256: string): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const part of await app.blobs.get(sha256)) parts.push(part as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}

async function streamText(body: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

/** The file route as the browser calls it, with a real session of `actor`. */
async function getFile(app: AppContext, actor: (Actor & { username: string }) | null, sectionId: string, bidId: string, index: string) {
  const headers = new Headers();
  if (actor) {
    const s = await login(app, { username: actor.username, password: PASSWORD, ip: "127.0.0.1", userAgent: "vitest" });
    headers.set("cookie", `th_session=${s.token}`);
  }
  const request = new Request(`http://localhost/evaluations/${sectionId}/bids/${bidId}/files/${index}`, { headers });
  return fileLoader({ request, context: { app, ip: "127.0.0.1", userAgent: "vitest" } as never, params: { sectionId, bidId, index } });
}

forEachDriver("evaluation: bid files, compliance review, R45 (ADR 015)", (env) => {
  it("issue 12 item 4: bid files are read inline in the room by its seated members only, each view recorded; everyone else 404 (R42)", async () => {
    const { app } = env();
    const { t, members } = await atReview(app, 3);
    const bid = t.bidders[0]!;
    // A PDF among the bid's files (stored as the opening stores a verified plaintext file).
    const pdf = await app.blobs.put(demoPdf(["技术标"]));
    const [bo] = await app.db.select({ files: bidOpenings.files }).from(bidOpenings).where(eq(bidOpenings.bidId, bid.bidId));
    const files = [...(bo!.files ?? []), { index: 9, name: "技术标 (终版).pdf", size: pdf.size, sha256: pdf.sha256 }];
    await app.db.update(bidOpenings).set({ files }).where(eq(bidOpenings.bidId, bid.bidId));

    const m = members[1]!;
    const text = await openBidFile(app, m.actor, t.sectionId, bid.bidId, 1);
    expect(text.contentType).toBe("text/plain; charset=utf-8");
    expect(await streamText(text.body)).toBe("技术标正文");
    const form = await openBidFile(app, m.actor, t.sectionId, bid.bidId, 0);
    expect(form.contentType).toBe("application/json; charset=utf-8");

    // Through the route, with a session: inline, typed, not sniffed, not stored; a PDF is not sandboxed (the viewer).
    const res = await getFile(app, m.actor, t.sectionId, bid.bidId, "9");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toMatch(/^inline; filename="[^"]*"; filename\*=UTF-8''%E6%8A%80/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toMatch(/frame-ancestors 'self'/);
    expect(res.headers.get("content-security-policy")).not.toMatch(/sandbox/);
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
    const txt = await getFile(app, m.actor, t.sectionId, bid.bidId, "1");
    expect(txt.headers.get("content-security-policy")).toMatch(/^sandbox;/);

    // Every view is in the record: who (seat), which bid, which file, its hash.
    const views = await app.db.select({ payload: recordEntries.payload, subjectId: recordEntries.subjectId }).from(recordEntries).where(eq(recordEntries.action, "evaluation.file_viewed")).orderBy(recordEntries.seq);
    expect(views).toHaveLength(4);
    expect(views.every((v) => v.subjectId === bid.bidId)).toBe(true);
    expect(views.map((v) => (v.payload as { seat: number; fileIndex: number }).fileIndex).sort()).toEqual([0, 1, 1, 9]);
    expect(views[2]!.payload).toMatchObject({ seat: 2, fileIndex: 9, sha256: pdf.sha256 });

    // Nobody else reads: supervisor, tendering unit, bidders (its own bid too), an unrelated expert, the public.
    const stranger = await makeActor(app, "expert");
    const others: (Actor & { username: string })[] = [t.supervisor as Actor & { username: string }, t.tu as Actor & { username: string }, bid.actor as Actor & { username: string }, stranger];
    for (const a of others) {
      expect((await failure(openBidFile(app, a, t.sectionId, bid.bidId, 1)))?.code).toBe("NOT_FOUND");
      expect((await getFile(app, a, t.sectionId, bid.bidId, "9")).status).toBe(404);
    }
    expect((await getFile(app, null, t.sectionId, bid.bidId, "9")).status).toBe(404);
    // Malformed or foreign ids, a missing file: 404 (the ids are checked before any query).
    expect((await getFile(app, m.actor, "not-a-uuid", bid.bidId, "1")).status).toBe(404);
    expect((await getFile(app, m.actor, t.sectionId, "1 or 1=1", "1")).status).toBe(404);
    expect((await getFile(app, m.actor, t.sectionId, bid.bidId, "-1")).status).toBe(404);
    expect((await getFile(app, m.actor, t.sectionId, bid.bidId, "99999999999")).status).toBe(404);
    expect((await getFile(app, m.actor, t.sectionId, bid.bidId, "7")).status).toBe(404);
    const other = await openedSection(app, 3);
    expect((await failure(openBidFile(app, m.actor, t.sectionId, other.bidders[0]!.bidId, 1)))?.code).toBe("NOT_FOUND");
    // "Inside the room": a member who left reads nothing until it enters again.
    await app.db.update(roomPresence).set({ leftAt: new Date() }).where(eq(roomPresence.memberId, m.memberId));
    expect((await failure(openBidFile(app, m.actor, t.sectionId, bid.bidId, 1)))?.code).toBe("NOT_FOUND");
    // Before the review (entry, leader) the files are not read.
    await app.db.update(evaluations).set({ stage: "leader" }).where(eq(evaluations.sectionId, t.sectionId));
    expect((await failure(openBidFile(app, members[2]!.actor, t.sectionId, bid.bidId, 1)))?.code).toBe("NOT_FOUND");
    // Refused reads left no record entry.
    expect(await app.db.select().from(recordEntries).where(eq(recordEntries.action, "evaluation.file_viewed"))).toHaveLength(4);
    expect(members.length).toBe(5);
  });

  it("EV12/R44/EV17: each member marks pass/fail per item per bid with a reason and a ground; the leader closes by majority; R45 ZTB: reasoning recorded, then continue", async () => {
    const { app } = env();
    const { t, members, items } = await atReview(app, 4);
    const [b0, b1, b2, b3] = t.bidders.map((b) => b.bidId) as [string, string, string, string];
    const m1 = members[0]!;
    const m2 = members[1]!;

    // A fail needs a reason and a ground of the regime's catalogue; a clarify-first ground waits for a clarification (EV13).
    expect(ruleOf(await failure(saveReviewMark(app, m2.actor, t.sectionId, { bidId: b0, itemId: items[0]!, passed: false, ground: "ZTB_51_1_UNSIGNED", reason: " " })))).toEqual(["RULE_R44_FAIL_REASON"]);
    expect(ruleOf(await failure(saveReviewMark(app, m2.actor, t.sectionId, { bidId: b0, itemId: items[0]!, passed: false, ground: "ZFCG_63_2_UNSIGNED", reason: "未盖章" })))).toEqual(["RULE_R44_GROUND_UNKNOWN"]);
    expect(ruleOf(await failure(saveReviewMark(app, m2.actor, t.sectionId, { bidId: b0, itemId: items[0]!, passed: false, ground: "ZTB_EP19_CORRECTION_REFUSED", reason: "x" })))).toEqual(["RULE_R44_GROUND_UNKNOWN"]);
    expect(ruleOf(await failure(saveReviewMark(app, m2.actor, t.sectionId, { bidId: b0, itemId: OTHER_ITEM_ID, passed: false, ground: "ZTB_51_5_BELOW_COST", reason: "报价明显低于其他投标" })))).toEqual(["RULE_R44_CLARIFY_FIRST"]);
    expect((await failure(saveReviewMark(app, m2.actor, t.sectionId, { bidId: b0, itemId: "not-an-item", passed: true })))?.code).toBe("VALIDATION");
    expect((await failure(saveReviewMark(app, m2.actor, t.sectionId, { bidId: "x'; drop table bids;--", itemId: items[0]!, passed: true })))?.code).toBe("NOT_FOUND");

    // Authorisation: non-members, bidders, the tendering unit and supervisors see no review (404).
    const stranger = await makeActor(app, "expert");
    for (const a of [stranger, t.bidders[0]!.actor, t.tu, t.supervisor]) {
      expect((await failure(saveReviewMark(app, a, t.sectionId, { bidId: b0, itemId: items[0]!, passed: true })))?.code).toBe("NOT_FOUND");
      expect((await failure(passRemaining(app, a, t.sectionId, b0)))?.code).toBe("NOT_FOUND");
      expect((await failure(markReviewDone(app, a, t.sectionId)))?.code).toBe("NOT_FOUND");
      expect((await failure(closeReview(app, a, t.sectionId)))?.code).toBe("NOT_FOUND");
      expect((await failure(decideTooFew(app, a, t.sectionId, { decision: "continue", reasoning: "缺乏竞争理由充分说明" })))?.code).toBe("NOT_FOUND");
    }
    expect((await failure(roomView(app.db, t.tu, t.sectionId)))?.code).toBe("NOT_FOUND");

    // Done needs every item of every bid; the leader closes only when all are done.
    await saveReviewMark(app, m2.actor, t.sectionId, { bidId: b0, itemId: items[0]!, passed: true });
    expect(ruleOf(await failure(markReviewDone(app, m2.actor, t.sectionId)))).toEqual(["RULE_R44_REVIEW_INCOMPLETE"]);
    expect(ruleOf(await failure(closeReview(app, m1.actor, t.sectionId)))).toEqual(["RULE_R44_MEMBERS_NOT_DONE"]);

    // b2 and b3 are failed on the first item by M1–M3 (a majority of 5).
    await markAll(app, t.sectionId, members, [b0, b1, b2, b3], { bidIds: [b2, b3], members: 3, itemId: items[0]!, ground: "ZTB_51_1_UNSIGNED" });
    // A done member's marks are locked until it reopens (EV17); reopening is its own recorded action.
    expect(ruleOf(await failure(saveReviewMark(app, m2.actor, t.sectionId, { bidId: b0, itemId: items[0]!, passed: true })))).toEqual(["RULE_R44_REVIEW_DONE"]);
    await reopenReview(app, members[4]!.actor, t.sectionId);
    await saveReviewMark(app, members[4]!.actor, t.sectionId, { bidId: b1, itemId: items[1]!, passed: false, ground: "ZTB_51_6_NOT_RESPONSIVE", reason: "工期不满足" });
    await markReviewDone(app, members[4]!.actor, t.sectionId);

    // Members do not see each other's marks before the close.
    const before = await reviewView(app.db, (await loadEvaluation(app.db, t.sectionId))!, { member: await memberRow(app, m2), supervisor: false });
    expect(before.marks).toEqual([]);
    expect(before.mine.length).toBe(4 * items.length);
    expect(before.progress).toEqual({ done: 5, members: 5 });

    expect((await failure(closeReview(app, m2.actor, t.sectionId)))?.code).toBe("FORBIDDEN"); // the leader closes
    const closed = await closeReview(app, m1.actor, t.sectionId);
    expect(closed).toEqual({ valid: 2, outcome: "reasoning" });
    const rows = await app.db.select().from(reviewConclusions).where(eq(reviewConclusions.sectionId, t.sectionId));
    const byBid = new Map(rows.map((r) => [r.bidId, r]));
    expect(byBid.get(b0)!.passed).toBe(true);
    expect(byBid.get(b1)!.passed).toBe(true); // 1 of 5 failed an item: the majority passes it
    expect(byBid.get(b2)).toMatchObject({ passed: false, ground: "ZTB_51_1_UNSIGNED" });
    expect(byBid.get(b2)!.items.find((i) => i.itemId === items[0])).toMatchObject({ passed: false, votes: { pass: 2, fail: 3 } });
    expect(byBid.get(b2)!.reasons).toHaveLength(3);
    const [entry] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "evaluation.review_closed"), eq(recordEntries.subjectId, t.sectionId)));
    expect(entry!.payload).toMatchObject({ valid: 2, min: 3, outcome: "reasoning" });
    // After the close: everyone's marks; the marks are final.
    const after = await reviewView(app.db, (await loadEvaluation(app.db, t.sectionId))!, { member: await memberRow(app, m2), supervisor: false });
    expect(after.marks.length).toBe(5 * 4 * items.length);
    expect(after.tooFew).toMatchObject({ valid: 2, min: 3, action: "record_reasoning", outcome: "reasoning", decided: false });
    expect(ruleOf(await failure(reopenReview(app, m2.actor, t.sectionId)))).toEqual(["RULE_R44_REVIEW_CLOSED"]);

    // R45/TV-N1 ZTB: the committee's reasoning is required, recorded, then the leader continues with 2 bids.
    expect(ruleOf(await failure(decideTooFew(app, m1.actor, t.sectionId, { decision: "continue", reasoning: "太短" })))).toEqual(["RULE_R45_REASONING_REQUIRED"]);
    expect((await failure(decideTooFew(app, m2.actor, t.sectionId, { decision: "continue", reasoning: "两家有效投标报价差异合理，竞争充分。" })))?.code).toBe("FORBIDDEN");
    await decideTooFew(app, m1.actor, t.sectionId, { decision: "continue", reasoning: "两家有效投标报价差异合理，竞争充分。" });
    const ev = await loadEvaluation(app.db, t.sectionId);
    expect(ev).toMatchObject({ stage: "scoring", tooFewReasoning: "两家有效投标报价差异合理，竞争充分。" });
    const [decided] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(eq(recordEntries.action, "evaluation.too_few_continued"));
    expect(decided!.payload).toMatchObject({ decision: "continue", valid: 2, min: 3 });
  });

  it("R45/TV-N1 ZTB: with too few valid bids the committee may reject all — the section fails and a signed 流标公告 is issued", async () => {
    const { app } = env();
    const { t, members, items } = await atReview(app, 3);
    const [b0, b1, b2] = t.bidders.map((b) => b.bidId) as [string, string, string];
    await markAll(app, t.sectionId, members, [b0, b1, b2], { bidIds: [b2], members: 5, itemId: items[1]!, ground: "ZTB_51_3_UNQUALIFIED" });
    expect(await closeReview(app, members[0]!.actor, t.sectionId)).toEqual({ valid: 2, outcome: "reasoning" });
    await decideTooFew(app, members[0]!.actor, t.sectionId, { decision: "reject_all", reasoning: "仅两家有效投标且报价均接近最高限价，明显缺乏竞争。" });
    expect(await loadEvaluation(app.db, t.sectionId)).toMatchObject({ stage: "failed", failure: { cause: "rejected_all", valid: 2, min: 3, regime: "ZTB" } });
    const [sec] = await app.db.select({ status: sections.status }).from(sections).where(eq(sections.id, t.sectionId));
    expect(sec!.status).toBe("failed");

    // The notice is issued by a job on the database clock, through the opening's failure-notice path.
    expect(await app.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.dedupeKey, `evaluation.failure_notice:${t.sectionId}`))).toHaveLength(1);
    await runDueJobs(app, jobHandlers([]));
    const [o] = await app.db.select({ notice: openings.failureNoticeSha256 }).from(openings).where(eq(openings.sectionId, t.sectionId));
    expect(o!.notice).toMatch(/^[0-9a-f]{64}$/);
    const check = checkSignedPdf(await blobBytes(app, o!.notice!), documentSigner(app.config).caCertPem);
    expect(check.plain).toContain("Signature is Valid");
    expect(check.text).toContain("流标公告");
    expect(check.text.replace(/\s+/g, "")).toContain("明显缺乏竞争");
    const [entry] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "evaluation.failure_notice"), eq(recordEntries.subjectId, t.sectionId)));
    expect(entry!.payload).toMatchObject({ document: "流标公告", sha256: o!.notice });
  });

  it("R45/TV-N1 ZFCG: fewer than 3 qualified bids → the section fails at the close and a signed 废标公告 goes to the parties", async () => {
    const { app } = env();
    const { t, members, items } = await atReview(app, 3, "ZFCG_LOWEST");
    const [b0, b1, b2] = t.bidders.map((b) => b.bidId) as [string, string, string];
    // A ZTB ground is not one of the ZFCG catalogue.
    expect(ruleOf(await failure(saveReviewMark(app, members[0]!.actor, t.sectionId, { bidId: b2, itemId: items[0]!, passed: false, ground: "ZTB_51_1_UNSIGNED", reason: "未签字" })))).toEqual(["RULE_R44_GROUND_UNKNOWN"]);
    await markAll(app, t.sectionId, members, [b0, b1, b2], { bidIds: [b2], members: 4, itemId: items[0]!, ground: "ZFCG_63_3_UNQUALIFIED" });
    expect(await closeReview(app, members[0]!.actor, t.sectionId)).toEqual({ valid: 2, outcome: "fail" });
    expect(await loadEvaluation(app.db, t.sectionId)).toMatchObject({ stage: "failed", failure: { cause: "too_few", valid: 2, min: 3, regime: "ZFCG" } });
    // ZFCG has no "continue": the decision is refused.
    expect((await failure(decideTooFew(app, members[0]!.actor, t.sectionId, { decision: "continue", reasoning: "两家有效投标报价差异合理，竞争充分。" })))?.code).toBe("INVALID_STATE");
    await runDueJobs(app, jobHandlers([]));
    const [o] = await app.db.select({ notice: openings.failureNoticeSha256 }).from(openings).where(eq(openings.sectionId, t.sectionId));
    const check = checkSignedPdf(await blobBytes(app, o!.notice!), documentSigner(app.config).caCertPem);
    expect(check.plain).toContain("Signature is Valid");
    expect(check.trusted).toContain("Certificate is Trusted");
    expect(check.text).toContain("废标公告");
    expect(check.text.replace(/\s+/g, "")).toContain("不足3家");
    const inbox = await app.db.select({ kind: notifications.kind }).from(notifications).innerJoin(memberships, eq(memberships.userId, notifications.userId)).where(eq(memberships.orgId, t.bidders[0]!.actor.orgId!));
    expect(inbox.map((n) => n.kind)).toContain("sectionFailedEvaluation");
    // The room shows the failure to its members; still nothing to the tendering unit (R42).
    expect((await roomView(app.db, members[1]!.actor, t.sectionId)).review?.failure).toEqual({ cause: "too_few", valid: 2, min: 3 });
    expect((await failure(roomView(app.db, t.tu, t.sectionId)))?.code).toBe("NOT_FOUND");
    // Idempotent: a second run issues nothing new.
    await runDueJobs(app, jobHandlers([]));
    expect(await app.db.select().from(recordEntries).where(and(eq(recordEntries.action, "evaluation.failure_notice"), eq(recordEntries.subjectId, t.sectionId)))).toHaveLength(1);
  });
});

async function memberRow(app: AppContext, m: Member) {
  const [row] = await app.db.select().from(committeeMembers).where(eq(committeeMembers.id, m.memberId));
  return row!;
}
