import { sql } from "drizzle-orm";
import { boolean, check, index, inet, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations, users } from "./accounts";
import { bids, certificates } from "./bids";
import { createdAt, id, instant } from "./columns";
import { drawPicks, experts } from "./experts";
import { roomBookings } from "./rooms";
import { sections } from "./tenders";

/**
 * The evaluation of one section (评标, docs/product.md §3.5; docs/decisions/015-evaluation.md). Stages, in order:
 * waiting (before the evaluation start) → entry (members check in and declare, R41) → leader (election, EV3)
 * → review (compliance, EV12) → scoring → summary (aggregation, flags, R48 changes) → signing (the report,
 * R49–R50) → signed; `failed` when too few bids remain (R45). A pause (87号令65) is a flag, not a stage.
 */
export const evaluationStage = pgEnum("evaluation_stage", ["waiting", "entry", "leader", "review", "scoring", "summary", "signing", "signed", "failed"]);

export const evaluations = pgTable("evaluations", {
  sectionId: uuid()
    .primaryKey()
    .references(() => sections.id),
  stage: evaluationStage().notNull().default("waiting"),
  stageChangedAt: instant().notNull(),
  bookingId: uuid().references(() => roomBookings.id),
  startsAt: instant().notNull(),
  /** The method configuration as frozen at publication (copied so the room never reads a later edit). */
  config: jsonb().notNull(),
  leaderMemberId: uuid(),
  electionRound: integer().notNull().default(1),
  /** Candidates still eligible in the current round (after a tie), member ids; empty = every member. */
  electionEligible: jsonb().$type<string[]>().notNull().default([]),
  pausedAt: instant(),
  pauseReason: text(),
  /** R45/EV10: the committee's reasoning when fewer than the minimum valid bids remain (ZTB). */
  tooFewReasoning: text(),
  /** The engine's output at the summary, as recomputed from the stored inputs (EV19). */
  result: jsonb(),
  failure: jsonb(),
  createdAt: createdAt(),
});

export const memberStatus = pgEnum("committee_member_status", ["expected", "seated", "recused", "removed"]);

/**
 * Committee members (R32): drawn experts (a confirmed draw pick) and, where the profile allows, the tendering
 * unit's representative. `seat` is the member's stable pseudonym (M1…M9) in the appendix. A recused or removed
 * member's work is void (R37, EV15): its rows stay, marked by `voidedAt`, and are never aggregated.
 */
export const committeeMembers = pgTable(
  "committee_members",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    kind: text().$type<"expert" | "representative">().notNull(),
    expertId: uuid().references(() => experts.id),
    drawPickId: uuid().references(() => drawPicks.id),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    seat: integer().notNull(),
    status: memberStatus().notNull().default("expected"),
    /** The signed declaration of no conflict (R41): certificate, signature over the declaration text, time. */
    declaredAt: instant(),
    declarationCertificateId: uuid().references(() => certificates.id),
    declaration: jsonb().$type<{ text: string; signature: string; bidders: string[] }>(),
    recusalReason: text(),
    voidedAt: instant(),
    voidReason: text(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("committee_members_section_seat_uq").on(t.sectionId, t.seat),
    uniqueIndex("committee_members_section_user_live_uq").on(t.sectionId, t.userId).where(sql`voided_at is null`),
    index("committee_members_user_idx").on(t.userId),
  ],
);

/** Entries and exits of the review room (R42: monitored). */
export const roomPresence = pgTable(
  "room_presence",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    memberId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    enteredAt: instant().notNull(),
    leftAt: instant(),
    ip: inet(),
    certificateId: uuid().references(() => certificates.id),
  },
  (t) => [index("room_presence_section_idx").on(t.sectionId, t.memberId)],
);

/** Leader election ballots (EV16): one per member per round; every ballot is also in the record. */
export const leaderBallots = pgTable(
  "leader_ballots",
  {
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    round: integer().notNull(),
    voterId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    candidateId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    at: instant().notNull(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.round, t.voterId] })],
);

