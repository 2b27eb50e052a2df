import type { BidOpeningState, OpeningPhase } from "./rules/opening";

/**
 * Where a bidder's bid for one section stands, as its "my bids" page shows it (one word per row):
 * - `uploading`: an upload is open (sealed in the browser, not yet complete) and no bid is accepted yet;
 * - `sealed`: the current version is accepted and sealed (replaceable or withdrawable until the deadline, R21);
 * - `withdrawn`: the bidder withdrew it (R21);
 * - `awaiting_opening`: sealed, the deadline has passed, the hall is not open yet;
 * - `opening_pending` / `decrypted` / `revoked` / `not_opened`: in the opening hall — still sealed (waiting for the
 *   bidder's key or the custodians), opened, or decided under R27 (revoked: bidder's fault; not_opened: withdrawn
 *   for another cause);
 * - `read_out`, `opening_closed`, `failed`: the hall read the bids, issued its record, or the section failed (R25).
 */
export type MyBidState =
  | "uploading"
  | "sealed"
  | "withdrawn"
  | "awaiting_opening"
  | "opening_pending"
  | "decrypted"
  | "revoked"
  | "not_opened"
  | "read_out"
  | "opening_closed"
  | "failed";

export function myBidState(input: {
  latestStatus: "submitted" | "replaced" | "withdrawn" | null;
  uploadOpen: boolean;
  deadlinePassed: boolean;
  openingPhase: OpeningPhase | null;
  openingState: BidOpeningState | null;
}): MyBidState {
  const { latestStatus, openingPhase, openingState } = input;
  if (openingPhase === "failed") return "failed";
  if (openingState) {
    if (openingState === "revoked") return "revoked";
    if (openingState === "withdrawn") return "not_opened";
    if (openingState === "pending") return "opening_pending";
    if (openingPhase === "closed") return "opening_closed";
    if (openingPhase === "reading") return "read_out";
    return "decrypted";
  }
  if (latestStatus === "withdrawn") return "withdrawn";
  if (latestStatus === "submitted" || latestStatus === "replaced") return input.deadlinePassed ? "awaiting_opening" : "sealed";
  return "uploading";
}
