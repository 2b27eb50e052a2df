import { json, redirect, type AppLoadContext, type LoaderFunctionArgs } from "@remix-run/node";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import { assertFormEntries } from "#app/domain/form-input";
import { isUuid } from "#app/domain/ids";
import { hasPermission, type Permission } from "#app/domain/permissions";
import { LANGUAGE_COOKIE, normaliseLanguage, serverT, type Language } from "#app/i18n";
import type { Actor } from "#app/services/platform/actor";
import { PUBLIC_ACTOR } from "#app/services/platform/actor";
import { actorForSession, SESSION_COOKIE } from "#app/services/accounts/auth.server";
import { assertCsrf, CSRF_FIELD } from "#app/services/accounts/csrf.server";
import { discardUnread, FileRefused, mediaTypeOf, readMultipart, readUrlencoded, type PendingMultipart } from "#app/services/platform/multipart.server";

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
    refusing(request);
    throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  if (permission && !hasPermission(actor.roles, permission)) refuse(request, new DomainError("FORBIDDEN", { permission }));
  return actor;
}

/**
 * A refusal of a mutating request may come before its body is read (a permission, a content
 * type, a token in the header): the body is then discarded in the background, so that the
 * unread rest does not stall the keep-alive connection the client reuses next.
 */
function refusing(request: Request): void {
  if (request.method !== "GET" && request.method !== "HEAD") discardUnread(request);
}

/** A refusal at the request level, as a thrown Response: the route's ErrorBoundary shows the translated message. */
function refuse(request: Request, e: DomainError): never {
  refusing(request);
  throw json({ error: toErrorPayload(e) }, { status: httpStatusOf(e.code) });
}

/**
 * Reads the form of a mutating request after checking its CSRF token, and refuses — with a
 * 4xx and a translated message, before the action sees any field — everything a form must
 * not carry (app/domain/form-input.ts, bounds in app/domain/limits.ts):
 * - a body that is not a form (JSON, text/plain, none): 415 UNSUPPORTED_MEDIA_TYPE;
 * - a body larger than MAX_FORM_BYTES (read with a limit, Content-Length is not trusted),
 *   more than MAX_FORM_FIELDS fields, an array index above MAX_FORM_ARRAY_INDEX: 413/400;
 * - a body that does not parse or is cut off: 400 MALFORMED_REQUEST;
 * - control characters (NUL…) in a value: 400 CONTROL_CHARACTER (refused, not stripped);
 * - a non-UUID in an id field (`id`, `…Id`): 404 NOT_FOUND.
 *
 * Multipart forms with files are described by a PendingMultipart (e.g. parsePdfUploads) and
 * read here: their file parts are handed on only after the token is verified, so a refused
 * request stores nothing. A file the handler refuses (not a PDF, too large) is thrown as its
 * DomainError for the route to show with its form. Routes check their permission
 * (requireActor) before calling this.
 */
export async function readForm(request: Request, context: AppLoadContext, multipart?: FormData | PendingMultipart): Promise<FormData> {
  try {
    const header = request.headers.get("x-csrf-token");
    const csrf = {
      verified: false,
      verify: (token: string) => assertCsrf(context.csrfToken, token),
    };
    // A token in the header is checked before a byte of the body is read.
    if (header !== null) {
      csrf.verify(header);
      csrf.verified = true;
    }
    let form: FormData;
    if (multipart instanceof FormData) {
      form = multipart;
    } else {
      if (multipart && multipart.spec.request !== request) throw new Error("readForm: the multipart form belongs to another request");
      const type = mediaTypeOf(request);
      if (type === "application/x-www-form-urlencoded") form = await readUrlencoded(request);
      else if (type === "multipart/form-data") form = await readMultipart(request, multipart?.spec ?? null, csrf);
      else throw new DomainError("UNSUPPORTED_MEDIA_TYPE");
    }
    if (!csrf.verified) {
      const presented = form.get(CSRF_FIELD);
      csrf.verify(typeof presented === "string" ? presented : "");
    }
    assertFormEntries(form);
    return form;
  } catch (e) {
    // A file the upload's handler refused (not a PDF, too large) is the form's content: the
    // route shows it next to the form (errorResponse). Everything else refuses the request.
    if (e instanceof FileRefused) throw e.error;
    if (e instanceof DomainError) refuse(request, e);
    throw e;
  }
}

/**
 * The same bounded, checked reading for the one form that is not state-changing and carries no
 * token (the language switch, a resource route): a malformed body is a 4xx with the translated
 * reason as text, never a 500.
 */
export async function readFormWithoutCsrf(request: Request): Promise<FormData> {
  try {
    const type = mediaTypeOf(request);
    let form: FormData;
    if (type === "application/x-www-form-urlencoded") form = await readUrlencoded(request);
    else if (type === "multipart/form-data") form = await readMultipart(request, null, { verified: true, verify: () => {} });
    else throw new DomainError("UNSUPPORTED_MEDIA_TYPE");
    assertFormEntries(form);
    return form;
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    refusing(request);
    throw textRefusal(request, e);
  }
}

/**
 * An id from the route's params (`/tenders/:id`): a malformed one names nothing and is a 404
 * NOT_FOUND here, before any query (PostgreSQL would refuse it with an error, a 500).
 */
export function requireUuidParam(params: LoaderFunctionArgs["params"], name: string): string {
  const value = params[name];
  if (!isUuid(value)) notFound();
  return value;
}

/** As requireUuidParam, throwing the DomainError instead (for resource routes that answer with textRefusal). */
export function uuidParam(params: LoaderFunctionArgs["params"], name: string): string {
  const value = params[name];
  if (!isUuid(value)) throw new DomainError("NOT_FOUND");
  return value;
}

/** A resource route's refusal (it has no page around it): the translated reason as plain text. */
export function textRefusal(request: Request, e: DomainError): Response {
  const t = serverT(languageOf(request));
  return new Response(`${t(`errors.${e.code}`, e.params)}\n`, {
    status: httpStatusOf(e.code),
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
  });
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
