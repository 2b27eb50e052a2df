import { z } from "zod";
import { BID_FORM_NAME, fileLabel } from "#crypto/seal/format";
import type { RuleProfile } from "./profiles";
import { violation, type RuleViolation } from "./violations";

/**
 * Online opening rules (docs/rules.md R24–R30), pure: the database clock and the stored state
 * are passed in. The hall of a section moves through phases:
 *
 *   decryption ──window ends──▶ fallback (custodians, if the key model allows it)
 *        │                          │
 *        └──────────────┬───────────┘
 *                       ▼
 *                   resolution (R27: undecrypted bids revoked or withdrawn, with who and why)
 *                       ▼
 *                    reading (唱标 broadcast; objections answered, bidders confirm — R28–R30)
 *                       ▼
 *                    closed (signed opening record)
 *
 * and `failed` (流标) whenever fewer bids than the profile's minimum remain (R25, and R27's
 * configurable re-check after decryption failures).
 */

export type OpeningPhase = "decryption" | "fallback" | "resolution" | "reading" | "closed" | "failed";

/** Where one bid stands in the opening. `pending` = not yet opened. */
export type BidOpeningState = "pending" | "decrypted" | "revoked" | "withdrawn";

export type KeyModel = { model: "bidder" | "bidder_with_custodian_fallback"; threshold: number };

/** R25: the minimum number of bids for an opening; fewer → the section fails (流标). */
export function checkMinimumBids(count: number, profile: Pick<RuleProfile, "minBidders">): RuleViolation[] {
  return count < profile.minBidders ? [violation("RULE_R25_TOO_FEW_BIDS", { count, min: profile.minBidders })] : [];
}

/** R24: the hall opens at the deadline exactly (database clock), not before. */
export function checkHallOpen(now: Date, deadline: Date, deadlineText: string): RuleViolation[] {
  return now.getTime() >= deadline.getTime() ? [] : [violation("RULE_R24_HALL_NOT_OPEN", { deadline: deadlineText })];
}

/** R26: custodians release their shares only in the fallback phase of a tender whose key model allows it. */
export function checkCustodianRelease(phase: OpeningPhase, keyModel: KeyModel): RuleViolation[] {
  if (keyModel.model !== "bidder_with_custodian_fallback") return [violation("RULE_R26_FALLBACK_NOT_ALLOWED")];
  if (phase !== "fallback") return [violation("RULE_R26_WINDOW_CLOSED")];
  return [];
}

/** The decryption window's end (R26; its length is set in the tender). */
export function decryptionEndsAt(openedAt: Date, windowMinutes: number): Date {
  return new Date(openedAt.getTime() + windowMinutes * 60_000);
}

/** R26: a bidder releases its key only while the window is open, after checking in (R24). */
export function checkBidderRelease(input: { phase: OpeningPhase; now: Date; windowEndsAt: Date; checkedIn: boolean; state: BidOpeningState }): RuleViolation[] {
  if (input.phase !== "decryption" || input.now.getTime() >= input.windowEndsAt.getTime()) return [violation("RULE_R26_WINDOW_CLOSED")];
  if (!input.checkedIn) return [violation("RULE_R24_NOT_CHECKED_IN")];
  if (input.state !== "pending") return [violation("RULE_R26_ALREADY_OPENED")];
  return [];
}

/** The phase after the decryption window closes: custodians when allowed and needed (R26), else R27 resolution. */
export function phaseAfterWindow(states: BidOpeningState[], keyModel: KeyModel): OpeningPhase {
  const pending = states.some((s) => s === "pending");
  if (!pending) return "reading";
  return keyModel.model === "bidder_with_custodian_fallback" ? "fallback" : "resolution";
}

/** R27: the bidder's fault → revoked (撤销, bond may be kept); another cause → withdrawn (撤回, bond refunded). */
export function failureOutcome(cause: "bidder_fault" | "other"): "revoked" | "withdrawn" {
  return cause === "bidder_fault" ? "revoked" : "withdrawn";
}

/** R27: a decision needs a cause and a reason; only pending bids are decided, and not while custodians may still open them. */
export function checkFailureDecision(input: { phase: OpeningPhase; state: BidOpeningState; reason: string }): RuleViolation[] {
  if (input.phase !== "resolution") return [violation("RULE_R27_NOT_NOW")];
  if (input.state !== "pending") return [violation("RULE_R26_ALREADY_OPENED")];
  if (input.reason.trim().length < 4) return [violation("RULE_R27_REASON_REQUIRED")];
  return [];
}

/**
 * After the decryption and any failures: the section continues, reads out, or fails.
 * R26: the reading waits until no bid is pending. R27 ✖: whether the R25 minimum is applied
 * again to the bids that opened is the profile's setting.
 */
