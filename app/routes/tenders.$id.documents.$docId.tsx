import { Readable } from "node:stream";
import { json, redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { hasPermission } from "#app/domain/permissions";
import { getDocument } from "#app/services/tender-queries.server";
import { managesProjectById, obtainDocument } from "#app/services/tenders.server";
import { getActor } from "#app/utils/request.server";

/**
 * Downloads a tender document. A bidder's download is an idempotent, recorded obtainment
 * (R9; no registration precondition, R3) — a GET with a side effect on purpose, so a plain
 * link works. The tender side and supervisors download without an obtainment record.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  if (!actor.user) throw redirect(`/login?redirectTo=${encodeURIComponent(new URL(request.url).pathname)}`);
  const projectId = params.id ?? "";
  const docId = params.docId ?? "";
  try {
    const doc =
      hasPermission(actor.roles, "supervise:read") || (await managesProjectById(context.app.db, actor, projectId))
        ? await getDocument(context.app.db, projectId, docId)
        : await obtainDocument(context.app, actor, projectId, docId);
    const stream = await context.app.blobs.get(doc.sha256);
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      headers: {
        "Content-Type": doc.contentType,
        "Content-Length": String(doc.size),
        "Content-Disposition": `attachment; filename="document.pdf"; filename*=UTF-8''${encodeURIComponent(doc.filename)}`,
        "X-Content-SHA256": doc.sha256,
        "Cache-Control": "private, no-store",
      },
    });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
    throw e;
  }
}
