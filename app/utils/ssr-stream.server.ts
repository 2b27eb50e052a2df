import { Transform } from "node:stream";

/**
 * React 18's streaming renderer (renderToPipeableStream, react-dom 18.3.1) writes its 2,048-byte buffer whole when a
 * multi-byte UTF-8 character does not fit at its end, leaving 1–3 unwritten zero bytes in the HTML (react#24985,
 * fixed in React 19 by react#26228). Chinese pages hit it on most responses: a NUL inside a word. The renderer never
 * emits a NUL of its own and no text the platform stores contains one (control characters are refused at input), so
 * the zero bytes at the end of a chunk are exactly the padding.
 */
export function trimChunkPadding(chunk: Uint8Array): Uint8Array {
  let end = chunk.length;
  while (end > 0 && chunk.length - end < 3 && chunk[end - 1] === 0) end--;
  return end === chunk.length ? chunk : chunk.subarray(0, end);
}

/** A pass-through for the renderer's output that drops that padding (pipe the renderer into it directly). */
export function withoutChunkPadding(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, trimChunkPadding(chunk));
    },
  });
}
