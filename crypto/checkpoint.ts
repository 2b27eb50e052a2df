/**
 * Checkpoints (signed tree heads) of the record's transparency log (docs/record-format.md §4). The body is a
 * C2SP tlog-checkpoint note body — origin line, tree size in decimal, the root hash in standard base64, then one
 * extension line with the issue time — and the platform signs its UTF-8 bytes with RSASSA-PKCS1-v1_5 SHA-256
 * (RS256, the receipts' algorithm; signed notes define Ed25519 only), its certificate chain alongside (`x5c`, as in
 * JWS) so a witness checks the signer against the CA published at /pki. Pure: keys and time are passed in.
 */
import { certInfo, chainsTo, fromBinary, pemToDer, toBinary } from "./certs";
import { rsaSign, rsaVerify } from "./keys";

export type Checkpoint = {
  /** Names the log (the platform's public address + "/record"); a witness never mixes two origins. */
  origin: string;
  /** Entries covered: seq 1 … size. */
  size: number;
  /** The Merkle tree hash of those entries (crypto/merkle.ts), 64 lowercase hex digits. */
  rootHash: string;
  /** Database time of issue, ISO 8601 UTC with milliseconds. */
  issuedAt: string;
};

/** The checkpoint as JSON on the wire: the exact signed body, its signature and the signer's chain. */
export type SignedCheckpoint = { body: string; signature: string; x5c: string[] };

const ORIGIN = /^[\x21-\x7e]{1,200}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const b64 = (b: Uint8Array) => btoa(toBinary(b));
const unb64 = (s: string) => fromBinary(atob(s));
const hexToBytes = (h: string) => new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)));
const bytesToHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const pemOf = (der64: string) => `-----BEGIN CERTIFICATE-----\n${der64.replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

/** The signed text, byte for byte: "<origin>\n<size>\n<base64 root>\ntime <issuedAt>\n". */
export function checkpointBody(c: Checkpoint): string {
  if (!ORIGIN.test(c.origin)) throw new RangeError("checkpoint origin: printable ASCII without spaces");
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw new RangeError("checkpoint size");
  if (!/^[0-9a-f]{64}$/.test(c.rootHash)) throw new RangeError("checkpoint root hash");
  if (!ISO.test(c.issuedAt)) throw new RangeError("checkpoint time");
  return `${c.origin}\n${c.size}\n${b64(hexToBytes(c.rootHash))}\ntime ${c.issuedAt}\n`;
}

/** The checkpoint a body states, or null unless the body is exactly what checkpointBody writes. */
export function parseCheckpointBody(body: string): Checkpoint | null {
  const m = /^([\x21-\x7e]{1,200})\n(0|[1-9]\d{0,15})\n([A-Za-z0-9+/]{43}=)\ntime (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\n$/.exec(body);
  if (!m) return null;
  const size = Number(m[2]);
  if (!Number.isSafeInteger(size)) return null;
  let root: Uint8Array;
  try {
    root = unb64(m[3]!);
  } catch {
    return null;
  }
  if (root.length !== 32) return null;
  const c = { origin: m[1]!, size, rootHash: bytesToHex(root), issuedAt: m[4]! };
  return checkpointBody(c) === body ? c : null;
}

export async function signCheckpoint(c: Checkpoint, signer: { privateKeyPkcs8: Uint8Array; certPem: string; chainPem: string[] }): Promise<SignedCheckpoint> {
  const body = checkpointBody(c);
  const signature = await rsaSign(signer.privateKeyPkcs8, new TextEncoder().encode(body));
  return { body, signature: b64(signature), x5c: [signer.certPem, ...signer.chainPem].map((p) => b64(pemToDer(p))) };
}

export type CheckpointCheck =
  | { valid: true; checkpoint: Checkpoint; signer: string }
  | { valid: false; reason: "MALFORMED" | "UNTRUSTED_SIGNER" | "BAD_SIGNATURE" };

/**
 * Verifies a signed checkpoint: its body's form, the signer, the signature. The signer must chain to a trusted CA at
 * `now` and, when `pinnedSigners` is given (base64 DER, as /pki serves it), be one of those certificates: the platform
 * CA also issues every user's certificate, so "issued by the CA" alone would let any certificate holder sign a
 * checkpoint. The platform and the witness pin the document-signing certificate.
 */
export async function verifyCheckpoint(sc: unknown, trustedCaPems: readonly string[], now: Date, pinnedSigners?: readonly string[]): Promise<CheckpointCheck> {
  const s = sc as Partial<SignedCheckpoint> | null;
  if (!s || typeof s.body !== "string" || typeof s.signature !== "string" || !Array.isArray(s.x5c) || typeof s.x5c[0] !== "string") return { valid: false, reason: "MALFORMED" };
  const checkpoint = parseCheckpointBody(s.body);
  if (!checkpoint) return { valid: false, reason: "MALFORMED" };
  if (pinnedSigners && !pinnedSigners.includes(s.x5c[0])) return { valid: false, reason: "UNTRUSTED_SIGNER" };
  let leaf: string;
  let signature: Uint8Array;
  try {
    leaf = pemOf(s.x5c[0]);
    signature = unb64(s.signature);
    if (!chainsTo(leaf, [...trustedCaPems], now)) return { valid: false, reason: "UNTRUSTED_SIGNER" };
  } catch {
    return { valid: false, reason: "MALFORMED" };
  }
  const info = certInfo(leaf);
  const ok = await rsaVerify(info.publicKeySpki, signature, new TextEncoder().encode(s.body));
  return ok ? { valid: true, checkpoint, signer: info.subjectCn } : { valid: false, reason: "BAD_SIGNATURE" };
}
