import { and, asc, eq, inArray, or } from "drizzle-orm";
import type { Executor } from "#db/client";
import { bondRefunds, contracts, organisations, projects, resultDocuments, resultObjections, sectionResults, sections, type ResultDocument } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import { isUuid } from "#app/domain/ids";
import { getProfile } from "#app/domain/rules/profiles";
import { R55_REASONS } from "#app/domain/rules/results";
import type { Actor } from "../platform/actor";
import { managesProject } from "../tendering/tenders.server";

/**
 * Read models of the results stage for the tendering side (every section of its project, with objections and
 * refunds), for a bidder (its own outcome, notices and objections only, R54/EV25) and the access rule of every
 * result document (public ones to anyone; a notice to its recipient, the tendering side and supervisors).
 */

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function docView(d: ResultDocument) {
  return { id: d.id, kind: d.kind, number: d.number, filename: d.filename, size: d.size, sha256: d.sha256, public: d.public, orgId: d.orgId, issuedAt: d.issuedAt.toISOString(), href: `/results/documents/${d.id}` };
}

/**
 * The tendering side's results page — every section of the project that reached the results stage — and the same,
 * read-only, for supervisors (R52: an objection answered late shows as overdue there; so do notices and contracts).
 * `now` is the database clock.
 */
export async function managedResults(db: Executor, actor: Actor, projectId: string, now: Date) {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND");
  const supervisor = hasPermission(actor.roles, "supervise:read");
  if (!supervisor && !hasPermission(actor.roles, "tender:manage")) throw new DomainError("NOT_FOUND");
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p || (!supervisor && !managesProject(actor, p))) throw new DomainError("NOT_FOUND");
  const late = (dueAt: Date | null | undefined, done: Date | null | undefined) => !!dueAt && (done ? done > dueAt : now > dueAt);
  const secs = await db.select().from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq));
  const ids = secs.map((s) => s.id);
  const results = ids.length ? await db.select().from(sectionResults).where(inArray(sectionResults.sectionId, ids)) : [];
  const objections = ids.length
    ? await db
        .select({ o: resultObjections, org: organisations.name })
        .from(resultObjections)
        .innerJoin(organisations, eq(organisations.id, resultObjections.orgId))
        .where(inArray(resultObjections.sectionId, ids))
        .orderBy(asc(resultObjections.filedAt))
    : [];
  const docs = ids.length ? await db.select().from(resultDocuments).where(inArray(resultDocuments.sectionId, ids)).orderBy(asc(resultDocuments.issuedAt), asc(resultDocuments.number)) : [];
  const cons = ids.length ? await db.select().from(contracts).where(inArray(contracts.sectionId, ids)) : [];
  const refunds = ids.length
    ? await db
        .select({ r: bondRefunds, org: organisations.name })
        .from(bondRefunds)
        .innerJoin(organisations, eq(organisations.id, bondRefunds.orgId))
        .where(inArray(bondRefunds.sectionId, ids))
        .orderBy(asc(bondRefunds.dueAt))
    : [];
  const orgNames = new Map<string, string>();
  for (const r of results) for (const b of r.bidders) orgNames.set(b.orgId, b.name);
  const profile = getProfile(p.regime);
  return {
    project: { id: p.id, code: p.code, title: p.title, regime: p.regime, stateFunded: p.stateFunded },
    readOnly: !managesProject(actor, p),
    awardMode: profile.results.awardMode,
    reasons: [...R55_REASONS],
    contractDays: profile.contractDays,
    sections: secs.map((s) => {
      const r = results.find((x) => x.sectionId === s.id) ?? null;
      const c = cons.find((x) => x.sectionId === s.id) ?? null;
      return {
        id: s.id,
        code: s.code,
        title: s.title,
        status: s.status,
        bondFen: s.bondFen,
        result: r && {
          stage: r.stage,
          reportNumber: r.reportNumber,
          reportSignedAt: iso(r.reportSignedAt),
          candidates: r.candidates,
          bidders: r.bidders,
          publicityDueAt: iso(r.publicityDueAt),
          publicityStartedAt: iso(r.publicityStartedAt),
          publicityEndsAt: iso(r.publicityEndsAt),
          decisionDueAt: iso(r.decisionDueAt),
          winnerBidId: r.winnerBidId,
          winnerRank: r.winnerRank,
          decisionMode: r.decisionMode,
          deviations: r.deviations,
          decidedAt: iso(r.decidedAt),
          noticesDueAt: iso(r.noticesDueAt),
          notifiedAt: iso(r.notifiedAt),
          noticePeriodEndsAt: iso(r.noticePeriodEndsAt),
          contractDueAt: iso(r.contractDueAt),
          contractedAt: iso(r.contractedAt),
          archivedAt: iso(r.archivedAt),
          retainUntil: r.retainUntil,
          endedReason: r.endedReason,
          overdue: {
            publicity: late(r.publicityDueAt, r.publicityStartedAt),
            decision: r.stage === "decision" && late(r.decisionDueAt, null),
            notices: late(r.noticesDueAt, r.notifiedAt),
            contract: late(r.contractDueAt, r.contractedAt),
          },
        },
        objections: objections
          .filter((x) => x.o.sectionId === s.id)
          .map(({ o, org }) => ({ id: o.id, org, body: o.body, status: o.status, filedAt: iso(o.filedAt), answerDueAt: iso(o.answerDueAt), answer: o.answer, outcome: o.outcome, answeredAt: iso(o.answeredAt), overdue: late(o.answerDueAt, o.answeredAt) })),
        documents: docs.filter((d) => d.sectionId === s.id).map((d) => ({ ...docView(d), recipient: d.orgId ? (orgNames.get(d.orgId) ?? "") : null })),
        contract: c && { amountFen: c.amountFen, signedOn: c.signedOn, recordedAt: iso(c.recordedAt), documentId: c.documentId, publishedAt: iso(c.publishedAt) },
        refunds: refunds.filter((x) => x.r.sectionId === s.id).map(({ r: x, org }) => ({ id: x.id, org, amountFen: x.amountFen, dueAt: iso(x.dueAt), refundedAt: iso(x.refundedAt), reference: x.reference, overdue: late(x.dueAt, x.refundedAt) })),
      };
    }),
  };
}

