import { parseWithZod } from "@conform-to/zod";
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CsrfInput, ErrorAlert, FieldError } from "#app/components/forms";
import { RegisterSchema } from "#app/domain/account-forms";
import type { ErrorPayload } from "#app/domain/errors";
import { registerBidder } from "#app/services/accounts.server";
import { PUBLIC_ACTOR } from "#app/services/actor";
import { login, sessionCookieHeader } from "#app/services/auth.server";
import { errorResponse, getActor, readForm } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "投标人注册 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if ((await getActor(request, context)).user) throw redirect("/");
  return null;
}

/** Bidders register themselves: the organisation and its first user, free of charge (R3). */
export async function action({ request, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await readForm(request, context), { schema: RegisterSchema });
  if (submission.status !== "success") return json({ fieldErrors: submission.reply({ hideFields: ["password", "confirm"] }).error ?? {}, error: null }, { status: 400 });
  const v = submission.value;
  try {
    await registerBidder(context.app, { ...PUBLIC_ACTOR, ip: context.ip, userAgent: context.userAgent }, {
      org: { name: v.orgName, creditCode: v.creditCode, region: v.region, address: v.address, contactName: v.contactName, contactPhone: v.contactPhone },
      user: { username: v.username, displayName: v.displayName, password: v.password, email: v.email ?? null, phone: v.contactPhone },
    });
    const session = await login(context.app, { username: v.username, password: v.password, ip: context.ip, userAgent: context.userAgent });
    return redirect("/", { headers: { "Set-Cookie": sessionCookieHeader(session.token, session.expiresAt, context.app.config.cookieSecure) } });
  } catch (e) {
    return errorResponse(e, { fieldErrors: {} });
  }
}

const ORG_FIELDS = ["orgName", "creditCode", "region", "address", "contactName", "contactPhone"] as const;
const USER_FIELDS = ["username", "displayName", "password", "confirm", "email"] as const;

export default function Register() {
  const data = useActionData<typeof action>() as { fieldErrors?: Record<string, string[] | null>; error?: ErrorPayload | null } | undefined;
  const { t } = useTranslation("admin");
  const field = (f: (typeof ORG_FIELDS)[number] | (typeof USER_FIELDS)[number]) => {
    const err = data?.fieldErrors?.[f] ?? undefined;
    const type = f === "password" || f === "confirm" ? "password" : f === "email" ? "email" : "text";
    return (
      <div className="field" key={f}>
        <label htmlFor={f}>{t(`register.${f}`)}</label>
        <input id={f} name={f} type={type} autoComplete={type === "password" ? "new-password" : undefined} aria-invalid={err ? true : undefined} />
        <FieldError errors={err} />
      </div>
    );
  };
  return (
    <div style={{ maxWidth: 760, margin: "0 auto" }}>
      <h1>{t("register.title")}</h1>
      <p className="muted">{t("register.intro")}</p>
      <ErrorAlert error={data?.error} />
      <Form method="post" noValidate>
        <CsrfInput />
        <fieldset>
          <legend>{t("register.org")}</legend>
          <div className="grid grid-2">{ORG_FIELDS.map(field)}</div>
        </fieldset>
        <fieldset>
          <legend>{t("register.user")}</legend>
          <div className="grid grid-2">{USER_FIELDS.map(field)}</div>
        </fieldset>
        <button type="submit">{t("register.submit")}</button>
      </Form>
    </div>
  );
}
