import { createDecipheriv, createHash } from "node:crypto";
import { Readable } from "node:stream";
import { asc, eq } from "drizzle-orm";
import { chunkAad, chunkNonce, type Manifest } from "#crypto/seal/format";
import type { Executor } from "#db/client";
import { bidOpenings, bids, bidUploadChunks } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { LocalBlobStore, readBlob, type BlobStore } from "../platform/blob-store.server";
import type { AppContext } from "../platform/context.server";
import { unsealContentKey } from "./content-key.server";

/**
 * Reading an opened bid's plaintext (docs/decisions/031-opening-without-plaintext-writes.md). The opening verifies
 * every chunk and keeps the content key sealed to the platform instead of writing the plaintext; whoever reads a
 * bid file afterwards (the review room, the archive) gets it decrypted from the stored ciphertext here:
 *
 * 1. a plaintext blob under the file's SHA-256 exists (a bid opened before this change): it is served as stored;
 * 2. otherwise every stored chunk of the file is read and its SHA-256 checked against the signed manifest before a
 *    byte is returned — a chunk changed in the store fails the read with STORED_FILE_CORRUPT, nothing is served;
 * 3. then the chunks are read again one at a time and decrypted, each GCM tag verified before its plaintext is
 *    passed on (a chunk changed between the check and the read ends the stream with an error, never with
 *    unauthenticated bytes), and at the end the plaintext's size and SHA-256 must be the manifest's.
 */

type Ctx = Pick<AppContext, "db" | "blobs" | "config">;
export type OpenedFile = { index: number; size: number; sha256: string };

/** A stored bid file that does not verify (a chunk, a tag, the file hash) or cannot be read back. */
export class StoredFileCorrupt extends DomainError {
  constructor(readonly detail: string) {
    super("STORED_FILE_CORRUPT");
  }
}

/** The stored chunks of an upload, per file index, in chunk order (their blob hashes). */
export async function uploadChunkShas(db: Executor, uploadId: string): Promise<Map<number, string[]>> {
  const rows = await db
    .select({ fileIndex: bidUploadChunks.fileIndex, sha256: bidUploadChunks.sha256 })
    .from(bidUploadChunks)
    .where(eq(bidUploadChunks.uploadId, uploadId))
    .orderBy(asc(bidUploadChunks.fileIndex), asc(bidUploadChunks.chunkIndex));
  const out = new Map<number, string[]>();
  for (const r of rows) out.set(r.fileIndex, [...(out.get(r.fileIndex) ?? []), r.sha256]);
  return out;
}

/**
 * Where a blob's bytes are on this machine, for worker threads that read them directly: the local store's file, or
 * null for any other store (the caller then reads through the store on the main thread).
 */
export function localBlobPath(store: BlobStore, sha256: string): string | null {
  if (!(store instanceof LocalBlobStore) || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  return store.filePath(sha256);
}

/** The plaintext of file `file.index` of an opened bid, verified as described above. */
export async function openPlaintext(ctx: Ctx, bidId: string, file: OpenedFile): Promise<Readable> {
  if (await ctx.blobs.has(file.sha256)) return ctx.blobs.get(file.sha256); // opened before ADR 031: stored plaintext
  const [row] = await ctx.db
    .select({ sealed: bidOpenings.contentKey, manifest: bids.manifest, uploadId: bids.uploadId })
    .from(bidOpenings)
    .innerJoin(bids, eq(bids.id, bidOpenings.bidId))
    .where(eq(bidOpenings.bidId, bidId));
  if (!row?.sealed) throw new StoredFileCorrupt("no plaintext and no sealed content key");
  const mf = (row.manifest as Manifest).files.find((f) => f.index === file.index);
  if (!mf || mf.sha256 !== file.sha256 || mf.size !== file.size) throw new StoredFileCorrupt("the file is not the manifest's");
  const shas = (await uploadChunkShas(ctx.db, row.uploadId)).get(file.index) ?? [];
  if (shas.length !== mf.chunks.length) throw new StoredFileCorrupt("chunk count");
  // 2. Every chunk's ciphertext against the signed manifest before anything is served.
  for (let i = 0; i < shas.length; i++) {
    const ct = await readBlob(ctx.blobs, shas[i]!).catch(() => null);
    if (!ct || createHash("sha256").update(ct).digest("hex") !== mf.chunks[i]) throw new StoredFileCorrupt(`chunk ${i}`);
  }
  let key: Uint8Array;
  try {
    key = unsealContentKey(ctx.config, bidId, row.sealed);
  } catch (e) {
    throw new StoredFileCorrupt(e instanceof Error ? e.message : "sealed content key");
  }
  const blobs = ctx.blobs;
  // 3. Decrypt chunk by chunk (one read ahead), every tag verified before its plaintext goes out.
  async function* plaintext() {
    const hash = createHash("sha256");
    let size = 0;
    let next: Promise<Buffer> | null = readBlob(blobs, shas[0]!);
    try {
      for (let i = 0; i < shas.length; i++) {
        const ct = await next!;
        next = i + 1 < shas.length ? readBlob(blobs, shas[i + 1]!) : null;
        if (ct.length < 16) throw new StoredFileCorrupt(`chunk ${i}`);
        const d = createDecipheriv("aes-256-gcm", key, chunkNonce(mf!.index, i), { authTagLength: 16 });
        d.setAAD(chunkAad(mf!.index, i, i === shas.length - 1));
        d.setAuthTag(ct.subarray(ct.length - 16));
        let pt: Buffer;
        try {
          pt = Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
        } catch {
          throw new StoredFileCorrupt(`chunk ${i}: tag`);
        }
        hash.update(pt);
        size += pt.length;
        yield pt;
      }
      if (size !== mf!.size || hash.digest("hex") !== mf!.sha256) throw new StoredFileCorrupt("file hash");
    } finally {
      key.fill(0);
      next?.catch(() => undefined);
    }
  }
  return Readable.from(plaintext(), { objectMode: false });
}
