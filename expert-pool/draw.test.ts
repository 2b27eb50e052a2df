import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { drawExperts, drawPositions, inputHashOf, lineCountsOf, matchesSpecialty, type Candidate } from "./draw";
import { HmacDrbg } from "./drbg";
import { commitTo, drawSeed, verifyCommitment } from "./seed";

const seedOf = (s: string | number) => new Uint8Array(createHash("sha256").update(String(s)).digest());
const pool = (n: number, specialty = "A080101"): Candidate[] => Array.from({ length: n }, (_, i) => ({ id: `e${String(i).padStart(5, "0")}`, specialties: [specialty] }));

describe("HMAC_DRBG-SHA256", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    expect(Buffer.from(new HmacDrbg(seedOf(1)).bytes(64)).toString("hex")).toBe(Buffer.from(new HmacDrbg(seedOf(1)).bytes(64)).toString("hex"));
    expect(Buffer.from(new HmacDrbg(seedOf(1)).bytes(32))).not.toEqual(Buffer.from(new HmacDrbg(seedOf(2)).bytes(32)));
  });
  it("matches an independent implementation (known answers from test/fixtures/expert-pool/hmac_drbg_reference.py)", () => {
    expect(Buffer.from(new HmacDrbg(seedOf("1")).bytes(64)).toString("hex")).toBe(
      "2ed8e9af3ef74d6f6bfdd1474a8fcb26f417d9d103e3ff320ddf1e4b4ade8fbefb0dd64ce3a9168fad7ac04e927ccbb0de68a92b0c0505c59f2687cde6c55028",
    );
    const r = new HmacDrbg(seedOf("kat"));
    expect([0, 1, 2, 3, 4].map(() => r.uniform(1000))).toEqual([876, 532, 926, 996, 230]);
  });
  it("streams bytes consistently whatever the read sizes", () => {
    const a = new HmacDrbg(seedOf("s"));
    const b = new HmacDrbg(seedOf("s"));
    const joined = Buffer.concat([a.bytes(5), a.bytes(40), a.bytes(19)]);
    expect(joined.equals(Buffer.from(b.bytes(64)))).toBe(true);
  });
  it("uniform stays in range and refuses bad bounds and short seeds", () => {
    const r = new HmacDrbg(seedOf("u"));
    for (let i = 0; i < 1000; i++) {
      const x = r.uniform(7);
      expect(x >= 0 && x < 7 && Number.isInteger(x)).toBe(true);
    }
    expect(() => r.uniform(0)).toThrow(RangeError);
    expect(() => new HmacDrbg(new Uint8Array(16))).toThrow(RangeError);
  });
});

describe("seed commitment (R35: random source logged, no designation)", () => {
  const serverSeed = "ab".repeat(32);
  it("the commitment verifies only for the committed seed", () => {
    const c = commitTo(serverSeed);
    expect(verifyCommitment(serverSeed, c)).toBe(true);
    expect(verifyCommitment("cd".repeat(32), c)).toBe(false);
    expect(() => commitTo("abc")).toThrow(RangeError);
  });
  it("the draw seed depends on the server seed, the supervisor's salt and the record head", () => {
    const base = { serverSeed, salt: "监督员盐值-1", recordHead: "0".repeat(64) };
    const s = Buffer.from(drawSeed(base)).toString("hex");
    expect(Buffer.from(drawSeed(base)).toString("hex")).toBe(s);
    for (const over of [{ serverSeed: "cd".repeat(32) }, { salt: "另一个盐值" }, { recordHead: "1".repeat(64) }]) {
      expect(Buffer.from(drawSeed({ ...base, ...over })).toString("hex")).not.toBe(s);
    }
  });
});

