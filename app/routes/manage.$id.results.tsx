import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { CandidatesTable } from "#app/components/results/candidates-table";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError, type ErrorPayload } from "#app/domain/errors";
import { fenToYuan, formatMoney } from "#app/domain/money";
import { formatCst, yuanToFen } from "#app/domain/tender-form";
import { archiveSection } from "#app/services/archive/archive.server";
import { answerResultObjection, decideWinner, issueNotices, recordBondRefund, recordContract } from "#app/services/results/results.server";
import { managedResults } from "#app/services/results/views.server";
import { dbNow } from "#app/services/platform/command.server";
import { parsePdfUploads, StagedUploads, uploadsFrom } from "#app/services/tendering/uploads.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";
import { useLiveRevalidate } from "#app/utils/live";

export const meta: MetaFunction = () => [{ title: "定标 · Tenderhall" }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  try {
    const view = await managedResults(context.app.db, actor, params.id ?? "", await dbNow(context.app.db));
    if (view.readOnly) throw new DomainError("NOT_FOUND"); // supervisors read /supervise/:id/results
    return json(view);
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}

const Intent = z.enum(["answer", "decide", "notices", "contract", "refund", "archive"]);
const text = (max: number) => z.string().trim().min(1).max(max);
const AnswerForm = z.object({ objectionId: z.string().max(40), answer: text(4000), outcome: z.enum(["dismissed", "recheck", "end"]) });
const ContractForm = z.object({ sectionId: z.string().max(40), amountYuan: z.string().max(30), signedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });

/** The deviation rows of the decision form (R55): one per candidate ranked above the chosen one, at most 5. */
function deviationsFrom(form: FormData) {
  const out: { rank: number; reason: string; note: string }[] = [];
  for (let i = 0; i < 5; i++) {
    const rank = Number(form.get(`deviations[${i}].rank`));
    const reason = String(form.get(`deviations[${i}].reason`) ?? "").slice(0, 40);
    const note = String(form.get(`deviations[${i}].note`) ?? "").slice(0, 1001);
    if (Number.isInteger(rank) && rank > 0 && (reason || note.trim())) out.push({ rank, reason, note });
  }
  return out;
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "tender:manage");
  const app = context.app;
  const staged = new StagedUploads();
  try {
    const multipart = (request.headers.get("content-type") ?? "").startsWith("multipart/form-data");
    const form = await readForm(request, context, multipart ? parsePdfUploads(request, app.blobs, app.config.maxDocumentBytes, staged) : undefined);
    const intent = Intent.safeParse(form.get("intent"));
    if (!intent.success) throw new DomainError("VALIDATION", { field: "intent" });
    const sectionId = String(form.get("sectionId") ?? "").slice(0, 40);
    // The section must belong to this page's project (the services check the actor manages it).
    const view = await managedResults(app.db, actor, params.id ?? "", await dbNow(app.db));
    if (view.readOnly) throw new DomainError("NOT_FOUND");
    if (intent.data !== "answer" && intent.data !== "refund" && !view.sections.some((s) => s.id === sectionId)) throw new DomainError("NOT_FOUND");
    switch (intent.data) {
      case "answer": {
        const a = AnswerForm.safeParse(Object.fromEntries(form));
        if (!a.success) throw new DomainError("VALIDATION", { field: a.error.issues[0]?.path.join(".") ?? "answer" });
        if (!view.sections.some((s) => s.objections.some((o) => o.id === a.data.objectionId))) throw new DomainError("NOT_FOUND");
        await answerResultObjection(app, actor, a.data.objectionId, a.data);
        return json({ ok: true as const, done: "answered" });
      }
      case "decide": {
        const evidence = uploadsFrom(form)[0] ?? null;
        await decideWinner(app, actor, sectionId, { bidId: String(form.get("bidId") ?? "").slice(0, 40), deviations: deviationsFrom(form), evidence }, staged.publish);
        return json({ ok: true as const, done: "decided" });
      }
      case "notices":
        await issueNotices(app, actor, sectionId, { contractPlace: String(form.get("contractPlace") ?? "") });
        return json({ ok: true as const, done: "notified" });
      case "contract": {
        const c = ContractForm.safeParse(Object.fromEntries(form));
        if (!c.success) throw new DomainError("VALIDATION", { field: c.error.issues[0]?.path.join(".") ?? "contract" });
        const amountFen = yuanToFen(c.data.amountYuan);
        if (amountFen === null) throw new DomainError("VALIDATION", { field: "amountYuan" });
        const pdf = uploadsFrom(form)[0];
        if (!pdf) throw new DomainError("VALIDATION", { field: "file", reason: "pdf" });
        await recordContract(app, actor, sectionId, { pdf, filename: pdf.filename, amountFen, signedOn: c.data.signedOn }, staged.publish);
        return json({ ok: true as const, done: "contracted" });
      }
      case "refund": {
        const refundId = String(form.get("refundId") ?? "").slice(0, 40);
        if (!view.sections.some((s) => s.refunds.some((r) => r.id === refundId))) throw new DomainError("NOT_FOUND");
        await recordBondRefund(app, actor, refundId, { reference: String(form.get("reference") ?? "") });
        return json({ ok: true as const, done: "refunded" });
      }
      case "archive":
        await archiveSection(app, actor, sectionId);
        return json({ ok: true as const, done: "archived" });
    }
  } catch (e) {
    return errorResponse(e);
  } finally {
    await staged.discardRest();
  }
}

