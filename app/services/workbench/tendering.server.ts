import { and, asc, desc, eq, inArray, isNull, or, type SQL } from "drizzle-orm";
import type { Executor } from "#db/client";
import { bondRefunds, objections, organisations, projects, questions, resultObjections, sectionResults, sections, supervisionLights } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { byDue, fallbackStage, pendingRule, stageCounts, urgencyOf, WB_MAX_ROWS, type PendingKind, type WorkbenchStage } from "#app/domain/workbench";
import type { Actor } from "../platform/actor";

/**
 * The tendering side's workbench (tendering unit 招标人/采购人 and agency 代理机构): the sections of the projects it runs,
 * by stage, with the supervision light of the `supervision_lights` read model (null — shown "—" — until the projector
 * has a row for the section), and what it must answer or do and by when: questions to the documents (R10), objections
 * to the documents (R11/R12), objections to the result (R52), the winner's decision (R55/R57), the notices (R56/R54),
 * the contract (R56) and the bond refunds (R15). Scoped like /manage: the projects whose tendering unit or agency is the
 * actor's organisation, in the role it holds there. Each list is bounded (WB_MAX_ROWS).
 */
export async function tenderingWorkbench(db: Executor, actor: Actor, now: Date) {
  const managed = managedBy(actor);
  if (!actor.user || !managed) throw new DomainError("FORBIDDEN", { permission: "tender:manage" });

  const secRows = await db
    .select({
      sectionId: sections.id,
      sectionCode: sections.code,
      sectionTitle: sections.title,
      sectionStatus: sections.status,
      projectId: projects.id,
      projectCode: projects.code,
      projectTitle: projects.title,
      projectStatus: projects.status,
      regime: projects.regime,
      resultStage: sectionResults.stage,
      lightStage: supervisionLights.stage,
      light: supervisionLights.light,
      lightSince: supervisionLights.lightSince,
      reasons: supervisionLights.reasons,
    })
    .from(sections)
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .leftJoin(supervisionLights, eq(supervisionLights.sectionId, sections.id))
    .leftJoin(sectionResults, eq(sectionResults.sectionId, sections.id))
    .where(managed)
    .orderBy(desc(projects.createdAt), asc(sections.seq))
    .limit(WB_MAX_ROWS);
  const sectionList = secRows.map((s) => {
    const stage: WorkbenchStage = s.lightStage ?? fallbackStage({ projectStatus: s.projectStatus, sectionStatus: s.sectionStatus, resultStage: s.resultStage });
    return {
      key: s.sectionId,
      sectionId: s.sectionId,
      sectionCode: s.sectionCode,
      sectionTitle: s.sectionTitle,
      projectId: s.projectId,
      projectCode: s.projectCode,
      projectTitle: s.projectTitle,
      stage,
      light: s.light ?? null,
      lightSince: s.lightSince?.toISOString() ?? null,
      reasons: s.reasons ?? [],
      href: `/manage/${s.projectId}`,
    };
  });

  type Pending = { key: string; kind: PendingKind; dueAt: Date | null; regime: "ZTB" | "ZFCG"; projectId: string; projectCode: string; projectTitle: string; sectionCode: string | null; sectionTitle: string | null; who: string | null; amountFen: number | null };
  const pending: Pending[] = [];
  const project = { projectId: projects.id, projectCode: projects.code, projectTitle: projects.title, regime: projects.regime };

  // R10: a question to the documents is answered (and the answer, where it changes them, is an amendment).
  for (const q of await db
    .select({ id: questions.id, ...project })
    .from(questions)
    .innerJoin(projects, eq(projects.id, questions.projectId))
    .where(and(managed, isNull(questions.answeredAt)))
    .orderBy(asc(questions.askedAt))
    .limit(WB_MAX_ROWS))
    pending.push({ key: `question:${q.id}`, kind: "question", dueAt: null, ...q, sectionCode: null, sectionTitle: null, who: null, amountFen: null });

  // R11 (ZTB 异议: answer within 3 days) / R12 (ZFCG 质疑: within 7 working days).
  for (const o of await db
    .select({ id: objections.id, dueAt: objections.answerDueAt, who: organisations.name, ...project })
    .from(objections)
    .innerJoin(projects, eq(projects.id, objections.projectId))
    .innerJoin(organisations, eq(organisations.id, objections.orgId))
    .where(and(managed, eq(objections.status, "pending")))
    .orderBy(asc(objections.answerDueAt))
    .limit(WB_MAX_ROWS))
    pending.push({ key: `objection:${o.id}`, kind: "objection", ...o, sectionCode: null, sectionTitle: null, amountFen: null });

  const section = { sectionCode: sections.code, sectionTitle: sections.title };
  // R52: an objection to the result, answered within its limit (the publicity is suspended meanwhile).
  for (const o of await db
    .select({ id: resultObjections.id, dueAt: resultObjections.answerDueAt, who: organisations.name, ...project, ...section })
    .from(resultObjections)
    .innerJoin(sections, eq(sections.id, resultObjections.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .innerJoin(organisations, eq(organisations.id, resultObjections.orgId))
    .where(and(managed, eq(resultObjections.status, "pending")))
    .orderBy(asc(resultObjections.answerDueAt))
    .limit(WB_MAX_ROWS))
    pending.push({ key: `result_objection:${o.id}`, kind: "result_objection", ...o, amountFen: null });

  // R55/R57 the decision, R56/R54 the notices, R56 the contract: one step per results stage, with its timer.
  for (const r of await db
    .select({
      sectionId: sectionResults.sectionId,
      stage: sectionResults.stage,
      decisionDueAt: sectionResults.decisionDueAt,
      noticesDueAt: sectionResults.noticesDueAt,
      contractDueAt: sectionResults.contractDueAt,
      ...project,
      ...section,
    })
    .from(sectionResults)
    .innerJoin(sections, eq(sections.id, sectionResults.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(and(managed, inArray(sectionResults.stage, ["decision", "decided", "notified"])))
    .limit(WB_MAX_ROWS)) {
    const { sectionId, stage, decisionDueAt, noticesDueAt, contractDueAt, ...rest } = r;
    const [kind, dueAt]: [PendingKind, Date | null] = stage === "decision" ? ["decision", decisionDueAt] : stage === "decided" ? ["notices", noticesDueAt] : ["contract", contractDueAt];
    pending.push({ key: `${kind}:${sectionId}`, kind, dueAt, ...rest, who: null, amountFen: null });
  }

  // R15: bond refunds not yet recorded.
  for (const b of await db
    .select({ id: bondRefunds.id, dueAt: bondRefunds.dueAt, who: organisations.name, amountFen: bondRefunds.amountFen, ...project, ...section })
    .from(bondRefunds)
    .innerJoin(sections, eq(sections.id, bondRefunds.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .innerJoin(organisations, eq(organisations.id, bondRefunds.orgId))
    .where(and(managed, isNull(bondRefunds.refundedAt)))
    .orderBy(asc(bondRefunds.dueAt))
    .limit(WB_MAX_ROWS))
    pending.push({ key: `refund:${b.id}`, kind: "refund", ...b });

  const pendingList = byDue(pending)
    .slice(0, WB_MAX_ROWS)
    .map((p) => ({
      ...p,
      rule: pendingRule(p.kind, p.regime),
      dueAt: p.dueAt?.toISOString() ?? null,
      urgency: urgencyOf(p.dueAt, now),
      href: p.kind === "question" || p.kind === "objection" ? `/manage/${p.projectId}` : `/manage/${p.projectId}/results`,
    }));
  const kinds = new Map<PendingKind, number>();
  for (const p of pendingList) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);

  return {
    sections: sectionList,
    stages: stageCounts(sectionList),
    pending: pendingList,
    pendingKinds: [...kinds].map(([kind, count]) => ({ kind, count })),
    overdue: pendingList.filter((p) => p.urgency === "overdue").length,
  };
}

/** The projects the actor runs, in the roles it holds (managesProject in tenders.server.ts), as a condition; null for none. */
function managedBy(actor: Actor): SQL | null {
  if (!actor.orgId) return null;
  const conds: SQL[] = [];
  if (actor.roles.includes("tendering_unit")) conds.push(eq(projects.tenderingUnitId, actor.orgId));
  if (actor.roles.includes("agency")) conds.push(eq(projects.agencyId, actor.orgId));
  if (!conds.length) return null;
  return conds.length === 1 ? conds[0]! : or(...conds)!;
}

export type TenderingWorkbench = Awaited<ReturnType<typeof tenderingWorkbench>>;
