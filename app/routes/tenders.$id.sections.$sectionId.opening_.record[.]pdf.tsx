import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { openingDocument } from "#app/services/opening/opening-view.server";
import { pdfResponse } from "#app/utils/pdf-response.server";

/** Downloads the signed opening record (开标记录表, R29): public once issued, like the reading it carries. */
export async function loader({ context, params }: LoaderFunctionArgs) {
  const sha = await openingDocument(context.app.db, params.id ?? "", params.sectionId ?? "", "record");
  if (!sha) throw json({ error: { code: "NOT_FOUND", params: {}, violations: [] } }, { status: 404 });
  return pdfResponse(context.app.blobs, sha, "opening-record.pdf", "开标记录表.pdf", "public, max-age=300");
}
