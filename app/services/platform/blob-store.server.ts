import { createHash, randomBytes } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";

/**
 * Content-addressed blob store (docs/decisions/004-blob-store.md). Database rows hold the
 * SHA-256; the bytes live behind this interface: local files by default, an
 * S3-compatible store for several instances.
 */
export interface BlobStore {
  /** Stores the stream; resolves with its SHA-256 (hex) and size. Refuses more than `maxBytes`. */
  put(data: AsyncIterable<Uint8Array> | Uint8Array, opts?: { maxBytes?: number }): Promise<{ sha256: string; size: number }>;
  /**
   * Receives and hashes the stream without publishing it: nothing is stored under its hash until
   * `commit()`; `discard()` removes what was received. For content that is checked after it has
   * been read (a bid chunk's length, checksum and R18 check): a refusal then leaves no blob, and no
   * blob another row may share (content addressing) is ever deleted. A staged blob that is neither
   * committed nor discarded (a crash) is a temp file the sweep removes.
   */
  stage(data: AsyncIterable<Uint8Array> | Uint8Array, opts?: StageOptions): Promise<StagedBlob>;
  /**
   * The operating system boot a blob staged with `durable: false` depends on, or null when this store cannot defer
   * durability (every blob is durable once committed). Bytes written but not fsynced survive the death of the
   * process (they are in the kernel's page cache) but not a crash of the machine: a blob written in an earlier boot
   * must be re-verified before it is trusted (`verify`).
   */
  volatileBoot(): string | null;
  /** Makes committed blobs durable: their files and the directories naming them are fsynced. Missing blobs throw. */
  sync(sha256s: readonly string[]): Promise<void>;
  /** Re-reads a blob and checks its bytes against its name (after a reboot, for blobs that were not yet synced). */
  verify(sha256: string, size: number): Promise<boolean>;
  get(sha256: string): Promise<Readable>;
  has(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  /** Every stored hash, with its modification time (for the sweep of unreferenced blobs). */
  list(): AsyncIterable<{ sha256: string; mtime: Date }>;
  /** Removes staged data older than `olderThan` (left by a crash between stage and commit/discard); returns how many. */
  removeStaleStaged(olderThan: Date): Promise<number>;
}

export type StagedBlob = {
  sha256: string;
  size: number;
  /** Publishes the blob under its hash (atomic; idempotent for identical content). */
  commit(): Promise<void>;
  /** Removes the received bytes; never touches a published blob. Safe to call after commit (no-op). */
  discard(): Promise<void>;
};

export type StageOptions = {
  maxBytes?: number;
  /**
   * false: the file is not fsynced before `commit()` (the caller makes it durable later with `sync`, and re-verifies
   * it after a reboot). Default true.
   */
  durable?: boolean;
};

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`blob larger than ${maxBytes} bytes`);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const WRITE_BATCH = 1024 * 1024;

