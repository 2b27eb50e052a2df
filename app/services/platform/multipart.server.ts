import { DomainError } from "#app/domain/errors";
import { assertFormField } from "#app/domain/form-input";
import { MAX_FIELD_LENGTH, MAX_FORM_BYTES, MAX_FORM_FIELDS, MAX_MULTIPART_HEADER_BYTES, MAX_MULTIPART_PARTS } from "#app/domain/limits";
import { hasControlCharacter } from "#app/domain/text";
import { parseMultipart } from "./multipart-parser.server";

/** A file part's name longer than this is not a file name (stored names are cut to 200 characters). */
const MAX_FILENAME_CHARS = 1000;

/**
 * Bounded reading of request bodies (multipart and urlencoded), below the route helpers so
 * that services describing file uploads (tendering/uploads.server.ts) need nothing from the
 * routes. Every refusal is a DomainError (4xx); a body that is cut off or does not parse is
 * MALFORMED_REQUEST, never a 500.
 */

export type FilePart = {
  name: string;
  filename: string;
  contentType: string;
  data: AsyncIterable<Uint8Array>;
};

/**
 * How a multipart form's file parts are taken: which fields may carry files, how many and
 * how large, and what to do with each (store it, keep it in memory). The request is not read
 * when this is made: readForm (app/utils/request.server.ts) reads it after the route's
 * permission check, and hands file parts to `onFile` only once the CSRF token has been
 * verified — from the `x-csrf-token` header or from a `_csrf` part before the first file
 * (CsrfInput is the first field of every form) — so a refused request writes nothing.
 */
export type MultipartSpec = {
  request: Request;
  fileFields: readonly string[];
  maxFiles: number;
  maxFileBytes: number;
  /** Returns the form value standing for the file (e.g. the JSON of a stored upload). Throws a DomainError to refuse it. */
  onFile: (part: FilePart) => Promise<string | File>;
};

export class PendingMultipart {
  constructor(readonly spec: MultipartSpec) {}
}

/**
 * A file refused by `onFile` (not a PDF, too large): a refusal of the content, which the
 * route shows next to its form, unlike a refusal of the request (CSRF, a malformed body).
 */
export class FileRefused extends Error {
  constructor(readonly error: DomainError) {
    super(error.message);
    this.name = "FileRefused";
  }
}

/** The values `onFile` returned, per form: a text field cannot pose as a file this server took. */
const PRODUCED = new WeakMap<FormData, ReadonlySet<FormDataEntryValue>>();

/** The values of `name` that stand for files this server took in readMultipart (not text a client sent under that name). */
export function fileValues(form: FormData, name: string): FormDataEntryValue[] {
  const produced = PRODUCED.get(form);
  return produced ? form.getAll(name).filter((v) => produced.has(v)) : [];
}

export function multipartForm(spec: MultipartSpec): PendingMultipart {
  return new PendingMultipart(spec);
}

/** Keeps one file in memory (a small import file), refusing more than `maxBytes`. */
export function memoryFile(maxBytes: number): MultipartSpec["onFile"] {
  return async ({ filename, contentType, data }) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const c of data) {
      size += c.byteLength;
      if (size > maxBytes)
        throw new DomainError("VALIDATION", {
          field: "file",
          reason: "size",
          maxMb: Math.floor(maxBytes / 1048576),
        });
      chunks.push(c);
    }
    return new File([new Uint8Array(Buffer.concat(chunks))], filename, {
      type: contentType,
    });
  };
}

/** The media type of a request (lower case, without parameters). */
export function mediaTypeOf(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** A charset parameter other than UTF-8 is refused (forms are always sent as UTF-8 by the pages). */
function assertUtf8(request: Request) {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers.get("content-type") ?? "");
  if (m && !/^utf-?8$/i.test(m[1]!)) throw new DomainError("UNSUPPORTED_MEDIA_TYPE");
}

/**
 * A Content-Length above `max` is refused before a byte is used (the stream is still counted:
 * the header may lie). A body up to 4 × `max` is discarded so the connection stays usable.
 */
function assertDeclaredLength(request: Request, max: number) {
  const declared = request.headers.get("content-length");
  if (declared === null || !/^\d+$/.test(declared.trim()) || Number(declared) <= max) return;
  if (Number(declared) <= 4 * max && request.body) discardRest(request.body.getReader(), 4 * max);
  throw new DomainError("PAYLOAD_TOO_LARGE", { maxKb: Math.floor(max / 1024) });
}

/** After a refusal before the body was read (a permission, a content type, a token in the header): the body is discarded. */
export function discardUnread(request: Request, max = 4 * MAX_FORM_BYTES): void {
  if (request.body && !request.body.locked) discardRest(request.body.getReader(), max);
}

/**
 * After a refusal, the rest of a body is read and thrown away (at most `max` bytes more, in
 * the background): left unread, it would stall the keep-alive connection the client reuses
 * for its next request. A body beyond that is left to the server's request timeout.
 */
function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, max: number): void {
  let seen = 0;
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > max) return;
    }
  })().catch(() => {});
}

