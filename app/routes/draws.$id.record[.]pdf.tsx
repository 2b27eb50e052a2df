import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { dbNow } from "#app/services/platform/command.server";
import { drawForViewer } from "#app/services/pool/draws.server";
import { pdfResponse } from "#app/utils/pdf-response.server";
import { requireActor } from "#app/utils/request.server";

/** The signed draw record (names inside): only for viewers who may see the names (R36). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context);
  try {
    const view = await drawForViewer(context.app.db, actor, params.id ?? "", await dbNow(context.app.db));
    const sha = view.draw.recordPdfSha256;
    if (!view.namesVisible || !sha) throw new DomainError("NOT_FOUND");
    return await pdfResponse(context.app.blobs, sha, "draw-record.pdf", "专家抽取记录.pdf");
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}
