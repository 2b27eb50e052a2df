import { useTranslation } from "react-i18next";
import type { ErrorPayload } from "#app/domain/errors";
import { useRootData } from "#app/root";

/** The CSRF token every mutating form must carry (checked by readForm on the server). */
export function CsrfInput() {
  const data = useRootData();
  return <input type="hidden" name="_csrf" value={data?.csrfToken ?? ""} />;
}

/**
 * A domain error, translated: the error code's message and, for rule violations, each
 * violated rule with its number and text in the user's language.
 */
export function ErrorAlert({ error }: { error: ErrorPayload | null | undefined }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert" data-testid="error">
      <strong>{t(`errors.${error.code}`, error.params)}</strong>
      {error.violations.length > 0 && (
        <ul>
          {error.violations.map((v) => (
            <li key={`${v.code}-${JSON.stringify(v.params)}`} data-rule={v.rule}>
              {/* Evaluation rules keep their messages under rules:evaluation.* (app/domain/evaluation/violations.ts). */}
              {t([`rules:${v.code}`, `rules:evaluation.${v.code}`], v.params)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A field's validation message (Conform error keys are common:errors.* keys). */
export function FieldError({ id, errors }: { id?: string; errors?: string[] }) {
  const { t } = useTranslation();
  if (!errors?.length) return null;
  return (
    <div className="field-error" id={id}>
      {errors.map((e) => t(`errors.${e}`, { defaultValue: t("errors.invalid") })).join("；")}
    </div>
  );
}
