// The witness's decisions (scripts/witness-core.ts, docs/record-format.md §4.3–§4.4) on checkpoints signed with the
// record vector's TEST FIXTURE keys (test/fixtures/record/*-private.pem, published): a consistent extension is
// accepted; a fork, a rewrite, a bad signature, a signer other than the pinned one, a shrinking size, an origin
// change and a vanished checkpoint are flagged, with the signed evidence.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pemToDer } from "#crypto/certs";
import { signCheckpoint, type SignedCheckpoint } from "#crypto/checkpoint";
import { consistencyProof, hex, leafHash, treeHead, type Hash } from "#crypto/merkle";
import { createRootCa, issueSigningCert, type KeyPairPem } from "#crypto/pki";
import {
  checkExtension,
  checkStore,
  nextBefore,
  PAGE_LIMIT,
  ProtocolError,
  readPage,
  review,
  type Page,
  type StoredCheckpoint,
  type Trust,
  type VerifiedCheckpoint,
  type WitnessState,
} from "../../scripts/witness-core";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/record");
function fixtureKeys(file: string): KeyPairPem {
  const text = readFileSync(path.join(FIXTURES, file), "utf8");
  const pem = text.slice(text.indexOf("-----BEGIN"));
  return { privateKeyPem: pem, publicKeyPem: createPublicKey(createPrivateKey(pem)).export({ type: "spki", format: "pem" }).toString() };
}
const PKI_TIME = new Date("2026-11-01T00:00:00.000Z");
const caKeys = fixtureKeys("ca-private.pem");
const signerKeys = fixtureKeys("signer-private.pem");
const ca = createRootCa({ keys: caKeys, serialHex: "01", now: PKI_TIME, years: 20, cn: "Tenderhall Test Root CA", org: "Tenderhall Test" });
const signerCert = issueSigningCert({ ca, keys: signerKeys, serialHex: "02", now: PKI_TIME, years: 10, cn: "平台文件签章（测试）", org: "Tenderhall Test" });
const signer = { privateKeyPkcs8: pemToDer(signerKeys.privateKeyPem), certPem: signerCert.certPem, chainPem: [ca.certPem] };
// Another holder of a certificate from the same CA (a user's certificate: the CA issues those too). Its key is the CA
// fixture key, which is all this test needs — any key but the platform signer's.
const userCert = issueSigningCert({ ca, keys: caKeys, serialHex: "03", now: PKI_TIME, years: 10, cn: "某投标人", org: "Tenderhall Test" });
const user = { privateKeyPkcs8: pemToDer(caKeys.privateKeyPem), certPem: userCert.certPem, chainPem: [ca.certPem] };
// A CA nobody trusts, with a signer of the same name.
const otherCa = createRootCa({ keys: signerKeys, serialHex: "09", now: PKI_TIME, years: 20, cn: "Tenderhall Test Root CA", org: "Tenderhall Test" });
const otherCert = issueSigningCert({ ca: otherCa, keys: signerKeys, serialHex: "02", now: PKI_TIME, years: 10, cn: "平台文件签章（测试）", org: "Tenderhall Test" });
const other = { privateKeyPkcs8: pemToDer(signerKeys.privateKeyPem), certPem: otherCert.certPem, chainPem: [otherCa.certPem] };

const derB64 = (pem: string) => Buffer.from(pemToDer(pem)).toString("base64");
const trust: Trust = { caPems: [ca.certPem], signerDers: [derB64(signerCert.certPem)] };
const ORIGIN = "trading.example.cn/record";

/** Two histories of 12 entries that agree on the first 3 and differ from entry 4 on (a fork after size 3). */
const leavesOf = (tag: string) => Array.from({ length: 12 }, (_, i): Hash => leafHash(new TextEncoder().encode(i < 3 ? `entry ${i}` : `${tag} entry ${i}`)));
const A = leavesOf("a");
const B = leavesOf("b");
const time = (size: number) => new Date(Date.UTC(2026, 11, 8, 6, 0, size)).toISOString();

async function cp(leaves: Hash[], size: number, opts: { by?: typeof signer; origin?: string; issuedAt?: string } = {}): Promise<VerifiedCheckpoint> {
  const c = { origin: opts.origin ?? ORIGIN, size, rootHash: hex(treeHead(leaves, size)), issuedAt: opts.issuedAt ?? time(size) };
  return { ...c, signed: await signCheckpoint(c, opts.by ?? signer) };
}
const listed = (c: VerifiedCheckpoint) => ({ size: c.size, rootHash: c.rootHash, issuedAt: c.issuedAt, signed: c.signed });
const page = (...cs: VerifiedCheckpoint[]): Page => ({ origin: cs[0]?.origin ?? ORIGIN, checkpoints: cs.sort((x, y) => y.size - x.size).map(listed) });
const store = (...cs: VerifiedCheckpoint[]): WitnessState => ({ checkpoints: cs.map((c): StoredCheckpoint => ({ ...c, acceptedAt: "2026-12-08T07:00:00.000Z", url: "https://trading.example.cn" })) });
const proof = (leaves: Hash[], from: number, to: number) => ({ status: 200, json: { from, to, proof: consistencyProof(leaves, from, to).map(hex) } });

