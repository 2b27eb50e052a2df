import { z } from "zod";
import { MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS } from "./limits";
import { hasControlCharacter } from "./text";

/**
 * One row of an expert import (CSV or the first sheet of an .xlsx), headers in Chinese
 * (English aliases accepted). Pure validation: the service checks specialty codes against
 * the taxonomy and applies all rows or none.
 */
export const IMPORT_COLUMNS = {
  code: ["专家编号", "code"],
  name: ["姓名", "name"],
  idSuffix: ["身份证后四位", "id_suffix"],
  phone: ["手机号码", "phone"],
  title: ["职称", "title"],
  titleLevel: ["职称级别", "title_level"],
  yearsExperience: ["从业年限", "years"],
  region: ["所在地区", "region"],
  employerName: ["工作单位", "employer"],
  employerCode: ["单位统一社会信用代码", "employer_code"],
  specialties: ["专业代码", "specialties"],
  status: ["状态", "status"],
  statusReason: ["状态原因", "status_reason"],
  punished: ["曾受处罚", "punished"],
} as const;

export type ImportField = keyof typeof IMPORT_COLUMNS;

const TITLE_LEVELS: Record<string, "senior" | "deputy_senior" | "intermediate" | "other"> = {
  正高级: "senior",
  正高: "senior",
  senior: "senior",
  副高级: "deputy_senior",
  副高: "deputy_senior",
  deputy_senior: "deputy_senior",
  中级: "intermediate",
  intermediate: "intermediate",
  其他: "other",
  other: "other",
};
const STATUSES: Record<string, "active" | "suspended" | "retired" | "blacklisted"> = {
  在库: "active",
  正常: "active",
  active: "active",
  暂停: "suspended",
  suspended: "suspended",
  退出: "retired",
  retired: "retired",
  黑名单: "blacklisted",
  blacklisted: "blacklisted",
};
const YES = new Set(["是", "yes", "true", "1", "y"]);

// Control characters (NUL…) are refused, not stripped: PostgreSQL refuses U+0000 in text, and
// the pool is an official register.
const cell = z.preprocess((v) => (v == null ? "" : String(v).trim()), z.string().refine((s) => !hasControlCharacter(s), "controlChar"));

export const ImportRowSchema = z
  .object({
    code: cell.pipe(z.string().min(1, "required").max(40, "tooLong").regex(/^[A-Za-z0-9_-]+$/, "expertCode")),
    name: cell.pipe(z.string().min(1, "required").max(40, "tooLong")),
    idSuffix: cell.pipe(z.string().regex(/^$|^[0-9]{3}[0-9Xx]$/, "idSuffix")),
    phone: cell.pipe(z.string().regex(/^$|^1[3-9][0-9]{9}$/, "phone")),
    title: cell.pipe(z.string().max(40, "tooLong")),
    titleLevel: cell.transform((v, ctx) => {
      const x = TITLE_LEVELS[v || "正高级"];
      if (!x) ctx.addIssue({ code: "custom", message: "titleLevel" });
      return x ?? "other";
    }),
    yearsExperience: cell.pipe(z.coerce.number({ invalid_type_error: "integer" }).int("integer").min(0, "integer").max(70, "integer")),
    region: cell.pipe(z.string().min(1, "required").max(60, "tooLong")),
    employerName: cell.pipe(z.string().max(100, "tooLong")),
    employerCode: cell.pipe(z.string().regex(/^$|^[0-9A-HJ-NPQRTUWXY]{18}$/, "creditCode")),
    specialties: cell.transform((v, ctx) => {
      const codes = [...new Set(v.split(/[;；,，\s]+/).filter(Boolean))];
      if (!codes.length) ctx.addIssue({ code: "custom", message: "required" });
      return codes;
    }),
    status: cell.transform((v, ctx) => {
      const x = STATUSES[v || "在库"];
      if (!x) ctx.addIssue({ code: "custom", message: "expertStatus" });
      return x ?? "active";
    }),
    statusReason: cell.pipe(z.string().max(200, "tooLong")),
    punished: cell.transform((v) => YES.has(v.toLowerCase())),
  })
  .superRefine((r, ctx) => {
    if ((r.status === "blacklisted" || r.status === "suspended") && !r.statusReason) ctx.addIssue({ code: "custom", path: ["statusReason"], message: "statusReasonRequired" });
  });

export type ImportRow = z.output<typeof ImportRowSchema>;
export type RowError = { row: number; field: string; code: string };

/** One row of the table as read from the file: its row number as the user sees it (1-based) and its cells. */
export type TableRow = { row: number; cells: unknown[] };

/**
 * Whether a table is within the import's bounds: at most MAX_IMPORT_ROWS data rows (after the
 * header). Checked before any row is validated; cells beyond MAX_IMPORT_COLUMNS are dropped by
 * the reader.
 */
export function withinImportBounds(dataRows: number): boolean {
  return dataRows <= MAX_IMPORT_ROWS;
}

/** Cells of one row, at most MAX_IMPORT_COLUMNS (columns to the right are not import columns). */
export function boundedCells(cells: unknown[]): unknown[] {
  return cells.length > MAX_IMPORT_COLUMNS ? cells.slice(0, MAX_IMPORT_COLUMNS) : cells;
}

/** Maps a header row to fields; unknown headers are ignored, missing required ones reported. */
export function mapHeaders(headers: string[]): { index: Partial<Record<ImportField, number>>; missing: ImportField[] } {
  const index: Partial<Record<ImportField, number>> = {};
  headers.forEach((h, i) => {
    const clean = h.trim().toLowerCase();
    for (const [field, names] of Object.entries(IMPORT_COLUMNS) as [ImportField, readonly string[]][]) {
      if (names.some((n) => n.toLowerCase() === clean)) index[field] = i;
    }
  });
  const required: ImportField[] = ["code", "name", "yearsExperience", "region", "specialties"];
  return { index, missing: required.filter((f) => index[f] === undefined) };
}

/** Validates data rows (row numbers as the user sees them: the header is row 1). */
export function validateRows(rows: TableRow[], index: Partial<Record<ImportField, number>>, knownSpecialties: ReadonlySet<string>) {
  const valid: ImportRow[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  rows.forEach(({ row: rowNo, cells }) => {
    if (cells.every((c) => c == null || String(c).trim() === "")) return;
    const obj = Object.fromEntries(Object.entries(index).map(([f, col]) => [f, cells[col as number]]));
    const parsed = ImportRowSchema.safeParse(obj);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ row: rowNo, field: String(issue.path[0] ?? ""), code: issue.message });
      return;
    }
    const unknown = parsed.data.specialties.filter((s) => !knownSpecialties.has(s));
    if (unknown.length) {
      errors.push({ row: rowNo, field: "specialties", code: "unknownSpecialty" });
      return;
    }
    const dup = seen.get(parsed.data.code);
    if (dup) {
      errors.push({ row: rowNo, field: "code", code: "duplicateInFile" });
      return;
    }
    seen.set(parsed.data.code, rowNo);
    valid.push(parsed.data);
  });
  return { valid, errors };
}
