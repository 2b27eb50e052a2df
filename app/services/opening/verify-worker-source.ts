/**
 * The verification worker (docs/decisions/031-opening-without-plaintext-writes.md), as the source text of a
 * `node:worker_threads` worker started with `eval: true`. It is plain CommonJS JavaScript that needs only Node's
 * built-ins, so the same text runs under tsx (tests, benchmarks), in the compiled server and in the Remix bundle,
 * with no file of its own to locate at run time.
 *
 * One job = one sealed file of one bid. For each stored chunk, in order (the next chunk is read while the current
 * one is checked): read the chunk file from the blob store; its SHA-256 must equal the manifest's chunk hash; it
 * must authenticate under AES-256-GCM with the content key and the position-bound nonce and AAD the main thread
 * computed with `chunkNonce` / `chunkAad` (crypto/seal/format.ts, as `openFile` in crypto/seal/open.ts uses them);
 * the plaintext is hashed once, as it comes, and dropped. At the end the plaintext's size and SHA-256 must equal the
 * manifest's. Any failure — a missing or unreadable chunk, a chunk hash, a GCM tag, the size, the file hash — is
 * `{ ok: false }`, which the pool turns into the same generic DECRYPT_FAILED as `openFile` throws. The key is
 * zeroed when the job ends.
 *
 * Message in:  { id, key: Uint8Array(32), size, sha256, chunks: [{ path, sha256, iv: Uint8Array(12), aad: Uint8Array }] }
 * Message out: { id, ok: true, size } | { id, ok: false }
 */
export const VERIFY_WORKER_SOURCE = String.raw`
"use strict";
const { parentPort } = require("node:worker_threads");
const { createDecipheriv, createHash } = require("node:crypto");
const { readFile } = require("node:fs/promises");

async function verify(job) {
  const key = Buffer.from(job.key);
  const chunks = job.chunks;
  const plain = createHash("sha256");
  let size = 0;
  let next = chunks.length ? readFile(chunks[0].path) : null;
  try {
    for (let i = 0; i < chunks.length; i++) {
      const ct = await next;
      next = i + 1 < chunks.length ? readFile(chunks[i + 1].path) : null;
      if (ct.length < 16) return false;
      if (createHash("sha256").update(ct).digest("hex") !== chunks[i].sha256) return false;
      const d = createDecipheriv("aes-256-gcm", key, chunks[i].iv, { authTagLength: 16 });
      d.setAAD(chunks[i].aad);
      d.setAuthTag(ct.subarray(ct.length - 16));
      const pt = d.update(ct.subarray(0, ct.length - 16));
      d.final(); // throws when the tag does not authenticate
      plain.update(pt);
      size += pt.length;
    }
  } catch {
    return false;
  } finally {
    key.fill(0);
    job.key.fill(0);
    if (next) next.catch(() => undefined);
  }
  return size === job.size && plain.digest("hex") === job.sha256 ? size : false;
}

parentPort.on("message", (job) => {
  verify(job).then(
    (size) => parentPort.postMessage(size === false ? { id: job.id, ok: false } : { id: job.id, ok: true, size }),
    () => parentPort.postMessage({ id: job.id, ok: false }),
  );
});
`;
