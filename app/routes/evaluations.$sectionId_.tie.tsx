import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, httpStatusOf, toErrorPayload, type ErrorPayload } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { decideTie, tieQuestion } from "#app/services/evaluation/summary.server";
import { errorResponse, readForm, requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "并列投标人排序 · Tenderhall" }];

/** At most this many bidders in one tied group a form may order. */
const MAX_TIED = 100;

/**
 * A tie the documents leave to the tendering unit (EV8, chain step `tenderer_decides`): the unit sees the project
 * and the tied bidders' names only — nothing else of the room (R42) — and orders them; the decision is recorded and
 * becomes an input of the engine (summary.server.ts decideTie). Anyone else: 404.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  const sectionId = requireUuidParam(params, "sectionId");
  try {
    return json({ question: await tieQuestion(context.app.db, actor, sectionId) });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  const sectionId = requireUuidParam(params, "sectionId");
  try {
    const form = await readForm(request, context);
    const order = form.getAll("order").map(String);
    if (order.length < 2 || order.length > MAX_TIED || !order.every(isUuid)) throw new DomainError("VALIDATION", { field: "order" });
    await decideTie(context.app, actor, sectionId, order);
    return json({ done: true as const });
  } catch (e) {
    return errorResponse(e);
  }
}

export default function TieDecision() {
  const { question } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { done?: true; error?: ErrorPayload } | undefined;
  const { t } = useTranslation("evaluation");
  const busy = useNavigation().state !== "idle";
  return (
    <>
      <h1>{t("tie.title")}</h1>
      <p>
        {question.project.code} {question.project.title} · {question.section.code} {question.section.title}
      </p>
      <p className="muted small">{t("tie.intro")}</p>
      {question.paused && <div className="alert alert-warn">{t("tie.paused")}</div>}
      <ErrorAlert error={data?.error} />
      {question.ties.map((group) => (
        <Form method="post" key={group.map((b) => b.bidId).join()} className="card" data-testid="tie-form">
          <CsrfInput />
          <p>{t("tie.group", { names: group.map((b) => b.name).join("、") })}</p>
          {group.map((_, i) => (
            <label key={i}>
              {t("tie.position", { n: i + 1 })}
              <select name="order" defaultValue={group[i]!.bidId} data-testid={`tie-position-${i + 1}`}>
                {group.map((b) => (
                  <option key={b.bidId} value={b.bidId}>
                    {b.name}
                  </option>
                ))}
              </select>
            </label>
          ))}
          <button type="submit" disabled={busy}>
            {t("tie.decide")}
          </button>
        </Form>
      ))}
    </>
  );
}
