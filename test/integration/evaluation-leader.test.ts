import { createHash } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { canonicalJson } from "#crypto/canonical-json";
import { evaluations, leaderBallots, liveEvents, recordEntries } from "#db/schema/index";
import { HmacDrbg } from "#expert-pool/drbg";
import { shuffleChooser } from "#app/domain/evaluation/ranking";
import { appointLeader, appointmentView, voteForLeader } from "#app/services/evaluation/election.server";
import { declareConflict } from "#app/services/evaluation/entry.server";
import { roomView } from "#app/services/evaluation/room-view.server";
import type { AppContext } from "#app/services/platform/context.server";
import { channels } from "#app/services/platform/live-channels.server";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { openedSection, seatCommittee, type Member } from "../helpers/evaluation";
import { drawnCommittee, enterAs, seatAs } from "../helpers/evaluation-entry";

const ballotsOf = async (app: AppContext, sectionId: string) =>
  (await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, sectionId), eq(recordEntries.action, "evaluation.ballot_cast"))).orderBy(asc(recordEntries.seq))).map(
    (e) => ({ ...(e.payload as Record<string, unknown>), prevHash: e.prevHash }) as Record<string, unknown> & { prevHash: string },
  );
const stageOf = async (app: AppContext, sectionId: string) => (await app.db.select().from(evaluations).where(eq(evaluations.sectionId, sectionId)))[0]!;
const setLeaderConfig = (app: AppContext, sectionId: string, leader: Record<string, unknown>) =>
  app.db.execute(sql`update evaluations set config = jsonb_set(config, '{leader}', ${JSON.stringify(leader)}::jsonb) where section_id = ${sectionId}::uuid`);

/** A room whose five members have entered and declared (R41): the election is open. */
async function electionRoom(app: AppContext, leader?: Record<string, unknown>) {
  const t = await openedSection(app, 3);
  const members = await seatCommittee(app, t.sectionId, 5);
  if (leader) await setLeaderConfig(app, t.sectionId, leader);
  for (const m of members) await seatAs(app, m, t.sectionId);
  return { t, members, M: (seat: number) => members[seat - 1]! };
}

const vote = (app: AppContext, sectionId: string, voter: Member, choice: Member) => voteForLeader(app, voter.actor, sectionId, choice.memberId);

