import { PassThrough, Readable } from "node:stream";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { prepareArchiveExport } from "#app/services/archive/archive.server";
import { writeArchiveZip } from "#app/services/archive/zip.server";
import { contentDisposition } from "#app/utils/content-disposition";
import { getActor, textRefusal, uuidParam } from "#app/utils/request.server";

/**
 * The project's archive (交易档案, R59–R61; docs/archive.md) as one streamed ZIP: for its tendering unit, its agency and
 * supervisors; 404 for anyone else and for a malformed id. The export is in the record (`archive.exported`, with the
 * manifest's SHA-256) before the first byte is sent.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  try {
    const projectId = uuidParam(params, "id");
    const actor = await getActor(request, context);
    const prepared = await prepareArchiveExport(context.app, actor, projectId);
    const body = new PassThrough();
    // A failure mid-stream (a blob unreadable or not matching the manifest) ends the download unfinished: the ZIP has
    // no central directory then, so no tool reads it as complete.
    writeArchiveZip(context.app, projectId, body, prepared.contents).catch((e: unknown) => body.destroy(e instanceof Error ? e : new Error(String(e))));
    return new Response(Readable.toWeb(body) as ReadableStream, {
      headers: {
        "Content-Type": "application/zip",
        "Content-Disposition": contentDisposition(prepared.name, { ascii: prepared.asciiName }),
        "Cache-Control": "private, no-store",
        "X-Manifest-SHA256": prepared.contents.manifestSha256,
      },
    });
  } catch (e) {
    if (e instanceof DomainError) return textRefusal(request, e);
    throw e;
  }
}
