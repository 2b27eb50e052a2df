import { createHash } from "node:crypto";
import { and, asc, eq, inArray, isNull, ne, sql } from "drizzle-orm";
import { rsaVerify } from "#crypto/keys";
import { fromBase64 } from "#crypto/seal/format";
import type { Executor, Tx } from "#db/client";
import { bidOpenings, certificates, committeeMembers, evaluations, jobs, leaderBallots, organisations, roomPresence, type CommitteeMember, type Evaluation } from "#db/schema/index";
import {
  DECLARATION_GROUNDS,
  DECLARATION_READING_SECONDS,
  declarationText,
  declarationTiming,
  recusalReason,
  compareBidders,
  type DeclarationBidder,
} from "#app/domain/evaluation/declaration";
import { LeaderSchema } from "#app/domain/evaluation/method";
import type { RuleViolation } from "#app/domain/rules/violations";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { systemActor, type Actor } from "../platform/actor";
import { assertUsable, consumeChallenge, trustedCaPems } from "../platform/certificates.server";
import { dbNow, runCommand, runOptionalCommand, type LiveEventInput } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { scheduleJob } from "../platform/jobs.server";
import { isSupervisor, liveMembers, loadEvaluation, lockEvaluation, memberOf, roomEvent, sectionAndProject, setStage, type Stage } from "./access.server";
import { committeeViolations, recuseMember } from "./committee.server";

/**
 * Entering the review room and the declaration of no conflict (R41, R42; docs/decisions/015-evaluation.md "entry").
 *
 * - **Entry**: only this section's live committee members, only from the evaluation start (stage `entry` or later),
 *   after signing a one-time challenge (`evaluation-entry:<sectionId>`) with the member's own, active certificate in
 *   the page — exactly as the opening hall's check-in. Entering opens a `room_presence` row (time, IP, certificate);
 *   leaving closes it. Re-entering after leaving needs a new challenge.
 * - **Presence** is kept by the page's heartbeat: every open presence has a durable job
 *   (`evaluation.presence_timeout`) that closes it when no heartbeat came for PRESENCE_STALE_MS; a heartbeat pushes
 *   the job's due time on, and the page's unload says "away", which shortens it to PRESENCE_AWAY_MS — so a reload or
 *   a short navigation keeps the member in the room while a closed tab leaves it within seconds. Heartbeats are
 *   liveness (like a session's expiry), not state changes: they write no record entry; the exit they cause does.
 * - **Declaration**: after the reading countdown, the member signs the declaration (app/domain/evaluation/
 *   declaration.ts: section, bidders, grounds' version, seat, time) with its certificate key in the page; the
 *   server rebuilds the text from its own data, verifies the signature against the member's registered certificate
 *   and seats the member. "I have a conflict" recuses the member through the committee's `recuseMember` (R37, EV15).
 * - When the last live member is seated and the committee passes R32, the room moves on — to the election
 *   (`leader`), or straight to `review` when the profile lets the tendering unit appoint the leader and it did (EV3).
 */

type Ctx = Pick<AppContext, "db" | "config">;

/** Stages in which a member may be in the room (from the start until the report is signed). */
export const ROOM_OPEN_STAGES: readonly Stage[] = ["entry", "leader", "review", "scoring", "summary", "signing"];

/** No heartbeat for this long → the member has left (the page beats every 20 s). */
export const PRESENCE_STALE_MS = 90_000;
/** After the page's unload: the member has left unless a heartbeat comes back within this (a reload does). */
export const PRESENCE_AWAY_MS = 15_000;

const presenceJobKey = (presenceId: string) => `evaluation.presence:${presenceId}`;

/** The actor's live seat; R42: anyone else gets NOT_FOUND (supervisors, who may watch, FORBIDDEN: read-only). */
async function seatOf(db: Executor, actor: Actor, sectionId: string): Promise<CommitteeMember> {
  const m = await memberOf(db, actor, sectionId);
  if (!m || m.status === "recused" || m.status === "removed") {
    if (actor.user && isSupervisor(actor)) throw new DomainError("FORBIDDEN", { permission: "evaluation:member" });
    throw new DomainError("NOT_FOUND");
  }
  return m;
}

