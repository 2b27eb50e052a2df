import { asc, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { verifyCheckpoint } from "#crypto/checkpoint";
import { entryLeaf, fromHex, verifyConsistency, verifyInclusion } from "#crypto/merkle";
import { GENESIS_HASH, hashEntry, hashPayload } from "#crypto/record-hash";
import { recordCheckpoints, recordEntries, recordHead } from "#db/schema/index";
import { trustedCaPems } from "#app/services/platform/certificates.server";
import { checkpointDue, consistency, inclusion, issueCheckpoint, listCheckpoints, positiveParam, verifyCheckpoints } from "#app/services/transparency/log.server";
import { verifyRecord } from "#app/services/platform/record.server";
import { forEachDriver } from "../helpers/db";
import { makeActor } from "../helpers/factories";

const policy = { everyEntries: 1_000_000, everyMs: 3_600_000 };

it("checkpointDue: every N entries, or any new entry M after the last; never for an unchanged record", () => {
  const p = { everyEntries: 10, everyMs: 60_000 };
  const at = new Date("2026-12-03T00:00:00Z");
  const later = (ms: number) => new Date(at.getTime() + ms);
  expect(checkpointDue(0, null, at, p)).toBe(false);
  expect(checkpointDue(1, null, at, p)).toBe(true);
  expect(checkpointDue(19, { size: 10, issuedAt: at }, later(1000), p)).toBe(false);
  expect(checkpointDue(20, { size: 10, issuedAt: at }, later(1000), p)).toBe(true);
  expect(checkpointDue(11, { size: 10, issuedAt: at }, later(60_000), p)).toBe(true);
  expect(checkpointDue(10, { size: 10, issuedAt: at }, later(3_600_000), p)).toBe(false);
  expect(positiveParam(null, "x")).toBeUndefined();
  expect(positiveParam("42", "x")).toBe(42);
  for (const bad of ["0", "-1", "01", "1e3", "9007199254740993", " 1", "x"]) expect(() => positiveParam(bad, "x")).toThrow();
});

forEachDriver("the record as a transparency log (docs/record-format.md)", (env) => {
  it("checkpoints are signed tree heads over the record; any entry's inclusion and any two checkpoints' consistency verify", async () => {
    const { app } = env();
    await makeActor(app, "bidder");
    const first = await issueCheckpoint(app, policy, true);
    expect(first).not.toBeNull();
    // Not due and nothing new: no second checkpoint of the same size, forced or not.
    expect(await issueCheckpoint(app, policy)).toBeNull();
    expect(await issueCheckpoint(app, policy, true)).toBeNull();
    await makeActor(app, "tendering_unit");
    await makeActor(app, "supervisor");
    const second = (await issueCheckpoint(app, policy, true))!;
    expect(second.size).toBeGreaterThan(first!.size);

    const listed = await listCheckpoints(app.db);
    expect(listed.map((c) => c.size)).toEqual([second.size, first!.size]);
    expect((await listCheckpoints(app.db, { before: second.size })).map((c) => c.size)).toEqual([first!.size]);
    const check = await verifyCheckpoint(listed[0]!.signed, trustedCaPems(app.config), new Date(), [listed[0]!.signed.x5c[0]!]);
    expect(check).toMatchObject({ valid: true, checkpoint: { size: second.size, rootHash: second.rootHash } });

    for (const seq of [1, first!.size, second.size]) {
      const p = await inclusion(app.db, seq, second.size);
      expect(p.leafHash).toBe(Buffer.from(entryLeaf(p.entryHash)).toString("hex"));
      expect(verifyInclusion(entryLeaf(p.entryHash), seq - 1, second.size, p.proof.map(fromHex), fromHex(second.rootHash))).toBe(true);
      expect(verifyInclusion(entryLeaf(p.entryHash), seq - 1, second.size, p.proof.map(fromHex), fromHex(first!.rootHash))).toBe(false);
    }
    const c = await consistency(app.db, first!.size, second.size);
    expect(verifyConsistency(first!.size, second.size, fromHex(first!.rootHash), fromHex(second.rootHash), c.proof.map(fromHex))).toBe(true);
    await expect(inclusion(app.db, 1, second.size + 1)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(inclusion(app.db, second.size + 1, second.size)).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(consistency(app.db, second.size, first!.size)).rejects.toMatchObject({ code: "VALIDATION" });
    expect(await verifyCheckpoints(app)).toEqual({ ok: true, checkpoints: 2, latest: { size: second.size, rootHash: second.rootHash } });

    // Published checkpoints are append-only, like the record.
    await expect(app.db.update(recordCheckpoints).set({ rootHash: "0".repeat(64) })).rejects.toThrow();
    await expect(app.db.delete(recordCheckpoints)).rejects.toThrow();
  });

  it("tampering is found: an entry rewritten with the whole chain and head recomputed passes the chain check but not the published root; a changed checkpoint row no longer matches its signed body", async () => {
    const { app } = env();
    await makeActor(app, "bidder");
    expect(await issueCheckpoint(app, policy, true)).not.toBeNull();
    // The suite's database is shared: the first checkpoint that covers entry 1 is the oldest one.
    const oldest = (await listCheckpoints(app.db, { limit: 100 })).at(-1)!;
    // Someone with the database's superuser rights rewrites entry 1 and recomputes every later hash and the head:
    // the chain verifies again — the published tree does not.
    await app.db.execute(sql`alter table record_entries disable trigger record_entries_no_update`);
    const rows = await app.db.select().from(recordEntries).orderBy(asc(recordEntries.seq));
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const payload = r.seq === 1 ? { ...(r.payload as object), rewritten: true } : r.payload;
      const fields = { seq: r.seq, at: r.at.toISOString(), actorUserId: r.actorUserId, orgId: r.orgId, ip: r.ip, action: r.action, subjectType: r.subjectType, subjectId: r.subjectId, payloadHash: hashPayload(payload), prevHash: prev, stateHash: r.stateHash };
      prev = hashEntry(fields);
      await app.db.update(recordEntries).set({ payload, payloadHash: fields.payloadHash, prevHash: fields.prevHash, hash: prev }).where(eq(recordEntries.seq, r.seq));
    }
    await app.db.update(recordHead).set({ hash: prev }).where(eq(recordHead.id, 1));
    await app.db.execute(sql`alter table record_entries enable trigger record_entries_no_update`);
    expect((await verifyRecord(app.db)).ok).toBe(true);
    expect(await verifyCheckpoints(app)).toMatchObject({ ok: false, size: oldest.size, reason: "ROOT_MISMATCH" });

    await app.db.execute(sql`alter table record_checkpoints disable trigger record_checkpoints_no_update`);
    await app.db.execute(sql`update ${recordCheckpoints} set root_hash = ${"cd".repeat(32)}`);
    await app.db.execute(sql`alter table record_checkpoints enable trigger record_checkpoints_no_update`);
    expect(await verifyCheckpoints(app)).toMatchObject({ ok: false, size: oldest.size, reason: "BODY_MISMATCH" });
  });
});
