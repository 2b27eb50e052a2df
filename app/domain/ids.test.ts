import { describe, expect, it } from "vitest";
import { isIdFieldName, isUuid, UuidSchema } from "./ids";

describe("ids", () => {
  it("isUuid is strict 8-4-4-4-12 hex", () => {
    expect(isUuid("0b9a3c9e-3a5f-4d0e-9b1a-2f8c6d4e1a7b")).toBe(true);
    expect(isUuid("0B9A3C9E-3A5F-4D0E-9B1A-2F8C6D4E1A7B")).toBe(true);
    for (const s of ["xyz", "", "a".repeat(36), "-".repeat(36), "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "0b9a3c9e3a5f4d0e9b1a2f8c6d4e1a7b", "{0b9a3c9e-3a5f-4d0e-9b1a-2f8c6d4e1a7b}", "0b9a3c9e-3a5f-4d0e-9b1a-2f8c6d4e1a7b\u0000", " 0b9a3c9e-3a5f-4d0e-9b1a-2f8c6d4e1a7b"]) {
      expect(isUuid(s), s).toBe(false);
    }
    expect(isUuid(undefined)).toBe(false);
    expect(isUuid(42)).toBe(false);
  });

  it("UuidSchema reports `invalid`", () => {
    expect(UuidSchema.safeParse("a".repeat(36)).error?.issues[0]?.message).toBe("invalid");
  });

  it("id fields by name", () => {
    for (const n of ["id", "userId", "documentId", "sections[0].documentId", "tenderingUnitId"]) expect(isIdFieldName(n), n).toBe(true);
    for (const n of ["kid", "valid", "ID", "Id", "identity", "_csrf", "intent", "userid"]) expect(isIdFieldName(n), n).toBe(false);
  });
});
