import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { SubmissionResult } from "@conform-to/react";
import { ErrorAlert } from "#app/components/forms";
import type { ErrorPayload } from "#app/domain/errors";
import { sectionCountOf } from "#app/domain/limits";
import { ProjectFormFields, type ProjectFormValues } from "#app/components/project-form";
import { parseProjectForm, projectFormOptions, projectFormValues } from "#app/services/tendering/project-form.server";
import { updateProject } from "#app/services/tendering/tenders.server";
import { errorResponse, notFound, readForm, requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "编辑项目 · Tenderhall" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  const id = requireUuidParam(params, "id");
  const current = await projectFormValues(context.app.db, actor, id);
  if (!current) notFound();
  if (current.status !== "draft") throw redirect(`/manage/${id}`);
  // `?sections=` (the "add a section" link) is clamped to MAX_SECTIONS_PER_TENDER.
  const sections = sectionCountOf(new URL(request.url).searchParams.get("sections"), current.values.sections.length);
  return json({ ...current, ...(await projectFormOptions(context.app.db, actor)), sections });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  const form = await readForm(request, context);
  const id = requireUuidParam(params, "id");
  let submission: ReturnType<typeof parseProjectForm>;
  try {
    submission = parseProjectForm(form);
  } catch (e) {
    return errorResponse(e);
  }
  // A row button (Conform intent: add/remove a method row, show a method) re-shows the form; nothing is saved.
  if (submission.status === undefined) return json({ submission: submission.reply(), error: null });
  if (submission.status !== "success") return json({ submission: submission.reply(), error: null }, { status: 400 });
  try {
    await updateProject(context.app, actor, id, submission.value);
    return redirect(`/manage/${id}`);
  } catch (e) {
    return errorResponse(e, { submission: submission.reply() });
  }
}

export default function EditProject() {
  const loaded = useLoaderData<typeof loader>() as unknown as { values: ProjectFormValues; sections: number; tenderingUnits?: { id: string; name: string }[]; agencies?: { id: string; name: string }[] };
  const data = useActionData<typeof action>() as { submission?: SubmissionResult<string[]>; error?: ErrorPayload | null } | undefined;
  const { t } = useTranslation("tender");
  const submitted = data?.submission?.initialValue as (Omit<ProjectFormValues, "mustTender"> & { mustTender?: unknown }) | undefined;
  const values: ProjectFormValues = submitted ? { ...submitted, mustTender: submitted.mustTender === "on" } : loaded.values;
  const sectionCount = sectionCountOf(String(loaded.sections), values.sections?.length ?? 0);
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
