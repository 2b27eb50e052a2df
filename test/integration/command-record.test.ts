import { asc, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { hashEntry, hashPayload } from "#crypto/record-hash";
import { liveEvents, organisations, recordEntries, recordHead } from "#db/schema/index";
import { systemActor } from "#app/services/platform/actor";
import { runCommand } from "#app/services/platform/command.server";
import type { LiveEvent } from "#app/services/platform/live-hub.server";
import { verifyRecord } from "#app/services/platform/record.server";
import { forEachDriver, rowsOf } from "../helpers/db";

const actor = { ...systemActor(), ip: "10.0.0.7" };

forEachDriver("command layer and record", (env) => {
  const createOrg = (name: string, extra: { channel?: string } = {}) =>
    runCommand(env().app, actor, "org.create", async ({ tx }) => {
      const [o] = await tx.insert(organisations).values({ name, kind: "bidder" }).returning({ id: organisations.id });
      return {
        result: o!.id,
        subjectType: "organisation",
        subjectId: o!.id,
        payload: { name },
        events: extra.channel ? [{ channel: extra.channel, type: "org.created", data: { name } }] : [],
      };
    });

  it("R60: writes the change and a hash-linked record entry in one transaction", async () => {
    const [headBefore] = await env().app.db.select().from(recordHead);
    const id = await createOrg("记录测试单位甲");
    const [entry] = await env().app.db.select().from(recordEntries).where(eq(recordEntries.subjectId, id));
    expect(entry).toBeDefined();
    expect(entry!.seq).toBe(headBefore!.seq + 1);
    expect(entry!.prevHash).toBe(headBefore!.hash);
    expect(entry!.action).toBe("org.create");
    expect(entry!.ip).toBe("10.0.0.7");
    expect(entry!.payloadHash).toBe(hashPayload({ name: "记录测试单位甲" }));
    expect(entry!.hash).toBe(
      hashEntry({
        seq: entry!.seq,
        at: entry!.at.toISOString(),
        actorUserId: null,
        orgId: null,
        ip: "10.0.0.7",
        action: "org.create",
        subjectType: "organisation",
        subjectId: id,
        payloadHash: entry!.payloadHash,
        prevHash: entry!.prevHash,
        // The organisation row the command wrote, bound to the entry (docs/record-format.md §3).
        stateHash: entry!.stateHash,
      }),
    );
    const [headAfter] = await env().app.db.select().from(recordHead);
    expect(headAfter).toEqual({ id: 1, seq: entry!.seq, hash: entry!.hash });
    // The database clock, not the app's: within a minute of the database's now().
    const [{ now }] = rowsOf<{ now: string }>(await env().app.db.execute(sql`select now()::text as now`)) as [{ now: string }];
    expect(Math.abs(new Date(now).getTime() - entry!.at.getTime())).toBeLessThan(60_000);
  });

  it("a failing command leaves neither the change nor a record entry", async () => {
    const [headBefore] = await env().app.db.select().from(recordHead);
    await expect(
      runCommand(env().app, actor, "org.create", async ({ tx }) => {
        await tx.insert(organisations).values({ name: "不应存在的单位", kind: "bidder" });
        throw new Error("rule refused");
      }),
    ).rejects.toThrow("rule refused");
    expect(await env().app.db.select().from(organisations).where(eq(organisations.name, "不应存在的单位"))).toHaveLength(0);
    const [headAfter] = await env().app.db.select().from(recordHead);
    expect(headAfter).toEqual(headBefore);
  });

  it("R60: the database refuses UPDATE, DELETE and TRUNCATE on the record", async () => {
    await createOrg("记录测试单位乙");
    const refusal = (q: Promise<unknown>) =>
      q.then(
        () => "accepted",
        (e: Error & { cause?: Error }) => String(e.cause?.message ?? e.message),
      );
    expect(await refusal(env().app.db.execute(sql`update record_entries set action = 'forged'`))).toMatch(/append-only \(R60\): UPDATE refused/);
    expect(await refusal(env().app.db.execute(sql`delete from record_entries`))).toMatch(/append-only \(R60\): DELETE refused/);
    expect(await refusal(env().app.db.execute(sql`truncate record_entries`))).toMatch(/append-only \(R60\): TRUNCATE refused/);
    expect((await verifyRecord(env().app.db)).ok).toBe(true);
  });

  it("concurrent commands never fork the chain", async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => createOrg(`并发单位${i}`)));
    const rows = await env().app.db.select().from(recordEntries).orderBy(asc(recordEntries.seq));
    rows.forEach((r, i) => {
      expect(r.seq).toBe(i + 1);
      if (i > 0) expect(r.prevHash).toBe(rows[i - 1]!.hash);
    });
    const v = await verifyRecord(env().app.db);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.entries).toBe(rows.length);
  });

  it("live events get per-channel sequence numbers; a reconnecting client catches up; the hub delivers after commit", async () => {
    const channel = `test:${env().driver}`;
    const received: LiveEvent[] = [];
    const off = env().app.hub.subscribe(channel, (e) => received.push(e));
    await createOrg("事件单位一", { channel });
    await createOrg("事件单位二", { channel });
    await createOrg("别的频道", { channel: `${channel}:other` });
    const seqs = (await env().app.db.select().from(liveEvents).where(eq(liveEvents.channel, channel))).map((e) => e.seq).sort();
    expect(seqs).toEqual([1, 2]);
    expect((await env().app.hub.after(channel, 1)).map((e) => e.seq)).toEqual([2]);
    expect(await env().app.hub.latestSeq(channel)).toBe(2);
    const deadline = Date.now() + 5000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    off();
    expect(received.map((e) => e.seq)).toEqual([1, 2]);
    expect(received[0]!.data).toEqual({ name: "事件单位一" });
  });

  it("verify-record names the first tampered entry", async () => {
    const id = await createOrg("将被篡改的单位");
    const [target] = await env().app.db.select().from(recordEntries).where(eq(recordEntries.subjectId, id));
    await createOrg("篡改之后的单位");
    // A superuser can disable the trigger — and is still caught.
    await env().app.db.execute(sql`alter table record_entries disable trigger user`);
    await env().app.db.execute(sql`update record_entries set payload = '{"name":"伪造"}'::jsonb where seq = ${target!.seq}`);
    await env().app.db.execute(sql`alter table record_entries enable trigger user`);
    const v = await verifyRecord(env().app.db);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.break.seq).toBe(target!.seq);
      expect(v.break.reason).toBe("payload_hash_mismatch");
    }
  });
});
