import { createHash, randomBytes } from "node:crypto";
import { and, asc, eq, isNotNull, sql } from "drizzle-orm";
import { canonicalJson } from "#crypto/canonical-json";
import type { Executor, Tx } from "#db/client";
import { evaluations, leaderBallots, recordEntries, recordHead, type CommitteeMember, type Evaluation } from "#db/schema/index";
import { HmacDrbg } from "#expert-pool/drbg";
import { castBallot as engineBallot, checkAppointedLeader, mayLead, resolveFallback, startElection, type ElectionMember, type ElectionState } from "#app/domain/evaluation/election";
import { LeaderSchema } from "#app/domain/evaluation/method";
import { shuffleChooser } from "#app/domain/evaluation/ranking";
import { evaluationViolation } from "#app/domain/evaluation/violations";
import { DomainError } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import { isUuid } from "#app/domain/ids";
import type { Regime } from "#app/domain/rules/profiles";
import type { RuleViolation } from "#app/domain/rules/violations";
import type { Actor } from "../platform/actor";
import { runCommand, type LiveEventInput } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { managesProject } from "../tendering/tenders.server";
import { isSupervisor, liveMembers, lockEvaluation, memberOf, roomEvent, seated, sectionAndProject, setStage } from "./access.server";
import { committeeViolations } from "./committee.server";
import { openPresence } from "./entry.server";

/**
 * Choosing the committee's leader (推举组长; EV3, EV16, TV-V1; docs/decisions/015-evaluation.md "leader") with the
 * pure engine of app/domain/evaluation/election.ts:
 * - rounds of ballots, one per seated member per round — the engine refuses a second one, and so does the
 *   database (primary key of `leader_ballots`; its unique violation is the engine's RULE_R32_ELECTION_ALREADY_VOTED);
 * - a round completes when every seated member has voted; the top vote-getter leads; a tie keeps only the tied
 *   eligible for the next round (`evaluations.electionEligible`, `electionRound`);
 * - after the configured rounds, the fallback: a **lot** among the tied, drawn with HMAC-DRBG (expert-pool/drbg.ts)
 *   from seed = SHA-256(canonical JSON {v, purpose, sectionId, round, recordHead, salt}) where `recordHead` is the
 *   record's head hash when the lot is drawn (the `prevHash` of the entry that records it) and `salt` 32 random
 *   bytes; the order is the engine's Fisher–Yates `shuffleChooser` over the tied member ids, sorted — every input is
 *   in that entry's payload, so anyone can redraw it; or, for ZTB only, **appointment** by the tendering unit;
 * - the ZFCG purchaser's representative may not lead (mayLead, 87号令45(四));
 * - every ballot is a record entry (voter's seat, round, the chosen seat); members see a round's tally only once it
 *   has closed; the live event of a ballot carries no choice;
 * - appointed mode (ZTB, method setting `leader.chosenBy = "appointed"`): the tendering unit names one member before
 *   the start; when everyone is seated the room goes straight to `review`.
 * When a leader is chosen the room moves to `review`.
 */

type Ctx = Pick<AppContext, "db">;
type LeaderConfig = ReturnType<typeof LeaderSchema.parse>;

export function leaderConfig(ev: Evaluation): LeaderConfig {
  return LeaderSchema.parse((ev.config as { leader?: unknown }).leader ?? {});
}

/** EV3: how the leader is chosen — appointment by the tendering unit exists for ZTB only (评标规定9); ZFCG elects. */
export const leaderMode = (c: LeaderConfig, regime: Regime): "election" | "appointed" => (c.chosenBy === "appointed" && regime === "ZTB" ? "appointed" : "election");

/** The fallback that applies: appointment exists for ZTB only; anything else is a lot. */
const fallbackOf = (c: LeaderConfig, regime: Regime) => (c.fallback === "appointment" && regime === "ZTB" ? "appointment" : "lot");