/** A member's pass/fail mark on one review item for one bid (EV12); a fail needs a reason and a ground. */
export const reviewMarks = pgTable(
  "review_marks",
  {
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    memberId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    bidId: uuid()
      .notNull()
      .references(() => bids.id),
    itemId: text().notNull(),
    passed: boolean().notNull(),
    ground: text(),
    reason: text().notNull().default(""),
    updatedAt: instant().notNull(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.memberId, t.bidId, t.itemId] }), check("review_marks_fail_reason_ck", sql`${t.passed} or length(${t.reason}) > 0`)],
);

/** A member marks a stage done (review, scoring): its sheet is locked until it reopens (before close) or a rollback. */
export const memberStageDone = pgTable(
  "member_stage_done",
  {
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    memberId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    stage: text().$type<"review" | "scoring">().notNull(),
    doneAt: instant().notNull(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.memberId, t.stage] })],
);

/** The committee's conclusion per bid after review (by majority per item, EV12), with the rejection ground (R44). */
export const reviewConclusions = pgTable(
  "review_conclusions",
  {
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    bidId: uuid()
      .notNull()
      .references(() => bids.id),
    passed: boolean().notNull(),
    items: jsonb().$type<{ itemId: string; passed: boolean; votes: { pass: number; fail: number } }[]>().notNull(),
    ground: text(),
    reasons: jsonb().$type<string[]>().notNull().default([]),
    decidedAt: instant().notNull(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.bidId] })],
);

export const clarificationStatus = pgEnum("clarification_status", ["open", "answered", "expired", "withdrawn"]);

/**
 * Clarifications (澄清, R43, EV13): the committee (its leader) asks one bidder in writing with a deadline; the
 * bidder answers in its account, signed with its certificate. A correction (TV-C1…C7) binds only when confirmed.
 */
export const clarifications = pgTable(
  "clarifications",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    bidId: uuid()
      .notNull()
      .references(() => bids.id),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    kind: text().$type<"question" | "correction" | "abnormally_low">().notNull(),
    question: text().notNull(),
    /** kind = correction: the proposed corrected price and the rules applied (app/domain/evaluation/corrections.ts). */
    correction: jsonb().$type<{ price: string; steps: unknown[] }>(),
    requestedBy: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    requestedAt: instant().notNull(),
    dueAt: instant().notNull(),
    status: clarificationStatus().notNull().default("open"),
    answer: text(),
    /** For a correction: the bidder accepts (binding) or refuses (the bid is invalid, 87号令59). */
    accepted: boolean(),
    answeredBy: uuid().references(() => users.id),
    answeredAt: instant(),
    answerCertificateId: uuid().references(() => certificates.id),
    answerSignature: text(),
  },
  (t) => [index("clarifications_section_idx").on(t.sectionId), index("clarifications_org_idx").on(t.orgId, t.status)],
);

/** One member's score for one item of one bid (autosaved as typed). `rev` counts saves (the client sends the rev it saw). */
export const scores = pgTable(
  "scores",
  {
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    memberId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    bidId: uuid()
      .notNull()
      .references(() => bids.id),
    itemId: text().notNull(),
    /** A decimal string within the item's bounds (app/domain/evaluation). */
    score: text().notNull(),
    note: text().notNull().default(""),
    rev: integer().notNull().default(1),
    updatedAt: instant().notNull(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.memberId, t.bidId, t.itemId] })],
);

/** A flagged score's written justification (EV18), printed in the report annex. */
export const flagJustifications = pgTable(
  "flag_justifications",
  {
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    memberId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    bidId: uuid()
      .notNull()
      .references(() => bids.id),
    itemId: text().notNull(),
    text: text().notNull(),
    at: instant().notNull(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.memberId, t.bidId, t.itemId] })],
);

