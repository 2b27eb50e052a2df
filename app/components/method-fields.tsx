import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { GROUPS, LIMITS, METHOD_KINDS, MODES, REVIEW_STAGES, SUBJECTIVE_RULES, TIE_STEPS, isScoredKind, regimeOf, type MethodKind, type Regime } from "#app/domain/evaluation/method";
import { REVIEW_STAGES_OF } from "#app/domain/evaluation/review-defaults";
import { MAX_ADJUSTMENTS_PER_SECTION, MAX_CRITERIA_PER_SECTION, MAX_POLICY_DEDUCTIONS, MAX_REVIEW_ITEMS_PER_SECTION, MAX_TIE_STEPS, MAX_TRIM_ROWS } from "#app/domain/limits";
import { ADJUSTMENT_KINDS, ADJUSTMENT_REFERENCES, BENCHMARK_SOURCES, FACTOR_KINDS, methodFieldsForDisplay, PRICE_SCORE_KINDS, resolveKind, type MethodFormValues } from "#app/domain/method-form";
import { formIntent, INTENT } from "#app/domain/tender-form";
import { FieldError } from "./forms";

type Errors = (name: string) => string[] | undefined;
type Row = Record<string, string | undefined>;

/**
 * Rows are uncontrolled inputs: after a row button's round trip, a row whose values moved (a row above was removed)
 * must remount to show its new values, and a row that kept its values must keep what the browser shows.
 */
const rowKey = (index: number, row: unknown) => `${index}:${JSON.stringify(row ?? {})}`;

/** Conform turns a one-element list of strings into the string itself (and an empty list into nothing). */
function list<T>(v: T[] | T | undefined | null): (T | undefined)[] {
  if (v == null) return [];
  return Array.isArray(v) ? v : [v];
}

/** A list of rows as re-shown: anything that is not a row object (null, a string a request sent) is a blank row. */
function rowsOf(v: unknown): Row[] {
  return list(v as unknown[]).map((x) => (x && typeof x === "object" && !Array.isArray(x) ? (x as Row) : {}));
}

/**
 * The evaluation method of one section in the tender form (EV5, EV6, R46: the method as data, frozen at
 * publication). Plain HTML names under `sections[i].` that methodFromFields (app/domain/method-form.ts) reads; rows
 * are added and removed with Conform intents (`__intent__` buttons, a server round trip that saves nothing), so the
 * form works without JavaScript. With JavaScript a new method shows its fields at once; without it, the "show" button.
 */
