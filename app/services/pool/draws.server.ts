import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, asc, eq, gte, inArray, isNotNull, ne, sql } from "drizzle-orm";
import { drawExperts, drawPositions, inputHashOf, lineCountsOf, type DrawLine, type DrawResult, type Pick as DrawnPick } from "#expert-pool/draw";
import { rescreenPicks, screenPool, type ExpertRecord } from "#expert-pool/exclusions";
import {
  canonicalCandidates,
  canonicalExclusions,
  cleanSalt,
  drawSeedV2,
  poolCommitment,
  pseudonym,
  saltCommitment,
  type CommittedExclusion,
  type SaltParty,
} from "#expert-pool/commitment";
import { commitTo } from "#expert-pool/seed";
import { picksHash, verifyDraw, type DrawProof, type DrawProofV2 } from "#expert-pool/verify";
import { rowsOf, type Executor, type Tx } from "#db/client";
import {
  bids,
  drawPicks,
  drawPools,
  draws,
  evaluations,
  expertEmployment,
  expertRelationships,
  experts,
  expertUnavailability,
  jobs,
  organisations,
  projects,
  recordEntries,
  roomBookings,
  rooms,
  sections,
  specialties as specialtiesTable,
  type Draw,
  type DrawExclusion,
} from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { hasPermission } from "#app/domain/permissions";
import { exclusionReason, shortfallText } from "#app/domain/draw-view";
import { cstDate } from "#app/domain/rules/days";
import { checkDrawReveal } from "#app/domain/rules/draws";
import { getProfile } from "#app/domain/rules/profiles";
import type { Actor } from "../platform/actor";
import { dbNow, requirePermission, runCommand, runOptionalCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { scheduleJob } from "../platform/jobs.server";
import { notifyOrganisations, notifyUsers } from "../platform/notify.server";
import { systemActor } from "../platform/actor";
import { formatCst } from "#app/domain/tender-form";
import { serverT } from "#app/i18n";
import { signOfficial } from "../platform/official-pdf.server";
import { managesProject } from "../tendering/tenders.server";
import { evaluationBookingIn, evaluationBookingsOf, roomLabel } from "../rooms/rooms.server";

type Ctx = Pick<AppContext, "db">;

/**
 * Rotation (R35 "no designation"): an expert drawn this many times for the same tendering
 * unit within the window is left out (docs/decisions/009-expert-draw.md).
 */
export const ROTATION = { windowDays: 180, cap: 3 } as const;
/** R40: conflicts of interest look back three years. */
export const LOOKBACK_YEARS = 3;
/** An invited expert answers within this many hours (and at the latest an hour before the evaluation). */
export const CONFIRM_HOURS = 4;
/** The exclusion reason (R39 manual avoidance) of an expert already drawn for the section by an earlier draw (R37). */
export const ALREADY_DRAWN_REASON = "已在本标段抽取（补充抽取不重复抽取）";
/**
 * A replacement invited on the day (a recusal or removal in the room, R37): the hour-before rule has passed, so
 * the backup answers within this many minutes instead.
 */
export const LATE_CONFIRM_MINUTES = 60;

/** The confirmation deadline of an invitation sent at `now` for an evaluation at `evaluationAt`. */
export function confirmationDeadline(now: Date, evaluationAt: Date): Date {
  const due = Math.min(now.getTime() + CONFIRM_HOURS * 3600_000, evaluationAt.getTime() - 3600_000);
  return new Date(due > now.getTime() ? due : now.getTime() + LATE_CONFIRM_MINUTES * 60_000);
}

/** A drawn expert to invite: its pick, its account and phone (either may be missing), the project's free-text room. */
type Invitee = { pickId: string; userId: string | null; phone: string | null; room: string | null };
/** A job for the one insert that schedules all of a command's jobs (app/services/platform/jobs.server.ts `scheduleJob`, batched). */
type JobRow = { kind: string; dueAt: Date; payload: Record<string, unknown>; dedupeKey: string };

/**
 * Invites drawn members (R36): in-app notice, SMS job, confirmation timeout. Only the time and place are told: the
 * section's booked review room and its slot when it has one (app/services/rooms), else the project's free-text room.
 */
async function invite(tx: Tx, pickIds: readonly string[], draw: Pick<Draw, "evaluationAt" | "projectId" | "sectionId">, now: Date) {
  if (pickIds.length === 0) return;
  const rows = await tx
    .select({ pickId: drawPicks.id, userId: experts.userId, phone: experts.phone, room: projects.reviewRoom })
    .from(drawPicks)
    .innerJoin(experts, eq(experts.id, drawPicks.expertId))
    .innerJoin(projects, eq(projects.id, sql`${draw.projectId}::uuid`))
    .where(inArray(drawPicks.id, [...pickIds]));
  const byPick = new Map(rows.map((r) => [r.pickId, r]));
  await sendInvitations(tx, pickIds.flatMap((id) => byPick.get(id) ?? []), draw, now);
}

/**
 * The invitations of `invitees` (a promoted backup; the draw itself writes its invitations in its one statement,
 * drawAndStore), in their order: one query for the booking, one insert of the in-app notices (one per expert with an
 * account, the same text for all), one insert of the jobs (the external notices, the confirmation time-outs). A job
 * whose dedupe key exists is skipped, as by scheduleJob.
 */
async function sendInvitations(tx: Tx, invitees: readonly Invitee[], draw: Pick<Draw, "evaluationAt" | "sectionId">, now: Date) {
  const rows: JobRow[] = [];
  if (invitees.length) {
    const booking = await evaluationBookingIn(tx, draw.sectionId);
    const at = booking ? new Date(booking.startsAt) : draw.evaluationAt;
    const bookedRoom = booking ? [roomLabel({ code: booking.roomCode, name: booking.roomName }), booking.location].filter(Boolean).join(" · ") : null;
    // The notices, grouped by their text (one project: one group), in the invitees' order.
    const notices = new Map<string, { params: Record<string, string>; userIds: string[] }>();
    for (const row of invitees) {
      const params = { at: formatCst(at), room: bookedRoom ?? (row.room || "—") };
      if (row.userId) {
        const key = JSON.stringify(params);
        const group = notices.get(key) ?? { params, userIds: [] as string[] };
        group.userIds.push(row.userId);
        notices.set(key, group);
      }
      if (row.phone) rows.push({ kind: "notify.external", dueAt: now, payload: { phone: row.phone, kind: "drawInvitation", params }, dedupeKey: `invite:${row.pickId}` });
      rows.push({ kind: "draw.confirmation_timeout", dueAt: confirmationDeadline(now, at), payload: { pickId: row.pickId }, dedupeKey: `draw-timeout:${row.pickId}` });
    }
    for (const { params, userIds } of notices.values()) await notifyUsers(tx, userIds, { kind: "drawInvitation", params, link: "/invitations" });
  }
  if (rows.length) await tx.insert(jobs).values(rows).onConflictDoNothing();
}

export type DrawRequest = {
  sectionId: string;
  lines: DrawLine[];
  regionMode: "local" | "remote" | "any";
  evaluationAt: Date;
  avoid: { expertCode: string; reason: string }[];
};

async function lockDraw(tx: Tx, drawId: string): Promise<Draw> {
  if (!isUuid(drawId)) throw new DomainError("NOT_FOUND");
  const [d] = await tx.select().from(draws).where(eq(draws.id, drawId)).for("update");
  if (!d) throw new DomainError("NOT_FOUND");
  return d;
}

/**
 * The draw row as the salt-and-draw command needs it, locked, in one query (issue 15: p99 < 25 ms; ADR 030): the
 * small draw row, the project's parties and room, whether the section's evaluation is prepared, and from the
 * write-once pool row its counts and its input hash — not the committed lists: the draw reads of them only what
 * it uses (drawCommitted).
 */
async function lockDrawForSalt(tx: Tx, drawId: string) {
  if (!isUuid(drawId)) throw new DomainError("NOT_FOUND");
  const [d] = await tx
    .select({
      id: draws.id,
      projectId: draws.projectId,
      sectionId: draws.sectionId,
      status: draws.status,
      lines: draws.lines,
      evaluationAt: draws.evaluationAt,
      serverSeed: draws.serverSeed,
      poolCommitment: draws.poolCommitment,
      saltParties: draws.saltParties,
      saltCommitments: draws.saltCommitments,
      salts: draws.salts,
      project: { tenderingUnitId: projects.tenderingUnitId, agencyId: projects.agencyId, reviewRoom: projects.reviewRoom },
      candidateCount: drawPools.candidateCount,
      excludedCount: drawPools.excludedCount,
      lineCounts: drawPools.lineCounts,
      inputHash: drawPools.inputHash,
      evaluationPrepared: sql<boolean>`exists (select 1 from ${evaluations} where ${evaluations.sectionId} = ${draws.sectionId})`,
      // The section's live evaluation booking, as rooms.server.ts `evaluationBookingsOf` finds it (the earliest
      // uncancelled evaluation booking): the invitation tells its room and time (R36). In this query, not its own.
      booking: sql<{ roomCode: string; roomName: string; location: string; startsAtMs: number } | null>`(
        select jsonb_build_object('roomCode', r.code, 'roomName', r.name, 'location', r.location, 'startsAtMs', floor(extract(epoch from b.starts_at) * 1000)::bigint)
          from ${roomBookings} b join ${rooms} r on r.id = b.room_id
         where b.section_id = ${draws.sectionId} and b.purpose = 'evaluation' and b.cancelled_at is null
         order by b.starts_at limit 1)`,
    })
    .from(draws)
    .innerJoin(projects, eq(projects.id, draws.projectId))
    .leftJoin(drawPools, eq(drawPools.drawId, draws.id))
    .where(eq(draws.id, drawId))
    .for("update", { of: draws });
  if (!d) throw new DomainError("NOT_FOUND");
  return d;
}

async function supervisorOrgIds(tx: Tx): Promise<string[]> {
  return (await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.kind, "supervisor"))).map((o) => o.id);
}

