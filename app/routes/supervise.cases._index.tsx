import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { SupervisionNav } from "#app/components/supervision/case-nav";
import { CASE_STATUSES } from "#app/domain/supervision/cases";
import { formatCst } from "#app/domain/tender-form";
import { listCases } from "#app/services/supervision/cases.server";
import { useLiveRevalidate } from "#app/utils/live";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "案件 · 行政监督 · Tenderhall" }];

/** The cases of the supervisor's jurisdiction (R65), newest first, by status, paged. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:read");
  const url = new URL(request.url);
  const status = (url.searchParams.get("status") ?? "").slice(0, 20) || null;
  const page = Number((url.searchParams.get("page") ?? "1").slice(0, 6));
  const list = await listCases(context.app.db, actor, { status, page });
  return json({ ...list, status: CASE_STATUSES.includes(status as never) ? status : null });
}

export default function SuperviseCases() {
  const { items, total, page, pages, status } = useLoaderData<typeof loader>();
  const { t } = useTranslation("supervision");
  useLiveRevalidate(["supervision"]);
  const href = (p: number) => `?${new URLSearchParams({ ...(status ? { status } : {}), page: String(p) })}`;
  return (
    <div className="portal">
      <SupervisionNav />
      <h1>{t("cases.title")}</h1>
      <Form method="get" className="inline" data-testid="case-filter">
        <label htmlFor="status">{t("cases.filter.label")}</label>{" "}
        <select id="status" name="status" defaultValue={status ?? ""}>
          <option value="">{t("cases.filter.all")}</option>
          {CASE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`cases.status.${s}`)}
            </option>
          ))}
        </select>{" "}
        <button type="submit" className="secondary small-button">
          {t("cases.filter.label")}
        </button>
      </Form>
      <p className="muted small">{t("cases.total", { total })}</p>
      {items.length === 0 ? (
        <p className="card muted" data-testid="cases-empty">
          {t("cases.empty")}
        </p>
      ) : (
        <table data-testid="cases">
          <thead>
            <tr>
              <th>{t("cases.col.code")}</th>
              <th>{t("cases.col.title")}</th>
              <th>{t("cases.col.project")}</th>
              <th>{t("cases.col.status")}</th>
              <th>{t("cases.col.openedAt")}</th>
              <th>{t("cases.col.owner")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id} data-testid="case-row">
                <td className="nowrap">
                  <Link to={`/supervise/cases/${c.id}`}>{c.code}</Link>
                </td>
                <td>
                  {c.title}
                  {c.fromAlert && <span className="tag tag-suspended small"> {t("cases.fromAlert")}</span>}
                </td>
                <td className="small">
                  <Link to={`/supervise/${c.projectId}`}>{c.projectCode}</Link> {c.projectTitle}
                  {c.sectionCode ? ` · ${c.sectionCode}` : ""}
                </td>
                <td>
                  <span className={`tag ${c.status === "resolved" || c.status === "referred" ? "tag-bidding" : "tag-suspended"}`} data-testid="case-status">
                    {t(`cases.status.${c.status}`)}
                  </span>
                </td>
                <td className="small nowrap">{formatCst(c.openedAt)}</td>
                <td className="small">{c.owner}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages > 1 && (
        <nav className="small" aria-label={t("cases.page", { page, pages })}>
          {page > 1 && <Link to={href(page - 1)}>{t("cases.prev")}</Link>} {t("cases.page", { page, pages })}{" "}
          {page < pages && <Link to={href(page + 1)}>{t("cases.next")}</Link>}
        </nav>
      )}
    </div>
  );
}