/** Linux's identifier of the running boot (changes at every boot), or null elsewhere. */
function linuxBootId(): string | null {
  try {
    const id = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return /^[0-9a-f-]{36}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** How many files `sync` and `verify` work on at once (the libuv pool has 4 threads). */
const SYNC_PARALLEL = 8;

/**
 * Local files: written to a temp file, fsynced, then renamed into place (atomic, durable). With `durable: false`
 * the fsync is left to a later `sync` (issue 15: a bid's chunks are made durable by the completing command).
 */
export class LocalBlobStore implements BlobStore {
  private readonly bootId = linuxBootId();
  /** Directories this process has created or found (a chunk PUT must not pay for a recursive mkdir each time). */
  private readonly knownDirs = new Set<string>();
  /** Files committed without fsync, flushed in the background (`flushSoon`). */
  private readonly toFlush: string[] = [];
  private flushing = 0;
  /** Folders whose entry in their parent folder this process has fsynced since they existed. */
  private readonly durableEntries = new Set<string>();
  constructor(private readonly root: string) {}

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  /**
   * Starts writing a committed, not yet durable file to disk in the background — at most two at a time, so the thread
   * pool stays free for requests: the fsync that makes it durable (`sync`) then finds little left to write, and the
   * disk works steadily instead of all at once when a bid completes. Nothing depends on it having run.
   */
  private flushSoon(file: string): void {
    this.toFlush.push(file);
    if (this.toFlush.length > 1024) this.toFlush.shift(); // a backlog is left to `sync`
    const lane = async () => {
      this.flushing++;
      try {
        for (let next = this.toFlush.shift(); next; next = this.toFlush.shift()) await fsyncPath(next).catch(() => undefined);
      } finally {
        this.flushing--;
      }
    };
    if (this.flushing < 2) void lane();
  }

  /** `rename` into a directory believed to exist; created again if something removed it meanwhile. */
  private async renameInto(from: string, to: string): Promise<void> {
    try {
      await rename(from, to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      this.knownDirs.clear();
      await this.ensureDir(path.dirname(to));
      await rename(from, to);
    }
  }

  volatileBoot(): string | null {
    return this.bootId;
  }

  async sync(sha256s: readonly string[]): Promise<void> {
    const files = [...new Set(sha256s)].map((h) => this.pathOf(h));
    const leaves = new Set(files.map((f) => path.dirname(f)));
    // Files, and the leaf folders that name them (a rename is durable once its folder is). A folder's own entry in
    // its parent needs the parent synced once after the folder exists: remembered per process, so the two upper
    // levels are synced about once per folder, not at every completion.
    await eachLimited([...files, ...leaves], SYNC_PARALLEL, fsyncPath);
    const parents = new Map<string, string[]>();
    for (const leaf of leaves) {
      for (const child of [leaf, path.dirname(leaf)]) {
        if (this.durableEntries.has(child)) continue;
        const parent = path.dirname(child);
        parents.set(parent, [...(parents.get(parent) ?? []), child]);
      }
    }
    await eachLimited([...parents.keys()], SYNC_PARALLEL, fsyncPath);
    for (const children of parents.values()) for (const c of children) this.durableEntries.add(c);
  }

  async verify(sha256: string, size: number): Promise<boolean> {
    let p: string;
    try {
      p = this.pathOf(sha256);
    } catch {
      return false;
    }
    const hash = createHash("sha256");
    let n = 0;
    try {
      for await (const part of createReadStream(p, { highWaterMark: 1024 * 1024 })) {
        n += (part as Buffer).length;
        hash.update(part as Buffer);
      }
    } catch {
      return false;
    }
    return n === size && hash.digest("hex") === sha256;
  }

  private pathOf(sha256: string): string {
    if (!HEX64.test(sha256)) throw new Error("invalid blob hash");
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** The file that holds a blob, for worker threads that read it directly (the opening's verification, ADR 031). */
  filePath(sha256: string): string {
    return this.pathOf(sha256);
  }

  async put(data: AsyncIterable<Uint8Array> | Uint8Array, opts: { maxBytes?: number } = {}) {
    const staged = await this.stage(data, opts);
    try {
      await staged.commit();
    } catch (e) {
      await staged.discard();
      throw e;
    }
    return { sha256: staged.sha256, size: staged.size };
  }

  async stage(data: AsyncIterable<Uint8Array> | Uint8Array, opts: StageOptions = {}): Promise<StagedBlob> {
    const tmpDir = path.join(this.root, "tmp");
    await this.ensureDir(tmpDir);
    const tmp = path.join(tmpDir, `${randomBytes(12).toString("hex")}.part`);
    const fh = await open(tmp, "wx", 0o600).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
      this.knownDirs.clear(); // the folder was removed meanwhile
      await this.ensureDir(tmpDir);
      return open(tmp, "wx", 0o600);
    });
    const hash = createHash("sha256");
    const synced = opts.durable !== false || !this.bootId;
    let size = 0;
    try {
      const source = data instanceof Uint8Array ? [data] : data;
      // Network reads arrive in 16–64 KiB pieces: gathered and written with one writev per
      // MiB, so a 1 MiB chunk costs one trip to the thread pool instead of sixteen.
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) throw new BlobTooLargeError(opts.maxBytes);
        hash.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.byteLength;
        if (pendingBytes >= WRITE_BATCH) {
          await fh.writev(pending);
          pending = [];
          pendingBytes = 0;
        }
      }
      if (pending.length) await fh.writev(pending);
      if (synced) await fh.sync();
    } catch (e) {
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    const sha256 = hash.digest("hex");
    const dest = this.pathOf(sha256);
    let state: "staged" | "committed" | "discarded" = "staged";
    const ensureDir = (d: string) => this.ensureDir(d);
    const renameInto = (from: string, to: string) => this.renameInto(from, to);
    const flushSoon = (file: string) => this.flushSoon(file);
    return {
      sha256,
      size,
      async commit() {
        if (state !== "staged") throw new Error(`blob already ${state}`);
        await ensureDir(path.dirname(dest));
        // Replacing a published file (identical content, or a copy broken by a crash of the machine) must not leave
        // a durable reference pointing at bytes that are not: an existing file is only ever replaced by a synced one.
        if (!synced && (await exists(dest))) await fsyncPath(tmp);
        await renameInto(tmp, dest);
        if (!synced) flushSoon(dest);
        state = "committed";
      },
      async discard() {
        if (state !== "staged") return;
        state = "discarded";
        await rm(tmp, { force: true });
      },
    };
  }

  async get(sha256: string): Promise<Readable> {
    const p = this.pathOf(sha256);
    await stat(p);
    return createReadStream(p);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await stat(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  async removeStaleStaged(olderThan: Date): Promise<number> {
    const tmpDir = path.join(this.root, "tmp");
    let removed = 0;
    for (const name of await readdirSafe(tmpDir)) {
      const p = path.join(tmpDir, name);
      try {
        if ((await stat(p)).mtime < olderThan) {
          await rm(p, { force: true });
          removed++;
        }
      } catch {
        // gone meanwhile (committed or discarded)
      }
    }
    return removed;
  }

  async *list(): AsyncIterable<{ sha256: string; mtime: Date }> {
    for (const a of await readdirSafe(this.root)) {
      if (a === "tmp") continue;
      for (const b of await readdirSafe(path.join(this.root, a))) {
        for (const name of await readdirSafe(path.join(this.root, a, b))) {
          if (!HEX64.test(name)) continue;
          const s = await stat(path.join(this.root, a, b, name));
          yield { sha256: name, mtime: s.mtime };
        }
      }
    }
  }
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` over `items`, at most `limit` at a time; the first failure rejects (the others finish first). */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const lane = async () => {
    while (next < items.length && failure === null) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== null) throw failure;
}

/** Reads a whole blob (small documents only). */
export async function readBlob(store: BlobStore, sha256: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(sha256)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
