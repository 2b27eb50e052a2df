import { sha256 } from "@noble/hashes/sha256";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import { z } from "zod";
import { evaluate, EvaluationInputError, parseEvaluationDocuments, type EvaluationResult, type LotChooser } from "./evaluate";
import { EvaluationInputSchema, type EvaluationInput, type EvaluationInputData } from "./input";
import { IdSchema, textSchema, type MethodConfig, type MethodConfigInput } from "./method";

/**
 * The machine-readable appendix of the evaluation report (评标报告附件): one JSON document with the method
 * configuration, the inputs (bids with their prices and corrections, the members by pseudonymous id and name, every
 * member's sheet, lots) and the result. It is published with the report after the result (R36), hashed for the report
 * PDF, and re-checked by `verifyAppendix` here, by `npm run verify-evaluation`, and by an independent verifier
 * (test/fixtures/evaluation/verify_evaluation.py). Byte-exact format: docs/evaluation-appendix.md.
 */

export const APPENDIX_FORMAT = "tenderhall-evaluation-appendix";
export const APPENDIX_VERSION = 1;

export type Appendix = {
  format: typeof APPENDIX_FORMAT;
  version: typeof APPENDIX_VERSION;
  /** Informational labels (project code, section name, report number…); not used by the computation. */
  context: Record<string, string>;
  method: MethodConfig;
  input: EvaluationInput;
  result: EvaluationResult;
};

/**
 * Canonical JSON (RFC 8785 subset, the same as crypto/canonical-json.ts, which app/ code may not import): object
 * members sorted by key (UTF-16 code units), no whitespace, strings as JSON.stringify writes them, numbers as
 * ECMAScript writes them (the appendix holds only small integers), `undefined` members dropped, arrays keep order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonicalJson: non-finite number");
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
      const keys = Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
}

/** SHA-256 (hex, lowercase) of the UTF-8 bytes of the canonical JSON: the digest the report PDF prints. */
export function appendixSha256(appendix: Appendix | unknown): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(appendix))));
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The input in canonical order (bids, members, sheets by id; scores by bidder, item, value; lots and decisions by
 * their sorted ids), so that two services building the appendix from the same data get the same bytes. Order never
 * changes the result (evaluate sorts internally).
 */
export function normalizeInput(input: EvaluationInput): EvaluationInput {
  const scoreOrder = (a: { bidderId: string; itemId: string; score: string }, b: typeof a) =>
    byId(a.bidderId, b.bidderId) || byId(a.itemId, b.itemId) || byId(a.score, b.score);
  const lotKey = (l: { among: string[] }) => l.among.join("\u0000");
  return {
    ...input,
    members: [...input.members].sort((a, b) => byId(a.memberId, b.memberId)),
    bids: [...input.bids].sort((a, b) => byId(a.bidderId, b.bidderId)),
    sheets: [...input.sheets].sort((a, b) => byId(a.memberId, b.memberId)).map((s) => ({ ...s, scores: [...s.scores].sort(scoreOrder) })),
    objectiveScores: [...input.objectiveScores].sort(scoreOrder),
    lots: [...input.lots].sort((a, b) => byId(a.purpose, b.purpose) || byId(lotKey(a), lotKey(b))),
    decisions: [...input.decisions].sort((a, b) => byId(lotKey(a), lotKey(b))),
  };
}

export const ContextSchema = z
  .record(IdSchema, textSchema(200))
  .refine((r) => Object.keys(r).length <= 20, "at most 20 context entries")
  .default({});

/**
 * Build the appendix of an evaluation: evaluates (drawing new lots with `chooseLot` if given), then records every
 * lot used among the inputs, so that the appendix replays without any chooser.
 */
export function buildAppendix(args: {
  method: MethodConfigInput | MethodConfig;
  input: EvaluationInputData | EvaluationInput;
  context?: Record<string, string>;
  chooseLot?: LotChooser;
}): Appendix {
  const { config, input } = parseEvaluationDocuments(args.method, args.input);
  const result = evaluate(config, input, { chooseLot: args.chooseLot });
  const recorded = [...input.lots];
  for (const l of result.lots) if (!recorded.some((r) => r.purpose === l.purpose && r.among.join() === l.among.join())) recorded.push(l);
  const finalInput = normalizeInput({ ...input, lots: recorded });
  // Replaying with the recorded lots must give the same result (the lots are now inputs).
  const replayed = evaluate(config, finalInput);
  return { format: APPENDIX_FORMAT, version: APPENDIX_VERSION, context: ContextSchema.parse(args.context ?? {}), method: config, input: finalInput, result: replayed };
}

export type Difference = { path: string; expected: unknown; found: unknown };
export type Verification = { ok: boolean; differences: Difference[]; recomputed: EvaluationResult | null };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every difference between two JSON values, by path ("result.bids[2].total"); objects by sorted keys. */
export function jsonDifferences(expected: unknown, found: unknown, path: string, out: Difference[] = []): Difference[] {
  if (Array.isArray(expected) && Array.isArray(found)) {
    const n = Math.max(expected.length, found.length);
    for (let i = 0; i < n; i++) jsonDifferences(i < expected.length ? expected[i] : undefined, i < found.length ? found[i] : undefined, `${path}[${i}]`, out);
    return out;
  }
  if (isObject(expected) && isObject(found)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])].sort(byId);
    for (const k of keys) jsonDifferences(expected[k], found[k], `${path}.${k}`, out);
    return out;
  }
  if (canonicalJson(expected ?? null) !== canonicalJson(found ?? null) || (expected === undefined) !== (found === undefined)) {
    out.push({ path, expected: expected === undefined ? null : expected, found: found === undefined ? null : found });
  }
  return out;
}

/**
 * Recompute an appendix from its method and inputs and list every mismatch with the recorded result (and any
 * problem with the envelope or the inputs). Lots are replayed from `input.lots` only.
 */
export function verifyAppendix(appendix: unknown): Verification {
  const differences: Difference[] = [];
  if (!isObject(appendix)) return { ok: false, differences: [{ path: "", expected: "an object", found: appendix }], recomputed: null };
  if (appendix.format !== APPENDIX_FORMAT) differences.push({ path: "format", expected: APPENDIX_FORMAT, found: appendix.format ?? null });
  if (appendix.version !== APPENDIX_VERSION) differences.push({ path: "version", expected: APPENDIX_VERSION, found: appendix.version ?? null });
  const extra = Object.keys(appendix).filter((k) => !["format", "version", "context", "method", "input", "result"].includes(k));
  for (const k of extra.sort(byId)) differences.push({ path: k, expected: null, found: appendix[k] });
  const ctx = ContextSchema.safeParse(appendix.context ?? {});
  if (!ctx.success) differences.push({ path: "context", expected: "string labels", found: appendix.context });
  let recomputed: EvaluationResult | null = null;
  try {
    const { config, input } = parseEvaluationDocuments(appendix.method, appendix.input);
    // The stored documents must be in their normalised form (defaults present, canonical order): otherwise two
    // appendices of one evaluation could hash differently.
    jsonDifferences(config, appendix.method, "method", differences);
    jsonDifferences(normalizeInput(EvaluationInputSchema.parse(input)), appendix.input, "input", differences);
    recomputed = evaluate(config, input);
    jsonDifferences(recomputed, appendix.result, "result", differences);
  } catch (e) {
    if (!(e instanceof EvaluationInputError)) throw e;
    differences.push({ path: e.code === "config_invalid" ? "method" : "input", expected: "valid", found: e.detail });
  }
  return { ok: differences.length === 0, differences, recomputed };
}

