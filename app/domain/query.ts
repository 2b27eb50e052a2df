import { z } from "zod";
import { clampInt, MAX_PAGE, MAX_QUERY_LENGTH } from "./limits";
import { hasControlCharacter } from "./text";

/**
 * Query-string parameters of list pages (loaders). A malformed value never becomes an
 * error page or reaches the database as is: search text is trimmed, bounded and free of
 * control characters (else ignored), page numbers are clamped to 1..MAX_PAGE, enum filters
 * outside their values are ignored. Pure.
 */
export const QueryTextSchema = (max: number = MAX_QUERY_LENGTH) =>
  z
    .preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z
        .string()
        .trim()
        .max(max)
        .refine((s) => !hasControlCharacter(s))
        .optional(),
    )
    .catch(undefined);

/** 1-based page number: integers clamped to 1..MAX_PAGE; anything else is page 1. */
export const PageSchema = z.unknown().transform((v) => clampInt(v, 1, MAX_PAGE, 1));

/** An enum filter: a value outside `values` is ignored. */
export const EnumFilterSchema = <T extends [string, ...string[]]>(values: T) => z.enum(values).optional().catch(undefined);

/** The parameters of a URL as a plain object (the first value of each name), for the schemas above. */
export function searchParamsOf(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(request.url).searchParams) if (!(k in out)) out[k] = v;
  return out;
}

/** The expert pool list (/pool): name/code/employer search, status, specialty subtree, page. */
export const PoolQuerySchema = z.object({
  q: QueryTextSchema(),
  status: EnumFilterSchema(["active", "suspended", "retired", "blacklisted"]),
  specialty: z
    .string()
    .regex(/^[0-9A-Za-z]{1,20}$/)
    .optional()
    .catch(undefined),
  page: PageSchema,
});

/** The certificate list (/admin/certificates): search text and page. */
export const CertificateQuerySchema = z.object({ q: QueryTextSchema(), page: PageSchema });
