import { randomBytes } from "node:crypto";
import { truncateSync } from "node:fs";
import path from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import { expect, it } from "vitest";
import { importSigningKey } from "#crypto/keys";
import { fromBase64 } from "#crypto/seal/format";
import { signManifest } from "#crypto/seal/seal";
import { bids, bidUploadChunks, bidUploads, openingKeys } from "#db/schema/index";
import { beginBidUpload, completeBidUpload, makeChunksDurable, openUpload, putBidChunk } from "#app/services/bids/bids.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import type { AppContext } from "#app/services/platform/context.server";
import { demoPdf } from "../../server/demo-pdf";
import { once, sealLocally } from "../helpers/bids";
import { forEachDriver } from "../helpers/db";
import { failure, ruleOf } from "../helpers/errors";
import { makeActor, projectForm } from "../helpers/factories";
import { enrollFor } from "../helpers/pki";

/**
 * ADR 032 (issue 15 item 2): a chunk is acknowledged without fsync; the completing command makes every chunk of the
 * upload durable before a bid exists, and a chunk written in an earlier boot of the machine (its file may not have
 * survived a crash of the machine) is re-read and checked against its hash — at the resume and at completion — and
 * forgotten when it did not survive, so the client sends it again. The death of the server process alone loses
 * nothing: test/e2e/ingest-durability.test.ts kills it with SIGKILL.
 */

async function openSection(app: AppContext) {
  const tu = await makeActor(app, "tendering_unit");
  const projectId = await createProject(app, tu, await projectForm(app));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["durability"]))) });
  await enrollFor(app, tu);
  await publishProject(app, tu, projectId);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  const [key] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
  return { sectionId, opening: key ? { kid: key.kid, publicKeySpki: fromBase64(key.publicKeySpki) } : null };
}

const form = () => new TextEncoder().encode(JSON.stringify({ v: 1, form: { priceYuan: "1000000", durationDays: "30", quality: "合格", projectManager: "李工" }, files: [{ name: "file-1.pdf", size: 200_000 }] }));

/** TEST SETUP: a bidder's sealed bid with every chunk sent (not completed). */
async function uploaded(app: AppContext, bytes: number) {
  const { sectionId, opening } = await openSection(app);
  const bidder = await makeActor(app, "bidder");
  const cert = await enrollFor(app, bidder);
  const s = await sealLocally(cert, opening, [form(), new Uint8Array(randomBytes(bytes))]);
  const { uploadId } = await beginBidUpload(app, bidder, sectionId, { certificateId: cert.certificateId, chunkSize: s.manifest.chunkSize, files: s.declared, recipients: s.recipients });
  for (const c of s.chunks) await putBidChunk(app, bidder, uploadId, c.file, c.chunk, once(c.ct));
  return { sectionId, bidder, cert, s, uploadId };
}

const blobPath = (app: AppContext, sha256: string) => path.join(app.config.dataDir, "blobs", sha256.slice(0, 2), sha256.slice(2, 4), sha256);

