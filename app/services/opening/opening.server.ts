import { createDecipheriv, createHash } from "node:crypto";
import { and, asc, eq, isNull } from "drizzle-orm";
import { combineShares, openingKid } from "#crypto/opening-key";
import { importUnwrapKey, importVerifyKey } from "#crypto/keys";
import { fromBase64, type Manifest, type ManifestFile } from "#crypto/seal/format";
import { openFile, unwrapContentKeyRaw, verifyManifest, type OpenOptions } from "#crypto/seal/open";
import { manifestBytes, type HashOptions } from "#crypto/seal/seal";
import type { Executor, Tx } from "#db/client";
import {
  bidOpenings,
  bids,
  certificates,
  openingCheckins,
  openingConfirmations,
  openingKeys,
  openingKeyShares,
  openingObjections,
  openings,
  openingShareReleases,
  organisations,
  projects,
  sections,
  type BidOpening,
  type Opening,
} from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import {
  afterDecryption,
  checkBidderRelease,
  checkClose,
  checkCustodianRelease,
  checkFailureDecision,
  checkHallOpen,
  checkMinimumBids,
  checkObjection,
  decryptionEndsAt,
  failureOutcome,
  phaseAfterWindow,
  readingRows,
  readSealedForm,
  sealedFilesMatch,
  type BidOpeningState,
  type OpeningPhase,
} from "#app/domain/rules/opening";
import { capitalsOrBlank, formatMoney } from "#app/domain/money";
import { getProfile } from "#app/domain/rules/profiles";
import { violation, type RuleViolation } from "#app/domain/rules/violations";
import { formatCst } from "#app/domain/tender-form";
import { systemActor, type Actor } from "../platform/actor";
import { readBlob } from "../platform/blob-store.server";
import { consumeChallenge } from "../platform/certificates.server";
import { signOfficial } from "../platform/official-pdf.server";
import { dbNow, requirePermission, runCommand, runOptionalCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { scheduleJob } from "../platform/jobs.server";
import { notifyOrganisations } from "../platform/notify.server";
import zhRules from "#app/locales/zh-CN/rules.json";
import { channels } from "../platform/live-channels.server";
import { publishRelease } from "../open-data/releases.server";
import { sealContentKey } from "./content-key.server";
import { localBlobPath, uploadChunkShas } from "./plaintext.server";
import { verifyPool, VerifyWorkerError } from "./verify-pool.server";

/**
 * The online opening hall (不见面开标, docs/rules.md R24–R30). Every state change is a command
 * (one transaction with its record entry and live event on `opening:<sectionId>`). Events on
 * that channel carry only what is public at that moment: counts and who checked in during
 * decryption, names and prices only in the 唱标 once every bid is opened or decided (R26).
 *
 * Decryption runs outside the command's transaction (it reads every chunk; ADR 031: it writes no plaintext), then the
 * command re-checks the bid is still pending and records the result.
 */

type Ctx = Pick<AppContext, "db" | "blobs" | "config">;
const rule = (v: RuleViolation[]) => {
  if (v.length) throw new DomainError("RULE_VIOLATION", {}, v);
};

async function sectionRow(db: Executor, sectionId: string) {
  const [row] = await db.select({ s: sections, p: projects }).from(sections).innerJoin(projects, eq(projects.id, sections.projectId)).where(eq(sections.id, sectionId));
  if (!row) throw new DomainError("NOT_FOUND");
  return row;
}

async function lockOpening(tx: Tx, sectionId: string): Promise<Opening> {
  const [o] = await tx.select().from(openings).where(eq(openings.sectionId, sectionId)).for("update");
  if (!o) throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R24_HALL_NOT_OPEN", { deadline: formatCst((await sectionRow(tx, sectionId)).p.bidDeadline) })]);
  return o;
}

/** The tendering side of this section (tendering unit or its agency) may run the opening. */
function assertRunsOpening(actor: Actor, p: { tenderingUnitId: string; agencyId: string | null }) {
  requirePermission(actor, "opening:run");
  if (actor.orgId !== p.tenderingUnitId && actor.orgId !== p.agencyId) throw new DomainError("FORBIDDEN");
}

/** Schedules the hall to open at the section's bid deadline (jobs survive restarts; idempotent). */
export async function scheduleOpening(tx: Tx | Executor, sectionId: string, deadline: Date) {
  await scheduleJob(tx, { kind: "opening.open", dueAt: deadline, payload: { sectionId }, dedupeKey: `opening.open:${sectionId}:${deadline.toISOString()}` });
}

/**
 * R24/R25: opens the hall at the deadline. With fewer bids than the profile's minimum the
 * section fails (流标) at once; otherwise every submitted bid enters the decryption window.
 * Idempotent (a job may run twice); a job that comes early (the deadline moved) does nothing.
 */
export async function openHall(ctx: Ctx, sectionId: string): Promise<OpeningPhase | null> {
  return runCommandOrSkip(ctx, "opening.open", sectionId, async (tx, now) => {
    const { s, p } = await sectionRow(tx, sectionId);
    const [existing] = await tx.select().from(openings).where(eq(openings.sectionId, sectionId)).for("update");
    if (existing || s.status !== "published" || p.status !== "published") return null;
    if (checkHallOpen(now, p.bidDeadline, formatCst(p.bidDeadline)).length) return null;
    const submitted = await tx.select({ id: bids.id, orgId: bids.orgId }).from(bids).where(and(eq(bids.sectionId, sectionId), eq(bids.status, "submitted")));
    const failure = checkMinimumBids(submitted.length, getProfile(p.regime));
    const phase: OpeningPhase = failure.length ? "failed" : "decryption";
    await tx.insert(openings).values({
      sectionId,
      phase,
      openedAt: now,
      decryptionEndsAt: decryptionEndsAt(now, p.decryptionWindowMinutes),
      phaseChangedAt: now,
      bidCount: submitted.length,
      failure: failure.length ? failure : null,
    });
    await tx.update(sections).set({ status: failure.length ? "failed" : "opening" }).where(eq(sections.id, sectionId));
    if (submitted.length) await tx.insert(bidOpenings).values(submitted.map((b) => ({ bidId: b.id, sectionId, orgId: b.orgId })));
    if (failure.length) await scheduleFailureNotice(tx, sectionId, now);
    else await scheduleJob(tx, { kind: "opening.window_end", dueAt: decryptionEndsAt(now, p.decryptionWindowMinutes), payload: { sectionId }, dedupeKey: `opening.window_end:${sectionId}` });
    return {
      result: phase,
      payload: { phase, bidCount: submitted.length, decryptionEndsAt: decryptionEndsAt(now, p.decryptionWindowMinutes).toISOString(), failure },
      event: { type: "opening.opened", data: { phase, bidCount: submitted.length, failure } },
    };
  });
}

/** Runs a system command for a section; `body` returning null means nothing to do (no record entry). */
async function runCommandOrSkip<T>(
  ctx: Ctx,
  action: string,
  sectionId: string,
  body: (tx: Tx, now: Date) => Promise<{ result: T; payload: Record<string, unknown>; event: { type: string; data: Record<string, unknown> } } | null>,
  actor: Actor = systemActor(),
): Promise<T | null> {
  try {
    return await runCommand(ctx, actor, action, async ({ tx, now }) => {
      const out = await body(tx, now);
      if (!out) throw new Skip();
      return { result: out.result, subjectType: "section", subjectId: sectionId, payload: out.payload, events: [{ channel: channels.opening(sectionId), type: out.event.type, data: out.event.data }] };
    });
  } catch (e) {
    if (e instanceof Skip) return null;
    throw e;
  }
}
class Skip extends Error {}

/** R24: a bidder checks in by signing a challenge (purpose `checkin:<sectionId>`) with its certificate. */
export async function checkIn(ctx: Ctx, actor: Actor, sectionId: string, proof: { nonce: string; certificateId: string; signature: string }) {
  requirePermission(actor, "opening:attend");
  return runCommand(ctx, actor, "opening.check_in", async ({ tx, now }) => {
    const o = await lockOpening(tx, sectionId);
    if (o.phase === "closed" || o.phase === "failed") throw new DomainError("INVALID_STATE", { status: o.phase });
    const [mine] = await tx.select({ id: bidOpenings.bidId }).from(bidOpenings).where(and(eq(bidOpenings.sectionId, sectionId), eq(bidOpenings.orgId, actor.orgId!)));
    if (!mine) throw new DomainError("FORBIDDEN");
    const { cert } = await consumeChallenge(tx, ctx.config, actor, now, { ...proof, purpose: `checkin:${sectionId}` });
    await tx
      .insert(openingCheckins)
      .values({ sectionId, orgId: actor.orgId!, userId: actor.user!.id, certificateId: cert!.id, at: now, ip: actor.ip, userAgent: actor.userAgent?.slice(0, 400) ?? null })
      .onConflictDoNothing();
    const [org] = await tx.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, actor.orgId!));
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { orgId: actor.orgId, certificate: cert!.fingerprint },
      events: [{ channel: channels.opening(sectionId), type: "opening.checked_in", data: { bidder: org!.name } }],
    };
  });
}