/** Reads a whole (small) body, refusing more than `max` bytes while reading. */
export async function readBodyLimited(request: Request, max: number): Promise<Uint8Array> {
  assertDeclaredLength(request, max);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // The rest is discarded, not cancelled (cancelling destroys the socket before the 413 is sent).
      if (size > max) {
        discardRest(reader, 4 * max);
        throw new DomainError("PAYLOAD_TOO_LARGE", {
          maxKb: Math.floor(max / 1024),
        });
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError("MALFORMED_REQUEST"); // the client went away or sent a broken body
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** An `application/x-www-form-urlencoded` body (UTF-8), bounded in size; fields are checked by the caller. */
export async function readUrlencoded(request: Request): Promise<FormData> {
  assertUtf8(request);
  const text = new TextDecoder("utf-8").decode(await readBodyLimited(request, MAX_FORM_BYTES));
  const form = new FormData();
  let n = 0;
  for (const [k, v] of new URLSearchParams(text)) {
    if (++n > MAX_FORM_FIELDS) throw new DomainError("TOO_MANY_ITEMS", { max: MAX_FORM_FIELDS });
    form.append(k, v);
  }
  return form;
}

/**
 * Reads a multipart body part by part (multipart-parser.server.ts). `csrf.verify(token)` is
 * called with the `_csrf` part (throws to refuse); `csrf.verified` says whether the header
 * already did. Text parts are checked as they arrive (name, length, control characters); file
 * parts only reach `spec.onFile` after the token is verified. Bounded: MAX_MULTIPART_PARTS
 * parts, `spec.maxFiles` files of `spec.maxFileBytes`, text parts of MAX_FIELD_LENGTH
 * characters, MAX_MULTIPART_HEADER_BYTES of preamble or part headers, and the whole body.
 */
export async function readMultipart(
  request: Request,
  spec: Omit<MultipartSpec, "request"> | null,
  csrf: { verified: boolean; verify(token: string): void },
): Promise<FormData> {
  const boundary = /;\s*boundary=("?)([^";\s]{1,200})\1/i.exec(request.headers.get("content-type") ?? "")?.[2];
  if (!boundary || !request.body) throw new DomainError("MALFORMED_REQUEST");
  const maxFiles = spec?.maxFiles ?? 0;
  const maxTotal = maxFiles * (spec?.maxFileBytes ?? 0) + MAX_FORM_BYTES;
  assertDeclaredLength(request, maxTotal);

  // The whole body is counted as it is read (Content-Length may lie or be absent).
  let total = 0;
  const source = request.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await source.read();
      } catch {
        controller.error(new DomainError("MALFORMED_REQUEST"));
        return;
      }
      if (chunk.done) {
        controller.close();
        return;
      }
      total += chunk.value.byteLength;
      if (total > maxTotal)
        controller.error(
          new DomainError("PAYLOAD_TOO_LARGE", {
            maxKb: Math.floor(maxTotal / 1024),
          }),
        );
      else controller.enqueue(chunk.value);
    },
    // Not forwarded to the source on purpose: cancelling the request body destroys the
    // socket, and the refusal (a 4xx) could not be sent; the rest is discarded instead.
  });

  const form = new FormData();
  let parts = 0;
  let files = 0;
  const produced = new Set<FormDataEntryValue>();
  try {
    await parseMultipart(
      body,
      boundary,
      async ({ name, filename, contentType }, data) => {
        if (++parts > MAX_MULTIPART_PARTS) throw new DomainError("TOO_MANY_ITEMS", { max: MAX_MULTIPART_PARTS });
        assertFormField(name, null);
        if (!filename) {
          // A text field (an empty file input is sent with filename="" and no content).
          const chunks: Uint8Array[] = [];
          let size = 0;
          for await (const c of data) {
            size += c.byteLength;
            if (size > MAX_FIELD_LENGTH * 4) throw new DomainError("PAYLOAD_TOO_LARGE", { field: name });
            chunks.push(c);
          }
          const value = new TextDecoder("utf-8").decode(Buffer.concat(chunks));
          assertFormField(name, value);
          if (name === "_csrf" && !csrf.verified) {
            csrf.verify(value);
            csrf.verified = true;
          }
          form.append(name, value);
          return;
        }
        if (!spec || !spec.fileFields.includes(name)) throw new DomainError("MALFORMED_REQUEST", { field: name });
        // A file name is stored and shown (tender documents): no control characters, a sane length.
        if (hasControlCharacter(filename)) throw new DomainError("CONTROL_CHARACTER", { field: name });
        if (filename.length > MAX_FILENAME_CHARS) throw new DomainError("MALFORMED_REQUEST", { field: name });
        // Nothing is stored for a request whose token has not been verified yet.
        if (!csrf.verified) throw new DomainError("CSRF");
        if (++files > maxFiles) throw new DomainError("TOO_MANY_ITEMS", { max: maxFiles });
        let value: string | File;
        try {
          value = await spec.onFile({ name, filename, contentType, data });
        } catch (e) {
          // A parse error met while the handler read the content stays a parse error.
          throw e instanceof DomainError && e.code !== "MALFORMED_REQUEST" && e.code !== "PAYLOAD_TOO_LARGE" ? new FileRefused(e) : e;
        }
        produced.add(value);
        form.append(name, value);
      },
      { maxOutside: MAX_MULTIPART_HEADER_BYTES },
    );
  } catch (e) {
    // Refused at a part: what the client still sends is discarded (see discardRest).
    discardRest(source, maxTotal);
    throw e;
  }
  PRODUCED.set(form, produced);
  return form;
}