/** The party a user salts a draw as (R35, ADR 027): a supervisor, or the project's tender side; null for anyone else. */
function saltPartyOf(actor: Actor, project: Pick<typeof projects.$inferSelect, "tenderingUnitId" | "agencyId">): SaltParty | null {
  if (hasPermission(actor.roles, "draw:salt")) return "supervisor";
  if (hasPermission(actor.roles, "draw:request") && managesProject(actor, project)) return "tendering_unit";
  return null;
}

/**
 * The tender side requests a draw (R35; ADR 027): the server seed is generated, the pool is screened now — every
 * candidate and every exclusion with its rule — and the committed list, its pseudonymised exclusions, the salt
 * parties of the profile and the server seed's commitment are fixed in one pool commitment written to the record,
 * before any salt exists. The draw later reads only this list.
 */
export async function requestDraw(ctx: Ctx, actor: Actor, input: DrawRequest): Promise<string> {
  return runCommand(ctx, actor, "draw.request", async ({ tx, now }) => {
    requirePermission(actor, "draw:request");
    const [row] = await tx
      .select({ section: sections, project: projects })
      .from(sections)
      .innerJoin(projects, eq(projects.id, sections.projectId))
      .where(eq(sections.id, input.sectionId))
      .for("update");
    if (!row || !managesProject(actor, row.project)) throw new DomainError("NOT_FOUND");
    if (row.project.status === "draft" || row.project.status === "terminated") throw new DomainError("INVALID_STATE", { status: row.project.status });
    if (input.evaluationAt <= now) throw new DomainError("VALIDATION", { field: "evaluationAt" });
    if (!input.lines.length || input.lines.some((l) => l.count < 1 || l.backups < 0)) throw new DomainError("VALIDATION", { field: "lines" });
    const drawId = randomUUID();
    const serverSeed = randomBytes(32).toString("hex");
    const pseudonymKey = randomBytes(32).toString("hex");
    const commitment = commitTo(serverSeed);
    const saltParties = [...getProfile(row.project.profileCode).drawSaltParties];
    const screened = await screenForDraw(tx, row.project, row.section.id, drawId, input, now);
    const poolExclusions = canonicalExclusions(screened.excluded.map((x): CommittedExclusion => [pseudonym(pseudonymKey, x.expertCode), x.rule, x.code]));
    const candidates = canonicalCandidates(screened.candidates);
    const pool = poolCommitment({ drawId, seedCommitment: commitment, lines: input.lines, candidates, exclusions: poolExclusions, saltParties });
    // docs/draw-proof.md §7.2, over the list the draw will read: computed here once, so the draw does not (ADR 030).
    const asCandidates = candidates.map(([id, specialties]) => ({ id, specialties }));
    const inputHash = inputHashOf(input.lines, asCandidates);
    await tx.insert(draws).values({
      id: drawId,
      projectId: row.project.id,
      sectionId: row.section.id,
      requestedBy: actor.user!.id,
      lines: input.lines,
      regionMode: input.regionMode,
      evaluationAt: input.evaluationAt,
      avoid: input.avoid,
      serverSeed,
      commitment,
      poolCommitment: pool,
      pseudonymKey,
      saltParties,
      saltCommitments: [],
      salts: [],
    });
    // The committed pool, written once (ADR 030): no later command changes this row.
    await tx.insert(drawPools).values({
      drawId,
      candidates,
      poolExclusions,
      exclusions: screened.excluded,
      candidateCount: candidates.length,
      excludedCount: poolExclusions.length,
      lineCounts: lineCountsOf(input.lines, asCandidates),
      inputHash,
    });
    await notifyOrganisations(tx, await supervisorOrgIds(tx), { kind: "drawSaltNeeded", params: { title: row.project.title }, link: `/draws/${drawId}` });
    return {
      result: drawId,
      subjectType: "draw",
      subjectId: drawId,
      payload: {
        sectionId: row.section.id,
        lines: input.lines,
        regionMode: input.regionMode,
        evaluationAt: input.evaluationAt.toISOString(),
        avoid: input.avoid,
        commitment,
        poolCommitment: pool,
        candidates: candidates.length,
        excluded: poolExclusions.length,
        excludedByRule: countByRule(poolExclusions),
        saltParties,
      },
    };
  });
}

function countByRule(exclusions: readonly CommittedExclusion[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [, rule] of exclusions) out[rule] = (out[rule] ?? 0) + 1;
  return out;
}

/**
 * Commit-then-reveal, step 1 (a profile with more than one salt party): a party commits to its salt by the SHA-256
 * of {drawId, party, salt} (expert-pool/commitment.ts `saltCommitment`), computed on its own device, so the
 * platform learns nothing of the salt before every party has committed. Once per party; no reveal before all have.
 */
export async function commitSalt(ctx: Ctx, actor: Actor, drawId: string, saltCommitmentHex: string): Promise<{ waitingFor: SaltParty[] }> {
  return runCommand(ctx, actor, "draw.salt_commit", async ({ tx }) => {
    const d = await lockDraw(tx, drawId);
    const [project] = await tx.select().from(projects).where(eq(projects.id, d.projectId));
    const party = project ? saltPartyOf(actor, project) : null;
    if (!party) throw new DomainError("NOT_FOUND");
    const parties = d.saltParties ?? [];
    if (!parties.includes(party)) throw new DomainError("FORBIDDEN");
    if (d.status !== "committed" || !d.poolCommitment || parties.length < 2) throw new DomainError("INVALID_STATE", { status: d.status });
    const commitments = d.saltCommitments ?? [];
    if (commitments.some(([p]) => p === party)) throw new DomainError("INVALID_STATE", { status: "salt_committed" });
    const c = saltCommitmentHex.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(c)) throw new DomainError("VALIDATION", { field: "saltCommitment" });
    const next: [SaltParty, string][] = [...commitments, [party, c]];
    await tx.update(draws).set({ saltCommitments: next }).where(eq(draws.id, drawId));
    const waitingFor = parties.filter((p) => !next.some(([q]) => q === p));
    return { result: { waitingFor }, subjectType: "draw", subjectId: drawId, payload: { party, saltCommitment: c, waitingFor } };
  });
}

type PickedRow = { pick_id: string; status: string; code: string; user_id: string | null; phone: string | null };

/** What the draw's one statement writes besides the picks: the draw row's new state, the invitations' jobs and the others. */
type DrawWrite = {
  now: Date;
  salts: [SaltParty, string][];
  saltText: string;
  saltedBy: string;
  /** The invitation's text (R36: time and place) and the members' confirmation deadline. */
  params: Record<string, string>;
  confirmBy: Date;
  alsoJobs: JobRow[];
  /** Jobs scheduled only when the draw picked someone. */
  ifPicked: JobRow[];
};

