import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AmendmentList } from "#app/components/amendment-list";
import { MethodSummary } from "#app/components/method-summary";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import type { MethodConfig } from "#app/domain/evaluation/method";
import { storedMethodOrNull } from "#app/domain/method-form";
import { formatCst, formatYuan } from "#app/domain/tender-form";
import { supervisedTenderPage } from "#app/services/tendering/portal.server";
import { sealedBidCounts } from "#app/services/bids/bids.server";
import { SectionLightsPanel } from "#app/components/supervision/section-lights";
import { organisationNames, projectSupervisionView } from "#app/services/supervision/dashboard.server";
import { requireProjectInScope } from "#app/services/supervision/scope.server";
import { useLiveRevalidate } from "#app/utils/live";
import { requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.title ?? "行政监督"} · 行政监督 · Tenderhall` }];

/** Read-only: supervisors (supervise:read) see every tender, drafts included, and who obtained the documents (R9). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:read");
  const id = requireUuidParam(params, "id");
  try {
    // City–county supervision: outside the supervisor's jurisdiction the tender does not exist (404).
    await requireProjectInScope(context.app.db, actor, id);
    const page = await supervisedTenderPage(context.app.db, actor, id);
    const supervision = await projectSupervisionView(context.app.db, id);
    // Supervisors see how many sealed bids each section holds, never who (sealed-bid confidentiality).
    const counts = await sealedBidCounts(context.app.db, actor, page.project.id);
    const sections = page.sections.map((s) => ({ ...s, evaluation: storedMethodOrNull(s.evaluation, page.project.regime) }));
    const subjectIds = [...new Set(supervision.flatMap((x) => x.alerts.flatMap((a) => a.subjects)))];
    const names = await organisationNames(context.app.db, subjectIds);
    return json({ ...page, sections, supervision, names, sealedCounts: Object.fromEntries(page.sections.map((s) => [s.id, counts.get(s.id) ?? 0])) });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

/** A period that ends at 24:00 China time reads as "2026-12-08 24:00", not as the next midnight (R2). */
function formatDayEnd(d: string): string {
  const s = formatCst(d);
  return s.endsWith(" 00:00") ? `${formatCst(new Date(new Date(d).getTime() - 60_000)).slice(0, 10)} 24:00` : s;
}

export default function SuperviseTender() {
  const { project: p, tenderingUnit, agency, sections, downloads, objections, questions, amendments, documents, sealedCounts, supervision, names } = useLoaderData<typeof loader>();
  const { t } = useTranslation("portal");
  useLiveRevalidate([`tender:${p.id}`, "supervision"]);
  const zfcg = p.regime === "ZFCG";
  const notice = p.notice as Record<string, string | undefined>;
  const pending = objections.filter((o) => o.status === "pending").length;
  return (
    <div className="portal">
      <p className="muted small">
        <Link to="/supervise">{t("supervise.title")}</Link> / {p.code}
      </p>
      <h1>
        {p.title} <span className={`tag tag-${p.portalStatus}`}>{t(`status.${p.portalStatus}`)}</span>
      </h1>
      <p className="muted small">{t("supervise.readOnly")}</p>
      <nav className="portal-toc small" aria-label={t("detail.toc")}>
        {p.status !== "draft" && <Link to={`/tenders/${p.id}`}>{t("supervise.publicPage")}</Link>}
        <Link to={`/record?subject=${p.id}`}>{t("supervise.record")}</Link>
        <Link to={`/supervise/${p.id}/results`} data-testid="supervise-results-link">
          {t("supervise.results")}
        </Link>
        {/* Cases (R65): open one on this tender (app/routes/supervise.cases.new.tsx). */}
        <Link to={`/supervise/cases/new?project=${p.id}`} data-testid="open-case-link">
          {t("supervision:cases.openFromProject")}
        </Link>
        <a href="#downloads">{t("supervise.downloadsTitle")}</a>
        <a href="#objections">{t(zfcg ? "supervise.challengesTitle" : "supervise.objectionsTitle")}</a>
      </nav>

      <SectionLightsPanel projectId={p.id} sections={supervision} names={new Map(Object.entries(names))} />

      <div className="grid grid-2">
        <section className="card">
          <h2>{t("detail.notice")}</h2>
          <dl className="kv">
            <dt>{t("detail.code")}</dt>
            <dd>{p.code}</dd>
            <dt>{t("detail.regime")}</dt>
            <dd>
              {t(`common:regimes.${p.regime}`)} · {t(`common:categories.${p.category}`)}
              {p.mustTender ? ` · ${t("detail.mustTender")}` : ""}
            </dd>
            <dt>{t(zfcg ? "detail.purchaser" : "detail.tenderingUnit")}</dt>
            <dd>{tenderingUnit}</dd>
            <dt>{t(zfcg ? "detail.agencyZfcg" : "detail.agency")}</dt>
            <dd>{agency ?? t("detail.noAgency")}</dd>
            <dt>{t("detail.region")}</dt>
            <dd>{p.location ? `${p.region} · ${p.location}` : p.region}</dd>
            <dt>{zfcg ? t("detail.budget") : t("detail.estimate")}</dt>
            <dd>¥{formatYuan(p.estimateFen)}</dd>
            <dt>{t("detail.funding")}</dt>
            <dd>{p.fundingSource || "—"}</dd>
            <dt>{t("detail.contact")}</dt>
            <dd>{[notice.contactName, notice.contactPhone].filter(Boolean).join(" ") || "—"}</dd>
            <dt>{t("detail.profile")}</dt>
            <dd>
              {p.profileCode}
              {p.profileVersion ? ` @ ${p.profileVersion}` : ""}
            </dd>
          </dl>
        </section>
        <section className="card">
          <h2>{t("detail.timelineShort")}</h2>
          <dl className="kv">
            <dt>{t("detail.publishedAt")}</dt>
            <dd>{formatCst(p.publishedAt) || t("supervise.notPublished")}</dd>
            <dt>{t("detail.documentsPeriod")}</dt>
            <dd>
              {formatCst(p.documentsFrom)} — {formatCst(p.documentsUntil)}
            </dd>
            <dt>{t("detail.questionDeadline")}</dt>
            <dd>{formatCst(p.questionDeadline)}</dd>
            <dt>{t("detail.bidDeadline")}</dt>
            <dd data-testid="bid-deadline">
              <strong>{formatCst(p.bidDeadline)}</strong>
            </dd>
            <dt>{t("detail.decryptionWindow")}</dt>
            <dd>{t("detail.minutes", { n: p.decryptionWindowMinutes })}</dd>
            <dt>{t("detail.evaluationStart")}</dt>
            <dd>{formatCst(p.evaluationStart) || "—"}</dd>
            <dt>{t("supervise.reviewRoom")}</dt>
            <dd>{p.reviewRoom || "—"}</dd>
          </dl>
        </section>
      </div>

      <h2>{t("detail.sections")}</h2>
      <table>
        <thead>
          <tr>
            <th>{t("detail.sectionCode")}</th>
            <th>{t("detail.sectionName")}</th>
            <th className="num">{t("detail.ceiling")}</th>
            <th className="num">{t("detail.bond")}</th>
            <th>{t("detail.method")}</th>
            <th>{t("detail.keyModel")}</th>
          </tr>
        </thead>
        <tbody>
          {sections.map((s) => (
            <tr key={s.id}>
              <td>{s.code}</td>
              <td>
                {s.title}
                <div className="small muted" data-testid={`sealed-count-${s.code}`}>
                  {t("bids:supervise.sealedCount", { n: sealedCounts[s.id] ?? 0 })}
                </div>
                <Link className="small" to={`/tenders/${p.id}/sections/${s.id}/opening`}>
                  {t("bids:opening.hallLink")}
                </Link>
              </td>
              <td className="num">{s.ceilingPriceFen == null ? t("detail.noCeiling") : `¥${formatYuan(s.ceilingPriceFen)}`}</td>
              <td className="num">¥{formatYuan(s.bondFen)}</td>
              <td>
                <MethodSummary method={s.evaluation as MethodConfig | null} compact testId={`method-${s.code}`} />
              </td>
              <td className="small">
                {t(`tender:keyModels.${s.keyModel.model}`)}
                {s.keyModel.model === "bidder_with_custodian_fallback" && ` (${s.keyModel.threshold}/${s.keyModel.custodians.length})`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2 id="downloads">{t("supervise.downloadsTitle")}</h2>
      <p className="muted small">{t("tender:downloads.confidential")}</p>
      {downloads.length === 0 ? (
        <p className="muted">{t("tender:downloads.empty")}</p>
      ) : (
        <table data-testid="downloads">
          <thead>
            <tr>
              <th>{t("tender:downloads.org")}</th>
              <th>{t("supervise.creditCode")}</th>
              <th>{t("tender:downloads.user")}</th>
              <th>{t("tender:downloads.first")}</th>
              <th>{t("tender:downloads.last")}</th>
              <th className="num">{t("tender:downloads.version")}</th>
              <th className="num">{t("supervise.count")}</th>
            </tr>
          </thead>
          <tbody>
            {downloads.map((d) => (
              <tr key={`${d.org}-${d.firstAt}`}>
                <td>{d.org}</td>
                <td>{d.creditCode ?? "—"}</td>
                <td>{d.user}</td>
                <td>{formatCst(d.firstAt)}</td>
                <td>{formatCst(d.lastAt)}</td>
                <td className="num">v{d.lastVersion}</td>
                <td className="num">{d.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2 id="objections">
        {t(zfcg ? "supervise.challengesTitle" : "supervise.objectionsTitle")}{" "}
        {pending > 0 && <span className="tag tag-suspended">{t("supervise.pendingCount", { n: pending })}</span>}
      </h2>
      {objections.length === 0 ? (
        <p className="muted">{t("tender:objections.empty")}</p>
      ) : (
        objections.map((o) => (
          <div className="card" key={o.id} data-testid="objection">
            <p>
              <strong>{o.org}</strong> · {t("detail.filedAt", { at: formatCst(o.filedAt) })} ·{" "}
              <span className={`tag ${o.status === "pending" ? "tag-suspended" : "tag-bidding"}`}>{t(`tender:objections.status.${o.status}`)}</span> ·{" "}
              {t("tender:objections.due", { due: formatDayEnd(o.answerDueAt) })}
            </p>
            <p className="notice-body">{o.body}</p>
            {o.answer && <p className="notice-body">{t("tender:questions.a", { body: o.answer })}</p>}
          </div>
        ))
      )}

      <h2>{t("detail.documents")}</h2>
      {documents.length === 0 ? (
        <p className="muted">{t("detail.noDocuments")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("detail.version")}</th>
              <th>{t("detail.filename")}</th>
              <th>SHA-256</th>
              <th>{t("detail.uploadedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {documents.map((d) => (
              <tr key={d.id}>
                <td>v{d.version}</td>
                <td>
                  <a href={`/tenders/${p.id}/documents/${d.id}`} download>
                    {d.filename}
                  </a>
                </td>
                <td>
                  <code title={d.sha256}>{d.sha256.slice(0, 16)}…</code>
                </td>
                <td className="small">{formatCst(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>{t("detail.amendments")}</h2>
      <AmendmentList amendments={amendments} />

      <h2>{t("detail.qa")}</h2>
      <p className="muted small">{t("supervise.questions", { total: questions.length, open: questions.filter((q) => !q.answer).length })}</p>
      {questions.map((q) => (
        <div className="qa" key={q.id}>
          <div className="q">{t("tender:questions.q", { body: q.body })}</div>
          <div className="a notice-body">{q.answer ? t("tender:questions.a", { body: q.answer }) : <span className="muted">{t("detail.awaiting")}</span>}</div>
          <div className="muted small">{t("detail.askedAt", { at: formatCst(q.askedAt) })}</div>
        </div>
      ))}
    </div>
  );
}
