import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { SubmissionResult } from "@conform-to/react";
import { ErrorAlert } from "#app/components/forms";
import type { ErrorPayload } from "#app/domain/errors";
import { ProjectFormFields, type ProjectFormValues } from "#app/components/project-form";
import { parseProjectForm, projectFormOptions, projectFormValues } from "#app/services/tendering/project-form.server";
import { updateProject } from "#app/services/tendering/tenders.server";
import { errorResponse, notFound, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "编辑项目 · Tenderhall" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  const current = await projectFormValues(context.app.db, actor, params.id ?? "");
  if (!current) notFound();
  if (current.status !== "draft") throw redirect(`/manage/${params.id}`);
  return json({ ...current, ...(await projectFormOptions(context.app.db, actor)) });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  const form = await readForm(request, context);
  const submission = parseProjectForm(form);
  if (submission.status !== "success") return json({ submission: submission.reply(), error: null }, { status: 400 });
  try {
    await updateProject(context.app, actor, params.id ?? "", submission.value);
    return redirect(`/manage/${params.id}`);
  } catch (e) {
    return errorResponse(e, { submission: submission.reply() });
  }
}

export default function EditProject() {
  const loaded = useLoaderData<typeof loader>() as unknown as { values: ProjectFormValues; tenderingUnits?: { id: string; name: string }[]; agencies?: { id: string; name: string }[] };
  const data = useActionData<typeof action>() as { submission?: SubmissionResult<string[]>; error?: ErrorPayload | null } | undefined;
  const [params] = useSearchParams();
  const { t } = useTranslation("tender");
  const submitted = data?.submission?.initialValue as (Omit<ProjectFormValues, "mustTender"> & { mustTender?: unknown }) | undefined;
  const values: ProjectFormValues = submitted ? { ...submitted, mustTender: submitted.mustTender === "on" } : loaded.values;
  const sectionCount = Math.max(Number(params.get("sections")) || 1, values.sections?.length ?? 1);
  return (
    <>
      <h1>{t("manage.edit")}</h1>
      {data?.submission?.status === "error" && !data.error && <div className="alert alert-error" role="alert">{t("common:errors.VALIDATION")}</div>}
      <ErrorAlert error={data?.error} />
      <ProjectFormFields
        values={values}
        errors={data?.submission?.error ?? {}}
        sectionCount={sectionCount}
        tenderingUnits={loaded.tenderingUnits}
        agencies={loaded.agencies}
        submitLabel={t("manage.saveDraft")}
        cancelTo="/manage"
      />
    </>
  );
}