/**
 * The draw over the committed pool (docs/draw-proof.md §7.1) and everything it writes in one statement (ADR 030):
 * the picks, the invited members' jobs (the external notice where the expert has a phone, the confirmation
 * time-out — as `scheduleJob` would, one per dedupe key), the caller's jobs and the draw row's new state; it
 * returns what the in-app notices need. One line that every candidate matches — what the request's line counts
 * say — is drawn by positions (expert-pool/draw.ts `drawPositions`, the same picks as drawExperts): the statement
 * reads the drawn entries' codes from the pool row itself, and the list never leaves the database. Any other draw
 * reads the committed candidates and runs drawExperts. A drawn expert no longer in the pool fails the command.
 */
async function drawAndStore(
  tx: Tx,
  d: { id: string; lines: DrawLine[]; candidateCount: number | null; lineCounts: number[] | null; inputHash: string | null },
  seed: Uint8Array,
  w: DrawWrite,
): Promise<{ result: DrawResult; picked: PickedRow[] }> {
  const n = d.candidateCount ?? 0;
  const line = d.lines.length === 1 ? d.lines[0]! : null;
  const status = (role: "member" | "backup") => (role === "member" ? "invited" : "standby");
  const byPosition = !!line && !!d.inputHash && d.lineCounts?.length === 1 && d.lineCounts[0] === n;
  let rows: { n: number; code: string | null; specialty: string; role: "member" | "backup"; ord: number; status: string }[];
  let codes = sql`select * from r`;
  let drawn: { shortfalls: DrawResult["shortfalls"]; inputHash: string; picks: DrawnPick[] | null };
  if (byPosition) {
    const { positions, shortfalls } = drawPositions(seed, line, n);
    rows = positions.map((p, i) => ({ n: i, code: null, specialty: line.specialty, role: p.role, ord: p.order, status: status(p.role) }));
    // The codes at the drawn positions, read in one jsonpath over the pool row: '$[i, j, …][0]'.
    if (positions.length) {
      const path = `$[${positions.map((p) => p.index).join(",")}][0]`;
      codes = sql`select r.n, l.codes ->> r.n as code, r.specialty, r.role, r.ord, r.status
                    from r, (select jsonb_path_query_array(${drawPools.candidates}, ${path}::jsonpath) as codes from ${drawPools} where ${drawPools.drawId} = ${d.id}::uuid) l`;
    }
    drawn = { shortfalls, inputHash: d.inputHash!, picks: null };
  } else {
    const [pool] = await tx.select({ candidates: drawPools.candidates }).from(drawPools).where(eq(drawPools.drawId, d.id));
    const result = drawExperts(
      seed,
      d.lines,
      (pool?.candidates ?? []).map(([id, specialties]) => ({ id, specialties })),
      d.inputHash ? { inputHash: d.inputHash } : undefined,
    );
    rows = result.picks.map((p, i) => ({ n: i, code: p.expertId, specialty: p.specialty, role: p.role, ord: p.order, status: status(p.role) }));
    drawn = { shortfalls: result.shortfalls, inputHash: result.inputHash, picks: result.picks };
  }
  const picked = rowsOf<PickedRow>(
    await tx.execute(sql`
      with r as (select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(n int, code text, specialty text, role text, ord int, status pick_status)),
      p as (${codes}),
      ins as (
        insert into ${drawPicks} (draw_id, expert_id, specialty, role, "order", status)
        select ${d.id}::uuid, e.id, p.specialty, p.role, p.ord, p.status from p join ${experts} e on e.code = p.code
        returning id, expert_id, status
      ),
      inv as (select ins.id, ins.status, e.code, e.user_id, e.phone, p.n from ins join ${experts} e on e.id = ins.expert_id join p on p.code = e.code),
      j as (
        insert into ${jobs} (kind, due_at, payload, dedupe_key)
        select 'notify.external', ${w.now.toISOString()}::timestamptz,
               jsonb_build_object('phone', inv.phone, 'kind', 'drawInvitation', 'params', ${JSON.stringify(w.params)}::jsonb), 'invite:' || inv.id
          from inv where inv.status = 'invited' and inv.phone is not null
        union all
        select 'draw.confirmation_timeout', ${w.confirmBy.toISOString()}::timestamptz, jsonb_build_object('pickId', inv.id), 'draw-timeout:' || inv.id
          from inv where inv.status = 'invited'
        union all
        select x.kind, x."dueAt", x.payload, x."dedupeKey"
          from jsonb_to_recordset(${JSON.stringify([...w.alsoJobs.map((x) => ({ ...x, always: true })), ...w.ifPicked.map((x) => ({ ...x, always: false }))])}::jsonb)
               as x(kind text, "dueAt" timestamptz, payload jsonb, "dedupeKey" text, always boolean)
         where x.always or exists (select 1 from inv)
        on conflict do nothing
      ),
      u as (
        update ${draws}
           set status = 'drawn', salts = ${JSON.stringify(w.salts)}::jsonb, salt = ${w.saltText}, salted_by = ${w.saltedBy}::uuid,
               input_hash = ${drawn.inputHash}, drawn_at = ${w.now.toISOString()}::timestamptz, shortfalls = ${JSON.stringify(drawn.shortfalls)}::jsonb
         where id = ${d.id}::uuid
      )
      select inv.id as pick_id, inv.status::text as status, inv.code, inv.user_id, inv.phone from inv order by inv.n`),
  );
  if (picked.length !== rows.length) throw new Error(`draw ${d.id}: ${rows.length - picked.length} drawn expert(s) no longer in the pool`);
  const picks = drawn.picks ?? rows.map((r, i) => ({ expertId: picked[i]!.code, specialty: r.specialty, role: r.role, order: r.ord }));
  return { result: { picks, shortfalls: drawn.shortfalls, inputHash: drawn.inputHash }, picked };
}

export type DrawOutcome = { drawn: boolean; waitingFor: SaltParty[]; picks: number; shortfalls: DrawResultShortfalls; eligible: number; excluded: number };
type DrawResultShortfalls = { specialty: string; wanted: number; available: number }[];

/**
 * The salt and the draw in one command (R35; ADR 027). One salt party (the supervisor): its salt is given here and
 * the draw runs at once. More than one: this is a party's reveal — the salt must match its commitment, and the
 * reveal that completes the set runs the draw. The seed = SHA-256 {v:2, serverSeed, poolCommitment, salts}: the
 * committed pool is all the draw reads, so nothing appended to the record or changed in the pool after the
 * commitment moves a pick.
 */
export async function drawWithSalt(ctx: Ctx, actor: Actor, drawId: string, salt: string): Promise<DrawOutcome> {
  // The record names a reveal that does not complete the set `draw.salt_reveal`, the one that draws `draw.run`
  // (read ahead of the command; the command re-checks everything under the row lock).
  const [pre] = isUuid(drawId) ? await ctx.db.select({ parties: draws.saltParties, salts: draws.salts }).from(draws).where(eq(draws.id, drawId)) : [];
  const action = pre && (pre.parties?.length ?? 0) > 1 && (pre.salts?.length ?? 0) + 1 < pre.parties!.length ? "draw.salt_reveal" : "draw.run";
  return runCommand<DrawOutcome>(ctx, actor, action, async ({ tx, now }) => {
    const d = await lockDrawForSalt(tx, drawId);
    const party = saltPartyOf(actor, d.project);
    if (!party) throw new DomainError("NOT_FOUND");
    const parties = d.saltParties ?? [];
    if (!parties.includes(party)) throw new DomainError("FORBIDDEN");
    if (d.status !== "committed" || !d.poolCommitment) throw new DomainError("INVALID_STATE", { status: d.status });
    const clean = cleanSalt(salt);
    if (!clean) throw new DomainError("VALIDATION", { field: "salt" });
    const revealed = d.salts ?? [];
    if (revealed.some(([p]) => p === party)) throw new DomainError("INVALID_STATE", { status: "salt_revealed" });
    if (parties.length > 1) {
      const commitments = d.saltCommitments ?? [];
      // No reveal before every party has committed: nobody can choose a salt after seeing another's.
      if (parties.some((p) => !commitments.some(([q]) => q === p))) throw new DomainError("INVALID_STATE", { status: "awaiting_salt_commitments" });
      const mine = commitments.find(([q]) => q === party)![1];
      if (saltCommitment(drawId, party, clean) !== mine) throw new DomainError("VALIDATION", { field: "salt", reason: "commitment" });
    }
    const salts: [SaltParty, string][] = [...revealed, [party, clean]];
    const waitingFor = parties.filter((p) => !salts.some(([q]) => q === p));
    const eligible = d.candidateCount ?? 0;
    const excluded = d.excludedCount ?? 0;
    if (waitingFor.length) {
      await tx.update(draws).set({ salts }).where(eq(draws.id, drawId));
      return {
        result: { drawn: false, waitingFor, picks: 0, shortfalls: [], eligible, excluded },
        subjectType: "draw",
        subjectId: drawId,
        payload: { party, salt: clean, waitingFor },
      };
    }
    const ordered = parties.map((p): [SaltParty, string] => [p, salts.find(([q]) => q === p)![1]]);
    const seed = drawSeedV2({ serverSeed: d.serverSeed, poolCommitment: d.poolCommitment, salts: ordered });
    const booking = d.booking;
    const at = booking ? new Date(Number(booking.startsAtMs)) : d.evaluationAt;
    const room = booking ? [roomLabel({ code: booking.roomCode, name: booking.roomName }), booking.location].filter(Boolean).join(" · ") : d.project.reviewRoom || "—";
    const params = { at: formatCst(at), room };
    const alsoJobs: JobRow[] = [{ kind: "draw.record_pdf", dueAt: now, payload: { drawId }, dedupeKey: `draw-record:${drawId}` }];
    // A supplementary draw (R37) for a section whose committee is already formed: the new members take seats.
    const ifPicked: JobRow[] = [];
    if (d.evaluationPrepared) ifPicked.push({ kind: "evaluation.committee_sync", dueAt: now, payload: { sectionId: d.sectionId }, dedupeKey: `evaluation.committee_sync:${drawId}:drawn` });
    const saltText = ordered.map(([, s]) => s).join(" · ");
    const { result, picked } = await drawAndStore(tx, d, seed, { now, salts, saltText, saltedBy: actor.user!.id, params, confirmBy: confirmationDeadline(now, at), alsoJobs, ifPicked });
    // The in-app notices (R36) to the invited members with an account, one insert (notify.server.ts).
    const users = picked.filter((p) => p.status === "invited" && p.user_id).map((p) => p.user_id!);
    if (users.length) await notifyUsers(tx, users, { kind: "drawInvitation", params, link: "/invitations" });
    return {
      result: { drawn: true, waitingFor: [], picks: result.picks.length, shortfalls: result.shortfalls, eligible, excluded },
      subjectType: "draw",
      subjectId: drawId,
      payload: {
        party,
        salt: clean,
        salts: ordered,
        poolCommitment: d.poolCommitment,
        inputHash: result.inputHash,
        picksHash: picksHash(result.picks),
        eligible,
        excluded,
        shortfalls: result.shortfalls,
      },
    };
  });
}

