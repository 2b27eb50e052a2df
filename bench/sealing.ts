// Sealing benchmark (docs/product.md §5: ≥ 400 MB/s AES-256-GCM on a 1 GiB file, memory flat).
// Runs the browser's sealing module (crypto/seal/seal.ts, WebCrypto) in Node over a 1 GiB
// file read from disk, for each chunk size and hashing choice, each configuration in its own
// child process so its peak RSS is its own. Baselines in the same run: raw node:crypto
// AES-256-GCM and raw WebCrypto AES-GCM over the same file and chunking, no hashing.
// Usage: npx tsx bench/sealing.ts [--mib 1024] [--runs 2]
import { spawnSync } from "node:child_process";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createSHA256 } from "hash-wasm";
import { chunkAad, chunkNonce } from "#crypto/seal/format";
import { bs, fixedChunks, importContentKey, sealFile, type HashOptions } from "#crypto/seal/seal";
import { formatNumber, reportFigures, type Figure } from "./lib/report";

const { values } = parseArgs({
  options: {
    mib: { type: "string", default: "1024" },
    runs: { type: "string", default: "2" },
    // Internal: run one configuration on an existing file and print one JSON line.
    one: { type: "string" },
    file: { type: "string" },
    chunk: { type: "string" },
  },
});

const MiB = 1024 * 1024;

async function hashingFor(name: string): Promise<HashOptions> {
  if (name === "node") {
    return {
      createSha256: () => {
        const h = createHash("sha256");
        return { update: (b: Uint8Array) => h.update(b), digest: () => new Uint8Array(h.digest()) };
      },
      digestChunk: (ct) => new Uint8Array(createHash("sha256").update(ct).digest()),
    };
  }
  if (name === "hash-wasm") {
    // What the browser uses (app/client/sealed-upload.ts): hash-wasm for the stream, WebCrypto per chunk.
    const first = await createSHA256();
    let spare: typeof first | null = first;
    return {
      createSha256: () => {
        const h = spare ?? first;
        spare = null;
        h.init();
        return { update: (b: Uint8Array) => h.update(b), digest: () => h.digest("binary") };
      },
    };
  }
  return {}; // the module's defaults: @noble/hashes for the stream, WebCrypto per chunk
}

async function runOne(kind: string, file: string, chunkSize: number) {
  const source = () => createReadStream(file, { highWaterMark: 4 * MiB }) as AsyncIterable<Uint8Array>;
  let bytes = 0;
  const start = performance.now();
  if (kind === "raw-node") {
    const key = randomBytes(32);
    let i = 0;
    for await (const { bytes: b, final } of fixedChunks(source(), chunkSize)) {
      const c = createCipheriv("aes-256-gcm", key, chunkNonce(0, i));
      c.setAAD(chunkAad(0, i, final));
      const out = c.update(b);
      c.final();
      bytes += out.length + c.getAuthTag().length;
      i++;
    }
  } else if (kind === "raw-webcrypto") {
    const ck = await importContentKey(new Uint8Array(randomBytes(32)));
    let i = 0;
    for await (const { bytes: b, final } of fixedChunks(source(), chunkSize)) {
      const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: bs(chunkNonce(0, i)), additionalData: bs(chunkAad(0, i, final)), tagLength: 128 }, ck.key, bs(b));
      bytes += ct.byteLength;
      i++;
    }
  } else {
    const ck = await importContentKey(new Uint8Array(randomBytes(32)));
    const hashing = await hashingFor(kind.replace(/^seal-/, ""));
    await sealFile(ck, { index: 0, name: "bid.bin", data: source() }, async (_i, ct) => void (bytes += ct.length), chunkSize, hashing);
  }
  const seconds = (performance.now() - start) / 1000;
  const plainBytes = bytes - Math.ceil(bytes / (chunkSize + 16)) * 16;
  console.log(JSON.stringify({ kind, chunkMiB: chunkSize / MiB, seconds, mbPerSec: plainBytes / 1e6 / seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

if (values.one) {
  await runOne(values.one, values.file!, Number(values.chunk));
  process.exit(0);
}

// Parent: write the file once, run every configuration in a child process.
const dir = mkdtempSync(path.join(tmpdir(), "th-bench-seal-"));
const file = path.join(dir, "bid.bin");
const fd = openSync(file, "w");
for (let i = 0; i < Number(values.mib); i++) writeSync(fd, randomBytes(MiB));
closeSync(fd);
const configs: [string, number][] = [];
for (const chunk of [1, 4]) {
  for (const kind of ["raw-node", "raw-webcrypto", "seal-noble", "seal-hash-wasm", "seal-node"]) configs.push([kind, chunk * MiB]);
}
const results: Record<string, { mbPerSec: number[]; peakRssMiB: number[] }> = {};
try {
  for (let run = 0; run < Number(values.runs); run++) {
    for (const [kind, chunk] of configs) {
      const r = spawnSync(process.execPath, ["--import", "tsx", import.meta.filename, "--one", kind, "--file", file, "--chunk", String(chunk)], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${kind} failed: ${r.stderr}`);
      const line = JSON.parse(r.stdout.trim().split("\n").pop()!) as { mbPerSec: number; peakRssMiB: number };
      const k = `${kind} @ ${chunk / MiB} MiB`;
      (results[k] ??= { mbPerSec: [], peakRssMiB: [] }).mbPerSec.push(line.mbPerSec);
      results[k].peakRssMiB.push(line.peakRssMiB);
      console.error(k, line.mbPerSec.toFixed(0), "MB/s", line.peakRssMiB.toFixed(0), "MiB RSS");
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nfile: ${values.mib} MiB, runs: ${values.runs} (best MB/s, max peak RSS)`);
console.log("| configuration | MB/s | peak RSS |\n|---|---|---|");
for (const [k, v] of Object.entries(results)) {
  console.log(`| ${k} | ${Math.max(...v.mbPerSec).toFixed(0)} | ${Math.max(...v.peakRssMiB).toFixed(0)} MiB |`);
}
// The figures the target talks about (≥ 400 MB/s), each against its raw baseline of the same run and chunk size.
const bestOf = (k: string) => (results[k] ? Math.max(...results[k].mbPerSec) : NaN);
const figures: Figure[] = [];
for (const chunk of [1, 4]) {
  figures.push(
    { id: `seal-node-${chunk}`, label: `sealFile, node:crypto hashing, ${chunk} MiB chunks (${formatNumber(Number(values.mib))} MiB file)`, value: Math.round(bestOf(`seal-node @ ${chunk} MiB`)), unit: "MB/s", baseline: { label: "raw node:crypto AES-256-GCM", value: Math.round(bestOf(`raw-node @ ${chunk} MiB`)) }, target: { kind: "min", value: 400 } },
    { id: `seal-hash-wasm-${chunk}`, label: `sealFile, hash-wasm (the browser client's), ${chunk} MiB chunks`, value: Math.round(bestOf(`seal-hash-wasm @ ${chunk} MiB`)), unit: "MB/s", baseline: { label: "raw WebCrypto AES-GCM", value: Math.round(bestOf(`raw-webcrypto @ ${chunk} MiB`)) }, target: { kind: "min", value: 400 } },
  );
}
reportFigures("sealing", figures);
