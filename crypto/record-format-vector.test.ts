import { spawnSync } from "node:child_process";
import { createHash, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json";
import { checkpointBody, parseCheckpointBody, verifyCheckpoint, type SignedCheckpoint } from "./checkpoint";
import { consistencyProof, entryLeaf, fromHex, hex, inclusionProof, leafHash, treeHead, verifyConsistency, verifyInclusion } from "./merkle";
import { entryCanonical, GENESIS_HASH, hashEntry, hashPayload, hashState, sha256Hex, verifyChainSegment, type ChainEntry } from "./record-hash";

/**
 * The record test vector (test/fixtures/record/vector.json, written by test/fixtures/record/make-vector.ts):
 * every expected value recomputed with this repository's modules, so the vector and docs/record-format.md never
 * drift from the code; then the independent Python verifier (test/fixtures/record/verify_record.py, standard library
 * only, written from the document alone) on the vector and on tampered copies.
 */
const DIR = fileURLToPath(new URL("../test/fixtures/record/", import.meta.url));
const VECTOR = path.join(DIR, "vector.json");
const PY = path.join(DIR, "verify_record.py");

type Entry = ChainEntry & { payloadCanonical: string; entryCanonical: string; leafHash: string; writes?: { table: string; key: string; hash: string | null; row: string | null }[]; stateCanonical?: string };
type Vector = {
  canonicalJson: { value: unknown; canonical: string }[];
  genesis: string;
  entries: Entry[];
  roots: { size: number; root: string }[];
  inclusion: { seq: number; size: number; leafIndex: number; entryHash: string; leafHash: string; root: string; proof: string[] }[];
  consistency: { from: number; to: number; fromRoot: string; toRoot: string; proof: string[] }[];
  origin: string;
  trustedCa: string;
  pinnedSigner: string;
  checkpoints: { origin: string; size: number; rootHash: string; issuedAt: string; body: string; signed: SignedCheckpoint }[];
  rfc6962: { leafData: string[]; roots: { size: number; root: string }[]; inclusion: { leafIndex: number; size: number; proof: string[] }[]; consistency: { from: number; to: number; proof: string[] }[] };
};
const text = readFileSync(VECTOR, "utf8");
const vector = JSON.parse(text) as Vector;
const leaves = vector.entries.map((e) => entryLeaf(e.hash));
const rootOf = (size: number) => vector.roots.find((r) => r.size === size)!.root;
const clone = (): Vector => JSON.parse(text) as Vector;
const pemOf = (der64: string) => `-----BEGIN CERTIFICATE-----\n${der64.replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

describe("record test vector (docs/record-format.md §6): every expected value from this repository's code", () => {
  it("canonical JSON examples", () => {
    expect(vector.canonicalJson.length).toBeGreaterThan(3);
    for (const c of vector.canonicalJson) expect(canonicalJson(c.value)).toBe(c.canonical);
    // Key order by UTF-16 code units: U+20BB7 (surrogates D842 DFB7) sorts before U+FF03.
    expect(vector.canonicalJson[1]!.canonical).toBe('{"A":4,"a":3,"中":5,"𠮷":2,"＃":1}');
  });

  it("entries: canonical payloads and payload hashes, canonical entries and entry hashes, the chain from the genesis", () => {
    expect(vector.genesis).toBe(GENESIS_HASH);
    expect(vector.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    let prev = GENESIS_HASH;
    for (const e of vector.entries) {
      const { payload, payloadCanonical, entryCanonical: canonical, hash, leafHash: leaf, writes, stateCanonical, ...fields } = e;
      expect(canonicalJson(payload)).toBe(payloadCanonical);
      expect(hashPayload(payload)).toBe(fields.payloadHash);
      expect(fields.prevHash).toBe(prev);
      // §1.7: entries 1–5 are v1 (no stateHash member), 6–7 v2 with the digest of the rows they wrote.
      expect(e.seq > 5).toBe(fields.stateHash != null);
      if (writes) {
        for (const w of writes) expect(w.hash).toBe(w.row === null ? null : sha256Hex(w.row));
        expect(sha256Hex(stateCanonical!)).toBe(fields.stateHash);
        expect(hashState(writes)).toBe(fields.stateHash);
        expect(canonical).toMatch(/"stateHash":"[0-9a-f]{64}","subjectId":.*"v":2}$/);
      } else expect(canonical).toMatch(/"v":1}$/);
      expect(entryCanonical(fields)).toBe(canonical);
      expect(hashEntry(fields)).toBe(hash);
      expect(hex(entryLeaf(hash))).toBe(leaf);
      prev = hash;
    }
    const chain = vector.entries.map(({ payloadCanonical: _p, entryCanonical: _e, leafHash: _l, writes: _w, stateCanonical: _s, ...c }) => c);
    expect(verifyChainSegment(chain)).toEqual({ ok: true, last: { seq: 7, hash: vector.entries[6]!.hash, v2: true } });
    // A v1 entry after a v2 one (state binding switched off and the chain recomputed) is refused.
    const downgraded = chain.slice(0, 6);
    const { stateHash: _drop, payload, hash: _hash, ...v1 } = chain[6]!;
    downgraded.push({ ...v1, payload, hash: hashEntry(v1) });
    expect(verifyChainSegment(downgraded)).toEqual({ ok: false, break: { seq: 7, reason: "state_hash_missing" } });
    // What the vector is meant to cover.
    expect(vector.entries.some((e) => e.actorUserId === null && e.orgId === null && e.ip === null)).toBe(true);
    expect(vector.entries.some((e) => e.ip?.includes(":"))).toBe(true);
  });

  it("tree roots of every size, inclusion and consistency proofs", () => {
    expect(vector.roots.map((r) => r.size)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const r of vector.roots) expect(hex(treeHead(leaves, r.size))).toBe(r.root);
    for (const p of vector.inclusion) {
      expect(p.leafIndex).toBe(p.seq - 1);
      expect(p.entryHash).toBe(vector.entries[p.seq - 1]!.hash);
      expect(hex(entryLeaf(p.entryHash))).toBe(p.leafHash);
      expect(p.root).toBe(rootOf(p.size));
      expect(inclusionProof(leaves, p.leafIndex, p.size).map(hex)).toEqual(p.proof);
      expect(verifyInclusion(fromHex(p.leafHash), p.leafIndex, p.size, p.proof.map(fromHex), fromHex(p.root))).toBe(true);
    }
    for (const p of vector.consistency) {
      expect([p.fromRoot, p.toRoot]).toEqual([rootOf(p.from), rootOf(p.to)]);
      expect(consistencyProof(leaves, p.from, p.to).map(hex)).toEqual(p.proof);
      expect(verifyConsistency(p.from, p.to, fromHex(p.fromRoot), fromHex(p.toRoot), p.proof.map(fromHex))).toBe(true);
    }
  });

  it("checkpoints: the exact bodies, signed by the fixture platform key whose certificate the fixture CA issued", async () => {
    const ca = pemOf(vector.trustedCa);
    expect(vector.checkpoints.map((c) => c.size)).toEqual([3, 5]);
    for (const c of vector.checkpoints) {
      const cp = { origin: c.origin, size: c.size, rootHash: c.rootHash, issuedAt: c.issuedAt };
      expect(c.origin).toBe(vector.origin);
      expect(c.rootHash).toBe(rootOf(c.size));
      expect(checkpointBody(cp)).toBe(c.body);
      expect(c.signed.body).toBe(c.body);
      expect(parseCheckpointBody(c.body)).toEqual(cp);
      expect(await verifyCheckpoint(c.signed, [ca], new Date(c.issuedAt), [vector.pinnedSigner])).toMatchObject({ valid: true, checkpoint: cp });
      expect(c.signed.x5c[0]).toBe(vector.pinnedSigner);
    }
    const [a, b] = vector.checkpoints;
    expect(await verifyCheckpoint({ ...a!.signed, body: b!.body }, [ca], new Date(a!.issuedAt))).toEqual({ valid: false, reason: "BAD_SIGNATURE" });
  });

  it("the RFC 6962 reference vector", () => {
    const ref = vector.rfc6962.leafData.map((d) => leafHash(new Uint8Array(Buffer.from(d, "hex"))));
    for (const r of vector.rfc6962.roots) expect(hex(treeHead(ref, r.size))).toBe(r.root);
    expect(vector.rfc6962.roots.at(-1)!.root).toBe("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    for (const p of vector.rfc6962.inclusion) expect(inclusionProof(ref, p.leafIndex, p.size).map(hex)).toEqual(p.proof);
    for (const p of vector.rfc6962.consistency) expect(consistencyProof(ref, p.from, p.to).map(hex)).toEqual(p.proof);
  });
});

// ---- The independent verifier: test/fixtures/record/verify_record.py, Python 3 standard library only ----

const tmp = mkdtempSync(path.join(tmpdir(), "th-record-vector-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function python(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("python3", [PY, file], { encoding: "utf8", timeout: 60_000 });
  if (r.error) {
    throw (r.error as NodeJS.ErrnoException).code === "ENOENT"
      ? new Error("`python3` was not found on PATH. The record format is checked against an independent Python verifier (test/fixtures/record/verify_record.py); install Python 3 (Debian: apt-get install python3).")
      : r.error;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A tampered copy of the vector, written next to the others; returns its path. */
function tampered(name: string, change: (v: Vector) => void): string {
  const v = clone();
  change(v);
  const file = path.join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(v, null, 2));
  return file;
}

/** `h` with its last hex digit changed. */
const otherHex = (h: string) => `${h.slice(0, -1)}${h.endsWith("0") ? "1" : "0"}`;

describe("the independent Python verifier (verify_record.py, written from docs/record-format.md)", () => {
  it("recomputes the whole vector and exits 0 with a summary", () => {
    const r = python(VECTOR);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`OK: 7 entries (chain head seq 7, ${vector.entries[6]!.hash}), root of size 7 ${rootOf(7)}, 2 checkpoints`);
  });

  const cases: [name: string, change: (v: Vector) => void, messages: string[]][] = [
    [
      "one character of a payload changed",
      (v: Vector) => {
        const p = v.entries[2]!.payload as { remarks: string };
        p.remarks = p.remarks.replace("第二次", "第三次");
      },
      ["entry 3: canonical payload", "entry 3: payload_hash_mismatch"],
    ],
    ["one hash of an inclusion proof changed", (v: Vector) => void (v.inclusion[0]!.proof[1] = otherHex(v.inclusion[0]!.proof[1]!)), ["inclusion of seq 3 in size 5: PATH", "inclusion of seq 3 in size 5: the proof does not verify"]],
    ["one hash of a consistency proof changed", (v: Vector) => void (v.consistency[0]!.proof[3] = otherHex(v.consistency[0]!.proof[3]!)), ["consistency 3 -> 5: PROOF", "consistency 3 -> 5: the proof does not verify", "checkpoint of size 5: not consistent with the checkpoint of size 3"]],
    [
      "a row a version-2 entry wrote changed (its digest no longer the one bound to the entry)",
      (v: Vector) => {
        const w = v.entries[5]!.writes![0]!;
        w.row = w.row!.replace('"score": "38.5"', '"score": "40"');
        w.hash = createHash("sha256").update(w.row, "utf8").digest("hex");
      },
      ["entry 6: canonical state", "entry 6: state_hash_mismatch"],
    ],
    [
      "the last entry turned back into version 1 with the chain recomputed (a downgrade)",
      (v: Vector) => {
        const e = v.entries[6]!;
        delete e.stateHash;
        delete e.writes;
        e.entryCanonical = canonicalJson({ v: 1, seq: e.seq, at: e.at, actorUserId: e.actorUserId, orgId: e.orgId, ip: e.ip, action: e.action, subjectType: e.subjectType, subjectId: e.subjectId, payloadHash: e.payloadHash, prevHash: e.prevHash });
        e.hash = createHash("sha256").update(e.entryCanonical, "utf8").digest("hex");
      },
      ["entry 7: state_hash_missing"],
    ],
    ["an entry's time changed by one millisecond", (v: Vector) => void (v.entries[0]!.at = "2026-12-01T01:15:42.109Z"), ["entry 1: canonical entry", "entry 1: hash_mismatch"]],
    [
      "a checkpoint's signature changed",
      (v: Vector) => {
        const sig = Buffer.from(v.checkpoints[1]!.signed.signature, "base64");
        sig[17]! ^= 0x01;
        v.checkpoints[1]!.signed.signature = sig.toString("base64");
      },
      ["checkpoint of size 5: BAD_SIGNATURE"],
    ],
    [
      "a checkpoint signed by another certificate of the trusted CA (here the CA's own) instead of the pinned signer",
      (v: Vector) => {
        const caKey = readFileSync(path.join(DIR, "ca-private.pem"), "utf8");
        const c = v.checkpoints[1]!;
        c.signed = { body: c.signed.body, signature: sign("sha256", Buffer.from(c.signed.body, "utf8"), caKey).toString("base64"), x5c: [v.trustedCa] };
      },
      ["checkpoint of size 5: UNTRUSTED_SIGNER"],
    ],
    ["another CA trusted", (v: Vector) => void (v.trustedCa = v.checkpoints[0]!.signed.x5c[0]!), ["checkpoint of size 3: UNTRUSTED_SIGNER", "checkpoint of size 5: UNTRUSTED_SIGNER"]],
  ];
  it.each(cases)("exits 1 naming the failure when %s", (name, change, messages) => {
    const r = python(tampered(name.replace(/\W+/g, "-"), change));
    expect(r.stdout).toBe("");
    expect(r.status).toBe(1);
    for (const m of messages) expect(r.stderr).toContain(`verify_record: ${m}`);
    expect(r.stderr).toMatch(/verify_record: FAILED \(\d+ of \d+ checks\)\n$/);
  });
});
