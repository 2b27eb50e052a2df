import { and, count, eq, isNull } from "drizzle-orm";
import { notifications, organisations } from "#db/schema/index";
import type { Actor } from "./actor";
import type { AppContext } from "./context.server";

/** What every page's header needs: the user, its organisation and its unread count. */
export async function layoutData(app: AppContext, actor: Actor) {
  if (!actor.user) return { user: null, unread: 0 };
  const [org] = actor.orgId
    ? await app.db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, actor.orgId))
    : [];
  const [unread] = await app.db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, actor.user.id), isNull(notifications.readAt)));
  return {
    user: { id: actor.user.id, displayName: actor.user.displayName, orgName: org?.name ?? null, roles: actor.roles },
    unread: unread?.n ?? 0,
  };
}
