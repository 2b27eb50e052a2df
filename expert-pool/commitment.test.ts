import { describe, expect, it } from "vitest";
import { canonicalCandidates, canonicalExclusions, cleanSalt, drawSeedV2, EXCLUSION_RULES, poolCommitment, poolDocument, pseudonym, saltCommitment, type PoolCommitmentInput } from "./commitment";
import { drawExperts } from "./draw";
import { commitTo } from "./seed";
import { verifyDraw, type DrawProofV2 } from "./verify";

const serverSeed = "5e".repeat(32);
const key = "a1".repeat(32);
const drawId = "00000000-0000-4000-8000-000000000016";
const base: PoolCommitmentInput = {
  drawId,
  seedCommitment: commitTo(serverSeed),
  lines: [
    { specialty: "B02", count: 2, backups: 1 },
    { specialty: "A08", count: 3, backups: 1 },
  ],
  candidates: Array.from({ length: 12 }, (_, i): [string, string[]] => [`E${String(11 - i).padStart(3, "0")}`, i % 3 ? ["A080101"] : ["B0203", "A080101"]]),
  exclusions: [
    [pseudonym(key, "X-SUS"), "R39", "EXCLUDED_SUSPENDED"],
    [pseudonym(key, "X-EMP"), "R40", "EXCLUDED_EMPLOYMENT"],
  ],
  saltParties: ["supervisor"],
};

function proofFor(input: PoolCommitmentInput, salts: [("supervisor" | "tendering_unit"), string][]): DrawProofV2 {
  const pool = poolCommitment(input);
  const r = drawExperts(
    drawSeedV2({ serverSeed, poolCommitment: pool, salts }),
    input.lines,
    input.candidates.map(([id, specialties]) => ({ id, specialties })),
  );
  const saltCommitments = input.saltParties.length > 1 ? salts.map(([p, s]): ["supervisor" | "tendering_unit", string] => [p, saltCommitment(input.drawId, p, s)]) : [];
  const byRule: Record<string, number> = {};
  for (const [, rule] of input.exclusions) byRule[rule] = (byRule[rule] ?? 0) + 1;
  return {
    v: 2,
    drawId: input.drawId,
    commitment: input.seedCommitment,
    serverSeed,
    lines: [...input.lines],
    candidates: canonicalCandidates(input.candidates),
    exclusions: canonicalExclusions(input.exclusions),
    saltParties: [...input.saltParties],
    poolCommitment: pool,
    saltCommitments,
    salts,
    inputHash: r.inputHash,
    picks: r.picks,
    recorded: { commitment: input.seedCommitment, poolCommitment: pool, candidates: input.candidates.length, excluded: input.exclusions.length, excludedByRule: byRule, saltCommitments, entries: [] },
  };
}

