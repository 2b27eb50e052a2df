/**
 * The section's opening key (docs/product.md §3.3, issue "sealed bids" item 3). Its RSA private key
 * is split k-of-n with Shamir's secret sharing over GF(2^8) (the audited `shamir-secret-sharing`
 * library: each share is the y-bytes followed by one x-coordinate byte) and every share is
 * sealed to a custodian's certificate. The whole private key is never stored; it is
 * reconstructed in memory from k released shares at the opening.
 */
import { combine, split } from "shamir-secret-sharing";
import { fromBase64, toBase64 } from "./seal/format";
import { bs } from "./seal/seal";
import { importUnwrapKey, importWrapKey } from "./keys";

const subtle = () => globalThis.crypto.subtle;

/** The section opening key's `kid` in every envelope's recipient list. */
export const openingKid = (sectionId: string) => `opening:${sectionId}`;

/** A small secret sealed to one certificate: RSA-OAEP-SHA256 wraps a fresh AES-256-GCM key. */
export type SealedBox = { v: 1; kid: string; alg: "RSA-OAEP-256+A256GCM"; wrappedKey: string; iv: string; ciphertext: string };

const boxAad = (kid: string) => new TextEncoder().encode(`TH-BOX-v1\n${kid}`);

/** Seals `data` for `recipient`; the AES key and IV are passed in (randomness from the caller). */
export async function sealBox(data: Uint8Array, recipient: { kid: string; publicKeySpki: Uint8Array }, random: { key: Uint8Array; iv: Uint8Array }): Promise<SealedBox> {
  if (random.key.length !== 32 || random.iv.length !== 12) throw new RangeError("box key must be 32 bytes and IV 12 bytes");
  const aes = await subtle().importKey("raw", bs(random.key), { name: "AES-GCM" }, false, ["encrypt"]);
  const ct = new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv: bs(random.iv), additionalData: bs(boxAad(recipient.kid)) }, aes, bs(data)));
  const wrapped = new Uint8Array(await subtle().encrypt({ name: "RSA-OAEP" }, await importWrapKey(recipient.publicKeySpki), bs(random.key)));
  return { v: 1, kid: recipient.kid, alg: "RSA-OAEP-256+A256GCM", wrappedKey: toBase64(wrapped), iv: toBase64(random.iv), ciphertext: toBase64(ct) };
}

export async function openBox(box: SealedBox, privateKeyPkcs8: Uint8Array): Promise<Uint8Array> {
  const raw = new Uint8Array(await subtle().decrypt({ name: "RSA-OAEP" }, await importUnwrapKey(privateKeyPkcs8), bs(fromBase64(box.wrappedKey))));
  const aes = await subtle().importKey("raw", bs(raw), { name: "AES-GCM" }, false, ["decrypt"]);
  return new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv: bs(fromBase64(box.iv)), additionalData: bs(boxAad(box.kid)) }, aes, bs(fromBase64(box.ciphertext))));
}

/** Splits the opening private key (PKCS#8 DER) into `n` shares, any `k` of which rebuild it. */
export async function splitOpeningKey(privateKeyPkcs8: Uint8Array, n: number, k: number): Promise<Uint8Array[]> {
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 1 || k > n || n > 255) throw new RangeError("need 1 ≤ k ≤ n ≤ 255");
  // k = 1 is the degree-0 polynomial: every share's y-bytes are the key itself (x = 1…n).
  if (k === 1) return Array.from({ length: n }, (_, i) => Uint8Array.from([...privateKeyPkcs8, i + 1]));
  if (n === 1) throw new RangeError("need 1 ≤ k ≤ n ≤ 255");
  return split(privateKeyPkcs8, n, k);
}

/** Rebuilds the private key from shares (no fewer than the threshold, or the result is garbage). */
export async function combineShares(shares: Uint8Array[]): Promise<Uint8Array> {
  if (shares.length === 1) return shares[0]!.slice(0, -1);
  return combine(shares);
}
