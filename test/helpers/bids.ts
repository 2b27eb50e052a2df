import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { once, sealAndSubmit, sealLocally as seal } from "../../server/demo-bids";
import type { Enrolled } from "./pki";

/** TEST FIXTURE helpers: seal and submit a bid the way the browser does (server/demo-bids.ts), in 64 KiB chunks. */
export { once };

export const CHUNK = 64 * 1024;

export const sealLocally = (bidder: Enrolled, opening: { kid: string; publicKeySpki: Uint8Array } | null, payload: Uint8Array[]) => seal(bidder, opening, payload, CHUNK);

export const submit = (app: AppContext, actor: Actor, bidder: Enrolled, sectionId: string, opening: { kid: string; publicKeySpki: Uint8Array } | null, payload: Uint8Array[]) =>
  sealAndSubmit(app, actor, bidder, sectionId, opening, payload, CHUNK);
