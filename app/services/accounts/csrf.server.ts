import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { DomainError } from "#app/domain/errors";
import { SESSION_COOKIE } from "./auth.server";

/**
 * CSRF protection (docs/decisions/005-auth-sessions-csrf.md, binding per docs/decisions/014-login-throttling.md):
 * every visitor has a random `th_csrf` cookie (httpOnly, SameSite=Lax); the form token is
 * HMAC(secret, "csrf:" + binding), where the binding is the SHA-256 of the session token for
 * a signed-in visitor and the th_csrf cookie for an anonymous one. Every mutating form echoes
 * it in `_csrf` (the bid upload API in the `x-csrf-token` header); checked by `readForm`.
 * Login and logout also issue a new th_csrf cookie, so a token from before either never
 * validates after it, and one session's token never validates in another session.
 */
export const CSRF_COOKIE = "th_csrf";
export const CSRF_FIELD = "_csrf";
export { SESSION_COOKIE };

export function newCsrfCookieValue(): string {
  return randomBytes(24).toString("base64url");
}

/** What the token is bound to: the session (by its token's hash) when there is one, else the th_csrf cookie. */
export function csrfBinding(sessionToken: string | null | undefined, csrfCookie: string): string {
  return sessionToken ? `session:${createHash("sha256").update(sessionToken).digest("hex")}` : `anonymous:${csrfCookie}`;
}

export function csrfTokenFor(secret: string, binding: string): string {
  return createHmac("sha256", secret).update(`csrf:${binding}`).digest("base64url");
}

/** A fresh th_csrf cookie (sent with the login and logout responses: the anonymous binding rotates). */
export function csrfCookieHeader(secure: boolean): string {
  return `${CSRF_COOKIE}=${newCsrfCookieValue()}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

export function assertCsrf(expected: string, presented: string | null | undefined): void {
  if (!presented || !expected) throw new DomainError("CSRF");
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new DomainError("CSRF");
}
