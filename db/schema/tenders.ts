import { boolean, date, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations, users } from "./accounts";
import { createdAt, fen, id, instant } from "./columns";
import type { LegacyEvaluationSpec, MethodConfig } from "#app/domain/evaluation/method";

export const regime = pgEnum("regime", ["ZTB", "ZFCG"]);
export const procurementCategory = pgEnum("procurement_category", [
  "construction",
  "goods",
  "services",
  "survey_design",
]);

/** The announcement's lifecycle (docs/product.md §2); the bid lifecycle continues per section. */
export const projectStatus = pgEnum("project_status", ["draft", "published", "suspended", "terminated"]);

/** One 标段/包: the unit that is bid on and evaluated. */
export const sectionStatus = pgEnum("section_status", [
  "draft",
  "published",
  "bidding_closed",
  "opening",
  "opened",
  "failed",
  "evaluating",
  "evaluated",
  "publicity",
  "awarded",
  "contracted",
  "archived",
  "terminated",
]);

/** Rule profiles are data (docs/rules.md; docs/product.md §2). A tender records the version it was published under. */
export const ruleProfiles = pgTable(
  "rule_profiles",
  {
    id: id(),
    code: regime().notNull(),
    version: text().notNull(),
    data: jsonb().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("rule_profiles_code_version_uq").on(t.code, t.version)],
);

/** Holiday calendar for working-day counting (R2). `workday` marks a weekend made a working day (调休). */
export const holidayKind = pgEnum("holiday_kind", ["holiday", "workday"]);
export const holidays = pgTable("holidays", {
  day: date({ mode: "string" }).primaryKey(),
  kind: holidayKind().notNull(),
  name: text().notNull().default(""),
});

export const projects = pgTable(
  "projects",
  {
    id: id(),
    /** 项目编号, unique on the platform. */
    code: text().notNull(),
    title: text().notNull(),
    regime: regime().notNull(),
    mustTender: boolean().notNull().default(true),
    /** R55: state-owned or state-controlled funding (国有资金占控股或者主导地位): rank 1 must win. */
    stateFunded: boolean().notNull().default(true),
    category: procurementCategory().notNull(),
    region: text().notNull(),
    description: text().notNull().default(""),
    fundingSource: text().notNull().default(""),
    location: text().notNull().default(""),
    tenderingUnitId: uuid()
      .notNull()
      .references(() => organisations.id),
    agencyId: uuid().references(() => organisations.id),
    /** Estimate (ZTB) or budget (ZFCG), in fen. */
    estimateFen: fen().notNull(),
    status: projectStatus().notNull().default("draft"),
    /** Statutory notice fields (R5) beyond the columns above: contact, how to obtain documents, … */
    notice: jsonb().$type<Record<string, string>>().notNull().default({}),
    documentsFrom: instant().notNull(),
    documentsUntil: instant().notNull(),
    questionDeadline: instant().notNull(),
    /** Bid deadline = opening time (R24). Moves forward when an amendment demands it (R10). */
    bidDeadline: instant().notNull(),
    decryptionWindowMinutes: integer().notNull().default(60),
    evaluationStart: instant(),
    reviewRoom: text().notNull().default(""),
    profileCode: regime().notNull(),
    profileVersion: text(),
    publishedAt: instant(),
    /** Status before a suspension (R11), restored when every objection is answered. */
    suspendedFrom: projectStatus(),
    /** Lower-cased concatenation of the searchable fields (title, code, region, units) for substring search. */
    searchText: text().notNull().default(""),
    createdBy: uuid()
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("projects_code_uq").on(t.code),
    index("projects_status_deadline_idx").on(t.status, t.bidDeadline),
    index("projects_tendering_unit_idx").on(t.tenderingUnitId),
    index("projects_agency_idx").on(t.agencyId),
    index("projects_published_at_idx").on(t.publishedAt),
  ],
);

/**
 * A section's evaluation method: a MethodConfig (app/domain/evaluation/method.ts) since the method form, or the
 * earlier form's simple spec in drafts saved before it. Read it through `sectionMethod` (section-method.ts).
 */
export type StoredEvaluation = MethodConfig | LegacyEvaluationSpec;

