import { and, asc, count, desc, eq, gte, inArray, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Executor } from "#db/client";
import { alerts, organisations, projects, sections, supervisionHistory, supervisionLights } from "#db/schema/index";
import { CHART_DAYS, DASHBOARD_PAGE_SIZE, lastDays, type DashboardQuery } from "#app/domain/supervision/dashboard-query";
import { covers, jurisdictionOf } from "#app/domain/supervision/jurisdiction";
import type { Light } from "#app/domain/supervision/lights";
import { getProfile } from "#app/domain/rules/profiles";
import { sectionLimits } from "#app/domain/supervision/limits";
import { sectionLight } from "#app/domain/supervision/lights";
import { STAGES, sectionStage, type SupervisionStage } from "#app/domain/supervision/stage";
import type { Actor } from "#app/services/platform/actor";
import { dbNow } from "#app/services/platform/command.server";
import type { LiveHub } from "#app/services/platform/live-hub.server";
import { SUPERVISION_CHANNEL } from "./projector.server";
import { regionUnder, supervisionScope, type ReadScope } from "./scope.server";
import { sectionsFacts } from "./facts.server";

/**
 * The supervisor's dashboard (R63/R65, docs/decisions/021-supervision-dashboard.md): reads the `supervision_lights`
 * read model only — a page of sections, counts by light and stage, three 90-day charts — scoped to the supervisor's
 * jurisdiction (city–county supervision: a region prefix, app/domain/supervision/jurisdiction.ts).
 */

type Scope = ReadScope;

