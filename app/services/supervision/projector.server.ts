import { and, asc, eq, gt, inArray, isNotNull, lte, notExists, sql } from "drizzle-orm";
import type { Tx } from "#db/client";
import {
  alerts,
  bids,
  cases,
  complaints,
  draws,
  organisations,
  projects,
  recordEntries,
  sections,
  supervisionCursor,
  supervisionHistory,
  supervisionLights,
} from "#db/schema/index";
import { getProfile } from "#app/domain/rules/profiles";
import { supervisingOrg, type SupervisorOrg } from "#app/domain/supervision/jurisdiction";
import { sectionLimits } from "#app/domain/supervision/limits";
import { nextChange, sectionLight, type Light } from "#app/domain/supervision/lights";
import { sectionStage, type SupervisionStage } from "#app/domain/supervision/stage";
import type { AppContext } from "#app/services/platform/context.server";
import type { Alert } from "#app/domain/alerts/detectors";
import { systemActor } from "#app/services/platform/actor";
import { appendRecord, dbNow, emitLiveEvent } from "#app/services/platform/command.server";
import { channels } from "#app/services/platform/live-channels.server";
import { expertDeclineAlerts, sectionAlerts, storeAlerts } from "./alerts.server";
import { sectionsFacts } from "./facts.server";

/**
 * The supervision projector (docs/decisions/021-supervision-dashboard.md): keeps `supervision_lights` — one row per
 * section with its light, stage and next change — true to the database, so the dashboard reads one indexed table.
 *
 * A section is re-judged when
 * - a record entry names it (subject 'section'), its project ('project'), one of its bids ('bid') or draws ('draw'),
 *   a complaint or a case about it: every state change writes a record entry in its command's transaction, and the
 *   record's sequence numbers commit in order (the chain head is locked), so reading `seq > cursor` misses nothing;
 * - its light is due to change by itself (`next_change_at <= now()`: 80 % of a limit, a deadline passed);
 * - it has no row yet (the first run after an upgrade builds them all).
 *
 * One pass is one transaction holding the cursor row (FOR UPDATE SKIP LOCKED: another server instance's pass is
 * skipped, never doubled). Changes are appended to `supervision_history` and announced on the `supervision` live
 * channel, so every open dashboard revalidates within one pass of a timer firing (the loop runs every second).
 * The light rows are derived, not decided, so they write no record entry; the alerts a pass raises are recorded
 * (subject 'alert', which maps to no section, so the projector never re-reads its own entries as changes).
 */

/** The live channel every supervision change is announced on (app/services/platform/live-channels.server.ts). */
export const SUPERVISION_CHANNEL = channels.supervision();

/** Record entries read per pass (a longer backlog is read by the next pass, at once). */
const ENTRY_BATCH = 5000;
/** Sections judged per pass. */
const SECTION_BATCH = 2000;

export type ProjectionResult = {
  /** Sections judged. */
  judged: number;
  /** Sections whose light or stage changed (or got their first row). */
  changed: string[];
  /** Alerts newly raised. */
  raised: number;
  /** True when more work is waiting (a full batch was read). */
  more: boolean;
};

/**
 * The alert detectors (alerts.server.ts, ADR 020) for the sections a pass saw record entries about (their data
 * changed), and the cross-section R34 detector when a draw changed. A new alert is stored once (by fingerprint) and
 * written to the record (`supervision.alert_raised`, subject 'alert', by the platform): an alert is a fact a
 * supervisor acts on, so it is as tamper-evident as the commands. Returns how many were raised.
 */
async function raiseAlerts(tx: Tx, sectionIds: readonly string[], drawsChanged: boolean, now: Date): Promise<number> {
  const found: Alert[] = [];
  for (const id of sectionIds) found.push(...(await sectionAlerts(tx, id, now)));
  if (drawsChanged) found.push(...(await expertDeclineAlerts(tx, now)));
  if (found.length === 0) return 0;
  const stored = await storeAlerts(tx, found, now);
  const actor = systemActor();
  for (const a of stored) {
    await appendRecord(tx, {
      at: now,
      actor,
      action: "supervision.alert_raised",
      subjectType: "alert",
      subjectId: a.id,
      payload: { kind: a.kind, rule: a.rule, severity: a.severity, sectionId: a.sectionId, projectId: a.projectId, subjects: a.subjects, evidence: a.evidence, fingerprint: a.fingerprint },
    });
  }
  return stored.length;
}

