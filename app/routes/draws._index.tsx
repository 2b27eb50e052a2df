import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";
import { listDrawsForSupervisor } from "#app/services/pool/pool-queries.server";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "专家抽取监督 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "draw:read-names");
  return json({ draws: await listDrawsForSupervisor(context.app.db, actor) });
}

export default function SupervisorDraws() {
  const { draws } = useLoaderData<typeof loader>();
  const { t } = useTranslation("pool");
  return (
    <>
      <h1>{t("draws.supervise")}</h1>
      {draws.length === 0 ? (
        <p className="muted">{t("draws.none")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("draws.createdAt")}</th>
              <th>{t("draws.project")}</th>
              <th>{t("draws.evaluationAt")}</th>
              <th>{t("draws.status")}</th>
            </tr>
          </thead>
          <tbody>
            {draws.map((d) => (
              <tr key={d.id}>
                <td>
                  <Link to={`/draws/${d.id}`}>{formatCst(d.createdAt)}</Link>
                </td>
                <td>
                  {d.code} {d.title}
                </td>
                <td>{formatCst(d.evaluationAt)}</td>
                <td>
                  <span className="tag">{t(`drawStatuses.${d.status}`)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