/** R42: the room is open from the evaluation start (database clock) until the report is signed. */
function requireOpenRoom(ev: Evaluation, now: Date): void {
  if (now < ev.startsAt) throw new DomainError("INVALID_STATE", { stage: "waiting" });
  if (!ROOM_OPEN_STAGES.includes(ev.stage)) throw new DomainError("INVALID_STATE", { stage: ev.stage });
}

export async function openPresence(db: Executor, memberId: string) {
  const [p] = await db
    .select()
    .from(roomPresence)
    .where(and(eq(roomPresence.memberId, memberId), isNull(roomPresence.leftAt)))
    .orderBy(asc(roomPresence.enteredAt))
    .limit(1);
  return p ?? null;
}

/** The section's bidders as shown to the members and signed in the declaration: every bid at the opening (R41). */
export async function sectionBidders(db: Executor, sectionId: string): Promise<(DeclarationBidder & { orgId: string })[]> {
  const rows = await db
    .select({ orgId: organisations.id, name: organisations.name, creditCode: organisations.creditCode })
    .from(bidOpenings)
    .innerJoin(organisations, eq(organisations.id, bidOpenings.orgId))
    .where(and(eq(bidOpenings.sectionId, sectionId), ne(bidOpenings.state, "withdrawn")));
  return rows.map((r) => ({ orgId: r.orgId, name: r.name, creditCode: r.creditCode ?? null })).sort(compareBidders);
}

/** R41/R42: a member enters by signing the room's challenge with its own, active certificate. */
export async function enterRoom(ctx: Ctx, actor: Actor, sectionId: string, proof: { nonce: string; certificateId: string; signature: string }): Promise<void> {
  if (!isUuid(proof.certificateId)) throw new DomainError("VALIDATION", { field: "certificateId" });
  await runCommand(ctx, actor, "evaluation.entered", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const m = await seatOf(tx, actor, sectionId);
    requireOpenRoom(ev, now);
    if (await openPresence(tx, m.id)) throw new DomainError("INVALID_STATE", { status: "present" });
    const { cert } = await consumeChallenge(tx, ctx.config, actor, now, { ...proof, purpose: `evaluation-entry:${sectionId}` });
    const [p] = await tx
      .insert(roomPresence)
      .values({ sectionId, memberId: m.id, enteredAt: now, ip: actor.ip, certificateId: cert!.id })
      .returning({ id: roomPresence.id });
    await scheduleJob(tx, { kind: "evaluation.presence_timeout", dueAt: new Date(now.getTime() + PRESENCE_STALE_MS), payload: { presenceId: p!.id }, dedupeKey: presenceJobKey(p!.id) });
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { seat: m.seat, presenceId: p!.id, certificate: cert!.fingerprint },
      events: [roomEvent(sectionId, "evaluation.entered", { seat: m.seat })],
    };
  });
}

async function closePresence(tx: Tx, presenceId: string, now: Date) {
  await tx.update(roomPresence).set({ leftAt: now }).where(eq(roomPresence.id, presenceId));
  await tx.update(jobs).set({ state: "done", doneAt: now }).where(and(eq(jobs.dedupeKey, presenceJobKey(presenceId)), eq(jobs.state, "pending")));
}

/** The member leaves the room (the page's button). Recorded; coming back needs a new challenge. */
export async function leaveRoom(ctx: Ctx, actor: Actor, sectionId: string): Promise<void> {
  await runCommand(ctx, actor, "evaluation.left", async ({ tx, now }) => {
    await lockEvaluation(tx, sectionId);
    const m = await seatOf(tx, actor, sectionId);
    const p = await openPresence(tx, m.id);
    if (!p) throw new DomainError("INVALID_STATE", { status: "absent" });
    await closePresence(tx, p.id, now);
    return { result: undefined, subjectType: "section", subjectId: sectionId, payload: { seat: m.seat, presenceId: p.id, how: "button" }, events: [roomEvent(sectionId, "evaluation.left", { seat: m.seat })] };
  });
}

