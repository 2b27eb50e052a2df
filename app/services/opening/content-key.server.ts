import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../platform/config.server";

/**
 * The platform's data key and the content keys sealed to it (docs/decisions/031-opening-without-plaintext-writes.md).
 *
 * Before the opening the server holds nothing that opens a bid (ADR 010, docs/security.md). Once the opening has
 * verified a bid — every chunk hash, GCM tag and plaintext hash — its content key is kept, sealed to the platform:
 * AES-256-GCM under a 32-byte data key kept as a file in the data folder next to the platform's signing key
 * (`DATA_DIR/pki/bid-data.key`, mode 0600, created on first use), with the bid's id bound in the AAD, so a sealed key
 * copied onto another bid's row does not open. The plaintext is then decrypted where it is read (the review room,
 * the archive), never written at the opening.
 *
 * Sealed form (`bid_openings.content_key`): `{v:1, alg:"A256GCM", kid, iv, ciphertext}` — `kid` the first 16 hex
 * digits of SHA-256("TH-DATA-KEY-v1\n" ‖ data key), `iv` 12 random bytes (base64), `ciphertext` the 32-byte content
 * key encrypted with AAD = UTF-8 of `"TH-CK-v1\n" + bidId`, followed by the 16-byte tag (base64).
 */
export type SealedContentKey = { v: 1; alg: "A256GCM"; kid: string; iv: string; ciphertext: string };

type DataKey = { key: Buffer; kid: string };
const cache = new Map<string, DataKey>();

/** The data key's file (a multi-machine deployment shares DATA_DIR/pki, as for the signing key). */
export function dataKeyFile(config: Pick<Config, "dataDir">): string {
  return path.join(config.dataDir, "pki", "bid-data.key");
}

function kidOf(key: Buffer): string {
  return createHash("sha256").update("TH-DATA-KEY-v1\n").update(key).digest("hex").slice(0, 16);
}

function parse(text: string, file: string): Buffer {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) throw new Error(`${file}: not a 32-byte key (base64)`);
  return key;
}

/** The data key, read from its file or created there (exclusively: processes sharing the folder agree on one). */
export function platformDataKey(config: Pick<Config, "dataDir">): DataKey {
  const file = dataKeyFile(config);
  const hit = cache.get(file);
  if (hit) return hit;
  let key: Buffer;
  try {
    key = parse(readFileSync(file, "utf8"), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    } catch (w) {
      if ((w as NodeJS.ErrnoException).code !== "EEXIST") throw w;
    }
    key = parse(readFileSync(file, "utf8"), file);
  }
  const out = { key, kid: kidOf(key) };
  cache.set(file, out);
  return out;
}

const aadOf = (bidId: string) => Buffer.from(`TH-CK-v1\n${bidId}`, "utf8");

/** Seals a bid's verified 32-byte content key to the platform. */
export function sealContentKey(config: Pick<Config, "dataDir">, bidId: string, rawKey: Uint8Array): SealedContentKey {
  if (rawKey.length !== 32) throw new Error("content key must be 32 bytes");
  const { key, kid } = platformDataKey(config);
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 }).setAAD(aadOf(bidId));
  const ct = Buffer.concat([c.update(rawKey), c.final(), c.getAuthTag()]);
  return { v: 1, alg: "A256GCM", kid, iv: iv.toString("base64"), ciphertext: ct.toString("base64") };
}

/** Opens a sealed content key; throws when it is not this platform's, not this bid's, or altered. The caller zeroes it. */
export function unsealContentKey(config: Pick<Config, "dataDir">, bidId: string, sealed: SealedContentKey): Uint8Array {
  const { key, kid } = platformDataKey(config);
  if (sealed.v !== 1 || sealed.alg !== "A256GCM") throw new Error("sealed content key: unknown format");
  if (sealed.kid !== kid) throw new Error(`sealed content key: sealed to data key ${sealed.kid}, this platform holds ${kid}`);
  const ct = Buffer.from(sealed.ciphertext, "base64");
  if (ct.length !== 48) throw new Error("sealed content key: bad length");
  const d = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"), { authTagLength: 16 }).setAAD(aadOf(bidId));
  d.setAuthTag(ct.subarray(32));
  const raw = Buffer.concat([d.update(ct.subarray(0, 32)), d.final()]);
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
}
