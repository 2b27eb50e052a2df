import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { DomainError } from "#app/domain/errors";

/**
 * CSRF protection (docs/decisions/005-auth-sessions-csrf.md): a random `th_csrf` cookie
 * (httpOnly, SameSite=Lax) and a form token = HMAC(secret, cookie) that every mutating
 * form echoes in `_csrf` (or the `x-csrf-token` header). Checked by `readForm`.
 */
export const CSRF_COOKIE = "th_csrf";
export const CSRF_FIELD = "_csrf";

export function newCsrfCookieValue(): string {
  return randomBytes(24).toString("base64url");
}

export function csrfTokenFor(secret: string, cookieValue: string): string {
  return createHmac("sha256", secret).update(`csrf:${cookieValue}`).digest("base64url");
}

export function assertCsrf(expected: string, presented: string | null | undefined): void {
  if (!presented || !expected) throw new DomainError("CSRF");
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new DomainError("CSRF");
}
