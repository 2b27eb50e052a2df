// Issue 12 item 13: `npm start` seeds a tender whose evaluation is open in a booked review room with a committee of
// five demo experts (server/seed.ts tender 8, server/demo-evaluation.ts), so a newcomer can walk through the room.
import { readFileSync } from "node:fs";
import path from "node:path";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { certificates, committeeMembers, drawPicks, draws, evaluations, experts, projects, roomBookings, rooms, sections, users } from "#db/schema/index";
import { certInfo, openPkcs12 } from "#crypto/certs";
import { actorForUser } from "#app/services/accounts/auth.server";
import { dbNow } from "#app/services/platform/command.server";
import { myEvaluations, roomView } from "#app/services/evaluation/room-view.server";
import { DEMO_COMMITTEE_SPECIALTY, DEMO_EVALUATION_ROOM } from "../../server/demo-evaluation";
import { DEMO_PASSWORD, seedDemo, type DemoLogin } from "../../server/seed";
import { forEachDriver } from "../helpers/db";
import { failure } from "../helpers/errors";

const EXPERTS = ["expert", "expert2", "expert3", "expert4", "expert5"];

forEachDriver("demo seed: an evaluation open in a booked review room (issue 12 item 13)", (env) => {
  let logins: DemoLogin[] = [];
  let sectionId = "";
  const actorOf = async (username: string) => {
    const [u] = await env().app.db.select({ id: users.id }).from(users).where(eq(users.username, username));
    return actorForUser(env().app.db, u!.id, "127.0.0.1", "test");
  };

  beforeAll(async () => {
    logins = (await seedDemo(env().app))!.logins;
    const [s] = await env()
      .app.db.select({ id: sections.id })
      .from(sections)
      .innerJoin(projects, eq(projects.id, sections.projectId))
      .where(eq(projects.code, "DQ-2026-JL-0521"));
    sectionId = s!.id;
  }, 300_000);

  it("prints five demo expert logins, pool experts E0001–E0005 under their pool names", async () => {
    const { db } = env().app;
    expect(logins.filter((l) => l.role === "expert").map((l) => l.username)).toEqual(EXPERTS);
    for (const l of logins.filter((x) => x.role === "expert")) expect(l.password).toBe(DEMO_PASSWORD);
    const rows = await db
      .select({ code: experts.code, name: experts.name, username: users.username, displayName: users.displayName })
      .from(experts)
      .innerJoin(users, eq(users.id, experts.userId))
      .orderBy(experts.code);
    expect(rows.map((r) => [r.code, r.username])).toEqual(EXPERTS.map((u, i) => [`E000${i + 1}`, u]));
    for (const r of rows) expect(r.displayName).toBe(r.name);
    expect(rows[0]!.name).toBe("王建国");
  });

  it("the evaluation is open (stage `entry`) in the booked review room PB-03, slot running now (R32)", async () => {
    const { db } = env().app;
    const [ev] = await db.select().from(evaluations).where(eq(evaluations.sectionId, sectionId));
    expect(ev!.stage).toBe("entry");
    const [sec] = await db.select({ status: sections.status }).from(sections).where(eq(sections.id, sectionId));
    expect(sec!.status).toBe("evaluating");
    const [b] = await db.select({ booking: roomBookings, room: rooms }).from(roomBookings).innerJoin(rooms, eq(rooms.id, roomBookings.roomId)).where(eq(roomBookings.id, ev!.bookingId!));
    expect(b!.room.code).toBe(DEMO_EVALUATION_ROOM);
    expect(b!.room.kind).toBe("review");
    expect(b!.booking).toMatchObject({ sectionId, purpose: "evaluation", cancelledAt: null });
    const now = await dbNow(db);
    expect(b!.booking.startsAt.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(b!.booking.endsAt.getTime()).toBeGreaterThan(now.getTime());
    expect(b!.booking.startsAt.getTime()).toBe(ev!.startsAt.getTime());
    expect(b!.room.capacity).toBeGreaterThanOrEqual(5);
  });

  it("the committee is the five demo experts, from a real draw salted by the demo supervisor and confirmed (R35, R37)", async () => {
    const { db } = env().app;
    const [d] = await db.select().from(draws).where(eq(draws.sectionId, sectionId));
    const [sup] = await db.select({ id: users.id }).from(users).where(eq(users.username, "supervisor"));
    expect(d!.status).toBe("drawn");
    expect(d!.saltedBy).toBe(sup!.id);
    expect(d!.lines).toEqual([{ specialty: DEMO_COMMITTEE_SPECIALTY, count: 5, backups: 0 }]);
    const picks = await db.select({ status: drawPicks.status, code: experts.code }).from(drawPicks).innerJoin(experts, eq(experts.id, drawPicks.expertId)).where(eq(drawPicks.drawId, d!.id));
    expect(picks.map((p) => p.code).sort()).toEqual(["E0001", "E0002", "E0003", "E0004", "E0005"]);
    expect(picks.every((p) => p.status === "confirmed")).toBe(true);
    const members = await db
      .select({ m: committeeMembers, username: users.username })
      .from(committeeMembers)
      .innerJoin(users, eq(users.id, committeeMembers.userId))
      .where(and(eq(committeeMembers.sectionId, sectionId), isNull(committeeMembers.voidedAt)));
    expect(members.map((x) => x.username).sort()).toEqual(EXPERTS);
    expect(members.map((x) => x.m.seat).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(members.every((x) => x.m.kind === "expert" && x.m.drawPickId !== null)).toBe(true);
  });

  it("every member has an active certificate and its demo PKCS#12 file opens with the demo password (R41)", async () => {
    const { db, config } = env().app;
    const ids = (await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.username, EXPERTS))).map((u) => [u.username, u.id] as const);
    for (const [username, userId] of ids) {
      const certs = await db.select().from(certificates).where(and(eq(certificates.userId, userId), eq(certificates.status, "active")));
      expect(certs, username).toHaveLength(1);
      const p12 = openPkcs12(new Uint8Array(readFileSync(path.join(config.dataDir, "demo-certs", `${username}.p12`))), DEMO_PASSWORD);
      expect(certInfo(p12.certPem).fingerprint, username).toBe(certs[0]!.fingerprint);
    }
  });

  it("R42: the room is visible to the demo supervisor and each demo expert, 404 to the tendering unit, the agency and the bidders", async () => {
    const { db } = env().app;
    const sup = await roomView(db, await actorOf("supervisor"), sectionId);
    expect(sup).toMatchObject({ stage: "entry", viewer: "supervisor", room: { code: DEMO_EVALUATION_ROOM }, project: { code: "DQ-2026-JL-0521" } });
    const seats = new Set<number>();
    for (const u of EXPERTS) {
      const actor = await actorOf(u);
      const v = await roomView(db, actor, sectionId);
      expect(v.viewer, u).toBe("member");
      expect(v.room?.code).toBe(DEMO_EVALUATION_ROOM);
      seats.add(v.me!.seat);
      // The expert's own list of evaluations shows the open room with its project (R36: the room has opened).
      expect((await myEvaluations(db, actor)).find((e) => e.sectionId === sectionId)).toMatchObject({ stage: "entry", projectCode: "DQ-2026-JL-0521" });
    }
    expect(seats.size).toBe(5);
    for (const u of ["tenderer", "agent", "purchaser", "bidder1", "bidder2", "bidder3"]) {
      expect((await failure(roomView(db, await actorOf(u), sectionId)))?.code, u).toBe("NOT_FOUND");
    }
  });
});