/** After the last round tied and the fallback is appointment: the room waits for the tendering unit. */
export const awaitingAppointment = (ev: Evaluation, c: LeaderConfig) => ev.leaderMemberId === null && ev.electionRound > c.maxRounds;

type BallotRow = typeof leaderBallots.$inferSelect;

/**
 * The ballots of the election in progress. While the room is at `leader` without a leader, a ballot is stale when
 * it was cast before the room (re-)entered the stage (the leader left and the election starts again, EV3) or when
 * its voter or its choice is no longer on the committee (a recusal mid-election, R37/EV15: the committee changed,
 * so the election starts again). Stale ballots stay in the record (every ballot is a record entry); the next
 * ballot removes them from the working table.
 */
function splitBallots(ev: Evaluation, liveIds: ReadonlySet<string>, all: readonly BallotRow[]): { current: BallotRow[]; restart: boolean } {
  if (ev.stage !== "leader" || ev.leaderMemberId) return { current: [...all], restart: false };
  const restart = all.some((b) => b.at < ev.stageChangedAt || !liveIds.has(b.voterId) || !liveIds.has(b.candidateId));
  return { current: restart ? [] : [...all], restart };
}

const electionMembers = (members: readonly CommitteeMember[]): ElectionMember[] => members.map((m) => ({ id: m.id, kind: m.kind }));

/** The engine's state of the current round, rebuilt from the database (seated members, eligible, ballots). */
function currentState(ev: Evaluation, regime: Regime, c: LeaderConfig, members: readonly CommitteeMember[], ballots: { voterId: string; candidateId: string; at: Date }[]): ElectionState {
  const base = startElection({ regime, maxRounds: c.maxRounds, fallback: fallbackOf(c, regime) }, electionMembers(members));
  const kept = ev.electionEligible.filter((id) => base.eligible.includes(id)).sort();
  const voters = new Set(members.map((m) => m.id));
  return {
    ...base,
    round: Math.min(ev.electionRound, c.maxRounds),
    eligible: kept.length ? kept : base.eligible,
    ballots: ballots.filter((b) => voters.has(b.voterId)).map((b) => ({ round: ev.electionRound, voter: b.voterId, choice: b.candidateId, at: b.at.toISOString() })),
    status: ev.electionRound > c.maxRounds ? "fallback" : "voting",
  };
}

