import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { AmendmentList } from "#app/components/amendment-list";
import { CsrfInput, ErrorAlert, FieldError } from "#app/components/forms";
import { MethodSummary } from "#app/components/method-summary";
import { ResultsPanel } from "#app/components/results/results-panel";
import { TenderTimeline } from "#app/components/results/tender-timeline";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import type { MethodConfig } from "#app/domain/evaluation/method";
import { storedMethodOrNull } from "#app/domain/method-form";
import { formatCst, formatYuan, ObjectionSchema, QuestionSchema } from "#app/domain/tender-form";
import { publicResults } from "#app/services/results/public.server";
import { tenderPage } from "#app/services/tendering/portal.server";
import { askQuestion, fileObjection } from "#app/services/tendering/tenders.server";
import { useLiveRevalidate } from "#app/utils/live";
import { getActor, readForm, requireActor, requireUuidParam } from "#app/utils/request.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.title ?? "招标公告"} · Tenderhall` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  const id = requireUuidParam(params, "id");
  try {
    const [page, results] = await Promise.all([tenderPage(context.app.db, actor, id), publicResults(context.app.db, id)]);
    // The sections' methods as published (EV6), read once here: old drafts' specs converted, unreadable ones null.
    const sections = page.sections.map((s) => ({ ...s, evaluation: storedMethodOrNull(s.evaluation, page.project.regime) }));
    // Results (R51–R58) and the timeline: public facts only (app/services/results/public.server.ts).
    return json({ ...page, sections, results: results.sections, timeline: results.timeline, signedIn: !!actor.user, publicUrl: context.app.config.publicUrl });
  } catch (e) {
    // Unknown ids and drafts are simply not there for the public.
    if (e instanceof DomainError && e.code === "NOT_FOUND") throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}

const Intent = z.enum(["ask", "object"]);

/** intent=ask (答疑 question) or intent=object (异议/质疑); each one command. */
export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  const form = await readForm(request, context);
  const projectId = requireUuidParam(params, "id");
  const intent = Intent.safeParse(form.get("intent"));
  const raw = form.get("body");
  const body = typeof raw === "string" ? raw : "";
  // A refused submission sends the text back, so nothing typed is lost.
  const refused = (e: DomainError, fieldErrors: string[] = []) =>
    json({ ok: false as const, error: toErrorPayload(e), intent: intent.success ? intent.data : null, body, fieldErrors }, { status: httpStatusOf(e.code) });
  if (!intent.success) return refused(new DomainError("VALIDATION", { field: "intent" }));
  const parsed = (intent.data === "ask" ? QuestionSchema : ObjectionSchema).safeParse({ body });
  if (!parsed.success) return refused(new DomainError("VALIDATION", { field: "body" }), parsed.error.flatten().fieldErrors.body ?? []);
  try {
    const id =
      intent.data === "ask"
        ? await askQuestion(context.app, actor, projectId, parsed.data.body)
        : await fileObjection(context.app, actor, projectId, parsed.data.body);
    return json({ ok: true as const, done: intent.data, id });
  } catch (e) {
    if (e instanceof DomainError) return refused(e);
    throw e;
  }
}

