import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { getSupervisedProject, listDownloads } from "#app/services/tender-queries.server";
import { useLiveRevalidate } from "#app/utils/live";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "行政监督 · Tenderhall" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:read");
  try {
    const view = await getSupervisedProject(context.app.db, actor, params.id ?? "");
    return json({ ...view, downloads: await listDownloads(context.app.db, actor, view.project.id) });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

export default function SuperviseTender() {
  const { project: p, tenderingUnit, downloads, objections, questions, amendments, documents } = useLoaderData<typeof loader>();
  const { t } = useTranslation("portal");
  useLiveRevalidate([`tender:${p.id}`]);
  return (
    <>
      <p className="muted small">
        <Link to="/supervise">{t("supervise.title")}</Link> / {p.code}
      </p>
      <h1>
        {p.title} <span className={`tag tag-${p.portalStatus}`}>{t(`status.${p.portalStatus}`)}</span>
      </h1>
      <div className="card">
        <dl className="kv">
          <dt>{t("detail.tenderingUnit")}</dt>
          <dd>{tenderingUnit}</dd>
          <dt>{t("detail.publishedAt")}</dt>
          <dd>{formatCst(p.publishedAt) || "—"}</dd>
          <dt>{t("detail.bidDeadline")}</dt>
          <dd>{formatCst(p.bidDeadline)}</dd>
          <dt>{t("detail.profile")}</dt>
          <dd>
            {p.profileCode}
            {p.profileVersion ? ` @ ${p.profileVersion}` : ""}
          </dd>
          <dt>{t("detail.documents")}</dt>
          <dd>{t("supervise.documentVersions", { n: documents.length })}</dd>
          <dt>{t("detail.amendments")}</dt>
          <dd>{amendments.length}</dd>
          <dt>{t("detail.qa")}</dt>
          <dd>{t("supervise.questions", { total: questions.length, open: questions.filter((q) => !q.answer).length })}</dd>
        </dl>
        <p>
          {p.status !== "draft" && <Link to={`/tenders/${p.id}`}>{t("supervise.publicPage")}</Link>} ·{" "}
          <Link to={`/record?subject=${p.id}`}>{t("supervise.record")}</Link>
        </p>
      </div>
      <h2>{t("supervise.downloadsTitle")}</h2>
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
                <td className="num">{d.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t("tender:objections.title")}</h2>
      {objections.length === 0 ? (
        <p className="muted">{t("tender:objections.empty")}</p>
      ) : (
        objections.map((o) => (
          <div className="card" key={o.id}>
            <p>
              <strong>{o.org}</strong> · {formatCst(o.filedAt)} · <span className="tag">{t(`tender:objections.status.${o.status}`)}</span> · {t("tender:objections.due", { due: formatCst(o.answerDueAt) })}
            </p>
            <p className="notice-body">{o.body}</p>
            {o.answer && <p className="notice-body">{t("tender:questions.a", { body: o.answer })}</p>}
          </div>
        ))
      )}
    </>
  );
}
