import { z } from "zod";
import { PARAM_RE, QUANTITY_RE, SCORE_RE, SIGNED_MONEY_RE } from "./decimal";
import { IdSchema, LIMITS, MoneySchema, textSchema } from "./method";

/**
 * What the committee's work produces and `evaluate` consumes (EV19: the platform recomputes from stored inputs):
 * the bids as read at the opening with their confirmed corrections and the committee's review conclusions, the
 * members, every member's score sheet, objective scores entered once, and the outcome of any lot or tenderer
 * decision already taken. Field-by-field: docs/evaluation-appendix.md §5.
 */

export const CORRECTION_RULES = [
  "ztb_words_over_figures",
  "ztb_unit_price_over_total",
  "ztb_decimal_slip_keep_total",
  "zfcg_schedule_over_body",
  "zfcg_words_over_figures",
  "zfcg_decimal_slip_fix_unit",
  "zfcg_unit_price_result",
] as const;
export type CorrectionRule = (typeof CORRECTION_RULES)[number];

export const CorrectionStepSchema = z
  .object({
    rule: z.enum(CORRECTION_RULES),
    /** "total" or "line:<ref>" (the bill line the rule changed). */
    target: z.string().regex(/^(?:total|line:[A-Za-z0-9][A-Za-z0-9._:-]{0,63})$/),
    field: z.enum(["total", "unitPrice"]),
    before: z.string().regex(/^(?:0|[1-9]\d{0,15})(?:\.\d{1,4})?$/),
    after: z.string().regex(/^(?:0|[1-9]\d{0,15})(?:\.\d{1,4})?$/),
  })
  .strict();
export type CorrectionStep = z.infer<typeof CorrectionStepSchema>;

export const BidInputSchema = z
  .object({
    bidderId: IdSchema,
    name: textSchema(200),
    /** The price as read out at the opening (唱标), yuan. */
    readPrice: MoneySchema,
    /** An arithmetic correction (R43): binding only when the bidder confirmed it in writing; unconfirmed → invalid. */
    correction: z
      .object({ price: MoneySchema, confirmed: z.boolean(), steps: z.array(CorrectionStepSchema).max(100).default([]) })
      .strict()
      .nullable()
      .default(null),
    /** The committee's conclusion on every review item and pass_fail criterion (EV12: by majority where needed). */
    review: z.array(z.object({ itemId: IdSchema, passed: z.boolean() }).strict()).max(LIMITS.review + LIMITS.criteria).default([]),
    /** Any other rejection the committee decided (R44, e.g. an unjustified abnormally low price, EV14). */
    rejection: z.object({ reason: textSchema(500) }).strict().nullable().default(null),
    /** ZFCG policy deductions the bidder qualifies for (ids of config.policyDeductions). */
    policy: z.array(IdSchema).max(LIMITS.deductions).default([]),
    /** ZFCG: the brand of the (core) product (87号令31). */
    brand: textSchema(100).nullable().default(null),
    /** 暂列金额 + 专业工程暂估价 (with tax), excluded when benchmark.priceBasis = excluding_provisional. */
    provisional: MoneySchema.nullable().default(null),
    /** ZTB lowest evaluated price: inputs of the documents' adjustment factors (评标规定32). */
    adjustments: z
      .array(
        z
          .object({
            factorId: IdSchema,
            items: z.array(z.object({ itemRef: IdSchema, quantity: z.string().regex(QUANTITY_RE) }).strict()).max(200).default([]),
            value: z.string().regex(PARAM_RE).nullable().default(null),
            amount: z.string().regex(SIGNED_MONEY_RE).nullable().default(null),
            note: textSchema(500),
          })
          .strict(),
      )
      .max(LIMITS.adjustments)
      .default([]),
    /** Unit prices offered per bill item, the reference for other bidders' missing items. */
    unitPrices: z.array(z.object({ itemRef: IdSchema, unitPrice: z.string().regex(QUANTITY_RE) }).strict()).max(2000).default([]),
  })
  .strict();
export type BidInput = z.output<typeof BidInputSchema>;

export const MemberSchema = z.object({ memberId: IdSchema, name: textSchema(100), role: z.enum(["expert", "representative"]) }).strict();
export type Member = z.infer<typeof MemberSchema>;

export const ScoreEntrySchema = z.object({ bidderId: IdSchema, itemId: IdSchema, score: z.string().regex(SCORE_RE) }).strict();
export type ScoreEntry = z.infer<typeof ScoreEntrySchema>;

export const LOT_PURPOSES = ["ranking", "same_brand", "highway_discard"] as const;
export type LotPurpose = (typeof LOT_PURPOSES)[number];
export const LotSchema = z.object({ purpose: z.enum(LOT_PURPOSES), among: z.array(IdSchema).min(2).max(LIMITS.bids), order: z.array(IdSchema).min(2).max(LIMITS.bids) }).strict();
export type Lot = z.infer<typeof LotSchema>;

export const EvaluationInputSchema = z
  .object({
    /** The section's ceiling price (最高投标限价) or ZFCG budget ceiling; bids above it are invalid. */
    ceilingPrice: MoneySchema.nullable().default(null),
    members: z.array(MemberSchema).max(LIMITS.members).default([]),
    bids: z.array(BidInputSchema).min(1).max(LIMITS.bids),
    sheets: z.array(z.object({ memberId: IdSchema, scores: z.array(ScoreEntrySchema).max(LIMITS.scoresPerSheet) }).strict()).max(LIMITS.members).default([]),
    /** Objective items entered once for the committee (must agree with any member's own entry). */
    objectiveScores: z.array(ScoreEntrySchema).max(LIMITS.scoresPerSheet).default([]),
    /** composite benchmark: the three components, fixed at the opening (drawn Δ, drawn bid…). */
    benchmarkInputs: z.object({ A: MoneySchema, B: MoneySchema, C: MoneySchema }).strict().nullable().default(null),
    /** Lots already drawn (replayed before any new draw). */
    lots: z.array(LotSchema).max(LIMITS.lots).default([]),
    /** Ties the tenderer (or the committee it authorised) resolved: `order` is the decided order of `among`. */
    decisions: z.array(z.object({ among: z.array(IdSchema).min(2).max(LIMITS.bids), order: z.array(IdSchema).min(2).max(LIMITS.bids) }).strict()).max(LIMITS.lots).default([]),
  })
  .strict();
export type EvaluationInput = z.output<typeof EvaluationInputSchema>;
export type EvaluationInputData = z.input<typeof EvaluationInputSchema>;