type View = ReturnType<typeof useLoaderData<typeof loader>>;
type SectionView = View["sections"][number];
const due = (iso: string | null) => (iso ? `${formatCst(new Date(new Date(iso).getTime() - 1)).slice(0, 10)} 24:00` : "—");

function Timers({ r }: { r: NonNullable<SectionView["result"]> }) {
  const { t } = useTranslation("results");
  const rows: [string, string | null, boolean][] = [
    [t("timers.reportSigned"), r.reportSignedAt ? formatCst(r.reportSignedAt) : null, true],
    [t("timers.publicityDue"), r.publicityDueAt ? due(r.publicityDueAt) : null, false],
    [t("timers.publicity"), r.publicityStartedAt ? `${formatCst(r.publicityStartedAt)} — ${due(r.publicityEndsAt)}` : null, false],
    [t("timers.decisionDue"), r.decisionDueAt ? due(r.decisionDueAt) : null, false],
    [t("timers.decided"), r.decidedAt ? `${formatCst(r.decidedAt)}${r.decisionMode === "deemed" ? ` (${t("deemed")})` : ""}` : null, false],
    [t("timers.noticesDue"), r.noticesDueAt ? due(r.noticesDueAt) : null, false],
    [t("timers.notified"), r.notifiedAt ? formatCst(r.notifiedAt) : null, false],
    [t("timers.contractDue"), r.contractDueAt ? due(r.contractDueAt) : null, false],
    [t("timers.contracted"), r.contractedAt ? formatCst(r.contractedAt) : null, false],
    [t("timers.archived"), r.archivedAt ? `${formatCst(r.archivedAt)} · ${t("retainUntil", { date: r.retainUntil })}` : null, false],
  ];
  return (
    <dl className="kv" data-testid="result-timers">
      {rows
        .filter(([, v]) => v)
        .map(([k, v]) => (
          <div key={k} style={{ display: "contents" }}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}

function DecisionForm({ s, reasons }: { s: SectionView; reasons: string[] }) {
  const { t } = useTranslation("results");
  const candidates = s.result!.candidates;
  const [chosen, setChosen] = useState(candidates[0]?.bidId ?? "");
  const rank = candidates.find((c) => c.bidId === chosen)?.rank ?? 1;
  const above = candidates.filter((c) => c.rank < rank);
  return (
    <Form method="post" encType="multipart/form-data" className="card" data-testid="decide-form">
      <CsrfInput />
      <input type="hidden" name="intent" value="decide" />
      <input type="hidden" name="sectionId" value={s.id} />
      <h3>{t("decide.title")}</h3>
      <p className="muted small">{t("decide.hint")}</p>
      {candidates.map((c) => (
        <label key={c.bidId} className="radio">
          <input type="radio" name="bidId" value={c.bidId} checked={chosen === c.bidId} onChange={() => setChosen(c.bidId)} data-testid={`choose-${c.rank}`} />
          {t("rank", { rank: c.rank })} · {c.name} · {formatMoney({ fen: c.priceFen })}
        </label>
      ))}
      {above.map((c, i) => (
        <div key={c.bidId} className="grid grid-2" data-testid={`deviation-${c.rank}`}>
          <input type="hidden" name={`deviations[${i}].rank`} value={c.rank} />
          <div className="field">
            <label htmlFor={`dev-reason-${s.id}-${i}`}>{t("decide.reasonFor", { rank: c.rank, name: c.name })}</label>
            <select id={`dev-reason-${s.id}-${i}`} name={`deviations[${i}].reason`} defaultValue="">
              <option value="">—</option>
              {reasons.map((r) => (
                <option key={r} value={r}>
                  {t(`reasons.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`dev-note-${s.id}-${i}`}>{t("decide.note")}</label>
            <input id={`dev-note-${s.id}-${i}`} name={`deviations[${i}].note`} maxLength={1000} />
          </div>
        </div>
      ))}
      {above.length > 0 && (
        <div className="field">
          <label htmlFor={`evidence-${s.id}`}>{t("decide.evidence")}</label>
          <input id={`evidence-${s.id}`} type="file" name="file" accept="application/pdf" />
        </div>
      )}
      <button type="submit" data-testid="decide">
        {t("decide.submit")}
      </button>
    </Form>
  );
}

function SectionResults({ s, view }: { s: SectionView; view: View }) {
  const { t } = useTranslation("results");
  const r = s.result;
  if (!r) {
    return (
      <section className="card" data-testid={`results-${s.code}`}>
        <h2>
          {s.code} {s.title}
        </h2>
        <p className="muted">{t("notYet")}</p>
        {(s.status === "failed" || s.status === "terminated") && <ArchiveButton s={s} />}
      </section>
    );
  }
  // The signing day defaults to today in China time (R2), not UTC: before 08:00 the UTC date is the day before the
  // notice, which R56 refuses (RULE_R56_SIGNED_BEFORE_NOTICE).
  const today = formatCst(new Date()).slice(0, 10);
  return (
    <section className="card" data-testid={`results-${s.code}`}>
      <h2>
        {s.code} {s.title} <span className={`tag tag-${r.stage}`} data-testid="result-stage">{t(`stages.${r.stage}`)}</span>
      </h2>
      <Timers r={r} />
      <h3>{t("candidates")}</h3>
      <CandidatesTable candidates={r.candidates} winnerBidId={r.winnerBidId} />
      {r.bidders.some((b) => !b.valid) && (
        <p className="muted small">
          {t("rejected")}: {r.bidders.filter((b) => !b.valid).map((b) => `${b.name}（${b.reasons.join("；")}）`).join("、")}
        </p>
      )}
      {r.deviations.length > 0 && (
        <p className="small">
          {t("deviations")}: {r.deviations.map((d) => `${t("rank", { rank: d.rank })} ${t(`reasons.${d.reason}`)}：${d.note}`).join("；")}
        </p>
      )}

      {s.objections.length > 0 && (
        <>
          <h3>{t("objections.title")}</h3>
          {s.objections.map((o) => (
            <div key={o.id} className="card" data-testid="result-objection">
              <p>
                <strong>{o.org}</strong> · {o.filedAt && formatCst(o.filedAt)} ·{" "}
                {o.status === "answered" && o.answeredAt ? t("objections.answeredAt", { at: formatCst(o.answeredAt) }) : t("objections.due", { due: due(o.answerDueAt) })}
              </p>
              <p>{o.body}</p>
              {o.status === "answered" ? (
                <p className="muted">
                  {t(`outcomes.${o.outcome}`)} · {o.answer}
                </p>
              ) : (
                <Form method="post" data-testid="answer-form">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="answer" />
                  <input type="hidden" name="objectionId" value={o.id} />
                  <div className="field">
                    <label htmlFor={`answer-${o.id}`}>{t("objections.answer")}</label>
                    <textarea id={`answer-${o.id}`} name="answer" required maxLength={4000} rows={3} />
                  </div>
                  <div className="field">
                    <label htmlFor={`outcome-${o.id}`}>{t("objections.outcome")}</label>
                    <select id={`outcome-${o.id}`} name="outcome" defaultValue="dismissed">
                      {(["dismissed", "recheck", "end"] as const).map((k) => (
                        <option key={k} value={k}>
                          {t(`outcomes.${k}`)}
                        </option>
                      ))}
                    </select>
                  </div>
                  <button type="submit" data-testid="answer">
                    {t("objections.submit")}
                  </button>
                </Form>
              )}
            </div>
          ))}
        </>
      )}

      {r.stage === "decision" && <DecisionForm s={s} reasons={view.reasons} />}

      {r.stage === "decided" && (
        <Form method="post" className="card" data-testid="notices-form">
          <CsrfInput />
          <input type="hidden" name="intent" value="notices" />
          <input type="hidden" name="sectionId" value={s.id} />
          <h3>{t("notices.title")}</h3>
          <p className="muted small">{t("notices.hint", { days: view.contractDays })}</p>
          <div className="field">
            <label htmlFor={`place-${s.id}`}>{t("notices.place")}</label>
            <input id={`place-${s.id}`} name="contractPlace" maxLength={200} />
          </div>
          <button type="submit" data-testid="issue-notices">
            {t("notices.submit")}
          </button>
        </Form>
      )}

      {r.stage === "notified" && (
        <Form method="post" encType="multipart/form-data" className="card" data-testid="contract-form">
          <CsrfInput />
          <input type="hidden" name="intent" value="contract" />
          <input type="hidden" name="sectionId" value={s.id} />
          <h3>{t("contract.title")}</h3>
          <div className="grid grid-3">
            <div className="field">
              <label htmlFor={`cfile-${s.id}`}>{t("contract.file")}</label>
              <input id={`cfile-${s.id}`} type="file" name="file" accept="application/pdf" required />
            </div>
            <div className="field">
              <label htmlFor={`camount-${s.id}`}>{t("contract.amount")}</label>
              <input id={`camount-${s.id}`} name="amountYuan" inputMode="decimal" required defaultValue={fenToYuan(r.candidates.find((c) => c.bidId === r.winnerBidId)?.priceFen ?? 0)} />
            </div>
            <div className="field">
              <label htmlFor={`cdate-${s.id}`}>{t("contract.signedOn")}</label>
              <input id={`cdate-${s.id}`} name="signedOn" type="date" required defaultValue={today} />
            </div>
          </div>
          <button type="submit" data-testid="record-contract">
            {t("contract.submit")}
          </button>
        </Form>
      )}
      {s.contract && (
        <p data-testid="contract-facts">
          {t("contract.recorded", { amount: formatMoney({ fen: s.contract.amountFen }), date: s.contract.signedOn })}
        </p>
      )}

      {s.documents.length > 0 && (
        <>
          <h3>{t("documents")}</h3>
          <table>
            <thead>
              <tr>
                <th>{t("cols.number")}</th>
                <th>{t("cols.document")}</th>
                <th>{t("cols.recipient")}</th>
                <th>{t("cols.issued")}</th>
              </tr>
            </thead>
            <tbody>
              {s.documents.map((d) => (
                <tr key={d.id}>
                  <td>{d.number}</td>
                  <td>
                    <a href={d.href} data-testid={`doc-${d.kind}`}>
                      {t(`kinds.${d.kind}`)}
                    </a>
                  </td>
                  <td>{d.recipient ?? (d.public ? t("public") : t("notPublic"))}</td>
                  <td>{formatCst(d.issuedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      {s.refunds.length > 0 && (
        <>
          <h3>{t("refunds.title")}</h3>
          <table data-testid="refunds">
            <thead>
              <tr>
                <th>{t("cols.bidder")}</th>
                <th className="num">{t("refunds.amount")}</th>
                <th>{t("refunds.due")}</th>
                <th>{t("refunds.status")}</th>
              </tr>
            </thead>
            <tbody>
              {s.refunds.map((x) => (
                <tr key={x.id}>
                  <td>{x.org}</td>
                  <td className="num">{formatMoney({ fen: x.amountFen })}</td>
                  <td>{due(x.dueAt)}</td>
                  <td>
                    {x.refundedAt ? (
                      `${formatCst(x.refundedAt)} · ${x.reference}`
                    ) : (
                      <Form method="post" className="inline">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="refund" />
                        <input type="hidden" name="refundId" value={x.id} />
                        <input name="reference" aria-label={t("refunds.reference")} placeholder={t("refunds.reference")} maxLength={200} required />
                        <button type="submit" className="secondary">
                          {t("refunds.submit")}
                        </button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {(r.stage === "contracted" || r.stage === "ended") && <ArchiveButton s={s} />}
    </section>
  );
}

function ArchiveButton({ s }: { s: SectionView }) {
  const { t } = useTranslation("results");
  return (
    <Form method="post" data-testid="archive-form">
      <CsrfInput />
      <input type="hidden" name="intent" value="archive" />
      <input type="hidden" name="sectionId" value={s.id} />
      <button type="submit" className="secondary" data-testid="archive">
        {t("archive")}
      </button>
    </Form>
  );
}

export default function ManageResults() {
  const view = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as { ok: boolean; done?: string; error?: ErrorPayload } | undefined;
  const { t } = useTranslation("results");
  useLiveRevalidate([`tender:${view.project.id}`]);
  return (
    <>
      <p className="muted small">
        <Link to="/manage">{t("tender:manage.title")}</Link> / <Link to={`/manage/${view.project.id}`}>{view.project.code}</Link> / {t("title")}
      </p>
      <h1>
        {t("title")} · {view.project.title}
      </h1>
      <p className="muted">{t(`intro.${view.project.regime}`)}</p>
      <ErrorAlert error={data?.error} />
      {data?.done && (
        <div className="alert alert-ok" role="status" data-testid="done">
          {t(`done.${data.done}`)}
        </div>
      )}
      <p>
        <a href={`/manage/${view.project.id}/archive.zip`} data-testid="archive-export">
          {t("export")}
        </a>
      </p>
      {view.sections.map((s) => (
        <SectionResults key={s.id} s={s} view={view} />
      ))}
    </>
  );
}
