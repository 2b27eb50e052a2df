import { readFileSync } from "node:fs";
import { and, asc, eq, inArray } from "drizzle-orm";
import { expect, it } from "vitest";
import { evaluations, memberStageDone, recordEntries, reviewConclusions, scores } from "#db/schema/index";
import { pauseEvaluation, resumeEvaluation } from "#app/services/evaluation/pause.server";
import { roomView } from "#app/services/evaluation/room-view.server";
import { reopenSheet, saveScore, scoringView, sheetSha256, submitSheet } from "#app/services/evaluation/scoring.server";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { forceStage, freezeMethod, openedSection, passReview, seatCommittee, setReadPrices, type Member } from "../helpers/evaluation";
import type { AppContext } from "#app/services/platform/context.server";

/**
 * Independent scoring (docs/product.md §3.5, docs/evaluation-rules.md §4.5, EV17; R46 bounds, R42 secrecy) on the real commands:
 * every autosave is a recorded command with a revision (a stale revision is refused), values outside the frozen
 * method's bounds are refused, a submitted sheet is locked (its SHA-256 in the record) and reopened only by its
 * member before the stage closes, and a pause (87号令65) stops every save.
 */

/** The ZTB 综合评估法 fixture's method (T1 range 0–25, T2 options 15/10/5/0, B1 objective options, B2 range, P formula). */
const method = JSON.parse(readFileSync(new URL("../fixtures/evaluation/ztb-comprehensive.appendix.json", import.meta.url), "utf8")).method;

async function scoringRoom(app: AppContext, n = 3) {
  const t = await openedSection(app, n);
  const members = await seatCommittee(app, t.sectionId, 5);
  await forceStage(app, t.sectionId, "scoring", members);
  await freezeMethod(app, t.sectionId, method);
  await setReadPrices(app, t.sectionId, t.bidders.map((b, i) => ({ bidId: b.bidId, priceYuan: String(9_600_000 + i * 200_000) })), "10500000");
  const passed = t.bidders.slice(0, n - 1).map((b) => b.bidId); // the last bid failed the review: not scored
  await passReview(app, t.sectionId, passed);
  const failed = t.bidders[n - 1]!.bidId;
  await app.db.insert(reviewConclusions).values({ sectionId: t.sectionId, bidId: failed, passed: false, items: [{ itemId: "form", passed: false, votes: { pass: 0, fail: 5 } }], ground: "R44", reasons: ["未按招标文件要求签字盖章"], decidedAt: new Date() });
  return { ...t, members, passed, leader: members[0]! };
}

/** A full valid sheet of one member (the leader also enters the objective item once for the committee). */
async function fillSheet(app: AppContext, sectionId: string, m: Member, bidIds: string[], t1 = "20") {
  const revOf = async (bidId: string, item: string) => {
    const [row] = await app.db.select({ rev: scores.rev }).from(scores).where(and(eq(scores.sectionId, sectionId), eq(scores.memberId, m.memberId), eq(scores.bidId, bidId), eq(scores.itemId, item)));
    return row?.rev ?? 0;
  };
  const items: [string, string][] = [["T1", t1], ["T2", "10"], ["B2", "7.5"], ...(m.seat === 1 ? ([["B1", "10"]] as [string, string][]) : [])];
  for (const bidId of bidIds) for (const [item, score] of items) await saveScore(app, m.actor, sectionId, { bidId, item, score, rev: await revOf(bidId, item) });
}

/** Many real commands per test on a shared 2-core machine (each save is a recorded command). */
const SLOW = 240_000;