/**
 * The stored manifest still carries the bidder's valid signature and the hash the receipt was
 * issued over: a manifest altered after submission (chunk hashes, recipients) opens nothing.
 */
async function manifestVerifies(db: Executor, b: { manifest: Manifest; signature: string; manifestSha256: string; certificateId: string }): Promise<boolean> {
  const [cert] = await db.select({ spki: certificates.publicKeySpki }).from(certificates).where(eq(certificates.id, b.certificateId));
  if (!cert) return false;
  try {
    const bytes = manifestBytes(b.manifest);
    if (createHash("sha256").update(bytes).digest("hex") !== b.manifestSha256) return false;
    return await verifyManifest(b.manifest, fromBase64(b.signature), await importVerifyKey(fromBase64(cert.spki)));
  } catch {
    return false;
  }
}

/** Native SHA-256 for the plaintext stream and the ciphertext chunks (same values as the portable default). */
const NODE_HASHING: HashOptions = {
  createSha256: () => {
    const h = createHash("sha256");
    return { update: (b: Uint8Array) => h.update(b), digest: () => new Uint8Array(h.digest()) };
  },
  digestChunk: (ct) => new Uint8Array(createHash("sha256").update(ct).digest()),
};

/** AES-256-GCM decryption of one chunk (ciphertext ‖ 16-byte tag) with node:crypto; throws when the tag fails. */
function gcmDecrypt(rawKey: Uint8Array, ct: Uint8Array, iv: Uint8Array, aad: Uint8Array): Uint8Array {
  if (ct.length < 16) throw new Error("short chunk");
  const d = createDecipheriv("aes-256-gcm", rawKey, iv, { authTagLength: 16 });
  d.setAAD(aad);
  d.setAuthTag(ct.subarray(ct.length - 16));
  const head = d.update(ct.subarray(0, ct.length - 16));
  const tail = d.final();
  return tail.length ? new Uint8Array(Buffer.concat([head, tail])) : new Uint8Array(head.buffer, head.byteOffset, head.length);
}

/**
 * A bid whose chunks all authenticate but whose sealed bid form (file 0) does not parse, or does not list the files
 * the manifest describes (R26, docs/sealed-bid-format.md §7 step 5). `detail` is the refusal's reason code.
 */
class SealedFormRefused extends Error {
  constructor(readonly detail: "form_unreadable" | "form_files_mismatch") {
    super(detail);
  }
}

