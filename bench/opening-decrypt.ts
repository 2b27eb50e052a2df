// Opening decryption (docs/product.md §5: 200 bids × 50 MB decrypted and verified at ≥ 50 % of raw
// AES-GCM speed).
// Setup (not measured): `--bids` bidder organisations with certificates enrolled from CSRs each
// seal a bid (the bid form as file 0, a `--mib` MiB file as file 1, 1 MiB chunks, bidder key
// model) and submit it in this process through the real bid services (beginBidUpload, one
// putBidChunk per ciphertext chunk: blob store with fsync and chunk row, completeBidUpload),
// streaming: at most a few chunks per bid are in memory. The plaintext is a random 1 MiB block
// with a fresh random 32-byte head per chunk (every chunk and file distinct; AES-GCM and
// SHA-256 cost does not depend on the bytes). The deadline is then moved into the past, the
// hall opens and every bidder checks in.
// Measured: every bidder's content key released through `releaseBidKey` — the real service
// path: stored manifest hash and bidder signature re-checked, every ciphertext chunk read from
// the blob store and its SHA-256 checked against the signed manifest, AES-256-GCM decryption
// with its position-bound nonce and AAD, the plaintext SHA-256 and size checked, the plaintext
// streamed into the blob store (fsync), the `opening.progress` command; after the last bid the
// 唱标 command — with `--concurrency` releases in flight (default: 1, then 2). Between runs
// (not measured) the plaintext blobs are deleted and the bids are set back to pending (the
// same rows the first run changed), so each run decrypts and writes the same bytes.
// Reference, in the same process and run, before and after the service runs: raw AES-256-GCM
// decryption with node:crypto from memory, 1 MiB chunks, as many bytes as all bids hold.
// Breakdown (to explain the ratio, `--breakdown-mib` from memory): raw WebCrypto AES-GCM, the
// SHA-256 implementations the path uses, and writing that much to the data folder with fsync.
// Needs the local PostgreSQL (and disk: ciphertext + one run's plaintext; checked first).
// Usage: npx tsx bench/opening-decrypt.ts [--bids 200] [--mib 50] [--concurrency 1,2] [--upload-parallel 4] [--breakdown-mib 1024]
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync, statfsSync, writeFileSync } from "node:fs";
import { open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sha256 as nobleSha256 } from "@noble/hashes/sha256";
import { eq, sql } from "drizzle-orm";
import { importSigningKey, importWrapKey } from "#crypto/keys";
import { BID_FORM_NAME, fileLabel, toBase64, type Manifest, type ManifestFile } from "#crypto/seal/format";
import { importContentKey, sealFile, signManifest, wrapFor, type HashOptions } from "#crypto/seal/seal";
import { bidOpenings, openings } from "#db/schema/index";
import { beginBidUpload, completeBidUpload, putBidChunk } from "#app/services/bids/bids.server";
import { openHall, releaseBidKey } from "#app/services/opening/opening.server";
import { bidFormBytes } from "../server/demo-bids";
import type { Bidder } from "../test/helpers/opening";
import { checkInAs } from "../test/helpers/opening";
import { makeActor, setBidDeadline } from "../test/helpers/factories";
import { enrollFor } from "../test/helpers/pki";
import { benchEnv, MiB, percentile, publishedSection } from "./lib/bid-env";
import { formatNumber, reportFigures } from "./lib/report";

const { values } = parseArgs({
  options: {
    bids: { type: "string", default: "200" },
    mib: { type: "string", default: "50" },
    concurrency: { type: "string", default: "1,2" },
    "upload-parallel": { type: "string", default: "4" },
    "breakdown-mib": { type: "string", default: "1024" },
  },
});
const BIDS = Number(values.bids);
const SIZE = Math.round(Number(values.mib) * MiB);
const CHUNK = MiB;
const CONCURRENCY = values.concurrency!.split(",").map(Number);
const UPLOAD_PARALLEL = Number(values["upload-parallel"]);

// Disk: all ciphertext stays; one run's plaintext at a time (deleted between runs).
const fs = statfsSync(tmpdir());
const freeBytes = fs.bavail * fs.bsize;
const needBytes = 2 * BIDS * SIZE + 2 * 1024 ** 3;
console.error(`disk free under ${tmpdir()}: ${(freeBytes / 1e9).toFixed(1)} GB; needed ${(needBytes / 1e9).toFixed(1)} GB`);
if (freeBytes < needBytes) {
  console.error(`not enough disk for ${BIDS} × ${values.mib} MiB; pass a smaller --bids or --mib`);
  process.exit(2);
}

