import { desc, eq, ne } from "drizzle-orm";
import { Feed } from "feed";
import type { Executor } from "#db/client";
import { amendments, openings, organisations, projects, sections } from "#db/schema/index";
import { serverT } from "#app/i18n";
import { hasPermission } from "#app/domain/permissions";
import { getProfile } from "#app/domain/rules/profiles";
import { objectionFilingDeadline } from "#app/domain/rules/tender";
import { formatCst, formatYuan } from "#app/domain/tender-form";
import type { Actor } from "../platform/actor";
import { loadCalendar } from "./calendar.server";
import { bidderView, getPublicTender, getSupervisedProject, listDownloads } from "./tender-queries.server";
import { managesProject } from "./tenders.server";

/**
 * The public tender page (招标公告 detail) for one actor: the public data, the signed-in
 * bidder's own involvement, and what the actor may do right now. Every "may" flag mirrors
 * the guard of the command it leads to (obtainDocument, askQuestion, fileObjection), which
 * stays the authority; the flags only decide which links and forms to show.
 * Throws NOT_FOUND for unknown ids and drafts.
 */
export async function tenderPage(db: Executor, actor: Actor, projectId: string) {
  const view = await getPublicTender(db, projectId);
  const p = view.project;
  const now = view.now;
  const [mine, calendar, halls] = await Promise.all([
    bidderView(db, actor, p.id),
    loadCalendar(db),
    db
      .select({ sectionId: openings.sectionId, phase: openings.phase, record: openings.recordSha256, notice: openings.failureNoticeSha256 })
      .from(openings)
      .innerJoin(sections, eq(sections.id, openings.sectionId))
      .where(eq(sections.projectId, p.id)),
  ]);
  const canManage = managesProject(actor, p);
  const canSupervise = hasPermission(actor.roles, "supervise:read");
  // R11 (ZTB: ≥10 days before the deadline) / R12 (ZFCG: 7 working days after knowing —
  // counted from publication, as fileObjection does).
  const objectionUntil = objectionFilingDeadline({ bidDeadline: p.bidDeadline, knownAt: p.publishedAt ?? undefined }, getProfile(p.profileCode), calendar);
  const bidding = p.status === "published" && now < p.bidDeadline;
  const documentsOpen = bidding && now >= p.documentsFrom;
  return {
    ...view,
    mine,
    canManage,
    canSupervise,
    objectionUntil,
    /** Each section's opening hall (public): its phase and the signed documents it has issued. */
    halls: Object.fromEntries(halls.map((h) => [h.sectionId, { phase: h.phase, record: !!h.record, notice: !!h.notice }])),
    may: {
      /** A bidder obtains (and so records) the documents: published, from documentsFrom until the deadline. */
      obtain: !!mine && documentsOpen,
      /** The tender side and supervisors read the documents without an obtainment record. */
      read: canManage || canSupervise,
      ask: !!mine && bidding && now < p.questionDeadline,
      /** The form is offered while the tender runs; the R11/R12 timing check is the command's. */
      object: !!mine && (p.status === "published" || p.status === "suspended") && now < p.bidDeadline,
      objectionLate: objectionUntil !== null && now >= objectionUntil,
    },
    documentsNotYet: bidding && now < p.documentsFrom,
  };
}

/** The supervisor's read-only view of one tender (drafts included): full data, who obtained the documents (R9), all objections. */
export async function supervisedTenderPage(db: Executor, actor: Actor, projectId: string) {
  const view = await getSupervisedProject(db, actor, projectId);
  const [downloads, agency] = await Promise.all([
    listDownloads(db, actor, view.project.id),
    view.project.agencyId
      ? db
          .select({ name: organisations.name })
          .from(organisations)
          .where(eq(organisations.id, view.project.agencyId))
          .then((r) => r[0]?.name ?? null)
      : Promise.resolve(null),
  ]);
  const { searchText: _s, ...project } = view.project;
  return { ...view, project, agency, downloads };
}

/** Text for an Atom `type="html"` construct: the reader decodes it back to exactly this text. */
function htmlText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r?\n/g, "<br/>");
}