/**
 * Opens one bid with its content key without writing its plaintext (docs/decisions/031-opening-without-plaintext-writes.md).
 * The bid form (file 0, small) is decrypted here, read and checked against the manifest's file list (R26, §7 step 5)
 * before anything else: a bid that cannot open is not decrypted further (`SealedFormRefused`). Every other file is
 * verified in the worker pool — each ciphertext chunk's SHA-256 against the signed manifest, its GCM tag under the
 * position-bound nonce and AAD, the plaintext's size and SHA-256 (hashed once) — and its plaintext dropped; the files
 * of one bid run side by side. What is kept: the manifest's plaintext hashes (verified) and the content key, sealed to
 * the platform, with which the review room and the archive decrypt on read (`openPlaintext`).
 */
async function decryptBid(ctx: Ctx, bid: { id: string; uploadId: string; manifest: Manifest }, rawKey: Uint8Array) {
  const shas = await uploadChunkShas(ctx.db, bid.uploadId);
  const [first, ...rest] = bid.manifest.files;
  if (!first || first.index !== 0) throw new SealedFormRefused("form_unreadable"); // refused at submission anyway
  const formParts: Uint8Array[] = [];
  await openOnThisThread(ctx, first, shas.get(0) ?? [], rawKey, async (pt) => {
    formParts.push(pt);
  });
  const form = readSealedForm(new Uint8Array(Buffer.concat(formParts)));
  if (!form) throw new SealedFormRefused("form_unreadable");
  if (!sealedFilesMatch(bid.manifest.files, form)) throw new SealedFormRefused("form_files_mismatch");
  await Promise.all(
    rest.map(async (f) => {
      const chunkShas = shas.get(f.index) ?? [];
      const paths = chunkShas.map((sha) => localBlobPath(ctx.blobs, sha));
      if (paths.every((x): x is string => x !== null)) await verifyPool().verifyFile(rawKey, f, paths.map((path) => ({ path })));
      else await openOnThisThread(ctx, f, chunkShas, rawKey, async () => undefined); // a store without local files
    }),
  );
  const files = bid.manifest.files.map((f) => ({ index: f.index, name: f.name, size: f.size, sha256: f.sha256 }));
  return { files, form, contentKey: sealContentKey(ctx.config, bid.id, rawKey) };
}

/** `openFile` on this thread with node:crypto (the bid form; files of a store the workers cannot read). */
async function openOnThisThread(ctx: Ctx, f: ManifestFile, chunkShas: string[], rawKey: Uint8Array, emit: (pt: Uint8Array) => Promise<void>) {
  const key = await globalThis.crypto.subtle.importKey("raw", rawKey as unknown as BufferSource, { name: "AES-GCM" }, false, ["decrypt"]);
  const options: OpenOptions = { ...NODE_HASHING, decryptChunk: (ct, iv, aad) => gcmDecrypt(rawKey, ct, iv, aad) };
  const blobs = ctx.blobs;
  // One chunk read ahead while the current one is verified and decrypted.
  async function* ciphertext() {
    let next = chunkShas.length ? readBlob(blobs, chunkShas[0]!) : null;
    for (let i = 0; i < chunkShas.length; i++) {
      const current = await next!;
      next = i + 1 < chunkShas.length ? readBlob(blobs, chunkShas[i + 1]!) : null;
      yield new Uint8Array(current.buffer, current.byteOffset, current.length);
    }
  }
  await openFile(key, f, ciphertext(), emit, options);
}

async function openableBid(db: Executor, sectionId: string, where: { orgId?: string; bidId?: string }) {
  const [row] = await db
    .select({ bo: bidOpenings, b: bids })
    .from(bidOpenings)
    .innerJoin(bids, eq(bids.id, bidOpenings.bidId))
    .where(and(eq(bidOpenings.sectionId, sectionId), where.orgId ? eq(bidOpenings.orgId, where.orgId) : eq(bidOpenings.bidId, where.bidId!)));
  return row;
}

/**
 * R26: a bidder releases the content key it unwrapped in its browser (raw 32 bytes, base64).
 * The server opens every chunk against the signed manifest and the manifest against the sealed
 * bid form's file list (§7 step 5); a wrong key, a tampered chunk, an unreadable form or a
 * manifest that does not list the form's files is refused with the reason (in the record) and
 * changes nothing but the hall's last-error line.
 */
export async function releaseBidKey(ctx: Ctx, actor: Actor, sectionId: string, contentKeyB64: string) {
  requirePermission(actor, "opening:attend");
  const now = await dbNow(ctx.db);
  const [o] = await ctx.db.select().from(openings).where(eq(openings.sectionId, sectionId));
  if (!o) rule([violation("RULE_R26_WINDOW_CLOSED")]);
  const row = await openableBid(ctx.db, sectionId, { orgId: actor.orgId! });
  if (!row) throw new DomainError("FORBIDDEN");
  const [checked] = await ctx.db.select().from(openingCheckins).where(and(eq(openingCheckins.sectionId, sectionId), eq(openingCheckins.orgId, actor.orgId!)));
  rule(checkBidderRelease({ phase: o!.phase, now, windowEndsAt: o!.decryptionEndsAt, checkedIn: !!checked, state: row.bo.state }));
  let raw: Uint8Array;
  try {
    raw = fromBase64(contentKeyB64);
  } catch {
    raw = new Uint8Array(0);
  }
  if (raw.length !== 32) return refuse(ctx, actor, sectionId, row.bo, "key_length");
  if (!(await manifestVerifies(ctx.db, row.b))) return refuse(ctx, actor, sectionId, row.bo, "manifest_signature");
  let opened: Awaited<ReturnType<typeof decryptBid>>;
  try {
    opened = await decryptBid(ctx, { id: row.b.id, uploadId: row.b.uploadId, manifest: row.b.manifest }, raw);
  } catch (e) {
    if (e instanceof VerifyWorkerError) throw e; // the server's fault, not the bid's: nothing is refused
    return refuse(ctx, actor, sectionId, row.bo, e instanceof SealedFormRefused ? e.detail : "chunk_or_key");
  }
  await recordOpened(ctx, actor, sectionId, row.b.id, "bidder", opened, (o2) => checkBidderRelease({ phase: o2.phase, now, windowEndsAt: o2.decryptionEndsAt, checkedIn: true, state: "pending" }));
  await advance(ctx, sectionId);
}

