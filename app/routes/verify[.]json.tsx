import { json, type ActionFunctionArgs } from "@remix-run/node";
import { DomainError, httpStatusOf } from "#app/domain/errors";
import { readBodyLimited } from "#app/services/platform/multipart.server";
import { MAX_UPLOAD_BYTES } from "#app/services/verification/limits";
import { verifyUpload } from "#app/services/verification/verify.server";

/**
 * Public: the /verify checks as JSON for scripts — `POST /verify.json` with the file as the raw body (any content
 * type; the kind is read from the bytes), at most MAX_UPLOAD_BYTES. It changes nothing and reads no session, so it
 * takes no CSRF token (a browser's cross-origin POST is refused by the server's Origin check anyway). Answers 200 with
 * the verification (`type`, `status`, …; docs/decisions/026-public-verification-page.md), 413 for a larger body,
 * 405 for another method; never a 5xx for bad input.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const headers = { "Cache-Control": "no-store" };
  if (request.method !== "POST") return json({ error: { code: "MALFORMED_REQUEST", params: {} } }, { status: 405, headers: { ...headers, Allow: "POST" } });
  try {
    const bytes = await readBodyLimited(request, MAX_UPLOAD_BYTES);
    return json(await verifyUpload(context.app, bytes), { headers });
  } catch (e) {
    if (e instanceof DomainError) return json({ error: { code: e.code, params: e.params } }, { status: httpStatusOf(e.code), headers });
    throw e;
  }
}

export function loader() {
  return json({ error: { code: "MALFORMED_REQUEST", params: {} } }, { status: 405, headers: { Allow: "POST", "Cache-Control": "no-store" } });
}
