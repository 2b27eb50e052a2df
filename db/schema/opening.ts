import { sql } from "drizzle-orm";
import { check, index, inet, integer, jsonb, pgEnum, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import type { ReadingRow, SealedBidForm } from "#app/domain/rules/opening";
import type { RuleViolation } from "#app/domain/rules/violations";
import { organisations, users } from "./accounts";
import { bids, certificates } from "./bids";
import { createdAt, id, instant } from "./columns";
import { sections } from "./tenders";

/** The opening hall's phase (app/domain/rules/opening.ts). */
export const openingPhase = pgEnum("opening_phase", ["decryption", "fallback", "resolution", "reading", "closed", "failed"]);

/**
 * One online opening (不见面开标) per section, created when the hall opens at the bid
 * deadline (R24). `reading` holds the 唱标 exactly as it was broadcast (R28).
 */
export const openings = pgTable("openings", {
  sectionId: uuid()
    .primaryKey()
    .references(() => sections.id),
  phase: openingPhase().notNull(),
  openedAt: instant().notNull(),
  decryptionEndsAt: instant().notNull(),
  phaseChangedAt: instant().notNull(),
  /** Bids that existed when the hall opened (R25 was checked against this). */
  bidCount: integer().notNull(),
  failure: jsonb().$type<RuleViolation[]>(),
  reading: jsonb().$type<ReadingRow[]>(),
  readAt: instant(),
  closedAt: instant(),
  /** The signed opening record (开标记录表), in the blob store. */
  recordSha256: text(),
  /** The signed failure notice (流标公告, R25/R27), in the blob store, when the section failed. */
  failureNoticeSha256: text(),
});

export const bidOpeningState = pgEnum("bid_opening_state", ["pending", "decrypted", "revoked", "withdrawn"]);

/** Where each bid stands in the opening (R26/R27); created for every submitted bid when the hall opens. */
export const bidOpenings = pgTable(
  "bid_openings",
  {
    bidId: uuid()
      .primaryKey()
      .references(() => bids.id),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    state: bidOpeningState().notNull().default("pending"),
    /** Who opened it: the bidder's released key, or the custodians' reconstructed opening key. */
    openedBy: text().$type<"bidder" | "custodians">(),
    openedAt: instant(),
    /** The plaintext files in the blob store, each verified against the signed manifest. */
    files: jsonb().$type<{ index: number; name: string; size: number; sha256: string }[]>(),
    form: jsonb().$type<SealedBidForm>(),
    /**
     * The bid's content key, sealed to the platform's data key after the opening verified every chunk
     * (docs/decisions/031): the plaintext is decrypted when it is read (review room, archive), not stored.
     * Null for bids opened before that change (their plaintext blobs are in the store) and for bids not opened.
     */
    contentKey: jsonb().$type<{ v: 1; alg: "A256GCM"; kid: string; iv: string; ciphertext: string }>(),
    /** Last refused attempt (wrong key, tampered chunk …), shown in the hall. */
    lastError: text(),
    /** R27: who decided, the cause and the reason. */
    failureCause: text().$type<"bidder_fault" | "other">(),
    decidedBy: uuid().references(() => users.id),
    decidedReason: text(),
    decidedAt: instant(),
  },
  (t) => [index("bid_openings_section_idx").on(t.sectionId), check("bid_openings_decision_ck", sql`(state in ('revoked','withdrawn')) = (decided_by is not null)`)],
);

/** Check-in (签到) with a certificate-signed challenge (R24). */
export const openingCheckins = pgTable(
  "opening_checkins",
  {
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    certificateId: uuid()
      .notNull()
      .references(() => certificates.id),
    at: instant().notNull(),
    ip: inet(),
    userAgent: text(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.orgId] })],
);

/** A custodian's release of its share (the share itself is held in server memory only, never stored). */
export const openingShareReleases = pgTable(
  "opening_share_releases",
  {
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    shareIndex: integer().notNull(),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    certificateId: uuid()
      .notNull()
      .references(() => certificates.id),
    at: instant().notNull(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.shareIndex] })],
);

/** R30: objections raised in the hall and their answers. */
export const openingObjections = pgTable(
  "opening_objections",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    text: text().notNull(),
    raisedAt: createdAt(),
    answer: text(),
    answeredBy: uuid().references(() => users.id),
    answeredAt: instant(),
  },
  (t) => [index("opening_objections_section_idx").on(t.sectionId)],
);

/** R29: bidders confirm the opening record (absent bidders are listed as not confirmed). */
export const openingConfirmations = pgTable(
  "opening_confirmations",
  {
    sectionId: uuid()
      .notNull()
      .references(() => sections.id),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    at: instant().notNull(),
  },
  (t) => [primaryKey({ columns: [t.sectionId, t.orgId] })],
);

export type Opening = typeof openings.$inferSelect;
export type BidOpening = typeof bidOpenings.$inferSelect;
