import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { dayEnd, SupervisionNav } from "#app/components/supervision/case-nav";
import { formatCst } from "#app/domain/tender-form";
import { listComplaints, openComplaintCounts } from "#app/services/supervision/complaints.server";
import { useLiveRevalidate } from "#app/utils/live";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "投诉 · 行政监督 · Tenderhall" }];

const STATUSES = ["filed", "accepted", "refused", "decided", "withdrawn"] as const;

/** R53: the complaints of the supervisor's jurisdiction, newest first, by status, paged. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:read");
  const url = new URL(request.url);
  const status = (url.searchParams.get("status") ?? "").slice(0, 20) || null;
  const page = Number((url.searchParams.get("page") ?? "1").slice(0, 6));
  const [list, counts] = await Promise.all([listComplaints(context.app.db, actor, { status, page }), openComplaintCounts(context.app.db, actor)]);
  return json({ ...list, counts, status: STATUSES.includes(status as never) ? status : null });
}

export default function SuperviseComplaints() {
  const { items, total, page, pages, status, counts } = useLoaderData<typeof loader>();
  const { t } = useTranslation("supervision");
  useLiveRevalidate(["supervision"]);
  const href = (p: number) => `?${new URLSearchParams({ ...(status ? { status } : {}), page: String(p) })}`;
  return (
    <div className="portal">
      <SupervisionNav />
      <h1>{t("complaints.title")}</h1>
      <p className="muted small" data-testid="complaint-counts">
        {t("complaints.pending", counts)}
      </p>
      <Form method="get" className="inline">
        <label htmlFor="status">{t("cases.filter.label")}</label>{" "}
        <select id="status" name="status" defaultValue={status ?? ""}>
          <option value="">{t("cases.filter.all")}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`complaints.status.${s}`)}
            </option>
          ))}
        </select>{" "}
        <button type="submit" className="secondary small-button">
          {t("cases.filter.label")}
        </button>
      </Form>
      <p className="muted small">{t("cases.total", { total })}</p>
      {items.length === 0 ? (
        <p className="card muted">{t("complaints.empty")}</p>
      ) : (
        <table data-testid="complaints">
          <thead>
            <tr>
              <th>{t("complaints.col.filedAt")}</th>
              <th>{t("complaints.col.project")}</th>
              <th>{t("complaints.col.complainant")}</th>
              <th>{t("complaints.col.status")}</th>
              <th>{t("complaints.col.due")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id} data-testid="complaint-row">
                <td className="nowrap">
                  <Link to={`/supervise/complaints/${c.id}`}>{formatCst(c.filedAt)}</Link>
                </td>
                <td className="small">
                  {c.projectCode} {c.projectTitle}
                  {c.sectionCode ? ` · ${c.sectionCode}` : ""}
                  <div className="muted">{t(`complaints.kind.${c.objectionKind}`, { defaultValue: c.objectionKind })}</div>
                </td>
                <td className="small">{c.complainant}</td>
                <td>
                  <span className={`tag ${c.status === "filed" || c.status === "accepted" ? "tag-suspended" : "tag-bidding"}`}>{t(`complaints.status.${c.status}`)}</span>
                  {c.suspended && <span className="tag tag-terminated"> {t("complaints.suspended")}</span>}
                </td>
                <td className="small nowrap">
                  {c.status === "filed" && t("complaints.acceptDue", { due: dayEnd(c.acceptDueAt, formatCst) })}
                  {c.status === "accepted" && t("complaints.decisionDue", { due: dayEnd(c.decisionDueAt, formatCst) })}
                  {c.status === "decided" && c.outcome && t(`complaints.outcome.${c.outcome}`)}
                </td>
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
