import { createHash } from "node:crypto";
import ExcelJS from "exceljs";
import Papa from "papaparse";
import { inArray, sql } from "drizzle-orm";
import { experts, expertSpecialties, specialties } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { boundedCells, mapHeaders, validateRows, withinImportBounds, type RowError, type TableRow } from "#app/domain/expert-import";
import { MAX_IMPORT_ROWS } from "#app/domain/limits";
import type { Actor } from "../platform/actor";
import { requirePermission, runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";

export type ImportResult = { ok: true; imported: number; created: number; updated: number } | { ok: false; errors: RowError[]; missingColumns: string[] };

const TOO_MANY_ROWS = () => new DomainError("VALIDATION", { field: "file", reason: "tooManyRows", max: MAX_IMPORT_ROWS });
const UNREADABLE = () => new DomainError("VALIDATION", { field: "file", reason: "unreadable" });

/** A cell as text-like data: rich text joined, hyperlinks by their text, formulas by their result, errors blank. */
function cellValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (!v || typeof v !== "object") return v;
  const o = v as { richText?: { text?: unknown }[]; text?: unknown; result?: unknown; error?: unknown };
  if (Array.isArray(o.richText)) return o.richText.map((r) => String(r?.text ?? "")).join("");
  if ("text" in o) return o.text;
  if ("result" in o) return cellValue(o.result);
  return "";
}

/**
 * Reads the first sheet of an .xlsx or a UTF-8 CSV into rows of cells, the header first.
 * Bounded: more than MAX_IMPORT_ROWS data rows is refused before the rows are built, cells
 * beyond MAX_IMPORT_COLUMNS are dropped; a file that does not parse is refused (VALIDATION
 * `unreadable`), never a 500.
 */
export async function readTable(bytes: Uint8Array, filename: string): Promise<TableRow[]> {
  if (/\.xlsx$/i.test(filename)) {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
    } catch {
      throw UNREADABLE();
    }
    const sheet = wb.worksheets[0];
    if (!sheet) return [];
    if (!withinImportBounds(sheet.actualRowCount - 1)) throw TOO_MANY_ROWS();
    const rows: TableRow[] = [];
    // Rows without values are skipped (not materialised): a lone cell far down makes no gap of empty rows.
    sheet.eachRow((row, rowNumber) => {
      const values = Array.isArray(row.values) ? row.values : [];
      rows.push({ row: rowNumber, cells: boundedCells(values.slice(1)).map(cellValue) });
    });
    return rows;
  }
  if (/\.csv$/i.test(filename)) {
    const text = new TextDecoder("utf-8").decode(bytes).replace(/^\uFEFF/, "");
    // One row more than allowed is enough to know the file is too long.
    const parsed = Papa.parse<string[]>(text, { skipEmptyLines: "greedy", preview: MAX_IMPORT_ROWS + 2 }).data;
    if (!withinImportBounds(parsed.length - 1)) throw TOO_MANY_ROWS();
    return parsed.map((cells, i) => ({ row: i + 1, cells: boundedCells(Array.isArray(cells) ? cells : []) }));
  }
  throw new DomainError("VALIDATION", { field: "file", reason: "importFormat" });
}

/**
 * Imports experts from a table: every row is validated first (row-level errors, in the
 * user's language at the edge); only when all rows are valid is the whole file applied, in
 * one command (upsert by expert code, specialties replaced). All or nothing.
 */
export async function importExperts(ctx: Pick<AppContext, "db">, actor: Actor, file: { bytes: Uint8Array; filename: string }): Promise<ImportResult> {
  requirePermission(actor, "pool:manage");
  const [header, ...rows] = await readTable(file.bytes, file.filename);
  const { index, missing } = mapHeaders((header?.cells ?? []).map((h) => String(h ?? "")));
  if (missing.length) return { ok: false, errors: [], missingColumns: missing };
  const known = new Set((await ctx.db.select({ code: specialties.code }).from(specialties)).map((s) => s.code));
  const { valid, errors } = validateRows(rows, index, known);
  if (errors.length) return { ok: false, errors, missingColumns: [] };
  if (!valid.length) throw new DomainError("VALIDATION", { field: "file", reason: "empty" });
  const sha256 = createHash("sha256").update(file.bytes).digest("hex");
  return runCommand(ctx, actor, "pool.import", async ({ tx }) => {
    requirePermission(actor, "pool:manage");
    let created = 0;
    for (let i = 0; i < valid.length; i += 1000) {
      const batch = valid.slice(i, i + 1000);
      const rowsOut = await tx
        .insert(experts)
        .values(
          batch.map((r) => ({
            code: r.code,
            name: r.name,
            idSuffix: r.idSuffix.toUpperCase(),
            phone: r.phone,
            title: r.title,
            titleLevel: r.titleLevel,
            yearsExperience: r.yearsExperience,
            region: r.region,
            employerName: r.employerName,
            employerCode: r.employerCode || null,
            status: r.status,
            statusReason: r.statusReason,
            punished: r.punished,
            // The database keeps this copy of expert_specialties itself (migration 0013); written here for a new
            // expert, its trigger finds nothing to change and leaves no dead row version.
            specialties: [...new Set(r.specialties)].sort(),
          })),
        )
        .onConflictDoUpdate({
          target: experts.code,
          set: {
            name: sql`excluded.name`,
            idSuffix: sql`excluded.id_suffix`,
            phone: sql`excluded.phone`,
            title: sql`excluded.title`,
            titleLevel: sql`excluded.title_level`,
            yearsExperience: sql`excluded.years_experience`,
            region: sql`excluded.region`,
            employerName: sql`excluded.employer_name`,
            employerCode: sql`excluded.employer_code`,
            status: sql`excluded.status`,
            statusReason: sql`excluded.status_reason`,
            punished: sql`excluded.punished`,
          },
        })
        .returning({ id: experts.id, code: experts.code, inserted: sql<boolean>`(xmax = 0)` });
      created += rowsOut.filter((r) => r.inserted).length;
      const idOf = new Map(rowsOut.map((r) => [r.code, r.id]));
      await tx.delete(expertSpecialties).where(inArray(expertSpecialties.expertId, rowsOut.map((r) => r.id)));
      await tx.insert(expertSpecialties).values(batch.flatMap((r) => r.specialties.map((code) => ({ expertId: idOf.get(r.code)!, code }))));
    }
    const result = { ok: true as const, imported: valid.length, created, updated: valid.length - created };
    return { result, subjectType: "expert_pool", subjectId: "pool", payload: { filename: file.filename, sha256, ...result } };
  });
}