async function refuse(ctx: Ctx, actor: Actor, sectionId: string, bo: BidOpening, detail: string): Promise<never> {
  await runCommand(ctx, actor, "opening.release_refused", async ({ tx }) => {
    await tx.update(bidOpenings).set({ lastError: detail }).where(eq(bidOpenings.bidId, bo.bidId));
    return { result: undefined, subjectType: "bid", subjectId: bo.bidId, payload: { sectionId, detail }, events: [{ channel: channels.opening(sectionId), type: "opening.release_refused", data: {} }] };
  });
  throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R26_WRONG_KEY", { detail })]);
}

async function recordOpened(
  ctx: Ctx,
  actor: Actor,
  sectionId: string,
  bidId: string,
  by: "bidder" | "custodians",
  opened: Awaited<ReturnType<typeof decryptBid>>,
  recheck: (o: Opening) => RuleViolation[],
) {
  await runCommand(ctx, actor, by === "bidder" ? "opening.bid_decrypted" : "opening.bid_opened_by_custodians", async ({ tx, now }) => {
    const o = await lockOpening(tx, sectionId);
    rule(recheck(o));
    const [bo] = await tx.select().from(bidOpenings).where(eq(bidOpenings.bidId, bidId)).for("update");
    if (bo!.state !== "pending") rule([violation("RULE_R26_ALREADY_OPENED")]);
    await tx.update(bidOpenings).set({ state: "decrypted", openedBy: by, openedAt: now, files: opened.files, form: opened.form, contentKey: opened.contentKey, lastError: null }).where(eq(bidOpenings.bidId, bidId));
    const counts = await stateCounts(tx, sectionId);
    return {
      result: undefined,
      subjectType: "bid",
      subjectId: bidId,
      // The plaintext hashes go to the record; the price stays out of it until the reading.
      payload: { sectionId, by, files: opened.files.map((f) => ({ index: f.index, sha256: f.sha256, size: f.size })) },
      events: [{ channel: channels.opening(sectionId), type: "opening.progress", data: counts }],
    };
  });
}

async function stateCounts(db: Executor, sectionId: string): Promise<Record<BidOpeningState, number>> {
  const rows = await db.select({ state: bidOpenings.state }).from(bidOpenings).where(eq(bidOpenings.sectionId, sectionId));
  const out: Record<BidOpeningState, number> = { pending: 0, decrypted: 0, revoked: 0, withdrawn: 0 };
  for (const r of rows) out[r.state]++;
  return out;
}

/** The decryption window's end (a job): custodians, R27 resolution, or the reading. */
export async function windowEnded(ctx: Ctx, sectionId: string) {
  await runCommandOrSkip(ctx, "opening.window_closed", sectionId, async (tx, now) => {
    const [o] = await tx.select().from(openings).where(eq(openings.sectionId, sectionId)).for("update");
    if (!o || o.phase !== "decryption" || now < o.decryptionEndsAt) return null;
    const { s } = await sectionRow(tx, sectionId);
    const states = (await tx.select({ state: bidOpenings.state }).from(bidOpenings).where(eq(bidOpenings.sectionId, sectionId))).map((r) => r.state);
    const next = phaseAfterWindow(states, s.keyModel);
    const phase = next === "reading" ? "resolution" : next; // `advance` moves on to the reading
    await tx.update(openings).set({ phase, phaseChangedAt: now }).where(eq(openings.sectionId, sectionId));
    return { result: phase, payload: { phase }, event: { type: "opening.phase", data: { phase } } };
  });
  await advance(ctx, sectionId);
}

/**
 * R26 fallback: a custodian opens its share (sealed to its certificate) in its own browser and
 * releases it. Shares are held in this process's memory only; with k of them the opening key
 * is rebuilt in memory, opens every bid still pending, and is dropped. A restart loses the
 * released shares (never stored): the custodians release them again.
 */
const releasedShares = new Map<string, Map<number, Uint8Array>>();

export async function releaseShare(ctx: Ctx, actor: Actor, sectionId: string, input: { shareIndex: number; share: string }) {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  const { s } = await sectionRow(ctx.db, sectionId);
  const [o] = await ctx.db.select().from(openings).where(eq(openings.sectionId, sectionId));
  rule(checkCustodianRelease(o?.phase ?? "decryption", s.keyModel));
  const mine = await ctx.db
    .select({ certificateId: openingKeyShares.certificateId })
    .from(openingKeyShares)
    .innerJoin(certificates, eq(certificates.id, openingKeyShares.certificateId))
    .where(and(eq(openingKeyShares.sectionId, sectionId), eq(openingKeyShares.shareIndex, input.shareIndex), eq(certificates.userId, actor.user.id), eq(certificates.status, "active")));
  if (!mine.length) throw new DomainError("FORBIDDEN");
  let share: Uint8Array;
  try {
    share = fromBase64(input.share);
  } catch {
    throw new DomainError("VALIDATION", { field: "share" });
  }
  if (share.length < 16 || share.length > 8192) throw new DomainError("VALIDATION", { field: "share" });
  await runCommand(ctx, actor, "opening.share_released", async ({ tx, now }) => {
    await tx.insert(openingShareReleases).values({ sectionId, shareIndex: input.shareIndex, userId: actor.user!.id, certificateId: mine[0]!.certificateId, at: now }).onConflictDoNothing();
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { shareIndex: input.shareIndex },
      events: [{ channel: channels.opening(sectionId), type: "opening.share_released", data: { shareIndex: input.shareIndex } }],
    };
  });
  const held = releasedShares.get(sectionId) ?? new Map<number, Uint8Array>();
  held.set(input.shareIndex, share);
  releasedShares.set(sectionId, held);
  const [k] = await ctx.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
  if (!k || held.size < k.threshold) return { released: held.size, threshold: k?.threshold ?? 0, opened: 0 };
  let pkcs8: Uint8Array;
  try {
    pkcs8 = await combineShares([...held.values()]);
  } catch {
    releasedShares.delete(sectionId);
    throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R26_WRONG_KEY", { detail: "shares" })]);
  }
  releasedShares.delete(sectionId);
  const opened = await openWithOpeningKey(ctx, actor, sectionId, pkcs8);
  pkcs8.fill(0);
  await finishFallback(ctx, sectionId);
  return { released: k.threshold, threshold: k.threshold, opened };
}

