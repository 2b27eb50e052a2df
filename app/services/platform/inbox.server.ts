import { and, count, desc, eq, isNull } from "drizzle-orm";
import type { Executor } from "#db/client";
import { notifications } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import type { Actor } from "./actor";
import { emitLiveEvent, runCommand } from "./command.server";
import type { AppContext } from "./context.server";
import { channels } from "./live-channels.server";

export const INBOX_PAGE_SIZE = 30;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requireUserId(actor: Actor): string {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  return actor.user.id;
}

/** The actor's own notifications, newest first, one page at a time (always scoped to the user). */
export async function listInbox(db: Executor, actor: Actor, opts: { page?: number } = {}) {
  const userId = requireUserId(actor);
  const page = Math.max(1, Math.floor(opts.page ?? 1));
  const mine = eq(notifications.userId, userId);
  const [items, [total], [unread]] = await Promise.all([
    db
      .select({
        id: notifications.id,
        kind: notifications.kind,
        params: notifications.params,
        link: notifications.link,
        createdAt: notifications.createdAt,
        readAt: notifications.readAt,
      })
      .from(notifications)
      .where(mine)
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(INBOX_PAGE_SIZE)
      .offset((page - 1) * INBOX_PAGE_SIZE),
    db.select({ n: count() }).from(notifications).where(mine),
    db.select({ n: count() }).from(notifications).where(and(mine, isNull(notifications.readAt))),
  ]);
  const n = Number(total?.n ?? 0);
  return { items, page, pages: Math.max(1, Math.ceil(n / INBOX_PAGE_SIZE)), total: n, unread: Number(unread?.n ?? 0) };
}

/**
 * Marks one notification (or, without an id, every unread one) of the actor as read:
 * command `notification.read`. A live event on the user's channel updates the unread badge
 * in the user's other tabs. Returns how many were marked; 0 when nothing was unread (no
 * record entry is written for a no-op "mark all").
 */
export async function markRead(ctx: Pick<AppContext, "db">, actor: Actor, notificationId?: string): Promise<number> {
  const userId = requireUserId(actor);
  if (notificationId !== undefined && !UUID.test(notificationId)) throw new DomainError("NOT_FOUND");
  if (notificationId === undefined) {
    const [unread] = await ctx.db
      .select({ n: count() })
      .from(notifications)
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
    if (Number(unread?.n ?? 0) === 0) return 0;
  }
  return runCommand(ctx, actor, "notification.read", async ({ tx, now }) => {
    const conds = [eq(notifications.userId, userId), isNull(notifications.readAt)];
    if (notificationId) conds.push(eq(notifications.id, notificationId));
    const rows = await tx.update(notifications).set({ readAt: now }).where(and(...conds)).returning({ id: notifications.id });
    if (notificationId && rows.length === 0) {
      // Not this user's, unknown, or already read: nothing to do, and nothing to record.
      const [own] = await tx
        .select({ id: notifications.id })
        .from(notifications)
        .where(and(eq(notifications.userId, userId), eq(notifications.id, notificationId)));
      throw new DomainError(own ? "INVALID_STATE" : "NOT_FOUND");
    }
    await emitLiveEvent(tx, { channel: channels.user(userId), type: "inbox", data: { read: rows.length } });
    return {
      result: rows.length,
      subjectType: "user",
      subjectId: userId,
      payload: { notificationId: notificationId ?? "all", count: rows.length },
    };
  });
}

/**
 * Opens a notification: marks it read if it is unread and returns where it points (an
 * in-app path only), so the inbox can send the user there in one step.
 */
export async function openNotification(ctx: Pick<AppContext, "db">, actor: Actor, notificationId: string): Promise<string> {
  const userId = requireUserId(actor);
  if (!UUID.test(notificationId)) throw new DomainError("NOT_FOUND");
  const [n] = await ctx.db
    .select({ link: notifications.link, readAt: notifications.readAt })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.id, notificationId)));
  if (!n) throw new DomainError("NOT_FOUND");
  if (!n.readAt) await markRead(ctx, actor, notificationId).catch((e: unknown) => {
    // Read in another tab meanwhile: still open it.
    if (!(e instanceof DomainError && e.code === "INVALID_STATE")) throw e;
  });
  return n.link && n.link.startsWith("/") && !n.link.startsWith("//") ? n.link : "/inbox";
}
