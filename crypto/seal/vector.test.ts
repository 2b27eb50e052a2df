import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../canonical-json";
import { importSigningKey, importUnwrapKey, importVerifyKey } from "../keys";
import { chunkAad, chunkNonce, fileLabel, fromBase64, SealError, toBase64, toHex, type Manifest, type ManifestFile } from "./format";
import { openFile, unwrapContentKey, verifyManifest } from "./open";
import { bs, importContentKey, manifestBytes, sealFile, signManifest } from "./seal";

/**
 * The committed sealed-bid test vector (test/fixtures/sealed-bid/, made ONCE by
 * scripts/make-seal-vector.ts — RSA-OAEP is randomised, so it is never regenerated here).
 * Opened with this repository's code and with an independent JDK-only opener
 * (OpenBid.java), both from docs/sealed-bid-format.md.
 */
const DIR = fileURLToPath(new URL("../../test/fixtures/sealed-bid/", import.meta.url));
const at = (rel: string) => path.join(DIR, rel);
const bytes = (rel: string) => new Uint8Array(readFileSync(at(rel)));
const sha256hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const derOf = (pem: string) => {
  const m = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END [A-Z ]+-----/.exec(pem);
  if (!m) throw new Error("no PEM block");
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
};

type Vector = {
  contentKey: string;
  chunkSize: number;
  manifestSha256: string;
  recipients: { role: "bidder" | "opening"; kid: string; privateKey: string; publicKey: string }[];
  files: { index: number; name: string; size: number; sha256: string; plaintext: string; chunks: { path: string; size: number; sha256: string }[] }[];
  examples: { file: number; chunk: number; final: boolean; nonce: string; aad: string }[];
};
const vector = JSON.parse(readFileSync(at("vector.json"), "utf8")) as Vector;
const manifestText = readFileSync(at("manifest.json"), "utf8");
const manifest = JSON.parse(manifestText) as Manifest;
const signature = fromBase64(readFileSync(at("signature.b64"), "ascii").trim());
const recipient = (role: "bidder" | "opening") => vector.recipients.find((r) => r.role === role)!;
const privateKey = (role: "bidder" | "opening") => importUnwrapKey(derOf(readFileSync(at(recipient(role).privateKey), "utf8")));
const bidderVerifyKey = () => importVerifyKey(derOf(readFileSync(at(recipient("bidder").publicKey), "utf8")));
const storedChunks = (f: number) => vector.files[f]!.chunks.map((c) => bytes(c.path));
const expected = (f: number) => bytes(vector.files[f]!.plaintext);

async function* list(chunks: Uint8Array[]) {
  for (const c of chunks) yield c;
}

async function openAll(key: CryptoKey, file: ManifestFile, chunks: Uint8Array[]): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  await openFile(key, file, list(chunks), async (p) => void out.push(p));
  return new Uint8Array(Buffer.concat(out));
}

async function failsToOpen(key: CryptoKey, file: ManifestFile, chunks: Uint8Array[]) {
  const err = await openFile(key, file, list(chunks), async () => {}).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SealError);
  expect((err as SealError).code).toBe("DECRYPT_FAILED");
}

