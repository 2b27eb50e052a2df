import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { chunkAad, chunkNonce, SealError, type ManifestFile } from "#crypto/seal/format";
import { VERIFY_WORKER_SOURCE } from "./verify-worker-source";

/**
 * A pool of worker threads, one per core, that verify sealed files without keeping their plaintext
 * (docs/decisions/031-opening-without-plaintext-writes.md; the worker is verify-worker-source.ts). Jobs are whole
 * files: a file's plaintext SHA-256 is one sequential computation, so one file runs on one core, and files of one
 * bid or of several bids released at once run side by side. Idle workers do not keep the process alive.
 */

/** One stored chunk of a file: where its bytes are (its expected SHA-256 is the signed manifest's). */
export type ChunkSource = { path: string };

type Job = { id: number; key: Uint8Array; size: number; sha256: string; chunks: { path: string; sha256: string; iv: Uint8Array; aad: Uint8Array }[] };
type Pending = { job: Job; resolve: (size: number) => void; reject: (e: unknown) => void };
type Slot = { worker: Worker; busy: Pending | null };

/** Thrown when a worker dies (not the bid's fault): the caller refuses the release like any failure, and may retry. */
export class VerifyWorkerError extends Error {}

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size: number = Math.max(1, availableParallelism())) {}

  /**
   * Verifies one file: every chunk against its manifest hash and its GCM tag under `rawKey` with the position-bound
   * nonce and AAD, then the plaintext's size and SHA-256 against the manifest. Resolves with the size; rejects with
   * `SealError("DECRYPT_FAILED")` exactly where `openFile` would. `rawKey` is copied; the caller zeroes its own.
   */
  async verifyFile(rawKey: Uint8Array, file: ManifestFile, chunks: readonly ChunkSource[]): Promise<number> {
    if (this.closed) throw new Error("verify pool closed");
    if (rawKey.length !== 32 || chunks.length !== file.chunks.length || chunks.length === 0) throw new SealError("DECRYPT_FAILED");
    const last = chunks.length - 1;
    const job: Job = {
      id: this.nextId++,
      key: new Uint8Array(rawKey),
      size: file.size,
      sha256: file.sha256,
      chunks: chunks.map((c, i) => ({ path: c.path, sha256: file.chunks[i]!, iv: chunkNonce(file.index, i), aad: chunkAad(file.index, i, i === last) })),
    };
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  /** Stops every worker (tests, benchmarks); jobs still queued are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error("verify pool closed"));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private pump() {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const p = this.queue.shift()!;
      slot.busy = p;
      slot.worker.ref();
      slot.worker.postMessage(p.job);
      p.job.key.fill(0); // the worker has its copy (structured clone)
    }
  }

  private spawn(): Slot {
    const worker = new Worker(VERIFY_WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker, busy: null };
    worker.unref();
    worker.on("message", (m: { id: number; ok: boolean; size?: number }) => {
      const p = slot.busy;
      if (!p || p.job.id !== m.id) return;
      slot.busy = null;
      worker.unref();
      if (m.ok) p.resolve(m.size!);
      else p.reject(new SealError("DECRYPT_FAILED"));
      this.pump();
    });
    const gone = (e: unknown) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const p = slot.busy;
      slot.busy = null;
      if (p) p.reject(new VerifyWorkerError(`verify worker stopped: ${e instanceof Error ? e.message : String(e)}`));
      if (!this.closed) this.pump();
    };
    worker.on("error", gone);
    worker.on("exit", (code) => gone(new Error(`exit ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}

let shared: VerifyPool | null = null;

/** The process's pool (sized to the cores), created on first use. */
export function verifyPool(): VerifyPool {
  shared ??= new VerifyPool();
  return shared;
}
