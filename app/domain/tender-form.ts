import { parseWithZod } from "@conform-to/zod";
import { z } from "zod";
import { CstDateTimeSchema, toCstInput } from "./cst-time";
import { DomainError } from "./errors";
import type { MethodConfig } from "./evaluation/method";
import { UuidSchema } from "./ids";
import { MAX_CUSTODIANS, MAX_FORM_ARRAY_INDEX, MAX_SECTIONS_PER_TENDER, MAX_TEXT_LENGTH, MAX_YUAN } from "./limits";
import { METHOD_FIELDS, methodFromFields, MethodFieldsSchema } from "./method-form";
import { formatMoney } from "./money";

export { toCstInput } from "./cst-time";

/**
 * The project registration form (docs/product.md §3.1), shared by Conform in the browser and
 * parseWithZod on the server. Money is entered in yuan and stored in integer fen.
 * Date-times are entered as China time (UTC+8, `YYYY-MM-DDTHH:mm`) and parsed strictly
 * (app/domain/cst-time.ts). Every array and text has its bound (app/domain/limits.ts).
 */
const cstDateTime = CstDateTimeSchema;

/**
 * Yuan as typed — digits, at most two decimals, at most MAX_YUAN — to integer fen, exactly
 * (no floating point: "0.29" is 29 fen). Null for anything else ("-1", "1e308", "Infinity",
 * "1.005", "1,000").
 */
export function yuanToFen(raw: string): number | null {
  const m = /^(\d{1,14})(?:\.(\d{1,2}))?$/.exec(raw.trim());
  if (!m) return null;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return fen <= MAX_YUAN * 100 ? fen : null;
}

const yuan = z.preprocess(
  (v) => (typeof v === "number" ? String(v) : v),
  z.string({ required_error: "required", invalid_type_error: "invalid" }).transform((v, ctx) => {
    const fen = yuanToFen(v);
    if (fen === null) {
      ctx.addIssue({ code: "custom", message: "invalid" });
      return z.NEVER;
    }
    return fen;
  }),
);

const blankToUndefined = (v: unknown) => (v === "" || v == null ? undefined : v);
const optionalYuan = z.preprocess(blankToUndefined, yuan.optional());

const text = (max: number) => z.string({ required_error: "required" }).trim().min(1, "required").max(max, "tooLong");
const optionalText = (max: number) => z.string().trim().max(max, "tooLong");
const optionalId = z.preprocess((v) => (v === "" ? undefined : v), UuidSchema.optional());

/**
 * One section (标段/包): its prices and its evaluation method's fields (app/domain/method-form.ts), which the project
 * schema turns into the section's MethodConfig (`evaluation`) once the project's regime is known.
 */
export const SectionSchema = z.object({
  code: text(40),
  title: text(200),
  ceilingPriceYuan: optionalYuan,
  bondYuan: z.preprocess(blankToUndefined, yuan.default(0)),
  ...METHOD_FIELDS,
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
    /** R55: state-owned or state-controlled funding (rank 1 must win). A select, so that an absent field means "state". */
    fundingControl: z.enum(["state", "other"]).default("state"),
    /** Named by a tendering unit that entrusts an agency. */
    agencyId: optionalId,
    /** Named by an agency registering on a tendering unit's behalf. */
    tenderingUnitId: optionalId,
    estimateYuan: yuan,
    contactName: text(60),
    contactPhone: text(40),
    obtainMethod: text(500),
    qualification: text(2000),
    documentsFrom: cstDateTime,
    documentsUntil: cstDateTime,
    questionDeadline: cstDateTime,
    bidDeadline: cstDateTime,
    decryptionWindowMinutes: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ invalid_type_error: "invalid" })
        .int("invalid")
        .min(10, "invalid")
        .max(24 * 60, "invalid")
        .default(60),
    ),
    evaluationStart: z.preprocess((v) => (v === "" ? undefined : v), cstDateTime.optional()),
    reviewRoom: optionalText(60).default(""),
    keyModel: z.enum(["bidder", "bidder_with_custodian_fallback"]).default("bidder_with_custodian_fallback"),
    keyThreshold: z.preprocess(
      blankToUndefined,
      z.coerce.number({ invalid_type_error: "invalid" }).int("invalid").min(1, "invalid").max(MAX_CUSTODIANS, "invalid").default(2),
    ),
    custodians: z
      .array(z.enum(CUSTODIANS))
      .max(MAX_CUSTODIANS, "tooMany")
      .refine((cs) => new Set(cs).size === cs.length, "invalid")
      .default([...CUSTODIANS]),
    sections: z.array(SectionSchema).min(1, "required").max(MAX_SECTIONS_PER_TENDER, "tooMany"),
  })
  .superRefine((v, ctx) => {
    if (v.keyModel === "bidder_with_custodian_fallback" && v.keyThreshold > v.custodians.length) {
      ctx.addIssue({ code: "custom", path: ["keyThreshold"], message: "invalid" });
    }
  })
  .transform((v, ctx) => ({
    ...v,
    sections: v.sections.map((s, i) => {
      const { code, title, ceilingPriceYuan, bondYuan } = s;
      const evaluation = methodFromFields(s, v.regime, (path, message) => ctx.addIssue({ code: "custom", path: ["sections", i, ...path], message }));
      return { code, title, ceilingPriceYuan, bondYuan, evaluation: evaluation as MethodConfig };
    }),
  }));

