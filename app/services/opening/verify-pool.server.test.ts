import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SealError, type Manifest, type ManifestFile } from "#crypto/seal/format";
import { openFile } from "#crypto/seal/open";
import { VerifyPool } from "./verify-pool.server";

/**
 * The worker pool against the committed sealed-bid test vector (test/fixtures/sealed-bid/, docs/sealed-bid-format.md
 * §12): it must accept exactly what `openFile` (crypto/seal/open.ts) opens and refuse, with the same DECRYPT_FAILED,
 * exactly what it refuses — a wrong key, a flipped byte, swapped chunks, a dropped or missing last chunk, a chunk moved
 * to another file, a wrong plaintext hash or size.
 */
const DIR = fileURLToPath(new URL("../../../test/fixtures/sealed-bid/", import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(DIR, "manifest.json"), "utf8")) as Manifest;
const vector = JSON.parse(readFileSync(path.join(DIR, "vector.json"), "utf8")) as { contentKey: string };
const KEY = new Uint8Array(Buffer.from(vector.contentKey, "hex"));
const tmp = mkdtempSync(path.join(tmpdir(), "th-verify-pool-"));
const pool = new VerifyPool(2);
afterAll(async () => {
  await pool.close();
  rmSync(tmp, { recursive: true, force: true });
});

const file = (i: number) => manifest.files[i]!;
const chunkPath = (f: number, c: number) => path.join(DIR, "chunks", `${f}-${c}.bin`);
const sources = (f: ManifestFile) => f.chunks.map((_, c) => ({ path: chunkPath(f.index, c) }));

/** What `openFile` says about the same file and chunk files: the opened size, or the SealError code. */
async function byOpenFile(key: Uint8Array, f: ManifestFile, paths: string[]): Promise<number | string> {
  const k = await globalThis.crypto.subtle.importKey("raw", new Uint8Array(key), { name: "AES-GCM" }, false, ["decrypt"]);
  async function* chunks() {
    for (const p of paths) yield new Uint8Array(readFileSync(p));
  }
  let size = 0;
  try {
    await openFile(k, f, chunks(), async (pt) => {
      size += pt.length;
    });
    return size;
  } catch (e) {
    return e instanceof SealError ? e.code : String(e);
  }
}

async function byPool(key: Uint8Array, f: ManifestFile, paths: string[]): Promise<number | string> {
  try {
    return await pool.verifyFile(key, f, paths.map((p) => ({ path: p })));
  } catch (e) {
    return e instanceof SealError ? e.code : String(e);
  }
}

async function same(key: Uint8Array, f: ManifestFile, paths: string[]) {
  const a = await byOpenFile(key, f, paths);
  expect(await byPool(key, f, paths)).toBe(a);
  return a;
}

function copyWith(name: string, from: string, change: (b: Buffer) => void): string {
  const p = path.join(tmp, name);
  copyFileSync(from, p);
  const b = readFileSync(p);
  change(b);
  writeFileSync(p, b);
  return p;
}

describe("verify pool (ADR 031) against the test vector", () => {
  it("opens every file of the vector with its content key, as openFile does", async () => {
    for (const f of manifest.files) expect(await same(KEY, f, sources(f).map((s) => s.path))).toBe(f.size);
    // Files of one bid run side by side.
    expect(await Promise.all(manifest.files.map((f) => pool.verifyFile(KEY, f, sources(f))))).toEqual(manifest.files.map((f) => f.size));
  });

  it("refuses what openFile refuses, with the same DECRYPT_FAILED", async () => {
    const f1 = file(1);
    const paths = sources(f1).map((s) => s.path);
    // A wrong key.
    expect(await same(new Uint8Array(32).fill(7), f1, paths)).toBe("DECRYPT_FAILED");
    // A flipped byte in a middle chunk (its hash and its tag both fail).
    const flipped = copyWith("flip.bin", paths[1]!, (b) => (b[10] = b[10]! ^ 1));
    expect(await same(KEY, f1, [paths[0]!, flipped, paths[2]!])).toBe("DECRYPT_FAILED");
    // Swapped chunks.
    expect(await same(KEY, f1, [paths[1]!, paths[0]!, paths[2]!])).toBe("DECRYPT_FAILED");
    // A chunk of another file in the right place, with a manifest that lists its hash (the AAD binds the position).
    const moved: ManifestFile = { ...f1, chunks: [f1.chunks[0]!, file(2).chunks[0]!, f1.chunks[2]!] };
    expect(await same(KEY, moved, [paths[0]!, chunkPath(2, 0), paths[2]!])).toBe("DECRYPT_FAILED");
    // The last chunk dropped, with a manifest that agrees (the final flag is in the AAD).
    const truncated: ManifestFile = { ...f1, chunks: f1.chunks.slice(0, 2), size: 131_072 };
    expect(await same(KEY, truncated, paths.slice(0, 2))).toBe("DECRYPT_FAILED");
    // A wrong plaintext hash or size in the manifest.
    expect(await same(KEY, { ...f1, sha256: "0".repeat(64) }, paths)).toBe("DECRYPT_FAILED");
    expect(await same(KEY, { ...f1, size: f1.size - 1 }, paths)).toBe("DECRYPT_FAILED");
  });

  it("refuses a missing chunk file and a chunk count that is not the manifest's", async () => {
    const f1 = file(1);
    const paths = sources(f1).map((s) => s.path);
    expect(await byPool(KEY, f1, [paths[0]!, path.join(tmp, "missing.bin"), paths[2]!])).toBe("DECRYPT_FAILED");
    expect(await byPool(KEY, f1, paths.slice(0, 2))).toBe("DECRYPT_FAILED");
    // The pool keeps working after refusals (more jobs than workers, queued).
    expect(await Promise.all(Array.from({ length: 6 }, () => pool.verifyFile(KEY, f1, sources(f1))))).toEqual(Array(6).fill(f1.size));
  });

  it("does not zero or keep the caller's key", async () => {
    const key = new Uint8Array(KEY);
    await pool.verifyFile(key, file(0), sources(file(0)));
    expect(Buffer.from(key).equals(Buffer.from(KEY))).toBe(true);
  });
});