/** The SQLSTATE of a database error (drizzle may wrap the driver's error in `cause`). */
function sqlState(e: unknown): string | null {
  for (let x: unknown = e, i = 0; x && i < 4; x = (x as { cause?: unknown }).cause, i++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}

function refuse(v: RuleViolation): never {
  throw new DomainError("RULE_VIOLATION", {}, [v]);
}

/** EV16: a lot among the tied, seeded from the record head and a fresh salt, with every input returned for the record. */
async function drawLot(tx: Tx, sectionId: string, round: number, tied: readonly string[]) {
  const [head] = await tx.select().from(recordHead).where(eq(recordHead.id, 1)).for("update");
  const salt = randomBytes(32).toString("hex");
  const seed = createHash("sha256")
    .update(canonicalJson({ v: 1, purpose: "evaluation.leader_lot", sectionId, round, recordHead: head!.hash, salt }))
    .digest();
  const drbg = new HmacDrbg(new Uint8Array(seed));
  const among = [...tied].sort();
  const order = shuffleChooser((n) => drbg.uniform(n))(among);
  return { v: 1, purpose: "evaluation.leader_lot", round, recordHead: head!.hash, salt, seed: seed.toString("hex"), among, order };
}

/**
 * EV16/TV-V1: a seated member, in the room, casts one ballot in the current round. Completing the round closes it
 * (tally in the record), opens the next among the tied, draws the lot, or elects the leader and moves to `review`.
 */
export async function voteForLeader(ctx: Ctx, actor: Actor, sectionId: string, candidateId: string): Promise<void> {
  await runCommand(ctx, actor, "evaluation.ballot_cast", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const me = await memberOf(tx, actor, sectionId);
    if (!me || me.status === "recused" || me.status === "removed") {
      if (actor.user && isSupervisor(actor)) throw new DomainError("FORBIDDEN", { permission: "evaluation:member" });
      throw new DomainError("NOT_FOUND");
    }
    if (ev.stage !== "leader" || ev.pausedAt) throw new DomainError("INVALID_STATE", { stage: ev.pausedAt ? "paused" : ev.stage });
    if (me.status !== "seated") throw new DomainError("INVALID_STATE", { status: me.status });
    if (!(await openPresence(tx, me.id))) throw new DomainError("INVALID_STATE", { status: "absent" });
    const { project } = await sectionAndProject(tx, sectionId);
    const c = leaderConfig(ev);
    // EV3: where the tendering unit appoints the leader, the members do not vote.
    if (leaderMode(c, project.regime) === "appointed" || ev.leaderMemberId) refuse(evaluationViolation("RULE_R32_ELECTION_CLOSED", { round: ev.electionRound }));
    const live = await liveMembers(tx, sectionId);
    // R41/R37: everyone on the committee votes — a replacement still entering holds the election up, and a committee
    // that fails R32 (a shortfall after a recusal) does not elect.
    if (live.some((m) => m.status !== "seated")) throw new DomainError("INVALID_STATE", { status: "members_missing" });
    const problems = await committeeViolations(tx, sectionId);
    if (problems.length) throw new DomainError("RULE_VIOLATION", {}, problems);
    const members = seated(live);
    const all = await tx.select().from(leaderBallots).where(eq(leaderBallots.sectionId, sectionId));
    const { restart } = splitBallots(ev, new Set(members.map((m) => m.id)), all);
    if (restart) {
      await tx.delete(leaderBallots).where(eq(leaderBallots.sectionId, sectionId));
      await tx.update(evaluations).set({ electionRound: 1, electionEligible: [] }).where(eq(evaluations.sectionId, sectionId));
      ev.electionRound = 1;
      ev.electionEligible = [];
    }
    const round = ev.electionRound;
    if (round > c.maxRounds) refuse(evaluationViolation("RULE_R32_ELECTION_CLOSED", { round }));
    const candidate = isUuid(candidateId) ? members.find((m) => m.id === candidateId) : undefined;
    if (!candidate) refuse(evaluationViolation("RULE_R32_ELECTION_NOT_ELIGIBLE", { candidate: "—" }));
    const earlier = restart ? [] : all.filter((b) => b.round === round);
    // The database holds one ballot per member per round (primary key): a second one is refused there too.
    try {
      await tx.insert(leaderBallots).values({ sectionId, round, voterId: me.id, candidateId: candidate!.id, at: now });
    } catch (e) {
      if (sqlState(e) === "23505") refuse(evaluationViolation("RULE_R32_ELECTION_ALREADY_VOTED", { round }));
      throw e;
    }
    const state = currentState(ev, project.regime, c, members, earlier);
    const step = engineBallot(state, { round: state.round, voter: me.id, choice: candidate!.id, at: now.toISOString() });
    if (!step.ok) {
      const v = step.violation;
      refuse(v.code === "RULE_R32_ELECTION_NOT_ELIGIBLE" ? { ...v, params: { candidate: `M${candidate!.seat}` } } : v);
    }
    const s = step.state;
    const seatOf = new Map(members.map((m) => [m.id, m.seat]));
    // Seats in seat order (the engine orders members by id), so that the record reads M2, M4 — not by UUID.
    const seatList = (ids: readonly string[]) => ids.map((id) => seatOf.get(id) ?? null).sort((a, b) => (a ?? 0) - (b ?? 0));
    const events: LiveEventInput[] = [roomEvent(sectionId, "evaluation.ballot_cast", { round, voted: s.ballots.filter((b) => b.round === round).length, of: members.length })];
    const payload: Record<string, unknown> = { seat: me.seat, round, choice: candidate!.seat, ...(restart ? { restarted: true } : {}) };
    const tally = s.tallies.at(-1);
    if (tally && tally.round === round) {
      payload.tally = { votes: tally.votes.map((x) => ({ seat: seatOf.get(x.candidate), count: x.count })), top: seatList(tally.top) };
      events.push(roomEvent(sectionId, "evaluation.round_closed", { round }));
    }
    let leader: string | null = null;
    let by: "votes" | "lot" | null = null;
    if (s.status === "elected") {
      leader = s.leader;
      by = "votes";
    } else if (s.status === "voting" && s.round > round) {
      await tx.update(evaluations).set({ electionRound: s.round, electionEligible: s.eligible }).where(eq(evaluations.sectionId, sectionId));
      payload.outcome = "next_round";
      payload.eligible = seatList(s.eligible);
    } else if (s.status === "fallback") {
      if (fallbackOf(c, project.regime) === "lot") {
        const lot = await drawLot(tx, sectionId, round, s.eligible);
        const r = resolveFallback(s, { kind: "lot", order: lot.order });
        if (!r.ok) refuse(r.violation);
        leader = lot.order[0]!;
        by = "lot";
        payload.lot = { ...lot, amongSeats: seatList(lot.among), orderSeats: seatList(lot.order) };
      } else {
        await tx.update(evaluations).set({ electionRound: round + 1, electionEligible: s.eligible }).where(eq(evaluations.sectionId, sectionId));
        payload.outcome = "awaiting_appointment";
        payload.eligible = seatList(s.eligible);
      }
    }
    if (leader) {
      await tx.update(evaluations).set({ leaderMemberId: leader, electionEligible: [] }).where(eq(evaluations.sectionId, sectionId));
      payload.outcome = "elected";
      payload.leader = seatOf.get(leader);
      payload.by = by;
      events.push(roomEvent(sectionId, "evaluation.leader_chosen", { seat: seatOf.get(leader) ?? null, by }), await setStage(tx, ev, "review", now));
    }
    return { result: undefined, subjectType: "section", subjectId: sectionId, payload, events };
  });
}

