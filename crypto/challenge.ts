/**
 * Certificate challenge (docs/product.md §3.2): the server issues a random nonce for a purpose;
 * the holder signs these exact bytes with its certificate key (RSASSA-PKCS1-v1_5 / SHA-256),
 * proving possession. Later capabilities (check-in, signing) use the same message form.
 */
import { rsaSign, rsaVerify } from "./keys";

export type Challenge = { purpose: string; nonce: string; issuedAt: string };

/** The signed bytes: "TH-CHALLENGE-v1\n" purpose "\n" nonce "\n" issuedAt (UTF-8). */
export function challengeBytes(c: Challenge): Uint8Array {
  if (/\n/.test(c.purpose + c.nonce + c.issuedAt)) throw new RangeError("challenge fields must not contain newlines");
  return new TextEncoder().encode(`TH-CHALLENGE-v1\n${c.purpose}\n${c.nonce}\n${c.issuedAt}`);
}

export const signChallenge = (c: Challenge, privateKeyPkcs8: Uint8Array) => rsaSign(privateKeyPkcs8, challengeBytes(c));
export const verifyChallenge = (c: Challenge, signature: Uint8Array, publicKeySpki: Uint8Array) => rsaVerify(publicKeySpki, signature, challengeBytes(c));
