import { and, asc, count, eq, gt, inArray, isNull, lt, max, ne, sql } from "drizzle-orm";
import type { Executor, Tx } from "#db/client";
import { committeeMembers, drawPicks, draws, evaluations, projects, roomBookings, rooms, sections, users, type Room, type RoomBooking } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { hasPermission } from "#app/domain/permissions";
import { getProfile } from "#app/domain/rules/profiles";
import { DEFAULT_EVALUATION_HOURS, MAX_BOOKING_HOURS, MAX_EVALUATION_HOURS, ROOM_LIMITS } from "#app/domain/rooms";
import { formatCst } from "#app/domain/tender-form";
import type { Actor } from "../platform/actor";
import { dbNow, requirePermission, runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { notifyOrganisations } from "../platform/notify.server";

/**
 * Review rooms (评标室) and opening halls (开标室) of the trading centre as a bookable resource (docs/decisions/
 * 015-evaluation.md "Rooms"). Admins manage the rooms and may book any slot; the tendering unit or agency of a
 * section books a review room for the section's evaluation, from its start. The database refuses two live
 * bookings of one room whose slots overlap (exclusion constraint `room_bookings_no_overlap`, SQLSTATE 23P01); the
 * refusal is answered with the conflicting booking's slot. This folder sits on the platform floor: it imports
 * platform services only and reads the tables of the capabilities above it (sections, draws, committee) directly.
 */

type Ctx = Pick<AppContext, "db">;

export { DEFAULT_EVALUATION_HOURS, MAX_BOOKING_HOURS, MAX_EVALUATION_HOURS, ROOM_LIMITS };
/** How far ahead the admin page lists bookings (days). */
export const UPCOMING_DAYS = 7;

const CODE = /^[A-Z0-9][A-Z0-9-]*$/;
const BOOKABLE_SECTION: readonly string[] = ["published", "bidding_closed", "opening", "opened"];

export type RoomInput = { code: string; name: string; kind: "review" | "opening"; location: string; capacity: number; note: string };

function cleanRoom(input: RoomInput): RoomInput {
  const code = String(input.code ?? "").trim().toUpperCase();
  const name = String(input.name ?? "").trim();
  const location = String(input.location ?? "").trim();
  const note = String(input.note ?? "").trim();
  if (!code || code.length > ROOM_LIMITS.code || !CODE.test(code)) throw new DomainError("VALIDATION", { field: "code" });
  if (!name || name.length > ROOM_LIMITS.name) throw new DomainError("VALIDATION", { field: "name" });
  if (input.kind !== "review" && input.kind !== "opening") throw new DomainError("VALIDATION", { field: "kind" });
  if (location.length > ROOM_LIMITS.location) throw new DomainError("VALIDATION", { field: "location" });
  if (!Number.isSafeInteger(input.capacity) || input.capacity < 1 || input.capacity > ROOM_LIMITS.capacity) throw new DomainError("VALIDATION", { field: "capacity" });
  if (note.length > ROOM_LIMITS.note) throw new DomainError("VALIDATION", { field: "note" });
  return { code, name, kind: input.kind, location, capacity: input.capacity, note };
}

/** The SQLSTATE of a database error, through the wrappers of either driver (drizzle wraps it in `cause`). */
function sqlState(e: unknown): string | null {
  let x = e as { code?: unknown; cause?: unknown } | null | undefined;
  for (let i = 0; x && i < 5; i++, x = x.cause as typeof x) {
    if (!(x instanceof DomainError) && typeof x.code === "string" && /^[0-9A-Z]{5}$/.test(x.code)) return x.code;
  }
  return null;
}

/** How a room reads on an invitation or a page: "PB-07 第7评标室". */
export function roomLabel(r: Pick<Room, "code" | "name">): string {
  return `${r.code} ${r.name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Admin: rooms

export async function createRoom(ctx: Ctx, actor: Actor, input: RoomInput): Promise<string> {
  requirePermission(actor, "admin:rooms");
  const room = cleanRoom(input);
  return runCommand(ctx, actor, "room.create", async ({ tx }) => {
    const [row] = await tx.insert(rooms).values(room).onConflictDoNothing().returning({ id: rooms.id });
    if (!row) throw new DomainError("CONFLICT", { field: "code" });
    return { result: row.id, subjectType: "room", subjectId: row.id, payload: { ...room } };
  });
}

export async function updateRoom(ctx: Ctx, actor: Actor, roomId: string, input: RoomInput): Promise<void> {
  requirePermission(actor, "admin:rooms");
  if (!isUuid(roomId)) throw new DomainError("NOT_FOUND");
  const room = cleanRoom(input);
  try {
    await runCommand(ctx, actor, "room.update", async ({ tx }) => {
      const [before] = await tx.select().from(rooms).where(eq(rooms.id, roomId)).for("update");
      if (!before) throw new DomainError("NOT_FOUND");
      const [taken] = await tx.select({ id: rooms.id }).from(rooms).where(and(eq(rooms.code, room.code), ne(rooms.id, roomId)));
      if (taken) throw new DomainError("CONFLICT", { field: "code" });
      // A room's kind decides what it may be booked for: it cannot change under live bookings of the other purpose.
      if (before.kind !== room.kind && (await futureBookings(tx, roomId)) > 0) throw new DomainError("INVALID_STATE", { field: "kind" });
      await tx.update(rooms).set(room).where(eq(rooms.id, roomId));
      return { result: undefined, subjectType: "room", subjectId: roomId, payload: { ...room, before: { code: before.code, name: before.name, kind: before.kind, location: before.location, capacity: before.capacity } } };
    });
  } catch (e) {
    // Two edits racing to the same code: the unique index decides.
    if (sqlState(e) === "23505") throw new DomainError("CONFLICT", { field: "code" });
    throw e;
  }
}

async function futureBookings(db: Executor, roomId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(roomBookings)
    .where(and(eq(roomBookings.roomId, roomId), isNull(roomBookings.cancelledAt), gt(roomBookings.endsAt, sql`now()`)));
  return Number(row?.n ?? 0);
}

/**
 * Deactivates a room (no new bookings) or activates it again. A room with live bookings still ahead cannot be
 * deactivated: an admin cancels them first, each with its reason, so that the tender side is told.
 */
export async function setRoomActive(ctx: Ctx, actor: Actor, roomId: string, active: boolean): Promise<void> {
  requirePermission(actor, "admin:rooms");
  if (!isUuid(roomId)) throw new DomainError("NOT_FOUND");
  await runCommand(ctx, actor, active ? "room.activate" : "room.deactivate", async ({ tx }) => {
    const [room] = await tx.select().from(rooms).where(eq(rooms.id, roomId)).for("update");
    if (!room) throw new DomainError("NOT_FOUND");
    if (room.active === active) throw new DomainError("INVALID_STATE", { status: active ? "active" : "inactive" });
    if (!active) {
      const ahead = await futureBookings(tx, roomId);
      if (ahead > 0) throw new DomainError("INVALID_STATE", { bookings: ahead });
    }
    await tx.update(rooms).set({ active }).where(eq(rooms.id, roomId));
    return { result: undefined, subjectType: "room", subjectId: roomId, payload: { code: room.code, active } };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Sections: who manages them, their evaluation time, how many seats their committee needs

type SectionRow = { section: typeof sections.$inferSelect; project: typeof projects.$inferSelect };

/**
 * Whether the actor is the section's tendering unit or agency — the same test as tendering's `managesProject`,
 * restated here because this folder may not import a floor above it.
 */
function managesSection(actor: Actor, p: Pick<SectionRow["project"], "tenderingUnitId" | "agencyId">): boolean {
  if (!actor.orgId) return false;
  if (actor.roles.includes("tendering_unit") && p.tenderingUnitId === actor.orgId) return true;
  return actor.roles.includes("agency") && p.agencyId === actor.orgId;
}

async function sectionRow(db: Executor, sectionId: string, lock = false): Promise<SectionRow | null> {
  const q = db.select({ section: sections, project: projects }).from(sections).innerJoin(projects, eq(projects.id, sections.projectId)).where(eq(sections.id, sectionId));
  const [row] = lock ? await q.for("update", { of: sections }) : await q;
  return row ?? null;
}

/**
 * When the section's evaluation starts: the evaluation's own start once it is prepared, else the latest of its
 * draws (the time the experts were told; a supplementary draw may move it), else the project's planned start.
 */
export async function sectionEvaluationTime(db: Executor, sectionId: string, project?: Pick<SectionRow["project"], "evaluationStart">): Promise<Date | null> {
  const [ev] = await db.select({ startsAt: evaluations.startsAt }).from(evaluations).where(eq(evaluations.sectionId, sectionId));
  if (ev) return ev.startsAt;
  const [d] = await db
    .select({ at: max(draws.evaluationAt) })
    .from(draws)
    .where(and(eq(draws.sectionId, sectionId), ne(draws.status, "cancelled")));
  if (d?.at) return new Date(d.at);
  if (project) return project.evaluationStart ?? null;
  const row = await sectionRow(db, sectionId);
  return row?.project.evaluationStart ?? null;
}

/**
 * The seats the section's committee needs (R32): the larger of its live members and what its draws will bring
 * (experts invited or confirmed, lines of draws not yet run) with its representatives — and never fewer than the
 * profile's minimum (ZFCG: 7 from a ¥10M budget).
 */
export async function seatsNeeded(db: Executor, row: SectionRow): Promise<number> {
  const sectionId = row.section.id;
  const [members] = await db
    .select({ all: count(), reps: sql<number>`count(*) filter (where ${committeeMembers.kind} = 'representative')::int` })
    .from(committeeMembers)
    .where(and(eq(committeeMembers.sectionId, sectionId), isNull(committeeMembers.voidedAt)));
  const [picked] = await db
    .select({ n: count() })
    .from(drawPicks)
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .where(and(eq(draws.sectionId, sectionId), inArray(draws.status, ["drawn", "revealed"]), inArray(drawPicks.status, ["invited", "confirmed"])));
  const pending = await db
    .select({ lines: draws.lines })
    .from(draws)
    .where(and(eq(draws.sectionId, sectionId), inArray(draws.status, ["committed", "salted"])));
  const requested = pending.reduce((s, d) => s + d.lines.reduce((t, l) => t + l.count, 0), 0);
  const profile = getProfile(row.project.regime);
  const c = profile.committee;
  const large = c.minLargeBudget !== null && c.largeBudgetThresholdFen !== null && row.project.estimateFen >= c.largeBudgetThresholdFen;
  const min = large ? Math.max(c.min, c.minLargeBudget!) : c.min;
  return Math.max(min, Number(members?.all ?? 0), Number(picked?.n ?? 0) + requested + Number(members?.reps ?? 0));
}

// ---------------------------------------------------------------------------------------------------------------
// Bookings

export type BookingInput = {
  roomId: string;
  /** The section an evaluation (or opening) booking is for; none for other uses (admins only). */
  sectionId?: string | null;
  purpose: "evaluation" | "opening" | "other";
  /** Admins choose the slot; the tender side's evaluation booking starts at the section's evaluation time. */
  startsAt?: Date | null;
  endsAt?: Date | null;
  /** Length of an evaluation booking when no end is given (default DEFAULT_EVALUATION_HOURS). */
  hours?: number | null;
  note?: string;
};

/** The live evaluation booking of a section, with its room (one at most: bookRoom keeps it so). */
export async function sectionEvaluationBooking(db: Executor, sectionId: string) {
  const [row] = await db
    .select({ booking: roomBookings, room: rooms })
    .from(roomBookings)
    .innerJoin(rooms, eq(rooms.id, roomBookings.roomId))
    .where(and(eq(roomBookings.sectionId, sectionId), eq(roomBookings.purpose, "evaluation"), isNull(roomBookings.cancelledAt)))
    .orderBy(asc(roomBookings.startsAt))
    .limit(1);
  return row ?? null;
}

/**
 * Books a room for a slot (command `room.book`). The tendering unit or agency of a section books a review room for
 * its evaluation: from the section's evaluation time, for `hours` (1–12, default 4), in a room with at least as
 * many seats as the committee (R32); admins may book any room for any slot. The database refuses an overlap with
 * another live booking; the refusal names that booking's slot (ROOM_BOOKED).
 */
export async function bookRoom(ctx: Ctx, actor: Actor, input: BookingInput): Promise<string> {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  if (!isUuid(input.roomId)) throw new DomainError("NOT_FOUND");
  if (input.sectionId != null && !isUuid(input.sectionId)) throw new DomainError("NOT_FOUND");
  if (!["evaluation", "opening", "other"].includes(input.purpose)) throw new DomainError("VALIDATION", { field: "purpose" });
  const note = String(input.note ?? "").trim();
  if (note.length > ROOM_LIMITS.note) throw new DomainError("VALIDATION", { field: "note" });
  const admin = hasPermission(actor.roles, "admin:rooms");
  // The slot asked for, kept for the refusal's message (the transaction is gone by then).
  const asked: { slot?: { roomCode: string; startsAt: Date; endsAt: Date } } = {};
  try {
    return await runCommand(ctx, actor, "room.book", async ({ tx, now }) => {
      // FOR SHARE: bookings of one room run concurrently (the exclusion constraint decides between them) while an
      // admin's deactivation (FOR UPDATE) waits.
      const [room] = await tx.select().from(rooms).where(eq(rooms.id, input.roomId)).for("share");
      if (!room) throw new DomainError("NOT_FOUND");
      let row: SectionRow | null = null;
      if (input.sectionId) {
        // One live evaluation booking per section: bookings of one section are serialised on its row.
        row = await sectionRow(tx, input.sectionId, true);
        if (!row || (!admin && !managesSection(actor, row.project))) throw new DomainError("NOT_FOUND");
      } else if (!admin) {
        throw new DomainError("FORBIDDEN", { permission: "admin:rooms" });
      }
      if (!admin && input.purpose !== "evaluation") throw new DomainError("FORBIDDEN", { permission: "admin:rooms" });
      if (input.purpose === "evaluation" && !row) throw new DomainError("VALIDATION", { field: "sectionId" });
      if (!room.active) throw new DomainError("INVALID_STATE", { status: "inactive" });
      if ((input.purpose === "evaluation" && room.kind !== "review") || (input.purpose === "opening" && room.kind !== "opening")) {
        throw new DomainError("VALIDATION", { field: "roomId", reason: "kind" });
      }

      let startsAt = input.startsAt ?? null;
      let endsAt = input.endsAt ?? null;
      let needed: number | null = null;
      if (row && input.purpose === "evaluation") {
        if (!BOOKABLE_SECTION.includes(row.section.status)) throw new DomainError("INVALID_STATE", { status: row.section.status });
        const [ev] = await tx.select({ stage: evaluations.stage }).from(evaluations).where(eq(evaluations.sectionId, row.section.id));
        if (ev && ev.stage !== "waiting") throw new DomainError("INVALID_STATE", { stage: ev.stage });
        if (await sectionEvaluationBooking(tx, row.section.id)) throw new DomainError("CONFLICT", { field: "booking" });
        const evaluationAt = await sectionEvaluationTime(tx, row.section.id, row.project);
        if (!admin || !startsAt) {
          if (!evaluationAt) throw new DomainError("VALIDATION", { field: "evaluationStart" });
          startsAt = evaluationAt;
        }
        if (!admin || !endsAt) {
          const hours = input.hours ?? DEFAULT_EVALUATION_HOURS;
          if (!Number.isInteger(hours) || hours < 1 || hours > MAX_EVALUATION_HOURS) throw new DomainError("VALIDATION", { field: "hours" });
          endsAt = new Date(startsAt.getTime() + hours * 3600_000);
        }
        // The booking must hold the room when the evaluation starts.
        if (evaluationAt && (startsAt > evaluationAt || endsAt <= evaluationAt)) throw new DomainError("VALIDATION", { field: "startsAt", reason: "evaluationStart" });
        needed = await seatsNeeded(tx, row);
        if (room.capacity < needed) throw new DomainError("ROOM_TOO_SMALL", { room: roomLabel(room), capacity: room.capacity, needed });
      }
      if (!startsAt || !endsAt || Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime())) throw new DomainError("VALIDATION", { field: "startsAt" });
      if (endsAt <= startsAt || endsAt.getTime() - startsAt.getTime() > MAX_BOOKING_HOURS * 3600_000) throw new DomainError("VALIDATION", { field: "endsAt" });
      if (endsAt <= now) throw new DomainError("VALIDATION", { field: "endsAt", reason: "past" });
      asked.slot = { roomCode: room.code, startsAt, endsAt };

      const [b] = await tx
        .insert(roomBookings)
        .values({ roomId: room.id, sectionId: row?.section.id ?? null, purpose: input.purpose, startsAt, endsAt, bookedBy: actor.user!.id, note })
        .returning({ id: roomBookings.id });
      // A prepared evaluation that is still waiting follows its section's booking (the room its members are told).
      if (row && input.purpose === "evaluation") {
        await tx.update(evaluations).set({ bookingId: b!.id }).where(and(eq(evaluations.sectionId, row.section.id), eq(evaluations.stage, "waiting")));
      }
      return {
        result: b!.id,
        subjectType: "room",
        subjectId: room.id,
        payload: { bookingId: b!.id, room: room.code, sectionId: row?.section.id ?? null, purpose: input.purpose, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), seatsNeeded: needed, capacity: room.capacity },
      };
    });
  } catch (e) {
    if (sqlState(e) !== "23P01" || !asked.slot) throw e;
    throw await bookedError(ctx.db, input.roomId, asked.slot);
  }
}

/** The translated refusal of an overlapping booking, naming the booking it overlaps (or the slot asked for). */
async function bookedError(db: Executor, roomId: string, slot: { roomCode: string; startsAt: Date; endsAt: Date }): Promise<DomainError> {
  const [other] = await db
    .select({ startsAt: roomBookings.startsAt, endsAt: roomBookings.endsAt })
    .from(roomBookings)
    .where(and(eq(roomBookings.roomId, roomId), isNull(roomBookings.cancelledAt), lt(roomBookings.startsAt, slot.endsAt), gt(roomBookings.endsAt, slot.startsAt)))
    .orderBy(asc(roomBookings.startsAt))
    .limit(1);
  const at = other ?? slot;
  return new DomainError("ROOM_BOOKED", { room: slot.roomCode, from: formatCst(at.startsAt), to: formatCst(at.endsAt) });
}

/**
 * Cancels a booking with a reason (command `room.cancel_booking`): an admin any booking, the tendering unit or
 * agency its section's. A booking whose evaluation is under way (past `waiting`) cannot be cancelled. When an
 * admin cancels an evaluation booking, the tender side is told why.
 */
export async function cancelBooking(ctx: Ctx, actor: Actor, bookingId: string, reason: string): Promise<void> {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  if (!isUuid(bookingId)) throw new DomainError("NOT_FOUND");
  const why = String(reason ?? "").trim();
  if (!why || why.length > ROOM_LIMITS.reason) throw new DomainError("VALIDATION", { field: "reason" });
  const admin = hasPermission(actor.roles, "admin:rooms");
  await runCommand(ctx, actor, "room.cancel_booking", async ({ tx, now }) => {
    const [b] = await tx.select().from(roomBookings).where(eq(roomBookings.id, bookingId)).for("update");
    if (!b) throw new DomainError("NOT_FOUND");
    const row = b.sectionId ? await sectionRow(tx, b.sectionId) : null;
    const manager = !!row && managesSection(actor, row.project);
    if (!admin && !manager) throw new DomainError("NOT_FOUND");
    if (b.cancelledAt) throw new DomainError("INVALID_STATE", { status: "cancelled" });
    if (b.sectionId && b.purpose === "evaluation") {
      const [ev] = await tx.select({ stage: evaluations.stage, bookingId: evaluations.bookingId }).from(evaluations).where(eq(evaluations.sectionId, b.sectionId)).for("update");
      if (ev && ev.bookingId === b.id && ev.stage !== "waiting" && ev.stage !== "signed" && ev.stage !== "failed") throw new DomainError("INVALID_STATE", { stage: ev.stage });
      if (ev?.bookingId === b.id && ev.stage === "waiting") await tx.update(evaluations).set({ bookingId: null }).where(eq(evaluations.sectionId, b.sectionId));
    }
    await tx.update(roomBookings).set({ cancelledAt: now, cancelledBy: actor.user!.id, cancelReason: why }).where(eq(roomBookings.id, bookingId));
    const [room] = await tx.select().from(rooms).where(eq(rooms.id, b.roomId));
    if (row && !manager) {
      const orgs = [row.project.tenderingUnitId, ...(row.project.agencyId ? [row.project.agencyId] : [])];
      await notifyOrganisations(tx, orgs, {
        kind: "roomBookingCancelled",
        params: { title: row.project.title, section: row.section.code, room: room ? roomLabel(room) : "", at: formatCst(b.startsAt), reason: why },
        link: `/manage/${row.project.id}`,
      });
    }
    return { result: undefined, subjectType: "room", subjectId: b.roomId, payload: { bookingId, room: room?.code ?? null, sectionId: b.sectionId, purpose: b.purpose, reason: why } };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Views

/** The admin page: every room with its live bookings in the next `days` days (database clock). */
export async function listRooms(db: Executor, actor: Actor, days = UPCOMING_DAYS) {
  requirePermission(actor, "admin:rooms");
  const now = await dbNow(db);
  const until = new Date(now.getTime() + days * 86400_000);
  const all = await db.select().from(rooms).orderBy(asc(rooms.kind), asc(rooms.code));
  const bookings = await db
    .select({
      id: roomBookings.id,
      roomId: roomBookings.roomId,
      purpose: roomBookings.purpose,
      startsAt: roomBookings.startsAt,
      endsAt: roomBookings.endsAt,
      note: roomBookings.note,
      sectionId: roomBookings.sectionId,
      sectionCode: sections.code,
      projectCode: projects.code,
      projectTitle: projects.title,
      bookedBy: users.displayName,
    })
    .from(roomBookings)
    .innerJoin(users, eq(users.id, roomBookings.bookedBy))
    .leftJoin(sections, eq(sections.id, roomBookings.sectionId))
    .leftJoin(projects, eq(projects.id, sections.projectId))
    .where(and(isNull(roomBookings.cancelledAt), gt(roomBookings.endsAt, now), lt(roomBookings.startsAt, until)))
    .orderBy(asc(roomBookings.startsAt));
  return {
    now: now.toISOString(),
    until: until.toISOString(),
    rooms: all.map((r) => ({
      ...r,
      createdAt: r.createdAt.toISOString(),
      bookings: bookings.filter((b) => b.roomId === r.id).map((b) => ({ ...b, startsAt: b.startsAt.toISOString(), endsAt: b.endsAt.toISOString() })),
    })),
  };
}
export type RoomList = Awaited<ReturnType<typeof listRooms>>;

/** A booking as shown to the tender side and on invitations (R36: time and place only). */
export type BookingView = { id: string; roomCode: string; roomName: string; location: string; capacity: number; startsAt: string; endsAt: string };

function bookingView(b: RoomBooking, r: Room): BookingView {
  return { id: b.id, roomCode: r.code, roomName: r.name, location: r.location, capacity: r.capacity, startsAt: b.startsAt.toISOString(), endsAt: b.endsAt.toISOString() };
}

/**
 * What the tendering unit or agency needs to book a section's review room: its evaluation time, the live booking,
 * the seats its committee needs and the active review rooms with whether each is large enough and free for the
 * default slot. NOT_FOUND for anyone who does not manage the section.
 */
export async function sectionBookingPanel(db: Executor, actor: Actor, sectionId: string) {
  if (!isUuid(sectionId)) throw new DomainError("NOT_FOUND");
  const row = await sectionRow(db, sectionId);
  if (!row || !managesSection(actor, row.project)) throw new DomainError("NOT_FOUND");
  const evaluationAt = await sectionEvaluationTime(db, sectionId, row.project);
  const live = await sectionEvaluationBooking(db, sectionId);
  const needed = await seatsNeeded(db, row);
  const [ev] = await db.select({ stage: evaluations.stage }).from(evaluations).where(eq(evaluations.sectionId, sectionId));
  const open = BOOKABLE_SECTION.includes(row.section.status) && (!ev || ev.stage === "waiting");
  let options: { id: string; code: string; name: string; location: string; capacity: number; free: boolean; fits: boolean }[] = [];
  if (open && !live && evaluationAt) {
    const end = new Date(evaluationAt.getTime() + DEFAULT_EVALUATION_HOURS * 3600_000);
    const list = await db.select().from(rooms).where(and(eq(rooms.kind, "review"), eq(rooms.active, true))).orderBy(asc(rooms.code));
    const busy = await db
      .selectDistinct({ roomId: roomBookings.roomId })
      .from(roomBookings)
      .where(and(isNull(roomBookings.cancelledAt), lt(roomBookings.startsAt, end), gt(roomBookings.endsAt, evaluationAt)));
    const busyIds = new Set(busy.map((b) => b.roomId));
    options = list.map((r) => ({ id: r.id, code: r.code, name: r.name, location: r.location, capacity: r.capacity, free: !busyIds.has(r.id), fits: r.capacity >= needed }));
  }
  return {
    sectionId,
    evaluationAt: evaluationAt?.toISOString() ?? null,
    booking: live ? bookingView(live.booking, live.room) : null,
    seatsNeeded: needed,
    canBook: open && !live && !!evaluationAt,
    canCancel: !!live && open,
    defaultHours: DEFAULT_EVALUATION_HOURS,
    maxHours: MAX_EVALUATION_HOURS,
    rooms: options,
  };
}
export type SectionBookingPanel = Awaited<ReturnType<typeof sectionBookingPanel>>;

/** The live evaluation booking of each of the given sections, as shown on invitations (R36: time and place). */
export async function evaluationBookingsOf(db: Executor, sectionIds: readonly string[]): Promise<Map<string, BookingView>> {
  const ids = [...new Set(sectionIds)].filter(isUuid);
  if (!ids.length) return new Map();
  const rows = await db
    .select({ booking: roomBookings, room: rooms })
    .from(roomBookings)
    .innerJoin(rooms, eq(rooms.id, roomBookings.roomId))
    .where(and(inArray(roomBookings.sectionId, ids), eq(roomBookings.purpose, "evaluation"), isNull(roomBookings.cancelledAt)))
    .orderBy(asc(roomBookings.startsAt));
  const out = new Map<string, BookingView>();
  for (const r of rows) if (!out.has(r.booking.sectionId!)) out.set(r.booking.sectionId!, bookingView(r.booking, r.room));
  return out;
}

/** Inside a command: the live evaluation booking of one section, for an invitation's text. */
export async function evaluationBookingIn(tx: Tx, sectionId: string): Promise<BookingView | null> {
  return (await evaluationBookingsOf(tx, [sectionId])).get(sectionId) ?? null;
}

/** The tender side's room page: the project and its sections, with each section's booking panel (NOT_FOUND otherwise). */
export async function projectBookingPanels(db: Executor, actor: Actor, projectId: string) {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p || !managesSection(actor, p)) throw new DomainError("NOT_FOUND");
  const list = await db.select().from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq));
  const panels = [];
  for (const s of list) panels.push({ section: { id: s.id, code: s.code, title: s.title, status: s.status }, booking: await sectionBookingPanel(db, actor, s.id) });
  return { project: { id: p.id, code: p.code, title: p.title, status: p.status, regime: p.regime }, panels };
}
