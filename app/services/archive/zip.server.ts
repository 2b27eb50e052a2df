import { createHash } from "node:crypto";
import { Transform, type Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import type { AppContext } from "../platform/context.server";
import { openPlaintext } from "../opening/plaintext.server";
import { archiveContents, type ArchiveContents } from "./contents.server";

type Ctx = Pick<AppContext, "db" | "blobs" | "config">;

/**
 * A pass-through that hashes and counts what flows and fails the stream when it ends with other bytes than the
 * manifest promised: a blob changed behind the store's back never yields an archive whose SHA256SUMS lie.
 */
function verifying(sha256: string, size: number): Transform {
  const hash = createHash("sha256");
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      hash.update(chunk);
      if (seen > size) return done(new Error(`archive: blob ${sha256} is longer than listed`));
      done(null, chunk);
    },
    flush(done) {
      if (seen !== size || hash.digest("hex") !== sha256) return done(new Error(`archive: blob ${sha256} does not match the manifest`));
      done();
    },
  });
}

/**
 * Streams the project's archive as a ZIP into `out` (docs/archive.md): blobs are read one at a time, lazily (an
 * opened bid's file is decrypted from its stored ciphertext, every tag verified: ADR 031), and
 * stored (not deflated: PDFs and office files are compressed already, and a 50 MB bid file costs no CPU); the
 * generated files are deflated. Memory stays flat whatever the bid sizes. Resolves when `out` has everything;
 * rejects (and destroys `out`) on any read error or a blob that does not match the manifest.
 * `contents` is the listing to write (the export route records its manifest hash first); by default it is read now.
 */
export async function writeArchiveZip(app: Ctx, projectId: string, out: Writable, contents?: ArchiveContents): Promise<ArchiveContents> {
  const c = contents ?? (await archiveContents(app, projectId));
  const zip = new ZipFile();
  const mtime = c.exportedAt;
  for (const e of c.entries) {
    if ("bytes" in e.source) {
      zip.addBuffer(Buffer.from(e.source.bytes.buffer, e.source.bytes.byteOffset, e.source.bytes.byteLength), e.path, { mtime, mode: 0o100644, compress: true });
      continue;
    }
    const sha = e.sha256;
    const source = e.source;
    const open = () => ("bidFile" in source ? openPlaintext(app, source.bidFile.bidId, { index: source.bidFile.index, size: e.size, sha256: sha }) : app.blobs.get(source.blob));
    zip.addReadStreamLazy(e.path, { mtime, mode: 0o100644, compress: false, size: e.size }, (cb) => {
      open().then(
        (stream: Readable) => {
          const checked = verifying(sha, e.size);
          stream.on("error", (err) => checked.destroy(err));
          cb(null, stream.pipe(checked));
        },
        (err: unknown) => cb(err, null as never),
      );
    });
  }
  // yazl reports a failed read stream on the ZipFile, not on its output: end the output with it so `out` learns.
  zip.on("error", (err: Error) => (zip.outputStream as Readable).destroy(err));
  zip.end();
  await pipeline(zip.outputStream as Readable, out);
  return c;
}
