import { and, eq, inArray, isNotNull, ne } from "drizzle-orm";
import { openingKid, type SealedBox } from "#crypto/opening-key";
import type { Executor } from "#db/client";
import { bids, certificates, openingKeys, openingKeyShares, openings, projects, sections, users } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { hasPermission } from "#app/domain/permissions";
import type { Actor } from "../platform/actor";
import { channels } from "../platform/live-channels.server";
import { hallState } from "./opening.server";

export type HallRole = "runner" | "bidder" | "supervisor" | "custodian" | "public";

/**
 * What one viewer may see of the opening hall (docs/product.md §3.3, R26). Before the 唱标 the
 * public sees counts and who has checked in; the tendering side and supervisors see every
 * bidder's progress; a bidder sees its own bid (and what it needs to release its key); a
 * custodian sees its sealed share boxes. Names with prices only in the reading, for everyone.
 */
export async function hallView(db: Executor, actor: Actor, sectionId: string, now: Date) {
  if (!isUuid(sectionId)) throw new DomainError("NOT_FOUND");
  const hall = await hallState(db, sectionId);
  const { project: p, section: s, opening: o } = hall;
  const runner = hasPermission(actor.roles, "opening:run") && (actor.orgId === p.tenderingUnitId || actor.orgId === p.agencyId);
  const supervisor = hasPermission(actor.roles, "supervise:read");
  // A tender that is not published (a draft) does not exist for anyone but those who manage it and supervisors.
  const manages = !!actor.orgId && ((actor.roles.includes("tendering_unit") && actor.orgId === p.tenderingUnitId) || (actor.roles.includes("agency") && actor.orgId === p.agencyId));
  if ((p.status === "draft" || !p.publishedAt) && !manages && !supervisor) throw new DomainError("NOT_FOUND");
  const mine = actor.orgId ? hall.bids.find((b) => b.bo.orgId === actor.orgId) : undefined;
  const boxes = actor.user
    ? await db
        .select({ shareIndex: openingKeyShares.shareIndex, role: openingKeyShares.custodianRole, fingerprint: certificates.fingerprint, box: openingKeyShares.box })
        .from(openingKeyShares)
        .innerJoin(certificates, eq(certificates.id, openingKeyShares.certificateId))
        .where(and(eq(openingKeyShares.sectionId, sectionId), eq(certificates.userId, actor.user.id), eq(certificates.status, "active")))
    : [];
  const roles: HallRole[] = [...(runner ? ["runner" as const] : []), ...(supervisor ? ["supervisor" as const] : []), ...(mine ? ["bidder" as const] : []), ...(boxes.length ? ["custodian" as const] : [])];
  if (!roles.length) roles.push("public");
  const sees = runner || supervisor;
  const checkedIn = new Map(hall.checkins.map((c) => [c.orgId, c.at]));
  const count = (st: string) => hall.bids.filter((b) => b.bo.state === st).length;
  const reading = o && (o.phase === "reading" || o.phase === "closed") ? (o.reading ?? []) : null;

  const [key] = await db.select({ threshold: openingKeys.threshold }).from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
  let own: {
    state: string;
    lastError: string | null;
    checkedIn: boolean;
    confirmed: boolean;
    recipients: { kid: string; wrappedKey: string }[];
    openedBy: string | null;
    certificates: { id: string; fingerprint: string }[];
  } | null = null;
  if (mine) {
    const [b] = await db.select({ manifest: bids.manifest }).from(bids).where(eq(bids.id, mine.bo.bidId));
    own = {
      state: mine.bo.state,
      lastError: mine.bo.lastError,
      openedBy: mine.bo.openedBy,
      checkedIn: checkedIn.has(mine.bo.orgId),
      confirmed: hall.confirmations.some((c) => c.orgId === mine.bo.orgId),
      // The bidder's own wrapped content key(s): unwrapped in its browser with its PKCS#12 key.
      certificates: actor.user
        ? await db
            .select({ id: certificates.id, fingerprint: certificates.fingerprint })
            .from(certificates)
            .where(and(eq(certificates.userId, actor.user.id), eq(certificates.status, "active")))
        : [],
      recipients: (b?.manifest.recipients ?? []).filter((r) => r.kid !== openingKid(sectionId)).map((r) => ({ kid: r.kid, wrappedKey: r.wrappedKey })),
    };
  }
  const releasedBy = new Map(
    hall.releases.length ? (await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, hall.releases.map((r) => r.userId)))).map((u) => [u.id, u.name]) : [],
  );
  const phase = o?.phase ?? null;
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  // Before the hall exists: "waiting" only until the deadline (R24). After it the hall is open or closed, never
  // waiting: the opening job opens a published section at the deadline ("due" for the seconds until it has run);
  // a section that cannot open any more (the tender is suspended or terminated, or it was imported as history)
  // is "none" — no opening is held here.
  const notOpen: "waiting" | "due" | "none" | null = o ? null : now < p.bidDeadline ? "waiting" : s.status === "published" && p.status === "published" ? "due" : "none";

  return {
    channel: channels.opening(sectionId),
    roles,
    now: now.toISOString(),
    project: { id: p.id, code: p.code, title: p.title },
    section: { id: s.id, code: s.code, title: s.title, status: s.status, keyModel: s.keyModel.model, threshold: key?.threshold ?? 0 },
    deadline: p.bidDeadline.toISOString(),
    notOpen,
    opening: o && {
      phase: o.phase,
      openedAt: o.openedAt.toISOString(),
      decryptionEndsAt: o.decryptionEndsAt.toISOString(),
      readAt: iso(o.readAt),
      closedAt: iso(o.closedAt),
      bidCount: o.bidCount,
      failure: o.failure ?? [],
      record: !!o.recordSha256,
      failureNotice: !!o.failureNoticeSha256,
    },
    counts: {
      total: hall.bids.length,
      checkedIn: hall.checkins.length,
      decrypted: count("decrypted"),
      pending: count("pending"),
      revoked: count("revoked"),
      withdrawn: count("withdrawn"),
      confirmed: hall.confirmations.length,
      sharesReleased: hall.releases.length,
    },
    // Who is present: names of checked-in bidders for everyone (as broadcast); the missing ones by name for the parties.
    presence: hall.bids
      .filter((b) => sees || checkedIn.has(b.bo.orgId) || b.bo.orgId === actor.orgId)
      .map((b) => ({ name: b.name, checkedInAt: iso(checkedIn.get(b.bo.orgId)), mine: b.bo.orgId === actor.orgId })),
    bids: sees
      ? hall.bids.map((b) => ({ bidId: b.bo.bidId, name: b.name, state: b.bo.state, openedBy: b.bo.openedBy, lastError: b.bo.lastError, cause: b.bo.failureCause, reason: b.bo.decidedReason }))
      : [],
    own,
    custodian: boxes.length
      ? {
          boxes: boxes.map((x) => ({ shareIndex: x.shareIndex, role: x.role, fingerprint: x.fingerprint, box: x.box as SealedBox, released: hall.releases.some((r) => r.shareIndex === x.shareIndex) })),
        }
      : null,
    releases: hall.releases.map((r) => ({ shareIndex: r.shareIndex, by: releasedBy.get(r.userId) ?? "", at: r.at.toISOString() })),
    reading,
    objections: reading
      ? hall.objections.map((x) => ({
          id: x.id,
          bidder: sees || x.orgId === actor.orgId ? (hall.bids.find((b) => b.bo.orgId === x.orgId)?.name ?? "") : null,
          text: x.text,
          answer: x.answer,
          raisedAt: x.raisedAt.toISOString(),
          answeredAt: iso(x.answeredAt),
          mine: x.orgId === actor.orgId,
        }))
      : [],
    confirmed: reading ? hall.bids.filter((b) => hall.confirmations.some((c) => c.orgId === b.bo.orgId)).map((b) => b.name) : [],
    can: {
      checkIn: !!mine && !!o && !own?.checkedIn && (phase === "decryption" || phase === "fallback" || phase === "resolution" || phase === "reading"),
      release: !!mine && phase === "decryption" && own?.state === "pending" && now < o!.decryptionEndsAt,
      releaseShare: !!boxes.length && phase === "fallback",
      decide: runner && phase === "resolution",
      endFallback: runner && phase === "fallback",
      object: !!mine && phase === "reading",
      confirm: !!mine && phase === "reading" && !own?.confirmed,
      answer: runner && phase === "reading",
      close: runner && phase === "reading",
    },
  };
}

export type HallView = Awaited<ReturnType<typeof hallView>>;

/** The stored hash of a section's opening record or failure notice (both public documents, of published tenders only), or null. */
export async function openingDocument(db: Executor, projectId: string, sectionId: string, doc: "record" | "notice"): Promise<string | null> {
  if (!isUuid(sectionId) || !isUuid(projectId)) return null;
  const [row] = await db
    .select({ record: openings.recordSha256, notice: openings.failureNoticeSha256 })
    .from(openings)
    .innerJoin(sections, eq(sections.id, openings.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(and(eq(openings.sectionId, sectionId), eq(sections.projectId, projectId), ne(projects.status, "draft"), isNotNull(projects.publishedAt)));
  return (row && row[doc]) ?? null;
}
