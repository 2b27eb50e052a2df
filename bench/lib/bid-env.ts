// Shared by the sealed-bid benchmarks: a fresh PostgreSQL database and data folder prepared
// in this process through the real services (users, certificates enrolled from CSRs, a
// published tender, password logins), the real server in a child process on the same
// database and folder, and an HTTP client that replays pre-sealed bids through the upload
// API exactly as app/client/sealed-upload.ts sends them (begin, chunk PUTs with their
// SHA-256, complete with the signed manifest).
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { importSigningKey, importWrapKey } from "#crypto/keys";
import { BID_FORM_NAME, fileLabel, type Manifest, type ManifestFile, type Recipient } from "#crypto/seal/format";
import { importContentKey, sealFile, signManifest, wrapFor, type HashOptions } from "#crypto/seal/seal";
import { login } from "#app/services/accounts/auth.server";
import { loadConfig, type Config } from "#app/services/platform/config.server";
import type { AppContext } from "#app/services/platform/context.server";
import { csrfBinding, csrfTokenFor } from "#app/services/accounts/csrf.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import { boot, type Booted } from "../../server/boot";
import { demoPdf } from "../../server/demo-pdf";
import { makeActor, PASSWORD, projectForm } from "../../test/helpers/factories";
import { enrollFor, type Enrolled } from "../../test/helpers/pki";

export const MiB = 1024 * 1024;
const PG_BASE = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export type BenchEnv = { app: AppContext; booted: Booted; config: Config; dataDir: string; databaseUrl: string; close(): Promise<void> };

/** A new database on the local PostgreSQL and a new data folder, migrated by `boot`. */
export async function benchEnv(tag: string): Promise<BenchEnv> {
  const name = `th_bench_${tag}_${process.pid}`;
  const admin = postgres(PG_BASE, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const databaseUrl = Object.assign(new URL(PG_BASE), { pathname: `/${name}` }).toString();
  const dataDir = mkdtempSync(path.join(tmpdir(), `th-bench-${tag}-`));
  const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, SESSION_SECRET: "bench-".repeat(8), NODE_ENV: "production" } as NodeJS.ProcessEnv);
  const booted = await boot(config);
  return {
    app: booted.app,
    booted,
    config,
    dataDir,
    databaseUrl,
    async close() {
      await booted.close();
      const a = postgres(PG_BASE, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A published tender with one section (bidder-only key model: the bidder's certificate is the only recipient). */
export async function publishedSection(app: AppContext): Promise<{ projectId: string; sectionId: string }> {
  const tu = await makeActor(app, "tendering_unit");
  const projectId = await createProject(app, tu, await projectForm(app, { keyModel: "bidder" }));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["bench"]))) });
  await publishProject(app, tu, projectId);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  return { projectId, sectionId };
}

export type Session = { cookie: string; csrf: string };
export type BenchBidder = { cert: Enrolled; session: Session };

/** Bidders with an organisation, a certificate enrolled from a CSR, and a logged-in session each. */
export async function makeBidders(env: BenchEnv, n: number, concurrency = 4): Promise<BenchBidder[]> {
  const out: BenchBidder[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const actor = await makeActor(env.app, "bidder");
        const cert = await enrollFor(env.app, actor);
        const { token } = await login(env.app, { username: actor.username, password: PASSWORD, ip: "127.0.0.1", userAgent: "bench" });
        const csrfCookie = randomBytes(16).toString("base64url");
        out[i] = { cert, session: { cookie: `th_session=${encodeURIComponent(token)}; th_csrf=${csrfCookie}`, csrf: csrfTokenFor(env.config.sessionSecrets[0]!, csrfBinding(token, csrfCookie)) } };
      }
    }),
  );
  return out;
}

