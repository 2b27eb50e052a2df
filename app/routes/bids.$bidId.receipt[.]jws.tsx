import type { LoaderFunctionArgs } from "@remix-run/node";
import { bidReceipt } from "#app/services/bids/bids.server";
import { notFound, requireActor } from "#app/utils/request.server";
import { DomainError } from "#app/domain/errors";

/** The signed receipt (回执) as a file: a JWS anyone can verify with a JOSE library and the platform CA. */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "bid:submit");
  try {
    const r = await bidReceipt(context.app.db, actor, params.bidId ?? "");
    return new Response(r.receipt, {
      headers: { "content-type": "application/jose; charset=utf-8", "content-disposition": `attachment; filename="receipt-v${r.version}-${params.bidId}.jws"`, "cache-control": "no-store" },
    });
  } catch (e) {
    if (e instanceof DomainError) notFound();
    throw e;
  }
}
