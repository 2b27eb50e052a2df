import { sql } from "drizzle-orm";
import { bigint, index, inet, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { Manifest, Recipient } from "#crypto/seal/format";
import type { SealedBox } from "#crypto/opening-key";
import { organisations, users } from "./accounts";
import { createdAt, id, instant } from "./columns";
import { sections } from "./tenders";

export const certificateStatus = pgEnum("certificate_status", ["active", "revoked"]);

/**
 * User certificates (docs/product.md §3.2). Certificates only: the private key stays in the
 * user's PKCS#12 file. Issued by the platform CA (enrolment) or by a trusted external CA
 * (registered with a possession proof — R71).
 */
export const certificates = pgTable(
  "certificates",
  {
    id: id(),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    /** SHA-256 of the DER certificate, hex — the envelope's `kid`. */
    fingerprint: text().notNull(),
    serialHex: text().notNull(),
    issuerCn: text().notNull(),
    subjectCn: text().notNull(),
    subjectO: text().notNull().default(""),
    certPem: text().notNull(),
    /** Public key (SPKI DER, base64) for verifying signatures and wrapping keys. */
    publicKeySpki: text().notNull(),
    source: text().$type<"platform" | "external">().notNull(),
    notBefore: instant().notNull(),
    notAfter: instant().notNull(),
    status: certificateStatus().notNull().default("active"),
    revokedAt: instant(),
    revokedBy: uuid().references(() => users.id),
    revocationReason: text(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("certificates_fingerprint_uq").on(t.fingerprint), index("certificates_user_idx").on(t.userId), index("certificates_org_idx").on(t.orgId)],
);

/** One-time nonces for certificate challenges (possession proofs, later check-in). */
export const certChallenges = pgTable("cert_challenges", {
  nonce: text().primaryKey(),
  userId: uuid()
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  purpose: text().notNull(),
  issuedAt: instant().notNull(),
  expiresAt: instant().notNull(),
  usedAt: instant(),
});

/** A section's opening key: the public half and how the private half was split (never stored whole). */
export const openingKeys = pgTable("opening_keys", {
  sectionId: uuid()
    .primaryKey()
    .references(() => sections.id, { onDelete: "cascade" }),
  kid: text().notNull(),
  publicKeySpki: text().notNull(),
  threshold: integer().notNull(),
  /** Custodian roles in share order: share i belongs to custodians[i]. */
  custodians: jsonb().$type<{ role: string; orgId: string | null; shareIndex: number }[]>().notNull(),
  createdAt: createdAt(),
});

/** A share sealed to one custodian certificate (several certificates of one custodian get copies). */
export const openingKeyShares = pgTable(
  "opening_key_shares",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id, { onDelete: "cascade" }),
    shareIndex: integer().notNull(),
    custodianRole: text().notNull(),
    certificateId: uuid()
      .notNull()
      .references(() => certificates.id),
    box: jsonb().$type<SealedBox>().notNull(),
  },
  (t) => [uniqueIndex("opening_key_shares_uq").on(t.sectionId, t.shareIndex, t.certificateId)],
);

export const uploadStatus = pgEnum("bid_upload_status", ["open", "completed"]);

/** A resumable upload of one sealed bid: the declared layout, then chunks as they arrive. */
export const bidUploads = pgTable(
  "bid_uploads",
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
    certificateId: uuid()
      .notNull()
      .references(() => certificates.id),
    status: uploadStatus().notNull().default("open"),
    chunkSize: integer().notNull(),
    /** Declared files: index, label and plaintext size (the chunk count and sizes follow). */
    files: jsonb().$type<{ index: number; name: string; size: number }[]>().notNull(),
    recipients: jsonb().$type<Recipient[]>().notNull(),
    totalBytes: bigint({ mode: "number" }).notNull(),
    storedBytes: bigint({ mode: "number" }).notNull().default(0),
    ip: inet(),
    userAgent: text(),
    createdAt: createdAt(),
    lastActivityAt: instant().notNull().defaultNow(),
  },
  (t) => [
    index("bid_uploads_section_org_idx").on(t.sectionId, t.orgId),
    uniqueIndex("bid_uploads_one_open_uq").on(t.sectionId, t.userId).where(sql`status = 'open'`),
  ],
);

export const bidUploadChunks = pgTable(
  "bid_upload_chunks",
  {
    uploadId: uuid()
      .notNull()
      .references(() => bidUploads.id, { onDelete: "cascade" }),
    fileIndex: integer().notNull(),
    chunkIndex: integer().notNull(),
    sha256: text().notNull(),
    size: integer().notNull(),
    at: instant().notNull().defaultNow(),
    /**
     * The operating system's boot (Linux `boot_id`) in which the chunk's file was written without fsync; null once
     * it is durable (fsynced, or re-verified after a reboot). Durability is made at completion (ADR 032, issue 15).
     */
    bootId: text(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.fileIndex, t.chunkIndex] }), index("bid_upload_chunks_sha_idx").on(t.sha256)],
);

export const bidStatus = pgEnum("bid_status", ["submitted", "replaced", "withdrawn"]);

/**
 * A sealed bid version (R19–R21). Exists only once every chunk is stored and the signed
 * manifest verifies; at most one `submitted` version per bidder and section.
 */
export const bids = pgTable(
  "bids",
  {
    id: id(),
    sectionId: uuid()
      .notNull()
      .references(() => sections.id, { onDelete: "cascade" }),
    orgId: uuid()
      .notNull()
      .references(() => organisations.id),
    version: integer().notNull(),
    status: bidStatus().notNull().default("submitted"),
    uploadId: uuid()
      .notNull()
      .references(() => bidUploads.id),
    certificateId: uuid()
      .notNull()
      .references(() => certificates.id),
    manifest: jsonb().$type<Manifest>().notNull(),
    manifestSha256: text().notNull(),
    /** The bidder's RSASSA-PKCS1-v1_5 signature over the canonical manifest, base64. */
    signature: text().notNull(),
    totalBytes: bigint({ mode: "number" }).notNull(),
    /** The signed receipt (回执), a JWS. */
    receipt: text().notNull(),
    submittedBy: uuid()
      .notNull()
      .references(() => users.id),
    /** Supervision (issue item 7): where the upload came from and with which certificate. */
    ip: inet(),
    userAgent: text(),
    receivedAt: instant().notNull(),
    /** Set when the tender was amended after this version was sealed (the bidder may need to replace it). */
    sealedBeforeAmendment: integer(),
    closedAt: instant(),
  },
  (t) => [
    uniqueIndex("bids_section_org_version_uq").on(t.sectionId, t.orgId, t.version),
    uniqueIndex("bids_one_submitted_uq").on(t.sectionId, t.orgId).where(sql`status = 'submitted'`),
    index("bids_section_status_idx").on(t.sectionId, t.status),
  ],
);

export type Certificate = typeof certificates.$inferSelect;
export type Bid = typeof bids.$inferSelect;
export type BidUpload = typeof bidUploads.$inferSelect;