const nodeHashing: HashOptions = {
  createSha256: () => {
    const h = createHash("sha256");
    return { update: (b: Uint8Array) => h.update(b), digest: () => new Uint8Array(h.digest()) };
  },
  digestChunk: (ct) => new Uint8Array(createHash("sha256").update(ct).digest()),
};

const env = await benchEnv("decrypt");
try {
  const { projectId, sectionId } = await publishedSection(env.app);
  const pool = randomBytes(CHUNK);

  // Setup: seal and submit every bid through the services, streaming.
  let t = performance.now();
  const bidders: Bidder[] = new Array(BIDS);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(UPLOAD_PARALLEL, BIDS) }, async () => {
      while (next < BIDS) {
        const i = next++;
        const actor = await makeActor(env.app, "bidder", `投标单位${i + 1}`);
        const cert = await enrollFor(env.app, actor);
        const rawKey = new Uint8Array(randomBytes(32));
        const ck = await importContentKey(rawKey);
        const recipients = [await wrapFor({ kid: cert.fingerprint, publicKey: await importWrapKey(cert.publicKeySpki) }, ck)];
        const name = "投标文件.bin";
        const form = bidFormBytes({ priceYuan: String(9_000_000 + i * 1000), durationDays: "540", quality: "合格", projectManager: "陈建国" }, [{ name, size: SIZE }]);
        // The manifest names files by label (docs/sealed-bid-format.md §2); the opening checks them against the form (§7 step 5).
        const declared = [
          { index: 0, name: BID_FORM_NAME, size: form.length },
          { index: 1, name: fileLabel(1, name), size: SIZE },
        ];
        const { uploadId } = await beginBidUpload(env.app, actor, sectionId, { certificateId: cert.certificateId, chunkSize: CHUNK, files: declared, recipients });
        const files: ManifestFile[] = [];
        const sources = [
          (async function* () {
            yield form;
          })(),
          (async function* () {
            for (let left = SIZE; left > 0; left -= CHUNK) {
              const b = Buffer.from(pool.subarray(0, Math.min(CHUNK, left)));
              randomBytes(32).copy(b, 0);
              yield new Uint8Array(b.buffer, b.byteOffset, b.length);
            }
          })(),
        ];
        for (const [index, data] of sources.entries()) {
          files.push(
            await sealFile(
              ck,
              { index, name: declared[index]!.name, data },
              async (chunk, ct) => {
                await putBidChunk(env.app, actor, uploadId, index, chunk, once(ct));
              },
              CHUNK,
              nodeHashing,
            ),
          );
        }
        const manifest: Manifest = { v: 1, alg: "AES-256-GCM", chunkSize: CHUNK, files, recipients };
        const signature = Buffer.from(await signManifest(manifest, await importSigningKey(cert.privateKeyPkcs8))).toString("base64");
        const done = await completeBidUpload(env.app, actor, uploadId, { manifest, signature });
        bidders[i] = { actor, cert, rawKey, bidId: done.bidId };
        if ((i + 1) % 20 === 0) console.error(`  ${i + 1} bids submitted (${((performance.now() - t) / 1000).toFixed(0)} s)`);
      }
    }),
  );
  const totalPlain = BIDS * SIZE;
  console.error(`${BIDS} bids of ${values.mib} MiB sealed and submitted through the services in ${((performance.now() - t) / 1000).toFixed(0)} s`);

  await setBidDeadline(env.app, projectId, new Date(Date.now() - 1000));
  if ((await openHall(env.app, sectionId)) !== "decryption") throw new Error("hall did not open");
  t = performance.now();
  for (const b of bidders) await checkInAs(env.app, b, sectionId);
  console.error(`hall open, ${BIDS} check-ins in ${((performance.now() - t) / 1000).toFixed(0)} s`);

  const rawBefore = rawNodeGcm(totalPlain);
  console.error(`raw node:crypto AES-256-GCM (before): ${rawBefore.mbPerSec.toFixed(0)} MB/s`);

  const runs: { concurrency: number; seconds: number; mbPerSec: number; perBidP50ms: number; perBidP99ms: number; peakRssMiB: number; cpuPercent: number }[] = [];
  for (const [r, c] of CONCURRENCY.entries()) {
    if (r > 0) await reset(sectionId);
    const stopSampler = rssSampler();
    const perBid: number[] = [];
    let k = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (k < BIDS) {
          const b = bidders[k++]!;
          const s = performance.now();
          await releaseBidKey(env.app, b.actor, sectionId, toBase64(b.rawKey));
          perBid.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const peak = stopSampler();
    const [o] = await env.app.db.select({ phase: openings.phase }).from(openings).where(eq(openings.sectionId, sectionId));
    const opened = await env.app.db.select({ state: bidOpenings.state }).from(bidOpenings).where(eq(bidOpenings.sectionId, sectionId));
    if (opened.some((x) => x.state !== "decrypted") || o?.phase !== "reading") throw new Error(`run ${c}: not every bid decrypted (phase ${o?.phase})`);
    perBid.sort((a, b) => a - b);
    runs.push({
      concurrency: c,
      seconds: round(seconds),
      mbPerSec: round(totalPlain / 1e6 / seconds),
      perBidP50ms: Math.round(percentile(perBid, 50)),
      perBidP99ms: Math.round(percentile(perBid, 99)),
      peakRssMiB: Math.round(peak),
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 100),
    });
    console.error(`releaseBidKey × ${BIDS}, ${c} in flight: ${seconds.toFixed(1)} s, ${(totalPlain / 1e6 / seconds).toFixed(0)} MB/s, peak RSS ${peak.toFixed(0)} MiB`);
  }

  const rawAfter = rawNodeGcm(totalPlain);
  console.error(`raw node:crypto AES-256-GCM (after): ${rawAfter.mbPerSec.toFixed(0)} MB/s`);
  const raw = Math.max(rawBefore.mbPerSec, rawAfter.mbPerSec);
  const breakdownBytes = Number(values["breakdown-mib"]) * MiB;
  const breakdown = await breakdownFigures(breakdownBytes);

  const result = {
    bids: BIDS,
    mibPerBid: Number(values.mib),
    totalGB: round(totalPlain / 1e9),
    chunkMiB: CHUNK / MiB,
    rawNodeGcmMBps: { before: round(rawBefore.mbPerSec), after: round(rawAfter.mbPerSec), rssMiB: Math.round(rawAfter.peakRssMiB) },
    runs: runs.map((x) => ({ ...x, ratioToRaw: `${((x.mbPerSec / raw) * 100).toFixed(1)} %` })),
    breakdownFromMemory: breakdown,
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(`\n${BIDS} bids × ${values.mib} MiB (${(totalPlain / 1e9).toFixed(1)} GB), 1 MiB chunks; raw node:crypto AES-256-GCM from memory ${raw.toFixed(0)} MB/s (best of before/after)`);
  console.log("| path | in flight | MB/s | ratio to raw AES-GCM | per bid p50 / p99 | peak RSS |\n|---|---|---|---|---|---|");
  for (const x of result.runs) console.log(`| releaseBidKey (service) | ${x.concurrency} | ${x.mbPerSec.toFixed(0)} | ${x.ratioToRaw} | ${x.perBidP50ms} / ${x.perBidP99ms} ms | ${x.peakRssMiB} MiB |`);
  reportFigures(
    "opening-decrypt",
    runs.map((x) => ({
      id: `releaseBidKey-${x.concurrency}`,
      label: `releaseBidKey, ${formatNumber(BIDS)} × ${values.mib} MiB, ${x.concurrency} in flight`,
      value: Math.round(x.mbPerSec),
      unit: "MB/s",
      baseline: { label: "raw node:crypto AES-256-GCM", value: Math.round(raw) }, // best of before/after the runs
      target: { kind: "minRatio" as const, value: 0.5 },
    })),
  );
} finally {
  await env.close();
}
process.exit(0);

