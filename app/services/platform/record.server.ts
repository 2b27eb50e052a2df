import { and, asc, desc, eq, gt, lt, type SQL } from "drizzle-orm";
import { verifyChainSegment, type ChainBreak, type ChainEntry } from "#crypto/record-hash";
import type { Executor } from "#db/client";
import { organisations, recordEntries, recordHead, users, type RecordEntry } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import type { Actor } from "./actor";

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
  let last = { seq: 0, hash: "0".repeat(64) };
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

/** The record as admins and supervisors read it (newest first), optionally for one subject, with names. */
export async function listRecordWithNames(db: Executor, actor: Actor, opts: { subjectId?: string; beforeSeq?: number; limit?: number } = {}) {
  if (!hasPermission(actor.roles, "record:read")) throw new DomainError("FORBIDDEN");
  const conds: SQL[] = [];
  if (opts.subjectId) conds.push(eq(recordEntries.subjectId, opts.subjectId));
  if (opts.beforeSeq) conds.push(lt(recordEntries.seq, opts.beforeSeq));
  return db
    .select({
      seq: recordEntries.seq,
      at: recordEntries.at,
      action: recordEntries.action,
      subjectType: recordEntries.subjectType,
      subjectId: recordEntries.subjectId,
      ip: recordEntries.ip,
      hash: recordEntries.hash,
      prevHash: recordEntries.prevHash,
      payloadHash: recordEntries.payloadHash,
      actorName: users.displayName,
      orgName: organisations.name,
    })
    .from(recordEntries)
    .leftJoin(users, eq(users.id, recordEntries.actorUserId))
    .leftJoin(organisations, eq(organisations.id, recordEntries.orgId))
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(recordEntries.seq))
    .limit(Math.min(opts.limit ?? 50, 200));
}