async function openWithOpeningKey(ctx: Ctx, actor: Actor, sectionId: string, pkcs8: Uint8Array): Promise<number> {
  let priv: CryptoKey;
  try {
    priv = await importUnwrapKey(pkcs8);
  } catch {
    throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R26_WRONG_KEY", { detail: "shares" })]);
  }
  const pending = await ctx.db
    .select({ b: bids })
    .from(bidOpenings)
    .innerJoin(bids, eq(bids.id, bidOpenings.bidId))
    .where(and(eq(bidOpenings.sectionId, sectionId), eq(bidOpenings.state, "pending")));
  let n = 0;
  for (const { b } of pending) {
    if (!(await manifestVerifies(ctx.db, b))) {
      await ctx.db.update(bidOpenings).set({ lastError: "custodians_manifest_signature" }).where(eq(bidOpenings.bidId, b.id));
      continue;
    }
    try {
      const raw = await unwrapContentKeyRaw(b.manifest, openingKid(sectionId), priv);
      const opened = await decryptBid(ctx, { id: b.id, uploadId: b.uploadId, manifest: b.manifest }, raw).finally(() => raw.fill(0));
      await recordOpened(ctx, actor, sectionId, b.id, "custodians", opened, (o) => (o.phase === "fallback" ? [] : [violation("RULE_R26_WINDOW_CLOSED")]));
      n++;
    } catch (e) {
      if (e instanceof DomainError || e instanceof VerifyWorkerError) throw e;
      await ctx.db.update(bidOpenings).set({ lastError: e instanceof SealedFormRefused ? `custodians_${e.detail}` : "custodians_chunk_or_key" }).where(eq(bidOpenings.bidId, b.id));
    }
  }
  return n;
}

async function finishFallback(ctx: Ctx, sectionId: string) {
  await runCommandOrSkip(ctx, "opening.fallback_done", sectionId, async (tx, now) => {
    const [o] = await tx.select().from(openings).where(eq(openings.sectionId, sectionId)).for("update");
    if (!o || o.phase !== "fallback") return null;
    await tx.update(openings).set({ phase: "resolution", phaseChangedAt: now }).where(eq(openings.sectionId, sectionId));
    return { result: "resolution", payload: { phase: "resolution" }, event: { type: "opening.phase", data: { phase: "resolution" } } };
  });
  await advance(ctx, sectionId);
}

/**
 * R27: when the custodians cannot assemble k shares (absent, certificate lost), the tendering
 * side ends the fallback with a reason; the bids still sealed are then decided under R27.
 * Shares released so far are dropped from memory.
 */
export async function endFallback(ctx: Ctx, actor: Actor, sectionId: string, reason: string) {
  const { p } = await sectionRow(ctx.db, sectionId);
  assertRunsOpening(actor, p);
  await runCommand(ctx, actor, "opening.fallback_ended", async ({ tx, now }) => {
    const o = await lockOpening(tx, sectionId);
    if (o.phase !== "fallback") rule([violation("RULE_R27_NOT_NOW")]);
    if (String(reason ?? "").trim().length < 4) rule([violation("RULE_R27_REASON_REQUIRED")]);
    await tx.update(openings).set({ phase: "resolution", phaseChangedAt: now }).where(eq(openings.sectionId, sectionId));
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { phase: "resolution", reason: reason.trim().slice(0, 500) },
      events: [{ channel: channels.opening(sectionId), type: "opening.phase", data: { phase: "resolution" } }],
    };
  });
  releasedShares.delete(sectionId);
}

/**
 * R27: the tendering side decides a bid that could not be opened — the bidder's fault →
 * revoked, another cause → withdrawn — with the reason; recorded with who decided.
 */
export async function decideFailure(ctx: Ctx, actor: Actor, sectionId: string, bidId: string, input: { cause: "bidder_fault" | "other"; reason: string }) {
  const { p } = await sectionRow(ctx.db, sectionId);
  assertRunsOpening(actor, p);
  if (input.cause !== "bidder_fault" && input.cause !== "other") throw new DomainError("VALIDATION", { field: "cause" });
  await runCommand(ctx, actor, "opening.failure_decided", async ({ tx, now }) => {
    const o = await lockOpening(tx, sectionId);
    const [bo] = await tx.select().from(bidOpenings).where(and(eq(bidOpenings.bidId, bidId), eq(bidOpenings.sectionId, sectionId))).for("update");
    if (!bo) throw new DomainError("NOT_FOUND");
    rule(checkFailureDecision({ phase: o.phase, state: bo.state, reason: String(input.reason ?? "") }));
    const state = failureOutcome(input.cause);
    await tx.update(bidOpenings).set({ state, failureCause: input.cause, decidedBy: actor.user!.id, decidedReason: input.reason.trim(), decidedAt: now }).where(eq(bidOpenings.bidId, bidId));
    const counts = await stateCounts(tx, sectionId);
    return {
      result: undefined,
      subjectType: "bid",
      subjectId: bidId,
      payload: { sectionId, state, cause: input.cause, reason: input.reason.trim() },
      events: [{ channel: channels.opening(sectionId), type: "opening.progress", data: counts }],
    };
  });
  await advance(ctx, sectionId);
}