/**
 * A bidder's own view of a section's results (R52, R54, EV22, EV25): the public candidates while publicised, its own
 * outcome (score, rank, or its rejection reasons), its own notices and objections. Null when the actor has no bid in
 * the section's results (the route then shows only the public part).
 */
export async function bidderResults(db: Executor, actor: Actor, projectId: string, sectionId: string) {
  if (!isUuid(projectId) || !isUuid(sectionId)) throw new DomainError("NOT_FOUND");
  const [row] = await db
    .select({ s: sections, p: projects })
    .from(sections)
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(and(eq(sections.id, sectionId), eq(sections.projectId, projectId), inArray(projects.status, ["published", "suspended", "terminated"])));
  if (!row) throw new DomainError("NOT_FOUND");
  const [r] = await db.select().from(sectionResults).where(eq(sectionResults.sectionId, sectionId));
  const publicised = !!r && !!r.publicityStartedAt;
  const mine = r && actor.orgId ? (r.bidders.find((b) => b.orgId === actor.orgId) ?? null) : null;
  const docs = r
    ? await db
        .select()
        .from(resultDocuments)
        .where(and(eq(resultDocuments.sectionId, sectionId), actor.orgId ? or(eq(resultDocuments.public, true), eq(resultDocuments.orgId, actor.orgId)) : eq(resultDocuments.public, true)))
        .orderBy(asc(resultDocuments.issuedAt))
    : [];
  const own = mine && actor.orgId ? await db.select().from(resultObjections).where(and(eq(resultObjections.sectionId, sectionId), eq(resultObjections.orgId, actor.orgId))).orderBy(asc(resultObjections.filedAt)) : [];
  const winner = r?.winnerBidId && r.notifiedAt ? (r.candidates.find((c) => c.bidId === r.winnerBidId) ?? null) : null;
  return {
    project: { id: row.p.id, code: row.p.code, title: row.p.title, regime: row.p.regime },
    section: { id: row.s.id, code: row.s.code, title: row.s.title, status: row.s.status },
    stage: r?.stage ?? null,
    publicity: publicised ? { startedAt: iso(r!.publicityStartedAt), endsAt: iso(r!.publicityEndsAt), candidates: r!.candidates } : null,
    canObject: !!mine && (r!.stage === "publicity" || r!.stage === "suspended") && !own.some((o) => o.status === "pending"),
    mine: mine && {
      name: mine.name,
      valid: mine.valid,
      reasons: mine.reasons,
      rank: mine.rank,
      total: mine.total,
      groups: mine.groups,
      won: !!winner && winner.orgId === mine.orgId,
    },
    winner: winner && { name: winner.name, priceFen: winner.priceFen },
    objections: own.map((o) => ({ id: o.id, body: o.body, status: o.status, filedAt: iso(o.filedAt), answerDueAt: iso(o.answerDueAt), answer: o.answer, outcome: o.outcome, answeredAt: iso(o.answeredAt) })),
    documents: docs.map(docView),
  };
}

/**
 * R54/EV25, R56: who may download a result document — a public one anyone; a notice its recipient; any document the
 * project's tendering side and supervisors; a contract that is not public also the winner. Null = NOT_FOUND.
 */
export async function resultDocumentFor(db: Executor, actor: Actor, documentId: string): Promise<{ sha256: string; filename: string; size: number } | null> {
  if (!isUuid(documentId)) return null;
  const [row] = await db
    .select({ d: resultDocuments, p: projects, winnerOrgId: sectionResults.winnerOrgId })
    .from(resultDocuments)
    .innerJoin(sections, eq(sections.id, resultDocuments.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .leftJoin(sectionResults, eq(sectionResults.sectionId, resultDocuments.sectionId))
    .where(eq(resultDocuments.id, documentId));
  if (!row) return null;
  const { d, p } = row;
  const allowed =
    d.public ||
    (!!actor.orgId && d.orgId === actor.orgId) ||
    (!!actor.user && hasPermission(actor.roles, "supervise:read")) ||
    (!!actor.user && hasPermission(actor.roles, "tender:manage") && managesProject(actor, p)) ||
    (d.kind === "contract" && !!actor.orgId && row.winnerOrgId === actor.orgId);
  return allowed ? { sha256: d.sha256, filename: d.filename, size: d.size } : null;
}
