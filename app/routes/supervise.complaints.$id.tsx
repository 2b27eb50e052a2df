import { parseWithZod } from "@conform-to/zod";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { SupervisionNav } from "#app/components/supervision/case-nav";
import { ComplaintView } from "#app/components/supervision/complaint-view";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { COMPLAINT_DECISION_MAX, COMPLAINT_OUTCOMES, COMPLAINT_REASON_MAX } from "#app/domain/supervision/complaints";
import { acceptComplaint, complaintDetail, decideComplaint, refuseComplaint } from "#app/services/supervision/complaints.server";
import { useLiveRevalidate } from "#app/utils/live";
import { errorResponse, readForm, requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "投诉处理 · 行政监督 · Tenderhall" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:read");
  const id = requireUuidParam(params, "id");
  try {
    return json(await complaintDetail(context.app.db, actor, id));
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

// The rule checks (a reason, an outcome and a decision) are the service's: an empty field is a translated R53 refusal.
const ComplaintForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("accept"), suspend: z.literal("on").optional() }),
  z.object({ intent: z.literal("refuse"), reason: z.string().max(COMPLAINT_REASON_MAX + 1).default("") }),
  z.object({ intent: z.literal("decide"), outcome: z.string().max(20).default(""), decision: z.string().max(COMPLAINT_DECISION_MAX + 1).default("") }),
]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:act");
  const id = requireUuidParam(params, "id");
  try {
    const submission = parseWithZod(await readForm(request, context), { schema: ComplaintForm });
    if (submission.status !== "success") throw new DomainError("VALIDATION", { field: Object.keys(submission.reply().error ?? {})[0] ?? "intent" });
    const v = submission.value;
    if (v.intent === "accept") await acceptComplaint(context.app, actor, id, { suspend: v.suspend === "on" });
    else if (v.intent === "refuse") await refuseComplaint(context.app, actor, id, { reason: v.reason });
    else await decideComplaint(context.app, actor, id, { outcome: v.outcome, decision: v.decision });
    const done = v.intent === "accept" ? "accepted" : v.intent === "refuse" ? "refused" : "decided";
    return json({ ok: true as const, done, error: null });
  } catch (e) {
    return errorResponse(e);
  }
}

export default function SuperviseComplaint() {
  const { complaint: c, objection, actions } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const nav = useNavigation();
  const { t } = useTranslation("supervision");
  useLiveRevalidate(["supervision"]);
  const busy = nav.state === "submitting";
  return (
    <div className="portal">
      <SupervisionNav />
      <p className="muted small">
        <Link to="/supervise/complaints">{t("complaints.title")}</Link> / {c.projectCode}
      </p>
      <h1>
        {t("complaints.title")} · {c.complainant}
      </h1>
      {data?.ok && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t(`complaints.done.${data.done}`)}
        </div>
      )}
      <ErrorAlert error={data && !data.ok ? data.error : null} />
      <ComplaintView c={c} objection={objection} />
      <div className="grid grid-2">
        {actions.accept && (
          <Form method="post" className="card" data-testid="accept-form">
            <CsrfInput />
            <input type="hidden" name="intent" value="accept" />
            <h3>{t("complaints.accept.title")}</h3>
            <label className="check">
              <input type="checkbox" name="suspend" value="on" /> {t("complaints.accept.suspend")}
            </label>
            <div className="actions">
              <button type="submit" disabled={busy} data-testid="accept">
                {t("complaints.accept.submit")}
              </button>
            </div>
          </Form>
        )}
        {actions.refuse && (
          <Form method="post" className="card" data-testid="refuse-form">
            <CsrfInput />
            <input type="hidden" name="intent" value="refuse" />
            <h3>{t("complaints.refuse.title")}</h3>
            <div className="field">
              <label htmlFor="reason">{t("complaints.refuse.reason")}</label>
              <textarea id="reason" name="reason" rows={3} maxLength={COMPLAINT_REASON_MAX} />
            </div>
            <button type="submit" className="secondary" disabled={busy} data-testid="refuse">
              {t("complaints.refuse.submit")}
            </button>
          </Form>
        )}
        {actions.decide && (
          <Form method="post" className="card" data-testid="decide-form">
            <CsrfInput />
            <input type="hidden" name="intent" value="decide" />
            <h3>{t("complaints.decide.title")}</h3>
            <div className="field">
              <label htmlFor="outcome">{t("complaints.decide.outcome")}</label>
              <select id="outcome" name="outcome" defaultValue="">
                <option value="" disabled>
                  —
                </option>
                {COMPLAINT_OUTCOMES.map((o) => (
                  <option key={o} value={o}>
                    {t(`complaints.outcome.${o}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="decision">{t("complaints.decide.decision")}</label>
              <textarea id="decision" name="decision" rows={5} maxLength={COMPLAINT_DECISION_MAX} />
            </div>
            <button type="submit" disabled={busy} data-testid="decide">
              {t("complaints.decide.submit")}
            </button>
          </Form>
        )}
      </div>
    </div>
  );
}
