import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { resultDocumentFor } from "#app/services/results/views.server";
import { pdfResponse } from "#app/utils/pdf-response.server";
import { getActor, textRefusal, uuidParam } from "#app/utils/request.server";

/**
 * A document of the results stage (R51–R57): the candidate publicity and the result announcement to anyone; an award
 * or result notice to its recipient (R54/EV25: a bidder sees only its own), the project's tendering side and
 * supervisors; the contract to the parties and supervisors (and to anyone once published, R57). Anyone else: 404.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  try {
    const docId = uuidParam(params, "docId");
    const actor = await getActor(request, context);
    const doc = await resultDocumentFor(context.app.db, actor, docId);
    if (!doc) throw new DomainError("NOT_FOUND");
    return pdfResponse(context.app.blobs, doc.sha256, "result-document.pdf", doc.filename);
  } catch (e) {
    if (e instanceof DomainError) return textRefusal(request, e);
    throw e;
  }
}
