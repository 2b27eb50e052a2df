import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { BID_LIMITS, checkBidWindow, checkDeclaredLayout, checkManifest, chunkCount, chunkLength, looksUnencrypted } from "./bids";

const deadline = new Date("2026-12-01T01:30:00Z");

describe("R19/R21 bid window (database clock passed in)", () => {
  it("accepts up to the last millisecond before the deadline and refuses at and after it", () => {
    expect(checkBidWindow(new Date(deadline.getTime() - 1), deadline, "submit", "d")).toEqual([]);
    expect(checkBidWindow(deadline, deadline, "submit", "d").map((v) => [v.rule, v.code])).toEqual([["R19", "RULE_R19_DEADLINE_PASSED"]]);
    expect(checkBidWindow(new Date(deadline.getTime() + 1000), deadline, "replace", "d").map((v) => v.rule)).toEqual(["R21"]);
    expect(checkBidWindow(new Date(deadline.getTime() + 1000), deadline, "withdraw", "d")[0]!.params).toEqual({ deadline: "d" });
  });
});

describe("R18 envelope layout", () => {
  it("counts chunks and their exact stored lengths (plaintext + 16-byte tag)", () => {
    expect(chunkCount(0, 65536)).toBe(1);
    expect(chunkLength(0, 65536, 0)).toBe(16);
    expect(chunkCount(65536, 65536)).toBe(1);
    expect(chunkCount(65537, 65536)).toBe(2);
    expect(chunkLength(65537, 65536, 0)).toBe(65552);
    expect(chunkLength(65537, 65536, 1)).toBe(17);
    expect(chunkLength(65537, 65536, 2)).toBe(-1);
  });
  it("refuses impossible layouts", () => {
    const ok = [{ index: 0, name: "bid-form.json", size: 10 }];
    expect(checkDeclaredLayout(65536, ok)).toEqual([]);
    expect(checkDeclaredLayout(1000, ok)[0]!.params).toEqual({ detail: "chunkSize" });
    expect(checkDeclaredLayout(65536, [{ index: 1, name: "a", size: 1 }])[0]!.params).toEqual({ detail: "file index" });
    expect(checkDeclaredLayout(65536, [{ index: 0, name: "../a", size: 1 }])[0]!.params).toEqual({ detail: "file name" });
    expect(checkDeclaredLayout(65536, [{ index: 0, name: "a", size: -1 }])[0]!.params).toEqual({ detail: "file size" });
    expect(checkDeclaredLayout(65536, [{ index: 0, name: "a", size: BID_LIMITS.maxTotalBytes + 1 }])[0]!.params).toEqual({ detail: "total size" });
    expect(checkDeclaredLayout(65536, [])[0]!.rule).toBe("R18");
  });
  it("tells ciphertext from plaintext: file signatures and low entropy are refused, random bytes pass", () => {
    expect(looksUnencrypted(new Uint8Array(randomBytes(65536)))).toBe(false);
    expect(looksUnencrypted(new Uint8Array(randomBytes(100)))).toBe(false);
    expect(looksUnencrypted(new TextEncoder().encode("%PDF-1.7\n..."))).toBe(true);
    expect(looksUnencrypted(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...randomBytes(8000)]))).toBe(true);
    expect(looksUnencrypted(new TextEncoder().encode("投标报价：壹仟万元整。".repeat(1000)))).toBe(true);
  });
  it("checks the manifest against the stored chunks and the required recipients", () => {
    const files = [{ index: 0, name: "bid-form.json", size: 70000 }];
    const stored = new Map([
      ["0:0", "a".repeat(64)],
      ["0:1", "b".repeat(64)],
    ]);
    const wrapped = Buffer.alloc(256).toString("base64");
    const m = {
      v: 1 as const,
      alg: "AES-256-GCM" as const,
      chunkSize: 65536,
      files: [{ index: 0, name: "bid-form.json", size: 70000, sha256: "c".repeat(64), chunks: ["a".repeat(64), "b".repeat(64)] }],
      recipients: [
        { kid: "bidder", alg: "RSA-OAEP-256" as const, wrappedKey: wrapped },
        { kid: "opening:s", alg: "RSA-OAEP-256" as const, wrappedKey: Buffer.alloc(384).toString("base64") },
      ],
    };
    const kids = { bidder: "bidder", opening: "opening:s", rsaBytes: { bidder: 256, opening: 384 } };
    expect(checkManifest(m, { chunkSize: 65536, files, stored }, kids)).toEqual([]);
    expect(checkManifest({ ...m, chunkSize: 1 << 20 }, { chunkSize: 65536, files, stored }, kids)[0]!.params).toEqual({ detail: "header" });
    expect(checkManifest(m, { chunkSize: 65536, files, stored: new Map([["0:0", "a".repeat(64)]]) }, kids)[0]!.params).toEqual({ detail: "chunk 0:1 missing or different" });
    expect(checkManifest({ ...m, recipients: m.recipients.slice(0, 1) }, { chunkSize: 65536, files, stored }, kids)[0]!.code).toBe("RULE_R18_RECIPIENTS");
    expect(checkManifest(m, { chunkSize: 65536, files, stored }, { ...kids, rsaBytes: { bidder: 512, opening: 384 } })[0]!.code).toBe("RULE_R18_RECIPIENTS");
  });
});
