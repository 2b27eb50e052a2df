import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "#app/components/forms";
import { DomainError, httpStatusOf, toErrorPayload, type ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { roomView } from "#app/services/evaluation/room-view.server";
import { channels } from "#app/services/platform/live-channels.server";
import { useLiveRevalidate } from "#app/utils/live";
import { errorResponse, readForm, requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "评标室 · Tenderhall" }];

/**
 * One review room (评标室, docs/decisions/015-evaluation.md): its committee members and supervisors only (R42);
 * anyone else gets 404. Each stage shows its own panel; every change is one command of app/services/evaluation.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  const sectionId = requireUuidParam(params, "sectionId");
  try {
    return json({ view: await roomView(context.app.db, actor, sectionId), channel: channels.evaluation(sectionId) });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

/** Every intent is one command of app/services/evaluation (thin route). */
export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireActor(request, context);
  requireUuidParam(params, "sectionId");
  try {
    const form = await readForm(request, context);
    const intent = String(form.get("intent") ?? "");
    switch (intent) {
      default:
        throw new DomainError("VALIDATION", { field: "intent" });
    }
  } catch (e) {
    return errorResponse(e);
  }
}

export default function ReviewRoom() {
  const { view, channel } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { error?: ErrorPayload } | undefined;
  const { t } = useTranslation("evaluation");
  useLiveRevalidate([channel]);
  return (
    <>
      <p className="muted small">
        <Link to="/evaluations">{t("list.title")}</Link>
        {view.project && ` / ${view.project.code}`}
      </p>
      <h1>
        {t("room.title")}
        {view.room && ` · ${view.room.code} ${view.room.name}`}
      </h1>
      {view.project && view.section && (
        <p data-testid="room-project">
          {view.project.title} · {view.section.code} {view.section.title} · {t("room.method")}：{t(`methods.${view.method}`)}
        </p>
      )}
      <p>
        {t("room.startsAt")}：{formatCst(new Date(view.startsAt))} · <span className="tag" data-testid="room-stage">{t(`stages.${view.stage}`)}</span>
      </p>
      {view.stage === "waiting" && <div className="alert">{t("room.notYet", { at: formatCst(new Date(view.startsAt)) })}</div>}
      {view.paused && <div className="alert alert-warn">{t("room.paused", { reason: view.paused.reason })}</div>}
      {view.viewer === "supervisor" && <div className="alert">{t("room.readOnly")}</div>}
      <ErrorAlert error={data?.error} />
      <section className="card">
        <h2>{t("room.committee")}</h2>
        <table data-testid="committee">
          <thead>
            <tr>
              <th>{t("room.seat")}</th>
              <th>{t("room.member")}</th>
              <th>{t("room.present")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {view.members.map((m) => (
              <tr key={m.id} data-seat={m.seat}>
                <td>M{m.seat}</td>
                <td>
                  {m.name} <span className="muted small">{t(m.kind === "representative" ? "room.representative" : "room.expert")}</span>
                  {m.leader && <span className="tag tag-published"> {t("room.leader")}</span>}
                </td>
                <td>{m.present ? t("room.present") : t("room.absent")}</td>
                <td>
                  <span className="tag">{t(`memberStatuses.${m.status}`)}</span>
                  {m.done.map((d) => (
                    <span key={d} className="tag small">
                      {t(`stages.${d}`)} {t("room.done")}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
