import { and, asc, count, eq, gte, lte, sql } from "drizzle-orm";
import type { Executor } from "#db/client";
import { holidays } from "#db/schema/index";
import { isIsoDay, isWeekendDay } from "#app/domain/account-forms";
import { DomainError } from "#app/domain/errors";
import type { Actor } from "../platform/actor";
import { requirePermission, runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";

/**
 * The holiday calendar (R2): public holidays and weekend days worked in exchange (调休上班).
 * The working-day rules read it through calendar.server.ts on every check, so a change
 * applies to the next command at once.
 */
export async function listHolidays(db: Executor, year: number) {
  return db
    .select()
    .from(holidays)
    .where(and(gte(holidays.day, `${year}-01-01`), lte(holidays.day, `${year}-12-31`)))
    .orderBy(asc(holidays.day));
}

/** The years that have entries, with their counts (newest first), for the year switcher. */
export async function listHolidayYears(db: Executor): Promise<{ year: number; days: number }[]> {
  const year = sql<number>`extract(year from ${holidays.day})::int`;
  const rows = await db.select({ year, days: count() }).from(holidays).groupBy(year).orderBy(sql`1 desc`);
  return rows.map((r) => ({ year: Number(r.year), days: Number(r.days) }));
}

export type HolidayInput = { day: string; kind: "holiday" | "workday"; name: string };

/** Admin: adds one day (command `holiday.add`). A day already in the calendar is a CONFLICT. */
export async function addHoliday(ctx: Pick<AppContext, "db">, actor: Actor, h: HolidayInput): Promise<void> {
  requirePermission(actor, "admin:holidays");
  const entry = { day: h.day.trim(), kind: h.kind, name: h.name.trim() };
  if (!isIsoDay(entry.day)) throw new DomainError("VALIDATION", { field: "day" });
  if (entry.kind !== "holiday" && entry.kind !== "workday") throw new DomainError("VALIDATION", { field: "kind" });
  if (!entry.name || entry.name.length > 40) throw new DomainError("VALIDATION", { field: "name" });
  if (entry.kind === "workday" && !isWeekendDay(entry.day)) throw new DomainError("VALIDATION", { field: "day", reason: "workdayWeekend" });
  await runCommand(ctx, actor, "holiday.add", async ({ tx }) => {
    requirePermission(actor, "admin:holidays");
    // The day is the primary key: a concurrent add of the same day cannot slip through.
    const inserted = await tx.insert(holidays).values(entry).onConflictDoNothing().returning({ day: holidays.day });
    if (inserted.length === 0) throw new DomainError("CONFLICT", { field: "day" });
    return { result: undefined, subjectType: "calendar", subjectId: entry.day, payload: entry };
  });
}

/** Admin: removes one day (command `holiday.remove`). */
export async function removeHoliday(ctx: Pick<AppContext, "db">, actor: Actor, day: string): Promise<void> {
  requirePermission(actor, "admin:holidays");
  if (!isIsoDay(day)) throw new DomainError("NOT_FOUND");
  await runCommand(ctx, actor, "holiday.remove", async ({ tx }) => {
    requirePermission(actor, "admin:holidays");
    const [row] = await tx.delete(holidays).where(eq(holidays.day, day)).returning();
    if (!row) throw new DomainError("NOT_FOUND");
    return { result: undefined, subjectType: "calendar", subjectId: day, payload: { day, kind: row.kind, name: row.name } };
  });
}