/**
 * Moves on when nothing is pending any more (R26): the 唱标 is computed once, stored as
 * broadcast and sent to every viewer (R28) — or, with the profile's re-check, the section
 * fails (R25/R27). Called after every change; does nothing while bids are pending.
 */
export async function advance(ctx: Ctx, sectionId: string) {
  await runCommandOrSkip(ctx, "opening.read_out", sectionId, async (tx, now) => {
    const [o] = await tx.select().from(openings).where(eq(openings.sectionId, sectionId)).for("update");
    if (!o || !(o.phase === "decryption" || o.phase === "resolution")) return null;
    const { p } = await sectionRow(tx, sectionId);
    const rows = await tx
      .select({ bo: bidOpenings, name: organisations.name, receivedAt: bids.receivedAt })
      .from(bidOpenings)
      .innerJoin(bids, eq(bids.id, bidOpenings.bidId))
      .innerJoin(organisations, eq(organisations.id, bidOpenings.orgId))
      .where(eq(bidOpenings.sectionId, sectionId));
    const decision = afterDecryption(
      rows.map((r) => r.bo.state),
      getProfile(p.regime),
    );
    if (decision.next === "wait") return null;
    if (decision.next === "failed") {
      await tx.update(openings).set({ phase: "failed", phaseChangedAt: now, failure: decision.violations }).where(eq(openings.sectionId, sectionId));
      await tx.update(sections).set({ status: "failed" }).where(eq(sections.id, sectionId));
      await scheduleFailureNotice(tx, sectionId, now);
      return { result: "failed", payload: { phase: "failed", failure: decision.violations }, event: { type: "opening.failed", data: { failure: decision.violations } } };
    }
    const reading = readingRows(rows.map((r) => ({ bidder: r.name, receivedAt: r.receivedAt, state: r.bo.state, form: r.bo.form })));
    await tx.update(openings).set({ phase: "reading", phaseChangedAt: now, reading, readAt: now }).where(eq(openings.sectionId, sectionId));
    return { result: "reading", payload: { phase: "reading", reading }, event: { type: "opening.reading", data: { reading } } };
  });
}

/** R30: a bidder raises an objection in the hall (during the reading). */
export async function raiseObjection(ctx: Ctx, actor: Actor, sectionId: string, text: string) {
  requirePermission(actor, "opening:attend");
  return runCommand(ctx, actor, "opening.objection_raised", async ({ tx }) => {
    const o = await lockOpening(tx, sectionId);
    rule(checkObjection(o.phase, String(text ?? "")));
    const [bo] = await tx.select().from(bidOpenings).where(and(eq(bidOpenings.sectionId, sectionId), eq(bidOpenings.orgId, actor.orgId!)));
    if (!bo) throw new DomainError("FORBIDDEN");
    const [row] = await tx.insert(openingObjections).values({ sectionId, orgId: actor.orgId!, userId: actor.user!.id, text: text.trim().slice(0, 2000) }).returning({ id: openingObjections.id });
    return {
      result: row!.id,
      subjectType: "section",
      subjectId: sectionId,
      payload: { objectionId: row!.id, text: text.trim().slice(0, 2000) },
      events: [{ channel: channels.opening(sectionId), type: "opening.objection", data: { id: row!.id } }],
    };
  });
}

/** R30: the tendering side answers an objection on the spot. */
export async function answerObjection(ctx: Ctx, actor: Actor, sectionId: string, objectionId: string, answer: string) {
  const { p } = await sectionRow(ctx.db, sectionId);
  assertRunsOpening(actor, p);
  await runCommand(ctx, actor, "opening.objection_answered", async ({ tx, now }) => {
    const o = await lockOpening(tx, sectionId);
    rule(checkObjection(o.phase, String(answer ?? "")));
    const [obj] = await tx.select().from(openingObjections).where(and(eq(openingObjections.id, objectionId), eq(openingObjections.sectionId, sectionId), isNull(openingObjections.answeredAt))).for("update");
    if (!obj) throw new DomainError("NOT_FOUND");
    await tx.update(openingObjections).set({ answer: answer.trim().slice(0, 2000), answeredBy: actor.user!.id, answeredAt: now }).where(eq(openingObjections.id, objectionId));
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { objectionId, answer: answer.trim().slice(0, 2000) },
      events: [{ channel: channels.opening(sectionId), type: "opening.objection_answered", data: { id: objectionId } }],
    };
  });
}

/** R29: a bidder confirms the opening record (the reading as broadcast). */
export async function confirmRecord(ctx: Ctx, actor: Actor, sectionId: string) {
  requirePermission(actor, "opening:attend");
  await runCommand(ctx, actor, "opening.confirmed", async ({ tx, now }) => {
    const o = await lockOpening(tx, sectionId);
    if (o.phase !== "reading") rule([violation("RULE_R26_NOT_COMPLETE")]);
    const [bo] = await tx.select().from(bidOpenings).where(and(eq(bidOpenings.sectionId, sectionId), eq(bidOpenings.orgId, actor.orgId!)));
    if (!bo) throw new DomainError("FORBIDDEN");
    await tx.insert(openingConfirmations).values({ sectionId, orgId: actor.orgId!, userId: actor.user!.id, at: now }).onConflictDoNothing();
    return { result: undefined, subjectType: "section", subjectId: sectionId, payload: {}, events: [{ channel: channels.opening(sectionId), type: "opening.confirmed", data: {} }] };
  });
}

