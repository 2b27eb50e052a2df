import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { drawProof } from "#app/services/pool/draws.server";

/** The public proof of a revealed draw, for `npm run verify-draw -- proof.json` or any other implementation. */
export async function loader({ context, params }: LoaderFunctionArgs) {
  try {
    const proof = await drawProof(context.app.db, params.id ?? "");
    return new Response(JSON.stringify(proof, null, 2), {
      headers: { "Content-Type": "application/json; charset=utf-8", "Content-Disposition": `attachment; filename="draw-${proof.drawId}.json"` },
    });
  } catch (e) {
    if (e instanceof DomainError) throw json({ error: { code: e.code } }, { status: 404 });
    throw e;
  }
}
