import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { caseAttachment } from "#app/services/supervision/cases.server";
import { pdfResponse } from "#app/utils/pdf-response.server";
import { getActor, textRefusal, uuidParam } from "#app/utils/request.server";

/** A case's PDF attachment, for supervisors of the case's jurisdiction (anyone else: 404/403 as text). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  try {
    const caseId = uuidParam(params, "id");
    const noteId = uuidParam(params, "noteId");
    const actor = await getActor(request, context);
    const file = await caseAttachment(context.app.db, actor, caseId, noteId);
    return pdfResponse(context.app.blobs, file.sha256, "case-attachment.pdf", file.fileName);
  } catch (e) {
    if (e instanceof DomainError) return textRefusal(request, e);
    throw e;
  }
}
