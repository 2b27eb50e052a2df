import { describe, expect, it } from "vitest";
import { ZFCG_PROFILE, ZTB_PROFILE } from "#app/domain/rules/profiles";
import { archivePath, chinaDate, csv, fenToYuan, firstMentions, retentionEnd, retentionYears, safeSegment, sha256sums, uniquePaths } from "./layout";

describe("R61 retention", () => {
  it("R61: both profiles keep archives 15 years; the configured override wins", () => {
    expect(ZTB_PROFILE.retentionYears).toBe(15);
    expect(ZFCG_PROFILE.retentionYears).toBe(15);
    expect(retentionYears(ZTB_PROFILE, undefined)).toBe(15);
    expect(retentionYears(ZFCG_PROFILE, 30)).toBe(30);
  });

  it("R61: retention ends on the archive day (China time) plus the years", () => {
    expect(retentionEnd(new Date("2026-11-23T03:00:00Z"), 15)).toBe("2041-11-23");
    // 23:30 UTC on the 23rd is already the 24th in China.
    expect(chinaDate(new Date("2026-11-23T23:30:00Z"))).toBe("2026-11-24");
    expect(retentionEnd(new Date("2026-11-23T23:30:00Z"), 15)).toBe("2041-11-24");
    // Just before midnight in China stays on that day.
    expect(retentionEnd(new Date("2026-12-31T15:59:59.999Z"), 15)).toBe("2041-12-31");
  });

  it("R61: an archive of 29 February ends on 28 February of a common year, on 29 February of a leap year", () => {
    expect(retentionEnd(new Date("2028-02-29T02:00:00Z"), 15)).toBe("2043-02-28");
    expect(retentionEnd(new Date("2028-02-29T02:00:00Z"), 16)).toBe("2044-02-29");
    expect(retentionEnd(new Date("2096-02-29T02:00:00Z"), 4)).toBe("2100-02-28"); // 2100 is not a leap year
  });

  it("R61: refuses a retention that is not a positive whole number of years", () => {
    for (const y of [0, -1, 1.5, Number.NaN]) expect(() => retentionEnd(new Date(), y)).toThrow(RangeError);
  });
});

describe("archive paths", () => {
  it("makes user-chosen names safe path segments (no separators, no traversal, no control characters)", () => {
    expect(safeSegment("投标单位1 有限公司")).toBe("投标单位1 有限公司");
    expect(safeSegment("../../etc/passwd")).toBe("_.._etc_passwd");
    expect(safeSegment("a\\b:c*d?e\"f<g>h|i")).toBe("a_b_c_d_e_f_g_h_i");
    expect(safeSegment("x\u0000y\ny")).toBe("x_y_y");
    expect(safeSegment("..")).toBe("_");
    expect(safeSegment("  .hidden. ")).toBe("hidden");
    expect(safeSegment("")).toBe("_");
    expect([...safeSegment("标".repeat(300))]).toHaveLength(100);
    expect(archivePath("tender", "documents", "v1", "a/b.pdf")).toBe("tender/documents/v1/a_b.pdf");
  });

  it("keeps paths unique, case-insensitively, before the extension", () => {
    const out = uniquePaths([{ path: "a/x.pdf" }, { path: "a/X.pdf" }, { path: "a/x.pdf" }, { path: "a/y" }, { path: "a/y" }, { path: "a.b/c" }, { path: "a.b/c" }]);
    expect(out.map((e) => e.path)).toEqual(["a/x.pdf", "a/X-2.pdf", "a/x-3.pdf", "a/y", "a/y-2", "a.b/c", "a.b/c-2"]);
  });
});

describe("SHA256SUMS, CSV, amounts, first mentions", () => {
  it("writes sha256sum -c lines (two spaces, sorted by path, LF)", () => {
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    expect(sha256sums([{ path: "z.txt", sha256: a }, { path: "README.md", sha256: b }])).toBe(`${b}  README.md\n${a}  z.txt\n`);
  });

  it("writes RFC 4180 CSV with CRLF, quoting where needed and defusing formulas", () => {
    expect(csv(["a", "b"], [["x,y", 'say "hi"'], ["=SUM(A1)", null], [12, "ok"]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n\'=SUM(A1),\r\n12,ok\r\n');
  });

  it("prints fen as yuan without floating point", () => {
    expect(fenToYuan(10_000_000)).toBe("100000.00");
    expect(fenToYuan(5)).toBe("0.05");
    expect(fenToYuan(-1234)).toBe("-12.34");
  });

  it("finds the first record entry naming each hash", () => {
    const h1 = "1".repeat(64);
    const h2 = "2".repeat(64);
    const m = firstMentions([
      { seq: 9, payload: { sha256: h1 } },
      { seq: 4, payload: { files: [{ sha256: h1 }, { sha256: h2 }] } },
      { seq: 5, payload: { note: `see ${h2}` } },
    ]);
    expect(m.get(h1)).toBe(4);
    expect(m.get(h2)).toBe(4);
    expect(m.get("3".repeat(64))).toBeUndefined();
  });
});
