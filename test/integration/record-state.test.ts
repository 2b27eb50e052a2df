// Business state bound to the record (issue 16 item 2; R60; docs/record-format.md §1.7, ADR 028): each entry carries the
// digest of the rows its command wrote, and `verifyState` (npm run verify-record -- --state) finds a direct SQL change
// to any state-bound table — tested here by tampering with a project, a bid, a draw pick and a score row.
import { readFileSync } from "node:fs";
import { and, asc, eq, sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { hashState, sha256Hex } from "#crypto/record-hash";
import { rowsOf } from "#db/client";
import { bids, drawPicks, projects, recordEntries, recordWrites, scores } from "#db/schema/index";
import { verifyRecord } from "#app/services/platform/record.server";
import { saveScore } from "#app/services/evaluation/scoring.server";
import { ensureStateBaseline, STATE_TABLES, verifyState, type StateProblem } from "#app/services/transparency/state.server";
import { seedDemo } from "../../server/seed";
import { forEachDriver } from "../helpers/db";
import { forceStage, freezeMethod, openedSection, passReview, seatCommittee, setReadPrices } from "../helpers/evaluation";

const method = JSON.parse(readFileSync(new URL("../fixtures/evaluation/ztb-comprehensive.appendix.json", import.meta.url), "utf8")).method;
const SLOW = 300_000;
const FORGED_PICK = "0f0f0f0f-0000-4000-8000-00000000f0f0";

const keyOf = (...values: string[]) => JSON.stringify(values).replace(/","/g, '", "');
const brief = (ps: StateProblem[]) => ps.map((p) => ("table" in p ? `${p.kind} ${p.table} ${p.key}` : `${p.kind} #${p.seq}`));

forEachDriver("record: business state bound to the record (R60)", (env) => {
  beforeAll(async () => {
    await seedDemo(env().app);
  }, SLOW);

  it("migration 0015 binds exactly STATE_TABLES, with insert, update and delete triggers", async () => {
    const rows = rowsOf<{ t: string; n: number }>(
      await env().app.db.execute(sql`select tgrelid::regclass::text as t, count(*)::int as n from pg_trigger where tgname like '%\_state\_%' and not tgisinternal group by 1`),
    );
    expect(rows.map((r) => r.t).sort()).toEqual([...STATE_TABLES].sort());
    expect(rows.every((r) => r.n === 3)).toBe(true);
  });

  it("R60: the demo, written only through commands, verifies: every entry's stateHash matches its writes, every bound row its last write", async () => {
    const { app } = env();
    const chain = await verifyRecord(app.db);
    expect(chain.ok).toBe(true);
    const state = await verifyState(app.db);
    expect(brief(state.problems)).toEqual([]);
    expect(state).toMatchObject({ ok: true, truncated: false });
    expect(state.rows).toBeGreaterThan(200);
    expect(state.writes).toBeGreaterThanOrEqual(state.rows);
    // Every entry since migration 0015 is format v2; a project's creation bound its rows.
    const [create] = await app.db.select().from(recordEntries).where(eq(recordEntries.action, "project.create")).orderBy(asc(recordEntries.seq)).limit(1);
    expect(create!.stateHash).toMatch(/^[0-9a-f]{64}$/);
    const claimed = await app.db.select().from(recordWrites).where(eq(recordWrites.seq, create!.seq));
    expect(claimed.map((w) => w.tableName)).toEqual(expect.arrayContaining(["projects", "sections"]));
    expect(hashState(claimed.map((w) => ({ table: w.tableName, key: w.rowKey, hash: w.rowHash })))).toBe(create!.stateHash);
  });

  it("the row digest is SHA-256 of the row's to_jsonb text in UTC, whatever the session's time zone", async () => {
    const { app } = env();
    const [p] = await app.db.select({ id: projects.id }).from(projects).limit(1);
    const [w] = await app.db.select().from(recordWrites).where(and(eq(recordWrites.tableName, "projects"), eq(recordWrites.rowKey, keyOf(p!.id)))).orderBy(asc(recordWrites.seq));
    const text = await app.db.transaction(async (tx) => {
      await tx.execute(sql`set local timezone to 'Asia/Shanghai'`);
      const shanghai = rowsOf<{ t: string }>(await tx.execute(sql`select to_jsonb(r)::text as t from projects r where id = ${p!.id}`))[0]!.t;
      await tx.execute(sql`set local timezone to 'UTC'`);
      const utc = rowsOf<{ t: string }>(await tx.execute(sql`select to_jsonb(r)::text as t from projects r where id = ${p!.id}`))[0]!.t;
      expect(shanghai).not.toBe(utc); // the session's zone shows in timestamps: the capture must not depend on it
      return utc;
    });
    const [last] = await app.db.select().from(recordWrites).where(and(eq(recordWrites.tableName, "projects"), eq(recordWrites.rowKey, keyOf(p!.id)))).orderBy(sql`seq desc`).limit(1);
    expect(w).toBeDefined();
    expect(last!.rowHash).toBe(sha256Hex(text));
  });

  it("R60: a project, a bid and a draw pick changed by SQL — with or without the capture triggers — are each named; restored, the state verifies again", async () => {
    const { app } = env();
    const [p] = await app.db.select().from(projects).orderBy(asc(projects.code)).limit(1);
    const [b] = await app.db.select().from(bids).limit(1);
    const [pick] = await app.db.select().from(drawPicks).limit(1);
    // 1. A project renamed by plain SQL: the triggers note a write no command claimed, and the row no longer matches.
    await app.db.update(projects).set({ title: `${p!.title}（改）` }).where(eq(projects.id, p!.id));
    // 2. A bid's status changed with the triggers off (session_replication_role = replica skips user triggers).
    await app.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.update(bids).set({ status: b!.status === "withdrawn" ? "submitted" : "withdrawn" }).where(eq(bids.id, b!.id));
      // 3. A draw pick moved in the order, triggers off too.
      await tx.update(drawPicks).set({ order: pick!.order + 100 }).where(eq(drawPicks.id, pick!.id));
    });
    const broken = await verifyState(app.db);
    expect(broken.ok).toBe(false);
    const named = brief(broken.problems);
    expect(named).toEqual(
      expect.arrayContaining([
        `row_changed projects ${keyOf(p!.id)}`,
        `write_outside_command projects ${keyOf(p!.id)}`,
        `row_changed bids ${keyOf(b!.id)}`,
        `row_changed draw_picks ${keyOf(pick!.id)}`,
      ]),
    );
    expect(named).toHaveLength(4);
    // The chain itself is intact: only the state check sees it.
    expect((await verifyRecord(app.db)).ok).toBe(true);

    // Put the rows back as recorded (triggers off, so no new write is noted): the rows match again; the
    // write made outside the record stays as evidence.
    await app.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.update(projects).set({ title: p!.title }).where(eq(projects.id, p!.id));
      await tx.update(bids).set({ status: b!.status }).where(eq(bids.id, b!.id));
      await tx.update(drawPicks).set({ order: pick!.order }).where(eq(drawPicks.id, pick!.id));
    });
    expect(brief((await verifyState(app.db)).problems)).toEqual([`write_outside_command projects ${keyOf(p!.id)}`]);
  }, SLOW);

  it("R60: a row inserted or deleted by SQL, and a stored write rewritten to hide a change, are found", async () => {
    const { app } = env();
    const before = new Set(brief((await verifyState(app.db)).problems));
    const fresh = (ps: StateProblem[]) => brief(ps).filter((x) => !before.has(x));
    const [p] = await app.db.select().from(projects).orderBy(sql`code desc`).limit(1);
    const [pick] = await app.db.select().from(drawPicks).orderBy(sql`id desc`).limit(1);
    const hiddenSeq = await app.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`set local timezone to 'UTC'`);
      // A pick deleted (FKs are not checked in replica mode either), and a forged one inserted in its place.
      await tx.delete(drawPicks).where(eq(drawPicks.id, pick!.id));
      await tx.insert(drawPicks).values({ ...pick!, id: FORGED_PICK });
      // A project's row changed and its last claimed write rewritten to the new digest, to hide it: the entry's
      // stateHash no longer matches its writes.
      await tx.update(projects).set({ title: `${p!.title}·` }).where(eq(projects.id, p!.id));
      const [digest] = rowsOf<{ h: string }>(
        await tx.execute(sql`select encode(sha256(convert_to(to_jsonb(r)::text, 'UTF8')), 'hex') as h from projects r where id = ${p!.id}`),
      );
      const [last] = await tx.select().from(recordWrites).where(and(eq(recordWrites.tableName, "projects"), eq(recordWrites.rowKey, keyOf(p!.id)))).orderBy(sql`seq desc`).limit(1);
      await tx.update(recordWrites).set({ rowHash: digest!.h }).where(eq(recordWrites.id, last!.id));
      return last!.seq!;
    });
    const r = await verifyState(app.db);
    expect(fresh(r.problems).sort()).toEqual([`row_deleted draw_picks ${keyOf(pick!.id)}`, `row_unrecorded draw_picks ${keyOf(FORGED_PICK)}`, `writes_mismatch #${hiddenSeq}`].sort());
    // Claimed writes cannot be changed while the trigger stands.
    await expect(app.db.update(recordWrites).set({ rowHash: null }).where(eq(recordWrites.seq, hiddenSeq))).rejects.toThrow();
  }, SLOW);
});

