import { createHash, randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { toBase64 } from "#crypto/seal/format";
import { bidOpenings, bids, recordEntries, roomPresence } from "#db/schema/index";
import { openHall, releaseBidKey } from "#app/services/opening/opening.server";
import { dataKeyFile, unsealContentKey } from "#app/services/opening/content-key.server";
import { localBlobPath, openPlaintext, StoredFileCorrupt, uploadChunkShas } from "#app/services/opening/plaintext.server";
import type { AppContext } from "#app/services/platform/context.server";
import { login } from "#app/services/accounts/auth.server";
import { loader as fileLoader } from "#app/routes/evaluations.$sectionId.bids.$bidId.files.$index";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { forceStage, openedSection, seatCommittee } from "../helpers/evaluation";
import { PASSWORD } from "../helpers/factories";
import { checkInAs, form, TECH, tenderWithBids, type Bidder } from "../helpers/opening";

/** A 200,000-byte technical file: four 64 KiB chunks (test/helpers/bids.ts), so a tampered chunk can be in the middle. */
const BIG = new Uint8Array(randomBytes(200_000));
const payload = (_: number, price: string) => [form(price, [{ name: "技术标.pdf", size: BIG.length }]), BIG];
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function read(stream: AsyncIterable<unknown>): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}

/** The stored file of chunk `i` of file `index` of a bid (content-addressed: <root>/ab/cd/<sha256>). */
async function chunkFile(app: AppContext, b: Bidder, index: number, i: number): Promise<string> {
  const [row] = await app.db.select({ uploadId: bids.uploadId }).from(bids).where(eq(bids.id, b.bidId));
  const sha256 = (await uploadChunkShas(app.db, row!.uploadId)).get(index)![i]!;
  return localBlobPath(app.blobs, sha256)!;
}

/** TAMPERING: one byte of a stored ciphertext chunk is changed in place, behind the blob store's back. */
function flipByte(file: string, at = 100) {
  const bytes = readFileSync(file);
  bytes[at] = bytes[at]! ^ 0x01;
  writeFileSync(file, bytes);
}

async function opening(app: AppContext, b: Bidder) {
  const [bo] = await app.db.select().from(bidOpenings).where(eq(bidOpenings.bidId, b.bidId));
  return bo!;
}