/**
 * EV3: the tendering unit (or its agency) appoints the leader — before the start when the method says the leader is
 * appointed (ZTB only), or when the last round tied and the fallback is appointment (ZTB only). R42: for anyone who
 * does not manage the tender the room does not exist.
 */
export async function appointLeader(ctx: Ctx, actor: Actor, sectionId: string, memberId: string): Promise<void> {
  await runCommand(ctx, actor, "evaluation.leader_appointed", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const { project } = await sectionAndProject(tx, sectionId);
    if (!actor.user || !hasPermission(actor.roles, "tender:manage") || !managesProject(actor, project)) throw new DomainError("NOT_FOUND");
    const c = leaderConfig(ev);
    const members = await liveMembers(tx, sectionId);
    const target = isUuid(memberId) ? members.find((m) => m.id === memberId) : undefined;
    if (!target) throw new DomainError("NOT_FOUND");
    const violations = checkAppointedLeader(project.regime, electionMembers(members), target.id);
    if (violations.length) throw new DomainError("RULE_VIOLATION", {}, violations);
    if (!mayLead(project.regime, target)) refuse(evaluationViolation("RULE_R32_ELECTION_NOT_ELIGIBLE", { candidate: `M${target.seat}` }));
    const events: LiveEventInput[] = [];
    let how: "before_start" | "in_room" | "fallback";
    const appointedMode = leaderMode(c, project.regime) === "appointed";
    if (appointedMode && (ev.stage === "waiting" || ev.stage === "entry")) {
      how = "before_start";
      await tx.update(evaluations).set({ leaderMemberId: target.id }).where(eq(evaluations.sectionId, sectionId));
      events.push(roomEvent(sectionId, "evaluation.leader_appointed", {}));
    } else if (appointedMode && ev.stage === "leader" && !ev.leaderMemberId) {
      // Everyone is seated and the tendering unit had not appointed yet (or the appointed leader left): the room waits for it.
      if (target.status !== "seated") throw new DomainError("INVALID_STATE", { status: target.status });
      how = "in_room";
      await tx.update(evaluations).set({ leaderMemberId: target.id, electionEligible: [] }).where(eq(evaluations.sectionId, sectionId));
      events.push(roomEvent(sectionId, "evaluation.leader_chosen", { seat: target.seat, by: "appointment" }), await setStage(tx, ev, "review", now));
    } else if (ev.stage === "leader" && awaitingAppointment(ev, c) && fallbackOf(c, project.regime) === "appointment") {
      how = "fallback";
      const state = currentState(ev, project.regime, c, seated(members), []);
      const r = resolveFallback(state, { kind: "appointment", leader: target.id });
      if (!r.ok) refuse(r.violation);
      await tx.update(evaluations).set({ leaderMemberId: target.id, electionEligible: [] }).where(eq(evaluations.sectionId, sectionId));
      events.push(roomEvent(sectionId, "evaluation.leader_chosen", { seat: target.seat, by: "appointment" }), await setStage(tx, ev, "review", now));
    } else {
      throw new DomainError("INVALID_STATE", { stage: ev.stage });
    }
    return { result: undefined, subjectType: "section", subjectId: sectionId, payload: { seat: target.seat, how }, events };
  });
}

