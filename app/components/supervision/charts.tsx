import { useTranslation } from "react-i18next";
import type { SupervisionStage } from "#app/domain/supervision/stage";

/**
 * The dashboard's 90-day charts as server-rendered SVG (no script, identical on server and browser, so hydration
 * never differs): sections entering each stage per day (stacked), limits passed per day, alerts by kind. Each chart
 * carries its numbers in a <title> per bar, and the figures are links in the tables beside them.
 */

const STAGE_COLOURS: Record<SupervisionStage, string> = {
  draft: "#8c959f",
  tendering: "#2da44e",
  opening: "#0969da",
  evaluation: "#8250df",
  publicity: "#bf8700",
  decision: "#cf222e",
  contract: "#1b7c83",
  completed: "#116329",
  ended: "#57606a",
};

const W = 540;
const H = 140;
const PAD = 22;

function scaleMax(values: number[]): number {
  const m = Math.max(1, ...values);
  const step = m <= 5 ? 1 : m <= 20 ? 5 : m <= 100 ? 10 : 10 ** Math.floor(Math.log10(m));
  return Math.ceil(m / step) * step;
}

export function StageChart({ stages, order }: { stages: { day: string; counts: Partial<Record<SupervisionStage, number>> }[]; order: readonly SupervisionStage[] }) {
  const { t } = useTranslation("supervision");
  // One translation per stage, not one per bar (90 days × 9 stages).
  const name = Object.fromEntries(order.map((k) => [k, t(`stage.${k}`)])) as Record<SupervisionStage, string>;
  const totals = stages.map((d) => order.reduce((s, k) => s + (d.counts[k] ?? 0), 0));
  const max = scaleMax(totals);
  const bw = (W - PAD) / Math.max(1, stages.length);
  return (
    <figure className="chart" data-testid="chart-stages">
      <figcaption>{t("charts.stages")}</figcaption>
      <svg viewBox={`0 0 ${W} ${H + 16}`} role="img" aria-label={t("charts.stages")}>
        <text x={0} y={10} className="chart-axis">
          {max}
        </text>
        <line x1={PAD} x2={W} y1={H} y2={H} className="chart-base" />
        {stages.map((d, i) => {
          let y = H;
          return (
            <g key={d.day}>
              {order.map((k) => {
                const n = d.counts[k] ?? 0;
                if (!n) return null;
                const h = (n / max) * (H - 12);
                y -= h;
                return (
                  <rect key={k} x={PAD + i * bw + 0.5} y={y} width={Math.max(1, bw - 1)} height={h} fill={STAGE_COLOURS[k]}>
                    <title>{`${d.day} ${name[k]}: ${n}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
        <text x={PAD} y={H + 14} className="chart-axis">
          {stages[0]?.day}
        </text>
        <text x={W} y={H + 14} textAnchor="end" className="chart-axis">
          {stages[stages.length - 1]?.day}
        </text>
      </svg>
      <ul className="chart-legend">
        {order.map((k) => (
          <li key={k}>
            <span className="chart-swatch" style={{ background: STAGE_COLOURS[k] }} />
            {name[k]}
          </li>
        ))}
      </ul>
    </figure>
  );
}

export function DailyBars({ data, label, testId, colour }: { data: { day: string; count: number }[]; label: string; testId: string; colour: string }) {
  const max = scaleMax(data.map((d) => d.count));
  const bw = (W - PAD) / Math.max(1, data.length);
  const total = data.reduce((s, d) => s + d.count, 0);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        {label} <span className="muted">({total})</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H + 16}`} role="img" aria-label={label}>
        <text x={0} y={10} className="chart-axis">
          {max}
        </text>
        <line x1={PAD} x2={W} y1={H} y2={H} className="chart-base" />
        {data.map((d, i) =>
          d.count ? (
            <rect key={d.day} x={PAD + i * bw + 0.5} y={H - (d.count / max) * (H - 12)} width={Math.max(1, bw - 1)} height={(d.count / max) * (H - 12)} fill={colour}>
              <title>{`${d.day}: ${d.count}`}</title>
            </rect>
          ) : null,
        )}
        <text x={PAD} y={H + 14} className="chart-axis">
          {data[0]?.day}
        </text>
        <text x={W} y={H + 14} textAnchor="end" className="chart-axis">
          {data[data.length - 1]?.day}
        </text>
      </svg>
    </figure>
  );
}

export function KindBars({ data, label, render }: { data: { kind: string; count: number }[]; label: string; render: (kind: string) => string }) {
  const { t } = useTranslation("supervision");
  const max = scaleMax(data.map((d) => d.count));
  return (
    <figure className="chart" data-testid="chart-alerts">
      <figcaption>{label}</figcaption>
      {data.length === 0 ? (
        <p className="muted">{t("charts.noAlerts")}</p>
      ) : (
        <table className="chart-hbars">
          <tbody>
            {data.map((d) => (
              <tr key={d.kind}>
                <th scope="row">{render(d.kind)}</th>
                <td>
                  <span className="chart-hbar" style={{ width: `${Math.max(2, (d.count / max) * 100)}%` }} />
                </td>
                <td className="num">{d.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
