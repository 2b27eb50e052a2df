/**
 * The witness's decisions (docs/record-format.md §4.3, §4.4), without I/O: given what the witness has stored and what
 * the platform now publishes (its checkpoint listing, then one consistency proof per new checkpoint), which
 * checkpoints to accept and what to report. scripts/witness.ts does the fetching, storing and printing.
 *
 * Alerts (each names the sizes and roots and carries the signed evidence):
 * - BAD_SIGNATURE  a published checkpoint fails §4.3: MALFORMED, UNTRUSTED_SIGNER (also: not the pinned signer) or
 *                  BAD_SIGNATURE.
 * - ORIGIN         a checkpoint (or the listing) names another log than the one stored.
 * - FORK           two different signed bodies for one size: the stored one and a published one, or two in one listing
 *                  (roots differ: a fork; roots agree: still two bodies, reported as §4.4 rule 3 says).
 * - ROLLBACK       the newest published size is below the largest stored size (or nothing is published any more).
 * - MISSING        a stored checkpoint (signed by the platform) is no longer published while larger ones are, so they
 *                  cannot be shown to extend it (the proof endpoint only answers between checkpoints).
 * - REWRITE        the consistency proof from the largest stored checkpoint to a new one does not verify against the
 *                  two signed roots (or is no proof at all): the log changed entries the witness already saw.
 */
import { parseCheckpointBody, verifyCheckpoint, type Checkpoint, type SignedCheckpoint } from "#crypto/checkpoint";
import { fromHex, verifyConsistency } from "#crypto/merkle";

/** At most this many checkpoints per page of /verify/record.json (docs/record-format.md §5); more is refused. */
export const PAGE_LIMIT = 100;
/** A consistency proof of trees below 2^53 has at most 2·53 hashes; anything longer is refused unread. */
export const MAX_PROOF_HASHES = 128;

export type VerifiedCheckpoint = Checkpoint & { signed: SignedCheckpoint };
/** One line of the witness's store: a checkpoint it verified and accepted, with when and where it saw it. */
export type StoredCheckpoint = VerifiedCheckpoint & { acceptedAt: string; url: string };
/** Everything the witness keeps, ascending by size (sizes strictly increase; one origin). */
export type WitnessState = { checkpoints: readonly StoredCheckpoint[] };
/** The pinned trust: CA certificates (PEM) and the signer certificates the checkpoints must carry (base64 DER). */
export type Trust = { caPems: readonly string[]; signerDers: readonly string[] };
/** One page of /verify/record.json as received (the members are checked here). */
export type Page = { origin: unknown; checkpoints: readonly unknown[] };

export type AlertKind = "BAD_SIGNATURE" | "ORIGIN" | "FORK" | "ROLLBACK" | "MISSING" | "REWRITE";
export type Alert = { kind: AlertKind; size: number | null; message: string; evidence: Record<string, unknown> };

/** The platform answered something that is not the protocol (not evidence of anything): retried like a network error. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

const lastOf = (s: WitnessState) => s.checkpoints.at(-1) ?? null;
const short = (h: string) => `${h.slice(0, 16)}…`;
const evidenceOf = (c: VerifiedCheckpoint) => ({ origin: c.origin, size: c.size, rootHash: c.rootHash, issuedAt: c.issuedAt, signed: c.signed });

/** The members of one page, checked for form (not content): an object with `checkpoints`, at most PAGE_LIMIT of them. */
export function readPage(json: unknown): Page {
  if (!json || typeof json !== "object" || Array.isArray(json)) throw new ProtocolError("record.json: not a JSON object");
  const { origin, checkpoints } = json as { origin?: unknown; checkpoints?: unknown };
  if (!Array.isArray(checkpoints)) throw new ProtocolError("record.json: no checkpoints list");
  if (checkpoints.length > PAGE_LIMIT) throw new ProtocolError(`record.json: ${checkpoints.length} checkpoints in one page (at most ${PAGE_LIMIT})`);
  return { origin, checkpoints };
}

