import { and, eq } from "drizzle-orm";
import { alerts, objections } from "#db/schema/index";
import { openCase } from "#app/services/supervision/cases.server";
import { runCommand } from "#app/services/platform/command.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { projectSupervision } from "#app/services/supervision/projector.server";

/**
 * DEMO ONLY: electronic supervision (R63–R65) with something to see. The demo's objections are filed through the real
 * command; this recorded step (`seed.backdate_objection`) moves one back in time so that `share` of its answer limit
 * has passed — 0.9 → yellow, > 1 → red (overdue) — as the clock would after that many days. Nothing else is faked:
 * the lights and alerts come from the projector over the real data.
 */
export async function backdateObjection(app: AppContext, sys: Actor, objectionId: string, share: number): Promise<void> {
  await runCommand(app, sys, "seed.backdate_objection", async ({ tx, now }) => {
    const [o] = await tx.select().from(objections).where(eq(objections.id, objectionId));
    const span = o!.answerDueAt.getTime() - o!.filedAt.getTime();
    const shift = now.getTime() - (o!.filedAt.getTime() + share * span);
    const filedAt = new Date(o!.filedAt.getTime() + shift);
    const answerDueAt = new Date(o!.answerDueAt.getTime() + shift);
    await tx.update(objections).set({ filedAt, answerDueAt }).where(eq(objections.id, objectionId));
    return { result: undefined, subjectType: "project", subjectId: o!.projectId, payload: { demo: true, objectionId, shiftMs: shift, answerDueAt: answerDueAt.toISOString() } };
  });
}

/** Runs the supervision projector until every section has its light and every alert is raised. */
export async function settleSupervision(app: AppContext): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await projectSupervision(app);
    if (r && !r.more) return;
  }
}

/** Opens a case on a section's R23 same-IP alert (raised by the projector from the demo's bids), as a supervisor would. */
export async function openDemoCase(app: AppContext, supervisor: Actor, sectionId: string, title: string): Promise<void> {
  const [alert] = await app.db.select({ id: alerts.id }).from(alerts).where(and(eq(alerts.sectionId, sectionId), eq(alerts.kind, "ALERT_R23_SAME_IP")));
  if (!alert) throw new Error("demo: the same-IP alert was not raised");
  await openCase(app, supervisor, { alertId: alert.id, title });
}
