import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { logout, sessionCookie } from "#app/services/auth.server";
import { getActor, readForm, sessionToken } from "#app/utils/request.server";

export async function action({ request, context }: ActionFunctionArgs) {
  await readForm(request, context);
  const actor = await getActor(request, context);
  const token = sessionToken(request);
  if (token) await logout(context.app, actor, token);
  return redirect("/", { headers: { "Set-Cookie": await sessionCookie(context.app.config.cookieSecure).serialize("", { maxAge: 0 }) } });
}

export function loader() {
  return redirect("/");
}
