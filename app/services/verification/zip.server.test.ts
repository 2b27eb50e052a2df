import { deflateRawSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import yazl from "yazl";
import { crc32, isZip, readZip, ZIP_LIMITS, ZipError } from "./zip.server";

/** A ZIP as the archive export writes it (yazl, docs/archive.md): some entries deflated, some stored. */
function yazlZip(files: { name: string; data: Uint8Array; compress: boolean }[]): Promise<Uint8Array> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addBuffer(Buffer.from(f.data), f.name, { compress: f.compress, mtime: new Date("2026-12-01T00:00:00Z") });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    zip.outputStream.on("error", reject);
  });
}

/** A hand-made single-entry ZIP whose headers say whatever the test wants (sizes, method, flags, CRC). */
function handZip(o: { name?: string; data: Uint8Array; method?: number; flags?: number; size?: number; crc?: number; entries?: number }): Uint8Array {
  const name = Buffer.from(o.name ?? "a.txt");
  const method = o.method ?? 0;
  const body = method === 8 ? deflateRawSync(o.data) : Buffer.from(o.data);
  const size = o.size ?? o.data.length;
  const crc = o.crc ?? crc32(o.data);
  const loc = Buffer.alloc(30);
  loc.writeUInt32LE(0x04034b50, 0);
  loc.writeUInt16LE(20, 4);
  loc.writeUInt16LE(o.flags ?? 0, 6);
  loc.writeUInt16LE(method, 8);
  loc.writeUInt32LE(crc, 14);
  loc.writeUInt32LE(body.length, 18);
  loc.writeUInt32LE(size, 22);
  loc.writeUInt16LE(name.length, 26);
  const cen = Buffer.alloc(46);
  cen.writeUInt32LE(0x02014b50, 0);
  cen.writeUInt16LE(20, 4);
  cen.writeUInt16LE(20, 6);
  cen.writeUInt16LE(o.flags ?? 0, 8);
  cen.writeUInt16LE(method, 10);
  cen.writeUInt32LE(crc, 16);
  cen.writeUInt32LE(body.length, 20);
  cen.writeUInt32LE(size, 24);
  cen.writeUInt16LE(name.length, 28);
  cen.writeUInt32LE(0, 42);
  const cd = Buffer.concat([cen, name]);
  const offset = loc.length + name.length + body.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  const n = o.entries ?? 1;
  eocd.writeUInt16LE(n, 8);
  eocd.writeUInt16LE(n, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([loc, name, body, cd, eocd]));
}

const code = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof ZipError) return e.code;
    throw e;
  }
};

