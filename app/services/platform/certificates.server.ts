import { createHash, createPrivateKey, randomBytes, sign as cryptoSign, type KeyObject } from "node:crypto";
import { and, desc, eq, gt, lte, sql } from "drizzle-orm";
import type { Role } from "#app/domain/roles";
import { CertError, certInfo, chainsTo, issuingCa, issueUserCert, openPkcs12, readCsr } from "#crypto/certs";
import { verifyChallenge } from "#crypto/challenge";
import { fromBase64, toBase64 } from "#crypto/seal/format";
import type { Executor, Tx } from "#db/client";
import { certChallenges, certificates, memberships, organisations, users, type Certificate } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import type { Actor } from "./actor";
import { requirePermission, runCommand } from "./command.server";
import type { AppContext } from "./context.server";
import { documentSigner } from "./platform-signer.server";

type Ctx = Pick<AppContext, "db" | "config">;

/** User certificates are valid for two years; the CA is the platform's (docs/decisions/010-certificates-and-sealed-bids.md). */
const CERT_DAYS = 730;
const CHALLENGE_TTL_MS = 5 * 60_000;

/** The CA certificates whose user certificates are accepted: the platform CA and configured external CAs (R71). */
export function trustedCaPems(config: Ctx["config"]): string[] {
  const s = documentSigner(config);
  return [s.caCertPem, ...s.externalCaPems];
}

const receiptSigners = new Map<string, { privateKeyPkcs8: Uint8Array; certPem: string; chainPem: string[] }>();
/** The platform signing key as PKCS#8 for WebCrypto (receipts). Server-held by design (it opens no bid; docs/security.md). */
export function platformSigningKey(config: Ctx["config"]) {
  let hit = receiptSigners.get(config.dataDir);
  // (keyed by data folder: the signing key does not depend on the external CA list)
  if (!hit) {
    const s = documentSigner(config);
    hit = openPkcs12(s.key.p12, s.key.passphrase);
    if (!hit.chainPem.length) hit = { ...hit, chainPem: [s.caCertPem] };
    receiptSigners.set(config.dataDir, hit);
  }
  return hit;
}

async function identityOf(tx: Executor, actor: Actor) {
  const [row] = await tx
    .select({ displayName: users.displayName, orgName: organisations.name, creditCode: organisations.creditCode })
    .from(users)
    .innerJoin(organisations, eq(organisations.id, sql`${actor.orgId}::uuid`))
    .where(eq(users.id, actor.user!.id));
  if (!row) throw new DomainError("NOT_FOUND");
  return row;
}

/**
 * Enrolment: the browser sends a PKCS#10 request for a key pair it made; the platform CA
 * issues a certificate naming the user and its organisation (UTF-8, Chinese allowed). The
 * request's self-signature is the proof of possession. Only the certificate is stored.
 */
/** The CA's signature over a TBSCertificate, natively (RSA PKCS#1 v1.5 with SHA-256; crypto/certs.ts issueUserCert). */
const caKeys = new Map<string, KeyObject>();
function signWithCaKey(tbsDer: Uint8Array, caKeyPem: string): Uint8Array {
  let key = caKeys.get(caKeyPem);
  if (!key) caKeys.set(caKeyPem, (key = createPrivateKey(caKeyPem)));
  return new Uint8Array(cryptoSign("sha256", tbsDer, key));
}

