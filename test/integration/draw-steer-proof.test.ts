import { asc, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { drawSeedV2, poolCommitment, saltCommitment } from "#expert-pool/commitment";
import { drawExperts } from "#expert-pool/draw";
import { verifyDraw, type DrawProofV2 } from "#expert-pool/verify";
import { drawPicks, drawPools, draws, experts, recordEntries } from "#db/schema/index";
import { dbNow, runCommand } from "#app/services/platform/command.server";
import type { AppContext } from "#app/services/platform/context.server";
import { commitSalt, drawForViewer, drawProof, drawWithSalt, requestDraw, revealDraw, verifyRevealedDraw } from "#app/services/pool/draws.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { forEachDriver } from "../helpers/db";
import { failure } from "../helpers/errors";
import { insertExperts, makeActor, projectForm } from "../helpers/factories";

type Actor = Awaited<ReturnType<typeof makeActor>>;

async function tender(app: AppContext, tu: Actor) {
  const projectId = await createProject(app, tu, await projectForm(app));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["steer-proof"]))) });
  await publishProject(app, tu, projectId);
  return { projectId, sectionId: (await getManagedProject(app.db, tu, projectId)).sections[0]!.id };
}

/** The draw's row with its committed pool (ADR 030: the pool is its own write-once row, draw_pools). */
const rowOf = async (app: AppContext, drawId: string) => {
  const [d] = await app.db.select().from(draws).where(eq(draws.id, drawId));
  const [pool] = await app.db.select().from(drawPools).where(eq(drawPools.drawId, drawId));
  return { ...d!, candidates: pool!.candidates, poolExclusions: pool!.poolExclusions };
};

/** Test-only: the evaluation has passed, so the seed may be revealed (R36) and the proof is public. */
async function revealNow(app: AppContext, admin: Actor, drawId: string) {
  await app.db.execute(sql`update draws set evaluation_at = now() - interval '1 minute' where id = ${drawId}::uuid`);
  await revealDraw(app, admin, drawId);
}

/** Appends `n` record entries through the command layer (what an operator grinding the seed would do). */
async function appendEntries(app: AppContext, admin: Actor, n: number) {
  for (let i = 0; i < n; i++) {
    await runCommand(app, admin, "test.noise", async () => ({ result: undefined, subjectType: "test", subjectId: `noise-${i}`, payload: { i } }));
  }
}

