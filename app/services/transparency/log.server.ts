/**
 * The record as a transparency log (docs/record-format.md, ADR 025): the Merkle tree of RFC 9162 over the record's
 * entries, signed checkpoints issued every CHECKPOINT_EVERY_ENTRIES entries or CHECKPOINT_EVERY_MINUTES minutes,
 * inclusion proofs for any entry and consistency proofs between any two checkpoints, all public.
 *
 * The tree is recomputed from the entries' chain hashes (32 bytes each, read in batches) whenever a checkpoint or a
 * proof needs it: simple and always true to the table, linear in the record's size (a million entries are 32 MB of
 * hashes read once per checkpoint); storing interior nodes is the step after.
 */
import { and, asc, desc, eq, gt, lt, lte, sql } from "drizzle-orm";
import { parseCheckpointBody, signCheckpoint, verifyCheckpoint, type SignedCheckpoint } from "#crypto/checkpoint";
import { pemToDer } from "#crypto/certs";
import { consistencyProof, entryLeaf, hex, inclusionProof, prefixRoots, treeHead, type Hash } from "#crypto/merkle";
import type { Executor } from "#db/client";
import { recordCheckpoints, recordEntries, recordHead, type RecordCheckpoint } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { platformSigningKey, trustedCaPems } from "../platform/certificates.server";
import { dbNow } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";

const BATCH = 5000;
/** Checkpoints per page of /verify/record.json. */
export const MAX_CHECKPOINTS_PAGE = 100;

/** The log's name in every checkpoint: the platform's public host and "/record". */
export function logOrigin(config: AppContext["config"]): string {
  return `${new URL(config.publicUrl).host}/record`;
}

/** The leaf hashes of entries 1…size, in order, read from the table; the entries must be contiguous from 1. */
export async function leafHashes(db: Executor, size: number, known: Hash[] = []): Promise<Hash[]> {
  const out: Hash[] = known.slice(0, size);
  let after = out.length;
  while (out.length < size) {
    const rows = await db
      .select({ seq: recordEntries.seq, hash: recordEntries.hash })
      .from(recordEntries)
      .where(and(gt(recordEntries.seq, after), lte(recordEntries.seq, size)))
      .orderBy(asc(recordEntries.seq))
      .limit(BATCH);
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.seq !== out.length + 1) throw new Error(`record entry ${out.length + 1} missing`);
      out.push(entryLeaf(r.hash));
    }
    after = rows.at(-1)!.seq;
  }
  if (out.length !== size) throw new Error(`record has ${out.length} entries, not ${size}`);
  return out;
}

const parseOrigin = (body: string) => parseCheckpointBody(body)?.origin ?? null;

/**
 * The same, from a per-process copy that only grows: the record is append-only (the database refuses anything
 * else), so entries once read never change — proofs and checkpoints do not re-read the whole table each time.
 * verifyCheckpoints reads the table itself: it is there to find what the database no longer refuses.
 */
const leafCache = new WeakMap<object, Hash[]>();
async function cachedLeaves(app: Pick<AppContext, "db">, db: Executor, size: number): Promise<Hash[]> {
  const known = leafCache.get(app.db) ?? [];
  if (known.length >= size) return known.slice(0, size);
  const all = await leafHashes(db, size, known);
  leafCache.set(app.db, all);
  return all;
}

export type CheckpointPolicy = { everyEntries: number; everyMs: number };

/** Whether a checkpoint is due: `everyEntries` new entries, or any new entry and `everyMs` since the last one. */
export function checkpointDue(head: number, last: { size: number; issuedAt: Date } | null, now: Date, policy: CheckpointPolicy): boolean {
  const since = head - (last?.size ?? 0);
  if (since <= 0) return false;
  if (since >= policy.everyEntries || !last) return true;
  return now.getTime() - last.issuedAt.getTime() >= policy.everyMs;
}

async function latest(db: Executor): Promise<RecordCheckpoint | null> {
  const [row] = await db.select().from(recordCheckpoints).orderBy(desc(recordCheckpoints.size)).limit(1);
  return row ?? null;
}

/**
 * Issues a checkpoint over the whole record when one is due (or when `force` and the record grew): reads the head,
 * computes the tree, signs the body with the platform key and stores it. Concurrent issuers of the same size
 * collide on the primary key; the loser stores nothing. Returns the new checkpoint or null.
 */
export async function issueCheckpoint(app: AppContext, policy: CheckpointPolicy, force = false): Promise<RecordCheckpoint | null> {
  return app.db.transaction(async (tx) => {
    // One issuer at a time across processes (WEB_CONCURRENCY): a transaction-scoped advisory lock.
    await tx.execute(sql`select pg_advisory_xact_lock(${CHECKPOINT_LOCK})`);
    const [head] = await tx.select({ seq: recordHead.seq }).from(recordHead).where(eq(recordHead.id, 1));
    const size = head?.seq ?? 0;
    const last = await latest(tx);
    const now = await dbNow(tx);
    if (size === 0 || size <= (last?.size ?? 0)) return null;
    if (!force && !checkpointDue(size, last, now, policy)) return null;
    const root = hex(treeHead(await cachedLeaves(app, tx, size)));
    const issuedAt = now.toISOString();
    const [first] = await tx.select({ body: recordCheckpoints.body }).from(recordCheckpoints).orderBy(asc(recordCheckpoints.size)).limit(1);
    const origin = (first && parseOrigin(first.body)) || logOrigin(app.config);
    const signed = await signCheckpoint({ origin, size, rootHash: root, issuedAt }, platformSigningKey(app.config));
    const [row] = await tx
      .insert(recordCheckpoints)
      .values({ size, rootHash: root, issuedAt: now, body: signed.body, signature: signed.signature, x5c: signed.x5c })
      .onConflictDoNothing()
      .returning();
    return row ?? null;
  });
}
const CHECKPOINT_LOCK = 0x7468_6370; // "thcp"

