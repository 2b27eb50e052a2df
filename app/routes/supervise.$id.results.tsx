import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { SupervisionResults } from "#app/components/results/supervision-panel";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { dbNow } from "#app/services/platform/command.server";
import { managedResults } from "#app/services/results/views.server";
import { useLiveRevalidate } from "#app/utils/live";
import { requireProjectInScope } from "#app/services/supervision/scope.server";
import { requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "定标监督 · Tenderhall" }];

/** Supervisors (supervise:read) read every section's results with its limits, overdue ones marked (R52, R54–R57, R15). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:read");
  const id = requireUuidParam(params, "id");
  try {
    await requireProjectInScope(context.app.db, actor, id);
    return json(await managedResults(context.app.db, actor, id, await dbNow(context.app.db)));
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

export default function SuperviseResults() {
  const view = useLoaderData<typeof loader>();
  const { t } = useTranslation("results");
  useLiveRevalidate([`tender:${view.project.id}`]);
  const any = view.sections.some((s) => s.result);
  return (
    <div className="portal">
      <p className="muted small">
        <Link to="/supervise">{t("portal:supervise.title")}</Link> / <Link to={`/supervise/${view.project.id}`}>{view.project.code}</Link> / {t("title")}
      </p>
      <h1>
        {t("supervision.title")} · {view.project.title}
      </h1>
      {!any && <p className="muted">{t("notYet")}</p>}
      {view.sections.map((s) => (
        <SupervisionResults key={s.id} s={s} />
      ))}
    </div>
  );
}
