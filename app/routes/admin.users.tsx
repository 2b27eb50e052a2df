import { parseWithZod } from "@conform-to/zod";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "#app/components/admin-nav";
import { CsrfInput, ErrorAlert, FieldError } from "#app/components/forms";
import { UserSchema } from "#app/domain/account-forms";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import { ROLES } from "#app/domain/roles";
import { formatCst } from "#app/domain/tender-form";
import { createUser, listOrganisations, listUsers, setUserActive } from "#app/services/accounts.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "用户管理 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, "admin:users");
  return json({ users: await listUsers(context.app.db), orgs: await listOrganisations(context.app.db) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "admin:users");
  const form = await readForm(request, context);
  try {
    const intent = form.get("intent");
    if (intent === "activate" || intent === "deactivate") {
      const id = String(form.get("userId") ?? "");
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new DomainError("NOT_FOUND");
      await setUserActive(context.app, actor, id, intent === "activate");
      return json({ fieldErrors: {}, error: null, done: intent });
    }
    const submission = parseWithZod(form, { schema: UserSchema });
    if (submission.status !== "success") return json({ fieldErrors: submission.reply().error ?? {}, error: null, done: null }, { status: 400 });
    await createUser(context.app, actor, submission.value);
    return json({ fieldErrors: {}, error: null, done: "created" });
  } catch (e) {
    return errorResponse(e, { fieldErrors: {}, done: null });
  }
}

export default function AdminUsers() {
  const { users, orgs } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { fieldErrors?: Record<string, string[] | null>; error?: ErrorPayload | null; done?: string | null } | undefined;
  const { t } = useTranslation("admin");
  const fe = (k: string) => data?.fieldErrors?.[k] ?? undefined;
  return (
    <>
      <h1>{t("users.title")}</h1>
      <AdminNav />
      <ErrorAlert error={data?.error} />
      {data?.done && <div className="alert alert-ok">{t(`users.done.${data.done}`)}</div>}
      <Form method="post" className="card" noValidate>
        <CsrfInput />
        <input type="hidden" name="intent" value="create" />
        <h2>{t("users.new")}</h2>
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="orgId">{t("users.org")}</label>
            <select id="orgId" name="orgId" aria-invalid={fe("orgId") ? true : undefined}>
              <option value="">—</option>
              {orgs.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}（{t(`common:orgKinds.${o.kind}`)}）
                </option>
              ))}
            </select>
            <FieldError errors={fe("orgId")} />
          </div>
          <div className="field">
            <label htmlFor="role">{t("users.role")}</label>
            <select id="role" name="role">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`common:roles.${r}`)}
                </option>
              ))}
            </select>
            <span className="hint">{t("users.roleHint")}</span>
          </div>
          {(["username", "displayName", "password", "email", "phone"] as const).map((f) => (
            <div className="field" key={f}>
              <label htmlFor={f}>{t(`users.${f}`)}</label>
              <input id={f} name={f} type={f === "password" ? "password" : f === "email" ? "email" : "text"} autoComplete="off" aria-invalid={fe(f) ? true : undefined} />
              <FieldError errors={fe(f)} />
            </div>
          ))}
        </div>
        <button type="submit">{t("users.create")}</button>
      </Form>
      <table>
        <thead>
          <tr>
            <th>{t("users.username")}</th>
            <th>{t("users.displayName")}</th>
            <th>{t("users.org")}</th>
            <th>{t("users.role")}</th>
            <th>{t("users.createdAt")}</th>
            <th>{t("users.status")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={`${u.id}-${u.role}`}>
              <td>{u.username}</td>
              <td>{u.displayName}</td>
              <td>{u.org ?? "—"}</td>
              <td>{u.role ? t(`common:roles.${u.role}`) : "—"}</td>
              <td>{formatCst(u.createdAt)}</td>
              <td>{u.active ? <span className="tag tag-published">{t("users.active")}</span> : <span className="tag tag-terminated">{t("users.inactive")}</span>}</td>
              <td>
                <Form method="post">
                  <CsrfInput />
                  <input type="hidden" name="userId" value={u.id} />
                  <input type="hidden" name="intent" value={u.active ? "deactivate" : "activate"} />
                  <button type="submit" className="secondary">
                    {t(u.active ? "users.deactivate" : "users.activate")}
                  </button>
                </Form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
