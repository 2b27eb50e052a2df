import { createHash, createPublicKey, generateKeyPair, randomBytes, randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, lt, max, or, sql } from "drizzle-orm";
import { canonicalJson } from "#crypto/canonical-json";
import { openingKid, sealBox, splitOpeningKey } from "#crypto/opening-key";
import { signReceipt, type ReceiptPayload } from "#crypto/receipt";
import { fromBase64, toBase64, type Manifest, type Recipient } from "#crypto/seal/format";
import { verifyManifest } from "#crypto/seal/open";
import { manifestBytes } from "#crypto/seal/seal";
import { importVerifyKey } from "#crypto/keys";
import { rowsOf, survivesOurDeath, type Executor, type Tx } from "#db/client";
import {
  bids,
  bidUploadChunks,
  bidUploads,
  certificates,
  openingKeys,
  openingKeyShares,
  organisations,
  projects,
  sections,
  type Project,
  type Section,
} from "#db/schema/index";
import { assertBeginUploadInput, assertCompleteUploadInput } from "#app/domain/bid-input";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { MAX_BID_RECIPIENTS } from "#app/domain/limits";
import { hasPermission } from "#app/domain/permissions";
import type { Role } from "#app/domain/roles";
import { checkBidWindow, checkDeclaredLayout, checkManifest, chunkLength, looksUnencrypted, type DeclaredFile } from "#app/domain/rules/bids";
import { violation } from "#app/domain/rules/violations";
import { formatCst } from "#app/domain/tender-form";
import type { Actor } from "../platform/actor";
import { BlobTooLargeError, type StagedBlob } from "../platform/blob-store.server";
import { activeCertificatesFor, assertUsable, platformSigningKey, trustedCaPems } from "../platform/certificates.server";
import { dbNow, requirePermission, runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { channels } from "../platform/live-channels.server";

type Ctx = Pick<AppContext, "db" | "config">;
const genKeyPair = promisify(generateKeyPair);

/** Opening keys are RSA-3072 (their shares protect every bid of a section until the opening). */
const OPENING_KEY_BITS = 3072;

const CUSTODIAN_ROLE: Record<string, Role> = { tendering_unit: "tendering_unit", agency: "agency", supervisor: "supervisor" };

function rsaBytesOf(spki: Uint8Array): number {
  const d = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }).asymmetricKeyDetails;
  return Math.ceil((d?.modulusLength ?? 0) / 8);
}

/**
 * At publication (issue item 3): for every section whose key model allows a custodian
 * fallback, generate the opening key pair, split the private key k-of-n (Shamir) among the
 * custodians named in the tender, seal each share to every valid certificate of that
 * custodian, store the public key and the sealed shares, and forget the private key. Runs
 * inside the publishing command's transaction; returns what the record entry shows.
 */
export async function createOpeningKeys(tx: Tx, config: Ctx["config"], p: Project, secs: Section[], now: Date) {
  const out: { section: string; kid: string; threshold: number; custodians: { role: string; certificates: string[] }[] }[] = [];
  for (const s of secs) {
    if (s.keyModel.model !== "bidder_with_custodian_fallback") continue;
    // A tender without an agency has no agency custodian (docs/decisions/010); the threshold must still be reachable.
    const custodians = s.keyModel.custodians
      .filter((role) => role !== "agency" || p.agencyId)
      .map((role, shareIndex) => ({ role, orgId: role === "tendering_unit" ? p.tenderingUnitId : role === "agency" ? p.agencyId : null, shareIndex }));
    if (custodians.length < s.keyModel.threshold) throw new DomainError("CUSTODIAN_CERT_MISSING", { custodian: "agency" });
    const holders: { role: string; orgId: string | null; shareIndex: number; certs: { id: string; fingerprint: string; publicKeySpki: string }[] }[] = [];
    for (const c of custodians) {
      const certs = await activeCertificatesFor(tx, config, CUSTODIAN_ROLE[c.role]!, c.orgId, now);
      if (!certs.length) throw new DomainError("CUSTODIAN_CERT_MISSING", { custodian: c.role });
      holders.push({ ...c, certs });
    }
    const { publicKey, privateKey } = await genKeyPair("rsa", { modulusLength: OPENING_KEY_BITS });
    const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
    let pkcs8: Uint8Array | null = new Uint8Array(privateKey.export({ type: "pkcs8", format: "der" }));
    const shares = await splitOpeningKey(pkcs8, custodians.length, s.keyModel.threshold);
    pkcs8.fill(0);
    pkcs8 = null; // never stored; the KeyObject goes out of scope with this iteration
    const kid = openingKid(s.id);
    await tx.insert(openingKeys).values({ sectionId: s.id, kid, publicKeySpki: toBase64(spki), threshold: s.keyModel.threshold, custodians });
    for (const h of holders) {
      for (const cert of h.certs) {
        const box = await sealBox(shares[h.shareIndex]!, { kid: cert.fingerprint, publicKeySpki: fromBase64(cert.publicKeySpki) }, { key: new Uint8Array(randomBytes(32)), iv: new Uint8Array(randomBytes(12)) });
        await tx.insert(openingKeyShares).values({ sectionId: s.id, shareIndex: h.shareIndex, custodianRole: h.role, certificateId: cert.id, box });
      }
    }
    for (const sh of shares) sh.fill(0);
    out.push({ section: s.code, kid, threshold: s.keyModel.threshold, custodians: holders.map((h) => ({ role: h.role, certificates: h.certs.map((c) => c.fingerprint) })) });
  }
  return out;
}

