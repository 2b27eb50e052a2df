import { inArray } from "drizzle-orm";
import type { Executor } from "#db/client";
import { bidUploadChunks, draws, tenderDocuments } from "#db/schema/index";
import type { BlobStore } from "./blob-store.server";

/**
 * Deletes blobs that no committed row references and that are older than `graceMs` (a
 * blob is written before its command commits, so young blobs are left alone). Returns the
 * deleted hashes. Every table that stores a blob hash is listed here.
 */
export async function sweepUnreferencedBlobs(db: Executor, blobs: BlobStore, now: Date, graceMs = 3600_000): Promise<string[]> {
  const candidates: string[] = [];
  for await (const b of blobs.list()) if (now.getTime() - b.mtime.getTime() > graceMs) candidates.push(b.sha256);
  const deleted: string[] = [];
  for (let i = 0; i < candidates.length; i += 500) {
    const batch = candidates.slice(i, i + 500);
    const used = new Set([
      ...(await db.selectDistinct({ sha: tenderDocuments.sha256 }).from(tenderDocuments).where(inArray(tenderDocuments.sha256, batch))).map((r) => r.sha),
      ...(await db.selectDistinct({ sha: draws.recordPdfSha256 }).from(draws).where(inArray(draws.recordPdfSha256, batch))).map((r) => r.sha!),
      ...(await db.selectDistinct({ sha: bidUploadChunks.sha256 }).from(bidUploadChunks).where(inArray(bidUploadChunks.sha256, batch))).map((r) => r.sha),
    ]);
    for (const sha of batch) {
      if (used.has(sha)) continue;
      await blobs.delete(sha);
      deleted.push(sha);
    }
  }
  return deleted;
}
