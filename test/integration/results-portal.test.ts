import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { jobs, projects, resultDocuments, sectionResults, users } from "#db/schema/index";
import type { AppContext } from "#app/services/platform/context.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { runDueJobs } from "#app/services/platform/jobs.server";
import { answerResultObjection, decideWinner, fileResultObjection, issueNotices, recordContract } from "#app/services/results/results.server";
import { publicResultDocument, publicResults } from "#app/services/results/public.server";
import { atomFeed } from "#app/services/tendering/portal.server";
import { getPublicTender, listPublicTenders, listPublicTendersCached, type PortalFilters } from "#app/services/tendering/tender-queries.server";
import { forEachDriver } from "../helpers/db";
import { blobBytes, signedReport } from "../helpers/report";
import { demoPdf } from "../../server/demo-pdf";
import { loader as docRoute } from "../../app/routes/tenders.$id.results.$docId[.]pdf";
import { loader as tenderRoute } from "../../app/routes/tenders.$id._index";
import { loader as listRoute } from "../../app/routes/_index";
import { loader as feedRoute } from "../../app/routes/feed[.]atom";

const context = (app: AppContext) => ({ app, ip: null, userAgent: null, requestId: "t", csrfToken: "", cspNonce: "" });

/** An anonymous GET of a route loader, the way the browser does (no session). */
async function get(app: AppContext, route: (args: never) => unknown, url: string, params: Record<string, string> = {}) {
  return (await route({ request: new Request(`http://localhost${url}`), params, context: context(app) } as never)) as Response;
}

/** TEST FIXTURE: makes a results timer due now (the database clock cannot be moved), as in results.test.ts. */
async function fireTimer(app: AppContext, sectionId: string, timer: string, column: "publicityEndsAt") {
  const past = new Date(Date.now() - 1000);
  await app.db.update(sectionResults).set({ [column]: past }).where(eq(sectionResults.sectionId, sectionId));
  const due = await app.db.select({ id: jobs.id, payload: jobs.payload }).from(jobs).where(and(eq(jobs.kind, "results.timer"), eq(jobs.state, "pending")));
  for (const j of due) if (j.payload.sectionId === sectionId && j.payload.timer === timer) await app.db.update(jobs).set({ dueAt: past }).where(eq(jobs.id, j.id));
  await runDueJobs(app, jobHandlers([]));
}

/** The ids of the list for these filters (the code keeps it to this suite's project). */
const listed = async (app: AppContext, f: PortalFilters) => (await listPublicTenders(app.db, f)).items.map((i) => [i.id, i.portalStatus]);

/** Waits until a `portal` live event has been fanned out by the hub (the micro-cache is cleared by it). */
function nextPortalEvent(app: AppContext, type: string): Promise<void> {
  return new Promise((resolve) => {
    const off = app.hub.subscribe("portal", (e: { type?: string }) => {
      if (e.type === type) {
        off();
        resolve();
      }
    });
  });
}