/** Job `evaluation.presence_timeout`: no heartbeat came in time — the member has left. Idempotent. */
export async function presenceTimedOut(ctx: Pick<AppContext, "db">, presenceId: string): Promise<boolean> {
  const done = await runOptionalCommand(ctx, systemActor(), "evaluation.left", async ({ tx, now }) => {
    const [p] = await tx.select().from(roomPresence).where(eq(roomPresence.id, presenceId));
    if (!p || p.leftAt) return null;
    await lockEvaluation(tx, p.sectionId);
    const [again] = await tx.select().from(roomPresence).where(eq(roomPresence.id, presenceId)).for("update");
    if (!again || again.leftAt) return null;
    const [m] = await tx.select({ seat: committeeMembers.seat }).from(committeeMembers).where(eq(committeeMembers.id, p.memberId));
    await tx.update(roomPresence).set({ leftAt: now }).where(eq(roomPresence.id, presenceId));
    return {
      result: true,
      subjectType: "section",
      subjectId: p.sectionId,
      payload: { seat: m?.seat ?? null, presenceId, how: "no_heartbeat" },
      events: [roomEvent(p.sectionId, "evaluation.left", { seat: m?.seat ?? null })],
    };
  });
  return !!done;
}

/**
 * The page's heartbeat (`away` on unload): pushes the open presence's timeout on, or shortens it. Liveness, not a
 * state change — no record entry. Returns whether the member is in the room.
 */
export async function heartbeat(ctx: Pick<AppContext, "db">, actor: Actor, sectionId: string, away = false): Promise<{ present: boolean }> {
  const m = await seatOf(ctx.db, actor, sectionId);
  const p = await openPresence(ctx.db, m.id);
  if (!p) return { present: false };
  const ms = away ? PRESENCE_AWAY_MS : PRESENCE_STALE_MS;
  await ctx.db
    .update(jobs)
    .set({ dueAt: sql`now() + make_interval(secs => ${ms / 1000})` })
    .where(and(eq(jobs.dedupeKey, presenceJobKey(p.id)), eq(jobs.state, "pending")));
  return { present: true };
}

/**
 * Moves the room on when the last live member is seated and the committee passes R32 (inside the command that
 * seated it): to `leader`, or past it to `review` when the tendering unit appointed a live member and the method
 * says the leader is appointed (EV3). Returns the live events.
 */
export async function advanceWhenSeated(tx: Tx, ev: Evaluation, now: Date): Promise<{ events: LiveEventInput[]; to: Stage | null; violations: RuleViolation[] }> {
  if (ev.stage !== "entry") return { events: [], to: null, violations: [] };
  const members = await liveMembers(tx, ev.sectionId);
  if (members.length === 0 || members.some((m) => m.status !== "seated")) return { events: [], to: null, violations: [] };
  const violations = await committeeViolations(tx, ev.sectionId);
  if (violations.length) return { events: [], to: null, violations };
  const leader = LeaderSchema.parse((ev.config as { leader?: unknown }).leader ?? {});
  const { project } = await sectionAndProject(tx, ev.sectionId);
  // EV3: appointment by the tendering unit exists for ZTB only (评标规定9); ZFCG always elects (87号令45(四)).
  const appointedMode = leader.chosenBy === "appointed" && project.regime === "ZTB";
  const appointed = appointedMode && !!ev.leaderMemberId && members.some((m) => m.id === ev.leaderMemberId);
  const to: Stage = appointed ? "review" : "leader";
  if (!appointed) {
    // A fresh election: ballots of an earlier one (a rollback to the entry) stay in the record, not in the tally.
    await tx.delete(leaderBallots).where(eq(leaderBallots.sectionId, ev.sectionId));
    await tx.update(evaluations).set({ leaderMemberId: null, electionRound: 1, electionEligible: [] }).where(eq(evaluations.sectionId, ev.sectionId));
  }
  return { events: [await setStage(tx, ev, to, now)], to, violations: [] };
}