function conditions(scope: Scope, q: DashboardQuery, omit: "light" | "stage" | null): SQL[] {
  const where: SQL[] = [];
  if (scope.prefix) where.push(regionUnder(supervisionLights.region, scope.prefix));
  if (q.region) where.push(regionUnder(supervisionLights.region, q.region));
  if (q.regime) where.push(eq(supervisionLights.regime, q.regime));
  if (q.category) where.push(eq(supervisionLights.category, q.category));
  if (q.supervisor) where.push(eq(supervisionLights.supervisorOrgId, q.supervisor));
  if (q.alerts) where.push(sql`${supervisionLights.openAlerts} > 0`);
  if (omit !== "stage" && q.stage) where.push(eq(supervisionLights.stage, q.stage));
  if (omit !== "light" && q.light) where.push(eq(supervisionLights.light, q.light));
  if (q.q) {
    const pattern = `%${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(sql`exists (select 1 from ${projects} where ${projects.id} = ${supervisionLights.projectId} and ${projects.searchText} like ${pattern})`);
  }
  return where;
}

const RANK = sql`case ${supervisionLights.light} when 'red' then 0 when 'yellow' then 1 else 2 end`;

export type DashboardRow = {
  sectionId: string;
  projectId: string;
  code: string;
  title: string;
  sectionCode: string;
  sectionTitle: string;
  tenderingUnit: string;
  region: string;
  regime: string;
  category: string;
  stage: SupervisionStage;
  light: Light;
  reasons: string[];
  lightSince: string;
  nextChangeAt: string | null;
  openAlerts: number;
  openCases: number;
  supervisor: string | null;
};

export type Dashboard = {
  scope: Scope;
  now: string;
  /** The `supervision` channel's last event when the answer was read (null without a hub): the page subscribes after it. */
  liveSeq: number | null;
  rows: DashboardRow[];
  total: number;
  pageSize: number;
  byLight: Record<Light, number>;
  byStage: Record<SupervisionStage, number>;
  supervisors: { id: string; name: string }[];
  charts: Charts;
};

export type Charts = {
  days: string[];
  /** Sections entering each stage, per day. */
  stages: { day: string; counts: Partial<Record<SupervisionStage, number>> }[];
  /** Sections whose light turned red (a limit passed), per day. */
  limitsPassed: { day: string; count: number }[];
  /** Alerts raised in the window, by kind (most first). */
  alertsByKind: { kind: string; count: number }[];
};

const tu = alias(organisations, "tu");
const sup = alias(organisations, "sup");

/**
 * One page of rows: the page is chosen on the read model alone (worst light first, then most alerts, then longest
 * at that light; ids break ties so paging is stable), then only its 50 sections are joined to their project, section
 * and organisations — sorting 10,000 joined rows to keep 50 would cost ten times more.
 */
async function pageRows(db: Executor, where: SQL | undefined, offset: number) {
  const page = await db
    .select({ sectionId: supervisionLights.sectionId })
    .from(supervisionLights)
    .where(where)
    .orderBy(RANK, desc(supervisionLights.openAlerts), asc(supervisionLights.lightSince), asc(supervisionLights.projectId), asc(supervisionLights.sectionId))
    .limit(DASHBOARD_PAGE_SIZE)
    .offset(offset);
  if (page.length === 0) return [];
  const ids = page.map((r) => r.sectionId);
  const rows = await db
    .select({
      sectionId: supervisionLights.sectionId,
      projectId: supervisionLights.projectId,
      code: projects.code,
      title: projects.title,
      sectionCode: sections.code,
      sectionTitle: sections.title,
      tenderingUnit: tu.name,
      region: supervisionLights.region,
      regime: supervisionLights.regime,
      category: supervisionLights.category,
      stage: supervisionLights.stage,
      light: supervisionLights.light,
      reasons: supervisionLights.reasons,
      lightSince: supervisionLights.lightSince,
      nextChangeAt: supervisionLights.nextChangeAt,
      openAlerts: supervisionLights.openAlerts,
      openCases: supervisionLights.openCases,
      supervisor: sup.name,
    })
    .from(supervisionLights)
    .innerJoin(sections, eq(sections.id, supervisionLights.sectionId))
    .innerJoin(projects, eq(projects.id, supervisionLights.projectId))
    .innerJoin(tu, eq(tu.id, projects.tenderingUnitId))
    .leftJoin(sup, eq(sup.id, supervisionLights.supervisorOrgId))
    .where(inArray(supervisionLights.sectionId, ids));
  const at = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => at.get(a.sectionId)! - at.get(b.sectionId)!);
}

/**
 * Shared answers: supervisors of one jurisdiction asking the same query get one computation. An answer is valid until
 * the next event on the `supervision` live channel — the projector announces every light, stage and alert change
 * there, as do cases and complaints — so a dashboard revalidating after an event always reads fresh rows (the
 * generation is bumped before any browser can ask again). Without a hub (tests, scripts) nothing is cached.
 */
type Cache = { generation: number; entries: Map<string, { generation: number; at: number; value: Promise<Dashboard> }> };
const caches = new WeakMap<LiveHub, Cache>();
const CACHE_MAX_AGE_MS = 30_000;
const CACHE_MAX_ENTRIES = 500;

function cacheFor(hub: LiveHub): Cache {
  let c = caches.get(hub);
  if (!c) {
    const cache: Cache = { generation: 0, entries: new Map() };
    hub.subscribe(SUPERVISION_CHANNEL, () => {
      cache.generation++;
      cache.entries.clear();
    });
    caches.set(hub, (c = cache));
  }
  return c;
}

export async function supervisionDashboard(db: Executor, actor: Actor, q: DashboardQuery, hub?: LiveHub): Promise<Dashboard> {
  const scope = await supervisionScope(db, actor);
  if (!hub) return computeDashboard(db, scope, q, null);
  const cache = cacheFor(hub);
  const key = `${scope.orgId ?? ""}|${scope.prefix}|${JSON.stringify(q)}`;
  const hit = cache.entries.get(key);
  if (hit && hit.generation === cache.generation && Date.now() - hit.at < CACHE_MAX_AGE_MS) return hit.value;
  if (cache.entries.size >= CACHE_MAX_ENTRIES) cache.entries.clear();
  // The sequence number is read before the rows: an event in between is replayed to the page, never lost.
  const value = hub.latestSeq(SUPERVISION_CHANNEL).then((seq) => computeDashboard(db, scope, q, seq));
  const entry = { generation: cache.generation, at: Date.now(), value };
  cache.entries.set(key, entry);
  value.catch(() => cache.entries.get(key) === entry && cache.entries.delete(key));
  return value;
}

async function computeDashboard(db: Executor, scope: Scope, q: DashboardQuery, liveSeq: number | null): Promise<Dashboard> {
  const now = await dbNow(db);
  const where = and(...conditions(scope, q, null));
  const offset = (q.page - 1) * DASHBOARD_PAGE_SIZE;
  const [rows, [total], lightCounts, stageCounts, supervisors, charts] = await Promise.all([
    pageRows(db, where, offset),
    db.select({ n: count() }).from(supervisionLights).where(where),
    db
      .select({ light: supervisionLights.light, n: count() })
      .from(supervisionLights)
      .where(and(...conditions(scope, q, "light")))
      .groupBy(supervisionLights.light),
    db
      .select({ stage: supervisionLights.stage, n: count() })
      .from(supervisionLights)
      .where(and(...conditions(scope, q, "stage")))
      .groupBy(supervisionLights.stage),
    db
      .select({ id: organisations.id, name: organisations.name, jurisdiction: organisations.jurisdiction, region: organisations.region })
      .from(organisations)
      .where(eq(organisations.kind, "supervisor"))
      .orderBy(asc(organisations.name)),
    chartsFor(db, scope, now),
  ]);
  const byLight: Record<Light, number> = { red: 0, yellow: 0, green: 0 };
  for (const r of lightCounts) byLight[r.light] = Number(r.n);
  const byStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<SupervisionStage, number>;
  for (const r of stageCounts) byStage[r.stage] = Number(r.n);
  return {
    scope,
    now: now.toISOString(),
    liveSeq,
    rows: rows.map((r) => ({ ...r, lightSince: r.lightSince.toISOString(), nextChangeAt: r.nextChangeAt?.toISOString() ?? null })),
    total: Number(total?.n ?? 0),
    pageSize: DASHBOARD_PAGE_SIZE,
    byLight,
    byStage,
    // A county supervisor filters by the departments inside its jurisdiction only.
    supervisors: supervisors.filter((o) => covers(scope.prefix, jurisdictionOf(o))).map((o) => ({ id: o.id, name: o.name })),
    charts,
  };
}

/** The charts of the last CHART_DAYS China-time days, within the scope (cached per scope for a few seconds). */
const chartCache = new Map<string, { at: number; charts: Promise<Charts> }>();
/** The charts count days: a minute's staleness is invisible, and 20 supervisors share one computation. */
const CHART_TTL_MS = 60_000;

function chartsFor(db: Executor, scope: Scope, now: Date): Promise<Charts> {
  const hit = chartCache.get(scope.prefix);
  if (hit && Date.now() - hit.at < CHART_TTL_MS) return hit.charts;
  if (chartCache.size > 100) chartCache.clear();
  const charts = computeCharts(db, scope, now);
  chartCache.set(scope.prefix, { at: Date.now(), charts });
  // A failed computation is not kept.
  charts.catch(() => chartCache.delete(scope.prefix));
  return charts;
}

async function computeCharts(db: Executor, scope: Scope, now: Date): Promise<Charts> {
  const days = lastDays(now, CHART_DAYS);
  const from = new Date(`${days[0]}T00:00:00+08:00`);
  const inScope = scope.prefix ? regionUnder(supervisionLights.region, scope.prefix) : undefined;
  const day = sql<string>`to_char(${supervisionHistory.at} at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`;
  const alertDay = gte(alerts.detectedAt, from);
  const [stageRows, redRows, alertRows] = await Promise.all([
    db
      .select({ day, stage: supervisionHistory.stage, n: count() })
      .from(supervisionHistory)
      .innerJoin(supervisionLights, eq(supervisionLights.sectionId, supervisionHistory.sectionId))
      .where(and(gte(supervisionHistory.at, from), sql`${supervisionHistory.fromStage} is distinct from ${supervisionHistory.stage}`, inScope))
      .groupBy(day, supervisionHistory.stage),
    db
      .select({ day, n: count() })
      .from(supervisionHistory)
      .innerJoin(supervisionLights, eq(supervisionLights.sectionId, supervisionHistory.sectionId))
      .where(and(gte(supervisionHistory.at, from), eq(supervisionHistory.light, "red"), sql`${supervisionHistory.fromLight} is distinct from 'red'`, inScope))
      .groupBy(day),
    db
      .select({ kind: alerts.kind, n: count() })
      .from(alerts)
      .innerJoin(supervisionLights, eq(supervisionLights.sectionId, alerts.sectionId))
      .where(and(alertDay, inScope))
      .groupBy(alerts.kind),
  ]);
  const stages = days.map((d) => ({ day: d, counts: {} as Partial<Record<SupervisionStage, number>> }));
  const index = new Map(days.map((d, i) => [d, i]));
  for (const r of stageRows) {
    const i = index.get(r.day);
    if (i !== undefined) stages[i]!.counts[r.stage] = Number(r.n);
  }
  const red = new Map(redRows.map((r) => [r.day, Number(r.n)]));
  const charts: Charts = {
    days,
    stages,
    limitsPassed: days.map((d) => ({ day: d, count: red.get(d) ?? 0 })),
    alertsByKind: alertRows.map((r) => ({ kind: r.kind, count: Number(r.n) })).sort((a, b) => b.count - a.count || (a.kind < b.kind ? -1 : 1)),
  };
  return charts;
}

/** The supervision view of one section: its light row, limit instances are read live by sectionLightNow. */
export async function sectionSupervision(db: Executor, sectionIds: readonly string[]) {
  if (sectionIds.length === 0) return { lights: [], alerts: [], history: [] };
  const ids = [...sectionIds];
  const [lights, alertRows, history] = await Promise.all([
    db.select().from(supervisionLights).where(inArray(supervisionLights.sectionId, ids)),
    db.select().from(alerts).where(inArray(alerts.sectionId, ids)).orderBy(desc(alerts.detectedAt)).limit(200),
    db.select().from(supervisionHistory).where(inArray(supervisionHistory.sectionId, ids)).orderBy(desc(supervisionHistory.at)).limit(200),
  ]);
  return { lights, alerts: alertRows, history };
}

/**
 * One project's supervision panel (supervise/$id): each section's light judged now from its facts (the limit
 * instances with their share used and breach), its stored stage, its alerts and its light/stage history.
 */
export async function projectSupervisionView(db: Executor, projectId: string) {
  const secs = await db.select({ id: sections.id, code: sections.code, title: sections.title }).from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq));
  const ids = secs.map((s) => s.id);
  const [facts, now, stored] = await Promise.all([sectionsFacts(db, ids), dbNow(db), sectionSupervision(db, ids)]);
  const [p] = await db.select({ regime: projects.regime }).from(projects).where(eq(projects.id, projectId));
  const thresholds = getProfile(p?.regime ?? "ZTB").supervision;
  return secs.map((s) => {
    const f = facts.get(s.id);
    const lit = f ? sectionLight(sectionLimits(f), now, thresholds) : null;
    return {
      ...s,
      light: lit?.light ?? "green",
      stage: f ? sectionStage(f) : "draft",
      instances: (lit?.instances ?? []).map((i) => ({
        limitId: i.limitId,
        startedAt: i.startedAt.toISOString(),
        dueAt: i.dueAt.toISOString(),
        doneAt: i.doneAt?.toISOString() ?? null,
        light: i.light,
        usedPct: Math.round(i.usedPct),
        breach: i.breach,
      })),
      alerts: stored.alerts
        .filter((a) => a.sectionId === s.id)
        .map((a) => ({ id: a.id, kind: a.kind, rule: a.rule, severity: a.severity, status: a.status, subjects: a.subjects, evidence: a.evidence, detectedAt: a.detectedAt.toISOString(), caseId: a.caseId })),
      history: stored.history
        .filter((h) => h.sectionId === s.id)
        .map((h) => ({ at: h.at.toISOString(), light: h.light, stage: h.stage, fromLight: h.fromLight, fromStage: h.fromStage, reasons: h.reasons })),
    };
  });
}

/** Organisation names by id (for an alert's subjects), as a plain object. */
export async function organisationNames(db: Executor, ids: readonly string[]): Promise<Record<string, string>> {
  const valid = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)).slice(0, 500);
  if (valid.length === 0) return {};
  const rows = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, valid));
  return Object.fromEntries(rows.map((r) => [r.id, r.name]));
}
