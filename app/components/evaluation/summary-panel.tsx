import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "#app/components/forms";
import { formatCst } from "#app/domain/tender-form";
import { useRoomFetcher, type RoomView } from "./entry-panel";

type Summary = NonNullable<RoomView["summary"]>;
type Committee = Extract<Summary, { kind: "committee" }>;

/** A decimal string for display without trailing zeros ("20.500000" → "20.5"); display only, never arithmetic. */
export const shown = (v: string | null | undefined): string => (v ? v.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "") : "");

/** The R48 reasons (87号令64), as summary.server.ts CHANGE_REASONS. */
const REASONS = ["sum_error", "out_of_range", "objective_inconsistent", "extreme_score"] as const;

/**
 * The summary (汇总; docs/evaluation-rules.md §1.9, §2, §4.6–4.7): once every member submitted, the engine's result from the
 * stored inputs (EV19) — ranking with the tie chain, candidates, totals per bid and item —, a chart of each bid's
 * scores across members per item, deviation flags with their written justifications (EV18), objective
 * disagreements, R48 changes (before/after, reason, note), and the leader's finalisation. Supervisors see progress
 * counts only (R42).
 */
export function SummaryPanel({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const s = view.summary;
  if (!s) return null;
  if (s.kind === "progress")
    return (
      <section className="card" data-testid="summary">
        <h2>{t("summary.title")}</h2>
        <p data-testid="summary-progress">{t("summary.progress", { flags: s.progress.flags, unjustified: s.progress.unjustified, changes: s.progress.changes })}</p>
        {s.progress.finalised && <p className="tag tag-published">{t("summary.finalised")}</p>}
      </section>
    );
  return <CommitteeSummary view={view} s={s} />;
}

function CommitteeSummary({ view, s }: { view: RoomView; s: Committee }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, busy } = useRoomFetcher();
  const active = view.stage === "summary" && !view.paused && view.viewer === "member";
  const outcome = (fetcher.data as { outcome?: { finalised: boolean } } | undefined)?.outcome;
  const candidates = new Set(s.candidates);
  const scored = s.model.scored;
  return (
    <section className="card" data-testid="summary">
      <h2>{t("summary.title")}</h2>
      <p className="muted small">
        {t("summary.intro")} <span className="mono">{s.digest.slice(0, 16)}</span>
      </p>
      {s.status && <p data-testid="summary-status">{t(`summary.status.${s.status}`)}</p>}
      {s.failure && <div className="alert alert-warn">{t(`summary.failure.${s.failure}`)}</div>}
      {s.differences.length > 0 && (
        <div className="alert alert-warn" data-testid="differences">
          {t("summary.differences", { count: s.differences.length })}
        </div>
      )}
      {outcome && !outcome.finalised && <div className="alert alert-warn">{t("summary.recheck")}</div>}

      <h3>{t("summary.ranking")}</h3>
      <table data-testid="ranking">
        <thead>
          <tr>
            <th>{t("summary.rank")}</th>
            <th>{t("summary.bidder")}</th>
            <th>{t("summary.bidPrice")}</th>
            {scored ? <th>{t("summary.priceScore")}</th> : <th>{t("summary.evaluatedPrice")}</th>}
            {scored && <th>{t("summary.total")}</th>}
            <th />
          </tr>
        </thead>
        <tbody>
          {s.ranking.map((r) => {
            const b = s.bids.find((x) => x.bidId === r.bidderId);
            return (
              <tr key={r.bidderId} data-bid={r.bidderId}>
                <td>{r.rank}</td>
                <td>{r.name}</td>
                <td>{b?.bidPrice}</td>
                {scored ? <td>{b?.priceScore ?? "—"}</td> : <td>{b?.evaluatedPrice ?? "—"}</td>}
                {scored && <td data-testid={`summary-total-${r.bidderId}`}>{b?.total ?? "—"}</td>}
                <td>
                  {candidates.has(r.bidderId) && <span className="tag tag-published">{t("summary.candidate")}</span>}
                  {r.pending && <span className="tag">{t(`summary.pending.${r.pending}`)}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {s.bids.some((b) => !b.valid) && (
        <p className="muted small">
          {t("summary.invalid")}：{s.bids.filter((b) => !b.valid).map((b) => b.name).join("、")}
        </p>
      )}
      {s.ties.length > 0 && <div className="alert">{t("summary.ties", { groups: s.ties.map((g) => g.join(" = ")).join("；") })}</div>}
      {s.blockers.length > 0 && (
        <ul className="alert alert-warn" data-testid="blockers">
          {s.blockers.map((b, i) => (
            <li key={i}>
              {t(`summary.blocker.${b.code}`, { defaultValue: b.code })} {[b.bid, b.item, b.seat !== null ? `M${b.seat}` : null].filter(Boolean).join(" · ")}
            </li>
          ))}
        </ul>
      )}

      {scored && <Chart s={s} />}

      {s.disagreements.length > 0 && (
        <>
          <h3>{t("summary.disagreements")}</h3>
          <ul data-testid="disagreements">
            {s.disagreements.map((d) => (
              <li key={`${d.bidId}|${d.itemId}`}>
                {d.bid} · {d.item}：{d.values.map((v) => `${v.seat === null ? t("summary.committeeEntry") : `M${v.seat}`} ${v.score}`).join("，")}
                {d.mine && <span className="tag">{t("summary.reconcile")}</span>}
              </li>
            ))}
          </ul>
        </>
      )}

      <Flags s={s} active={active} submit={submit} busy={busy} />
      <Changes s={s} active={active} submit={submit} busy={busy} />

      {s.reasoning.required && (
        <div data-testid="reasoning">
          <h3>{t("summary.reasoningTitle", { min: s.reasoning.min })}</h3>
          {s.reasoning.text && <p>{s.reasoning.text}</p>}
          {active && s.leader && <TextForm intent="reasoning" label={t("summary.reasoning")} submit={submit} busy={busy} initial={s.reasoning.text ?? ""} testid="reasoning-form" />}
        </div>
      )}

      {active && s.leader && (
        <p>
          <button type="button" disabled={busy} onClick={() => submit({ intent: "finalise", digest: s.digest })} data-testid="finalise">
            {t("summary.finalise")}
          </button>{" "}
          <span className="muted small">{t("summary.finaliseHint")}</span>
        </p>
      )}
      {s.progress.finalised && <p className="tag tag-published">{t("summary.finalised")}</p>}
      <ErrorAlert error={fetcher.data?.error} />
    </section>
  );
}

/** Each bid's scores across members per item: one bar per member, the aggregated value marked (the committee's chart). */
function Chart({ s }: { s: Committee }) {
  const { t } = useTranslation("evaluation");
  return (
    <details open data-testid="chart">
      <summary>
        <h3 style={{ display: "inline" }}>{t("summary.chart")}</h3>
      </summary>
      {s.matrix.map((item) => (
        <div key={item.itemId} className="chart-item" data-item={item.itemId}>
          <h4>
            {item.label} <span className="muted small">（{t("summary.max", { max: item.max })}）</span>
          </h4>
          <table className="chart small">
            <tbody>
              {item.bids.map((b) => (
                <tr key={b.bidId}>
                  <th scope="row">{b.name}</th>
                  <td>
                    {b.committee !== null ? (
                      <span>
                        {t("summary.committeeEntry")} {b.committee}
                      </span>
                    ) : (
                      b.values.map((v) => {
                        const pct = v.score === null ? 0 : Math.max(0, Math.min(100, (Number(v.score) / Number(item.max)) * 100));
                        return (
                          <div key={v.seat} className="bar-row" title={`M${v.seat}: ${v.score ?? "—"}`}>
                            <span className="bar-label">M{v.seat}</span>
                            <span className="bar" style={{ display: "inline-block", width: `${pct * 1.5}px`, height: "0.7em", background: "var(--accent, #3b6ea5)" }} />{" "}
                            <span>{v.score ?? "—"}</span>
                          </div>
                        );
                      })
                    )}
                  </td>
                  <td>
                    <strong>{b.aggregate ?? "—"}</strong>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </details>
  );
}

function Flags({ s, active, submit, busy }: { s: Committee; active: boolean; submit: (f: Record<string, string>) => void; busy: boolean }) {
  const { t } = useTranslation("evaluation");
  if (!s.flags.length) return null;
  return (
    <>
      <h3>{t("summary.flags")}</h3>
      <p className="muted small">{t("summary.flagsIntro")}</p>
      <ul data-testid="flags">
        {s.flags.map((f) => (
          <li key={`${f.seat}|${f.bidId}|${f.itemId}`} data-mine={f.mine ? "true" : "false"}>
            M{f.seat} · {f.bid} · {f.item}：{f.score}
            {f.devPct !== null && <> {t("summary.deviation", { pct: f.devPct, reference: shown(f.reference) })}</>}
            {f.limit !== null && <> {t("summary.belowLimit", { limit: shown(f.limit) })}</>}
            {f.justification ? <blockquote data-testid="justification">{f.justification}</blockquote> : <span className="tag">{t("summary.unjustified")}</span>}
            {f.mine && active && <TextForm intent="justify-flag" extra={{ bidId: f.bidId, item: f.itemId }} label={t("summary.justify")} submit={submit} busy={busy} initial={f.justification ?? ""} testid={`justify-${f.bidId}-${f.itemId}`} />}
          </li>
        ))}
      </ul>
    </>
  );
}

function Changes({ s, active, submit, busy }: { s: Committee; active: boolean; submit: (f: Record<string, string>) => void; busy: boolean }) {
  const { t } = useTranslation("evaluation");
  const [entry, setEntry] = useState("");
  const [score, setScore] = useState("");
  const [reason, setReason] = useState("");
  const [note, setNote] = useState("");
  const own = s.own;
  const chosen = own.find((o) => `${o.bidId}|${o.itemId}` === entry);
  return (
    <>
      <h3>{t("summary.changes")}</h3>
      {s.changes.length === 0 ? (
        <p className="muted small">{t("summary.noChanges")}</p>
      ) : (
        <table data-testid="changes" className="small">
          <thead>
            <tr>
              <th>{t("room.seat")}</th>
              <th>{t("summary.bidder")}</th>
              <th>{t("scoring.item")}</th>
              <th>{t("summary.fromTo")}</th>
              <th>{t("summary.reason")}</th>
              <th>{t("summary.at")}</th>
            </tr>
          </thead>
          <tbody>
            {s.changes.map((c, i) => (
              <tr key={i}>
                <td>{c.seat === null ? "" : `M${c.seat}`}</td>
                <td>{c.bid}</td>
                <td>{c.item}</td>
                <td>
                  {c.from} → {c.to}
                </td>
                <td>
                  {t(`summary.reasons.${c.reason}`)}：{c.note}
                </td>
                <td>{formatCst(new Date(c.at))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {active && own.length > 0 && (
        <form
          data-testid="change-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!chosen) return;
            submit({ intent: "change-score", bidId: chosen.bidId, item: chosen.itemId, score, reason, note });
          }}
        >
          <fieldset disabled={busy}>
            <legend>{t("summary.changeTitle")}</legend>
            <label>
              {t("summary.changeEntry")}
              <select value={entry} onChange={(e) => setEntry(e.target.value)} data-testid="change-entry">
                <option value="">—</option>
                {own.map((o) => (
                  <option key={`${o.bidId}|${o.itemId}`} value={`${o.bidId}|${o.itemId}`}>
                    {o.bid} · {o.item}（{o.score}）
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("summary.changeScore")}
              <input inputMode="decimal" size={6} maxLength={12} value={score} onChange={(e) => setScore(e.target.value.trim())} data-testid="change-score" />
            </label>
            <label>
              {t("summary.reason")}
              <select value={reason} onChange={(e) => setReason(e.target.value)} data-testid="change-reason">
                <option value="">—</option>
                {REASONS.map((r) => (
                  <option key={r} value={r}>
                    {t(`summary.reasons.${r}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("summary.note")}
              <textarea maxLength={500} rows={2} value={note} onChange={(e) => setNote(e.target.value)} data-testid="change-note" />
            </label>
            <button type="submit" disabled={!chosen || !score || !reason} data-testid="change-submit">
              {t("summary.changeSubmit")}
            </button>
          </fieldset>
        </form>
      )}
    </>
  );
}

function TextForm(props: { intent: string; extra?: Record<string, string>; label: string; submit: (f: Record<string, string>) => void; busy: boolean; initial: string; testid: string }) {
  const { t } = useTranslation("evaluation");
  const [text, setText] = useState(props.initial);
  return (
    <form
      data-testid={props.testid}
      onSubmit={(e) => {
        e.preventDefault();
        props.submit({ intent: props.intent, ...(props.extra ?? {}), text });
      }}
    >
      <label>
        {props.label}
        <textarea maxLength={2000} rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" disabled={props.busy || text.trim().length < 4}>
        {t("summary.save")}
      </button>
    </form>
  );
}
