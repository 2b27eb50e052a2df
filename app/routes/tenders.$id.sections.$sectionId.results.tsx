import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CandidatesTable } from "#app/components/results/candidates-table";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, httpStatusOf, toErrorPayload, type ErrorPayload } from "#app/domain/errors";
import { formatMoney } from "#app/domain/money";
import { OBJECTION_MAX, OBJECTION_MIN } from "#app/domain/rules/results";
import { formatCst } from "#app/domain/tender-form";
import { fileResultObjection } from "#app/services/results/results.server";
import { bidderResults } from "#app/services/results/views.server";
import { useLiveRevalidate } from "#app/utils/live";
import { errorResponse, getActor, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `定标结果 · ${data?.project.title ?? ""} · Tenderhall` }];

/** A section's results (R51–R56): public while publicised; a bidder also sees its own outcome, notices and objections. */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  try {
    return json(await bidderResults(context.app.db, actor, params.id ?? "", params.sectionId ?? ""));
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}

/** R52: a bidder of the section files an objection to the result during the publicity. */
export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "tender:object");
  try {
    const form = await readForm(request, context);
    const view = await bidderResults(context.app.db, actor, params.id ?? "", params.sectionId ?? "");
    const r = await fileResultObjection(context.app, actor, view.section.id, { body: String(form.get("body") ?? "") });
    return json({ ok: true as const, due: formatCst(new Date(r.answerDueAt.getTime() - 1)).slice(0, 10) });
  } catch (e) {
    return errorResponse(e);
  }
}

const day = (iso: string | null) => (iso ? `${formatCst(new Date(new Date(iso).getTime() - 1)).slice(0, 10)} 24:00` : "—");

export default function SectionResults() {
  const v = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { ok: boolean; due?: string; error?: ErrorPayload } | undefined;
  const { t } = useTranslation("results");
  useLiveRevalidate([`tender:${v.project.id}`]);
  return (
    <>
      <p className="muted small">
        <Link to={`/tenders/${v.project.id}`}>{v.project.code}</Link> / {v.section.code} {v.section.title} / {t("title")}
      </p>
      <h1>
        {t("bidder.title")} · {v.project.title}
      </h1>
      {v.stage && (
        <p>
          <span className={`tag tag-${v.stage}`} data-testid="result-stage">
            {t(`stages.${v.stage}`)}
          </span>
        </p>
      )}
      {!v.stage && <p className="muted">{t("notYet")}</p>}
      <ErrorAlert error={data?.error} />
      {data?.ok && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t("bidder.filed", { due: data.due })}
        </div>
      )}

      {v.mine && (
        <section className="card" data-testid="my-outcome">
          <h2>{t("bidder.mine")}</h2>
          {v.mine.won && <p className="alert alert-ok">{t("bidder.won")}</p>}
          {v.mine.valid ? (
            <p>
              {v.mine.rank ? t("bidder.ranked", { rank: v.mine.rank }) : t("bidder.valid")}
              {v.mine.total ? ` · ${t("bidder.score", { score: v.mine.total })}` : ""}
            </p>
          ) : (
            <p data-testid="my-reasons">{t("bidder.rejected", { reasons: v.mine.reasons.join("；") })}</p>
          )}
        </section>
      )}

      {v.publicity && (
        <section className="card" data-testid="publicity">
          <h2>{t("kinds.publicity")}</h2>
          <p className="muted">{t("bidder.period", { from: formatCst(v.publicity.startedAt), to: day(v.publicity.endsAt) })}</p>
          <CandidatesTable candidates={v.publicity.candidates} />
        </section>
      )}

      {v.winner && (
        <p data-testid="winner">
          {t("bidder.winnerIs", { name: v.winner.name, price: formatMoney({ fen: v.winner.priceFen }) })}
        </p>
      )}

      {v.documents.length > 0 && (
        <section className="card">
          <h2>{t("documents")}</h2>
          <ul>
            {v.documents.map((d) => (
              <li key={d.id}>
                <a href={d.href} data-testid={`doc-${d.kind}`}>
                  {t(`kinds.${d.kind}`)} {d.number}
                </a>{" "}
                <span className="muted small">
                  {formatCst(d.issuedAt)} · {d.public ? t("public") : t("bidder.yoursOnly")}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}

      {v.objections.length > 0 && (
        <section className="card">
          <h2>{t("bidder.myObjections")}</h2>
          {v.objections.map((o) => (
            <div key={o.id} data-testid="my-objection">
              <p>
                {o.filedAt && formatCst(o.filedAt)} · {o.status === "pending" ? t("objections.due", { due: day(o.answerDueAt) }) : t(`outcomes.${o.outcome}`)}
              </p>
              <p>{o.body}</p>
              {o.answer && <p className="muted">{o.answer}</p>}
              <Link className="small" to={`/complaints/new?kind=results&objection=${o.id}`} title={t("supervision:complaints.linkHint")} data-testid="complain-link">
                {t("supervision:complaints.link")}
              </Link>
            </div>
          ))}
        </section>
      )}

      {v.canObject && (
        <Form method="post" className="card" data-testid="objection-form">
          <CsrfInput />
          <h2>{t("bidder.object")}</h2>
          <p className="muted small">{t("bidder.objectHint")}</p>
          <div className="field">
            <label htmlFor="body">{t("bidder.body")}</label>
            <textarea id="body" name="body" rows={4} minLength={OBJECTION_MIN} maxLength={OBJECTION_MAX} required />
          </div>
          <button type="submit" data-testid="file-objection">
            {t("bidder.submit")}
          </button>
        </Form>
      )}
    </>
  );
}
