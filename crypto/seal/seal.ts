import { sha256 } from "@noble/hashes/sha256";
import { canonicalJson } from "../canonical-json";
import { chunkAad, chunkNonce, DEFAULT_CHUNK_SIZE, toBase64, toHex, type Manifest, type ManifestFile, type Recipient } from "./format";

/**
 * Sealing (docs/product.md §3.2) with WebCrypto only, so the same module runs in the browser and
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

/**
 * Re-chunks any byte stream into fixed-size chunks (the last may be shorter; an empty input
 * yields one empty chunk). Each output byte is copied once; a leftover tail is copied
 * before the next input part is requested, so a producer may reuse its buffers.
 */
export async function* fixedChunks(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<{ bytes: Uint8Array; final: boolean }> {
  let parts: Uint8Array[] = [];
  let have = 0;
  let pending: Uint8Array | null = null;
  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const p = parts[0]!;
      const k = Math.min(p.length, n - off);
      out.set(k === p.length ? p : p.subarray(0, k), off);
      off += k;
      if (k === p.length) parts.shift();
      else parts[0] = p.subarray(k);
    }
    have -= n;
    return out;
  };
  for await (const part of source) {
    if (!part.length) continue;
    parts.push(part);
    have += part.length;
    while (have > size) {
      if (pending) yield { bytes: pending, final: false };
      pending = take(size);
    }
    if (parts.length) parts = [take(have)]; // own copy of the tail (at most one chunk)
    have = parts[0]?.length ?? 0;
  }
  if (have > 0) {
    if (pending) yield { bytes: pending, final: false };
    pending = take(have);
  }
  yield { bytes: pending ?? new Uint8Array(0), final: true };
}

/** An incremental SHA-256 (the default is @noble/hashes; callers may pass a faster one: node:crypto's, hash-wasm's). */
export type Sha256Factory = () => { update(b: Uint8Array): unknown; digest(): Uint8Array };
const nobleSha256: Sha256Factory = () => sha256.create();

/** How the hashes are computed; the results are the same SHA-256 values whichever is used. */
export type HashOptions = {
  /** Incremental SHA-256 of the plaintext stream. */
  createSha256?: Sha256Factory;
  /** SHA-256 of one ciphertext chunk (default: WebCrypto's digest, native in browsers and Node). */
  digestChunk?: (ct: Uint8Array) => Promise<Uint8Array> | Uint8Array;
};
const webDigest = async (ct: Uint8Array) => new Uint8Array(await subtle().digest("SHA-256", bs(ct)));

/**
 * Seals one file: AES-256-GCM per chunk with the position-bound nonce and AAD. Calls `emit`
 * with each ciphertext chunk (ciphertext ‖ 16-byte tag) and its SHA-256, in order, and
 * returns the manifest entry. Pipelined: WebCrypto encrypts and digests off the main thread
 * (the libuv pool in Node, the crypto thread in browsers) while the plaintext hash and the
 * previous chunk's `emit` run, so two cores are used; at most two chunks are in memory.
 */
export async function sealFile(
  ck: ContentKey,
  file: { index: number; name: string; data: AsyncIterable<Uint8Array> },
  emit: (chunkIndex: number, ciphertext: Uint8Array, sha256Hex: string) => Promise<void>,
  chunkSize = DEFAULT_CHUNK_SIZE,
  hashing: HashOptions = {},
): Promise<ManifestFile> {
  const chunks: string[] = [];
  // WebCrypto has no incremental digest; @noble/hashes (audited, isomorphic) hashes the stream by default.
  const plainHash = (hashing.createSha256 ?? nobleSha256)();
  const digestChunk = hashing.digestChunk ?? webDigest;
  let size = 0;
  let i = 0;
  let prev: { index: number; ct: Uint8Array; digest: Promise<Uint8Array> | Uint8Array } | null = null;
  const flush = async () => {
    if (!prev) return;
    const hex = toHex(await prev.digest);
    chunks.push(hex);
    await emit(prev.index, prev.ct, hex);
    prev = null;
  };
  for await (const { bytes, final } of fixedChunks(file.data, chunkSize)) {
    const encrypting = subtle().encrypt({ name: "AES-GCM", iv: bs(chunkNonce(file.index, i)), additionalData: bs(chunkAad(file.index, i, final)), tagLength: 128 }, ck.key, bs(bytes));
    size += bytes.length;
    plainHash.update(bytes);
    await flush();
    const ct = new Uint8Array(await encrypting);
    prev = { index: i, ct, digest: digestChunk(ct) };
    i++;
  }
  await flush();
  return { index: file.index, name: file.name, size, sha256: toHex(new Uint8Array(plainHash.digest())), chunks };
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
