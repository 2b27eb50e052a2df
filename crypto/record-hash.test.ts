import { describe, expect, it } from "vitest";
import { entryCanonical, GENESIS_HASH, hashEntry, hashPayload, hashState, sha256Hex, verifyChainSegment, type ChainEntry } from "./record-hash";

function chain(n: number): ChainEntry[] {
  const out: ChainEntry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const payload = { step: i, note: `第${i}步` };
    const fields = {
      seq: i,
      at: `2026-11-23T01:00:0${i}.000Z`,
      actorUserId: "00000000-0000-4000-8000-000000000001",
      orgId: null,
      ip: "127.0.0.1",
      action: "test.step",
      subjectType: "test",
      subjectId: String(i),
      payloadHash: hashPayload(payload),
      prevHash: prev,
    };
    const hash = hashEntry(fields);
    out.push({ ...fields, payload, hash });
    prev = hash;
  }
  return out;
}

describe("the record's hash chain (R60)", () => {
  it("a known chain of three entries verifies", () => {
    const c = chain(3);
    const r = verifyChainSegment(c);
    expect(r).toEqual({ ok: true, last: { seq: 3, hash: c[2]!.hash, v2: false } });
    expect(c[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hashes are stable for the same content", () => {
    expect(chain(2)[1]!.hash).toBe(chain(2)[1]!.hash);
    expect(hashPayload({ a: 1, b: 2 })).toBe(hashPayload({ b: 2, a: 1 }));
  });

  it.each([
    ["action", (e: ChainEntry) => ({ ...e, action: "forged" }), "hash_mismatch"],
    ["time", (e: ChainEntry) => ({ ...e, at: "2026-11-23T09:00:00.000Z" }), "hash_mismatch"],
    ["actor", (e: ChainEntry) => ({ ...e, actorUserId: null }), "hash_mismatch"],
    ["ip", (e: ChainEntry) => ({ ...e, ip: "10.0.0.1" }), "hash_mismatch"],
    ["payload", (e: ChainEntry) => ({ ...e, payload: { step: 2, note: "篡改" } }), "payload_hash_mismatch"],
    ["payload hash and payload together", (e: ChainEntry) => ({ ...e, payload: { x: 1 }, payloadHash: hashPayload({ x: 1 }) }), "hash_mismatch"],
  ] as const)("a changed %s in entry 2 is detected at entry 2", (_name, tamper, reason) => {
    const c = chain(3);
    c[1] = tamper(c[1]!);
    const r = verifyChainSegment(c);
    expect(r).toEqual({ ok: false, break: { seq: 2, reason } });
  });

  it("a recomputed entry breaks the link to the next one", () => {
    const c = chain(3);
    const { payload: _p, hash: _h, ...fields } = c[1]!;
    const forged = { ...fields, action: "forged" };
    c[1] = { ...forged, payload: c[1]!.payload, hash: hashEntry(forged) };
    expect(verifyChainSegment(c)).toEqual({ ok: false, break: { seq: 3, reason: "prev_hash_mismatch" } });
  });

  it("a removed or reordered entry is detected", () => {
    const c = chain(4);
    expect(verifyChainSegment([c[0]!, c[2]!, c[3]!])).toEqual({ ok: false, break: { seq: 3, reason: "seq_gap" } });
    expect(verifyChainSegment([c[0]!, c[2]!, c[1]!])).toEqual({ ok: false, break: { seq: 3, reason: "seq_gap" } });
  });

  it("verifies a segment continuing from a known head", () => {
    const c = chain(4);
    expect(verifyChainSegment(c.slice(2), { seq: 2, hash: c[1]!.hash }).ok).toBe(true);
    expect(verifyChainSegment(c.slice(2), { seq: 2, hash: GENESIS_HASH })).toEqual({ ok: false, break: { seq: 3, reason: "prev_hash_mismatch" } });
  });
});

describe("entry format v2: state binding (R60, docs/record-format.md §1.7)", () => {
  const w = (table: string, key: string, hash: string | null) => ({ table, key, hash });
  it("the state hash is over the writes sorted by table then key, whatever order they came in; no writes hash `[]`", () => {
    const a = [w("sections", '["b"]', "1".repeat(64)), w("projects", '["z"]', null), w("projects", '["a"]', "2".repeat(64))];
    expect(hashState(a)).toBe(hashState([...a].reverse()));
    expect(hashState(a)).toBe(sha256Hex(`[["projects","[\\"a\\"]","${"2".repeat(64)}"],["projects","[\\"z\\"]",null],["sections","[\\"b\\"]","${"1".repeat(64)}"]]`));
    expect(hashState([])).toBe("4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
    // A deletion and a write of the same key differ; so does one changed digest.
    expect(hashState([w("projects", '["a"]', null)])).not.toBe(hashState([w("projects", '["a"]', "0".repeat(64))]));
  });

  it("a v2 entry hashes {v: 2, …, stateHash}; without stateHash the v1 form is unchanged", () => {
    const base = chain(1)[0]!;
    const { payload: _p, hash, ...fields } = base;
    expect(hashEntry({ ...fields, stateHash: null })).toBe(hash);
    const v2 = { ...fields, stateHash: "ab".repeat(32) };
    expect(entryCanonical(v2)).toMatch(/,"stateHash":"(ab){32}","subjectId":.*,"v":2}$/);
    expect(hashEntry(v2)).not.toBe(hash);
    expect(hashEntry({ ...v2, stateHash: "ac".repeat(32) })).not.toBe(hashEntry(v2));
  });

  it("a v1 entry after a v2 one is a downgrade: state_hash_missing, also across segments", () => {
    const [first] = chain(1);
    const { payload, hash: _h, ...f1 } = first!;
    const e1 = { ...f1, payload, stateHash: "cd".repeat(32) };
    const h1 = hashEntry({ ...f1, stateHash: e1.stateHash });
    const f2 = { ...f1, seq: 2, prevHash: h1 };
    const e2 = { ...f2, payload, hash: hashEntry(f2) };
    const r1 = verifyChainSegment([{ ...e1, hash: h1 }]);
    expect(r1).toEqual({ ok: true, last: { seq: 1, hash: h1, v2: true } });
    expect(verifyChainSegment([e2], r1.ok ? r1.last : undefined)).toEqual({ ok: false, break: { seq: 2, reason: "state_hash_missing" } });
    expect(verifyChainSegment([{ ...e1, hash: h1 }, e2])).toEqual({ ok: false, break: { seq: 2, reason: "state_hash_missing" } });
  });
});
