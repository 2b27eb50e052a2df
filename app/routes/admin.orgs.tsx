import { parseWithZod } from "@conform-to/zod";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "#app/components/admin-nav";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { fieldErrorKeys, formAlert, ListQuerySchema, OrganisationSchema, type FormReply } from "#app/domain/account-forms";
import { ORG_KINDS } from "#app/domain/roles";
import { createOrganisation, searchOrganisations } from "#app/services/accounts/accounts.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "单位管理 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, "admin:orgs");
  const query = ListQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const list = await searchOrganisations(context.app.db, { q: query.q, kind: query.kind, page: query.page });
  return json({ ...list, q: query.q ?? "", kind: query.kind ?? "" });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "admin:orgs");
  const form = await readForm(request, context);
  const values = Object.fromEntries([...form].filter(([k, v]) => k !== "_csrf" && typeof v === "string")) as Record<string, string>;
  const submission = parseWithZod(form, { schema: OrganisationSchema });
  if (submission.status !== "success") return json({ ok: false as const, error: null, fieldErrors: submission.reply().error ?? {}, values }, { status: 400 });
  try {
    const id = await createOrganisation(context.app, actor, submission.value);
    return json({ ok: true as const, created: { id, name: submission.value.name }, error: null, fieldErrors: {} });
  } catch (e) {
    return errorResponse(e, { fieldErrors: {}, values });
  }
}

type Reply = FormReply & { ok?: boolean; values?: Record<string, string>; created?: { id: string; name: string } };

const TEXT_FIELDS = [
  { name: "name", required: true, maxLength: 100 },
  { name: "creditCode", required: false, maxLength: 22 },
  { name: "region", required: false, maxLength: 60 },
  { name: "jurisdiction", required: false, maxLength: 60 },
  { name: "contactName", required: false, maxLength: 40 },
  { name: "contactPhone", required: false, maxLength: 40 },
  { name: "address", required: false, maxLength: 200 },
] as const;

export default function AdminOrgs() {
  const { rows, page, pages, total, q, kind } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as Reply | undefined;
  const nav = useNavigation();
  const { t } = useTranslation("admin");
  const values = data?.ok ? undefined : data?.values;
  const errorsOf = (name: string) => fieldErrorKeys(data, name);
  const errorText = (keys: string[]) => keys.map((k) => t(k, { defaultValue: t("common:errors.invalid") })).join("；");
  const pageLink = (p: number) => `?${new URLSearchParams({ ...(q ? { q } : {}), ...(kind ? { kind } : {}), page: String(p) })}`;
  return (
    <>
      <h1>{t("orgs.title")}</h1>
      <AdminNav />
      <ErrorAlert error={formAlert(data)} />
      {data?.ok && data.created && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t("orgs.created", { name: data.created.name })} <Link to={`/admin/users?org=${data.created.id}#new-user`}>{t("orgs.addUser")}</Link>
        </div>
      )}

      <Form method="post" className="card admin-form" noValidate id="new-org" key={data?.created?.id ?? "new"}>
        <CsrfInput />
        <h2>{t("orgs.new")}</h2>
        <p className="muted small">{t("orgs.newIntro")}</p>
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="kind">{t("orgs.kind")}</label>
            <select id="kind" name="kind" defaultValue={values?.kind ?? "tendering_unit"}>
              {ORG_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`common:orgKinds.${k}`)}
                </option>
              ))}
            </select>
          </div>
          {TEXT_FIELDS.map((f) => {
            const errs = errorsOf(f.name);
            return (
              <div className="field" key={f.name}>
                <label htmlFor={f.name}>
                  {t(`orgs.${f.name}`)}
                  {f.required ? <span className="required-mark" aria-hidden="true"> *</span> : null}
                </label>
                <input
                  id={f.name}
                  name={f.name}
                  type={f.name === "contactPhone" ? "tel" : "text"}
                  maxLength={f.maxLength}
                  defaultValue={values?.[f.name]}
                  aria-required={f.required || undefined}
                  aria-invalid={errs.length ? true : undefined}
                  aria-describedby={errs.length ? `${f.name}-error` : undefined}
                />
                {f.name === "creditCode" && <div className="hint">{t("orgs.creditCodeHint")}</div>}
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
            {t("orgs.create")}
          </button>
        </div>
      </Form>

      <h2>
        {t("orgs.list")} <span className="muted small">{t("list.total", { n: total })}</span>
      </h2>
      <Form method="get" className="admin-filters" role="search">
        <div className="field">
          <label htmlFor="q">{t("orgs.search")}</label>
          <input id="q" name="q" type="search" defaultValue={q} placeholder={t("orgs.searchPlaceholder")} maxLength={60} />
        </div>
        <div className="field">
          <label htmlFor="filter-kind">{t("orgs.kind")}</label>
          <select id="filter-kind" name="kind" defaultValue={kind}>
            <option value="">{t("list.allKinds")}</option>
            {ORG_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`common:orgKinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <button type="submit" className="secondary">
            {t("common:actions.search")}
          </button>{" "}
          {(q || kind) && <Link to="/admin/orgs">{t("common:actions.reset")}</Link>}
        </div>
      </Form>

      {rows.length === 0 ? (
        <p className="card muted" data-testid="empty">
          {q || kind ? t("orgs.noMatch") : t("orgs.empty")}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="admin-table" data-testid="org-list">
            <thead>
              <tr>
                <th>{t("orgs.name")}</th>
                <th>{t("orgs.kind")}</th>
                <th>{t("orgs.creditCode")}</th>
                <th>{t("orgs.region")}</th>
                <th>{t("orgs.contact")}</th>
                <th className="num">{t("orgs.userCount")}</th>
                <th>{t("list.operations")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.id}>
                  <td>{o.name}</td>
                  <td>
                    <span className="tag">{t(`common:orgKinds.${o.kind}`)}</span>
                  </td>
                  <td>{o.creditCode ? <code>{o.creditCode}</code> : <span className="muted">—</span>}</td>
                  <td>{o.region || <span className="muted">—</span>}</td>
                  <td className="small">
                    {o.contactName || o.contactPhone ? (
                      <>
                        {o.contactName} {o.contactPhone}
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="num">
                    <Link to={`/admin/users?org=${o.id}`}>{o.users}</Link>
                  </td>
                  <td className="small">
                    <Link to={`/admin/users?org=${o.id}#new-user`}>{t("orgs.addUser")}</Link>
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
