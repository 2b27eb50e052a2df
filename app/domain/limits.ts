/**
 * Every count, index, length and size a request can set has a bound, named here in one place
 * (docs/security.md lists them). Pure and isomorphic: the forms (maxLength, the "add a
 * section" link), the Zod schemas, the loaders and the request readers
 * (app/utils/request.server.ts) all read the same numbers, so a bound cannot drift between
 * what the page offers and what the server accepts.
 */

/** Sections (标段/包) of one tender notice. The project form, `?sections=` and the schema. */
export const MAX_SECTIONS_PER_TENDER = 50;

/**
 * Rows of a section's evaluation method in the tender form (app/domain/method-form.ts), blank rows included. Each is
 * within the engine's own bound (app/domain/evaluation/method.ts LIMITS: 100 criteria, 200 review items, 20 trimming
 * rows, 10 deductions, 50 adjustment factors, 5 tie steps; limits.test.ts checks it).
 */
/** Criteria (评分因素) rows: the tree's nodes, parents included. */
export const MAX_CRITERIA_PER_SECTION = 40;
/** Compliance-review items (初步评审). */
export const MAX_REVIEW_ITEMS_PER_SECTION = 40;
/** Rows of the benchmark's trimming table (去高去低). */
export const MAX_TRIM_ROWS = 10;
/** ZFCG policy price deductions (政策性价格扣除). */
export const MAX_POLICY_DEDUCTIONS = 5;
/** ZTB lowest-evaluated-price adjustment factors (价格调整因素). */
export const MAX_ADJUSTMENTS_PER_SECTION = 10;
/** Steps of the tie chain. */
export const MAX_TIE_STEPS = 5;

/** Key custodians of a section's opening key: at most one per custodian role (tendering unit, agency, supervisor). */
export const MAX_CUSTODIANS = 3;

/** Files in one sealed bid (the declared layout and the signed manifest). */
export const MAX_FILES_PER_BID = 50;

/** Recipients a bid's content key is wrapped for: the bidder, the opening key, and spares for certificate renewal. */
export const MAX_BID_RECIPIENTS = 4;

/** Length of a recipient's key id or of a base64 wrapped key in a bid upload (RSA-4096 wraps to 684 base64 characters). */
export const MAX_BID_KEY_FIELD_LENGTH = 1024;

/** Specialty lines of one expert draw request. */
export const MAX_DRAW_LINES = 3;

/** Data rows in one expert import (the header row not counted); more is refused before any row is validated. */
export const MAX_IMPORT_ROWS = 20_000;

/** Columns read from each row of an expert import (the import has 14; cells further right are ignored). */
export const MAX_IMPORT_COLUMNS = 50;

/** Size of an expert import file (.xlsx or .csv). */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

/** PDF files in one document upload or amendment form (each one at most MAX_DOCUMENT_BYTES, configured). */
export const MAX_FILES_PER_UPLOAD = 20;

/**
 * The longest free text a form accepts (an amendment's body); every text field has its own,
 * smaller or equal, `max` in its schema. A stray longer value is refused before any schema.
 */
export const MAX_TEXT_LENGTH = 10_000;

/**
 * The longest single field value, in characters, readForm lets through: MAX_TEXT_LENGTH for
 * text, and room for the certificate forms (a PEM certificate chain, a CSR, signatures).
 */
export const MAX_FIELD_LENGTH = 64 * 1024;

/** The longest field name (Conform paths such as `sections[49].criteria[19].weight` are ~35). */
export const MAX_FIELD_NAME_LENGTH = 100;

/**
 * The most fields one section of the project form has: 6 (code, title, prices, method) + ~45 method settings +
 * 13 per criterion + 3 per review item + 4 per trimming row + 3 per deduction + 7 per adjustment factor.
 */
export const PROJECT_FORM_FIELDS_PER_SECTION =
  6 + 45 + 13 * MAX_CRITERIA_PER_SECTION + 3 * MAX_REVIEW_ITEMS_PER_SECTION + 4 * MAX_TRIM_ROWS + 3 * MAX_POLICY_DEDUCTIONS + 7 * MAX_ADJUSTMENTS_PER_SECTION;

/**
 * Fields in one form. The largest form is the project form at its bounds:
 * ~30 fields + 50 sections × PROJECT_FORM_FIELDS_PER_SECTION (≈ 810) ≈ 40,600.
 */
export const MAX_FORM_FIELDS = 42_000;

/**
 * Size of a urlencoded (or text-only multipart) form body. The project form at its bounds
 * (≈ 40,000 field names of ≈ 50 bytes urlencoded, short values) stays below this.
 */
export const MAX_FORM_BYTES = 4 * 1024 * 1024;

/** Parts of a multipart form (text fields and files). */
export const MAX_MULTIPART_PARTS = 100;

/**
 * Bytes of a multipart body's preamble (before the first boundary); each part's header block
 * is bounded at 16 KiB (multipart-parser.server.ts): a "header" that never ends is refused
 * instead of filling memory.
 */
export const MAX_MULTIPART_HEADER_BYTES = 64 * 1024;

/** The largest array index a form field name may carry (`x[N]`): the largest array bound above. */
export const MAX_FORM_ARRAY_INDEX =
  Math.max(MAX_SECTIONS_PER_TENDER, MAX_CRITERIA_PER_SECTION, MAX_REVIEW_ITEMS_PER_SECTION, MAX_TRIM_ROWS, MAX_POLICY_DEDUCTIONS, MAX_ADJUSTMENTS_PER_SECTION, MAX_TIE_STEPS, MAX_CUSTODIANS, MAX_DRAW_LINES) - 1;

/** Search text in list pages (portal, pool, certificates, accounts). */
export const MAX_QUERY_LENGTH = 100;

/** Page numbers in list pages: 1..MAX_PAGE (page × page size stays far inside an OFFSET). */
export const MAX_PAGE = 10_000;

/** Money: the largest amount in yuan (10 trillion; 10^15 fen stays below Number.MAX_SAFE_INTEGER and the bigint column). */
export const MAX_YUAN = 10_000_000_000_000;

/** Years a date-time field may name (a tender's timeline, a draw's evaluation time). */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

/**
 * A whole number from a query string or form, clamped to [min, max]; `fallback` for anything
 * that is not a finite integer (blank, "abc", "1e308", "Infinity", "2.5").
 */
export function clampInt(raw: unknown, min: number, max: number, fallback: number): number {
  const s = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (!/^-?\d{1,15}$/.test(s)) return fallback;
  const n = Number(s);
  return Math.min(max, Math.max(min, n));
}

/** The number of section blocks the project form shows: `?sections=`, at least the sections it holds, at most the bound. */
export function sectionCountOf(raw: string | null | undefined, existing = 0): number {
  return Math.min(MAX_SECTIONS_PER_TENDER, Math.max(clampInt(raw, 1, MAX_SECTIONS_PER_TENDER, 1), existing, 1));
}