async function* once(b: Uint8Array) {
  yield b;
}

/** Sets every bid of the section back to pending and deletes the plaintext the previous run wrote. */
async function reset(sectionId: string) {
  const rows = await env.app.db.select({ files: bidOpenings.files }).from(bidOpenings).where(eq(bidOpenings.sectionId, sectionId));
  for (const r of rows) for (const f of r.files ?? []) await env.app.blobs.delete(f.sha256);
  await env.app.db.update(bidOpenings).set({ state: "pending", openedBy: null, openedAt: null, files: null, form: null, lastError: null }).where(eq(bidOpenings.sectionId, sectionId));
  await env.app.db
    .update(openings)
    .set({ phase: "decryption", reading: null, readAt: null, decryptionEndsAt: sql`now() + interval '60 minutes'` })
    .where(eq(openings.sectionId, sectionId));
}

/** Raw AES-256-GCM decryption (node:crypto) of `total` bytes from memory in 1 MiB chunks (64 distinct chunks, cycled). */
function rawNodeGcm(total: number) {
  const key = randomBytes(32);
  const chunks = Array.from({ length: 64 }, (_, i) => {
    const iv = Buffer.alloc(12);
    iv.writeUInt32BE(i, 8);
    const aad = Buffer.from(`aad-${i}`);
    const c = createCipheriv("aes-256-gcm", key, iv).setAAD(aad);
    const ct = Buffer.concat([c.update(randomBytes(CHUNK)), c.final()]);
    return { iv, aad, ct, tag: c.getAuthTag() };
  });
  const stop = rssSampler();
  const start = performance.now();
  let done = 0;
  for (let i = 0; done < total; i++) {
    const c = chunks[i % chunks.length]!;
    const d = createDecipheriv("aes-256-gcm", key, c.iv).setAAD(c.aad).setAuthTag(c.tag);
    const pt = d.update(c.ct);
    d.final();
    done += pt.length;
  }
  const seconds = (performance.now() - start) / 1000;
  return { mbPerSec: done / 1e6 / seconds, peakRssMiB: stop() };
}

