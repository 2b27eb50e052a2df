import { and, eq, inArray } from "drizzle-orm";
import type { Tx } from "#db/client";
import { memberships, notifications, users } from "#db/schema/index";
import { emitLiveEvent } from "./command.server";
import { channels } from "./live-channels.server";

/**
 * Notifies every active user of the given organisations through the in-app inbox (always),
 * inside the command's transaction, and pushes a live `inbox` event to each. SMS and voice
 * adapters come behind a channel interface with the expert-pool capability.
 */
export async function notifyOrganisations(
  tx: Tx,
  orgIds: string[],
  n: { kind: string; params: Record<string, string | number>; link?: string },
): Promise<number> {
  if (orgIds.length === 0) return 0;
  const recipients = await tx
    .selectDistinct({ userId: memberships.userId })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(inArray(memberships.orgId, orgIds), eq(users.active, true)));
  if (recipients.length === 0) return 0;
  await tx.insert(notifications).values(recipients.map((r) => ({ userId: r.userId, kind: n.kind, params: n.params, link: n.link ?? null })));
  for (const r of recipients) {
    await emitLiveEvent(tx, { channel: channels.user(r.userId), type: "inbox", data: { kind: n.kind } });
  }
  return recipients.length;
}

/** Notifies given users directly (in-app inbox + live event), inside the command's transaction. */
export async function notifyUsers(tx: Tx, userIds: string[], n: { kind: string; params: Record<string, string | number>; link?: string }): Promise<number> {
  if (userIds.length === 0) return 0;
  await tx.insert(notifications).values(userIds.map((userId) => ({ userId, kind: n.kind, params: n.params, link: n.link ?? null })));
  for (const userId of userIds) await emitLiveEvent(tx, { channel: channels.user(userId), type: "inbox", data: { kind: n.kind } });
  return userIds.length;
}
