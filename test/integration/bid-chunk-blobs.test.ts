import { createHash, randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { fromBase64 } from "#crypto/seal/format";
import { openingKeys } from "#db/schema/index";
import { beginBidUpload, putBidChunk } from "#app/services/bids/bids.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import type { AppContext } from "#app/services/platform/context.server";
import { demoPdf } from "../../server/demo-pdf";
import { CHUNK, once, sealLocally } from "../helpers/bids";
import { forEachDriver } from "../helpers/db";
import { failure, ruleOf } from "../helpers/errors";
import { makeActor, projectForm, setBidDeadline } from "../helpers/factories";
import { enrollFor } from "../helpers/pki";

/**
 * Finding 8 (chunk part): a refused chunk PUT leaves no file in the blob store — neither a
 * published blob nor a temp file — and a refusal never removes a blob another upload references
 * (content addressing: identical bytes share one file). The hourly sweep is only a backstop.
 */

/** Every file under the blob root, temp files included. */
function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

const bidForm = () => new TextEncoder().encode(JSON.stringify({ form: { priceYuan: "1", durationDays: "30", projectManager: "李工" }, files: [{ name: "a.pdf" }] }));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A body that records whether anyone read it (a refusal before streaming never does). */
function watched(bytes: Uint8Array) {
  const state = { read: false };
  return {
    state,
    body: (async function* () {
      state.read = true;
      yield bytes;
    })(),
  };
}

async function setup(app: AppContext) {
  const tu = await makeActor(app, "tendering_unit");
  const supervisor = await makeActor(app, "supervisor");
  const projectId = await createProject(app, tu, await projectForm(app, { keyModel: "bidder_with_custodian_fallback", keyThreshold: 2, custodians: ["tendering_unit", "agency", "supervisor"] }));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["blobs"]))) });
  await enrollFor(app, tu);
  await enrollFor(app, supervisor);
  await publishProject(app, tu, projectId);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  const [key] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
  return { projectId, sectionId, opening: { kid: key!.kid, publicKeySpki: fromBase64(key!.publicKeySpki) } };
}

