import { Readable } from "node:stream";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Executor } from "#db/client";
import { bidOpenings, bids, organisations, roomPresence } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import type { Actor } from "../platform/actor";
import { runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { openPlaintext } from "../opening/plaintext.server";
import { loadEvaluation, memberOf, type Stage } from "./access.server";

type Ctx = Pick<AppContext, "db" | "blobs" | "config">;

/**
 * The bids the committee evaluates and their files (issue 12 item 4; docs/decisions/015-evaluation.md "Bid files"):
 * every bid decrypted at the opening (`bid_openings.state = decrypted`), in the order it was received (the order of
 * the 唱标), with the plaintext files the opening verified against the signed manifest (file 0 is the sealed bid form,
 * JSON). Since ADR 031 the opening does not store the plaintext: it is decrypted from the stored ciphertext when a
 * member reads it, every chunk checked against the manifest first and every GCM tag verified (`openPlaintext`); a
 * file whose stored ciphertext no longer verifies is refused (STORED_FILE_CORRUPT) with nothing served. Bids opened
 * before ADR 031 are served from their stored plaintext.
 *
 * The files are read only inside the review room, inline, by this section's seated members (entered and declared,
 * R41) who are in the room (an open presence: a member who left, or whose heartbeat lapsed, reads nothing until it
 * enters again), from the compliance review to the signing; every view is a command with its record entry
 * (`evaluation.file_viewed`: the member's seat, which bid, which file and its SHA-256). There is no public URL: every
 * request authenticates and checks the seat; anyone else — supervisors included, who watch the procedure and not
 * the bids (ADR 015 "Bid files"), the tendering unit, the agency, the bidders — gets NOT_FOUND (R42).
 */

export type SectionBid = {
  bidId: string;
  orgId: string;
  name: string;
  /** 1-based order of the reading (唱标). */
  order: number;
  /** The price as read out at the opening (唱标), yuan. */
  priceYuan: string;
  files: { index: number; name: string; size: number; sha256: string }[];
};

/** The section's decrypted bids, in the order of the reading. */
export async function sectionBids(db: Executor, sectionId: string): Promise<SectionBid[]> {
  const rows = await db
    .select({ bidId: bidOpenings.bidId, orgId: bidOpenings.orgId, name: organisations.name, files: bidOpenings.files, form: bidOpenings.form, receivedAt: bids.receivedAt })
    .from(bidOpenings)
    .innerJoin(bids, eq(bids.id, bidOpenings.bidId))
    .innerJoin(organisations, eq(organisations.id, bidOpenings.orgId))
    .where(and(eq(bidOpenings.sectionId, sectionId), eq(bidOpenings.state, "decrypted")))
    .orderBy(asc(bids.receivedAt), asc(bids.id));
  return rows
    .filter((r) => r.form)
    .map((r, i) => ({ bidId: r.bidId, orgId: r.orgId, name: r.name, order: i + 1, priceYuan: r.form!.form.priceYuan, files: r.files ?? [] }));
}

/** The largest file index a request may name (a bid has at most a few dozen files; the route allows 5 digits). */
export const MAX_FILE_INDEX = 10_000;

/** The stages in which bid files can be read (from the compliance review until the report is signed). */
export const FILE_STAGES: readonly Stage[] = ["review", "scoring", "summary", "signing"];

/**
 * The Content-Type a bid file is served with, from its index and its first bytes (never from the bidder's file
 * name): the sealed form (file 0) is JSON; `%PDF-` is a PDF; UTF-8 text without NUL is plain text; anything else is
 * opaque bytes, which the browser does not render (and, with nosniff and the sandbox, never runs).
 */
export function bidFileType(index: number, head: Uint8Array): string {
  if (index === 0) return "application/json; charset=utf-8";
  if (head.length >= 5 && String.fromCharCode(...head.subarray(0, 5)) === "%PDF-") return "application/pdf";
  if (head.length > 0 && !head.includes(0)) {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true }); // a sequence cut at the end is fine
      return "text/plain; charset=utf-8";
    } catch {
      /* not UTF-8 */
    }
  }
  return "application/octet-stream";
}

