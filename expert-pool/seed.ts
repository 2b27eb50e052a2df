import { createHash } from "node:crypto";
import { canonicalJson } from "../crypto/canonical-json";

/**
 * Draw seeds (docs/product.md §3.4): the platform commits to a random server seed before the
 * draw (its SHA-256 goes into the record), a supervisor adds a salt, and the draw seed is
 * bound to the record's head hash at draw time, so neither party alone, nor the platform
 * after the fact, can choose the outcome.
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

/** The draw seed: SHA-256 over the canonical JSON of the server seed, the salt and the record head. */
export function drawSeed(input: { serverSeed: string; salt: string; recordHead: string }): Uint8Array {
  if (input.salt.length === 0 || input.salt.length > 200) throw new RangeError("salt must be 1–200 characters");
  return new Uint8Array(createHash("sha256").update(canonicalJson({ v: 1, ...input })).digest());
}
