/**
 * The signed receipt (回执, R20): a JSON Web Signature (RFC 7515, compact form, RS256) whose
 * header carries the platform's signing certificate chain (`x5c`). Standard, so any JOSE
 * library can check it; the bidder's browser checks it with this module.
 */
import { canonicalJson } from "./canonical-json";
import { certInfo, chainsTo, fromBinary, pemToDer, toBinary } from "./certs";
import { rsaSign, rsaVerify } from "./keys";

export type ReceiptPayload = {
  typ: "tenderhall.bid-receipt.v1";
  receiptId: string;
  project: { id: string; code: string; title: string };
  section: { id: string; code: string; title: string };
  bidder: { orgId: string; name: string; creditCode: string | null };
  version: number;
  manifestSha256: string;
  totalBytes: number;
  certificate: string;
  /** Server receive time from the database clock, ISO 8601 UTC. */
  receivedAt: string;
};

const b64url = (b: Uint8Array) => btoa(toBinary(b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromB64url = (s: string) => fromBinary(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4)));
const derB64 = (pem: string) => btoa(toBinary(pemToDer(pem)));
const pemOf = (b64: string) => `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

export async function signReceipt(payload: ReceiptPayload, signer: { privateKeyPkcs8: Uint8Array; certPem: string; chainPem: string[] }): Promise<string> {
  const header = { alg: "RS256", typ: "JWT", x5c: [signer.certPem, ...signer.chainPem].map(derB64) };
  const enc = new TextEncoder();
  const input = `${b64url(enc.encode(canonicalJson(header)))}.${b64url(enc.encode(canonicalJson(payload)))}`;
  return `${input}.${b64url(await rsaSign(signer.privateKeyPkcs8, enc.encode(input)))}`;
}

export type ReceiptCheck = { valid: true; payload: ReceiptPayload; signer: string } | { valid: false; reason: "MALFORMED" | "UNTRUSTED_SIGNER" | "BAD_SIGNATURE" };

/** Verifies a receipt against the trusted CA certificates at `now`. */
export async function verifyReceipt(jws: string, trustedCaPems: string[], now: Date): Promise<ReceiptCheck> {
  const parts = jws.trim().split(".");
  if (parts.length !== 3) return { valid: false, reason: "MALFORMED" };
  let header: { alg?: string; x5c?: string[] };
  let payload: ReceiptPayload;
  try {
    const dec = new TextDecoder();
    header = JSON.parse(dec.decode(fromB64url(parts[0]!)));
    payload = JSON.parse(dec.decode(fromB64url(parts[1]!)));
  } catch {
    return { valid: false, reason: "MALFORMED" };
  }
  if (header.alg !== "RS256" || !Array.isArray(header.x5c) || !header.x5c[0] || payload?.typ !== "tenderhall.bid-receipt.v1") return { valid: false, reason: "MALFORMED" };
  const leaf = pemOf(header.x5c[0]);
  if (!chainsTo(leaf, trustedCaPems, now)) return { valid: false, reason: "UNTRUSTED_SIGNER" };
  const info = certInfo(leaf);
  const ok = await rsaVerify(info.publicKeySpki, fromB64url(parts[2]!), new TextEncoder().encode(`${parts[0]}.${parts[1]}`));
  return ok ? { valid: true, payload, signer: info.subjectCn } : { valid: false, reason: "BAD_SIGNATURE" };
}