/**
 * The policy a bid file is served with. Every file: nothing loads from anywhere (`default-src 'none'`), only this
 * origin may frame it (the room page), no form, no base. A PDF is shown by the browser's own viewer, which Chromium
 * refuses to start in a sandboxed document (a CSP `sandbox` or a sandboxed frame blanks it) and whose synthetic page
 * needs inline styles — so a PDF gets those and no sandbox; the viewer runs PDF scripts, if any, in its own isolated
 * process. Anything else (the sealed form as JSON, plain text, opaque bytes) is also sandboxed: no script, no origin.
 */
export function bidFilePolicy(contentType: string): string {
  const base = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'";
  return contentType === "application/pdf" ? base : `sandbox; ${base}`;
}

/** Whether a member is in the room now (an open presence, entry.server.ts). */
export async function inRoom(db: Executor, sectionId: string, memberId: string): Promise<boolean> {
  const [present] = await db
    .select({ id: roomPresence.id })
    .from(roomPresence)
    .where(and(eq(roomPresence.memberId, memberId), eq(roomPresence.sectionId, sectionId), isNull(roomPresence.leftAt)))
    .limit(1);
  return !!present;
}

/** Who reads: a seated member in the room (open presence), by seat. NOT_FOUND for anyone else (R42). */
async function fileReader(db: Executor, actor: Actor, sectionId: string) {
  if (!actor.user) throw new DomainError("NOT_FOUND");
  const member = await memberOf(db, actor, sectionId);
  if (member?.status !== "seated" || !(await inRoom(db, sectionId, member.id))) throw new DomainError("NOT_FOUND");
  return { seat: member.seat, memberId: member.id };
}

/**
 * Opens one bid file for reading in the room, after recording the view (the record entry commits before a byte is
 * sent). NOT_FOUND: a malformed id (checked before any query), not this room's seated member in the room, no
 * evaluation, a bid of another section, a bid not decrypted, no such file, or the room not at a stage where files
 * are read.
 */
export async function openBidFile(ctx: Ctx, actor: Actor, sectionId: string, bidId: string, index: number): Promise<{ name: string; size: number; sha256: string; contentType: string; body: Readable }> {
  if (!isUuid(sectionId) || !isUuid(bidId) || !Number.isSafeInteger(index) || index < 0 || index > MAX_FILE_INDEX) throw new DomainError("NOT_FOUND");
  const ev = await loadEvaluation(ctx.db, sectionId);
  if (!ev) throw new DomainError("NOT_FOUND");
  const reader = await fileReader(ctx.db, actor, sectionId);
  if (!FILE_STAGES.includes(ev.stage)) throw new DomainError("NOT_FOUND");
  const file = await runCommand(ctx, actor, "evaluation.file_viewed", async ({ tx }) => {
    const [bo] = await tx
      .select({ files: bidOpenings.files, state: bidOpenings.state })
      .from(bidOpenings)
      .where(and(eq(bidOpenings.bidId, bidId), eq(bidOpenings.sectionId, sectionId)));
    const f = bo?.state === "decrypted" ? (bo.files ?? []).find((x) => x.index === index) : undefined;
    if (!f) throw new DomainError("NOT_FOUND");
    return {
      result: f,
      subjectType: "bid",
      subjectId: bidId,
      payload: { sectionId, seat: reader.seat, memberId: reader.memberId, fileIndex: f.index, name: f.name, sha256: f.sha256, size: f.size },
    };
  });
  const { head, body } = await peek(await openPlaintext(ctx, bidId, file), 512);
  return { name: file.name, size: file.size, sha256: file.sha256, contentType: bidFileType(index, head), body };
}

/** The first `n` bytes of a stream (or fewer, at its end) and a stream of all of it. */
async function peek(stream: Readable, n: number): Promise<{ head: Uint8Array; body: Readable }> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const taken: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    taken.push(r.value);
    size += r.value.length;
  }
  const head = new Uint8Array(Buffer.concat(taken).subarray(0, n));
  async function* all() {
    for (const c of taken) yield c;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, body: Readable.from(all(), { objectMode: false }) };
}
