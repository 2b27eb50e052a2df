import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { draws, organisations } from "#db/schema/index";
import { PUBLIC_ACTOR } from "#app/services/platform/actor";
import { readBlob } from "#app/services/platform/blob-store.server";
import { dbNow } from "#app/services/platform/command.server";
import { hallView, openingDocument } from "#app/services/opening/opening-view.server";
import { drawForViewer, drawProof, drawWithSalt, issueDrawRecord, myInvitations, requestDraw, revealDraw, verifyRevealedDraw } from "#app/services/pool/draws.server";
import { expertProfile } from "#app/services/pool/expert-profile.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import type { AppContext } from "#app/services/platform/context.server";
import { demoPdf } from "../../server/demo-pdf";
import { forEachDriver } from "../helpers/db";
import { failure, ruleOf } from "../helpers/errors";
import { insertExperts, makeActor, projectForm } from "../helpers/factories";

type Actor = Awaited<ReturnType<typeof makeActor>>;

/** A published tender (with an agency) and its first section. */
async function publishedTender(app: AppContext, tu: Actor, agency: Actor) {
  const projectId = await createProject(app, tu, await projectForm(app, { agencyId: agency.orgId }));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["secrecy"]))) });
  await publishProject(app, tu, projectId);
  return { projectId, sectionId: (await getManagedProject(app.db, tu, projectId)).sections[0]!.id };
}

/** Requests, salts and runs a draw for the section; the evaluation `days` from the database clock. */
async function drawn(app: AppContext, tu: Actor, supervisor: Actor, sectionId: string, line: { specialty: string; count: number; backups: number }, days: number) {
  const now = await dbNow(app.db);
  const drawId = await requestDraw(app, tu, { sectionId, lines: [line], regionMode: "any", evaluationAt: new Date(now.getTime() + days * 86400_000), avoid: [] });
  const result = await drawWithSalt(app, supervisor, drawId, "监督员现场盐值-2718");
  return { drawId, result };
}

/** Test-only: moves a draw's evaluation time (the database clock cannot be moved). */
const setEvaluation = (app: AppContext, drawId: string, interval: string) =>
  app.db.execute(sql`update draws set evaluation_at = now() + ${interval}::interval where id = ${drawId}::uuid`);