/**
 * For the tendering side's appointment (EV3): whether it may appoint now and the live members by seat and kind —
 * never the experts' names (R36: the committee stays secret until the result).
 */
export async function appointmentView(db: Executor, actor: Actor, sectionId: string) {
  const { project, section } = await sectionAndProject(db, sectionId);
  if (!actor.user || !hasPermission(actor.roles, "tender:manage") || !managesProject(actor, project)) throw new DomainError("NOT_FOUND");
  const head = { projectId: project.id, projectCode: project.code, projectTitle: project.title, sectionCode: section.code };
  const [ev] = await db.select().from(evaluations).where(eq(evaluations.sectionId, sectionId));
  // Before the opening closed there is no evaluation yet (and no committee to appoint from).
  if (!ev) return { ...head, ready: false as const };
  const c = leaderConfig(ev);
  const members = await liveMembers(db, sectionId);
  const appointedMode = leaderMode(c, project.regime) === "appointed";
  const beforeStart = appointedMode && (ev.stage === "waiting" || ev.stage === "entry");
  const inRoom = appointedMode && ev.stage === "leader" && !ev.leaderMemberId;
  const fallback = !appointedMode && ev.stage === "leader" && awaitingAppointment(ev, c) && fallbackOf(c, project.regime) === "appointment";
  return {
    ...head,
    ready: true as const,
    mode: leaderMode(c, project.regime),
    stage: ev.stage,
    canAppoint: beforeStart || inRoom || fallback,
    pending: fallback ? ("fallback" as const) : inRoom ? ("in_room" as const) : beforeStart ? ("before_start" as const) : null,
    appointedSeat: members.find((m) => m.id === ev.leaderMemberId)?.seat ?? null,
    members: members.filter((m) => mayLead(project.regime, m) && (!inRoom || m.status === "seated")).map((m) => ({ id: m.id, seat: m.seat, kind: m.kind })),
  };
}

/**
 * What the leader panel shows, to members and supervisors alike: the round, who may be chosen, who has voted in
 * the open round (never for whom), the tallies of closed rounds only, the viewer's own ballot, and the leader with
 * how it was chosen (a lot with its recorded inputs).
 */