export async function enrollCertificate(ctx: Ctx, actor: Actor, csrPem: string): Promise<{ certPem: string; chainPem: string[]; id: string }> {
  requirePermission(actor, "certificate:enroll");
  if (!actor.orgId) throw new DomainError("FORBIDDEN");
  const signer = documentSigner(ctx.config);
  if (!signer.caKeyPem) throw new DomainError("CERT_ENROLMENT_DISABLED");
  let spki: Uint8Array;
  try {
    spki = readCsr(csrPem.slice(0, 20_000)).publicKeySpki;
  } catch (e) {
    if (e instanceof CertError) throw new DomainError("CERT_REQUEST_INVALID", { reason: e.code });
    throw e;
  }
  return runCommand(ctx, actor, "certificate.enroll", async ({ tx, now }) => {
    const who = await identityOf(tx, actor);
    const certPem = issueUserCert({
      ca: { certPem: signer.caCertPem, keyPem: signer.caKeyPem! },
      publicKeySpki: spki,
      subject: { commonName: who.displayName, organisation: who.orgName, creditCode: who.creditCode, userId: actor.user!.id },
      serialHex: `5${randomBytes(15).toString("hex")}`,
      now,
      days: CERT_DAYS,
      signTbs: signWithCaKey,
    });
    const id = await insertCertificate(tx, actor, certPem, "platform");
    const info = certInfo(certPem);
    return {
      result: { certPem, chainPem: [signer.caCertPem], id },
      subjectType: "certificate",
      subjectId: id,
      payload: { fingerprint: info.fingerprint, serial: info.serialHex, subject: info.subjectCn, issuer: info.issuerCn },
    };
  });
}

async function insertCertificate(tx: Tx, actor: Actor, certPem: string, source: "platform" | "external"): Promise<string> {
  const info = certInfo(certPem);
  const [dup] = await tx.select({ id: certificates.id }).from(certificates).where(eq(certificates.fingerprint, info.fingerprint));
  if (dup) throw new DomainError("CONFLICT", { field: "certificate" });
  const [row] = await tx
    .insert(certificates)
    .values({
      userId: actor.user!.id,
      orgId: actor.orgId!,
      fingerprint: info.fingerprint,
      serialHex: info.serialHex,
      issuerCn: info.issuerCn,
      subjectCn: info.subjectCn,
      subjectO: info.subjectO,
      certPem,
      publicKeySpki: toBase64(info.publicKeySpki),
      source,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    })
    .returning({ id: certificates.id });
  return row!.id;
}

/** A one-time nonce to sign (possession proofs now; check-in and signing later). */
export async function issueChallenge(ctx: Pick<AppContext, "db">, actor: Actor, purpose: string): Promise<{ purpose: string; nonce: string; issuedAt: string }> {
  if (!actor.user) throw new DomainError("UNAUTHENTICATED");
  if (!/^[a-z0-9:._-]{1,80}$/.test(purpose)) throw new DomainError("VALIDATION", { field: "purpose" });
  const nonce = randomBytes(24).toString("base64url");
  // A short-lived, single-use value, like a session: not a record entry (the proof that uses it is).
  const [row] = await ctx.db
    .insert(certChallenges)
    .values({ nonce, userId: actor.user.id, purpose, issuedAt: sql`date_trunc('milliseconds', now())`, expiresAt: sql`now() + ${`${CHALLENGE_TTL_MS} milliseconds`}::interval` })
    .returning({ issuedAt: certChallenges.issuedAt });
  return { purpose, nonce, issuedAt: row!.issuedAt.toISOString() };
}

/**
 * Checks that a certificate may be used now by this user: known, theirs, not revoked,
 * within validity and issued by a trusted CA. Revoked certificates are refused everywhere.
 */
export function assertUsable(cert: Certificate | undefined, actor: Actor, now: Date, trusted: string[]): Certificate {
  if (!cert) throw new DomainError("CERT_UNKNOWN");
  if (cert.userId !== actor.user?.id) throw new DomainError("CERT_NOT_YOURS");
  if (cert.status === "revoked") throw new DomainError("CERT_REVOKED", { serial: cert.serialHex });
  if (now < cert.notBefore || now > cert.notAfter || !chainValid(cert, trusted, now)) throw new DomainError("CERT_UNTRUSTED", { serial: cert.serialHex });
  return cert;
}

