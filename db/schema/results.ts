import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, date, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations, users } from "./accounts";
import { bids } from "./bids";
import { evaluationReports } from "./evaluation";
import { createdAt, fen, id, instant } from "./columns";
import { projects, sections } from "./tenders";

/**
 * Results (定标, R51–R61): what happens to a section after its evaluation report is signed, up to its archive.
 * One `section_results` row per section carries the stage and every timer's due instant (the database clock decides
 * what is due; jobs fire them). Candidates are a snapshot of the signed report's ranking (R47), so a later rollback of
 * the evaluation never changes what was publicised.
 */
export const resultStage = pgEnum("result_stage", [
  /** ZTB: the report is signed; candidate publicity is due (R51). */
  "publicity_due",
  /** ZTB: candidate publicity is running (R51). */
  "publicity",
  /** ZTB: an objection is pending: publicity and every later step wait (R52). */
  "suspended",
  /** The committee re-checks after a sustained objection (条例56): the section went back to evaluation. */
  "recheck",
  /** Waiting for the tendering unit / purchaser to decide the winner (R55; ZFCG R57 with a deemed-choice timer). */
  "decision",
  /** The winner is decided; the award and result notices are due (R56, R54). */
  "decided",
  /** Notices issued; the contract is due within 30 days (R56). */
  "notified",
  /** The contract is recorded (R56, R57). */
  "contracted",
  /** Archived (R59, R61). */
  "archived",
  /** Ended without an award (a sustained objection that ends the section, or every candidate unavailable). */
  "ended",
]);

export type ResultCandidate = {
  rank: number;
  bidId: string;
  orgId: string;
  name: string;
  priceFen: number;
  durationDays: string;
  quality: string;
  projectManager: string;
  /** The total and the group scores as the report prints them (decimal strings), null for lowest-price methods. */
  total: string | null;
  groups: Record<string, string> | null;
};

export type ResultBidder = {
  bidId: string;
  orgId: string;
  name: string;
  priceFen: number;
  valid: boolean;
  /** R44/EV22: the rejection reasons, told to the bidder itself (and to the public where the profile says so). */
  reasons: string[];
  rank: number | null;
  total: string | null;
  groups: Record<string, string> | null;
};

export const sectionResults = pgTable(
  "section_results",
  {
    sectionId: uuid()
      .primaryKey()
      .references(() => sections.id, { onDelete: "cascade" }),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    reportId: uuid()
      .notNull()
      .references(() => evaluationReports.id),
    reportNumber: text().notNull(),
    stage: resultStage().notNull(),
    /** Stage before a suspension, restored when every objection is answered (R52). */
    suspendedFrom: resultStage(),
    suspendedAt: instant(),
    /** R52: time spent suspended so far, added to the publicity's end (the period counts only while it runs). */
    suspendedMs: bigint({ mode: "number" }).notNull().default(0),
    candidates: jsonb().$type<ResultCandidate[]>().notNull(),
    bidders: jsonb().$type<ResultBidder[]>().notNull(),
    reportSignedAt: instant().notNull(),
    /** R51: publicity must start by this instant; R57: the report reaches the purchaser on signing. */
    publicityDueAt: instant(),
    publicityStartedAt: instant(),
    /** R51/TV-D1: the earliest end (24:00 of the last day), extended by the time spent suspended. */
    publicityEndsAt: instant(),
    publicityEndedAt: instant(),
    /** R57/TV-D2: ZFCG: the purchaser decides by this instant, else rank 1 is deemed chosen. */
    decisionDueAt: instant(),
    winnerBidId: uuid().references(() => bids.id),
    winnerOrgId: uuid().references(() => organisations.id),
    winnerRank: integer(),
    /** chosen by the tendering unit / purchaser, or deemed (R57). */
    decisionMode: text(),
    /** R55: why each candidate ranked above the winner did not win (a code of R55's list and a note), with evidence. */
    deviations: jsonb().$type<{ rank: number; reason: string; note: string }[]>().notNull().default([]),
    deviationEvidenceSha256: text(),
    decidedAt: instant(),
    decidedBy: uuid().references(() => users.id),
    /** R54: ZFCG result notice within 2 working days of the decision; ZTB: with the award notice (R56). */
    noticesDueAt: instant(),
    notifiedAt: instant(),
    /** R56: contract within 30 days of the award notice. */
    contractDueAt: instant(),
    contractWarnAt: instant(),
    /** R54: ZFCG notice period (1 working day) end. */
    noticePeriodEndsAt: instant(),
    contractedAt: instant(),
    archivedAt: instant(),
    /** R61: retention end (default 15 years after archiving). */
    retainUntil: date({ mode: "string" }),
    endedReason: text(),
    createdAt: createdAt(),
  },
  (t) => [index("section_results_stage_idx").on(t.stage), index("section_results_project_idx").on(t.projectId)],
);