/** The section as a bidder sees it, with what the browser needs to seal (the opening key's public half). */
export async function bidContext(db: Executor, actor: Actor, sectionId: string) {
  requirePermission(actor, "bid:submit");
  if (!isUuid(sectionId)) throw new DomainError("NOT_FOUND");
  const [row] = await db
    .select({ s: sections, p: projects, key: openingKeys })
    .from(sections)
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .leftJoin(openingKeys, eq(openingKeys.sectionId, sections.id))
    .where(eq(sections.id, sectionId));
  if (!row || row.p.status === "draft" || row.s.status === "draft") throw new DomainError("NOT_FOUND");
  if (row.p.tenderingUnitId === actor.orgId || row.p.agencyId === actor.orgId) throw new DomainError("FORBIDDEN"); // R22
  return row;
}

async function lockSectionForBid(tx: Tx, actor: Actor, sectionId: string) {
  const row = await bidContext(tx, actor, sectionId);
  // Serialises this bidder's submissions per section; the deadline is read in this transaction.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`bid:${sectionId}:${actor.orgId}`}))`);
  return row;
}

function assertOpenForBids(p: Project, s: Section, now: Date, action: "submit" | "replace" | "withdraw") {
  const v = checkBidWindow(now, p.bidDeadline, action, formatCst(p.bidDeadline));
  if (v.length) throw new DomainError("RULE_VIOLATION", {}, v);
  if (p.status !== "published" || s.status !== "published") throw new DomainError("INVALID_STATE", { status: p.status === "published" ? s.status : p.status });
}

export type BeginUploadInput = { certificateId: string; chunkSize: number; files: DeclaredFile[]; recipients: Recipient[] };

/**
 * Starts (or restarts) a resumable upload: the declared layout and the wrapped content keys.
 * One open upload per user and section; a new one replaces an unfinished one. Not a record
 * entry: nothing is a bid until `completeBidUpload` accepts it.
 */
export async function beginBidUpload(ctx: Ctx, actor: Actor, sectionId: string, input: BeginUploadInput): Promise<{ uploadId: string }> {
  requirePermission(actor, "bid:submit");
  assertBeginUploadInput(input); // shape and bounds of the JSON body (app/domain/bid-input.ts)
  const layout = checkDeclaredLayout(input.chunkSize, input.files);
  if (layout.length) throw new DomainError("RULE_VIOLATION", {}, layout);
  if (!Array.isArray(input.recipients) || input.recipients.length > MAX_BID_RECIPIENTS) throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R18_RECIPIENTS")]);
  return ctx.db.transaction(async (tx) => {
    const now = await dbNow(tx);
    const { p, s } = await lockSectionForBid(tx, actor, sectionId);
    assertOpenForBids(p, s, now, "submit");
    const [cert] = await tx.select().from(certificates).where(eq(certificates.id, input.certificateId));
    assertUsable(cert, actor, now, trustedCaPems(ctx.config));
    await tx.delete(bidUploads).where(and(eq(bidUploads.sectionId, sectionId), eq(bidUploads.userId, actor.user!.id), eq(bidUploads.status, "open")));
    const [u] = await tx
      .insert(bidUploads)
      .values({
        sectionId,
        orgId: actor.orgId!,
        userId: actor.user!.id,
        certificateId: cert!.id,
        chunkSize: input.chunkSize,
        files: input.files.map((f) => ({ index: f.index, name: f.name, size: f.size })),
        recipients: input.recipients.map((r) => ({ kid: String(r.kid), alg: r.alg, wrappedKey: String(r.wrappedKey) })),
        totalBytes: input.files.reduce((a, f) => a + f.size, 0),
        ip: actor.ip,
        userAgent: actor.userAgent?.slice(0, 400) ?? null,
      })
      .returning({ id: bidUploads.id });
    return { uploadId: u!.id };
  });
}

