import { DomainError } from "#app/domain/errors";
import { MAX_FILES_PER_UPLOAD } from "#app/domain/limits";
import { hasControlCharacter } from "#app/domain/text";
import { BlobTooLargeError, type BlobStore, type StagedBlob } from "../platform/blob-store.server";
import { fileValues, multipartForm, type PendingMultipart } from "../platform/multipart.server";

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
 * Staged uploads of one request: the received PDFs, hashed but not yet published in the blob store
 * (BlobStore.stage). The command that records a document publishes its blob inside its own transaction
 * (`publish`, before commit); whatever the request did not publish — a refused rule, another
 * organisation's project, a second file that is not a PDF — is discarded when the route is done
 * (`discardRest`), so a refused request leaves no blob behind and the hourly sweep is only a backstop.
 * Discarding never touches a published blob, so content shared with another row is safe.
 */
export class StagedUploads {
  private readonly staged = new Map<string, StagedBlob[]>();
  add(blob: StagedBlob) {
    this.staged.set(blob.sha256, [...(this.staged.get(blob.sha256) ?? []), blob]);
  }
  /** Publishes the staged blob with this hash (idempotent); a hash this request did not stage is left alone. */
  readonly publish = async (sha256: string): Promise<void> => {
    const list = this.staged.get(sha256);
    if (!list?.length) return;
    const [first, ...rest] = list;
    await first!.commit();
    for (const r of rest) await r.discard();
    this.staged.delete(sha256);
  };
  /** Removes every staged blob that was not published. Safe to call more than once. */
  async discardRest(): Promise<void> {
    for (const list of this.staged.values()) for (const b of list) await b.discard();
    this.staged.clear();
  }
}

/**
 * Describes a multipart form whose `file` parts are PDFs streamed into the blob store's staging
 * area: at most MAX_FILES_PER_UPLOAD files of `maxBytes` each. Each file field's value becomes the
 * JSON of a StoredUpload. Nothing is read here: readForm reads the body and hands a file part over
 * only after the route's permission check and the CSRF token, so a request refused for its role or
 * token stores nothing; a later refusal discards the staged files (StagedUploads).
 */
export function parsePdfUploads(request: Request, blobs: BlobStore, maxBytes: number, staged: StagedUploads): PendingMultipart {
  return multipartForm({
    request,
    fileFields: ["file"],
    maxFiles: MAX_FILES_PER_UPLOAD,
    maxFileBytes: maxBytes,
    onFile: async ({ filename, data }) => {
      try {
        const blob = await blobs.stage(requirePdf(data), { maxBytes });
        staged.add(blob);
        const upload: StoredUpload = { filename: safeFilename(filename), contentType: "application/pdf", sha256: blob.sha256, size: blob.size };
        return JSON.stringify(upload);
      } catch (e) {
        if (e instanceof BlobTooLargeError) throw new DomainError("VALIDATION", { field: "file", reason: "size", maxMb: Math.floor(maxBytes / 1048576) });
        throw e;
      }
    },
  });
}

/**
 * The stored uploads of a form read with parsePdfUploads. Only values this server produced
 * count: a text field named `file` (a client cannot store a file by naming a hash) is not an upload.
 */
export function uploadsFrom(form: FormData): StoredUpload[] {
  return fileValues(form, "file")
    .filter((v): v is string => typeof v === "string" && v.startsWith("{"))
    .map((v) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return null;
      }
    })
    .filter(isStoredUpload);
}

function isStoredUpload(v: unknown): v is StoredUpload {
  const u = v as Partial<StoredUpload> | null;
  return !!u && typeof u.filename === "string" && u.contentType === "application/pdf" && typeof u.size === "number" && typeof u.sha256 === "string" && /^[0-9a-f]{64}$/.test(u.sha256);
}

/** Longest stored document name (characters). */
export const MAX_FILENAME_LENGTH = 200;

/**
 * Keeps the base name, without path separators or control characters, at most
 * MAX_FILENAME_LENGTH characters. `;`, `=`, quotes and the like are kept: the name is encoded
 * when it is served (app/utils/content-disposition.ts), never pasted into a header as is.
 */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = [...base]
    .filter((c) => !hasControlCharacter(c))
    .join("")
    .trim();
  return [...clean].slice(0, MAX_FILENAME_LENGTH).join("") || "document.pdf";
}
