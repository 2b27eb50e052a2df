import { and, asc, count, desc, eq, gt, gte, isNull, lt, lte, sql } from "drizzle-orm";
import { rowsOf, type Executor } from "#db/client";
import { certificates, experts, jobs, organisations, projects, roomBookings, rooms, sections, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { cstDate, cstDateTime } from "#app/domain/rules/days";
import { bookingsPerDay, CERTIFICATE_EXPIRY_DAYS, ROOM_DAYS, WB_MAX_ROWS } from "#app/domain/workbench";
import type { Actor } from "../platform/actor";

/** Characters of a job's last error the workbench shows (the rest is in the database). */
const ERROR_CHARS = 300;
/** The specialty level the pool's health is counted by (A01 房屋建筑工程: the second level, 3 characters). */
const SPECIALTY_GROUP_CHARS = 3;

/**
 * The centre admin's workbench: the expert pool's health (experts by status; active experts per second-level specialty,
 * R34), the review rooms and opening halls booked per China-time day for the next 14 days (ADR 015), the active
 * certificates that expire within 30 days (R71), and the time-driven jobs that failed (state `failed` in
 * db/schema/jobs.ts: a failed job waits for a person). Bounded like every list (WB_MAX_ROWS).
 */
export async function adminWorkbench(db: Executor, actor: Actor, now: Date) {
  if (!actor.user || !actor.roles.includes("admin")) throw new DomainError("FORBIDDEN", { permission: "admin" });

  const byStatus = await db.select({ status: experts.status, count: count() }).from(experts).groupBy(experts.status);
  const group = sql<string>`left(expert_specialties.code, ${sql.raw(String(SPECIALTY_GROUP_CHARS))})`;
  const bySpecialty = await db.execute<{ code: string; name: string | null; count: number | string }>(sql`
    select g.code, s.name, g.count from (
      select ${group} as code, count(distinct experts.id) as count
      from expert_specialties join experts on experts.id = expert_specialties.expert_id
      where experts.status = 'active' and length(expert_specialties.code) >= ${SPECIALTY_GROUP_CHARS}
      group by 1
    ) g left join specialties s on s.code = g.code
    order by g.code
    limit ${WB_MAX_ROWS}`);
  const statusCounts = (["active", "suspended", "retired", "blacklisted"] as const).map((status) => ({ status, count: Number(byStatus.find((r) => r.status === status)?.count ?? 0) }));
  const pool = {
    active: statusCounts[0]!.count,
    inactive: statusCounts.slice(1).reduce((n, s) => n + s.count, 0),
    byStatus: statusCounts,
    bySpecialty: rowsOf<{ code: string; name: string | null; count: number | string }>(bySpecialty).map((r) => ({ key: r.code, code: r.code, name: r.name ?? r.code, count: Number(r.count) })),
  };

  // Bookings starting from 00:00 China time today for ROOM_DAYS days (cancelled ones are not bookings).
  const from = cstDateTime(cstDate(now), 0);
  const until = new Date(from.getTime() + ROOM_DAYS * 86400_000);
  const bookingRows = await db
    .select({
      id: roomBookings.id,
      startsAt: roomBookings.startsAt,
      endsAt: roomBookings.endsAt,
      purpose: roomBookings.purpose,
      roomCode: rooms.code,
      roomName: rooms.name,
      roomKind: rooms.kind,
      projectCode: projects.code,
      sectionCode: sections.code,
    })
    .from(roomBookings)
    .innerJoin(rooms, eq(rooms.id, roomBookings.roomId))
    .leftJoin(sections, eq(sections.id, roomBookings.sectionId))
    .leftJoin(projects, eq(projects.id, sections.projectId))
    .where(and(isNull(roomBookings.cancelledAt), gte(roomBookings.startsAt, from), lt(roomBookings.startsAt, until)))
    .orderBy(asc(roomBookings.startsAt))
    .limit(WB_MAX_ROWS);
  const bookings = bookingRows.map((b) => ({ ...b, key: b.id, day: cstDate(b.startsAt), startsAt: b.startsAt.toISOString(), endsAt: b.endsAt.toISOString() }));

  const expiring = await db
    .select({ id: certificates.id, subjectCn: certificates.subjectCn, notAfter: certificates.notAfter, source: certificates.source, user: users.displayName, username: users.username, org: organisations.name })
    .from(certificates)
    .innerJoin(users, eq(users.id, certificates.userId))
    .innerJoin(organisations, eq(organisations.id, certificates.orgId))
    .where(and(eq(certificates.status, "active"), gt(certificates.notAfter, now), lte(certificates.notAfter, new Date(now.getTime() + CERTIFICATE_EXPIRY_DAYS * 86400_000))))
    .orderBy(asc(certificates.notAfter))
    .limit(WB_MAX_ROWS);

  const failed = await db
    .select({ id: jobs.id, kind: jobs.kind, attempts: jobs.attempts, lastError: jobs.lastError, dueAt: jobs.dueAt, doneAt: jobs.doneAt })
    .from(jobs)
    .where(eq(jobs.state, "failed"))
    .orderBy(desc(jobs.dueAt))
    .limit(WB_MAX_ROWS);

  return {
    pool,
    rooms: bookingsPerDay(bookingRows.map((b) => b.startsAt), now, ROOM_DAYS),
    bookings,
    certificates: expiring.map((c) => ({ ...c, key: c.id, notAfter: c.notAfter.toISOString() })),
    jobs: failed.map((j) => ({ ...j, key: String(j.id), lastError: (j.lastError ?? "").slice(0, ERROR_CHARS), dueAt: j.dueAt.toISOString(), doneAt: j.doneAt?.toISOString() ?? null })),
  };
}

export type AdminWorkbench = Awaited<ReturnType<typeof adminWorkbench>>;
