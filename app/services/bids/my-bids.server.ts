import { and, desc, eq, inArray } from "drizzle-orm";
import type { Executor } from "#db/client";
import { bidOpenings, bids, bidUploads, openings, projects, sections } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { myBidState } from "#app/domain/my-bids";
import { hasPermission } from "#app/domain/permissions";
import type { Actor } from "../platform/actor";
import { dbNow } from "../platform/command.server";

/**
 * A bidder's own bids (/my-bids): every section its organisation has bid on (any version) or has an upload open for,
 * newest deadline first — tender, section, where the bid stands (app/domain/my-bids.ts), its versions with their
 * receipts, the deadline, and links to the bid page and the opening hall. Only the bidder's own organisation's rows
 * (ADR 010: nobody else sees who bid before the opening).
 */
export async function listMyBids(db: Executor, actor: Actor) {
  if (!actor.user || !actor.orgId) throw new DomainError("UNAUTHENTICATED");
  if (!hasPermission(actor.roles, "bid:submit")) throw new DomainError("FORBIDDEN", { permission: "bid:submit" });
  const orgId = actor.orgId;
  const now = await dbNow(db);
  const versions = await db
    .select({ id: bids.id, sectionId: bids.sectionId, version: bids.version, status: bids.status, receivedAt: bids.receivedAt, totalBytes: bids.totalBytes, sealedBeforeAmendment: bids.sealedBeforeAmendment })
    .from(bids)
    .where(eq(bids.orgId, orgId))
    .orderBy(desc(bids.version));
  const uploads = await db
    .select({ sectionId: bidUploads.sectionId, userId: bidUploads.userId, storedBytes: bidUploads.storedBytes, totalBytes: bidUploads.totalBytes, lastActivityAt: bidUploads.lastActivityAt })
    .from(bidUploads)
    .where(and(eq(bidUploads.orgId, orgId), eq(bidUploads.status, "open")));
  const sectionIds = [...new Set([...versions.map((v) => v.sectionId), ...uploads.map((u) => u.sectionId)])];
  if (!sectionIds.length) return { rows: [], now: now.toISOString() };
  const secs = await db
    .select({
      sectionId: sections.id,
      sectionCode: sections.code,
      sectionTitle: sections.title,
      projectId: projects.id,
      projectCode: projects.code,
      projectTitle: projects.title,
      projectStatus: projects.status,
      bidDeadline: projects.bidDeadline,
      phase: openings.phase,
    })
    .from(sections)
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .leftJoin(openings, eq(openings.sectionId, sections.id))
    .where(inArray(sections.id, sectionIds))
    .orderBy(desc(projects.bidDeadline), sections.seq);
  const states = await db
    .select({ sectionId: bidOpenings.sectionId, state: bidOpenings.state })
    .from(bidOpenings)
    .where(and(eq(bidOpenings.orgId, orgId), inArray(bidOpenings.sectionId, sectionIds)));
  const rows = secs.map((s) => {
    const mine = versions.filter((v) => v.sectionId === s.sectionId);
    const latest = mine[0] ?? null;
    const upload = uploads.find((u) => u.sectionId === s.sectionId && u.userId === actor.user!.id) ?? uploads.find((u) => u.sectionId === s.sectionId) ?? null;
    const openingState = states.find((x) => x.sectionId === s.sectionId)?.state ?? null;
    const deadlinePassed = now >= s.bidDeadline;
    return {
      project: { id: s.projectId, code: s.projectCode, title: s.projectTitle },
      section: { id: s.sectionId, code: s.sectionCode, title: s.sectionTitle },
      deadline: s.bidDeadline.toISOString(),
      deadlinePassed,
      state: myBidState({ latestStatus: latest?.status ?? null, uploadOpen: !!upload, deadlinePassed, openingPhase: s.phase ?? null, openingState }),
      /** The hall exists (or is due): the link leads somewhere worth seeing. */
      hall: !!s.phase || deadlinePassed,
      latest: latest && { id: latest.id, version: latest.version, status: latest.status, receivedAt: latest.receivedAt.toISOString(), totalBytes: latest.totalBytes, sealedBeforeAmendment: latest.sealedBeforeAmendment },
      versions: mine.map((v) => ({ id: v.id, version: v.version, status: v.status, receivedAt: v.receivedAt.toISOString() })),
      upload: upload && { storedBytes: upload.storedBytes, totalBytes: upload.totalBytes, mine: upload.userId === actor.user!.id, lastActivityAt: upload.lastActivityAt.toISOString() },
    };
  });
  return { rows, now: now.toISOString() };
}
