// Builds the migrated, empty embedded database that a new data folder starts from (db/template.ts): creates a PGlite
// cluster in a temporary folder, runs every migration, dumps it (gzip tarball) to build/pglite-template-<key>.tar.gz
// and removes templates of older migrations. Nothing to do when the current one exists. Compiled with the server
// (scripts/build-server.mjs) and run by `npm run build` and, when missing, by `npm start`.
import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { openDatabase } from "#db/client";
import { TEMPLATE_PREFIX, templateFile, templateKey } from "#db/template";

const key = templateKey();
const target = templateFile(key);
const dir = path.dirname(target);
const started = Date.now();
const existing = (() => {
  try {
    return readdirSync(dir).filter((f) => f.startsWith(TEMPLATE_PREFIX));
  } catch {
    return [];
  }
})();
if (existing.includes(path.basename(target))) {
  console.log(`database template ${path.basename(target)} is current`);
} else {
  const work = mkdtempSync(path.join(tmpdir(), "th-db-template-"));
  try {
    const handle = await openDatabase({ dataDir: work, template: false });
    await handle.close();
    const pg = await PGlite.create({ dataDir: work, extensions: { btree_gist } });
    const dump = await pg.dumpDataDir("gzip");
    await pg.close();
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, target);
    for (const f of existing) rmSync(path.join(dir, f), { force: true });
    console.log(`database template ${path.basename(target)} built in ${Date.now() - started} ms`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
