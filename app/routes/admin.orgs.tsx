import { parseWithZod } from "@conform-to/zod";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "#app/components/admin-nav";
import { CsrfInput, ErrorAlert, FieldError } from "#app/components/forms";
import { OrganisationSchema } from "#app/domain/account-forms";
import type { ErrorPayload } from "#app/domain/errors";
import { ORG_KINDS } from "#app/domain/roles";
import { createOrganisation, listOrganisations } from "#app/services/accounts.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "单位管理 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, "admin:orgs");
  return json({ orgs: await listOrganisations(context.app.db) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "admin:orgs");
  const submission = parseWithZod(await readForm(request, context), { schema: OrganisationSchema });
  if (submission.status !== "success") return json({ fieldErrors: submission.reply().error ?? {}, error: null, created: false }, { status: 400 });
  try {
    await createOrganisation(context.app, actor, submission.value);
    return json({ fieldErrors: {}, error: null, created: true });
  } catch (e) {
    return errorResponse(e, { fieldErrors: {}, created: false });
  }
}

export default function AdminOrgs() {
  const { orgs } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { fieldErrors?: Record<string, string[] | null>; error?: ErrorPayload | null; created?: boolean } | undefined;
  const { t } = useTranslation("admin");
  const fe = (k: string) => data?.fieldErrors?.[k] ?? undefined;
  return (
    <>
      <h1>{t("orgs.title")}</h1>
      <AdminNav />
      <ErrorAlert error={data?.error} />
      {data?.created && <div className="alert alert-ok">{t("orgs.created")}</div>}
      <Form method="post" className="card" noValidate>
        <CsrfInput />
        <h2>{t("orgs.new")}</h2>
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="name">{t("orgs.name")}</label>
            <input id="name" name="name" type="text" required aria-invalid={fe("name") ? true : undefined} />
            <FieldError errors={fe("name")} />
          </div>
          <div className="field">
            <label htmlFor="kind">{t("orgs.kind")}</label>
            <select id="kind" name="kind">
              {ORG_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`common:orgKinds.${k}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="creditCode">{t("orgs.creditCode")}</label>
            <input id="creditCode" name="creditCode" type="text" maxLength={18} aria-invalid={fe("creditCode") ? true : undefined} />
            <FieldError errors={fe("creditCode")} />
          </div>
          {(["region", "contactName", "contactPhone", "address"] as const).map((f) => (
            <div className="field" key={f}>
              <label htmlFor={f}>{t(`orgs.${f}`)}</label>
              <input id={f} name={f} type="text" />
              <FieldError errors={fe(f)} />
            </div>
          ))}
        </div>
        <button type="submit">{t("orgs.create")}</button>
      </Form>
      <table>
        <thead>
          <tr>
            <th>{t("orgs.name")}</th>
            <th>{t("orgs.kind")}</th>
            <th>{t("orgs.creditCode")}</th>
            <th>{t("orgs.region")}</th>
            <th>{t("orgs.contactName")}</th>
          </tr>
        </thead>
        <tbody>
          {orgs.map((o) => (
            <tr key={o.id}>
              <td>{o.name}</td>
              <td>{t(`common:orgKinds.${o.kind}`)}</td>
              <td>{o.creditCode ?? "—"}</td>
              <td>{o.region}</td>
              <td>
                {o.contactName} {o.contactPhone}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
