import { randomBytes } from "node:crypto";
import { importSigningKey, importWrapKey } from "#crypto/keys";
import type { Manifest, ManifestFile } from "#crypto/seal/format";
import { importContentKey, sealFile, signManifest, wrapFor } from "#crypto/seal/seal";
import { beginBidUpload, completeBidUpload, putBidChunk } from "#app/services/bids.server";
import type { Actor } from "#app/services/actor";
import type { AppContext } from "#app/services/context.server";
import type { Enrolled } from "./pki";

/** TEST FIXTURE helpers: seal and submit a bid the way the browser does. */
export async function* once(b: Uint8Array) {
  yield b;
}

export const CHUNK = 64 * 1024;

/** Seals a bid locally and returns what an upload needs, with the raw content key (for opening tests). */
export async function sealLocally(bidder: Enrolled, opening: { kid: string; publicKeySpki: Uint8Array } | null, payload: Uint8Array[]) {
  const rawKey = new Uint8Array(randomBytes(32));
  const ck = await importContentKey(rawKey);
  const recipients = [await wrapFor({ kid: bidder.fingerprint, publicKey: await importWrapKey(bidder.publicKeySpki) }, ck)];
  if (opening) recipients.push(await wrapFor({ kid: opening.kid, publicKey: await importWrapKey(opening.publicKeySpki) }, ck));
  const chunks: { file: number; chunk: number; ct: Uint8Array }[] = [];
  const files: ManifestFile[] = [];
  for (const [i, data] of payload.entries()) {
    files.push(await sealFile(ck, { index: i, name: i === 0 ? "bid-form.json" : `file-${i}.pdf`, data: once(data) }, async (c, ct) => void chunks.push({ file: i, chunk: c, ct }), CHUNK));
  }
  const manifest: Manifest = { v: 1, alg: "AES-256-GCM", chunkSize: CHUNK, files, recipients };
  const declared = files.map((f) => ({ index: f.index, name: f.name, size: f.size }));
  return { manifest, chunks, declared, recipients, rawKey };
}

export async function submit(app: AppContext, actor: Actor, bidder: Enrolled, sectionId: string, opening: { kid: string; publicKeySpki: Uint8Array } | null, payload: Uint8Array[]) {
  const s = await sealLocally(bidder, opening, payload);
  const { uploadId } = await beginBidUpload(app, actor, sectionId, { certificateId: bidder.certificateId, chunkSize: CHUNK, files: s.declared, recipients: s.recipients });
  for (const c of s.chunks) await putBidChunk(app, actor, uploadId, c.file, c.chunk, once(c.ct));
  const signature = Buffer.from(await signManifest(s.manifest, await importSigningKey(bidder.privateKeyPkcs8))).toString("base64");
  return { ...(await completeBidUpload(app, actor, uploadId, { manifest: s.manifest, signature })), sealed: s, uploadId };
}
