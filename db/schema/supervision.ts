import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations, users } from "./accounts";
import { createdAt, id, instant } from "./columns";
import { projects, sections } from "./tenders";

/**
 * Electronic supervision (电子监察, R63–R67; docs/decisions/021-supervision-dashboard.md).
 *
 * `supervision_lights` is a read model: one row per section, rebuilt by the supervision projector
 * (app/services/supervision/projector.server.ts) from the record and the database clock. It holds nothing a command
 * needs — dropping every row and re-running the projector rebuilds it — so the dashboard reads one indexed table
 * instead of computing 10,000 sections' limits per request.
 */
export const supervisionLight = pgEnum("supervision_light", ["green", "yellow", "red"]);

/** A section's lifecycle stage as the dashboard groups it (app/domain/supervision/stage.ts). */
export const supervisionStage = pgEnum("supervision_stage", [
  "draft",
  "tendering",
  "opening",
  "evaluation",
  "publicity",
  "decision",
  "contract",
  "completed",
  "ended",
]);

export const supervisionLights = pgTable(
  "supervision_lights",
  {
    sectionId: uuid()
      .primaryKey()
      .references(() => sections.id, { onDelete: "cascade" }),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** Copied from the project so the dashboard filters one table (the projector refreshes them with the light). */
    regime: text().notNull(),
    category: text().notNull(),
    region: text().notNull(),
    /** The supervising department (行业监督部门): the supervision organisation whose jurisdiction is the most specific prefix of the region. */
    supervisorOrgId: uuid().references(() => organisations.id),
    stage: supervisionStage().notNull(),
    light: supervisionLight().notNull(),
    /** The limit ids (limits.ts) that set the light, and 'violation' codes when a recorded rule violation does. */
    reasons: jsonb().$type<string[]>().notNull().default([]),
    /** When the light next changes by itself (the projector re-judges the section then); null when it never will. */
    nextChangeAt: instant(),
    /** When the light last changed (for "red since"). */
    lightSince: instant().notNull(),
    openAlerts: integer().notNull().default(0),
    openCases: integer().notNull().default(0),
    /** The record sequence number this row was computed after. */
    recordSeq: bigint({ mode: "number" }).notNull().default(0),
    updatedAt: instant().notNull(),
  },
  (t) => [
    index("supervision_lights_light_idx").on(t.light, t.stage),
    index("supervision_lights_next_idx").on(t.nextChangeAt),
    index("supervision_lights_region_idx").on(sql`${t.region} text_pattern_ops`),
    index("supervision_lights_project_idx").on(t.projectId),
  ],
);

/** Every change of a section's light or stage, for the 90-day charts and a section's supervision history. */
export const supervisionHistory = pgTable(
  "supervision_history",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id, { onDelete: "cascade" }),
    at: instant().notNull(),
    light: supervisionLight().notNull(),
    stage: supervisionStage().notNull(),
    /** The light or the stage before (null on the section's first row). */
    fromLight: supervisionLight(),
    fromStage: supervisionStage(),
    reasons: jsonb().$type<string[]>().notNull().default([]),
  },
  (t) => [index("supervision_history_at_idx").on(t.at), index("supervision_history_section_idx").on(t.sectionId, t.at)],
);

/** The projector's position in the record (one row, id 1). */
export const supervisionCursor = pgTable("supervision_cursor", {
  id: integer().primaryKey(),
  recordSeq: bigint({ mode: "number" }).notNull().default(0),
  updatedAt: instant().notNull().defaultNow(),
});

export const alertStatus = pgEnum("alert_status", ["open", "dismissed", "in_case"]);

/**
 * Supervision alerts (docs/decisions/020-supervision-alerts.md): what a detector found, stored once per fingerprint
 * (kind + section + subjects), with the evidence it fired on. A supervisor dismisses it (with a reason) or opens a case.
 */
