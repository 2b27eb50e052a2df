import { desc, eq, ne } from "drizzle-orm";
import { Feed } from "feed";
import type { Executor } from "#db/client";
import { amendments, organisations, projects } from "#db/schema/index";
import { serverT } from "#app/i18n";
import { formatCst, formatYuan } from "#app/domain/tender-form";

/** The Atom feed of the latest published tenders and amendments (public, zh-CN). */
export async function atomFeed(db: Executor, publicUrl: string): Promise<string> {
  const t = serverT("zh-CN");
  const base = publicUrl.replace(/\/$/, "");
  const tenders = await db
    .select({ id: projects.id, code: projects.code, title: projects.title, publishedAt: projects.publishedAt, bidDeadline: projects.bidDeadline, estimateFen: projects.estimateFen, region: projects.region, unit: organisations.name, description: projects.description })
    .from(projects)
    .innerJoin(organisations, eq(organisations.id, projects.tenderingUnitId))
    .where(ne(projects.status, "draft"))
    .orderBy(desc(projects.publishedAt))
    .limit(50);
  const amends = await db
    .select({ id: amendments.id, projectId: amendments.projectId, seq: amendments.seq, title: amendments.title, issuedAt: amendments.issuedAt, projectTitle: projects.title, newDeadline: amendments.newDeadline })
    .from(amendments)
    .innerJoin(projects, eq(projects.id, amendments.projectId))
    .orderBy(desc(amendments.issuedAt))
    .limit(50);
  const entries = [
    ...tenders.map((p) => ({
      title: `【${t("portal:feed.tender")}】${p.title}`,
      id: `${base}/tenders/${p.id}`,
      link: `${base}/tenders/${p.id}`,
      date: p.publishedAt ?? new Date(0),
      description: t("portal:feed.summary", { code: p.code, unit: p.unit, region: p.region, amount: formatYuan(p.estimateFen), deadline: formatCst(p.bidDeadline) }),
      content: p.description,
    })),
    ...amends.map((a) => ({
      title: `【${t("portal:feed.amendment")}】${a.projectTitle} — ${a.title}`,
      id: `${base}/tenders/${a.projectId}#amendment-${a.seq}`,
      link: `${base}/tenders/${a.projectId}`,
      date: a.issuedAt,
      description: t("portal:feed.amendmentSummary", { seq: a.seq, deadline: formatCst(a.newDeadline) }),
      content: undefined,
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
    feedLinks: { atom: `${base}/feed.atom` },
  });
  for (const e of entries) feed.addItem(e);
  return feed.atom1();
}