export type PublicCheckpoint = { size: number; rootHash: string; issuedAt: string; signed: SignedCheckpoint };
const toPublic = (r: RecordCheckpoint): PublicCheckpoint => ({ size: r.size, rootHash: r.rootHash, issuedAt: r.issuedAt.toISOString(), signed: { body: r.body, signature: r.signature, x5c: r.x5c } });

/** Checkpoints newest first, `limit` (1…100) of them below size `before` when given. */
export async function listCheckpoints(db: Executor, opts: { before?: number; limit?: number } = {}): Promise<PublicCheckpoint[]> {
  const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? 20)), MAX_CHECKPOINTS_PAGE);
  const rows = await db
    .select()
    .from(recordCheckpoints)
    .where(opts.before !== undefined ? lt(recordCheckpoints.size, opts.before) : undefined)
    .orderBy(desc(recordCheckpoints.size))
    .limit(limit);
  return rows.map(toPublic);
}

async function checkpointAt(db: Executor, size: number): Promise<RecordCheckpoint> {
  const [row] = await db.select().from(recordCheckpoints).where(eq(recordCheckpoints.size, size));
  if (!row) throw new DomainError("NOT_FOUND");
  return row;
}

/** The audit path of entry `seq` in the tree of checkpoint `size` (leaf index seq − 1). */
export async function inclusion(db: Executor, seq: number, size: number) {
  const app = { db };
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(size) || seq < 1 || seq > size) throw new DomainError("VALIDATION", { field: "seq" });
  const cp = await checkpointAt(db, size);
  const leaves = await cachedLeaves(app, db, size);
  const [entry] = await db.select({ hash: recordEntries.hash }).from(recordEntries).where(eq(recordEntries.seq, seq));
  return { seq, size, entryHash: entry!.hash, leafHash: hex(leaves[seq - 1]!), proof: inclusionProof(leaves, seq - 1, size).map(hex), checkpoint: toPublic(cp) };
}

/** The consistency proof between checkpoints `from` ≤ `to`. */
export async function consistency(db: Executor, from: number, to: number) {
  const app = { db };
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || from > to) throw new DomainError("VALIDATION", { field: "from" });
  await checkpointAt(db, from);
  await checkpointAt(db, to);
  const leaves = await cachedLeaves(app, db, to);
  return { from, to, proof: consistencyProof(leaves, from, to).map(hex) };
}

export type LogCheck =
  | { ok: true; checkpoints: number; latest: { size: number; rootHash: string } | null }
  | { ok: false; checkpoints: number; size: number; reason: "ROOT_MISMATCH" | "BAD_SIGNATURE" | "UNTRUSTED_SIGNER" | "MALFORMED" | "BODY_MISMATCH" | "BEYOND_RECORD" };

/**
 * Checks every stored checkpoint against the record as it is now: the signature and signer, that the body states
 * the row's size, root and time, and that the tree of the first `size` entries has that root — so a rewritten
 * entry anywhere below a published checkpoint is found even where the chain was recomputed to match.
 */
export async function verifyCheckpoints(app: Pick<AppContext, "db" | "config">): Promise<LogCheck> {
  const rows = await app.db.select().from(recordCheckpoints).orderBy(asc(recordCheckpoints.size));
  const [head] = await app.db.select({ seq: recordHead.seq }).from(recordHead).where(eq(recordHead.id, 1));
  const top = Math.max(head?.seq ?? 0, ...rows.map((r) => r.size));
  const [count] = await app.db.select({ n: sql<number>`count(*)::int` }).from(recordEntries);
  const leaves = await leafHashes(app.db, Math.min(top, count?.n ?? 0)).catch(() => null);
  const trusted = trustedCaPems(app.config);
  const signerDer = Buffer.from(pemToDer(platformSigningKey(app.config).certPem)).toString("base64");
  const roots = leaves ? prefixRoots(leaves, rows.map((r) => r.size).filter((x) => x <= leaves.length)) : new Map<number, Hash>();
  // One log, one name: every checkpoint states the origin of the first (a changed PUBLIC_URL does not rename it).
  const origin = rows[0] ? (parseOrigin(rows[0].body) ?? logOrigin(app.config)) : logOrigin(app.config);
  let n = 0;
  for (const r of rows) {
    const check = await verifyCheckpoint({ body: r.body, signature: r.signature, x5c: r.x5c }, trusted, r.issuedAt, [signerDer]);
    if (!check.valid) return { ok: false, checkpoints: n, size: r.size, reason: check.reason };
    const c = check.checkpoint;
    if (c.size !== r.size || c.rootHash !== r.rootHash || c.issuedAt !== r.issuedAt.toISOString() || c.origin !== origin) return { ok: false, checkpoints: n, size: r.size, reason: "BODY_MISMATCH" };
    const root = roots.get(r.size);
    if (!root) return { ok: false, checkpoints: n, size: r.size, reason: "BEYOND_RECORD" };
    if (hex(root) !== r.rootHash) return { ok: false, checkpoints: n, size: r.size, reason: "ROOT_MISMATCH" };
    n++;
  }
  const last = rows.at(-1);
  return { ok: true, checkpoints: n, latest: last ? { size: last.size, rootHash: last.rootHash } : null };
}

/** A tree size or sequence number from a query string: absent → undefined; anything but 1…2^53−1 in decimal is refused. */
export function positiveParam(value: string | null, field: string): number | undefined {
  if (value === null) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(value) || !Number.isSafeInteger(Number(value))) throw new DomainError("VALIDATION", { field });
  return Number(value);
}
