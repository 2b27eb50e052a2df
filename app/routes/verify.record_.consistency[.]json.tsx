import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { consistency, positiveParam } from "#app/services/transparency/log.server";

/** Public: the consistency proof between checkpoints `from` ≤ `to` (docs/record-format.md §3, §5): witnesses use it. */
export async function loader({ context, request }: LoaderFunctionArgs) {
  const q = new URL(request.url).searchParams;
  try {
    const from = positiveParam(q.get("from"), "from");
    const to = positiveParam(q.get("to"), "to");
    if (from === undefined || to === undefined) throw new DomainError("VALIDATION", { field: from === undefined ? "from" : "to" });
    return json(await consistency(context.app.db, from, to));
  } catch (e) {
    if (e instanceof DomainError) return json({ error: { code: e.code, params: e.params } }, { status: e.code === "NOT_FOUND" ? 404 : 400 });
    throw e;
  }
}
