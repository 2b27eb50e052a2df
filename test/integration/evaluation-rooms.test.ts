import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { evaluations, notifications, recordEntries, roomBookings, rooms } from "#db/schema/index";
import { httpStatusOf } from "#app/domain/errors";
import { serverT } from "#app/i18n";
import { prepareEvaluation } from "#app/services/evaluation/lifecycle.server";
import { dbNow } from "#app/services/platform/command.server";
import { drawWithSalt, myInvitations, requestDraw } from "#app/services/pool/draws.server";
import { bookRoom, cancelBooking, createRoom, listRooms, projectBookingPanels, sectionBookingPanel, setRoomActive, updateRoom, type RoomInput } from "#app/services/rooms/rooms.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import type { AppContext } from "#app/services/platform/context.server";
import type { Actor } from "#app/services/platform/actor";
import { demoPdf } from "../../server/demo-pdf";
import { DEMO_OPENING_HALLS, DEMO_REVIEW_ROOMS, seedRooms } from "../../server/demo-rooms";
import { forEachDriver } from "../helpers/db";
import { failure } from "../helpers/errors";
import { openedSection } from "../helpers/evaluation";
import { insertExperts, makeActor, projectForm } from "../helpers/factories";

let n = 0;
const room = (over: Partial<RoomInput> = {}): RoomInput => ({ code: `T-${++n}-${Math.random().toString(36).slice(2, 6).toUpperCase()}`, name: `测试评标室${n}`, kind: "review", location: "3楼", capacity: 9, note: "", ...over });

/** A published tender whose section has an evaluation time (a requested draw, R35) `days` ahead. */
async function sectionWithEvaluationTime(app: AppContext, tu: Actor, days = 30) {
  const projectId = await createProject(app, tu, await projectForm(app));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["rooms"]))) });
  await publishProject(app, tu, projectId);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  const now = await dbNow(app.db);
  const evaluationAt = new Date(Math.ceil((now.getTime() + days * 86400_000) / 60_000) * 60_000);
  const drawId = await requestDraw(app, tu, { sectionId, lines: [{ specialty: "A01", count: 5, backups: 0 }], regionMode: "any", evaluationAt, avoid: [] });
  return { projectId, sectionId, evaluationAt, drawId };
}

