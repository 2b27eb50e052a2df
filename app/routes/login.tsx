import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { CsrfInput, ErrorAlert } from "#app/components/forms";
import { DomainError } from "#app/domain/errors";
import { safeRedirect } from "#app/domain/safe-redirect";
import { login, sessionCookieHeader } from "#app/services/accounts/auth.server";
import { csrfCookieHeader } from "#app/services/accounts/csrf.server";
import { errorResponse, getActor, readForm } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "登录 · Tenderhall" }];

const LoginSchema = z.object({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(200),
  redirectTo: z.string().default(""),
});

/** Where to go after signing in: the target asked for (a local path only, else the portal), else the workbench. */
const afterLogin = (to: string | null | undefined) => (to ? safeRedirect(to) : "/workbench");

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  if (actor.user) throw redirect(afterLogin(new URL(request.url).searchParams.get("redirectTo")));
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  try {
    const form = await readForm(request, context);
    const parsed = LoginSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) throw new DomainError("INVALID_CREDENTIALS");
    const session = await login(context.app, {
      username: parsed.data.username,
      password: parsed.data.password,
      ip: context.ip,
      userAgent: context.userAgent,
    });
    // The CSRF token is bound to the new session from the next render on; the anonymous cookie rotates too.
    const headers = new Headers();
    headers.append("Set-Cookie", sessionCookieHeader(session.token, session.expiresAt, context.app.config.cookieSecure));
    headers.append("Set-Cookie", csrfCookieHeader(context.app.config.cookieSecure));
    return redirect(afterLogin(parsed.data.redirectTo), { headers });
  } catch (e) {
    const res = errorResponse(e);
    if (e instanceof DomainError && e.code === "RATE_LIMITED") res.headers.set("Retry-After", String(e.params.seconds ?? 60));
    return res;
  }
}

export default function Login() {
  const { t } = useTranslation("admin");
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const nav = useNavigation();
  return (
    <div className="card" style={{ maxWidth: 420, margin: "2rem auto" }}>
      <h1>{t("login.title")}</h1>
      <ErrorAlert error={data && "error" in data ? data.error : null} />
      <Form method="post">
        <CsrfInput />
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        <div className="field">
          <label htmlFor="username">{t("login.username")}</label>
          <input id="username" name="username" type="text" autoComplete="username" required />
        </div>
        <div className="field">
          <label htmlFor="password">{t("login.password")}</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <div className="actions">
          <button type="submit" disabled={nav.state === "submitting"}>
            {t("login.submit")}
          </button>
        </div>
      </Form>
    </div>
  );
}