forEachDriver("bid chunks made durable at completion (ADR 032)", (env) => {
  it("chunks are acknowledged in this boot without fsync; the completing command makes each durable before the bid exists", async () => {
    const { app } = env();
    const { sectionId, bidder, cert, s, uploadId } = await uploaded(app, 200_000);
    const boot = app.blobs.volatileBoot();
    expect(boot, "Linux names its boot").toMatch(/^[0-9a-f-]{36}$/);
    const before = await app.db.select({ bootId: bidUploadChunks.bootId }).from(bidUploadChunks).where(eq(bidUploadChunks.uploadId, uploadId));
    expect(before.map((r) => r.bootId)).toEqual(s.chunks.map(() => boot));
    // A resume in the same boot trusts them as they are (they are in the page cache): nothing re-read, nothing lost.
    expect((await openUpload(app, bidder, sectionId))!.chunks).toHaveLength(s.chunks.length);

    const signature = Buffer.from(await signManifest(s.manifest, await importSigningKey(cert.privateKeyPkcs8))).toString("base64");
    const done = await completeBidUpload(app, bidder, uploadId, { manifest: s.manifest, signature });
    expect(done.version).toBe(1);
    const after = await app.db.select({ bootId: bidUploadChunks.bootId }).from(bidUploadChunks).where(eq(bidUploadChunks.uploadId, uploadId));
    expect(after.every((r) => r.bootId === null)).toBe(true);
    expect(await makeChunksDurable(app, uploadId)).toBe(0); // idempotent
  });

  it("after a reboot, a chunk whose file did not survive is forgotten at the resume and sent again; the bid then completes", async () => {
    const { app } = env();
    const { sectionId, bidder, cert, s, uploadId } = await uploaded(app, 200_000);
    const [{ storedBytes: full } = { storedBytes: 0 }] = await app.db.select({ storedBytes: bidUploads.storedBytes }).from(bidUploads).where(eq(bidUploads.id, uploadId));

    // The machine crashed after these chunks were acknowledged: they were written in another boot, and one file
    // came back truncated (written, never fsynced).
    await app.db.update(bidUploadChunks).set({ bootId: "00000000-0000-4000-8000-000000000000" }).where(eq(bidUploadChunks.uploadId, uploadId));
    const victim = s.chunks[2]!;
    const victimSha = (await app.db.select({ sha256: bidUploadChunks.sha256 }).from(bidUploadChunks).where(and(eq(bidUploadChunks.uploadId, uploadId), eq(bidUploadChunks.fileIndex, victim.file), eq(bidUploadChunks.chunkIndex, victim.chunk))))[0]!.sha256;
    truncateSync(blobPath(app, victimSha), 10);

    // The resume re-reads every chunk of the earlier boot: the intact ones are kept (and now durable), the broken
    // one is forgotten, with its bytes no longer counted.
    const resumed = (await openUpload(app, bidder, sectionId))!;
    expect(resumed.chunks).toHaveLength(s.chunks.length - 1);
    expect(resumed.chunks.some((c) => c.fileIndex === victim.file && c.chunkIndex === victim.chunk)).toBe(false);
    const kept = await app.db.select().from(bidUploadChunks).where(and(eq(bidUploadChunks.uploadId, uploadId), isNull(bidUploadChunks.bootId)));
    expect(kept).toHaveLength(s.chunks.length - 1);
    const [{ storedBytes } = { storedBytes: 0 }] = await app.db.select({ storedBytes: bidUploads.storedBytes }).from(bidUploads).where(eq(bidUploads.id, uploadId));
    expect(storedBytes).toBe(full - victim.ct.length);

    // Completing without it is refused (no bid without every chunk, R18), and changes nothing.
    const signature = Buffer.from(await signManifest(s.manifest, await importSigningKey(cert.privateKeyPkcs8))).toString("base64");
    expect(ruleOf(await failure(completeBidUpload(app, bidder, uploadId, { manifest: s.manifest, signature })))).toEqual(["RULE_R18_MALFORMED"]);
    expect(await app.db.select().from(bids).where(eq(bids.uploadId, uploadId))).toHaveLength(0);

    // The client sends it again (the same bytes: the truncated file is replaced), and the bid completes.
    await putBidChunk(app, bidder, uploadId, victim.file, victim.chunk, once(victim.ct));
    expect(await app.blobs.verify(victimSha, victim.ct.length)).toBe(true);
    const done = await completeBidUpload(app, bidder, uploadId, { manifest: s.manifest, signature });
    expect(done.version).toBe(1);
  });

  it("a chunk from an earlier boot that did not survive is also caught by the completing command itself", async () => {
    const { app } = env();
    const { sectionId, bidder, cert, s, uploadId } = await uploaded(app, 100_000);
    await app.db.update(bidUploadChunks).set({ bootId: "00000000-0000-4000-8000-000000000000" }).where(eq(bidUploadChunks.uploadId, uploadId));
    const last = s.chunks.at(-1)!;
    const [row] = await app.db.select({ sha256: bidUploadChunks.sha256 }).from(bidUploadChunks).where(and(eq(bidUploadChunks.uploadId, uploadId), eq(bidUploadChunks.fileIndex, last.file), eq(bidUploadChunks.chunkIndex, last.chunk)));
    truncateSync(blobPath(app, row!.sha256), 0);
    const signature = Buffer.from(await signManifest(s.manifest, await importSigningKey(cert.privateKeyPkcs8))).toString("base64");
    expect(ruleOf(await failure(completeBidUpload(app, bidder, uploadId, { manifest: s.manifest, signature })))).toEqual(["RULE_R18_MALFORMED"]);
    expect(await app.db.select().from(bids).where(eq(bids.uploadId, uploadId))).toHaveLength(0);
    expect((await openUpload(app, bidder, sectionId))!.chunks).toHaveLength(s.chunks.length - 1);
  });
});