/** The declaration a member signs, as the server holds it (for the page and for verification). */
export async function declarationFor(db: Executor, sectionId: string, seat: number) {
  const { project } = await sectionAndProject(db, sectionId);
  const bidders = await sectionBidders(db, sectionId);
  return { sectionId, regime: project.regime, seat, bidders, grounds: DECLARATION_GROUNDS[project.regime] };
}

/**
 * R41: the signed declaration of no conflict. The member is in the room, the reading time has passed, the
 * signature over the server's own declaration text verifies with the member's registered, active certificate.
 */
export async function declareNoConflict(ctx: Ctx, actor: Actor, sectionId: string, input: { at: string; certificateId: string; signature: string }): Promise<void> {
  if (!isUuid(input.certificateId)) throw new DomainError("VALIDATION", { field: "certificateId" });
  await runCommand(ctx, actor, "evaluation.declared", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const m = await seatOf(tx, actor, sectionId);
    requireOpenRoom(ev, now);
    if (m.status !== "expected") throw new DomainError("INVALID_STATE", { status: m.status });
    const p = await openPresence(tx, m.id);
    if (!p) throw new DomainError("INVALID_STATE", { status: "absent" });
    const timing = declarationTiming({ at: input.at, now, enteredAt: p.enteredAt });
    if (timing === "skew") throw new DomainError("VALIDATION", { field: "at" });
    if (timing === "reading") throw new DomainError("INVALID_STATE", { status: "reading" });
    const [row] = await tx.select().from(certificates).where(eq(certificates.id, input.certificateId));
    const cert = assertUsable(row, actor, now, trustedCaPems(ctx.config));
    const d = await declarationFor(tx, sectionId, m.seat);
    let text: string;
    try {
      text = declarationText({ sectionId, regime: d.regime, seat: m.seat, bidders: d.bidders, at: input.at });
    } catch {
      throw new DomainError("VALIDATION", { field: "at" });
    }
    let sig: Uint8Array;
    try {
      sig = fromBase64(input.signature);
    } catch {
      throw new DomainError("CHALLENGE_INVALID");
    }
    if (sig.length === 0 || sig.length > 1024 || !(await rsaVerify(fromBase64(cert.publicKeySpki), sig, new TextEncoder().encode(text)))) throw new DomainError("CHALLENGE_INVALID");
    await tx
      .update(committeeMembers)
      .set({ status: "seated", declaredAt: now, declarationCertificateId: cert.id, declaration: { text, signature: input.signature, bidders: d.bidders.map((b) => b.orgId) } })
      .where(eq(committeeMembers.id, m.id));
    const next = await advanceWhenSeated(tx, ev, now);
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: {
        seat: m.seat,
        certificate: cert.fingerprint,
        grounds: d.grounds.version,
        bidders: d.bidders.length,
        declarationSha256: createHash("sha256").update(text).digest("hex"),
        stage: next.to,
      },
      events: [roomEvent(sectionId, "evaluation.declared", { seat: m.seat }), ...next.events],
    };
  });
}

/**
 * "I have a conflict" (R37, R39/R40, EV15): a reason (bounded) and a second confirmation; the committee removes the
 * member and invites a replacement (`recuseMember`), then the member's presence is closed (recorded).
 */
