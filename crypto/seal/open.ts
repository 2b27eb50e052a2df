import { sha256 } from "@noble/hashes/sha256";
import { chunkAad, chunkNonce, fromBase64, SealError, toHex, type Manifest, type ManifestFile } from "./format";
import { bs, manifestBytes, type HashOptions } from "./seal";

const subtle = () => globalThis.crypto.subtle;

/** Verifies the bidder's signature over the canonical manifest. */
export async function verifyManifest(m: Manifest, signature: Uint8Array, bidderPublicKey: CryptoKey): Promise<boolean> {
  return subtle().verify({ name: "RSASSA-PKCS1-v1_5" }, bidderPublicKey, bs(signature), bs(manifestBytes(m)));
}

/** Unwraps the raw 32-byte content key with a recipient's private key (the bidder's own, or the reconstructed opening key). */
export async function unwrapContentKeyRaw(m: Manifest, kid: string, privateKey: CryptoKey): Promise<Uint8Array> {
  const r = m.recipients.find((x) => x.kid === kid);
  if (!r) throw new SealError("KEY_UNWRAP_FAILED");
  try {
    const raw = new Uint8Array(await subtle().decrypt({ name: "RSA-OAEP" }, privateKey, bs(fromBase64(r.wrappedKey))));
    if (raw.length !== 32) throw new Error("bad key length");
    return raw;
  } catch {
    throw new SealError("KEY_UNWRAP_FAILED");
  }
}

/** As `unwrapContentKeyRaw`, imported as a non-extractable AES-GCM key. */
export async function unwrapContentKey(m: Manifest, kid: string, privateKey: CryptoKey): Promise<CryptoKey> {
  const raw = await unwrapContentKeyRaw(m, kid, privateKey);
  try {
    return await subtle().importKey("raw", bs(raw), { name: "AES-GCM" }, false, ["decrypt"]);
  } finally {
    raw.fill(0);
  }
}

/** How `openFile` computes: the hashes as for sealing, and optionally the AES-GCM chunk decryption (default WebCrypto). */
export type OpenOptions = HashOptions & {
  /** Decrypts one chunk (ciphertext ‖ tag) with the file's key, nonce and AAD; throws when the tag fails. */
  decryptChunk?: (ct: Uint8Array, iv: Uint8Array, aad: Uint8Array) => Promise<Uint8Array> | Uint8Array;
};

/**
 * Opens one file chunk by chunk: every ciphertext chunk must match its manifest hash and
 * decrypt under its position-bound nonce/AAD; the plaintext must match the file's size and
 * SHA-256. Any failure is the one generic DECRYPT_FAILED. Plaintext goes to `emit`.
 * `hashing` as for sealing (the server passes node:crypto's hashes and AES-GCM; the default is portable).
 */
export async function openFile(
  key: CryptoKey,
  file: ManifestFile,
  ciphertextChunks: AsyncIterable<Uint8Array>,
  emit: (plaintext: Uint8Array) => Promise<void>,
  hashing: OpenOptions = {},
): Promise<void> {
  const hash = hashing.createSha256 ? hashing.createSha256() : sha256.create();
  const digestChunk = hashing.digestChunk ?? (async (ct: Uint8Array) => new Uint8Array(await subtle().digest("SHA-256", bs(ct))));
  let size = 0;
  let i = 0;
  try {
    for await (const ct of ciphertextChunks) {
      if (i >= file.chunks.length) throw new Error("extra chunk");
      if (toHex(await digestChunk(ct)) !== file.chunks[i]) throw new Error("chunk hash");
      const final = i === file.chunks.length - 1;
      const iv = chunkNonce(file.index, i);
      const aad = chunkAad(file.index, i, final);
      const pt = hashing.decryptChunk
        ? await hashing.decryptChunk(ct, iv, aad)
        : new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv: bs(iv), additionalData: bs(aad), tagLength: 128 }, key, bs(ct)));
      hash.update(pt);
      size += pt.length;
      await emit(pt);
      i++;
    }
    if (i !== file.chunks.length || size !== file.size || toHex(hash.digest()) !== file.sha256) throw new Error("incomplete");
  } catch {
    throw new SealError("DECRYPT_FAILED");
  }
}
