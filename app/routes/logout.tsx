import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { clearSessionCookieHeader, logout } from "#app/services/accounts/auth.server";
import { getActor, readForm, sessionToken } from "#app/utils/request.server";

export async function action({ request, context }: ActionFunctionArgs) {
  await readForm(request, context);
  const actor = await getActor(request, context);
  const token = sessionToken(request);
  if (token) await logout(context.app, actor, token);
  return redirect("/", { headers: { "Set-Cookie": clearSessionCookieHeader(context.app.config.cookieSecure) } });
}

export function loader() {
  return redirect("/");
}