/**
 * The chain check of `assertUsable`, with the RSA signature verification (node-forge, pure
 * JS, several ms) cached per certificate and trust list; the validity dates are re-applied
 * at every use. Revocation is the database's `status`, checked by the caller each time.
 */
const chainCache = new Map<string, ReturnType<typeof issuingCa>>();
function chainValid(cert: Certificate, trusted: string[], now: Date): boolean {
  const key = `${cert.fingerprint}|${createHash("sha256").update(trusted.join("\n")).digest("hex")}`;
  let issuer = chainCache.get(key) ?? null;
  if (!issuer || now < issuer.notBefore || now > issuer.notAfter) {
    issuer = issuingCa(cert.certPem, trusted, now);
    if (chainCache.size > 10_000) chainCache.clear();
    if (issuer) chainCache.set(key, issuer); // failures are not cached
  }
  return issuer !== null && now >= issuer.notBefore && now <= issuer.notAfter && now >= issuer.certNotBefore && now <= issuer.certNotAfter;
}

/**
 * Consumes a challenge signed with a certificate's key inside the caller's transaction.
 * Returns the certificate (possession proved).
 */
export async function consumeChallenge(
  tx: Tx,
  config: Ctx["config"],
  actor: Actor,
  now: Date,
  input: { nonce: string; purpose: string; certificateId?: string; certPem?: string; signature: string },
): Promise<{ cert: Certificate | null; publicKeySpki: Uint8Array }> {
  const [c] = await tx.select().from(certChallenges).where(eq(certChallenges.nonce, input.nonce)).for("update");
  if (!c || c.userId !== actor.user?.id || c.purpose !== input.purpose || c.usedAt || c.expiresAt < now) throw new DomainError("CHALLENGE_INVALID");
  await tx.update(certChallenges).set({ usedAt: now }).where(eq(certChallenges.nonce, input.nonce));
  let cert: Certificate | null = null;
  let spki: Uint8Array;
  if (input.certificateId) {
    const [row] = await tx.select().from(certificates).where(eq(certificates.id, input.certificateId));
    cert = assertUsable(row, actor, now, trustedCaPems(config));
    spki = fromBase64(cert.publicKeySpki);
  } else if (input.certPem) {
    spki = certInfo(input.certPem).publicKeySpki;
  } else throw new DomainError("CHALLENGE_INVALID");
  let sig: Uint8Array;
  try {
    sig = fromBase64(input.signature);
  } catch {
    throw new DomainError("CHALLENGE_INVALID");
  }
  const ok = await verifyChallenge({ purpose: c.purpose, nonce: c.nonce, issuedAt: c.issuedAt.toISOString() }, sig, spki);
  if (!ok) throw new DomainError("CHALLENGE_INVALID");
  return { cert, publicKeySpki: spki };
}

/** Possession proof: the holder signs a fresh nonce with the certificate's key. Recorded. */
export async function provePossession(ctx: Ctx, actor: Actor, input: { nonce: string; certificateId: string; signature: string }): Promise<void> {
  requirePermission(actor, "certificate:enroll");
  await runCommand(ctx, actor, "certificate.possession", async ({ tx, now }) => {
    const { cert } = await consumeChallenge(tx, ctx.config, actor, now, { ...input, purpose: "possession" });
    return { result: undefined, subjectType: "certificate", subjectId: cert!.id, payload: { fingerprint: cert!.fingerprint } };
  });
}

/**
 * CA mutual recognition (R71): a certificate issued by a configured external CA is
 * registered after its holder signs a fresh nonce with its key.
 */