/** The size a listed checkpoint states (its signed body first; the convenience member only if the body has none). */
export function listedSize(item: unknown): number | null {
  const i = item as { size?: unknown; signed?: { body?: unknown } } | null;
  const body = i && typeof i === "object" && i.signed && typeof i.signed === "object" ? i.signed.body : undefined;
  const fromBody = typeof body === "string" ? parseCheckpointBody(body)?.size : undefined;
  if (fromBody !== undefined) return fromBody;
  return i && typeof i === "object" && Number.isSafeInteger(i.size) ? (i.size as number) : null;
}

/**
 * Paging through the listing, newest first: the `before` of the next page, or null when the pages fetched reach the
 * largest stored size (so it is on them if still published) or the listing ended. A page whose sizes do not go below
 * the previous `before` would loop for ever: refused.
 */
export function nextBefore(page: Page, before: number | null, maxStored: number | null): number | null {
  const sizes = page.checkpoints.map(listedSize);
  if (sizes.some((s) => s === null)) return null; // reported by review (MALFORMED); no further paging on a broken page
  const smallest = Math.min(...(sizes as number[]));
  if (before !== null && sizes.some((s) => s! >= before)) throw new ProtocolError(`record.json?before=${before} listed size ${Math.max(...(sizes as number[]))}`);
  if (page.checkpoints.length === 0 || page.checkpoints.length < PAGE_LIMIT) return null;
  if (maxStored !== null && smallest <= maxStored) return null;
  if (smallest <= 1) return null;
  return smallest;
}

/** §4.3 for one listed checkpoint, validity judged at the time its body states, the signer pinned. */
export async function verifyListed(item: unknown, trust: Trust): Promise<{ ok: true; checkpoint: VerifiedCheckpoint } | { ok: false; alert: Alert }> {
  const signed = item && typeof item === "object" ? (item as { signed?: unknown }).signed : undefined;
  const body = signed && typeof signed === "object" ? (signed as { body?: unknown }).body : undefined;
  const parsed = typeof body === "string" ? parseCheckpointBody(body) : null;
  const at = parsed ? new Date(parsed.issuedAt) : new Date();
  const check = await verifyCheckpoint(signed, trust.caPems, Number.isNaN(at.getTime()) ? new Date() : at, trust.signerDers);
  if (check.valid) return { ok: true, checkpoint: { ...check.checkpoint, signed: signed as SignedCheckpoint } };
  const size = listedSize(item);
  const what = parsed ? `size ${parsed.size} root ${parsed.rootHash} time ${parsed.issuedAt}` : `size ${size ?? "?"}`;
  const why = {
    MALFORMED: "not a well-formed signed checkpoint",
    UNTRUSTED_SIGNER: "not signed by the pinned platform signer certificate issued by the pinned CA (valid at the stated time)",
    BAD_SIGNATURE: "the signature does not verify",
  }[check.reason];
  return { ok: false, alert: { kind: "BAD_SIGNATURE", size, message: `published checkpoint ${what}: ${check.reason} — ${why}`, evidence: { reason: check.reason, presented: item } } };
}

export type Review = {
  /** Verified checkpoints above the largest stored size, ascending: each still needs its consistency proof. */
  candidates: VerifiedCheckpoint[];
  alerts: Alert[];
  warnings: string[];
  /** The largest size the platform lists (null: none). */
  newest: number | null;
};

/**
 * Everything §4.4 says about the listing before any proof: every checkpoint verified (§4.3), one origin, one body per
 * size (against the store and within the listing), sizes not below what is stored, the largest stored checkpoint still
 * published. When there is any alert no candidate is returned: nothing is accepted from a platform in that poll.
 */
