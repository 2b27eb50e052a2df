import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { instant } from "./columns";

/**
 * The unified record (交易档案, R60): append-only and hash-linked. A trigger (migration
 * 0001) refuses UPDATE and DELETE. `hash` = SHA-256 over the canonical entry including
 * `prevHash` (crypto/record-hash.ts).
 */
export const recordEntries = pgTable(
  "record_entries",
  {
    seq: bigint({ mode: "number" }).primaryKey(),
    at: instant().notNull(),
    actorUserId: uuid(),
    orgId: uuid(),
    /** The client address exactly as hashed (text, so no inet normalisation can alter it). */
    ip: text(),
    action: text().notNull(),
    subjectType: text().notNull(),
    subjectId: text().notNull(),
    payload: jsonb().notNull(),
    payloadHash: text().notNull(),
    prevHash: text().notNull(),
    hash: text().notNull(),
    /**
     * Digest of the rows the entry's command wrote (docs/record-format.md §1.7): SHA-256 over the canonical list of
     * `record_writes` claimed by this entry. Null only for entries written before migration 0015 (entry format v1).
     */
    stateHash: text(),
  },
  (t) => [index("record_entries_subject_idx").on(t.subjectType, t.subjectId)],
);

/**
 * What each command wrote to a state-bound table (docs/decisions/028-state-bound-to-record.md): one row per
 * (transaction, table, primary key), filled by statement triggers (migration 0015) with the SHA-256 of the row's
 * `to_jsonb` text (null = deleted), and claimed by the record entry appended in the same transaction (`seq`).
 * A write outside any command stays unclaimed, and `verify-record --state` reports the row.
 */
export const recordWrites = pgTable(
  "record_writes",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    /** pg_current_xact_id() of the writing transaction (xid8 as text: never wraps). */
    xid: text().notNull(),
    seq: bigint({ mode: "number" }),
    tableName: text().notNull(),
    /** The primary key as PostgreSQL's jsonb text of the array of key values, e.g. `["0b5e…"]`. */
    rowKey: text().notNull(),
    rowHash: text(),
  },
  (t) => [
    index("record_writes_seq_idx").on(t.seq),
    index("record_writes_row_idx").on(t.tableName, t.rowKey, t.seq),
    uniqueIndex("record_writes_pending_uq").on(t.xid, t.tableName, t.rowKey).where(sql`${t.seq} is null`),
  ],
);

/** One row (id = 1): the chain head, locked FOR UPDATE by every command so the chain never forks. */
export const recordHead = pgTable("record_head", {
  id: integer().primaryKey(),
  seq: bigint({ mode: "number" }).notNull(),
  hash: text().notNull(),
});

/**
 * Checkpoints of the record's transparency log (docs/record-format.md §4): signed tree heads over entries
 * 1…size, issued by the checkpointer (app/services/transparency/). Append-only like the record (migration 0014).
 */
export const recordCheckpoints = pgTable("record_checkpoints", {
  size: bigint({ mode: "number" }).primaryKey(),
  rootHash: text().notNull(),
  issuedAt: instant().notNull(),
  /** The exact signed body, its base64 signature and the signer's chain (base64 DER): what /verify/record serves. */
  body: text().notNull(),
  signature: text().notNull(),
  x5c: jsonb().$type<string[]>().notNull(),
});

/** Live-event outbox: written in the command's transaction; the hub fans it out after commit. */
export const liveEvents = pgTable(
  "live_events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    channel: text().notNull(),
    seq: integer().notNull(),
    type: text().notNull(),
    data: jsonb().notNull(),
    at: instant().notNull().defaultNow(),
  },
  (t) => [uniqueIndex("live_events_channel_seq_uq").on(t.channel, t.seq)],
);

export type RecordEntry = typeof recordEntries.$inferSelect;
export type RecordCheckpoint = typeof recordCheckpoints.$inferSelect;
