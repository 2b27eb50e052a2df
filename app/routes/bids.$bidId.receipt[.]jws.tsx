import type { LoaderFunctionArgs } from "@remix-run/node";
import { bidReceipt } from "#app/services/bids/bids.server";
import { contentDisposition } from "#app/utils/content-disposition";
import { requireActor, textRefusal, uuidParam } from "#app/utils/request.server";
import { DomainError } from "#app/domain/errors";

/** The signed receipt (回执) as a file: a JWS anyone can verify with a JOSE library and the platform CA. */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "bid:submit");
  try {
    const bidId = uuidParam(params, "bidId");
    const r = await bidReceipt(context.app.db, actor, bidId);
    return new Response(r.receipt, {
      headers: { "content-type": "application/jose; charset=utf-8", "content-disposition": contentDisposition(`receipt-v${r.version}-${bidId}.jws`), "cache-control": "no-store" },
    });
  } catch (e) {
    // Another organisation's receipt is not there either; the reason as text (a file download).
    if (e instanceof DomainError) return textRefusal(request, new DomainError("NOT_FOUND"));
    throw e;
  }
}
