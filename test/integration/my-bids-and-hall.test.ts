// A bidder's own bids (/my-bids, app/services/bids/my-bids.server.ts) through their life: sealed, replaced,
// withdrawn, awaiting the opening, in the hall, decrypted, read out. And the hall's state before it exists: waiting
// only until the deadline — afterwards it is opening (the job is due) or not held, never "not started".
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { projects } from "#db/schema/index";
import { listMyBids } from "#app/services/bids/my-bids.server";
import { withdrawBid } from "#app/services/bids/bids.server";
import { openHall, releaseBidKey } from "#app/services/opening/opening.server";
import { hallView } from "#app/services/opening/opening-view.server";
import { PUBLIC_ACTOR } from "#app/services/platform/actor";
import { dbNow } from "#app/services/platform/command.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import { toBase64 } from "#crypto/seal/format";
import { demoPdf } from "../../server/demo-pdf";
import { submit } from "../helpers/bids";
import { forEachDriver } from "../helpers/db";
import { failure } from "../helpers/errors";
import { makeActor, projectForm } from "../helpers/factories";
import { checkInAs, form, tenderWithBids } from "../helpers/opening";
import { enrollFor } from "../helpers/pki";

forEachDriver("my bids and the hall before it opens", (env) => {
  it("a bidder sees its own bids only, with the state of each: sealed, replaced, withdrawn", async () => {
    const { app } = env();
    const tu = await makeActor(app, "tendering_unit");
    const projectId = await createProject(app, tu, await projectForm(app));
    await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["my bids"]))) });
    await publishProject(app, tu, projectId);
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    const a = await makeActor(app, "bidder");
    const b = await makeActor(app, "bidder");
    const certA = await enrollFor(app, a);
    const certB = await enrollFor(app, b);

    expect((await listMyBids(app.db, a)).rows).toEqual([]);
    const v1 = await submit(app, a, certA, sectionId, null, [form("9800000"), new TextEncoder().encode("技术标")]);
    const v2 = await submit(app, a, certA, sectionId, null, [form("9700000"), new TextEncoder().encode("技术标 2")]);
    await submit(app, b, certB, sectionId, null, [form("9900000"), new TextEncoder().encode("技术标 B")]);

    const mine = await listMyBids(app.db, a);
    expect(mine.rows).toHaveLength(1);
    const row = mine.rows[0]!;
    expect(row).toMatchObject({ state: "sealed", deadlinePassed: false, project: { id: projectId }, section: { id: sectionId }, latest: { id: v2.bidId, version: 2, status: "submitted" } });
    expect(row.versions.map((v) => [v.version, v.status])).toEqual([
      [2, "submitted"],
      [1, "replaced"],
    ]);
    expect(row.versions.map((v) => v.id)).toContain(v1.bidId);
    // Nobody else's bid appears: b's own list has only b's bid.
    const theirs = await listMyBids(app.db, b);
    expect(theirs.rows.flatMap((r) => r.versions.map((v) => v.id))).not.toContain(v2.bidId);

    await withdrawBid(app, a, sectionId);
    expect((await listMyBids(app.db, a)).rows[0]).toMatchObject({ state: "withdrawn", latest: { status: "withdrawn" } });

    // Only bidders have such a page.
    expect((await failure(listMyBids(app.db, tu)))?.code).toBe("FORBIDDEN");
  });

  it("past the deadline: awaiting the opening, then in the hall, decrypted, read out", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder");
    const [b1, b2, b3] = t.bidders;
    expect((await listMyBids(app.db, b1!.actor)).rows[0]).toMatchObject({ state: "awaiting_opening", deadlinePassed: true, hall: true });

    await openHall(app, t.sectionId);
    expect((await listMyBids(app.db, b1!.actor)).rows[0]!.state).toBe("opening_pending");
    await checkInAs(app, b1!, t.sectionId);
    await releaseBidKey(app, b1!.actor, t.sectionId, toBase64(b1!.rawKey));
    expect((await listMyBids(app.db, b1!.actor)).rows[0]!.state).toBe("decrypted");
    expect((await listMyBids(app.db, b2!.actor)).rows[0]!.state).toBe("opening_pending");
    for (const b of [b2!, b3!]) {
      await checkInAs(app, b, t.sectionId);
      await releaseBidKey(app, b.actor, t.sectionId, toBase64(b.rawKey));
    }
    expect((await listMyBids(app.db, b1!.actor)).rows[0]!.state).toBe("read_out");
  });

  it("a hall whose deadline has passed is opening (the job is due) or not held, never waiting", async () => {
    const { app } = env();
    // Before the deadline: waiting, with the countdown.
    const tu = await makeActor(app, "tendering_unit");
    const future = await createProject(app, tu, await projectForm(app));
    await addDocument(app, tu, future, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["hall"]))) });
    await publishProject(app, tu, future);
    const futureSection = (await getManagedProject(app.db, tu, future)).sections[0]!.id;
    const now = await dbNow(app.db);
    expect((await hallView(app.db, PUBLIC_ACTOR, futureSection, now)).notOpen).toBe("waiting");

    // Deadline passed, the opening job has not run yet: the hall is opening, not "not started".
    const t = await tenderWithBids(app, 3, "bidder");
    const due = await hallView(app.db, PUBLIC_ACTOR, t.sectionId, await dbNow(app.db));
    expect(due.opening).toBeNull();
    expect(due.notOpen).toBe("due");
    // The job opens it: an opening exists and `notOpen` is gone.
    await openHall(app, t.sectionId);
    const open = await hallView(app.db, PUBLIC_ACTOR, t.sectionId, await dbNow(app.db));
    expect(open.opening?.phase).toBe("decryption");
    expect(open.notOpen).toBeNull();

    // A tender suspended past its deadline cannot open: no opening is held (not "waiting" either).
    const s = await tenderWithBids(app, 2, "bidder");
    await app.db.update(projects).set({ status: "suspended" }).where(eq(projects.id, s.projectId));
    expect(await openHall(app, s.sectionId)).toBeNull();
    expect((await hallView(app.db, PUBLIC_ACTOR, s.sectionId, await dbNow(app.db))).notOpen).toBe("none");
  });
});
