import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCst } from "#app/domain/tender-form";

type Instance = { limitId: string; startedAt: string; dueAt: string; doneAt: string | null; light: "green" | "yellow" | "red"; usedPct: number; breach: string | null };
type AlertView = { id: string; kind: string; rule: string; severity: string; status: string; subjects: string[]; evidence: Record<string, unknown>; detectedAt: string; caseId: string | null };
type HistoryView = { at: string; light: string; stage: string; fromLight: string | null; fromStage: string | null; reasons: string[] };
export type SectionSupervision = { id: string; code: string; title: string; light: "green" | "yellow" | "red"; stage: string; instances: Instance[]; alerts: AlertView[]; history: HistoryView[] };

function evidenceText(e: Record<string, unknown>): string {
  return Object.entries(e)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join("、") : String(v)}`)
    .join("；");
}

/** A project's sections under electronic supervision (R63/R65): every limit with its light, the alerts, the history. */
export function SectionLightsPanel({ projectId, sections, names }: { projectId: string; sections: SectionSupervision[]; names: Map<string, string> }) {
  const { t } = useTranslation("supervision");
  return (
    <section className="card" id="lights" data-testid="supervision-panel">
      <h2>{t("panel.title")}</h2>
      {sections.map((s) => (
        <div key={s.id} data-testid="section-light" data-section={s.id} data-light={s.light}>
          <h3>
            <span className={`light-dot light-${s.light}`} aria-hidden /> {s.code} {s.title} · {t(`light.${s.light}`)} · {t(`stage.${s.stage}`)}
          </h3>
          {s.instances.length === 0 ? (
            <p className="muted">{t("panel.noLimits")}</p>
          ) : (
            <table className="small">
              <thead>
                <tr>
                  <th>{t("panel.limit")}</th>
                  <th>{t("panel.started")}</th>
                  <th>{t("panel.due")}</th>
                  <th>{t("panel.done")}</th>
                  <th className="num">{t("panel.used")}</th>
                  <th>{t("table.light")}</th>
                </tr>
              </thead>
              <tbody>
                {s.instances.map((i, n) => (
                  <tr key={`${i.limitId}-${n}`} data-light={i.light}>
                    <td>{t(`limits.${i.limitId}`, { defaultValue: i.limitId })}</td>
                    <td className="portal-nowrap">{formatCst(i.startedAt)}</td>
                    <td className="portal-nowrap">{formatCst(i.dueAt)}</td>
                    <td className="portal-nowrap">{i.doneAt ? formatCst(i.doneAt) : "—"}</td>
                    <td className="num">{i.usedPct} %</td>
                    <td>
                      <span className={`light-dot light-${i.light}`} aria-hidden /> {t(`light.${i.light}`)}
                      {i.breach ? ` · ${t(`panel.breach.${i.breach}`)}` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h4 id="alerts">{t("alerts.title")}</h4>
          {s.alerts.length === 0 ? (
            <p className="muted">{t("charts.noAlerts")}</p>
          ) : (
            <ul data-testid="alerts">
              {s.alerts.map((a) => (
                <li key={a.id} data-kind={a.kind}>
                  <span className={`tag ${a.severity === "critical" ? "tag-terminated" : "tag-suspended"}`}>{a.rule}</span> {t(`alerts.kinds.${a.kind}`, { defaultValue: a.kind })} ·{" "}
                  {a.subjects.map((id) => names.get(id) ?? id.slice(0, 8)).join("、")} · <span className="small muted">{evidenceText(a.evidence)}</span> · {formatCst(a.detectedAt)} ·{" "}
                  {t(`alerts.status.${a.status}`)}
                  {a.status === "open" && (
                    <>
                      {" · "}
                      <Link to={`/supervise/cases/new?alert=${a.id}`}>{t("alerts.openCase")}</Link>
                    </>
                  )}
                  {a.caseId && (
                    <>
                      {" · "}
                      <Link to={`/supervise/cases/${a.caseId}`}>{t("alerts.viewCase")}</Link>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
          {s.history.length > 0 && (
            <details>
              <summary>{t("panel.history")}</summary>
              <ul className="small">
                {s.history.map((h, n) => (
                  <li key={n}>
                    {formatCst(h.at)} · {t(`light.${h.light}`)} · {t(`stage.${h.stage}`)}
                    {h.reasons.length ? ` · ${h.reasons.map((r) => t(`limits.${r}`, { defaultValue: r })).join("；")}` : ""}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </div>
      ))}
      <p className="small">
        <Link to={`/record?subject=${projectId}`}>{t("panel.audit")}</Link>
      </p>
    </section>
  );
}