forEachDriver("draw secrecy until the evaluation (R36)", (env) => {
  it("R36: the seed cannot be revealed before the section's evaluation time — by anyone; the proof stays hidden; the button waits", async () => {
    const { app, driver } = env();
    const [tu, agency, supervisor, admin] = [await makeActor(app, "tendering_unit"), await makeActor(app, "agency"), await makeActor(app, "supervisor"), await makeActor(app, "admin")];
    const { sectionId } = await publishedTender(app, tu, agency);
    await insertExperts(app, Array.from({ length: 8 }, (_, i) => ({ code: `${driver}-R${i}`, specialties: ["A0301"] })));
    const { drawId } = await drawn(app, tu, supervisor, sectionId, { specialty: "A0301", count: 3, backups: 1 }, 20);
    const now = await dbNow(app.db);

    const early = await failure(revealDraw(app, admin, drawId));
    expect(ruleOf(early)).toEqual(["RULE_R36_REVEAL_TOO_EARLY"]);
    expect(early!.violations[0]!.params.at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    for (const who of [tu, supervisor]) expect((await failure(revealDraw(app, who, drawId)))?.code).toBe("FORBIDDEN");
    expect((await app.db.select().from(draws).where(eq(draws.id, drawId)))[0]!.status).toBe("drawn");
    expect((await failure(drawProof(app.db, drawId)))?.code).toBe("NOT_FOUND");
    expect((await failure(verifyRevealedDraw(app.db, drawId)))?.code).toBe("NOT_FOUND");
    const adminView = await drawForViewer(app.db, admin, drawId, now);
    expect(adminView.can).toMatchObject({ reveal: false, revealLater: true });
    expect(adminView.picks).toEqual([]);
    expect(adminView.namesVisible).toBe(false);

    // A supplementary draw for the same section with a later evaluation moves the section's evaluation time.
    const { drawId: second } = await drawn(app, tu, supervisor, sectionId, { specialty: "A0301", count: 1, backups: 0 }, 30);
    await setEvaluation(app, drawId, "-1 minute");
    expect(ruleOf(await failure(revealDraw(app, admin, drawId)))).toEqual(["RULE_R36_REVEAL_TOO_EARLY"]);
    await setEvaluation(app, second, "-1 minute");

    const after = await dbNow(app.db);
    expect((await drawForViewer(app.db, admin, drawId, after)).can).toMatchObject({ reveal: true, revealLater: false });
    await revealDraw(app, admin, drawId);
    const { outcome } = await verifyRevealedDraw(app.db, drawId);
    expect(outcome.ok).toBe(true);
    expect((await drawForViewer(app.db, admin, drawId, after)).picks).toHaveLength(4);
  });

  it("R36: a draw revealed early (before this rule) is still not public before the evaluation", async () => {
    const { app, driver } = env();
    const [tu, agency, supervisor, admin] = [await makeActor(app, "tendering_unit"), await makeActor(app, "agency"), await makeActor(app, "supervisor"), await makeActor(app, "admin")];
    const { sectionId } = await publishedTender(app, tu, agency);
    await insertExperts(app, Array.from({ length: 4 }, (_, i) => ({ code: `${driver}-Q${i}`, specialties: ["A0302"] })));
    const { drawId } = await drawn(app, tu, supervisor, sectionId, { specialty: "A0302", count: 2, backups: 0 }, 20);
    await app.db.update(draws).set({ status: "revealed", revealedAt: new Date() }).where(eq(draws.id, drawId)); // as the old code allowed
    expect((await failure(drawProof(app.db, drawId)))?.code).toBe("NOT_FOUND");
    expect((await drawForViewer(app.db, admin, drawId, await dbNow(app.db))).picks).toEqual([]);
  });

  it("names: supervisors always, the tender side from the evaluation time; phone numbers only to supervisors", async () => {
    const { app, driver } = env();
    const [tu, agency, supervisor, admin] = [await makeActor(app, "tendering_unit"), await makeActor(app, "agency"), await makeActor(app, "supervisor"), await makeActor(app, "admin")];
    const { sectionId } = await publishedTender(app, tu, agency);
    await insertExperts(app, Array.from({ length: 5 }, (_, i) => ({ code: `${driver}-N${i}`, specialties: ["A0401"] })));
    await app.db.execute(sql`update experts set phone = '1390045' || lpad(substr(code, length(code), 1), 4, '0') where code like ${`${driver}-N%`}`);
    const { drawId } = await drawn(app, tu, supervisor, sectionId, { specialty: "A0401", count: 3, backups: 1 }, 20);
    const [d] = await app.db.select().from(draws).where(eq(draws.id, drawId));
    const now = await dbNow(app.db);

    const sup = await drawForViewer(app.db, supervisor, drawId, now);
    expect(sup.picks).toHaveLength(4);
    expect(sup.phonesVisible).toBe(true);
    expect(sup.picks.every((p) => /^1390045\d{4}$/.test(p.phone ?? ""))).toBe(true);

    for (const side of [tu, agency]) {
      const before = await drawForViewer(app.db, side, drawId, now);
      expect(before.picks).toEqual([]);
      expect(before.counts).toEqual({ members: 3, backups: 1 });
      const during = await drawForViewer(app.db, side, drawId, d!.evaluationAt);
      expect(during.picks.map((p) => p.name).sort()).toEqual(sup.picks.map((p) => p.name).sort());
      expect(during.phonesVisible).toBe(false);
      expect(JSON.stringify(during)).not.toContain("1390045");
      expect(during.draw.exclusions).toBeNull();
    }
    // An admin sees neither names nor phones before the draw is public.
    const adm = await drawForViewer(app.db, admin, drawId, d!.evaluationAt);
    expect(adm.picks).toEqual([]);
    expect(JSON.stringify(adm)).not.toContain("1390045");
  });

  it("R36: an admin's view of an expert lists a draw only once its evaluation time has passed; the expert's own invitation shows time, place and the confirmation deadline", async () => {
    const { app, driver } = env();
    const [tu, agency, supervisor, admin, expertUser] = [
      await makeActor(app, "tendering_unit"),
      await makeActor(app, "agency"),
      await makeActor(app, "supervisor"),
      await makeActor(app, "admin"),
      await makeActor(app, "expert"),
    ];
    const { projectId, sectionId } = await publishedTender(app, tu, agency);
    const ids = await insertExperts(app, [{ code: `${driver}-H0`, specialties: ["A0402"], userId: expertUser.user!.id }]);
    const expertId = ids.get(`${driver}-H0`)!;
    const { drawId } = await drawn(app, tu, supervisor, sectionId, { specialty: "A0402", count: 1, backups: 0 }, 20);
    const [project] = await app.db.execute(sql`select code, title from projects where id = ${projectId}::uuid`).then((r) => ((r as { rows?: unknown[] }).rows ?? (r as unknown[])) as { code: string; title: string }[]);

    const secret = await expertProfile(app.db, admin, expertId);
    expect(secret.history).toEqual([]);
    expect(JSON.stringify(secret)).not.toContain(project!.code);
    expect((await expertProfile(app.db, expertUser, "me")).history).toEqual([]);

    // The expert's own invitation: time, place and by when to answer — nothing about the tender.
    const [inv] = await myInvitations(app.db, expertUser);
    // R36: time and place only — `room` is the booked review room (none booked here).
    expect(Object.keys(inv!).sort()).toEqual(["confirmBy", "evaluationAt", "pickId", "reviewRoom", "room", "status"]);
    const [d] = await app.db.select().from(draws).where(eq(draws.id, drawId));
    const expected = Math.min(d!.drawnAt!.getTime() + 4 * 3600_000, d!.evaluationAt.getTime() - 3600_000);
    expect(inv!.confirmBy!.getTime()).toBe(expected);

    await setEvaluation(app, drawId, "-1 minute");
    const open = await expertProfile(app.db, admin, expertId);
    expect(open.history.map((h) => h.code)).toEqual([project!.code]);
    expect((await expertProfile(app.db, expertUser, "me")).history).toHaveLength(1);
  });

  it("R37 and R40: a short draw says what happens next and offers a supplementary draw; exclusion reasons name the party in words — on the page data and in the signed record", async () => {
    const { app, driver } = env();
    const [tu, agency, supervisor] = [await makeActor(app, "tendering_unit"), await makeActor(app, "agency"), await makeActor(app, "supervisor")];
    const { sectionId } = await publishedTender(app, tu, agency);
    const code = async (orgId: string) => (await app.db.select().from(organisations).where(eq(organisations.id, orgId)))[0]!.creditCode!;
    await insertExperts(app, [
      ...Array.from({ length: 3 }, (_, i) => ({ code: `${driver}-S${i}`, specialties: ["A0501"] })),
      { code: `${driver}-S-EMP`, specialties: ["A0501"], employerCode: await code(tu.orgId!) },
      { code: `${driver}-S-REL`, specialties: ["A0501"], relationships: [{ orgCode: await code(agency.orgId!), kind: "shareholding" as const, from: "2022-01-01" }] },
    ]);
    const { drawId, result } = await drawn(app, tu, supervisor, sectionId, { specialty: "A0501", count: 5, backups: 2 }, 20);
    expect(result.shortfalls).toEqual([{ specialty: "A0501", wanted: 7, available: 3 }]);
    const view = await drawForViewer(app.db, tu, drawId, await dbNow(app.db));
    expect(view.can.supplement).toBe(true);
    expect((await drawForViewer(app.db, supervisor, drawId, await dbNow(app.db))).can.supplement).toBe(false);

    await issueDrawRecord(app, drawId);
    const [d] = await app.db.select().from(draws).where(eq(draws.id, drawId));
    const file = path.join(mkdtempSync(path.join(tmpdir(), "th-draw-")), "draw.pdf");
    writeFileSync(file, await readBlob(app.blobs, d!.recordPdfSha256!));
    const text = execFileSync("pdftotext", [file, "-"], { encoding: "utf8" }).replace(/\s+/g, "");
    expect(text).toContain("近3年在利害关系单位任职（招标人）");
    expect(text).toContain("与利害关系单位存在关联关系（持股，代理机构）");
    expect(text).not.toMatch(/tendering_unit|agency|shareholding/);
    expect(text).toContain("人数不足（R37）");
    expect(text).toContain("缺4人");
    expect(text).toContain("补充抽取");
  });

  it("a draft's opening hall is NOT_FOUND for everyone but those who manage it and supervisors (R24: nothing to see before publication)", async () => {
    const { app } = env();
    const [tu, agency, supervisor, admin, bidder, otherTu] = [
      await makeActor(app, "tendering_unit"),
      await makeActor(app, "agency"),
      await makeActor(app, "supervisor"),
      await makeActor(app, "admin"),
      await makeActor(app, "bidder"),
      await makeActor(app, "tendering_unit"),
    ];
    const projectId = await createProject(app, tu, await projectForm(app, { agencyId: agency.orgId, title: "尚未发布的草稿工程" }));
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    const now = await dbNow(app.db);
    for (const who of [{ ...PUBLIC_ACTOR }, bidder, otherTu, admin]) expect((await failure(hallView(app.db, who, sectionId, now)))?.code).toBe("NOT_FOUND");
    for (const who of [tu, agency, supervisor]) expect((await hallView(app.db, who, sectionId, now)).project.title).toBe("尚未发布的草稿工程");
    expect(await openingDocument(app.db, projectId, sectionId, "record")).toBeNull();
    // Once published, the hall page is public (what is public only).
    await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["draft"]))) });
    await publishProject(app, tu, projectId);
    expect((await hallView(app.db, { ...PUBLIC_ACTOR }, sectionId, now)).roles).toEqual(["public"]);
  });
});
