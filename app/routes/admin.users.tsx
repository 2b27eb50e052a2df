import { parseWithZod } from "@conform-to/zod";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { AdminNav } from "#app/components/admin-nav";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { fieldErrorKeys, formAlert, ListQuerySchema, UserSchema, type FormReply } from "#app/domain/account-forms";
import { DomainError } from "#app/domain/errors";
import { ORG_KINDS, ROLE_FOR_ORG_KIND, ROLES, type OrgKind, type Role } from "#app/domain/roles";
import { formatCst } from "#app/domain/tender-form";
import { useRootData } from "#app/root";
import { createUser, getOrganisationOption, listOrganisationOptions, searchUsers, setUserActive } from "#app/services/accounts/accounts.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "用户管理 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, "admin:users");
  const query = ListQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [list, orgs, org] = await Promise.all([
    searchUsers(context.app.db, { q: query.q, orgId: query.org, page: query.page }),
    listOrganisationOptions(context.app.db),
    query.org ? getOrganisationOption(context.app.db, query.org) : Promise.resolve(null),
  ]);
  return json({ ...list, orgs, org, q: query.q ?? "" });
}

const ActiveSchema = z.object({ intent: z.enum(["activate", "deactivate"]), userId: z.string().uuid() });

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "admin:users");
  const form = await readForm(request, context);
  const values = Object.fromEntries([...form].filter(([k, v]) => k !== "_csrf" && k !== "password" && typeof v === "string")) as Record<string, string>;
  try {
    const intent = form.get("intent");
    if (intent === "activate" || intent === "deactivate") {
      const parsed = ActiveSchema.safeParse(Object.fromEntries(form));
      if (!parsed.success) throw new DomainError("NOT_FOUND");
      await setUserActive(context.app, actor, parsed.data.userId, intent === "activate");
      return json({ ok: true as const, done: intent, error: null, fieldErrors: {} });
    }
    const submission = parseWithZod(form, { schema: UserSchema });
    if (submission.status !== "success") {
      return json({ ok: false as const, error: null, fieldErrors: submission.reply({ hideFields: ["password"] }).error ?? {}, values }, { status: 400 });
    }
    const id = await createUser(context.app, actor, submission.value);
    return json({ ok: true as const, done: "created" as const, createdId: id, username: submission.value.username, error: null, fieldErrors: {} });
  } catch (e) {
    return errorResponse(e, { fieldErrors: {}, values });
  }
}

type Reply = FormReply & { ok?: boolean; done?: "created" | "activate" | "deactivate"; createdId?: string; username?: string; values?: Record<string, string> };

const TEXT_FIELDS = [
  { name: "username", type: "text", required: true, hint: true, maxLength: 40 },
  { name: "displayName", type: "text", required: true, hint: false, maxLength: 40 },
  { name: "password", type: "password", required: true, hint: true, maxLength: 200 },
  { name: "phone", type: "tel", required: false, hint: false, maxLength: 40 },
  { name: "email", type: "email", required: false, hint: false, maxLength: 200 },
] as const;

