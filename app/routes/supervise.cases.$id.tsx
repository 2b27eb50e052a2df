import { parseWithZod } from "@conform-to/zod";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { SupervisionNav } from "#app/components/supervision/case-nav";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { CASE_ATTACHMENT_MAX_BYTES, CASE_ATTACHMENTS_MAX, CASE_NOTE_MAX, CASE_NOTES_MAX, CASE_OUTCOME_MAX, CASE_STATUSES } from "#app/domain/supervision/cases";
import { formatCst } from "#app/domain/tender-form";
import { addCaseNote, caseDetail, setCaseStatus } from "#app/services/supervision/cases.server";
import { parsePdfUploads, StagedUploads, uploadsFrom } from "#app/services/tendering/uploads.server";
import { useLiveRevalidate } from "#app/utils/live";
import { errorResponse, readForm, requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.case.code ?? "案件"} · 行政监督 · Tenderhall` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:read");
  const id = requireUuidParam(params, "id");
  try {
    return json(await caseDetail(context.app.db, actor, id));
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

const NoteSchema = z.object({ intent: z.literal("note"), body: z.string().trim().max(CASE_NOTE_MAX, "tooLong").optional() });
const StatusSchema = z.object({ intent: z.literal("status"), status: z.enum(CASE_STATUSES as [string, ...string[]]), outcome: z.string().trim().max(CASE_OUTCOME_MAX, "tooLong").optional() });
const CaseForm = z.discriminatedUnion("intent", [NoteSchema, StatusSchema]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:act");
  const id = requireUuidParam(params, "id");
  const app = context.app;
  const staged = new StagedUploads();
  try {
    const multipart = (request.headers.get("content-type") ?? "").startsWith("multipart/form-data");
    const form = await readForm(request, context, multipart ? parsePdfUploads(request, app.blobs, CASE_ATTACHMENT_MAX_BYTES, staged) : undefined);
    const submission = parseWithZod(form, { schema: CaseForm });
    if (submission.status !== "success") throw new DomainError("VALIDATION", { field: Object.keys(submission.reply().error ?? {})[0] ?? "intent" });
    const v = submission.value;
    if (v.intent === "note") {
      const uploads = uploadsFrom(form);
      if (uploads.length > 1) throw new DomainError("TOO_MANY_ITEMS", { max: 1 });
      await addCaseNote(app, actor, id, { body: v.body ?? "", attachment: uploads[0] ?? null }, staged.publish);
      return json({ ok: true as const, done: "note" as const, error: null });
    }
    await setCaseStatus(app, actor, id, { status: v.status, outcome: v.outcome ?? "" });
    return json({ ok: true as const, done: "status" as const, error: null });
  } catch (e) {
    return errorResponse(e);
  } finally {
    await staged.discardRest();
  }
}

export default function CaseDetail() {
  const { case: c, alert, notes, next, canAct, canAttach } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const nav = useNavigation();
  const [search] = useSearchParams();
  const { t } = useTranslation("supervision");
  useLiveRevalidate(["supervision"]);
  const opened = search.get("opened");
  const closed = c.status === "resolved" || c.status === "referred";
  return (
    <div className="portal">
      <SupervisionNav />
      <p className="muted small">
        <Link to="/supervise/cases">{t("cases.title")}</Link> / {c.code}
      </p>
      <h1>
        {c.code} {c.title}{" "}
        <span className={`tag ${closed ? "tag-bidding" : "tag-suspended"}`} data-testid="case-status">
          {t(`cases.status.${c.status}`)}
        </span>
      </h1>
      {opened && !data && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t("cases.done.opened", { code: opened })}
        </div>
      )}
      {data?.ok && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t(`cases.done.${data.done}`)}
        </div>
      )}
      <ErrorAlert error={data && !data.ok ? data.error : null} />
      <section className="card">
        <dl className="kv">
          <dt>{t("cases.detail.project")}</dt>
          <dd>
            <Link to={`/supervise/${c.projectId}`}>{c.projectCode}</Link> {c.projectTitle}
            {c.sectionCode ? ` · ${c.sectionCode} ${c.sectionTitle ?? ""}` : ""}
          </dd>
          {alert && (
            <>
              <dt>{t("cases.detail.alert")}</dt>
              <dd data-testid="case-alert">
                {alert.kind} · {alert.rule} · {alert.severity} · {formatCst(alert.detectedAt)}
              </dd>
            </>
          )}
          <dt>{t("cases.detail.org")}</dt>
          <dd>{c.org}</dd>
          <dt>{t("cases.detail.owner")}</dt>
          <dd>{c.owner}</dd>
          <dt>{t("cases.detail.openedAt")}</dt>
          <dd>{formatCst(c.openedAt)}</dd>
          {c.closedAt && (
            <>
              <dt>{t("cases.detail.closedAt")}</dt>
              <dd>{formatCst(c.closedAt)}</dd>
              <dt>{t("cases.detail.outcome")}</dt>
              <dd className="notice-body" data-testid="case-outcome">
                {c.outcome}
              </dd>
            </>
          )}
        </dl>
        <p className="small">
          <Link to={`/record?subject=${c.id}`}>{t("cases.detail.record")}</Link>
        </p>
      </section>

      <h2>{t("cases.notes.title")}</h2>
      <ol className="case-notes" data-testid="case-notes">
        {notes.map((n) => (
          <li key={n.id} data-testid={`case-note-${n.kind}`}>
            <span className="muted small">
              {formatCst(n.at)} · {n.author} · {t(`cases.notes.kind.${n.kind}`, { defaultValue: n.kind })}
            </span>
            {n.kind === "status" && n.status && <strong> {t("cases.notes.statusTo", { status: t(`cases.status.${n.status}`) })}</strong>}
            {n.body && <div className="notice-body">{n.body}</div>}
            {n.kind === "attachment" && n.fileName && (
              <div>
                <a href={`/supervise/cases/${c.id}/attachments/${n.id}`} download data-testid="case-attachment">
                  {n.fileName}
                </a>{" "}
                <span className="muted small">{t("cases.notes.size", { kb: Math.ceil((n.size ?? 0) / 1024) })}</span>
              </div>
            )}
          </li>
        ))}
      </ol>

      {closed ? (
        <p className="muted">{t("cases.closed")}</p>
      ) : (
        canAct && (
          <div className="grid grid-2">
            <Form method="post" encType="multipart/form-data" className="card" data-testid="note-form" key={`note-${notes.length}`}>
              <CsrfInput />
              <input type="hidden" name="intent" value="note" />
              <h3>{t("cases.notes.add")}</h3>
              <div className="field">
                <label htmlFor="body">{t("cases.notes.body")}</label>
                <textarea id="body" name="body" rows={4} maxLength={CASE_NOTE_MAX} />
              </div>
              {canAttach && (
                <div className="field">
                  <label htmlFor="file">{t("cases.notes.file", { mb: CASE_ATTACHMENT_MAX_BYTES / 1048576 })}</label>
                  <input id="file" name="file" type="file" accept="application/pdf" />
                </div>
              )}
              <p className="hint">{t("cases.notes.limit", { notes: CASE_NOTES_MAX, files: CASE_ATTACHMENTS_MAX })}</p>
              <button type="submit" disabled={nav.state === "submitting"} data-testid="add-note">
                {t("cases.notes.submit")}
              </button>
            </Form>
            <Form method="post" className="card" data-testid="status-form" key={`status-${c.status}`}>
              <CsrfInput />
              <input type="hidden" name="intent" value="status" />
              <h3>{t("cases.statusForm.title")}</h3>
              <div className="field">
                <label htmlFor="status">{t("cases.statusForm.to")}</label>
                <select id="status" name="status" defaultValue={next[0]}>
                  {next.map((s) => (
                    <option key={s} value={s}>
                      {t(`cases.status.${s}`)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="outcome">{t("cases.statusForm.outcome")}</label>
                <textarea id="outcome" name="outcome" rows={3} maxLength={CASE_OUTCOME_MAX} />
              </div>
              <button type="submit" disabled={nav.state === "submitting"} data-testid="change-status">
                {t("cases.statusForm.submit")}
              </button>
            </Form>
          </div>
        )
      )}
    </div>
  );
}