forEachDriver("electing the committee's leader (EV3, EV16, TV-V1)", (env) => {
  it("TV-V1: round 1 ties M2/M4, round 2 only they are eligible and M2 leads with 3 votes; a second ballot in one round is refused", async () => {
    const { app } = env();
    const { t, M } = await electionRoom(app);
    const s = t.sectionId;
    expect((await stageOf(app, s)).stage).toBe("leader");
    await vote(app, s, M(1), M(2));
    // A second ballot in the same round is refused (engine and database), and nothing of it is recorded.
    expect(ruleOf(await failure(vote(app, s, M(1), M(3))))).toEqual(["RULE_R32_ELECTION_ALREADY_VOTED"]);
    // While the round is open: who voted, never for whom (members and supervisors alike).
    const open = (await roomView(app.db, M(3).actor, s)).election!;
    expect(open).toMatchObject({ status: "voting", round: 1, voted: [1], voters: 5, myChoice: null, tallies: [] });
    expect((await roomView(app.db, M(1).actor, s)).election!.myChoice).toMatchObject({ seat: 2 });
    await vote(app, s, M(2), M(2));
    await vote(app, s, M(3), M(4));
    await vote(app, s, M(4), M(4));
    await vote(app, s, M(5), M(1));
    const r2 = (await roomView(app.db, t.supervisor, s)).election!;
    expect(r2).toMatchObject({ status: "voting", round: 2, voted: [] });
    expect(r2.eligible.map((c) => c.seat)).toEqual([2, 4]);
    expect(r2.tallies).toEqual([{ round: 1, votes: [expect.objectContaining({ seat: 2, count: 2 }), expect.objectContaining({ seat: 4, count: 2 }), expect.objectContaining({ seat: 1, count: 1 })] }]);
    // After the tie only the tied may be chosen (EV16).
    expect(ruleOf(await failure(vote(app, s, M(1), M(1))))).toEqual(["RULE_R32_ELECTION_NOT_ELIGIBLE"]);
    await vote(app, s, M(1), M(2));
    await vote(app, s, M(2), M(2));
    expect(ruleOf(await failure(vote(app, s, M(2), M(4))))).toEqual(["RULE_R32_ELECTION_ALREADY_VOTED"]);
    await vote(app, s, M(3), M(4));
    await vote(app, s, M(4), M(2));
    await vote(app, s, M(5), M(4));

    const ev = await stageOf(app, s);
    expect(ev).toMatchObject({ stage: "review", leaderMemberId: M(2).memberId });
    expect(await app.db.select().from(leaderBallots).where(eq(leaderBallots.sectionId, s))).toHaveLength(10);
    // Every ballot is in the record (seat, round, choice); the closing ballots carry the tally and the outcome.
    const rec = await ballotsOf(app, s);
    expect(rec.map((b) => [b.round, b.seat, b.choice])).toEqual([
      [1, 1, 2], [1, 2, 2], [1, 3, 4], [1, 4, 4], [1, 5, 1],
      [2, 1, 2], [2, 2, 2], [2, 3, 4], [2, 4, 2], [2, 5, 4],
    ]);
    expect(rec[4]).toMatchObject({ outcome: "next_round", eligible: [2, 4], tally: { top: [2, 4] } });
    expect(rec[9]).toMatchObject({ outcome: "elected", leader: 2, by: "votes" });
    const done = (await roomView(app.db, M(5).actor, s)).election!;
    expect(done.leader).toMatchObject({ seat: 2, by: "votes" });
    expect(done.tallies.map((x) => x.round)).toEqual([1, 2]);
    expect((await roomView(app.db, M(1).actor, s)).members.find((m) => m.seat === 2)?.leader).toBe(true);
    // The live events say how many voted — never for whom.
    const live = await app.db.select().from(liveEvents).where(and(eq(liveEvents.channel, channels.evaluation(s)), eq(liveEvents.type, "evaluation.ballot_cast")));
    expect(live).toHaveLength(10);
    for (const e of live) expect(Object.keys(e.data as object).sort()).toEqual(["of", "round", "voted"]);
    // The election is over.
    expect((await failure(vote(app, s, M(1), M(2))))?.code).toBe("INVALID_STATE");
  }, 240_000);

  it("EV16: after the round limit a tie is decided by a recorded lot that anyone can redraw from the record", async () => {
    const { app } = env();
    const { t, M } = await electionRoom(app, { chosenBy: "election", maxRounds: 1, fallback: "lot" });
    const s = t.sectionId;
    for (const [v, c] of [[1, 2], [2, 2], [3, 4], [4, 4], [5, 1]] as const) await vote(app, s, M(v), M(c));
    const ev = await stageOf(app, s);
    expect(ev.stage).toBe("review");
    expect([M(2).memberId, M(4).memberId]).toContain(ev.leaderMemberId);
    const last = (await ballotsOf(app, s)).at(-1)! as Record<string, unknown> & { lot: Record<string, unknown>; prevHash: string };
    expect(last).toMatchObject({ outcome: "elected", by: "lot" });
    const lot = last.lot as { v: number; purpose: string; round: number; recordHead: string; salt: string; seed: string; among: string[]; order: string[]; amongSeats: number[] };
    expect(lot.recordHead).toBe(last.prevHash);
    expect([...lot.amongSeats].sort()).toEqual([2, 4]);
    const seed = createHash("sha256").update(canonicalJson({ v: 1, purpose: "evaluation.leader_lot", sectionId: s, round: 1, recordHead: lot.recordHead, salt: lot.salt })).digest();
    expect(seed.toString("hex")).toBe(lot.seed);
    const drbg = new HmacDrbg(new Uint8Array(seed));
    expect(shuffleChooser((n) => drbg.uniform(n))([...lot.among].sort())).toEqual(lot.order);
    expect(lot.order[0]).toBe(ev.leaderMemberId);
    const view = (await roomView(app.db, t.supervisor, s)).election!;
    expect(view.leader).toMatchObject({ by: "lot" });
    expect(view.lot).toMatchObject({ salt: lot.salt, recordHead: lot.recordHead });
  }, 240_000);

  it("EV3: where the method says so (ZTB) the tendering unit appoints the leader; members do not vote; others cannot appoint", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const members = await seatCommittee(app, t.sectionId, 5);
    await setLeaderConfig(app, t.sectionId, { chosenBy: "appointed", maxRounds: 3, fallback: "lot" });
    const view = await appointmentView(app.db, t.tu, t.sectionId);
    expect(view).toMatchObject({ mode: "appointed", canAppoint: true, pending: "before_start", appointedSeat: null });
    // The tendering side sees seats and kinds only — never the experts' names (R36).
    expect(JSON.stringify(view)).not.toContain("专家");
    expect((await failure(appointmentView(app.db, t.bidders[0]!.actor, t.sectionId)))?.code).toBe("NOT_FOUND");
    expect((await failure(appointLeader(app, t.bidders[0]!.actor, t.sectionId, members[2]!.memberId)))?.code).toBe("NOT_FOUND");
    expect((await failure(appointLeader(app, members[0]!.actor, t.sectionId, members[2]!.memberId)))?.code).toBe("NOT_FOUND");
    expect((await failure(appointLeader(app, t.tu, t.sectionId, "not-a-uuid")))?.code).toBe("NOT_FOUND");
    await appointLeader(app, t.tu, t.sectionId, members[2]!.memberId);
    expect(await appointmentView(app.db, t.tu, t.sectionId)).toMatchObject({ appointedSeat: 3 });
    for (const m of members) await seatAs(app, m, t.sectionId);
    // Everyone seated with an appointed leader: the room goes straight to the review (no election).
    const ev = await stageOf(app, t.sectionId);
    expect(ev).toMatchObject({ stage: "review", leaderMemberId: members[2]!.memberId });
    expect((await roomView(app.db, members[0]!.actor, t.sectionId)).election!.leader).toMatchObject({ seat: 3, by: "appointment" });
    const rec = await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, t.sectionId), eq(recordEntries.action, "evaluation.leader_appointed")));
    expect(rec.map((r) => r.payload)).toEqual([{ seat: 3, how: "before_start" }]);
    expect((await failure(appointLeader(app, t.tu, t.sectionId, members[1]!.memberId)))?.code).toBe("INVALID_STATE");
  }, 240_000);

  it("EV3: in appointed mode without an appointment the room waits for it; an election-mode room refuses an appointment", async () => {
    const { app } = env();
    const { t, M } = await electionRoom(app, { chosenBy: "appointed", maxRounds: 3, fallback: "lot" });
    const s = t.sectionId;
    expect((await stageOf(app, s)).stage).toBe("leader");
    expect((await roomView(app.db, M(1).actor, s)).election).toMatchObject({ mode: "appointed", status: "awaiting_appointment" });
    expect(ruleOf(await failure(vote(app, s, M(1), M(2))))).toEqual(["RULE_R32_ELECTION_CLOSED"]);
    expect((await appointmentView(app.db, t.tu, s))).toMatchObject({ canAppoint: true, pending: "in_room" });
    await appointLeader(app, t.tu, s, M(4).memberId);
    expect(await stageOf(app, s)).toMatchObject({ stage: "review", leaderMemberId: M(4).memberId });

    const other = await electionRoom(app);
    expect((await appointmentView(app.db, other.t.tu, other.t.sectionId))).toMatchObject({ mode: "election", canAppoint: false });
    expect((await failure(appointLeader(app, other.t.tu, other.t.sectionId, other.M(1).memberId)))?.code).toBe("INVALID_STATE");
  }, 240_000);

  it("R37/EV15: a member who recuses mid-election is replaced and its ballots are void — the election starts again with the replacement", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const c = await drawnCommittee(app, t, 5, 1);
    const M = (seat: number) => c.members[seat - 1]!;
    for (const m of c.members) await seatAs(app, m, t.sectionId);
    const s = t.sectionId;
    expect((await stageOf(app, s)).stage).toBe("leader");
    await vote(app, s, M(1), M(3));
    await vote(app, s, M(2), M(3));
    await vote(app, s, M(3), M(3));
    await declareConflict(app, M(3).actor, s, { reason: "发现与投标人存在利害关系", confirm: "yes" });
    const b = (await c.backup())!;
    expect(b.seat).toBe(6);
    // Until the replacement is seated nobody votes.
    expect((await failure(vote(app, s, M(4), M(1))))?.code).toBe("INVALID_STATE");
    await seatAs(app, b, s);
    expect((await stageOf(app, s)).stage).toBe("leader");
    // The ballots for and by the recused member are void: the view shows a fresh round.
    const fresh = (await roomView(app.db, b.actor, s)).election!;
    expect(fresh).toMatchObject({ round: 1, voted: [], tallies: [] });
    expect(fresh.eligible.map((x) => x.seat)).toEqual([1, 2, 4, 5, 6]);
    await vote(app, s, M(4), b);
    const rows = await app.db.select().from(leaderBallots).where(eq(leaderBallots.sectionId, s));
    expect(rows.map((r) => r.voterId)).toEqual([M(4).memberId]);
    expect((await ballotsOf(app, s)).at(-1)).toMatchObject({ seat: 4, round: 1, choice: 6, restarted: true });
    // The ballots cast before stay in the record.
    expect(await ballotsOf(app, s)).toHaveLength(4);
    await vote(app, s, M(1), b);
    expect(ruleOf(await failure(vote(app, s, M(1), M(2))))).toEqual(["RULE_R32_ELECTION_ALREADY_VOTED"]);
  }, 240_000);

  it("R42: supervisors watch the election read-only; the tendering unit and bidders cannot vote or see it", async () => {
    const { app } = env();
    const { t, M } = await electionRoom(app);
    const s = t.sectionId;
    expect((await failure(voteForLeader(app, t.supervisor, s, M(1).memberId)))?.code).toBe("FORBIDDEN");
    expect((await failure(voteForLeader(app, t.tu, s, M(1).memberId)))?.code).toBe("NOT_FOUND");
    expect((await failure(voteForLeader(app, t.bidders[0]!.actor, s, M(1).memberId)))?.code).toBe("NOT_FOUND");
    expect((await failure(roomView(app.db, t.tu, s)))?.code).toBe("NOT_FOUND");
    // A member out of the room does not vote (it must be present, R42 presence).
    const { leaveRoom } = await import("#app/services/evaluation/entry.server");
    await leaveRoom(app, M(1).actor, s);
    expect((await failure(vote(app, s, M(1), M(2))))?.code).toBe("INVALID_STATE");
    await enterAs(app, M(1), s);
    await vote(app, s, M(1), M(2));
    expect((await roomView(app.db, t.supervisor, s)).election).toMatchObject({ voted: [1], myChoice: null, tallies: [] });
    // An unknown candidate is refused without a 500.
    expect(ruleOf(await failure(voteForLeader(app, M(2).actor, s, "x")))).toEqual(["RULE_R32_ELECTION_NOT_ELIGIBLE"]);
  }, 240_000);
});
