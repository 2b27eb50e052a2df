// The README lists every architecture decision record in docs/decisions (a new ADR without a README line fails).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

describe("README", () => {
  it("links every ADR in docs/decisions", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const adrs = readdirSync(path.join(root, "docs/decisions")).filter((f) => /^\d{3}-.+\.md$/.test(f) && !f.startsWith("000-"));
    expect(adrs.length).toBeGreaterThanOrEqual(12);
    expect(adrs.filter((f) => !readme.includes(`docs/decisions/${f}`))).toEqual([]);
  });

  it("describes demo logins and tenders that exist in the seed", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const seed = readFileSync(path.join(root, "server/seed.ts"), "utf8");
    const codes = readme.match(/DQ-2026-[A-Z]{2}-\d{4}/g) ?? [];
    expect(codes.length).toBeGreaterThanOrEqual(3);
    for (const code of codes) expect(seed, code).toContain(code);
    // The README promises no seeded amendment (the demo user issues one on DQ-2026-SZ-0133 to see R10 extend the deadline).
    expect(readme).toMatch(/DQ-2026-SZ-0133[^.]*no\s+amendment yet/);
  });
});
