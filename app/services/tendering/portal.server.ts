import { and, desc, eq, inArray, ne } from "drizzle-orm";
import { Feed } from "feed";
import type { Executor } from "#db/client";
import { amendments, contracts, openings, organisations, projects, resultDocuments, sectionResults, sections } from "#db/schema/index";
import { serverT } from "#app/i18n";
import { hasPermission } from "#app/domain/permissions";
import { getProfile } from "#app/domain/rules/profiles";
import { objectionFilingDeadline } from "#app/domain/rules/tender";
import { formatCst, formatYuan } from "#app/domain/tender-form";
import { cstDate } from "#app/domain/rules/days";
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

/** The last day of a period ending at 24:00 China time (R2): the day before the instant it ends at. */
const lastDay = (end: Date) => cstDate(new Date(end.getTime() - 1));

/**
 * The results entries of the feed (R51 candidate publicity, R56/R58 result announcement, R58 contract), newest
 * first, at most 50 of each: public facts only — the candidates' names as publicised, the winner and amount as
 * announced, the contract's winner, amount and signing date — never a notice to a bidder or the objector.
 */
async function resultEntries(db: Executor, base: string, t: ReturnType<typeof serverT>) {
  const docs = await db
    .select({
      id: resultDocuments.id,
      kind: resultDocuments.kind,
      number: resultDocuments.number,
      issuedAt: resultDocuments.issuedAt,
      sectionId: resultDocuments.sectionId,
      sectionCode: sections.code,
      projectId: projects.id,
      projectTitle: projects.title,
      unit: organisations.name,
    })
    .from(resultDocuments)
    .innerJoin(sections, eq(sections.id, resultDocuments.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .innerJoin(organisations, eq(organisations.id, projects.tenderingUnitId))
    .where(and(ne(projects.status, "draft"), eq(resultDocuments.public, true), inArray(resultDocuments.kind, ["publicity", "result_announcement"])))
    .orderBy(desc(resultDocuments.issuedAt))
    .limit(100);
  const signed = await db
    .select({
      sectionId: contracts.sectionId,
      amountFen: contracts.amountFen,
      signedOn: contracts.signedOn,
      recordedAt: contracts.recordedAt,
      winner: organisations.name,
      sectionCode: sections.code,
      projectId: projects.id,
      projectTitle: projects.title,
      tenderingUnitId: projects.tenderingUnitId,
    })
    .from(contracts)
    .innerJoin(sections, eq(sections.id, contracts.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .innerJoin(organisations, eq(organisations.id, contracts.winnerOrgId))
    .where(ne(projects.status, "draft"))
    .orderBy(desc(contracts.recordedAt))
    .limit(50);
  const sectionIds = [...new Set([...docs.map((d) => d.sectionId), ...signed.map((c) => c.sectionId)])];
  const results = sectionIds.length ? await db.select().from(sectionResults).where(inArray(sectionResults.sectionId, sectionIds)) : [];
  const units = signed.length ? await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, [...new Set(signed.map((c) => c.tenderingUnitId))])) : [];
  const publicity = docs.filter((d) => d.kind === "publicity").slice(0, 50);
  const announcements = docs.filter((d) => d.kind === "result_announcement").slice(0, 50);
  return [
    ...publicity.map((d) => {
      const r = results.find((x) => x.sectionId === d.sectionId);
      // The snapshot is the one this document printed when it is the running publicity (same instant); an older
      // publicity (before a re-check, 条例56) is announced by its number alone.
      const current = r && r.publicityStartedAt && r.publicityStartedAt.getTime() === d.issuedAt.getTime() ? r : null;
      const names = current ? [...current.candidates].sort((a, b) => a.rank - b.rank).map((c) => t("portal:feed.candidate", { rank: c.rank, name: c.name, amount: formatYuan(c.priceFen) })) : [];
      const link = `${base}/tenders/${d.projectId}#section-${d.sectionId}`;
      return {
        title: htmlText(`【${t("portal:feed.publicity")}】${d.projectTitle} ${d.sectionCode}`),
        id: `${base}/tenders/${d.projectId}/results/${d.id}`,
        link,
        date: d.issuedAt,
        published: d.issuedAt,
        author: [{ name: d.unit }],
        category: undefined,
        description: htmlText(
          t("portal:feed.publicitySummary", {
            number: d.number,
            section: d.sectionCode,
            start: formatCst(d.issuedAt),
            end: current?.publicityEndsAt ? `${lastDay(current.publicityEndsAt)} 24:00` : "—",
            candidates: names.length ? names.join(t("portal:detail.listSep")) : "—",
          }),
        ),
        content: undefined,
      };
    }),
    ...announcements.map((d) => {
      const r = results.find((x) => x.sectionId === d.sectionId);
      const w = r && r.notifiedAt && r.notifiedAt.getTime() === d.issuedAt.getTime() ? r.candidates.find((c) => c.bidId === r.winnerBidId) : undefined;
      return {
        title: htmlText(`【${t("portal:feed.announcement")}】${d.projectTitle} ${d.sectionCode}`),
        id: `${base}/tenders/${d.projectId}/results/${d.id}`,
        link: `${base}/tenders/${d.projectId}#section-${d.sectionId}`,
        date: d.issuedAt,
        published: d.issuedAt,
        author: [{ name: d.unit }],
        category: undefined,
        description: htmlText(
          t("portal:feed.announcementSummary", { number: d.number, section: d.sectionCode, winner: w?.name ?? "—", amount: w ? formatYuan(w.priceFen) : "—", date: cstDate(d.issuedAt) }),
        ),
        content: undefined,
      };
    }),
    ...signed.map((c) => ({
      title: htmlText(`【${t("portal:feed.contract")}】${c.projectTitle} ${c.sectionCode}`),
      id: `${base}/tenders/${c.projectId}#contract-${c.sectionId}`,
      link: `${base}/tenders/${c.projectId}#section-${c.sectionId}`,
      date: c.recordedAt,
      published: c.recordedAt,
      author: [{ name: units.find((u) => u.id === c.tenderingUnitId)?.name ?? "" }],
      category: undefined,
      description: htmlText(t("portal:feed.contractSummary", { section: c.sectionCode, winner: c.winner, amount: formatYuan(c.amountFen), date: c.signedOn })),
      content: undefined,
    })),
  ];
}

/**
 * The Atom 1.0 feed of the latest 50 public events: published tenders, amendments, candidate publicity (R51),
 * result announcements (R56/R58) and contracts (R58), newest first (public, zh-CN; links absolute from the
 * configured public URL). RFC 4287: the feed has an author (the platform), every entry an id, title, updated and
 * alternate link; tender entries also carry the tendering unit as author, the publication time and the
 * regime/category as categories.
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
    ...(await resultEntries(db, base, t)),
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
