import { json, type ActionFunctionArgs } from "@remix-run/node";
import { enrollCertificate } from "#app/services/platform/certificates.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

/** Enrolment: the browser posts a CSR for a key pair it made; the platform CA answers with the certificate. */
export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "certificate:enroll");
  try {
    const form = await readForm(request, context);
    return json(await enrollCertificate(context.app, actor, String(form.get("csr") ?? "")));
  } catch (e) {
    return errorResponse(e);
  }
}
