import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { Executor, Tx } from "#db/client";
import { amendments, contracts, ocdsReleases, openings, organisations, projects, resultDocuments, sectionResults, sections, tenderDocuments, type OcdsRelease } from "#db/schema/index";
import type { Config } from "../platform/config.server";
import { buildRelease, ocidOf, type DocumentInput, type OrgInput, type Release, type ReleaseInput, type ReleaseTag, type SectionInput } from "./release";

/**
 * Open data (docs/open-data.md): `publishRelease` turns the project's current PUBLIC state into one OCDS release,
 * inside the transaction of the command that changed it, so the release exists exactly when the change does.
 * Called (one line each) by: tender published, amendment issued (tendering/tenders.server.ts), opening closed,
 * failure notice issued at the opening or the evaluation (opening/opening.server.ts issueFailureNotice, which
 * evaluation/review.server.ts publishEvaluationFailureNotice goes through), and the results commands.
 */

export type OpenDataConfig = Pick<Config, "publicUrl" | "ocdsOcidPrefix">;

/** Any constant: the advisory lock that orders the feed (see publishRelease). */
const FEED_LOCK = 0x0cd5_f33d;

/**
 * Writes one release of the project's current public state, tagged `tags`, dated `now` (the command's database
 * time). The feed's cursor is `seq`: the transaction takes a transaction-scoped advisory lock before drawing its
 * `seq`, so releases commit in `seq` order and a reader paging by `seq > cursor` never skips one that commits
 * later with a smaller number. The lock is held until the command commits (commands are short; the record head
 * is locked the same way right after).
 *
 * For the results commands: call it after the command's own writes, with
 * - tags ["tenderUpdate"] when the candidates are publicised (R51: `publicityStartedAt` set),
 * - tags ["award"] in the command that issues the notices (R54/R56: `notifiedAt` set, the winner becomes public),
 * - tags ["contract"] when the contract is published (R57: `contracts.publishedAt` set, or its document public),
 * - tags ["tenderUpdate"] when a section ends without an award (stage "ended") or goes back to evaluation ("recheck").
 */
export async function publishRelease(
  tx: Tx,
  input: { projectId: string; tags: ReleaseTag[]; now: Date },
  config: OpenDataConfig,
): Promise<{ seq: number; releaseId: string; ocid: string }> {
  await tx.execute(sql`select pg_advisory_xact_lock(${FEED_LOCK})`);
  const state = await publicState(tx, input.projectId);
  const ocid = ocidOf(config.ocdsOcidPrefix, state.project.code);
  const [next] = rowsOf<{ seq: string | number }>(await tx.execute(sql`select nextval(pg_get_serial_sequence('ocds_releases', 'seq')) as seq`));
  const seq = Number(next!.seq);
  const releaseId = `${ocid}-${seq}`;
  const data = buildRelease({ ...state, ocid, releaseId, date: input.now, tags: input.tags, publicUrl: config.publicUrl });
  await tx.insert(ocdsReleases).values({ seq, ocid, releaseId, projectId: input.projectId, date: input.now, tags: input.tags, data });
  return { seq, releaseId, ocid };
}

function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

type OrgRow = { id: string; name: string; creditCode: string | null; region: string; address: string };
const orgInput = (o: OrgRow, withAddress: boolean): OrgInput => ({
  id: o.id,
  name: o.name,
  creditCode: o.creditCode,
  ...(withAddress ? { region: o.region, address: o.address } : {}),
});
const orgColumns = { id: organisations.id, name: organisations.name, creditCode: organisations.creditCode, region: organisations.region, address: organisations.address };

