import { describe, expect, it } from "vitest";
import { GENESIS_HASH, hashEntry, hashPayload, verifyChainSegment, type ChainEntry } from "./record-hash";

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
    expect(r).toEqual({ ok: true, last: { seq: 3, hash: c[2]!.hash } });
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
