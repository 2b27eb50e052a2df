// `npm start` seeds a three-section tender with one section per results stage (server/seed.ts tender 9,
// server/demo-results.ts): 01 at the candidate publicity (R51) where `bidder2` can object (R52), 02 awarded (R55, R56),
// 03 contracted with a bond refunded (R56, R15) — each section's report signed by the five demo experts.
import { and, eq, inArray } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import {
  bondRefunds,
  contracts,
  evaluationReports,
  evaluations,
  jobs,
  organisations,
  projects,
  recordEntries,
  reportSignatures,
  resultDocuments,
  sectionResults,
  sections,
  users,
} from "#db/schema/index";
import { actorForUser } from "#app/services/accounts/auth.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import { fileResultObjection } from "#app/services/results/results.server";
import { bidderResults, managedResults } from "#app/services/results/views.server";
import { listMyBids } from "#app/services/bids/my-bids.server";
import { dbNow } from "#app/services/platform/command.server";
import { runDueJobs } from "#app/services/platform/jobs.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { seedDemo } from "../../server/seed";
import { DEMO_CONTRACT_PLACE } from "../../server/demo-results";
import { forEachDriver } from "../helpers/db";
import { failure } from "../helpers/errors";
import { checkSignedPdf } from "../helpers/pdfsig";
import { blobBytes } from "../helpers/report";

const CODE = "DQ-2026-JS-0601";
const compact = (s: string) => s.replace(/\s+/g, "");

