import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "#app/components/forms";
import { AutosaveQueue, autosaveStorageKey, fieldKey, postScore, type Fields, type FieldState, type ServerField } from "#app/client/autosave";
import { ownSubtotals, type SheetModel, type SheetRow } from "#app/domain/evaluation/sheet";
import { useRoomFetcher, type RoomView } from "./entry-panel";
import { shown } from "./summary-panel";

type Scoring = NonNullable<RoomView["scoring"]>;
type MemberScoring = Extract<Scoring, { kind: "member" }>;

/**
 * Independent scoring (详细评审; docs/evaluation-rules.md §4.5, EV6, EV17): the sheet rendered from the frozen method's rows,
 * one column per bid that passed the review. Typed items autosave as they change (app/client/autosave.ts) and show
 * whether they are saved; the price score is the engine's. The member sees only its own scores; a supervisor sees
 * who has filled and submitted how much — never a value (R42).
 */
export function ScoringPanel({ view }: { view: RoomView }) {
  const { t } = useTranslation("evaluation");
  const s = view.scoring;
  if (!s) return null;
  return (
    <section className="card" data-testid="scoring">
      <h2>{t("scoring.title")}</h2>
      {s.kind === "member" ? <MemberSheet view={view} s={s} /> : <p className="muted small">{t("scoring.secret")}</p>}
      <Progress progress={s.progress} />
    </section>
  );
}