export const alerts = pgTable(
  "alerts",
  {
    id: id(),
    fingerprint: text().notNull(),
    kind: text().notNull(),
    rule: text().notNull(),
    severity: text().notNull(),
    sectionId: uuid().references(() => sections.id, { onDelete: "cascade" }),
    projectId: uuid().references(() => projects.id, { onDelete: "cascade" }),
    subjects: jsonb().$type<string[]>().notNull().default([]),
    evidence: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    status: alertStatus().notNull().default("open"),
    detectedAt: instant().notNull(),
    dismissedAt: instant(),
    dismissedBy: uuid().references(() => users.id),
    dismissReason: text(),
    caseId: uuid(),
  },
  (t) => [
    uniqueIndex("alerts_fingerprint_uq").on(t.fingerprint),
    index("alerts_section_idx").on(t.sectionId),
    index("alerts_detected_idx").on(t.detectedAt),
    index("alerts_status_idx").on(t.status),
  ],
);

export const caseStatus = pgEnum("case_status", ["open", "investigating", "resolved", "referred"]);

/** 案件: opened on an alert or a tender by a supervisor, owned by one, closed as resolved or referred (R64). */
export const cases = pgTable(
  "cases",
  {
    id: id(),
    /** 案件编号, e.g. AJ-2026-0001 (unique, per calendar year in China time). */
    code: text().notNull(),
    title: text().notNull(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id),
    sectionId: uuid().references(() => sections.id),
    alertId: uuid().references(() => alerts.id),
    supervisorOrgId: uuid()
      .notNull()
      .references(() => organisations.id),
    ownerUserId: uuid()
      .notNull()
      .references(() => users.id),
    status: caseStatus().notNull().default("open"),
    openedAt: instant().notNull(),
    closedAt: instant(),
    /** The resolution or the body referred to, required to close. */
    outcome: text(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("cases_code_uq").on(t.code), index("cases_project_idx").on(t.projectId), index("cases_status_idx").on(t.status)],
);

/** A case's notes, status changes and attachments, in order (each also a record entry). */
export const caseNotes = pgTable(
  "case_notes",
  {
    id: id(),
    caseId: uuid()
      .notNull()
      .references(() => cases.id, { onDelete: "cascade" }),
    authorUserId: uuid()
      .notNull()
      .references(() => users.id),
    at: instant().notNull(),
    /** 'note' | 'status' | 'attachment'. */
    kind: text().notNull(),
    body: text().notNull().default(""),
    /** For a status change: the status it moved to. */
    status: caseStatus(),
    /** An attachment in the blob store (sha256 content address), its name and size. */
    blobKey: text(),
    fileName: text(),
    size: integer(),
  },
  (t) => [index("case_notes_case_idx").on(t.caseId, t.at)],
);

export const complaintStatus = pgEnum("complaint_status", ["filed", "accepted", "refused", "decided", "withdrawn"]);

/**
 * 投诉 (R53): a bidder's complaint to the supervising department after its objection (R52/R11/R18), accepted or
 * refused within 3 working days, decided within 30 working days of acceptance; the department may suspend the section.
 */
export const complaints = pgTable(
  "complaints",
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id),
    sectionId: uuid().references(() => sections.id),
    /** The objection it follows: 'documents' (objections table) or 'results' (result_objections). */
    objectionKind: text().notNull(),
    objectionId: uuid().notNull(),
    complainantOrgId: uuid()
      .notNull()
      .references(() => organisations.id),
    filedBy: uuid()
      .notNull()
      .references(() => users.id),
    supervisorOrgId: uuid().references(() => organisations.id),
    body: text().notNull(),
    status: complaintStatus().notNull().default("filed"),
    filedAt: instant().notNull(),
    acceptDueAt: instant().notNull(),
    acceptedAt: instant(),
    refusedAt: instant(),
    refusalReason: text(),
    decisionDueAt: instant(),
    decidedAt: instant(),
    /** 'upheld' | 'dismissed' | 'partly_upheld'. */
    outcome: text(),
    decision: text(),
    /** The department suspended the section while it decides (R53). */
    suspended: boolean().notNull().default(false),
    handledBy: uuid().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index("complaints_project_idx").on(t.projectId), index("complaints_status_idx").on(t.status), uniqueIndex("complaints_objection_uq").on(t.objectionKind, t.objectionId, t.complainantOrgId)],
);