/**
 * The section's bidders as conflict parties (R39/R40): the organisations of its submitted bids, by credit code —
 * known only from the bid deadline on (before it, who bids is confidential and may still change: none).
 */
async function bidderCodesOf(tx: Executor, sectionId: string, project: Pick<typeof projects.$inferSelect, "bidDeadline">, now: Date): Promise<string[]> {
  if (now < project.bidDeadline) return [];
  const rows = await tx
    .selectDistinct({ id: organisations.id, code: organisations.creditCode })
    .from(bids)
    .innerJoin(organisations, eq(organisations.id, bids.orgId))
    .where(and(eq(bids.sectionId, sectionId), eq(bids.status, "submitted")));
  return rows.map((r) => r.code ?? `org:${r.id}`).sort();
}

/** The conflict parties of a section as organisation identifiers (credit codes and platform ids). */
async function partiesOf(tx: Executor, project: typeof projects.$inferSelect, sectionId: string, now: Date) {
  const ids = [project.tenderingUnitId, project.agencyId].filter((x): x is string => !!x);
  const orgs = await tx.select().from(organisations).where(inArray(organisations.id, ids));
  const code = (id: string | null) => orgs.find((o) => o.id === id)?.creditCode ?? `org:${id}`;
  const supervising = await tx.select({ code: organisations.creditCode, id: organisations.id }).from(organisations).where(eq(organisations.kind, "supervisor"));
  return {
    tenderingUnitId: code(project.tenderingUnitId),
    agencyId: project.agencyId ? code(project.agencyId) : null,
    bidderOrgIds: await bidderCodesOf(tx, sectionId, project, now),
    supervisingOrgIds: supervising.map((s) => s.code ?? `org:${s.id}`),
  };
}

/**
 * Loads the part of the pool that matches any requested specialty, with what the pure
 * exclusion rules need. Only employment and relationship rows that point at one of the
 * conflict parties, and unavailability overlapping the evaluation date, can change the
 * outcome, so only those are fetched (indexed on org code / expert): the pure function
 * gets exactly the facts that matter, and a 100,000-expert pool is not shipped around.
 */
async function loadPool(tx: Executor, lines: DrawLine[], partyCodes: string[], evaluationDate: string): Promise<(ExpertRecord & { code: string })[]> {
  // The taxonomy is small: expand each requested node to its codes, so the pool is found by
  // index equality on expert_specialties.code rather than a pattern scan.
  const codes = (await tx.select({ code: specialtiesTable.code }).from(specialtiesTable)).map((r) => r.code).filter((c) => lines.some((l) => c.startsWith(l.specialty)));
  if (codes.length === 0) return [];
  const rows = await tx
    .select({
      id: experts.id,
      code: experts.code,
      status: experts.status,
      punished: experts.punished,
      region: experts.region,
      employerCode: experts.employerCode,
      specialties: experts.specialties,
    })
    .from(experts)
    // experts.specialties is the database's own sorted copy of expert_specialties (migration 0013): one GIN scan.
    .where(sql`${experts.specialties} && array[${sql.join(codes.map((c) => sql`${c}`), sql`, `)}]::text[]`);
  return withFacts(tx, rows, partyCodes, evaluationDate);
}

type ExpertRow = { id: string; code: string; status: ExpertRecord["status"]; punished: boolean; region: string; employerCode: string | null; specialties: string[] };

/** The pure screen's facts for the given experts: employment and relationships at the parties, unavailability on the date. */
async function withFacts(tx: Executor, rows: ExpertRow[], partyCodes: string[], evaluationDate: string, few = false): Promise<(ExpertRecord & { code: string })[]> {
  if (rows.length === 0) return [];
  // A handful of drawn experts (the re-screen): their own rows only; a whole pool: every row at the parties.
  const ids = rows.map((r) => r.id);
  const group = <T extends { expertId: string }>(list: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of list) m.set(x.expertId, [...(m.get(x.expertId) ?? []), x]);
    return m;
  };
  const parties = partyCodes.length ? partyCodes : ["-"];
  const jobs = group(await tx.select().from(expertEmployment).where(and(inArray(expertEmployment.orgCode, parties), few ? inArray(expertEmployment.expertId, ids) : undefined)));
  const rels = group(await tx.select().from(expertRelationships).where(and(inArray(expertRelationships.orgCode, parties), few ? inArray(expertRelationships.expertId, ids) : undefined)));
  const away = group(
    await tx
      .select()
      .from(expertUnavailability)
      .where(and(sql`${expertUnavailability.fromDate} <= ${evaluationDate}::date`, sql`${expertUnavailability.toDate} >= ${evaluationDate}::date`, few ? inArray(expertUnavailability.expertId, ids) : undefined)),
  );
  return rows.map((e) => ({
    id: e.id,
    code: e.code,
    status: e.status,
    punished: e.punished,
    region: e.region,
    specialties: e.specialties,
    employerOrgId: e.employerCode,
    employment: (jobs.get(e.id) ?? []).map((j) => ({ orgId: j.orgCode!, from: j.fromDate, to: j.toDate })),
    relationships: (rels.get(e.id) ?? []).map((r) => ({ orgId: r.orgCode!, kind: r.kind, from: r.fromDate, to: r.toDate })),
    unavailable: (away.get(e.id) ?? []).map((u) => ({ from: u.fromDate, to: u.toDate })),
  }));
}

/**
 * The screened pool of a draw (R35–R36, R39–R40, R68, R33): every expert matching a requested specialty, either a
 * candidate ([code, specialties]) or excluded with its rule — computed once, at the request, and committed.
 */
