import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { chunkAad, chunkNonce, fileLabel, SealError, type Manifest } from "./format";
import { openFile, unwrapContentKey, verifyManifest } from "./open";
import { importContentKey, sealFile, signManifest, wrapFor } from "./seal";

const subtle = globalThis.crypto.subtle;
const oaep = () => subtle.generateKey({ name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["encrypt", "decrypt"]);
const rsaSign = () => subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"]);

async function* parts(data: Uint8Array, sizes: number[]) {
  let off = 0;
  let i = 0;
  while (off < data.length) {
    const n = sizes[i++ % sizes.length]!;
    yield data.subarray(off, off + n);
    off += n;
  }
}
async function* list(chunks: Uint8Array[]) {
  for (const c of chunks) yield c;
}
const concat = (a: Uint8Array[]) => new Uint8Array(Buffer.concat(a));

describe("sealed-bid envelope v1 (R18, R20)", () => {
  it("labels file i of a bid `file-<i>` and the real name's extension of 1–8 ASCII letters or digits, lowercased (docs/sealed-bid-format.md §2)", () => {
    expect(fileLabel(1, "技术标.PDF")).toBe("file-1.pdf");
    expect(fileLabel(2, "说明")).toBe("file-2");
    expect(fileLabel(3, "a.tar.gz")).toBe("file-3.gz");
    expect(fileLabel(4, "报价.Xlsx")).toBe("file-4.xlsx");
    expect(fileLabel(5, "long.abcdefghi")).toBe("file-5"); // 9 characters: no extension
    expect(fileLabel(6, "图纸.dwg2")).toBe("file-6.dwg2");
    expect(fileLabel(7, "报告.pdf\n")).toBe("file-7"); // the extension must end the name
    expect(fileLabel(8, "资料.文档")).toBe("file-8"); // ASCII only
    expect(fileLabel(9, "trailing.")).toBe("file-9");
  });

  it("round-trips files of awkward sizes for every recipient; the manifest signature verifies", async () => {
    const bidder = await oaep();
    const opening = await oaep();
    const signer = await rsaSign();
    const ck = await importContentKey(new Uint8Array(randomBytes(32)));
    const form = new TextEncoder().encode(JSON.stringify({ price: 11_234_567.89, durationDays: 540, manager: "张工" }));
    const big = new Uint8Array(randomBytes(3 * 4096 + 123));
    const store = new Map<string, Uint8Array[]>();
    const emitTo = (name: string) => async (i: number, ct: Uint8Array) => {
      const l = store.get(name) ?? [];
      l[i] = ct;
      store.set(name, l);
    };
    const files = [
      await sealFile(ck, { index: 0, name: "bid-form.json", data: parts(form, [7]) }, emitTo("form"), 4096),
      await sealFile(ck, { index: 1, name: "技术标.pdf", data: parts(big, [1000, 5000, 3]) }, emitTo("big"), 4096),
      await sealFile(ck, { index: 2, name: "empty.txt", data: list([]) }, emitTo("empty"), 4096),
    ];
    expect(files.map((f) => f.chunks.length)).toEqual([1, 4, 1]);
    const manifest: Manifest = {
      v: 1,
      alg: "AES-256-GCM",
      chunkSize: 4096,
      files,
      recipients: [await wrapFor({ kid: "bidder", publicKey: bidder.publicKey }, ck), await wrapFor({ kid: "opening", publicKey: opening.publicKey }, ck)],
    };
    const sig = await signManifest(manifest, signer.privateKey);
    expect(await verifyManifest(manifest, sig, signer.publicKey)).toBe(true);
    expect(await verifyManifest({ ...manifest, chunkSize: 8192 }, sig, signer.publicKey)).toBe(false);
    for (const [kid, key] of [["bidder", bidder.privateKey], ["opening", opening.privateKey]] as const) {
      const k = await unwrapContentKey(manifest, kid, key);
      for (const [name, f, expected] of [["form", files[0]!, form], ["big", files[1]!, big], ["empty", files[2]!, new Uint8Array(0)]] as const) {
        const out: Uint8Array[] = [];
        await openFile(k, f, list(store.get(name)!), async (p) => void out.push(p));
        expect(Buffer.from(concat(out)).equals(Buffer.from(expected))).toBe(true);
      }
    }
  });

  it("refuses a flipped byte, reordered, truncated or transplanted chunks, and a wrong key — one generic error", async () => {
    const rec = await oaep();
    const other = await oaep();
    const ck = await importContentKey(new Uint8Array(randomBytes(32)));
    const data = new Uint8Array(randomBytes(3 * 1024));
    const chunks: Uint8Array[] = [];
    const f = await sealFile(ck, { index: 0, name: "a", data: list([data]) }, async (i, ct) => void (chunks[i] = ct), 1024);
    const chunksB: Uint8Array[] = [];
    await sealFile(ck, { index: 1, name: "b", data: list([data]) }, async (i, ct) => void (chunksB[i] = ct), 1024);
    const m: Manifest = { v: 1, alg: "AES-256-GCM", chunkSize: 1024, files: [f], recipients: [await wrapFor({ kid: "r", publicKey: rec.publicKey }, ck)] };
    const key = await unwrapContentKey(m, "r", rec.privateKey);
    const fails = async (cts: Uint8Array[], manifestFile = f) => {
      const err = await openFile(key, manifestFile, list(cts), async () => {}).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(SealError);
      expect((err as SealError).code).toBe("DECRYPT_FAILED");
    };
    const flipped = chunks.map((c) => c.slice());
    flipped[1]![10]! ^= 1;
    await fails(flipped);
    await fails([chunks[1]!, chunks[0]!, chunks[2]!]);
    await fails(chunks.slice(0, 2));
    // A chunk from another file, with a manifest forged to accept its hash, still fails (AAD binds the file).
    const forged = { ...f, chunks: [...f.chunks] };
    forged.chunks[1] = Buffer.from(await subtle.digest("SHA-256", chunksB[1]! as unknown as BufferSource)).toString("hex");
    await fails([chunks[0]!, chunksB[1]!, chunks[2]!], forged);
    await expect(unwrapContentKey(m, "r", other.privateKey)).rejects.toMatchObject({ code: "KEY_UNWRAP_FAILED" });
    await expect(unwrapContentKey(m, "nobody", rec.privateKey)).rejects.toMatchObject({ code: "KEY_UNWRAP_FAILED" });
  });

  it("nonces and AAD are laid out byte for byte as documented", () => {
    expect(Buffer.from(chunkNonce(2, 5)).toString("hex")).toBe("000000020000000000000005");
    expect(Buffer.from(chunkAad(1, 2, true)).toString("hex")).toBe(Buffer.from("TH-SEAL-v1").toString("hex") + "00000001" + "0000000000000002" + "01");
    expect(() => chunkNonce(-1, 0)).toThrow(RangeError);
  });
});
