import { parseWithZod } from "@conform-to/zod";
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { fieldErrorKeys, formAlert, RegisterSchema, type FormReply } from "#app/domain/account-forms";
import { registerBidder } from "#app/services/accounts/accounts.server";
import { PUBLIC_ACTOR } from "#app/services/platform/actor";
import { login, sessionCookieHeader } from "#app/services/accounts/auth.server";
import { csrfCookieHeader } from "#app/services/accounts/csrf.server";
import { errorResponse, getActor, readForm } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "投标人注册 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if ((await getActor(request, context)).user) throw redirect("/");
  return null;
}

/** Fields sent back after a refusal so the form keeps what was typed (never the passwords). */
const SECRET = new Set(["_csrf", "password", "confirm"]);
function keptValues(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form) if (!SECRET.has(k) && typeof v === "string") out[k] = v;
  return out;
}

/** Bidders register themselves: the organisation and its first user, free of charge (R3); then signed in. */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request, context);
  const values = keptValues(form);
  const submission = parseWithZod(form, { schema: RegisterSchema });
  if (submission.status !== "success") {
    return json({ ok: false as const, error: null, fieldErrors: submission.reply({ hideFields: ["password", "confirm"] }).error ?? {}, values }, { status: 400 });
  }
  const v = submission.value;
  try {
    await registerBidder(context.app, { ...PUBLIC_ACTOR, ip: context.ip, userAgent: context.userAgent }, {
      org: { name: v.orgName, creditCode: v.creditCode, region: v.region, address: v.address, contactName: v.contactName, contactPhone: v.contactPhone },
      user: { username: v.username, displayName: v.displayName, password: v.password, email: v.email ?? null, phone: v.phone ?? null },
    });
    const session = await login(context.app, { username: v.username, password: v.password, ip: context.ip, userAgent: context.userAgent });
    const headers = new Headers();
    headers.append("Set-Cookie", sessionCookieHeader(session.token, session.expiresAt, context.app.config.cookieSecure));
    headers.append("Set-Cookie", csrfCookieHeader(context.app.config.cookieSecure)); // signed in: the CSRF binding changes
    return redirect("/", { headers });
  } catch (e) {
    return errorResponse(e, { fieldErrors: {}, values });
  }
}

type Reply = FormReply & { values?: Record<string, string> };

/** Form field name → the service's name for it (CONFLICT {field} from registerBidder). */
const SERVICE_FIELD: Record<string, string> = { orgName: "name" };

type FieldSpec = { name: string; type?: "text" | "password" | "email" | "tel"; required?: boolean; hint?: boolean; autoComplete?: string; maxLength?: number };

const ORG_FIELDS: FieldSpec[] = [
  { name: "orgName", required: true, autoComplete: "organization", maxLength: 100 },
  { name: "creditCode", required: true, hint: true, maxLength: 22 },
  { name: "region", required: true, hint: true, maxLength: 60 },
  { name: "address", autoComplete: "street-address", maxLength: 200 },
  { name: "contactName", required: true, maxLength: 40 },
  { name: "contactPhone", type: "tel", required: true, autoComplete: "tel", maxLength: 40 },
];

const USER_FIELDS: FieldSpec[] = [
  { name: "username", required: true, hint: true, autoComplete: "username", maxLength: 40 },
  { name: "displayName", required: true, autoComplete: "name", maxLength: 40 },
  { name: "password", type: "password", required: true, hint: true, autoComplete: "new-password" },
  { name: "confirm", type: "password", required: true, autoComplete: "new-password" },
  { name: "phone", type: "tel", autoComplete: "tel", maxLength: 40 },
  { name: "email", type: "email", autoComplete: "email", maxLength: 200 },
];

export default function Register() {
  const data = useActionData<typeof action>() as Reply | undefined;
  const nav = useNavigation();
  const { t } = useTranslation("admin");
  const field = (f: FieldSpec) => {
    const errors = fieldErrorKeys(data, f.name, SERVICE_FIELD[f.name]);
    const describedBy = [f.hint ? `${f.name}-hint` : null, errors.length ? `${f.name}-error` : null].filter(Boolean).join(" ") || undefined;
    return (
      <div className="field" key={f.name}>
        <label htmlFor={f.name}>
          {t(`register.${f.name}`)}
          {f.required ? <span className="required-mark" aria-hidden="true"> *</span> : <span className="hint"> {t("register.optional")}</span>}
        </label>
        <input
          id={f.name}
          name={f.name}
          type={f.type ?? "text"}
          defaultValue={f.type === "password" ? undefined : data?.values?.[f.name]}
          autoComplete={f.autoComplete}
          maxLength={f.maxLength}
          aria-required={f.required || undefined}
          aria-invalid={errors.length ? true : undefined}
          aria-describedby={describedBy}
        />
        {f.hint && (
          <div className="hint" id={`${f.name}-hint`}>
            {t(`register.hints.${f.name}`)}
          </div>
        )}
        {errors.length > 0 && (
          <div className="field-error" id={`${f.name}-error`}>
            {errors.map((k) => t(k, { defaultValue: t("common:errors.invalid") })).join("；")}
          </div>
        )}
      </div>
    );
  };
  return (
    <div className="register">
      <h1>{t("register.title")}</h1>
      <p className="muted">{t("register.intro")}</p>
      <ErrorAlert error={formAlert(data)} />
      <Form method="post" noValidate data-testid="register-form">
        <CsrfInput />
        <fieldset>
          <legend>{t("register.org")}</legend>
          <div className="grid grid-2">{ORG_FIELDS.map(field)}</div>
        </fieldset>
        <fieldset>
          <legend>{t("register.user")}</legend>
          <p className="muted small">{t("register.userIntro")}</p>
          <div className="grid grid-2">{USER_FIELDS.map(field)}</div>
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={nav.state === "submitting"}>
            {t("register.submit")}
          </button>
          <span className="muted small">
            {t("register.haveAccount")} <Link to="/login">{t("register.login")}</Link>
          </span>
        </div>
      </Form>
    </div>
  );
}
