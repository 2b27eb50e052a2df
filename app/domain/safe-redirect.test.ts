import { describe, expect, it } from "vitest";
import { MAX_REDIRECT_LENGTH, safeRedirect } from "./safe-redirect";

describe("safeRedirect: only a path on this site, else the fallback", () => {
  it("keeps local paths with their query and fragment (Chinese text percent-encoded)", () => {
    expect(safeRedirect("/tenders/abc?q=%E6%95%99%E5%AD%A6%E6%A5%BC#docs")).toBe("/tenders/abc?q=%E6%95%99%E5%AD%A6%E6%A5%BC#docs");
    expect(safeRedirect("/")).toBe("/");
    expect(safeRedirect("/manage/x/../y")).toBe("/manage/y");
    expect(safeRedirect("/tenders?q=教学楼")).toBe("/tenders?q=%E6%95%99%E5%AD%A6%E6%A5%BC");
  });

  it.each([
    ["//evil.example"],
    ["/\\evil.example"],
    ["\\\\evil.example"],
    ["\\/evil.example"],
    ["/%5Cevil.example"],
    ["/%5cevil.example"],
    ["/%2F%2Fevil.example"],
    ["/%252F%252Fevil.example"],
    ["https://evil.example"],
    ["http:/evil.example"],
    ["javascript:alert(1)"],
    ["JavaScript:alert(1)"],
    ["data:text/html,<script>alert(1)</script>"],
    ["/\t/evil.example"],
    ["/\n/evil.example"],
    ["/\r\n/evil.example"],
    ["/%09/evil.example"],
    ["/%0d%0aSet-Cookie:x=1"],
    ["/x\u0000y"],
    ["/x\u2028y"],
    ["/.//evil.example"],
    ["/a/..//evil.example"],
    ["/%E0%A4%A"],
    ["evil.example"],
    [" /x"],
    [""],
  ])("refuses %j", (to) => {
    expect(safeRedirect(to)).toBe("/");
    expect(safeRedirect(to, "/manage")).toBe("/manage");
  });

  it("refuses non-strings and very long targets", () => {
    expect(safeRedirect(null)).toBe("/");
    expect(safeRedirect(undefined)).toBe("/");
    expect(safeRedirect(["/x"])).toBe("/");
    expect(safeRedirect(`/${"a".repeat(MAX_REDIRECT_LENGTH)}`)).toBe("/");
    expect(safeRedirect(`/${"a".repeat(MAX_REDIRECT_LENGTH - 1)}`)).toHaveLength(MAX_REDIRECT_LENGTH);
  });
});
