import { count, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { documentDownloads, notifications, projects, recordEntries, tenderDocuments } from "#db/schema/index";
import { addCalendarDays, cstDate } from "#app/domain/rules/days";
import { PUBLIC_ACTOR, type Actor } from "#app/services/platform/actor";
import { dbNow } from "#app/services/platform/command.server";
import { sweepUnreferencedBlobs } from "#app/services/platform/blob-sweep.server";
import { getPublicTender, listDownloads, listPublicTenders, getManagedProject } from "#app/services/tendering/tender-queries.server";
import {
  addDocument,
  answerObjection,
  answerQuestion,
  askQuestion,
  createProject,
  fileObjection,
  issueAmendment,
  obtainDocument,
  publishProject,
} from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { failure } from "../helpers/errors";
import { forEachDriver, type TestEnv } from "../helpers/db";
import { makeActor, projectForm, setBidDeadline } from "../helpers/factories";


forEachDriver("tender publication", (env) => {
  const setup = async (e: TestEnv) => {
    const tu = await makeActor(e.app, "tendering_unit");
    const agency = await makeActor(e.app, "agency");
    const supervisor = await makeActor(e.app, "supervisor");
    const b1 = await makeActor(e.app, "bidder");
    const b2 = await makeActor(e.app, "bidder");
    return { tu, agency, supervisor, b1, b2 };
  };
  const draftWithDoc = async (e: TestEnv, owner: Actor, over: Record<string, unknown> = {}) => {
    const id = await createProject(e.app, owner, await projectForm(e.app, over));
    const stored = await e.app.blobs.put(demoPdf(["integration"]));
    await addDocument(e.app, owner, id, { filename: "招标文件.pdf", contentType: "application/pdf", ...stored });
    return id;
  };
  const records = async (e: TestEnv, projectId: string) =>
    (await e.app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.subjectId, projectId))).map((r) => r.action);

  describe("publication", () => {
    it("create → document → publish, each step recorded", async () => {
      const e = env();
      const { tu, agency } = await setup(e);
      const id = await draftWithDoc(e, tu, { agencyId: agency.orgId });
      await publishProject(e.app, tu, id);
      const [p] = await e.app.db.select().from(projects).where(eq(projects.id, id));
      expect(p!.status).toBe("published");
      expect(p!.profileVersion).toBe("2026.1");
      expect(await records(e, id)).toEqual(["project.create", "document.add", "project.publish"]);
      const list = await listPublicTenders(e.app.db, { q: "集成测试教学楼" });
      expect(list.items.map((i) => i.id)).toContain(id);
    });

    it("R7: a 10-day bid period is refused and nothing changes", async () => {
      const e = env();
      const { tu } = await setup(e);
      const now = await dbNow(e.app.db);
      const d = (days: number, hhmm = "09:30") => `${addCalendarDays(cstDate(now), days)}T${hhmm}`;
      const id = await draftWithDoc(e, tu, { questionDeadline: d(5, "17:00"), documentsUntil: d(7, "17:00"), bidDeadline: d(10) });
      const before = await records(e, id);
      const err = await failure(publishProject(e.app, tu, id));
      expect(err?.code).toBe("RULE_VIOLATION");
      expect(err?.violations.map((v) => v.code)).toEqual(["RULE_R7_BID_PERIOD"]);
      expect(err?.violations[0]!.params).toEqual({ minDays: 20, earliest: addCalendarDays(cstDate(now), 20) });
      const [p] = await e.app.db.select().from(projects).where(eq(projects.id, id));
      expect(p!.status).toBe("draft");
      expect(await records(e, id)).toEqual(before);
    });

    it("R14: a bond above 2 % of the estimate is refused", async () => {
      const e = env();
      const { tu } = await setup(e);
      const id = await draftWithDoc(e, tu, {
        estimateYuan: "1000000",
        sections: [{ code: "01", title: "施工", bondYuan: "20000.01", method: "lowest_evaluated_price" }],
      });
      const err = await failure(publishProject(e.app, tu, id));
      expect(err?.violations.map((v) => v.rule)).toEqual(["R14"]);
    });

    it("R46: ZFCG goods with a price share under 30 % are refused at publication (the method is validated then, EV5)", async () => {
      const e = env();
      const { tu } = await setup(e);
      const id = await draftWithDoc(e, tu, {
        regime: "ZFCG",
        category: "goods",
        sections: [
          {
            code: "1包",
            title: "设备",
            bondYuan: "1000",
            method: "ZFCG_COMPREHENSIVE",
            shownKind: "ZFCG_COMPREHENSIVE",
            criteria: [
              { level: "1", group: "price", label: "价格", mode: "formula", max: "20" },
              { level: "1", group: "technical", label: "技术", mode: "range", max: "80" },
            ],
          },
        ],
      });
      const err = await failure(publishProject(e.app, tu, id));
      expect(err?.violations.map((v) => v.code)).toEqual(["RULE_R46_ZFCG_PRICE_SHARE"]);
    });

    it("publication needs a tender document", async () => {
      const e = env();
      const { tu } = await setup(e);
      const id = await createProject(e.app, tu, await projectForm(e.app));
      expect((await failure(publishProject(e.app, tu, id)))?.violations.map((v) => v.code)).toEqual(["RULE_DOCUMENTS_REQUIRED"]);
    });
  });

  describe("documents, questions, confidentiality", () => {
    it("R9: a bidder's download is recorded; only the tender side and supervisors see who", async () => {
      const e = env();
      const { tu, agency, supervisor, b1, b2 } = await setup(e);
      const id = await draftWithDoc(e, tu, { agencyId: agency.orgId });
      await publishProject(e.app, tu, id);
      const view = await getPublicTender(e.app.db, id);
      await obtainDocument(e.app, b1, id, view.documents[0]!.id);
      await obtainDocument(e.app, b1, id, view.documents[0]!.id);
      const [row] = await e.app.db.select().from(documentDownloads).where(eq(documentDownloads.projectId, id));
      expect(row!.count).toBe(2);
      expect((await records(e, id)).filter((a) => a === "document.obtain")).toHaveLength(2);
      for (const who of [tu, agency, supervisor]) {
        expect((await listDownloads(e.app.db, who, id)).map((d) => d.org)).toEqual([expect.stringContaining("bidder-单位")]);
      }
      expect((await failure(listDownloads(e.app.db, b2, id)))?.code).toBe("FORBIDDEN");
      expect((await failure(listDownloads(e.app.db, PUBLIC_ACTOR, id)))?.code).toBe("FORBIDDEN");
      // Nothing in the public view names who obtained the documents.
      expect(JSON.stringify(await getPublicTender(e.app.db, id))).not.toContain(b1.orgId!);
    });

    it("R22: the tender side cannot obtain its own documents; another tendering unit cannot see the project", async () => {
      const e = env();
      const { tu, agency } = await setup(e);
      const other = await makeActor(e.app, "tendering_unit");
      const id = await draftWithDoc(e, tu, { agencyId: agency.orgId });
      await publishProject(e.app, tu, id);
      const doc = (await getPublicTender(e.app.db, id)).documents[0]!;
      expect((await failure(obtainDocument(e.app, agency, id, doc.id)))?.code).toBe("FORBIDDEN");
      expect((await failure(getManagedProject(e.app.db, other, id)))?.code).toBe("NOT_FOUND");
      expect((await failure(publishProject(e.app, other, id)))?.code).toBe("NOT_FOUND");
    });

    it("questions are answered publicly without the asker's identity", async () => {
      const e = env();
      const { tu, b1 } = await setup(e);
      const id = await draftWithDoc(e, tu);
      await publishProject(e.app, tu, id);
      const q = await askQuestion(e.app, b1, id, "保温材料燃烧等级？");
      expect((await getPublicTender(e.app.db, id)).questions).toHaveLength(0); // unanswered: not public yet
      await answerQuestion(e.app, tu, q, "不低于A级。");
      const pub = await getPublicTender(e.app.db, id);
      expect(pub.questions).toHaveLength(1);
      expect(Object.keys(pub.questions[0]!).sort()).toEqual(["answer", "answeredAt", "askedAt", "body", "id"]);
      expect(JSON.stringify(pub)).not.toContain(b1.orgId!);
      const [row] = await e.app.db.select({ n: count() }).from(notifications).where(eq(notifications.userId, b1.user!.id));
      expect(row?.n).toBe(1);
    });
  });

  describe("amendments and objections", () => {
    it("R10: an amendment < 15 days before the deadline extends it to issue + 15 days and notifies every obtainer", async () => {
      const e = env();
      const { tu, b1, b2 } = await setup(e);
      const id = await draftWithDoc(e, tu);
      await publishProject(e.app, tu, id);
      const doc = (await getPublicTender(e.app.db, id)).documents[0]!;
      await obtainDocument(e.app, b1, id, doc.id);
      await obtainDocument(e.app, b2, id, doc.id);
      const now = await dbNow(e.app.db);
      // Test-only: bring the deadline to 5 days away (the database clock cannot be moved).
      const close = new Date(`${addCalendarDays(cstDate(now), 5)}T09:30:00+08:00`);
      await setBidDeadline(e.app, id, close);
      const r = await issueAmendment(e.app, tu, id, { title: "澄清", body: "调整工程量清单。", affectsBidPreparation: true });
      expect(r.extended).toBe(true);
      expect(r.rule).toBe("R10");
      expect(cstDate(r.newDeadline) >= addCalendarDays(cstDate(now), 15)).toBe(true);
      expect(r.newDeadline.toISOString().slice(11, 16)).toBe("01:30"); // 09:30 China time kept
      const [p] = await e.app.db.select().from(projects).where(eq(projects.id, id));
      expect(p!.bidDeadline.getTime()).toBe(r.newDeadline.getTime());
      for (const b of [b1, b2]) {
        const inbox = await e.app.db.select().from(notifications).where(eq(notifications.userId, b.user!.id));
        expect(inbox.map((n) => n.kind)).toContain("amendmentExtended");
      }
    });

    it("R10: an amendment ≥ 15 days before the deadline, or one that does not affect preparation, keeps it", async () => {
      const e = env();
      const { tu } = await setup(e);
      const id = await draftWithDoc(e, tu);
      await publishProject(e.app, tu, id);
      const far = await issueAmendment(e.app, tu, id, { title: "澄清一", body: "更正错别字。", affectsBidPreparation: true });
      expect(far.extended).toBe(false);
      const now = await dbNow(e.app.db);
      await setBidDeadline(e.app, id, new Date(`${addCalendarDays(cstDate(now), 5)}T09:30:00+08:00`));
      const minor = await issueAmendment(e.app, tu, id, { title: "澄清二", body: "联系电话更正。", affectsBidPreparation: false });
      expect(minor.extended).toBe(false);
    });

    it("R11: an objection suspends the tender until answered; a late one is refused", async () => {
      const e = env();
      const { tu, b1 } = await setup(e);
      const id = await draftWithDoc(e, tu);
      await publishProject(e.app, tu, id);
      const o = await fileObjection(e.app, b1, id, "资格条件具有排他性。");
      let [p] = await e.app.db.select().from(projects).where(eq(projects.id, id));
      expect(p!.status).toBe("suspended");
      expect((await listPublicTenders(e.app.db, { status: "suspended" })).items.map((i) => i.id)).toContain(id);
      await answerObjection(e.app, tu, o, "资格条件符合行业规定，不予修改。");
      [p] = await e.app.db.select().from(projects).where(eq(projects.id, id));
      expect(p!.status).toBe("published");
      const now = await dbNow(e.app.db);
      await setBidDeadline(e.app, id, new Date(`${addCalendarDays(cstDate(now), 9)}T09:30:00+08:00`));
      const late = await failure(fileObjection(e.app, b1, id, "再次异议。"));
      expect(late?.violations.map((v) => v.code)).toEqual(["RULE_R11_OBJECTION_TOO_LATE"]);
      [p] = await e.app.db.select().from(projects).where(eq(projects.id, id));
      expect(p!.status).toBe("published");
    });
  });

  it("unreferenced blobs older than the grace period are swept; referenced and young ones stay", async () => {
    const e = env();
    const { tu } = await setup(e);
    const id = await draftWithDoc(e, tu);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const orphan = await e.app.blobs.put(demoPdf(["orphan", e.driver]));
    const later = new Date(Date.now() + 2 * 3600_000);
    expect(await sweepUnreferencedBlobs(e.app.db, e.app.blobs, new Date())).toEqual([]); // too young
    const deleted = await sweepUnreferencedBlobs(e.app.db, e.app.blobs, later);
    expect(deleted).toContain(orphan.sha256);
    expect(await e.app.blobs.has(orphan.sha256)).toBe(false);
    const docs = await e.app.db.select({ sha: tenderDocuments.sha256 }).from(tenderDocuments);
    for (const d of docs) expect(await e.app.blobs.has(d.sha)).toBe(true);
  });
});
