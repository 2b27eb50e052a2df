import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";
import { listManagedProjects } from "#app/services/tendering/tender-queries.server";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "项目管理 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  return json({ projects: await listManagedProjects(context.app.db, actor) });
}

export default function ManageIndex() {
  const { projects } = useLoaderData<typeof loader>();
  const { t } = useTranslation("tender");
  return (
    <>
      <div className="actions" style={{ justifyContent: "space-between" }}>
        <h1>{t("manage.title")}</h1>
        <Link className="button" to="/manage/new">
          {t("manage.new")}
        </Link>
      </div>
      {projects.length === 0 ? (
        <p className="card muted">{t("manage.empty")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("fields.code")}</th>
              <th>{t("fields.title")}</th>
              <th>{t("fields.tenderingUnit")}</th>
              <th>{t("fields.status")}</th>
              <th>{t("fields.bidDeadline")}</th>
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr key={p.id}>
                <td>{p.code}</td>
                <td>
                  <Link to={`/manage/${p.id}`}>{p.title}</Link>
                </td>
                <td>{p.tenderingUnit}</td>
                <td>
                  <span className={`tag tag-${p.portalStatus}`}>{t(`status.${p.portalStatus}`)}</span>
                </td>
                <td>{formatCst(p.bidDeadline)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
