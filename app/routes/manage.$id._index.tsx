import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { AmendmentList } from "#app/components/amendment-list";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { MethodSummary } from "#app/components/method-summary";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import type { MethodConfig } from "#app/domain/evaluation/method";
import { AppointLeaderLink } from "#app/components/evaluation/leader-panel";
import { storedMethodOrNull } from "#app/domain/method-form";
import { formatMoney } from "#app/domain/money";
import { AmendmentSchema, AnswerSchema, formatCst } from "#app/domain/tender-form";
import { getManagedProject, listDownloads } from "#app/services/tendering/tender-queries.server";
import {
  addDocument,
  answerObjection,
  answerQuestion,
  issueAmendment,
  publishProject,
  removeDocument,
} from "#app/services/tendering/tenders.server";
import { parsePdfUploads, StagedUploads, uploadsFrom } from "#app/services/tendering/uploads.server";
import { useLiveRevalidate } from "#app/utils/live";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.title ?? ""} · 项目管理` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  try {
    const view = await getManagedProject(context.app.db, actor, params.id ?? "");
    const downloads = await listDownloads(context.app.db, actor, view.project.id);
    const sections = view.sections.map((s) => ({ ...s, evaluation: storedMethodOrNull(s.evaluation, view.project.regime) }));
    return json({ ...view, sections, downloads });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}

const Intent = z.enum(["publish", "upload", "removeDocument", "answerQuestion", "answerObjection", "amend"]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  const projectId = params.id ?? "";
  const app = context.app;
  const staged = new StagedUploads();
  try {
    const multipart = (request.headers.get("content-type") ?? "").startsWith("multipart/form-data");
    const form = await readForm(request, context, multipart ? parsePdfUploads(request, app.blobs, app.config.maxDocumentBytes, staged) : undefined);
    const intent = Intent.safeParse(form.get("intent"));
    if (!intent.success) throw new DomainError("VALIDATION", { field: "intent" });
    switch (intent.data) {
      case "publish":
        await publishProject(app, actor, projectId);
        return json({ ok: true as const, done: "published" });
      case "upload": {
        const files = uploadsFrom(form);
        if (!files.length) throw new DomainError("VALIDATION", { field: "file", reason: "pdf" });
        for (const f of files) await addDocument(app, actor, projectId, f, staged.publish);
        return json({ ok: true as const, done: "uploaded" });
      }
      case "removeDocument":
        await removeDocument(app, actor, projectId, String(form.get("documentId") ?? ""));
        return json({ ok: true as const, done: "removed" });
      case "answerQuestion": {
        const a = AnswerSchema.safeParse(Object.fromEntries(form));
        if (!a.success) throw new DomainError("VALIDATION", { field: "answer" });
        await answerQuestion(app, actor, String(form.get("questionId") ?? ""), a.data.answer);
        return json({ ok: true as const, done: "answered" });
      }
      case "answerObjection": {
        const a = AnswerSchema.safeParse(Object.fromEntries(form));
        if (!a.success) throw new DomainError("VALIDATION", { field: "answer" });
        await answerObjection(app, actor, String(form.get("objectionId") ?? ""), a.data.answer);
        return json({ ok: true as const, done: "objectionAnswered" });
      }
      case "amend": {
        const a = AmendmentSchema.safeParse(Object.fromEntries(form));
        if (!a.success) throw new DomainError("VALIDATION", { field: a.error.issues[0]?.path.join(".") ?? "amendment" });
        const r = await issueAmendment(app, actor, projectId, a.data, uploadsFrom(form), staged.publish);
        return json({ ok: true as const, done: r.extended ? "amendedExtended" : "amended", deadline: formatCst(r.newDeadline) });
      }
    }
  } catch (e) {
    return errorResponse(e);
  } finally {
    await staged.discardRest();
  }
}

function UploadError({ error }: { error: ErrorPayload | undefined }) {
  const { t } = useTranslation("tender");
  if (!error) return null;
  if (error.code === "VALIDATION" && error.params.reason) {
    return (
      <div className="alert alert-error" role="alert" data-testid="error">
        {t(`upload.${error.params.reason}`, error.params)}
      </div>
    );
  }
  return <ErrorAlert error={error} />;
}

export default function ManageProject() {
  const { project: p, sections, documents, questions, objections, amendments, downloads } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { t } = useTranslation("tender");
  useLiveRevalidate([`tender:${p.id}`]);
  const isDraft = p.status === "draft";
  const open = (p.status === "published" || p.status === "suspended") && p.portalStatus !== "closed";
  const error = data && "error" in data ? data.error : undefined;
  return (
    <>
      <p className="muted small">
        <Link to="/manage">{t("manage.title")}</Link> / {p.code}
      </p>
      <h1>
        {p.title} <span className={`tag tag-${p.portalStatus}`}>{t(`status.${p.portalStatus}`)}</span>
      </h1>
      <UploadError error={error} />
      {data && "done" in data && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t(`manage.done.${data.done}`, { deadline: "deadline" in data ? data.deadline : "" })}
        </div>
      )}
      {p.status === "suspended" && <div className="alert alert-warn">{t("manage.suspendedBanner")}</div>}

      <div className="card">
        <dl className="kv">
          <dt>{t("fields.code")}</dt>
          <dd>{p.code}</dd>
          <dt>{t("fields.regime")}</dt>
          <dd>
            {t(`common:regimes.${p.regime}`)} · {t(`common:categories.${p.category}`)}
          </dd>
          <dt>{t("fields.estimate")}</dt>
          <dd>{formatMoney({ fen: p.estimateFen })}</dd>
          <dt>{t("fields.bidDeadline")}</dt>
          <dd data-testid="bid-deadline">{formatCst(p.bidDeadline)}</dd>
          <dt>{t("fields.publishedAt")}</dt>
          <dd>{p.publishedAt ? formatCst(p.publishedAt) : "—"}</dd>
          <dt>{t("fields.profile")}</dt>
          <dd>
            {p.profileCode}
            {p.profileVersion ? ` @ ${p.profileVersion}` : ""}
          </dd>
        </dl>
        <div className="actions">
          {isDraft && (
            <>
              <Link className="button secondary" to={`/manage/${p.id}/edit`}>
                {t("manage.edit")}
              </Link>
              <Form method="post">
                <CsrfInput />
                <input type="hidden" name="intent" value="publish" />
                <button type="submit" data-testid="publish">
                  {t("manage.publish")}
                </button>
              </Form>
            </>
          )}
          {!isDraft && <Link to={`/tenders/${p.id}`}>{t("manage.viewPublic")}</Link>}
          {!isDraft && <Link to={`/manage/${p.id}/draws`}>{t("manage.draws")}</Link>}
          {!isDraft && <Link to={`/manage/${p.id}/rooms`}>{t("manage.rooms")}</Link>}
          {!isDraft && (
            <Link to={`/manage/${p.id}/results`} data-testid="results-link">
              {t("manage.results")}
            </Link>
          )}
        </div>
      </div>

      <h2>{t("sections.title")}</h2>
      <table>
        <thead>
          <tr>
            <th>{t("sections.code")}</th>
            <th>{t("sections.name")}</th>
            <th className="num">{t("sections.ceiling")}</th>
            <th className="num">{t("sections.bond")}</th>
            <th>{t("sections.method")}</th>
            {!isDraft && <th>{t("sections.hall")}</th>}
          </tr>
        </thead>
        <tbody>
          {sections.map((s) => (
            <tr key={s.id}>
              <td>{s.code}</td>
              <td>{s.title}</td>
              <td className="num">{s.ceilingPriceFen == null ? "—" : formatMoney({ fen: s.ceilingPriceFen })}</td>
              <td className="num">{formatMoney({ fen: s.bondFen })}</td>
              <td>
                <MethodSummary method={s.evaluation as MethodConfig | null} compact testId={`method-${s.code}`} />
              </td>
              {!isDraft && (
                <td>
                  <Link to={`/tenders/${p.id}/sections/${s.id}/opening`} data-testid="hall-link">
                    {t("sections.openHall")}
                  </Link>
                  <AppointLeaderLink projectId={p.id} sectionId={s.id} regime={p.regime} leader={(s.evaluation as MethodConfig | null)?.leader} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>

      <h2>{t("documents.title")}</h2>
      {documents.length === 0 ? (
        <p className="muted">{t("documents.empty")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("documents.version")}</th>
              <th>{t("documents.filename")}</th>
              <th className="num">{t("documents.size")}</th>
              <th>SHA-256</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {documents.map((d) => (
              <tr key={d.id}>
                <td>v{d.version}</td>
                <td>
                  <a href={`/tenders/${p.id}/documents/${d.id}`}>{d.filename}</a>
                </td>
                <td className="num">{(d.size / 1024).toFixed(1)} KB</td>
                <td>
                  <code title={d.sha256}>{d.sha256.slice(0, 16)}…</code>
                </td>
                <td>
                  {isDraft && (
                    <Form method="post">
                      <CsrfInput />
                      <input type="hidden" name="intent" value="removeDocument" />
                      <input type="hidden" name="documentId" value={d.id} />
                      <button type="submit" className="secondary">
                        {t("documents.remove")}
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {isDraft && (
        <Form method="post" encType="multipart/form-data" className="card">
          <CsrfInput />
          <input type="hidden" name="intent" value="upload" />
          <div className="field">
            <label htmlFor="file">{t("documents.upload")}</label>
            <input id="file" name="file" type="file" accept="application/pdf,.pdf" multiple required />
            <span className="hint">{t("documents.uploadHint")}</span>
          </div>
          <button type="submit">{t("documents.uploadButton")}</button>
        </Form>
      )}

      {!isDraft && (
        <>
          <h2>{t("amendments.title")}</h2>
          <AmendmentList amendments={amendments} />
          {open && (
            <Form method="post" encType="multipart/form-data" className="card" data-testid="amend-form">
              <CsrfInput />
              <input type="hidden" name="intent" value="amend" />
              <h3>{t("amendments.issue")}</h3>
              <div className="field">
                <label htmlFor="am-title">{t("amendments.fieldTitle")}</label>
                <input id="am-title" name="title" type="text" required />
              </div>
              <div className="field">
                <label htmlFor="am-body">{t("amendments.fieldBody")}</label>
                <textarea id="am-body" name="body" required />
              </div>
              <div className="field">
                <label>
                  <input type="checkbox" name="affectsBidPreparation" defaultChecked /> {t("amendments.affects")}
                </label>
                <span className="hint">{t("amendments.affectsHint")}</span>
              </div>
              <div className="grid grid-2">
                <div className="field">
                  <label htmlFor="am-deadline">{t("amendments.newDeadline")}</label>
                  <input id="am-deadline" name="bidDeadline" type="datetime-local" />
                </div>
                <div className="field">
                  <label htmlFor="am-file">{t("amendments.files")}</label>
                  <input id="am-file" name="file" type="file" accept="application/pdf,.pdf" multiple />
                </div>
              </div>
              <button type="submit">{t("amendments.submit")}</button>
            </Form>
          )}

          <h2>{t("questions.title")}</h2>
          {questions.length === 0 && <p className="muted">{t("questions.empty")}</p>}
          {questions.map((q) => (
            <div className="qa card" key={q.id}>
              <div className="q">{t("questions.q", { body: q.body })}</div>
              <div className="muted small">{formatCst(q.askedAt)}</div>
              {q.answer ? (
                <div className="a">{t("questions.a", { body: q.answer })}</div>
              ) : (
                <Form method="post">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="answerQuestion" />
                  <input type="hidden" name="questionId" value={q.id} />
                  <div className="field">
                    <label htmlFor={`ans-${q.id}`}>{t("questions.answer")}</label>
                    <textarea id={`ans-${q.id}`} name="answer" required />
                  </div>
                  <button type="submit">{t("questions.publishAnswer")}</button>
                </Form>
              )}
            </div>
          ))}

          <h2>{t("objections.title")}</h2>
          {objections.length === 0 && <p className="muted">{t("objections.empty")}</p>}
          {objections.map((o) => (
            <div className="card" key={o.id}>
              <p>
                <strong>{o.org}</strong> · {formatCst(o.filedAt)} · <span className={`tag tag-${o.status === "pending" ? "suspended" : "published"}`}>{t(`objections.status.${o.status}`)}</span>
              </p>
              <p className="notice-body">{o.body}</p>
              <p className="muted small">{t("objections.due", { due: formatCst(o.answerDueAt) })}</p>
              {o.answer ? (
                <p className="notice-body">{t("questions.a", { body: o.answer })}</p>
              ) : (
                <Form method="post">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="answerObjection" />
                  <input type="hidden" name="objectionId" value={o.id} />
                  <div className="field">
                    <label htmlFor={`obj-${o.id}`}>{t("objections.answer")}</label>
                    <textarea id={`obj-${o.id}`} name="answer" required />
                  </div>
                  <button type="submit">{t("objections.submitAnswer")}</button>
                </Form>
              )}
            </div>
          ))}

          <h2>{t("downloads.title")}</h2>
          <p className="muted small">{t("downloads.confidential")}</p>
          {downloads.length === 0 ? (
            <p className="muted">{t("downloads.empty")}</p>
          ) : (
            <table data-testid="downloads">
              <thead>
                <tr>
                  <th>{t("downloads.org")}</th>
                  <th>{t("downloads.user")}</th>
                  <th>{t("downloads.first")}</th>
                  <th>{t("downloads.last")}</th>
                  <th className="num">{t("downloads.version")}</th>
                </tr>
              </thead>
              <tbody>
                {downloads.map((d) => (
                  <tr key={`${d.org}-${d.firstAt}`}>
                    <td>{d.org}</td>
                    <td>{d.user}</td>
                    <td>{formatCst(d.firstAt)}</td>
                    <td>{formatCst(d.lastAt)}</td>
                    <td className="num">v{d.lastVersion}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </>
  );
}
