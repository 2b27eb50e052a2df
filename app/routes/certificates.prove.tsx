import { json, type ActionFunctionArgs } from "@remix-run/node";
import { provePossession, registerExternalCertificate } from "#app/services/platform/certificates.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

/** Possession proof and registration of a certificate from a recognised external CA (R71). */
export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context, "certificate:enroll");
  try {
    const form = await readForm(request, context);
    const intent = form.get("intent");
    const nonce = String(form.get("nonce") ?? "");
    const signature = String(form.get("signature") ?? "");
    if (intent === "prove") {
      await provePossession(context.app, actor, { nonce, certificateId: String(form.get("certificateId") ?? ""), signature });
      return json({ ok: true, done: "proved" });
    }
    if (intent === "register") {
      await registerExternalCertificate(context.app, actor, { certPem: String(form.get("certPem") ?? ""), nonce, signature });
      return json({ ok: true, done: "registered" });
    }
    return json({ ok: false }, { status: 400 });
  } catch (e) {
    return errorResponse(e);
  }
}