/**
 * The Atom 1.0 feed of the latest 50 published tenders and amendments (public, zh-CN; links
 * absolute from the configured public URL). RFC 4287: the feed has an author (the platform),
 * every entry an id, title, updated and alternate link; entries also carry the tendering
 * unit as author, the publication time and the regime/category as categories.
 */
export async function atomFeed(db: Executor, publicUrl: string): Promise<string> {
  const t = serverT("zh-CN");
  const base = publicUrl.replace(/\/$/, "");
  const tenders = await db
    .select({
      id: projects.id,
      code: projects.code,
      title: projects.title,
      regime: projects.regime,
      category: projects.category,
      publishedAt: projects.publishedAt,
      bidDeadline: projects.bidDeadline,
      estimateFen: projects.estimateFen,
      region: projects.region,
      unit: organisations.name,
      description: projects.description,
    })
    .from(projects)
    .innerJoin(organisations, eq(organisations.id, projects.tenderingUnitId))
    .where(ne(projects.status, "draft"))
    .orderBy(desc(projects.publishedAt), desc(projects.id))
    .limit(50);
  const amends = await db
    .select({
      id: amendments.id,
      projectId: amendments.projectId,
      seq: amendments.seq,
      title: amendments.title,
      body: amendments.body,
      issuedAt: amendments.issuedAt,
      extended: amendments.extended,
      previousDeadline: amendments.previousDeadline,
      newDeadline: amendments.newDeadline,
      projectTitle: projects.title,
      unit: organisations.name,
    })
    .from(amendments)
    .innerJoin(projects, eq(projects.id, amendments.projectId))
    .innerJoin(organisations, eq(organisations.id, projects.tenderingUnitId))
    .where(ne(projects.status, "draft"))
    .orderBy(desc(amendments.issuedAt))
    .limit(50);
  const entries = [
    ...tenders.map((p) => {
      const date = p.publishedAt ?? new Date(0);
      return {
        title: htmlText(`【${t("portal:feed.tender")}】${p.title}`),
        id: `${base}/tenders/${p.id}`,
        link: `${base}/tenders/${p.id}`,
        date,
        published: date,
        author: [{ name: p.unit }],
        // Labels come from our catalogs (no "&": the feed package does not escape attributes).
        category: [
          { term: p.regime, name: t(`common:regimes.${p.regime}`) },
          { term: p.category, name: t(`common:categories.${p.category}`) },
        ],
        description: htmlText(
          t("portal:feed.summary", { code: p.code, unit: p.unit, region: p.region, amount: formatYuan(p.estimateFen), deadline: formatCst(p.bidDeadline) })
        ),
        content: p.description ? htmlText(p.description) : undefined,
      };
    }),
    ...amends.map((a) => ({
      title: htmlText(`【${t("portal:feed.amendment")}】${a.projectTitle} — ${a.title}`),
      id: `${base}/tenders/${a.projectId}#amendment-${a.seq}`,
      link: `${base}/tenders/${a.projectId}#amendment-${a.seq}`,
      date: a.issuedAt,
      published: a.issuedAt,
      author: [{ name: a.unit }],
      category: undefined,
      description: htmlText(
        a.extended
          ? t("portal:feed.amendmentExtended", { seq: a.seq, from: formatCst(a.previousDeadline), to: formatCst(a.newDeadline) })
          : t("portal:feed.amendmentSummary", { seq: a.seq, deadline: formatCst(a.newDeadline) })
      ),
      content: htmlText(a.body),
    })),
  ]
    .sort((a, b) => b.date.getTime() - a.date.getTime())
    .slice(0, 50);
  const feed = new Feed({
    title: t("portal:feed.title"),
    description: t("portal:feed.description"),
    id: `${base}/`,
    link: `${base}/`,
    language: "zh-CN",
    updated: entries[0]?.date ?? new Date(0),
    copyright: t("common:appName"),
    author: { name: t("common:appName"), link: `${base}/` },
    feedLinks: { atom: `${base}/feed.atom` },
  });
  for (const e of entries) feed.addItem(e);
  return feed.atom1();
}
