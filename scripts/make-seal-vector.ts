// `npx tsx scripts/make-seal-vector.ts [--force]`: writes the sealed-bid envelope v1 TEST
// VECTOR to test/fixtures/sealed-bid/ with the repository's own crypto modules and fixed
// inputs (docs/sealed-bid-format.md, "Test vector"). RSA-OAEP is randomised, so the vector
// is generated ONCE and committed; tests read it and never regenerate it. Refuses to
// overwrite an existing vector unless --force is given (which changes every wrapped key
// and therefore the manifest, its signature and its hash).
//
// TEST FIXTURE — the RSA keys written here are published: never use these keys.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalJson } from "#crypto/canonical-json";
import { generateUserKeyPair, importSigningKey, importWrapKey } from "#crypto/keys";
import { openingKid } from "#crypto/opening-key";
import { chunkAad, chunkNonce, toBase64, toHex, type Manifest, type ManifestFile } from "#crypto/seal/format";
import { importContentKey, manifestBytes, sealFile, signManifest, wrapFor } from "#crypto/seal/seal";

const DIR = fileURLToPath(new URL("../test/fixtures/sealed-bid/", import.meta.url));
const CHUNK_SIZE = 65_536; // BID_LIMITS.minChunkSize: several chunks with small files
const SECTION_ID = "00000000-0000-4000-8000-000000000001";
const BINARY_SIZE = 150_000; // 65,536 + 65,536 + 18,928: three chunks, the last one short
const BINARY_SEED = "TH-SEAL-v1 test vector file 1";
const WARNING = "TEST FIXTURE — never use these keys (published sealed-bid test vector, docs/sealed-bid-format.md)";

if (existsSync(path.join(DIR, "manifest.json")) && !process.argv.includes("--force")) {
  console.error(`${DIR}manifest.json exists: the vector is generated once and committed. Pass --force to replace it (every wrapped key, the manifest and its signature change).`);
  process.exit(2);
}