/** A period that ends at 24:00 China time reads as "2026-12-08 24:00", not as the next midnight (R2). */
function formatDayEnd(d: string): string {
  const s = formatCst(d);
  return s.endsWith(" 00:00") ? `${formatCst(new Date(new Date(d).getTime() - 60_000)).slice(0, 10)} 24:00` : s;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Section stages before any result exists. */
const PRE_RESULTS = ["draft", "published", "bidding_closed", "opening", "opened", "evaluating"];

type ActionResult = ReturnType<typeof useActionData<typeof action>>;

/** The outcome of one of the bidder's forms, shown inside that form. */
function FormResult({ intent, result }: { intent: "ask" | "object"; result: ActionResult }) {
  const { t } = useTranslation("portal");
  if (!result) return null;
  if ("done" in result)
    return result.done === intent ? (
      <div className="alert alert-ok" role="status" data-testid="done">
        {t(`detail.done.${intent}`)}
      </div>
    ) : null;
  return result.intent === intent ? <ErrorAlert error={result.error} /> : null;
}

export default function TenderDetail() {
  const data = useLoaderData<typeof loader>();
  const {
    project: p,
    sections,
    documents,
    questions,
    amendments,
    mine,
    canManage,
    canSupervise,
    signedIn,
    may,
    objectionUntil,
    documentsNotYet,
    publicUrl,
    halls,
    results: sectionResults,
    timeline,
  } = data;
  const result = useActionData<typeof action>();
  const nav = useNavigation();
  const busy = nav.state === "submitting";
  const { t } = useTranslation("portal");
  useLiveRevalidate([`tender:${p.id}`]);
  const zfcg = p.regime === "ZFCG";
  const latest = documents.length ? Math.max(...documents.map((d) => d.version)) : 0;
  const notice = p.notice as Record<string, string | undefined>;
  const here = `/tenders/${p.id}`;
  const failed = result && "error" in result ? result : null;
  const failedFor = (intent: "ask" | "object") => (failed?.intent === intent ? failed : null);
  const sep = t("detail.listSep");
  // The results block appears once a section's evaluation has ended (or the section failed): R51–R58.
  const showResults = sectionResults.some((r) => !PRE_RESULTS.includes(r.stage));
  return (
    <div className="portal">
      <p className="muted small">
        <Link to="/">{t("list.title")}</Link> / {p.code}
      </p>
      <h1>
        {p.title} <span className={`tag tag-${p.portalStatus}`}>{t(`status.${p.portalStatus}`)}</span>
      </h1>
      {p.portalStatus === "suspended" && (
        <div className="alert alert-warn" role="status" data-testid="suspended">
          {t(zfcg ? "detail.suspendedZfcg" : "detail.suspended")}
        </div>
      )}
      {p.portalStatus === "terminated" && (
        <div className="alert alert-error" role="status">
          {t("detail.terminated")}
        </div>
      )}
      <nav className="portal-toc small" aria-label={t("detail.toc")}>
        <a href="#notice">{t("detail.notice")}</a>
        <a href="#timeline">{t("detail.timelineShort")}</a>
        <a href="#progress">{t("timeline.short")}</a>
        <a href="#sections">{t("detail.sections")}</a>
        {showResults && <a href="#results">{t("results.title")}</a>}
        <a href="#documents">{t("detail.documents")}</a>
        <a href="#amendments">{t("detail.amendments")}</a>
        <a href="#qa">{t("detail.qa")}</a>
        {mine && <a href="#mine">{t("detail.mine")}</a>}
        {canManage && <Link to={`/manage/${p.id}`}>{t("detail.manage")}</Link>}
        {canSupervise && <Link to={`/supervise/${p.id}`}>{t("detail.supervise")}</Link>}
      </nav>
      {/* Results of the two forms show beside the form; only a stray submission shows here. */}
      <ErrorAlert error={failed && !failed.intent ? failed.error : null} />

      <section className="card" id="notice">
        <h2>{t("detail.notice")}</h2>
        <dl className="kv">
          <dt>{t("detail.title")}</dt>
          <dd>{p.title}</dd>
          <dt>{t("detail.code")}</dt>
          <dd>{p.code}</dd>
          <dt>{t("detail.regime")}</dt>
          <dd>
            {t(`common:regimes.${p.regime}`)} · {t(`common:categories.${p.category}`)}
            {p.mustTender ? ` · ${t("detail.mustTender")}` : ""}
          </dd>
          <dt>{t(zfcg ? "detail.purchaser" : "detail.tenderingUnit")}</dt>
          <dd>{p.tenderingUnit}</dd>
          <dt>{t(zfcg ? "detail.agencyZfcg" : "detail.agency")}</dt>
          <dd>{p.agency ?? t("detail.noAgency")}</dd>
          <dt>{t("detail.region")}</dt>
          <dd>{p.location ? `${p.region} · ${p.location}` : p.region}</dd>
          <dt>{t("detail.funding")}</dt>
          <dd>{p.fundingSource || "—"}</dd>
          <dt>{zfcg ? t("detail.budget") : t("detail.estimate")}</dt>
          <dd>¥{formatYuan(p.estimateFen)}</dd>
          <dt>{t("detail.scope")}</dt>
          <dd className="notice-body">{p.description || "—"}</dd>
          <dt>{t("detail.qualification")}</dt>
          <dd className="notice-body">{notice.qualification || "—"}</dd>
          <dt>{t("detail.obtain")}</dt>
          <dd>
            {notice.obtainMethod ? `${notice.obtainMethod} ` : ""}
            <span className="muted small">{t("detail.free")}</span>
          </dd>
          <dt>{t("detail.contact")}</dt>
          <dd>{[notice.contactName, notice.contactPhone].filter(Boolean).join(" ") || "—"}</dd>
          <dt>{t("detail.media")}</dt>
          <dd>{t("detail.mediaText", { url: publicUrl })}</dd>
          <dt>{t("detail.profile")}</dt>
          <dd>
            {p.profileCode}
            {p.profileVersion ? ` @ ${p.profileVersion}` : ""}
          </dd>
        </dl>
      </section>

      <section className="card" id="timeline">
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
          {objectionUntil && (
            <>
              <dt>{t(zfcg ? "detail.challengeDeadline" : "detail.objectionDeadline")}</dt>
              <dd>{t("detail.before", { at: formatDayEnd(objectionUntil) })}</dd>
            </>
          )}
          <dt>{t("detail.bidDeadline")}</dt>
          <dd data-testid="bid-deadline">
            <strong>{formatCst(p.bidDeadline)}</strong>
          </dd>
          <dt>{t("detail.openingMode")}</dt>
          <dd>{t("detail.openingModeText")}</dd>
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

      <section className="card" id="progress">
        <h2>{t("timeline.title")}</h2>
        <TenderTimeline entries={timeline} />
      </section>

      <h2 id="sections">{t("detail.sections")}</h2>
      <table>
        <thead>
          <tr>
            <th>{t("detail.sectionCode")}</th>
            <th>{t("detail.sectionName")}</th>
            <th className="num">{t("detail.ceiling")}</th>
            <th className="num">{t("detail.bond")}</th>
            <th>{t("detail.method")}</th>
            <th>{t("detail.keyModel")}</th>
            <th>{t("bids:opening.hallLink")}</th>
          </tr>
        </thead>
        <tbody>
          {sections.map((s) => (
            <tr key={s.id}>
              <td>{s.code}</td>
              <td>{s.title}</td>
              <td className="num">{s.ceilingPriceFen == null ? t("detail.noCeiling") : `¥${formatYuan(s.ceilingPriceFen)}`}</td>
              <td className="num">¥{formatYuan(s.bondFen)}</td>
              <td>{s.evaluation ? t(`tender:method.kinds.${s.evaluation.kind}`) : "—"}</td>
              <td className="small">
                {t(`tender:keyModels.${s.keyModel.model}`)}
                {s.keyModel.model === "bidder_with_custodian_fallback" &&
                  ` (${s.keyModel.threshold}/${s.keyModel.custodians.length}: ${s.keyModel.custodians.map((c) => t(`tender:custodians.${c}`)).join(sep)})`}
              </td>
              <td className="small">
                <Link to={`/tenders/${p.id}/sections/${s.id}/opening`} data-testid={`hall-${s.code}`}>
                  {t("bids:opening.hallLink")}
                </Link>
                {halls[s.id] && (
                  <>
                    {" "}
                    <span className={`tag tag-${halls[s.id]!.phase}`}>{t(`bids:opening.phases.${halls[s.id]!.phase}`)}</span>
                    {halls[s.id]!.record && (
                      <>
                        {" "}
                        <a href={`/tenders/${p.id}/sections/${s.id}/opening/record.pdf`}>{t("bids:opening.recordShort")}</a>
                      </>
                    )}
                    {halls[s.id]!.notice && (
                      <>
                        {" "}
                        <a href={`/tenders/${p.id}/sections/${s.id}/opening/notice.pdf`}>{t("bids:opening.noticeShort")}</a>
                      </>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">{t("detail.ceilingNote")}</p>

      {showResults && (
        <>
          <h2 id="results">{t("results.title")}</h2>
          {sectionResults.map((r) => (
            <ResultsPanel key={r.sectionId} projectId={p.id} r={r} objectLink={mine ? `/tenders/${p.id}/sections/${r.sectionId}/results` : null} />
          ))}
        </>
      )}

      <h3>{t("detail.criteria")}</h3>
      {sections.map((s) => (
        <div key={s.id} className="portal-criteria">
          <p>
            <strong>
              {s.code} {s.title}
            </strong>
          </p>
          <MethodSummary method={s.evaluation as MethodConfig | null} testId={`method-${s.code}`} />
        </div>
      ))}

      <h2 id="documents">{t("detail.documents")}</h2>
      {!signedIn && (
        <p className="alert alert-warn" data-testid="sign-in-to-obtain">
          <Link to={`/login?redirectTo=${encodeURIComponent(here)}`}>{t("detail.signInToObtain")}</Link>
          {t("detail.or")}
          <Link to="/register">{t("detail.registerFree")}</Link>
        </p>
      )}
      {signedIn && !mine && !may.read && <p className="muted">{t("detail.biddersOnly")}</p>}
      {documentsNotYet && <p className="alert alert-warn">{t("detail.documentsFrom", { at: formatCst(p.documentsFrom) })}</p>}
      {mine &&
        (mine.obtained ? (
          <p className="alert alert-ok" data-testid="obtained">
            {t("detail.obtained", { at: formatCst(mine.obtained.firstAt), v: mine.obtained.lastVersion })}
            {mine.obtained.lastVersion < latest && ` ${t("detail.newVersion", { v: latest })}`}
          </p>
        ) : (
          <p className="muted" data-testid="not-obtained">
            {may.obtain ? t("detail.notObtained") : p.portalStatus === "suspended" ? t("detail.obtainSuspended") : t("detail.notObtainedClosed")}
          </p>
        ))}
      {documents.length === 0 ? (
        <p className="muted">{t("detail.noDocuments")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("detail.version")}</th>
              <th>{t("detail.filename")}</th>
              <th className="num">{t("detail.size")}</th>
              <th>SHA-256</th>
              <th>{t("detail.uploadedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {documents.map((d) => (
              <tr key={d.id}>
                <td>
                  v{d.version}
                  {d.version === latest && <span className="tag portal-tag-current">{t("detail.current")}</span>}
                </td>
                <td>
                  {may.obtain || may.read ? (
                    // A plain link (no client routing): the resource route streams the file.
                    <a href={`/tenders/${p.id}/documents/${d.id}`} download>
                      {d.filename}
                    </a>
                  ) : (
                    d.filename
                  )}
                </td>
                <td className="num">{formatSize(d.size)}</td>
                <td>
                  <code title={d.sha256}>{d.sha256.slice(0, 16)}…</code>
                </td>
                <td className="small">{formatCst(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2 id="amendments">{t("detail.amendments")}</h2>
      <AmendmentList amendments={amendments} />

      <h2 id="qa">{t("detail.qa")}</h2>
      {questions.length === 0 ? (
        <p className="muted">{t("detail.noQa")}</p>
      ) : (
        questions.map((q) => (
          // Published without the asker's identity (docs/product.md §3.1).
          <div className="qa" key={q.id} data-testid="qa">
            <div className="q">{t("tender:questions.q", { body: q.body })}</div>
            <div className="a notice-body">{t("tender:questions.a", { body: q.answer })}</div>
            <div className="muted small">{t("detail.answeredAt", { at: formatCst(q.answeredAt) })}</div>
          </div>
        ))
      )}

      {mine && (
        <section className="card" id="mine" data-testid="bidder-panel">
          <h2>{t("detail.mine")}</h2>
          <p className="muted small">{t("detail.mineIntro")}</p>
          {p.status === "published" && (
            <p className="actions" data-testid="bid-links">
              {sections.map((s) => (
                <Link key={s.id} to={`/tenders/${p.id}/sections/${s.id}/bid`} className="button">
                  {t("detail.submitBid", { code: s.code })}
                </Link>
              ))}
            </p>
          )}

          <h3>{t("detail.myQuestions")}</h3>
          {mine.questions.length === 0 && <p className="muted small">{t("detail.noMyQuestions")}</p>}
          {mine.questions.map((q) => (
            <div className="qa" key={q.id}>
              <div className="q">{t("tender:questions.q", { body: q.body })}</div>
              <div className="a notice-body">
                {q.answer ? t("tender:questions.a", { body: q.answer }) : <span className="muted">{t("detail.awaiting")}</span>}
              </div>
              <div className="muted small">{t("detail.askedAt", { at: formatCst(q.askedAt) })}</div>
            </div>
          ))}
          {may.ask ? (
            <Form
              method="post"
              // The fragment brings a browser without JavaScript back to this form after the POST.
              action="?index#ask-form"
              id="ask-form"
              className="portal-form"
              key={result && "done" in result && result.done === "ask" ? result.id : "ask"}
            >
              <FormResult intent="ask" result={result} />
              <CsrfInput />
              <input type="hidden" name="intent" value="ask" />
              <div className="field">
                <label htmlFor="ask-body">{t("detail.ask")}</label>
                <textarea
                  id="ask-body"
                  name="body"
                  required
                  maxLength={2000}
                  defaultValue={failedFor("ask")?.body ?? ""}
                  aria-invalid={failedFor("ask")?.fieldErrors.length ? true : undefined}
                  aria-describedby="ask-hint"
                />
                <FieldError errors={failedFor("ask")?.fieldErrors} />
                <span className="hint" id="ask-hint">
                  {t("detail.askHint", { at: formatCst(p.questionDeadline) })}
                </span>
              </div>
              <button type="submit" disabled={busy}>
                {t("detail.askSubmit")}
              </button>
            </Form>
          ) : (
            <p className="muted small">
              {p.portalStatus === "suspended" ? t("detail.askSuspended") : t("detail.askClosed", { at: formatCst(p.questionDeadline) })}
            </p>
          )}

          <h3>{t(zfcg ? "detail.myChallenges" : "detail.myObjections")}</h3>
          {mine.objections.length === 0 && <p className="muted small">{t(zfcg ? "detail.noMyChallenges" : "detail.noMyObjections")}</p>}
          {mine.objections.map((o) => (
            <div className="qa" key={o.id} data-testid="my-objection">
              <div className="q notice-body">{o.body}</div>
              <div className="a">
                <span className={`tag ${o.status === "pending" ? "tag-suspended" : "tag-bidding"}`}>{t(`tender:objections.status.${o.status}`)}</span>{" "}
                {o.answer ? (
                  <span className="notice-body">{t("tender:questions.a", { body: o.answer })}</span>
                ) : (
                  t("tender:objections.due", { due: formatDayEnd(o.answerDueAt) })
                )}
              </div>
              <div className="muted small">
                {t("detail.filedAt", { at: formatCst(o.filedAt) })} ·{" "}
                <Link to={`/complaints/new?kind=documents&objection=${o.id}`} title={t("supervision:complaints.linkHint")} data-testid="complain-link">
                  {t("supervision:complaints.link")}
                </Link>
              </div>
            </div>
          ))}
          {may.object && (
            <Form
              method="post"
              // The fragment brings a browser without JavaScript back to this form after the POST.
              action="?index#object-form"
              id="object-form"
              className="portal-form"
              key={result && "done" in result && result.done === "object" ? result.id : "object"}
            >
              <FormResult intent="object" result={result} />
              <CsrfInput />
              <input type="hidden" name="intent" value="object" />
              <div className="field">
                <label htmlFor="obj-body">{t(zfcg ? "detail.challenge" : "detail.object")}</label>
                <textarea
                  id="obj-body"
                  name="body"
                  required
                  maxLength={5000}
                  defaultValue={failedFor("object")?.body ?? ""}
                  aria-invalid={failedFor("object")?.fieldErrors.length ? true : undefined}
                  aria-describedby="obj-hint"
                />
                <FieldError errors={failedFor("object")?.fieldErrors} />
                <span className={may.objectionLate ? "hint portal-late" : "hint"} id="obj-hint">
                  {t(zfcg ? "detail.objectHintZfcg" : "detail.objectHint")}
                  {objectionUntil && (
                    <>
                      <br />
                      {t(may.objectionLate ? "detail.objectionPassed" : "detail.objectionUntil", { at: formatDayEnd(objectionUntil) })}
                    </>
                  )}
                </span>
              </div>
              <button type="submit" className="secondary" disabled={busy}>
                {t(zfcg ? "detail.challengeSubmit" : "detail.objectSubmit")}
              </button>
            </Form>
          )}
        </section>
      )}
    </div>
  );
}