/**
 * The caller's unfinished upload for a section, with the chunks already stored (to resume). Chunks written in an
 * earlier boot of the machine and never made durable are re-verified first (ADR 032): one that did not survive is
 * forgotten, so the client sends it again.
 */
export async function openUpload(ctx: Pick<AppContext, "db" | "blobs">, actor: Actor, sectionId: string) {
  const db = ctx.db;
  if (!actor.user || !isUuid(sectionId)) return null;
  const [u] = await db
    .select()
    .from(bidUploads)
    .where(and(eq(bidUploads.sectionId, sectionId), eq(bidUploads.userId, actor.user.id), eq(bidUploads.status, "open")));
  if (!u) return null;
  await makeChunksDurable(ctx, u.id, { earlierBootsOnly: true });
  const chunks = await db
    .select({ fileIndex: bidUploadChunks.fileIndex, chunkIndex: bidUploadChunks.chunkIndex, sha256: bidUploadChunks.sha256 })
    .from(bidUploadChunks)
    .where(eq(bidUploadChunks.uploadId, u.id))
    .orderBy(asc(bidUploadChunks.fileIndex), asc(bidUploadChunks.chunkIndex));
  return { uploadId: u.id, certificateId: u.certificateId, chunkSize: u.chunkSize, files: u.files, recipients: u.recipients, totalBytes: u.totalBytes, chunks };
}

