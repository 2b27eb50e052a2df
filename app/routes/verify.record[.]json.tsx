import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { listCheckpoints, logOrigin, positiveParam } from "#app/services/transparency/log.server";

/** Public: the record's signed checkpoints, newest first (docs/record-format.md §5); `?before=<size>&limit=1…100`. */
export async function loader({ context, request }: LoaderFunctionArgs) {
  const q = new URL(request.url).searchParams;
  try {
    const before = positiveParam(q.get("before"), "before");
    const limit = positiveParam(q.get("limit"), "limit");
    const checkpoints = await listCheckpoints(context.app.db, { before, limit });
    return json({ origin: checkpoints[0] ? checkpoints[0].signed.body.split("\n")[0] : logOrigin(context.app.config), checkpoints }, { headers: { "Cache-Control": "no-cache" } });
  } catch (e) {
    if (e instanceof DomainError) return json({ error: { code: e.code, params: e.params } }, { status: 400 });
    throw e;
  }
}
