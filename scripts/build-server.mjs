#!/usr/bin/env node
// Compiles the server (server/index.ts and everything it imports from app/, db/, crypto/, expert-pool/) into
// plain JavaScript in build/server-main/, so production runs `node build/server-main/index.js` rather than
// transpiling TypeScript at every start (tsx). npm packages stay external (loaded from node_modules as usual).
// `import.meta.url` keeps pointing at each source file, so paths resolved from it (db/migrations, fonts) are
// unchanged. docs/decisions/023-compiled-server.md.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

/** Our own modules are bundled; every bare specifier (an npm package or node:*) stays an import. */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./#~]/ }, (args) => (path.isAbsolute(args.path) ? undefined : { path: args.path, external: true }));
  },
};

/** Each source file's `import.meta.url` stays its own location. */
const sourceUrls = {
  name: "source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.(ts|tsx|mts|js|mjs)$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const loader = args.path.endsWith(".tsx") ? "tsx" : args.path.endsWith("ts") ? "ts" : "js";
      return { contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader };
    });
  },
};

export async function buildServer() {
  const started = Date.now();
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { index: "server/index.ts", "db-template": "scripts/build-db-template.ts" },
    outdir: "build/server-main",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    tsconfig: "tsconfig.json",
    plugins: [externalPackages, sourceUrls],
  });
  return Date.now() - started;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const ms = await buildServer();
  console.log(`server compiled to build/server-main/ in ${ms} ms`);
}
