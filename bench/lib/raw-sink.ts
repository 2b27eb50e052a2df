// The reference for the ingest benchmark: a raw Node HTTP server that reads every request
// body and answers 200. With --fsync it also does what the blob store does with a chunk
// (write a temp file, SHA-256, fsync, rename), with no session, database or checks.
// Prints "ready on http://127.0.0.1:PORT" like the real server.
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

const fsync = process.argv.includes("--fsync");
const dir = mkdtempSync(path.join(tmpdir(), "th-sink-"));

const server = http.createServer((req, res) => {
  void (async () => {
    let size = 0;
    const h = createHash("sha256");
    const tmp = path.join(dir, `tmp-${randomUUID()}`);
    const fh = fsync ? await open(tmp, "w") : null;
    for await (const part of req as AsyncIterable<Buffer>) {
      size += part.length;
      if (fh) {
        h.update(part);
        await fh.write(part);
      }
    }
    if (fh) {
      await fh.sync();
      await fh.close();
      const sha = h.digest("hex");
      await rename(tmp, path.join(dir, sha));
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ size }));
  })().catch((e: unknown) => res.writeHead(500).end(String(e)));
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const a = server.address() as { port: number };
  console.log(`ready on http://127.0.0.1:${a.port}`);
});
process.on("SIGTERM", () => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