async function sectionsOfEntries(tx: Tx, entries: readonly { subjectType: string; subjectId: string }[]): Promise<Set<string>> {
  const of = (type: string) => [...new Set(entries.filter((e) => e.subjectType === type).map((e) => e.subjectId))];
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const ids = (type: string) => of(type).filter((id) => uuid.test(id));
  const out = new Set<string>(ids("section"));
  const projectIds = ids("project");
  const bidIds = ids("bid");
  const drawIds = ids("draw");
  const complaintIds = ids("complaint");
  const caseIds = ids("case");
  const [p, b, d, c, k] = await Promise.all([
    projectIds.length ? tx.select({ id: sections.id }).from(sections).where(inArray(sections.projectId, projectIds)) : [],
    bidIds.length ? tx.select({ id: bids.sectionId }).from(bids).where(inArray(bids.id, bidIds)) : [],
    drawIds.length ? tx.select({ id: draws.sectionId }).from(draws).where(inArray(draws.id, drawIds)) : [],
    complaintIds.length
      ? tx
          .select({ id: sections.id })
          .from(complaints)
          .innerJoin(sections, sql`${sections.id} = ${complaints.sectionId} or (${complaints.sectionId} is null and ${sections.projectId} = ${complaints.projectId})`)
          .where(inArray(complaints.id, complaintIds))
      : [],
    caseIds.length
      ? tx
          .select({ id: sections.id })
          .from(cases)
          .innerJoin(sections, sql`${sections.id} = ${cases.sectionId} or (${cases.sectionId} is null and ${sections.projectId} = ${cases.projectId})`)
          .where(inArray(cases.id, caseIds))
      : [],
  ]);
  for (const r of [...p, ...b, ...d, ...c, ...k]) if (r.id) out.add(r.id);
  return out;
}

/** One projector pass (see the module comment). Returns null when another instance holds the cursor. */
export async function projectSupervision(app: Pick<AppContext, "db">): Promise<ProjectionResult | null> {
  return app.db.transaction(async (tx) => {
    await tx.insert(supervisionCursor).values({ id: 1, recordSeq: 0 }).onConflictDoNothing();
    const [cursor] = await tx.select().from(supervisionCursor).where(eq(supervisionCursor.id, 1)).for("update", { skipLocked: true });
    if (!cursor) return null;
    const now = await dbNow(tx);

    const entries = await tx
      .select({ seq: recordEntries.seq, subjectType: recordEntries.subjectType, subjectId: recordEntries.subjectId })
      .from(recordEntries)
      .where(gt(recordEntries.seq, cursor.recordSeq))
      .orderBy(asc(recordEntries.seq))
      .limit(ENTRY_BATCH);
    const lastSeq = entries.length ? entries[entries.length - 1]!.seq : cursor.recordSeq;
    const touched = await sectionsOfEntries(tx, entries);

    const [due, missing] = await Promise.all([
      tx
        .select({ id: supervisionLights.sectionId })
        .from(supervisionLights)
        .where(and(isNotNull(supervisionLights.nextChangeAt), lte(supervisionLights.nextChangeAt, now)))
        .limit(SECTION_BATCH),
      tx
        .select({ id: sections.id })
        .from(sections)
        .where(notExists(tx.select({ one: sql`1` }).from(supervisionLights).where(eq(supervisionLights.sectionId, sections.id))))
        .limit(SECTION_BATCH),
    ]);
    const ids = [...new Set([...touched, ...due.map((r) => r.id), ...missing.map((r) => r.id)])];
    const changed = ids.length ? await judge(tx, ids, now, lastSeq) : [];

    const detectFor = [...touched];
    const raised = await raiseAlerts(tx, detectFor, entries.some((e) => e.subjectType === "draw"), now);
    if (detectFor.length) await refreshCounts(tx, detectFor);

    if (lastSeq !== cursor.recordSeq) await tx.update(supervisionCursor).set({ recordSeq: lastSeq, updatedAt: now }).where(eq(supervisionCursor.id, 1));
    if (changed.length || raised) await emitLiveEvent(tx, { channel: SUPERVISION_CHANNEL, type: "lights", data: { changed: changed.length, sections: changed.slice(0, 50), alerts: raised } });
    return { judged: ids.length, changed, raised, more: entries.length === ENTRY_BATCH || due.length === SECTION_BATCH || missing.length === SECTION_BATCH };
  });
}