export function MethodFields({ prefix, values, regime, errors }: { prefix: string; values: MethodFormValues; regime: Regime; errors: Errors }) {
  const { t } = useTranslation("tender");
  const initialKind = resolveKind(values.method, regime) ?? (regime === "ZFCG" ? "ZFCG_COMPREHENSIVE" : "ZTB_COMPREHENSIVE");
  const [kind, setKind] = useState<MethodKind>(initialKind);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  useEffect(() => setKind(initialKind), [initialKind]);
  // The project's regime changed in the page: a method of the other regime gives way to the new regime's default.
  const shownRegime = useRef(regime);
  useEffect(() => {
    if (shownRegime.current === regime) return;
    shownRegime.current = regime;
    setKind((k) => (regimeOf(k) === regime ? k : regime === "ZFCG" ? "ZFCG_COMPREHENSIVE" : "ZTB_COMPREHENSIVE"));
  }, [regime]);
  const v = methodFieldsForDisplay(values, kind);
  const kindRegime = regimeOf(kind);
  const n = (f: string) => `${prefix}.${f}`;
  const err = (f: string) => errors(n(f));
  const tm = (k: string, o?: Record<string, unknown>) => t(`method.${k}`, o ?? {});

  return (
    <div className="method-fields" data-testid="method-fields">
      <input type="hidden" name={n("shownKind")} value={kind} />
      <div className="grid grid-3">
        <div className="field">
          <label htmlFor={n("method")}>{t("form.section.method")}</label>
          <select id={n("method")} name={n("method")} value={kind} onChange={(e) => setKind(e.target.value as MethodKind)} aria-invalid={err("method") ? true : undefined}>
            {(["ZTB", "ZFCG"] as const).map((r) => (
              <optgroup key={r} label={t(`common:regimes.${r}`)}>
                {METHOD_KINDS.filter((k) => regimeOf(k) === r).map((k) => (
                  <option key={k} value={k}>
                    {t(`method.kinds.${k}`)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          {!hydrated && (
            <button type="submit" className="secondary small-button" name={INTENT} value={formIntent({ type: "update", payload: { name: n("method") } })} formNoValidate>
              {tm("show")}
            </button>
          )}
          <FieldError errors={err("method")} />
          <p className="hint">{tm(`kindHints.${kind}`)}</p>
        </div>
      </div>

      {/* keyed by kind: a new method remounts its fields with that method's defaults (uncontrolled inputs). */}
      <div key={kind}>
        <ReviewTable prefix={prefix} rows={rowsOf(v.review)} regime={kindRegime} err={err} />
        {isScoredKind(kind) && <ScoredFields prefix={prefix} v={v} kind={kind} err={err} />}
        {kind === "ZTB_LOWEST_EVALUATED" && <AdjustmentsTable prefix={prefix} rows={rowsOf(v.adjustments)} err={err} />}
        {kindRegime === "ZFCG" && (
          <>
            <DeductionsTable prefix={prefix} rows={rowsOf(v.policyDeductions)} err={err} />
            <div className="field">
              <label>
                <input type="checkbox" name={n("sameBrand")} defaultChecked={v.sameBrand === "on"} /> {tm("sameBrand")}
              </label>
            </div>
          </>
        )}
        <CommonSettings prefix={prefix} v={v} kind={kind} err={err} />
      </div>
    </div>
  );
}

function RowButtons({ name, index, max, count, defaultValue }: { name: string; index?: number; max: number; count: number; defaultValue?: Row }) {
  const { t } = useTranslation("tender");
  if (index !== undefined)
    return (
      <button type="submit" className="link-button" name={INTENT} value={formIntent({ type: "remove", payload: { name, index } })} formNoValidate aria-label={t("method.removeRow")}>
        ×
      </button>
    );
  if (count >= max) return null;
  return (
    <button type="submit" className="secondary small-button" name={INTENT} value={formIntent({ type: "insert", payload: { name, ...(defaultValue ? { defaultValue } : {}) } })} formNoValidate>
      {t("method.addRow")}
    </button>
  );
}

const cell = (name: string, value: string | undefined, label: string, err: string[] | undefined, extra: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
  <>
    <input type="text" name={name} defaultValue={value ?? ""} aria-label={label} aria-invalid={err ? true : undefined} {...extra} />
    <FieldError errors={err} />
  </>
);

function ReviewTable({ prefix, rows, regime, err }: { prefix: string; rows: Row[]; regime: Regime; err: Errors }) {
  const { t } = useTranslation("tender");
  const name = `${prefix}.review`;
  const stages = REVIEW_STAGES_OF[regime];
  return (
    <fieldset className="method-block">
      <legend>{t("method.review.title")}</legend>
      <p className="hint">{t("method.review.hint")}</p>
      <FieldError errors={err("review")} />
      <table className="method-table" data-testid="review-items">
        <thead>
          <tr>
            <th>{t("method.review.code")}</th>
            <th>{t("method.review.stage")}</th>
            <th>{t("method.review.label")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((r = {}, k) => {
            const p = `${name}[${k}]`;
            const e = (f: string) => err(`review[${k}].${f}`);
            return (
              <tr key={rowKey(k, r)}>
                <td>{cell(`${p}.code`, r.code, t("method.review.code"), e("code"), { size: 4, maxLength: 64 })}</td>
                <td>
                  <select name={`${p}.stage`} defaultValue={r.stage ?? stages[0]} aria-label={t("method.review.stage")}>
                    {REVIEW_STAGES.filter((s) => stages.includes(s) || s === r.stage).map((s) => (
                      <option key={s} value={s}>
                        {t(`method.stages.${s}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="wide">{cell(`${p}.label`, r.label, t("method.review.label"), e("label"), { maxLength: LIMITS.label })}</td>
                <td>
                  <RowButtons name={name} index={k} max={MAX_REVIEW_ITEMS_PER_SECTION} count={rows.length} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <RowButtons name={name} max={MAX_REVIEW_ITEMS_PER_SECTION} count={rows.length} defaultValue={{ stage: stages[0] }} />
    </fieldset>
  );
}

function ScoredFields({ prefix, v, kind, err }: { prefix: string; v: MethodFormValues; kind: MethodKind; err: Errors }) {
  const { t } = useTranslation("tender");
  const zfcg = regimeOf(kind) === "ZFCG";
  const n = (f: string) => `${prefix}.${f}`;
  const rows = rowsOf(v.criteria);
  const name = n("criteria");
  const [source, setSource] = useState(v.benchmark?.source ?? "lowest");
  const [factor, setFactor] = useState(v.benchmark?.factor ?? "none");
  const [scoreKind, setScoreKind] = useState(v.priceScore?.kind ?? "low_price_priority");
  const trim = rowsOf(v.trim);
  const param = (f: "E1" | "E2" | "nAbove" | "nBelow" | "maxDeduction", shown: boolean) => (
    <div className="field" hidden={!shown}>
      <label htmlFor={n(`priceScore.${f}`)}>{t(`method.priceScore.${f}`)}</label>
      <input type="text" id={n(`priceScore.${f}`)} name={n(`priceScore.${f}`)} defaultValue={v.priceScore?.[f] ?? ""} inputMode="decimal" size={6} aria-invalid={err(`priceScore.${f}`) ? true : undefined} />
      <FieldError errors={err(`priceScore.${f}`)} />
    </div>
  );
  return (
    <>
      <fieldset className="method-block">
        <legend>{t("method.criteria.title")}</legend>
        <p className="hint">{t("method.criteria.hint")}</p>
        <div className="field">
          <label htmlFor={n("total")}>{t("method.total")}</label>
          <input type="text" id={n("total")} name={n("total")} defaultValue={v.total ?? ""} inputMode="decimal" size={6} aria-invalid={err("total") ? true : undefined} />
          <FieldError errors={err("total")} />
        </div>
        <FieldError errors={err("criteria")} />
        <div className="table-scroll">
          <table className="method-table" data-testid="criteria-rows">
            <thead>
              <tr>
                {["level", "code", "group", "label", "max", "mode", "objective", "qualification", "options", "low", "high", "step", "minExplainRatio"].map((h) => (
                  <th key={h}>{t(`method.criteria.${h}`)}</th>
                ))}
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.map((r = {}, j) => {
                const p = `${name}[${j}]`;
                const e = (f: string) => err(`criteria[${j}].${f}`);
                const c = (f: string, size: number, extra: React.InputHTMLAttributes<HTMLInputElement> = {}) => cell(`${p}.${f}`, r[f], t(`method.criteria.${f}`), e(f), { size, ...extra });
                return (
                  <tr key={rowKey(j, r)} data-level={r.level ?? "1"}>
                    <td>
                      <select name={`${p}.level`} defaultValue={r.level ?? "1"} aria-label={t("method.criteria.level")} aria-invalid={e("level") ? true : undefined}>
                        {["1", "2", "3"].map((l) => (
                          <option key={l} value={l}>
                            {l}
                          </option>
                        ))}
                      </select>
                      <FieldError errors={e("level")} />
                    </td>
                    <td>{c("code", 4, { maxLength: 64 })}</td>
                    <td>
                      <select name={`${p}.group`} defaultValue={r.group ?? ""} aria-label={t("method.criteria.group")} aria-invalid={e("group") ? true : undefined}>
                        <option value="">{t("method.criteria.inherit")}</option>
                        {GROUPS.map((g) => (
                          <option key={g} value={g}>
                            {t(`method.groups.${g}`)}
                          </option>
                        ))}
                      </select>
                      <FieldError errors={e("group")} />
                    </td>
                    <td className="wide">{c("label", 16, { maxLength: LIMITS.label })}</td>
                    <td>{c("max", 4, { inputMode: "decimal" })}</td>
                    <td>
                      <select name={`${p}.mode`} defaultValue={r.mode ?? ""} aria-label={t("method.criteria.mode")} aria-invalid={e("mode") ? true : undefined}>
                        <option value="">{t("method.criteria.parent")}</option>
                        {MODES.map((m) => (
                          <option key={m} value={m}>
                            {t(`method.modes.${m}`)}
                          </option>
                        ))}
                      </select>
                      <FieldError errors={e("mode")} />
                    </td>
                    <td>
                      <input type="checkbox" name={`${p}.objective`} defaultChecked={r.objective === "on"} aria-label={t("method.criteria.objective")} />
                    </td>
                    <td>
                      <input type="checkbox" name={`${p}.qualification`} defaultChecked={r.qualification === "on"} aria-label={t("method.criteria.qualification")} />
                    </td>
                    <td>{c("options", 8, { maxLength: 200, placeholder: "10/7/3/0" })}</td>
                    <td>{c("low", 3, { inputMode: "decimal" })}</td>
                    <td>{c("high", 3, { inputMode: "decimal" })}</td>
                    <td>{c("step", 3, { inputMode: "decimal" })}</td>
                    <td>{c("minExplainRatio", 3, { inputMode: "decimal" })}</td>
                    <td>
                      <RowButtons name={name} index={j} max={MAX_CRITERIA_PER_SECTION} count={rows.length} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <RowButtons name={name} max={MAX_CRITERIA_PER_SECTION} count={rows.length} defaultValue={{ level: "1", group: "technical", mode: "range" }} />
      </fieldset>

      <fieldset className="method-block">
        <legend>{t("method.price.title")}</legend>
        {zfcg ? (
          <>
            {/* 87号令55: ZFCG scores price by 低价优先法 on the lowest valid price only (validateMethod refuses anything else). */}
            <input type="hidden" name={n("benchmark.source")} value="lowest" />
            <input type="hidden" name={n("benchmark.factor")} value="none" />
            <input type="hidden" name={n("priceScore.kind")} value="low_price_priority" />
            <p className="hint">{t("method.price.zfcgFixed")}</p>
          </>
        ) : (
          <>
            <div className="grid grid-3">
              <div className="field">
                <label htmlFor={n("benchmark.source")}>{t("method.benchmark.source")}</label>
                <select id={n("benchmark.source")} name={n("benchmark.source")} value={source} onChange={(e) => setSource(e.target.value)}>
                  {BENCHMARK_SOURCES.map((s) => (
                    <option key={s} value={s}>
                      {t(`method.sources.${s}`)}
                    </option>
                  ))}
                </select>
                <FieldError errors={err("benchmark.source")} />
              </div>
              <div className="field">
                <label htmlFor={n("benchmark.factor")}>{t("method.benchmark.factor")}</label>
                <select id={n("benchmark.factor")} name={n("benchmark.factor")} value={factor} onChange={(e) => setFactor(e.target.value)}>
                  {FACTOR_KINDS.map((f) => (
                    <option key={f} value={f}>
                      {t(`method.factors.${f}`)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field" hidden={factor === "none"}>
                <label htmlFor={n("benchmark.factorValue")}>{factor === "downward_pct" ? t("method.benchmark.factorValue_pct") : t("method.benchmark.factorValue_K")}</label>
                <input
                  type="text"
                  id={n("benchmark.factorValue")}
                  name={n("benchmark.factorValue")}
                  defaultValue={v.benchmark?.factorValue ?? ""}
                  inputMode="decimal"
                  size={6}
                  aria-invalid={err("benchmark.factorValue") ? true : undefined}
                />
                <FieldError errors={err("benchmark.factorValue")} />
              </div>
              <div className="field">
                <label htmlFor={n("benchmark.priceBasis")}>{t("method.benchmark.priceBasis")}</label>
                <select id={n("benchmark.priceBasis")} name={n("benchmark.priceBasis")} defaultValue={v.benchmark?.priceBasis ?? "bid"}>
                  {(["bid", "excluding_provisional"] as const).map((b) => (
                    <option key={b} value={b}>
                      {t(`method.priceBases.${b}`)}
                    </option>
                  ))}
                </select>
              </div>
              {(["A", "B", "C"] as const).map((k) => (
                <div className="field" key={k} hidden={source !== "composite"}>
                  <label htmlFor={n(`benchmark.composite${k}`)}>{t("method.benchmark.compositeWeight", { part: k })}</label>
                  <input type="text" id={n(`benchmark.composite${k}`)} name={n(`benchmark.composite${k}`)} defaultValue={v.benchmark?.[`composite${k}`] ?? ""} inputMode="decimal" size={6} />
                  <FieldError errors={err(`benchmark.composite${k}`)} />
                </div>
              ))}
            </div>
            <div hidden={source !== "trimmed_mean"}>
              <p className="hint">{t("method.trim.hint")}</p>
              <FieldError errors={err("trim")} />
              <table className="method-table" data-testid="trim-rows">
                <thead>
                  <tr>
                    {["minN", "maxN", "dropHigh", "dropLow"].map((h) => (
                      <th key={h}>{t(`method.trim.${h}`)}</th>
                    ))}
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {trim.map((r = {}, i) => {
                    const p = n(`trim[${i}]`);
                    const e = (f: string) => err(`trim[${i}].${f}`);
                    return (
                      <tr key={rowKey(i, r)}>
                        {["minN", "maxN", "dropHigh", "dropLow"].map((f) => (
                          <td key={f}>{cell(`${p}.${f}`, r[f], t(`method.trim.${f}`), e(f), { size: 4 })}</td>
                        ))}
                        <td>
                          <RowButtons name={n("trim")} index={i} max={MAX_TRIM_ROWS} count={trim.length} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <RowButtons name={n("trim")} max={MAX_TRIM_ROWS} count={trim.length} />
            </div>
            <div className="grid grid-3">
              <div className="field">
                <label htmlFor={n("priceScore.kind")}>{t("method.priceScore.kind")}</label>
                <select id={n("priceScore.kind")} name={n("priceScore.kind")} value={scoreKind} onChange={(e) => setScoreKind(e.target.value)}>
                  {PRICE_SCORE_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {t(`method.priceScores.${k}`)}
                    </option>
                  ))}
                </select>
                <FieldError errors={err("priceScore.kind")} />
              </div>
              {param("E1", scoreKind === "linear_deviation")}
              {param("E2", scoreKind === "linear_deviation")}
              {param("nAbove", scoreKind === "n_factor")}
              {param("nBelow", scoreKind === "n_factor")}
              {param("maxDeduction", scoreKind !== "low_price_priority")}
            </div>
          </>
        )}
        <p className="hint">{t("method.price.fullHint")}</p>
      </fieldset>

      <fieldset className="method-block">
        <legend>{t("method.aggregation.title")}</legend>
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor={n("aggregation.subjective")}>{t("method.aggregation.subjective")}</label>
            <select id={n("aggregation.subjective")} name={n("aggregation.subjective")} defaultValue={v.aggregation?.subjective ?? "mean"}>
              {SUBJECTIVE_RULES.map((s) => (
                <option key={s} value={s}>
                  {t(`method.subjectiveRules.${s}`)}
                </option>
              ))}
            </select>
          </div>
          {(["business", "technical", "other"] as const).map((g) => (
            <div className="field" key={g}>
              <label htmlFor={n(`aggregation.${g}`)}>{t("method.aggregation.byGroup", { group: t(`method.groups.${g}`) })}</label>
              <select id={n(`aggregation.${g}`)} name={n(`aggregation.${g}`)} defaultValue={v.aggregation?.[g] ?? ""}>
                <option value="">{t("method.aggregation.sameAsAbove")}</option>
                {SUBJECTIVE_RULES.map((s) => (
                  <option key={s} value={s}>
                    {t(`method.subjectiveRules.${s}`)}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <div className="field">
            <label htmlFor={n("aggregation.invalidScore")}>{t("method.aggregation.invalidScore")}</label>
            <select id={n("aggregation.invalidScore")} name={n("aggregation.invalidScore")} defaultValue={v.aggregation?.invalidScore ?? "block"}>
              {(["block", "void"] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`method.invalidScores.${s}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
      </fieldset>
    </>
  );
}

function AdjustmentsTable({ prefix, rows, err }: { prefix: string; rows: Row[]; err: Errors }) {
  const { t } = useTranslation("tender");
  const name = `${prefix}.adjustments`;
  return (
    <fieldset className="method-block">
      <legend>{t("method.adjustments.title")}</legend>
      <p className="hint">{t("method.adjustments.hint")}</p>
      <table className="method-table" data-testid="adjustment-rows">
        <thead>
          <tr>
            {["code", "kind", "label", "reference", "threshold", "direction", "ratePct"].map((h) => (
              <th key={h}>{t(`method.adjustments.${h}`)}</th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((r = {}, i) => {
            const p = `${name}[${i}]`;
            const e = (f: string) => err(`adjustments[${i}].${f}`);
            return (
              <tr key={rowKey(i, r)}>
                <td>{cell(`${p}.code`, r.code, t("method.adjustments.code"), e("code"), { size: 4, maxLength: 64 })}</td>
                <td>
                  <select name={`${p}.kind`} defaultValue={r.kind ?? "amount"} aria-label={t("method.adjustments.kind")}>
                    {ADJUSTMENT_KINDS.map((k) => (
                      <option key={k} value={k}>
                        {t(`method.adjustmentKinds.${k}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="wide">{cell(`${p}.label`, r.label, t("method.adjustments.label"), e("label"), { maxLength: LIMITS.label })}</td>
                <td>
                  <select name={`${p}.reference`} defaultValue={r.reference ?? "highest_other"} aria-label={t("method.adjustments.reference")}>
                    {ADJUSTMENT_REFERENCES.map((k) => (
                      <option key={k} value={k}>
                        {t(`method.references.${k}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{cell(`${p}.threshold`, r.threshold, t("method.adjustments.threshold"), e("threshold"), { size: 5, inputMode: "decimal" })}</td>
                <td>
                  <select name={`${p}.direction`} defaultValue={r.direction ?? "above"} aria-label={t("method.adjustments.direction")}>
                    {(["above", "below"] as const).map((k) => (
                      <option key={k} value={k}>
                        {t(`method.directions.${k}`)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{cell(`${p}.ratePct`, r.ratePct, t("method.adjustments.ratePct"), e("ratePct"), { size: 4, inputMode: "decimal" })}</td>
                <td>
                  <RowButtons name={name} index={i} max={MAX_ADJUSTMENTS_PER_SECTION} count={rows.length} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <RowButtons name={name} max={MAX_ADJUSTMENTS_PER_SECTION} count={rows.length} defaultValue={{ kind: "amount" }} />
    </fieldset>
  );
}

function DeductionsTable({ prefix, rows, err }: { prefix: string; rows: Row[]; err: Errors }) {
  const { t } = useTranslation("tender");
  const name = `${prefix}.policyDeductions`;
  return (
    <fieldset className="method-block">
      <legend>{t("method.deductions.title")}</legend>
      <p className="hint">{t("method.deductions.hint")}</p>
      <table className="method-table" data-testid="deduction-rows">
        <thead>
          <tr>
            <th>{t("method.deductions.code")}</th>
            <th>{t("method.deductions.label")}</th>
            <th>{t("method.deductions.pct")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((r = {}, i) => {
            const p = `${name}[${i}]`;
            const e = (f: string) => err(`policyDeductions[${i}].${f}`);
            return (
              <tr key={rowKey(i, r)}>
                <td>{cell(`${p}.code`, r.code, t("method.deductions.code"), e("code"), { size: 4, maxLength: 64 })}</td>
                <td className="wide">{cell(`${p}.label`, r.label, t("method.deductions.label"), e("label"), { maxLength: LIMITS.label })}</td>
                <td>{cell(`${p}.pct`, r.pct, t("method.deductions.pct"), e("pct"), { size: 4, inputMode: "decimal" })}</td>
                <td>
                  <RowButtons name={name} index={i} max={MAX_POLICY_DEDUCTIONS} count={rows.length} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <RowButtons name={name} max={MAX_POLICY_DEDUCTIONS} count={rows.length} />
    </fieldset>
  );
}

/** Rounding, flags, ties, candidates, too few bids, leader: defaults that pass publication, under one disclosure. */
function CommonSettings({ prefix, v, kind, err }: { prefix: string; v: MethodFormValues; kind: MethodKind; err: Errors }) {
  const { t } = useTranslation("tender");
  const n = (f: string) => `${prefix}.${f}`;
  const zfcg = regimeOf(kind) === "ZFCG";
  const text = (f: string, value: string | undefined, label: string) => (
    <div className="field">
      <label htmlFor={n(f)}>{label}</label>
      <input type="text" id={n(f)} name={n(f)} defaultValue={value ?? ""} inputMode="decimal" size={6} aria-invalid={err(f) ? true : undefined} />
      <FieldError errors={err(f)} />
    </div>
  );
  function select<T extends string>(f: string, value: string | undefined, label: string, options: readonly T[], key: string) {
    return (
      <div className="field">
        <label htmlFor={n(f)}>{label}</label>
        <select id={n(f)} name={n(f)} defaultValue={value ?? options[0]}>
          {options.map((o) => (
            <option key={o} value={o}>
              {t(`method.${key}.${o}`)}
            </option>
          ))}
        </select>
        <FieldError errors={err(f)} />
      </div>
    );
  }
  const chain = list(v.tieChain).map((x) => (typeof x === "string" ? x : ""));
  const r = v.rounding ?? {};
  const f = v.flags ?? {};
  const l = v.leader ?? {};
  return (
    <details className="method-block" open={Object.keys(errorsUnder(err, ["rounding", "flags", "tieChain", "candidates", "tooFewMin", "tooFewAction", "leader"])).length > 0 || undefined}>
      <summary>{t("method.more")}</summary>
      <div className="grid grid-3">
        {text("rounding.scale", r.scale, t("method.rounding.scale"))}
        {text("rounding.itemScale", r.itemScale, t("method.rounding.itemScale"))}
        {!zfcg && text("rounding.baseScale", r.baseScale, t("method.rounding.baseScale"))}
        {!zfcg && text("rounding.devRatioScale", r.devRatioScale, t("method.rounding.devRatioScale"))}
        {!zfcg && text("rounding.devPctScale", r.devPctScale, t("method.rounding.devPctScale"))}
        <div className="field">
          <label>
            <input type="checkbox" name={n("rounding.aggregateBeforeRound")} defaultChecked={r.aggregateBeforeRound === "on"} /> {t("method.rounding.aggregateBeforeRound")}
          </label>
        </div>
        {select("flags.reference", f.reference, t("method.flags.reference"), ["others", "all"] as const, "deviationRefs")}
        {text("flags.thresholdPct", f.thresholdPct, t("method.flags.thresholdPct"))}
        {text("flags.belowMaxRatio", f.belowMaxRatio, t("method.flags.belowMaxRatio"))}
        {text("flags.abnormallyLowPct", f.abnormallyLowPct, t("method.flags.abnormallyLowPct"))}
        {text("candidates", v.candidates, t("method.candidates"))}
        {text("tooFewMin", v.tooFewMin, t("method.tooFewMin"))}
        {select("tooFewAction", v.tooFewAction, t("method.tooFewAction"), zfcg ? (["fail"] as const) : (["record_reasoning", "fail"] as const), "tooFewActions")}
        {select("leader.chosenBy", l.chosenBy, t("method.leader.chosenBy"), zfcg ? (["election"] as const) : (["election", "appointed"] as const), "chosenBy")}
        {text("leader.maxRounds", l.maxRounds, t("method.leader.maxRounds"))}
        {select("leader.fallback", l.fallback, t("method.leader.fallback"), zfcg ? (["lot"] as const) : (["lot", "appointment"] as const), "fallbacks")}
      </div>
      <div className="field">
        <span className="label">{t("method.tieChain")}</span>
        <div className="tie-chain">
          {Array.from({ length: MAX_TIE_STEPS }, (_, i) => (
            <select key={i} name={n(`tieChain[${i}]`)} defaultValue={chain[i] ?? ""} aria-label={t("method.tieStep", { n: i + 1 })} aria-invalid={err(`tieChain[${i}]`) ? true : undefined}>
              <option value="">—</option>
              {TIE_STEPS.map((s) => (
                <option key={s} value={s}>
                  {t(`method.tieSteps.${s}`)}
                </option>
              ))}
            </select>
          ))}
        </div>
        <FieldError errors={Array.from({ length: MAX_TIE_STEPS }, (_, i) => err(`tieChain[${i}]`) ?? []).flat()} />
      </div>
    </details>
  );
}

/** Whether any of these fields (relative to the section) has an error: opens the disclosure that holds them. */
function errorsUnder(err: Errors, fields: string[]) {
  const names = [
    ...fields,
    ...["scale", "itemScale", "baseScale", "devRatioScale", "devPctScale"].map((x) => `rounding.${x}`),
    ...["thresholdPct", "belowMaxRatio", "abnormallyLowPct"].map((x) => `flags.${x}`),
    "leader.maxRounds",
    ...Array.from({ length: MAX_TIE_STEPS }, (_, i) => `tieChain[${i}]`),
  ];
  return Object.fromEntries(names.flatMap((x) => (err(x) ? [[x, true]] : [])));
}
