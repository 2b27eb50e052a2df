import { z } from "zod";

/**
 * The project registration form (PRODUCT.md §3.1), shared by Conform in the browser and
 * parseWithZod on the server. Money is entered in yuan and stored in integer fen.
 * Date-times are entered as China time (UTC+8, `YYYY-MM-DDTHH:mm`).
 */
const cstDateTime = z
  .string({ required_error: "required" })
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "invalid")
  .transform((s) => new Date(`${s}:00+08:00`));

const yuan = z.coerce
  .number({ invalid_type_error: "invalid" })
  .nonnegative("invalid")
  .max(1e13, "invalid")
  .transform((v) => Math.round(v * 100));

const optionalYuan = z.preprocess((v) => (v === "" || v == null ? undefined : v), yuan.optional());

const text = (max: number) => z.string({ required_error: "required" }).trim().min(1, "required").max(max, "tooLong");

export const CriterionSchema = z.object({
  code: z.string().trim().max(20).optional().default(""),
  name: z.string().trim().max(100).optional().default(""),
  kind: z.enum(["price", "technical", "commercial"]).default("technical"),
  weight: z.preprocess((v) => (v === "" || v == null ? 0 : v), z.coerce.number().min(0).max(100)),
  max: z.preprocess((v) => (v === "" || v == null ? 0 : v), z.coerce.number().min(0).max(1000)),
});

export const SectionSchema = z.object({
  code: text(40),
  title: text(200),
  ceilingPriceYuan: optionalYuan,
  bondYuan: yuan.default(0),
  method: z.enum(["lowest_evaluated_price", "comprehensive"]),
  priceFormula: z.enum(["lowest_over_price", "benchmark_deviation"]).default("lowest_over_price"),
  criteria: z.array(CriterionSchema).default([]),
});

export const CUSTODIANS = ["tendering_unit", "agency", "supervisor"] as const;

export const ProjectFormSchema = z
  .object({
    code: text(60),
    title: text(200),
    regime: z.enum(["ZTB", "ZFCG"]),
    mustTender: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()),
    category: z.enum(["construction", "goods", "services", "survey_design"]),
    region: text(60),
    location: text(200),
    description: text(5000),
    fundingSource: text(200),
    /** Named by a tendering unit that entrusts an agency. */
    agencyId: z.preprocess((v) => (v === "" ? undefined : v), z.string().uuid().optional()),
    /** Named by an agency registering on a tendering unit's behalf. */
    tenderingUnitId: z.preprocess((v) => (v === "" ? undefined : v), z.string().uuid().optional()),
    estimateYuan: yuan,
    contactName: text(60),
    contactPhone: text(40),
    obtainMethod: text(500),
    qualification: text(2000),
    documentsFrom: cstDateTime,
    documentsUntil: cstDateTime,
    questionDeadline: cstDateTime,
    bidDeadline: cstDateTime,
    decryptionWindowMinutes: z.coerce.number().int().min(10).max(24 * 60).default(60),
    evaluationStart: z.preprocess((v) => (v === "" ? undefined : v), cstDateTime.optional()),
    reviewRoom: z.string().trim().max(60).default(""),
    keyModel: z.enum(["bidder", "bidder_with_custodian_fallback"]).default("bidder_with_custodian_fallback"),
    keyThreshold: z.coerce.number().int().min(1).max(3).default(2),
    custodians: z.array(z.enum(CUSTODIANS)).default([...CUSTODIANS]),
    sections: z.array(SectionSchema).min(1, "required").max(50),
  })
  .superRefine((v, ctx) => {
    if (v.keyModel === "bidder_with_custodian_fallback" && v.keyThreshold > v.custodians.length) {
      ctx.addIssue({ code: "custom", path: ["keyThreshold"], message: "invalid" });
    }
  });

export type ProjectFormInput = z.input<typeof ProjectFormSchema>;
export type ProjectForm = z.output<typeof ProjectFormSchema>;

export const QuestionSchema = z.object({ body: text(2000) });
export const AnswerSchema = z.object({ answer: text(5000) });
export const ObjectionSchema = z.object({ body: text(5000) });
export const AmendmentSchema = z.object({
  title: text(200),
  body: text(10000),
  affectsBidPreparation: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()),
  /** Optional new deadline requested by the tendering unit (R10 may push it further). */
  bidDeadline: z.preprocess((v) => (v === "" ? undefined : v), cstDateTime.optional()),
});

/** Formats an instant as China time for a datetime-local input. */
export function toCstInput(d: Date | string | null | undefined): string {
  if (!d) return "";
  const t = new Date(new Date(d).getTime() + 8 * 3600_000);
  return t.toISOString().slice(0, 16);
}

/** Formats an instant as China time for display: 2026-11-23 09:30. */
export function formatCst(d: Date | string | null | undefined): string {
  return toCstInput(d).replace("T", " ");
}

export function formatYuan(fen: number | null | undefined): string {
  if (fen == null) return "";
  return (fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