async function screenForDraw(
  tx: Tx,
  project: typeof projects.$inferSelect,
  sectionId: string,
  drawId: string,
  input: Pick<DrawRequest, "lines" | "regionMode" | "evaluationAt" | "avoid">,
  now: Date,
) {
  const parties = await partiesOf(tx, project, sectionId, now);
  const evaluationDate = cstDate(input.evaluationAt);
  const partyCodes = [parties.tenderingUnitId, parties.agencyId, ...parties.bidderOrgIds, ...parties.supervisingOrgIds].filter((x): x is string => !!x);
  const pool = await loadPool(tx, input.lines, partyCodes, evaluationDate);
  const since = new Date(now.getTime() - ROTATION.windowDays * 86400_000);
  const rotationRows = await tx
    .select({ expertId: drawPicks.expertId, n: sql<number>`count(*)::int` })
    .from(drawPicks)
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .innerJoin(projects, eq(projects.id, draws.projectId))
    .where(and(eq(projects.tenderingUnitId, project.tenderingUnitId), gte(draws.drawnAt, since), isNotNull(draws.drawnAt), eq(drawPicks.role, "member")))
    .groupBy(drawPicks.expertId);
  const byCode = new Map(pool.map((e) => [e.code, e]));
  // R37: a supplementary draw never picks an expert already drawn for this section (member or backup, whatever
  // became of the pick: a seat, a decline, a recusal) — one person, one seat, and a conflict stays a conflict.
  const earlier = await tx
    .selectDistinct({ expertId: drawPicks.expertId })
    .from(drawPicks)
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .where(and(eq(draws.sectionId, sectionId), ne(draws.id, drawId)));
  const avoid = new Map(input.avoid.map((a) => [byCode.get(a.expertCode)?.id ?? `unknown:${a.expertCode}`, a.reason]));
  for (const e of earlier) if (!avoid.has(e.expertId)) avoid.set(e.expertId, ALREADY_DRAWN_REASON);
  const { eligible, excluded } = screenPool(pool, {
    evaluationDate,
    ...parties,
    region: { mode: input.regionMode, projectRegion: project.region },
    rotation: { counts: new Map(rotationRows.map((r) => [r.expertId, r.n])), cap: ROTATION.cap },
    avoid,
    lookbackYears: LOOKBACK_YEARS,
  });
  const codeOf = new Map(pool.map((e) => [e.id, e.code]));
  return {
    candidates: eligible.map((e): [string, string[]] => [codeOf.get(e.id)!, [...e.specialties]]),
    excluded: excluded.map((x) => ({ expertCode: codeOf.get(x.expertId) ?? x.expertId, rule: x.rule, code: x.code, params: x.params })),
  };
}

/**
 * The section's evaluation time: the latest of its draws (a supplementary draw may move it).
 * Until the results stage exists, this is when the committee stops being secret (R36).
 */
async function sectionEvaluationAt(db: Executor, d: Pick<Draw, "sectionId" | "evaluationAt">): Promise<Date> {
  const [row] = await db
    .select({ at: sql<string | null>`max(${draws.evaluationAt})` })
    .from(draws)
    .where(and(eq(draws.sectionId, d.sectionId), ne(draws.status, "cancelled")));
  const latest = row?.at ? new Date(row.at) : d.evaluationAt;
  return latest > d.evaluationAt ? latest : d.evaluationAt;
}

/**
 * Reveals the server seed so anyone can re-run the draw — which names the committee, so
 * not before the section's result is public (R36). The results stage does not exist yet:
 * until it does, an admin may reveal once the section's evaluation time has passed
 * (database clock), never earlier, whoever asks.
 */
export async function revealDraw(ctx: Ctx, actor: Actor, drawId: string): Promise<void> {
  await runCommand(ctx, actor, "draw.reveal", async ({ tx, now }) => {
    requirePermission(actor, "draw:reveal");
    const d = await lockDraw(tx, drawId);
    if (d.status !== "drawn") throw new DomainError("INVALID_STATE", { status: d.status });
    const at = await sectionEvaluationAt(tx, d);
    const early = checkDrawReveal(now, at, formatCst(at));
    if (early.length) throw new DomainError("RULE_VIOLATION", {}, early);
    await tx.update(draws).set({ status: "revealed", revealedAt: now }).where(eq(draws.id, drawId));
    return { result: undefined, subjectType: "draw", subjectId: drawId, payload: { serverSeed: d.serverSeed } };
  });
}

/** Whether a draw is public: revealed, and the section's evaluation time has passed (R36; also for draws revealed early before that rule). */
async function isPublic(db: Executor, d: Draw, now: Date): Promise<boolean> {
  return d.status === "revealed" && checkDrawReveal(now, await sectionEvaluationAt(db, d), "").length === 0;
}

/** The public proof of a revealed draw (nothing before the reveal, nothing before the section's evaluation time). */
export async function drawProof(db: Executor, drawId: string): Promise<DrawProof> {
  if (!isUuid(drawId)) throw new DomainError("NOT_FOUND");
  const [d] = await db.select().from(draws).where(eq(draws.id, drawId));
  if (!d || !(await isPublic(db, d, await dbNow(db)))) throw new DomainError("NOT_FOUND");
  const [pool] = await db.select({ candidates: drawPools.candidates, poolExclusions: drawPools.poolExclusions }).from(drawPools).where(eq(drawPools.drawId, drawId));
  const picks = await db
    .select({ code: experts.code, specialty: drawPicks.specialty, role: drawPicks.role, order: drawPicks.order })
    .from(drawPicks)
    .innerJoin(experts, eq(experts.id, drawPicks.expertId))
    .where(eq(drawPicks.drawId, drawId));
  const lineOrder = [...d.lines].sort((a, b) => (a.specialty < b.specialty ? -1 : 1)).map((l) => l.specialty);
  const ordered: DrawnPick[] = picks
    .map((p) => ({ expertId: p.code, specialty: p.specialty, role: p.role, order: p.order }))
    .sort((a, b) => lineOrder.indexOf(a.specialty) - lineOrder.indexOf(b.specialty) || a.order - b.order);
  if (!d.poolCommitment) {
    // A draw requested before migration 0016 (proof v1: the list computed at draw time, the seed bound to the record head).
    return { drawId, commitment: d.commitment, serverSeed: d.serverSeed, salt: d.salt!, recordHead: d.recordHead!, lines: d.lines, candidates: pool?.candidates ?? [], inputHash: d.inputHash!, picks: ordered };
  }
  const parties = d.saltParties ?? [];
  const inOrder = <T>(list: [SaltParty, T][]) => parties.flatMap((p): [SaltParty, T][] => list.filter(([q]) => q === p));
  return {
    v: 2,
    drawId,
    commitment: d.commitment,
    serverSeed: d.serverSeed,
    lines: d.lines,
    candidates: pool?.candidates ?? [],
    exclusions: pool?.poolExclusions ?? [],
    saltParties: parties,
    poolCommitment: d.poolCommitment,
    saltCommitments: inOrder(d.saltCommitments ?? []),
    salts: inOrder(d.salts ?? []),
    inputHash: d.inputHash!,
    picks: ordered,
    recorded: await recordedCommitments(db, drawId, parties),
  };
}

/**
 * What the record says was committed for a draw (docs/draw-proof.md §7 `recorded`): read from its record entries
 * — the request's seed and pool commitments and counts, the parties' salt commitments — never from the draw's own
 * row, so that a row changed after the commitment no longer matches.
 */
async function recordedCommitments(db: Executor, drawId: string, parties: readonly SaltParty[]): Promise<DrawProofV2["recorded"]> {
  const rows = await db
    .select({ seq: recordEntries.seq, action: recordEntries.action, hash: recordEntries.hash, payload: recordEntries.payload })
    .from(recordEntries)
    .where(and(eq(recordEntries.subjectType, "draw"), eq(recordEntries.subjectId, drawId), inArray(recordEntries.action, ["draw.request", "draw.salt_commit"])))
    .orderBy(asc(recordEntries.seq));
  const req = rows.find((r) => r.action === "draw.request")?.payload as
    | { commitment?: string; poolCommitment?: string; candidates?: number; excluded?: number; excludedByRule?: Record<string, number> }
    | undefined;
  const commits = rows.filter((r) => r.action === "draw.salt_commit").map((r) => r.payload as { party: SaltParty; saltCommitment: string });
  return {
    commitment: req?.commitment ?? "",
    poolCommitment: req?.poolCommitment ?? "",
    candidates: req?.candidates ?? -1,
    excluded: req?.excluded ?? -1,
    excludedByRule: req?.excludedByRule ?? {},
    saltCommitments: parties.flatMap((p): [SaltParty, string][] => commits.filter((c) => c.party === p).map((c) => [p, c.saltCommitment])),
    entries: rows.map((r) => ({ seq: r.seq, action: r.action, hash: r.hash })),
  };
}

/**
 * What a viewer may see of a draw (R36; docs/decisions/009-expert-draw.md "Secrecy"):
 * - supervisors: everything, always (names, phones, exclusions);
 * - the tendering unit / agency of the project: status and counts; names from the
 *   evaluation time on (the committee meets them), never the experts' phone numbers —
 *   the platform contacts the experts, the tender side has no need for them;
 * - admins: status and counts; names once the draw is public (revealed after the
 *   section's evaluation time);
 * - anyone else: NOT_FOUND.
 */
