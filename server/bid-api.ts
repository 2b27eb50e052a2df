import express, { type NextFunction, type Request, type Response } from "express";
import { DomainError, httpStatusOf, toErrorPayload } from "#app/domain/errors";
import type { Actor } from "#app/services/platform/actor";
import { actorForSession, SESSION_COOKIE } from "#app/services/accounts/auth.server";
import { beginBidUpload, completeBidUpload, discardUpload, openUpload, putBidChunk, readOwnChunk } from "#app/services/bids/bids.server";
import type { AppContext } from "#app/services/platform/context.server";
import { assertCsrf } from "#app/services/accounts/csrf.server";

/**
 * The sealed-bid upload API (issue "sealed bids" item 4). Express routes rather than Remix
 * resource routes so that a chunk streams from the socket to the blob store without being
 * converted to a web stream (the ingest benchmark compares this path with a raw HTTP sink).
 * Thin: session + CSRF header, then the service; errors are the same translated payloads.
 */
export function bidApi(app: AppContext): express.Router {
  const r = express.Router();
  const json = express.json({ limit: "32mb" });
  const UUID = "[0-9a-f-]{36}";

  const actorOf = async (req: Request, res: Response): Promise<Actor> => {
    const actor = await actorForSession(app.db, cookie(req, SESSION_COOKIE), req.ip ?? null, req.headers["user-agent"] ?? null);
    if (!actor?.user) throw new DomainError("UNAUTHENTICATED");
    if (!["GET", "HEAD"].includes(req.method)) assertCsrf(res.locals.csrfToken as string, req.headers["x-csrf-token"] as string | undefined);
    return actor;
  };
  const handle = (fn: (req: Request, res: Response, actor: Actor) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    actorOf(req, res)
      .then((actor) => fn(req, res, actor))
      .then((out) => {
        if (out !== undefined && !res.headersSent) res.json(out);
      })
      .catch((e: unknown) => {
        if (e instanceof DomainError) {
          if (!res.headersSent) res.status(httpStatusOf(e.code)).json({ error: toErrorPayload(e) });
          req.resume(); // drain an unread body so the connection can be reused
          return;
        }
        next(e);
      });
  };

  r.post(`/sections/:sectionId(${UUID})/uploads`, json, handle((req, _res, actor) => beginBidUpload(app, actor, req.params.sectionId!, req.body)));
  r.get(
    `/sections/:sectionId(${UUID})/uploads/current`,
    handle(async (req, res, actor) => {
      const u = await openUpload(app.db, actor, req.params.sectionId!);
      if (!u) {
        res.status(404).json({ error: { code: "NOT_FOUND", params: {}, violations: [] } });
        return undefined;
      }
      return u;
    }),
  );
  r.put(
    `/uploads/:uploadId(${UUID})/chunks/:file(\\d+)/:chunk(\\d+)`,
    handle((req, _res, actor) => putBidChunk(app, actor, req.params.uploadId!, Number(req.params.file), Number(req.params.chunk), req, (req.headers["x-chunk-sha256"] as string | undefined) ?? null)),
  );
  r.get(
    `/uploads/:uploadId(${UUID})/chunks/:file(\\d+)/:chunk(\\d+)`,
    handle(async (req, res, actor) => {
      const stream = await readOwnChunk(app, actor, req.params.uploadId!, Number(req.params.file), Number(req.params.chunk));
      res.type("application/octet-stream");
      res.setHeader("Cache-Control", "no-store");
      stream.pipe(res);
      return undefined;
    }),
  );
  r.post(`/uploads/:uploadId(${UUID})/complete`, json, handle((req, _res, actor) => completeBidUpload(app, actor, req.params.uploadId!, req.body ?? {})));
  r.delete(
    `/uploads/:uploadId(${UUID})`,
    handle(async (req, _res, actor) => {
      await discardUpload(app, actor, req.params.uploadId!);
      return { ok: true };
    }),
  );
  return r;
}

function cookie(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}
