import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { consistencyProof, entryLeaf, fromHex, hex, inclusionProof, leafHash, prefixRoots, treeHead, verifyConsistency, verifyInclusion } from "./merkle";

// The test vectors of RFC 6962's reference implementation (certificate-transparency): eight leaves and the roots
// of every prefix, an audit path and consistency proofs.
const DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map((h) => new Uint8Array(Buffer.from(h, "hex")));
const LEAVES = DATA.map(leafHash);
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

const flip = (h: Uint8Array, bit: number) => {
  const c = new Uint8Array(h);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
};

describe("the record's Merkle tree (RFC 9162 §2.1)", () => {
  it("roots of every prefix of the reference vector, and the empty tree", () => {
    expect(ROOTS.map((_, i) => hex(treeHead(LEAVES, i + 1)))).toEqual(ROOTS);
    expect(hex(treeHead([]))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("audit paths and consistency proofs of the reference vector", () => {
    expect(inclusionProof(LEAVES, 0, 8).map(hex)).toEqual([
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]);
    expect(consistencyProof(LEAVES, 1, 8).map(hex)).toEqual([
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]);
    expect(consistencyProof(LEAVES, 6, 8).map(hex)).toEqual([
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]);
    expect(consistencyProof(LEAVES, 2, 5).map(hex)).toEqual([
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]);
    expect(consistencyProof(LEAVES, 8, 8)).toEqual([]);
  });

  it("every audit path verifies; a changed leaf, index, size, root or path does not", () => {
    const many = Array.from({ length: 70 }, (_, i) => leafHash(new Uint8Array([i, i >> 8])));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.nat(255), (size, i, bit) => {
        const index = i % size;
        const root = treeHead(many, size);
        const proof = inclusionProof(many, index, size);
        expect(verifyInclusion(many[index]!, index, size, proof, root)).toBe(true);
        expect(verifyInclusion(flip(many[index]!, bit), index, size, proof, root)).toBe(false);
        expect(verifyInclusion(many[index]!, index, size, proof, flip(root, bit))).toBe(false);
        if (size > 1) expect(verifyInclusion(many[index]!, (index + 1) % size, size, proof, root)).toBe(false);
        // The root names the tree: against the next tree's root the same path fails (the signed checkpoint binds size and root).
        if (size < 70) expect(verifyInclusion(many[index]!, index, size + 1, proof, treeHead(many, size + 1))).toBe(false);
        if (proof.length) {
          expect(verifyInclusion(many[index]!, index, size, proof.slice(1), root)).toBe(false);
          expect(verifyInclusion(many[index]!, index, size, [flip(proof[0]!, bit), ...proof.slice(1)], root)).toBe(false);
        }
        expect(verifyInclusion(many[index]!, index, size, [...proof, root], root)).toBe(false);
      }),
    );
  });

  it("every consistency proof verifies; a rewritten prefix, a changed root or a changed proof does not", () => {
    const many = Array.from({ length: 70 }, (_, i) => leafHash(new Uint8Array([i, 7])));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.nat(255), (a, b, bit) => {
        const [first, second] = a <= b ? [a, b] : [b, a];
        const r1 = treeHead(many, first);
        const r2 = treeHead(many, second);
        const proof = consistencyProof(many, first, second);
        expect(verifyConsistency(first, second, r1, r2, proof)).toBe(true);
        expect(verifyConsistency(first, second, flip(r1, bit), r2, proof)).toBe(false);
        expect(verifyConsistency(first, second, r1, flip(r2, bit), proof)).toBe(false);
        if (proof.length) expect(verifyConsistency(first, second, r1, r2, [...proof.slice(0, -1), flip(proof.at(-1)!, bit)])).toBe(false);
        // A fork: the same sizes, one earlier leaf rewritten — its root is not consistent with the first.
        const forked = [...many];
        forked[first - 1] = flip(forked[first - 1]!, bit);
        if (first < second) expect(verifyConsistency(first, second, r1, treeHead(forked, second), consistencyProof(forked, first, second))).toBe(false);
      }),
    );
  });

  it("prefixRoots gives every prefix's root in one pass, equal to treeHead", () => {
    const many = Array.from({ length: 130 }, (_, i) => leafHash(new Uint8Array([i, 3])));
    const sizes = Array.from({ length: 131 }, (_, i) => i);
    const roots = prefixRoots(many, sizes);
    expect(sizes.map((n) => hex(roots.get(n)!))).toEqual(sizes.map((n) => hex(treeHead(many, n))));
    expect([...prefixRoots(LEAVES, [3, 8]).values()].map(hex)).toEqual([ROOTS[2], ROOTS[7]]);
    expect(() => prefixRoots(LEAVES, [9])).toThrow(RangeError);
  });

  it("refuses out-of-range sizes and indexes instead of answering", () => {
    expect(() => inclusionProof(LEAVES, 8, 8)).toThrow(RangeError);
    expect(() => inclusionProof(LEAVES, 0, 9)).toThrow(RangeError);
    expect(() => consistencyProof(LEAVES, 0, 8)).toThrow(RangeError);
    expect(() => consistencyProof(LEAVES, 5, 4)).toThrow(RangeError);
    expect(verifyInclusion(LEAVES[0]!, -1, 8, [], fromHex(ROOTS[7]!))).toBe(false);
    expect(verifyConsistency(0, 8, new Uint8Array(32), fromHex(ROOTS[7]!), [])).toBe(false);
    expect(() => fromHex("AB")).toThrow(RangeError);
  });

  it("a record entry's leaf is SHA-256(0x00 || its 32-byte chain hash)", () => {
    expect(hex(entryLeaf("00".repeat(32)))).toBe(hex(leafHash(new Uint8Array(32))));
  });
});
