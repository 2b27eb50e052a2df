import { createContext, useContext } from "react";

/**
 * This response's Content-Security-Policy nonce (server/edge.ts), provided by entry.server.tsx
 * around the whole document so root.tsx can put it on Remix's inline scripts. In the browser it
 * is empty: scripts added after hydration are loaded from this origin and need none (and browsers
 * hide nonce attributes from the DOM anyway).
 */
export const NonceContext = createContext<string | undefined>(undefined);

export function useNonce(): string | undefined {
  return useContext(NonceContext);
}
