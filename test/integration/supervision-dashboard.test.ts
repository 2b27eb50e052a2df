import { and, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { alerts, liveEvents, objections, recordEntries, projects, sections, supervisionHistory, supervisionLights } from "#db/schema/index";
import { parseDashboardQuery } from "#app/domain/supervision/dashboard-query";
import { DomainError } from "#app/domain/errors";
import { createOrganisation, createUser } from "#app/services/accounts/accounts.server";
import { actorForUser } from "#app/services/accounts/auth.server";
import { systemActor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { dbNow } from "#app/services/platform/command.server";
import { addDocument, createProject, fileObjection, obtainDocument, publishProject } from "#app/services/tendering/tenders.server";
import { tenderDocuments } from "#db/schema/index";
import { projectSupervision } from "#app/services/supervision/projector.server";
import { projectSupervisionView, supervisionDashboard } from "#app/services/supervision/dashboard.server";
import { requireProjectInScope } from "#app/services/supervision/scope.server";
import { forEachDriver } from "../helpers/db";
import { makeActor, PASSWORD, projectForm } from "../helpers/factories";
import { tenderWithBids } from "../helpers/opening";
import { demoPdf } from "../../server/demo-pdf";

/**
 * Electronic supervision (R63/R65, docs/decisions/021-supervision-dashboard.md): the projector keeps one light row per
 * section from the record and the database clock; the dashboard reads it within the supervisor's jurisdiction.
 */

let n = 0;
async function supervisorOf(app: AppContext, name: string, jurisdiction: string) {
  const u = `${Date.now().toString(36)}${++n}`;
  const orgId = await createOrganisation(app, systemActor(), { name: `${name}-${u}`, kind: "supervisor", region: jurisdiction, jurisdiction });
  const userId = await createUser(app, systemActor(), { username: `sup-${u}`, displayName: name, password: PASSWORD, orgId, role: "supervisor" });
  return { ...(await actorForUser(app.db, userId, "127.0.0.1", "vitest")), orgId };
}

/** Passes until nothing is left (the first run builds every section's row). */
async function project(app: AppContext) {
  for (let i = 0; i < 20; i++) {
    const r = await projectSupervision(app);
    if (r && !r.more) return r;
  }
  throw new Error("projector did not settle");
}

async function lightRow(app: AppContext, sectionId: string) {
  const [r] = await app.db.select().from(supervisionLights).where(eq(supervisionLights.sectionId, sectionId));
  return r;
}

forEachDriver("supervision projector and dashboard (R63/R65)", (env) => {
  it("a published tender gets a green row; an objection answer past due turns it red on the next pass, recorded in the history and announced live (R11, R65)", async () => {
    const { app } = env();
    const tu = await makeActor(app, "tendering_unit");
    const bidder = await makeActor(app, "bidder");
    const supervisor = await makeActor(app, "supervisor");
    const projectId = await createProject(app, tu, await projectForm(app));
    await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["supervision"]))) });
    await publishProject(app, tu, projectId);
    const [s] = await app.db.select({ id: sections.id }).from(sections).where(eq(sections.projectId, projectId));
    await project(app);
    const first = await lightRow(app, s!.id);
    expect(first).toMatchObject({ projectId, stage: "tendering", light: "green", reasons: [] });
    // The documents period (R6) turns yellow at 80 %: the row knows when to be judged again.
    expect(first!.nextChangeAt).not.toBeNull();

    const [doc] = await app.db.select().from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId));
    await obtainDocument(app, bidder, projectId, doc!.id);
    const objectionId = await fileObjection(app, bidder, projectId, "资格条件具有排他性。");
    await project(app);
    const filed = await lightRow(app, s!.id);
    expect(filed!.light).toBe("green");
    const [o] = await app.db.select().from(objections).where(eq(objections.id, objectionId));
    expect(filed!.nextChangeAt!.getTime()).toBeLessThanOrEqual(o!.answerDueAt.getTime());

    // TEST FIXTURE: the database clock cannot be moved, so the answer's due instant is moved into the past and the
    // row's next change to now — what the clock reaching it would do.
    const now = await dbNow(app.db);
    await app.db.update(objections).set({ filedAt: new Date(now.getTime() - 4 * 86400_000), answerDueAt: new Date(now.getTime() - 60_000) }).where(eq(objections.id, objectionId));
    await app.db.update(supervisionLights).set({ nextChangeAt: now }).where(eq(supervisionLights.sectionId, s!.id));
    const [{ before }] = (await app.db.select({ before: sql<number>`coalesce(max(${liveEvents.seq}), 0)::int` }).from(liveEvents).where(eq(liveEvents.channel, "supervision"))) as [{ before: number }];
    const pass = await project(app);
    const red = await lightRow(app, s!.id);
    expect(red).toMatchObject({ light: "red", reasons: ["documentObjectionAnswer"] });
    expect(red!.lightSince.getTime()).toBeGreaterThan(first!.lightSince.getTime());
    expect(pass.changed).toContain(s!.id);
    const history = await app.db.select().from(supervisionHistory).where(eq(supervisionHistory.sectionId, s!.id));
    expect(history.map((h) => [h.fromLight, h.light])).toEqual([
      [null, "green"],
      ["green", "red"],
    ]);
    const events = await app.db.select().from(liveEvents).where(and(eq(liveEvents.channel, "supervision"), sql`${liveEvents.seq} > ${before}`));
    expect(events.some((e) => (e.data as { sections: string[] }).sections.includes(s!.id))).toBe(true);

    // The dashboard lists it among the red sections, with the count; the panel shows the limit instance as overdue.
    const d = await supervisionDashboard(app.db, supervisor, parseDashboardQuery(new URLSearchParams("light=red&q=" + encodeURIComponent((await app.db.select({ code: projects.code }).from(projects).where(eq(projects.id, projectId)))[0]!.code))));
    expect(d.rows.map((r) => r.sectionId)).toEqual([s!.id]);
    expect(d.total).toBe(1);
    expect(d.byLight.red).toBe(1);
    expect(d.rows[0]!.reasons).toEqual(["documentObjectionAnswer"]);
    const view = await projectSupervisionView(app.db, projectId);
    expect(view[0]!.light).toBe("red");
    expect(view[0]!.instances.find((i) => i.limitId === "documentObjectionAnswer")).toMatchObject({ light: "red", breach: "overdue" });

    // A pass with nothing new changes nothing and announces nothing.
    const idle = await project(app);
    expect(idle.changed).not.toContain(s!.id);
  });

  it("alerts: two bids sealed from one IP are raised by the pass that sees them, once, written to the record and counted on the row (R23)", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 2, "bidder");
    await project(app);
    const raised = await app.db.select().from(alerts).where(eq(alerts.sectionId, t.sectionId));
    const sameIp = raised.find((a) => a.kind === "ALERT_R23_SAME_IP");
    expect(sameIp).toBeDefined();
    expect(sameIp!.subjects).toEqual([t.bidders[0]!.actor.orgId, t.bidders[1]!.actor.orgId].sort());
    expect(sameIp!.projectId).toBe(t.projectId);
    const entries = await app.db.select().from(recordEntries).where(and(eq(recordEntries.action, "supervision.alert_raised"), eq(recordEntries.subjectId, sameIp!.id)));
    expect(entries).toHaveLength(1);
    const row = await lightRow(app, t.sectionId);
    expect(row!.openAlerts).toBe(raised.filter((a) => a.status === "open").length);
    // A later change to the section re-runs the detectors: nothing is raised twice.
    await app.db.update(supervisionLights).set({ nextChangeAt: await dbNow(app.db) }).where(eq(supervisionLights.sectionId, t.sectionId));
    await projectSupervision(app);
    expect(await app.db.select().from(alerts).where(eq(alerts.sectionId, t.sectionId))).toHaveLength(raised.length);
  });

  it("city–county supervision: a county supervisor sees its county only (404 for the other's tender), the city sees both; the supervising department is the most specific (R63/R64)", async () => {
    const { app } = env();
    const tag = Date.now().toString(36);
    const city = await supervisorOf(app, "大庆市住建局", `黑龙江省大庆市${tag}`);
    const zhaozhou = await supervisorOf(app, "肇州县住建局", `黑龙江省大庆市${tag}肇州县`);
    const zhaoyuan = await supervisorOf(app, "肇源县住建局", `黑龙江省大庆市${tag}肇源县`);
    const tu = await makeActor(app, "tendering_unit");
    const inZhaozhou = await createProject(app, tu, await projectForm(app, { region: `黑龙江省大庆市${tag}肇州县` }));
    const inZhaoyuan = await createProject(app, tu, await projectForm(app, { region: `黑龙江省大庆市${tag}肇源县` }));
    await project(app);

    const q = parseDashboardQuery(new URLSearchParams(""));
    const codes = async (actor: typeof city) => new Set((await supervisionDashboard(app.db, actor, q)).rows.map((r) => r.projectId));
    const zz = await codes(zhaozhou);
    expect(zz.has(inZhaozhou)).toBe(true);
    expect(zz.has(inZhaoyuan)).toBe(false);
    const zy = await codes(zhaoyuan);
    expect(zy.has(inZhaoyuan)).toBe(true);
    expect(zy.has(inZhaozhou)).toBe(false);
    const c = await codes(city);
    expect(c.has(inZhaozhou) && c.has(inZhaoyuan)).toBe(true);
    // A region filter cannot widen the scope.
    const widened = await supervisionDashboard(app.db, zhaozhou, parseDashboardQuery(new URLSearchParams(`region=${encodeURIComponent(`黑龙江省大庆市${tag}肇源县`)}`)));
    expect(widened.rows).toEqual([]);

    await expect(requireProjectInScope(app.db, zhaozhou, inZhaoyuan)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(requireProjectInScope(app.db, city, inZhaoyuan)).resolves.toMatchObject({ orgId: city.orgId });

    const [row] = await app.db.select().from(supervisionLights).innerJoin(sections, eq(sections.id, supervisionLights.sectionId)).where(eq(sections.projectId, inZhaozhou));
    expect(row!.supervision_lights.supervisorOrgId).toBe(zhaozhou.orgId);
    expect(row!.supervision_lights.stage).toBe("draft");
    // The city's department filter lists the county departments inside its jurisdiction; a county's lists only itself.
    const cityView = await supervisionDashboard(app.db, city, parseDashboardQuery(new URLSearchParams(`supervisor=${zhaozhou.orgId}`)));
    expect(cityView.rows.every((r) => r.projectId === inZhaozhou)).toBe(true);
    expect(cityView.supervisors.map((o) => o.id)).toEqual(expect.arrayContaining([city.orgId, zhaozhou.orgId, zhaoyuan.orgId]));
    expect((await supervisionDashboard(app.db, zhaozhou, q)).supervisors.map((o) => o.id)).toEqual([zhaozhou.orgId]);

    // Without supervise:read there is no dashboard.
    await expect(supervisionDashboard(app.db, tu, q)).rejects.toBeInstanceOf(DomainError);
  });
});
