import { randomBytes } from "node:crypto";
import path from "node:path";
import { and, eq, isNull, sql as dsql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { importSigningKey } from "#crypto/keys";
import { fromBase64 } from "#crypto/seal/format";
import { signManifest } from "#crypto/seal/seal";
import { openDatabase } from "#db/client";
import { bids, bidUploadChunks, bidUploads, users } from "#db/schema/index";
import { actorForUser } from "#app/services/accounts/auth.server";
import { LocalBlobStore } from "#app/services/platform/blob-store.server";
import { loadConfig } from "#app/services/platform/config.server";
import type { AppContext } from "#app/services/platform/context.server";
import { LiveHub } from "#app/services/platform/live-hub.server";
import { rowsOf } from "../helpers/db";
import { sealLocally } from "../helpers/bids";
import { enrollFor } from "../helpers/pki";
import { ownPostgresDatabase, removeDataDir, startServer, Visitor, type RunningServer } from "./harness";

/**
 * Issue 15 item 2 (ADR 032): chunks are acknowledged without fsync and made durable by the completing command. The
 * promise that stays: a chunk the server acknowledged survives kill -9 of the server. Here the real server (compiled,
 * on the embedded PGlite — which dies with the process — and on PostgreSQL) is killed with SIGKILL right after
 * acknowledging half of a bid's chunks; every acknowledged chunk is then still recorded with bytes that match its
 * hash, the restarted server offers exactly those to resume, and the bid completes with the rest — after which every
 * chunk is durable. (A crash of the machine itself is test/integration/bid-durability.test.ts.)
 */
const SECRET = "e2e-session-secret-0123456789abcdef0123456789";

/** The server's own modules on its (stopped) data folder and database. */
async function inProcess<T>(dataDir: string, databaseUrl: string, fn: (app: AppContext) => Promise<T>): Promise<T> {
  const handle = await openDatabase(databaseUrl ? { databaseUrl, max: 2 } : { dataDir: path.join(dataDir, "pglite") });
  const hub = new LiveHub(handle);
  await hub.start();
  const config = loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: SECRET, NODE_ENV: "test", DATABASE_URL: databaseUrl } as NodeJS.ProcessEnv);
  try {
    return await fn({ db: handle.db, blobs: new LocalBlobStore(path.join(dataDir, "blobs")), hub, config });
  } finally {
    await hub.stop();
    await handle.close();
  }
}

const form = () => new TextEncoder().encode(JSON.stringify({ v: 1, form: { priceYuan: "9990000", durationDays: "300", quality: "合格", projectManager: "赵工" }, files: [{ name: "file-1.pdf", size: 1_500_000 }] }));

