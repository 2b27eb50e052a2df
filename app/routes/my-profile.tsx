import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ExpertProfile, type ProfileView } from "#app/components/expert-profile";
import { ErrorAlert } from "#app/components/forms";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import { handleProfileForm } from "#app/services/pool/expert-profile-actions.server";
import { expertProfile } from "#app/services/pool/expert-profile.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "我的专家信息 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  try {
    return json(await expertProfile(context.app.db, actor, "me"));
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  try {
    return json(await handleProfileForm(context.app, actor, "me", await readForm(request, context)));
  } catch (e) {
    return errorResponse(e);
  }
}

/** An expert keeps its own profile and declarations (R41: conflicts are auto-checked from them). */
export default function MyProfile() {
  const view = useLoaderData<typeof loader>() as unknown as ProfileView;
  const data = useActionData<typeof action>() as { fieldErrors?: Record<string, string[] | null>; done?: string; error?: ErrorPayload } | undefined;
  const { t } = useTranslation("pool");
  return (
    <>
      <h1>{t("profile.mine")}</h1>
      <ErrorAlert error={data?.error} />
      {data?.done && <div className="alert alert-ok" data-testid="done">{t("profile.saved")}</div>}
      <ExpertProfile view={view} admin={false} fieldErrors={data?.fieldErrors} />
    </>
  );
}
