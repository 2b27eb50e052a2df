import { createHash, createHmac } from "node:crypto";
import { canonicalJson } from "../crypto/canonical-json";
import type { DrawLine } from "./draw";

/**
 * The steer-proof draw (R35; docs/draw-proof.md, docs/decisions/027-steer-proof-draw.md): at the request the
 * candidate list and every exclusion are fixed and committed together with the server-seed commitment, before
 * any salt exists; the salt(s) and the draw then come in one command, and the seed is a function of the server
 * seed, that pool commitment and the salts only — nothing the operator could choose after seeing a salt.
 * Pure: the random bytes (server seed, pseudonym key) are passed in.
 */

/** Who contributes a salt (the rule profile decides, app/domain/rules/profiles.ts `drawSaltParties`). */
export type SaltParty = "supervisor" | "tendering_unit";
export const SALT_PARTIES: readonly SaltParty[] = ["supervisor", "tendering_unit"];

/** A committed candidate: [expert code, sorted specialty codes]. */
export type CommittedCandidate = [string, string[]];
/** A committed exclusion as published: [pseudonym, rule, exclusion code]. */
export type CommittedExclusion = [string, string, string];

/**
 * The rule each exclusion code belongs to (expert-pool/exclusions.ts): the verifier refuses an exclusion whose
 * rule is not the one its code is excluded under.
 */
export const EXCLUSION_RULES: Readonly<Record<string, string>> = {
  EXCLUDED_BLACKLISTED: "R39",
  EXCLUDED_SUSPENDED: "R39",
  EXCLUDED_RETIRED: "R33",
  EXCLUDED_PUNISHED: "R39",
  EXCLUDED_MANUAL: "R39",
  EXCLUDED_SUPERVISOR_STAFF: "R39",
  EXCLUDED_EMPLOYMENT: "R40",
  EXCLUDED_RELATIONSHIP: "R40",
  EXCLUDED_UNAVAILABLE: "R36",
  EXCLUDED_NOT_LOCAL: "R68",
  EXCLUDED_NOT_REMOTE: "R68",
  EXCLUDED_ROTATION_CAP: "R35",
};

const HEX64 = /^[0-9a-f]{64}$/;
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sha256Hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/**
 * An excluded expert's pseudonym in the public proof: HMAC-SHA256 keyed with the draw's secret pseudonym key (32
 * random bytes, never published) over the UTF-8 expert code, lowercase hex. Nobody without the key can tell who
 * was excluded, or test a guessed code; the supervisors, who see the names, can check the mapping.
 */
export function pseudonym(pseudonymKeyHex: string, expertCode: string): string {
  if (!HEX64.test(pseudonymKeyHex)) throw new RangeError("pseudonym key must be 32 bytes of lowercase hex");
  return createHmac("sha256", Buffer.from(pseudonymKeyHex, "hex")).update(expertCode, "utf8").digest("hex");
}

/** The lines as committed and hashed: [specialty, count, backups], sorted by specialty (the draw's line order). */
export function canonicalLines(lines: readonly DrawLine[]): [string, number, number][] {
  return [...lines].sort((a, b) => byCodeUnits(a.specialty, b.specialty)).map((l) => [l.specialty, l.count, l.backups]);
}

/** Candidates sorted by code, each with its specialty codes sorted (code-unit order); duplicates refused. */
export function canonicalCandidates(candidates: readonly CommittedCandidate[]): CommittedCandidate[] {
  const out = [...candidates].map(([id, s]): CommittedCandidate => [id, [...s].sort(byCodeUnits)]).sort((a, b) => byCodeUnits(a[0], b[0]));
  for (let i = 1; i < out.length; i++) if (out[i]![0] === out[i - 1]![0]) throw new RangeError(`duplicate candidate ${out[i]![0]}`);
  return out;
}

/** Exclusions sorted by pseudonym; a pseudonym twice is refused. */
export function canonicalExclusions(exclusions: readonly CommittedExclusion[]): CommittedExclusion[] {
  const out = [...exclusions].map((x): CommittedExclusion => [x[0], x[1], x[2]]).sort((a, b) => byCodeUnits(a[0], b[0]));
  for (let i = 1; i < out.length; i++) if (out[i]![0] === out[i - 1]![0]) throw new RangeError(`duplicate exclusion ${out[i]![0]}`);
  return out;
}

export type PoolCommitmentInput = {
  drawId: string;
  /** SHA-256 of the server seed's bytes (expert-pool/seed.ts `commitTo`). */
  seedCommitment: string;
  lines: readonly DrawLine[];
  candidates: readonly CommittedCandidate[];
  exclusions: readonly CommittedExclusion[];
  saltParties: readonly SaltParty[];
};

/** The committed pool document (docs/draw-proof.md §3): canonical JSON, hashed as UTF-8. */
export function poolDocument(input: PoolCommitmentInput): string {
  return canonicalJson({
    v: 2,
    drawId: input.drawId,
    seedCommitment: input.seedCommitment,
    lines: canonicalLines(input.lines),
    candidates: canonicalCandidates(input.candidates),
    exclusions: canonicalExclusions(input.exclusions),
    saltParties: [...input.saltParties],
  });
}

/** The pool commitment written to the record at the request, before any salt. */
export function poolCommitment(input: PoolCommitmentInput): string {
  return sha256Hex(poolDocument(input));
}

/** R35 salt rules: 4–200 characters after trimming (a single party's salt typed in at the draw). */
export function cleanSalt(salt: string): string | null {
  const s = salt.trim();
  return s.length >= 4 && s.length <= 200 ? s : null;
}

/** A party's salt commitment (commit-then-reveal): SHA-256 of the canonical JSON {drawId, party, salt}. */
export function saltCommitment(drawId: string, party: SaltParty, salt: string): string {
  return sha256Hex(canonicalJson({ drawId, party, salt }));
}

/**
 * The draw seed (v2): SHA-256 over the canonical JSON {v:2, serverSeed, poolCommitment, salts}, `salts` the
 * [party, salt] pairs in the committed `saltParties` order. No record head, no time, nothing read at draw time.
 */
export function drawSeedV2(input: { serverSeed: string; poolCommitment: string; salts: readonly [SaltParty, string][] }): Uint8Array {
  if (!HEX64.test(input.poolCommitment)) throw new RangeError("pool commitment must be 32 bytes of lowercase hex");
  if (!input.salts.length || input.salts.some(([, s]) => s.length === 0 || s.length > 200)) throw new RangeError("every salt must be 1–200 characters");
  return new Uint8Array(
    createHash("sha256")
      .update(canonicalJson({ v: 2, serverSeed: input.serverSeed, poolCommitment: input.poolCommitment, salts: input.salts.map(([p, s]) => [p, s]) }), "utf8")
      .digest(),
  );
}
