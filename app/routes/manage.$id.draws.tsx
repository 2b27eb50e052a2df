import { parseWithZod } from "@conform-to/zod";
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert, FieldError } from "#app/components/forms";
import { DrawRequestSchema } from "#app/domain/draw-form";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { requestDraw } from "#app/services/pool/draws.server";
import { listProjectDraws, listSpecialties } from "#app/services/pool/pool-queries.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "专家抽取 · Tenderhall" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "draw:request");
  try {
    const view = await listProjectDraws(context.app.db, actor, params.id ?? "");
    return json({ ...view, specialties: await listSpecialties(context.app.db) });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "draw:request");
  const submission = parseWithZod(await readForm(request, context), { schema: DrawRequestSchema });
  if (submission.status !== "success") return json({ fieldErrors: submission.reply().error ?? {}, error: null }, { status: 400 });
  try {
    const id = await requestDraw(context.app, actor, submission.value);
    return redirect(`/draws/${id}`);
  } catch (e) {
    void params;
    return errorResponse(e, { fieldErrors: {} });
  }
}

export default function ProjectDraws() {
  const { project, sections, draws, specialties } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { fieldErrors?: Record<string, string[] | null>; error?: ErrorPayload | null } | undefined;
  const { t } = useTranslation("pool");
  const fe = (k: string) => data?.fieldErrors?.[k] ?? undefined;
  // A supplementary draw (R37, linked from a short draw) starts from that draw's section and time, region widened.
  const [params] = useSearchParams();
  const preset = {
    section: sections.some((s) => s.id === params.get("section")) ? params.get("section")! : undefined,
    regionMode: (["local", "remote", "any"] as const).find((m) => m === params.get("regionMode")) ?? "local",
    evaluationAt: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(params.get("evaluationAt") ?? "") ? params.get("evaluationAt")! : undefined,
  };
  return (
    <>
      <p className="muted small">
        <Link to={`/manage/${project.id}`}>{project.code}</Link> / {t("draws.title")}
      </p>
      <h1>
        {t("draws.title")} · {project.title}
      </h1>
      <p className="muted">{t("draws.intro")}</p>
      <ErrorAlert error={data?.error} />
      <Form method="post" className="card" noValidate>
        <CsrfInput />
        <h2>{t("draws.request")}</h2>
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="sectionId">{t("draws.section")}</label>
            <select id="sectionId" name="sectionId" defaultValue={preset.section}>
              {sections.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.code} {s.title}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="regionMode">{t("draws.regionMode")}</label>
            <select id="regionMode" name="regionMode" defaultValue={preset.regionMode}>
              {(["local", "remote", "any"] as const).map((m) => (
                <option key={m} value={m}>
                  {t(`regionModes.${m}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="evaluationAt">{t("draws.evaluationAt")}</label>
            <input id="evaluationAt" name="evaluationAt" type="datetime-local" required defaultValue={preset.evaluationAt} aria-invalid={fe("evaluationAt") ? true : undefined} />
            <FieldError errors={fe("evaluationAt")} />
          </div>
        </div>
        <table>
          <thead>
            <tr>
              <th>{t("draws.specialty")}</th>
              <th>{t("draws.count")}</th>
              <th>{t("draws.backups")}</th>
            </tr>
          </thead>
          <tbody>
            {[0, 1, 2].map((i) => (
              <tr key={i}>
                <td>
                  <select name={`lines[${i}].specialty`} aria-label={t("draws.specialty")} defaultValue="">
                    <option value="">—</option>
                    {specialties.map((s) => (
                      <option key={s.code} value={s.code}>
                        {"　".repeat(s.level - 1)}
                        {s.code} {s.name}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input name={`lines[${i}].count`} type="number" min={0} max={21} aria-label={t("draws.count")} />
                </td>
                <td>
                  <input name={`lines[${i}].backups`} type="number" min={0} max={10} aria-label={t("draws.backups")} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <FieldError errors={fe("lines")} />
        <div className="field">
          <label htmlFor="avoid">{t("draws.avoid")}</label>
          <textarea id="avoid" name="avoid" rows={2} placeholder={t("draws.avoidPlaceholder")} />
          <FieldError errors={fe("avoid")} />
        </div>
        <button type="submit">{t("draws.submit")}</button>
      </Form>
      <h2>{t("draws.list")}</h2>
      {draws.length === 0 ? (
        <p className="muted">{t("draws.none")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("draws.createdAt")}</th>
              <th>{t("draws.section")}</th>
              <th>{t("draws.lines")}</th>
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
                <td>{sections.find((s) => s.id === d.sectionId)?.code}</td>
                <td>{d.lines.map((l) => `${l.specialty}×${l.count}+${l.backups}`).join("；")}</td>
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