/** Everything the hall shows, before role filtering (the route decides what each viewer sees). */
export async function hallState(db: Executor, sectionId: string) {
  const { s, p } = await sectionRow(db, sectionId);
  const [o] = await db.select().from(openings).where(eq(openings.sectionId, sectionId));
  // The sealed content key (ADR 031) never leaves the services that decrypt on read: not part of the hall's state.
  const bidRows = o
    ? (
        await db
          .select({ bo: bidOpenings, name: organisations.name })
          .from(bidOpenings)
          .innerJoin(organisations, eq(organisations.id, bidOpenings.orgId))
          .where(eq(bidOpenings.sectionId, sectionId))
      ).map(({ bo: { contentKey: _sealed, ...bo }, name }) => ({ bo, name }))
    : [];
  const checkins = await db
    .select({ orgId: openingCheckins.orgId, at: openingCheckins.at, name: organisations.name })
    .from(openingCheckins)
    .innerJoin(organisations, eq(organisations.id, openingCheckins.orgId))
    .where(eq(openingCheckins.sectionId, sectionId));
  const objections = await db.select().from(openingObjections).where(eq(openingObjections.sectionId, sectionId)).orderBy(asc(openingObjections.raisedAt));
  const confirmations = await db.select().from(openingConfirmations).where(eq(openingConfirmations.sectionId, sectionId));
  const releases = await db.select().from(openingShareReleases).where(eq(openingShareReleases.sectionId, sectionId));
  return { section: s, project: p, opening: o ?? null, bids: bidRows, checkins, objections, confirmations, releases };
}

const STATE_ZH: Record<BidOpeningState, string> = { pending: "未解密", decrypted: "已解密", revoked: "撤销（投标人原因）", withdrawn: "撤回（非投标人原因）" };

/**
 * R29: closes the opening and issues the opening record (开标记录表) — the reading as
 * broadcast, every bid's decryption outcome (who opened it; R27 decisions with who and why),
 * check-ins, objections with answers, and confirmations (absent bidders listed as not
 * confirmed) — as a PDF with Chinese text signed with the platform's certificate, stored in
 * the blob store and hashed into the record. The tendering unit or its agency closes it.
 */
export async function closeOpening(ctx: Ctx, actor: Actor, sectionId: string): Promise<{ sha256: string; size: number }> {
  const { s, p } = await sectionRow(ctx.db, sectionId);
  assertRunsOpening(actor, p);
  const hall = await hallState(ctx.db, sectionId);
  const o = hall.opening;
  if (!o) rule([violation("RULE_R24_HALL_NOT_OPEN", { deadline: formatCst(p.bidDeadline) })]);
  rule(checkClose(o!.phase, hall.objections.filter((x) => !x.answeredAt).length));
  const now = await dbNow(ctx.db);
  const confirmed = new Set(hall.confirmations.map((c) => c.orgId));
  const checked = new Map(hall.checkins.map((c) => [c.orgId, c.at]));
  const pdf = await signOfficial(
    ctx,
    {
      title: "开标记录表",
      number: `编号 OPEN-${sectionId.slice(0, 8).toUpperCase()} · 第1版`,
      meta: [
        ["项目名称", p.title],
        ["项目编号", p.code],
        ["标段（包）", `${s.code} ${s.title}`],
        ["开标时间", formatCst(o!.openedAt)],
        ["解密截止", formatCst(o!.decryptionEndsAt)],
        ["唱标时间", o!.readAt ? formatCst(o!.readAt) : ""],
        ["递交投标文件", `${o!.bidCount} 家`],
        ["状态", "开标结束，记录签发"],
      ],
      sections: [
        {
          heading: "唱标结果",
          table: {
            headers: ["序号", "投标人", "报价（元）", "大写金额", "工期", "质量", "项目经理"],
            rows: (o!.reading ?? []).map((r) => [String(r.order), r.bidder, formatMoney({ yuan: r.priceYuan }, { symbol: false }), capitalsOrBlank(r.priceYuan), r.durationDays, r.quality, r.projectManager]),
            widths: [0.8, 3.6, 2, 3.2, 1, 1, 1.5],
          },
        },
        {
          heading: "解密情况",
          table: {
            headers: ["投标人", "签到", "解密结果", "解密方", "说明"],
            rows: hall.bids.map((b) => [
              b.name,
              checked.has(b.bo.orgId) ? formatCst(checked.get(b.bo.orgId)!) : "未签到",
              STATE_ZH[b.bo.state],
              b.bo.openedBy === "custodians" ? "密钥保管人" : b.bo.openedBy === "bidder" ? "投标人" : "",
              b.bo.decidedReason ?? "",
            ]),
            widths: [3, 2, 2, 2, 2],
          },
        },
        {
          heading: "现场异议及答复",
          paragraphs: hall.objections.length ? hall.objections.map((x, i) => `${i + 1}. 异议：${x.text}；答复：${x.answer ?? ""}`) : ["无"],
        },
        {
          heading: "投标人确认",
          table: { headers: ["投标人", "确认"], rows: hall.bids.map((b) => [b.name, confirmed.has(b.bo.orgId) ? "已确认" : "未确认"]), widths: [4, 2] },
        },
      ],
      footer: "本记录由 Tenderhall 平台在线开标生成并加盖平台电子签章（R29）。唱标内容与开标现场广播一致；解密后的投标文件摘要已写入交易档案。",
    },
    { now },
  );
  const stored = await ctx.blobs.put(pdf);
  await runCommand(ctx, actor, "opening.closed", async ({ tx, now: at }) => {
    const locked = await lockOpening(tx, sectionId);
    rule(checkClose(locked.phase, 0));
    await tx.update(openings).set({ phase: "closed", phaseChangedAt: at, closedAt: at, recordSha256: stored.sha256 }).where(eq(openings.sectionId, sectionId));
    await tx.update(sections).set({ status: "opened" }).where(eq(sections.id, sectionId));
    await publishRelease(tx, { projectId: p.id, tags: ["tenderUpdate"], now: at }, ctx.config); // open data: the read-out (docs/open-data.md)
    // The evaluation (app/services/evaluation, a floor above) is prepared by a job, so the opening imports nothing of it.
    await scheduleJob(tx, { kind: "evaluation.prepare", dueAt: at, payload: { sectionId }, dedupeKey: `evaluation.prepare:${sectionId}` });
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { document: "开标记录表", sha256: stored.sha256, size: stored.size },
      events: [{ channel: channels.opening(sectionId), type: "opening.closed", data: { sha256: stored.sha256 } }],
    };
  });
  return stored;
}

