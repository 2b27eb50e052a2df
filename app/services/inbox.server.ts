import { and, desc, eq, isNull } from "drizzle-orm";
import type { Executor } from "#db/client";
import { notifications } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import type { Actor } from "./actor";
import { runCommand } from "./command.server";
import type { AppContext } from "./context.server";

/** The actor's own notifications, newest first (scoped to the user). */
export async function listInbox(db: Executor, actor: Actor, limit = 100) {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  return db.select().from(notifications).where(eq(notifications.userId, actor.user.id)).orderBy(desc(notifications.createdAt)).limit(limit);
}

/** Marks one (or, without an id, every) unread notification of the actor as read. */
export async function markRead(ctx: Pick<AppContext, "db">, actor: Actor, notificationId?: string): Promise<number> {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  const userId = actor.user.id;
  return runCommand(ctx, actor, "notification.read", async ({ tx, now }) => {
    const conds = [eq(notifications.userId, userId), isNull(notifications.readAt)];
    if (notificationId) {
      if (!/^[0-9a-f-]{36}$/i.test(notificationId)) throw new DomainError("NOT_FOUND");
      conds.push(eq(notifications.id, notificationId));
    }
    const rows = await tx.update(notifications).set({ readAt: now }).where(and(...conds)).returning({ id: notifications.id });
    return { result: rows.length, subjectType: "user", subjectId: userId, payload: { notificationId: notificationId ?? "all", count: rows.length } };
  });
}
