import { createReadableStreamFromReadable, type AppLoadContext, type EntryContext, type HandleErrorFunction } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { NonceContext } from "#app/utils/nonce";
import { withoutChunkPadding } from "#app/utils/ssr-stream.server";

const ABORT_DELAY = 5_000;

/** One log line naming the request (server/errors.ts has the same format for the express layer). */
function logError(context: Partial<AppLoadContext> | undefined, what: string, error: unknown) {
  const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  console.error(`[req ${context?.requestId ?? "-"}] ${what}: ${detail}`);
}

/**
 * Errors thrown by loaders, actions and rendering. Remix runs in production mode whatever NODE_ENV
 * says (server/index.ts), so the browser gets "Unexpected Server Error" without a message or stack;
 * the details are logged here with the request id. Aborted requests (the client left) are not.
 */
export const handleError: HandleErrorFunction = (error, { request, context }) => {
  if (request.signal.aborted) return;
  // Remix's own 4xx (an unknown `_data` route, a method without an action) are the client's.
  if (isRouteErrorResponse(error) && error.status < 500) return;
  const cause = isRouteErrorResponse(error) ? ((error as { error?: unknown }).error ?? `${error.status} ${error.statusText}`) : error;
  logError(context, `${request.method} ${new URL(request.url).pathname}`, cause);
};

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const bot = isbot(request.headers.get("user-agent") ?? "");
  const nonce = loadContext.cspNonce;
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceContext.Provider>,
      {
        nonce,
        [bot ? "onAllReady" : "onShellReady"]() {
          shellRendered = true;
          // React 18 pads some chunks with NUL bytes on multi-byte text (app/utils/ssr-stream.server.ts).
          const body = withoutChunkPadding();
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          resolve(
            new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) logError(loadContext, "streaming render", error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}