/** A bid sealed ahead of time: ciphertext chunks in one file, and what the upload protocol sends. */
export type Presealed = {
  path: string;
  chunkSize: number;
  declared: { index: number; name: string; size: number }[];
  recipients: Recipient[];
  chunks: { file: number; chunk: number; offset: number; length: number; sha256: string }[];
  manifest: Manifest;
  signature: string;
  bytes: number;
};

const nodeHashing: HashOptions = {
  createSha256: () => {
    const h = createHash("sha256");
    return { update: (b: Uint8Array) => h.update(b), digest: () => new Uint8Array(h.digest()) };
  },
  digestChunk: (ct) => new Uint8Array(createHash("sha256").update(ct).digest()),
};

/**
 * Seals a bid as the browser does (bid form as file 0, then the bid file) and writes the
 * ciphertext chunks to `outPath`. `plain` yields the bid file's bytes.
 */
export async function preseal(bidder: Enrolled, plain: { name: string; size: number; data: AsyncIterable<Uint8Array> }, outPath: string, chunkSize = MiB): Promise<Presealed> {
  const ck = await importContentKey(new Uint8Array(randomBytes(32)));
  const recipients = [await wrapFor({ kid: bidder.fingerprint, publicKey: await importWrapKey(bidder.publicKeySpki) }, ck)];
  const formBytes = new TextEncoder().encode(
    JSON.stringify({ v: 1, form: { priceYuan: "9800000.00", durationDays: "540", quality: "合格", projectManager: "陈建国" }, files: [{ name: plain.name, size: plain.size }] }),
  );
  // The manifest names files by label (docs/sealed-bid-format.md §2), as the browser seals them.
  const declared = [
    { index: 0, name: BID_FORM_NAME, size: formBytes.length },
    { index: 1, name: fileLabel(1, plain.name), size: plain.size },
  ];
  const fh = await open(outPath, "w");
  let offset = 0;
  const chunks: Presealed["chunks"] = [];
  const files: ManifestFile[] = [];
  const sources = [(async function* () {
    yield formBytes;
  })(), plain.data];
  for (const [index, data] of sources.entries()) {
    files.push(
      await sealFile(
        ck,
        { index, name: declared[index]!.name, data },
        async (chunk, ct, sha256) => {
          await fh.write(ct, 0, ct.length, offset);
          chunks.push({ file: index, chunk, offset, length: ct.length, sha256 });
          offset += ct.length;
        },
        chunkSize,
        nodeHashing,
      ),
    );
  }
  await fh.close();
  const manifest: Manifest = { v: 1, alg: "AES-256-GCM", chunkSize, files, recipients };
  const signature = Buffer.from(await signManifest(manifest, await importSigningKey(bidder.privateKeyPkcs8))).toString("base64");
  return { path: outPath, chunkSize, declared, recipients, chunks, manifest, signature, bytes: offset };
}

/** Minimal keep-alive HTTP client (node:http, so the client side costs little CPU). */
export function request(agent: http.Agent, base: string, method: string, p: string, headers: Record<string, string>, body?: Uint8Array): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p, base), { method, agent, headers: body ? { ...headers, "content-length": String(body.length) } : headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (b: Buffer) => parts.push(b));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function readChunk(fh: FileHandle, c: { offset: number; length: number }): Promise<Uint8Array> {
  const buf = Buffer.allocUnsafe(c.length);
  const { bytesRead } = await fh.read(buf, 0, c.length, c.offset);
  if (bytesRead !== c.length) throw new Error("short read");
  return buf;
}

/** PUTs every chunk with `parallel` requests in flight (the browser client's default is 3). */
export async function putChunks(agent: http.Agent, base: string, uploadPath: (c: { file: number; chunk: number }) => string, headers: Record<string, string>, s: Presealed, parallel: number) {
  const fh = await open(s.path, "r");
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < s.chunks.length) {
          const c = s.chunks[next++]!;
          const body = await readChunk(fh, c);
          const r = await request(agent, base, "PUT", uploadPath(c), { ...headers, "content-type": "application/octet-stream", "x-chunk-sha256": c.sha256 }, body);
          if (r.status !== 200) throw new Error(`chunk ${c.file}/${c.chunk}: ${r.status} ${r.body}`);
        }
      }),
    );
  } finally {
    await fh.close();
  }
}

