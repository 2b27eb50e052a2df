import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput } from "#app/components/forms";
import { formatCst } from "#app/domain/tender-form";
import { listRecordWithNames, verifyRecord } from "#app/services/record.server";
import { readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "交易档案 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "record:read");
  const url = new URL(request.url);
  const before = Number(url.searchParams.get("before"));
  const subject = url.searchParams.get("subject") ?? undefined;
  const entries = await listRecordWithNames(context.app.db, actor, {
    beforeSeq: Number.isInteger(before) && before > 0 ? before : undefined,
    subjectId: subject && /^[0-9a-zA-Z-]{1,64}$/.test(subject) ? subject : undefined,
    limit: 50,
  });
  return json({ entries, subject: subject ?? null });
}

export async function action({ request, context }: ActionFunctionArgs) {
  await requireActor(request, context, "record:read");
  await readForm(request, context);
  return json({ verification: await verifyRecord(context.app.db) });
}

export default function RecordPage() {
  const { entries, subject } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { t } = useTranslation("admin");
  const v = data?.verification;
  const last = entries[entries.length - 1];
  return (
    <>
      <h1>{t("record.title")}</h1>
      <p className="muted">{t("record.intro")}</p>
      <Form method="post" className="actions">
        <CsrfInput />
        <button type="submit" data-testid="verify">
          {t("record.verify")}
        </button>
        {subject && <Link to="/record">{t("record.all")}</Link>}
      </Form>
      {v &&
        (v.ok ? (
          <div className="alert alert-ok" data-testid="verify-result">
            {t("record.intact", { n: v.entries, seq: v.head.seq, hash: v.head.hash.slice(0, 16) })}
          </div>
        ) : (
          <div className="alert alert-error" data-testid="verify-result">
            {t("record.broken", { seq: v.break.seq, reason: v.break.reason, action: v.break.action ?? "" })}
          </div>
        ))}
      <table>
        <thead>
          <tr>
            <th className="num">#</th>
            <th>{t("record.at")}</th>
            <th>{t("record.action")}</th>
            <th>{t("record.subject")}</th>
            <th>{t("record.actor")}</th>
            <th>{t("record.ip")}</th>
            <th>{t("record.hash")}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td className="num">{e.seq}</td>
              <td className="small">{formatCst(e.at)}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td className="small">
                {e.subjectType} <Link to={`/record?subject=${e.subjectId}`}>{e.subjectId.slice(0, 8)}</Link>
              </td>
              <td className="small">
                {e.actorName ?? t("record.system")}
                {e.orgName ? ` · ${e.orgName}` : ""}
              </td>
              <td className="small">{e.ip ?? "—"}</td>
              <td className="small">
                <code title={`prev ${e.prevHash}\nhash ${e.hash}\npayload ${e.payloadHash}`}>{e.hash.slice(0, 12)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {last && last.seq > 1 && (
        <p className="pager">
          <Link to={`/record?before=${last.seq}${subject ? `&subject=${subject}` : ""}`}>{t("record.older")}</Link>
        </p>
      )}
    </>
  );
}
