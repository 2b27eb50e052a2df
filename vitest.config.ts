import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const r = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const alias = {
  "#app": r("./app"),
  "#db": r("./db"),
  "#crypto": r("./crypto"),
  "#expert-pool": r("./expert-pool"),
  "#test": r("./test"),
  "~": r("./app"),
};

// Four projects: pure unit tests, integration tests (every suite runs on PGlite AND
// PostgreSQL), end-to-end tests in Debian's Chromium through the real server, and the
// property-based fuzz layer against the real server (fixed seed, bounded runs; test/fuzz).
export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["app/**/*.test.{ts,tsx}", "crypto/**/*.test.ts", "expert-pool/**/*.test.ts", "test/unit/**/*.test.ts", "bench/lib/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Every suite has its own databases (PGlite in memory, a fresh PostgreSQL database), so files may run side by
          // side; scripts/test-all.sh sets the worker count.
          fileParallelism: true,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Each file starts its own server (own data folder, own port, its own PostgreSQL database where it uses one)
          // and browser: two files at a time overlap one's server start and waits with the other's work.
          fileParallelism: true,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "fuzz",
          include: ["test/fuzz/**/*.test.ts"],
          environment: "node",
          // One real server per file; files run one after another (2 cores, shared).
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