export function afterDecryption(states: BidOpeningState[], profile: Pick<RuleProfile, "minBidders" | "recheckMinBiddersAfterDecryptionFailure">): { next: "wait" | "reading" | "failed"; violations: RuleViolation[] } {
  if (states.some((s) => s === "pending")) return { next: "wait", violations: [] };
  const opened = states.filter((s) => s === "decrypted").length;
  if (opened === 0) return { next: "failed", violations: checkMinimumBids(0, { minBidders: Math.max(1, profile.minBidders) }) };
  if (profile.recheckMinBiddersAfterDecryptionFailure) {
    const v = checkMinimumBids(opened, profile);
    if (v.length) return { next: "failed", violations: v };
  }
  return { next: "reading", violations: [] };
}

/** The bid form a bidder sealed (file 0, `bid-form.json`), as read after decryption. */
export const SealedBidForm = z.object({
  v: z.literal(1),
  form: z.object({
    priceYuan: z.string().regex(/^\d{1,13}(\.\d{1,2})?$/),
    durationDays: z.string().max(40),
    quality: z.string().max(200).optional().default(""),
    projectManager: z.string().max(100).optional().default(""),
    remarks: z.string().max(2000).optional(),
    // Asked for by the section's method (app/domain/method-form.ts bidFormInputs), read by the evaluation summary:
    // claimed policy deductions (ids of the method's policyDeductions), the core product's brand, provisional sums.
    policy: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/)).max(10).optional(),
    brand: z.string().max(100).optional(),
    provisionalYuan: z.string().regex(/^\d{1,13}(\.\d{1,2})?$/).optional(),
  }),
  files: z.array(z.object({ name: z.string().max(200), size: z.number().int().nonnegative() })).max(50),
});
export type SealedBidForm = z.infer<typeof SealedBidForm>;

/** R26: a decrypted form that does not parse is the bidder's fault (the bid is unreadable). */
export function readSealedForm(plaintext: Uint8Array): SealedBidForm | null {
  try {
    const parsed = SealedBidForm.safeParse(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * R26, docs/sealed-bid-format.md §7 step 5: the signed manifest must describe exactly the files the sealed bid form
 * lists — file 0 is `bid-form.json`, then as many files as `form.files`, in the same order, file j labelled from the
 * real name of `form.files[j − 1]` (§2) and of the same size. The form carries no hashes: contents are bound by the
 * manifest's hashes, real names and sizes by the form. Otherwise the bid does not open: a manifest (re-)signed
 * without a trailing file, with files reordered or relabelled, would hide or mislabel part of what the bidder sealed.
 * The server can check this only at the opening (the form is sealed when the bid is submitted).
 */
export function sealedFilesMatch(manifestFiles: readonly { index: number; name: string; size: number }[], form: Pick<SealedBidForm, "files">): boolean {
  if (manifestFiles.length !== form.files.length + 1 || manifestFiles[0]?.name !== BID_FORM_NAME) return false;
  return form.files.every((f, i) => {
    const m = manifestFiles[i + 1]!;
    return m.index === i + 1 && m.name === fileLabel(i + 1, f.name) && m.size === f.size;
  });
}

export type ReadingRow = { order: number; bidder: string; priceYuan: string; durationDays: string; quality: string; projectManager: string; files: number };

/**
 * R28 唱标: every opened bid is read — bidder name, price and the listed items — in the
 * order the bids were received. Bids revoked or withdrawn under R27 are not read.
 */
export function readingRows(bids: { bidder: string; receivedAt: Date; state: BidOpeningState; form: SealedBidForm | null }[]): ReadingRow[] {
  return bids
    .filter((b) => b.state === "decrypted" && b.form)
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
    .map((b, i) => ({
      order: i + 1,
      bidder: b.bidder,
      priceYuan: b.form!.form.priceYuan,
      durationDays: b.form!.form.durationDays,
      quality: b.form!.form.quality,
      projectManager: b.form!.form.projectManager,
      files: b.form!.files.length,
    }));
}

/** R30: objections are raised while the hall reads out and before it closes; answered by the tendering side. */
export function checkObjection(phase: OpeningPhase, text: string): RuleViolation[] {
  if (phase !== "reading") return [violation("RULE_R30_NOT_NOW")];
  if (text.trim().length < 4) return [violation("RULE_R30_TEXT_REQUIRED")];
  return [];
}

/** R29/R30: the record is closed only after the reading, with every objection answered. */
export function checkClose(phase: OpeningPhase, unansweredObjections: number): RuleViolation[] {
  if (phase !== "reading") return [violation("RULE_R26_NOT_COMPLETE")];
  if (unansweredObjections > 0) return [violation("RULE_R30_UNANSWERED", { count: unansweredObjections })];
  return [];
}