export async function registerExternalCertificate(ctx: Ctx, actor: Actor, input: { certPem: string; nonce: string; signature: string }): Promise<string> {
  requirePermission(actor, "certificate:enroll");
  if (!actor.orgId) throw new DomainError("FORBIDDEN");
  return runCommand(ctx, actor, "certificate.register", async ({ tx, now }) => {
    let info;
    try {
      info = certInfo(input.certPem);
    } catch {
      throw new DomainError("CERT_REQUEST_INVALID", { reason: "BAD_PEM" });
    }
    if (!chainsTo(input.certPem, documentSigner(ctx.config).externalCaPems, now)) throw new DomainError("CERT_UNTRUSTED", { serial: info.serialHex });
    await consumeChallenge(tx, ctx.config, actor, now, { nonce: input.nonce, purpose: "register", certPem: input.certPem, signature: input.signature });
    const id = await insertCertificate(tx, actor, input.certPem, "external");
    return { result: id, subjectType: "certificate", subjectId: id, payload: { fingerprint: info.fingerprint, serial: info.serialHex, issuer: info.issuerCn } };
  });
}

/** Revocation by an administrator, with a reason. Takes effect everywhere at once (every use checks the status). */
export async function revokeCertificate(ctx: Ctx, actor: Actor, certificateId: string, reason: string): Promise<void> {
  requirePermission(actor, "certificate:revoke");
  const why = reason.trim();
  if (!why) throw new DomainError("VALIDATION", { field: "reason" });
  await runCommand(ctx, actor, "certificate.revoke", async ({ tx, now }) => {
    const [c] = await tx.select().from(certificates).where(eq(certificates.id, certificateId)).for("update");
    if (!c) throw new DomainError("NOT_FOUND");
    if (c.status === "revoked") throw new DomainError("INVALID_STATE", { status: c.status });
    await tx.update(certificates).set({ status: "revoked", revokedAt: now, revokedBy: actor.user!.id, revocationReason: why.slice(0, 500) }).where(eq(certificates.id, certificateId));
    return { result: undefined, subjectType: "certificate", subjectId: certificateId, payload: { fingerprint: c.fingerprint, serial: c.serialHex, reason: why.slice(0, 500) } };
  });
}

export async function listMyCertificates(db: Executor, actor: Actor) {
  if (!actor.user) return [];
  return db.select().from(certificates).where(eq(certificates.userId, actor.user.id)).orderBy(desc(certificates.createdAt));
}

export async function listAllCertificates(db: Executor, opts: { q?: string; page?: number } = {}) {
  const page = Math.max(1, opts.page ?? 1);
  const q = opts.q?.trim().toLowerCase();
  const where = q
    ? sql`lower(${certificates.subjectCn} || ' ' || ${certificates.subjectO} || ' ' || ${certificates.serialHex} || ' ' || ${users.username}) like ${`%${q.replace(/[%_\\]/g, "\\$&")}%`}`
    : undefined;
  const rows = await db
    .select({ c: certificates, username: users.username })
    .from(certificates)
    .innerJoin(users, eq(users.id, certificates.userId))
    .where(where)
    .orderBy(desc(certificates.createdAt))
    .limit(51)
    .offset((page - 1) * 50);
  return { rows: rows.slice(0, 50), hasMore: rows.length > 50, page };
}

/**
 * Active, currently valid, trusted certificates of active users holding `role` in `orgId`
 * (in any organisation when `orgId` is null) — the custodians' certificates for opening-key shares.
 */
export async function activeCertificatesFor(tx: Executor, config: Ctx["config"], role: Role, orgId: string | null, now: Date): Promise<Certificate[]> {
  const rows = await tx
    .selectDistinct({ c: certificates })
    .from(certificates)
    .innerJoin(memberships, and(eq(memberships.userId, certificates.userId), eq(memberships.orgId, certificates.orgId), eq(memberships.role, role)))
    .innerJoin(users, eq(users.id, certificates.userId))
    .where(
      and(
        eq(certificates.status, "active"),
        eq(users.active, true),
        lte(certificates.notBefore, now),
        gt(certificates.notAfter, now),
        orgId ? eq(certificates.orgId, orgId) : undefined,
      ),
    );
  const trusted = trustedCaPems(config);
  return rows.map((r) => r.c).filter((c) => chainsTo(c.certPem, trusted, now));
}
