import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { openingDocument } from "#app/services/opening/opening-view.server";
import { pdfResponse } from "#app/utils/pdf-response.server";
import { textRefusal } from "#app/utils/request.server";

/** Downloads the signed opening record (开标记录表, R29): public once issued, like the reading it carries. */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const projectId = isUuid(params.id) ? params.id : null;
  const sectionId = isUuid(params.sectionId) ? params.sectionId : null;
  const sha = projectId && sectionId ? await openingDocument(context.app.db, projectId, sectionId, "record") : null;
  // A resource route has no page around it: the translated reason as text.
  if (!sha) return textRefusal(request, new DomainError("NOT_FOUND"));
  return pdfResponse(context.app.blobs, sha, "opening-record.pdf", "开标记录表.pdf", "public, max-age=300");
}
