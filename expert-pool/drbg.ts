import { createHmac } from "node:crypto";

/**
 * HMAC_DRBG with SHA-256 (NIST SP 800-90A §10.1.2), instantiated from the seed material
 * with no nonce or personalisation string and never reseeded: a deterministic CSPRNG, so a
 * draw can be re-run by anyone from its revealed seed. Output is consumed as a byte stream
 * refilled by 32-byte generate calls (each followed by the standard update).
 * Specified byte for byte in docs/draw-proof.md §6 (output as one byte stream; integers by rejection sampling).
 */
export class HmacDrbg {
  private k: Uint8Array = new Uint8Array(32);
  private v: Uint8Array = new Uint8Array(32).fill(1);
  private buffer: Uint8Array = new Uint8Array(0);
  private offset = 0;

  constructor(seedMaterial: Uint8Array) {
    if (seedMaterial.length < 32) throw new RangeError("seed material must be at least 256 bits");
    this.update(seedMaterial);
  }

  private hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
    const h = createHmac("sha256", key);
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
  }

  private update(data?: Uint8Array): void {
    this.k = this.hmac(this.k, this.v, Uint8Array.of(0x00), ...(data ? [data] : []));
    this.v = this.hmac(this.k, this.v);
    if (!data || data.length === 0) return;
    this.k = this.hmac(this.k, this.v, Uint8Array.of(0x01), data);
    this.v = this.hmac(this.k, this.v);
  }

  /** SP 800-90A Generate for 32 bytes. */
  private generateBlock(): Uint8Array {
    this.v = this.hmac(this.k, this.v);
    const out = this.v;
    this.update();
    return out;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (this.offset >= this.buffer.length) {
        this.buffer = this.generateBlock();
        this.offset = 0;
      }
      out[i] = this.buffer[this.offset++]!;
    }
    return out;
  }

  /** A uniform integer in [0, n), by rejection sampling on big-endian uint32 (no modulo bias). */
  uniform(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`uniform: bad bound ${n}`);
    const limit = Math.floor(2 ** 32 / n) * n;
    for (;;) {
      const b = this.bytes(4);
      const x = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
      if (x < limit) return x % n;
    }
  }
}
