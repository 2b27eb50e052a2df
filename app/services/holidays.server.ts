import { and, asc, eq, gte, lte } from "drizzle-orm";
import type { Executor } from "#db/client";
import { holidays } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import type { Actor } from "./actor";
import { requirePermission, runCommand } from "./command.server";
import type { AppContext } from "./context.server";

/** The holiday calendar (R2) for one year. */
export async function listHolidays(db: Executor, year: number) {
  return db.select().from(holidays).where(and(gte(holidays.day, `${year}-01-01`), lte(holidays.day, `${year}-12-31`))).orderBy(asc(holidays.day));
}

export async function addHoliday(ctx: Pick<AppContext, "db">, actor: Actor, h: { day: string; kind: "holiday" | "workday"; name: string }) {
  await runCommand(ctx, actor, "holiday.add", async ({ tx }) => {
    requirePermission(actor, "admin:holidays");
    const [dup] = await tx.select().from(holidays).where(eq(holidays.day, h.day));
    if (dup) throw new DomainError("CONFLICT", { field: "day" });
    await tx.insert(holidays).values(h);
    return { result: undefined, subjectType: "calendar", subjectId: h.day, payload: h };
  });
}

export async function removeHoliday(ctx: Pick<AppContext, "db">, actor: Actor, day: string) {
  await runCommand(ctx, actor, "holiday.remove", async ({ tx }) => {
    requirePermission(actor, "admin:holidays");
    const [row] = await tx.delete(holidays).where(eq(holidays.day, day)).returning();
    if (!row) throw new DomainError("NOT_FOUND");
    return { result: undefined, subjectType: "calendar", subjectId: day, payload: { day, kind: row.kind, name: row.name } };
  });
}
