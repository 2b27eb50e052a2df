import { parseWithZod } from "@conform-to/zod";
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { SupervisionNav } from "#app/components/supervision/case-nav";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { CASE_TITLE_MAX } from "#app/domain/supervision/cases";
import { caseOpeningContext, openCase } from "#app/services/supervision/cases.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "立案 · 行政监督 · Tenderhall" }];

/** `?alert=<id>` or `?project=<id>`: where the case starts from (within the supervisor's jurisdiction). */
function origin(request: Request) {
  const url = new URL(request.url);
  return { alertId: url.searchParams.get("alert")?.slice(0, 40) || null, projectId: url.searchParams.get("project")?.slice(0, 40) || null };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:act");
  try {
    return json(await caseOpeningContext(context.app.db, actor, origin(request)));
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

const OpenCaseSchema = z.object({
  title: z.string({ required_error: "required" }).trim().min(2, "required").max(CASE_TITLE_MAX, "tooLong"),
  sectionId: z.string().max(40).optional(),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:act");
  const form = await readForm(request, context);
  const submission = parseWithZod(form, { schema: OpenCaseSchema });
  if (submission.status !== "success") return json({ ok: false as const, error: null, fieldErrors: submission.reply().error ?? {} }, { status: 400 });
  const from = origin(request);
  try {
    const c = await openCase(context.app, actor, from.alertId ? { alertId: from.alertId, title: submission.value.title } : { projectId: from.projectId, sectionId: submission.value.sectionId || null, title: submission.value.title });
    return redirect(`/supervise/cases/${c.id}?opened=${encodeURIComponent(c.code)}`);
  } catch (e) {
    return errorResponse(e, { fieldErrors: {} });
  }
}

export default function NewCase() {
  const { project, sections, alert, openCases } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const nav = useNavigation();
  const { t } = useTranslation("supervision");
  const titleErrors = (data as { fieldErrors?: Record<string, string[] | null> } | undefined)?.fieldErrors?.title ?? [];
  const alertSection = alert?.sectionId ? sections.find((s) => s.id === alert.sectionId) : null;
  return (
    <div className="portal">
      <SupervisionNav />
      <h1>{t("cases.new.title")}</h1>
      <ErrorAlert error={data?.error} />
      {alert && (
        <p className="card" data-testid="case-alert">
          {t("cases.new.fromAlert", { kind: alert.kind, rule: alert.rule, severity: alert.severity })}
        </p>
      )}
      {alert && alert.status !== "open" ? (
        <p className="alert alert-error">{t("cases.new.alertClosed", { status: alert.status })}</p>
      ) : (
        <Form method="post" className="card admin-form" noValidate data-testid="open-case-form">
          <CsrfInput />
          <dl className="kv">
            <dt>{t("cases.new.project")}</dt>
            <dd>
              <Link to={`/supervise/${project.id}`}>{project.code}</Link> {project.title}
            </dd>
          </dl>
          {alert ? (
            <p className="small muted">
              {t("cases.new.section")}: {alertSection ? `${alertSection.code} ${alertSection.title}` : t("cases.new.wholeProject")}
            </p>
          ) : (
            <div className="field">
              <label htmlFor="sectionId">{t("cases.new.section")}</label>
              <select id="sectionId" name="sectionId" defaultValue="">
                <option value="">{t("cases.new.wholeProject")}</option>
                {sections.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.code} {s.title}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor="title">{t("cases.new.caseTitle")}</label>
            <input
              id="title"
              name="title"
              type="text"
              maxLength={CASE_TITLE_MAX}
              aria-required
              aria-invalid={titleErrors.length ? true : undefined}
              aria-describedby="title-hint"
            />
            <div className="hint" id="title-hint">
              {t("cases.new.caseTitleHint")}
            </div>
            {titleErrors.length > 0 && (
              <div className="field-error" id="title-error">
                {titleErrors.map((k) => t(`common:errors.${k}`, { defaultValue: t("common:errors.invalid") })).join("；")}
              </div>
            )}
          </div>
          <div className="actions">
            <button type="submit" disabled={nav.state === "submitting"} data-testid="open-case">
              {t("cases.new.submit")}
            </button>
          </div>
        </Form>
      )}
      {openCases.length > 0 && (
        <section className="card">
          <h2>{t("cases.new.openCases")}</h2>
          <ul>
            {openCases.map((c) => (
              <li key={c.id}>
                <Link to={`/supervise/cases/${c.id}`}>{c.code}</Link> {c.title} · {t(`cases.status.${c.status}`)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