function Progress({ progress }: { progress: Scoring["progress"] }) {
  const { t } = useTranslation("evaluation");
  return (
    <table data-testid="scoring-progress" className="small">
      <thead>
        <tr>
          <th>{t("room.seat")}</th>
          <th>{t("scoring.filled")}</th>
          <th>{t("scoring.status")}</th>
        </tr>
      </thead>
      <tbody>
        {progress.map((p) => (
          <tr key={p.seat} data-seat={p.seat}>
            <td>M{p.seat}</td>
            <td>
              {p.filled} / {p.required}
            </td>
            <td>{p.submitted ? <span className="tag tag-published">{t("scoring.submitted")}</span> : <span className="tag">{t("scoring.inProgress")}</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The autosave queue of the member's sheet, started after hydration (drafts live in localStorage). */
function useAutosave(sectionId: string, seat: number, csrf: string, server: ServerField[], enabled: boolean) {
  const [fields, setFields] = useState<Fields>(() => Object.fromEntries(server.map((f) => [f.key, { value: f.value, rev: f.rev, state: "saved" as FieldState, error: null, savedAt: null }])));
  const queue = useRef<AutosaveQueue | null>(null);
  const initial = useRef(server);
  useEffect(() => {
    if (!enabled) return;
    const q = new AutosaveQueue({
      storageKey: autosaveStorageKey(sectionId, seat),
      send: (key, value, rev) => {
        const [bidId, item] = key.split("|") as [string, string];
        return postScore(sectionId, csrf, bidId, item, value, rev);
      },
      onChange: setFields,
    });
    q.load(initial.current);
    queue.current = q;
    const warn = (e: BeforeUnloadEvent) => {
      if (!q.idle) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => {
      window.removeEventListener("beforeunload", warn);
      q.stop();
      queue.current = null;
    };
  }, [sectionId, seat, csrf, enabled]);
  const pending = Object.values(fields).filter((f) => f.state === "pending" || f.state === "saving").length;
  const failed = Object.values(fields).filter((f) => f.state === "failed" || f.state === "conflict").length;
  const refused = Object.values(fields).filter((f) => f.state === "failed" && f.error).length;
  return { fields, change: (key: string, value: string) => queue.current?.change(key, value), retry: (key: string) => queue.current?.retry(key), pending, failed, refused, ready: enabled };
}

function MemberSheet({ view, s }: { view: RoomView; s: MemberScoring }) {
  const { t } = useTranslation("evaluation");
  const { fetcher, submit, csrf, busy } = useRoomFetcher();
  const model = s.model as SheetModel;
  const editable = !s.submitted && !view.paused && view.viewer === "member";
  const server: ServerField[] = s.own.map((o) => ({ key: fieldKey(o.bidId, o.itemId), value: o.score, rev: o.rev }));
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const auto = useAutosave(view.sectionId, view.me?.seat ?? 0, csrf, server, hydrated && editable);
  const committee = new Map(s.committee.map((c) => [fieldKey(c.bidId, c.itemId), c.score]));
  const leaves = model.rows.filter((r) => r.kind === "score" || r.kind === "objective");
  const status = auto.pending
    ? t("scoring.saving", { count: auto.pending })
    : auto.failed > auto.refused
      ? t("scoring.notSaved", { count: auto.failed - auto.refused })
      : auto.refused
        ? t("scoring.refused", { count: auto.refused })
        : t("scoring.allSaved");

  if (!model.scored) {
    return (
      <>
        <p>{t("scoring.notScored")}</p>
        <BidPrices s={s} />
        <SubmitBar s={s} busy={busy} submit={submit} idle />
        <ErrorAlert error={fetcher.data?.error} />
      </>
    );
  }
  return (
    <>
      <p className="muted small">{t("scoring.intro")}</p>
      {s.benchmark && <p data-testid="benchmark">{t("scoring.benchmark", { value: shown(s.benchmark.value) })}</p>}
      <p data-testid="autosave-status" className={auto.failed ? "alert alert-warn" : "muted small"} aria-live="polite">
        {editable ? status : s.submitted ? t("scoring.locked") : t("scoring.readOnly")}
      </p>
      <div className="table-scroll">
        <table data-testid="score-sheet" className="score-sheet">
          <thead>
            <tr>
              <th>{t("scoring.item")}</th>
              <th>{t("scoring.max")}</th>
              {s.bids.map((b) => (
                <th key={b.bidId} data-bid={b.bidId}>
                  {b.name}
                  <div className="muted small">{t("scoring.price", { price: b.bidPrice })}</div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {model.rows.map((row) => (
              <tr key={row.id} data-item={row.id} className={row.kind === "group" ? "group-row" : undefined}>
                <td style={{ paddingLeft: `${(row.depth - 1) * 1.2 + 0.4}em` }}>
                  {row.label}
                  <Hint row={row} />
                </td>
                <td>{row.max}</td>
                {s.bids.map((b) => (
                  <td key={b.bidId}>
                    <Cell row={row} bid={b} fields={auto.fields} committee={committee} leader={s.leader} editable={editable && auto.ready} model={model} onChange={auto.change} onRetry={auto.retry} />
                  </td>
                ))}
              </tr>
            ))}
            <tr className="total-row">
              <td>{t("scoring.myTotal")}</td>
              <td>{model.total}</td>
              {s.bids.map((b) => (
                <td key={b.bidId} data-testid={`total-${b.bidId}`}>
                  {subtotals(model, auto.fields, committee, b).get("") ?? "—"}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>
      {leaves.some((l) => l.kind === "objective") && <p className="muted small">{t(s.leader ? "scoring.objectiveLeader" : "scoring.objectiveMember")}</p>}
      {s.excluded.length > 0 && (
        <p className="muted small" data-testid="excluded">
          {t("scoring.excluded")}：{s.excluded.map((b) => b.name).join("、")}
        </p>
      )}
      <SubmitBar s={s} busy={busy || view.paused !== null} submit={submit} idle={auto.pending === 0 && auto.failed === 0} />
      <ErrorAlert error={fetcher.data?.error} />
    </>
  );
}

function BidPrices({ s }: { s: MemberScoring }) {
  const { t } = useTranslation("evaluation");
  return (
    <ul data-testid="scored-bids">
      {s.bids.map((b) => (
        <li key={b.bidId}>
          {b.name} · {t("scoring.price", { price: b.bidPrice })}
        </li>
      ))}
    </ul>
  );
}

function SubmitBar({ s, busy, submit, idle }: { s: MemberScoring; busy: boolean; submit: (f: Record<string, string>) => void; idle: boolean }) {
  const { t } = useTranslation("evaluation");
  if (s.submitted)
    return (
      <p data-testid="sheet-submitted">
        <span className="tag tag-published">{t("scoring.submittedLocked")}</span>{" "}
        <button type="button" className="secondary" disabled={busy} onClick={() => submit({ intent: "reopen-sheet" })} data-testid="reopen-sheet">
          {t("scoring.reopen")}
        </button>
      </p>
    );
  return (
    <p>
      <button type="button" disabled={busy || !idle} onClick={() => submit({ intent: "submit-sheet" })} data-testid="submit-sheet">
        {t("scoring.submit")}
      </button>{" "}
      <span className="muted small">{t("scoring.submitHint")}</span>
    </p>
  );
}

function Hint({ row }: { row: SheetRow }) {
  const { t } = useTranslation("evaluation");
  if (row.kind === "formula") return <div className="muted small">{t("scoring.computed")}</div>;
  if (row.kind === "pass_fail") return <div className="muted small">{t("scoring.passFail")}</div>;
  if (row.kind === "group") return null;
  return (
    <div className="muted small">
      {row.kind === "objective" && `${t("scoring.objective")} · `}
      {row.options ? t("scoring.options", { options: row.options.join(" / ") }) : row.step ? t("scoring.step", { step: row.step, min: row.bounds?.[0], max: row.bounds?.[1] }) : t("scoring.bounds", { min: row.bounds?.[0], max: row.bounds?.[1] })}
    </div>
  );
}

/** The member's own values of one bid (the committee's entry stands in for an objective item it did not enter). */
function subtotals(model: SheetModel, fields: Fields, committee: Map<string, string>, bid: MemberScoring["bids"][number]) {
  const values = new Map<string, string>();
  for (const r of model.rows) {
    const k = fieldKey(bid.bidId, r.id);
    const f = fields[k];
    // A value the server refused (out of bounds) is not counted.
    const v = f && !(f.state === "failed" && f.error) ? f.value : committee.get(k);
    if (v !== undefined && v !== "") values.set(r.id, v);
  }
  return ownSubtotals(model, values, bid.priceScore);
}

function Cell(props: {
  row: SheetRow;
  bid: MemberScoring["bids"][number];
  fields: Fields;
  committee: Map<string, string>;
  leader: boolean;
  editable: boolean;
  model: SheetModel;
  onChange: (key: string, value: string) => void;
  onRetry: (key: string) => void;
}) {
  const { t } = useTranslation("evaluation");
  const { row, bid, fields } = props;
  if (row.kind === "formula") return <span data-testid={`price-score-${bid.bidId}`}>{bid.priceScore ?? "—"}</span>;
  if (row.kind === "pass_fail") return <span className="muted">—</span>;
  if (row.kind === "group") return <span className="muted">{subtotals(props.model, fields, props.committee, bid).get(row.id) ?? "—"}</span>;
  const key = fieldKey(bid.bidId, row.id);
  const f = fields[key];
  const committeeValue = props.committee.get(key);
  // An objective item the leader entered for the committee: others see it (it is the committee's, not a judgement).
  if (row.kind === "objective" && !props.leader && committeeValue !== undefined && !f) return <span data-testid={`committee-${key}`}>{committeeValue}</span>;
  const value = f?.value ?? "";
  const label = `${bid.name} · ${row.label}`;
  const input = row.options ? (
    <select aria-label={label} value={value} disabled={!props.editable} onChange={(e) => props.onChange(key, e.target.value)} data-testid={`score-${key}`}>
      <option value="">—</option>
      {row.options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  ) : (
    <input
      aria-label={label}
      inputMode="decimal"
      size={6}
      maxLength={12}
      value={value}
      disabled={!props.editable}
      placeholder={row.bounds ? `${row.bounds[0]}–${row.bounds[1]}` : undefined}
      onChange={(e) => props.onChange(key, e.target.value.trim())}
      data-testid={`score-${key}`}
    />
  );
  return (
    <span className={`score-cell state-${f?.state ?? "empty"}`}>
      {input} {f && f.state !== "saved" && <span className="small" data-testid={`state-${key}`}>{t(`scoring.state.${f.state}`)}</span>}
      {f?.state === "saved" && f.savedAt && (
        <span className="small muted" data-testid={`state-${key}`}>
          ✓
        </span>
      )}
      {f?.error && (
        <span className="small error" role="alert">
          {f.error.violations[0] ? t(`rules:evaluation.${f.error.violations[0].code}`, f.error.violations[0].params as Record<string, string>) : t(`common:errors.${f.error.code}`)}
          {f.state === "conflict" && (
            <button type="button" className="link" onClick={() => props.onRetry(key)} data-testid={`keep-${key}`}>
              {t("scoring.keepMine", { score: String(f.error.params.score ?? "") })}
            </button>
          )}
        </span>
      )}
    </span>
  );
}
