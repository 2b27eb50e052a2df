import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import * as schema from "#db/schema/index";
import { BLOB_REFERENCES, NOT_BLOB_COLUMNS } from "#app/services/platform/blob-sweep.server";

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The blob sweep deletes every blob no registered column references (ADR 004). A new table that stores a blob hash
 * but is not registered would lose its files an hour after they are written: this test names such a column.
 */
describe("blob references (ADR 004)", () => {
  const tables = (Object.values(schema) as unknown[]).filter((v): v is PgTable => v instanceof PgTable);
  const columns = tables.flatMap((t) => {
    const c = getTableConfig(t);
    return c.columns.map((col) => ({ table: c.name, column: snake(col.name) }));
  });

  it("every column named like a SHA-256 is a registered blob reference or declared not to be one", () => {
    const known = new Set([...BLOB_REFERENCES, ...NOT_BLOB_COLUMNS].map((r) => `${r.table}.${r.column}`));
    const unregistered = columns.filter((c) => /sha256|sha_256/.test(c.column) && !known.has(`${c.table}.${c.column}`));
    expect(unregistered).toEqual([]);
  });

  it("every registered reference names a real column", () => {
    const real = new Set(columns.map((c) => `${c.table}.${c.column}`));
    for (const r of [...BLOB_REFERENCES, ...NOT_BLOB_COLUMNS]) expect(real.has(`${r.table}.${r.column}`), `${r.table}.${r.column}`).toBe(true);
  });
});