export type ProjectFormInput = z.input<typeof ProjectFormSchema>;
export type ProjectForm = z.output<typeof ProjectFormSchema>;

/** Conform's intents the project form uses: add or remove a row of a section's method lists, or re-show a section for a method chosen without JavaScript. */
const LIST_NAME = /^sections\[(\d{1,2})\]\.(review|criteria|trim|policyDeductions|adjustments)$/;
const IntentSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("insert"),
      payload: z
        .object({
          name: z.string().regex(LIST_NAME),
          index: z.number().int().min(0).max(MAX_FORM_ARRAY_INDEX).optional(),
          defaultValue: z.record(z.enum(["level", "group", "stage", "mode", "kind"]), z.string().max(40)).optional(),
        })
        .strict(),
    })
    .strict(),
  z.object({ type: z.literal("remove"), payload: z.object({ name: z.string().regex(LIST_NAME), index: z.number().int().min(0).max(MAX_FORM_ARRAY_INDEX) }).strict() }).strict(),
  z.object({ type: z.literal("update"), payload: z.object({ name: z.string().regex(/^sections\[\d{1,2}\]\.method$/) }).strict() }).strict(),
]);

/** Conform's reserved field name for a button's intent (@conform-to/dom INTENT). */
export const INTENT = "__intent__";
/** A field name from a path, as Conform writes it: ["sections", 0, "criteria", 2, "max"] → sections[0].criteria[2].max. */
const formatPaths = (path: (string | number)[]) => path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");

/** The serialized intent of a row button (Conform's `__intent__` field, read by parseWithZod on the server). */
export const formIntent = (intent: z.infer<typeof IntentSchema>) => JSON.stringify(intent);

/**
 * Parses the project form data (Conform + Zod). A row button (`__intent__`: add or remove a row, re-show a method)
 * is applied and the form is shown again unvalidated (status undefined); an intent of any other shape is refused
 * (MALFORMED_REQUEST). When the form has errors, the sections' method fields are checked too even if another field
 * stopped the schema early, so that every field error shows in one round.
 */
export function parseProjectFormData(form: FormData) {
  const rawIntent = form.get(INTENT);
  if (rawIntent !== null) {
    let ok = false;
    try {
      ok = typeof rawIntent === "string" && IntentSchema.safeParse(JSON.parse(rawIntent)).success;
    } catch {
      ok = false;
    }
    if (!ok) throw new DomainError("MALFORMED_REQUEST", { field: INTENT });
  }
  const parse = () => parseWithZod(form, { schema: (intent) => (intent ? z.any() : ProjectFormSchema) });
  let submission: ReturnType<typeof parse>;
  try {
    submission = parse();
  } catch {
    // Conform refuses a list intent on a field that is not a list (`sections[0].criteria=x` with a remove intent).
    throw new DomainError("MALFORMED_REQUEST", { field: INTENT });
  }
  if (submission.status === "error") addMethodErrors(submission.payload, submission.error ?? {});
  return submission;
}

function addMethodErrors(payload: Record<string, unknown>, errors: Record<string, string[] | null>) {
  const regime = payload.regime === "ZTB" || payload.regime === "ZFCG" ? payload.regime : null;
  if (!regime || !Array.isArray(payload.sections)) return;
  payload.sections.forEach((s, i) => {
    const fields = MethodFieldsSchema.safeParse(s);
    if (!fields.success) return;
    methodFromFields(fields.data, regime, (path, message) => {
      const name = formatPaths(["sections", i, ...path]);
      if (!errors[name]) errors[name] = [message];
    });
  });
}

export const QuestionSchema = z.object({ body: text(2000) });
export const AnswerSchema = z.object({ answer: text(5000) });
export const ObjectionSchema = z.object({ body: text(5000) });
export const AmendmentSchema = z.object({
  title: text(200),
  body: text(MAX_TEXT_LENGTH),
  affectsBidPreparation: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()),
  /** Optional new deadline requested by the tendering unit (R10 may push it further). */
  bidDeadline: z.preprocess((v) => (v === "" ? undefined : v), cstDateTime.optional()),
});

/** Formats an instant as China time for display: 2026-11-23 09:30. */
export function formatCst(d: Date | string | null | undefined): string {
  return toCstInput(d).replace("T", " ");
}

/** Fen as "1,234,567.89" (no currency sign): `formatMoney` of app/domain/money.ts, the one money formatter. */
export function formatYuan(fen: number | null | undefined): string {
  if (fen == null) return "";
  return formatMoney({ fen }, { symbol: false });
}
