import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "#app/components/forms";
import { groundMessageKey } from "#app/domain/evaluation/grounds";
import { formatCst } from "#app/domain/tender-form";
import { useRoomFetcher, type RoomView } from "./entry-panel";

type Review = NonNullable<RoomView["review"]>;
type Mark = Review["mine"][number];
type Item = Review["items"][number];

/** One item of one bid: the member's pass/fail, with a ground and a reason on fail; saved as it is made (one command). */
function MarkRow({ item, bidId, mark, grounds, clarified, locked }: { item: Item; bidId: string; mark: Mark | undefined; grounds: Review["grounds"]; clarified: boolean; locked: boolean }) {
  const { t } = useTranslation(["evaluation", "rules"]);
  const { fetcher, submit, busy } = useRoomFetcher();
  const [failing, setFailing] = useState(mark ? !mark.passed : false);
  const [ground, setGround] = useState(mark?.ground ?? "");
  const [reason, setReason] = useState(mark?.reason ?? "");
  const label = item.label ?? t("review.otherItem");
  const saveFail = () => submit({ intent: "review-mark", bidId, item: item.id, passed: "fail", ground, reason });
  return (
    <tr data-item={item.id} className={mark ? (mark.passed ? "passed" : "failed") : "unmarked"}>
      <td>
        {label} <span className="muted small">{t(`review.kinds.${item.stage}`)}</span>
      </td>
      <td>
        <fieldset disabled={locked || busy} className="inline">
          <label>
            <input
              type="radio"
              name={`m-${bidId}-${item.id}`}
              checked={!!mark?.passed && !failing}
              onChange={() => {
                setFailing(false);
                submit({ intent: "review-mark", bidId, item: item.id, passed: "pass" });
              }}
              data-testid={`pass-${item.id}`}
            />{" "}
            {t("review.pass")}
          </label>{" "}
          <label>
            <input type="radio" name={`m-${bidId}-${item.id}`} checked={failing} onChange={() => setFailing(true)} data-testid={`fail-${item.id}`} /> {t("review.fail")}
          </label>
        </fieldset>
        {failing && (
          <fieldset disabled={locked || busy}>
            <label>
              {t("review.ground")}
              <select value={ground} onChange={(e) => setGround(e.target.value)} data-testid={`ground-${item.id}`}>
                <option value="">{t("review.chooseGround")}</option>
                {grounds.map((g) => (
                  <option key={g.code} value={g.code} disabled={g.clarifyFirst && !clarified}>
                    {t(groundMessageKey(g.code))}
                    {g.clarifyFirst && !clarified ? ` ${t("review.clarifyFirst")}` : ""}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("review.reason")}
              <textarea value={reason} maxLength={1000} rows={2} onChange={(e) => setReason(e.target.value)} data-testid={`reason-${item.id}`} />
            </label>
            <button type="button" onClick={saveFail} disabled={!ground || !reason.trim()} data-testid={`save-fail-${item.id}`}>
              {t("review.saveFail")}
            </button>
          </fieldset>
        )}
      </td>
      <td className="muted small">
        {busy ? t("review.saving") : mark ? t("review.savedAt", { at: formatCst(new Date(mark.updatedAt)) }) : t("review.unmarked")}
        <ErrorAlert error={fetcher.data?.error} />
      </td>
    </tr>
  );
}

/** The member's own sheet: every item of every bid, one bid at a time. */
function MySheet({ r }: { r: Review }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, busy } = useRoomFetcher();
  const marks = new Map(r.mine.map((m) => [`${m.bidId}\u0000${m.itemId}`, m]));
  const clarified = new Set(r.clarified);
  const total = r.bids.length * r.items.length;
  return (
    <>
      <p data-testid="my-review-progress">
        {t("review.myProgress", { marked: r.mine.length, total })} {r.done && <span className="tag tag-published">{t("review.doneTag")}</span>}
      </p>
      {r.bids.map((b) => {
        const mine = r.mine.filter((m) => m.bidId === b.bidId);
        return (
          <details key={b.bidId} open={!r.done && mine.length < r.items.length} data-testid={`review-bid-${b.order}`}>
            <summary>
              {b.order}. {b.name} <span className="muted small">{t("review.bidProgress", { marked: mine.length, total: r.items.length, failed: mine.filter((m) => !m.passed).length })}</span>
            </summary>
            <table>
              <thead>
                <tr>
                  <th>{t("review.item")}</th>
                  <th>{t("review.mark")}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {r.items.map((i) => (
                  <MarkRow key={i.id} item={i} bidId={b.bidId} mark={marks.get(`${b.bidId}\u0000${i.id}`)} grounds={r.grounds} clarified={clarified.has(b.bidId)} locked={r.done} />
                ))}
              </tbody>
            </table>
            {!r.done && mine.length < r.items.length && (
              <button type="button" disabled={busy} onClick={() => submit({ intent: "review-pass-rest", bidId: b.bidId })} data-testid={`pass-rest-${b.order}`}>
                {t("review.passRest")}
              </button>
            )}
          </details>
        );
      })}
      <p>
        {r.done ? (
          <button type="button" disabled={busy} onClick={() => submit({ intent: "review-reopen" })} data-testid="review-reopen">
            {t("review.reopen")}
          </button>
        ) : (
          <button type="button" disabled={busy || r.mine.length < total} onClick={() => submit({ intent: "review-done" })} data-testid="review-done">
            {t("review.markDone")}
          </button>
        )}
      </p>
      <ErrorAlert error={fetcher.data?.error} />
    </>
  );
}

/** After the close: the committee's conclusion per bid (EV12), its grounds (R44) with their sources, and the reasons. */
function Conclusions({ r }: { r: Review }) {
  const { t } = useTranslation(["evaluation", "rules"]);
  const name = new Map(r.bids.map((b) => [b.bidId, b]));
  const label = new Map(r.items.map((i) => [i.id, i.label ?? t("review.otherItem")]));
  return (
    <table data-testid="review-conclusions">
      <thead>
        <tr>
          <th>{t("review.bidder")}</th>
          <th>{t("review.conclusion")}</th>
          <th>{t("review.grounds")}</th>
        </tr>
      </thead>
      <tbody>
        {r.conclusions.map((c) => (
          <tr key={c.bidId} data-passed={c.passed}>
            <td>
              {name.get(c.bidId)?.order}. {name.get(c.bidId)?.name}
            </td>
            <td>
              <span className={`tag ${c.passed ? "tag-published" : "tag-failed"}`}>{c.passed ? t("review.valid") : t("review.rejected")}</span>
              {c.items
                .filter((i) => !i.passed)
                .map((i) => (
                  <div key={i.itemId} className="small">
                    {i.itemId === r.correctionItemId ? t("review.correctionItem") : label.get(i.itemId)} · {t("review.votes", { pass: i.votes.pass, fail: i.votes.fail })}
                  </div>
                ))}
            </td>
            <td>
              {c.grounds.map((g) => (
                <div key={g}>
                  {t(groundMessageKey(g))} <span className="muted small">{r.groundSources[g]}</span>
                </div>
              ))}
              {c.reasons.length > 0 && (
                <ul className="small">
                  {c.reasons.map((x, k) => (
                    <li key={k}>{x}</li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** R45/EV10/TV-N1 (ZTB): the leader records the committee's reasoning and continues or rejects all. */
function TooFew({ r }: { r: Review }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, busy } = useRoomFetcher();
  const [reasoning, setReasoning] = useState("");
  const tf = r.tooFew;
  if (!tf || tf.outcome !== "reasoning") return null;
  return (
    <div className="alert alert-warn" data-testid="too-few">
      <p>{t("review.tooFew", { valid: tf.valid, min: tf.min })}</p>
      {tf.reasoning && (
        <p data-testid="too-few-reasoning">
          {t("review.reasoningRecorded")}：{tf.reasoning}
        </p>
      )}
      {!tf.decided && r.leader && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          <fieldset disabled={busy}>
            <label>
              {t("review.reasoning")}
              <textarea value={reasoning} rows={4} maxLength={4000} onChange={(e) => setReasoning(e.target.value)} data-testid="too-few-text" />
            </label>
            <button type="button" onClick={() => submit({ intent: "too-few", decision: "continue", reasoning })} data-testid="too-few-continue">
              {t("review.continue")}
            </button>{" "}
            <button type="button" className="secondary" onClick={() => submit({ intent: "too-few", decision: "reject_all", reasoning })} data-testid="too-few-reject">
              {t("review.rejectAll")}
            </button>
          </fieldset>
        </form>
      )}
      {!tf.decided && !r.leader && <p className="muted small">{t("review.leaderDecides")}</p>}
      <ErrorAlert error={fetcher.data?.error} />
    </div>
  );
}

/**
 * The compliance review (初步评审; EV12–EV14, EV17, R44, R45): before the close each seated member marks its own sheet
 * (the items frozen at publication, EV6) and marks it done; the leader closes once all are done. Nobody sees another
 * member's marks before the close. After it: the conclusions, and R45 — ZTB the committee's reasoning, ZFCG the
 * section's failure and its signed notice. Supervisors watch progress, then the conclusions.
 */
export function ReviewPanel({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, busy } = useRoomFetcher();
  const r = view.review;
  if (!r) return null;
  const active = view.stage === "review" && !r.closed;
  const member = view.viewer === "member" && view.me?.status === "seated";
  const body = (
    <>
      <p data-testid="review-progress">{t("review.progress", { done: r.progress.done, members: r.progress.members })}</p>
      {active && member && <MySheet r={r} />}
      {active && r.leader && (
        <p>
          <button type="button" disabled={busy || r.progress.done < r.progress.members || r.pending > 0} onClick={() => submit({ intent: "review-close" })} data-testid="review-close">
            {t("review.close")}
          </button>{" "}
          {r.pending > 0 && <span className="muted small">{t("review.pendingClarifications", { count: r.pending })}</span>}
          <ErrorAlert error={fetcher.data?.error} />
        </p>
      )}
      {r.closed && <Conclusions r={r} />}
      <TooFew r={r} />
      {r.failure && (
        <div className="alert alert-error" data-testid="review-failed">
          {t(r.failure.cause === "rejected_all" ? "review.failedRejectedAll" : "review.failedTooFew", { valid: r.failure.valid, min: r.failure.min })}{" "}
          {view.project && view.section && <a href={`/tenders/${view.project.id}/sections/${view.sectionId}/opening/notice.pdf`}>{t("review.notice")}</a>}
        </div>
      )}
    </>
  );
  return (
    <section className="card" data-testid="review-panel">
      {view.stage === "review" || view.stage === "failed" ? (
        <>
          <h2>{t("review.title")}</h2>
          {body}
        </>
      ) : (
        <details>
          <summary>{t("review.title")}</summary>
          {body}
        </details>
      )}
    </section>
  );
}
