import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { inclusion, positiveParam } from "#app/services/transparency/log.server";

/** Public: the audit path of record entry `seq` in the tree of checkpoint `size` (docs/record-format.md §3, §5). */
export async function loader({ context, request }: LoaderFunctionArgs) {
  const q = new URL(request.url).searchParams;
  try {
    const seq = positiveParam(q.get("seq"), "seq");
    const size = positiveParam(q.get("size"), "size");
    if (seq === undefined || size === undefined) throw new DomainError("VALIDATION", { field: seq === undefined ? "seq" : "size" });
    const { checkpoint: _checkpoint, ...proof } = await inclusion(context.app.db, seq, size);
    return json(proof);
  } catch (e) {
    if (e instanceof DomainError) return json({ error: { code: e.code, params: e.params } }, { status: e.code === "NOT_FOUND" ? 404 : 400 });
    throw e;
  }
}