export async function drawForViewer(db: Executor, actor: Actor, drawId: string, now: Date) {
  if (!isUuid(drawId)) throw new DomainError("NOT_FOUND");
  const [d] = await db.select().from(draws).where(eq(draws.id, drawId));
  if (!d) throw new DomainError("NOT_FOUND");
  const [project] = await db.select().from(projects).where(eq(projects.id, d.projectId));
  const supervisor = hasPermission(actor.roles, "draw:read-names");
  const tenderSide = !!project && managesProject(actor, project);
  const admin = hasPermission(actor.roles, "draw:reveal");
  if (!supervisor && !tenderSide && !admin) throw new DomainError("NOT_FOUND");
  const revealableAt = await sectionEvaluationAt(db, d);
  const evaluationPassed = checkDrawReveal(now, revealableAt, "").length === 0;
  const namesVisible = supervisor || (tenderSide && now >= d.evaluationAt) || (d.status === "revealed" && evaluationPassed);
  const rows = namesVisible
    ? await db
        .select({ code: experts.code, name: experts.name, phone: experts.phone, specialty: drawPicks.specialty, role: drawPicks.role, order: drawPicks.order, status: drawPicks.status })
        .from(drawPicks)
        .innerJoin(experts, eq(experts.id, drawPicks.expertId))
        .where(eq(drawPicks.drawId, drawId))
        .orderBy(asc(drawPicks.specialty), asc(drawPicks.order))
    : [];
  const [counted] = await db
    .select({
      members: sql<number>`count(*) filter (where ${drawPicks.role} = 'member')::int`,
      backups: sql<number>`count(*) filter (where ${drawPicks.role} = 'backup')::int`,
    })
    .from(drawPicks)
    .where(eq(drawPicks.drawId, drawId));
  const picks = rows.map(({ phone, ...p }) => ({ ...p, phone: supervisor ? phone : null }));
  // The committed pool's counts; its exclusions with their parameters for supervisors only (ADR 030: its own row).
  const [pool] = await db
    .select({
      candidateCount: drawPools.candidateCount,
      excludedCount: drawPools.excludedCount,
      exclusionCount: sql<number>`jsonb_array_length(${drawPools.exclusions})::int`,
      exclusions: supervisor ? drawPools.exclusions : sql<DrawExclusion[] | null>`null`,
    })
    .from(drawPools)
    .where(eq(drawPools.drawId, drawId));
  const allExclusions = [...(pool?.exclusions ?? []), ...(d.exclusions ?? [])];
  const { serverSeed: _secret, pseudonymKey: _key, ...rest } = d;
  const shortfalls = d.shortfalls ?? [];
  // R35 / ADR 027: the salt parties of the profile; this viewer's own party, and what it has still to do.
  const party = project ? saltPartyOf(actor, project) : null;
  const parties = d.saltParties ?? [];
  const multi = parties.length > 1;
  const committedParties = (d.saltCommitments ?? []).map(([p]) => p);
  const revealedParties = (d.salts ?? []).map(([p]) => p);
  const open = d.status === "committed" && !!d.poolCommitment && !!party && parties.includes(party);
  const allCommitted = parties.every((p) => committedParties.includes(p));
  return {
    draw: {
      ...rest,
      // Supervisors see each exclusion with its pseudonym in the public proof (ADR 027), to check the one against the other.
      exclusions: supervisor ? allExclusions.map((x) => ({ ...x, pseudonym: d.pseudonymKey && x.params.stage !== "rescreen" ? pseudonym(d.pseudonymKey, x.expertCode) : null })) : null,
      candidateCount: pool?.candidateCount ?? 0,
      // Proof v2: the committed exclusions; v1 (no pool commitment): every exclusion, the re-screen's included.
      excludedCount: d.poolCommitment && pool ? pool.excludedCount : (pool?.exclusionCount ?? 0) + (d.exclusions?.length ?? 0),
    },
    salting: {
      parties,
      committed: committedParties,
      revealed: revealedParties,
      party: party && parties.includes(party) ? party : null,
    },
    project: project ? { id: project.id, title: project.title, code: project.code } : null,
    can: {
      /** One salt party: give the salt and draw in one step. */
      salt: open && !multi,
      /** Commit-then-reveal: commit to a salt (before any reveal). */
      commitSalt: open && multi && !committedParties.includes(party!),
      /** Commit-then-reveal: reveal the committed salt once every party has committed (the last reveal draws). */
      revealSalt: open && multi && allCommitted && !revealedParties.includes(party!),
      reveal: admin && d.status === "drawn" && evaluationPassed,
      /** An admin who will be able to reveal, once the section's evaluation time has passed. */
      revealLater: admin && d.status === "drawn" && !evaluationPassed,
      // R37: a line short of eligible experts is filled by a supplementary draw the tender side requests.
      supplement: tenderSide && hasPermission(actor.roles, "draw:request") && shortfalls.length > 0 && now < d.evaluationAt,
    },
    /** When the seed may be revealed (R36): the section's evaluation time. */
    revealableAt: revealableAt.toISOString(),
    namesVisible,
    phonesVisible: supervisor,
    counts: { members: counted?.members ?? 0, backups: counted?.backups ?? 0 },
    picks,
  };
}

/**
 * The experts' own invitations (an expert sees only its own, R36): the time and place, and
 * the confirmation deadline (the due time of the invitation's time-out job, set when it was
 * sent: CONFIRM_HOURS later, at the latest an hour before the evaluation).
 */
export async function myInvitations(db: Executor, actor: Actor) {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  const rows = await db
    .select({ pickId: drawPicks.id, status: drawPicks.status, evaluationAt: draws.evaluationAt, reviewRoom: projects.reviewRoom, confirmBy: jobs.dueAt, sectionId: draws.sectionId })
    .from(drawPicks)
    .innerJoin(experts, eq(experts.id, drawPicks.expertId))
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .innerJoin(projects, eq(projects.id, draws.projectId))
    .leftJoin(jobs, eq(jobs.dedupeKey, sql`'draw-timeout:' || ${drawPicks.id}::text`))
    .where(and(eq(experts.userId, actor.user.id), inArray(drawPicks.status, ["invited", "confirmed", "declined", "timed_out", "replaced"])))
    .orderBy(asc(draws.evaluationAt));
  // The booked review room and its slot, when the section has one (R36: time and place only).
  const booked = await evaluationBookingsOf(
    db,
    rows.map((r) => r.sectionId),
  );
  return rows.map(({ sectionId, ...r }) => {
    const b = booked.get(sectionId);
    return { ...r, evaluationAt: b ? new Date(b.startsAt) : r.evaluationAt, room: b ? { code: b.roomCode, name: b.roomName, location: b.location, startsAt: b.startsAt, endsAt: b.endsAt } : null };
  });
}

/**
 * An invited expert confirms or declines (R37: replacement by the same draw): a decline
 * moves the first standby backup of the same line up, with the reason recorded.
 */
export async function respondToInvitation(ctx: Ctx, actor: Actor, pickId: string, accept: boolean, reason = "") {
  return runCommand(ctx, actor, accept ? "draw.confirm" : "draw.decline", async ({ tx, now }) => {
    if (!actor.user) throw new DomainError("UNAUTHENTICATED");
    // A hidden field from outside: anything but a UUID names no invitation (never a query error).
    if (!isUuid(pickId)) throw new DomainError("NOT_FOUND");
    const [row] = await tx
      .select({ pick: drawPicks, expertUser: experts.userId })
      .from(drawPicks)
      .innerJoin(experts, eq(experts.id, drawPicks.expertId))
      .where(eq(drawPicks.id, pickId))
      .for("update");
    if (!row || row.expertUser !== actor.user.id) throw new DomainError("NOT_FOUND");
    if (row.pick.status !== "invited") throw new DomainError("INVALID_STATE", { status: row.pick.status });
    await tx.update(drawPicks).set({ status: accept ? "confirmed" : "declined", respondedAt: now, reason: reason || null }).where(eq(drawPicks.id, pickId));
    let promoted: string | null = null;
    if (!accept) promoted = await promoteBackup(tx, row.pick.drawId, row.pick.specialty, now);
    await committeeChanged(tx, row.pick.drawId, `${pickId}:${accept ? "confirmed" : "declined"}`, now);
    return {
      result: { promoted },
      subjectType: "draw",
      subjectId: row.pick.drawId,
      payload: { pickId, accepted: accept, reason, promotedPickId: promoted },
    };
  });
}

