// The record viewer (/record, app/services/platform/record-view.server.ts): search by project code, by day in China
// time, by action and by actor; and R9 in the record — who obtained the documents, who asked, who objected is shown
// only to those allowed (app/domain/record-visibility.ts), every entry still listed.
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { projects, recordEntries, tenderDocuments } from "#db/schema/index";
import { openHall } from "#app/services/opening/opening.server";
import { listRecordWithNames } from "#app/services/platform/record-view.server";
import { addDocument, askQuestion, createProject, fileObjection, obtainDocument, publishProject } from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { failure } from "../helpers/errors";
import { forEachDriver, type TestEnv } from "../helpers/db";
import { makeActor, projectForm } from "../helpers/factories";
import { tenderWithBids } from "../helpers/opening";

const chinaDate = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

forEachDriver("record viewer", (env) => {
  const setup = async (e: TestEnv) => {
    const tu = await makeActor(e.app, "tendering_unit");
    const agency = await makeActor(e.app, "agency");
    const supervisor = await makeActor(e.app, "supervisor");
    const admin = await makeActor(e.app, "admin");
    const orgName = `获取文件的投标人-${randomUUID().slice(0, 8)}`;
    const bidder = await makeActor(e.app, "bidder", orgName);
    const expert = await makeActor(e.app, "expert");
    const form = await projectForm(e.app, { agencyId: agency.orgId });
    const projectId = await createProject(e.app, tu, form);
    await addDocument(e.app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await e.app.blobs.put(demoPdf(["record"]))) });
    await publishProject(e.app, tu, projectId);
    const [doc] = await e.app.db.select().from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId));
    await obtainDocument(e.app, bidder, projectId, doc!.id);
    await askQuestion(e.app, bidder, projectId, "工程量清单第三章与图纸不一致，以哪个为准？");
    await fileObjection(e.app, bidder, projectId, "资格条件具有排他性，请求修改。");
    // Another project, which a search by the first one's code must not return.
    const other = await createProject(e.app, tu, await projectForm(e.app));
    return { tu, agency, supervisor, admin, bidder, orgName, expert, projectId, code: form.code, other };
  };

  it("search by project code finds the project's entries, and nothing else", async () => {
    const { app } = env();
    const s = await setup(env());
    const found = await listRecordWithNames(app.db, s.admin, { project: s.code });
    const actions = found.entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["project.create", "document.add", "project.publish", "document.obtain", "question.ask", "objection.file"]));
    expect(found.entries.every((e) => e.project?.code === s.code)).toBe(true);
    expect(found.entries.some((e) => e.subjectId === s.other)).toBe(false);
    // Case-insensitive and by part of the code; a code that matches nothing finds nothing.
    expect((await listRecordWithNames(app.db, s.admin, { project: s.code.toLowerCase().slice(3) })).entries.length).toBeGreaterThanOrEqual(found.entries.length);
    expect((await listRecordWithNames(app.db, s.admin, { project: "NO-SUCH-CODE-%" })).entries).toEqual([]);
  });

  it("search by project code also finds entries about its sections and bids", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 2, "bidder");
    await openHall(app, t.sectionId);
    const admin = await makeActor(app, "admin");
    const [p] = await app.db.select({ code: projects.code }).from(projects).where(eq(projects.id, t.projectId));
    const found = await listRecordWithNames(app.db, admin, { project: p!.code, limit: 200 });
    const bySubject = new Set(found.entries.map((e) => `${e.subjectType}:${e.action}`));
    expect(bySubject).toContain("project:project.publish");
    expect(bySubject).toContain("bid:bid.submit");
    expect(bySubject).toContain("section:opening.open");
    expect(found.entries.every((e) => e.project?.code === p!.code)).toBe(true);
    // After the deadline the bids' entries name their bidders (ADR 010), unlike R9's download list.
    expect(found.entries.filter((e) => e.action === "bid.submit").every((e) => e.actorName && !e.sealed)).toBe(true);
  });

  it("search by day is a calendar day in China time; by action (code or group); by actor", async () => {
    const { app } = env();
    const s = await setup(env());
    const [obtain] = await app.db.select().from(recordEntries).where(eq(recordEntries.action, "document.obtain")).orderBy(recordEntries.seq);
    const day = chinaDate(obtain!.at);
    const sameDay = await listRecordWithNames(app.db, s.supervisor, { project: s.code, date: day, limit: 200 });
    expect(sameDay.entries.map((e) => e.action)).toContain("document.obtain");
    const before = new Date(Date.parse(`${day}T00:00:00+08:00`) - 86400_000);
    expect((await listRecordWithNames(app.db, s.supervisor, { project: s.code, date: chinaDate(before) })).entries).toEqual([]);

    const exact = await listRecordWithNames(app.db, s.supervisor, { project: s.code, action: "document.obtain" });
    expect(exact.entries.map((e) => e.action)).toEqual(["document.obtain"]);
    for (const group of ["document.", "document"]) {
      expect(new Set((await listRecordWithNames(app.db, s.supervisor, { project: s.code, action: group })).entries.map((e) => e.action))).toEqual(new Set(["document.add", "document.obtain"]));
    }

    // The supervisor finds the bidder's entries by username, by name, by organisation.
    for (const who of [s.bidder.username, s.bidder.user!.displayName, s.orgName]) {
      const byActor = await listRecordWithNames(app.db, s.supervisor, { who });
      expect(byActor.entries.map((e) => e.action).sort(), who).toEqual(["document.obtain", "objection.file", "question.ask"]);
    }
    // LIKE wildcards are literal.
    expect((await listRecordWithNames(app.db, s.supervisor, { who: "%" })).entries).toEqual([]);
  });

  it("R9: who obtained the documents, asked or objected is shown to supervisors, not to other readers", async () => {
    const { app } = env();
    const s = await setup(env());
    const pick = (v: Awaited<ReturnType<typeof listRecordWithNames>>, action: string) => v.entries.find((e) => e.action === action)!;

    // Supervisors oversee every tender: names, organisation and IP.
    const sup = await listRecordWithNames(app.db, s.supervisor, { project: s.code });
    for (const action of ["document.obtain", "question.ask", "objection.file"]) {
      expect(pick(sup, action), action).toMatchObject({ actorName: s.bidder.user!.displayName, actorUsername: s.bidder.username, confidential: false });
      expect(pick(sup, action).orgName).toBe(s.orgName);
      expect(pick(sup, action).ip).toBe("127.0.0.1");
    }

    // An admin reads the record but is not a party to the tender: the entries are there, without who.
    const admin = await listRecordWithNames(app.db, s.admin, { project: s.code });
    for (const action of ["document.obtain", "question.ask", "objection.file"]) {
      expect(pick(admin, action), action).toMatchObject({ actorUserId: null, actorName: null, actorUsername: null, orgName: null, ip: null, confidential: true, sealed: false });
    }
    // ... and everything else with its actor.
    expect(pick(admin, "project.publish")).toMatchObject({ actorName: s.tu.user!.displayName, confidential: false });
    // A search by actor does not reveal a withheld name.
    expect((await listRecordWithNames(app.db, s.admin, { who: s.bidder.username })).entries).toEqual([]);
    expect((await listRecordWithNames(app.db, s.admin, { who: s.orgName })).entries).toEqual([]);
    // The unfiltered newest page masks them the same way.
    const newest = await listRecordWithNames(app.db, s.admin, { limit: 200 });
    expect(newest.entries.filter((e) => e.action === "document.obtain" && e.actorName === s.bidder.user!.displayName)).toEqual([]);

    // The tendering unit, its agency, bidders and experts do not read the record at all (record:read).
    for (const who of [s.tu, s.agency, s.bidder, s.expert]) expect((await failure(listRecordWithNames(app.db, who, { project: s.code })))?.code).toBe("FORBIDDEN");
  });
});
