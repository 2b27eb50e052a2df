import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import type { ErrorPayload } from "#app/domain/errors";
import { CertificateQuerySchema, searchParamsOf } from "#app/domain/query";
import { formatCst } from "#app/domain/tender-form";
import { listAllCertificates, revokeCertificate } from "#app/services/platform/certificates.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "证书管理 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, "certificate:revoke");
  // Bounded: q ≤ MAX_QUERY_LENGTH without control characters, page 1..MAX_PAGE.
  const { q = "", page } = CertificateQuerySchema.parse(searchParamsOf(request));
  const { rows, hasMore } = await listAllCertificates(context.app.db, { q, page });
  return json({
    q,
    page,
    hasMore,
    rows: rows.map(({ c, username }) => ({
      id: c.id,
      username,
      subjectCn: c.subjectCn,
      subjectO: c.subjectO,
      issuerCn: c.issuerCn,
      serial: c.serialHex,
      source: c.source,
      notAfter: c.notAfter.toISOString(),
      status: c.status,
      revokedAt: c.revokedAt?.toISOString() ?? null,
      revocationReason: c.revocationReason,
    })),
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "certificate:revoke");
  try {
    const form = await readForm(request, context);
    await revokeCertificate(context.app, actor, String(form.get("certificateId") ?? ""), String(form.get("reason") ?? ""));
    return json({ ok: true, done: "revoked" });
  } catch (e) {
    return errorResponse(e);
  }
}

/** Certificates on the platform; an administrator revokes one with a reason (refused everywhere at once). */
export default function AdminCertificates() {
  const { q, page, hasMore, rows } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { done?: string; error?: ErrorPayload } | undefined;
  const nav = useNavigation();
  const { t } = useTranslation("bids");
  return (
    <>
      <p className="muted small">
        <Link to="/admin">{t("common:nav.admin")}</Link>
      </p>
      <h1>{t("admin.title")}</h1>
      <Form method="get" className="actions">
        <input name="q" defaultValue={q} placeholder={t("admin.search")} aria-label={t("admin.search")} />
        <button type="submit">{t("common:actions.search")}</button>
      </Form>
      <ErrorAlert error={result?.error} />
      {result?.done && <div className="alert alert-ok">{t("admin.revoked")}</div>}
      <table data-testid="admin-certificates">
        <thead>
          <tr>
            <th>{t("cert.subject")}</th>
            <th>{t("admin.user")}</th>
            <th>{t("cert.issuer")}</th>
            <th>{t("cert.serial")}</th>
            <th>{t("cert.validUntil")}</th>
            <th>{t("cert.status")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.id}>
              <td>
                {c.subjectCn}
                <div className="muted small">{c.subjectO}</div>
              </td>
              <td>{c.username}</td>
              <td>{c.issuerCn}</td>
              <td className="mono small">{c.serial}</td>
              <td>{formatCst(c.notAfter)}</td>
              <td>
                {c.status === "revoked" ? (
                  <>
                    <span className="tag tag-warn">{t("cert.statuses.revoked")}</span>
                    <div className="muted small">
                      {formatCst(c.revokedAt)} {c.revocationReason}
                    </div>
                  </>
                ) : (
                  <Form method="post" className="actions">
                    <CsrfInput />
                    <input type="hidden" name="certificateId" value={c.id} />
                    <input name="reason" required maxLength={500} placeholder={t("admin.reason")} aria-label={t("admin.reason")} />
                    <button type="submit" className="secondary" disabled={nav.state !== "idle"}>
                      {t("admin.revoke")}
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="actions">
        {page > 1 && <Link to={`?q=${encodeURIComponent(q)}&page=${page - 1}`}>{t("common:actions.previous")}</Link>}
        {hasMore && <Link to={`?q=${encodeURIComponent(q)}&page=${page + 1}`}>{t("common:actions.next")}</Link>}
      </p>
    </>
  );
}