forEachDriver("steer-proof draw (R35, ADR 027)", (env) => {
  it("R35: the pool is committed at the request with the seed commitment; appending record entries or changing pool data before the draw changes no pick", async () => {
    const { app, driver } = env();
    const [tu, supervisor, admin] = [await makeActor(app, "tendering_unit"), await makeActor(app, "supervisor"), await makeActor(app, "admin")];
    const { sectionId } = await tender(app, tu);
    await insertExperts(app, [
      ...Array.from({ length: 20 }, (_, i) => ({ code: `${driver}-S${String(i).padStart(2, "0")}`, specialties: ["A0201"] })),
      { code: `${driver}-S-SUS`, specialties: ["A0201"], status: "suspended" as const },
    ]);
    const now = await dbNow(app.db);
    const drawId = await requestDraw(app, tu, { sectionId, lines: [{ specialty: "A02", count: 3, backups: 2 }], regionMode: "any", evaluationAt: new Date(now.getTime() + 20 * 86400_000), avoid: [] });

    // The request entry carries both commitments and the counts, before any salt.
    const [req] = await app.db.select().from(recordEntries).where(eq(recordEntries.subjectId, drawId)).orderBy(asc(recordEntries.seq));
    const payload = req!.payload as Record<string, unknown>;
    const d = await rowOf(app, drawId);
    expect(payload).toMatchObject({ commitment: d.commitment, poolCommitment: d.poolCommitment, candidates: 20, excluded: 1, excludedByRule: { R39: 1 }, saltParties: ["supervisor"] });
    expect(d.poolCommitment).toBe(
      poolCommitment({ drawId, seedCommitment: d.commitment, lines: d.lines, candidates: d.candidates!, exclusions: d.poolExclusions!, saltParties: ["supervisor"] }),
    );
    // The public exclusion names nobody: a pseudonym, its rule and code.
    expect(d.poolExclusions).toEqual([[expect.stringMatching(/^[0-9a-f]{64}$/), "R39", "EXCLUDED_SUSPENDED"]]);
    expect(JSON.stringify(d.poolExclusions)).not.toContain("S-SUS");

    // Whoever can read the server seed knows the outcome of every salt already — and can do nothing about it:
    // the seed depends on the server seed, the pool commitment and the salt only.
    const salt = "监督员现场盐值-0042";
    const expected = drawExperts(
      drawSeedV2({ serverSeed: d.serverSeed, poolCommitment: d.poolCommitment!, salts: [["supervisor", salt]] }),
      d.lines,
      d.candidates!.map(([id, specialties]) => ({ id, specialties })),
    ).picks;
    await appendEntries(app, admin, 5);
    // Pool data changes after the commitment: a new eligible expert, a candidate suspended. The draw reads the committed list.
    await insertExperts(app, [{ code: `${driver}-S-LATE`, specialties: ["A0201"] }]);
    await app.db.update(experts).set({ status: "suspended" }).where(eq(experts.code, `${driver}-S00`));
    const out = await drawWithSalt(app, supervisor, drawId, salt);
    expect(out).toMatchObject({ drawn: true, picks: 5, eligible: 20, excluded: 1 });
    const sup = await drawForViewer(app.db, supervisor, drawId, now);
    // Supervisors see each exclusion by name with its public pseudonym; the key itself is shown to nobody.
    expect(sup.draw.exclusions!.map((x) => [x.expertCode, x.pseudonym])).toEqual([[`${driver}-S-SUS`, d.poolExclusions![0]![0]]]);
    expect(JSON.stringify(sup)).not.toContain(d.pseudonymKey!);
    expect((await drawForViewer(app.db, tu, drawId, now)).draw.exclusions).toBeNull();
    const byOrder = [...sup.picks].sort((a, b) => a.order - b.order).map((p) => p.code);
    expect(byOrder).toEqual(expected.map((p) => p.expertId));
    expect(byOrder).not.toContain(`${driver}-S-LATE`);
    // Salt and draw were one command: no separate salt entry exists.
    const actions = (await app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.subjectId, drawId)).orderBy(asc(recordEntries.seq))).map((x) => x.action);
    expect(actions.filter((a) => a.startsWith("draw.")).slice(0, 2)).toEqual(["draw.request", "draw.run"]);
    expect((await failure(drawWithSalt(app, supervisor, drawId, "再来一次")))?.code).toBe("INVALID_STATE");

    await revealNow(app, admin, drawId);
    const proof = (await drawProof(app.db, drawId)) as DrawProofV2;
    expect(verifyDraw(proof)).toMatchObject({ ok: true });
    expect(proof.recorded.entries.map((e) => e.action)).toEqual(["draw.request"]);
    expect(JSON.stringify(proof)).not.toContain("pseudonymKey");
  });

  it("R35: changing the committed pool after the commitment makes verification fail — the row alone, or the row with its commitment recomputed", async () => {
    const { app, driver } = env();
    const [tu, supervisor, admin] = [await makeActor(app, "tendering_unit"), await makeActor(app, "supervisor"), await makeActor(app, "admin")];
    const { sectionId } = await tender(app, tu);
    await insertExperts(app, [
      ...Array.from({ length: 12 }, (_, i) => ({ code: `${driver}-T${String(i).padStart(2, "0")}`, specialties: ["A0301"] })),
      { code: `${driver}-T-RET`, specialties: ["A0301"], status: "retired" as const },
    ]);
    const now = await dbNow(app.db);
    const drawId = await requestDraw(app, tu, { sectionId, lines: [{ specialty: "A03", count: 3, backups: 1 }], regionMode: "any", evaluationAt: new Date(now.getTime() + 20 * 86400_000), avoid: [] });
    await drawWithSalt(app, supervisor, drawId, "监督盐值-篡改测试");
    await revealNow(app, admin, drawId);
    expect((await verifyRevealedDraw(app.db, drawId)).outcome).toMatchObject({ ok: true });
    const d = await rowOf(app, drawId);

    // 1. A candidate removed from the committed list (the row only): the pool commitment no longer matches.
    await app.db.update(drawPools).set({ candidates: d.candidates.slice(1) }).where(eq(drawPools.drawId, drawId));
    expect((await verifyRevealedDraw(app.db, drawId)).outcome).toMatchObject({ ok: false, reason: "pool_commitment_mismatch" });
    // 2. The same with the row's commitment recomputed to match: the record still holds the original one.
    const tampered = d.candidates!.slice(1);
    const recomputed = poolCommitment({ drawId, seedCommitment: d.commitment, lines: d.lines, candidates: tampered, exclusions: d.poolExclusions!, saltParties: d.saltParties! });
    await app.db.update(drawPools).set({ candidates: tampered }).where(eq(drawPools.drawId, drawId));
    await app.db.update(draws).set({ poolCommitment: recomputed }).where(eq(draws.id, drawId));
    expect((await verifyRevealedDraw(app.db, drawId)).outcome).toMatchObject({ ok: false, reason: "record_mismatch" });
    // 3. An exclusion dropped (its expert slipped into the pool) or given another rule.
    await app.db.update(draws).set({ poolCommitment: d.poolCommitment }).where(eq(draws.id, drawId));
    await app.db.update(drawPools).set({ candidates: d.candidates, poolExclusions: [] }).where(eq(drawPools.drawId, drawId));
    expect((await verifyRevealedDraw(app.db, drawId)).outcome).toMatchObject({ ok: false, reason: "pool_commitment_mismatch" });
    const relabelled = d.poolExclusions!.map(([p, , code]): [string, string, string] => [p, "R40", code]);
    await app.db.update(drawPools).set({ poolExclusions: relabelled }).where(eq(drawPools.drawId, drawId));
    expect((await verifyRevealedDraw(app.db, drawId)).outcome).toMatchObject({ ok: false, reason: "pool_commitment_mismatch" });
    // 4. A pick swapped for another candidate.
    await app.db.update(drawPools).set({ poolExclusions: d.poolExclusions }).where(eq(drawPools.drawId, drawId));
    expect((await verifyRevealedDraw(app.db, drawId)).outcome).toMatchObject({ ok: true });
    const picked = new Set((await app.db.select({ id: drawPicks.expertId }).from(drawPicks).where(eq(drawPicks.drawId, drawId))).map((p) => p.id));
    const spare = (await app.db.select().from(experts).where(sql`${experts.code} like ${`${driver}-T0%`}`)).find((e) => !picked.has(e.id))!;
    await app.db.execute(sql`update draw_picks set expert_id = ${spare.id}::uuid where draw_id = ${drawId}::uuid and "order" = 1`);
    expect((await verifyRevealedDraw(app.db, drawId)).outcome).toMatchObject({ ok: false, reason: "picks_mismatch" });
  });

  it("R35 ZFCG profile: supervisor and tendering unit commit, then reveal; the last reveal draws; no reveal before every commitment", async () => {
    const { app, driver } = env();
    const [tu, supervisor, admin, other] = [await makeActor(app, "tendering_unit"), await makeActor(app, "supervisor"), await makeActor(app, "admin"), await makeActor(app, "tendering_unit")];
    const { projectId, sectionId } = await tender(app, tu);
    // Test-only: the same tender under the ZFCG profile (two salt parties).
    await app.db.execute(sql`update projects set regime = 'ZFCG', profile_code = 'ZFCG' where id = ${projectId}::uuid`);
    await insertExperts(app, Array.from({ length: 10 }, (_, i) => ({ code: `${driver}-Z${i}`, specialties: ["A0401"] })));
    const now = await dbNow(app.db);
    const drawId = await requestDraw(app, tu, { sectionId, lines: [{ specialty: "A04", count: 3, backups: 1 }], regionMode: "any", evaluationAt: new Date(now.getTime() + 20 * 86400_000), avoid: [] });
    expect((await rowOf(app, drawId)).saltParties).toEqual(["supervisor", "tendering_unit"]);
    const tuSalt = "a3f1c0de9b7e44d2a1f0c3b5e6d7a8b9";
    const supSalt = "监督方随机盐值-5f2e91ab77c04d1e";

    expect((await failure(commitSalt(app, other, drawId, "0".repeat(64))))?.code).toBe("NOT_FOUND"); // not this project's tender side
    expect((await failure(commitSalt(app, tu, drawId, "not-a-hash")))?.code).toBe("VALIDATION");
    expect(await commitSalt(app, tu, drawId, saltCommitment(drawId, "tendering_unit", tuSalt))).toEqual({ waitingFor: ["supervisor"] });
    expect((await failure(commitSalt(app, tu, drawId, saltCommitment(drawId, "tendering_unit", "换一个"))))?.code).toBe("INVALID_STATE");
    // No reveal before every party has committed: the tendering unit cannot see the supervisor's salt first.
    expect((await failure(drawWithSalt(app, tu, drawId, tuSalt)))?.code).toBe("INVALID_STATE");
    const viewBefore = await drawForViewer(app.db, supervisor, drawId, now);
    expect(viewBefore.can).toMatchObject({ salt: false, commitSalt: true, revealSalt: false });
    expect(await commitSalt(app, supervisor, drawId, saltCommitment(drawId, "supervisor", supSalt))).toEqual({ waitingFor: [] });
    // A salt that is not the committed one is refused.
    expect((await failure(drawWithSalt(app, tu, drawId, "别的盐值-1234")))?.code).toBe("VALIDATION");
    expect(await drawWithSalt(app, tu, drawId, tuSalt)).toMatchObject({ drawn: false, waitingFor: ["supervisor"], picks: 0 });
    expect((await rowOf(app, drawId)).status).toBe("committed");
    expect(await drawWithSalt(app, supervisor, drawId, supSalt)).toMatchObject({ drawn: true, waitingFor: [], picks: 4 });
    const actions = (await app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.subjectId, drawId)).orderBy(asc(recordEntries.seq))).map((x) => x.action);
    expect(actions.slice(0, 5)).toEqual(["draw.request", "draw.salt_commit", "draw.salt_commit", "draw.salt_reveal", "draw.run"]);

    await revealNow(app, admin, drawId);
    const proof = (await drawProof(app.db, drawId)) as DrawProofV2;
    expect(proof.saltParties).toEqual(["supervisor", "tendering_unit"]);
    expect(proof.salts).toEqual([
      ["supervisor", supSalt],
      ["tendering_unit", tuSalt],
    ]);
    expect(proof.recorded.saltCommitments).toEqual(proof.saltCommitments);
    expect(verifyDraw(proof)).toMatchObject({ ok: true });
    // A salt that does not match its commitment, or a commitment that is not the recorded one, fails.
    const otherSalts: DrawProofV2["salts"] = [proof.salts[0]!, ["tendering_unit", "另一个盐值"]];
    expect(verifyDraw({ ...proof, salts: otherSalts })).toMatchObject({ ok: false, reason: "salt_commitment_mismatch" });
    const forged: DrawProofV2["saltCommitments"] = [proof.saltCommitments[0]!, ["tendering_unit", saltCommitment(drawId, "tendering_unit", "另一个盐值")]];
    expect(verifyDraw({ ...proof, saltCommitments: forged, salts: otherSalts })).toMatchObject({ ok: false, reason: "record_mismatch" });
  });
});
