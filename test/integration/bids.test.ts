import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { certInfo, issueUserCert, openPkcs12 } from "#crypto/certs";
import { signChallenge } from "#crypto/challenge";
import { createRootCa } from "#crypto/pki";
import { generateUserKeyPair, importSigningKey, importUnwrapKey, importWrapKey, rsaSign } from "#crypto/keys";
import { combineShares, openBox } from "#crypto/opening-key";
import { verifyReceipt } from "#crypto/receipt";
import { fromBase64, type Manifest } from "#crypto/seal/format";
import { openFile, unwrapContentKey } from "#crypto/seal/open";
import { bs, signManifest } from "#crypto/seal/seal";
import { bids, bidUploads, openingKeys, openingKeyShares, recordEntries } from "#db/schema/index";
import { sweepUnreferencedBlobs } from "#app/services/platform/blob-sweep.server";
import {
  beginBidUpload,
  cleanupAbandonedUploads,
  completeBidUpload,
  myBids,
  openUpload,
  putBidChunk,
  sealedBidCounts,
  withdrawBid,
  bidContext,
  bidReceipt,
} from "#app/services/bids/bids.server";
import { issueChallenge, provePossession, registerExternalCertificate, revokeCertificate, trustedCaPems } from "#app/services/platform/certificates.server";
import { listRecordWithNames } from "#app/services/platform/record-view.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, issueAmendment, publishProject } from "#app/services/tendering/tenders.server";
import type { AppContext } from "#app/services/platform/context.server";
import { demoPdf } from "../../server/demo-pdf";
import { failure, ruleOf } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { makeActor, projectForm, setBidDeadline } from "../helpers/factories";
import { enrollFor, type Enrolled } from "../helpers/pki";
import { CHUNK, once, sealLocally, submit } from "../helpers/bids";


const MARKER = "绝密投标价-ZXQ-4711";

const bidForm = (price: string) => new TextEncoder().encode(JSON.stringify({ form: { priceYuan: price, durationDays: "540", projectManager: "张工" }, files: [{ name: "技术标.pdf" }] }));

async function setup(app: AppContext) {
  const tu = await makeActor(app, "tendering_unit");
  const supervisor = await makeActor(app, "supervisor");
  const projectId = await createProject(app, tu, await projectForm(app, { keyModel: "bidder_with_custodian_fallback", keyThreshold: 2, custodians: ["tendering_unit", "agency", "supervisor"] }));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["bids"]))) });
  return { tu, supervisor, projectId };
}

