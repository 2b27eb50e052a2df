import { describe, expect, it } from "vitest";
import {
  afterDecryption,
  checkBidderRelease,
  checkClose,
  checkCustodianRelease,
  checkFailureDecision,
  checkHallOpen,
  checkMinimumBids,
  checkObjection,
  decryptionEndsAt,
  failureOutcome,
  phaseAfterWindow,
  readSealedForm,
  readingRows,
  sealedFilesMatch,
} from "./opening";
import { ZFCG_PROFILE, ZTB_PROFILE } from "./profiles";

const codes = (v: { code: string }[]) => v.map((x) => x.code);
const at = new Date("2026-12-20T01:30:00Z"); // 09:30 China time
const form = (price: string) => ({ v: 1 as const, form: { priceYuan: price, durationDays: "540", quality: "合格", projectManager: "陈建国" }, files: [{ name: "技术标.pdf", size: 10 }] });

describe("online opening rules", () => {
  it("R24: the hall opens at the deadline exactly, not a millisecond before (database clock)", () => {
    expect(codes(checkHallOpen(new Date(at.getTime() - 1), at, "2026-12-20 09:30"))).toEqual(["RULE_R24_HALL_NOT_OPEN"]);
    expect(checkHallOpen(at, at, "2026-12-20 09:30")).toEqual([]);
  });

  it("R25: fewer bids than the profile's minimum → no opening (流标); three is enough in both regimes", () => {
    expect(codes(checkMinimumBids(2, ZTB_PROFILE))).toEqual(["RULE_R25_TOO_FEW_BIDS"]);
    expect(checkMinimumBids(2, ZTB_PROFILE)[0]!.params).toEqual({ count: 2, min: 3 });
    expect(checkMinimumBids(3, ZTB_PROFILE)).toEqual([]);
    expect(checkMinimumBids(3, ZFCG_PROFILE)).toEqual([]);
  });

  it("R26: the window's length comes from the tender; a bidder releases once, checked in, inside the window", () => {
    const ends = decryptionEndsAt(at, 60);
    expect(ends.toISOString()).toBe("2026-12-20T02:30:00.000Z");
    const base = { phase: "decryption" as const, now: at, windowEndsAt: ends, checkedIn: true, state: "pending" as const };
    expect(checkBidderRelease(base)).toEqual([]);
    expect(codes(checkBidderRelease({ ...base, checkedIn: false }))).toEqual(["RULE_R24_NOT_CHECKED_IN"]);
    expect(codes(checkBidderRelease({ ...base, now: ends }))).toEqual(["RULE_R26_WINDOW_CLOSED"]);
    expect(codes(checkBidderRelease({ ...base, phase: "fallback" }))).toEqual(["RULE_R26_WINDOW_CLOSED"]);
    expect(codes(checkBidderRelease({ ...base, state: "decrypted" }))).toEqual(["RULE_R26_ALREADY_OPENED"]);
  });

  it("R26: after the window, custodians only where the key model allows it and a bid is still sealed", () => {
    const fallback = { model: "bidder_with_custodian_fallback" as const, threshold: 2 };
    const bidderOnly = { model: "bidder" as const, threshold: 0 };
    expect(phaseAfterWindow(["decrypted", "decrypted"], fallback)).toBe("reading");
    expect(phaseAfterWindow(["decrypted", "pending"], fallback)).toBe("fallback");
    expect(phaseAfterWindow(["decrypted", "pending"], bidderOnly)).toBe("resolution");
    expect(checkCustodianRelease("fallback", fallback)).toEqual([]);
    expect(codes(checkCustodianRelease("fallback", bidderOnly))).toEqual(["RULE_R26_FALLBACK_NOT_ALLOWED"]);
    expect(codes(checkCustodianRelease("decryption", fallback))).toEqual(["RULE_R26_WINDOW_CLOSED"]);
  });

  it("R27: the bidder's fault → revoked (撤销), another cause → withdrawn (撤回); decided after the fallback, with a reason", () => {
    expect(failureOutcome("bidder_fault")).toBe("revoked");
    expect(failureOutcome("other")).toBe("withdrawn");
    expect(codes(checkFailureDecision({ phase: "fallback", state: "pending", reason: "证书丢失无法解密" }))).toEqual(["RULE_R27_NOT_NOW"]);
    expect(codes(checkFailureDecision({ phase: "resolution", state: "pending", reason: " " }))).toEqual(["RULE_R27_REASON_REQUIRED"]);
    expect(codes(checkFailureDecision({ phase: "resolution", state: "decrypted", reason: "证书丢失无法解密" }))).toEqual(["RULE_R26_ALREADY_OPENED"]);
    expect(checkFailureDecision({ phase: "resolution", state: "pending", reason: "证书丢失无法解密" })).toEqual([]);
  });

  it("R26/R27: the reading waits for every bid; re-applying the R25 minimum after failures is the profile's setting", () => {
    expect(afterDecryption(["decrypted", "pending"], ZTB_PROFILE).next).toBe("wait");
    // Default (R27 ✖ unconfirmed in law): the others continue.
    expect(afterDecryption(["decrypted", "decrypted", "revoked"], ZTB_PROFILE)).toEqual({ next: "reading", violations: [] });
    const strict = { ...ZTB_PROFILE, recheckMinBiddersAfterDecryptionFailure: true };
    const r = afterDecryption(["decrypted", "decrypted", "withdrawn"], strict);
    expect(r.next).toBe("failed");
    expect(r.violations[0]!.params).toEqual({ count: 2, min: 3 });
    expect(afterDecryption(["decrypted", "decrypted", "decrypted", "revoked"], strict).next).toBe("reading");
    // Nothing opened at all: nothing to read.
    expect(afterDecryption(["revoked", "withdrawn", "revoked"], ZTB_PROFILE).next).toBe("failed");
  });

  it("R28: every opened bid is read in the order received — name, price and the listed items; failed bids are not", () => {
    const rows = readingRows([
      { bidder: "乙公司", receivedAt: new Date(2), state: "decrypted", form: form("11650000.00") },
      { bidder: "甲公司", receivedAt: new Date(1), state: "decrypted", form: form("9800000") },
      { bidder: "丙公司", receivedAt: new Date(0), state: "revoked", form: null },
    ]);
    expect(rows).toEqual([
      { order: 1, bidder: "甲公司", priceYuan: "9800000", durationDays: "540", quality: "合格", projectManager: "陈建国", files: 1 },
      { order: 2, bidder: "乙公司", priceYuan: "11650000.00", durationDays: "540", quality: "合格", projectManager: "陈建国", files: 1 },
    ]);
  });

  it("R26: the sealed bid form is read strictly; anything else is unreadable (the bidder's fault)", () => {
    const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
    expect(readSealedForm(enc(form("100.5")))?.form.priceYuan).toBe("100.5");
    expect(readSealedForm(enc({ ...form("1"), form: { ...form("1").form, priceYuan: "一百万" } }))).toBeNull();
    expect(readSealedForm(new Uint8Array([0xff, 0xfe, 0x00]))).toBeNull();
    expect(readSealedForm(enc({ v: 2 }))).toBeNull();
  });

  describe("R26: the signed manifest lists exactly the files of the sealed bid form (docs/sealed-bid-format.md §7 step 5)", () => {
    const sealed = { files: [{ name: "技术标.PDF", size: 150_000 }, { name: "商务标.docx", size: 9 }, { name: "说明", size: 0 }] };
    const manifest = [
      { index: 0, name: "bid-form.json", size: 300 },
      { index: 1, name: "file-1.pdf", size: 150_000 },
      { index: 2, name: "file-2.docx", size: 9 },
      { index: 3, name: "file-3", size: 0 },
    ];
    const swap = <T>(a: T[], i: number, j: number) => a.map((x, k) => (k === i ? a[j]! : k === j ? a[i]! : x));

    it("R26: the same files in the same order, each labelled from its real name (§2) with its size, open", () => {
      expect(sealedFilesMatch(manifest, sealed)).toBe(true);
      expect(sealedFilesMatch([{ index: 0, name: "bid-form.json", size: 80 }], { files: [] })).toBe(true); // a bid of the form alone
      // The test vector's form (test/fixtures/sealed-bid/expected/0.bin) and manifest.
      const vector = { files: [{ name: "技术资料.bin", size: 150_000 }, { name: "空白附件.txt", size: 0 }] };
      expect(sealedFilesMatch([{ index: 0, name: "bid-form.json", size: 264 }, { index: 1, name: "file-1.bin", size: 150_000 }, { index: 2, name: "file-2.txt", size: 0 }], vector)).toBe(true);
    });

    it("R26: a trailing file dropped from the manifest (re-signed) does not open, nor one added", () => {
      expect(sealedFilesMatch(manifest.slice(0, 3), sealed)).toBe(false);
      expect(sealedFilesMatch(manifest.slice(0, 1), sealed)).toBe(false);
      expect(sealedFilesMatch([...manifest, { index: 4, name: "file-4.pdf", size: 1 }], sealed)).toBe(false);
      expect(sealedFilesMatch(manifest, { files: sealed.files.slice(0, 2) })).toBe(false);
      expect(sealedFilesMatch([], { files: [] })).toBe(false);
    });

    it("R26: files reordered, relabelled or resized do not open", () => {
      // Reordered: the manifest's entries swapped (indices kept in position), or the form's.
      expect(sealedFilesMatch(swap(manifest, 1, 2).map((f, i) => ({ ...f, index: i })), sealed)).toBe(false);
      expect(sealedFilesMatch(manifest, { files: swap(sealed.files, 0, 1) })).toBe(false);
      // Two files of the same size and extension swapped by whoever sealed them cannot be told apart: the form has no hashes.
      expect(sealedFilesMatch(manifest, { files: [{ name: "经济标.pdf", size: 150_000 }, ...sealed.files.slice(1)] })).toBe(true);
      // Relabelled: another extension, another number, the real name instead of the label, a label without the extension.
      for (const name of ["file-1.exe", "file-2.pdf", "技术标.PDF", "file-1", "file-1.PDF"]) expect(sealedFilesMatch(manifest.map((f) => (f.index === 1 ? { ...f, name } : f)), sealed), name).toBe(false);
      expect(sealedFilesMatch(manifest.map((f) => (f.index === 0 ? { ...f, name: "form.json" } : f)), sealed)).toBe(false);
      // Resized, or an index out of place.
      expect(sealedFilesMatch(manifest.map((f) => (f.index === 2 ? { ...f, size: 10 } : f)), sealed)).toBe(false);
      expect(sealedFilesMatch(manifest.map((f) => (f.index === 3 ? { ...f, index: 4 } : f)), sealed)).toBe(false);
    });
  });

  it("R30: objections in the hall only during the reading, with text; the record closes only when all are answered", () => {
    expect(codes(checkObjection("decryption", "对唱标价格有异议"))).toEqual(["RULE_R30_NOT_NOW"]);
    expect(codes(checkObjection("reading", "短"))).toEqual(["RULE_R30_TEXT_REQUIRED"]);
    expect(checkObjection("reading", "对唱标价格有异议")).toEqual([]);
    expect(codes(checkClose("reading", 1))).toEqual(["RULE_R30_UNANSWERED"]);
    expect(codes(checkClose("resolution", 0))).toEqual(["RULE_R26_NOT_COMPLETE"]);
    expect(checkClose("reading", 0)).toEqual([]);
  });
});
