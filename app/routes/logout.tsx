import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { clearSessionCookieHeader, logout } from "#app/services/accounts/auth.server";
import { csrfCookieHeader } from "#app/services/accounts/csrf.server";
import { getActor, readForm, sessionToken } from "#app/utils/request.server";

export async function action({ request, context }: ActionFunctionArgs) {
  await readForm(request, context);
  const actor = await getActor(request, context);
  const token = sessionToken(request);
  if (token) await logout(context.app, actor, token);
  // A new anonymous CSRF binding: no token from before (or during) the session validates afterwards.
  const headers = new Headers();
  headers.append("Set-Cookie", clearSessionCookieHeader(context.app.config.cookieSecure));
  headers.append("Set-Cookie", csrfCookieHeader(context.app.config.cookieSecure));
  return redirect("/", { headers });
}

export function loader() {
  return redirect("/");
}
