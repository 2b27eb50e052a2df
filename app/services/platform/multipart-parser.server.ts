import { DomainError } from "#app/domain/errors";

/**
 * A streaming multipart/form-data parser (RFC 7578) with bounds, for readMultipart. Written
 * here rather than taken from Remix's parser because that one splits a part's
 * Content-Disposition on every `;` and `=` — a file named `报价;清单=v1.pdf` (which browsers
 * send as is inside the quotes) made it throw — and because it buffers part headers without a
 * limit. Every malformed or truncated body is a DomainError MALFORMED_REQUEST.
 */

export type PartHeaders = { name: string; filename: string | null; contentType: string };

/** Bytes of one part's header block (the `Content-Disposition` and `Content-Type` lines). */
export const MAX_PART_HEADER_BYTES = 16 * 1024;

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

const malformed = () => new DomainError("MALFORMED_REQUEST");

/** The parameters of a Content-Disposition value, quoted strings kept whole (`;` and `=` inside quotes are text). */
export function parseDisposition(value: string): { type: string; params: Map<string, string> } | null {
  let i = 0;
  const skipWs = () => {
    while (i < value.length && (value[i] === " " || value[i] === "\t")) i++;
  };
  const token = () => {
    const start = i;
    while (i < value.length && !/[;=\s"]/.test(value[i]!)) i++;
    return value.slice(start, i);
  };
  skipWs();
  const type = token().toLowerCase();
  if (!type) return null;
  const params = new Map<string, string>();
  for (;;) {
    skipWs();
    if (i >= value.length) break;
    if (value[i] !== ";") return null;
    i++;
    skipWs();
    if (i >= value.length) break; // a trailing ";"
    const key = token().toLowerCase();
    skipWs();
    if (!key || value[i] !== "=") return null;
    i++;
    skipWs();
    let v: string;
    if (value[i] === '"') {
      // WHATWG form encoding escapes `"` as %22 and line breaks as %0A/%0D; a backslash is text.
      const close = value.indexOf('"', i + 1);
      if (close < 0) return null;
      v = value.slice(i + 1, close);
      i = close + 1;
    } else {
      v = token();
    }
    if (!params.has(key)) params.set(key, v);
  }
  return { type, params };
}

/** RFC 8187 `UTF-8''%E6%8A%A5…` (as `filename*`), or null. */
function decodeExtValue(v: string): string | null {
  const m = /^utf-8'[^']*'(.*)$/i.exec(v);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

/** A part's header block: a form-data disposition with a name; the filename (if any) and the content type. */
export function parsePartHeaders(block: string): PartHeaders {
  let disposition: ReturnType<typeof parseDisposition> = null;
  let contentType = "";
  const lines = block.split("\r\n");
  if (lines.length > 20) throw malformed();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed();
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") {
      if (disposition) throw malformed();
      disposition = parseDisposition(value);
      if (!disposition) throw malformed();
    } else if (name === "content-type") contentType = value;
  }
  if (!disposition || disposition.type !== "form-data") throw malformed();
  const name = disposition.params.get("name");
  if (name === undefined) throw malformed();
  const ext = disposition.params.get("filename*");
  const plain = disposition.params.get("filename");
  const filename = ext !== undefined ? decodeExtValue(ext) ?? plain ?? null : plain ?? null;
  // Only the base name counts (RFC 7578 §4.2); a client's path is not ours to keep.
  return { name, filename: filename === null ? null : filename.split(/[/\\]/).pop() ?? "", contentType: contentType || "text/plain" };
}

/**
 * Reads `body` part by part; `onPart` gets each part's headers and its content as an async
 * iterable, which it may read (in full or in part: the rest is skipped) before it resolves.
 * At most `maxOutside` bytes are read outside part contents before a part's headers end (the
 * preamble and each header block), so a header that never ends cannot fill memory.
 */
export async function parseMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  onPart: (headers: PartHeaders, data: AsyncIterable<Uint8Array>) => Promise<void>,
  opts: { maxOutside: number },
): Promise<void> {
  const reader = body.getReader();
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  let buf: Buffer = Buffer.alloc(0);
  let ended = false;

  /** Reads one more chunk into `buf`; false at the end of the body. */
  async function more(): Promise<boolean> {
    if (ended) return false;
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch {
      throw malformed();
    }
    if (r.done) {
      ended = true;
      return false;
    }
    buf = buf.length ? Buffer.concat([buf, r.value]) : Buffer.from(r.value);
    return true;
  }

  /** Waits until `needle` is in `buf` (searching from `from`), reading at most `max` bytes of `buf`. */
  async function find(needle: Buffer, max: number, from = 0): Promise<number> {
    for (;;) {
      const at = buf.indexOf(needle, from);
      if (at >= 0) return at;
      if (buf.length > max) throw malformed();
      if (!(await more())) throw malformed(); // truncated
    }
  }

  // The preamble, then the first delimiter.
  const first = await find(delimiter, opts.maxOutside);
  buf = buf.subarray(first + delimiter.length);
  for (;;) {
    while (buf.length < 2) if (!(await more())) throw malformed();
    if (buf[0] === 0x2d && buf[1] === 0x2d) return; // "--": the close delimiter; the epilogue is not read
    if (!(buf[0] === CRLF[0] && buf[1] === CRLF[1])) throw malformed();
    buf = buf.subarray(2);
    let headers: PartHeaders;
    if (buf.indexOf(CRLF) === 0) {
      headers = parsePartHeaders(""); // no header lines at all: refused below
    } else {
      const end = await find(HEADER_END, Math.min(opts.maxOutside, MAX_PART_HEADER_BYTES));
      headers = parsePartHeaders(buf.subarray(0, end).toString("utf8"));
      buf = buf.subarray(end + HEADER_END.length);
    }

    let done = false;
    async function* content(): AsyncGenerator<Uint8Array> {
      for (;;) {
        const at = buf.indexOf(next);
        if (at >= 0) {
          const chunk = buf.subarray(0, at);
          buf = buf.subarray(at + next.length);
          done = true;
          if (chunk.length) yield chunk;
          return;
        }
        // Keep what could be the start of the delimiter; hand on the rest.
        const keep = next.length - 1;
        if (buf.length > keep) {
          const chunk = buf.subarray(0, buf.length - keep);
          buf = buf.subarray(buf.length - keep);
          yield chunk;
        }
        if (!(await more())) throw malformed(); // the body ended inside a part
      }
    }
    const data = content();
    await onPart(headers, data);
    // Whatever the handler did not read is skipped up to the next delimiter.
    if (!done) for await (const _ of data) void _;
    if (!done) throw malformed();
  }
}