export const resultObjectionStatus = pgEnum("result_objection_status", ["pending", "answered"]);
/** dismissed: publicity resumes; recheck: the committee re-checks (条例56); end: the section ends without award. */
export const resultObjectionOutcome = pgEnum("result_objection_outcome", ["dismissed", "recheck", "end"]);

/** R52: objections to the evaluation result, filed by bidders during the candidate publicity. */
export const resultObjections = pgTable(
  "result_objections",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id, { onDelete: "cascade" }),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    body: text().notNull(),
    status: resultObjectionStatus().notNull().default("pending"),
    filedAt: instant().notNull(),
    answerDueAt: instant().notNull(),
    answer: text(),
    outcome: resultObjectionOutcome(),
    answeredBy: uuid().references(() => users.id),
    answeredAt: instant(),
  },
  (t) => [index("result_objections_section_idx").on(t.sectionId), uniqueIndex("result_objections_one_pending_per_org_uq").on(t.sectionId, t.orgId).where(sql`status = 'pending'`)],
);

export const resultDocumentKind = pgEnum("result_document_kind", ["publicity", "award_notice", "result_notice", "result_announcement", "contract"]);

/**
 * Every document of the results stage: the publicity and the result announcement (public), the award notice to the
 * winner and a result notice to every other bidder (each to its own recipient only, R54/EV25), and the contract. The
 * bytes are in the blob store under `sha256`.
 */
export const resultDocuments = pgTable(
  "result_documents",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id, { onDelete: "cascade" }),
    kind: resultDocumentKind().notNull(),
    /** The recipient for a notice; null for public documents. */
    orgId: uuid().references(() => organisations.id),
    number: text().notNull(),
    filename: text().notNull(),
    sha256: text().notNull(),
    size: integer().notNull(),
    public: boolean().notNull(),
    issuedAt: instant().notNull(),
    issuedBy: uuid().references(() => users.id),
  },
  (t) => [index("result_documents_section_idx").on(t.sectionId, t.kind), uniqueIndex("result_documents_number_uq").on(t.number), index("result_documents_sha_idx").on(t.sha256)],
);

/** R56/R57: the signed contract, recorded by the tendering unit; ZFCG contracts are published within 2 working days. */
export const contracts = pgTable("contracts", {
  sectionId: uuid()
    .primaryKey()
    .references(() => sections.id, { onDelete: "cascade" }),
  winnerOrgId: uuid()
    .notNull()
    .references(() => organisations.id),
  amountFen: fen().notNull(),
  signedOn: date({ mode: "string" }).notNull(),
  documentId: uuid()
    .notNull()
    .references(() => resultDocuments.id),
  recordedBy: uuid()
    .notNull()
    .references(() => users.id),
  recordedAt: instant().notNull(),
  publishDueAt: instant(),
  publishedAt: instant(),
});

/** R15: bond refunds with their due dates (ZTB: 5 days after the contract; ZFCG: losers 5 working days after the notice). */
export const bondRefunds = pgTable(
  "bond_refunds",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id, { onDelete: "cascade" }),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    amountFen: fen().notNull(),
    dueAt: instant().notNull(),
    refundedAt: instant(),
    refundedBy: uuid().references(() => users.id),
    reference: text(),
  },
  (t) => [uniqueIndex("bond_refunds_section_org_uq").on(t.sectionId, t.orgId), index("bond_refunds_due_idx").on(t.dueAt)],
);

/**
 * Open data (OCDS 1.1.5): every public state change as a release, in the order it was made (`seq` is the feed's
 * cursor). `data` is the release exactly as served; `packageHash` is not kept: packages are built per page.
 */
export const ocdsReleases = pgTable(
  "ocds_releases",
  {
    seq: bigserial({ mode: "number" }).primaryKey(),
    ocid: text().notNull(),
    releaseId: text().notNull(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    date: instant().notNull(),
    tags: text().array().notNull(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
  },
  (t) => [uniqueIndex("ocds_releases_release_id_uq").on(t.releaseId), index("ocds_releases_ocid_idx").on(t.ocid, t.seq)],
);

export type SectionResult = typeof sectionResults.$inferSelect;
export type ResultObjection = typeof resultObjections.$inferSelect;
export type ResultDocument = typeof resultDocuments.$inferSelect;
export type Contract = typeof contracts.$inferSelect;
export type BondRefund = typeof bondRefunds.$inferSelect;
export type OcdsRelease = typeof ocdsReleases.$inferSelect;
