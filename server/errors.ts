import type { NextFunction, Request, Response } from "express";
import { DomainError, httpStatusOf, type DomainErrorCode } from "#app/domain/errors";
import type { RuleViolation } from "#app/domain/rules/violations";
import { LANGUAGE_COOKIE, normaliseLanguage, serverT } from "#app/i18n";
import { currentRequestId, decodedCookie } from "./edge";

/**
 * Errors at the express layer: one shape for every refusal (`{error:{code,params,violations}}`
 * on the API and on Remix data requests, a translated plain line elsewhere), never a stack
 * trace or a file path, in any NODE_ENV; and the process-level handlers
 * (docs/decisions/013-process-errors-and-restart.md).
 */

type Classified = { status: number; code: DomainErrorCode; params: Record<string, string | number>; violations: RuleViolation[] };

/** Errors from body-parser / raw-body carry a stable `type`; http-errors carry a 4xx `status`. */
const BODY_ERRORS: Record<string, { status: number; code: DomainErrorCode }> = {
  "entity.too.large": { status: 413, code: "PAYLOAD_TOO_LARGE" },
  "parameters.too.many": { status: 413, code: "PAYLOAD_TOO_LARGE" },
  "charset.unsupported": { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  "encoding.unsupported": { status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  "entity.parse.failed": { status: 400, code: "MALFORMED_REQUEST" },
  "entity.verify.failed": { status: 400, code: "MALFORMED_REQUEST" },
  "request.aborted": { status: 400, code: "MALFORMED_REQUEST" },
  "request.size.invalid": { status: 400, code: "MALFORMED_REQUEST" },
};

const BY_STATUS: Record<number, DomainErrorCode> = { 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE" };

export function classifyError(err: unknown, requestId: string): Classified {
  if (err instanceof DomainError) return { status: httpStatusOf(err.code), code: err.code, params: err.params, violations: err.violations };
  const e = (typeof err === "object" && err !== null ? err : {}) as { type?: unknown; status?: unknown; statusCode?: unknown; code?: unknown };
  const known = typeof e.type === "string" ? BODY_ERRORS[e.type] : undefined;
  if (known) return { ...known, params: {}, violations: [] };
  if (e.code === "ERR_INVALID_URL") return { status: 400, code: "MALFORMED_REQUEST", params: {}, violations: [] };
  const status = typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : 500;
  if (Number.isInteger(status) && status >= 400 && status < 500) return { status, code: BY_STATUS[status] ?? "MALFORMED_REQUEST", params: {}, violations: [] };
  return { status: 500, code: "INTERNAL", params: { requestId }, violations: [] };
}

/** API paths and Remix data requests answer JSON; everything else a translated line of text. */
function wantsJson(req: Request): boolean {
  const path = req.originalUrl.split("?", 1)[0]!; // req.path is relative inside a mounted router
  if (path === "/api" || path.startsWith("/api/") || "_data" in (req.query as object)) return true;
  return req.accepts(["text/html", "text/plain", "application/json"]) === "application/json";
}

export function sendError(req: Request, res: Response, c: Omit<Classified, "violations"> & { violations?: RuleViolation[] }): void {
  if (res.headersSent) {
    // Too late for a status line: end the response so the client sees a broken transfer, not a hang.
    res.destroy();
    return;
  }
  res.status(c.status);
  res.setHeader("Cache-Control", "no-store");
  if (wantsJson(req)) {
    res.json({ error: { code: c.code, params: c.params, violations: c.violations ?? [] } });
  } else {
    const t = serverT(normaliseLanguage(decodedCookie(req.headers.cookie, LANGUAGE_COOKIE)));
    res.type("text/plain; charset=utf-8").send(`${t(`errors.${c.code}`, c.params)}\n`);
  }
}

/**
 * The last express middleware (4 arguments): whatever reached it — a body-parser error, a
 * DomainError from an express route, a bug — becomes a 4xx/5xx in the shape above. Only 5xx
 * are logged (with the request id and the stack, server-side); 4xx are the client's.
 */
export function finalErrorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const requestId = (res.locals.requestId as string | undefined) ?? currentRequestId() ?? "-";
  const c = classifyError(err, requestId);
  if (c.status >= 500) logError(requestId, `${req.method} ${req.originalUrl.split("?", 1)[0]!.slice(0, 200)} failed`, err);
  // The body of a refused request may still be arriving: read no more of it than we must.
  if (!req.complete) res.setHeader("Connection", "close");
  sendError(req, res, c);
}

/** One log line (and the stack on the next lines) naming the request id. */
export function logError(requestId: string | null, what: string, err?: unknown): void {
  let detail = "";
  if (err !== undefined) {
    try {
      detail = err instanceof Error ? (err.stack ?? String(err)) : JSON.stringify(err) ?? String(err);
    } catch {
      detail = "(unprintable error)";
    }
  }
  console.error(`[req ${requestId ?? "-"}] ${what}${detail ? `: ${detail}` : ""}`);
}

/**
 * Process-level handlers (ADR 013): an unhandled rejection is logged with the request id and the
 * process continues (the rejected promise has unwound; shared state lives in the database, whose
 * transaction was rolled back); an uncaught exception is logged and `onFatal` shuts the process
 * down (state is undefined; the supervisor restarts it in seconds).
 */
export function installProcessErrorHandlers(onFatal: (err: unknown) => void): void {
  process.on("unhandledRejection", (reason) => {
    logError(currentRequestId(), "BUG: unhandled promise rejection (process continues)", reason);
  });
  process.on("uncaughtException", (err, origin) => {
    logError(currentRequestId(), `FATAL: ${origin === "uncaughtException" ? "uncaught exception" : origin} (process exits)`, err);
    onFatal(err);
  });
}