describe("readZip: the bounded ZIP reader of /verify (ADR 026)", () => {
  it("reads what yazl writes, stored and deflated, UTF-8 names, in order; directories skipped", async () => {
    const json = new TextEncoder().encode(JSON.stringify({ 项目: "实验楼", n: [1, 2, 3] }).repeat(100));
    const pdf = new Uint8Array(5000).map((_, i) => (i * 31) & 0xff);
    const zip = await yazlZip([
      { name: "manifest.json", data: json, compress: true },
      { name: "sections/01/opening/record.pdf", data: pdf, compress: false },
      { name: "tender/documents/v1/招标文件.pdf", data: new Uint8Array(0), compress: false },
    ]);
    expect(isZip(zip)).toBe(true);
    const out = readZip(zip);
    expect(out.map((e) => e.name)).toEqual(["manifest.json", "sections/01/opening/record.pdf", "tender/documents/v1/招标文件.pdf"]);
    expect(Buffer.from(out[0]!.data).equals(Buffer.from(json))).toBe(true);
    expect(Buffer.from(out[1]!.data).equals(Buffer.from(pdf))).toBe(true);
    expect(out[2]!.data.length).toBe(0);
  });

  it("refuses a truncated file, a non-ZIP, encryption, ZIP64 markers, other methods, lying sizes; a wrong CRC-32 is flagged", async () => {
    const zip = await yazlZip([{ name: "a.json", data: new TextEncoder().encode("{}".repeat(50)), compress: true }]);
    expect(code(() => readZip(zip.subarray(0, zip.length - 1)))).toBe("NOT_ZIP");
    expect(code(() => readZip(zip.subarray(0, 40)))).toBe("NOT_ZIP");
    expect(code(() => readZip(new TextEncoder().encode("%PDF-1.7 not a zip")))).toBe("NOT_ZIP");
    const data = new TextEncoder().encode("hello");
    expect(readZip(handZip({ data }))[0]!.name).toBe("a.txt");
    expect(code(() => readZip(handZip({ data, flags: 1 })))).toBe("UNSUPPORTED");
    expect(code(() => readZip(handZip({ data, size: 0xffffffff })))).toBe("UNSUPPORTED");
    expect(code(() => readZip(handZip({ data, method: 12 })))).toBe("UNSUPPORTED");
    expect(readZip(handZip({ data, crc: 1 }))[0]!.crcOk).toBe(false);
    expect(readZip(handZip({ data }))[0]!.crcOk).toBe(true);
    expect(code(() => readZip(handZip({ data, method: 8, size: 4 })))).toBe("CORRUPT"); // inflates to more than declared
    expect(code(() => readZip(handZip({ data, method: 8, size: 50 })))).toBe("CORRUPT"); // inflates to less
    expect(code(() => readZip(handZip({ data, name: "../x/" + "y".repeat(1001) })))).toBe("CORRUPT");
    expect(code(() => readZip(handZip({ data, entries: 2 })))).toBe("CORRUPT"); // the directory ends before entry 2
  });

  it("bounds: entry count, entry and total size, and the compression ratio (a zip bomb) before inflating", () => {
    const zeros = new Uint8Array(4 * 1024 * 1024);
    // 4 MiB of zeros deflate to ~4 KiB: a ratio of ~1000.
    expect(code(() => readZip(handZip({ data: zeros, method: 8 })))).toBe("BOMB");
    expect(readZip(handZip({ data: zeros, method: 8 }), { ...ZIP_LIMITS, maxRatio: 10_000 })[0]!.data.length).toBe(zeros.length);
    expect(code(() => readZip(handZip({ data: zeros }), { ...ZIP_LIMITS, maxEntryBytes: 1024 }))).toBe("TOO_LARGE");
    expect(code(() => readZip(handZip({ data: zeros }), { ...ZIP_LIMITS, maxTotalBytes: 1024 }))).toBe("TOO_LARGE");
    expect(code(() => readZip(handZip({ data: new Uint8Array(1), entries: 3 }), { ...ZIP_LIMITS, maxEntries: 2 }))).toBe("TOO_MANY_ENTRIES");
    // A header claiming a huge size is refused by the declared size, without inflating anything.
    expect(code(() => readZip(handZip({ data: new Uint8Array(10), size: 0xfffffff0 })))).toBe("TOO_LARGE");
  });

  it("any byte changed or cut anywhere: a ZipError or the same entries — never another exception", async () => {
    const zip = await yazlZip([
      { name: "manifest.json", data: new TextEncoder().encode(JSON.stringify({ files: Array.from({ length: 40 }, (_, i) => i) })), compress: true },
      { name: "record.pdf", data: new Uint8Array(700).fill(7), compress: false },
    ]);
    fc.assert(
      fc.property(fc.nat(zip.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(zip.length), (at, x, cut) => {
        const c = Uint8Array.from(zip);
        c[at] = c[at]! ^ x;
        for (const input of [c, zip.subarray(0, cut)]) {
          try {
            readZip(input);
          } catch (e) {
            expect(e).toBeInstanceOf(ZipError);
          }
        }
      }),
      { numRuns: 300, seed: 20261204 },
    );
  });
});
