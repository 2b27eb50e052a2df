import { canonicalJson } from "../crypto/canonical-json";
import {
  canonicalCandidates,
  canonicalExclusions,
  drawSeedV2,
  EXCLUSION_RULES,
  poolCommitment,
  saltCommitment,
  type CommittedCandidate,
  type CommittedExclusion,
  type SaltParty,
} from "./commitment";
import { drawExperts, type DrawLine, type Pick as DrawPick } from "./draw";
import { drawSeed, sha256Hex, verifyCommitment } from "./seed";

/**
 * Everything needed to re-run a revealed draw of the first format (v1: the eligible list computed at draw time and
 * the seed bound to the record head then; draws requested before migration 0016).
 */
export type DrawProofV1 = {
  v?: 1;
  drawId: string;
  commitment: string;
  serverSeed: string;
  salt: string;
  recordHead: string;
  lines: DrawLine[];
  candidates: [string, string[]][];
  inputHash: string;
  picks: DrawPick[];
};

/**
 * The public proof of a steer-proof draw (v2, docs/draw-proof.md §7): the committed pool (candidates and
 * pseudonymised exclusions), the server seed and its commitment, the salts (and their commitments when more than
 * one party salts), and what the record says was committed (`recorded`, read from the record entries, not from
 * the draw's row), so that a change to the draw's data after the commitment shows.
 */
export type DrawProofV2 = {
  v: 2;
  drawId: string;
  /** SHA-256 of the server seed's bytes, recorded at the request (the v1 name is kept). */
  commitment: string;
  serverSeed: string;
  lines: DrawLine[];
  candidates: CommittedCandidate[];
  exclusions: CommittedExclusion[];
  saltParties: SaltParty[];
  poolCommitment: string;
  /** [party, commitment] in `saltParties` order when the profile asks more than one party; [] otherwise. */
  saltCommitments: [SaltParty, string][];
  /** [party, salt] in `saltParties` order. */
  salts: [SaltParty, string][];
  inputHash: string;
  picks: DrawPick[];
  /** From the record: the request entry's commitments and counts, the salt commitments' entries. */
  recorded: {
    commitment: string;
    poolCommitment: string;
    candidates: number;
    excluded: number;
    excludedByRule: Record<string, number>;
    saltCommitments: [SaltParty, string][];
    entries: { seq: number; action: string; hash: string }[];
  };
};

export type DrawProof = DrawProofV1 | DrawProofV2;

export type VerifyFailure =
  | "commitment_mismatch"
  | "pool_commitment_mismatch"
  | "record_mismatch"
  | "exclusions_invalid"
  | "salt_commitment_mismatch"
  | "input_mismatch"
  | "picks_mismatch";

export type VerifyOutcome = { ok: true; picks: DrawPick[] } | { ok: false; reason: VerifyFailure; picks?: DrawPick[] };

const HEX64 = /^[0-9a-f]{64}$/;

/** Re-runs a draw from its proof: every commitment, the exclusions' count and rules, the candidate list's hash and the picks must all match. */
export function verifyDraw(proof: DrawProof): VerifyOutcome {
  return proof.v === 2 ? verifyDrawV2(proof) : verifyDrawV1(proof);
}

function verifyDrawV1(proof: DrawProofV1): VerifyOutcome {
  if (!verifyCommitment(proof.serverSeed, proof.commitment)) return { ok: false, reason: "commitment_mismatch" };
  const seed = drawSeed({ serverSeed: proof.serverSeed, salt: proof.salt, recordHead: proof.recordHead });
  return comparePicks(proof, seed, proof.candidates);
}

function comparePicks(proof: { lines: DrawLine[]; inputHash: string; picks: DrawPick[] }, seed: Uint8Array, candidates: readonly CommittedCandidate[]): VerifyOutcome {
  const result = drawExperts(
    seed,
    proof.lines,
    candidates.map(([id, specialties]) => ({ id, specialties })),
  );
  if (result.inputHash !== proof.inputHash) return { ok: false, reason: "input_mismatch", picks: result.picks };
  if (canonicalJson(result.picks) !== canonicalJson(proof.picks)) return { ok: false, reason: "picks_mismatch", picks: result.picks };
  return { ok: true, picks: result.picks };
}

/** docs/draw-proof.md §8, steps 1–7, in order. */
function verifyDrawV2(proof: DrawProofV2): VerifyOutcome {
  // 1. The server seed is the one committed to.
  if (!HEX64.test(proof.serverSeed) || !verifyCommitment(proof.serverSeed, proof.commitment)) return { ok: false, reason: "commitment_mismatch" };
  // 2. The pool (lines, candidates, exclusions, salt parties) is the one committed to with it.
  let pool: string;
  let candidates: CommittedCandidate[];
  let exclusions: CommittedExclusion[];
  try {
    candidates = canonicalCandidates(proof.candidates);
    exclusions = canonicalExclusions(proof.exclusions);
    pool = poolCommitment({ drawId: proof.drawId, seedCommitment: proof.commitment, lines: proof.lines, candidates, exclusions, saltParties: proof.saltParties });
  } catch {
    return { ok: false, reason: "pool_commitment_mismatch" };
  }
  if (pool !== proof.poolCommitment) return { ok: false, reason: "pool_commitment_mismatch" };
  // 3. The record holds the same commitments and counts (written before any salt).
  const byRule: Record<string, number> = {};
  for (const [, rule] of exclusions) byRule[rule] = (byRule[rule] ?? 0) + 1;
  const r = proof.recorded;
  if (
    r.commitment !== proof.commitment ||
    r.poolCommitment !== pool ||
    r.candidates !== candidates.length ||
    r.excluded !== exclusions.length ||
    canonicalJson(r.excludedByRule) !== canonicalJson(byRule) ||
    canonicalJson(r.saltCommitments) !== canonicalJson(proof.saltCommitments)
  )
    return { ok: false, reason: "record_mismatch" };
  // 4. Every exclusion is a pseudonym with the rule its code belongs to.
  if (exclusions.some(([p, rule, code]) => !HEX64.test(p) || EXCLUSION_RULES[code] !== rule)) return { ok: false, reason: "exclusions_invalid" };
  // 5. One salt per committed party, in order; each matches its commitment when there is more than one party.
  const parties = proof.saltParties;
  if (proof.salts.length !== parties.length || proof.salts.some(([p], i) => p !== parties[i])) return { ok: false, reason: "salt_commitment_mismatch" };
  if (parties.length > 1) {
    if (proof.saltCommitments.length !== parties.length) return { ok: false, reason: "salt_commitment_mismatch" };
    for (let i = 0; i < parties.length; i++) {
      const [p, c] = proof.saltCommitments[i]!;
      if (p !== parties[i] || saltCommitment(proof.drawId, p, proof.salts[i]![1]) !== c) return { ok: false, reason: "salt_commitment_mismatch" };
    }
  } else if (proof.saltCommitments.length !== 0) return { ok: false, reason: "salt_commitment_mismatch" };
  // 6–7. The seed, the draw over the committed candidates, the picks.
  let seed: Uint8Array;
  try {
    seed = drawSeedV2({ serverSeed: proof.serverSeed, poolCommitment: pool, salts: proof.salts });
  } catch {
    return { ok: false, reason: "salt_commitment_mismatch" };
  }
  return comparePicks(proof, seed, candidates);
}

/** A stable digest of the picks (recorded at draw time without revealing names). */
export function picksHash(picks: DrawPick[]): string {
  return sha256Hex(canonicalJson(picks));
}
