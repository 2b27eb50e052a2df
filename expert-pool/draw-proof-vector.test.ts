import { randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../crypto/canonical-json";
import { canonicalCandidates, canonicalExclusions, drawSeedV2, poolCommitment, poolDocument, pseudonym, saltCommitment, type CommittedExclusion } from "./commitment";
import { HmacDrbg } from "./drbg";
import { sha256Hex } from "./seed";
import { picksHash, verifyDraw, type DrawProofV2 } from "./verify";

/**
 * The draw test vector (test/fixtures/expert-pool/draw-vector.json, written by make-draw-vector.ts;
 * docs/draw-proof.md §9): every value rechecked with this repository's modules, so that the vector, the document
 * and the code cannot drift; then the independent verifier (verify_draw.py, Python standard library, written from
 * the document alone) on the vector and on tampered copies — each must fail with the failure the document names,
 * the same one this repository's verifier gives (R35).
 */
const DIR = fileURLToPath(new URL("../test/fixtures/expert-pool/", import.meta.url));
const VECTOR = path.join(DIR, "draw-vector.json");
const PY = path.join(DIR, "verify_draw.py");

type Case = {
  proof: DrawProofV2;
  intermediate: { serverSeedBytes: string; poolDocument: string; saltCommitmentDocuments: string[]; seedDocument: string; seed: string; drbgFirst96: string; inputDocument: string; shortfalls: unknown[]; picksHash: string };
};
type Vector = { pseudonymKey: string; pseudonyms: { expertCode: string; pseudonym: string }[]; uniformKat: { bound: number; values: number[] }; oneParty: Case; twoParties: Case };
const text = readFileSync(VECTOR, "utf8");
const vector = JSON.parse(text) as Vector;
const clone = (): Vector => JSON.parse(text) as Vector;
const tmp = mkdtempSync(path.join(tmpdir(), "th-draw-vector-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function python(file: object | string) {
  const target = typeof file === "string" ? file : path.join(tmp, `proof-${randomUUID()}.json`);
  if (typeof file !== "string") writeFileSync(target, JSON.stringify(file));
  const r = spawnSync("python3", [PY, target], { encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The committed pool of a proof recomputed after a change, as an operator rewriting the draw's row would. */
function recommit(p: DrawProofV2): DrawProofV2 {
  return { ...p, poolCommitment: poolCommitment({ drawId: p.drawId, seedCommitment: p.commitment, lines: p.lines, candidates: p.candidates, exclusions: p.exclusions, saltParties: p.saltParties }) };
}

describe("draw test vector (docs/draw-proof.md §9): every value from this repository's code", () => {
  it("pseudonyms, the uniform() known answers", () => {
    for (const { expertCode, pseudonym: p } of vector.pseudonyms) expect(pseudonym(vector.pseudonymKey, expertCode)).toBe(p);
    const r = new HmacDrbg(new Uint8Array(Buffer.from(sha256Hex("kat"), "hex")));
    expect(vector.uniformKat.values.map(() => r.uniform(vector.uniformKat.bound))).toEqual([876, 532, 926, 996, 230]);
    expect(vector.uniformKat.values).toEqual([876, 532, 926, 996, 230]);
  });

  for (const name of ["oneParty", "twoParties"] as const) {
    it(`${name}: pool document, salt commitments, seed, generator stream, input digest, picks — and the proof verifies`, () => {
      const { proof: p, intermediate: m } = vector[name];
      expect(sha256Hex(Buffer.from(m.serverSeedBytes, "hex"))).toBe(p.commitment);
      const doc = poolDocument({ drawId: p.drawId, seedCommitment: p.commitment, lines: p.lines, candidates: p.candidates, exclusions: p.exclusions, saltParties: p.saltParties });
      expect(doc).toBe(m.poolDocument);
      expect(sha256Hex(doc)).toBe(p.poolCommitment);
      expect(p.candidates).toEqual(canonicalCandidates(p.candidates));
      expect(p.exclusions).toEqual(canonicalExclusions(p.exclusions));
      expect(p.saltCommitments).toEqual(p.saltParties.length > 1 ? p.salts.map(([party, s]) => [party, saltCommitment(p.drawId, party, s)]) : []);
      expect(m.saltCommitmentDocuments.map((d) => sha256Hex(d))).toEqual(p.saltCommitments.map(([, c]) => c));
      expect(canonicalJson({ v: 2, serverSeed: p.serverSeed, poolCommitment: p.poolCommitment, salts: p.salts })).toBe(m.seedDocument);
      const seed = drawSeedV2({ serverSeed: p.serverSeed, poolCommitment: p.poolCommitment, salts: p.salts });
      expect(Buffer.from(seed).toString("hex")).toBe(m.seed);
      expect(Buffer.from(new HmacDrbg(seed).bytes(96)).toString("hex")).toBe(m.drbgFirst96);
      expect(sha256Hex(m.inputDocument)).toBe(p.inputHash);
      expect(picksHash(p.picks)).toBe(m.picksHash);
      expect(m.shortfalls).toEqual([{ specialty: "C01", wanted: 3, available: 2 }]);
      expect(verifyDraw(p)).toMatchObject({ ok: true });
    });
  }

  it("the vector covers what the document specifies: line order by code, an expert on two lines picked once, a shortfall, every exclusion's rule", () => {
    const p = vector.oneParty.proof;
    expect(p.lines.map((l) => l.specialty)).toEqual(["B02", "A08", "C01"]); // as requested
    expect([...new Set(p.picks.map((x) => x.specialty))]).toEqual(["A08", "B02", "C01"]); // as drawn
    expect(new Set(p.picks.map((x) => x.expertId)).size).toBe(p.picks.length);
    expect(p.candidates.filter(([, s]) => s.some((c) => c.startsWith("A08")) && s.some((c) => c.startsWith("B02"))).length).toBeGreaterThan(1);
    expect(new Set(p.exclusions.map(([, rule]) => rule))).toEqual(new Set(["R35", "R36", "R39", "R40"]));
    expect(vector.twoParties.proof.saltCommitments).toHaveLength(2);
  });
});

describe("the independent verifier (test/fixtures/expert-pool/verify_draw.py, from docs/draw-proof.md alone)", () => {
  it("verifies the vector — both proofs and every intermediate value — and a single proof", () => {
    const r = python(VECTOR);
    expect(r.out).toContain("OK vector: oneParty: 9 experts; twoParties: 9 experts");
    expect(r.status).toBe(0);
    const one = python(vector.oneParty.proof);
    expect(one.out).toContain("OK draw");
    expect(one.status).toBe(0);
  });

  const tampered: [string, () => DrawProofV2, string][] = [
    ["the server seed changed", () => ({ ...clone().oneParty.proof, serverSeed: "00".repeat(32) }), "commitment_mismatch"],
    ["a candidate dropped from the committed list", () => ({ ...clone().oneParty.proof, candidates: clone().oneParty.proof.candidates.slice(1) }), "pool_commitment_mismatch"],
    [
      "an exclusion's rule changed",
      () => {
        const p = clone().oneParty.proof;
        return { ...p, exclusions: p.exclusions.map(([ps, , code], i): CommittedExclusion => [ps, i === 0 ? "R68" : p.exclusions[i]![1], code]) };
      },
      "pool_commitment_mismatch",
    ],
    ["a candidate dropped and the row's commitment recomputed (the record keeps the original)", () => recommit({ ...clone().oneParty.proof, candidates: clone().oneParty.proof.candidates.slice(1) }), "record_mismatch"],
    ["an exclusion dropped and the row's commitment recomputed", () => recommit({ ...clone().oneParty.proof, exclusions: clone().oneParty.proof.exclusions.slice(1) }), "record_mismatch"],
    [
      "an exclusion under a rule that is not its code's, committed and recorded so",
      () => {
        const p = clone().oneParty.proof;
        const exclusions = p.exclusions.map(([ps, rule, code], i): CommittedExclusion => [ps, i === 0 ? "R35" : rule, i === 0 ? "EXCLUDED_SUSPENDED" : code]);
        const byRule: Record<string, number> = {};
        for (const [, rule] of exclusions) byRule[rule] = (byRule[rule] ?? 0) + 1;
        const q = recommit({ ...p, exclusions });
        return { ...q, recorded: { ...q.recorded, poolCommitment: q.poolCommitment, excludedByRule: byRule } };
      },
      "exclusions_invalid",
    ],
    ["a two-party salt that does not match its commitment", () => ({ ...clone().twoParties.proof, salts: [clone().twoParties.proof.salts[0]!, ["tendering_unit", "另一个盐值"]] }), "salt_commitment_mismatch"],
    ["the single party's salt changed", () => ({ ...clone().oneParty.proof, salts: [["supervisor", "伪造的盐值"]] }), "picks_mismatch"],
    [
      "two picks swapped",
      () => {
        const p = clone().oneParty.proof;
        const picks = p.picks.map((x) => ({ ...x }));
        [picks[0]!.expertId, picks[1]!.expertId] = [picks[1]!.expertId, picks[0]!.expertId];
        return { ...p, picks };
      },
      "picks_mismatch",
    ],
  ];
  for (const [what, make, reason] of tampered) {
    it(`R35: ${what} → ${reason} (both verifiers)`, () => {
      const p = make();
      expect(verifyDraw(p)).toMatchObject({ ok: false, reason });
      const r = python(p);
      expect(r.out).toContain(`FAIL ${reason}`);
      expect(r.status).toBe(1);
    });
  }
});
