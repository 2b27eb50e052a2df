import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { withCheckChar } from "#app/domain/credit-code";
import type { Role } from "#app/domain/roles";
import { ProjectFormSchema, type ProjectForm } from "#app/domain/tender-form";
import { createOrganisation, createUser } from "#app/services/accounts/accounts.server";
import { systemActor, type Actor } from "#app/services/platform/actor";
import { actorForUser } from "#app/services/accounts/auth.server";
import { dbNow } from "#app/services/platform/command.server";
import type { AppContext } from "#app/services/platform/context.server";

export const PASSWORD = "correct horse battery";

let n = 0;
const uniq = () => `${++n}${randomBytes(3).toString("hex")}`;

const KIND_FOR_ROLE: Record<Role, "centre" | "tendering_unit" | "agency" | "bidder" | "supervisor" | "expert"> = {
  admin: "centre",
  tendering_unit: "tendering_unit",
  agency: "agency",
  bidder: "bidder",
  supervisor: "supervisor",
  expert: "expert",
};

/** An organisation with one user in the given role, and that user as an actor. */
export async function makeActor(app: AppContext, role: Role, name?: string): Promise<Actor & { username: string }> {
  const u = uniq();
  const orgId = await createOrganisation(app, systemActor(), {
    name: name ?? `${role}-单位-${u}`,
    kind: KIND_FOR_ROLE[role],
    creditCode: withCheckChar(`91230100MA${u.slice(0, 7).toUpperCase().padEnd(7, "0").replace(/[IOSVZ]/g, "0")}`),
  });
  const username = `${role}-${u}`;
  const userId = await createUser(app, systemActor(), { username, displayName: `用户${u}`, password: PASSWORD, orgId, role });
  return { ...(await actorForUser(app.db, userId, "127.0.0.1", "vitest")), username };
}

/** China-time form input `days` from the database clock. */
export function cstIn(now: Date, days: number, hhmm = "09:30"): string {
  const d = new Date(now.getTime() + days * 86400_000 + 8 * 3600_000);
  return `${d.toISOString().slice(0, 10)}T${hhmm}`;
}

/** A valid project form (ZTB works by default), dated from the database clock so R7 passes. */
export async function projectForm(app: AppContext, over: Record<string, unknown> = {}): Promise<ProjectForm> {
  const now = await dbNow(app.db);
  return ProjectFormSchema.parse({
    code: `IT-${uniq()}`,
    title: "集成测试教学楼工程",
    regime: "ZTB",
    mustTender: "on",
    category: "construction",
    region: "黑龙江省大庆市",
    location: "萨尔图区",
    description: "新建教学楼。",
    fundingSource: "财政资金",
    estimateYuan: "10000000",
    contactName: "王",
    contactPhone: "0459-1",
    obtainMethod: "平台下载",
    qualification: "施工总承包二级",
    documentsFrom: cstIn(now, 0, "00:00"),
    documentsUntil: cstIn(now, 10, "17:00"),
    questionDeadline: cstIn(now, 18, "17:00"),
    bidDeadline: cstIn(now, 25),
    sections: [{ code: "01", title: "施工", ceilingPriceYuan: "9900000", bondYuan: "100000", method: "lowest_evaluated_price" }],
    // Suites about other capabilities need no custodian certificates; the sealed-bid suites set the fallback model.
    keyModel: "bidder",
    ...over,
  });
}

/**
 * Test-only: closes bidding now on the database clock (1 ms back, so a millisecond-rounded read of either instant
 * still sees it passed). A deadline taken from the test's own clock could fall before the publication it follows.
 */
export async function closeBidding(app: AppContext, projectId: string) {
  await app.db.execute(sql`update projects set bid_deadline = ${justPassed()} where id = ${projectId}::uuid`);
}

/**
 * Test-only: "a moment ago" on the database clock, for limits a test makes due. Later commands read the same clock,
 * so the instant lies after every row already written (a test-clock `Date.now() - 1000` may not).
 */
export const justPassed = () => sql`now() - interval '1 millisecond'`;

/** Test-only: moves a published tender's deadline (the database clock cannot be moved). */
export async function setBidDeadline(app: AppContext, projectId: string, deadline: Date) {
  await app.db.execute(sql`update projects set bid_deadline = ${deadline.toISOString()}::timestamptz where id = ${projectId}::uuid`);
}

/** Bulk-inserts experts for draw tests (specialties, employment, relationships as given). */
export async function insertExperts(
  app: AppContext,
  list: {
    code: string;
    region?: string;
    status?: "active" | "suspended" | "retired" | "blacklisted";
    specialties: string[];
    employerCode?: string | null;
    userId?: string;
    relationships?: { orgCode: string; kind: "shareholding" | "directorship" | "relative"; from: string; to?: string | null }[];
  }[],
) {
  const { experts, expertSpecialties, expertRelationships, expertEmployment } = await import("#db/schema/index");
  const rows = await app.db
    .insert(experts)
    .values(
      list.map((e) => ({
        code: e.code,
        name: `专家${e.code}`,
        yearsExperience: 12,
        region: e.region ?? "黑龙江省大庆市",
        status: e.status ?? "active",
        employerName: "某大学",
        employerCode: e.employerCode ?? null,
        userId: e.userId ?? null,
      })),
    )
    .returning({ id: experts.id, code: experts.code });
  const idOf = new Map(rows.map((r) => [r.code, r.id]));
  await app.db.insert(expertSpecialties).values(list.flatMap((e) => e.specialties.map((code) => ({ expertId: idOf.get(e.code)!, code }))));
  const jobs = list.filter((e) => e.employerCode).map((e) => ({ expertId: idOf.get(e.code)!, orgName: "雇主", orgCode: e.employerCode!, fromDate: "2015-01-01" }));
  if (jobs.length) await app.db.insert(expertEmployment).values(jobs);
  const rels = list.flatMap((e) => (e.relationships ?? []).map((r) => ({ expertId: idOf.get(e.code)!, kind: r.kind, orgName: "关联单位", orgCode: r.orgCode, fromDate: r.from, toDate: r.to ?? null })));
  if (rels.length) await app.db.insert(expertRelationships).values(rels);
  return idOf;
}
