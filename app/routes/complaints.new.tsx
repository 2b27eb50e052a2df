import { parseWithZod } from "@conform-to/zod";
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { dayEnd } from "#app/components/supervision/case-nav";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { COMPLAINT_BODY_MAX, COMPLAINT_BODY_MIN } from "#app/domain/supervision/complaints";
import { formatCst } from "#app/domain/tender-form";
import { dbNow } from "#app/services/platform/command.server";
import { complaintFormFor, fileComplaint } from "#app/services/supervision/complaints.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "投诉 · Tenderhall" }];

/** `?kind=documents|results&objection=<id>`: the bidder's own objection the complaint follows (R53). */
function target(request: Request) {
  const url = new URL(request.url);
  return { kind: (url.searchParams.get("kind") ?? "").slice(0, 20), objectionId: (url.searchParams.get("objection") ?? "").slice(0, 40) };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "complaint:file");
  const { kind, objectionId } = target(request);
  try {
    return json(await complaintFormFor(context.app.db, actor, kind, objectionId, await dbNow(context.app.db)));
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

// Length and eligibility are R53 checks of the service (a translated refusal); the schema only bounds the field.
const ComplaintSchema = z.object({ body: z.string().max(COMPLAINT_BODY_MAX + 1).default("") });

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "complaint:file");
  const { kind, objectionId } = target(request);
  try {
    const submission = parseWithZod(await readForm(request, context), { schema: ComplaintSchema });
    if (submission.status !== "success") throw new DomainError("VALIDATION", { field: "body" });
    const filed = await fileComplaint(context.app, actor, { objectionKind: kind, objectionId, body: submission.value.body });
    return redirect(`/complaints?filed=${filed.id}`);
  } catch (e) {
    return errorResponse(e);
  }
}

export default function NewComplaint() {
  const { project, section, objection, existing, violations, kind } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const nav = useNavigation();
  const { t } = useTranslation("supervision");
  return (
    <div className="portal">
      <p className="muted small">
        <Link to={`/tenders/${project.id}`}>{project.code}</Link> / <Link to="/complaints">{t("complaints.mine.title")}</Link>
      </p>
      <h1>{t("complaints.new.title")}</h1>
      <p className="muted">{t("complaints.new.intro")}</p>
      <section className="card">
        <p>
          <strong>{project.title}</strong>
          {section ? ` · ${section.code} ${section.title}` : ""} · {t(`complaints.kind.${kind}`)}
        </p>
        <p className="notice-body">{objection.body}</p>
        <p className="small">
          {objection.answer ? (
            <>
              <strong>{t("complaints.detail.objectionAnswer")}</strong> ({formatCst(objection.answeredAt)}): <span className="notice-body">{objection.answer}</span>
            </>
          ) : (
            t("complaints.detail.notAnswered", { due: dayEnd(objection.answerDueAt, formatCst) })
          )}
        </p>
      </section>
      <ErrorAlert error={data?.error} />
      {existing ? (
        <p className="card" data-testid="complaint-existing">
          {t("complaints.new.existing", { status: t(`complaints.status.${existing.status}`) })} <Link to="/complaints">{t("complaints.mine.title")}</Link>
        </p>
      ) : violations.length > 0 ? (
        <div className="card" data-testid="complaint-not-yet">
          {t("complaints.new.notYet")}
          <ul>
            {violations.map((v) => (
              <li key={v.code}>{t(`rules:${v.code}`, v.params)}</li>
            ))}
          </ul>
        </div>
      ) : (
        <Form method="post" className="card" data-testid="complaint-form">
          <CsrfInput />
          <div className="field">
            <label htmlFor="body">{t("complaints.new.body", { min: COMPLAINT_BODY_MIN, max: COMPLAINT_BODY_MAX })}</label>
            <textarea id="body" name="body" rows={6} maxLength={COMPLAINT_BODY_MAX} />
          </div>
          <button type="submit" disabled={nav.state === "submitting"} data-testid="file-complaint">
            {t("complaints.new.submit")}
          </button>
        </Form>
      )}
    </div>
  );
}
