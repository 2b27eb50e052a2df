import { and, asc, eq, isNull, notExists, sql } from "drizzle-orm";
import type { Executor } from "#db/client";
import { committeeMembers, evaluationReports, reportPositions, reportSignatures } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { byDue, urgencyOf, WB_MAX_ROWS } from "#app/domain/workbench";
import { myEvaluations } from "../evaluation/room-view.server";
import type { Actor } from "../platform/actor";
import { myInvitations } from "../pool/draws.server";

/**
 * An expert's workbench: its invitations (R36: time and place only; R37: an invitation not confirmed by its deadline
 * times out and the next backup is invited) — those to answer first, with the deadline; the evaluations it sits on
 * that are not over (R41–R50; before the room opens, time and place only, as /evaluations); the reports waiting for
 * its position or its signature (R50). The invitations and evaluations are /invitations' and /evaluations' own readers.
 */
export async function expertWorkbench(db: Executor, actor: Actor, now: Date) {
  if (!actor.user || !actor.roles.includes("expert")) throw new DomainError("FORBIDDEN", { permission: "expert" });
  const userId = actor.user.id;

  const inv = await myInvitations(db, actor);
  // To answer first (by the confirmation deadline), then the confirmed ones still ahead; past and replaced ones are on /invitations.
  const toAnswer = byDue(inv.filter((i) => i.status === "invited").map((i) => ({ ...i, key: i.pickId, dueAt: i.confirmBy ?? null })));
  const ahead = inv.filter((i) => i.status === "confirmed" && new Date(i.evaluationAt).getTime() >= now.getTime() - 86400_000);
  const invitations = [...toAnswer, ...ahead.map((i) => ({ ...i, key: i.pickId, dueAt: null }))].slice(0, WB_MAX_ROWS).map((i) => ({
    key: i.key,
    pickId: i.pickId,
    status: i.status,
    evaluationAt: new Date(i.evaluationAt).toISOString(),
    room: i.room ? `${i.room.code} ${i.room.name}` : i.reviewRoom || null,
    confirmBy: i.status === "invited" && i.confirmBy ? new Date(i.confirmBy).toISOString() : null,
    urgency: i.status === "invited" ? urgencyOf(i.confirmBy ? new Date(i.confirmBy) : null, now) : ("none" as const),
    href: "/invitations",
  }));

  const evaluations = (await myEvaluations(db, actor))
    .filter((e) => e.stage !== "signed" && e.stage !== "failed")
    .slice(0, WB_MAX_ROWS)
    .map((e) => ({ ...e, key: e.sectionId, href: `/evaluations/${e.sectionId}` }));

  // R50: a live report version this member has not signed: first its position (agree/dissent), then the signature.
  const reports = await db
    .select({
      reportId: evaluationReports.id,
      number: evaluationReports.number,
      version: evaluationReports.version,
      sectionId: evaluationReports.sectionId,
      createdAt: evaluationReports.createdAt,
      finalizedAt: evaluationReports.finalizedAt,
      positioned: sql<boolean>`exists (select 1 from ${reportPositions} where ${reportPositions.reportId} = ${evaluationReports.id} and ${reportPositions.memberId} = ${committeeMembers.id})`,
    })
    .from(evaluationReports)
    .innerJoin(committeeMembers, and(eq(committeeMembers.sectionId, evaluationReports.sectionId), eq(committeeMembers.userId, userId), isNull(committeeMembers.voidedAt)))
    .where(
      and(
        eq(evaluationReports.status, "signing"),
        notExists(
          db
            .select({ one: sql`1` })
            .from(reportSignatures)
            .where(and(eq(reportSignatures.reportId, evaluationReports.id), eq(reportSignatures.memberId, committeeMembers.id))),
        ),
      ),
    )
    .orderBy(asc(evaluationReports.createdAt))
    .limit(WB_MAX_ROWS);

  return {
    invitations,
    evaluations,
    reports: reports.map((r) => ({
      key: r.reportId,
      reportId: r.reportId,
      number: r.number,
      version: r.version,
      sectionId: r.sectionId,
      createdAt: r.createdAt.toISOString(),
      step: r.finalizedAt ? ("sign" as const) : r.positioned ? ("waiting" as const) : ("position" as const),
      href: `/evaluations/${r.sectionId}`,
    })),
  };
}

export type ExpertWorkbench = Awaited<ReturnType<typeof expertWorkbench>>;
