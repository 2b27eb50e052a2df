import { asc, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { toBase64 } from "#crypto/seal/format";
import { ocdsReleases, openingKeys } from "#db/schema/index";
import { closeOpening, hallState, openHall, publishFailureNotice, releaseBidKey } from "#app/services/opening/opening.server";
import { DOCUMENT_HASH } from "#app/services/open-data/release";
import type { AppContext } from "#app/services/platform/context.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, issueAmendment, publishProject } from "#app/services/tendering/tenders.server";
import { loader as policyRoute } from "#app/routes/api.ocds._index";
import { loader as releasesRoute } from "#app/routes/api.ocds.releases._index";
import { loader as releaseRoute } from "#app/routes/api.ocds.releases.$releaseId";
import { loader as recordsRoute } from "#app/routes/api.ocds.records._index";
import { loader as recordRoute } from "#app/routes/api.ocds.records.$ocid";
import { ocdsValidator } from "#test/fixtures/ocds-1.1.5/validator";
import { demoPdf } from "../../server/demo-pdf";
import { submit } from "../helpers/bids";
import { forEachDriver } from "../helpers/db";
import { makeActor, projectForm, setBidDeadline } from "../helpers/factories";
import { checkInAs, closeWindow, form, tenderWithBids, type Bidder } from "../helpers/opening";
import { enrollFor } from "../helpers/pki";

type Obj = Record<string, unknown>;
type Route = (args: never) => Promise<Response> | Response;
const V = ocdsValidator();

/** GET through a route's loader, as Remix calls it. */
async function get(app: AppContext, route: Route, pathAndQuery: string, params: Record<string, string> = {}) {
  const request = new Request(`http://localhost${pathAndQuery}`);
  const res = (await route({ request, params, context: { app, ip: null, userAgent: null, requestId: "t", csrfToken: "", cspNonce: "" } } as never)) as Response;
  const text = await res.text();
  return { res, body: JSON.parse(text) as Obj };
}

const local = (absolute: string) => {
  const u = new URL(absolute);
  return `${u.pathname}${u.search}`;
};

/** A published tender, amended (R10), then three sealed bids and the deadline passed. */
async function amendedTenderWithBids(app: AppContext) {
  const tu = await makeActor(app, "tendering_unit");
  const projectId = await createProject(app, tu, await projectForm(app, { keyModel: "bidder" }));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["open data"]))) });
  await enrollFor(app, tu);
  await publishProject(app, tu, projectId);
  const amendmentPdf = await app.blobs.put(demoPdf(["amendment"]));
  await issueAmendment(app, tu, projectId, { title: "澄清一", body: "调整工程量清单第3项。", affectsBidPreparation: false }, [{ filename: "澄清文件.pdf", contentType: "application/pdf", ...amendmentPdf }]);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  const [k] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
  const opening = k ? { kid: k.kid, publicKeySpki: Buffer.from(k.publicKeySpki, "base64") } : null;
  const bidders: Bidder[] = [];
  for (let i = 0; i < 3; i++) {
    const actor = await makeActor(app, "bidder", `开放数据投标人${i + 1}-${projectId}`);
    const cert = await enrollFor(app, actor);
    const r = await submit(app, actor, cert, sectionId, opening, [form(String(9_800_000 + i * 100_000)), new TextEncoder().encode("技术标正文")]);
    bidders.push({ actor, cert, rawKey: r.sealed.rawKey, bidId: r.bidId });
  }
  await setBidDeadline(app, projectId, new Date(Date.now() - 1000));
  return { tu, projectId, sectionId, bidders, amendmentSha: amendmentPdf.sha256 };
}