const sha256hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function pem(der: Uint8Array, label: "PRIVATE KEY" | "PUBLIC KEY"): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `${WARNING}\n-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** File 1: SHA-256(ASCII BINARY_SEED ‖ uint32_be(i)) for i = 0, 1, … concatenated, first BINARY_SIZE bytes. */
function binaryFile(): Uint8Array {
  const out = new Uint8Array(Math.ceil(BINARY_SIZE / 32) * 32);
  for (let i = 0; i * 32 < BINARY_SIZE; i++) {
    const ctr = Buffer.alloc(4);
    ctr.writeUInt32BE(i);
    out.set(createHash("sha256").update(Buffer.concat([Buffer.from(BINARY_SEED, "ascii"), ctr])).digest(), i * 32);
  }
  return out.slice(0, BINARY_SIZE);
}

async function* once(b: Uint8Array) {
  if (b.length) yield b;
}

const realFiles = [
  { name: "技术资料.bin", label: "file-1.bin", data: binaryFile() },
  { name: "空白附件.txt", label: "file-2.txt", data: new Uint8Array(0) },
];
// Exactly what app/client/sealed-upload.ts seals as file 0 (the real names travel only in here).
const form = { priceYuan: "11234567.89", durationDays: "540", quality: "合格", projectManager: "张伟（一级建造师）", remarks: "测试向量，非真实投标。" };
const formBytes = new TextEncoder().encode(JSON.stringify({ v: 1, form, files: realFiles.map((f) => ({ name: f.name, size: f.data.length })) }));
const plaintexts = [{ label: "bid-form.json", data: formBytes }, ...realFiles.map((f) => ({ label: f.label, data: f.data }))];

const bidder = await generateUserKeyPair(2048);
const opening = await generateUserKeyPair(2048);
// The fixture has no certificate; its bidder kid stands in for the certificate fingerprint (an opaque string to an opener).
const bidderKid = sha256hex(bidder.publicKeySpki);
const openKid = openingKid(SECTION_ID);

const contentKeyRaw = Uint8Array.from({ length: 32 }, (_, i) => i); // 00 01 02 … 1f
const ck = await importContentKey(contentKeyRaw);

rmSync(path.join(DIR, "chunks"), { recursive: true, force: true });
rmSync(path.join(DIR, "expected"), { recursive: true, force: true });
mkdirSync(path.join(DIR, "chunks"), { recursive: true });
mkdirSync(path.join(DIR, "expected"), { recursive: true });

const files: ManifestFile[] = [];
const chunkInfo: { path: string; size: number; sha256: string }[][] = [];
for (const [index, p] of plaintexts.entries()) {
  const info: { path: string; size: number; sha256: string }[] = [];
  files.push(
    await sealFile(
      ck,
      { index, name: p.label, data: once(p.data) },
      async (chunkIndex, ct) => {
        const rel = `chunks/${index}-${chunkIndex}.bin`;
        writeFileSync(path.join(DIR, rel), ct);
        info.push({ path: rel, size: ct.length, sha256: sha256hex(ct) });
      },
      CHUNK_SIZE,
    ),
  );
  chunkInfo.push(info);
  writeFileSync(path.join(DIR, `expected/${index}.bin`), p.data);
}

const manifest: Manifest = {
  v: 1,
  alg: "AES-256-GCM",
  chunkSize: CHUNK_SIZE,
  files,
  recipients: [
    await wrapFor({ kid: bidderKid, publicKey: await importWrapKey(bidder.publicKeySpki) }, ck),
    await wrapFor({ kid: openKid, publicKey: await importWrapKey(opening.publicKeySpki) }, ck),
  ],
};
const mBytes = manifestBytes(manifest);
const signature = await signManifest(manifest, await importSigningKey(bidder.privateKeyPkcs8));

writeFileSync(path.join(DIR, "manifest.json"), mBytes);
writeFileSync(path.join(DIR, "signature.b64"), toBase64(signature));
writeFileSync(path.join(DIR, "bidder-private.pem"), pem(bidder.privateKeyPkcs8, "PRIVATE KEY"));
writeFileSync(path.join(DIR, "bidder-public.pem"), pem(bidder.publicKeySpki, "PUBLIC KEY"));
writeFileSync(path.join(DIR, "opening-private.pem"), pem(opening.privateKeyPkcs8, "PRIVATE KEY"));
writeFileSync(path.join(DIR, "opening-public.pem"), pem(opening.publicKeySpki, "PUBLIC KEY"));
writeFileSync(path.join(DIR, "expected/SHA256SUMS"), plaintexts.map((p, i) => `${sha256hex(p.data)}  ${i}.bin\n`).join(""));

const hex = (b: Uint8Array) => toHex(b);
const vector = {
  warning: WARNING,
  format: "sealed-bid envelope v1 (docs/sealed-bid-format.md)",
  generatedBy: "npx tsx scripts/make-seal-vector.ts (once; committed — RSA-OAEP is randomised)",
  contentKey: hex(contentKeyRaw),
  chunkSize: CHUNK_SIZE,
  manifest: "manifest.json",
  manifestSha256: sha256hex(mBytes),
  signature: "signature.b64",
  signatureAlg: "RSASSA-PKCS1-v1_5 / SHA-256 over the exact bytes of manifest.json, verified with bidder-public.pem",
  recipients: [
    { role: "bidder", kid: bidderKid, kidIs: "SHA-256 hex of the SPKI DER in bidder-public.pem (the fixture has no certificate; in production: the certificate's SHA-256 fingerprint)", privateKey: "bidder-private.pem", publicKey: "bidder-public.pem" },
    { role: "opening", kid: openKid, kidIs: "opening:<sectionId>", privateKey: "opening-private.pem", publicKey: "opening-public.pem" },
  ],
  files: files.map((f, i) => ({
    index: f.index,
    name: f.name,
    size: f.size,
    sha256: f.sha256,
    plaintext: `expected/${i}.bin`,
    chunks: chunkInfo[i]!,
  })),
  bidForm: { realNames: realFiles.map((f) => f.name), form },
  binaryFile: `file 1 = SHA-256(ASCII "${BINARY_SEED}" ‖ uint32_be(i)) for i = 0, 1, … concatenated, first ${BINARY_SIZE} bytes`,
  examples: [
    { file: 1, chunk: 2, final: false, nonce: hex(chunkNonce(1, 2)), aad: hex(chunkAad(1, 2, false)) },
    { file: 1, chunk: 2, final: true, nonce: hex(chunkNonce(1, 2)), aad: hex(chunkAad(1, 2, true)), note: "file 1's last chunk in this vector" },
    { file: 2, chunk: 0, final: true, nonce: hex(chunkNonce(2, 0)), aad: hex(chunkAad(2, 0, true)), note: "the empty file's one empty chunk" },
  ],
};
writeFileSync(path.join(DIR, "vector.json"), `${JSON.stringify(vector, null, 2)}\n`);

// Self-check: the manifest file is canonical JSON of itself.
if (canonicalJson(JSON.parse(new TextDecoder().decode(mBytes))) !== new TextDecoder().decode(mBytes)) throw new Error("manifest is not canonical");
console.log(`wrote ${DIR} (manifest sha256 ${vector.manifestSha256}; chunks ${files.map((f) => f.chunks.length).join("+")})`);
