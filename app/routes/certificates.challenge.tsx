import { json, type ActionFunctionArgs } from "@remix-run/node";
import { issueChallenge } from "#app/services/platform/certificates.server";
import { errorResponse, readForm, requireActor } from "#app/utils/request.server";

/** A one-time nonce for a certificate challenge (possession proof now; check-in and signing later). */
export async function action({ request, context }: ActionFunctionArgs) {
  const actor = await requireActor(request, context);
  try {
    const form = await readForm(request, context);
    return json(await issueChallenge(context.app, actor, String(form.get("purpose") ?? "")));
  } catch (e) {
    return errorResponse(e);
  }
}