/** Judges `ids` at `now`, upserts their rows and history; returns the sections whose light or stage changed. */
async function judge(tx: Tx, ids: string[], now: Date, recordSeq: number): Promise<string[]> {
  const [facts, heads, current, supervisors] = await Promise.all([
    sectionsFacts(tx, ids),
    tx
      .select({ sectionId: sections.id, projectId: projects.id, regime: projects.regime, category: projects.category, region: projects.region })
      .from(sections)
      .innerJoin(projects, eq(projects.id, sections.projectId))
      .where(inArray(sections.id, ids)),
    tx.select().from(supervisionLights).where(inArray(supervisionLights.sectionId, ids)),
    tx
      .select({ id: organisations.id, name: organisations.name, jurisdiction: organisations.jurisdiction, region: organisations.region })
      .from(organisations)
      .where(eq(organisations.kind, "supervisor")),
  ]);
  const before = new Map(current.map((r) => [r.sectionId, r]));
  const rows: (typeof supervisionLights.$inferInsert)[] = [];
  const history: (typeof supervisionHistory.$inferInsert)[] = [];
  const changed: string[] = [];
  const orgs: SupervisorOrg[] = supervisors;
  for (const h of heads) {
    const f = facts.get(h.sectionId);
    if (!f) continue;
    const thresholds = getProfile(h.regime).supervision;
    const instances = sectionLimits(f);
    const lit = sectionLight(instances, now, thresholds);
    const stage: SupervisionStage = sectionStage(f);
    const next = nextChange(instances, now, thresholds);
    const old = before.get(h.sectionId);
    const light: Light = lit.light;
    const moved = !old || old.light !== light || old.stage !== stage;
    if (moved) {
      changed.push(h.sectionId);
      history.push({ sectionId: h.sectionId, at: now, light, stage, fromLight: old?.light ?? null, fromStage: old?.stage ?? null, reasons: lit.reasons });
    }
    rows.push({
      sectionId: h.sectionId,
      projectId: h.projectId,
      regime: h.regime,
      category: h.category,
      region: h.region,
      supervisorOrgId: supervisingOrg(orgs, h.region)?.id ?? null,
      stage,
      light,
      reasons: lit.reasons,
      nextChangeAt: next,
      lightSince: old && old.light === light ? old.lightSince : now,
      openAlerts: old?.openAlerts ?? 0,
      openCases: old?.openCases ?? 0,
      recordSeq,
      updatedAt: now,
    });
  }
  for (let i = 0; i < rows.length; i += 500) {
    await tx
      .insert(supervisionLights)
      .values(rows.slice(i, i + 500))
      .onConflictDoUpdate({
        target: supervisionLights.sectionId,
        set: {
          projectId: sql`excluded.project_id`,
          regime: sql`excluded.regime`,
          category: sql`excluded.category`,
          region: sql`excluded.region`,
          supervisorOrgId: sql`excluded.supervisor_org_id`,
          stage: sql`excluded.stage`,
          light: sql`excluded.light`,
          reasons: sql`excluded.reasons`,
          nextChangeAt: sql`excluded.next_change_at`,
          lightSince: sql`excluded.light_since`,
          recordSeq: sql`excluded.record_seq`,
          updatedAt: sql`excluded.updated_at`,
        },
      });
  }
  for (let i = 0; i < history.length; i += 500) await tx.insert(supervisionHistory).values(history.slice(i, i + 500));
  return changed;
}

/** The open alerts and open cases of `ids`, copied onto their rows (the dashboard sorts and filters on them). */
async function refreshCounts(tx: Tx, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    await tx
      .update(supervisionLights)
      .set({
        openAlerts: sql`(select count(*)::int from ${alerts} where ${alerts.sectionId} = ${supervisionLights.sectionId} and ${alerts.status} = 'open')`,
        openCases: sql`(select count(*)::int from ${cases} where (${cases.sectionId} = ${supervisionLights.sectionId} or (${cases.sectionId} is null and ${cases.projectId} = ${supervisionLights.projectId})) and ${cases.status} in ('open', 'investigating'))`,
      })
      .where(inArray(supervisionLights.sectionId, chunk));
  }
}

/**
 * Runs passes every `intervalMs` (and at once again while a backlog remains) until stopped: one loop per server.
 */
export function startSupervisionProjector(app: Pick<AppContext, "db">, intervalMs = 1000) {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = projectSupervision(app)
      .then((r) => (r?.more ? 0 : intervalMs))
      .catch((e: unknown) => {
        console.error("supervision projector:", e);
        return intervalMs;
      })
      .then((delay) => {
        if (!stopped) timer = setTimeout(tick, delay);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
