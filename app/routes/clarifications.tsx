import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { CertificateOpener } from "#app/components/certificate-opener";
import { ErrorAlert } from "#app/components/forms";
import { CLARIFICATION_LIMITS, type AnswerDecision, type ClarificationKind } from "#app/domain/evaluation/clarification";
import type { ErrorPayload } from "#app/domain/errors";
import { DomainError } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import { useRootData } from "#app/root";
import { p12ErrorPayload, registeredCertificate, type OpenedCertificate } from "#app/client/p12";
import { signAnswerB64 } from "#app/client/clarification";
import { answerClarification, bidderClarifications } from "#app/services/evaluation/clarifications.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "澄清 · Tenderhall" }];

/**
 * The bidder's clarifications (澄清, R43; ADR 015 "Clarifications"): the requests the evaluation committees sent to
 * this organisation — and nothing else of any room (R42) — with their deadlines; an open one is answered here,
 * signed in the page with the bidder's certificate: a written answer to a question or a price explanation, or the
 * acceptance or refusal of a proposed arithmetic correction (评标规定19, 87号令59). There is no price field.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "bid:submit");
  return json(await bidderClarifications(context.app.db, actor));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "bid:submit");
  try {
    const form = await readForm(request, context);
    const f = (k: string) => String(form.get(k) ?? "");
    if (f("intent") !== "answer") throw new DomainError("VALIDATION", { field: "intent" });
    await answerClarification(context.app, actor, f("id"), { decision: f("decision"), answer: f("answer"), certificateId: f("certificateId"), signature: f("signature") });
    return json({ done: "answer" as const });
  } catch (e) {
    return errorResponse(e);
  }
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Row = Data["requests"][number];

/** One open request: the answer (or the decision on a correction), signed with the opened certificate. */
function AnswerForm({ req, certificates }: { req: Row; certificates: Data["certificates"] }) {
  const { t } = useTranslation("evaluation");
  const fetcher = useFetcher<{ done?: string; error?: ErrorPayload }>();
  const root = useRootData();
  const [cert, setCert] = useState<OpenedCertificate | null>(null);
  const [answer, setAnswer] = useState("");
  const [decision, setDecision] = useState<AnswerDecision>(req.kind === "correction" ? "accept" : "answer");
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [busy, setBusy] = useState(false);
  const sign = async () => {
    if (!cert) return;
    setBusy(true);
    setError(null);
    try {
      const c = registeredCertificate(cert, certificates);
      const signature = await signAnswerB64({ id: req.id, question: req.question, kind: req.kind as ClarificationKind, decision, price: req.correction?.price ?? null, answer }, cert.privateKeyPkcs8);
      fetcher.submit({ _csrf: root?.csrfToken ?? "", intent: "answer", id: req.id, decision, answer: answer.trim(), certificateId: c.id, signature }, { method: "post" });
    } catch (e) {
      setError(p12ErrorPayload(e));
    } finally {
      setBusy(false);
    }
  };
  if (!cert) return <CertificateOpener label={t("bidderClarify.openCert")} onOpened={setCert} />;
  return (
    <form
      data-testid={`answer-${req.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        void sign();
      }}
    >
      <fieldset disabled={busy || fetcher.state !== "idle"}>
        <p className="muted small">{t("bidderClarify.signingAs", { cn: cert.subjectCn })}</p>
        {req.kind === "correction" && (
          <>
            <label>
              <input type="radio" name="decision" checked={decision === "accept"} onChange={() => setDecision("accept")} /> {t("bidderClarify.accept", { price: req.correction?.price ?? "" })}
            </label>
            <label>
              <input type="radio" name="decision" checked={decision === "refuse"} onChange={() => setDecision("refuse")} /> {t("bidderClarify.refuse")}
            </label>
          </>
        )}
        <label>
          {t(req.kind === "correction" ? "bidderClarify.remark" : "bidderClarify.answer")}
          <textarea value={answer} rows={4} maxLength={CLARIFICATION_LIMITS.answer} onChange={(e) => setAnswer(e.target.value)} required={req.kind !== "correction"} data-testid="answer-text" />
        </label>
        <p className="muted small">{t("bidderClarify.noSubstance")}</p>
        <button type="submit" data-testid="answer-sign">
          {t("bidderClarify.sign")}
        </button>
      </fieldset>
      <ErrorAlert error={error ?? fetcher.data?.error} />
    </form>
  );
}

export default function BidderClarifications() {
  const { requests, certificates } = useLoaderData<typeof loader>();
  const { t } = useTranslation("evaluation");
  return (
    <>
      <h1>{t("bidderClarify.title")}</h1>
      <p className="muted">{t("bidderClarify.intro")}</p>
      {requests.length === 0 && <p className="card muted">{t("bidderClarify.empty")}</p>}
      {requests.map((r) => (
        <section key={r.id} id={`c-${r.id}`} className="card" data-testid="bidder-clarification" data-status={r.status}>
          <h2>
            {r.project.code} {r.project.title} · {r.section.code} {r.section.title}
          </h2>
          <p>
            <span className="tag">{t(`clarify.kinds.${r.kind}`)}</span> <span className="tag">{t(`clarify.statuses.${r.status}`)}</span> {t("bidderClarify.requestedAt", { at: formatCst(new Date(r.requestedAt)) })} ·{" "}
            <strong>{t("bidderClarify.dueAt", { at: formatCst(new Date(r.dueAt)) })}</strong>
          </p>
          <blockquote className="notice-body">{r.question}</blockquote>
          {r.correction && (
            <p data-testid="correction-proposal">
              {t("clarify.proposal", { from: r.correction.readPrice, to: r.correction.price })}
              <span className="muted small"> · {t("bidderClarify.order", { order: r.correction.order })}</span>
            </p>
          )}
          {r.status === "open" && <AnswerForm req={r} certificates={certificates} />}
          {r.status === "answered" && (
            <p data-testid="my-answer">
              {r.accepted === true && <strong>{t("clarify.accepted")} </strong>}
              {r.accepted === false && <strong>{t("clarify.refused")} </strong>}
              {r.answer} {r.answeredAt && <span className="muted small">{formatCst(new Date(r.answeredAt))}</span>}
            </p>
          )}
          {r.status === "expired" && <p className="muted">{t("bidderClarify.expired")}</p>}
        </section>
      ))}
    </>
  );
}
