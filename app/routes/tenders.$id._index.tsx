import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { AmendmentList } from "#app/components/amendment-list";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import { formatCst, formatYuan, ObjectionSchema, QuestionSchema } from "#app/domain/tender-form";
import { bidderView, getPublicTender } from "#app/services/tender-queries.server";
import { askQuestion, fileObjection, managesProject } from "#app/services/tenders.server";
import { useLiveRevalidate } from "#app/utils/live";
import { errorResponse, getActor, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.title ?? "招标公告"} · Tenderhall` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  try {
    const view = await getPublicTender(context.app.db, params.id ?? "");
    return json({
      ...view,
      mine: await bidderView(context.app.db, actor, view.project.id),
      canManage: managesProject(actor, view.project),
      canSupervise: hasPermission(actor.roles, "supervise:read"),
      signedIn: !!actor.user,
    });
  } catch (e) {
    if (e instanceof DomainError && e.code === "NOT_FOUND") throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}

const Intent = z.enum(["ask", "object"]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  try {
    const form = await readForm(request, context);
    const intent = Intent.safeParse(form.get("intent"));
    if (!intent.success) throw new DomainError("VALIDATION", { field: "intent" });
    if (intent.data === "ask") {
      const q = QuestionSchema.safeParse(Object.fromEntries(form));
      if (!q.success) throw new DomainError("VALIDATION", { field: "body" });
      await askQuestion(context.app, actor, params.id ?? "", q.data.body);
      return json({ ok: true as const, done: "asked" });
    }
    const o = ObjectionSchema.safeParse(Object.fromEntries(form));
    if (!o.success) throw new DomainError("VALIDATION", { field: "body" });
    await fileObjection(context.app, actor, params.id ?? "", o.data.body);
    return json({ ok: true as const, done: "objected" });
  } catch (e) {
    return errorResponse(e);
  }
}

export default function TenderDetail() {
  const { project: p, sections, documents, questions, amendments, mine, canManage, canSupervise, signedIn, now } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const { t } = useTranslation("portal");
  useLiveRevalidate([`tender:${p.id}`]);
  const latest = documents.length ? Math.max(...documents.map((d) => d.version)) : 0;
  const open = p.portalStatus === "bidding";
  const canAsk = open && new Date(now) < new Date(p.questionDeadline);
  const notice = p.notice as Record<string, string>;
  return (
    <>
      <p className="muted small">
        <Link to="/">{t("list.title")}</Link> / {p.code}
      </p>
      <h1>
        {p.title} <span className={`tag tag-${p.portalStatus}`}>{t(`status.${p.portalStatus}`)}</span>
      </h1>
      {p.portalStatus === "suspended" && (
        <div className="alert alert-warn" role="status">
          {t("detail.suspended")}
        </div>
      )}
      {(canManage || canSupervise) && (
        <p>
          {canManage && <Link to={`/manage/${p.id}`}>{t("detail.manage")}</Link>}
          {canSupervise && <Link to={`/supervise/${p.id}`}>{t("detail.supervise")}</Link>}
        </p>
      )}
      <ErrorAlert error={data && "error" in data ? data.error : null} />
      {data && "done" in data && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t(`detail.done.${data.done}`)}
        </div>
      )}

      <section className="card">
        <h2>{t("detail.notice")}</h2>
        <dl className="kv">
          <dt>{t("detail.code")}</dt>
          <dd>{p.code}</dd>
          <dt>{t("detail.regime")}</dt>
          <dd>
            {t(`common:regimes.${p.regime}`)} · {t(`common:categories.${p.category}`)}
            {p.mustTender ? ` · ${t("detail.mustTender")}` : ""}
          </dd>
          <dt>{t("detail.tenderingUnit")}</dt>
          <dd>{p.tenderingUnit}</dd>
          <dt>{t("detail.agency")}</dt>
          <dd>{p.agency ?? t("detail.noAgency")}</dd>
          <dt>{t("detail.region")}</dt>
          <dd>
            {p.region} · {p.location}
          </dd>
          <dt>{t("detail.funding")}</dt>
          <dd>{p.fundingSource}</dd>
          <dt>{p.regime === "ZFCG" ? t("detail.budget") : t("detail.estimate")}</dt>
          <dd>¥{formatYuan(p.estimateFen)}</dd>
          <dt>{t("detail.scope")}</dt>
          <dd className="notice-body">{p.description}</dd>
          <dt>{t("detail.qualification")}</dt>
          <dd className="notice-body">{notice.qualification}</dd>
          <dt>{t("detail.obtain")}</dt>
          <dd>
            {notice.obtainMethod} <span className="muted small">{t("detail.free")}</span>
          </dd>
          <dt>{t("detail.contact")}</dt>
          <dd>
            {notice.contactName} {notice.contactPhone}
          </dd>
          <dt>{t("detail.profile")}</dt>
          <dd>
            {p.profileCode}
            {p.profileVersion ? ` @ ${p.profileVersion}` : ""}
          </dd>
        </dl>
      </section>

      <section className="card">
        <h2>{t("detail.timeline")}</h2>
        <dl className="kv">
          <dt>{t("detail.publishedAt")}</dt>
          <dd>{formatCst(p.publishedAt)}</dd>
          <dt>{t("detail.documentsPeriod")}</dt>
          <dd>
            {formatCst(p.documentsFrom)} — {formatCst(p.documentsUntil)}
          </dd>
          <dt>{t("detail.questionDeadline")}</dt>
          <dd>{formatCst(p.questionDeadline)}</dd>
          <dt>{t("detail.bidDeadline")}</dt>
          <dd data-testid="bid-deadline">
            <strong>{formatCst(p.bidDeadline)}</strong>
          </dd>
          <dt>{t("detail.decryptionWindow")}</dt>
          <dd>{t("detail.minutes", { n: p.decryptionWindowMinutes })}</dd>
          {p.evaluationStart && (
            <>
              <dt>{t("detail.evaluationStart")}</dt>
              <dd>{formatCst(p.evaluationStart)}</dd>
            </>
          )}
        </dl>
      </section>

      <h2>{t("detail.sections")}</h2>
      <table>
        <thead>
          <tr>
            <th>{t("detail.sectionCode")}</th>
            <th>{t("detail.sectionName")}</th>
            <th className="num">{t("detail.ceiling")}</th>
            <th className="num">{t("detail.bond")}</th>
            <th>{t("detail.method")}</th>
            <th>{t("detail.keyModel")}</th>
          </tr>
        </thead>
        <tbody>
          {sections.map((s) => (
            <tr key={s.id}>
              <td>{s.code}</td>
              <td>{s.title}</td>
              <td className="num">{s.ceilingPriceFen == null ? t("detail.noCeiling") : `¥${formatYuan(s.ceilingPriceFen)}`}</td>
              <td className="num">¥{formatYuan(s.bondFen)}</td>
              <td>
                {t(`tender:methods.${s.evaluation.method}`)}
                {s.evaluation.criteria.length > 0 && (
                  <ul className="small" style={{ margin: ".25rem 0 0", paddingLeft: "1rem" }}>
                    {s.evaluation.criteria.map((c) => (
                      <li key={c.code}>
                        {c.name}（{t(`tender:criterionKinds.${c.kind}`)}）{c.weight}%
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td className="small">
                {t(`tender:keyModels.${s.keyModel.model}`)}
                {s.keyModel.model === "bidder_with_custodian_fallback" &&
                  ` (${s.keyModel.threshold}/${s.keyModel.custodians.length}: ${s.keyModel.custodians.map((c) => t(`tender:custodians.${c}`)).join("、")})`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>{t("detail.documents")}</h2>
      {!signedIn && (
        <p className="alert alert-warn">
          <Link to={`/login?redirectTo=${encodeURIComponent(`/tenders/${p.id}`)}`}>{t("detail.signInToObtain")}</Link>
        </p>
      )}
      {mine?.obtained && (
        <p className="alert alert-ok" data-testid="obtained">
          {t("detail.obtained", { at: formatCst(mine.obtained.firstAt), v: mine.obtained.lastVersion })}
          {mine.obtained.lastVersion < latest && ` ${t("detail.newVersion", { v: latest })}`}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>{t("detail.version")}</th>
            <th>{t("detail.filename")}</th>
            <th className="num">{t("detail.size")}</th>
            <th>SHA-256</th>
          </tr>
        </thead>
        <tbody>
          {documents.map((d) => (
            <tr key={d.id}>
              <td>
                v{d.version}
                {d.version === latest && <span className="tag" style={{ marginLeft: ".4rem" }}>{t("detail.current")}</span>}
              </td>
              <td>{signedIn && (open || canManage || canSupervise) ? <a href={`/tenders/${p.id}/documents/${d.id}`}>{d.filename}</a> : d.filename}</td>
              <td className="num">{(d.size / 1024).toFixed(1)} KB</td>
              <td>
                <code title={d.sha256}>{d.sha256.slice(0, 16)}…</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>{t("detail.amendments")}</h2>
      <AmendmentList amendments={amendments} />

      <h2>{t("detail.qa")}</h2>
      {questions.length === 0 ? (
        <p className="muted">{t("detail.noQa")}</p>
      ) : (
        questions.map((q) => (
          <div className="qa" key={q.id} data-testid="qa">
            <div className="q">{t("tender:questions.q", { body: q.body })}</div>
            <div className="a">{t("tender:questions.a", { body: q.answer })}</div>
            <div className="muted small">{formatCst(q.answeredAt)}</div>
          </div>
        ))
      )}

      {mine && (
        <section className="card" data-testid="bidder-panel">
          <h2>{t("detail.mine")}</h2>
          {mine.questions.length > 0 && (
            <>
              <h3>{t("detail.myQuestions")}</h3>
              {mine.questions.map((q) => (
                <div className="qa" key={q.id}>
                  <div className="q">{t("tender:questions.q", { body: q.body })}</div>
                  <div className="a">{q.answer ? t("tender:questions.a", { body: q.answer }) : <span className="muted">{t("detail.awaiting")}</span>}</div>
                </div>
              ))}
            </>
          )}
          {canAsk && (
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="ask" />
              <div className="field">
                <label htmlFor="ask-body">{t("detail.ask")}</label>
                <textarea id="ask-body" name="body" required maxLength={2000} />
                <span className="hint">{t("detail.askHint")}</span>
              </div>
              <button type="submit">{t("detail.askSubmit")}</button>
            </Form>
          )}
          {mine.objections.length > 0 && (
            <>
              <h3>{t("detail.myObjections")}</h3>
              {mine.objections.map((o) => (
                <div className="qa" key={o.id}>
                  <div className="q">{o.body}</div>
                  <div className="a">
                    <span className="tag">{t(`tender:objections.status.${o.status}`)}</span> {o.answer ?? t("tender:objections.due", { due: formatCst(o.answerDueAt) })}
                  </div>
                </div>
              ))}
            </>
          )}
          {(open || p.portalStatus === "suspended") && (
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="object" />
              <div className="field">
                <label htmlFor="obj-body">{t("detail.object")}</label>
                <textarea id="obj-body" name="body" required maxLength={5000} />
                <span className="hint">{t(p.regime === "ZFCG" ? "detail.objectHintZfcg" : "detail.objectHint")}</span>
              </div>
              <button type="submit" className="secondary">
                {t("detail.objectSubmit")}
              </button>
            </Form>
          )}
        </section>
      )}
    </>
  );
}
