import { useTranslation } from "react-i18next";
import { flattenCriteria, isScoredKind, regimeOf, type MethodConfig } from "#app/domain/evaluation/method";
import { REVIEW_STAGES_OF } from "#app/domain/evaluation/review-defaults";
import { formatDropCount } from "#app/domain/method-form";

/**
 * A section's evaluation method as published (EV6: rendered from the frozen configuration, never from code):
 * the method, the price formula with its parameters, the criteria tree with points, the compliance-review items,
 * and the rules for ties, candidates and too few bids. `compact` shows one line and the rest under a disclosure
 * (manage and supervise pages); the tender page shows it all. `method` null = a stored value that cannot be read.
 */
export function MethodSummary({ method, compact = false, testId }: { method: MethodConfig | null; compact?: boolean; testId?: string }) {
  const { t } = useTranslation("tender");
  if (!method) return <span className="muted">{t("method.view.unreadable")}</span>;
  const head = (
    <>
      <strong data-testid={testId ? `${testId}-kind` : undefined}>{t(`method.kinds.${method.kind}`)}</strong>
      {isScoredKind(method.kind) && "priceScore" in method && <span className="muted small"> · {t("method.view.totalPoints", { total: method.total })}</span>}
    </>
  );
  if (compact)
    return (
      <div data-testid={testId}>
        {head}
        <details className="small">
          <summary>{t("method.view.details")}</summary>
          <MethodBody method={method} />
        </details>
      </div>
    );
  return (
    <div data-testid={testId}>
      <p>{head}</p>
      <MethodBody method={method} />
    </div>
  );
}

