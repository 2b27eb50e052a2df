import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { reportPdf } from "#app/services/evaluation/report.server";
import { pdfResponse } from "#app/utils/pdf-response.server";
import { getActor, textRefusal, uuidParam } from "#app/utils/request.server";

/**
 * The evaluation report (评标报告, R49–R50): its latest revision (the draft while positions are recorded, then the
 * platform-signed version with every member signature made so far). The committee and supervisors (R42) read any
 * version (`?v=N`); the tendering unit and its agency only the signed one, once every member signed. Anyone else: 404.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  try {
    const sectionId = uuidParam(params, "sectionId");
    const v = new URL(request.url).searchParams.get("v");
    if (v !== null && !/^[1-9]\d{0,2}$/.test(v)) throw new DomainError("NOT_FOUND");
    const actor = await getActor(request, context);
    const pdf = await reportPdf(context.app.db, actor, sectionId, v === null ? null : Number(v));
    if (!pdf) throw new DomainError("NOT_FOUND");
    return pdfResponse(context.app.blobs, pdf.sha256, pdf.asciiName, pdf.name);
  } catch (e) {
    if (e instanceof DomainError) return textRefusal(request, e);
    throw e;
  }
}