/** The project's public state as the builder's inputs (everything but the release's own id, date and tags). */
export async function publicState(db: Executor, projectId: string): Promise<Omit<ReleaseInput, "ocid" | "releaseId" | "date" | "tags" | "publicUrl">> {
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p) throw new Error(`open data: no project ${projectId}`);
  const secs = await db.select().from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq));
  const sectionIds = secs.map((s) => s.id);
  const none = sectionIds.length === 0;
  const [docs, amends, opens, results, resultDocs, contractRows] = await Promise.all([
    db.select().from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId)).orderBy(asc(tenderDocuments.version), asc(tenderDocuments.filename)),
    db.select().from(amendments).where(eq(amendments.projectId, projectId)).orderBy(asc(amendments.seq)),
    none ? [] : db.select().from(openings).where(inArray(openings.sectionId, sectionIds)),
    none ? [] : db.select().from(sectionResults).where(inArray(sectionResults.sectionId, sectionIds)),
    none ? [] : db.select().from(resultDocuments).where(and(inArray(resultDocuments.sectionId, sectionIds), eq(resultDocuments.public, true))).orderBy(asc(resultDocuments.issuedAt), asc(resultDocuments.number)),
    none ? [] : db.select().from(contracts).where(inArray(contracts.sectionId, sectionIds)),
  ]);

  // Organisations named publicly: the tendering side, the bidders read out (R28: by name, unique on the platform),
  // the publicised candidates, the winner and the contract's supplier.
  const readNames = new Set<string>();
  for (const o of opens) for (const r of o.reading ?? []) readNames.add(r.bidder);
  const orgIds = new Set<string>([p.tenderingUnitId, ...(p.agencyId ? [p.agencyId] : [])]);
  for (const r of results) for (const c of r.candidates) orgIds.add(c.orgId);
  for (const k of contractRows) orgIds.add(k.winnerOrgId);
  const orgRows = [
    ...(await db.select(orgColumns).from(organisations).where(inArray(organisations.id, [...orgIds]))),
    ...(readNames.size ? await db.select(orgColumns).from(organisations).where(inArray(organisations.name, [...readNames])) : []),
  ];
  const byId = new Map(orgRows.map((o) => [o.id, o]));
  const byName = new Map(orgRows.map((o) => [o.name, o]));
  const org = (id: string): OrgInput => {
    const o = byId.get(id);
    if (!o) throw new Error(`open data: no organisation ${id}`);
    return orgInput(o, false);
  };

  const documentsById = new Map(resultDocs.map((d) => [d.id, d]));
  const sectionInputs: SectionInput[] = secs.map((s) => {
    const o = opens.find((x) => x.sectionId === s.id) ?? null;
    const r = results.find((x) => x.sectionId === s.id) ?? null;
    const k = contractRows.find((x) => x.sectionId === s.id) ?? null;
    const kDoc = k ? (documentsById.get(k.documentId) ?? null) : null;
    const contractPublic = !!k && (!!k.publishedAt || !!kDoc);
    return {
      id: s.id,
      code: s.code,
      title: s.title,
      status: s.status,
      ceilingPriceFen: s.ceilingPriceFen,
      opening: o
        ? {
            phase: o.phase,
            openedAt: o.openedAt,
            bidCount: o.bidCount,
            // R26/R28: the read-out exists only once every bid is opened or decided; it is public from then on.
            reading: o.reading
              ? o.reading.map((row) => {
                  const named = byName.get(row.bidder);
                  return { order: row.order, priceYuan: row.priceYuan, bidder: named ? orgInput(named, false) : { id: `read-${s.code}-${row.order}`, name: row.bidder, creditCode: null } };
                })
              : null,
            closedAt: o.closedAt,
            record: o.recordSha256 && o.closedAt ? blobDoc(`opening-record-${s.code}`, o.recordSha256, o.closedAt) : null,
            failureNotice: o.failureNoticeSha256 ? blobDoc(`failure-notice-${s.code}`, o.failureNoticeSha256, null) : null,
          }
        : null,
      result: r
        ? {
            stage: r.stage,
            publicityStartedAt: r.publicityStartedAt,
            publicityEndsAt: r.publicityEndsAt,
            candidates: r.candidates.map((c) => ({ rank: c.rank, bidId: c.bidId, org: org(c.orgId), priceFen: c.priceFen })),
            validBids: r.bidders.filter((b) => b.valid).length,
            winnerBidId: r.winnerBidId,
            notifiedAt: r.notifiedAt,
          }
        : null,
      resultDocuments: resultDocs
        .filter((d) => d.sectionId === s.id && d.kind !== "contract")
        .map((d) => ({ id: d.id, kind: d.kind, number: d.number, filename: d.filename, contentType: "application/pdf", sha256: d.sha256, size: d.size, publishedAt: d.issuedAt })),
      contract:
        k && contractPublic
          ? {
              amountFen: k.amountFen,
              signedOn: k.signedOn,
              supplier: org(k.winnerOrgId),
              document: kDoc ? { id: kDoc.id, filename: kDoc.filename, contentType: "application/pdf", sha256: kDoc.sha256, size: kDoc.size, publishedAt: k.publishedAt ?? kDoc.issuedAt } : null,
            }
          : null,
    };
  });

  const tu = byId.get(p.tenderingUnitId)!;
  const agency = p.agencyId ? byId.get(p.agencyId)! : null;
  const notice = p.notice ?? {};
  return {
    project: {
      id: p.id,
      code: p.code,
      title: p.title,
      description: p.description,
      regime: p.regime,
      category: p.category,
      status: p.status,
      estimateFen: p.estimateFen,
      publishedAt: p.publishedAt,
      questionDeadline: p.questionDeadline,
      bidDeadline: p.bidDeadline,
      location: p.location,
      fundingSource: p.fundingSource,
    },
    tenderingUnit: orgInput(tu, true),
    agency: agency ? orgInput(agency, true) : null,
    reviewBody: null,
    contact: notice.contactName || notice.contactPhone ? { name: notice.contactName ?? "", telephone: notice.contactPhone ?? "" } : null,
    documents: docs.map(
      (d): DocumentInput => ({
        id: d.id,
        filename: d.filename,
        contentType: d.contentType,
        sha256: d.sha256,
        size: d.size,
        version: d.version,
        // Documents of the first version were uploaded to the draft: public from the publication on.
        publishedAt: p.publishedAt && d.createdAt < p.publishedAt ? p.publishedAt : d.createdAt,
      }),
    ),
    amendments: amends.map((a) => ({
      seq: a.seq,
      title: a.title,
      body: a.body,
      issuedAt: a.issuedAt,
      previousDeadline: a.previousDeadline,
      newDeadline: a.newDeadline,
      extended: a.extended,
      documentVersion: a.documentVersion,
    })),
    sections: sectionInputs,
  };
}

