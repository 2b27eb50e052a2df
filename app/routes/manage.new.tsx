import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { SubmissionResult } from "@conform-to/react";
import { ErrorAlert } from "#app/components/forms";
import type { ErrorPayload } from "#app/domain/errors";
import { sectionCountOf } from "#app/domain/limits";
import { ProjectFormFields, type ProjectFormValues } from "#app/components/project-form";
import { parseProjectForm, projectFormOptions } from "#app/services/tendering/project-form.server";
import { createProject } from "#app/services/tendering/tenders.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "登记项目 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  // `?sections=` (the "add a section" link) is clamped to MAX_SECTIONS_PER_TENDER.
  const sections = sectionCountOf(new URL(request.url).searchParams.get("sections"));
  return json({ ...(await projectFormOptions(context.app.db, actor)), sections });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  const form = await readForm(request, context);
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
    const id = await createProject(context.app, actor, submission.value);
    return redirect(`/manage/${id}`);
  } catch (e) {
    return errorResponse(e, { submission: submission.reply() });
  }
}

export default function NewProject() {
  const options = useLoaderData<typeof loader>() as { sections: number; tenderingUnits?: { id: string; name: string }[]; agencies?: { id: string; name: string }[] };
  const data = useActionData<typeof action>() as { submission?: SubmissionResult<string[]>; error?: ErrorPayload | null } | undefined;
  const { t } = useTranslation("tender");
  const values = (data?.submission?.initialValue ?? {}) as Omit<ProjectFormValues, "mustTender"> & { mustTender?: unknown };
  const sectionCount = sectionCountOf(String(options.sections), values.sections?.length ?? 0);
  return (
    <>
      <h1>{t("manage.new")}</h1>
      {data?.submission?.status === "error" && !data.error && <div className="alert alert-error" role="alert">{t("common:errors.VALIDATION")}</div>}
      <ErrorAlert error={data?.error} />
      <ProjectFormFields
        values={data ? { ...values, mustTender: values.mustTender === "on" } : { decryptionWindowMinutes: "60", keyThreshold: "2", mustTender: true }}
        errors={data?.submission?.error ?? {}}
        sectionCount={sectionCount}
        tenderingUnits={options.tenderingUnits}
        agencies={options.agencies}
        submitLabel={t("manage.saveDraft")}
        cancelTo="/manage"
      />
    </>
  );
}
