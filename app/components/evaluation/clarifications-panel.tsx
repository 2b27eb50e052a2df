import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "#app/components/forms";
import { formatCst } from "#app/domain/tender-form";
import { useRoomFetcher, type RoomView } from "./entry-panel";

type Review = NonNullable<RoomView["review"]>;

/** "ref,quantity,unitPrice,total" per line → bill lines of WrittenPriceSchema (the server validates every field). */
function parseLines(text: string) {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [ref = "", quantity = "", unitPrice = "", total = ""] = l.split(/[,，\s]+/);
      return { ref, quantity, unitPrice, total };
    });
}

/** The leader's request form (R43): one bidder, a question, a reply window; a correction with what the bid says in writing. */
function RequestForm({ r, draft }: { r: Review; draft: { bidId: string; kind: string } | null }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, busy } = useRoomFetcher();
  const c = r.clarifications;
  const [bidId, setBidId] = useState(draft?.bidId ?? "");
  const [kind, setKind] = useState(draft?.kind ?? "question");
  const [question, setQuestion] = useState("");
  const [dueMinutes, setDue] = useState("30");
  const [figures, setFigures] = useState("");
  const [words, setWords] = useState("");
  const [bodyTotal, setBodyTotal] = useState("");
  const [lines, setLines] = useState("");
  const send = () => {
    const written =
      kind === "correction"
        ? JSON.stringify({ figures: figures.trim(), ...(words.trim() ? { words: words.trim() } : {}), ...(bodyTotal.trim() ? { bodyTotal: bodyTotal.trim() } : {}), ...(lines.trim() ? { lines: parseLines(lines), linesComplete: true } : {}) })
        : "";
    submit({ intent: "clarify", bidId, kind, question, dueMinutes, written });
  };
  return (
    <form
      data-testid="clarify-form"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <fieldset disabled={busy}>
        <legend>{t("clarify.new")}</legend>
        <label>
          {t("clarify.bidder")}
          <select value={bidId} onChange={(e) => setBidId(e.target.value)} required data-testid="clarify-bid">
            <option value="">—</option>
            {r.bids.map((b) => (
              <option key={b.bidId} value={b.bidId}>
                {b.order}. {b.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("clarify.kind")}
          {/* Corrections and price explanations belong to the compliance review (before its close). */}
          <select value={kind} onChange={(e) => setKind(e.target.value)} data-testid="clarify-kind">
            {["question", "correction", "abnormally_low"].map((k) => (
              <option key={k} value={k} disabled={k !== "question" && r.closed}>
                {t(`clarify.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("clarify.question")}
          <textarea value={question} rows={3} maxLength={c.limits.question} onChange={(e) => setQuestion(e.target.value)} required data-testid="clarify-question" />
        </label>
        <label>
          {t("clarify.due", { min: c.limits.minMinutes, max: c.limits.maxMinutes })}
          <input type="number" min={c.limits.minMinutes} max={c.limits.maxMinutes} value={dueMinutes} onChange={(e) => setDue(e.target.value)} data-testid="clarify-due" />
        </label>
        {kind === "correction" && (
          <fieldset>
            <legend>{t("clarify.written", { order: c.order })}</legend>
            <label>
              {t("clarify.figures")}
              <input value={figures} onChange={(e) => setFigures(e.target.value)} inputMode="decimal" required data-testid="clarify-figures" />
            </label>
            <label>
              {t("clarify.words")}
              <input value={words} maxLength={100} onChange={(e) => setWords(e.target.value)} data-testid="clarify-words" />
            </label>
            {c.order === "ZFCG" && (
              <label>
                {t("clarify.bodyTotal")}
                <input value={bodyTotal} onChange={(e) => setBodyTotal(e.target.value)} inputMode="decimal" />
              </label>
            )}
            <label>
              {t("clarify.lines")}
              <textarea value={lines} rows={3} onChange={(e) => setLines(e.target.value)} placeholder="A-01,1200,85.50,106200.00" />
            </label>
          </fieldset>
        )}
        <button type="submit" disabled={!bidId || !question.trim()} data-testid="clarify-send">
          {t("clarify.send")}
        </button>
      </fieldset>
      <ErrorAlert error={fetcher.data?.error} />
    </form>
  );
}

/**
 * Clarifications (澄清, R43, EV13, EV14): every request of the section with its deadline, status and the bidder's
 * signed answer or its decision on a proposed correction (TV-C1…C7); the engine's abnormally-low flags as drafts;
 * the leader's request form. Members and supervisors see the list; only the leader sends.
 */
export function ClarificationsPanel({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const [draft, setDraft] = useState<{ bidId: string; kind: string } | null>(null);
  const r = view.review;
  if (!r) return null;
  const c = r.clarifications;
  const canAsk = r.leader && (view.stage === "review" || view.stage === "scoring") && !view.paused;
  if (!c.requests.length && !canAsk && !c.drafts.length) return null;
  return (
    <section className="card" data-testid="clarifications">
      <h2>{t("clarify.title")}</h2>
      {c.drafts.length > 0 && (
        <div className="alert alert-warn" data-testid="abnormally-low">
          {c.drafts.map((d) => (
            <p key={d.bidId}>
              {t("clarify.lowFlag", { bidder: d.bidder, price: d.priceYuan, pct: d.pct, threshold: c.threshold })}{" "}
              {canAsk && !r.closed && (
                <button type="button" className="small" onClick={() => setDraft({ bidId: d.bidId, kind: "abnormally_low" })} data-testid={`draft-${d.bidId}`}>
                  {t("clarify.draft")}
                </button>
              )}
            </p>
          ))}
          <p className="muted small">{t("clarify.neverAuto")}</p>
        </div>
      )}
      {c.requests.length > 0 && (
        <table data-testid="clarification-list">
          <thead>
            <tr>
              <th>{t("clarify.bidder")}</th>
              <th>{t("clarify.question")}</th>
              <th>{t("clarify.dueAt")}</th>
              <th>{t("clarify.answer")}</th>
            </tr>
          </thead>
          <tbody>
            {c.requests.map((q) => (
              <tr key={q.id} data-status={q.status}>
                <td>
                  {q.bidder}
                  <div className="muted small">{t(`clarify.kinds.${q.kind}`)}</div>
                </td>
                <td>
                  {q.question}
                  {q.correction && <div className="small">{t("clarify.proposal", { from: q.correction.readPrice, to: q.correction.price })}</div>}
                </td>
                <td>
                  {formatCst(new Date(q.dueAt))}
                  <div>
                    <span className="tag">{t(`clarify.statuses.${q.status}`)}</span>
                  </div>
                </td>
                <td>
                  {q.accepted === true && <strong>{t("clarify.accepted")}</strong>}
                  {q.accepted === false && <strong>{t("clarify.refused")}</strong>}
                  {q.answer && <div>{q.answer}</div>}
                  {q.answeredAt && <div className="muted small">{formatCst(new Date(q.answeredAt))}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canAsk && <RequestForm key={draft ? `${draft.bidId}-${draft.kind}` : "blank"} r={r} draft={draft} />}
    </section>
  );
}