function MethodBody({ method: m }: { method: MethodConfig }) {
  const { t } = useTranslation("tender");
  const regime = regimeOf(m.kind);
  const flat = flattenCriteria(m.criteria);
  const sep = t("method.view.sep");
  const stages = REVIEW_STAGES_OF[regime];
  const otherStages = [...new Set(m.review.map((r) => r.stage))].filter((s) => !stages.includes(s));
  return (
    <div className="method-summary">
      {"priceScore" in m && (
        <>
          <h4>{t("method.price.title")}</h4>
          <ul>
            <li data-testid="method-benchmark">
              {t(`method.view.source.${m.benchmark.source}`)}
              {m.benchmark.factor && t(`method.view.factor.${m.benchmark.factor.kind}`, { value: m.benchmark.factor.value })}
              {m.benchmark.composite &&
                t("method.view.compositeWeights", { A: m.benchmark.composite.weights.A, B: m.benchmark.composite.weights.B, C: m.benchmark.composite.weights.C })}
              {m.benchmark.priceBasis === "excluding_provisional" && t("method.view.excludingProvisional")}
            </li>
            {m.benchmark.trim && (
              <li>
                {t("method.view.trimTitle")}
                <ul>
                  {m.benchmark.trim.map((r, i) => (
                    <li key={i}>
                      {t(r.maxN === undefined ? "method.view.trimRowOpen" : "method.view.trimRow", {
                        minN: r.minN,
                        maxN: r.maxN,
                        high: formatDropCount(r.dropHigh),
                        low: formatDropCount(r.dropLow),
                      })}
                    </li>
                  ))}
                </ul>
              </li>
            )}
            <li data-testid="method-formula">
              {t(`method.view.formula.${m.priceScore.kind}`, m.priceScore)}
              {"maxDeduction" in m.priceScore && m.priceScore.maxDeduction !== undefined && t("method.view.maxDeduction", { max: m.priceScore.maxDeduction })}
            </li>
            {m.priceScore.kind !== "low_price_priority" && <li>{t("method.view.devPct")}</li>}
            <li>{t("method.view.rounding", { scale: m.rounding.scale })}</li>
            <li>{t("method.view.aggregation", { rule: t(`method.subjectiveRules.${m.aggregation.subjective}`) })}</li>
          </ul>
        </>
      )}
      {flat.length > 0 && (
        <>
          <h4>{t("method.criteria.title")}</h4>
          <table data-testid="criteria" className="method-criteria">
            <thead>
              <tr>
                <th>{t("method.criteria.code")}</th>
                <th>{t("method.criteria.label")}</th>
                <th>{t("method.criteria.group")}</th>
                <th>{t("method.criteria.mode")}</th>
                <th className="num">{t("method.criteria.max")}</th>
              </tr>
            </thead>
            <tbody>
              {flat.map(({ node, depth, group, leaf }) => (
                <tr key={node.id} data-depth={depth}>
                  <td>{node.id}</td>
                  <td style={{ paddingLeft: `${(depth - 1) * 1.25 + 0.4}rem` }}>
                    {node.label}
                    {node.objective && <span className="muted small"> （{t("method.criteria.objective")}）</span>}
                    {node.options && <span className="muted small"> {t("method.view.options", { options: node.options.join(" / ") })}</span>}
                    {node.bounds && <span className="muted small"> {t("method.view.bounds", { low: node.bounds[0], high: node.bounds[1] })}</span>}
                    {node.step && <span className="muted small"> {t("method.view.step", { step: node.step })}</span>}
                  </td>
                  <td>{depth === 1 ? t(`method.groups.${group}`) : ""}</td>
                  <td>{leaf && node.mode ? t(`method.modes.${node.mode}`) : ""}</td>
                  <td className="num">{node.max}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {!isScoredKind(m.kind) && <p className="small">{t(regime === "ZTB" ? "method.view.lowestRuleZTB" : "method.view.lowestRuleZFCG")}</p>}
      {"adjustments" in m && m.adjustments.length > 0 && (
        <>
          <h4>{t("method.adjustments.title")}</h4>
          <ul>
            {m.adjustments.map((a) => (
              <li key={a.id}>
                {a.id} {a.label}：
                {a.kind === "missing_item"
                  ? t("method.view.adjustment.missing_item", { reference: t(`method.references.${a.reference}`) })
                  : a.kind === "deviation_rate"
                    ? t(a.direction === "above" ? "method.view.adjustment.deviation_rate_above" : "method.view.adjustment.deviation_rate_below", { threshold: a.threshold, rate: a.ratePct })
                    : t("method.view.adjustment.amount")}
              </li>
            ))}
          </ul>
        </>
      )}
      {"policyDeductions" in m && (
        <>
          <h4>{t("method.deductions.title")}</h4>
          <ul>
            {m.policyDeductions.map((d) => (
              <li key={d.id}>{t("method.view.deduction", { label: d.label, pct: d.pct })}</li>
            ))}
            <li>{t(m.sameBrand ? "method.view.sameBrandOn" : "method.view.sameBrandOff")}</li>
          </ul>
        </>
      )}
      {m.review.length > 0 && (
        <>
          <h4>{t("method.review.title")}</h4>
          <dl className="method-review" data-testid="review-items">
            {[...stages, ...otherStages].map((stage) => {
              const items = m.review.filter((r) => r.stage === stage);
              if (!items.length) return null;
              return (
                <div key={stage}>
                  <dt>{t(`method.stages.${stage}`)}</dt>
                  <dd>{items.map((r) => `${r.id} ${r.label}`).join(sep)}</dd>
                </div>
              );
            })}
          </dl>
        </>
      )}
      <h4>{t("method.view.rulesTitle")}</h4>
      <ul>
        <li>{m.tieBreak.chain.length ? t("method.view.tieChain", { chain: m.tieBreak.chain.map((s) => t(`method.tieSteps.${s}`)).join(" → ") }) : t("method.view.tieNone")}</li>
        <li>{t("method.view.candidates", { n: m.candidates.count })}</li>
        <li>{t(`method.view.tooFew.${m.tooFew.action}`, { min: m.tooFew.min })}</li>
        <li>{t(`method.view.leader.${m.leader.chosenBy}`, { rounds: m.leader.maxRounds, fallback: t(`method.fallbacks.${m.leader.fallback}`) })}</li>
      </ul>
    </div>
  );
}
