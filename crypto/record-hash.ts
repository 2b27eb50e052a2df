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
  /**
   * Entry format v2 (docs/record-format.md §1.7): the digest of the rows the command wrote (`hashState`). Absent or
   * null: a v1 entry, written before state binding, hashed without it.
   */
  stateHash?: string | null;
};

/** One row a command wrote to a state-bound table: its table, primary key (jsonb text) and row digest (null = deleted). */
export type StateWrite = { table: string; key: string; hash: string | null };

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Payload hash: SHA-256 over the canonical JSON of the payload. */
export function hashPayload(payload: unknown): string {
  return sha256Hex(canonicalJson(payload));
}

/**
 * State hash: SHA-256 over the canonical JSON of the writes as `[table, key, hash]` triples, sorted by table and then
 * key in UTF-16 code-unit order (the order canonical JSON sorts member names in). No writes: the hash of `[]`.
 */
export function hashState(writes: readonly StateWrite[]): string {
  const sorted = [...writes].sort((a, b) => cmp(a.table, b.table) || cmp(a.key, b.key));
  return sha256Hex(canonicalJson(sorted.map((w) => [w.table, w.key, w.hash])));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Entry hash: SHA-256 over the canonical JSON of every covered field, `prevHash` included, with the format version
 * `v`: 2 when the entry carries a `stateHash`, else 1 (and no `stateHash` member at all).
 */
export function hashEntry(fields: RecordEntryFields): string {
  return sha256Hex(entryCanonical(fields));
}

/** The exact bytes `hashEntry` hashes (docs/record-format.md §2). */
export function entryCanonical(fields: RecordEntryFields): string {
  const { stateHash, ...v1 } = fields;
  return stateHash == null ? canonicalJson({ v: 1, ...v1 }) : canonicalJson({ v: 2, ...v1, stateHash });
}

export type ChainEntry = RecordEntryFields & { payload: unknown; hash: string };

export type ChainBreak = {
  seq: number;
  /** `state_hash_missing`: a v1 entry after a v2 one (state binding never stops once it started). */
  reason: "seq_gap" | "prev_hash_mismatch" | "payload_hash_mismatch" | "hash_mismatch" | "state_hash_missing";
};

/**
 * Verifies a run of entries in sequence order, starting after `prev` (the genesis by default; `v2` when an entry
 * before the run already carried a stateHash). Returns the first break, or null. Pure: the caller streams the
 * entries in.
 */
export function verifyChainSegment(
  entries: Iterable<ChainEntry>,
  prev: ChainPosition = { seq: 0, hash: GENESIS_HASH },
): { ok: true; last: ChainPosition } | { ok: false; break: ChainBreak } {
  let last = prev;
  for (const e of entries) {
    if (e.seq !== last.seq + 1) return { ok: false, break: { seq: e.seq, reason: "seq_gap" } };
    if (e.prevHash !== last.hash) return { ok: false, break: { seq: e.seq, reason: "prev_hash_mismatch" } };
    if (hashPayload(e.payload) !== e.payloadHash) return { ok: false, break: { seq: e.seq, reason: "payload_hash_mismatch" } };
    const { payload: _payload, hash, ...fields } = e;
    if (hashEntry(fields) !== hash) return { ok: false, break: { seq: e.seq, reason: "hash_mismatch" } };
    const v2 = e.stateHash != null;
    if (last.v2 && !v2) return { ok: false, break: { seq: e.seq, reason: "state_hash_missing" } };
    last = { seq: e.seq, hash, v2 };
  }
  return { ok: true, last };
}

/** Where a verification stands: the last entry checked and whether entries already carry state hashes. */
export type ChainPosition = { seq: number; hash: string; v2?: boolean };
