import { sha256 } from "@noble/hashes/sha256";
import { canonicalJson } from "../canonical-json";
import { chunkAad, chunkNonce, DEFAULT_CHUNK_SIZE, toBase64, toHex, type Manifest, type ManifestFile, type Recipient } from "./format";

/**
 * Sealing (PRODUCT.md §3.2) with WebCrypto only, so the same module runs in the browser and
 * in Node. Streaming: a file is read chunk by chunk and each encrypted chunk is handed to
 * `emit` before the next is read, so memory stays flat for a 1 GiB file.
 */
const subtle = () => globalThis.crypto.subtle;
/** WebCrypto's BufferSource typing does not accept Uint8Array<ArrayBufferLike> under TS 5.9. */
export const bs = (u: Uint8Array) => u as unknown as BufferSource;

export type ContentKey = { key: CryptoKey; raw: Uint8Array };

/** A fresh AES-256 content key from the given 32 random bytes (randomness is passed in). */
export async function importContentKey(raw: Uint8Array): Promise<ContentKey> {
  if (raw.length !== 32) throw new RangeError("content key must be 32 bytes");
  const key = await subtle().importKey("raw", bs(raw), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  return { key, raw };
}

/** Re-chunks any byte stream into fixed-size chunks (the last may be shorter; an empty input yields one empty chunk). */
export async function* fixedChunks(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<{ bytes: Uint8Array; final: boolean }> {
  let buf = new Uint8Array(0);
  let pending: Uint8Array | null = null;
  for await (const part of source) {
    const merged = new Uint8Array(buf.length + part.length);
    merged.set(buf, 0);
    merged.set(part, buf.length);
    buf = merged;
    while (buf.length > size) {
      if (pending) yield { bytes: pending, final: false };
      pending = buf.slice(0, size);
      buf = buf.slice(size);
    }
  }
  if (buf.length === size || buf.length > 0) {
    if (pending) yield { bytes: pending, final: false };
    pending = buf;
  }
  yield { bytes: pending ?? new Uint8Array(0), final: true };
}

/**
 * Seals one file: AES-256-GCM per chunk with the position-bound nonce and AAD. Calls `emit`
 * with each ciphertext chunk (ciphertext ‖ 16-byte tag) and returns the manifest entry.
 */
export async function sealFile(
  ck: ContentKey,
  file: { index: number; name: string; data: AsyncIterable<Uint8Array> },
  emit: (chunkIndex: number, ciphertext: Uint8Array) => Promise<void>,
  chunkSize = DEFAULT_CHUNK_SIZE,
): Promise<ManifestFile> {
  const chunks: string[] = [];
  // WebCrypto has no incremental digest; @noble/hashes (audited, isomorphic) hashes the stream.
  const plainHash = sha256.create();
  let size = 0;
  let i = 0;
  for await (const { bytes, final } of fixedChunks(file.data, chunkSize)) {
    size += bytes.length;
    plainHash.update(bytes);
    const ct = new Uint8Array(
      await subtle().encrypt({ name: "AES-GCM", iv: bs(chunkNonce(file.index, i)), additionalData: bs(chunkAad(file.index, i, final)), tagLength: 128 }, ck.key, bs(bytes)),
    );
    chunks.push(toHex(await subtle().digest("SHA-256", bs(ct))));
    await emit(i, ct);
    i++;
  }
  return { index: file.index, name: file.name, size, sha256: toHex(plainHash.digest()), chunks };
}

/** Wraps the content key for a recipient certificate's RSA public key (RSA-OAEP, SHA-256). */
export async function wrapFor(recipient: { kid: string; publicKey: CryptoKey }, ck: ContentKey): Promise<Recipient> {
  const wrapped = new Uint8Array(await subtle().encrypt({ name: "RSA-OAEP" }, recipient.publicKey, bs(ck.raw)));
  return { kid: recipient.kid, alg: "RSA-OAEP-256", wrappedKey: toBase64(wrapped) };
}

/** The bytes a bidder signs: the canonical JSON of the manifest (UTF-8). */
export function manifestBytes(m: Manifest): Uint8Array {
  return new TextEncoder().encode(canonicalJson(m));
}

/** Signs the manifest with the bidder's key (RSASSA-PKCS1-v1_5, SHA-256 — what X.509 tools verify). */
export async function signManifest(m: Manifest, privateKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign({ name: "RSASSA-PKCS1-v1_5" }, privateKey, bs(manifestBytes(m))));
}
