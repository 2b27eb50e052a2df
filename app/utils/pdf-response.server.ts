import { Readable } from "node:stream";
import type { BlobStore } from "#app/services/platform/blob-store.server";
import { contentDisposition } from "./content-disposition";

/** A stored, signed PDF as a download (the SHA-256 it is recorded under travels in a header). */
export async function pdfResponse(blobs: Pick<BlobStore, "get">, sha256: string, asciiName: string, name: string, cache = "private, no-store"): Promise<Response> {
  const stream = await blobs.get(sha256);
  return new Response(Readable.toWeb(stream) as ReadableStream, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": contentDisposition(name, { ascii: asciiName }),
      "Cache-Control": cache,
      "X-Content-SHA256": sha256,
    },
  });
}