describe("the draw (R35)", () => {
  it("is deterministic given the seed and the candidate list, whatever the input order", () => {
    const c = pool(50);
    const a = drawExperts(seedOf("draw"), [{ specialty: "A08", count: 5, backups: 2 }], c);
    const b = drawExperts(seedOf("draw"), [{ specialty: "A08", count: 5, backups: 2 }], [...c].reverse());
    expect(b).toEqual(a);
    expect(a.picks.filter((p) => p.role === "member")).toHaveLength(5);
    expect(a.picks.filter((p) => p.role === "backup").map((p) => p.order)).toEqual([6, 7]);
    expect(new Set(a.picks.map((p) => p.expertId)).size).toBe(7);
    expect(drawExperts(seedOf("other"), [{ specialty: "A08", count: 5, backups: 2 }], c).picks).not.toEqual(a.picks);
  });

  it("never picks an expert twice across lines, and matches specialties by tree prefix", () => {
    const c: Candidate[] = [
      ...pool(4, "A080101"),
      ...Array.from({ length: 4 }, (_, i) => ({ id: `x${i}`, specialties: ["A080101", "B0203"] })),
      ...Array.from({ length: 4 }, (_, i) => ({ id: `y${i}`, specialties: ["B0203"] })),
    ];
    const r = drawExperts(seedOf(9), [{ specialty: "B02", count: 5, backups: 0 }, { specialty: "A0801", count: 5, backups: 1 }], c);
    expect(new Set(r.picks.map((p) => p.expertId)).size).toBe(r.picks.length);
    for (const p of r.picks) expect(matchesSpecialty(c.find((x) => x.id === p.expertId)!.specialties, p.specialty)).toBe(true);
    expect(matchesSpecialty(["A080101"], "A08")).toBe(true);
    expect(matchesSpecialty(["A080101"], "A09")).toBe(false);
  });

  it("R37: a line that cannot be filled is reported, not silently shrunk", () => {
    const r = drawExperts(seedOf(1), [{ specialty: "A08", count: 5, backups: 2 }], pool(6));
    expect(r.shortfalls).toEqual([{ specialty: "A08", wanted: 7, available: 6 }]);
    expect(r.picks).toHaveLength(6);
  });

  it("refuses duplicate candidates", () => {
    expect(() => drawExperts(seedOf(1), [{ specialty: "A", count: 1, backups: 0 }], [...pool(2), ...pool(1)])).toThrow(RangeError);
  });

  it("the input hash binds the candidate list", () => {
    const a = drawExperts(seedOf(1), [{ specialty: "A", count: 1, backups: 0 }], pool(5));
    const b = drawExperts(seedOf(1), [{ specialty: "A", count: 1, backups: 0 }], pool(6));
    expect(a.inputHash).not.toBe(b.inputHash);
  });

  it("the input hash computed at the request (inputHashOf) is the draw's own; given to the draw, it changes no pick (ADR 030)", () => {
    const lines = [{ specialty: "B02", count: 2, backups: 1 }, { specialty: "A08", count: 3, backups: 1 }];
    const c = [...pool(12), ...Array.from({ length: 6 }, (_, i) => ({ id: `z${i}`, specialties: ["B0203", "A080101"] }))];
    const own = drawExperts(seedOf(3), lines, c);
    expect(inputHashOf(lines, [...c].reverse())).toBe(own.inputHash);
    expect(drawExperts(seedOf(3), lines, c, { inputHash: own.inputHash })).toEqual(own);
    expect(() => inputHashOf(lines, [...c, c[0]!])).toThrow(RangeError);
  });

  it("one line every candidate matches: drawing positions picks exactly what drawExperts picks, shortfalls included (ADR 030)", () => {
    for (const [n, count, backups, specialty] of [[4800, 5, 2, "A08"], [50, 3, 0, "A0801"], [7, 5, 2, "A"], [6, 5, 2, "A08"], [1, 1, 0, "A"], [0, 2, 1, "A"]] as const) {
      const c = pool(n);
      const line = { specialty, count, backups };
      expect(lineCountsOf([line], c)).toEqual([n]);
      for (const s of [1, 2, 3]) {
        const full = drawExperts(seedOf(`${n}-${s}`), [line], c);
        const sorted = [...c].sort((a, b) => (a.id < b.id ? -1 : 1));
        const { positions, shortfalls } = drawPositions(seedOf(`${n}-${s}`), line, n);
        expect(positions.map((p) => ({ expertId: sorted[p.index]!.id, specialty, role: p.role, order: p.order }))).toEqual(full.picks);
        expect(shortfalls).toEqual(full.shortfalls);
      }
    }
    expect(lineCountsOf([{ specialty: "B02", count: 1, backups: 0 }, { specialty: "A08", count: 1, backups: 0 }], [...pool(3), { id: "b", specialties: ["B0201"] }])).toEqual([3, 1]);
  });

  it("is uniform over eligible candidates (chi-square, 12,000 draws of 3 from 20)", () => {
    const n = 20;
    const k = 3;
    const draws = 12_000;
    const c = pool(n);
    const counts = new Map(c.map((x) => [x.id, 0]));
    const firsts = new Map(c.map((x) => [x.id, 0]));
    for (let i = 0; i < draws; i++) {
      const r = drawExperts(seedOf(`uniformity-${i}`), [{ specialty: "A", count: k, backups: 0 }], c);
      r.picks.forEach((p) => counts.set(p.expertId, counts.get(p.expertId)! + 1));
      firsts.set(r.picks[0]!.expertId, firsts.get(r.picks[0]!.expertId)! + 1);
    }
    const chi = (m: Map<string, number>, expected: number) => [...m.values()].reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    // Critical value of chi-square with 19 degrees of freedom at p = 0.001.
    const CRITICAL = 43.82;
    expect(chi(counts, (draws * k) / n)).toBeLessThan(CRITICAL);
    expect(chi(firsts, draws / n)).toBeLessThan(CRITICAL);
  });

  it("the chi-square check can fail: a biased picker is rejected", () => {
    const counts = Array.from({ length: 20 }, (_, i) => (i === 0 ? 1800 + 600 : 1800 - 600 / 19));
    const expected = 1800;
    const chi = counts.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    expect(chi).toBeGreaterThan(43.82);
  });
});
