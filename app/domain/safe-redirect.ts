/**
 * Where to send the browser after a form (login, language switch…) when the target comes from
 * the request: only a path on this site, else `fallback`. Browsers treat `/\host` like
 * `//host` (another site), strip tabs and newlines anywhere in a URL, and some proxies decode
 * `%5C` / `%2F`, so anything with a backslash, a control character (raw or percent-encoded),
 * a scheme, or a second leading slash (also after decoding and after `.`/`..` normalisation)
 * is refused. Pure and isomorphic.
 */
export const MAX_REDIRECT_LENGTH = 2048;

const BASE = "http://tenderhall.invalid";

/** A backslash, a C0/C1 control character (tab, newline, NUL…) or a Unicode line/paragraph separator. */
function hasUnsafeChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c <= 0x1f || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

function isSafePath(s: string): boolean {
  return s.startsWith("/") && !s.startsWith("//") && !hasUnsafeChar(s);
}

export function safeRedirect(to: unknown, fallback = "/"): string {
  if (typeof to !== "string" || to.length === 0 || to.length > MAX_REDIRECT_LENGTH || !isSafePath(to)) return fallback;
  // What a decoding proxy or a second parse would see.
  let decoded = to;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return fallback;
    }
    if (next === decoded) break;
    decoded = next;
    if (!isSafePath(decoded)) return fallback;
  }
  let url: URL;
  try {
    url = new URL(to, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  // `/.//host` and `/a/..//host` normalise to `//host`: check what is actually sent.
  const out = `${url.pathname}${url.search}${url.hash}`;
  return isSafePath(out) ? out : fallback;
}
