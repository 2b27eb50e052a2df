import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { safeRedirect } from "#app/domain/safe-redirect";
import { LANGUAGE_COOKIE, normaliseLanguage } from "#app/i18n";
import { readFormWithoutCsrf } from "#app/utils/request.server";

/** Language switch: a plain form post (works without JavaScript). Not state-changing, so no CSRF. */
export async function action({ request }: ActionFunctionArgs) {
  const form = await readFormWithoutCsrf(request);
  const lng = normaliseLanguage(String(form.get("lng") ?? ""));
  return redirect(safeRedirect(form.get("redirectTo")), {
    headers: { "Set-Cookie": `${LANGUAGE_COOKIE}=${lng}; Path=/; Max-Age=31536000; SameSite=Lax` },
  });
}

export function loader() {
  return redirect("/");
}
