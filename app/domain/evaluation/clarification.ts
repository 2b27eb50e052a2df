import { z } from "zod";
import { CapitalsParseError } from "./capitals";
import { correctZfcg, correctZtb, type CorrectionResult, type WrittenPrice } from "./corrections";
import { MONEY_RE, QUANTITY_RE } from "./decimal";
import { ID_RE, textSchema, type Regime } from "./method";

/**
 * Clarifications (澄清, R43, EV13, EV14; docs/evaluation-rules.md §4.4) as pure rules: the bounds of a request, the bytes a
 * bidder signs with its certificate when it answers, and the committee's correction proposal (TV-C1…C7) computed
 * from what the bid says in writing. Isomorphic: the bidder's browser builds the same bytes it signs.
 */

export const CLARIFICATION_KINDS = ["question", "correction", "abnormally_low"] as const;
export type ClarificationKind = (typeof CLARIFICATION_KINDS)[number];

export const CLARIFICATION_LIMITS = {
  /** R43: a reply deadline on the database clock, at least 10 minutes and at most 48 hours after the request. */
  minMinutes: 10,
  maxMinutes: 48 * 60,
  question: 2000,
  answer: 4000,
  /** Requests per bid (a hostile or mistaken leader cannot flood a bidder). */
  perBid: 20,
  lines: 50,
} as const;

/** R43: whether a reply window (minutes) is within the bounds. */
export function dueMinutesAllowed(minutes: number): boolean {
  return Number.isInteger(minutes) && minutes >= CLARIFICATION_LIMITS.minMinutes && minutes <= CLARIFICATION_LIMITS.maxMinutes;
}

/** What the bidder does with a request: answer a question, or accept / refuse a proposed correction (87号令59). */
export type AnswerDecision = "answer" | "accept" | "refuse";

/**
 * The bytes a bidder signs with its certificate key (RSASSA-PKCS1-v1_5 / SHA-256, as at check-in): the request id,
 * the SHA-256 of the question as the bidder saw it, the kind, the decision, the proposed price (a correction; "-"
 * otherwise) and the answer text, last (it may hold newlines). The server rebuilds them from the stored request
 * and the submitted answer, so a signature binds exactly this answer to exactly this question.
 */
export function answerBytes(a: { id: string; questionSha256: string; kind: ClarificationKind; decision: AnswerDecision; price: string | null; answer: string }): Uint8Array {
  const head = [a.id, a.questionSha256, a.kind, a.decision, a.price ?? "-"];
  if (head.some((x) => /[\r\n]/.test(x))) throw new RangeError("answer fields must not contain newlines");
  return new TextEncoder().encode(`TH-CLARIFICATION-v1\n${head.join("\n")}\n${a.answer}`);
}

/** The decision a kind allows: a correction is accepted or refused; anything else is answered. */
export function decisionAllowed(kind: ClarificationKind, decision: AnswerDecision): boolean {
  return kind === "correction" ? decision === "accept" || decision === "refuse" : decision === "answer";
}

/** What the committee finds written in the bid (the leader enters it): figures, words (大写), bill lines, ZFCG body total. */
export const WrittenPriceSchema = z
  .object({
    figures: z.string().regex(MONEY_RE),
    words: textSchema(100).optional(),
    lines: z
      .array(
        z
          .object({
            ref: z.string().regex(ID_RE),
            quantity: z.string().regex(QUANTITY_RE),
            unitPrice: z.string().regex(QUANTITY_RE),
            total: z.string().regex(MONEY_RE),
          })
          .strict(),
      )
      .max(CLARIFICATION_LIMITS.lines)
      .optional(),
    linesComplete: z.boolean().optional(),
    /** ZFCG: the total the body of the bid states, where it differs from the price schedule (开标一览表, 87号令59(1)). */
    bodyTotal: z.string().regex(MONEY_RE).optional(),
  })
  .strict();
export type WrittenPriceInput = z.infer<typeof WrittenPriceSchema>;

/**
 * R43: the committee's correction proposal in the configured order (评标规定19 for ZTB, 87号令59 for ZFCG;
 * corrections.ts, TV-C1…C7). `unreadable`: the words cannot be read as an amount (ask a question instead);
 * `unchanged`: nothing written needs correcting.
 */
export function proposeCorrection(order: Regime, written: WrittenPriceInput): { ok: true; result: CorrectionResult } | { ok: false; problem: "unreadable" | "unchanged" } {
  const price: WrittenPrice = { figures: written.figures, words: written.words, lines: written.lines, linesComplete: written.linesComplete };
  let result: CorrectionResult;
  try {
    result = order === "ZFCG" ? correctZfcg(price, written.bodyTotal !== undefined ? { total: written.bodyTotal } : undefined) : correctZtb(price);
  } catch (e) {
    if (e instanceof CapitalsParseError) return { ok: false, problem: "unreadable" };
    throw e;
  }
  if (!result.changed) return { ok: false, problem: "unchanged" };
  return { ok: true, result };
}
