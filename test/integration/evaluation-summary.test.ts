import { readFileSync } from "node:fs";
import { and, asc, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { bidOpenings, clarifications, evaluations, flagJustifications, notifications, recordEntries, scoreChanges } from "#db/schema/index";
import { normalizeInput } from "#app/domain/evaluation/appendix";
import { Dec, money } from "#app/domain/evaluation/decimal";
import { evaluate, type EvaluationResult } from "#app/domain/evaluation/evaluate";
import { EvaluationInputSchema, type EvaluationInput } from "#app/domain/evaluation/input";
import { parseMethodConfig } from "#app/domain/evaluation/method";
import { saveScore, submitSheet } from "#app/services/evaluation/scoring.server";
import { changeScore, decideTie, evaluationInput, finaliseSummary, justifyFlag, lotSeed, seededChooser, summaryView, tieQuestion } from "#app/services/evaluation/summary.server";
import type { AppContext } from "#app/services/platform/context.server";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { forceStage, freezeMethod, openedSection, passReview, seatCommittee, setReadPrices } from "../helpers/evaluation";

/**
 * The summary (汇总, docs/evaluation-rules.md §1.9, §2, §4.6–4.7; R47, R48, EV8, EV9, EV17–EV19) on the real commands, from
 * the committed appendix fixtures in test/fixtures/evaluation: the members' sheets are saved and submitted through
 * the room's commands, and the stored result must be exactly the engine's result on the fixture's inputs.
 */

type Appendix = { method: unknown; input: EvaluationInput; result: EvaluationResult };
const fixture = (file: string): Appendix => JSON.parse(readFileSync(new URL(`../fixtures/evaluation/${file}`, import.meta.url), "utf8"));

/**
 * A room whose evaluation reproduces a fixture: its method frozen, one opened bid per fixture bid (prices,
 * policies, confirmed corrections, the ceiling), every bid through the review, and each member's sheet saved and
 * submitted through the commands (seat i = the fixture's i-th member; the leader, seat 1, enters the objective
 * items once for the committee).
 */
async function roomFromFixture(app: AppContext, file: string, patch: (method: Record<string, unknown>) => Record<string, unknown> = (m) => m) {
  const f = fixture(file);
  const d = { ...f, method: patch(f.method as Record<string, unknown>) };
  const t = await openedSection(app, d.input.bids.length);
  const members = await seatCommittee(app, t.sectionId, d.input.members.length);
  await forceStage(app, t.sectionId, "scoring", members);
  await freezeMethod(app, t.sectionId, d.method);
  const bidOf = new Map(d.input.bids.map((b, i) => [b.bidderId, t.bidders[i]!.bidId]));
  const memberOf = new Map(d.input.members.map((m, i) => [m.memberId, members[i]!]));
  await setReadPrices(app, t.sectionId, d.input.bids.map((b) => ({ bidId: bidOf.get(b.bidderId)!, priceYuan: b.readPrice, policy: b.policy })), d.input.ceilingPrice ?? null);
  await passReview(app, t.sectionId, [...bidOf.values()]);
  for (const b of d.input.bids) {
    if (!b.correction) continue;
    const [o] = await app.db.select({ orgId: bidOpenings.orgId }).from(bidOpenings).where(eq(bidOpenings.bidId, bidOf.get(b.bidderId)!));
    const at = new Date(Date.now() - 60_000);
    await app.db.insert(clarifications).values({
      sectionId: t.sectionId,
      bidId: bidOf.get(b.bidderId)!,
      orgId: o!.orgId,
      kind: "correction",
      question: "算术修正确认",
      correction: { price: b.correction.price, steps: b.correction.steps ?? [] },
      requestedBy: members[0]!.memberId,
      requestedAt: at,
      dueAt: new Date(Date.now() + 3600_000),
      status: "answered",
      answer: "确认",
      accepted: b.correction.confirmed,
      answeredAt: at,
    });
  }
  for (const s of d.input.sheets) {
    const m = memberOf.get(s.memberId)!;
    for (const e of s.scores) await saveScore(app, m.actor, t.sectionId, { bidId: bidOf.get(e.bidderId)!, item: e.itemId, score: e.score, rev: 0 });
  }
  for (const e of d.input.objectiveScores) await saveScore(app, members[0]!.actor, t.sectionId, { bidId: bidOf.get(e.bidderId)!, item: e.itemId, score: e.score, rev: 0 });
  for (const m of members) await submitSheet(app, m.actor, t.sectionId);

  /** The fixture's input with the room's ids and names: what the room must have stored. */
  const data = await evaluationInput(app.db, t.sectionId);
  const bidName = new Map(data.bids.map((b) => [b.bidId, b.name]));
  const seatOf = (id: string) => `M${memberOf.get(id)!.seat}`;
  const mapped = normalizeInput(
    EvaluationInputSchema.parse({
      ...d.input,
      members: d.input.members.map((m) => ({ memberId: seatOf(m.memberId), name: data.members.find((x) => x.id === seatOf(m.memberId))!.name, role: "expert" })),
      ceilingPrice: d.input.ceilingPrice ? yuan(d.input.ceilingPrice) : null,
      bids: d.input.bids.map((b) => ({
        ...b,
        bidderId: bidOf.get(b.bidderId)!,
        name: bidName.get(bidOf.get(b.bidderId)!)!,
        readPrice: yuan(b.readPrice),
        correction: b.correction ? { ...b.correction, price: yuan(b.correction.price) } : null,
      })),
      sheets: d.input.sheets.map((s) => ({ memberId: seatOf(s.memberId), scores: s.scores.map((e) => ({ ...e, bidderId: bidOf.get(e.bidderId)! })) })),
      objectiveScores: d.input.objectiveScores.map((e) => ({ ...e, bidderId: bidOf.get(e.bidderId)! })),
      lots: [],
      decisions: [],
    }),
  );
  const config = parseMethodConfig(d.method);
  const stored = async () => (await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId)))[0]!;
  return { ...t, d, members, bidOf, memberOf, data, mapped, config, stored, leader: members[0]! };
}

