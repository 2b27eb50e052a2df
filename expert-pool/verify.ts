import { canonicalJson } from "../crypto/canonical-json";
import { drawExperts, type DrawLine, type Pick } from "./draw";
import { drawSeed, sha256Hex, verifyCommitment } from "./seed";

/** Everything needed to re-run a revealed draw, as the verification page publishes it. */
export type DrawProof = {
  drawId: string;
  commitment: string;
  serverSeed: string;
  salt: string;
  recordHead: string;
  lines: DrawLine[];
  candidates: [string, string[]][];
  inputHash: string;
  picks: Pick[];
};

export type VerifyOutcome =
  | { ok: true; picks: Pick[] }
  | { ok: false; reason: "commitment_mismatch" | "input_mismatch" | "picks_mismatch"; picks?: Pick[] };

/** Re-runs a draw from its proof: the commitment, the candidate list's hash and the picks must all match. */
export function verifyDraw(proof: DrawProof): VerifyOutcome {
  if (!verifyCommitment(proof.serverSeed, proof.commitment)) return { ok: false, reason: "commitment_mismatch" };
  const seed = drawSeed({ serverSeed: proof.serverSeed, salt: proof.salt, recordHead: proof.recordHead });
  const result = drawExperts(
    seed,
    proof.lines,
    proof.candidates.map(([id, specialties]) => ({ id, specialties })),
  );
  if (result.inputHash !== proof.inputHash) return { ok: false, reason: "input_mismatch", picks: result.picks };
  if (canonicalJson(result.picks) !== canonicalJson(proof.picks)) return { ok: false, reason: "picks_mismatch", picks: result.picks };
  return { ok: true, picks: result.picks };
}

/** A stable digest of the picks (recorded at draw time without revealing names). */
export function picksHash(picks: Pick[]): string {
  return sha256Hex(canonicalJson(picks));
}