/** The failure notice is issued by a job right after the section fails (a restart does not lose it). */
async function scheduleFailureNotice(tx: Tx, sectionId: string, now: Date) {
  await scheduleJob(tx, { kind: "opening.failure_notice", dueAt: now, payload: { sectionId }, dedupeKey: `opening.failure_notice:${sectionId}` });
}

/** Renders a rule violation in Chinese for official documents (the zh-CN rules catalog, interpolated). */
function ruleTextZh(v: RuleViolation): string {
  const template = (zhRules as unknown as Record<string, string | undefined>)[v.code] ?? v.code;
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String((v.params as Record<string, unknown>)[k] ?? ""));
}

/**
 * R25/R27: publishes the failure notice (流标公告) of a section whose opening failed. Idempotent (the job may run
 * twice). The rendering, signing, storing and announcing are `issueFailureNotice`'s, shared with a section that
 * fails at its evaluation (R45, app/services/evaluation).
 */
export async function publishFailureNotice(ctx: Ctx, sectionId: string): Promise<{ sha256: string } | null> {
  const [o] = await ctx.db.select().from(openings).where(eq(openings.sectionId, sectionId));
  if (!o || o.phase !== "failed" || o.failureNoticeSha256) return null;
  const reasons = (o.failure ?? []).map(ruleTextZh);
  return issueFailureNotice(ctx, sectionId, {
    action: "opening.failure_notice",
    notice: ({ s, p }) => ({
      title: "流标公告",
      meta: [
        ["项目名称", p.title],
        ["项目编号", p.code],
        ["标段（包）", `${s.code} ${s.title}`],
        ["投标截止及开标时间", formatCst(o.openedAt)],
        ["递交投标文件", `${o.bidCount} 家`],
      ],
      reasons: reasons.length ? reasons : ["有效投标不足"],
      next: ["招标人将依法分析流标原因，修改招标文件后重新招标，或按规定报有关行政监督部门处理。已递交的投标文件未被解密的，不予开启。"],
      footer: "本公告由 Tenderhall 平台在线开标生成并加盖平台电子签章（R25、R27），同时写入交易档案。",
    }),
    inboxKind: "sectionFailed",
    link: ({ p }) => `/tenders/${p.id}/sections/${sectionId}/opening`,
  });
}

/** What a failure notice says; the document number, the time of the notice and the signature are added by `issueFailureNotice`. */
export type FailureNoticeText = { title: string; meta: [string, string][]; reasons: string[]; next: string[]; footer: string };

/**
 * A section's failure notice (流标公告 / 废标公告), wherever the section failed — at its opening (R25/R27, above) or at
 * its evaluation (R45, app/services/evaluation, which imports this; the opening imports nothing of it): a PDF with
 * Chinese text signed with the platform's certificate, stored in the blob store, kept as the section's one notice
 * (`openings.failureNoticeSha256`, served publicly at …/opening/notice.pdf), hashed into the record under `action`,
 * announced on the hall's channel (and `events`), and sent to the tendering side and every bidder of the section.
 * Null when the section already has its notice (a job run twice).
 */
export async function issueFailureNotice(
  ctx: Ctx,
  sectionId: string,
  opts: {
    action: string;
    notice: (x: { s: typeof sections.$inferSelect; p: typeof projects.$inferSelect; now: Date }) => FailureNoticeText;
    inboxKind: string;
    link: (x: { p: typeof projects.$inferSelect }) => string;
    events?: { channel: string; type: string; data: Record<string, unknown> }[];
  },
): Promise<{ sha256: string } | null> {
  const { s, p } = await sectionRow(ctx.db, sectionId);
  const [o] = await ctx.db.select({ notice: openings.failureNoticeSha256 }).from(openings).where(eq(openings.sectionId, sectionId));
  if (!o || o.notice) return null;
  const now = await dbNow(ctx.db);
  const text = opts.notice({ s, p, now });
  const pdf = await signOfficial(
    ctx,
    {
      title: text.title,
      number: `编号 FAIL-${sectionId.slice(0, 8).toUpperCase()}`,
      meta: [...text.meta, ["公告时间", formatCst(now)]],
      sections: [
        { heading: `${text.title.replace(/公告$/, "")}原因`, paragraphs: text.reasons },
        { heading: "后续安排", paragraphs: text.next },
      ],
      footer: text.footer,
    },
    { now },
  );
  const stored = await ctx.blobs.put(pdf);
  return runOptionalCommand(ctx, systemActor(), opts.action, async ({ tx }) => {
    const [locked] = await tx.select().from(openings).where(eq(openings.sectionId, sectionId)).for("update");
    if (!locked || locked.failureNoticeSha256) return null;
    await tx.update(openings).set({ failureNoticeSha256: stored.sha256 }).where(eq(openings.sectionId, sectionId));
    await publishRelease(tx, { projectId: p.id, tags: ["tenderUpdate"], now: await dbNow(tx) }, ctx.config); // open data: the failure (docs/open-data.md)
    const bidders = await tx.select({ orgId: bidOpenings.orgId }).from(bidOpenings).where(eq(bidOpenings.sectionId, sectionId));
    const orgIds = [p.tenderingUnitId, ...(p.agencyId ? [p.agencyId] : []), ...bidders.map((b) => b.orgId)];
    await notifyOrganisations(tx, orgIds, { kind: opts.inboxKind, params: { title: p.title, section: s.code }, link: opts.link({ p }) });
    return {
      result: { sha256: stored.sha256 },
      subjectType: "section",
      subjectId: sectionId,
      payload: { document: text.title, sha256: stored.sha256, size: stored.size },
      events: [{ channel: channels.opening(sectionId), type: "opening.failure_notice", data: { sha256: stored.sha256 } }, ...(opts.events ?? [])],
    };
  });
}