forEachDriver("bid chunk PUTs and the blob store", (env) => {
  it("a refused chunk PUT leaves no file under the blob root; a shared blob is never removed by a refusal", async () => {
    const { app } = env();
    const root = path.join(app.config.dataDir, "blobs");
    const { projectId, sectionId, opening } = await setup(app);
    const bidder = await makeActor(app, "bidder");
    const cert = await enrollFor(app, bidder);
    const s = await sealLocally(cert, opening, [bidForm(), new Uint8Array(randomBytes(2 * CHUNK + 100))]);
    const { uploadId } = await beginBidUpload(app, bidder, sectionId, { certificateId: cert.certificateId, chunkSize: CHUNK, files: s.declared, recipients: s.recipients });
    const c0 = s.chunks[0]!;
    const c1 = s.chunks.find((c) => c.file === 1 && c.chunk === 0)!;

    // One accepted chunk, so the store is not empty and a shared hash exists.
    await putBidChunk(app, bidder, uploadId, c0.file, c0.chunk, once(c0.ct));
    const baseline = filesUnder(root);
    expect(baseline.some((f) => f.endsWith(sha(c0.ct)))).toBe(true);

    const refused = async (what: string, p: Promise<unknown>, expected: string) => {
      const e = await failure(p);
      expect(e, what).not.toBeNull();
      const label = e?.violations.length ? ruleOf(e)!.toString() : String(e?.params.reason ?? e?.code);
      expect(label, what).toContain(expected);
      expect(filesUnder(root), what).toEqual(baseline);
    };

    // Refused before a byte is read: the position, the declared length, the checksum's format, the upload.
    for (const [what, run, expected] of [
      ["chunk index", (b: AsyncIterable<Uint8Array>) => putBidChunk(app, bidder, uploadId, 1, 99, b), "chunk index"],
      ["file index", (b: AsyncIterable<Uint8Array>) => putBidChunk(app, bidder, uploadId, 7, 0, b), "chunk index"],
      ["huge index", (b: AsyncIterable<Uint8Array>) => putBidChunk(app, bidder, uploadId, 1, 1e21, b), "chunk index"],
      ["declared Content-Length", (b: AsyncIterable<Uint8Array>) => putBidChunk(app, bidder, uploadId, 1, 0, b, null, c1.ct.length + 1), "chunk length"],
      ["checksum format", (b: AsyncIterable<Uint8Array>) => putBidChunk(app, bidder, uploadId, 1, 0, b, "../../etc/passwd"), "checksum"],
      ["unknown upload", (b: AsyncIterable<Uint8Array>) => putBidChunk(app, bidder, "00000000-0000-4000-8000-000000000000", 1, 0, b), "UPLOAD_NOT_FOUND"],
      ["another bidder's upload", async (b: AsyncIterable<Uint8Array>) => putBidChunk(app, await makeActor(app, "bidder"), uploadId, 1, 0, b), "UPLOAD_NOT_FOUND"],
    ] as const) {
      const w = watched(c1.ct);
      await refused(what, run(w.body), expected);
      expect(w.state.read, what).toBe(false);
    }

    // Refused after reading: nothing is published, and the temp file is gone.
    await refused("too short", putBidChunk(app, bidder, uploadId, 1, 0, once(c1.ct.subarray(0, 100))), "chunk length");
    await refused("too long", putBidChunk(app, bidder, uploadId, 1, 0, once(new Uint8Array(randomBytes(c1.ct.length + 1)))), "chunk length");
    await refused("wrong checksum", putBidChunk(app, bidder, uploadId, 1, 0, once(c1.ct), "ab".repeat(32)), "checksum");
    const pdf = demoPdf(["明文"]);
    const plain = new Uint8Array(c1.ct.length);
    plain.set(pdf.subarray(0, Math.min(pdf.length, plain.length)));
    await refused("plaintext (R18)", putBidChunk(app, bidder, uploadId, 1, 0, once(plain)), "RULE_R18_PLAINTEXT");
    await refused("different content for a stored position", putBidChunk(app, bidder, uploadId, 0, 0, once(new Uint8Array(randomBytes(c0.ct.length)))), "different content");
    const aborted = (async function* () {
      yield c1.ct.subarray(0, 1000);
      throw new Error("connection reset by peer");
    })();
    expect(await putBidChunk(app, bidder, uploadId, 1, 0, aborted).then(() => "stored", (e: Error) => e.message)).toBe("connection reset by peer");
    expect(filesUnder(root)).toEqual(baseline);

    // Content another upload has stored (the same hash), refused here for its checksum: the shared blob stays.
    const second = await makeActor(app, "bidder");
    const cert2 = await enrollFor(app, second);
    const s2 = await sealLocally(cert2, opening, [bidForm(), new Uint8Array(randomBytes(10))]);
    const { uploadId: other } = await beginBidUpload(app, second, sectionId, { certificateId: cert2.certificateId, chunkSize: CHUNK, files: s2.declared, recipients: s2.recipients });
    const sameLength = s2.chunks[0]!.ct.length === c0.ct.length;
    if (sameLength) await refused("shared content, wrong checksum", putBidChunk(app, second, other, 0, 0, once(c0.ct), "cd".repeat(32)), "checksum");
    expect(await app.blobs.has(sha(c0.ct))).toBe(true);

    // The same chunk again is accepted (idempotent) and adds no file.
    await putBidChunk(app, bidder, uploadId, c0.file, c0.chunk, once(c0.ct));
    expect(filesUnder(root)).toEqual(baseline);

    // After the deadline: refused before reading, nothing written.
    await setBidDeadline(app, projectId, new Date(Date.now() - 1000));
    const late = watched(c1.ct);
    await refused("after the deadline", putBidChunk(app, bidder, uploadId, 1, 0, late.body), "RULE_R19_DEADLINE_PASSED");
    expect(late.state.read).toBe(false);
  });
});
