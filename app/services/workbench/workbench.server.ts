import type { Executor } from "#db/client";
import { DomainError } from "#app/domain/errors";
import { dayInWindow, pageOf, workbenchParts, type WorkbenchList, type WorkbenchPart, type WorkbenchQuery } from "#app/domain/workbench";
import type { Actor } from "../platform/actor";
import { dbNow } from "../platform/command.server";
import { adminWorkbench } from "./admin.server";
import { bidderWorkbench } from "./bidder.server";
import { expertWorkbench } from "./expert.server";
import { tenderingWorkbench } from "./tendering.server";

/**
 * The workbench (/workbench): one part per role the signed-in user holds (app/domain/workbench.ts workbenchParts),
 * each from its own reader, on one database clock. Every list is a preview, or — the one the query opens (`list`) — a
 * page of it; the filters (`stage`, `kind`, `day`) narrow their own list. `role` shows one part only.
 */
export async function workbench(db: Executor, actor: Actor, query: WorkbenchQuery) {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  const now = await dbNow(db);
  const held = workbenchParts(actor.roles);
  const parts: WorkbenchPart[] = query.role && held.includes(query.role) ? [query.role] : held;
  const list = <T>(id: WorkbenchList, rows: readonly T[]) => ({ id, ...pageOf(rows, query.list === id, query.page) });

  const tendering = parts.includes("tendering")
    ? await tenderingWorkbench(db, actor, now).then((w) => ({
        stages: w.stages,
        pendingKinds: w.pendingKinds,
        sectionCount: w.sections.length,
        pendingCount: w.pending.length,
        overdue: w.overdue,
        stage: query.stage ?? null,
        kind: query.kind ?? null,
        sections: list("tendering-sections", query.stage ? w.sections.filter((s) => s.stage === query.stage) : w.sections),
        pending: list("tendering-pending", query.kind ? w.pending.filter((p) => p.kind === query.kind) : w.pending),
      }))
    : null;

  const bidder = parts.includes("bidder")
    ? await bidderWorkbench(db, actor, now).then((w) => ({
        downloads: list("bidder-downloads", w.downloads),
        bids: list("bidder-bids", w.bids),
        openings: list("bidder-openings", w.openings),
        clarifications: list("bidder-clarifications", w.clarifications),
        notices: list("bidder-notices", w.notices),
      }))
    : null;

  const expert = parts.includes("expert")
    ? await expertWorkbench(db, actor, now).then((w) => ({
        invitations: list("expert-invitations", w.invitations),
        evaluations: list("expert-evaluations", w.evaluations),
        reports: list("expert-reports", w.reports),
      }))
    : null;

  const day = dayInWindow(query.day, now);
  const admin = parts.includes("admin")
    ? await adminWorkbench(db, actor, now).then((w) => ({
        pool: { active: w.pool.active, inactive: w.pool.inactive, byStatus: w.pool.byStatus },
        specialties: list("admin-pool", w.pool.bySpecialty),
        rooms: w.rooms,
        day: day ?? null,
        bookings: list("admin-rooms", day ? w.bookings.filter((b) => b.day === day) : w.bookings),
        certificates: list("admin-certificates", w.certificates),
        jobs: list("admin-jobs", w.jobs),
      }))
    : null;

  return {
    now: now.toISOString(),
    held,
    parts,
    focus: query.list ?? null,
    supervisor: actor.roles.includes("supervisor"),
    tendering,
    bidder,
    expert,
    admin,
  };
}

export type Workbench = Awaited<ReturnType<typeof workbench>>;
