import { sql, type SQL } from "drizzle-orm";
import { rowsOf, type Executor } from "#db/client";
import type { BlobStore } from "./blob-store.server";

/**
 * Every place a committed row keeps a blob's SHA-256 (docs/decisions/004-blob-store.md). The sweep keeps a blob
 * that any of these references, so a table that stores blobs must be listed here: test/unit/blob-references.test.ts
 * fails when a schema column named like `…sha256` is neither listed nor declared not to be a blob.
 * `jsonb` sources name the array column and the element key.
 */
export const BLOB_REFERENCES: readonly ({ table: string; column: string } | { table: string; column: string; jsonArrayKey: string })[] = [
  { table: "tender_documents", column: "sha256" },
  { table: "draws", column: "record_pdf_sha256" },
  { table: "bid_upload_chunks", column: "sha256" },
  { table: "openings", column: "record_sha256" },
  { table: "openings", column: "failure_notice_sha256" },
  // The plaintext files of opened bids, each verified against the signed manifest.
  { table: "bid_openings", column: "files", jsonArrayKey: "sha256" },
  // The evaluation report (评标报告): the draft the members read, the platform-signed base, the latest revision and
  // every member's revision (each an incremental update of the one before).
  { table: "evaluation_reports", column: "draft_pdf_sha256" },
  { table: "evaluation_reports", column: "base_pdf_sha256" },
  { table: "evaluation_reports", column: "pdf_sha256" },
  { table: "report_signatures", column: "pdf_sha256" },
  // Results (R51–R59): publicity, notices, the result announcement, the contract; R55 evidence of a deviation.
  { table: "result_documents", column: "sha256" },
  { table: "section_results", column: "deviation_evidence_sha256" },
];

/** Columns whose name mentions a SHA-256 but that hold a digest of something that is not a stored blob. */
export const NOT_BLOB_COLUMNS: readonly { table: string; column: string; why: string }[] = [
  { table: "bids", column: "manifest_sha256", why: "digest of the canonical manifest (stored in the row itself)" },
  { table: "evaluation_reports", column: "appendix_sha256", why: "digest of the canonical appendix (stored in the row itself)" },
];

function referencedAmong(batch: string[]): SQL {
  const list = sql.join(
    batch.map((h) => sql`${h}`),
    sql`, `,
  );
  const parts = BLOB_REFERENCES.map((r) =>
    "jsonArrayKey" in r
      ? sql`select e->>${r.jsonArrayKey} as sha from ${sql.identifier(r.table)} t, jsonb_array_elements(coalesce(t.${sql.identifier(r.column)}, '[]'::jsonb)) e where e->>${r.jsonArrayKey} in (${list})`
      : sql`select ${sql.identifier(r.column)} as sha from ${sql.identifier(r.table)} where ${sql.identifier(r.column)} in (${list})`,
  );
  return sql.join(parts, sql` union `);
}

/**
 * Deletes blobs that no committed row references and that are older than `graceMs` (a
 * blob is written before its command commits, so young blobs are left alone). Returns the
 * deleted hashes.
 */
export async function sweepUnreferencedBlobs(db: Executor, blobs: BlobStore, now: Date, graceMs = 3600_000): Promise<string[]> {
  const candidates: string[] = [];
  for await (const b of blobs.list()) if (now.getTime() - b.mtime.getTime() > graceMs) candidates.push(b.sha256);
  const deleted: string[] = [];
  for (let i = 0; i < candidates.length; i += 500) {
    const batch = candidates.slice(i, i + 500);
    const used = new Set(rowsOf<{ sha: string }>(await db.execute(referencedAmong(batch))).map((r) => r.sha));
    for (const sha of batch) {
      if (used.has(sha)) continue;
      await blobs.delete(sha);
      deleted.push(sha);
    }
  }
  return deleted;
}
