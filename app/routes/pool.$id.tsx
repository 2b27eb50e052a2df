import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ExpertProfile, type ProfileView } from "#app/components/expert-profile";
import { ErrorAlert } from "#app/components/forms";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import { handleProfileForm } from "#app/services/pool/expert-profile-actions.server";
import { expertProfile } from "#app/services/pool/expert-profile.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "专家信息 · Tenderhall" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "pool:manage");
  try {
    return json(await expertProfile(context.app.db, actor, params.id ?? ""));
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "pool:manage");
  try {
    return json(await handleProfileForm(context.app, actor, params.id ?? "", await readForm(request, context)));
  } catch (e) {
    return errorResponse(e);
  }
}

export default function PoolExpert() {
  const view = useLoaderData<typeof loader>() as unknown as ProfileView;
  const data = useActionData<typeof action>() as { fieldErrors?: Record<string, string[] | null>; done?: string; error?: ErrorPayload } | undefined;
  const { t } = useTranslation("pool");
  return (
    <>
      <p className="muted small">
        <Link to="/pool">{t("pool.title")}</Link> / {view.expert.code}
      </p>
      <h1>
        {view.expert.name} <span className="muted">{view.expert.code}</span>
      </h1>
      <ErrorAlert error={data?.error} />
      {data?.done && <div className="alert alert-ok" data-testid="done">{t("profile.saved")}</div>}
      <ExpertProfile view={view} admin fieldErrors={data?.fieldErrors} />
    </>
  );
}
