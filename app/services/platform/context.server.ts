import type { Database } from "#db/client";
import type { BlobStore } from "./blob-store.server";
import type { Config } from "./config.server";
import type { LiveHub } from "./live-hub.server";

/** Everything a service needs, created once by server/ and handed to Remix as load context. */
export type AppContext = {
  db: Database;
  blobs: BlobStore;
  hub: LiveHub;
  config: Config;
};

/** Per-request values set by the express layer. */
export type RequestContext = {
  app: AppContext;
  ip: string | null;
  userAgent: string | null;
  requestId: string;
  /** The CSRF token forms must echo (HMAC of the th_csrf cookie). */
  csrfToken: string;
  /** This response's Content-Security-Policy nonce: every inline <script> carries it (entry.server.tsx, root.tsx). */
  cspNonce: string;
};

declare module "@remix-run/node" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- module augmentation needs an interface
  interface AppLoadContext extends RequestContext {}
}
