import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";
import { listAllForSupervisor } from "#app/services/tendering/tender-queries.server";
import { useLiveRevalidate } from "#app/utils/live";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "行政监督 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:read");
  return json({ tenders: await listAllForSupervisor(context.app.db, actor) });
}

export default function SuperviseIndex() {
  const { tenders } = useLoaderData<typeof loader>();
  const { t } = useTranslation("portal");
  useLiveRevalidate(["portal"]);
  return (
    <div className="portal">
      <h1>{t("supervise.title")}</h1>
      <p className="muted">{t("supervise.intro")}</p>
      {tenders.length === 0 ? (
        <p className="card muted">{t("supervise.empty")}</p>
      ) : (
        <table data-testid="supervise-list">
          <thead>
            <tr>
              <th>{t("detail.code")}</th>
              <th>{t("supervise.tender")}</th>
              <th>{t("detail.tenderingUnit")}</th>
              <th>{t("list.status")}</th>
              <th>{t("detail.publishedAt")}</th>
              <th>{t("detail.bidDeadline")}</th>
              <th className="num">{t("supervise.downloads")}</th>
              <th className="num">{t("supervise.pendingObjections")}</th>
            </tr>
          </thead>
          <tbody>
            {tenders.map((p) => (
              <tr key={p.id}>
                <td className="portal-nowrap">{p.code}</td>
                <td>
                  <Link to={`/supervise/${p.id}`}>{p.title}</Link>
                </td>
                <td>{p.tenderingUnit}</td>
                <td>
                  <span className={`tag tag-${p.portalStatus}`}>{t(`status.${p.portalStatus}`)}</span>
                </td>
                <td className="portal-nowrap">{formatCst(p.publishedAt) || "—"}</td>
                <td className="portal-nowrap">{formatCst(p.bidDeadline)}</td>
                <td className="num">{p.downloads}</td>
                <td className="num">{p.pendingObjections > 0 ? <span className="tag tag-suspended">{p.pendingObjections}</span> : 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