describe.each(["pglite", "postgres"] as const)("a chunk the server acknowledged survives kill -9 [%s]", (driver) => {
  let server: RunningServer | null = null;
  let pg: Awaited<ReturnType<typeof ownPostgresDatabase>> | null = null;

  afterAll(async () => {
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
    await pg?.drop();
  });

  it("SIGKILL after half of the chunks: all acknowledged chunks are there, the resume sends the rest, the bid completes durable", async () => {
    pg = driver === "postgres" ? await ownPostgresDatabase("ingestkill") : null;
    const databaseUrl = pg?.url ?? "";
    server = await startServer({ env: { DATABASE_URL: databaseUrl } });
    const dataDir = server.dataDir;
    const port = new URL(server.url).port;
    await server.stop();

    // TEST SETUP: a fresh certificate for the demo bidder1 and its bid sealed locally, as its browser would.
    const fixture = await inProcess(dataDir, databaseUrl, async (app) => {
      const [u] = await app.db.select({ id: users.id }).from(users).where(eq(users.username, "bidder1"));
      const actor = await actorForUser(app.db, u!.id, null, null);
      const [target] = rowsOf<{ id: string; kid: string | null; spki: string | null }>(
        await app.db.execute(dsql`
          select s.id, k.kid, k.public_key_spki as spki from sections s join projects p on p.id = s.project_id left join opening_keys k on k.section_id = s.id
           where p.status = 'published' and s.status = 'published' and p.bid_deadline > now() + interval '1 day' order by p.bid_deadline desc, s.seq limit 1`),
      );
      expect(target, "the demo seed has a section open for bids").toBeTruthy();
      const cert = await enrollFor(app, actor);
      const sealed = await sealLocally(cert, target!.kid ? { kid: target!.kid, publicKeySpki: fromBase64(target!.spki!) } : null, [form(), new Uint8Array(randomBytes(1_500_000))]);
      const signature = Buffer.from(await signManifest(sealed.manifest, await importSigningKey(cert.privateKeyPkcs8))).toString("base64");
      return { sectionId: target!.id, cert, sealed, signature };
    });
    const { sealed, sectionId } = fixture;
    expect(sealed.chunks.length).toBeGreaterThan(10);

    server = await startServer({ dataDir, env: { DATABASE_URL: databaseUrl, PORT: port } });
    const bidder = new Visitor(server.url);
    expect((await bidder.login("bidder1")).status).toBe(302);
    const csrf = await bidder.token("/");
    const api = (p: string, init: RequestInit = {}) => bidder.fetch(`/api${p}`, { ...init, headers: { "x-csrf-token": csrf, ...(init.headers as Record<string, string>) } });
    const begin = await api(`/sections/${sectionId}/uploads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ certificateId: fixture.cert.certificateId, chunkSize: sealed.manifest.chunkSize, files: sealed.declared, recipients: sealed.recipients }),
    });
    expect(begin.status).toBe(200);
    const { uploadId } = (await begin.json()) as { uploadId: string };
    const put = (c: (typeof sealed.chunks)[number]) => api(`/uploads/${uploadId}/chunks/${c.file}/${c.chunk}`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: c.ct as unknown as BodyInit });

    const half = Math.floor(sealed.chunks.length / 2);
    for (const c of sealed.chunks.slice(0, half)) expect((await put(c)).status).toBe(200);
    // The last acknowledgement has just arrived: the process dies now, with no shutdown of any kind.
    await server.kill();

    const afterKill = await inProcess(dataDir, databaseUrl, async (app) => {
      const rows = await app.db.select().from(bidUploadChunks).where(eq(bidUploadChunks.uploadId, uploadId));
      const intact = await Promise.all(rows.map((r) => app.blobs.verify(r.sha256, r.size)));
      return { rows, intact, boot: app.blobs.volatileBoot() };
    });
    expect(afterKill.rows).toHaveLength(half);
    expect(afterKill.intact.every(Boolean)).toBe(true);
    // Not yet fsynced (durability comes with the completion): what survived is the page cache and the database.
    expect(afterKill.rows.every((r) => r.bootId === afterKill.boot)).toBe(true);

    server = await startServer({ dataDir, env: { DATABASE_URL: databaseUrl, PORT: port } });
    const current = await api(`/sections/${sectionId}/uploads/current`);
    expect(current.status).toBe(200);
    const resumable = (await current.json()) as { uploadId: string; chunks: { fileIndex: number; chunkIndex: number; sha256: string }[] };
    expect(resumable.uploadId).toBe(uploadId);
    expect(resumable.chunks.map((c) => `${c.fileIndex}:${c.chunkIndex}`).sort()).toEqual(sealed.chunks.slice(0, half).map((c) => `${c.file}:${c.chunk}`).sort());
    for (const c of sealed.chunks.slice(half)) expect((await put(c)).status).toBe(200);
    const done = await api(`/uploads/${uploadId}/complete`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ manifest: sealed.manifest, signature: fixture.signature }) });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { receipt?: string }).receipt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await server.stop();

    const final = await inProcess(dataDir, databaseUrl, async (app) => ({
      bids: await app.db.select({ id: bids.id }).from(bids).where(eq(bids.uploadId, uploadId)),
      durable: await app.db.select().from(bidUploadChunks).where(and(eq(bidUploadChunks.uploadId, uploadId), isNull(bidUploadChunks.bootId))),
      upload: (await app.db.select({ status: bidUploads.status }).from(bidUploads).where(eq(bidUploads.id, uploadId)))[0],
    }));
    expect(final.bids).toHaveLength(1);
    expect(final.durable).toHaveLength(sealed.chunks.length);
    expect(final.upload?.status).toBe("completed");
  });
});
