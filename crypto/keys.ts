/**
 * WebCrypto key imports shared by the browser and Node. A user's RSA key does two jobs —
 * signing (RSASSA-PKCS1-v1_5 / SHA-256) and unwrapping content keys (RSA-OAEP / SHA-256) —
 * so the same PKCS#8 / SPKI bytes are imported once per algorithm.
 */
import { bs } from "./seal/seal";

const subtle = () => globalThis.crypto.subtle;
const SIGN = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const OAEP = { name: "RSA-OAEP", hash: "SHA-256" } as const;

export const importSigningKey = (pkcs8: Uint8Array) => subtle().importKey("pkcs8", bs(pkcs8), SIGN, false, ["sign"]);
export const importVerifyKey = (spki: Uint8Array) => subtle().importKey("spki", bs(spki), SIGN, false, ["verify"]);
export const importWrapKey = (spki: Uint8Array) => subtle().importKey("spki", bs(spki), OAEP, false, ["encrypt"]);
export const importUnwrapKey = (pkcs8: Uint8Array) => subtle().importKey("pkcs8", bs(pkcs8), OAEP, false, ["decrypt"]);

/** A new RSA key pair for a user certificate, exportable once so the browser can pack it into PKCS#12. */
export async function generateUserKeyPair(modulusLength = 2048): Promise<{ privateKeyPkcs8: Uint8Array; publicKeySpki: Uint8Array }> {
  const kp = (await subtle().generateKey({ ...SIGN, modulusLength, publicExponent: new Uint8Array([1, 0, 1]) }, true, ["sign", "verify"])) as CryptoKeyPair;
  return {
    privateKeyPkcs8: new Uint8Array(await subtle().exportKey("pkcs8", kp.privateKey)),
    publicKeySpki: new Uint8Array(await subtle().exportKey("spki", kp.publicKey)),
  };
}

export async function rsaSign(pkcs8: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign(SIGN, await importSigningKey(pkcs8), bs(data)));
}

export async function rsaVerify(spki: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  try {
    return await subtle().verify(SIGN, await importVerifyKey(spki), bs(signature), bs(data));
  } catch {
    return false;
  }
}