export async function electionView(db: Executor, ev: Evaluation, regime: Regime, viewer: CommitteeMember | null, names: Map<string, string>) {
  const c = leaderConfig(ev);
  const members = seated(await liveMembers(db, ev.sectionId));
  const seatOf = new Map(members.map((m) => [m.id, m.seat]));
  const rows = await db.select().from(leaderBallots).where(eq(leaderBallots.sectionId, ev.sectionId)).orderBy(asc(leaderBallots.round), asc(leaderBallots.at));
  const { current: all, restart } = splitBallots(ev, new Set((await liveMembers(db, ev.sectionId)).map((m) => m.id)), rows);
  if (restart) ev = { ...ev, electionRound: 1, electionEligible: [] };
  const ballots = all.filter((b) => seatOf.has(b.voterId));
  const closed = (round: number) => round < ev.electionRound || ev.leaderMemberId !== null;
  const rounds = [...new Set(ballots.map((b) => b.round))].filter(closed).sort((a, b) => a - b);
  const person = (id: string) => ({ id, seat: seatOf.get(id) ?? 0, name: names.get(id) ?? "" });
  const tallies = rounds.map((round) => {
    const counts = new Map<string, number>();
    for (const b of ballots.filter((x) => x.round === round)) counts.set(b.candidateId, (counts.get(b.candidateId) ?? 0) + 1);
    const votes = [...counts.entries()].map(([id, count]) => ({ ...person(id), count })).sort((a, b) => b.count - a.count || a.seat - b.seat);
    return { round, votes };
  });
  const eligibleIds = (() => {
    const may = members.filter((m) => mayLead(regime, m)).map((m) => m.id);
    const kept = ev.electionEligible.filter((id) => may.includes(id));
    return kept.length ? kept : may;
  })();
  const current = ballots.filter((b) => b.round === ev.electionRound && !closed(b.round));
  const mine = viewer ? current.find((b) => b.voterId === viewer.id) : undefined;
  let by: "votes" | "lot" | "appointment" | null = null;
  let lot: Record<string, unknown> | null = null;
  if (ev.leaderMemberId) {
    const [entry] = await db
      .select({ payload: recordEntries.payload })
      .from(recordEntries)
      .where(and(eq(recordEntries.subjectId, ev.sectionId), eq(recordEntries.action, "evaluation.ballot_cast"), isNotNull(sql`${recordEntries.payload}->'lot'`)))
      .orderBy(sql`${recordEntries.seq} desc`)
      .limit(1);
    const last = tallies.at(-1);
    if (!last) by = "appointment";
    else if (last.votes[0] && last.votes[0].id === ev.leaderMemberId && (last.votes[1]?.count ?? -1) < last.votes[0].count) by = "votes";
    else if (entry) {
      by = "lot";
      const l = (entry.payload as { lot?: { recordHead: string; salt: string; seed: string; amongSeats: number[]; orderSeats: number[] } }).lot!;
      lot = { recordHead: l.recordHead, salt: l.salt, seed: l.seed, amongSeats: l.amongSeats, orderSeats: l.orderSeats };
    } else by = "appointment";
  }
  const mode = leaderMode(c, regime);
  return {
    mode,
    maxRounds: c.maxRounds,
    fallback: fallbackOf(c, regime),
    round: Math.min(ev.electionRound, c.maxRounds),
    status: ev.leaderMemberId ? ("elected" as const) : mode === "appointed" || awaitingAppointment(ev, c) ? ("awaiting_appointment" as const) : ("voting" as const),
    eligible: eligibleIds.map(person).sort((a, b) => a.seat - b.seat),
    voted: current.map((b) => seatOf.get(b.voterId)!).sort((a, b) => a - b),
    voters: members.length,
    myChoice: mine ? person(mine.candidateId) : null,
    tallies,
    leader: ev.leaderMemberId ? { ...person(ev.leaderMemberId), by } : null,
    lot,
  };
}
export type ElectionView = Awaited<ReturnType<typeof electionView>>;
