import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The migrated, empty embedded database, built once (`npm run build`, scripts/build-db-template.ts) and loaded into a
 * new data folder instead of creating the cluster and running every migration at the first start
 * (docs/decisions/023-compiled-server-and-first-start.md). Named by a key over the PGlite version and the migration
 * files, so a template built before a migration changed is never used.
 */
const BUILD_DIR = fileURLToPath(new URL("../build/", import.meta.url));
const MIGRATIONS = fileURLToPath(new URL("./migrations/", import.meta.url));

export function templateKey(): string {
  const h = createHash("sha256");
  h.update(`pglite ${pgliteVersion()}\n`);
  const files = [...readdirSync(MIGRATIONS).filter((f) => f.endsWith(".sql")).sort(), "meta/_journal.json"];
  for (const f of files) h.update(`${f}\n`).update(readFileSync(path.join(MIGRATIONS, f))).update("\n");
  return h.digest("hex").slice(0, 16);
}

/** The installed PGlite's version (its package.json is not exported, so found from its entry point upwards). */
function pgliteVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@electric-sql/pglite" && pkg.version) return pkg.version;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error("@electric-sql/pglite's package.json not found");
    dir = up;
  }
}

export const TEMPLATE_PREFIX = "pglite-template-";

export function templateFile(key = templateKey()): string {
  return path.join(BUILD_DIR, `${TEMPLATE_PREFIX}${key}.tar.gz`);
}

/** The current template as a Blob for PGlite's `loadDataDir`, or undefined when none was built for these migrations. */
export function currentTemplate(): Blob | undefined {
  const file = templateFile();
  return existsSync(file) ? new Blob([readFileSync(file)]) : undefined;
}