/** R48: score changes after submission, only for the listed reasons, each recorded. */
export const scoreChanges = pgTable(
  "score_changes",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    memberId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    bidId: uuid()
      .notNull()
      .references(() => bids.id),
    itemId: text().notNull(),
    fromScore: text().notNull(),
    toScore: text().notNull(),
    reason: text().$type<"sum_error" | "out_of_range" | "objective_inconsistent" | "extreme_score">().notNull(),
    note: text().notNull(),
    at: instant().notNull(),
  },
  (t) => [index("score_changes_section_idx").on(t.sectionId)],
);

export const reportStatus = pgEnum("evaluation_report_status", ["signing", "signed", "voided"]);

/**
 * The evaluation report (评标报告, R49): a number and a version; the appendix (machine-readable, docs/
 * evaluation-appendix.md) and the PDF in the blob store. Each member's signature is an incremental update of
 * the PDF (docs/report-signatures.md); `pdfSha256` is the latest revision.
 */
export const evaluationReports = pgTable(
  "evaluation_reports",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    version: integer().notNull(),
    number: text().notNull(),
    status: reportStatus().notNull().default("signing"),
    appendix: jsonb().notNull(),
    appendixSha256: text().notNull(),
    basePdfSha256: text().notNull(),
    pdfSha256: text().notNull(),
    /**
     * R50: the draft the members read before recording agreement or dissent (no member signs it); the version
     * members sign is rendered with every dissent printed when `finalizedAt` is set (docs/decisions/015-evaluation.md).
     */
    draftPdfSha256: text(),
    finalizedAt: instant(),
    createdAt: createdAt(),
    signedAt: instant(),
    voidedAt: instant(),
    voidReason: text(),
  },
  (t) => [uniqueIndex("evaluation_reports_section_version_uq").on(t.sectionId, t.version), uniqueIndex("evaluation_reports_one_live_uq").on(t.sectionId).where(sql`status <> 'voided'`)],
);

/** A member's signature on one report version (R50); a dissent is printed in the report. */
export const reportSignatures = pgTable(
  "report_signatures",
  {
    reportId: uuid()
      .notNull()
      .references(() => evaluationReports.id),
    memberId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    certificateId: uuid()
      .notNull()
      .references(() => certificates.id),
    dissent: text(),
    signedAt: instant().notNull(),
    /** The PDF revision this signature produced. */
    pdfSha256: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.reportId, t.memberId] })],
);

/**
 * R50: each member's position on one report version, recorded before the version to sign is rendered: agreement,
 * a dissent with its reasons (printed in the report), or deemed consent (no position by the deadline, 条例53 /
 * 87号令61). A rollback voids the version and with it these positions.
 */
export const reportPositions = pgTable(
  "evaluation_report_positions",
  {
    reportId: uuid()
      .notNull()
      .references(() => evaluationReports.id),
    memberId: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    position: text().$type<"agree" | "dissent" | "deemed">().notNull(),
    dissent: text(),
    at: instant().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.reportId, t.memberId] }),
    check("evaluation_report_positions_position_ck", sql`${t.position} in ('agree', 'dissent', 'deemed')`),
    check("evaluation_report_positions_dissent_ck", sql`(${t.position} = 'dissent') = (${t.dissent} is not null and length(${t.dissent}) > 0)`),
  ],
);

/** 回退 (EV20): a member asks to return to a stage; a supervisor or the agency approves; nothing is deleted. */
export const rollbacks = pgTable(
  "evaluation_rollbacks",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    toStage: evaluationStage().notNull(),
    reason: text().notNull(),
    requestedBy: uuid()
      .notNull()
      .references(() => committeeMembers.id),
    requestedAt: instant().notNull(),
    decision: text().$type<"approved" | "refused">(),
    decidedBy: uuid().references(() => users.id),
    decidedAt: instant(),
    decisionNote: text(),
  },
  (t) => [index("evaluation_rollbacks_section_idx").on(t.sectionId)],
);

export type Evaluation = typeof evaluations.$inferSelect;
export type CommitteeMember = typeof committeeMembers.$inferSelect;
export type EvaluationReport = typeof evaluationReports.$inferSelect;
export type ReportPosition = typeof reportPositions.$inferSelect;