async function ownedOpenUpload(db: Executor, actor: Actor, uploadId: string, position?: { fileIndex: number; chunkIndex: number }) {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  if (!isUuid(uploadId)) throw new DomainError("UPLOAD_NOT_FOUND");
  // The hash already stored at a chunk position, when one is asked for (a valid one: others name no chunk).
  const at = position && isPgInteger(position.fileIndex) && isPgInteger(position.chunkIndex) ? position : null;
  const storedAt = at
    ? sql<string | null>`(select c.sha256 from ${bidUploadChunks} c where c.upload_id = ${bidUploads.id} and c.file_index = ${at.fileIndex} and c.chunk_index = ${at.chunkIndex})`
    : sql<string | null>`null`;
  const [row] = await db
    .select({ u: bidUploads, deadline: projects.bidDeadline, passed: sql<boolean>`now() >= ${projects.bidDeadline}`, storedAt })
    .from(bidUploads)
    .innerJoin(sections, eq(sections.id, bidUploads.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(and(eq(bidUploads.id, uploadId), eq(bidUploads.userId, actor.user.id), eq(bidUploads.status, "open")));
  if (!row) throw new DomainError("UPLOAD_NOT_FOUND");
  return row;
}

/**
 * Stores one ciphertext chunk (streamed to the blob store). Checked against the declared layout (exact length), the
 * deadline (database clock: late chunks are pointless) and R18 (a chunk that looks like plaintext is refused).
 * Idempotent: a re-sent identical chunk is accepted again.
 *
 * A refused PUT leaves nothing in the blob store: what can be checked before a byte is read (the upload is the
 * caller's and open, the deadline, the position, the declared `Content-Length`, the checksum's format) is checked
 * first; the body is then only staged, and published under its hash just before the one statement that records the
 * chunk, after every check on its bytes passed. Only what that statement refuses — the upload completed, discarded or
 * past its deadline while the body streamed, or a racing different chunk for the position — leaves a published but
 * unreferenced blob, which the hourly sweep removes. A staged chunk is never another row's blob, so a refusal never
 * deletes shared content.
 *
 * Durability (ADR 032): an acknowledged chunk is in the blob store's files and its row is committed, so it survives
 * the death of the server process; it is fsynced by the completing command (`makeChunksDurable`), not here, and a
 * chunk written in an earlier boot of the machine is re-verified before anything trusts it (resume, completion).
 */
export async function putBidChunk(
  ctx: Pick<AppContext, "db" | "blobs">,
  actor: Actor,
  uploadId: string,
  fileIndex: number,
  chunkIndex: number,
  body: AsyncIterable<Uint8Array>,
  expectedSha256?: string | null,
  /** The request's Content-Length, when it declared one: a wrong one is refused before reading. */
  declaredLength?: number | null,
): Promise<{ sha256: string; size: number }> {
  const { u, deadline, passed, storedAt } = await ownedOpenUpload(ctx.db, actor, uploadId, { fileIndex, chunkIndex });
  if (passed) throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R19_DEADLINE_PASSED", { deadline: formatCst(deadline) })]);
  const file = Number.isSafeInteger(fileIndex) ? u.files[fileIndex] : undefined;
  const expected = file && Number.isSafeInteger(chunkIndex) ? chunkLength(file.size, u.chunkSize, chunkIndex) : -1;
  if (expected < 0) throw new DomainError("UPLOAD_INVALID", { reason: "chunk index" });
  if (declaredLength !== undefined && declaredLength !== null && declaredLength !== expected) throw new DomainError("UPLOAD_INVALID", { reason: "chunk length" });
  if (expectedSha256 && !/^[0-9a-f]{64}$/i.test(expectedSha256)) throw new DomainError("UPLOAD_INVALID", { reason: "checksum" });
  let head: Uint8Array | null = null;
  async function* tap() {
    for await (const part of body) {
      if (!head) head = part.subarray(0, 64 * 1024);
      else if (head.length < 64 * 1024) head = concat(head, part.subarray(0, 64 * 1024 - head.length));
      yield part;
    }
  }
  const bootId = ctx.blobs.volatileBoot();
  let staged: StagedBlob;
  try {
    staged = await ctx.blobs.stage(tap(), { maxBytes: expected, durable: bootId === null });
  } catch (e) {
    if (e instanceof BlobTooLargeError) throw new DomainError("UPLOAD_INVALID", { reason: "chunk length" });
    throw e;
  }
  try {
    if (staged.size !== expected) throw new DomainError("UPLOAD_INVALID", { reason: "chunk length" });
    if (expectedSha256 && expectedSha256.toLowerCase() !== staged.sha256) throw new DomainError("UPLOAD_INVALID", { reason: "checksum" });
    if (looksUnencrypted(head ?? new Uint8Array(0))) throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R18_PLAINTEXT")]);
    // Different content for a stored position is refused before it is published (the statement below refuses it
    // again if two such PUTs race; the loser's blob is then unreferenced and swept, never another row's deleted).
    if (storedAt && storedAt !== staged.sha256) throw DIFFERENT_CONTENT();
    // Published before its row exists: a committed row never names a missing blob; if the statement below refuses
    // or fails, the blob is unreferenced and the hourly sweep removes it.
    await staged.commit();
    const [out] = rowsOf<{ status: string | null; passed: boolean | null; fresh: boolean | null }>(
      await ctx.db.execute(recordChunkStatement(ctx.db, uploadId, fileIndex, chunkIndex, staged.sha256, staged.size, bootId)),
    );
    // The upload may have been completed, discarded or cleaned up, or the deadline passed, while the body streamed:
    // re-checked under the row lock `completeBidUpload` also takes.
    if (!out || out.status !== "open") throw new DomainError("UPLOAD_NOT_FOUND");
    if (out.passed) throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R19_DEADLINE_PASSED", { deadline: formatCst(deadline) })]);
    if (out.fresh === null) throw DIFFERENT_CONTENT();
  } finally {
    await staged.discard(); // no-op once committed
  }
  return { sha256: staged.sha256, size: staged.size };
}

const DIFFERENT_CONTENT = () => new DomainError("UPLOAD_INVALID", { reason: "chunk already stored with different content" });

/**
 * One statement (one round trip, atomic on its own): lock the upload row, check it is open and before the deadline
 * (database clock), record the chunk — or accept a re-sent identical chunk; a different ciphertext for a stored
 * position means different plaintext under the same key and nonce, so nothing is recorded and `fresh` is null (no
 * GCM nonce reuse) — and count its bytes. On a PostgreSQL server the commit is asynchronous: the server keeps it
 * when this process dies, and the completing command's synchronous commit flushes it with everything before it
 * (ADR 032); the embedded database dies with this process, so there the commit stays synchronous.
 */
function recordChunkStatement(db: Executor, uploadId: string, fileIndex: number, chunkIndex: number, sha256: string, size: number, bootId: string | null) {
  const asyncCommit = survivesOurDeath(db) ? sql`select set_config('synchronous_commit', 'off', true) as v` : sql`select 'on' as v`;
  return sql`
    with cfg as (${asyncCommit}),
    up as (
      select u.id, u.status, now() >= p.bid_deadline as passed
        from ${bidUploads} u
        join ${sections} s on s.id = u.section_id
        join ${projects} p on p.id = s.project_id
       where u.id = ${uploadId}::uuid and (select v from cfg) is not null
         for update of u
    ),
    chunk as (
      insert into ${bidUploadChunks} (upload_id, file_index, chunk_index, sha256, size, boot_id)
      select id, ${fileIndex}, ${chunkIndex}, ${sha256}, ${size}, ${bootId} from up where status = 'open' and not passed
      on conflict (upload_id, file_index, chunk_index) do update set at = now()
        where ${bidUploadChunks}.sha256 = excluded.sha256
      returning (xmax = 0) as fresh
    ),
    counted as (
      update ${bidUploads}
         set last_activity_at = now(),
             stored_bytes = stored_bytes + (select case when fresh then ${size}::bigint else 0 end from chunk)
       where id = ${uploadId}::uuid and exists (select 1 from chunk)
    )
    select (select status from up) as status, (select passed from up) as passed, (select fresh from chunk) as fresh`;
}

/**
 * Makes every chunk of an upload durable before a bid may exist on it (ADR 032): chunks written in this boot of the
 * machine are in the page cache and only need fsync; a chunk written in an earlier boot (the machine crashed or
 * restarted since) is re-read and checked against its hash first, and forgotten if it did not survive (its row is
 * deleted: the resume protocol then sends it again). Returns how many chunks were forgotten. Idempotent.
 */
export async function makeChunksDurable(ctx: Pick<AppContext, "db" | "blobs">, uploadId: string, opts: { earlierBootsOnly?: boolean } = {}): Promise<number> {
  const current = ctx.blobs.volatileBoot();
  const all = await ctx.db
    .select({ fileIndex: bidUploadChunks.fileIndex, chunkIndex: bidUploadChunks.chunkIndex, sha256: bidUploadChunks.sha256, size: bidUploadChunks.size, bootId: bidUploadChunks.bootId })
    .from(bidUploadChunks)
    .where(and(eq(bidUploadChunks.uploadId, uploadId), isNotNull(bidUploadChunks.bootId)));
  const pending = opts.earlierBootsOnly ? all.filter((c) => c.bootId !== current) : all;
  if (!pending.length) return 0;
  const lost: typeof pending = [];
  const kept: typeof pending = [];
  for (const c of pending) {
    if (c.bootId === current || (await ctx.blobs.verify(c.sha256, c.size))) kept.push(c);
    else lost.push(c);
  }
  if (kept.length) await ctx.blobs.sync(kept.map((c) => c.sha256));
  const key = (c: { fileIndex: number; chunkIndex: number }) => sql`(${c.fileIndex}, ${c.chunkIndex})`;
  if (kept.length) {
    await ctx.db.execute(sql`
      update ${bidUploadChunks} set boot_id = null
       where upload_id = ${uploadId}::uuid and (file_index, chunk_index) in (${sql.join(kept.map(key), sql`, `)}) and boot_id is not null`);
  }
  if (lost.length) {
    const gone = rowsOf<{ size: number }>(
      await ctx.db.execute(sql`
        delete from ${bidUploadChunks}
         where upload_id = ${uploadId}::uuid and (file_index, chunk_index) in (${sql.join(lost.map(key), sql`, `)}) and boot_id is not null
        returning size`),
    );
    const bytes = gone.reduce((a, r) => a + Number(r.size), 0);
    if (bytes) await ctx.db.update(bidUploads).set({ storedBytes: sql`greatest(${bidUploads.storedBytes} - ${bytes}, 0)` }).where(eq(bidUploads.id, uploadId));
  }
  return lost.length;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export type CompletedBid = { bidId: string; version: number; receipt: string; manifestSha256: string; receivedAt: string };

/**
 * Accepts a bid (R19–R21): in one transaction, with the database clock, the deadline is
 * checked, every declared chunk must be stored with the hash the signed manifest names, the
 * manifest must verify with the bidder's (unrevoked, trusted) certificate and wrap the
 * content key for the bidder and the section's opening key. The previous version, if any,
 * becomes `replaced`. The platform signs the receipt (回执) in the same transaction.
 */
export async function completeBidUpload(ctx: Ctx & Pick<AppContext, "blobs">, actor: Actor, uploadId: string, input: { manifest: Manifest; signature: string }): Promise<CompletedBid> {
  assertCompleteUploadInput(input); // shape and bounds of the JSON body (app/domain/bid-input.ts)
  // Every stored chunk durable (fsynced; re-verified if written before a reboot) before the command may accept the
  // bid; a chunk that did not survive is forgotten and the manifest check below names it missing (ADR 032).
  const { u: pre } = await ownedOpenUpload(ctx.db, actor, uploadId);
  await makeChunksDurable(ctx, uploadId);
  // The bidder's signature is checked before the command takes the section's lock (an RSA verification in the thread
  // pool need not hold it): it depends only on the manifest and the certificate's key, which never changes; which
  // certificate may be used, and everything else, is checked under the lock.
  const [signer] = await ctx.db.select({ id: certificates.id, publicKeySpki: certificates.publicKeySpki }).from(certificates).where(eq(certificates.id, pre.certificateId));
  let sigOk = false;
  try {
    sigOk = !!signer && (await verifyManifest(input.manifest, fromBase64(input.signature), await importVerifyKey(fromBase64(signer.publicKeySpki))));
  } catch {
    sigOk = false;
  }
  return runCommand(ctx, actor, "bid.submit", async ({ tx, now }) => {
    const { u } = await ownedOpenUpload(tx, actor, uploadId);
    const { p, s, key } = await lockSectionForBid(tx, actor, u.sectionId);
    const [current] = await tx.select().from(bids).where(and(eq(bids.sectionId, s.id), eq(bids.orgId, actor.orgId!), eq(bids.status, "submitted")));
    assertOpenForBids(p, s, now, current ? "replace" : "submit");
    const [locked] = await tx.select().from(bidUploads).where(eq(bidUploads.id, uploadId)).for("update");
    if (!locked || locked.status !== "open") throw new DomainError("UPLOAD_NOT_FOUND");
    const [cert] = await tx.select().from(certificates).where(eq(certificates.id, u.certificateId));
    assertUsable(cert, actor, now, trustedCaPems(ctx.config));
    // A chunk stored after `makeChunksDurable` ran (a racing re-send of a missing position) is not durable yet: the
    // bid does not count it (the manifest check names it missing; completing again makes it durable).
    const stored = new Map(
      (await tx.select().from(bidUploadChunks).where(and(eq(bidUploadChunks.uploadId, uploadId), isNull(bidUploadChunks.bootId)))).map((c) => [`${c.fileIndex}:${c.chunkIndex}`, c.sha256] as const),
    );
    const bidderSpki = fromBase64(cert!.publicKeySpki);
    const m = input.manifest;
    const problems = checkManifest(
      m,
      { chunkSize: u.chunkSize, files: u.files, stored },
      { bidder: cert!.fingerprint, opening: key?.kid ?? null, rsaBytes: { bidder: rsaBytesOf(bidderSpki), opening: key ? rsaBytesOf(fromBase64(key.publicKeySpki)) : null } },
    );
    // The recipients must be the ones declared when the upload began (they were used to resume).
    if (!problems.length && canonicalJson(m.recipients) !== canonicalJson(u.recipients)) problems.push(violation("RULE_R18_MALFORMED", { detail: "recipients changed" }));
    if (problems.length) throw new DomainError("RULE_VIOLATION", {}, problems);
    if (!sigOk || u.certificateId !== signer?.id) throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R18_SIGNATURE")]);

    const manifestSha256 = createHash("sha256").update(manifestBytes(m)).digest("hex");
    const [{ v } = { v: 0 }] = await tx
      .select({ v: max(bids.version) })
      .from(bids)
      .where(and(eq(bids.sectionId, s.id), eq(bids.orgId, actor.orgId!)));
    const version = (v ?? 0) + 1;
    if (current) await tx.update(bids).set({ status: "replaced", closedAt: now }).where(eq(bids.id, current.id));
    const [org] = await tx.select({ name: organisations.name, creditCode: organisations.creditCode }).from(organisations).where(eq(organisations.id, actor.orgId!));
    const bidId = randomUUID();
    const payload: ReceiptPayload = {
      typ: "tenderhall.bid-receipt.v1",
      receiptId: bidId,
      project: { id: p.id, code: p.code, title: p.title },
      section: { id: s.id, code: s.code, title: s.title },
      bidder: { orgId: actor.orgId!, name: org!.name, creditCode: org!.creditCode },
      version,
      manifestSha256,
      totalBytes: u.totalBytes,
      certificate: cert!.fingerprint,
      receivedAt: now.toISOString(),
    };
    const receipt = await signReceipt(payload, platformSigningKey(ctx.config));
    await tx.insert(bids).values({
      id: bidId,
      sectionId: s.id,
      orgId: actor.orgId!,
      version,
      uploadId,
      certificateId: cert!.id,
      manifest: m,
      manifestSha256,
      signature: input.signature,
      totalBytes: u.totalBytes,
      receipt,
      submittedBy: actor.user!.id,
      ip: u.ip,
      userAgent: u.userAgent,
      receivedAt: now,
    });
    await tx.update(bidUploads).set({ status: "completed", lastActivityAt: now }).where(eq(bidUploads.id, uploadId));
    return {
      result: { bidId, version, receipt, manifestSha256, receivedAt: now.toISOString() },
      subjectType: "bid",
      subjectId: bidId,
      payload: { sectionId: s.id, version, manifestSha256, totalBytes: u.totalBytes, certificate: cert!.fingerprint, replaces: current?.version ?? null },
      events: [{ channel: channels.user(actor.user!.id), type: "bid.received", data: { sectionId: s.id, version } }],
    };
  });
}

/** Withdraws the bidder's current bid before the deadline (R21). */
export async function withdrawBid(ctx: Ctx, actor: Actor, sectionId: string): Promise<void> {
  await runCommand(ctx, actor, "bid.withdraw", async ({ tx, now }) => {
    const { p, s } = await lockSectionForBid(tx, actor, sectionId);
    assertOpenForBids(p, s, now, "withdraw");
    const [current] = await tx.select().from(bids).where(and(eq(bids.sectionId, s.id), eq(bids.orgId, actor.orgId!), eq(bids.status, "submitted")));
    if (!current) throw new DomainError("NOT_FOUND");
    await tx.update(bids).set({ status: "withdrawn", closedAt: now }).where(eq(bids.id, current.id));
    return {
      result: undefined,
      subjectType: "bid",
      subjectId: current.id,
      payload: { sectionId: s.id, version: current.version },
      events: [{ channel: channels.user(actor.user!.id), type: "bid.withdrawn", data: { sectionId: s.id } }],
    };
  });
}

/** One stored ciphertext chunk of the caller's own open upload (the bid form, to resume after a reload). */
export async function readOwnChunk(ctx: Pick<AppContext, "db" | "blobs">, actor: Actor, uploadId: string, fileIndex: number, chunkIndex: number) {
  // Indices are PostgreSQL integers: anything outside names no chunk (and must not reach the query).
  if (!isPgInteger(fileIndex) || !isPgInteger(chunkIndex) || fileIndex < 0 || chunkIndex < 0) throw new DomainError("NOT_FOUND");
  await ownedOpenUpload(ctx.db, actor, uploadId);
  const [c] = await ctx.db
    .select({ sha256: bidUploadChunks.sha256 })
    .from(bidUploadChunks)
    .where(and(eq(bidUploadChunks.uploadId, uploadId), eq(bidUploadChunks.fileIndex, fileIndex), eq(bidUploadChunks.chunkIndex, chunkIndex)));
  if (!c) throw new DomainError("NOT_FOUND");
  return ctx.blobs.get(c.sha256);
}

/** Discards the caller's unfinished upload (its chunks become garbage for the blob sweep). */
export async function discardUpload(ctx: Pick<AppContext, "db">, actor: Actor, uploadId: string): Promise<void> {
  await ownedOpenUpload(ctx.db, actor, uploadId);
  await ctx.db.delete(bidUploads).where(and(eq(bidUploads.id, uploadId), eq(bidUploads.status, "open")));
}

/**
 * Abandoned partial uploads are removed: idle for `idleMs`, or their section's deadline has
 * passed (they can never complete). Their chunk blobs are then swept as unreferenced.
 */
export async function cleanupAbandonedUploads(db: Executor, idleMs = 24 * 3600_000): Promise<number> {
  const stale = await db
    .select({ id: bidUploads.id })
    .from(bidUploads)
    .innerJoin(sections, eq(sections.id, bidUploads.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(and(eq(bidUploads.status, "open"), or(lt(bidUploads.lastActivityAt, sql`now() - ${`${idleMs} milliseconds`}::interval`), sql`now() >= ${projects.bidDeadline}`)));
  if (!stale.length) return 0;
  await db.delete(bidUploads).where(inArray(bidUploads.id, stale.map((r) => r.id)));
  return stale.length;
}

/** The bidder's own view of its bid for a section: every version (only its own organisation's). */
export async function myBids(db: Executor, actor: Actor, sectionId: string) {
  if (!actor.orgId || !hasPermission(actor.roles, "bid:submit")) return [];
  return db
    .select({
      id: bids.id,
      version: bids.version,
      status: bids.status,
      manifestSha256: bids.manifestSha256,
      totalBytes: bids.totalBytes,
      receivedAt: bids.receivedAt,
      closedAt: bids.closedAt,
      sealedBeforeAmendment: bids.sealedBeforeAmendment,
      files: sql<number>`jsonb_array_length(${bids.manifest} -> 'files')`,
    })
    .from(bids)
    .where(and(eq(bids.sectionId, sectionId), eq(bids.orgId, actor.orgId)))
    .orderBy(desc(bids.version));
}

/** A receipt, only for the bidder's own organisation. */
export async function bidReceipt(db: Executor, actor: Actor, bidId: string) {
  if (!actor.orgId || !isUuid(bidId)) throw new DomainError("NOT_FOUND");
  const [row] = await db.select({ receipt: bids.receipt, orgId: bids.orgId, version: bids.version, sectionId: bids.sectionId }).from(bids).where(eq(bids.id, bidId));
  if (!row || row.orgId !== actor.orgId) throw new DomainError("NOT_FOUND");
  return row;
}

/** Supervisors see how many sealed bids each section holds, never who (issue item 6). */
export async function sealedBidCounts(db: Executor, actor: Actor, projectId: string): Promise<Map<string, number>> {
  requirePermission(actor, "supervise:read");
  const rows = await db
    .select({ sectionId: bids.sectionId, n: count() })
    .from(bids)
    .innerJoin(sections, eq(sections.id, bids.sectionId))
    .where(and(eq(sections.projectId, projectId), eq(bids.status, "submitted")))
    .groupBy(bids.sectionId);
  return new Map(rows.map((r) => [r.sectionId, Number(r.n)]));
}

/** The section's opening key and its custodians, as recorded at publication (public information). */
export async function openingKeyOf(db: Executor, sectionId: string) {
  const [k] = await db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
  if (!k) return null;
  const shares = await db
    .select({ shareIndex: openingKeyShares.shareIndex, role: openingKeyShares.custodianRole, holder: certificates.subjectCn, org: certificates.subjectO })
    .from(openingKeyShares)
    .innerJoin(certificates, eq(certificates.id, openingKeyShares.certificateId))
    .where(eq(openingKeyShares.sectionId, sectionId))
    .orderBy(asc(openingKeyShares.shareIndex));
  return { ...k, shares };
}

/** Marks sealed bids of a project as predating an amendment that affects bid preparation. Returns the bidders' organisations. */
export async function flagBidsSealedBefore(tx: Tx, projectId: string, amendmentSeq: number): Promise<string[]> {
  const rows = await tx
    .update(bids)
    .set({ sealedBeforeAmendment: amendmentSeq })
    .where(and(eq(bids.status, "submitted"), inArray(bids.sectionId, tx.select({ id: sections.id }).from(sections).where(eq(sections.projectId, projectId)))))
    .returning({ orgId: bids.orgId });
  return [...new Set(rows.map((r) => r.orgId))];
}

/** A value a PostgreSQL `integer` column can hold. */
function isPgInteger(n: number): boolean {
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647;
}
