import { and, eq, isNull, sql } from "drizzle-orm";
import type { Executor } from "#db/client";
import { committeeMembers } from "#db/schema/index";
import { hasPermission } from "#app/domain/permissions";
import type { Actor } from "./actor";

/**
 * Live channels and who may subscribe:
 * - `portal`: public tender list changes (anyone);
 * - `tender:<projectId>`: public events of one tender (anyone);
 * - `user:<userId>`: a user's inbox (that user only);
 * - `opening:<sectionId>`: one opening hall, public events only (R26/R28);
 * - `evaluation:<sectionId>`: one review room — presence and progress, never a score — for its live committee
 *   members and supervisors only (R42);
 * - `supervision`: the supervision dashboard's changes (lights, alerts, cases, complaints), supervisors only (R65).
 */
export const channels = {
  portal: () => "portal",
  tender: (projectId: string) => `tender:${projectId}`,
  user: (userId: string) => `user:${userId}`,
  /** One opening hall (不见面开标): public events only (what may be public at that moment, R26/R28). */
  opening: (sectionId: string) => `opening:${sectionId}`,
  /** One review room (评标室): members and supervisors (docs/decisions/015-evaluation.md). */
  evaluation: (sectionId: string) => `evaluation:${sectionId}`,
  /** Electronic supervision (R65): lights, alerts, cases and complaints changed — supervisors only. */
  supervision: () => "supervision",
};

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

export async function canSubscribe(db: Executor, actor: Actor | null, channel: string): Promise<boolean> {
  if (channel === "supervision") return !!actor?.user && hasPermission(actor.roles, "supervise:read");
  if (channel === "portal" || new RegExp(`^(tender|opening):${UUID}$`).test(channel)) return true;
  const user = new RegExp(`^user:(${UUID})$`).exec(channel);
  if (user) return actor?.user?.id === user[1];
  const room = new RegExp(`^evaluation:(${UUID})$`).exec(channel);
  if (room && actor?.user) {
    if (hasPermission(actor.roles, "supervise:read")) return true;
    const [m] = await db
      .select({ id: committeeMembers.id })
      .from(committeeMembers)
      .where(
        and(
          eq(committeeMembers.sectionId, room[1]!),
          eq(committeeMembers.userId, actor.user.id),
          isNull(committeeMembers.voidedAt),
          sql`${committeeMembers.status} in ('expected', 'seated')`,
        ),
      );
    return !!m;
  }
  return false;
}
