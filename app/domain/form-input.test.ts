import { describe, expect, it } from "vitest";
import { arrayIndicesOf, assertArrayBounds, assertFormEntries, checkFieldName, checkFieldValue } from "./form-input";
import { MAX_FIELD_LENGTH, MAX_FORM_FIELDS } from "./limits";

const codeOf = (f: () => unknown) => {
  try {
    f();
    return null;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe("form field checks (readForm)", () => {
  it("field names follow the grammar Conform reads", () => {
    for (const n of ["_csrf", "intent", "sections[0].title", "sections[49].criteria[19].weight", "lines[2].count", "__intent__"]) expect(checkFieldName(n), n).toBeNull();
    for (const n of ["", "x]", "a..b", "a.", ".a", "[]", "a[]", "a[-1]", "a[b]", "1a", "a b", "a-b", "__proto__", "a.__proto__.b", "a.constructor", "x".repeat(101)]) {
      expect(checkFieldName(n)?.code, n).toBe("MALFORMED_REQUEST");
    }
  });

  it("an array index above the largest array bound is refused before Conform builds the array", () => {
    expect(arrayIndicesOf("sections[100000].criteria[3].name")).toEqual([100000, 3]);
    expect(checkFieldName("sections[100000].code")?.code).toBe("TOO_MANY_ITEMS");
    expect(checkFieldName("sections[50].code")?.code).toBe("TOO_MANY_ITEMS");
    expect(checkFieldName("sections[49].code")).toBeNull();
    expect(checkFieldName("a[99999999]")?.code).toBe("MALFORMED_REQUEST");
  });

  it("values: no control characters, bounded, ids are UUIDs", () => {
    expect(checkFieldValue("title", "招标\u0000公告")?.code).toBe("CONTROL_CHARACTER");
    expect(checkFieldValue("title", "a\u001bb")?.code).toBe("CONTROL_CHARACTER");
    expect(checkFieldValue("body", "第一行\r\n\t第二行")).toBeNull();
    expect(checkFieldValue("body", "x".repeat(MAX_FIELD_LENGTH + 1))?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(checkFieldValue("documentId", "a".repeat(36))?.code).toBe("NOT_FOUND");
    expect(checkFieldValue("id", "xyz")?.code).toBe("NOT_FOUND");
    expect(checkFieldValue("agencyId", "")).toBeNull();
    expect(checkFieldValue("userId", "0b9a3c9e-3a5f-4d0e-9b1a-2f8c6d4e1a7b")).toBeNull();
  });

  it("a form with more than MAX_FORM_FIELDS fields is refused", () => {
    const many = Array.from({ length: MAX_FORM_FIELDS + 1 }, (_, i) => [`f${i}`, "x"] as [string, string]);
    expect(codeOf(() => assertFormEntries(many))).toBe("TOO_MANY_ITEMS");
    expect(codeOf(() => assertFormEntries(many.slice(1)))).toBeNull();
  });

  it("per-schema array bounds", () => {
    const bounds = { sections: 50, "sections.criteria": 20, custodians: 3 };
    expect(codeOf(() => assertArrayBounds(["code", "sections[49].title", "sections[0].criteria[19].name", "custodians"], bounds))).toBeNull();
    expect(codeOf(() => assertArrayBounds(["sections[50].title"], bounds))).toBe("TOO_MANY_ITEMS");
    expect(codeOf(() => assertArrayBounds(["sections[0].criteria[20].name"], bounds))).toBe("TOO_MANY_ITEMS");
    expect(codeOf(() => assertArrayBounds(["custodians[3]"], bounds))).toBe("TOO_MANY_ITEMS");
    // An index into something that is not an array of the schema.
    expect(codeOf(() => assertArrayBounds(["title[0]"], bounds))).toBe("MALFORMED_REQUEST");
    expect(codeOf(() => assertArrayBounds(["sections[0].title[1]"], bounds))).toBe("MALFORMED_REQUEST");
  });
});
