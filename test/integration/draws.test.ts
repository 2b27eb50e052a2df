import { and, asc, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { verifyDraw, type DrawProofV2 } from "#expert-pool/verify";
import { drawPicks, draws, experts, notifications, organisations, recordEntries } from "#db/schema/index";
import { readBlob } from "#app/services/platform/blob-store.server";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { dbNow } from "#app/services/platform/command.server";
import { drawForViewer, drawProof, drawWithSalt, myInvitations, requestDraw, respondToInvitation, revealDraw } from "#app/services/pool/draws.server";
import { LoggingChannel } from "#app/services/pool/channels.server";
import { jobHandlers } from "#app/services/job-handlers.server";
import { runDueJobs } from "#app/services/platform/jobs.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { failure } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { insertExperts, makeActor, projectForm } from "../helpers/factories";


forEachDriver("expert draw", (env) => {
  it("commit the pool → salt and draw → secrecy → decline promotes a backup → reveal → anyone re-runs it (R35–R37, R39–R40)", async () => {
    const { app } = env();
    const tu = await makeActor(app, "tendering_unit");
    const agency = await makeActor(app, "agency");
    const supervisor = await makeActor(app, "supervisor");
    const admin = await makeActor(app, "admin");
    const bidder = await makeActor(app, "bidder");
    const expertUser = await makeActor(app, "expert");
    const projectId = await createProject(app, tu, await projectForm(app, { agencyId: agency.orgId }));
    await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["draw"]))) });
    await publishProject(app, tu, projectId);
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    const codeOf = async (orgId: string) => (await app.db.select().from(organisations).where(eq(organisations.id, orgId)))[0]!.creditCode!;
    const tuCode = await codeOf(tu.orgId!);
    const agencyCode = await codeOf(agency.orgId!);
    const prefix = `${env().driver}-`;
    await insertExperts(app, [
      ...Array.from({ length: 30 }, (_, i) => ({ code: `${prefix}E${String(i).padStart(3, "0")}`, specialties: ["A0101"] })),
      { code: `${prefix}X-EMP`, specialties: ["A0101"], employerCode: tuCode },
      { code: `${prefix}X-REL`, specialties: ["A0102"], relationships: [{ orgCode: agencyCode, kind: "relative" as const, from: "2020-01-01" }] },
      { code: `${prefix}X-SUS`, specialties: ["A0101"], status: "suspended" as const },
      { code: `${prefix}X-FAR`, specialties: ["A0101"], region: "黑龙江省哈尔滨市" },
      { code: `${prefix}X-OTHER`, specialties: ["B0101"] },
    ]);
    const now = await dbNow(app.db);
    const evaluationAt = new Date(now.getTime() + 30 * 86400_000);

    const drawId = await requestDraw(app, tu, {
      sectionId,
      lines: [{ specialty: "A01", count: 5, backups: 2 }],
      regionMode: "local",
      evaluationAt,
      avoid: [{ expertCode: `${prefix}E000`, reason: "与招标人项目负责人系师生关系" }],
    });
    // The commitment is on record before the draw; the seed is not.
    const [req] = await app.db.select().from(recordEntries).where(eq(recordEntries.subjectId, drawId)).orderBy(asc(recordEntries.seq));
    expect(req!.action).toBe("draw.request");
    expect(JSON.stringify(req!.payload)).toMatch(/"commitment":"[0-9a-f]{64}"/);
    expect((await failure(requestDraw(app, bidder, { sectionId, lines: [{ specialty: "A01", count: 1, backups: 0 }], regionMode: "any", evaluationAt, avoid: [] })))?.code).toBe("FORBIDDEN");

    expect((await failure(drawWithSalt(app, supervisor, drawId, "")))?.code).toBe("VALIDATION"); // no draw without a salt
    expect((await failure(drawWithSalt(app, tu, drawId, "我自己加的盐")))?.code).toBe("FORBIDDEN"); // ZTB: the supervisor salts
    const result = await drawWithSalt(app, supervisor, drawId, "监督员现场盐值-7391");
    expect(result.picks).toBe(7);
    expect(result.shortfalls).toEqual([]);

    // Every exclusion with its rule.
    const sup = await drawForViewer(app.db, supervisor, drawId, now);
    const ex = new Map(sup.draw.exclusions!.map((x) => [x.expertCode, x]));
    expect(ex.get(`${prefix}X-EMP`)).toMatchObject({ rule: "R40", code: "EXCLUDED_EMPLOYMENT" });
    expect(ex.get(`${prefix}X-REL`)).toMatchObject({ rule: "R40", code: "EXCLUDED_RELATIONSHIP" });
    expect(ex.get(`${prefix}X-SUS`)).toMatchObject({ rule: "R39", code: "EXCLUDED_SUSPENDED" });
    expect(ex.get(`${prefix}X-FAR`)).toMatchObject({ rule: "R68", code: "EXCLUDED_NOT_LOCAL" });
    expect(ex.get(`${prefix}E000`)).toMatchObject({ code: "EXCLUDED_MANUAL", params: { reason: "与招标人项目负责人系师生关系" } });
    expect(ex.has(`${prefix}X-OTHER`)).toBe(false); // not a candidate for this specialty at all
    const pickedCodes = sup.picks.map((p) => p.code);
    for (const bad of ["X-EMP", "X-REL", "X-SUS", "X-FAR", "E000"]) expect(pickedCodes).not.toContain(`${prefix}${bad}`);

    // R36 secrecy: supervisors see names; the tender side sees counts only before evaluation; others nothing.
    expect(sup.picks).toHaveLength(7);
    const side = await drawForViewer(app.db, tu, drawId, now);
    expect(side.picks).toEqual([]);
    expect(side.counts).toEqual({ members: 5, backups: 2 });
    expect(JSON.stringify(side)).not.toContain("专家");
    expect((await drawForViewer(app.db, tu, drawId, evaluationAt)).picks).toHaveLength(7);
    expect((await failure(drawForViewer(app.db, bidder, drawId, now)))?.code).toBe("NOT_FOUND");
    expect((await drawForViewer(app.db, agency, drawId, now)).picks).toEqual([]);

    // An expert sees only its own invitation; its decline promotes the first backup (R37).
    const member = sup.picks.find((p) => p.role === "member")!;
    await app.db.update(experts).set({ userId: expertUser.user!.id }).where(eq(experts.code, member.code));
    const mine = await myInvitations(app.db, expertUser);
    expect(mine).toHaveLength(1);
    // R36: time and place only — `room` is the booked review room (none booked here: null).
    expect(Object.keys(mine[0]!).sort()).toEqual(["confirmBy", "evaluationAt", "pickId", "reviewRoom", "room", "status"]);
    expect(mine[0]!.room).toBeNull();
    const r = await respondToInvitation(app, expertUser, mine[0]!.pickId, false, "当日另有评标任务");
    expect(r.promoted).toMatch(/^[0-9a-f-]{36}$/);
    const [promoted] = await app.db.select().from(drawPicks).where(eq(drawPicks.id, r.promoted!));
    expect(promoted).toMatchObject({ role: "backup", order: 6, status: "invited" });
    expect((await failure(respondToInvitation(app, tu, mine[0]!.pickId, true)))?.code).toBe("NOT_FOUND");

    // Silence: when the confirmation deadline job fires, the next backup is invited (R37).
    const channel = new LoggingChannel();
    const handlers = jobHandlers([channel]);
    await app.db.execute(sql`update jobs set due_at = now() - interval '1 second' where kind = 'draw.confirmation_timeout' and payload->>'pickId' = ${r.promoted!}`);
    await app.db.execute(sql`update experts set phone = '13900139000' where id = (select expert_id from draw_picks where draw_id = ${drawId}::uuid and role = 'backup' and "order" = 7)`);
    expect(await runDueJobs(app, handlers)).toBeGreaterThanOrEqual(1);
    const [timedOut] = await app.db.select().from(drawPicks).where(eq(drawPicks.id, r.promoted!));
    expect(timedOut!.status).toBe("timed_out");
    const [seventh] = await app.db.select().from(drawPicks).where(and(eq(drawPicks.drawId, drawId), eq(drawPicks.order, 7)));
    expect(seventh!.status).toBe("invited");
    await runDueJobs(app, handlers); // the invitation SMS/voice job for the new invitee
    // R37: once the backups are used up, a decline leaves the line short and the supervisors are told.
    const backups = await app.db.select().from(drawPicks).where(and(eq(drawPicks.drawId, drawId), eq(drawPicks.role, "backup")));
    expect(backups.map((b) => b.status).sort()).toEqual(["invited", "timed_out"]);
    await app.db.update(experts).set({ userId: null }).where(eq(experts.userId, expertUser.user!.id));
    await app.db.update(experts).set({ userId: expertUser.user!.id }).where(eq(experts.id, backups.find((b) => b.status === "invited")!.expertId));
    const [inv] = await myInvitations(app.db, expertUser).then((l) => l.filter((x) => x.status === "invited"));
    expect((await respondToInvitation(app, expertUser, inv!.pickId, false, "身体原因")).promoted).toBeNull();
    const supInbox = await app.db.select().from(notifications).where(eq(notifications.userId, supervisor.user!.id));
    expect(supInbox.map((n) => n.kind)).toContain("drawShortfall");
    // The signed draw record (a job after the draw): stored, hashed into the record, pdfsig-valid.
    await runDueJobs(app, handlers);
    const [withPdf] = await app.db.select().from(draws).where(eq(draws.id, drawId));
    expect(withPdf!.recordPdfSha256).toMatch(/^[0-9a-f]{64}$/);
    const pdf = await readBlob(app.blobs, withPdf!.recordPdfSha256!);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "th-draw-")), "draw.pdf");
    writeFileSync(file, pdf);
    expect(spawnSync("pdfsig", [file], { encoding: "utf8" }).stdout).toContain("Signature is Valid");
    expect(execFileSync("pdftotext", [file, "-"], { encoding: "utf8" })).toContain("评标专家抽取记录");
    const actions = (await app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.subjectId, drawId))).map((x) => x.action);
    expect(actions).toContain("draw.record_pdf");
    expect(channel.sent.map((m) => m.phone)).toContain("13900139000");
    expect(channel.sent[0]!.text).toContain("评标");

    // Nothing is public before the reveal; afterwards anyone re-runs the draw and gets the same experts.
    expect((await failure(drawProof(app.db, drawId)))?.code).toBe("NOT_FOUND");
    expect((await failure(revealDraw(app, supervisor, drawId)))?.code).toBe("FORBIDDEN");
    // R36: not before the evaluation time (test/integration/draw-secrecy.test.ts); test-only, the evaluation has passed.
    expect((await failure(revealDraw(app, admin, drawId)))?.violations.map((v) => v.code)).toEqual(["RULE_R36_REVEAL_TOO_EARLY"]);
    await app.db.execute(sql`update draws set evaluation_at = now() - interval '1 minute' where id = ${drawId}::uuid`);
    await revealDraw(app, admin, drawId);
    const proof = await drawProof(app.db, drawId);
    const v = verifyDraw(proof);
    expect(v.ok).toBe(true);
    expect(proof.picks.map((p) => p.expertId).sort()).toEqual([...pickedCodes].sort());
    expect(proof.v).toBe(2);
    const p2 = proof as DrawProofV2;
    const otherSalt: DrawProofV2["salts"] = [["supervisor", "另一个盐值"]];
    expect(verifyDraw({ ...p2, salts: otherSalt }).ok).toBe(false);
    expect(verifyDraw({ ...proof, serverSeed: "00".repeat(32) })).toEqual({ ok: false, reason: "commitment_mismatch" });
    expect(verifyDraw({ ...proof, candidates: proof.candidates.slice(1) }).ok).toBe(false);
  });
});