/** Uploads a pre-sealed bid to the real server; returns the receipt and the time to it. */
export async function uploadBid(agent: http.Agent, base: string, sectionId: string, b: BenchBidder, s: Presealed, parallel: number) {
  const headers = { cookie: b.session.cookie, "x-csrf-token": b.session.csrf };
  const begin = await request(agent, base, "POST", `/api/sections/${sectionId}/uploads`, { ...headers, "content-type": "application/json" }, Buffer.from(JSON.stringify({ certificateId: b.cert.certificateId, chunkSize: s.chunkSize, files: s.declared, recipients: s.recipients })));
  if (begin.status !== 200) throw new Error(`begin: ${begin.status} ${begin.body}`);
  const { uploadId } = JSON.parse(begin.body) as { uploadId: string };
  const t0 = performance.now();
  await putChunks(agent, base, (c) => `/api/uploads/${uploadId}/chunks/${c.file}/${c.chunk}`, headers, s, parallel);
  const t1 = performance.now();
  const done = await request(agent, base, "POST", `/api/uploads/${uploadId}/complete`, { ...headers, "content-type": "application/json" }, Buffer.from(JSON.stringify({ manifest: s.manifest, signature: s.signature })));
  return { status: done.status, body: done.body, chunksMs: t1 - t0, completeMs: performance.now() - t1 };
}

export type Child = { url: string; pid: number; stop(): Promise<void>; peakRssMiB(): number; cpuSeconds(): number };

/** The real server (built Remix app) on the prepared database and folder, in a child process. */
export function startServer(env: BenchEnv, extraEnv: Record<string, string> = {}): Promise<Child> {
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : []; // e.g. "--cpu-prof"
  return spawnReady([process.execPath, ...nodeArgs, "build/server-main/index.js"], {
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: env.dataDir,
    DATABASE_URL: env.databaseUrl,
    SESSION_SECRET: env.config.sessionSecrets[0]!,
    SEED_DEMO: "0",
    NODE_ENV: "production",
    ...extraEnv,
  });
}

export function spawnReady(argv: string[], extraEnv: Record<string, string>): Promise<Child> {
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...extraEnv }, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  return new Promise<Child>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => {
      out += b;
      if (process.env.BENCH_VERBOSE) process.stderr.write(b);
      const m = /ready on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m)
        resolve({
          url: m[1]!,
          pid: child.pid!,
          // A clustered server (WEB_CONCURRENCY > 1) is a primary and its workers: CPU is summed over all of them,
          // the peak RSS is the largest single process's (each is a process of its own, with its own budget).
          peakRssMiB: () => Math.max(...withDescendants(child.pid!).map((p) => alive(() => peakRssMiB(p)))),
          cpuSeconds: () => withDescendants(child.pid!).reduce((a, p) => a + alive(() => cpuSeconds(p)), 0),
          stop: () => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once("exit", () => r()), child.kill("SIGTERM")))),
        });
    });
    child.on("exit", (c) => reject(new Error(`child exited ${c}: ${out}`)));
  });
}

/** A reading of a process that may have ended meanwhile (then 0). */
function alive(read: () => number): number {
  try {
    return read();
  } catch {
    return 0;
  }
}

/** A process and every process it started (Linux /proc/<pid>/task/<tid>/children), those still alive. */
export function withDescendants(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${out[i]}/task/${t}/children`, "utf8").split(" ").filter(Boolean)) out.push(Number(c));
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return out;
}

/** VmHWM: the process's peak resident set since it started. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** User + system CPU time the process has used (clock ticks of /proc/<pid>/stat, 100 per second). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
}
