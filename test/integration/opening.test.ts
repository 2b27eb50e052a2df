import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { and, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { importSigningKey } from "#crypto/keys";
import { openBox } from "#crypto/opening-key";
import { toBase64, type Manifest } from "#crypto/seal/format";
import { manifestBytes, signManifest } from "#crypto/seal/seal";
import { bidOpenings, bids, jobs as jobsTable, memberships, notifications, openingKeyShares, recordEntries, sections } from "#db/schema/index";
import { answerObjection, closeOpening, confirmRecord, decideFailure, endFallback, hallState, openHall, publishFailureNotice, raiseObjection, releaseBidKey, releaseShare } from "#app/services/opening/opening.server";
import { serverT } from "#app/i18n";
import { hallView } from "#app/services/opening/opening-view.server";
import { openPlaintext } from "#app/services/opening/plaintext.server";
import { PUBLIC_ACTOR } from "#app/services/platform/actor";
import { organisations } from "#db/schema/index";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import { sweepUnreferencedBlobs } from "#app/services/platform/blob-sweep.server";
import type { AppContext } from "#app/services/platform/context.server";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { setBidDeadline } from "../helpers/factories";
import { checkInAs, closeWindow, form, TECH, tenderWithBids, type Bidder } from "../helpers/opening";
import { checkSignedPdf } from "../helpers/pdfsig";
import type { Enrolled } from "../helpers/pki";

async function blobBytes(app: AppContext, sha256: string): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const part of await app.blobs.get(sha256)) parts.push(part as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}

async function orgName(app: AppContext, b: Bidder): Promise<string> {
  const [o] = await app.db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, b.actor.orgId!));
  return o!.name;
}

/**
 * TAMPERING: whoever holds the bidder's signing key (or the bidder itself) changes the stored manifest and signs it
 * again; the hash the receipt was issued over is updated too, so the signature check at the opening passes.
 */
async function resign(app: AppContext, b: Bidder, change: (m: Manifest) => Manifest) {
  const [row] = await app.db.select({ manifest: bids.manifest }).from(bids).where(eq(bids.id, b.bidId));
  const manifest = change(row!.manifest);
  const signature = toBase64(await signManifest(manifest, await importSigningKey(b.cert.privateKeyPkcs8)));
  const manifestSha256 = createHash("sha256").update(manifestBytes(manifest)).digest("hex");
  await app.db.update(bids).set({ manifest, signature, manifestSha256 }).where(eq(bids.id, b.bidId));
}

/** A second sealed file, shorter than TECH. */
const BIZ = new TextEncoder().encode("商务标");
const techAndBiz = [
  { name: "技术标.pdf", size: TECH.length },
  { name: "商务标.pdf", size: BIZ.length },
];

