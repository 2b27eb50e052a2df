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
  },
  (t) => [index("record_entries_subject_idx").on(t.subjectType, t.subjectId)],
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