forEachDriver("opening without plaintext writes (ADR 031)", (env) => {
  it("decrypt on read serves the verified bytes; no plaintext is stored; the key is sealed to the platform, bound to the bid", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder", payload);
    expect(await openHall(app, t.sectionId)).toBe("decryption");
    const [b1, b2] = t.bidders as [Bidder, Bidder];
    for (const b of [b1, b2]) await checkInAs(app, b, t.sectionId);
    await releaseBidKey(app, b1.actor, t.sectionId, toBase64(b1.rawKey));

    const bo = await opening(app, b1);
    expect(bo.state).toBe("decrypted");
    expect(bo.files!.map((f) => ({ index: f.index, size: f.size }))).toEqual([
      { index: 0, size: form("9800000", [{ name: "技术标.pdf", size: BIG.length }]).length },
      { index: 1, size: BIG.length },
    ]);
    expect(bo.files![1]!.sha256).toBe(sha(BIG));
    // Nothing plaintext in the store; the record entry keeps the plaintext hashes as before.
    for (const f of bo.files!) expect(await app.blobs.has(f.sha256)).toBe(false);
    const [entry] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "opening.bid_decrypted"), eq(recordEntries.subjectId, b1.bidId)));
    expect(entry!.payload).toMatchObject({ files: bo.files!.map((f) => ({ index: f.index, sha256: f.sha256, size: f.size })) });

    // The sealed key opens only with the platform's data key and only for this bid.
    const raw = unsealContentKey(app.config, b1.bidId, bo.contentKey!);
    expect(Buffer.from(raw).equals(Buffer.from(b1.rawKey))).toBe(true);
    expect(() => unsealContentKey(app.config, b2.bidId, bo.contentKey!)).toThrow();
    expect(readFileSync(dataKeyFile(app.config), "utf8")).not.toContain(toBase64(b1.rawKey));
    expect(JSON.stringify(bo.contentKey)).not.toContain(toBase64(b1.rawKey));

    // Decrypted on read: the big file and the bid form, byte for byte.
    expect(sha(await read(await openPlaintext(app, b1.bidId, bo.files![1]!)))).toBe(sha(BIG));
    const formBytes = await read(await openPlaintext(app, b1.bidId, bo.files![0]!));
    expect(JSON.parse(new TextDecoder().decode(formBytes))).toMatchObject({ form: { priceYuan: "9800000" } });
    // A file that is not the bid's (wrong hash or size asked for) is refused.
    await expect(openPlaintext(app, b1.bidId, { ...bo.files![1]!, size: 1 })).rejects.toBeInstanceOf(StoredFileCorrupt);

    // TAMPERING after the opening: a middle chunk changed in the store → the read fails before a byte is served.
    flipByte(await chunkFile(app, b1, 1, 2));
    const err = await openPlaintext(app, b1.bidId, bo.files![1]!).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoredFileCorrupt);
    expect((err as StoredFileCorrupt).code).toBe("STORED_FILE_CORRUPT");
    // The untouched file of the same bid still reads.
    expect((await read(await openPlaintext(app, b1.bidId, bo.files![0]!))).length).toBe(bo.files![0]!.size);
  });

  it("the worker pool refuses a tampered chunk and a wrong key with the same codes as before; the bid stays pending and opens with its key once repaired", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder", payload);
    expect(await openHall(app, t.sectionId)).toBe("decryption");
    const [b1, b2, b3] = t.bidders as [Bidder, Bidder, Bidder];
    for (const b of [b1, b2, b3]) await checkInAs(app, b, t.sectionId);

    // A wrong key: refused (R26) with chunk_or_key, nothing stored.
    expect(ruleOf(await failure(releaseBidKey(app, b1.actor, t.sectionId, toBase64(new Uint8Array(32).fill(9)))))).toEqual(["RULE_R26_WRONG_KEY"]);
    expect(await opening(app, b1)).toMatchObject({ state: "pending", lastError: "chunk_or_key", contentKey: null });

    // A tampered chunk of the big file (verified in a worker thread): the same refusal.
    const file = await chunkFile(app, b2, 1, 3);
    const original = readFileSync(file);
    flipByte(file, 7);
    expect(ruleOf(await failure(releaseBidKey(app, b2.actor, t.sectionId, toBase64(b2.rawKey))))).toEqual(["RULE_R26_WRONG_KEY"]);
    expect(await opening(app, b2)).toMatchObject({ state: "pending", lastError: "chunk_or_key", contentKey: null, files: null });
    // Put back, the same key opens it.
    writeFileSync(file, original);
    await releaseBidKey(app, b2.actor, t.sectionId, toBase64(b2.rawKey));
    expect(await opening(app, b2)).toMatchObject({ state: "decrypted", lastError: null });

    // A chunk missing from the store: refused the same way.
    const gone = await chunkFile(app, b3, 1, 0);
    const kept = readFileSync(gone);
    rmSync(gone);
    expect(ruleOf(await failure(releaseBidKey(app, b3.actor, t.sectionId, toBase64(b3.rawKey))))).toEqual(["RULE_R26_WRONG_KEY"]);
    expect((await opening(app, b3)).lastError).toBe("chunk_or_key");
    writeFileSync(gone, kept);
    await releaseBidKey(app, b3.actor, t.sectionId, toBase64(b3.rawKey));
    expect((await opening(app, b3)).state).toBe("decrypted");
  });

  it("back-compat: a bid opened before ADR 031 (its plaintext stored as a blob, no sealed key) is served from that blob", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder", payload);
    expect(await openHall(app, t.sectionId)).toBe("decryption");
    const b1 = t.bidders[0]!;
    await checkInAs(app, b1, t.sectionId);
    await releaseBidKey(app, b1.actor, t.sectionId, toBase64(b1.rawKey));
    // What an opening before this change left: the plaintext in the blob store under its hash, and no sealed key.
    const bo = await opening(app, b1);
    const stored = await app.blobs.put(BIG);
    expect(stored.sha256).toBe(bo.files![1]!.sha256);
    await app.db.update(bidOpenings).set({ contentKey: null }).where(eq(bidOpenings.bidId, b1.bidId));
    // Even with its ciphertext changed, the stored plaintext is what is served (it is the verified copy).
    flipByte(await chunkFile(app, b1, 1, 0));
    expect(sha(await read(await openPlaintext(app, b1.bidId, bo.files![1]!)))).toBe(sha(BIG));
    // The bid form has no blob and no sealed key: refused, nothing served.
    await expect(openPlaintext(app, b1.bidId, bo.files![0]!)).rejects.toBeInstanceOf(StoredFileCorrupt);
  });

  it("the review room's file download decrypts on read; after a stored chunk is tampered with it fails with STORED_FILE_CORRUPT and serves nothing", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const members = await seatCommittee(app, t.sectionId, 5);
    await forceStage(app, t.sectionId, "review", members);
    const m = members[0]!;
    await app.db.insert(roomPresence).values({ sectionId: t.sectionId, memberId: m.memberId, enteredAt: new Date() });
    const s = await login(app, { username: m.actor.username, password: PASSWORD, ip: "127.0.0.1", userAgent: "vitest" });
    const get = (bidId: string, index: string) =>
      fileLoader({
        request: new Request(`http://localhost/evaluations/${t.sectionId}/bids/${bidId}/files/${index}`, { headers: { cookie: `th_session=${s.token}`, "accept-language": "zh-CN" } }),
        context: { app, ip: "127.0.0.1", userAgent: "vitest" } as never,
        params: { sectionId: t.sectionId, bidId, index },
      });
    const b = t.bidders[0]!;
    const ok = await get(b.bidId, "1");
    expect(ok.status).toBe(200);
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(TECH);
    expect(ok.headers.get("x-content-sha256")).toBe(sha(TECH));

    flipByte(await chunkFile(app, b, 1, 0), 2);
    const bad = await get(b.bidId, "1");
    expect(bad.status).toBe(500);
    const text = await bad.text();
    expect(text).toContain("完整性校验");
    expect(text).not.toContain("技术标正文");
    // The other bids are not affected.
    expect(new Uint8Array(await (await get(t.bidders[1]!.bidId, "1")).arrayBuffer())).toEqual(TECH);
  });
});