describe("witness: a consistent extension", () => {
  it("accepts new checkpoints that the consistency proofs show extend the stored one", async () => {
    const [c3, c5, c8] = [await cp(A, 3), await cp(A, 5), await cp(A, 8)];
    const state = store(c3);
    const r = await review(state, [page(c8, c5, c3)], trust);
    expect(r.alerts).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.candidates.map((c) => c.size)).toEqual([5, 8]);
    expect(checkExtension(state.checkpoints[0]!, c5, proof(A, 3, 5))).toEqual({ ok: true });
    // The next one is checked against the newly stored one.
    expect(checkExtension(store(c3, c5).checkpoints[1]!, c8, proof(A, 5, 8))).toEqual({ ok: true });
    // Power-of-two first size (the root is prepended in verification).
    expect(checkExtension(store(await cp(A, 4)).checkpoints[0]!, c8, proof(A, 4, 8))).toEqual({ ok: true });
  });

  it("takes the first checkpoints on trust (no stored one), and nothing new is nothing to do", async () => {
    const [c3, c5] = [await cp(A, 3), await cp(A, 5)];
    const first = await review(store(), [page(c5, c3)], trust);
    expect(first.alerts).toEqual([]);
    expect(first.candidates.map((c) => c.size)).toEqual([3, 5]);
    expect(checkExtension(null, c3, null)).toEqual({ ok: true });
    const same = await review(store(c3, c5), [page(c5, c3)], trust);
    expect(same).toMatchObject({ alerts: [], candidates: [], newest: 5 });
    expect((await review(store(), [page()], trust)).candidates).toEqual([]);
  });

  it("accepts the record test vector's checkpoints 3 → 5 with its consistency proof (docs/record-format.md §6)", async () => {
    const v = JSON.parse(readFileSync(path.join(FIXTURES, "vector.json"), "utf8")) as {
      trustedCa: string;
      checkpoints: { size: number; rootHash: string; issuedAt: string; signed: SignedCheckpoint }[];
      consistency: { from: number; to: number; proof: string[] }[];
    };
    const pem = `-----BEGIN CERTIFICATE-----\n${v.trustedCa.replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;
    const vt: Trust = { caPems: [pem], signerDers: [v.checkpoints[0]!.signed.x5c[0]!] };
    const r = await review(store(), [{ origin: ORIGIN, checkpoints: [...v.checkpoints].reverse() }], vt);
    expect(r.alerts).toEqual([]);
    const [c3, c5] = r.candidates;
    const p = v.consistency.find((c) => c.from === 3 && c.to === 5)!;
    expect(checkExtension(store(c3!).checkpoints[0]!, c5!, { status: 200, json: { from: 3, to: 5, proof: p.proof } })).toEqual({ ok: true });
  });
});

describe("witness: what it flags", () => {
  it("FORK: the same size with another root than the stored one", async () => {
    const [a5, b5] = [await cp(A, 5), await cp(B, 5)];
    const r = await review(store(await cp(A, 3), a5), [page(b5)], trust);
    expect(r.candidates).toEqual([]);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]).toMatchObject({ kind: "FORK", size: 5, evidence: { stored: { rootHash: a5.rootHash, signed: a5.signed }, presented: { rootHash: b5.rootHash, signed: b5.signed } } });
    expect(r.alerts[0]!.message).toContain(a5.rootHash);
    expect(r.alerts[0]!.message).toContain(b5.rootHash);
  });

  it("FORK: two bodies for one size in one listing, and a re-signed body with the same root", async () => {
    const [a5, b5] = [await cp(A, 5), await cp(B, 5)];
    const twice = await review(store(), [{ origin: ORIGIN, checkpoints: [listed(a5), listed(b5)] }], trust);
    expect(twice.alerts.map((a) => a.kind)).toEqual(["FORK"]);
    const again = await cp(A, 5, { issuedAt: "2026-12-09T00:00:00.000Z" });
    const resigned = await review(store(a5), [page(again)], trust);
    expect(resigned.alerts).toMatchObject([{ kind: "FORK", size: 5 }]);
    expect(resigned.alerts[0]!.message).toContain("two different signed bodies");
  });

  it("REWRITE: the new checkpoint does not extend the stored one (the consistency proof fails)", async () => {
    const [a3, b8] = [await cp(A, 3), await cp(B, 8)];
    // History B agrees with A up to 3: a checkpoint at 3 of B is A's, and B at 8 does extend it …
    expect(checkExtension(store(await cp(B, 3)).checkpoints[0]!, b8, proof(B, 3, 8))).toEqual({ ok: true });
    // … but a witness that stored A at 5 sees B at 8 fail, whichever proof the platform sends.
    const a5 = store(a3, await cp(A, 5));
    const r = await review(a5, [page(b8, await cp(A, 5))], trust);
    expect(r.alerts).toEqual([]);
    expect(r.candidates.map((c) => c.size)).toEqual([8]);
    for (const p of [proof(B, 5, 8), proof(A, 5, 8)]) {
      const x = checkExtension(a5.checkpoints[1]!, b8, p);
      expect(x).toMatchObject({ ok: false, alert: { kind: "REWRITE", size: 8 } });
      if (!x.ok) expect(x.alert.message).toMatch(/from size 5 root [0-9a-f]{64} to size 8 root [0-9a-f]{64} fails/);
    }
    // Not a proof at all: wrong sizes, no list, not hex, too long, empty.
    const last = a5.checkpoints[1]!;
    const a8 = await cp(A, 8);
    for (const json of [{ from: 3, to: 8, proof: [] }, { from: 5, to: 8 }, { from: 5, to: 8, proof: ["XYZ"] }, { from: 5, to: 8, proof: Array(200).fill("00".repeat(32)) }, { from: 5, to: 8, proof: [] }, null]) {
      expect(checkExtension(last, a8, { status: 200, json })).toMatchObject({ ok: false, alert: { kind: "REWRITE" } });
    }
    expect(checkExtension(last, a8, proof(A, 5, 8))).toEqual({ ok: true });
  });

  it("BAD SIGNATURE: a changed signature, a changed body, a malformed entry", async () => {
    const c5 = await cp(A, 5);
    const sig = Buffer.from(c5.signed.signature, "base64");
    sig[10] = sig[10]! ^ 1;
    const badSig = { ...listed(c5), signed: { ...c5.signed, signature: sig.toString("base64") } };
    const otherRoot = hex(treeHead(B, 5));
    const badBody = { ...listed(c5), signed: { ...c5.signed, body: c5.signed.body.replace(Buffer.from(c5.rootHash, "hex").toString("base64"), Buffer.from(otherRoot, "hex").toString("base64")) } };
    for (const [item, reason] of [
      [badSig, "BAD_SIGNATURE"],
      [badBody, "BAD_SIGNATURE"],
      [{ size: 5 }, "MALFORMED"],
      [{ ...listed(c5), signed: { ...c5.signed, body: c5.signed.body.replace("\ntime", "\r\ntime") } }, "MALFORMED"],
    ] as const) {
      const r = await review(store(await cp(A, 3)), [{ origin: ORIGIN, checkpoints: [item] }], trust);
      expect(r.candidates).toEqual([]);
      expect(r.alerts).toMatchObject([{ kind: "BAD_SIGNATURE", size: 5, evidence: { reason } }]);
    }
  });

  it("BAD SIGNATURE: a checkpoint signed by another certificate of the same CA (not the pinned signer), or by another CA", async () => {
    const byUser = await cp(A, 5, { by: user });
    // Without the pin it would pass: the CA issued the user's certificate.
    const unpinned = await review(store(), [page(byUser)], { caPems: trust.caPems, signerDers: [derB64(userCert.certPem)] });
    expect(unpinned.alerts).toEqual([]);
    const r = await review(store(await cp(A, 3)), [page(byUser)], trust);
    expect(r.alerts).toMatchObject([{ kind: "BAD_SIGNATURE", size: 5, evidence: { reason: "UNTRUSTED_SIGNER" } }]);
    // Another CA's signer, pinned by mistake, still fails the CA check.
    const byOther = await cp(A, 5, { by: other });
    const r2 = await review(store(), [page(byOther)], { caPems: trust.caPems, signerDers: [derB64(otherCert.certPem)] });
    expect(r2.alerts).toMatchObject([{ kind: "BAD_SIGNATURE", evidence: { reason: "UNTRUSTED_SIGNER" } }]);
    // A signer outside its validity at the time the body states.
    const late = await cp(A, 5, { issuedAt: "2040-01-01T00:00:00.000Z" });
    expect((await review(store(), [page(late)], trust)).alerts).toMatchObject([{ kind: "BAD_SIGNATURE", evidence: { reason: "UNTRUSTED_SIGNER" } }]);
  });

  it("ROLLBACK: the newest size is below the stored one, or nothing is listed any more", async () => {
    const [a5, a8] = [await cp(A, 5), await cp(A, 8)];
    const r = await review(store(a5, a8), [page(a5)], trust);
    expect(r.alerts).toMatchObject([{ kind: "ROLLBACK", size: 5, evidence: { stored: { size: 8 }, presented: { size: 5 } } }]);
    expect(r.alerts[0]!.message).toMatch(/size 5 root [0-9a-f]{64}, below the stored size 8 root [0-9a-f]{64}/);
    expect((await review(store(a5), [page()], trust)).alerts).toMatchObject([{ kind: "ROLLBACK", size: 5 }]);
  });

  it("ORIGIN CHANGE: a checkpoint or the listing names another log", async () => {
    const a3 = await cp(A, 3);
    const elsewhere = await cp(A, 5, { origin: "mirror.example.cn/record" });
    const r = await review(store(a3), [page(elsewhere, a3)], trust);
    expect(r.candidates).toEqual([]);
    expect(r.alerts.map((a) => a.kind)).toEqual(["ORIGIN", "ORIGIN"]);
    const listing = await review(store(a3), [{ origin: "mirror.example.cn/record", checkpoints: [listed(await cp(A, 5)), listed(a3)] }], trust);
    expect(listing.alerts).toMatchObject([{ kind: "ORIGIN", size: null }]);
    // First run: the checkpoints must agree among themselves.
    const mixed = await review(store(), [{ origin: ORIGIN, checkpoints: [listed(elsewhere), listed(a3)] }], trust);
    expect(mixed.alerts.map((a) => a.kind)).toContain("ORIGIN");
  });

  it("MISSING: the stored checkpoint is no longer listed while larger ones are, or the proof endpoint denies it", async () => {
    const [a3, a5, a8] = [await cp(A, 3), await cp(A, 5), await cp(A, 8)];
    const r = await review(store(a3, a5), [page(a8, a3)], trust);
    expect(r.alerts).toMatchObject([{ kind: "MISSING", size: 5 }]);
    expect(checkExtension(store(a5).checkpoints[0]!, a8, { status: 404, json: { error: { code: "NOT_FOUND" } } })).toMatchObject({ ok: false, alert: { kind: "MISSING", size: 5 } });
    expect(() => checkExtension(store(a5).checkpoints[0]!, a8, { status: 503, json: null })).toThrow(ProtocolError);
  });

  it("warns (no alert) when the issue time goes back or the convenience members differ from the body", async () => {
    const [a3, a5] = [await cp(A, 3), await cp(A, 5, { issuedAt: "2026-12-01T00:00:00.000Z" })];
    const r = await review(store(a3), [{ origin: ORIGIN, checkpoints: [{ ...listed(a5), rootHash: "00".repeat(32) }, listed(a3)] }], trust);
    expect(r.alerts).toEqual([]);
    expect(r.candidates.map((c) => c.size)).toEqual([5]);
    expect(r.warnings).toHaveLength(2);
  });
});

describe("witness: paging and the store", () => {
  const fake = (sizes: number[]): Page => ({ origin: ORIGIN, checkpoints: sizes.map((size) => ({ size })) });
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from - i);

  it("pages with `before` down to the largest stored size, and stops at a short page", () => {
    expect(nextBefore(fake(range(500, PAGE_LIMIT)), null, null)).toBe(401);
    expect(nextBefore(fake(range(500, PAGE_LIMIT)), null, 450)).toBeNull();
    expect(nextBefore(fake(range(500, PAGE_LIMIT)), null, 401)).toBeNull();
    expect(nextBefore(fake(range(500, PAGE_LIMIT)), null, 400)).toBe(401);
    expect(nextBefore(fake(range(300, 40)), 301, null)).toBeNull();
    expect(nextBefore(fake([]), null, 5)).toBeNull();
    // A page that does not go below `before` would never end.
    expect(() => nextBefore(fake(range(500, PAGE_LIMIT)), 450, null)).toThrow(ProtocolError);
  });

  it("refuses a page that is not the protocol's form or longer than the limit", () => {
    expect(() => readPage(null)).toThrow(ProtocolError);
    expect(() => readPage({ origin: ORIGIN })).toThrow(ProtocolError);
    expect(() => readPage(fake(range(500, PAGE_LIMIT + 1)))).toThrow(/at most 100/);
    expect(readPage({ origin: ORIGIN, checkpoints: [], extra: 1 })).toEqual({ origin: ORIGIN, checkpoints: [] });
  });

  it("loads only a store whose lines are checkpoints in increasing size with one origin", async () => {
    const [a3, a5] = store(await cp(A, 3), await cp(A, 5)).checkpoints;
    expect(checkStore([a3, a5])).toHaveLength(2);
    expect(() => checkStore([a5, a3])).toThrow(/size 3 after 5/);
    expect(() => checkStore([{ ...a3!, rootHash: "00".repeat(32) }])).toThrow(/line 1/);
    const elsewhere = { ...(await cp(A, 8, { origin: "x.example/record" })), acceptedAt: "", url: "" };
    expect(() => checkStore([a3, elsewhere])).toThrow(/origin/);
  });
});