/**
 * The confirmation deadline passed (a job): an expert still invited is marked timed out and
 * the next backup is invited. Idempotent: an answered invitation is left alone.
 */
export async function confirmationTimedOut(ctx: Ctx, pickId: string) {
  return runCommand(ctx, systemActor(), "draw.timeout", async ({ tx, now }) => {
    const [pick] = await tx.select().from(drawPicks).where(eq(drawPicks.id, pickId)).for("update");
    if (!pick || pick.status !== "invited") {
      return { result: null, subjectType: "draw", subjectId: pick?.drawId ?? pickId, payload: { pickId, skipped: pick?.status ?? "missing" } };
    }
    await tx.update(drawPicks).set({ status: "timed_out", respondedAt: now, reason: "no answer before the confirmation deadline" }).where(eq(drawPicks.id, pickId));
    const promoted = await promoteBackup(tx, pick.drawId, pick.specialty, now);
    await committeeChanged(tx, pick.drawId, `${pickId}:timed_out`, now);
    return { result: promoted, subjectType: "draw", subjectId: pick.drawId, payload: { pickId, reason: "timeout", promotedPickId: promoted } };
  });
}

/** Moves the first standby backup of a line up to invited (and invites it); null (R37 shortfall) when none is left. */
async function promoteBackup(tx: Tx, drawId: string, specialty: string, now: Date): Promise<string | null> {
  const [next] = await tx
    .select()
    .from(drawPicks)
    .where(and(eq(drawPicks.drawId, drawId), eq(drawPicks.specialty, specialty), eq(drawPicks.status, "standby")))
    .orderBy(asc(drawPicks.order))
    .limit(1)
    .for("update");
  if (!next) {
    // R37: no backup left on this line — the committee cannot be filled; supervisors and the tender side are told,
    // and the draw records the line as short (a supplementary draw fills it).
    const [d] = await tx.select({ projectId: draws.projectId }).from(draws).where(eq(draws.id, drawId));
    const [p] = await tx.select().from(projects).where(eq(projects.id, d!.projectId));
    const orgs = [...(await supervisorOrgIds(tx)), p!.tenderingUnitId, ...(p!.agencyId ? [p!.agencyId] : [])];
    await notifyOrganisations(tx, orgs, { kind: "drawShortfall", params: { title: p!.title, specialty }, link: `/draws/${drawId}` });
    await recordShortfall(tx, drawId, specialty);
    return null;
  }
  await tx.update(drawPicks).set({ status: "invited" }).where(eq(drawPicks.id, next.id));
  const [d] = await tx.select({ evaluationAt: draws.evaluationAt, projectId: draws.projectId, sectionId: draws.sectionId }).from(draws).where(eq(draws.id, drawId));
  await invite(tx, [next.id], d!, now);
  return next.id;
}

/** A line left without a backup (R37): its shortfall entry is recomputed from the picks still live on it. */
async function recordShortfall(tx: Tx, drawId: string, specialty: string): Promise<void> {
  const [d] = await tx.select({ lines: draws.lines, shortfalls: draws.shortfalls }).from(draws).where(eq(draws.id, drawId)).for("update");
  if (!d) return;
  const line = d.lines.find((l) => l.specialty === specialty);
  const [live] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(drawPicks)
    .where(and(eq(drawPicks.drawId, drawId), eq(drawPicks.specialty, specialty), inArray(drawPicks.status, ["invited", "confirmed", "standby"])));
  const entry = { specialty, wanted: line ? line.count + line.backups : 0, available: live?.n ?? 0 };
  const shortfalls = [...(d.shortfalls ?? []).filter((x) => x.specialty !== specialty), entry];
  await tx.update(draws).set({ shortfalls }).where(eq(draws.id, drawId));
}

/**
 * A pick of a section whose evaluation is prepared changed (confirmed, declined, timed out, replaced): the
 * committee follows it — a job (`evaluation.committee_sync`, composed in job-handlers.server.ts, so that this
 * folder does not import the evaluation above it) voids the seat of a pick that is no longer live and seats the
 * backup invited in its place. `key` makes it once per change.
 */
async function committeeChanged(tx: Tx, drawId: string, key: string, now: Date): Promise<void> {
  const [d] = await tx.select({ sectionId: draws.sectionId }).from(draws).where(eq(draws.id, drawId));
  if (!d) return;
  const [ev] = await tx.select({ id: evaluations.sectionId }).from(evaluations).where(eq(evaluations.sectionId, d.sectionId));
  if (!ev) return;
  await scheduleJob(tx, { kind: "evaluation.committee_sync", dueAt: now, payload: { sectionId: d.sectionId }, dedupeKey: `evaluation.committee_sync:${key}` });
}

/** A drawn expert who can no longer serve, and what replaced it (R37). Codes and hashes only (R36). */
export type PickReplacement = {
  drawId: string;
  pickId: string;
  /** SHA-256 of "<drawId>:<expert code>": matches the draw's sealed list once it is public, names nobody before. */
  expertHash: string;
  role: "member" | "backup";
  rule: string;
  code: string;
  /** The backup invited in its place; null when none was left (a shortfall: a supplementary draw is needed). */
  promotedPickId: string | null;
  shortfall: boolean;
};

const expertHash = (drawId: string, code: string) => createHash("sha256").update(`${drawId}:${code}`).digest("hex");

/**
 * Replaces one drawn expert (R37: recusal, leaving the post, health, or a conflict found by the re-screen): the
 * pick is `replaced` with the reason, and the first standby backup of the same line is invited through the draw's
 * own invitation path and confirmation deadline — or, with none left, the line is recorded short and the tender
 * side and supervisors are told (a supplementary draw). Inside the caller's command.
 */
export async function replacePick(tx: Tx, pickId: string, reason: { rule: string; code: string }, now: Date): Promise<PickReplacement | null> {
  if (!isUuid(pickId)) return null;
  const [row] = await tx
    .select({ pick: drawPicks, expertCode: experts.code, userId: experts.userId, evaluationAt: draws.evaluationAt })
    .from(drawPicks)
    .innerJoin(experts, eq(experts.id, drawPicks.expertId))
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .where(eq(drawPicks.id, pickId))
    .for("update", { of: drawPicks });
  if (!row || !["invited", "confirmed", "standby"].includes(row.pick.status)) return null;
  const wasLive = row.pick.status !== "standby";
  await tx.update(drawPicks).set({ status: "replaced", respondedAt: row.pick.respondedAt ?? now, reason: `${reason.rule} ${reason.code}` }).where(eq(drawPicks.id, pickId));
  // The expert is told it is no longer needed — not why (R36; the grounds are on record for supervisors).
  if (wasLive && row.userId) await notifyUsers(tx, [row.userId], { kind: "drawWithdrawn", params: { at: formatCst(row.evaluationAt) }, link: "/invitations" });
  const promoted = wasLive ? await promoteBackup(tx, row.pick.drawId, row.pick.specialty, now) : null;
  await committeeChanged(tx, row.pick.drawId, `${pickId}:replaced`, now);
  return {
    drawId: row.pick.drawId,
    pickId,
    expertHash: expertHash(row.pick.drawId, row.expertCode),
    role: row.pick.role,
    rule: reason.rule,
    code: reason.code,
    promotedPickId: promoted,
    shortfall: wasLive && !promoted,
  };
}

export type RescreenOutcome = { bidders: number; biddersHash: string; replaced: PickReplacement[] };

/**
 * The re-screen (R37, R39/R40; docs/decisions/015-evaluation.md "The committee"): once the bid deadline has passed
 * the section's bidders are known, so every expert still live on its draws (invited, confirmed, standby) is
 * screened again for conflicts with them — employment in the look-back window, the employer, declared
 * relationships (expert-pool/exclusions.ts `conflictFor`). A conflicted backup leaves the standby list; a
 * conflicted member is replaced from the backups of its line in order, or its line is short (a supplementary draw,
 * R37). Returns null when nothing changed (idempotent). Inside the caller's command: the opening's job
 * (`draw.rescreen`) and the committee's formation both call it.
 */
