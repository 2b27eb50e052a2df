import { json, redirect, type AppLoadContext } from "@remix-run/node";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { hasPermission, type Permission } from "#app/domain/permissions";
import { LANGUAGE_COOKIE, normaliseLanguage, type Language } from "#app/i18n";
import type { Actor } from "#app/services/platform/actor";
import { PUBLIC_ACTOR } from "#app/services/platform/actor";
import { actorForSession, SESSION_COOKIE } from "#app/services/accounts/auth.server";
import { assertCsrf, CSRF_FIELD } from "#app/services/accounts/csrf.server";

/** Reads one cookie value from the request (unsigned, raw). */
export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function sessionToken(request: Request): string | null {
  return readCookie(request, SESSION_COOKIE);
}

/** zh-CN unless the user chose English with the switch (a cookie); the browser's language is not used. */
export function languageOf(request: Request): Language {
  return normaliseLanguage(readCookie(request, LANGUAGE_COOKIE));
}

const ACTOR_CACHE = new WeakMap<Request, Promise<Actor>>();

/** The signed-in actor, or the public actor. Cached per request. */
export function getActor(request: Request, context: AppLoadContext): Promise<Actor> {
  let p = ACTOR_CACHE.get(request);
  if (!p) {
    p = actorForSession(context.app.db, sessionToken(request), context.ip, context.userAgent).then(
      (a) => a ?? { ...PUBLIC_ACTOR, ip: context.ip, userAgent: context.userAgent },
    );
    ACTOR_CACHE.set(request, p);
  }
  return p;
}

/** Route-level permission (first authorisation layer). Redirects the public to login; 403 otherwise. */
export async function requireActor(request: Request, context: AppLoadContext, permission?: Permission): Promise<Actor> {
  const actor = await getActor(request, context);
  if (!actor.user) {
    const url = new URL(request.url);
    throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  if (permission && !hasPermission(actor.roles, permission)) {
    throw json({ error: toErrorPayload(new DomainError("FORBIDDEN", { permission })) }, { status: 403 });
  }
  return actor;
}

/** Reads a urlencoded/multipart form after checking its CSRF token (every mutating request). */
export async function readForm(request: Request, context: AppLoadContext, formData?: FormData): Promise<FormData> {
  const form = formData ?? (await request.formData());
  const presented = form.get(CSRF_FIELD);
  try {
    assertCsrf(context.csrfToken, typeof presented === "string" ? presented : request.headers.get("x-csrf-token"));
  } catch (e) {
    // A thrown Response: the route's ErrorBoundary shows the translated CSRF message (403).
    throw json({ error: toErrorPayload(e as DomainError) }, { status: 403 });
  }
  return form;
}

/**
 * Maps a thrown domain error to a JSON response the form can show (translated in the UI);
 * rethrows anything else (Responses, bugs).
 */
export function errorResponse(e: unknown, extra: Record<string, unknown> = {}) {
  if (e instanceof DomainError) {
    return json({ ok: false as const, error: toErrorPayload(e), ...extra }, { status: httpStatusOf(e.code) });
  }
  throw e;
}

export function notFound(): never {
  throw json({ error: toErrorPayload(new DomainError("NOT_FOUND")) }, { status: 404 });
}
