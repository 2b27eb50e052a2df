import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json";

/** SHA-256 of the genesis "previous hash". */
export const GENESIS_HASH = "0".repeat(64);

/** The fields of a record entry that the chain hash covers (R60: who, when, from where, what). */
export type RecordEntryFields = {
  seq: number;
  /** Database time, ISO 8601 with milliseconds, UTC (e.g. 2026-11-23T01:02:03.456Z). */
  at: string;
  actorUserId: string | null;
  orgId: string | null;
  ip: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  payloadHash: string;
  prevHash: string;
};

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Payload hash: SHA-256 over the canonical JSON of the payload. */
export function hashPayload(payload: unknown): string {
  return sha256Hex(canonicalJson(payload));
}

/** Entry hash: SHA-256 over the canonical JSON of every covered field, `prevHash` included. */
export function hashEntry(fields: RecordEntryFields): string {
  return sha256Hex(canonicalJson({ v: 1, ...fields }));
}

export type ChainEntry = RecordEntryFields & { payload: unknown; hash: string };

export type ChainBreak = {
  seq: number;
  reason: "seq_gap" | "prev_hash_mismatch" | "payload_hash_mismatch" | "hash_mismatch";
};

/**
 * Verifies a run of entries in sequence order, starting after `prev` (the genesis by
 * default). Returns the first break, or null. Pure: the caller streams the entries in.
 */
export function verifyChainSegment(
  entries: Iterable<ChainEntry>,
  prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): { ok: true; last: { seq: number; hash: string } } | { ok: false; break: ChainBreak } {
  let last = prev;
  for (const e of entries) {
    if (e.seq !== last.seq + 1) return { ok: false, break: { seq: e.seq, reason: "seq_gap" } };
    if (e.prevHash !== last.hash) return { ok: false, break: { seq: e.seq, reason: "prev_hash_mismatch" } };
    if (hashPayload(e.payload) !== e.payloadHash) return { ok: false, break: { seq: e.seq, reason: "payload_hash_mismatch" } };
    const { payload: _payload, hash, ...fields } = e;
    if (hashEntry(fields) !== hash) return { ok: false, break: { seq: e.seq, reason: "hash_mismatch" } };
    last = { seq: e.seq, hash };
  }
  return { ok: true, last };
}
