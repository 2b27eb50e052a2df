import { and, desc, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { Executor } from "#db/client";
import { bids, organisations, projects, recordEntries, recordHead, sections, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import type { Actor } from "./actor";

export const RECORD_PAGE_SIZE = 50;

/**
 * The unified record (交易档案) as admins and supervisors read it: newest first, optionally
 * for one subject, with the actor's and organisation's names resolved. Pages go backwards
 * by sequence number (`beforeSeq`), so a page never shifts while new entries arrive.
 * Payloads are not returned — the viewer shows the hashes that bind them.
 */
export async function listRecordWithNames(
  db: Executor,
  actor: Actor,
  opts: { subjectId?: string; beforeSeq?: number; limit?: number } = {},
) {
  if (!hasPermission(actor.roles, "record:read")) throw new DomainError("FORBIDDEN", { permission: "record:read" });
  const limit = Math.min(Math.max(opts.limit ?? RECORD_PAGE_SIZE, 1), 200);
  const conds: SQL[] = [];
  if (opts.subjectId) conds.push(eq(recordEntries.subjectId, opts.subjectId));
  if (opts.beforeSeq) conds.push(lt(recordEntries.seq, opts.beforeSeq));
  const rows = await db
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
      actorUserId: recordEntries.actorUserId,
      actorName: users.displayName,
      actorUsername: users.username,
      orgName: organisations.name,
    })
    .from(recordEntries)
    .leftJoin(users, eq(users.id, recordEntries.actorUserId))
    .leftJoin(organisations, eq(organisations.id, recordEntries.orgId))
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(recordEntries.seq))
    .limit(limit + 1);
  const [head] = await db.select({ seq: recordHead.seq, hash: recordHead.hash }).from(recordHead).where(eq(recordHead.id, 1));
  // Sealed-bid confidentiality: until the section's deadline, who submitted, replaced or
  // withdrew a bid is not shown (supervisors see counts only); the entry and its hashes are.
  const bidIds = rows.filter((r) => r.subjectType === "bid").map((r) => r.subjectId);
  const sealed = new Set(
    bidIds.length
      ? (
          await db
            .select({ id: bids.id })
            .from(bids)
            .innerJoin(sections, eq(sections.id, bids.sectionId))
            .innerJoin(projects, eq(projects.id, sections.projectId))
            .where(and(inArray(bids.id, bidIds), sql`now() < ${projects.bidDeadline}`))
        ).map((r) => r.id)
      : [],
  );
  const masked = rows.map((r) =>
    r.subjectType === "bid" && sealed.has(r.subjectId) ? { ...r, actorUserId: null, actorName: null, actorUsername: null, orgName: null, ip: null, sealed: true } : { ...r, sealed: false },
  );
  return {
    entries: masked.slice(0, limit),
    /** Where the next (older) page starts, or null on the last page. */
    olderBefore: rows.length > limit ? rows[limit - 1]!.seq : null,
    head: head ?? { seq: 0, hash: "" },
  };
}
