import type { LoaderFunctionArgs } from "@remix-run/node";
import { Readable } from "node:stream";
import { DomainError } from "#app/domain/errors";
import { bidFilePolicy, openBidFile } from "#app/services/evaluation/bid-files.server";
import { contentDisposition } from "#app/utils/content-disposition";
import { getActor, textRefusal, uuidParam } from "#app/utils/request.server";

/**
 * One decrypted bid file, shown inline inside the review room (issue 12 item 4; docs/decisions/015-evaluation.md
 * "Bid files"): this section's seated members who are in the room, from the compliance review to the signing; every
 * view is recorded before the first byte is sent. Anyone else gets 404 (a malformed id too, before any query).
 * Never cached, never sniffed, framed by this origin only.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  try {
    const sectionId = uuidParam(params, "sectionId");
    const bidId = uuidParam(params, "bidId");
    const index = /^\d{1,5}$/.test(params.index ?? "") ? Number(params.index) : Number.NaN;
    if (!Number.isInteger(index)) throw new DomainError("NOT_FOUND");
    const actor = await getActor(request, context);
    const f = await openBidFile(context.app, actor, sectionId, bidId, index);
    return new Response(Readable.toWeb(f.body) as ReadableStream, {
      headers: {
        "Content-Type": f.contentType,
        "Content-Length": String(f.size),
        "Content-Disposition": contentDisposition(f.name, { type: "inline", fallback: `bid-file-${index}` }),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        // The edge's `frame-ancestors 'none'` / DENY are replaced by these (server/index.ts keeps a route's own).
        "Content-Security-Policy": bidFilePolicy(f.contentType),
        "X-Frame-Options": "SAMEORIGIN",
        "Referrer-Policy": "no-referrer",
        "X-Content-SHA256": f.sha256,
      },
    });
  } catch (e) {
    if (e instanceof DomainError) return textRefusal(request, e);
    throw e;
  }
}
