import { describe, expect, it } from "vitest";
import { firstControlCharacter, hasControlCharacter } from "./text";

describe("control characters in text", () => {
  it("refuses NUL and the other C0/C1 controls and DEL", () => {
    for (const c of ["\u0000", "\u0001", "\u0008", "\u000b", "\u000c", "\u000e", "\u001b", "\u001f", "\u007f", "\u0085", "\u009f"]) {
      expect(hasControlCharacter(`招标${c}公告`), JSON.stringify(c)).toBe(true);
    }
    expect(firstControlCharacter("a\u0000b")).toBe("U+0000");
  });

  it("accepts tab, line breaks, Chinese and other printable text", () => {
    expect(hasControlCharacter("第一行\r\n第二行\t（完）")).toBe(false);
    expect(hasControlCharacter("¥1,000.00 — “引号” 😀")).toBe(false);
    expect(firstControlCharacter("clean")).toBeNull();
  });
});