describe("the steer-proof draw's commitments (R35, ADR 027)", () => {
  it("the pool commitment binds the seed commitment, lines, every candidate, every exclusion with its rule, and the salt parties — not their order", () => {
    const c = poolCommitment(base);
    expect(c).toMatch(/^[0-9a-f]{64}$/);
    expect(poolCommitment({ ...base, candidates: [...base.candidates].reverse(), lines: [...base.lines].reverse(), exclusions: [...base.exclusions].reverse() })).toBe(c);
    const changes: Partial<PoolCommitmentInput>[] = [
      { drawId: "00000000-0000-4000-8000-000000000017" },
      { seedCommitment: commitTo("77".repeat(32)) },
      { lines: [{ specialty: "A08", count: 3, backups: 2 }] },
      { candidates: base.candidates.slice(1) },
      { candidates: base.candidates.map(([id, s], i): [string, string[]] => [id, i === 0 ? ["C01"] : s]) },
      { exclusions: base.exclusions.slice(1) },
      { exclusions: [[base.exclusions[0]![0], "R40", "EXCLUDED_SUSPENDED"], base.exclusions[1]!] },
      { saltParties: ["supervisor", "tendering_unit"] },
    ];
    for (const over of changes) expect(poolCommitment({ ...base, ...over })).not.toBe(c);
    expect(poolDocument(base).startsWith('{"candidates":[["E000",["A080101"]],["E001",["A080101"]],["E002",["A080101","B0203"]]')).toBe(true);
  });

  it("R39/R40: exclusions are pseudonymised with a secret key; every exclusion code has its rule", () => {
    expect(pseudonym(key, "X-SUS")).toMatch(/^[0-9a-f]{64}$/);
    expect(pseudonym(key, "X-SUS")).not.toBe(pseudonym("b2".repeat(32), "X-SUS"));
    expect(() => pseudonym("short", "X")).toThrow(RangeError);
    expect(Object.keys(EXCLUSION_RULES)).toHaveLength(12);
    expect(new Set(Object.values(EXCLUSION_RULES))).toEqual(new Set(["R33", "R35", "R36", "R39", "R40", "R68"]));
    expect(() => canonicalCandidates([["A", []], ["A", []]])).toThrow(RangeError);
    expect(() => canonicalExclusions([base.exclusions[0]!, base.exclusions[0]!])).toThrow(RangeError);
  });

  it("the seed depends on the server seed, the pool commitment and the salts only (no record head)", () => {
    const pool = poolCommitment(base);
    const s = Buffer.from(drawSeedV2({ serverSeed, poolCommitment: pool, salts: [["supervisor", "盐-1"]] })).toString("hex");
    expect(Buffer.from(drawSeedV2({ serverSeed, poolCommitment: pool, salts: [["supervisor", "盐-1"]] })).toString("hex")).toBe(s);
    for (const over of [{ serverSeed: "77".repeat(32) }, { poolCommitment: "0".repeat(64) }, { salts: [["supervisor", "盐-2"]] as [("supervisor" | "tendering_unit"), string][] }]) {
      expect(Buffer.from(drawSeedV2({ serverSeed, poolCommitment: pool, salts: [["supervisor", "盐-1"]], ...over })).toString("hex")).not.toBe(s);
    }
    expect(() => drawSeedV2({ serverSeed, poolCommitment: pool, salts: [] })).toThrow(RangeError);
    expect(cleanSalt("  abc  ")).toBeNull();
    expect(cleanSalt(" 监督盐值 ")).toBe("监督盐值");
  });

  it("R35: the verifier accepts the honest proof and names what a changed one breaks", () => {
    const proof = proofFor(base, [["supervisor", "监督员盐值-1"]]);
    expect(verifyDraw(proof)).toMatchObject({ ok: true });
    const bad = (p: DrawProofV2) => (verifyDraw(p) as { reason?: string }).reason;
    expect(bad({ ...proof, serverSeed: "77".repeat(32) })).toBe("commitment_mismatch");
    expect(bad({ ...proof, candidates: proof.candidates.slice(1) })).toBe("pool_commitment_mismatch");
    expect(bad({ ...proof, exclusions: proof.exclusions.slice(1) })).toBe("pool_commitment_mismatch");
    const recommitted = { ...base, candidates: base.candidates.slice(1) };
    expect(bad({ ...proof, candidates: canonicalCandidates(recommitted.candidates), poolCommitment: poolCommitment(recommitted) })).toBe("record_mismatch");
    expect(bad({ ...proof, recorded: { ...proof.recorded, excluded: 3 } })).toBe("record_mismatch");
    // An exclusion under a rule that is not its code's: refused even when committed and recorded that way.
    const wrongRule: PoolCommitmentInput = { ...base, exclusions: [[base.exclusions[0]![0], "R35", "EXCLUDED_SUSPENDED"], base.exclusions[1]!] };
    const wr = proofFor(wrongRule, [["supervisor", "监督员盐值-1"]]);
    expect(bad(wr)).toBe("exclusions_invalid");
    expect(bad({ ...proof, salts: [["supervisor", "别的盐"]] })).toBe("picks_mismatch");
    expect(bad({ ...proof, salts: [["tendering_unit", "监督员盐值-1"]] })).toBe("salt_commitment_mismatch");
    expect(bad({ ...proof, picks: [...proof.picks].reverse() })).toBe("picks_mismatch");
  });

  it("R35 commit-then-reveal: with two parties each salt must match its recorded commitment", () => {
    const two: PoolCommitmentInput = { ...base, saltParties: ["supervisor", "tendering_unit"] };
    const proof = proofFor(two, [
      ["supervisor", "s-盐"],
      ["tendering_unit", "t-salt-9f"],
    ]);
    expect(verifyDraw(proof)).toMatchObject({ ok: true });
    expect(saltCommitment(drawId, "supervisor", "s-盐")).not.toBe(saltCommitment(drawId, "tendering_unit", "s-盐"));
    const swapped: DrawProofV2["salts"] = [
      ["supervisor", "s-盐"],
      ["tendering_unit", "另一个"],
    ];
    expect(verifyDraw({ ...proof, salts: swapped })).toMatchObject({ ok: false, reason: "salt_commitment_mismatch" });
    expect(verifyDraw({ ...proof, saltCommitments: [], recorded: { ...proof.recorded, saltCommitments: [] } })).toMatchObject({ ok: false, reason: "salt_commitment_mismatch" });
  });
});