/** Money as the room reads it from the database (integer fen → yuan with 2 decimals, docs/decisions/015). */
const yuan = (v: string) => money(new Dec(v));

/** The fixture's per-bidder figures, keyed by the room's bid ids. */
const figures = (r: EvaluationResult, idOf: (id: string) => string) =>
  Object.fromEntries(r.bids.map((b) => [idOf(b.bidderId), { valid: b.valid, priceScore: b.priceScore, total: b.total, items: b.items.map((i) => [i.itemId, i.value]) }]));

/** Many real commands per test on a shared 2-core machine (each save is a recorded command). */
const SLOW = 240_000;

forEachDriver("evaluation summary (R47, R48, EV8, EV17–EV19)", (env) => {
  it("EV19: after the last submission the stored result is the engine's result on the fixture's inputs (TV-Z1, ZFCG 综合评分法): totals, price scores, ranking", async () => {
    const { app } = env();
    const r = await roomFromFixture(app, "zfcg-comprehensive-tv-z1.appendix.json");
    const ev = await r.stored();
    expect(ev.stage).toBe("summary");
    // The database round trip reproduces the fixture's inputs exactly …
    expect(r.data.input).toEqual(r.mapped);
    // … and the summary holds exactly what the engine computes from them (no formula of its own).
    const expected = evaluate(r.config, r.mapped);
    expect(ev.result).toEqual(expected);
    // Which are the fixture's figures (TV-Z1: B 92.50, A 87.00, C 76.91; D above the ceiling).
    expect(figures(ev.result as EvaluationResult, (id) => id)).toEqual(figures(r.d.result, (id) => r.bidOf.get(id)!));
    expect((ev.result as EvaluationResult).ranking.map((x) => x.bidderId)).toEqual(["B", "A", "C"].map((x) => r.bidOf.get(x)));
    const view = await summaryView(app.db, ev, (await memberRows(app, r.sectionId))[1]!, false);
    expect(view.kind).toBe("committee");
    if (view.kind !== "committee") return;
    expect(view.ranking.map((x) => x.rank)).toEqual([1, 2, 3]);
    expect(view.differences).toEqual([]);
    // The chart: every member's score per item per bid, once everyone has submitted.
    expect(view.matrix.find((m) => m.itemId === "T")!.bids.find((b) => b.bidId === r.bidOf.get("A"))!.values).toHaveLength(5);
    // A supervisor sees the progress only, never a score (R42).
    const sup = await summaryView(app.db, ev, null, true);
    expect(sup.kind).toBe("progress");
    expect(JSON.stringify(sup)).not.toContain("92.50");
  }, SLOW);

  it("EV18: a flagged score needs the flagged member's written justification before the leader can finalise; ties follow the chain (TV-T2: price, ZTB fixture)", async () => {
    const { app } = env();
    const r = await roomFromFixture(app, "ztb-comprehensive.appendix.json");
    let ev = await r.stored();
    expect(r.data.input).toEqual(r.mapped);
    expect(ev.result).toEqual(evaluate(r.config, r.mapped));
    const result = ev.result as EvaluationResult;
    expect(figures(result, (id) => id)).toEqual(figures(r.d.result, (id) => r.bidOf.get(id)!));
    // BID-B and BID-C tie at 75.90; the chain's first step (price ascending) puts B before C (EV8).
    expect(result.ranking.map((x) => x.bidderId)).toEqual(["BID-A", "BID-B", "BID-C", "BID-D"].map((x) => r.bidOf.get(x)));
    expect(result.tieBreaks).toEqual([{ step: "price_asc", among: [r.bidOf.get("BID-B")!, r.bidOf.get("BID-C")!].sort(), result: [[r.bidOf.get("BID-B")], [r.bidOf.get("BID-C")]] }]);
    // The fixture flags M5 (the fixture's 陈晓明) on BID-D / T1: 8 against others' 22 (63.64 %), and below 60 % of 25.
    const flagged = r.memberOf.get("M-C6E3")!;
    const bidD = r.bidOf.get("BID-D")!;
    expect(result.flags.deviation).toEqual([expect.objectContaining({ memberId: `M${flagged.seat}`, bidderId: bidD, itemId: "T1", devPct: "63.64" })]);

    const digest = (await summaryView(app.db, ev, (await memberRows(app, r.sectionId))[0]!, false)) as { digest: string };
    expect(ruleOf(await failure(finaliseSummary(app, r.leader.actor, r.sectionId, digest.digest)))).toEqual(["RULE_R48_FLAGS_UNJUSTIFIED"]);
    // Only the flagged member justifies its own flag, in writing.
    expect(ruleOf(await failure(justifyFlag(app, r.members[1]!.actor, r.sectionId, { bidId: bidD, item: "T1", text: "我认为评分合理" })))).toEqual(["RULE_R48_NOT_FLAGGED"]);
    expect((await failure(justifyFlag(app, flagged.actor, r.sectionId, { bidId: bidD, item: "T1", text: "  " })))?.code).toBe("VALIDATION");
    expect((await failure(finaliseSummary(app, r.members[1]!.actor, r.sectionId, digest.digest)))?.code).toBe("FORBIDDEN"); // the leader finalises
    await justifyFlag(app, flagged.actor, r.sectionId, { bidId: bidD, item: "T1", text: "该投标人施工方案缺少深基坑专项措施，按评分细则只能得低分。" });
    expect(await app.db.select().from(flagJustifications).where(eq(flagJustifications.sectionId, r.sectionId))).toEqual([
      expect.objectContaining({ memberId: flagged.memberId, bidId: bidD, itemId: "T1", text: "该投标人施工方案缺少深基坑专项措施，按评分细则只能得低分。" }),
    ]);
    // A page showing stale figures is not finalised: it gets the recomputed digest (EV19).
    const stale = await finaliseSummary(app, r.leader.actor, r.sectionId, "0".repeat(64));
    expect(stale).toMatchObject({ finalised: false, digest: digest.digest });
    expect(await finaliseSummary(app, r.leader.actor, r.sectionId, digest.digest)).toEqual({ finalised: true, digest: digest.digest });
    ev = await r.stored();
    expect(ev.stage).toBe("signing");
    // R47: at most 3 candidates (ZTB).
    const [fin] = await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, r.sectionId), eq(recordEntries.action, "evaluation.finalised")));
    expect((fin!.payload as { candidates: string[] }).candidates).toEqual(["BID-A", "BID-B", "BID-C"].map((x) => r.bidOf.get(x)));
  }, SLOW);

  it("R48: after submission a score changes only for a listed reason with a note; the change is kept with before/after, recorded, and the result recomputed", async () => {
    const { app } = env();
    const r = await roomFromFixture(app, "ztb-comprehensive.appendix.json");
    const flagged = r.memberOf.get("M-C6E3")!;
    const bidD = r.bidOf.get("BID-D")!;
    const before = (await r.stored()).result as EvaluationResult;
    const change = (reason: string, note: string, score = "20") => changeScore(app, flagged.actor, r.sectionId, { bidId: bidD, item: "T1", score, reason, note });
    expect(ruleOf(await failure(change("second_thoughts", "我重新考虑了一下")))).toEqual(["RULE_R48_CHANGE_REASON"]);
    expect(ruleOf(await failure(change("extreme_score", "")))).toEqual(["RULE_R48_CHANGE_NOTE"]);
    expect(ruleOf(await failure(change("extreme_score", "评分畸低\u0007更正")))).toEqual(["RULE_R48_CHANGE_NOTE"]);
    expect(ruleOf(await failure(change("extreme_score", "评分畸低，复核后更正", "26")))).toEqual(["RULE_R46_SCORE_ABOVE_MAX"]);
    expect(ruleOf(await failure(change("extreme_score", "评分畸低，复核后更正", "8")))).toEqual(["RULE_R48_CHANGE_SAME"]);
    expect(ruleOf(await failure(changeScore(app, flagged.actor, r.sectionId, { bidId: bidD, item: "B1", score: "5", reason: "objective_inconsistent", note: "客观分统一" })))).toEqual(["RULE_R48_CHANGE_NO_SCORE"]);
    expect(await app.db.select().from(scoreChanges).where(eq(scoreChanges.sectionId, r.sectionId))).toHaveLength(0);

    await change("extreme_score", "评分畸低（87号令64(4)），复核后更正");
    const [row] = await app.db.select().from(scoreChanges).where(eq(scoreChanges.sectionId, r.sectionId));
    expect(row).toMatchObject({ memberId: flagged.memberId, bidId: bidD, itemId: "T1", fromScore: "8", toScore: "20", reason: "extreme_score", note: "评分畸低（87号令64(4)），复核后更正" });
    const [rec] = await app.db
      .select()
      .from(recordEntries)
      .where(and(eq(recordEntries.subjectId, r.sectionId), eq(recordEntries.action, "evaluation.score_changed")))
      .orderBy(asc(recordEntries.seq));
    expect(rec!.payload).toMatchObject({ seat: flagged.seat, bidId: bidD, item: "T1", from: "8", to: "20", reason: "extreme_score" });
    // The stored result is the engine's on the changed inputs: no flag any more, D's total changed.
    const after = (await r.stored()).result as EvaluationResult;
    const data = await evaluationInput(app.db, r.sectionId);
    expect(after).toEqual(evaluate(data.config, data.input));
    expect(after.flags.deviation).toEqual([]);
    expect(after.bids.find((b) => b.bidderId === bidD)!.total).not.toBe(before.bids.find((b) => b.bidderId === bidD)!.total);
    // Before the summary (during scoring) there is no R48 change: the member reopens its own sheet instead.
    await app.db.update(evaluations).set({ stage: "scoring" }).where(eq(evaluations.sectionId, r.sectionId));
    expect((await failure(change("extreme_score", "再次更正评分", "19")))?.code).toBe("INVALID_STATE");
  }, SLOW);

  it("EV8: a tie the documents leave to the tendering unit is put to it (names only, R42); its recorded order is an input of the engine", async () => {
    const { app } = env();
    // The ZTB fixture with the chain "total → the tendering unit decides": BID-B and BID-C tie at 75.90.
    const r = await roomFromFixture(app, "ztb-comprehensive.appendix.json", (m) => ({ ...m, tieBreak: { chain: ["tenderer_decides"] } }));
    const result = (await r.stored()).result as EvaluationResult;
    expect(result).toEqual(evaluate(r.config, r.mapped));
    const tied = [r.bidOf.get("BID-B")!, r.bidOf.get("BID-C")!].sort();
    expect(result.ranking.filter((x) => x.pending === "tenderer_decides").map((x) => x.bidderId).sort()).toEqual(tied);
    const [told] = await app.db.select().from(notifications).where(and(eq(notifications.userId, r.tu.user!.id), eq(notifications.kind, "evaluationTie")));
    expect(told!.link).toBe(`/evaluations/${r.sectionId}/tie`);
    // The question shows the project and the tied names only; members, bidders and supervisors get no such page.
    const q = await tieQuestion(app.db, r.tu, r.sectionId);
    expect(q.ties.map((g) => g.map((b) => b.bidId).sort())).toEqual([tied]);
    expect(Object.keys(q).sort()).toEqual(["paused", "project", "section", "sectionId", "ties"]);
    for (const who of [r.leader.actor, r.bidders[0]!.actor, r.supervisor]) expect((await failure(tieQuestion(app.db, who, r.sectionId)))?.code).toBe("NOT_FOUND");
    const digest = ((await summaryView(app.db, await r.stored(), (await memberRows(app, r.sectionId))[0]!, false)) as { digest: string }).digest;
    expect(ruleOf(await failure(finaliseSummary(app, r.leader.actor, r.sectionId, digest)))).toEqual(expect.arrayContaining(["RULE_R47_TIE_PENDING"]));
    expect((await failure(decideTie(app, r.leader.actor, r.sectionId, [tied[1]!, tied[0]!])))?.code).toBe("NOT_FOUND");
    expect(ruleOf(await failure(decideTie(app, r.tu, r.sectionId, [tied[0]!, r.bidOf.get("BID-A")!])))).toEqual(["RULE_R47_TIE_ORDER"]);
    expect(ruleOf(await failure(decideTie(app, r.tu, r.sectionId, [tied[0]!, tied[0]!])))).toEqual(["RULE_R47_TIE_ORDER"]);
    // The unit puts C before B (against the price): recorded, replayed by every recomputation.
    const order = [r.bidOf.get("BID-C")!, r.bidOf.get("BID-B")!];
    await decideTie(app, r.tu, r.sectionId, order);
    const decided = (await r.stored()).result as EvaluationResult;
    expect(decided.ranking.map((x) => x.bidderId)).toEqual([r.bidOf.get("BID-A"), ...order, r.bidOf.get("BID-D")]);
    expect(decided.ranking.every((x) => x.pending === null)).toBe(true);
    const [rec] = await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, r.sectionId), eq(recordEntries.action, "evaluation.tie_decided")));
    expect(rec!.payload).toMatchObject({ among: tied, order });
    const replay = await evaluationInput(app.db, r.sectionId);
    expect(replay.input.decisions).toEqual([{ among: tied, order }]);
    expect(evaluate(replay.config, replay.input)).toEqual(decided);
  }, SLOW);

  it("EV9/R47: a tie the chain ends in a lot is drawn at the finalisation from a recorded seed and replayed from the record (TV-Z3, ZFCG 最低评标价法)", async () => {
    const { app } = env();
    const r = await roomFromFixture(app, "zfcg-lowest-tv-z3.appendix.json");
    const ev = await r.stored();
    expect(r.data.input).toEqual(r.mapped);
    const pending = ev.result as EvaluationResult;
    expect(pending).toEqual(evaluate(r.config, r.mapped));
    // Before the finalisation the tie waits for its lot (EV9): pending, nothing drawn.
    expect(pending.warnings.map((w) => w.code)).toContain("tie_pending");
    expect(pending.ranking.filter((x) => x.pending === "lot").map((x) => x.bidderId).sort()).toEqual([r.bidOf.get("S-A")!, r.bidOf.get("S-C")!].sort());
    expect(pending.lots).toEqual([]);
    const digest = ((await summaryView(app.db, ev, (await memberRows(app, r.sectionId))[0]!, false)) as { digest: string }).digest;
    expect(await finaliseSummary(app, r.leader.actor, r.sectionId, digest)).toMatchObject({ finalised: true });
    const final = (await r.stored()).result as EvaluationResult;
    expect(final.status).toBe("complete");
    const among = [r.bidOf.get("S-A")!, r.bidOf.get("S-C")!].sort();
    expect(final.ranking[0]!.bidderId).toBe(r.bidOf.get("S-B")); // the policy deduction (small/micro) wins
    const [fin] = await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, r.sectionId), eq(recordEntries.action, "evaluation.finalised")));
    const lots = (fin!.payload as { lots: { purpose: string; among: string[]; order: string[]; seed: { sectionId: string; recordHead: string; salt: string; sha256: string } }[] }).lots;
    expect(lots).toHaveLength(1);
    expect(lots[0]).toMatchObject({ purpose: "ranking", among });
    // Anyone re-draws it from the recorded seed: the record head before the entry, the section and the salt.
    const seed = lotSeed({ sectionId: lots[0]!.seed.sectionId, recordHead: lots[0]!.seed.recordHead, salt: lots[0]!.seed.salt });
    expect(Buffer.from(seed).toString("hex")).toBe(lots[0]!.seed.sha256);
    expect(lots[0]!.seed.recordHead).toBe(fin!.prevHash);
    expect(seededChooser(seed)(among, "ranking")).toEqual(lots[0]!.order);
    expect(final.ranking.slice(1).map((x) => x.bidderId)).toEqual(lots[0]!.order);
    // The lot is an input from now on: the recomputation replays it and never redraws.
    const replay = await evaluationInput(app.db, r.sectionId);
    expect(replay.input.lots).toEqual([{ purpose: "ranking", among, order: lots[0]!.order }]);
    expect(evaluate(replay.config, replay.input)).toEqual(final);
  }, SLOW);
});

async function memberRows(app: AppContext, sectionId: string) {
  const { committeeMembers } = await import("#db/schema/index");
  return app.db.select().from(committeeMembers).where(eq(committeeMembers.sectionId, sectionId)).orderBy(asc(committeeMembers.seat));
}