forEachDriver("demo seed: the results stages — publicity, awarded, contracted (R51–R56, R15)", (env) => {
  let projectId = "";
  let secs: { id: string; code: string; status: string }[] = [];
  const orgOf = new Map<string, string>(); // username → org id
  const actorOf = async (username: string) => {
    const [u] = await env().app.db.select({ id: users.id }).from(users).where(eq(users.username, username));
    return actorForUser(env().app.db, u!.id, "127.0.0.1", "test");
  };
  const result = async (sectionId: string) => (await env().app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, sectionId)))[0]!;
  const docsOf = (sectionId: string) => env().app.db.select().from(resultDocuments).where(eq(resultDocuments.sectionId, sectionId));
  const ca = () => documentSigner(env().app.config).caCertPem;

  beforeAll(async () => {
    expect(await seedDemo(env().app)).not.toBeNull();
    const { db } = env().app;
    // What the server's job worker does right after the seed (server/index.ts): every due job runs — the timers the
    // demo steps left due (publicity_end of 02 and 03, the report and evaluation jobs) find nothing more to do.
    for (let i = 0; i < 20 && (await runDueJobs(env().app, jobHandlers([]))) > 0; i++);
    expect(await db.select({ kind: jobs.kind, error: jobs.lastError }).from(jobs).where(inArray(jobs.state, ["failed", "running"]))).toEqual([]);
    const [p] = await db.select({ id: projects.id }).from(projects).where(eq(projects.code, CODE));
    projectId = p!.id;
    secs = await db.select({ id: sections.id, code: sections.code, status: sections.status }).from(sections).where(eq(sections.projectId, projectId)).orderBy(sections.seq);
    for (const u of ["bidder1", "bidder2", "bidder3", "tenderer"]) orgOf.set(u, (await actorOf(u)).orgId!);
  }, 600_000);

  it("three sections: 01 in publicity, 02 awarded (notified), 03 contracted; each report signed by the five demo experts", async () => {
    const { db } = env().app;
    expect(secs.map((s) => [s.code, s.status])).toEqual([
      ["01", "publicity"],
      ["02", "awarded"],
      ["03", "contracted"],
    ]);
    expect(await Promise.all(secs.map(async (s) => (await result(s.id)).stage))).toEqual(["publicity", "notified", "contracted"]);
    const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
    expect(project).toMatchObject({ regime: "ZTB", stateFunded: true, tenderingUnitId: orgOf.get("tenderer") });
    const [agency] = await db.select({ kind: organisations.kind }).from(organisations).where(eq(organisations.id, project!.agencyId!));
    expect(agency!.kind).toBe("agency");
    for (const s of secs) {
      const [ev] = await db.select({ stage: evaluations.stage }).from(evaluations).where(eq(evaluations.sectionId, s.id));
      expect(ev!.stage, s.code).toBe("signed");
      const [report] = await db.select().from(evaluationReports).where(and(eq(evaluationReports.sectionId, s.id), eq(evaluationReports.status, "signed")));
      const sigs = await db.select().from(reportSignatures).where(eq(reportSignatures.reportId, report!.id));
      expect(sigs, s.code).toHaveLength(5);
      // The signed report: the platform's seal and the five members' signatures, each valid (pdfsig).
      const check = checkSignedPdf(await blobBytes(env().app, report!.pdfSha256), ca());
      expect(check.plain.match(/Signature is Valid/g), s.code).toHaveLength(6);
    }
  });

  it("each demo bidder's /my-bids lists its three bids here past their opening (with DQ-2026-JS-0088, -JL-0521, -JS-0702 closed and -JS-0466 in its hall)", async () => {
    for (const u of ["bidder1", "bidder2", "bidder3"]) {
      const { rows } = await listMyBids(env().app.db, await actorOf(u));
      expect(rows.filter((r) => secs.some((s) => s.id === r.section.id)).map((r) => r.state), u).toEqual(["opening_closed", "opening_closed", "opening_closed"]);
      expect(rows.map((r) => r.state).sort(), u).toEqual(["opening_closed", "opening_closed", "opening_closed", "opening_closed", "opening_closed", "opening_closed", "opening_pending"]);
    }
  });

  it("the tendering side (`tenderer`, `agent`) manages the three sections' results, nothing overdue; `supervisor` reads them", async () => {
    const { db } = env().app;
    const now = await dbNow(db);
    for (const u of ["tenderer", "agent", "supervisor"]) {
      const v = await managedResults(db, await actorOf(u), projectId, now);
      expect(v.readOnly, u).toBe(u === "supervisor");
      expect(v.sections.map((s) => s.result?.stage), u).toEqual(["publicity", "notified", "contracted"]);
      for (const s of v.sections) expect(Object.values(s.result!.overdue).some(Boolean), `${u} ${s.code}`).toBe(false);
    }
    for (const u of ["purchaser", "bidder1"]) expect((await failure(managedResults(db, await actorOf(u), projectId, now)))?.code, u).toBe("NOT_FOUND");
  });

  it("the evaluation's work up to the result and the publicity's end are recorded as demo steps; the rest as the real commands", async () => {
    const { db } = env().app;
    const entries = await db
      .select({ action: recordEntries.action, subjectId: recordEntries.subjectId, payload: recordEntries.payload })
      .from(recordEntries)
      .where(inArray(recordEntries.subjectId, secs.map((s) => s.id)));
    const of = (action: string) => entries.filter((e) => e.action === action);
    expect(of("seed.import_evaluation")).toHaveLength(3);
    for (const e of of("seed.import_evaluation")) expect(e.payload).toMatchObject({ demo: true, leaderSeat: 1, stage: "signing" });
    expect(of("seed.fast_forward_publicity").map((e) => e.subjectId).sort()).toEqual([secs[1]!.id, secs[2]!.id].sort());
    for (const e of of("seed.fast_forward_publicity")) expect(e.payload).toMatchObject({ demo: true });
    expect(of("evaluation.report_signed")).toHaveLength(15);
    expect(of("results.publicity_published")).toHaveLength(3);
    expect(of("results.publicity_ended")).toHaveLength(2);
    expect(of("results.winner_decided")).toHaveLength(2);
    expect(of("results.notices_issued")).toHaveLength(2);
    expect(of("results.contract_recorded").map((e) => e.subjectId)).toEqual([secs[2]!.id]);
    expect(of("results.bond_refunded")).toHaveLength(1);
  });

  it("01: the signed candidate publicity is public; bidder3 (above the ceiling) is not a candidate and is told its reasons (R51, EV22)", async () => {
    const sid = secs[0]!.id;
    const r = await result(sid);
    expect(r.candidates.map((c) => [c.rank, c.orgId])).toEqual([
      [1, orgOf.get("bidder1")],
      [2, orgOf.get("bidder2")],
    ]);
    expect(r.bidders.find((b) => b.orgId === orgOf.get("bidder3"))).toMatchObject({ valid: false, rank: null, reasons: ["超过最高投标限价"] });
    expect(r.publicityEndsAt!.getTime() - r.publicityStartedAt!.getTime()).toBeGreaterThanOrEqual(3 * 86_400_000);
    const docs = await docsOf(sid);
    expect(docs.map((d) => d.kind)).toEqual(["publicity"]);
    expect(docs[0]).toMatchObject({ public: true, orgId: null });
    const check = checkSignedPdf(await blobBytes(env().app, docs[0]!.sha256), ca());
    expect(check.trusted).toContain("Signature is Valid");
    expect(check.trusted).toContain("Certificate is Trusted");
    const text = compact(check.text);
    for (const s of ["中标候选人公示", CODE, "18,236,000.00"]) expect(text).toContain(s);
    expect(text).not.toContain("超过最高投标限价");
    const b3 = await bidderResults(env().app.db, await actorOf("bidder3"), projectId, sid);
    expect(b3.mine).toMatchObject({ valid: false, reasons: ["超过最高投标限价"] });
  });

  it("02 and 03: rank 1 confirmed, the signed award notice to the winner, a result notice to each other bidder, the public announcement (R55, R56)", async () => {
    const winners = ["bidder2", "bidder3"];
    for (const [i, s] of secs.slice(1).entries()) {
      const r = await result(s.id);
      expect(r, s.code).toMatchObject({ winnerRank: 1, decisionMode: "chosen", winnerOrgId: orgOf.get(winners[i]!) });
      expect(r.publicityEndedAt).not.toBeNull();
      const docs = await docsOf(s.id);
      const award = docs.find((d) => d.kind === "award_notice")!;
      expect(award.orgId).toBe(orgOf.get(winners[i]!));
      expect(docs.filter((d) => d.kind === "result_notice")).toHaveLength(2);
      expect(docs.find((d) => d.kind === "result_announcement")?.public).toBe(true);
      const check = checkSignedPdf(await blobBytes(env().app, award.sha256), ca());
      expect(check.trusted).toContain("Signature is Valid");
      expect(check.trusted).toContain("Certificate is Trusted");
      for (const t of ["中标通知书", r.candidates.find((c) => c.rank === 1)!.name, DEMO_CONTRACT_PLACE]) expect(compact(check.text)).toContain(compact(t));
      // The winner sees its award notice on its results page.
      const mine = await bidderResults(env().app.db, await actorOf(winners[i]!), projectId, s.id);
      expect(mine.mine?.won).toBe(true);
      expect(mine.documents.some((d) => d.id === award.id)).toBe(true);
    }
  });

  it("03: the contract is recorded at the winning price with its PDF, bond refunds are due, one of them recorded (R56, R15)", async () => {
    const { db } = env().app;
    const sid = secs[2]!.id;
    const r = await result(sid);
    const [c] = await db.select().from(contracts).where(eq(contracts.sectionId, sid));
    expect(c).toMatchObject({ winnerOrgId: orgOf.get("bidder3"), amountFen: 298_650_000 });
    const [doc] = await db.select().from(resultDocuments).where(eq(resultDocuments.id, c!.documentId));
    expect(doc!.kind).toBe("contract");
    expect(Buffer.from(await blobBytes(env().app, doc!.sha256)).subarray(0, 5).toString()).toBe("%PDF-");
    expect(c!.signedOn >= new Date(r.notifiedAt!.getTime() + 8 * 3600_000).toISOString().slice(0, 10)).toBe(true);
    const refunds = await db.select().from(bondRefunds).where(eq(bondRefunds.sectionId, sid));
    expect(refunds).toHaveLength(3);
    expect(refunds.every((x) => x.amountFen === 6_000_000)).toBe(true);
    const done = refunds.filter((x) => x.refundedAt);
    expect(done).toHaveLength(1);
    expect(done[0]!.orgId).not.toBe(orgOf.get("bidder3"));
    expect(done[0]!.reference).toMatch(/^DEMO-BANK-/);
  });

  it("01: bidder2 may object during the publicity; its objection suspends the section (R52)", async () => {
    const sid = secs[0]!.id;
    const bidder2 = await actorOf("bidder2");
    expect((await bidderResults(env().app.db, bidder2, projectId, sid)).canObject).toBe(true);
    // Not on the awarded sections: their publicity is over.
    expect((await bidderResults(env().app.db, bidder2, projectId, secs[1]!.id)).canObject).toBe(false);
    await fileResultObjection(env().app, bidder2, sid, { body: "第一名投标人拟派项目经理的在建工程情况存疑，请复核。" });
    expect((await result(sid)).stage).toBe("suspended");
    expect((await bidderResults(env().app.db, bidder2, projectId, sid)).objections).toHaveLength(1);
    // The tendering side sees it to answer (on /manage/<id>/results).
    const v = await managedResults(env().app.db, await actorOf("tenderer"), projectId, await dbNow(env().app.db));
    expect(v.sections[0]!.objections.map((o) => o.status)).toEqual(["pending"]);
  });
});