export async function rescreenSection(tx: Tx, sectionId: string, now: Date): Promise<RescreenOutcome | null> {
  const [row] = await tx.select({ project: projects }).from(sections).innerJoin(projects, eq(projects.id, sections.projectId)).where(eq(sections.id, sectionId));
  if (!row || now < row.project.bidDeadline) return null;
  const picks = await tx
    .select({
      pickId: drawPicks.id,
      drawId: drawPicks.drawId,
      status: drawPicks.status,
      specialty: drawPicks.specialty,
      order: drawPicks.order,
      evaluationAt: draws.evaluationAt,
      expert: {
        id: experts.id,
        code: experts.code,
        status: experts.status,
        punished: experts.punished,
        region: experts.region,
        employerCode: experts.employerCode,
      },
    })
    .from(drawPicks)
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .innerJoin(experts, eq(experts.id, drawPicks.expertId))
    .where(and(eq(draws.sectionId, sectionId), inArray(draws.status, ["drawn", "revealed"]), inArray(drawPicks.status, ["invited", "confirmed", "standby"])))
    .orderBy(asc(draws.createdAt), asc(drawPicks.specialty), asc(drawPicks.order));
  if (!picks.length) return null;
  const parties = await partiesOf(tx, row.project, sectionId, now);
  if (!parties.bidderOrgIds.length) return null;
  const partyCodes = [parties.tenderingUnitId, parties.agencyId, ...parties.bidderOrgIds, ...parties.supervisingOrgIds].filter((x): x is string => !!x);
  const facts = new Map(
    (
      await withFacts(
        tx,
        picks.map((p) => ({ ...p.expert, specialties: [] })),
        partyCodes,
        cstDate(picks[0]!.evaluationAt),
        true,
      )
    ).map((e) => [e.id, e]),
  );
  // Pure (expert-pool/exclusions.ts): the conflicted picks, conflicted backups first so that none of them is
  // promoted in a member's place.
  const conflicted = rescreenPicks(
    picks.flatMap((p) => {
      const e = facts.get(p.expert.id);
      return e ? [{ pick: p, standby: p.status === "standby", expert: e, evaluationDate: cstDate(p.evaluationAt) }] : [];
    }),
    { ...parties, lookbackYears: LOOKBACK_YEARS },
  );
  if (!conflicted.length) return null;
  const replaced: PickReplacement[] = [];
  for (const c of conflicted) {
    const r = await replacePick(tx, c.pick.pickId, { rule: c.exclusion.rule, code: c.exclusion.code }, now);
    if (r) replaced.push(r);
  }
  // Supervisors see every exclusion with its party, as for the draw itself (the tender side never does, R36).
  for (const drawId of new Set(conflicted.map((c) => c.pick.drawId))) {
    const [d] = await tx.select({ exclusions: draws.exclusions }).from(draws).where(eq(draws.id, drawId)).for("update");
    const added = conflicted
      .filter((c) => c.pick.drawId === drawId)
      .map((c) => ({ expertCode: c.pick.expert.code, rule: c.exclusion.rule, code: c.exclusion.code, params: { ...c.exclusion.params, stage: "rescreen" } }));
    await tx.update(draws).set({ exclusions: [...(d?.exclusions ?? []), ...added] }).where(eq(draws.id, drawId));
  }
  return { bidders: parties.bidderOrgIds.length, biddersHash: createHash("sha256").update(parties.bidderOrgIds.join("\n")).digest("hex"), replaced };
}

/**
 * The re-screen as its own command (`draw.rescreen`), run when the bids are known — by the opening's job at the bid
 * deadline (job-handlers.server.ts). The record names rules, codes and hashes only (R36). Null when nothing changed.
 */
export async function rescreenDraws(ctx: Ctx, sectionId: string): Promise<RescreenOutcome | null> {
  if (!isUuid(sectionId)) return null;
  return runOptionalCommand(ctx, systemActor(), "draw.rescreen", async ({ tx, now }) => {
    const out = await rescreenSection(tx, sectionId, now);
    if (!out) return null;
    return { result: out, subjectType: "section", subjectId: sectionId, payload: { rule: "R37", ...out } };
  });
}

/** The public verification: the proof of a revealed draw, re-run here with the pure algorithm. */
export async function verifyRevealedDraw(db: Executor, drawId: string) {
  const proof = await drawProof(db, drawId);
  return { proof, outcome: verifyDraw(proof) };
}

/**
 * Issues the signed draw record (专家抽取记录, R35: time, operator, filters, random source,
 * drawn and backup lists) as a PDF signed with the platform's certificate, stores it and
 * writes its hash to the record. Runs as a job after the draw; idempotent.
 */
export async function issueDrawRecord(app: Pick<AppContext, "db" | "blobs" | "config">, drawId: string): Promise<string | null> {
  const [d] = await app.db.select().from(draws).where(eq(draws.id, drawId));
  if (!d || d.status === "committed" || d.status === "salted") return null;
  if (d.recordPdfSha256) return d.recordPdfSha256;
  const [p] = await app.db.select().from(projects).where(eq(projects.id, d.projectId));
  const [s] = await app.db.select().from(sections).where(eq(sections.id, d.sectionId));
  const [pool] = await app.db.select({ candidateCount: drawPools.candidateCount, exclusions: drawPools.exclusions }).from(drawPools).where(eq(drawPools.drawId, drawId));
  // The request's exclusions, then the re-screen's (R37).
  const exclusions = [...(pool?.exclusions ?? []), ...(d.exclusions ?? [])];
  const picks = await app.db
    .select({ code: experts.code, name: experts.name, specialty: drawPicks.specialty, role: drawPicks.role, order: drawPicks.order })
    .from(drawPicks)
    .innerJoin(experts, eq(experts.id, drawPicks.expertId))
    .where(eq(drawPicks.drawId, drawId))
    .orderBy(asc(drawPicks.specialty), asc(drawPicks.order));
  const t = serverT("zh-CN");
  const pdf = await signOfficial(
    app,
    {
      title: "评标专家抽取记录",
      number: `编号 DRAW-${drawId.slice(0, 8).toUpperCase()} · 第1版`,
      meta: [
        ["项目名称", p?.title ?? ""],
        ["项目编号", p?.code ?? ""],
        ["标段（包）", s ? `${s.code} ${s.title}` : ""],
        ["抽取条件", d.lines.map((l) => t("pool:draw.line", l)).join("；")],
        ["抽取范围", t(`pool:regionModes.${d.regionMode}`)],
        ["评标时间", formatCst(d.evaluationAt)],
        ["抽取时间", formatCst(d.drawnAt)],
        ["种子承诺（SHA-256）", d.commitment],
        ...(d.poolCommitment
          ? ([
              ["名单承诺（SHA-256）", d.poolCommitment],
              ["加盐方", (d.saltParties ?? []).map((p) => (p === "supervisor" ? "监督人员" : "招标人（采购人）")).join("、")],
              ["盐值", (d.salts ?? []).map(([, s]) => s).join(" · ")],
            ] as [string, string][])
          : ([
              ["监督盐值", d.salt ?? ""],
              ["抽取时档案链头", d.recordHead ?? ""],
            ] as [string, string][])),
        ["候选名单摘要", d.inputHash ?? ""],
        ["符合条件 / 回避排除", `${pool?.candidateCount ?? 0} / ${exclusions.length}`],
      ],
      sections: [
        {
          heading: "抽取结果",
          table: { headers: ["专业", "类别", "序号", "专家编号", "姓名"], rows: picks.map((x) => [x.specialty, t(`pool:roles.${x.role}`), String(x.order), x.code, x.name]), widths: [2, 1, 1, 2, 2] },
        },
        {
          heading: "回避与排除",
          table: {
            headers: ["专家编号", "依据", "原因"],
            rows: exclusions.slice(0, 500).map((x) => [x.expertCode, x.rule, exclusionReason(x, t)]),
            widths: [2, 1, 5],
          },
        },
        ...(d.shortfalls?.length
          ? [{ heading: t("pool:draw.shortfallHeading"), paragraphs: d.shortfalls.flatMap((x) => shortfallText(x, d.lines, t)) }]
          : []),
      ],
      footer: `本记录由 Tenderhall 平台生成并加盖平台电子签章。抽取结果在评标开始前保密（R36）；服务器种子公开后，任何人可在 /verify/draws/${drawId} 重新运行抽取进行验证。`,
    },
    { now: d.drawnAt ?? new Date() },
  );
  const stored = await app.blobs.put(pdf);
  await runCommand(app, systemActor(), "draw.record_pdf", async ({ tx }) => {
    await tx.update(draws).set({ recordPdfSha256: stored.sha256 }).where(eq(draws.id, drawId));
    return { result: undefined, subjectType: "draw", subjectId: drawId, payload: { sha256: stored.sha256, size: stored.size, document: "专家抽取记录" } };
  });
  return stored.sha256;
}
