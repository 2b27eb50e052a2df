/**
 * The record as a transparency log: the Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2, the
 * tree of RFC 6962) over the record's entries, in sequence order. Leaf i (0-based) is entry seq i + 1, and
 * its leaf data is the entry's chain hash as 32 raw bytes (docs/record-format.md). Pure: hashes in, hashes out.
 *
 *   MTH({})      = SHA-256()
 *   MTH({d})     = SHA-256(0x00 || d)                      (leaf hash)
 *   MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two < n
 *
 * Inclusion and consistency proofs and their verification follow RFC 9162 §2.1.3 and §2.1.4 step by step.
 */
import { createHash } from "node:crypto";

export type Hash = Uint8Array;

const sha256 = (...parts: Uint8Array[]): Hash => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

/** SHA-256(0x00 || data): the hash of one leaf. */
export function leafHash(data: Uint8Array): Hash {
  return sha256(LEAF, data);
}

/** SHA-256(0x01 || left || right): an interior node. */
export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(NODE, left, right);
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over already-hashed leaves[from, to). */
function subtree(leaves: readonly Hash[], from: number, to: number): Hash {
  const n = to - from;
  if (n === 0) return sha256();
  if (n === 1) return leaves[from]!;
  const k = split(n);
  return nodeHash(subtree(leaves, from, from + k), subtree(leaves, from + k, to));
}

/** The Merkle tree hash (root) of the first `size` leaf hashes (all of them by default). */
export function treeHead(leafHashes: readonly Hash[], size = leafHashes.length): Hash {
  if (!Number.isSafeInteger(size) || size < 0 || size > leafHashes.length) throw new RangeError("tree size out of range");
  return subtree(leafHashes, 0, size);
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(leafHashes: readonly Hash[], index: number, size = leafHashes.length): Hash[] {
  if (!Number.isSafeInteger(size) || size < 1 || size > leafHashes.length) throw new RangeError("tree size out of range");
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError("leaf index out of range");
  const path = (m: number, from: number, to: number): Hash[] => {
    const n = to - from;
    if (n === 1) return [];
    const k = split(n);
    return m < k ? [...path(m, from, from + k), subtree(leafHashes, from + k, to)] : [...path(m - k, from + k, to), subtree(leafHashes, from, from + k)];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1: that the tree of the first `first` leaves is a prefix of the tree of `second`. */
export function consistencyProof(leafHashes: readonly Hash[], first: number, second = leafHashes.length): Hash[] {
  if (!Number.isSafeInteger(second) || second < 1 || second > leafHashes.length) throw new RangeError("tree size out of range");
  if (!Number.isSafeInteger(first) || first < 1 || first > second) throw new RangeError("first tree size out of range");
  const sub = (m: number, from: number, to: number, whole: boolean): Hash[] => {
    const n = to - from;
    if (m === n) return whole ? [] : [subtree(leafHashes, from, to)];
    const k = split(n);
    return m <= k ? [...sub(m, from, from + k, whole), subtree(leafHashes, from + k, to)] : [...sub(m - k, from + k, to, false), subtree(leafHashes, from, from + k)];
  };
  return sub(first, 0, second, true);
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 9162 §2.1.3.2: whether `proof` shows the leaf with hash `leaf` at `index` in the tree of `size` with root `root`. */
export function verifyInclusion(leaf: Hash, index: number, size: number, proof: readonly Hash[], root: Hash): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  // BigInt: tree sizes above 2^31 must not wrap in 32-bit shifts.
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree (`first`, `firstRoot`) is a prefix of (`second`, `secondRoot`). */
export function verifyConsistency(first: number, second: number, firstRoot: Hash, secondRoot: Hash, proof: readonly Hash[]): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, firstRoot) && equal(sr, secondRoot);
}

/** Hex of a hash (the record's notation). */
export const hex = (h: Hash): string => Buffer.from(h).toString("hex");

/** A 64-hex-digit hash as bytes; anything else is refused. */
export function fromHex(s: string): Hash {
  if (!/^[0-9a-f]{64}$/.test(s)) throw new RangeError("not a SHA-256 hex hash");
  return new Uint8Array(Buffer.from(s, "hex"));
}

/** The leaf hash of a record entry: SHA-256(0x00 || the 32 bytes of its chain hash). */
export const entryLeaf = (entryHashHex: string): Hash => leafHash(fromHex(entryHashHex));

/**
 * The roots of several prefixes in one pass (O(n + k·log n)): the leaves are folded into the stack of complete
 * subtrees, largest first (the binary decomposition of the size); a prefix's root is that stack folded from the
 * right — the same value as treeHead, since MTH splits off the largest complete left subtree at every level.
 */
export function prefixRoots(leafHashes: readonly Hash[], sizes: readonly number[]): Map<number, Hash> {
  const wanted = new Set(sizes);
  for (const s of wanted) if (!Number.isSafeInteger(s) || s < 0 || s > leafHashes.length) throw new RangeError("tree size out of range");
  const out = new Map<number, Hash>();
  if (wanted.has(0)) out.set(0, sha256());
  const stack: { height: number; hash: Hash }[] = [];
  for (let i = 0; i < leafHashes.length && out.size < wanted.size; i++) {
    let top = { height: 0, hash: leafHashes[i]! };
    while (stack.length && stack.at(-1)!.height === top.height) top = { height: top.height + 1, hash: nodeHash(stack.pop()!.hash, top.hash) };
    stack.push(top);
    if (wanted.has(i + 1)) {
      let r = stack.at(-1)!.hash;
      for (let j = stack.length - 2; j >= 0; j--) r = nodeHash(stack[j]!.hash, r);
      out.set(i + 1, r);
    }
  }
  return out;
}
