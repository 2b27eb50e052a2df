/**
 * `Content-Disposition` for a download whose name a user chose (an uploaded document's file
 * name may hold `;`, `=`, quotes, `%`, Chinese). RFC 6266 with an RFC 8187 (formerly 5987)
 * `filename*=UTF-8''…` parameter for the exact name, and a plain ASCII `filename="…"`
 * fallback for old clients in which every character a lenient parser could split on, unquote
 * or percent-decode is replaced by `_`. Nothing of the name reaches the header unencoded. Pure.
 */
export function contentDisposition(filename: string, opts: { type?: "attachment" | "inline"; ascii?: string; fallback?: string } = {}): string {
  const fallback = opts.fallback ?? "download";
  const name = wellFormed(filename).trim() || fallback;
  // `ascii`: a chosen ASCII name (e.g. "failure-notice.pdf" for 流标公告.pdf); else the name made safe.
  const ascii = asciiFallback(opts.ascii ?? name) || asciiFallback(fallback) || "download";
  return `${opts.type ?? "attachment"}; filename="${ascii}"; filename*=UTF-8''${encodeExtValue(name)}`;
}

/** Printable ASCII except `"`, `\`, `;`, `=`, `,` and `%`; anything else becomes `_`. Blank when nothing readable is left. */
export function asciiFallback(name: string): string {
  const out = [...name].map((c) => (/^[\x20-\x7e]$/.test(c) && !/["\\;=,%]/.test(c) ? c : "_")).join("").trim();
  return /[A-Za-z0-9]/.test(out) ? out : "";
}

/** RFC 8187 value-chars: attr-char as is, everything else percent-encoded as UTF-8 (encodeURIComponent leaves `'()*` alone). */
export function encodeExtValue(s: string): string {
  return encodeURIComponent(wellFormed(s)).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Lone surrogates (not UTF-8 encodable; encodeURIComponent would throw) become U+FFFD. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}
