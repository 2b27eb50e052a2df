import type { Executor } from "#db/client";
import { holidays } from "#db/schema/index";
import { makeHolidayCalendar, type HolidayCalendar } from "#app/domain/rules/days";

/** The holiday calendar as the pure rules want it (R2). */
export async function loadCalendar(db: Executor): Promise<HolidayCalendar> {
  const rows = await db.select().from(holidays);
  return makeHolidayCalendar(rows.map((r) => ({ date: r.day, kind: r.kind })));
}
