import { useState } from "react";
import { Form, Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { MAX_SECTIONS_PER_TENDER } from "#app/domain/limits";
import type { MethodFormValues } from "#app/domain/method-form";
import { CUSTODIANS } from "#app/domain/tender-form";
import { CsrfInput, FieldError } from "./forms";
import { MethodFields } from "./method-fields";

/** Values as the form shows them (strings, China time), for a new or an edited draft. */
export type ProjectFormValues = {
  code?: string;
  title?: string;
  regime?: "ZTB" | "ZFCG";
  mustTender?: boolean;
  category?: string;
  region?: string;
  location?: string;
  description?: string;
  fundingSource?: string;
  fundingControl?: string;
  agencyId?: string | null;
  tenderingUnitId?: string | null;
  estimateYuan?: string;
  contactName?: string;
  contactPhone?: string;
  obtainMethod?: string;
  qualification?: string;
  documentsFrom?: string;
  documentsUntil?: string;
  questionDeadline?: string;
  bidDeadline?: string;
  decryptionWindowMinutes?: string;
  evaluationStart?: string;
  reviewRoom?: string;
  keyModel?: string;
  keyThreshold?: string;
  custodians?: string[];
  sections?: ({
    code?: string;
    title?: string;
    ceilingPriceYuan?: string;
    bondYuan?: string;
  } & MethodFormValues)[];
};

/** The longest text each field takes (the same numbers as ProjectFormSchema). */
const MAX_LENGTH: Partial<Record<keyof ProjectFormValues, number>> = {
  code: 60,
  title: 200,
  region: 60,
  location: 200,
  fundingSource: 200,
  contactName: 60,
  contactPhone: 40,
  reviewRoom: 60,
  description: 5000,
  qualification: 2000,
  obtainMethod: 500,
};
const SECTION_MAX_LENGTH = { code: 40, title: 200 } as const;

type Props = {
  values: ProjectFormValues;
  errors?: Record<string, string[] | null | undefined>;
  sectionCount: number;
  /** For an agency: the tendering units it may act for. For a tendering unit: the agencies it may entrust. */
  tenderingUnits?: { id: string; name: string }[];
  agencies?: { id: string; name: string }[];
  submitLabel: string;
  cancelTo: string;
};

/** The project registration form (docs/product.md §3.1). Plain HTML names that parseWithZod reads. */
export function ProjectFormFields({ values, errors = {}, sectionCount, tenderingUnits, agencies, submitLabel, cancelTo }: Props) {
  const { t } = useTranslation("tender");
  // The regime decides which evaluation methods a section may use (MethodFields follows it).
  const [regime, setRegime] = useState<"ZTB" | "ZFCG">(values.regime === "ZFCG" ? "ZFCG" : "ZTB");
  const err = (name: string) => errors[name] ?? undefined;
  const input = (name: keyof ProjectFormValues, type = "text", extra: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <div className="field">
      <label htmlFor={name}>{t(`form.${name}`)}</label>
      <input
        id={name}
        name={name}
        type={type}
        defaultValue={(values[name] as string | undefined) ?? ""}
        aria-invalid={err(name) ? true : undefined}
        maxLength={MAX_LENGTH[name]}
        {...extra}
      />
      <FieldError errors={err(name)} />
    </div>
  );
  const textarea = (name: keyof ProjectFormValues, rows = 3) => (
    <div className="field">
      <label htmlFor={name}>{t(`form.${name}`)}</label>
      <textarea id={name} name={name} rows={rows} maxLength={MAX_LENGTH[name]} defaultValue={(values[name] as string | undefined) ?? ""} aria-invalid={err(name) ? true : undefined} />
      <FieldError errors={err(name)} />
    </div>
  );
  return (
    <Form method="post" noValidate>
      {/* Enter in a field submits with the form's first submit button: this one saves (not a row button below). */}
      <button type="submit" className="visually-hidden" tabIndex={-1} aria-hidden="true" />
      <CsrfInput />
      <fieldset>
        <legend>{t("form.basics")}</legend>
        <div className="grid grid-2">
          {input("code")}
          {input("title")}
          <div className="field">
            <label htmlFor="regime">{t("form.regime")}</label>
            <select id="regime" name="regime" value={regime} onChange={(e) => setRegime(e.target.value === "ZFCG" ? "ZFCG" : "ZTB")}>
              <option value="ZTB">{t("common:regimes.ZTB")}</option>
              <option value="ZFCG">{t("common:regimes.ZFCG")}</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="category">{t("form.category")}</label>
            <select id="category" name="category" defaultValue={values.category ?? "construction"}>
              {(["construction", "goods", "services", "survey_design"] as const).map((c) => (
                <option key={c} value={c}>
                  {t(`common:categories.${c}`)}
                </option>
              ))}
            </select>
          </div>
          {input("region")}
          {input("location")}
          {input("fundingSource")}
          <div className="field">
            <label htmlFor="fundingControl">{t("form.fundingControl")}</label>
            <select id="fundingControl" name="fundingControl" defaultValue={values.fundingControl ?? "state"}>
              <option value="state">{t("form.fundingControlState")}</option>
              <option value="other">{t("form.fundingControlOther")}</option>
            </select>
          </div>
          {input("estimateYuan", "number", { step: "0.01", min: "0" })}
          {tenderingUnits && (
            <div className="field">
              <label htmlFor="tenderingUnitId">{t("form.tenderingUnitId")}</label>
              <select id="tenderingUnitId" name="tenderingUnitId" defaultValue={values.tenderingUnitId ?? ""} aria-invalid={err("tenderingUnitId") ? true : undefined}>
                <option value="">—</option>
                {tenderingUnits.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
              <FieldError errors={err("tenderingUnitId")} />
            </div>
          )}
          {agencies && (
            <div className="field">
              <label htmlFor="agencyId">{t("form.agencyId")}</label>
              <select id="agencyId" name="agencyId" defaultValue={values.agencyId ?? ""}>
                <option value="">{t("form.noAgency")}</option>
                {agencies.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label>
              <input type="checkbox" name="mustTender" defaultChecked={values.mustTender ?? true} /> {t("form.mustTender")}
            </label>
          </div>
        </div>
        {textarea("description", 4)}
        {textarea("qualification", 3)}
      </fieldset>

      <fieldset>
        <legend>{t("form.notice")}</legend>
        <div className="grid grid-2">
          {input("contactName")}
          {input("contactPhone", "tel")}
        </div>
        {textarea("obtainMethod", 2)}
      </fieldset>

      <fieldset>
        <legend>{t("form.timeline")}</legend>
        <p className="muted small">{t("form.timelineHint")}</p>
        <div className="grid grid-3">
          {input("documentsFrom", "datetime-local")}
          {input("documentsUntil", "datetime-local")}
          {input("questionDeadline", "datetime-local")}
          {input("bidDeadline", "datetime-local")}
          {input("decryptionWindowMinutes", "number", { min: 10, max: 1440 })}
          {input("evaluationStart", "datetime-local")}
          {input("reviewRoom")}
        </div>
      </fieldset>

      <fieldset>
        <legend>{t("form.keyModelLegend")}</legend>
        <div className="grid grid-3">
          <div className="field">
            <label htmlFor="keyModel">{t("form.keyModel")}</label>
            <select id="keyModel" name="keyModel" defaultValue={values.keyModel ?? "bidder_with_custodian_fallback"}>
              <option value="bidder_with_custodian_fallback">{t("keyModels.bidder_with_custodian_fallback")}</option>
              <option value="bidder">{t("keyModels.bidder")}</option>
            </select>
          </div>
          {input("keyThreshold", "number", { min: 1, max: 3 })}
          <div className="field">
            <span className="label">{t("form.custodians")}</span>
            {CUSTODIANS.map((c) => (
              <label key={c} style={{ fontWeight: 400 }}>
                <input type="checkbox" name="custodians" value={c} defaultChecked={(values.custodians ?? [...CUSTODIANS]).includes(c)} /> {t(`custodians.${c}`)}
              </label>
            ))}
          </div>
        </div>
        <p className="muted small">{t("form.keyModelHint")}</p>
      </fieldset>

      <fieldset>
        <legend>{t("form.sections")}</legend>
        <FieldError errors={err("sections")} />
        {Array.from({ length: sectionCount }, (_, i) => {
          const s = values.sections?.[i] ?? {};
          const p = `sections[${i}]`;
          const sErr = (f: string) => err(`${p}.${f}`);
          return (
            <div className="section-block" key={i} data-testid={`section-${i}`}>
              <h3>{t("form.sectionN", { n: i + 1 })}</h3>
              <div className="grid grid-3">
                {(["code", "title", "ceilingPriceYuan", "bondYuan"] as const).map((f) => (
                  <div className="field" key={f}>
                    <label htmlFor={`${p}.${f}`}>{t(`form.section.${f}`)}</label>
                    <input
                      id={`${p}.${f}`}
                      name={`${p}.${f}`}
                      type={f.endsWith("Yuan") ? "number" : "text"}
                      step={f.endsWith("Yuan") ? "0.01" : undefined}
                      maxLength={f === "code" || f === "title" ? SECTION_MAX_LENGTH[f] : undefined}
                      defaultValue={s[f] ?? ""}
                      aria-invalid={sErr(f) ? true : undefined}
                    />
                    <FieldError errors={sErr(f)} />
                  </div>
                ))}
              </div>
              <MethodFields prefix={p} values={s} regime={regime} errors={err} />
            </div>
          );
        })}
        {sectionCount < MAX_SECTIONS_PER_TENDER && (
          <p>
            <Link to={`?sections=${sectionCount + 1}`} reloadDocument>
              {t("form.addSection")}
            </Link>
          </p>
        )}
      </fieldset>
      <div className="actions">
        <button type="submit" data-testid="save-project">
          {submitLabel}
        </button>
        <Link to={cancelTo}>{t("common:actions.cancel")}</Link>
      </div>
    </Form>
  );
}
