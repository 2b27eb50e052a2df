import { randomBytes } from "node:crypto";
import { signChallenge } from "#crypto/challenge";
import { importSigningKey, importWrapKey } from "#crypto/keys";
import type { Manifest, ManifestFile } from "#crypto/seal/format";
import { importContentKey, sealFile, signManifest, wrapFor } from "#crypto/seal/seal";
import { beginBidUpload, completeBidUpload, putBidChunk } from "#app/services/bids/bids.server";
import { checkIn, releaseBidKey } from "#app/services/opening/opening.server";
import { issueChallenge } from "#app/services/platform/certificates.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";

/**
 * DEMO AND TEST ONLY: seals and submits a bid exactly as the browser does (random content
 * key, AES-256-GCM chunks, key wrapped for the bidder and the opening key, signed manifest),
 * with a key the caller holds. Used by the demo seed (whose demo users' PKCS#12 files are
 * demo data) and by tests. Real bids are sealed in the bidder's browser only.
 */
export type SealingHolder = { certificateId: string; fingerprint: string; publicKeySpki: Uint8Array; privateKeyPkcs8: Uint8Array };

export async function* once(b: Uint8Array) {
  yield b;
}

/** Seals a bid locally and returns what an upload needs, with the raw content key. */
export async function sealLocally(bidder: SealingHolder, opening: { kid: string; publicKeySpki: Uint8Array } | null, payload: Uint8Array[], chunkSize: number) {
  const rawKey = new Uint8Array(randomBytes(32));
  const ck = await importContentKey(rawKey);
  const recipients = [await wrapFor({ kid: bidder.fingerprint, publicKey: await importWrapKey(bidder.publicKeySpki) }, ck)];
  if (opening) recipients.push(await wrapFor({ kid: opening.kid, publicKey: await importWrapKey(opening.publicKeySpki) }, ck));
  const chunks: { file: number; chunk: number; ct: Uint8Array }[] = [];
  const files: ManifestFile[] = [];
  for (const [i, data] of payload.entries()) {
    files.push(await sealFile(ck, { index: i, name: i === 0 ? "bid-form.json" : `file-${i}.pdf`, data: once(data) }, async (c, ct) => void chunks.push({ file: i, chunk: c, ct }), chunkSize));
  }
  const manifest: Manifest = { v: 1, alg: "AES-256-GCM", chunkSize, files, recipients };
  const declared = files.map((f) => ({ index: f.index, name: f.name, size: f.size }));
  return { manifest, chunks, declared, recipients, rawKey };
}

/** Seals and submits through the bid services (begin, chunks, complete), as the upload API does. */
export async function sealAndSubmit(
  app: AppContext,
  actor: Actor,
  bidder: SealingHolder,
  sectionId: string,
  opening: { kid: string; publicKeySpki: Uint8Array } | null,
  payload: Uint8Array[],
  chunkSize: number,
) {
  const s = await sealLocally(bidder, opening, payload, chunkSize);
  const { uploadId } = await beginBidUpload(app, actor, sectionId, { certificateId: bidder.certificateId, chunkSize, files: s.declared, recipients: s.recipients });
  for (const c of s.chunks) await putBidChunk(app, actor, uploadId, c.file, c.chunk, once(c.ct));
  const signature = Buffer.from(await signManifest(s.manifest, await importSigningKey(bidder.privateKeyPkcs8))).toString("base64");
  return { ...(await completeBidUpload(app, actor, uploadId, { manifest: s.manifest, signature })), sealed: s, uploadId };
}

/** The bid form file (file 0) as the browser writes it. */
export function bidFormBytes(form: { priceYuan: string; durationDays: string; quality: string; projectManager: string }, files: { name: string; size: number }[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, form, files }));
}

/**
 * DEMO AND TEST ONLY: what a bidder's browser does in the opening hall — signs the one-time check-in challenge with
 * the key of its PKCS#12 file (R24), then releases the content key it unwrapped (R26) — through the same commands.
 */
export async function checkInAndRelease(app: AppContext, actor: Actor, holder: SealingHolder, sectionId: string, rawKey: Uint8Array) {
  const challenge = await issueChallenge(app, actor, `checkin:${sectionId}`);
  const signature = Buffer.from(await signChallenge(challenge, holder.privateKeyPkcs8)).toString("base64");
  await checkIn(app, actor, sectionId, { nonce: challenge.nonce, certificateId: holder.certificateId, signature });
  await releaseBidKey(app, actor, sectionId, Buffer.from(rawKey).toString("base64"));
}
