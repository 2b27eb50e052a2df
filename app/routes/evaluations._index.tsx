import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";
import { myEvaluations } from "#app/services/evaluation/room-view.server";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "评标 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  return json({ evaluations: await myEvaluations(context.app.db, actor) });
}

/** The evaluations the signed-in user sits on (supervisors: every evaluation). Before the start: time and place only (R36). */
export default function Evaluations() {
  const { evaluations } = useLoaderData<typeof loader>();
  const { t } = useTranslation("evaluation");
  return (
    <>
      <h1>{t("list.title")}</h1>
      {evaluations.length === 0 ? (
        <p className="card muted">{t("list.none")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("list.startsAt")}</th>
              <th>{t("room.title")}</th>
              <th>{t("room.committee")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {evaluations.map((e) => (
              <tr key={e.sectionId}>
                <td>{formatCst(new Date(e.startsAt))}</td>
                <td>{e.projectTitle ? `${e.projectCode} ${e.projectTitle} · ${e.sectionCode} ${e.sectionTitle}` : <span className="muted">{t("list.secret")}</span>}</td>
                <td>
                  <span className="tag">{t(`stages.${e.stage}`)}</span>
                </td>
                <td>
                  <Link to={`/evaluations/${e.sectionId}`}>{t("list.open")}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
