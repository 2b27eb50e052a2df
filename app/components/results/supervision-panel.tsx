import { useTranslation } from "react-i18next";
import { formatMoney } from "#app/domain/money";
import { formatCst } from "#app/domain/tender-form";
import type { managedResults } from "#app/services/results/views.server";

type View = Awaited<ReturnType<typeof managedResults>>;
type Section = View["sections"][number];

const due = (iso: string | null) => (iso ? `${formatCst(new Date(new Date(iso).getTime() - 1)).slice(0, 10)} 24:00` : "—");

function Late({ on }: { on: boolean }) {
  const { t } = useTranslation("results");
  return on ? (
    <strong className="tag tag-overdue" data-testid="overdue">
      {t("supervision.overdue")}
    </strong>
  ) : null;
}

/**
 * The supervisor's read-only view of a section's results (R52, R54, R56, R57, R15): the stage, every limit with its
 * due date and whether it was passed, the objections with their answers (overdue ones marked), the documents issued
 * and the bond refunds.
 */
export function SupervisionResults({ s }: { s: Section }) {
  const { t } = useTranslation("results");
  const r = s.result;
  if (!r) return null;
  const limits: [string, string | null, boolean][] = [
    [t("timers.publicityDue"), r.publicityDueAt && due(r.publicityDueAt), r.overdue.publicity],
    [t("timers.publicity"), r.publicityStartedAt && `${formatCst(r.publicityStartedAt)} — ${due(r.publicityEndsAt)}`, false],
    [t("timers.decisionDue"), r.decisionDueAt && due(r.decisionDueAt), r.overdue.decision],
    [t("timers.noticesDue"), r.noticesDueAt && due(r.noticesDueAt), r.overdue.notices],
    [t("timers.contractDue"), r.contractDueAt && due(r.contractDueAt), r.overdue.contract],
  ];
  return (
    <section className="card" data-testid={`supervise-results-${s.code}`}>
      <h3>
        {s.code} {s.title} <span className={`tag tag-${r.stage}`}>{t(`stages.${r.stage}`)}</span>
      </h3>
      <dl className="kv">
        {limits
          .filter(([, v]) => v)
          .map(([k, v, late]) => (
            <div key={k} style={{ display: "contents" }}>
              <dt>{k}</dt>
              <dd>
                {v} <Late on={late} />
              </dd>
            </div>
          ))}
      </dl>
      {s.objections.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{t("supervision.objector")}</th>
              <th>{t("supervision.filed")}</th>
              <th>{t("supervision.due")}</th>
              <th>{t("supervision.answer")}</th>
            </tr>
          </thead>
          <tbody>
            {s.objections.map((o) => (
              <tr key={o.id} data-testid="supervise-objection">
                <td>{o.org}</td>
                <td>{o.filedAt && formatCst(o.filedAt)}</td>
                <td>
                  {due(o.answerDueAt)} <Late on={o.overdue} />
                </td>
                <td>{o.status === "answered" ? `${t(`outcomes.${o.outcome}`)} · ${o.answer}` : t("supervision.pending")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {s.documents.length > 0 && (
        <ul className="small">
          {s.documents.map((d) => (
            <li key={d.id}>
              <a href={d.href}>
                {t(`kinds.${d.kind}`)} {d.number}
              </a>{" "}
              {d.recipient ?? t("public")}
            </li>
          ))}
        </ul>
      )}
      {s.refunds.length > 0 && (
        <p className="small">
          {t("refunds.title")}:{" "}
          {s.refunds.map((x) => (
            <span key={x.id}>
              {x.org} {formatMoney({ fen: x.amountFen })} {x.refundedAt ? "✓" : due(x.dueAt)} <Late on={x.overdue} />{" "}
            </span>
          ))}
        </p>
      )}
    </section>
  );
}
