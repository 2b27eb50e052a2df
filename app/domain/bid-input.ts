import { z } from "zod";
import { DomainError } from "./errors";
import { isUuid } from "./ids";
import { MAX_BID_KEY_FIELD_LENGTH, MAX_BID_RECIPIENTS, MAX_FILES_PER_BID } from "./limits";
import { BID_LIMITS } from "./rules/bids";
import { violation } from "./rules/violations";

/**
 * The JSON bodies of the sealed-bid upload API (begin, complete) checked for shape and size
 * before the bid rules read them (R18: a malformed envelope is refused, never a 500): every
 * array bounded, every string bounded, numbers finite and safe integers where they count
 * bytes. The rules (app/domain/rules/bids.ts) then check what the values mean. A guard only:
 * the caller goes on with the input as sent (the manifest's signature covers its exact bytes).
 */
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const label = z.string().max(1000);
const hex64 = z.string().max(64);
/** Chunks of one file: the whole bid at the smallest chunk size, plus each file's last chunk. */
const MAX_CHUNKS = Math.ceil(BID_LIMITS.maxTotalBytes / BID_LIMITS.minChunkSize) + MAX_FILES_PER_BID;

const Recipient = z.object({
  kid: z.string().min(1).max(MAX_BID_KEY_FIELD_LENGTH),
  alg: z.string().max(40),
  wrappedKey: z.string().min(1).max(MAX_BID_KEY_FIELD_LENGTH),
});

export const BeginUploadInputSchema = z.object({
  certificateId: z.string().max(64),
  chunkSize: z.number(),
  files: z.array(z.object({ index: count, name: label, size: count })).max(MAX_FILES_PER_BID),
  recipients: z.array(Recipient).max(MAX_BID_RECIPIENTS),
});

export const CompleteUploadInputSchema = z.object({
  manifest: z.object({
    v: z.number(),
    alg: z.string().max(40),
    chunkSize: z.number(),
    files: z
      .array(z.object({ index: count, name: label, size: count, sha256: hex64, chunks: z.array(hex64).max(MAX_CHUNKS) }))
      .max(MAX_FILES_PER_BID),
    recipients: z.array(Recipient).max(MAX_BID_RECIPIENTS),
  }),
  /** A signature in base64 (RSA-4096: 684 characters). */
  signature: z.string().max(MAX_BID_KEY_FIELD_LENGTH),
});

function refuse(error: z.ZodError): never {
  const path = error.issues[0]?.path ?? [];
  throw new DomainError("RULE_VIOLATION", {}, [violation("RULE_R18_MALFORMED", { detail: path.map(String).join(".") || "body" })]);
}

/** Refuses a begin-upload body that is not the declared layout's shape (RULE_R18_MALFORMED), or names no certificate (CERT_UNKNOWN). */
export function assertBeginUploadInput(input: unknown): void {
  const r = BeginUploadInputSchema.safeParse(input);
  if (!r.success) refuse(r.error);
  if (!isUuid(r.data.certificateId)) throw new DomainError("CERT_UNKNOWN");
}

/** Refuses a complete-upload body that is not a manifest and a signature of the right shape (RULE_R18_MALFORMED). */
export function assertCompleteUploadInput(input: unknown): void {
  const r = CompleteUploadInputSchema.safeParse(input);
  if (!r.success) refuse(r.error);
}
