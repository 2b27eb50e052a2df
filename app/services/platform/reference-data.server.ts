import { sql } from "drizzle-orm";
import type { Database } from "#db/client";
import { holidays, ruleProfiles, specialties } from "#db/schema/index";
import { ZFCG_PROFILE, ZTB_PROFILE } from "#app/domain/rules/profiles";
import { DEFAULT_HOLIDAYS } from "#app/domain/holidays-data";
import { levelOf, parentOf, SPECIALTY_TREE } from "#app/domain/specialties-data";

/**
 * Loads the rule profiles (data, versioned), the specialty taxonomy and, on an empty
 * calendar, the default holiday calendar. Idempotent; runs at every start after the migrations.
 */
export async function syncReferenceData(db: Database): Promise<void> {
  for (const p of [ZTB_PROFILE, ZFCG_PROFILE]) {
    await db
      .insert(ruleProfiles)
      .values({ code: p.code, version: p.version, data: p })
      .onConflictDoNothing();
  }
  await db
    .insert(specialties)
    .values(SPECIALTY_TREE.map(([code, name]) => ({ code, name, parentCode: parentOf(code), level: levelOf(code) })))
    .onConflictDoNothing();
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(holidays);
  if ((row?.n ?? 0) === 0) {
    await db.insert(holidays).values(DEFAULT_HOLIDAYS.map((h) => ({ day: h.date, kind: h.kind, name: h.name })));
  }
}
