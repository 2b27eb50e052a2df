import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { LANGUAGE_COOKIE, normaliseLanguage } from "#app/i18n";

/** Language switch: a plain form post (works without JavaScript). Not state-changing, so no CSRF. */
export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const lng = normaliseLanguage(String(form.get("lng") ?? ""));
  const to = String(form.get("redirectTo") ?? "/");
  const safe = to.startsWith("/") && !to.startsWith("//") ? to : "/";
  return redirect(safe, {
    headers: { "Set-Cookie": `${LANGUAGE_COOKIE}=${lng}; Path=/; Max-Age=31536000; SameSite=Lax` },
  });
}

export function loader() {
  return redirect("/");
}