forEachDriver("open data (OCDS 1.1.5)", (env) => {
  it("tender, amendment, opening read-out and a failed section become releases; the feed pages without gaps or repeats; every package validates", async () => {
    const { app } = env();
    const t = await amendedTenderWithBids(app);
    // The opening to its read-out (R24–R29) and its close.
    expect(await openHall(app, t.sectionId)).toBe("decryption");
    for (const b of t.bidders) {
      await checkInAs(app, b, t.sectionId);
      await releaseBidKey(app, b.actor, t.sectionId, toBase64(b.rawKey));
    }
    await closeWindow(app, t.sectionId);
    expect((await hallState(app.db, t.sectionId)).opening!.phase).toBe("reading");
    const record = await closeOpening(app, t.tu, t.sectionId);

    // A second tender that fails at its opening (R25: two bids) and gets its failure notice.
    const f = await tenderWithBids(app, 2, "bidder");
    expect(await openHall(app, f.sectionId)).toBe("failed");
    const notice = await publishFailureNotice(app, f.sectionId);
    expect(await publishFailureNotice(app, f.sectionId)).toBeNull(); // a job run twice publishes nothing more

    const stored = await app.db.select().from(ocdsReleases).orderBy(asc(ocdsReleases.seq));
    const mine = stored.filter((r) => r.projectId === t.projectId);
    const failed = stored.filter((r) => r.projectId === f.projectId);
    expect(mine.map((r) => r.tags)).toEqual([["tender"], ["tenderAmendment"], ["tenderUpdate"]]);
    expect(failed.map((r) => r.tags)).toEqual([["tender"], ["tenderUpdate"]]);
    for (const r of stored) {
      expect(r.data).toMatchObject({ ocid: r.ocid, id: r.releaseId, date: r.date.toISOString(), tag: r.tags });
      expect(V.release(r.data)).toEqual([]);
      expect(V.codes(r.data)).toEqual([]);
    }

    // The contents: the tender release has no bids; the amendment is listed with the new document version and its hash.
    const [tenderR, amendR, closeR] = mine.map((r) => r.data as Obj);
    expect(tenderR!.bids).toBeUndefined();
    expect((tenderR!.tender as Obj).status).toBe("active");
    const amendments = (amendR!.tender as Obj).amendments as Obj[];
    expect(amendments).toEqual([expect.objectContaining({ id: "amendment-1", rationale: "澄清一" })]);
    const amendDocs = (amendR!.tender as Obj).documents as Obj[];
    expect(amendDocs.map((d) => DOCUMENT_HASH.exec(String(d.description))?.[1])).toContain(t.amendmentSha);
    // The close: the read-out (R28) and the signed record (R29) with its hash.
    const bids = closeR!.bids as { statistics: Obj[]; details: Obj[] };
    expect(bids.statistics).toEqual([expect.objectContaining({ measure: "bids", value: 3 })]);
    expect(bids.details.map((d) => (d.value as Obj).amount)).toEqual([9_800_000, 9_900_000, 10_000_000]);
    const tenderers = (closeR!.parties as Obj[]).filter((x) => (x.roles as string[]).includes("tenderer")).map((x) => x.name);
    expect(tenderers).toHaveLength(3);
    const recordDoc = ((closeR!.tender as Obj).documents as Obj[]).find((d) => d.documentType === "bidders")!;
    expect(DOCUMENT_HASH.exec(String(recordDoc.description))![1]).toBe(record.sha256);
    // The failed tender: unsuccessful, with its failure notice's hash and the bid count only (no names, R25).
    const failR = failed[1]!.data as Obj;
    expect((failR.tender as Obj).status).toBe("unsuccessful");
    expect(((failR.tender as Obj).documents as Obj[]).map((d) => DOCUMENT_HASH.exec(String(d.description))?.[1])).toContain(notice!.sha256);
    expect((failR.bids as Obj).details).toBeUndefined();
    // Nothing private: no user name, no project manager from the sealed form, no bidder address.
    const all = JSON.stringify(stored.map((r) => r.data));
    expect(all).not.toContain(t.tu.username);
    expect(all).not.toContain("陈建国");
    expect(all).not.toContain("技术标正文");

    // The feed, two at a time: every release exactly once, in seq order, each page a valid release package.
    const seen: string[] = [];
    let path: string | null = "/api/ocds/releases?limit=2";
    let pages = 0;
    while (path) {
      const { res, body } = await get(app, releasesRoute, path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(res.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
      expect(V.releasePackage(body)).toEqual([]);
      const releases = body.releases as Obj[];
      expect(releases.length).toBeGreaterThan(0);
      expect(releases.length).toBeLessThanOrEqual(2);
      for (const r of releases) expect(V.codes(r)).toEqual([]);
      seen.push(...releases.map((r) => String(r.id)));
      const next = (body.links as Obj | undefined)?.next as string | undefined;
      expect(res.headers.get("link")).toBe(next ? `<${next}>; rel="next"` : null);
      path = next ? local(next) : null;
      pages++;
    }
    expect(seen).toEqual(stored.map((r) => r.releaseId));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(stored.length / 2));
    // limit bounds: 100 returns everything in one page; 1 returns one.
    expect(((await get(app, releasesRoute, "/api/ocds/releases?limit=100")).body.releases as Obj[]).length).toBe(stored.length);
    expect(((await get(app, releasesRoute, "/api/ocds/releases?limit=1")).body.releases as Obj[]).length).toBe(1);
    // A cursor resumes strictly after it.
    const mid = stored[2]!.seq;
    expect(((await get(app, releasesRoute, `/api/ocds/releases?cursor=${mid}&limit=100`)).body.releases as Obj[]).map((r) => r.id)).toEqual(stored.slice(3).map((r) => r.releaseId));
    // Bad parameters: a JSON 400 with the reason, never a 5xx.
    for (const bad of ["cursor=abc", "cursor=-1", "cursor=1.5", "cursor=99999999999999999999", "limit=0", "limit=101", "limit=x", "cursor=1&cursor=2", "page=2"]) {
      const { res, body } = await get(app, releasesRoute, `/api/ocds/releases?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect((body.error as Obj).code).toMatch(/^OCDS_BAD_/);
      expect(String((body.error as Obj).message)).toMatch(/cursor|limit|参数/);
    }

    // One release by id: a valid one-release package; an unknown or absurd id is a JSON 404.
    const one = await get(app, releaseRoute, "/x", { releaseId: mine[1]!.releaseId });
    expect(one.res.status).toBe(200);
    expect(V.releasePackage(one.body)).toEqual([]);
    expect((one.body.releases as Obj[]).map((r) => r.id)).toEqual([mine[1]!.releaseId]);
    for (const id of ["nope", "x".repeat(500), "a\u0000b"]) expect((await get(app, releaseRoute, "/x", { releaseId: id })).res.status).toBe(404);

    // Records, one per page: every ocid exactly once, each a valid record package with linked releases.
    const ocids: string[] = [];
    path = "/api/ocds/records?limit=1";
    while (path) {
      const { res, body } = await get(app, recordsRoute, path);
      expect(res.status).toBe(200);
      expect(V.recordPackage(body)).toEqual([]);
      const records = body.records as Obj[];
      expect(records).toHaveLength(1);
      for (const r of records) {
        expect(V.release(r.compiledRelease)).toEqual([]);
        for (const l of r.releases as Obj[]) expect(Object.keys(l).sort()).toEqual(["date", "tag", "url"]);
      }
      ocids.push(...records.map((r) => String(r.ocid)));
      const next = (body.links as Obj | undefined)?.next as string | undefined;
      path = next ? local(next) : null;
    }
    expect(ocids).toEqual([...new Set(stored.map((r) => r.ocid))]);
    expect((await get(app, recordsRoute, "/api/ocds/records?limit=1000")).res.status).toBe(400);

    // One record: embedded releases and the compiled release (the latest state, the amendment kept).
    const ocid = mine[0]!.ocid;
    const rec = await get(app, recordRoute, "/x", { ocid });
    expect(rec.res.status).toBe(200);
    expect(V.recordPackage(rec.body)).toEqual([]);
    const [r0] = rec.body.records as Obj[];
    expect((r0!.releases as Obj[]).map((r) => r.id)).toEqual(mine.map((r) => r.releaseId));
    const compiled = r0!.compiledRelease as Obj;
    expect(compiled.tag).toEqual(["compiled"]);
    expect(V.codes(compiled)).toEqual([]);
    expect(((compiled.tender as Obj).amendments as Obj[]).map((a) => a.id)).toEqual(["amendment-1"]);
    expect(((compiled.bids as Obj).details as Obj[]).length).toBe(3);
    expect((await get(app, recordRoute, "/x", { ocid: "ocds-th0001-NOPE" })).res.status).toBe(404);

    // The publication policy the packages point to.
    const pol = await get(app, policyRoute, "/api/ocds");
    expect(pol.res.status).toBe(200);
    expect(pol.body).toMatchObject({ ocidPrefix: "ocds-th0001", version: "1.1" });
  });

  it("a cursor past the end is an empty page without links.next (the only answer that is not a package: OCDS needs one release)", async () => {
    const { app } = env();
    const { body, res } = await get(app, releasesRoute, `/api/ocds/releases?cursor=${Number.MAX_SAFE_INTEGER}`);
    expect(res.status).toBe(200);
    expect(body.releases).toEqual([]);
    expect(body.links).toBeUndefined();
    expect(res.headers.get("link")).toBeNull();
  });
});
