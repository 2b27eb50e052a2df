import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "#app/components/admin-nav";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import { MAX_IMPORT_BYTES } from "#app/domain/limits";
import { PoolQuerySchema, searchParamsOf } from "#app/domain/query";
import { memoryFile, multipartForm } from "#app/services/platform/multipart.server";
import { importExperts } from "#app/services/pool/expert-import.server";
import { listExperts, listSpecialties } from "#app/services/pool/pool-queries.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "专家库 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "pool:manage");
  // Bounded: q ≤ MAX_QUERY_LENGTH without control characters, known statuses, page 1..MAX_PAGE.
  const query = PoolQuerySchema.parse(searchParamsOf(request));
  const list = await listExperts(context.app.db, actor, query);
  return json({ ...list, specialties: await listSpecialties(context.app.db) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "pool:manage");
  try {
    // One file, kept in memory only after the CSRF token is verified.
    const form = await readForm(request, context, multipartForm({ request, fileFields: ["file"], maxFiles: 1, maxFileBytes: MAX_IMPORT_BYTES, onFile: memoryFile(MAX_IMPORT_BYTES) }));
    const file = form.get("file");
    if (!(file instanceof File) || file.size === 0) throw new DomainError("VALIDATION", { field: "file", reason: "importFormat" });
    const result = await importExperts(context.app, actor, { bytes: new Uint8Array(await file.arrayBuffer()), filename: file.name });
    return json({ result }, { status: result.ok ? 200 : 422 });
  } catch (e) {
    return errorResponse(e);
  }
}

export default function Pool() {
  // The page count comes from the loader: nothing from a .server module exists in the browser bundle.
  const { rows, total, page, pages, specialties } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { result?: Awaited<ReturnType<typeof importExperts>>; error?: ErrorPayload } | undefined;
  const [params] = useSearchParams();
  const { t } = useTranslation("pool");
  const result = data?.result;
  const name = new Map(specialties.map((s) => [s.code, s.name]));
  return (
    <>
      <h1>{t("pool.title")}</h1>
      <AdminNav />
      <Form method="post" encType="multipart/form-data" className="card">
        <CsrfInput />
        <h2>{t("pool.import")}</h2>
        <p className="muted small">{t("pool.importHint")}</p>
        <input id="file" name="file" type="file" accept=".xlsx,.csv" required />
        <button type="submit">{t("pool.importButton")}</button>
      </Form>
      {data?.error?.code === "VALIDATION" && typeof data.error.params.reason === "string" ? (
        <div className="alert alert-error" role="alert" data-testid="error">
          {t(`importFailure.${data.error.params.reason}`, { ...data.error.params, defaultValue: t("common:errors.VALIDATION") })}
        </div>
      ) : (
        <ErrorAlert error={data?.error} />
      )}
      {result?.ok && (
        <div className="alert alert-ok" data-testid="import-ok">
          {t("pool.imported", { n: result.imported, created: result.created, updated: result.updated })}
        </div>
      )}
      {result && !result.ok && (
        <div className="alert alert-error" data-testid="import-errors">
          <strong>{t("pool.importRefused")}</strong>
          {result.missingColumns.length > 0 && <p>{t("pool.missingColumns", { columns: result.missingColumns.map((c) => t(`columns.${c}`)).join("、") })}</p>}
          <ul>
            {result.errors.slice(0, 200).map((e) => (
              <li key={`${e.row}-${e.field}-${e.code}`}>
                {t("pool.rowError", { row: e.row, column: t(`columns.${e.field}`), message: t(`importErrors.${e.code}`) })}
              </li>
            ))}
          </ul>
          {result.errors.length > 200 && <p>{t("pool.moreErrors", { n: result.errors.length - 200 })}</p>}
        </div>
      )}
      <Form method="get" className="card filters">
        <div className="field">
          <label htmlFor="q">{t("pool.search")}</label>
          <input id="q" name="q" type="search" defaultValue={params.get("q") ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="specialty">{t("pool.specialty")}</label>
          <select id="specialty" name="specialty" defaultValue={params.get("specialty") ?? ""}>
            <option value="">{t("pool.all")}</option>
            {specialties.map((s) => (
              <option key={s.code} value={s.code}>
                {"　".repeat(s.level - 1)}
                {s.code} {s.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="status">{t("pool.status")}</label>
          <select id="status" name="status" defaultValue={params.get("status") ?? ""}>
            <option value="">{t("pool.all")}</option>
            {(["active", "suspended", "retired", "blacklisted"] as const).map((s) => (
              <option key={s} value={s}>
                {t(`statuses.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="actions" style={{ marginTop: 0 }}>
          <button type="submit">{t("common:actions.search")}</button>
        </div>
      </Form>
      <p className="muted">{t("pool.count", { count: total })}</p>
      <table>
        <thead>
          <tr>
            <th>{t("columns.code")}</th>
            <th>{t("columns.name")}</th>
            <th>{t("columns.title")}</th>
            <th className="num">{t("columns.yearsExperience")}</th>
            <th>{t("columns.region")}</th>
            <th>{t("columns.employerName")}</th>
            <th>{t("columns.specialties")}</th>
            <th>{t("columns.status")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.id}>
              <td>
                <Link to={`/pool/${e.id}`}>{e.code}</Link>
              </td>
              <td>{e.name}</td>
              <td>
                {e.title} <span className="muted small">{t(`titleLevels.${e.titleLevel}`)}</span>
              </td>
              <td className="num">{e.yearsExperience}</td>
              <td>{e.region}</td>
              <td>{e.employerName}</td>
              <td className="small">{e.specialties.map((c) => `${c} ${name.get(c) ?? ""}`).join("；")}</td>
              <td>
                <span className={`tag ${e.status === "active" ? "tag-published" : "tag-terminated"}`} title={e.statusReason}>
                  {t(`statuses.${e.status}`)}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <nav className="pager">
          {page > 1 && <Link to={`?${new URLSearchParams({ ...Object.fromEntries(params), page: String(page - 1) })}`}>{t("portal:list.prev")}</Link>}
          <span>{t("portal:list.page", { page, pages })}</span>
          {page < pages && <Link to={`?${new URLSearchParams({ ...Object.fromEntries(params), page: String(page + 1) })}`}>{t("portal:list.next")}</Link>}
        </nav>
      )}
    </>
  );
}