export async function declareConflict(ctx: Ctx, actor: Actor, sectionId: string, input: { reason: string; confirm: string }): Promise<void> {
  const reason = recusalReason(input.reason);
  if (!reason) throw new DomainError("VALIDATION", { field: "reason" });
  if (input.confirm !== "yes") throw new DomainError("VALIDATION", { field: "confirm" });
  const ev = await loadEvaluation(ctx.db, sectionId);
  if (!ev) throw new DomainError("NOT_FOUND");
  const m = await seatOf(ctx.db, actor, sectionId);
  requireOpenRoom(ev, await dbNow(ctx.db));
  if (!(await openPresence(ctx.db, m.id))) throw new DomainError("INVALID_STATE", { status: "absent" });
  await recuseMember(ctx, actor, sectionId, reason);
  await runOptionalCommand(ctx, actor, "evaluation.left", async ({ tx, now }) => {
    await lockEvaluation(tx, sectionId);
    const p = await openPresence(tx, m.id);
    if (!p) return null;
    await closePresence(tx, p.id, now);
    return { result: undefined, subjectType: "section", subjectId: sectionId, payload: { seat: m.seat, presenceId: p.id, how: "recused" }, events: [roomEvent(sectionId, "evaluation.left", { seat: m.seat })] };
  });
}

/**
 * What the entry panel shows. A member: whether it is in the room, its certificates (to match the opened file), and
 * — once in and not yet seated — the declaration to read and sign with the reading countdown. Everyone who may look:
 * who is missing by name (EV15, docs/evaluation-rules.md §4.2) and, when all are seated but R32 fails, why.
 */
export async function entryView(db: Executor, ev: Evaluation, member: CommitteeMember | null, names: Map<string, string>) {
  const members = await liveMembers(db, ev.sectionId);
  const ids = members.map((m) => m.id);
  const open = ids.length ? await db.select().from(roomPresence).where(and(inArray(roomPresence.memberId, ids), isNull(roomPresence.leftAt))) : [];
  const enteredAt = new Map(open.map((p) => [p.memberId, p.enteredAt]));
  const allSeated = members.length > 0 && members.every((m) => m.status === "seated");
  const problems = ev.stage === "entry" && allSeated ? await committeeViolations(db, ev.sectionId) : [];
  const missing = members.filter((m) => m.status !== "seated").map((m) => ({ seat: m.seat, name: names.get(m.id) ?? "", present: enteredAt.has(m.id) }));
  const mineAt = member ? (enteredAt.get(member.id) ?? null) : null;
  const live = member && member.status !== "recused" && member.status !== "removed" && !member.voidedAt;
  let mine = null;
  if (live) {
    const certs = await db
      .select({ id: certificates.id, fingerprint: certificates.fingerprint, serialHex: certificates.serialHex, notAfter: certificates.notAfter })
      .from(certificates)
      .where(and(eq(certificates.userId, member.userId), eq(certificates.status, "active")));
    const declaration = mineAt && member.status === "expected" ? await declarationFor(db, ev.sectionId, member.seat) : null;
    mine = {
      status: member.status,
      present: !!mineAt,
      enteredAt: mineAt?.toISOString() ?? null,
      readingEndsAt: mineAt ? new Date(mineAt.getTime() + DECLARATION_READING_SECONDS * 1000).toISOString() : null,
      declaredAt: member.declaredAt?.toISOString() ?? null,
      certificates: certs.map((c) => ({ id: c.id, fingerprint: c.fingerprint, serialHex: c.serialHex, notAfter: c.notAfter.toISOString() })),
      declaration: declaration && {
        sectionId: declaration.sectionId,
        regime: declaration.regime,
        seat: declaration.seat,
        bidders: declaration.bidders.map((b) => ({ name: b.name, creditCode: b.creditCode })),
        groundsVersion: declaration.grounds.version,
        grounds: [...declaration.grounds.codes],
      },
    };
  }
  const now = await dbNow(db);
  return { now: now.toISOString(), open: ROOM_OPEN_STAGES.includes(ev.stage), missing, problems, seated: members.length - missing.length, total: members.length, mine };
}
export type EntryView = Awaited<ReturnType<typeof entryView>>;
