import { unstable_parseMultipartFormData, type UploadHandler } from "@remix-run/node";
import { DomainError } from "#app/domain/errors";
import { BlobTooLargeError, type BlobStore } from "../platform/blob-store.server";

export type StoredUpload = { filename: string; contentType: string; size: number; sha256: string };

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

/** Refuses anything that does not start like a PDF, while streaming (nothing is buffered). */
async function* requirePdf(data: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const head: number[] = [];
  let checked = false;
  for await (const chunk of data) {
    if (!checked) {
      for (const b of chunk) {
        if (head.length >= PDF_MAGIC.length) break;
        head.push(b);
      }
      if (head.length >= PDF_MAGIC.length) {
        if (!PDF_MAGIC.every((b, i) => head[i] === b)) throw new DomainError("VALIDATION", { field: "file", reason: "pdf" });
        checked = true;
      }
    }
    yield chunk;
  }
  if (!checked) throw new DomainError("VALIDATION", { field: "file", reason: "pdf" });
}

/**
 * Parses a multipart form whose `file` parts are PDFs streamed straight into the blob store
 * (content-addressed). Each file field's value becomes the JSON of a StoredUpload. A blob
 * whose command then fails is unreferenced and removed by the sweep.
 */
export async function parsePdfUploads(request: Request, blobs: BlobStore, maxBytes: number): Promise<FormData> {
  const handler: UploadHandler = async ({ name, filename, contentType, data }) => {
    if (!filename) {
      // A plain field: collect its text.
      const chunks: Uint8Array[] = [];
      for await (const c of data) chunks.push(c);
      return Buffer.concat(chunks).toString("utf8");
    }
    if (name !== "file") return undefined;
    try {
      const stored = await blobs.put(requirePdf(data), { maxBytes });
      const upload: StoredUpload = { filename: safeFilename(filename), contentType: "application/pdf", ...stored };
      void contentType;
      return JSON.stringify(upload);
    } catch (e) {
      if (e instanceof BlobTooLargeError) throw new DomainError("VALIDATION", { field: "file", reason: "size", maxMb: Math.floor(maxBytes / 1048576) });
      throw e;
    }
  };
  return unstable_parseMultipartFormData(request, handler);
}

export function uploadsFrom(form: FormData): StoredUpload[] {
  return form
    .getAll("file")
    .filter((v): v is string => typeof v === "string" && v.startsWith("{"))
    .map((v) => JSON.parse(v) as StoredUpload);
}

/** Keeps the base name, without path separators or control characters. */
function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "document.pdf";
  const clean = [...base].filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f).join("").trim().slice(0, 200);
  return clean || "document.pdf";
}
