import { canonicalJson } from "#crypto/canonical-json";
import type { Regime } from "./method";

/**
 * The declaration of no conflict (承诺书 / 回避声明, R41; docs/evaluation-rules.md §4.2) that a committee member signs with its
 * certificate key in the page after being shown the section's bidders and the grounds of R39 (ZTB, 评标规定12,
 * 法37, 条例46) or R40 (ZFCG, 采购条例9). Pure and isomorphic: the page builds the same bytes it signs as the
 * server rebuilds from its own data to verify the signature, so a member signs exactly what the server holds — the
 * section, the bidders as stored, the grounds' version, its seat and the time.
 *
 * Signed bytes: "TH-DECLARATION-v1\n" followed by the canonical JSON of the document (sorted keys, no whitespace;
 * crypto/canonical-json.ts). The prefix keeps the signature apart from every other thing the same key signs
 * (check-in challenges "TH-CHALLENGE-v1", bid manifests, report CMS attributes).
 */

/**
 * The grounds shown to the member, by code (their text is in the catalogs: evaluation:entry.grounds.<regime>.<code>).
 * The version is signed: a change of the wording's meaning is a new version.
 */
export const DECLARATION_GROUNDS = {
  /** R39: 评标规定12 (1)–(4), 法37 / 条例46 利害关系. */
  ZTB: { version: "R39-2026.1", codes: ["near_relative", "supervising_staff", "economic_interest", "punished", "other_interest"] },
  /** R40: 采购条例9 (1)–(5). */
  ZFCG: { version: "R40-2026.1", codes: ["employed", "director", "controller", "relative", "other_relationship"] },
} as const satisfies Record<Regime, { version: string; codes: readonly string[] }>;

/** The reading countdown (LZ pledge page): the member may declare only this long after entering (R41). */
export const DECLARATION_READING_SECONDS = 10;

/** How far the declaration's time may be from the database clock when it arrives (the page's clock runs on the server's). */
export const DECLARATION_MAX_SKEW_MS = 10 * 60_000;

/** A recusal's reason, bounded (LZ: length-limited). */
export const RECUSAL_REASON_MAX = 500;

export type DeclarationBidder = { name: string; creditCode: string | null };

export type DeclarationInput = {
  sectionId: string;
  regime: Regime;
  seat: number;
  bidders: readonly DeclarationBidder[];
  /** ISO 8601 UTC with milliseconds, e.g. 2026-12-01T01:30:00.000Z. */
  at: string;
};

export type DeclarationDocument = {
  v: 1;
  kind: "no_conflict";
  sectionId: string;
  regime: Regime;
  seat: number;
  grounds: string;
  bidders: DeclarationBidder[];
  at: string;
};

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The stable order of bidders (credit code, then name), so page and server list them identically. */
export function compareBidders(a: DeclarationBidder, b: DeclarationBidder): number {
  const ka = `${a.creditCode ?? ""}\u0000${a.name}`;
  const kb = `${b.creditCode ?? ""}\u0000${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The bidders as signed: name and credit code only, in the stable order. */
export function sortBidders(bidders: readonly DeclarationBidder[]): DeclarationBidder[] {
  return bidders.map((b) => ({ name: b.name, creditCode: b.creditCode ?? null })).sort(compareBidders);
}

/** The document a member signs. Throws RangeError on a malformed input (never signed, never verified). */
export function declarationDocument(input: DeclarationInput): DeclarationDocument {
  if (!UUID.test(input.sectionId)) throw new RangeError("declaration: sectionId must be a UUID");
  if (input.regime !== "ZTB" && input.regime !== "ZFCG") throw new RangeError("declaration: regime");
  if (!Number.isInteger(input.seat) || input.seat < 1 || input.seat > 99) throw new RangeError("declaration: seat");
  if (!ISO_MS.test(input.at) || new Date(input.at).toISOString() !== input.at) throw new RangeError("declaration: at must be ISO 8601 UTC with milliseconds");
  return { v: 1, kind: "no_conflict", sectionId: input.sectionId, regime: input.regime, seat: input.seat, grounds: DECLARATION_GROUNDS[input.regime].version, bidders: sortBidders(input.bidders), at: input.at };
}

/** The signed text: the prefix line and the canonical JSON of the document. */
export function declarationText(input: DeclarationInput): string {
  return `TH-DECLARATION-v1\n${canonicalJson(declarationDocument(input))}`;
}

export function declarationBytes(input: DeclarationInput): Uint8Array {
  return new TextEncoder().encode(declarationText(input));
}

/** R41: the declaration's time is near the database clock, and the reading time since entering has passed. */
export function declarationTiming(args: { at: string; now: Date; enteredAt: Date }): "ok" | "skew" | "reading" {
  const at = new Date(args.at).getTime();
  if (!Number.isFinite(at) || Math.abs(at - args.now.getTime()) > DECLARATION_MAX_SKEW_MS) return "skew";
  if (args.now.getTime() < args.enteredAt.getTime() + DECLARATION_READING_SECONDS * 1000) return "reading";
  return "ok";
}

/** A recusal reason: trimmed, 1…RECUSAL_REASON_MAX characters (code points), or null when empty or too long. */
export function recusalReason(raw: string): string | null {
  const s = raw.trim();
  if (!s || [...s].length > RECUSAL_REASON_MAX) return null;
  return s;
}