forEachDriver("online opening", (env) => {
  it("R24–R30: check-in, bidder decryption, a wrong key refused, custodians open the rest, 唱标, objection answered, confirmation", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder_with_custodian_fallback");
    const [b1, b2, b3] = t.bidders as [Bidder, Bidder, Bidder];

    // R24: the hall opens at the deadline (the job is idempotent).
    expect(await openHall(app, t.sectionId)).toBe("decryption");
    expect(await openHall(app, t.sectionId)).toBeNull();
    const [sec] = await app.db.select({ status: sections.status }).from(sections).where(eq(sections.id, t.sectionId));
    expect(sec!.status).toBe("opening");

    // R24: no release before check-in; check-in with a certificate-signed challenge.
    expect(ruleOf(await failure(releaseBidKey(app, b1.actor, t.sectionId, toBase64(b1.rawKey))))).toEqual(["RULE_R24_NOT_CHECKED_IN"]);
    for (const b of [b1, b2, b3]) await checkInAs(app, b, t.sectionId);
    expect((await hallState(app.db, t.sectionId)).checkins).toHaveLength(3);

    // R26: the right key opens the bid; the plaintext is stored with its hash.
    await releaseBidKey(app, b1.actor, t.sectionId, toBase64(b1.rawKey));
    // A wrong key is refused with the reason and changes nothing but the last-error line.
    expect(ruleOf(await failure(releaseBidKey(app, b2.actor, t.sectionId, toBase64(new Uint8Array(32).fill(7)))))).toEqual(["RULE_R26_WRONG_KEY"]);
    await releaseBidKey(app, b3.actor, t.sectionId, toBase64(b3.rawKey));
    expect(ruleOf(await failure(releaseBidKey(app, b3.actor, t.sectionId, toBase64(b3.rawKey))))).toEqual(["RULE_R26_ALREADY_OPENED"]);
    const states = Object.fromEntries((await app.db.select().from(bidOpenings).where(eq(bidOpenings.sectionId, t.sectionId))).map((r) => [r.bidId, r]));
    expect([states[b1.bidId]!.state, states[b2.bidId]!.state, states[b3.bidId]!.state]).toEqual(["decrypted", "pending", "decrypted"]);
    expect(states[b2.bidId]!.lastError).toBe("chunk_or_key");
    const plainSha = states[b1.bidId]!.files![1]!.sha256;
    // ADR 031: no plaintext is written at the opening; it is decrypted from the stored ciphertext when read.
    expect(await app.blobs.has(plainSha)).toBe(false);
    expect(states[b1.bidId]!.contentKey).toMatchObject({ v: 1, alg: "A256GCM" });
    expect(states[b2.bidId]!.contentKey).toBeNull();
    let text = "";
    for await (const part of await openPlaintext(app, b1.bidId, states[b1.bidId]!.files![1]!)) text += Buffer.from(part as Buffer).toString("utf8");
    expect(text).toBe("技术标正文");
    // R26: no price anywhere public before every bid is opened.
    expect((await hallState(app.db, t.sectionId)).opening!.reading).toBeNull();

    // After the window: the key model allows custodians.
    await closeWindow(app, t.sectionId);
    expect((await hallState(app.db, t.sectionId)).opening!.phase).toBe("fallback");
    // Each custodian opens its own share in its own browser (here: with its test key) and releases it.
    const shares = await app.db.select().from(openingKeyShares).where(eq(openingKeyShares.sectionId, t.sectionId));
    const shareOf = async (cert: Enrolled) => {
      const row = shares.find((s) => s.certificateId === cert.certificateId)!;
      return { shareIndex: row.shareIndex, share: toBase64(await openBox(row.box, cert.privateKeyPkcs8)) };
    };
    // Someone else's share index is refused.
    expect((await failure(releaseShare(app, b1.actor, t.sectionId, await shareOf(t.tuCert))))?.code).toBe("FORBIDDEN");
    expect(await releaseShare(app, t.tu, t.sectionId, await shareOf(t.tuCert))).toMatchObject({ released: 1, threshold: 2, opened: 0 });
    expect(await releaseShare(app, t.supervisor, t.sectionId, await shareOf(t.supCert))).toMatchObject({ opened: 1 });

    // Everything opened → 唱标 (R28): names, prices and listed items, in the order received.
    const hall = await hallState(app.db, t.sectionId);
    expect(hall.opening!.phase).toBe("reading");
    expect(hall.opening!.reading!.map((r) => r.priceYuan)).toEqual(["9800000", "9900000", "10000000"]);
    expect(hall.opening!.reading![0]!.bidder).toMatch(/^投标单位1/);
    const [bo2] = await app.db.select().from(bidOpenings).where(eq(bidOpenings.bidId, b2.bidId));
    expect(bo2!.openedBy).toBe("custodians");

    // R30: an objection in the hall, answered there; bidders confirm.
    const objectionId = await raiseObjection(app, b2.actor, t.sectionId, "对第二家唱标工期有异议");
    expect((await failure(answerObjection(app, b1.actor, t.sectionId, objectionId, "答复")))?.code).toBe("FORBIDDEN");
    await answerObjection(app, t.tu, t.sectionId, objectionId, "经核对投标文件，工期为540日历天，唱标无误。");
    for (const b of [b1, b2]) await confirmRecord(app, b.actor, t.sectionId);
    const after = await hallState(app.db, t.sectionId);
    expect(after.objections[0]).toMatchObject({ answer: "经核对投标文件，工期为540日历天，唱标无误。" });
    expect(after.confirmations).toHaveLength(2);

    // Every step is in the record; the decrypted entries carry hashes, never the price.
    const actions = (await app.db.select({ action: recordEntries.action, payload: recordEntries.payload }).from(recordEntries).where(eq(recordEntries.subjectId, t.sectionId))).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(["opening.open", "opening.check_in", "opening.window_closed", "opening.share_released", "opening.read_out", "opening.objection_raised", "opening.objection_answered", "opening.confirmed"]));
    const decrypted = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "opening.bid_decrypted"), eq(recordEntries.subjectId, b1.bidId)));
    expect(JSON.stringify(decrypted[0]!.payload)).not.toContain("9800000");

    // R29: the signed opening record (开标记录表): Chinese text, pdfsig-valid, hashed into the record.
    expect((await failure(closeOpening(app, b1.actor, t.sectionId)))?.code).toBe("FORBIDDEN");
    const doc = await closeOpening(app, t.tu, t.sectionId);
    const closed = await hallState(app.db, t.sectionId);
    expect(closed.opening).toMatchObject({ phase: "closed", recordSha256: doc.sha256 });
    expect(closed.section.status).toBe("opened");
    const pdf = await blobBytes(app, doc.sha256);
    const check = checkSignedPdf(pdf, documentSigner(app.config).caCertPem);
    expect(check.plain).toContain("Signature is Valid");
    expect(check.trusted).toContain("Certificate is Trusted");
    expect(check.tampered).toContain("Digest Mismatch");
    expect(check.text).toContain("开标记录表");
    expect(check.text).toContain("9,800,000.00"); // the price with separators, as the hall shows it
    expect(check.text.replace(/\s+/g, "")).toContain("玖佰捌拾万元整"); // R28: the price in capitals as read
    expect(check.text.replace(/\s+/g, "")).toContain("密钥保管人");
    const [entry] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "opening.closed"), eq(recordEntries.subjectId, t.sectionId)));
    expect(entry!.payload).toMatchObject({ sha256: doc.sha256 });
    if (process.env.KEEP_PDF) writeFileSync(process.env.KEEP_PDF, pdf);

    // The hourly sweep keeps what the opening needs: the ciphertext the files are read from and the signed record (ADR 004, 031).
    const swept = await sweepUnreferencedBlobs(app.db, app.blobs, new Date(Date.now() + 48 * 3600_000));
    expect(swept).not.toContain(doc.sha256);
    expect(await app.blobs.has(doc.sha256)).toBe(true);
    text = "";
    for await (const part of await openPlaintext(app, b1.bidId, states[b1.bidId]!.files![1]!)) text += Buffer.from(part as Buffer).toString("utf8");
    expect(text).toBe("技术标正文");
  });

  it("R25: fewer bids than the minimum → the section fails (流标) when the hall opens", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 2, "bidder");
    expect(await openHall(app, t.sectionId)).toBe("failed");
    const hall = await hallState(app.db, t.sectionId);
    expect(hall.opening!.failure!.map((v) => v.code)).toEqual(["RULE_R25_TOO_FEW_BIDS"]);
    expect(hall.section.status).toBe("failed");

    // The failure notice (流标公告) is issued by a job: signed, trusted, hashed into the record, sent to the parties.
    const jobs = await app.db.select().from(jobsTable).where(eq(jobsTable.kind, "opening.failure_notice"));
    expect(jobs.map((j) => j.payload)).toEqual([{ sectionId: t.sectionId }]);
    const notice = await publishFailureNotice(app, t.sectionId);
    expect(await publishFailureNotice(app, t.sectionId)).toBeNull();
    const check = checkSignedPdf(await blobBytes(app, notice!.sha256), documentSigner(app.config).caCertPem);
    expect(check.plain).toContain("Signature is Valid");
    expect(check.trusted).toContain("Certificate is Trusted");
    expect(check.text).toContain("流标公告");
    expect(check.text.replace(/\s+/g, "")).toContain("少于3家");
    const [entry] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "opening.failure_notice"), eq(recordEntries.subjectId, t.sectionId)));
    expect(entry!.payload).toMatchObject({ document: "流标公告", sha256: notice!.sha256 });
    const inbox = await app.db.select({ kind: notifications.kind }).from(notifications).innerJoin(memberships, eq(memberships.userId, notifications.userId)).where(eq(memberships.orgId, t.bidders[0]!.actor.orgId!));
    expect(inbox.map((n) => n.kind)).toContain("sectionFailed");
  });

  it("R24: the hall does not open before the deadline (database clock)", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder");
    await setBidDeadline(app, t.projectId, new Date(Date.now() + 60_000));
    expect(await openHall(app, t.sectionId)).toBeNull();
    expect((await hallState(app.db, t.sectionId)).opening).toBeNull();
  });

  it("R27: without a custodian fallback, an unopened bid is decided — bidder's fault → revoked — and the others are read", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder");
    const [b1, b2, b3] = t.bidders as [Bidder, Bidder, Bidder];
    await openHall(app, t.sectionId);
    for (const b of [b1, b2]) {
      await checkInAs(app, b, t.sectionId);
      await releaseBidKey(app, b.actor, t.sectionId, toBase64(b.rawKey));
    }
    // Decisions wait for the window's end.
    expect(ruleOf(await failure(decideFailure(app, t.tu, t.sectionId, b3.bidId, { cause: "bidder_fault", reason: "投标人未在解密时间内解密" })))).toEqual(["RULE_R27_NOT_NOW"]);
    await closeWindow(app, t.sectionId);
    expect((await hallState(app.db, t.sectionId)).opening!.phase).toBe("resolution");
    // Custodians cannot step in under this key model.
    expect(ruleOf(await failure(releaseShare(app, t.tu, t.sectionId, { shareIndex: 1, share: toBase64(new Uint8Array(64)) })))).toEqual(["RULE_R26_FALLBACK_NOT_ALLOWED"]);
    expect(ruleOf(await failure(decideFailure(app, t.tu, t.sectionId, b3.bidId, { cause: "bidder_fault", reason: "" })))).toEqual(["RULE_R27_REASON_REQUIRED"]);
    expect((await failure(decideFailure(app, b1.actor, t.sectionId, b3.bidId, { cause: "other", reason: "不应由投标人决定" })))?.code).toBe("FORBIDDEN");
    await decideFailure(app, t.tu, t.sectionId, b3.bidId, { cause: "bidder_fault", reason: "投标人未在解密时间内解密" });
    const hall = await hallState(app.db, t.sectionId);
    expect(hall.bids.find((b) => b.bo.bidId === b3.bidId)!.bo).toMatchObject({ state: "revoked", failureCause: "bidder_fault", decidedBy: t.tu.user!.id });
    // Default profile: the others continue (R27's re-check of R25 is off) and are read.
    expect(hall.opening!.phase).toBe("reading");
    expect(hall.opening!.reading).toHaveLength(2);
  });

  it("R27: custodians who cannot assemble — the tendering side ends the fallback with a reason, then decides (other cause → withdrawn)", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder_with_custodian_fallback");
    const [b1, b2, b3] = t.bidders as [Bidder, Bidder, Bidder];
    await openHall(app, t.sectionId);
    for (const b of [b1, b2]) {
      await checkInAs(app, b, t.sectionId);
      await releaseBidKey(app, b.actor, t.sectionId, toBase64(b.rawKey));
    }
    expect(ruleOf(await failure(endFallback(app, t.tu, t.sectionId, "保管人证书遗失")))).toEqual(["RULE_R27_NOT_NOW"]);
    await closeWindow(app, t.sectionId);
    expect((await hallState(app.db, t.sectionId)).opening!.phase).toBe("fallback");
    expect(ruleOf(await failure(decideFailure(app, t.tu, t.sectionId, b3.bidId, { cause: "other", reason: "平台原因" })))).toEqual(["RULE_R27_NOT_NOW"]);
    expect((await failure(endFallback(app, t.supervisor, t.sectionId, "保管人证书遗失")))?.code).toBe("FORBIDDEN");
    expect(ruleOf(await failure(endFallback(app, t.tu, t.sectionId, " ")))).toEqual(["RULE_R27_REASON_REQUIRED"]);
    await endFallback(app, t.tu, t.sectionId, "监督人员证书遗失，保管人无法到齐");
    expect((await hallState(app.db, t.sectionId)).opening!.phase).toBe("resolution");
    await decideFailure(app, t.tu, t.sectionId, b3.bidId, { cause: "other", reason: "密钥保管人无法到齐，非投标人原因" });
    const hall = await hallState(app.db, t.sectionId);
    expect(hall.bids.find((b) => b.bo.bidId === b3.bidId)!.bo).toMatchObject({ state: "withdrawn", failureCause: "other" });
    expect(hall.opening!.phase).toBe("reading");
    const [entry] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "opening.fallback_ended"), eq(recordEntries.subjectId, t.sectionId)));
    expect(entry!.payload).toMatchObject({ reason: "监督人员证书遗失，保管人无法到齐" });
  });

  it("R26: what each viewer of the hall sees — the public no missing names and no prices before the 唱标; a bidder only its own wrapped key", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder_with_custodian_fallback");
    const [b1, b2, b3] = t.bidders as [Bidder, Bidder, Bidder];
    await openHall(app, t.sectionId);
    await checkInAs(app, b1, t.sectionId);
    await releaseBidKey(app, b1.actor, t.sectionId, toBase64(b1.rawKey));
    const at = new Date();
    const pub = await hallView(app.db, PUBLIC_ACTOR, t.sectionId, at);
    expect(pub.roles).toEqual(["public"]);
    expect(pub.presence.map((p) => p.name)).toEqual([await orgName(app, b1)]);
    expect(pub.bids).toEqual([]);
    expect(pub.reading).toBeNull();
    expect(pub.own).toBeNull();
    expect(pub.custodian).toBeNull();
    expect(JSON.stringify(pub)).not.toContain("9800000");
    const runner = await hallView(app.db, t.tu, t.sectionId, at);
    expect(runner.roles).toEqual(["runner", "custodian"]);
    expect(runner.presence).toHaveLength(3);
    expect(runner.bids.map((b) => b.state).sort()).toEqual(["decrypted", "pending", "pending"]);
    expect(JSON.stringify(runner)).not.toContain("9800000");
    const sup = await hallView(app.db, t.supervisor, t.sectionId, at);
    expect(sup.roles).toEqual(["supervisor", "custodian"]);
    expect(sup.custodian!.boxes.map((b) => b.fingerprint)).toEqual([t.supCert.fingerprint]);
    const mine = await hallView(app.db, b2.actor, t.sectionId, at);
    expect(mine.roles).toEqual(["bidder"]);
    expect(mine.own!.recipients.map((r) => r.kid)).toEqual([b2.cert.fingerprint]);
    // The bidder sees who checked in and itself (not the other missing bidder).
    expect(mine.presence.map((p) => p.name).sort()).toEqual([await orgName(app, b1), await orgName(app, b2)].sort());
    expect(mine.presence.filter((p) => p.mine).map((p) => p.name)).toEqual([await orgName(app, b2)]);
    expect(mine.can).toMatchObject({ checkIn: true, release: true, decide: false, close: false });
    expect(JSON.stringify(mine)).not.toContain(b3.cert.fingerprint);
  });

  it("a wrong-length key or a tampered chunk is refused and the bid stays sealed", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder");
    const [b1] = t.bidders as [Bidder];
    await openHall(app, t.sectionId);
    await checkInAs(app, b1, t.sectionId);
    expect((await failure(releaseBidKey(app, b1.actor, t.sectionId, "AAAA")))?.violations[0]?.params).toEqual({ detail: "key_length" });
    // Tamper with the stored ciphertext of the bid file: the manifest's chunk hash no longer matches.
    const [row] = await app.db.execute(sql`select c.sha256 from bid_upload_chunks c join bids b on b.upload_id = c.upload_id where b.id = ${b1.bidId}::uuid and c.file_index = 1`).then((r) => ((r as unknown as { rows?: { sha256: string }[] }).rows ?? (r as unknown as { sha256: string }[])));
    const { readFile, writeFile } = await import("node:fs/promises");
    const p = (app.blobs as unknown as { pathOf(s: string): string }).pathOf(row!.sha256);
    const bytes = await readFile(p);
    bytes[0] = bytes[0]! ^ 1;
    await writeFile(p, bytes);
    expect(ruleOf(await failure(releaseBidKey(app, b1.actor, t.sectionId, toBase64(b1.rawKey))))).toEqual(["RULE_R26_WRONG_KEY"]);
    const [bo] = await app.db.select().from(bidOpenings).where(eq(bidOpenings.bidId, b1.bidId));
    expect(bo!.state).toBe("pending");
  });

  it("a manifest altered after submission is refused: the bidder's signature over it no longer verifies", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder");
    const [, b2] = t.bidders as [Bidder, Bidder];
    await openHall(app, t.sectionId);
    await checkInAs(app, b2, t.sectionId);
    // Someone with database access renames a file in the stored manifest (the chunks are untouched).
    await app.db.execute(sql`update bids set manifest = jsonb_set(manifest, '{files,1,name}', '"改名.pdf"') where id = ${b2.bidId}::uuid`);
    const refused = await failure(releaseBidKey(app, b2.actor, t.sectionId, toBase64(b2.rawKey)));
    expect(refused?.violations.map((v) => [v.code, v.params])).toEqual([["RULE_R26_WRONG_KEY", { detail: "manifest_signature" }]]);
    const [bo] = await app.db.select().from(bidOpenings).where(eq(bidOpenings.bidId, b2.bidId));
    expect(bo).toMatchObject({ state: "pending", lastError: "manifest_signature" });
  });

  it("R26 (docs/sealed-bid-format.md §7 step 5): a manifest re-signed without its trailing file is refused with the bidder's key and the custodians', recorded, the bid stays sealed", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 3, "bidder_with_custodian_fallback", (i, price) => (i === 0 ? [form(price, techAndBiz), TECH, BIZ] : [form(price), TECH]));
    const [b1, b2, b3] = t.bidders as [Bidder, Bidder, Bidder];
    await resign(app, b1, (m) => ({ ...m, files: m.files.slice(0, -1) })); // 商务标 dropped: every remaining chunk is intact
    await openHall(app, t.sectionId);
    for (const b of t.bidders) await checkInAs(app, b, t.sectionId);

    const refused = await failure(releaseBidKey(app, b1.actor, t.sectionId, toBase64(b1.rawKey)));
    expect(refused?.violations.map((v) => [v.code, v.params])).toEqual([["RULE_R26_WRONG_KEY", { detail: "form_files_mismatch" }]]);
    const stateOf = async (b: Bidder) => (await app.db.select().from(bidOpenings).where(eq(bidOpenings.bidId, b.bidId)))[0]!;
    expect(await stateOf(b1)).toMatchObject({ state: "pending", lastError: "form_files_mismatch", files: null, form: null });
    // The refusal is in the record, as every refused release is.
    const entries = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "opening.release_refused"), eq(recordEntries.subjectId, b1.bidId)));
    expect(entries.map((e) => e.payload)).toEqual([{ sectionId: t.sectionId, detail: "form_files_mismatch" }]);
    // The hall tells the bidder and the tendering side why, in either language.
    expect((await hallView(app.db, b1.actor, t.sectionId, new Date())).own).toMatchObject({ lastError: "form_files_mismatch" });
    expect((await hallView(app.db, t.tu, t.sectionId, new Date())).bids.find((b) => b.bidId === b1.bidId)).toMatchObject({ state: "pending", lastError: "form_files_mismatch" });
    expect(serverT("zh-CN")("bids:opening.lastError", { error: "form_files_mismatch" })).toBe("上次解密被拒绝：签名清单与投标函所列文件不一致（文件缺失、多出、顺序或标签不符）");
    expect(serverT("en")("rules:RULE_R26_WRONG_KEY", { detail: "form_files_mismatch" })).toBe(
      "The released key does not open this bid: the signed manifest does not describe the files listed in the sealed bid form (a file missing, added, reordered or relabelled) (R26).",
    );

    // The other bids open; the untampered ones are unaffected.
    for (const b of [b2, b3]) await releaseBidKey(app, b.actor, t.sectionId, toBase64(b.rawKey));
    expect((await stateOf(b2)).state).toBe("decrypted");

    // The custodians' opening key refuses it just the same.
    await closeWindow(app, t.sectionId);
    const shares = await app.db.select().from(openingKeyShares).where(eq(openingKeyShares.sectionId, t.sectionId));
    const shareOf = async (cert: Enrolled) => {
      const row = shares.find((s) => s.certificateId === cert.certificateId)!;
      return { shareIndex: row.shareIndex, share: toBase64(await openBox(row.box, cert.privateKeyPkcs8)) };
    };
    await releaseShare(app, t.tu, t.sectionId, await shareOf(t.tuCert));
    expect(await releaseShare(app, t.supervisor, t.sectionId, await shareOf(t.supCert))).toMatchObject({ opened: 0 });
    expect(await stateOf(b1)).toMatchObject({ state: "pending", lastError: "custodians_form_files_mismatch", files: null });
    expect(serverT("zh-CN")("bids:opening.lastError", { error: "custodians_form_files_mismatch" })).toBe("上次解密被拒绝：保管人解密：签名清单与投标函所列文件不一致");
    expect(serverT("en")("bids:opening.lastError", { error: "custodians_form_files_mismatch" })).toBe("Last decryption refused: custodians: the signed manifest does not describe the files listed in the sealed bid form");
    // Still sealed: R27 decides it (the bidder's fault), the reading has the other two.
    expect((await hallState(app.db, t.sectionId)).opening!.phase).toBe("resolution");
    await decideFailure(app, t.tu, t.sectionId, b1.bidId, { cause: "bidder_fault", reason: "投标文件清单与投标函所列文件不一致" });
    expect((await hallState(app.db, t.sectionId)).opening!.reading!.map((r) => r.priceYuan)).toEqual(["9900000", "10000000"]);
  });

  it("R26 (§7 step 5): files sealed in another order than the bid form lists, or a file relabelled in a re-signed manifest, are refused", async () => {
    const { app } = env();
    // Bid 1 lists 技术标, 商务标 in its form but seals them the other way round; the server accepts it (it only sees ciphertext).
    const t = await tenderWithBids(app, 3, "bidder", (i, price) => (i === 0 ? [form(price, techAndBiz), BIZ, TECH] : [form(price), TECH]));
    const [b1, b2, b3] = t.bidders as [Bidder, Bidder, Bidder];
    // Bid 2's technical file relabelled file-1.exe (its chunks, sizes and hashes untouched), re-signed.
    await resign(app, b2, (m) => ({ ...m, files: m.files.map((f) => (f.index === 1 ? { ...f, name: "file-1.exe" } : f)) }));
    await openHall(app, t.sectionId);
    for (const b of t.bidders) await checkInAs(app, b, t.sectionId);
    for (const b of [b1, b2]) {
      const refused = await failure(releaseBidKey(app, b.actor, t.sectionId, toBase64(b.rawKey)));
      expect(refused?.violations.map((v) => [v.code, v.params])).toEqual([["RULE_R26_WRONG_KEY", { detail: "form_files_mismatch" }]]);
      const [bo] = await app.db.select().from(bidOpenings).where(eq(bidOpenings.bidId, b.bidId));
      expect(bo).toMatchObject({ state: "pending", lastError: "form_files_mismatch" });
    }
    await releaseBidKey(app, b3.actor, t.sectionId, toBase64(b3.rawKey));
    const [bo3] = await app.db.select().from(bidOpenings).where(eq(bidOpenings.bidId, b3.bidId));
    expect(bo3).toMatchObject({ state: "decrypted", lastError: null });
  });
});