export default function AdminUsers() {
  const { rows, page, pages, total, orgs, org, q } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as Reply | undefined;
  const root = useRootData();
  const { t } = useTranslation("admin");
  const pageLink = (p: number) => `?${new URLSearchParams({ ...(q ? { q } : {}), ...(org ? { org: org.id } : {}), page: String(p) })}`;
  return (
    <>
      <h1>{t("users.title")}</h1>
      <AdminNav />
      <ErrorAlert error={formAlert(data)} />
      {data?.ok && data.done && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t(`users.done.${data.done}`, { username: data.username ?? "" })}
        </div>
      )}

      <NewUserForm key={`${org?.id ?? ""}-${data?.createdId ?? "new"}`} orgs={orgs} org={org} data={data} />

      <h2>
        {org ? t("users.listOf", { org: org.name }) : t("users.list")} <span className="muted small">{t("list.total", { n: total })}</span>
      </h2>
      <Form method="get" className="admin-filters" role="search">
        {org && <input type="hidden" name="org" value={org.id} />}
        <div className="field">
          <label htmlFor="q">{t("users.search")}</label>
          <input id="q" name="q" type="search" defaultValue={q} placeholder={t("users.searchPlaceholder")} maxLength={60} />
        </div>
        <div className="field">
          <button type="submit" className="secondary">
            {t("common:actions.search")}
          </button>{" "}
          {(q || org) && <Link to="/admin/users">{t("users.showAll")}</Link>}
        </div>
      </Form>

      {rows.length === 0 ? (
        <p className="card muted" data-testid="empty">
          {q || org ? t("users.noMatch") : t("users.empty")}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="admin-table" data-testid="user-list">
            <thead>
              <tr>
                <th>{t("users.username")}</th>
                <th>{t("users.displayName")}</th>
                <th>{t("users.org")}</th>
                <th>{t("users.role")}</th>
                <th>{t("users.createdAt")}</th>
                <th>{t("users.status")}</th>
                <th>{t("list.operations")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => (
                <tr key={`${u.id}-${u.orgId ?? ""}-${u.role ?? ""}`} className={u.active ? undefined : "is-inactive"}>
                  <td>{u.username}</td>
                  <td>{u.displayName}</td>
                  <td>{u.orgId ? <Link to={`/admin/users?org=${u.orgId}`}>{u.org}</Link> : <span className="muted">—</span>}</td>
                  <td>{u.role ? t(`common:roles.${u.role}`) : <span className="muted">—</span>}</td>
                  <td className="small">{formatCst(u.createdAt)}</td>
                  <td>
                    {u.active ? <span className="tag tag-published">{t("users.active")}</span> : <span className="tag tag-terminated">{t("users.inactive")}</span>}
                  </td>
                  <td>
                    {u.id === root?.user?.id ? (
                      <span className="muted small">{t("users.self")}</span>
                    ) : (
                      <Form method="post" className="inline">
                        <CsrfInput />
                        <input type="hidden" name="userId" value={u.id} />
                        <input type="hidden" name="intent" value={u.active ? "deactivate" : "activate"} />
                        <button type="submit" className="secondary small-button" aria-label={t(u.active ? "users.deactivateWho" : "users.activateWho", { name: u.displayName })}>
                          {t(u.active ? "users.deactivate" : "users.activate")}
                        </button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label={t("list.pages")}>
          {page > 1 && <Link to={pageLink(page - 1)}>{t("list.prev")}</Link>}
          <span className="muted">{t("list.page", { page, pages })}</span>
          {page < pages && <Link to={pageLink(page + 1)}>{t("list.next")}</Link>}
        </nav>
      )}
    </>
  );
}

type OrgOption = { id: string; name: string; kind: string };

/** The new-user form; remounted (and so reset) after a user is created or another organisation is preselected. */
function NewUserForm({ orgs, org, data }: { orgs: OrgOption[]; org: OrgOption | null; data: Reply | undefined }) {
  const { t } = useTranslation("admin");
  const nav = useNavigation();
  const values = data?.ok ? undefined : data?.values;
  const [orgId, setOrgId] = useState<string>(values?.orgId ?? org?.id ?? "");
  const kind = orgs.find((o) => o.id === orgId)?.kind as OrgKind | undefined;
  // Only the roles the organisation's kind allows (the service checks again). Without
  // JavaScript and no organisation preselected, every role is offered and a mismatch is refused.
  const roles: readonly Role[] = kind ? ROLE_FOR_ORG_KIND[kind] : ROLES;
  const errorText = (keys: string[]) => keys.map((k) => t(k, { defaultValue: t("common:errors.invalid") })).join("；");
  const orgErrors = fieldErrorKeys(data, "orgId");
  const roleErrors = fieldErrorKeys(data, "role");
  return (
        <Form method="post" className="card admin-form" noValidate id="new-user">
          <CsrfInput />
          <input type="hidden" name="intent" value="create" />
          <h2>{t("users.new")}</h2>
          <p className="muted small">{t("users.newIntro")}</p>
          <div className="grid grid-3">
            <div className="field">
              <label htmlFor="orgId">
                {t("users.org")}
                <span className="required-mark" aria-hidden="true"> *</span>
              </label>
              <select
                id="orgId"
                name="orgId"
                value={orgId}
                onChange={(e) => setOrgId(e.target.value)}
                aria-required
                aria-invalid={orgErrors.length ? true : undefined}
                aria-describedby={orgErrors.length ? "orgId-error" : undefined}
              >
                <option value="">{t("users.chooseOrg")}</option>
                {ORG_KINDS.map((k) => {
                  const group = orgs.filter((o) => o.kind === k);
                  return group.length === 0 ? null : (
                    <optgroup key={k} label={t(`common:orgKinds.${k}`)}>
                      {group.map((o) => (
                        <option key={o.id} value={o.id}>
                          {o.name}
                        </option>
                      ))}
                    </optgroup>
                  );
                })}
              </select>
              {orgErrors.length > 0 && (
                <div className="field-error" id="orgId-error">
                  {errorText(orgErrors)}
                </div>
              )}
            </div>
            <div className="field">
              <label htmlFor="role">
                {t("users.role")}
                <span className="required-mark" aria-hidden="true"> *</span>
              </label>
              <select
                id="role"
                name="role"
                key={kind ?? "any"}
                defaultValue={values?.role && roles.includes(values.role as Role) ? values.role : roles[0]}
                aria-invalid={roleErrors.length ? true : undefined}
                aria-describedby="role-hint"
              >
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {t(`common:roles.${r}`)}
                  </option>
                ))}
              </select>
              <div className="hint" id="role-hint">
                {kind ? t("users.roleFor", { kind: t(`common:orgKinds.${kind}`) }) : t("users.roleHint")}
              </div>
              {roleErrors.length > 0 && <div className="field-error">{errorText(roleErrors)}</div>}
            </div>
            {TEXT_FIELDS.map((f) => {
              const errs = fieldErrorKeys(data, f.name);
              return (
                <div className="field" key={f.name}>
                  <label htmlFor={f.name}>
                    {t(`users.${f.name}`)}
                    {f.required ? <span className="required-mark" aria-hidden="true"> *</span> : <span className="hint"> {t("register.optional")}</span>}
                  </label>
                  <input
                    id={f.name}
                    name={f.name}
                    type={f.type}
                    maxLength={f.maxLength}
                    autoComplete={f.type === "password" ? "new-password" : "off"}
                    defaultValue={f.type === "password" ? undefined : values?.[f.name]}
                    aria-required={f.required || undefined}
                    aria-invalid={errs.length ? true : undefined}
                    aria-describedby={errs.length ? `${f.name}-error` : undefined}
                  />
                  {f.hint && <div className="hint">{t(`users.hints.${f.name}`)}</div>}
                  {errs.length > 0 && (
                    <div className="field-error" id={`${f.name}-error`}>
                      {errorText(errs)}
                    </div>
                  )}
                </div>
              );
            })}
          </div>
          <div className="actions">
            <button type="submit" disabled={nav.state === "submitting"}>
              {t("users.create")}
            </button>
          </div>
        </Form>
  );
}