function blobDoc(id: string, sha256: string, publishedAt: Date | null): DocumentInput {
  return { id, filename: `${id}.pdf`, contentType: "application/pdf", sha256, size: 0, publishedAt };
}

// ——— the feed's queries ———

export type StoredRelease = Pick<OcdsRelease, "seq" | "ocid" | "releaseId" | "date" | "tags"> & { data: Release };

const releaseColumns = { seq: ocdsReleases.seq, ocid: ocdsReleases.ocid, releaseId: ocdsReleases.releaseId, date: ocdsReleases.date, tags: ocdsReleases.tags, data: ocdsReleases.data };

/** Releases after `cursor` in feed order, at most `limit`; `more` tells whether another page follows. */
export async function releasesAfter(db: Executor, cursor: number, limit: number): Promise<{ rows: StoredRelease[]; more: boolean }> {
  const rows = (await db.select(releaseColumns).from(ocdsReleases).where(gt(ocdsReleases.seq, cursor)).orderBy(asc(ocdsReleases.seq)).limit(limit + 1)) as StoredRelease[];
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

export async function releaseById(db: Executor, releaseId: string): Promise<StoredRelease | null> {
  const [row] = (await db.select(releaseColumns).from(ocdsReleases).where(eq(ocdsReleases.releaseId, releaseId))) as StoredRelease[];
  return row ?? null;
}

export async function releasesOf(db: Executor, ocid: string): Promise<StoredRelease[]> {
  return (await db.select(releaseColumns).from(ocdsReleases).where(eq(ocdsReleases.ocid, ocid)).orderBy(asc(ocdsReleases.seq))) as StoredRelease[];
}

/**
 * Records in the order their first release was published (a stable order: a record never moves), after the
 * record whose first release is `cursor`. Follow the release feed to learn of changes.
 */
export async function recordsAfter(db: Executor, cursor: number, limit: number): Promise<{ records: { ocid: string; first: number; releases: StoredRelease[] }[]; more: boolean }> {
  const firsts = rowsOf<{ ocid: string; first: string | number }>(
    await db.execute(sql`select ocid, min(seq) as first from ocds_releases group by ocid having min(seq) > ${cursor} order by min(seq) limit ${limit + 1}`),
  ).map((r) => ({ ocid: r.ocid, first: Number(r.first) }));
  const page = firsts.slice(0, limit);
  const all = page.length ? ((await db.select(releaseColumns).from(ocdsReleases).where(inArray(ocdsReleases.ocid, page.map((r) => r.ocid))).orderBy(asc(ocdsReleases.seq))) as StoredRelease[]) : [];
  return { records: page.map((r) => ({ ...r, releases: all.filter((x) => x.ocid === r.ocid) })), more: firsts.length > limit };
}