/** The pieces of the service path, each alone over `total` bytes from memory (1 MiB chunks). */
async function breakdownFigures(total: number) {
  const chunk = new Uint8Array(randomBytes(CHUNK));
  const raw = new Uint8Array(randomBytes(32));
  const key = await globalThis.crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  const iv = new Uint8Array(12);
  const ct = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: "AES-GCM", iv, tagLength: 128 }, key, chunk));
  const n = Math.ceil(total / CHUNK);
  const time = async (f: () => Promise<void> | void) => {
    const s = performance.now();
    for (let i = 0; i < n; i++) await f();
    return round((n * CHUNK) / 1e6 / ((performance.now() - s) / 1000));
  };
  const webcryptoGcmDecrypt = await time(async () => {
    await globalThis.crypto.subtle.decrypt({ name: "AES-GCM", iv, tagLength: 128 }, key, ct);
  });
  const webcryptoSha256 = await time(async () => {
    await globalThis.crypto.subtle.digest("SHA-256", ct);
  });
  const nodeSha256 = await time(() => {
    createHash("sha256").update(chunk).digest();
  });
  const h = nobleSha256.create();
  const nobleSha256MBps = await time(() => {
    h.update(chunk);
  });
  h.digest();
  // The plaintext's way to disk: 1 MiB writes into the data folder, one fsync at the end (as the blob store).
  const file = path.join(env.dataDir, "disk-probe.bin");
  const fh = await open(file, "w");
  const ds = performance.now();
  for (let i = 0; i < n; i++) await fh.write(chunk);
  await fh.sync();
  const diskWriteFsync = round((n * CHUNK) / 1e6 / ((performance.now() - ds) / 1000));
  await fh.close();
  await rm(file, { force: true });
  return { mib: total / MiB, webcryptoGcmDecrypt, webcryptoSha256, nodeSha256, nobleSha256: nobleSha256MBps, diskWriteFsync };
}

/** Peak resident set from now on: clears this process's VmHWM (Linux clear_refs 5), samples VmRSS as a fallback. */
function rssSampler(): () => number {
  let cleared = true;
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    cleared = false;
  }
  const read = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? NaN) / 1024;
  let max = read("VmRSS");
  const timer = setInterval(() => (max = Math.max(max, read("VmRSS"))), 100);
  return () => {
    clearInterval(timer);
    return Math.max(max, read("VmRSS"), cleared ? read("VmHWM") : 0);
  };
}

function round(x: number) {
  return Math.round(x * 10) / 10;
}