forEachDriver("evaluation scoring (R46, R48, EV17, 87号令65)", (env) => {
  it("R46: a score outside the frozen method's bounds, off its options or precision, for a computed item or a rejected bid is refused; nothing is stored", async () => {
    const { app } = env();
    const r = await scoringRoom(app);
    const m = r.members[1]!;
    const [a] = r.passed;
    const save = (bidId: string, item: string, score: string) => failure(saveScore(app, m.actor, r.sectionId, { bidId, item, score, rev: 0 }));
    expect(ruleOf(await save(a!, "T1", "25.5"))).toEqual(["RULE_R46_SCORE_ABOVE_MAX"]);
    expect(ruleOf(await save(a!, "T1", "-1"))).toEqual(["RULE_R46_SCORE_FORMAT"]);
    expect(ruleOf(await save(a!, "T1", "12.345"))).toEqual(["RULE_R46_SCORE_DECIMALS"]);
    expect(ruleOf(await save(a!, "T1", "1e1"))).toEqual(["RULE_R46_SCORE_FORMAT"]);
    expect(ruleOf(await save(a!, "T2", "12"))).toEqual(["RULE_R46_SCORE_NOT_OPTION"]);
    expect(ruleOf(await save(a!, "P", "40"))).toEqual(["RULE_R46_NOT_SCORED"]); // the price score is the engine's
    expect(ruleOf(await save(a!, "T", "30"))).toEqual(["RULE_R46_NOT_SCORED"]); // a group is a sum
    expect(ruleOf(await save(r.bidders[2]!.bidId, "T1", "10"))).toEqual(["RULE_R46_BID_NOT_SCORED"]);
    expect((await save(a!, "no such item!", "1"))?.code).toBe("VALIDATION");
    expect((await save("not-a-uuid", "T1", "1"))?.code).toBe("NOT_FOUND");
    expect(await app.db.select().from(scores).where(eq(scores.sectionId, r.sectionId))).toHaveLength(0);
    // Not on the committee: the room does not exist (R42).
    expect((await failure(saveScore(app, r.tu, r.sectionId, { bidId: a!, item: "T1", score: "10", rev: 0 })))?.code).toBe("NOT_FOUND");
    expect((await failure(saveScore(app, r.supervisor, r.sectionId, { bidId: a!, item: "T1", score: "10", rev: 0 })))?.code).toBe("NOT_FOUND");

    // A valid value at the bound is kept, and the save is a recorded command that names no value.
    const saved = await saveScore(app, m.actor, r.sectionId, { bidId: a!, item: "T1", score: "25", rev: 0 });
    expect(saved).toMatchObject({ item: "T1", score: "25", rev: 1, committee: false });
    const entries = await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, r.sectionId), eq(recordEntries.action, "evaluation.score_saved")));
    expect(entries).toHaveLength(1);
    expect(entries[0]!.payload).toEqual({ seat: 2, bidId: a, item: "T1", rev: 1, committee: false });
    expect(entries[0]!.actorUserId).toBe(m.actor.user!.id);
  }, SLOW);

  it("autosave: each save raises the revision; a write based on an older revision is refused (CONFLICT) and changes nothing", async () => {
    const { app } = env();
    const r = await scoringRoom(app);
    const m = r.members[2]!;
    const bidId = r.passed[0]!;
    expect((await saveScore(app, m.actor, r.sectionId, { bidId, item: "B2", score: "6", rev: 0 })).rev).toBe(1);
    expect((await saveScore(app, m.actor, r.sectionId, { bidId, item: "B2", score: "6.5", rev: 1 })).rev).toBe(2);
    // A second window still at revision 1 (or a retried old request) must not overwrite the newer value.
    const stale = await failure(saveScore(app, m.actor, r.sectionId, { bidId, item: "B2", score: "3", rev: 1 }));
    expect(stale?.code).toBe("CONFLICT");
    expect(stale?.params).toMatchObject({ rev: 2, score: "6.5" });
    expect((await failure(saveScore(app, m.actor, r.sectionId, { bidId, item: "B2", score: "3", rev: 0 })))?.code).toBe("CONFLICT");
    const [row] = await app.db.select().from(scores).where(and(eq(scores.sectionId, r.sectionId), eq(scores.memberId, m.memberId), eq(scores.itemId, "B2")));
    expect(row).toMatchObject({ score: "6.5", rev: 2 });
    expect((await failure(saveScore(app, m.actor, r.sectionId, { bidId, item: "B2", score: "3", rev: -1 })))?.code).toBe("VALIDATION");
    // The refused writes left no record entry.
    const entries = await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, r.sectionId), eq(recordEntries.action, "evaluation.score_saved"))).orderBy(asc(recordEntries.seq));
    expect(entries.map((e) => (e.payload as { rev: number }).rev)).toEqual([1, 2]);
    // A reload shows what was saved, with its revision (the page resumes from there).
    const v = await scoringView(app.db, (await loadEv(app, r.sectionId))!, await memberRow(app, m), false);
    expect(v.kind === "member" && v.own).toEqual([{ bidId, itemId: "B2", score: "6.5", rev: 2, committee: false }]);
  }, SLOW);

  it("docs/product.md §3.5: a member sees only its own scores until everyone submitted; supervisors see progress counts, never a value", async () => {
    const { app } = env();
    const r = await scoringRoom(app);
    await saveScore(app, r.members[1]!.actor, r.sectionId, { bidId: r.passed[0]!, item: "T1", score: "11", rev: 0 });
    await saveScore(app, r.members[2]!.actor, r.sectionId, { bidId: r.passed[0]!, item: "T1", score: "22", rev: 0 });
    const ev = (await loadEv(app, r.sectionId))!;
    const mine = await scoringView(app.db, ev, await memberRow(app, r.members[1]!), false);
    expect(mine.kind).toBe("member");
    if (mine.kind !== "member") return;
    expect(mine.own.map((o) => o.score)).toEqual(["11"]);
    expect(JSON.stringify(mine)).not.toContain('"22"');
    expect(mine.bids.map((b) => b.bidId)).toEqual(expect.arrayContaining(r.passed));
    expect(mine.excluded.map((b) => b.bidId)).toEqual([r.bidders[2]!.bidId]);
    expect(mine.model.rows.find((x) => x.id === "T2")).toMatchObject({ kind: "score", options: ["15", "10", "5", "0"] });
    const sup = await scoringView(app.db, ev, null, true);
    expect(sup.kind).toBe("progress");
    expect(JSON.stringify(sup)).not.toMatch(/"(11|22)"/);
    expect(sup.progress.find((p) => p.seat === 2)).toMatchObject({ filled: 1, submitted: false });
    // Through the page's view too (the route renders roomView).
    const page = await roomView(app.db, r.supervisor, r.sectionId);
    expect(JSON.stringify(page)).not.toMatch(/"score":/);
    expect((await failure(roomView(app.db, r.tu, r.sectionId)))?.code).toBe("NOT_FOUND");
    expect((await failure(roomView(app.db, r.bidders[0]!.actor, r.sectionId)))?.code).toBe("NOT_FOUND");
  }, SLOW);

  it("EV17: an incomplete sheet cannot be submitted; submitting locks it and records its SHA-256; its member may reopen it until the stage closes; the last submission moves to the summary", async () => {
    const { app } = env();
    const r = await scoringRoom(app);
    const m = r.members[1]!;
    await saveScore(app, m.actor, r.sectionId, { bidId: r.passed[0]!, item: "T1", score: "20", rev: 0 });
    expect(ruleOf(await failure(submitSheet(app, m.actor, r.sectionId)))).toEqual(["RULE_R48_SHEET_INCOMPLETE"]);

    await fillSheet(app, r.sectionId, r.leader, r.passed);
    // The objective item entered once by the leader counts for everyone (87号令64(3)); the others need not enter it.
    for (const x of r.members.slice(1)) await fillSheet(app, r.sectionId, x, r.passed);
    await submitSheet(app, m.actor, r.sectionId);
    const [entry] = await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, r.sectionId), eq(recordEntries.action, "evaluation.scoring_submitted")));
    const rows = await app.db.select().from(scores).where(and(eq(scores.sectionId, r.sectionId), eq(scores.memberId, m.memberId)));
    expect(entry!.payload).toMatchObject({ seat: 2, sheetSha256: sheetSha256(rows), entries: 2 * 3, allSubmitted: false });
    expect(sheetSha256(rows)).toMatch(/^[0-9a-f]{64}$/);

    // Locked: no save, no second submission.
    expect(ruleOf(await failure(saveScore(app, m.actor, r.sectionId, { bidId: r.passed[0]!, item: "T1", score: "21", rev: 2 })))).toEqual(["RULE_R48_SHEET_SUBMITTED"]);
    expect(ruleOf(await failure(submitSheet(app, m.actor, r.sectionId)))).toEqual(["RULE_R48_SHEET_SUBMITTED"]);
    // The member reopens it (recorded), changes a value, submits again.
    await reopenSheet(app, m.actor, r.sectionId);
    const t1 = rows.find((x) => x.bidId === r.passed[0] && x.itemId === "T1")!;
    await saveScore(app, m.actor, r.sectionId, { bidId: r.passed[0]!, item: "T1", score: "21", rev: t1.rev });
    await submitSheet(app, m.actor, r.sectionId);
    expect((await failure(reopenSheet(app, r.members[3]!.actor, r.sectionId)))?.code).toBe("INVALID_STATE"); // nothing to reopen

    for (const x of [r.leader, r.members[2]!, r.members[3]!]) await submitSheet(app, x.actor, r.sectionId);
    expect((await loadEv(app, r.sectionId))!.stage).toBe("scoring");
    const last = await submitSheet(app, r.members[4]!.actor, r.sectionId);
    expect(last).toEqual({ allSubmitted: true });
    const ev = (await loadEv(app, r.sectionId))!;
    expect(ev.stage).toBe("summary");
    expect((ev.result as { status: string }).status).toBe("complete");
    // After the stage closed only a rollback reopens a sheet (EV17, EV20).
    expect((await failure(reopenSheet(app, m.actor, r.sectionId)))?.code).toBe("INVALID_STATE");
    const actions = await app.db
      .select({ action: recordEntries.action })
      .from(recordEntries)
      .where(and(eq(recordEntries.subjectId, r.sectionId), inArray(recordEntries.action, ["evaluation.scoring_submitted", "evaluation.scoring_reopened"])))
      .orderBy(asc(recordEntries.seq));
    expect(actions.map((a) => a.action)).toEqual(["evaluation.scoring_submitted", "evaluation.scoring_reopened", ...Array(5).fill("evaluation.scoring_submitted")]);
    expect(await app.db.select().from(memberStageDone).where(eq(memberStageDone.sectionId, r.sectionId))).toHaveLength(5);
  }, SLOW);

  it("87号令65: the leader or a supervisor pauses with a reason and resumes (recorded); while paused nothing is saved; other members cannot pause", async () => {
    const { app } = env();
    const r = await scoringRoom(app);
    const m = r.members[1]!;
    expect((await failure(pauseEvaluation(app, m.actor, r.sectionId, "招标文件评分标准有歧义")))?.code).toBe("FORBIDDEN");
    expect((await failure(pauseEvaluation(app, r.tu, r.sectionId, "招标文件评分标准有歧义")))?.code).toBe("NOT_FOUND");
    expect((await failure(pauseEvaluation(app, r.leader.actor, r.sectionId, "短")))?.code).toBe("VALIDATION");
    expect((await failure(pauseEvaluation(app, r.leader.actor, r.sectionId, "招标文件\u0000有歧义")))?.code).toBe("VALIDATION");
    await pauseEvaluation(app, r.leader.actor, r.sectionId, "招标文件评分标准有歧义，需招标人澄清");
    expect((await failure(pauseEvaluation(app, r.supervisor, r.sectionId, "再次暂停评标")))?.code).toBe("INVALID_STATE");
    const paused = await failure(saveScore(app, m.actor, r.sectionId, { bidId: r.passed[0]!, item: "T1", score: "10", rev: 0 }));
    expect(paused?.code).toBe("INVALID_STATE");
    expect(paused?.params).toEqual({ stage: "paused" });
    expect((await failure(submitSheet(app, m.actor, r.sectionId)))?.code).toBe("INVALID_STATE");
    expect((await roomView(app.db, m.actor, r.sectionId)).paused).toMatchObject({ reason: "招标文件评分标准有歧义，需招标人澄清" });
    expect((await failure(resumeEvaluation(app, m.actor, r.sectionId)))?.code).toBe("FORBIDDEN");
    await resumeEvaluation(app, r.supervisor, r.sectionId);
    expect((await saveScore(app, m.actor, r.sectionId, { bidId: r.passed[0]!, item: "T1", score: "10", rev: 0 })).rev).toBe(1);
    const rec = await app.db
      .select({ action: recordEntries.action, payload: recordEntries.payload, actor: recordEntries.actorUserId })
      .from(recordEntries)
      .where(and(eq(recordEntries.subjectId, r.sectionId), inArray(recordEntries.action, ["evaluation.paused", "evaluation.resumed"])))
      .orderBy(asc(recordEntries.seq));
    expect(rec).toMatchObject([
      { action: "evaluation.paused", payload: { stage: "scoring", seat: 1, reason: "招标文件评分标准有歧义，需招标人澄清" }, actor: r.leader.actor.user!.id },
      { action: "evaluation.resumed", payload: { stage: "scoring", seat: null }, actor: r.supervisor.user!.id },
    ]);
  }, SLOW);
});

async function loadEv(app: AppContext, sectionId: string) {
  const [ev] = await app.db.select().from(evaluations).where(eq(evaluations.sectionId, sectionId));
  return ev ?? null;
}

async function memberRow(app: AppContext, m: Member) {
  const { committeeMembers } = await import("#db/schema/index");
  const [row] = await app.db.select().from(committeeMembers).where(eq(committeeMembers.id, m.memberId));
  return row!;
}
