import { and, eq, isNull, or, sql } from "drizzle-orm";
import { hashEntry, hashPayload, hashState } from "#crypto/record-hash";
import type { Executor, Tx } from "#db/client";
import { bids, complaints, draws, liveEvents, recordEntries, recordHead, sections } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { hasPermission, type Permission } from "#app/domain/permissions";
import { checkComplaintSuspension, SUSPENDED_BY_COMPLAINT } from "#app/domain/supervision/complaints";
import type { AppContext } from "./context.server";
import type { Actor } from "./actor";
import { claimStateWrites } from "../transparency/state.server";

export type LiveEventInput = { channel: string; type: string; data: Record<string, unknown> };

export type CommandOutcome<T> = {
  result: T;
  /** What the record entry is about. */
  subjectType: string;
  subjectId: string;
  /** Hashed into the record; store what an auditor needs, never secrets. */
  payload: Record<string, unknown>;
  events?: LiveEventInput[];
};

export type CommandScope = {
  tx: Tx;
  /** The database clock at the start of the transaction (the only clock for deadlines). */
  now: Date;
  actor: Actor;
};

/** Reads the database clock, truncated to milliseconds so it survives a round trip through JS. */
export async function dbNow(db: Executor): Promise<Date> {
  const rows = await db.execute<{ now: string }>(sql`select to_char(date_trunc('milliseconds', now()) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as now`);
  const first = (rows as unknown as { rows?: { now: string }[] }).rows?.[0] ?? (rows as unknown as { now: string }[])[0];
  if (!first) throw new Error("database clock unavailable");
  return new Date(first.now);
}

export function requirePermission(actor: Actor, permission: Permission): void {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  if (!hasPermission(actor.roles, permission)) throw new DomainError("FORBIDDEN", { permission });
}

/**
 * The one way to change state (docs/decisions/003-command-layer-and-record.md): in one transaction, read the
 * database time, let `body` check permission and rule and write the change, append the
 * hash-linked record entry under the locked chain head, and insert the live events
 * (outbox) with a NOTIFY that PostgreSQL and PGlite deliver on commit.
 */
export async function runCommand<T>(
  ctx: Pick<AppContext, "db">,
  actor: Actor,
  action: string,
  body: (scope: CommandScope) => Promise<CommandOutcome<T>>,
): Promise<T> {
  return ctx.db.transaction(async (tx) => {
    const now = await dbNow(tx);
    const outcome = await body({ tx, now, actor });
    // R53: a section suspended by an accepted complaint does not move forward; refused here, for every command that
    // would move it, and rolled back with whatever the command had written.
    if (SUSPENDED_BY_COMPLAINT.includes(action)) {
      const v = checkComplaintSuspension(action, await complaintSuspensions(tx, outcome.subjectType, outcome.subjectId));
      if (v.length) throw new DomainError("RULE_VIOLATION", {}, v);
    }
    await appendRecord(tx, {
      at: now,
      actor,
      action,
      subjectType: outcome.subjectType,
      subjectId: outcome.subjectId,
      payload: outcome.payload,
    });
    for (const ev of outcome.events ?? []) await emitLiveEvent(tx, ev);
    return outcome.result;
  });
}

/** When the accepted complaints that suspend the section a command is about were accepted (none → []). */
async function complaintSuspensions(tx: Tx, subjectType: string, subjectId: string): Promise<Date[]> {
  let sectionId: string | null = null;
  if (subjectType === "section") sectionId = subjectId;
  else if (subjectType === "bid") sectionId = (await tx.select({ s: bids.sectionId }).from(bids).where(eq(bids.id, subjectId)))[0]?.s ?? null;
  else if (subjectType === "draw") sectionId = (await tx.select({ s: draws.sectionId }).from(draws).where(eq(draws.id, subjectId)))[0]?.s ?? null;
  if (!sectionId) return [];
  const [section] = await tx.select({ projectId: sections.projectId }).from(sections).where(eq(sections.id, sectionId));
  if (!section) return [];
  const rows = await tx
    .select({ at: complaints.acceptedAt })
    .from(complaints)
    .where(
      and(
        eq(complaints.suspended, true),
        eq(complaints.status, "accepted"),
        eq(complaints.projectId, section.projectId),
        or(eq(complaints.sectionId, sectionId), isNull(complaints.sectionId)),
      ),
    );
  return rows.map((r) => r.at ?? new Date(0));
}

export async function appendRecord(
  tx: Tx,
  e: { at: Date; actor: Actor; action: string; subjectType: string; subjectId: string; payload: Record<string, unknown> },
): Promise<{ seq: number; hash: string }> {
  // Serialise appends so the chain never forks: the head row is locked until commit.
  const [head] = await tx.select().from(recordHead).where(eq(recordHead.id, 1)).for("update");
  if (!head) throw new Error("record head missing (migration 0001 not applied?)");
  // The rows this transaction wrote to state-bound tables (migration 0015's triggers), bound to this entry.
  const writes = await claimStateWrites(tx, head.seq + 1);
  const fields = {
    seq: head.seq + 1,
    at: e.at.toISOString(),
    actorUserId: e.actor.user?.id ?? null,
    orgId: e.actor.orgId ?? null,
    ip: e.actor.ip ?? null,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    payloadHash: hashPayload(e.payload),
    prevHash: head.hash,
    stateHash: hashState(writes),
  };
  const hash = hashEntry(fields);
  await tx.insert(recordEntries).values({ ...fields, at: e.at, payload: e.payload, hash });
  await tx.update(recordHead).set({ seq: fields.seq, hash }).where(eq(recordHead.id, 1));
  return { seq: fields.seq, hash };
}

export async function emitLiveEvent(tx: Tx, ev: LiveEventInput): Promise<void> {
  const rows = await tx
    .insert(liveEvents)
    .values({
      channel: ev.channel,
      seq: sql`(select coalesce(max(${liveEvents.seq}), 0) + 1 from ${liveEvents} where ${liveEvents.channel} = ${ev.channel})`,
      type: ev.type,
      data: ev.data,
    })
    .returning({ id: liveEvents.id });
  const id = rows[0]?.id;
  await tx.execute(sql`select pg_notify('th_live', ${String(id)})`);
}

/** Thrown inside a command body to end it without writing anything (see runOptionalCommand). */
class SkipCommand extends Error {}

/**
 * A command that may find nothing to do (an idempotent job run twice, a timer that already fired): `body`
 * returns null to skip — the transaction rolls back and no record entry is written — and the caller gets null.
 */
export async function runOptionalCommand<T>(
  ctx: Pick<AppContext, "db">,
  actor: Actor,
  action: string,
  body: (scope: CommandScope) => Promise<CommandOutcome<T> | null>,
): Promise<T | null> {
  try {
    return await runCommand(ctx, actor, action, async (scope) => {
      const out = await body(scope);
      if (!out) throw new SkipCommand();
      return out;
    });
  } catch (e) {
    if (e instanceof SkipCommand) return null;
    throw e;
  }
}
