import { createHash } from "node:crypto";
import { canonicalJson } from "../crypto/canonical-json";

/**
 * Draw seeds (docs/product.md §3.4, docs/draw-proof.md §2): the platform commits to a random server seed before the
 * draw (the SHA-256 of its bytes goes into the record). The seed of a steer-proof draw (v2) is in ./commitment.ts
 * (`drawSeedV2`: server seed, pool commitment, salts — nothing read at draw time). `drawSeed` below is the first
 * format (v1), bound to the record's head at draw time; it is kept so that draws made before migration 0016 still
 * verify (ADR 027).
 */
const HEX = /^[0-9a-f]+$/;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The commitment written to the record before the draw: SHA-256 of the server seed's bytes. */
export function commitTo(serverSeedHex: string): string {
  if (!HEX.test(serverSeedHex) || serverSeedHex.length < 64) throw new RangeError("server seed must be ≥ 32 bytes of hex");
  return sha256Hex(Buffer.from(serverSeedHex, "hex"));
}

export function verifyCommitment(serverSeedHex: string, commitment: string): boolean {
  return commitTo(serverSeedHex) === commitment;
}

/** The v1 draw seed (draws before migration 0016): SHA-256 over the canonical JSON of the server seed, the salt and the record head. */
export function drawSeed(input: { serverSeed: string; salt: string; recordHead: string }): Uint8Array {
  if (input.salt.length === 0 || input.salt.length > 200) throw new RangeError("salt must be 1–200 characters");
  return new Uint8Array(createHash("sha256").update(canonicalJson({ v: 1, ...input })).digest());
}