export async function review(state: WitnessState, pages: readonly Page[], trust: Trust): Promise<Review> {
  const alerts: Alert[] = [];
  const warnings: string[] = [];
  const stored = new Map(state.checkpoints.map((c) => [c.size, c]));
  const last = lastOf(state);
  const items = pages.flatMap((p) => p.checkpoints);

  const verified: VerifiedCheckpoint[] = [];
  for (const item of items) {
    const v = await verifyListed(item, trust);
    if (!v.ok) {
      alerts.push(v.alert);
      continue;
    }
    verified.push(v.checkpoint);
    const conv = item as { size?: unknown; rootHash?: unknown; issuedAt?: unknown };
    const c = v.checkpoint;
    if (conv.size !== c.size || conv.rootHash !== c.rootHash || conv.issuedAt !== c.issuedAt) warnings.push(`listed checkpoint of size ${c.size}: the members beside "signed" differ from the signed body (the body is used)`);
  }

  // 1. One origin: the stored one, else the first the platform states.
  const origin = state.checkpoints[0]?.origin ?? verified[0]?.origin ?? null;
  if (origin !== null) {
    for (const c of verified) {
      if (c.origin !== origin) alerts.push({ kind: "ORIGIN", size: c.size, message: `checkpoint of size ${c.size} names the log "${c.origin}", not "${origin}"`, evidence: { expectedOrigin: origin, presented: evidenceOf(c) } });
    }
    for (const p of pages) {
      if (p.checkpoints.length && p.origin !== origin) alerts.push({ kind: "ORIGIN", size: null, message: `the listing names the log ${JSON.stringify(p.origin)}, not "${origin}"`, evidence: { expectedOrigin: origin, listedOrigin: p.origin } });
    }
  }

  // 3. One body per size: within the listing, and against the store.
  const bySize = new Map<number, VerifiedCheckpoint>();
  for (const c of verified) {
    const other = bySize.get(c.size);
    if (!other) bySize.set(c.size, c);
    else if (other.signed.body !== c.signed.body) alerts.push(fork(c.size, other, c, "listed twice"));
  }
  for (const c of bySize.values()) {
    const s = stored.get(c.size);
    if (s && s.signed.body !== c.signed.body) alerts.push(fork(c.size, s, c, "stored"));
  }

  // 2. Sizes never decrease; the largest stored checkpoint is still published.
  const sizes = [...bySize.keys()];
  const newest = sizes.length ? Math.max(...sizes) : null;
  if (last) {
    if (items.length === 0) {
      alerts.push({ kind: "ROLLBACK", size: last.size, message: `the platform lists no checkpoint; the witness stored size ${last.size} root ${last.rootHash}`, evidence: { stored: evidenceOf(last) } });
    } else if (newest !== null && newest < last.size) {
      const n = bySize.get(newest)!;
      alerts.push({ kind: "ROLLBACK", size: newest, message: `the newest checkpoint is size ${newest} root ${n.rootHash}, below the stored size ${last.size} root ${last.rootHash}`, evidence: { stored: evidenceOf(last), presented: evidenceOf(n) } });
    } else if (newest !== null && newest > last.size && !items.some((i) => listedSize(i) === last.size)) {
      alerts.push({
        kind: "MISSING",
        size: last.size,
        message: `the stored checkpoint of size ${last.size} root ${last.rootHash} (signed ${last.issuedAt}) is no longer published; the newest is size ${newest} root ${bySize.get(newest)!.rootHash}, which cannot be shown to extend it`,
        evidence: { stored: evidenceOf(last), presented: evidenceOf(bySize.get(newest)!) },
      });
    }
    for (const s of sizes) if (s < last.size && !stored.has(s)) warnings.push(`checkpoint of size ${s} is listed below the stored size ${last.size} but was not listed before`);
  }

  if (alerts.length) return { candidates: [], alerts, warnings, newest };
  const candidates = sizes
    .filter((s) => s > (last?.size ?? 0))
    .sort((a, b) => a - b)
    .map((s) => bySize.get(s)!);
  let prevTime = last?.issuedAt ?? null;
  for (const c of candidates) {
    if (prevTime !== null && c.issuedAt < prevTime) warnings.push(`checkpoint of size ${c.size} was issued at ${c.issuedAt}, before the previous one (${prevTime})`);
    prevTime = c.issuedAt;
  }
  return { candidates, alerts, warnings, newest };
}