export type KeyModel = {
  /** bidder: only the bidder's key opens the bid; with_fallback: k of n custodians may open failed bids. */
  model: "bidder" | "bidder_with_custodian_fallback";
  threshold: number;
  custodians: ("tendering_unit" | "agency" | "supervisor")[];
};

export const sections = pgTable(
  "sections",
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    seq: integer().notNull(),
    code: text().notNull(),
    title: text().notNull(),
    status: sectionStatus().notNull().default("draft"),
    /** Ceiling price (最高限价), disclosed when set (R8). No floor price exists (R8). */
    ceilingPriceFen: fen(),
    bondFen: fen().notNull().default(0),
    evaluation: jsonb().$type<StoredEvaluation>().notNull(),
    keyModel: jsonb().$type<KeyModel>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("sections_project_seq_uq").on(t.projectId, t.seq), uniqueIndex("sections_project_code_uq").on(t.projectId, t.code)],
);

/** Versioned tender documents. Bytes live in the blob store under their SHA-256. */
export const tenderDocuments = pgTable(
  "tender_documents",
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    version: integer().notNull(),
    filename: text().notNull(),
    contentType: text().notNull(),
    size: integer().notNull(),
    sha256: text().notNull(),
    uploadedBy: uuid()
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tender_documents_project_version_name_uq").on(t.projectId, t.version, t.filename), index("tender_documents_sha_idx").on(t.sha256)],
);

/** Who obtained the tender documents: confidential (R9). One row per organisation; each download is also recorded. */
export const documentDownloads = pgTable(
  "document_downloads",
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    firstAt: instant().notNull().defaultNow(),
    lastAt: instant().notNull().defaultNow(),
    lastVersion: integer().notNull(),
    count: integer().notNull().default(1),
  },
  (t) => [uniqueIndex("document_downloads_project_org_uq").on(t.projectId, t.orgId)],
);

export const questions = pgTable(
  "questions",
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** The asker is never shown publicly (docs/product.md §3.1). */
    askedByOrgId: uuid()
      .notNull()
      .references(() => organisations.id),
    askedByUserId: uuid()
      .notNull()
      .references(() => users.id),
    body: text().notNull(),
    askedAt: instant().notNull().defaultNow(),
    answer: text(),
    answeredBy: uuid().references(() => users.id),
    answeredAt: instant(),
  },
  (t) => [index("questions_project_idx").on(t.projectId)],
);

export const amendments = pgTable(
  "amendments",
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    seq: integer().notNull(),
    title: text().notNull(),
    body: text().notNull(),
    affectsBidPreparation: boolean().notNull(),
    documentVersion: integer(),
    previousDeadline: instant().notNull(),
    newDeadline: instant().notNull(),
    /** True when R10 moved the deadline. */
    extended: boolean().notNull(),
    issuedBy: uuid()
      .notNull()
      .references(() => users.id),
    issuedAt: instant().notNull().defaultNow(),
  },
  (t) => [uniqueIndex("amendments_project_seq_uq").on(t.projectId, t.seq)],
);

export const objectionStatus = pgEnum("objection_status", ["pending", "answered"]);

/** Objections to the tender documents (R11 ZTB 异议 / R12 ZFCG 质疑). A pending one suspends the tender. */
export const objections = pgTable(
  "objections",
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    body: text().notNull(),
    status: objectionStatus().notNull().default("pending"),
    filedAt: instant().notNull().defaultNow(),
    answerDueAt: instant().notNull(),
    answer: text(),
    answeredBy: uuid().references(() => users.id),
    answeredAt: instant(),
  },
  (t) => [index("objections_project_idx").on(t.projectId)],
);

/** The in-app inbox. Other channels (SMS, voice) come behind an interface later. */
export const notifications = pgTable(
  "notifications",
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** i18n key and parameters: notifications are translated when shown. */
    kind: text().notNull(),
    params: jsonb().$type<Record<string, string | number>>().notNull().default({}),
    link: text(),
    createdAt: createdAt(),
    readAt: instant(),
  },
  (t) => [index("notifications_user_created_idx").on(t.userId, t.createdAt)],
);

export type Project = typeof projects.$inferSelect;
export type Section = typeof sections.$inferSelect;
export type TenderDocument = typeof tenderDocuments.$inferSelect;
