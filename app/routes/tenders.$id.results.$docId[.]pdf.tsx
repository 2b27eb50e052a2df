import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { publicResultDocument } from "#app/services/results/public.server";
import { pdfResponse } from "#app/utils/pdf-response.server";
import { textRefusal } from "#app/utils/request.server";

/**
 * Downloads a public results document of the tender (R51 candidate publicity, R56/R58 result announcement, R57 a
 * published contract), as signed by the platform. Anything else — a notice addressed to one bidder (R54/EV25), a
 * ZTB contract PDF, another tender's document — is not there: 404 (the recipient reads its notice elsewhere).
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const doc = await publicResultDocument(context.app.db, String(params.id ?? ""), String(params.docId ?? ""));
  // A resource route has no page around it: the translated reason as text.
  if (!doc) return textRefusal(request, new DomainError("NOT_FOUND"));
  return pdfResponse(context.app.blobs, doc.sha256, `${doc.kind}-${doc.number}.pdf`, doc.filename, "public, max-age=300");
}