function fork(size: number, a: VerifiedCheckpoint, b: VerifiedCheckpoint, where: "stored" | "listed twice"): Alert {
  const first = where === "stored" ? "stored" : "listed";
  const message =
    a.rootHash !== b.rootHash
      ? `size ${size} has two roots: ${a.rootHash} (${first}, signed ${a.issuedAt}) and ${b.rootHash} (published now, signed ${b.issuedAt})`
      : `size ${size} has two different signed bodies (the same root ${short(a.rootHash)}; signed ${a.issuedAt} and ${b.issuedAt})`;
  return { kind: "FORK", size, message, evidence: { [where === "stored" ? "stored" : "listedFirst"]: evidenceOf(a), presented: evidenceOf(b) } };
}

/** The answer of /verify/record/consistency.json: its HTTP status and parsed JSON (null when not JSON). */
export type ProofAnswer = { status: number; json: unknown };

/**
 * §4.4 rule 4: whether `next` extends `last` (the largest stored checkpoint) by the platform's consistency proof, both
 * roots from signed checkpoints, never from the answer. No stored checkpoint: `next` is the first one (trust on first
 * use). A status other than 200 or 404 is not an answer: ProtocolError (retried).
 */
export function checkExtension(last: StoredCheckpoint | null, next: VerifiedCheckpoint, answer: ProofAnswer | null): { ok: true } | { ok: false; alert: Alert } {
  if (!last) return { ok: true };
  if (!answer) throw new ProtocolError(`no consistency proof from ${last.size} to ${next.size}`);
  const evidence = { stored: evidenceOf(last), presented: evidenceOf(next), answer };
  if (answer.status === 404) {
    return { ok: false, alert: { kind: "MISSING", size: last.size, message: `the platform answers 404 for the consistency proof from its signed checkpoint of size ${last.size} root ${last.rootHash} to size ${next.size} root ${next.rootHash}`, evidence } };
  }
  if (answer.status !== 200) throw new ProtocolError(`consistency.json?from=${last.size}&to=${next.size}: HTTP ${answer.status}`);
  const rewrite = (why: string): { ok: false; alert: Alert } => ({
    ok: false,
    alert: { kind: "REWRITE", size: next.size, message: `the consistency proof from size ${last.size} root ${last.rootHash} to size ${next.size} root ${next.rootHash} ${why}: the log is not an extension of the checkpoint the witness stored`, evidence },
  });
  const a = answer.json as { from?: unknown; to?: unknown; proof?: unknown } | null;
  if (!a || typeof a !== "object" || a.from !== last.size || a.to !== next.size) return rewrite("is not an answer for these sizes");
  if (!Array.isArray(a.proof) || a.proof.length > MAX_PROOF_HASHES || !a.proof.every((h) => typeof h === "string" && /^[0-9a-f]{64}$/.test(h))) return rewrite("is not a list of hashes");
  const ok = verifyConsistency(last.size, next.size, fromHex(last.rootHash), fromHex(next.rootHash), (a.proof as string[]).map(fromHex));
  return ok ? { ok: true } : rewrite("fails");
}

/** The store's checkpoint lines, checked: each body states its members, sizes strictly increase, one origin. */
export function checkStore(lines: readonly unknown[]): StoredCheckpoint[] {
  const out: StoredCheckpoint[] = [];
  for (const [i, l] of lines.entries()) {
    const c = l as Partial<StoredCheckpoint> | null;
    const body = c?.signed && typeof c.signed === "object" ? c.signed.body : undefined;
    const parsed = typeof body === "string" ? parseCheckpointBody(body) : null;
    if (!c || !parsed || parsed.origin !== c.origin || parsed.size !== c.size || parsed.rootHash !== c.rootHash || parsed.issuedAt !== c.issuedAt) throw new Error(`store line ${i + 1}: not a checkpoint whose body states its members`);
    const prev = out.at(-1);
    if (prev && c.size! <= prev.size) throw new Error(`store line ${i + 1}: size ${c.size} after ${prev.size}`);
    if (prev && c.origin !== prev.origin) throw new Error(`store line ${i + 1}: origin ${c.origin} after ${prev.origin}`);
    out.push(c as StoredCheckpoint);
  }
  return out;
}
