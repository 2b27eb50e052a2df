import type { LoaderFunctionArgs } from "@remix-run/node";
import { canonicalJson } from "#app/domain/evaluation/appendix";
import { DomainError } from "#app/domain/errors";
import { reportAppendix } from "#app/services/evaluation/report.server";
import { contentDisposition } from "#app/utils/content-disposition";
import { getActor, textRefusal, uuidParam } from "#app/utils/request.server";

/**
 * The report's machine-readable appendix (docs/evaluation-appendix.md) in its canonical form, whose SHA-256 the report
 * prints: `npm run verify-evaluation -- <file>` recomputes it. Readers as for the report PDF (R42): the committee and
 * supervisors, and the tendering unit and its agency once every member signed. Anyone else: 404.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  try {
    const sectionId = uuidParam(params, "sectionId");
    const v = new URL(request.url).searchParams.get("v");
    if (v !== null && !/^[1-9]\d{0,2}$/.test(v)) throw new DomainError("NOT_FOUND");
    const actor = await getActor(request, context);
    const a = await reportAppendix(context.app.db, actor, sectionId, v === null ? null : Number(v));
    if (!a) throw new DomainError("NOT_FOUND");
    const ascii = `${a.number.replace(/[^A-Za-z0-9._-]/g, "_")}.appendix.json`;
    return new Response(canonicalJson(a.appendix), {
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": contentDisposition(`评标报告附件 ${a.number}.json`, { ascii }),
        "Cache-Control": "private, no-store",
        "X-Content-SHA256": a.sha256,
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch (e) {
    if (e instanceof DomainError) return textRefusal(request, e);
    throw e;
  }
}
