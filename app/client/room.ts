/**
 * Browser side of entering a review room (R41): the declaration of no conflict is signed in the page with the key
 * from the member's PKCS#12 file (opened with app/client/p12.ts; the key never leaves the page), over exactly the
 * bytes the server rebuilds (app/domain/evaluation/declaration.ts). The entry challenge is signed with p12.ts's
 * signChallengeB64, as at the opening hall's check-in. The heartbeat keeps the member's presence (entry.server.ts).
 */
import { rsaSign } from "#crypto/keys";
import { toBase64 } from "#crypto/seal/format";
import { declarationBytes, type DeclarationInput } from "#app/domain/evaluation/declaration";

/** RSASSA-PKCS1-v1_5 / SHA-256 over the declaration's bytes, base64. */
export async function signDeclarationB64(input: DeclarationInput, privateKeyPkcs8: Uint8Array): Promise<string> {
  return toBase64(await rsaSign(privateKeyPkcs8, declarationBytes(input)));
}

/** The room route's action as a data request (no page render, no loader revalidation): heartbeats and the unload beacon. */
export function roomDataUrl(sectionId: string): string {
  return `/evaluations/${sectionId}?_data=${encodeURIComponent("routes/evaluations.$sectionId")}`;
}

/** How often the page tells the server the member is still in the room (the server lets 90 s pass). */
export const HEARTBEAT_MS = 20_000;

/** One heartbeat; resolves with whether the member is still in the room (null when the request failed). */
export async function sendHeartbeat(sectionId: string, csrfToken: string): Promise<boolean | null> {
  try {
    const body = new URLSearchParams({ _csrf: csrfToken, intent: "heartbeat" });
    const res = await fetch(roomDataUrl(sectionId), { method: "POST", body, credentials: "same-origin", headers: { accept: "application/json" } });
    if (!res.ok) return null;
    const data = (await res.json()) as { present?: boolean };
    return data.present === true;
  } catch {
    return null;
  }
}

/** On unload: "away" — the server ends the presence unless the page is back (a reload) within seconds. */
export function sendAwayBeacon(sectionId: string, csrfToken: string): void {
  try {
    navigator.sendBeacon(roomDataUrl(sectionId), new URLSearchParams({ _csrf: csrfToken, intent: "away" }));
  } catch {
    // best effort
  }
}
