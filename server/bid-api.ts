import { pipeline } from "node:stream";
import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { DomainError } from "#app/domain/errors";
import { violation } from "#app/domain/rules/violations";
import type { Actor } from "#app/services/platform/actor";
import { actorForSession, SESSION_COOKIE } from "#app/services/accounts/auth.server";
import { beginBidUpload, completeBidUpload, discardUpload, openUpload, putBidChunk, readOwnChunk, type BeginUploadInput } from "#app/services/bids/bids.server";
import type { AppContext } from "#app/services/platform/context.server";
import type { Manifest } from "#crypto/seal/format";
import { assertCsrf } from "#app/services/accounts/csrf.server";
import { decodedCookie } from "./edge";
import { classifyError, sendError } from "./errors";

/**
 * Bodies of the JSON endpoints. `begin` declares ≤ 50 files and ≤ 4 recipients (checked by the
 * service); `complete` carries the signed manifest: one 64-hex hash per chunk, at most
 * 2 GiB / 64 KiB = 32,768 chunks → about 2.3 MB of JSON, hence 4 MiB.
 */
export const BID_API_LIMITS = { beginJsonBytes: 64 * 1024, completeJsonBytes: 4 * 1024 * 1024, maxDrainBytes: 16 * 1024 * 1024 } as const;

/*
 * Shapes only (types and sizes), so that nothing reaches a service as `null` where it expects an
 * object; values are judged by the service (R18), which answers with the rule that was broken.
 * Objects pass through unchanged: the manifest is signed byte for byte.
 */
const str = (max: number) => z.string().max(max);
const num = z.number().finite();
const RecipientShape = z.object({ kid: str(200), alg: str(40), wrappedKey: str(4096) }).passthrough();
const BeginShape = z
  .object({
    certificateId: str(64),
    chunkSize: num,
    files: z.array(z.object({ index: num, name: str(1000), size: num }).passthrough()).max(1000),
    recipients: z.array(RecipientShape).max(100),
  })
  .passthrough();
const CompleteShape = z
  .object({
    manifest: z
      .object({
        v: num,
        alg: str(40),
        chunkSize: num,
        files: z.array(z.object({ index: num, name: str(1000), size: num, sha256: str(64), chunks: z.array(str(64)).max(40_000) }).passthrough()).max(1000),
        recipients: z.array(RecipientShape).max(100),
      })
      .passthrough(),
    signature: str(8192),
  })
  .passthrough();

function shaped<T>(schema: z.ZodType, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const where = r.error.issues[0]?.path.join(".") || "body";
    throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R18_MALFORMED", { detail: `request ${where}`.slice(0, 100) })]);
  }
  return body as T; // validated, and passed on exactly as sent
}

/** A JSON body of at most `limit` bytes, declared as JSON (415 otherwise); parse errors go to the final handler. */
function jsonBody(limit: number): RequestHandler {
  const parse = express.json({ limit, strict: true });
  return (req, res, next) => {
    if (!req.is("application/json")) {
      next(new DomainError("UNSUPPORTED_MEDIA_TYPE"));
      return;
    }
    parse(req, res, next);
  };
}

/** A refused request's unread body: read up to a bound so the connection can be reused, else close it. */
function drainOrClose(req: Request, res: Response): void {
  if (req.complete) return;
  const declared = Number(req.headers["content-length"]);
  if (Number.isSafeInteger(declared) && declared <= BID_API_LIMITS.maxDrainBytes) req.resume();
  else if (!res.headersSent) res.setHeader("Connection", "close");
}

/**
 * The sealed-bid upload API (issue "sealed bids" item 4). Express routes rather than Remix
 * resource routes so that a chunk streams from the socket to the blob store without being
 * converted to a web stream (the ingest benchmark compares this path with a raw HTTP sink).
 * Thin: session + CSRF header, then the service; errors are the same translated payloads.
 */
export function bidApi(app: AppContext, priority: AppContext = app): express.Router {
  const r = express.Router();
  const UUID = "[0-9a-f-]{36}";

  const actorOf = async (req: Request, res: Response, ctx: AppContext): Promise<Actor> => {
    const actor = await actorForSession(ctx.db, decodedCookie(req.headers.cookie, SESSION_COOKIE), (res.locals.clientIp as string | null) ?? null, req.headers["user-agent"] ?? null);
    if (!actor?.user) throw new DomainError("UNAUTHENTICATED");
    if (!["GET", "HEAD"].includes(req.method)) assertCsrf(res.locals.csrfToken as string, req.headers["x-csrf-token"] as string | undefined);
    return actor;
  };
  const handle = (fn: (req: Request, res: Response, actor: Actor) => Promise<unknown>, ctx: AppContext = app) => (req: Request, res: Response, next: NextFunction) => {
    actorOf(req, res, ctx)
      .then((actor) => fn(req, res, actor))
      .then((out) => {
        if (out !== undefined && !res.headersSent) res.json(out);
      })
      .catch((e: unknown) => {
        if (e instanceof DomainError) {
          drainOrClose(req, res);
          sendError(req, res, classifyError(e, res.locals.requestId as string));
          return;
        }
        next(e);
      });
  };

  r.post(
    `/sections/:sectionId(${UUID})/uploads`,
    jsonBody(BID_API_LIMITS.beginJsonBytes),
    handle((req, _res, actor) => beginBidUpload(app, actor, req.params.sectionId!, shaped<BeginUploadInput>(BeginShape, req.body))),
  );
  r.get(
    `/sections/:sectionId(${UUID})/uploads/current`,
    handle(async (req, res, actor) => {
      const u = await openUpload(app, actor, req.params.sectionId!);
      if (!u) {
        res.status(404).json({ error: { code: "NOT_FOUND", params: {}, violations: [] } });
        return undefined;
      }
      return u;
    }),
  );
  r.put(
    `/uploads/:uploadId(${UUID})/chunks/:file(\\d+)/:chunk(\\d+)`,
    handle((req, _res, actor) => {
      const length = req.headers["content-length"];
      const declared = length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : null;
      return putBidChunk(app, actor, req.params.uploadId!, Number(req.params.file), Number(req.params.chunk), req, (req.headers["x-chunk-sha256"] as string | undefined) ?? null, declared);
    }),
  );
  r.get(
    `/uploads/:uploadId(${UUID})/chunks/:file(\\d+)/:chunk(\\d+)`,
    handle(async (req, res, actor) => {
      const stream = await readOwnChunk(app, actor, req.params.uploadId!, Number(req.params.file), Number(req.params.chunk));
      res.type("application/octet-stream");
      res.setHeader("Cache-Control", "no-store");
      // A read error (the blob vanished) ends the response; it must not become an unhandled 'error'.
      pipeline(stream, res, () => {});
      return undefined;
    }),
  );
  r.post(
    `/uploads/:uploadId(${UUID})/complete`,
    jsonBody(BID_API_LIMITS.completeJsonBytes),
    // The completing command (and its session lookup) on the priority pool: a finished upload never waits behind
    // other bidders' chunks for a connection (issue 15 item 3; the deadline is the database clock at its start).
    handle((req, _res, actor) => completeBidUpload(priority, actor, req.params.uploadId!, shaped<{ manifest: Manifest; signature: string }>(CompleteShape, req.body)), priority),
  );
  r.delete(
    `/uploads/:uploadId(${UUID})`,
    handle(async (req, _res, actor) => {
      await discardUpload(app, actor, req.params.uploadId!);
      return { ok: true };
    }),
  );
  return r;
}