forEachDriver("sealed bids", (env) => {
  it("publication splits the opening key k-of-n among the custodians' certificates and never stores it (item 3)", async () => {
    const { app } = env();
    const { tu, supervisor, projectId } = await setup(app);
    // No custodian certificate yet: the key cannot be split, publication is refused.
    expect((await failure(publishProject(app, tu, projectId)))?.code).toBe("CUSTODIAN_CERT_MISSING");
    const tuCert = await enrollFor(app, tu);
    const supCert = await enrollFor(app, supervisor);
    await publishProject(app, tu, projectId);
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    const [key] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
    // No agency on this tender: tendering unit + supervisor, 2 of 2.
    expect(key).toMatchObject({ kid: `opening:${sectionId}`, threshold: 2 });
    expect(key!.custodians.map((c) => c.role)).toEqual(["tendering_unit", "supervisor"]);
    const shares = await app.db.select().from(openingKeyShares).where(eq(openingKeyShares.sectionId, sectionId));
    const mine = (cert: Enrolled) => shares.filter((s) => s.certificateId === cert.certificateId);
    expect(mine(tuCert)).toHaveLength(1);
    expect(mine(supCert).length).toBeGreaterThanOrEqual(1); // every supervisor certificate gets a copy of share 1
    // The custodians together rebuild a private key that opens what the public key wraps.
    const s0 = await openBox(mine(tuCert)[0]!.box, tuCert.privateKeyPkcs8);
    const s1 = await openBox(mine(supCert)[0]!.box, supCert.privateKeyPkcs8);
    expect(mine(tuCert)[0]!.shareIndex).not.toBe(mine(supCert)[0]!.shareIndex);
    const pkcs8 = await combineShares([s0, s1]);
    const secret = new Uint8Array(randomBytes(32));
    const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, await importWrapKey(fromBase64(key!.publicKeySpki)), secret));
    expect(Buffer.from(await crypto.subtle.decrypt({ name: "RSA-OAEP" }, await importUnwrapKey(pkcs8), wrapped)).equals(Buffer.from(secret))).toBe(true);
    // One share alone is not the key.
    await expect(importUnwrapKey(s0.slice(0, -1))).rejects.toThrow();
    // The split and the custodians are recorded.
    const [entry] = await app.db.select().from(recordEntries).where(and(eq(recordEntries.action, "project.publish"), eq(recordEntries.subjectId, projectId)));
    expect(JSON.stringify(entry!.payload)).toContain(tuCert.fingerprint);
    expect(JSON.stringify(entry!.payload)).toContain(`opening:${sectionId}`);
  });

  it("accepts a sealed bid with a verifiable receipt; replace, withdraw; nothing after the deadline (R19–R21); confidentiality (item 6)", async () => {
    const { app } = env();
    const { tu, supervisor, projectId } = await setup(app);
    await enrollFor(app, tu);
    await enrollFor(app, supervisor);
    await publishProject(app, tu, projectId);
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    const [key] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
    const opening = { kid: key!.kid, publicKeySpki: fromBase64(key!.publicKeySpki) };
    const bidder = await makeActor(app, "bidder");
    const other = await makeActor(app, "bidder");
    const cert = await enrollFor(app, bidder);

    const big = new Uint8Array(randomBytes(3 * CHUNK + 1000));
    const first = await submit(app, bidder, cert, sectionId, opening, [bidForm(MARKER), big]);
    expect(first.version).toBe(1);
    const check = await verifyReceipt(first.receipt, trustedCaPems(app.config), new Date());
    expect(check).toMatchObject({ valid: true, payload: { version: 1, manifestSha256: first.manifestSha256, section: { id: sectionId }, bidder: { orgId: bidder.orgId } } });
    // Uploader IP, user agent and certificate are kept for supervision (item 7).
    const [row] = await app.db.select().from(bids).where(eq(bids.id, first.bidId));
    expect(row).toMatchObject({ ip: "127.0.0.1", userAgent: "vitest", certificateId: cert.certificateId, status: "submitted" });

    // The bidder can open its own bid with its own key (and the custodians with the opening key later).
    const ck = await unwrapContentKey(row!.manifest, cert.fingerprint, await importUnwrapKey(cert.privateKeyPkcs8));
    const formChunks = first.sealed.chunks.filter((c) => c.file === 0).map((c) => c.ct);
    const out: Uint8Array[] = [];
    await openFile(ck, row!.manifest.files[0]!, once(formChunks[0]!), async (p) => void out.push(p));
    expect(new TextDecoder().decode(out[0])).toContain(MARKER);

    // Confidentiality before the deadline: the bidder sees its bid; nobody else does; supervisors see a count.
    expect((await myBids(app.db, bidder, sectionId)).map((b) => b.version)).toEqual([1]);
    expect(await myBids(app.db, other, sectionId)).toEqual([]);
    expect(await myBids(app.db, tu, sectionId)).toEqual([]);
    expect((await failure(bidReceipt(app.db, other, first.bidId)))?.code).toBe("NOT_FOUND");
    expect((await sealedBidCounts(app.db, supervisor, projectId)).get(sectionId)).toBe(1);
    expect((await failure(sealedBidCounts(app.db, tu, projectId)))?.code).toBe("FORBIDDEN");
    expect((await failure(bidContext(app.db, tu, sectionId)))?.code).toBe("FORBIDDEN");

    // Replace: version 2, version 1 is kept as replaced.
    const second = await submit(app, bidder, cert, sectionId, opening, [bidForm("2"), new Uint8Array(randomBytes(100))]);
    expect(second.version).toBe(2);
    const versions = await myBids(app.db, bidder, sectionId);
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [2, "submitted"],
      [1, "replaced"],
    ]);
    // An amendment affecting bid preparation flags the sealed bid (and tells the bidder).
    await issueAmendment(app, tu, projectId, { title: "澄清1", body: "工程量清单修正", affectsBidPreparation: true });
    expect((await myBids(app.db, bidder, sectionId))[0]!.sealedBeforeAmendment).toBe(1);

    await withdrawBid(app, bidder, sectionId);
    expect((await myBids(app.db, bidder, sectionId))[0]!.status).toBe("withdrawn");
    expect((await sealedBidCounts(app.db, supervisor, projectId)).get(sectionId)).toBeUndefined();
    const again = await submit(app, bidder, cert, sectionId, opening, [bidForm("3"), new Uint8Array(randomBytes(10))]);
    expect(again.version).toBe(3);

    // An upload prepared before the deadline but completed after it is refused (R19), and so are replace/withdraw (R21).
    const late = await sealLocally(cert, opening, [bidForm("late"), new Uint8Array(randomBytes(500))]);
    const otherCert = await enrollFor(app, other);
    const lateOther = await sealLocally(otherCert, opening, [bidForm("late"), new Uint8Array(randomBytes(500))]);
    const { uploadId } = await beginBidUpload(app, other, sectionId, { certificateId: otherCert.certificateId, chunkSize: CHUNK, files: lateOther.declared, recipients: lateOther.recipients });
    for (const c of lateOther.chunks) await putBidChunk(app, other, uploadId, c.file, c.chunk, once(c.ct));
    await setBidDeadline(app, projectId, new Date(Date.now() - 1000));
    const sig = Buffer.from(await rsaSign(otherCert.privateKeyPkcs8, new TextEncoder().encode("x"))).toString("base64");
    expect(ruleOf(await failure(completeBidUpload(app, other, uploadId, { manifest: lateOther.manifest, signature: sig })))).toEqual(["RULE_R19_DEADLINE_PASSED"]);
    expect(ruleOf(await failure(withdrawBid(app, bidder, sectionId)))).toEqual(["RULE_R21_LOCKED"]);
    expect(ruleOf(await failure(beginBidUpload(app, bidder, sectionId, { certificateId: cert.certificateId, chunkSize: CHUNK, files: late.declared, recipients: late.recipients })))).toEqual([
      "RULE_R19_DEADLINE_PASSED",
    ]);
    expect(ruleOf(await failure(putBidChunk(app, other, uploadId, 0, 0, once(lateOther.chunks[0]!.ct))))).toEqual(["RULE_R19_DEADLINE_PASSED"]);
    expect((await myBids(app.db, other, sectionId)).length).toBe(0);
    // Abandoned partial uploads are removed once they can no longer complete; their chunks are swept.
    expect(await cleanupAbandonedUploads(app.db)).toBeGreaterThanOrEqual(1);
    expect(await app.db.select().from(bidUploads).where(eq(bidUploads.id, uploadId))).toEqual([]);
    const swept = await sweepUnreferencedBlobs(app.db, app.blobs, new Date(Date.now() + 2 * 3600_000));
    expect(swept.length).toBeGreaterThanOrEqual(lateOther.chunks.length);
    // Completed bids keep their chunks.
    for (const c of again.sealed.chunks) expect(await app.blobs.has(Buffer.from(await crypto.subtle.digest("SHA-256", bs(c.ct))).toString("hex"))).toBe(true);
  });

  it("refuses unencrypted and malformed uploads, forged manifests and revoked certificates (R18)", async () => {
    const { app } = env();
    const { tu, supervisor, projectId } = await setup(app);
    await enrollFor(app, tu);
    await enrollFor(app, supervisor);
    await publishProject(app, tu, projectId);
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    const [key] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
    const opening = { kid: key!.kid, publicKeySpki: fromBase64(key!.publicKeySpki) };
    const bidder = await makeActor(app, "bidder");
    const cert = await enrollFor(app, bidder);
    const s = await sealLocally(cert, opening, [bidForm("1"), new Uint8Array(randomBytes(2 * CHUNK))]);
    const begin = (over: Partial<Parameters<typeof beginBidUpload>[3]> = {}) =>
      beginBidUpload(app, bidder, sectionId, { certificateId: cert.certificateId, chunkSize: CHUNK, files: s.declared, recipients: s.recipients, ...over });

    expect(ruleOf(await failure(begin({ chunkSize: 10 })))).toEqual(["RULE_R18_MALFORMED"]);
    expect(ruleOf(await failure(begin({ files: [] })))).toEqual(["RULE_R18_MALFORMED"]);
    const { uploadId } = await begin();
    // A plain PDF where a sealed chunk belongs: refused as unencrypted, with R18.
    const pdf = demoPdf(["明文投标文件"]);
    const plain = new Uint8Array(CHUNK + 16);
    plain.set(pdf.subarray(0, Math.min(pdf.length, plain.length)));
    expect(ruleOf(await failure(putBidChunk(app, bidder, uploadId, 1, 0, once(plain))))).toEqual(["RULE_R18_PLAINTEXT"]);
    const text = new TextEncoder().encode("价格 ".repeat(30000)).subarray(0, CHUNK + 16);
    expect(ruleOf(await failure(putBidChunk(app, bidder, uploadId, 1, 0, once(text))))).toEqual(["RULE_R18_PLAINTEXT"]);
    // Wrong length, wrong position, wrong checksum.
    expect((await failure(putBidChunk(app, bidder, uploadId, 1, 0, once(new Uint8Array(randomBytes(100))))))?.params.reason).toBe("chunk length");
    expect((await failure(putBidChunk(app, bidder, uploadId, 1, 9, once(s.chunks[1]!.ct))))?.params.reason).toBe("chunk index");
    expect((await failure(putBidChunk(app, bidder, uploadId, 0, 0, once(s.chunks[0]!.ct), "00".repeat(32))))?.params.reason).toBe("checksum");
    // Missing chunks: the manifest does not match what is stored.
    await putBidChunk(app, bidder, uploadId, 0, 0, once(s.chunks[0]!.ct));
    await putBidChunk(app, bidder, uploadId, 0, 0, once(s.chunks[0]!.ct)); // idempotent
    const [progress] = await app.db.select({ storedBytes: bidUploads.storedBytes }).from(bidUploads).where(eq(bidUploads.id, uploadId));
    expect(progress!.storedBytes).toBe(s.chunks[0]!.ct.length); // counted once
    const otherCt = new Uint8Array(randomBytes(s.chunks[0]!.ct.length));
    expect((await failure(putBidChunk(app, bidder, uploadId, 0, 0, once(otherCt))))?.params.reason).toBe("chunk already stored with different content");
    const signed = async (m: Manifest, pkcs8 = cert.privateKeyPkcs8) =>
      Buffer.from(await signManifest(m, await importSigningKey(pkcs8))).toString("base64");
    expect(ruleOf(await failure(completeBidUpload(app, bidder, uploadId, { manifest: s.manifest, signature: await signed(s.manifest) })))).toEqual(["RULE_R18_MALFORMED"]);
    for (const c of s.chunks.slice(1)) await putBidChunk(app, bidder, uploadId, c.file, c.chunk, once(c.ct));
    // Signed by another key, or with the opening key's recipient removed: refused.
    const stranger = await enrollFor(app, await makeActor(app, "bidder"));
    expect(ruleOf(await failure(completeBidUpload(app, bidder, uploadId, { manifest: s.manifest, signature: await signed(s.manifest, stranger.privateKeyPkcs8) })))).toEqual(["RULE_R18_SIGNATURE"]);
    const noOpening = { ...s.manifest, recipients: s.manifest.recipients.slice(0, 1) };
    expect(ruleOf(await failure(completeBidUpload(app, bidder, uploadId, { manifest: noOpening, signature: await signed(noOpening) })))).toEqual(["RULE_R18_RECIPIENTS"]);
    // Revoked certificate: refused everywhere, at once.
    const admin = await makeActor(app, "admin");
    await revokeCertificate(app, admin, cert.certificateId, "私钥泄露");
    expect((await failure(completeBidUpload(app, bidder, uploadId, { manifest: s.manifest, signature: await signed(s.manifest) })))?.code).toBe("CERT_REVOKED");
    expect((await failure(begin()))?.code).toBe("CERT_REVOKED");
    expect((await openUpload(app, bidder, sectionId))?.chunks.length).toBe(s.chunks.length);
    expect(await myBids(app.db, bidder, sectionId)).toEqual([]);
  });

  it("nothing the server holds opens a bid: the whole database, the blob store and every server key (item 6)", async () => {
    const { app } = env();
    const { tu, supervisor, projectId } = await setup(app);
    await enrollFor(app, tu);
    await enrollFor(app, supervisor);
    await publishProject(app, tu, projectId);
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    const [key] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
    const opening = { kid: key!.kid, publicKeySpki: fromBase64(key!.publicKeySpki) };
    const bidder = await makeActor(app, "bidder");
    const cert = await enrollFor(app, bidder);
    const secretFile = new TextEncoder().encode(`${MARKER} `.repeat(5000));
    await submit(app, bidder, cert, sectionId, opening, [bidForm(MARKER), secretFile]);

    // Every private key the server holds: the CA key and the platform signing key.
    const signer = documentSigner(app.config);
    const serverKeys: Uint8Array[] = [openPkcs12(signer.key.p12, signer.key.passphrase).privateKeyPkcs8];
    const caDer = signer.caKeyPem!.replace(/-----[A-Z ]+-----|\s/g, "");
    serverKeys.push(new Uint8Array(Buffer.from(caDer, "base64")));
    // Plus anything in the database that parses as a private key (there must be none).
    const dump = JSON.stringify(
      (await app.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public'`)) as unknown,
    );
    const tables = [...dump.matchAll(/"table_name":"([a-z_0-9]+)"/g)].map((m) => m[1]!);
    let everything = "";
    for (const t of tables) everything += JSON.stringify(await app.db.execute(sql.raw(`select * from "${t}"`)));
    expect(everything).not.toMatch(/PRIVATE KEY/);
    expect(everything).not.toContain(MARKER);
    // The blob store holds ciphertext only.
    const files: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = path.join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(path.join(app.config.dataDir, "blobs"));
    for (const f of files) expect(readFileSync(f).includes(Buffer.from(MARKER))).toBe(false);
    // No server key unwraps any bid's content key (neither the bidder's nor the opening key's recipient).
    const all = await app.db.select().from(bids);
    expect(all.length).toBeGreaterThan(0);
    let attempts = 0;
    for (const b of all) {
      for (const r of b.manifest.recipients) {
        for (const k of serverKeys) {
          attempts++;
          const unwrap = await importUnwrapKey(k).catch(() => null);
          if (!unwrap) continue;
          await expect(unwrapContentKey(b.manifest, r.kid, unwrap)).rejects.toThrow();
        }
      }
    }
    expect(attempts).toBe(all.length * 2 * serverKeys.length);
    // The opening key's shares are sealed to custodians: no server key opens any of them.
    const shares = await app.db.select().from(openingKeyShares);
    for (const s of shares) for (const k of serverKeys) await expect(openBox(s.box, k)).rejects.toThrow();
  });

  it("recognises certificates from a configured external CA after a possession proof (R71); the record hides bidders until the deadline", async () => {
    const { app: base } = env();
    const { generateKeyPairSync } = await import("node:crypto");
    const pem = () => {
      const k = generateKeyPairSync("rsa", { modulusLength: 2048 });
      return { privateKeyPem: k.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: k.publicKey.export({ type: "spki", format: "pem" }).toString() };
    };
    const now = new Date();
    const externalCa = createRootCa({ keys: pem(), serialHex: "0e01", now, years: 5, cn: "Heilongjiang CA", org: "HLJCA" });
    const rogueCa = createRootCa({ keys: pem(), serialHex: "0e02", now, years: 5, cn: "Rogue CA", org: "Nobody" });
    const caFile = path.join(base.config.dataDir, "external-ca.pem");
    writeFileSync(caFile, externalCa.certPem);
    const app: AppContext = { ...base, config: { ...base.config, trustedCaFiles: [caFile] } };
    const bidder = await makeActor(app, "bidder");
    const keys = await generateUserKeyPair();
    const subject = { commonName: "外部证书持有人", organisation: "外省某公司", userId: bidder.user!.id };
    const extCert = issueUserCert({ ca: externalCa, publicKeySpki: keys.publicKeySpki, subject, serialHex: "0a01", now, days: 365 });
    const rogueCert = issueUserCert({ ca: rogueCa, publicKeySpki: keys.publicKeySpki, subject, serialHex: "0a02", now, days: 365 });
    const sign = async (purpose: string) => {
      const c = await issueChallenge(app, bidder, purpose);
      return { nonce: c.nonce, signature: Buffer.from(await signChallenge(c, keys.privateKeyPkcs8)).toString("base64") };
    };
    expect((await failure(registerExternalCertificate(app, bidder, { certPem: rogueCert, ...(await sign("register")) })))?.code).toBe("CERT_UNTRUSTED");
    // A signature by another key does not prove possession.
    const other = await generateUserKeyPair();
    const c = await issueChallenge(app, bidder, "register");
    const wrongSig = Buffer.from(await signChallenge(c, other.privateKeyPkcs8)).toString("base64");
    expect((await failure(registerExternalCertificate(app, bidder, { certPem: extCert, nonce: c.nonce, signature: wrongSig })))?.code).toBe("CHALLENGE_INVALID");
    const certId = await registerExternalCertificate(app, bidder, { certPem: extCert, ...(await sign("register")) });
    // A used nonce cannot be replayed.
    const replay = await sign("possession");
    await provePossession(app, bidder, { ...replay, certificateId: certId });
    expect((await failure(provePossession(app, bidder, { ...replay, certificateId: certId })))?.code).toBe("CHALLENGE_INVALID");
    // Without the external CA configured, the same certificate is not trusted.
    expect((await failure(provePossession(base, bidder, { ...(await sign("possession")), certificateId: certId })))?.code).toBe("CERT_UNTRUSTED");

    // The external certificate seals a bid like a platform one.
    const { tu, supervisor, projectId } = await setup(app);
    await enrollFor(app, tu);
    await enrollFor(app, supervisor);
    await publishProject(app, tu, projectId);
    const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
    const [key] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
    const enrolled: Enrolled = { certificateId: certId, certPem: extCert, chainPem: [externalCa.certPem], fingerprint: certInfo(extCert).fingerprint, ...keys };
    const bid = await submit(app, bidder, enrolled, sectionId, { kid: key!.kid, publicKeySpki: fromBase64(key!.publicKeySpki) }, [bidForm("9"), new Uint8Array(randomBytes(1000))]);
    expect(bid.version).toBe(1);

    // The record keeps the entry, but until the deadline a supervisor cannot see who submitted it.
    const view = await listRecordWithNames(app.db, supervisor, { subjectId: bid.bidId });
    expect(view.entries).toHaveLength(1);
    expect(view.entries[0]).toMatchObject({ action: "bid.submit", sealed: true, orgName: null, actorName: null, ip: null });
    await setBidDeadline(app, projectId, new Date(Date.now() - 1000));
    expect((await listRecordWithNames(app.db, supervisor, { subjectId: bid.bidId })).entries[0]).toMatchObject({ sealed: false, actorName: bidder.user!.displayName });
  });
});
