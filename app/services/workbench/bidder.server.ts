import { desc, eq, inArray, max } from "drizzle-orm";
import type { Executor } from "#db/client";
import { documentDownloads, projects, resultDocuments, sections, tenderDocuments } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import { attendsOpening, byDue, urgencyOf, WB_MAX_ROWS } from "#app/domain/workbench";
import { listMyBids } from "../bids/my-bids.server";
import { bidderClarifications } from "../evaluation/clarifications.server";
import type { Actor } from "../platform/actor";

/**
 * A bidder's workbench: the tender documents its organisation obtained (R9: its own downloads only), with a newer
 * version flagged; its bids with their version and receipt, and the openings to attend with the time left (R24: the
 * opening is at the bid deadline; the bid rows are /my-bids' own, listMyBids); the clarifications the committees wait
 * for (R43); the results and notices addressed to it (R54/EV25: result_documents whose recipient is its organisation).
 * Each list bounded (WB_MAX_ROWS).
 */
export async function bidderWorkbench(db: Executor, actor: Actor, now: Date) {
  if (!actor.user || !actor.orgId || !hasPermission(actor.roles, "bid:submit")) throw new DomainError("FORBIDDEN", { permission: "bid:submit" });
  const orgId = actor.orgId;

  const dl = await db
    .select({ projectId: projects.id, projectCode: projects.code, projectTitle: projects.title, lastVersion: documentDownloads.lastVersion, lastAt: documentDownloads.lastAt, bidDeadline: projects.bidDeadline })
    .from(documentDownloads)
    .innerJoin(projects, eq(projects.id, documentDownloads.projectId))
    .where(eq(documentDownloads.orgId, orgId))
    .orderBy(desc(documentDownloads.lastAt))
    .limit(WB_MAX_ROWS);
  const latest = dl.length
    ? await db
        .select({ projectId: tenderDocuments.projectId, version: max(tenderDocuments.version) })
        .from(tenderDocuments)
        .where(inArray(tenderDocuments.projectId, dl.map((d) => d.projectId)))
        .groupBy(tenderDocuments.projectId)
    : [];
  const latestOf = new Map(latest.map((l) => [l.projectId, l.version ?? 0]));
  const downloads = dl.map((d) => {
    const latestVersion = latestOf.get(d.projectId) ?? d.lastVersion;
    return {
      key: d.projectId,
      projectId: d.projectId,
      projectCode: d.projectCode,
      projectTitle: d.projectTitle,
      lastVersion: d.lastVersion,
      latestVersion,
      /** An amendment brought a newer version than the one downloaded last (R10). */
      newer: latestVersion > d.lastVersion,
      lastAt: d.lastAt.toISOString(),
      bidDeadline: d.bidDeadline.toISOString(),
      href: `/tenders/${d.projectId}`,
    };
  });

  const { rows } = await listMyBids(db, actor);
  const bids = rows.slice(0, WB_MAX_ROWS).map((r) => ({
    key: r.section.id,
    project: r.project,
    section: r.section,
    state: r.state,
    deadline: r.deadline,
    deadlinePassed: r.deadlinePassed,
    latest: r.latest && { id: r.latest.id, version: r.latest.version, status: r.latest.status, receivedAt: r.latest.receivedAt, receiptHref: `/bids/${r.latest.id}/receipt` },
    bidHref: `/tenders/${r.project.id}/sections/${r.section.id}/bid`,
    hallHref: `/tenders/${r.project.id}/sections/${r.section.id}/opening`,
  }));
  const openings = bids
    .flatMap((b) => {
      const when = attendsOpening(b.state);
      return when ? [{ ...b, when, dueAt: new Date(b.deadline) }] : [];
    })
    .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
    .map(({ dueAt: _dueAt, ...b }) => b);

  const clar = await bidderClarifications(db, actor);
  const clarifications = byDue(clar.requests.filter((c) => c.status === "open").map((c) => ({ ...c, key: c.id, dueAt: new Date(c.dueAt) }))).map((c) => ({
    key: c.key,
    id: c.id,
    kind: c.kind,
    project: c.project,
    section: c.section,
    dueAt: c.dueAt.toISOString(),
    urgency: urgencyOf(c.dueAt, now),
    href: "/clarifications",
  }));

  const docs = await db
    .select({
      id: resultDocuments.id,
      kind: resultDocuments.kind,
      number: resultDocuments.number,
      issuedAt: resultDocuments.issuedAt,
      sectionId: sections.id,
      sectionCode: sections.code,
      sectionTitle: sections.title,
      projectId: projects.id,
      projectCode: projects.code,
      projectTitle: projects.title,
    })
    .from(resultDocuments)
    .innerJoin(sections, eq(sections.id, resultDocuments.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(eq(resultDocuments.orgId, orgId))
    .orderBy(desc(resultDocuments.issuedAt))
    .limit(WB_MAX_ROWS);
  const notices = docs.map((d) => ({
    ...d,
    key: d.id,
    issuedAt: d.issuedAt.toISOString(),
    href: `/results/documents/${d.id}`,
    resultsHref: `/tenders/${d.projectId}/sections/${d.sectionId}/results`,
  }));

  return { downloads, bids, openings, clarifications, notices };
}

export type BidderWorkbench = Awaited<ReturnType<typeof bidderWorkbench>>;
