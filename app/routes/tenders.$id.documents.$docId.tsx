import { Readable } from "node:stream";
import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import { getDocument } from "#app/services/tendering/tender-queries.server";
import { managesProjectById, obtainDocument } from "#app/services/tendering/tenders.server";
import { contentDisposition } from "#app/utils/content-disposition";
import { getActor, textRefusal, uuidParam } from "#app/utils/request.server";

/**
 * Downloads a tender document (a resource route).
 * - A bidder's download is the recorded obtainment of the documents (R9: who obtained them stays
 *   confidential; R3: no registration precondition). This is a GET with a side effect on purpose,
 *   so that a plain link works without JavaScript: it is idempotent (one row per organisation,
 *   a counter and the last version), and a repeated or prefetched GET changes nothing that matters.
 * - The tendering unit/agency of the tender and supervisors read it without an obtainment record.
 * - The public is sent to sign in (and back to the tender page); anyone else gets 403/404.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  try {
    const projectId = uuidParam(params, "id");
    const docId = uuidParam(params, "docId");
    if (!actor.user) throw redirect(`/login?redirectTo=${encodeURIComponent(`/tenders/${projectId}`)}`);
    const doc =
      hasPermission(actor.roles, "supervise:read") || (await managesProjectById(context.app.db, actor, projectId))
        ? await getDocument(context.app.db, projectId, docId)
        : await obtainDocument(context.app, actor, projectId, docId);
    const stream = await context.app.blobs.get(doc.sha256);
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      headers: {
        "Content-Type": doc.contentType || "application/octet-stream",
        "Content-Length": String(doc.size),
        "Content-Disposition": contentDisposition(doc.filename, { fallback: "document.pdf" }),
        "X-Content-SHA256": doc.sha256,
        "Cache-Control": "private, no-store",
      },
    });
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    // A resource route has no page around it: answer with the translated reason as text.
    return textRefusal(request, e);
  }
}