forEachDriver("results on the public portal (R51, R52, R56, R58)", (env) => {
  it("publicity as publicised, answered objections without the objector, the announcement, the contract facts, the timeline, the feed and the list filters; private notices 404", async () => {
    const { app } = env();
    const { t } = await signedReport(app, 3);
    const pid = t.projectId;
    const sid = t.sectionId;
    const [proj] = await app.db.select({ code: projects.code, title: projects.title }).from(projects).where(eq(projects.id, pid));
    const q = proj!.code;

    // Report signed, publicity due: not yet public — the list says "closed", the section "publicity_due".
    expect(await listed(app, { q })).toEqual([[pid, "closed"]]);
    let view = await publicResults(app.db, pid);
    expect(view.sections[0]).toMatchObject({ stage: "publicity_due", publicity: null, announcement: null, contract: null, documents: [] });

    // The cached list (1 s micro-cache) is cleared by the `portal` event of the publicity (R51).
    expect((await listPublicTendersCached(app, { q })).items[0]!.portalStatus).toBe("closed");
    const published = nextPortalEvent(app, "results.publicity");
    await runDueJobs(app, jobHandlers([]));
    await published;
    expect((await listPublicTendersCached(app, { q })).items[0]!.portalStatus).toBe("publicity");

    // R51/EV22: the candidates exactly as the snapshot the PDF printed; every bidder's conclusion; no reasons (ZTB).
    const r = (await app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, sid)))[0]!;
    view = await publicResults(app.db, pid);
    const s0 = view.sections[0]!;
    expect(view.phase).toBe("publicity");
    expect(s0.stage).toBe("publicity");
    expect(s0.publicity).toMatchObject({ suspended: false, rejected: 1, reasonsPublished: false, endedAt: null });
    expect(s0.publicity!.startedAt.getTime()).toBe(r.publicityStartedAt!.getTime());
    expect(s0.publicity!.endsAt!.getTime()).toBe(r.publicityEndsAt!.getTime());
    expect(s0.publicity!.candidates).toEqual(
      r.candidates.map((c) => ({ rank: c.rank, name: c.name, priceFen: c.priceFen, quality: c.quality, durationDays: c.durationDays, projectManager: c.projectManager, total: c.total, groups: c.groups })),
    );
    expect(s0.publicity!.candidates.map((c) => c.projectManager)).toContain("陈建国");
    expect(s0.publicity!.bidders.find((b) => !b.valid)).toEqual({ name: r.bidders.find((b) => !b.valid)!.name, priceFen: r.bidders.find((b) => !b.valid)!.priceFen, valid: false, rank: null, total: null, groups: null });
    const pubDoc = s0.documents.find((d) => d.kind === "publicity")!;
    expect(s0.publicity!.documentId).toBe(pubDoc.id);
    // Never private: no rejection reason, no member name (R36), no organisation or bid id.
    const leaks = (json: string) => {
      expect(json).not.toContain("超过最高投标限价");
      expect(json).not.toContain("专家1");
      for (const b of r.bidders) {
        expect(json).not.toContain(b.orgId);
        expect(json).not.toContain(b.bidId);
      }
    };
    leaks(JSON.stringify(view));
    expect(await listed(app, { q, status: "publicity" })).toEqual([[pid, "publicity"]]);
    expect(await listed(app, { q, status: "closed" })).toEqual([]);

    // The public download route: the publicity PDF, signed, with its headers.
    const res = await get(app, docRoute, `/tenders/${pid}/results/${pubDoc.id}.pdf`, { id: pid, docId: pubDoc.id });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("x-content-sha256")).toBe(pubDoc.sha256);
    const cd = res.headers.get("content-disposition")!;
    expect(cd).toMatch(/^attachment; filename="publicity-GS-[\x20-\x7e]+\.pdf"; filename\*=UTF-8''/);
    expect(decodeURIComponent(cd.split("UTF-8''")[1]!)).toBe(pubDoc.filename);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(await blobBytes(app, pubDoc.sha256)))).toBe(true);
    // The public document of another project, a malformed id: 404.
    expect((await get(app, docRoute, "/x", { id: "00000000-0000-4000-8000-000000000000", docId: pubDoc.id })).status).toBe(404);
    expect((await get(app, docRoute, "/x", { id: pid, docId: "nope" })).status).toBe(404);

    // R52: an objection suspends; the public sees the suspension and the count, not the text nor the objector yet.
    const objector = t.bidders[1]!.actor;
    const [objUser] = await app.db.select({ name: users.displayName }).from(users).where(eq(users.id, objector.user!.id));
    const filed = await fileResultObjection(app, objector, sid, { body: "第一名投标人项目经理的业绩证明存疑，请复核。" });
    view = await publicResults(app.db, pid);
    expect(view.sections[0]).toMatchObject({ stage: "publicity_suspended", pendingObjections: 1, objections: [] });
    expect(view.sections[0]!.publicity!.suspended).toBe(true);
    expect(view.phase).toBe("publicity");
    await answerResultObjection(app, t.tu, filed.id, { answer: "经核查，业绩证明真实有效，异议不成立。", outcome: "dismissed" });
    view = await publicResults(app.db, pid);
    const answered = view.sections[0]!.objections;
    expect(answered).toHaveLength(1);
    expect(answered[0]).toMatchObject({ body: "第一名投标人项目经理的业绩证明存疑，请复核。", answer: "经核查，业绩证明真实有效，异议不成立。", outcome: "dismissed" });
    expect(Object.keys(answered[0]!).sort()).toEqual(["answer", "answeredAt", "body", "filedAt", "id", "outcome"]);
    const objJson = JSON.stringify(answered);
    expect(objJson).not.toContain(objector.orgId!);
    expect(objJson).not.toContain(objector.user!.id);
    expect(objJson).not.toContain(objUser!.name);
    expect(view.sections[0]).toMatchObject({ stage: "publicity", pendingObjections: 0 });

    // R51: the period ends; the decision is due — the list no longer says publicity.
    await fireTimer(app, sid, "publicity_end", "publicityEndsAt");
    await decideWinner(app, t.tu, sid, { bidId: r.candidates[0]!.bidId });
    view = await publicResults(app.db, pid);
    // A decided winner is not public until the announcement (issued with the notices, R56).
    expect(view.sections[0]).toMatchObject({ stage: "decided", announcement: null });
    expect(view.sections[0]!.publicity!.endedAt).not.toBeNull();
    expect(view.phase).toBeNull();
    expect(await listed(app, { q, status: "closed" })).toEqual([[pid, "closed"]]);

    // R56/R58: the notices — the announcement is public, every notice to a bidder is not.
    await issueNotices(app, t.tu, sid, { contractPlace: "招标人办公室" });
    const docs = await app.db.select().from(resultDocuments).where(eq(resultDocuments.sectionId, sid));
    const first = r.candidates[0]!;
    view = await publicResults(app.db, pid);
    const s1 = view.sections[0]!;
    expect(s1.stage).toBe("awarded");
    expect(s1.announcement).toMatchObject({ winner: first.name, amountFen: first.priceFen, projectManager: first.projectManager, documentId: docs.find((d) => d.kind === "result_announcement")!.id });
    expect(s1.documents.map((d) => d.kind)).toEqual(["publicity", "result_announcement"]);
    leaks(JSON.stringify(view));
    for (const notice of docs.filter((d) => d.kind === "award_notice" || d.kind === "result_notice")) {
      expect(notice.public).toBe(false);
      expect(JSON.stringify(view)).not.toContain(notice.id);
      expect(await publicResultDocument(app.db, pid, notice.id)).toBeNull();
      expect((await get(app, docRoute, "/x", { id: pid, docId: notice.id })).status).toBe(404);
    }
    const ann = s1.announcement!.documentId!;
    expect((await get(app, docRoute, "/x", { id: pid, docId: ann })).status).toBe(200);
    expect(await listed(app, { q, status: "awarded" })).toEqual([[pid, "awarded"]]);

    // R58: the contract's winner, amount and signing date are public; the ZTB contract PDF is not.
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const contractsEvent = nextPortalEvent(app, "results.contracted");
    await recordContract(app, t.tu, sid, { pdf: await app.blobs.put(demoPdf(["合同"])), filename: "施工合同.pdf", amountFen: first.priceFen, signedOn: today });
    await contractsEvent;
    view = await publicResults(app.db, pid);
    expect(view.sections[0]!.stage).toBe("contracted");
    expect(view.sections[0]!.contract).toEqual({ winner: first.name, amountFen: first.priceFen, signedOn: today, documentId: null });
    const contractDoc = (await app.db.select().from(resultDocuments).where(and(eq(resultDocuments.sectionId, sid), eq(resultDocuments.kind, "contract"))))[0]!;
    expect(contractDoc.public).toBe(false);
    expect((await get(app, docRoute, "/x", { id: pid, docId: contractDoc.id })).status).toBe(404);
    expect(view.phase).toBe("contracted");
    expect(await listed(app, { q, status: "contracted" })).toEqual([[pid, "contracted"]]);
    for (const status of ["publicity", "awarded", "closed", "bidding"] as const) expect(await listed(app, { q, status })).toEqual([]);
    expect((await getPublicTender(app.db, pid)).project.portalStatus).toBe("contracted");

    // The timeline: every stage in order, from the rows.
    expect(view.timeline.map((e) => e.kind)).toEqual([
      "published",
      "deadline",
      "opening_closed",
      "evaluation_started",
      "report_signed",
      "publicity_started",
      "publicity_suspended",
      "publicity_resumed",
      "publicity_ended",
      "winner_decided",
      "notices_issued",
      "contract_signed",
    ]);
    expect(view.timeline.find((e) => e.kind === "contract_signed")!.day).toBe(today);

    // The tender page's loader carries the panel data and the timeline; the list route's filter keeps validating.
    const page = (await (await get(app, tenderRoute, `/tenders/${pid}`, { id: pid })).json()) as { results: { stage: string; contract: unknown; announcement: { winner: string } }[]; timeline: unknown[]; project: { portalStatus: string } };
    expect(page.project.portalStatus).toBe("contracted");
    expect(page.results[0]).toMatchObject({ stage: "contracted", announcement: { winner: first.name } });
    expect(page.timeline).toHaveLength(view.timeline.length);
    leaks(JSON.stringify(page.results));
    const list = (await (await get(app, listRoute, `/?q=${encodeURIComponent(q)}&status=contracted`)).json()) as { items: { id: string; portalStatus: string }[]; ignored: string[] };
    expect(list.items.map((i) => [i.id, i.portalStatus])).toEqual([[pid, "contracted"]]);
    const bad = (await (await get(app, listRoute, `/?q=${encodeURIComponent(q)}&status=won`)).json()) as { items: unknown[]; ignored: string[] };
    expect(bad.ignored).toEqual(["status"]);
    expect(bad.items).toHaveLength(1);

    // The Atom feed: publicity, announcement and contract entries, newest first with the tender entries (zh-CN).
    const xml = await atomFeed(app.db, "https://th.example");
    const entries = [...xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map((m) => m[1]!);
    const ours = entries.filter((e) => e.includes(proj!.title));
    const titles = ours.map((e) => /<title type="html"><!\[CDATA\[(.*?)\]\]>|<title[^>]*>(.*?)<\/title>/.exec(e)!.slice(1).find(Boolean)!);
    expect(titles.map((x) => x.replace(/】.*$/, "】"))).toEqual(["【合同签订】", "【中标结果公告】", "【中标候选人公示】", "【招标公告】"]);
    const updated = entries.map((e) => Date.parse(/<updated>(.*?)<\/updated>/.exec(e)![1]!));
    expect([...updated].sort((a, b) => b - a)).toEqual(updated);
    const contractEntry = ours[0]!;
    expect(contractEntry).toContain(`<id>https://th.example/tenders/${pid}#contract-${sid}</id>`);
    expect(contractEntry).toContain(`https://th.example/tenders/${pid}#section-${sid}`);
    expect(contractEntry).toContain(first.name);
    expect(contractEntry).toContain(today);
    expect(ours[1]).toContain(first.name);
    expect(ours[2]).toContain(`第1名 ${first.name}`);
    leaks(ours.join("\n"));
    const feedRes = await get(app, feedRoute, "/feed.atom");
    expect(feedRes.headers.get("content-type")).toContain("application/atom+xml");
    expect(await feedRes.text()).toContain("【中标候选人公示】");
  });
});