forEachDriver("record: a score row bound to the record (R60, R46)", (env) => {
  it("R60: a saved score changed by SQL is named as changed from what its evaluation.score_saved entry wrote", async () => {
    const { app } = env();
    // The room is prepared by the evaluation helpers (some write directly, so start from what they leave).
    const t = await openedSection(app, 3);
    const members = await seatCommittee(app, t.sectionId, 5);
    await forceStage(app, t.sectionId, "scoring", members);
    await freezeMethod(app, t.sectionId, method);
    await setReadPrices(app, t.sectionId, t.bidders.map((b, i) => ({ bidId: b.bidId, priceYuan: String(9_600_000 + i * 200_000) })), "10500000");
    await passReview(app, t.sectionId, t.bidders.map((b) => b.bidId));
    const before = new Set(brief((await verifyState(app.db)).problems));
    const m = members[1]!;
    const bidId = t.bidders[0]!.bidId;
    await saveScore(app, m.actor, t.sectionId, { bidId, item: "T1", score: "20", rev: 0 });
    const key = keyOf(t.sectionId, m.memberId, bidId, "T1");
    const [entry] = await app.db.select().from(recordEntries).where(eq(recordEntries.action, "evaluation.score_saved")).orderBy(sql`seq desc`).limit(1);
    const [w] = await app.db.select().from(recordWrites).where(and(eq(recordWrites.tableName, "scores"), eq(recordWrites.rowKey, key)));
    expect(w!.seq).toBe(entry!.seq);
    // The save itself adds no problem.
    expect(brief((await verifyState(app.db)).problems).filter((x) => !before.has(x))).toEqual([]);
    await app.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.update(scores).set({ score: "25" }).where(and(eq(scores.sectionId, t.sectionId), eq(scores.memberId, m.memberId), eq(scores.bidId, bidId), eq(scores.itemId, "T1")));
    });
    const after = (await verifyState(app.db)).problems.filter((p) => !before.has(brief([p])[0]!));
    expect(after).toEqual([{ kind: "row_changed", table: "scores", key, seq: entry!.seq }]);

    // An upgraded database: migration 0015 notes every row that already exists under xid '0' (here done again for
    // scores, as the migration does for each bound table), and the next start binds them with one entry.
    await app.db.execute(sql`select record_state_baseline('scores')`);
    expect(await ensureStateBaseline(app)).toBeGreaterThanOrEqual(1);
    expect(await ensureStateBaseline(app)).toBeNull(); // once
    const [baseline] = await app.db.select().from(recordEntries).where(eq(recordEntries.action, "record.state_baseline"));
    expect(baseline).toMatchObject({ subjectType: "record", subjectId: "state", actorUserId: null });
    const bound = await app.db.select().from(recordWrites).where(eq(recordWrites.seq, baseline!.seq));
    expect(hashState(bound.map((b) => ({ table: b.tableName, key: b.rowKey, hash: b.rowHash })))).toBe(baseline!.stateHash);
    // The score row is now bound as it stands (the baseline takes the rows as found: it cannot know an earlier change).
    expect(brief((await verifyState(app.db)).problems).filter((x) => !before.has(x))).toEqual([]);
  }, SLOW);
});
