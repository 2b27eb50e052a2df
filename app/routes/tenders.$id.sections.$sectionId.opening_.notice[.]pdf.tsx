import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { openingDocument } from "#app/services/opening/opening-view.server";
import { pdfResponse } from "#app/utils/pdf-response.server";

/** Downloads the signed failure notice (流标公告, R25/R27): public. */
export async function loader({ context, params }: LoaderFunctionArgs) {
  const sha = await openingDocument(context.app.db, params.id ?? "", params.sectionId ?? "", "notice");
  if (!sha) throw json({ error: { code: "NOT_FOUND", params: {}, violations: [] } }, { status: 404 });
  return pdfResponse(context.app.blobs, sha, "failure-notice.pdf", "流标公告.pdf", "public, max-age=300");
}
