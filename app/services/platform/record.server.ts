import { asc, eq, gt } from "drizzle-orm";
import { verifyChainSegment, type ChainBreak, type ChainEntry, type ChainPosition } from "#crypto/record-hash";
import type { Executor } from "#db/client";
import { recordEntries, recordHead, type RecordEntry } from "#db/schema/index";

const BATCH = 2000;

function toChainEntry(r: RecordEntry): ChainEntry {
  return {
    seq: r.seq,
    at: r.at.toISOString(),
    actorUserId: r.actorUserId,
    orgId: r.orgId,
    ip: r.ip,
    action: r.action,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    payloadHash: r.payloadHash,
    prevHash: r.prevHash,
    stateHash: r.stateHash,
    payload: r.payload,
    hash: r.hash,
  };
}

export type VerifyResult =
  | { ok: true; entries: number; head: { seq: number; hash: string } }
  | { ok: false; entries: number; break: ChainBreak & { action?: string; at?: string } };

/**
 * Recomputes the whole chain in batches (constant memory) and checks that the head row
 * matches the last entry. Names the first broken entry.
 */
export async function verifyRecord(db: Executor): Promise<VerifyResult> {
  let last: ChainPosition = { seq: 0, hash: "0".repeat(64) };
  let entries = 0;
  for (;;) {
    const rows = await db.select().from(recordEntries).where(gt(recordEntries.seq, last.seq)).orderBy(asc(recordEntries.seq)).limit(BATCH);
    if (rows.length === 0) break;
    const r = verifyChainSegment(rows.map(toChainEntry), last);
    if (!r.ok) {
      const row = rows.find((x) => x.seq === r.break.seq);
      return { ok: false, entries, break: { ...r.break, action: row?.action, at: row?.at.toISOString() } };
    }
    entries += rows.length;
    last = r.last;
  }
  const [head] = await db.select().from(recordHead).where(eq(recordHead.id, 1));
  if (!head || head.seq !== last.seq || head.hash !== last.hash) {
    return { ok: false, entries, break: { seq: (head?.seq ?? 0) > last.seq ? last.seq + 1 : last.seq, reason: "seq_gap", action: "head" } };
  }
  return { ok: true, entries, head: last };
}

// The record as people read it (with names, masked for confidentiality) is record-view.server.ts#listRecordWithNames.