forEachDriver("review rooms and bookings (issue 12 item 1, R36)", (env) => {
  it("admins manage rooms: create, edit, deactivate; nobody else may; the demo seeds 21 review rooms and 5 opening halls", async () => {
    const { app } = env();
    const admin = await makeActor(app, "admin");
    const tu = await makeActor(app, "tendering_unit");
    const id = await createRoom(app, admin, room({ code: "pb-x1", name: "第1评标室" }));
    const [row] = await app.db.select().from(rooms).where(eq(rooms.id, id));
    expect(row).toMatchObject({ code: "PB-X1", kind: "review", capacity: 9, active: true });
    expect((await failure(createRoom(app, admin, room({ code: "PB-X1" }))))?.code).toBe("CONFLICT");
    expect((await failure(createRoom(app, admin, room({ capacity: 0 }))))?.params).toEqual({ field: "capacity" });
    expect((await failure(createRoom(app, admin, room({ code: "有空格 X" }))))?.params).toEqual({ field: "code" });
    expect((await failure(createRoom(app, tu, room())))?.code).toBe("FORBIDDEN");
    await updateRoom(app, admin, id, room({ code: "PB-X1", name: "第1评标室（改）", capacity: 11 }));
    expect((await app.db.select().from(rooms).where(eq(rooms.id, id)))[0]).toMatchObject({ name: "第1评标室（改）", capacity: 11 });
    expect((await failure(updateRoom(app, admin, "not-a-uuid", room())))?.code).toBe("NOT_FOUND");
    await setRoomActive(app, admin, id, false);
    expect((await failure(setRoomActive(app, admin, id, false)))?.code).toBe("INVALID_STATE");
    await setRoomActive(app, admin, id, true);
    const actions = (await app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.subjectId, id))).map((r) => r.action);
    expect(actions).toEqual(["room.create", "room.update", "room.deactivate", "room.activate"]);

    // 大庆's centre: 21 closed review rooms and 5 opening halls.
    await seedRooms(app, admin);
    const all = await app.db.select().from(rooms);
    expect(all.filter((r) => r.code.startsWith("PB-") && r.code !== "PB-X1" && r.kind === "review")).toHaveLength(DEMO_REVIEW_ROOMS);
    expect(all.filter((r) => r.code.startsWith("KB-") && r.kind === "opening")).toHaveLength(DEMO_OPENING_HALLS);
    expect([DEMO_REVIEW_ROOMS, DEMO_OPENING_HALLS]).toEqual([21, 5]);
    const list = await listRooms(app.db, admin);
    expect(list.rooms.length).toBeGreaterThanOrEqual(27);
    expect((await failure(listRooms(app.db, tu)))?.code).toBe("FORBIDDEN");
  });

  it("an evaluation books one review room for its slot; a double booking is refused with a translated message, never a 500", async () => {
    const { app } = env();
    const admin = await makeActor(app, "admin");
    const tu = await makeActor(app, "tendering_unit");
    const other = await makeActor(app, "tendering_unit");
    const bidder = await makeActor(app, "bidder");
    const a = await sectionWithEvaluationTime(app, tu, 30);
    const b = await sectionWithEvaluationTime(app, other, 30);
    const roomId = await createRoom(app, admin, room());
    const small = await createRoom(app, admin, room({ capacity: 3 }));
    const hall = await createRoom(app, admin, room({ kind: "opening", capacity: 80 }));

    // Only the section's own tender side (or an admin) books; a hall is not a review room; R32: seats for the committee.
    expect((await failure(bookRoom(app, bidder, { roomId, sectionId: a.sectionId, purpose: "evaluation" })))?.code).toBe("NOT_FOUND");
    expect((await failure(bookRoom(app, other, { roomId, sectionId: a.sectionId, purpose: "evaluation" })))?.code).toBe("NOT_FOUND");
    expect((await failure(bookRoom(app, tu, { roomId: hall, sectionId: a.sectionId, purpose: "evaluation" })))?.params).toMatchObject({ field: "roomId" });
    const tooSmall = await failure(bookRoom(app, tu, { roomId: small, sectionId: a.sectionId, purpose: "evaluation" }));
    expect(tooSmall).toMatchObject({ code: "ROOM_TOO_SMALL", params: { capacity: 3, needed: 5 } });
    expect((await failure(bookRoom(app, tu, { roomId, sectionId: a.sectionId, purpose: "evaluation", hours: 99 })))?.params).toEqual({ field: "hours" });
    expect((await failure(bookRoom(app, tu, { roomId: "x", sectionId: a.sectionId, purpose: "evaluation" })))?.code).toBe("NOT_FOUND");

    const booking = await bookRoom(app, tu, { roomId, sectionId: a.sectionId, purpose: "evaluation" });
    const [row] = await app.db.select().from(roomBookings).where(eq(roomBookings.id, booking));
    expect(row!.startsAt.getTime()).toBe(a.evaluationAt.getTime());
    expect(row!.endsAt.getTime() - row!.startsAt.getTime()).toBe(4 * 3600_000);
    // One live evaluation booking per section.
    expect((await failure(bookRoom(app, tu, { roomId: small, sectionId: a.sectionId, purpose: "evaluation" })))?.code).toBe("CONFLICT");

    // Another section at the same time in the same room: the database's exclusion constraint refuses it (409).
    const refused = await failure(bookRoom(app, other, { roomId, sectionId: b.sectionId, purpose: "evaluation" }));
    expect(refused?.code).toBe("ROOM_BOOKED");
    expect(httpStatusOf(refused!.code)).toBe(409);
    expect(refused?.params).toMatchObject({ room: expect.stringMatching(/^T-/), from: expect.any(String), to: expect.any(String) });
    for (const lang of ["zh-CN", "en"] as const) {
      const text = serverT(lang)("common:errors.ROOM_BOOKED", refused!.params);
      expect(text).toContain(String(refused!.params.room));
      expect(text).not.toContain("errors.ROOM_BOOKED");
    }
    // An admin booking that overlaps by one minute is refused the same way; one that starts at the end is fine ([) slots).
    const end = new Date(a.evaluationAt.getTime() + 4 * 3600_000);
    expect((await failure(bookRoom(app, admin, { roomId, purpose: "other", startsAt: new Date(end.getTime() - 60_000), endsAt: new Date(end.getTime() + 3600_000) })))?.code).toBe("ROOM_BOOKED");
    const after = await bookRoom(app, admin, { roomId, purpose: "other", startsAt: end, endsAt: new Date(end.getTime() + 3600_000) });
    // Racing bookings of one slot: exactly one wins, the other is ROOM_BOOKED.
    const roomId2 = await createRoom(app, admin, room());
    const race = await Promise.all([
      failure(bookRoom(app, tu, { roomId: roomId2, purpose: "other", startsAt: end, endsAt: new Date(end.getTime() + 3600_000) })),
      failure(bookRoom(app, admin, { roomId: roomId2, purpose: "other", startsAt: end, endsAt: new Date(end.getTime() + 3600_000) })),
      failure(bookRoom(app, admin, { roomId: roomId2, purpose: "other", startsAt: new Date(end.getTime() + 1800_000), endsAt: new Date(end.getTime() + 7200_000) })),
    ]);
    expect(race[0]?.code).toBe("FORBIDDEN"); // the tender side books evaluations only
    expect(race.slice(1).map((r) => r?.code ?? "ok").sort()).toEqual(["ROOM_BOOKED", "ok"]);

    // The tender side sees its booking; the panel offers the rooms with whether each is free and large enough.
    const panel = await sectionBookingPanel(app.db, tu, a.sectionId);
    expect(panel.booking).toMatchObject({ id: booking, capacity: 9 });
    expect(panel.canBook).toBe(false);
    const panelB = await sectionBookingPanel(app.db, other, b.sectionId);
    expect(panelB.rooms.find((r) => r.id === roomId)).toMatchObject({ free: false, fits: true });
    expect(panelB.rooms.find((r) => r.id === small)).toMatchObject({ fits: false });
    expect((await projectBookingPanels(app.db, other, b.projectId)).panels).toHaveLength(1);
    expect((await failure(projectBookingPanels(app.db, tu, b.projectId)))?.code).toBe("NOT_FOUND");
    expect((await failure(sectionBookingPanel(app.db, bidder, a.sectionId)))?.code).toBe("NOT_FOUND");

    // The admin list shows upcoming bookings (7 days) — this one is 30 days out; a week-long list leaves it out.
    const listed = await listRooms(app.db, admin, 31);
    expect(listed.rooms.find((r) => r.id === roomId)!.bookings.map((x) => x.id)).toEqual([booking, after]);

    // A room with bookings ahead cannot be deactivated; the admin cancels with a reason and the tender side is told.
    expect((await failure(setRoomActive(app, admin, roomId, false)))?.code).toBe("INVALID_STATE");
    expect((await failure(cancelBooking(app, admin, booking, "  ")))?.params).toEqual({ field: "reason" });
    expect((await failure(cancelBooking(app, other, booking, "不是我的")))?.code).toBe("NOT_FOUND");
    await cancelBooking(app, admin, booking, "空调检修");
    await cancelBooking(app, admin, after, "空调检修");
    const told = await app.db.select().from(notifications).where(and(eq(notifications.userId, tu.user!.id), eq(notifications.kind, "roomBookingCancelled")));
    expect(told).toHaveLength(1);
    expect(told[0]!.params).toMatchObject({ reason: "空调检修" });
    await setRoomActive(app, admin, roomId, false);
    expect((await failure(bookRoom(app, other, { roomId, sectionId: b.sectionId, purpose: "evaluation" })))?.code).toBe("INVALID_STATE");
    await setRoomActive(app, admin, roomId, true);
    // The slot is free again: the other section books it.
    await bookRoom(app, other, { roomId, sectionId: b.sectionId, purpose: "evaluation" });
  });

  it("R36: the booked room and slot are what the expert's invitation shows (time and place only); the evaluation follows its booking", async () => {
    const { app } = env();
    const admin = await makeActor(app, "admin");
    const tu = await makeActor(app, "tendering_unit");
    const supervisor = await makeActor(app, "supervisor");
    const s = await sectionWithEvaluationTime(app, tu, 20);
    const roomId = await createRoom(app, admin, room({ code: `PB-R36-${env().driver.toUpperCase()}`, name: "第7评标室", location: "交易中心4楼 407室" }));
    await bookRoom(app, tu, { roomId, sectionId: s.sectionId, purpose: "evaluation", hours: 6 });
    const expertsUsers = await Promise.all(Array.from({ length: 5 }, () => makeActor(app, "expert")));
    await insertExperts(
      app,
      expertsUsers.map((u, i) => ({ code: `R36-${env().driver}-${s.sectionId.slice(0, 6)}-${i}`, specialties: ["A0101"], userId: u.user!.id })),
    );
    // ADR 027: a draw's pool is fixed at its request — these experts came after the first request, so a second one
    // (same evaluation time) commits them, and the supervisor's salt draws it.
    const drawId = await requestDraw(app, tu, { sectionId: s.sectionId, lines: [{ specialty: "A01", count: 5, backups: 0 }], regionMode: "any", evaluationAt: s.evaluationAt, avoid: [] });
    await drawWithSalt(app, supervisor, drawId, "监督盐值-R36");
    const mine = await myInvitations(app.db, expertsUsers[0]!);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.room).toMatchObject({ code: `PB-R36-${env().driver.toUpperCase()}`, name: "第7评标室", location: "交易中心4楼 407室" });
    expect(new Date(mine[0]!.room!.startsAt).getTime()).toBe(s.evaluationAt.getTime());
    expect(new Date(mine[0]!.room!.endsAt).getTime()).toBe(s.evaluationAt.getTime() + 6 * 3600_000);
    // Nothing but time and place: no project, no parties.
    expect(Object.keys(mine[0]!).sort()).toEqual(["confirmBy", "evaluationAt", "pickId", "reviewRoom", "room", "status"]);
    const [inbox] = await app.db.select().from(notifications).where(and(eq(notifications.userId, expertsUsers[0]!.user!.id), eq(notifications.kind, "drawInvitation")));
    expect(String(inbox!.params.room)).toContain("第7评标室");
    expect(String(inbox!.params.room)).toContain("407室");
    expect(String(inbox!.params.room)).not.toContain("集成测试");
  });

  it("a prepared evaluation takes its section's booking; a room cannot be booked once the evaluation is under way", async () => {
    const { app } = env();
    const admin = await makeActor(app, "admin");
    const t = await openedSection(app, 3);
    const roomId = await createRoom(app, admin, room());
    await app.db.execute(
      // The opened section's evaluation time (test-only: no draw in this fixture).
      (await import("drizzle-orm")).sql`update projects set evaluation_start = now() + interval '2 hours' where id = ${t.projectId}::uuid`,
    );
    const booking = await bookRoom(app, t.tu, { roomId, sectionId: t.sectionId, purpose: "evaluation" });
    await prepareEvaluation(app, t.sectionId);
    const [ev] = await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId));
    expect(ev!.bookingId).toBe(booking);
    await app.db.update(evaluations).set({ stage: "entry" }).where(eq(evaluations.sectionId, t.sectionId));
    expect((await failure(cancelBooking(app, t.tu, booking, "改期")))?.code).toBe("INVALID_STATE");
    const panel = await sectionBookingPanel(app.db, t.tu, t.sectionId);
    expect([panel.canBook, panel.canCancel]).toEqual([false, false]);
  });
});