describe("sealed-bid test vector (docs/sealed-bid-format.md)", () => {
  it("is complete: three files of 1, 3 (last one short) and 1 (empty) chunks at the minimum chunk size", () => {
    expect(manifest.chunkSize).toBe(65_536);
    expect(manifest.files.map((f) => f.chunks.length)).toEqual([1, 3, 1]);
    expect(manifest.files.map((f) => f.name)).toEqual(["bid-form.json", "file-1.bin", "file-2.txt"]);
    expect(vector.files[1]!.chunks.map((c) => c.size)).toEqual([65_536 + 16, 65_536 + 16, 150_000 - 2 * 65_536 + 16]);
    expect(vector.files[2]!.chunks.map((c) => c.size)).toEqual([16]);
    expect(manifest.recipients.map((r) => r.kid)).toEqual([recipient("bidder").kid, recipient("opening").kid]);
    for (const [i, f] of vector.files.entries()) {
      const plain = expected(i);
      expect(plain.length).toBe(f.size);
      expect(sha256hex(plain)).toBe(f.sha256);
      expect(manifest.files[i]).toMatchObject({ index: i, size: f.size, sha256: f.sha256 });
      for (const [c, chunk] of f.chunks.entries()) {
        const stored = bytes(chunk.path);
        expect(chunk.path).toBe(`chunks/${i}-${c}.bin`);
        expect(stored.length).toBe(chunk.size);
        expect(sha256hex(stored)).toBe(manifest.files[i]!.chunks[c]);
      }
    }
    // File 0 is the sealed bid form: the real file names and sizes of files 1..n.
    const form = JSON.parse(new TextDecoder().decode(expected(0))) as { v: number; form: Record<string, string>; files: { name: string; size: number }[] };
    expect(form.v).toBe(1);
    expect(form.form.projectManager).toContain("张伟");
    expect(form.files.map((f) => f.size)).toEqual([vector.files[1]!.size, vector.files[2]!.size]);
    // §7 step 5: the manifest lists exactly these files, each under the label of its real name (§2).
    expect(form.files.map((f, i) => fileLabel(i + 1, f.name))).toEqual(manifest.files.slice(1).map((f) => f.name));
  });

  it("manifest.json is byte for byte the canonical JSON of the manifest, and its hash is the recorded one", () => {
    expect(canonicalJson(manifest)).toBe(manifestText);
    expect(Buffer.from(manifestBytes(manifest)).equals(readFileSync(at("manifest.json")))).toBe(true);
    expect(sha256hex(manifestBytes(manifest))).toBe(vector.manifestSha256);
  });

  it("the manifest signature verifies with the bidder's public key, and not for a changed manifest or another key", async () => {
    const key = await bidderVerifyKey();
    expect(await verifyManifest(manifest, signature, key)).toBe(true);
    expect(await verifyManifest({ ...manifest, chunkSize: 131_072 }, signature, key)).toBe(false);
    const swapped = { ...manifest, files: [manifest.files[0]!, { ...manifest.files[1]!, chunks: [...manifest.files[1]!.chunks].reverse() }, manifest.files[2]!] };
    expect(await verifyManifest(swapped, signature, key)).toBe(false);
    const other = await importVerifyKey(derOf(readFileSync(at(recipient("opening").publicKey), "utf8")));
    expect(await verifyManifest(manifest, signature, other)).toBe(false);
  });

  it("nonce and AAD are laid out as the worked examples", () => {
    expect(vector.examples.length).toBeGreaterThan(0);
    for (const e of vector.examples) {
      expect(toHex(chunkNonce(e.file, e.chunk))).toBe(e.nonce);
      expect(toHex(chunkAad(e.file, e.chunk, e.final))).toBe(e.aad);
    }
    // The values printed in docs/sealed-bid-format.md.
    expect(toHex(chunkNonce(1, 2))).toBe("000000010000000000000002");
    expect(toHex(chunkAad(1, 2, false))).toBe("54482d5345414c2d763100000001000000000000000200");
    expect(toHex(chunkAad(1, 2, true))).toBe("54482d5345414c2d763100000001000000000000000201");
    expect(toHex(chunkAad(2, 0, true))).toBe("54482d5345414c2d763100000002000000000000000001");
    expect(toHex(bytes("chunks/2-0.bin"))).toBe("b1532bace9f23da4bbeab0056fbb040f"); // the empty chunk: just the tag
  });

  for (const role of ["bidder", "opening"] as const) {
    it(`the ${role} key unwraps the content key and every file opens to the expected plaintext`, async () => {
      const priv = await privateKey(role);
      const raw = new Uint8Array(await globalThis.crypto.subtle.decrypt({ name: "RSA-OAEP" }, priv, bs(fromBase64(manifest.recipients.find((r) => r.kid === recipient(role).kid)!.wrappedKey))));
      expect(toHex(raw)).toBe(vector.contentKey);
      const key = await unwrapContentKey(manifest, recipient(role).kid, priv);
      for (const [i, f] of manifest.files.entries()) {
        const plain = await openAll(key, f, storedChunks(i));
        expect(Buffer.from(plain).equals(Buffer.from(expected(i)))).toBe(true);
      }
    });
  }

  it("re-sealing the expected plaintexts with the vector's content key reproduces every stored chunk (deterministic per key and position)", async () => {
    const ck = await importContentKey(fromHexBytes(vector.contentKey));
    for (const [i, f] of manifest.files.entries()) {
      const got: Uint8Array[] = [];
      const entry = await sealFile(ck, { index: i, name: f.name, data: list(expected(i).length ? [expected(i)] : []) }, async (c, ct) => void (got[c] = ct), manifest.chunkSize);
      expect(entry).toEqual(f);
      expect(got.map((c) => sha256hex(c))).toEqual(f.chunks);
    }
  });

  describe("refuses tampering with one generic SealError", () => {
    const f1 = () => manifest.files[1]!;
    const opened = async () => unwrapContentKey(manifest, recipient("opening").kid, await privateKey("opening"));
    const withHashes = (f: ManifestFile, chunks: Uint8Array[], size = f.size): ManifestFile => ({ ...f, size, chunks: chunks.map(sha256hex) });

    it("one flipped byte in a chunk (also when the manifest hash is forged to match)", async () => {
      const key = await opened();
      const chunks = storedChunks(1);
      chunks[1] = chunks[1]!.slice();
      chunks[1][1234]! ^= 0x01;
      await failsToOpen(key, f1(), chunks);
      await failsToOpen(key, withHashes(f1(), chunks), chunks); // the GCM tag catches it
      const tag = storedChunks(1);
      tag[2] = tag[2]!.slice();
      tag[2][tag[2].length - 1]! ^= 0x80; // last byte of the tag
      await failsToOpen(key, withHashes(f1(), tag), tag);
    });

    it("two chunks swapped (also with the manifest's hashes swapped to match)", async () => {
      const key = await opened();
      const [a, b, c] = storedChunks(1);
      await failsToOpen(key, f1(), [b!, a!, c!]);
      await failsToOpen(key, withHashes(f1(), [b!, a!, c!]), [b!, a!, c!]); // the nonce and AAD bind the position
    });

    it("the last chunk dropped (also with a manifest forged to end one chunk earlier)", async () => {
      const key = await opened();
      const chunks = storedChunks(1).slice(0, 2);
      await failsToOpen(key, f1(), chunks);
      const plain = expected(1).subarray(0, 2 * 65_536);
      await failsToOpen(key, { ...withHashes(f1(), chunks, plain.length), sha256: sha256hex(plain) }, chunks); // the final flag in the AAD
      await failsToOpen(key, manifest.files[2]!, []); // the empty file's one empty chunk is required too
    });

    it("a chunk moved to another file", async () => {
      const key = await opened();
      const moved = [storedChunks(0)[0]!];
      await failsToOpen(key, withHashes(manifest.files[2]!, moved, 264), moved);
    });

    it("a wrong private key, or a kid that is not a recipient", async () => {
      await expect(unwrapContentKey(manifest, recipient("bidder").kid, await privateKey("opening"))).rejects.toSatisfy((e) => e instanceof SealError && e.code === "KEY_UNWRAP_FAILED");
      await expect(unwrapContentKey(manifest, recipient("opening").kid, await privateKey("bidder"))).rejects.toSatisfy((e) => e instanceof SealError && e.code === "KEY_UNWRAP_FAILED");
      await expect(unwrapContentKey(manifest, "opening:someone-else", await privateKey("opening"))).rejects.toBeInstanceOf(SealError);
    });
  });
});

function fromHexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

// ---- The independent opener: test/fixtures/sealed-bid/OpenBid.java, JDK only, source-file mode ----

const JAVA_OPENER = at("OpenBid.java");
const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), "th-openbid-"));
  tmp.push(d);
  return d;
};

type JavaRun = { status: number | null; stdout: string; stderr: string };

function runJava(args: string[]): Promise<JavaRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("java", [JAVA_OPENER, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "ENOENT"
          ? new Error(
              "`java` was not found on PATH. The sealed-bid format is checked against an independent JDK-only opener " +
                "(test/fixtures/sealed-bid/OpenBid.java); install a JDK 17 or later (Debian: apt-get install default-jdk-headless — .ci/run does this).",
            )
          : e,
      ),
    );
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("the independent Java opener (OpenBid.java, JDK only)", () => {
  for (const role of ["bidder", "opening"] as const) {
    it(`opens the vector with the ${role} key to exactly the expected plaintexts`, { timeout: 120_000 }, async () => {
      const out = tempDir();
      const r = await runJava([DIR, at(recipient(role).privateKey), recipient(role).kid, out]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`OK: 3 files opened with ${recipient(role).kid}`);
      for (const [i, f] of vector.files.entries()) {
        const got = readFileSync(path.join(out, `${i}.bin`));
        expect(got.equals(Buffer.from(expected(i)))).toBe(true);
        expect(r.stdout).toContain(`${i}\t${f.name}\t${f.size}\t${f.sha256}`);
      }
    });
  }

  it("refuses a wrong key, a flipped byte, swapped or missing chunks and a changed manifest, writing no plaintext of the failing file", { timeout: 120_000 }, async () => {
    const tampered = (change: (dir: string) => void) => {
      const d = tempDir();
      cpSync(DIR, d, { recursive: true });
      change(d);
      return d;
    };
    const flip = tampered((d) => {
      const p = path.join(d, "chunks/1-1.bin");
      const b = readFileSync(p);
      b[1234]! ^= 0x01;
      writeFileSync(p, b);
    });
    const swap = tampered((d) => {
      const a = readFileSync(path.join(d, "chunks/1-0.bin"));
      writeFileSync(path.join(d, "chunks/1-0.bin"), readFileSync(path.join(d, "chunks/1-1.bin")));
      writeFileSync(path.join(d, "chunks/1-1.bin"), a);
    });
    const dropped = tampered((d) => rmSync(path.join(d, "chunks/1-2.bin")));
    const changed = tampered((d) => writeFileSync(path.join(d, "manifest.json"), manifestText.replace('"chunkSize":65536', '"chunkSize":65537')));
    const opening = recipient("opening");
    const cases: [string, string[], string][] = [
      ["wrong key", [DIR, at(recipient("bidder").privateKey), opening.kid], "KEY_UNWRAP_FAILED"],
      ["flipped byte", [flip, at(opening.privateKey), opening.kid], "DECRYPT_FAILED"],
      ["swapped chunks", [swap, at(opening.privateKey), opening.kid], "DECRYPT_FAILED"],
      ["last chunk dropped", [dropped, at(opening.privateKey), opening.kid], "DECRYPT_FAILED"],
      ["changed manifest", [changed, at(opening.privateKey), opening.kid], "SIGNATURE_INVALID"],
    ];
    // One JVM at a time: each compiles the source file, and CI machines may have two cores.
    for (const [name, args, code] of cases) {
      const out = tempDir();
      const r = await runJava([...args, out]);
      expect({ name, status: r.status, stderr: r.stderr.trim() }).toEqual({ name, status: 1, stderr: `OpenBid: the bid does not open (${code})` });
      expect(existsSync(path.join(out, "1.bin"))).toBe(false);
    }
  });

  it("§7 step 5: refuses a manifest re-signed with the bidder's key whose files do not match the bid form's list — a trailing file dropped, files sealed in another order, a file relabelled — writing nothing", { timeout: 180_000 }, async () => {
    const signingKey = await importSigningKey(derOf(readFileSync(at(recipient("bidder").privateKey), "utf8")));
    const ck = await importContentKey(fromHexBytes(vector.contentKey));
    /** A copy of the vector with `files` as the manifest's, the manifest re-signed (canonical bytes), and `chunks` written. */
    const resigned = async (files: ManifestFile[], chunks: Map<string, Uint8Array> = new Map()) => {
      const d = tempDir();
      cpSync(DIR, d, { recursive: true });
      for (const [rel, b] of chunks) writeFileSync(path.join(d, "chunks", rel), b);
      const m: Manifest = { ...manifest, files };
      writeFileSync(path.join(d, "manifest.json"), manifestBytes(m));
      writeFileSync(path.join(d, "signature.b64"), toBase64(await signManifest(m, signingKey)));
      expect(await verifyManifest(m, fromBase64(readFileSync(path.join(d, "signature.b64"), "ascii")), await bidderVerifyKey())).toBe(true);
      return d;
    };
    /** Seals `plain` as file `index` under the vector's content key, as the bidder's browser would. */
    const seal = async (index: number, name: string, plain: Uint8Array, chunks: Map<string, Uint8Array>) =>
      sealFile(ck, { index, name, data: list(plain.length ? [plain] : []) }, async (c, ct) => void chunks.set(`${index}-${c}.bin`, ct), manifest.chunkSize);
    const [form, tech, blank] = manifest.files as [ManifestFile, ManifestFile, ManifestFile];

    const dropped = await resigned([form, tech]); // every remaining chunk intact
    const relabelled = await resigned([form, { ...tech, name: "file-1.exe" }, blank]);
    // The form lists 技术资料.bin (150,000 bytes) then 空白附件.txt (empty); the files are sealed the other way round.
    const swappedChunks = new Map<string, Uint8Array>();
    const swapped = await resigned([form, await seal(1, "file-1.txt", expected(2), swappedChunks), await seal(2, "file-2.bin", expected(1), swappedChunks)], swappedChunks);
    // Control: the same re-sealed files with a bid form that lists them in that order open.
    const formText = JSON.parse(new TextDecoder().decode(expected(0))) as { files: unknown[] };
    const matchingChunks = new Map(swappedChunks);
    const matchingForm = new TextEncoder().encode(JSON.stringify({ ...formText, files: [...formText.files].reverse() }));
    const matching = await resigned([await seal(0, "bid-form.json", matchingForm, matchingChunks), ...(JSON.parse(readFileSync(path.join(swapped, "manifest.json"), "utf8")) as Manifest).files.slice(1)], matchingChunks);

    const opening = recipient("opening");
    for (const [name, dir] of [["trailing file dropped", dropped], ["file relabelled", relabelled], ["files sealed in another order", swapped]] as const) {
      const out = tempDir();
      const r = await runJava([dir, at(opening.privateKey), opening.kid, out]);
      expect({ name, status: r.status, stderr: r.stderr.trim() }).toEqual({
        name,
        status: 1,
        stderr: "OpenBid: the bid does not open (FORM_MISMATCH): the manifest's files do not match the sealed bid form's files list (docs/sealed-bid-format.md §7 step 5)",
      });
      // Checked as soon as the form opens: neither the form nor any other file is written.
      expect(existsSync(path.join(out, "0.bin"))).toBe(false);
      expect(existsSync(path.join(out, "1.bin"))).toBe(false);
    }
    const out = tempDir();
    const r = await runJava([matching, at(opening.privateKey), opening.kid, out]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(readFileSync(path.join(out, "1.bin")).length).toBe(0);
    expect(readFileSync(path.join(out, "2.bin")).equals(Buffer.from(expected(1)))).toBe(true);
  });
});
