import { describe, expect, it } from "vitest";
import { MAX_PAGE, MAX_QUERY_LENGTH } from "./limits";
import { CertificateQuerySchema, PageSchema, PoolQuerySchema, QueryTextSchema } from "./query";

describe("list query parameters", () => {
  it("page numbers are clamped integers", () => {
    expect(PageSchema.parse("3")).toBe(3);
    expect(PageSchema.parse("99999999")).toBe(MAX_PAGE);
    for (const bad of [undefined, null, "", "-3", "0", "1e308", "Infinity", "2.5", "abc"]) expect(PageSchema.parse(bad), String(bad)).toBe(1);
  });

  it("search text is bounded and free of control characters, else ignored", () => {
    const q = QueryTextSchema();
    expect(q.parse("  大庆  ")).toBe("大庆");
    expect(q.parse("")).toBeUndefined();
    expect(q.parse("a\u0000b")).toBeUndefined();
    expect(q.parse("x".repeat(MAX_QUERY_LENGTH + 1))).toBeUndefined();
    expect(q.parse("x".repeat(MAX_QUERY_LENGTH))).toHaveLength(MAX_QUERY_LENGTH);
  });

  it("the pool and certificate lists", () => {
    expect(PoolQuerySchema.parse({ q: "\u0000", status: "deleted", specialty: "A01%", page: "1e308" })).toEqual({ q: undefined, status: undefined, specialty: undefined, page: 1 });
    expect(PoolQuerySchema.parse({ q: "张", status: "active", specialty: "A0101", page: "2" })).toEqual({ q: "张", status: "active", specialty: "A0101", page: 2 });
    expect(CertificateQuerySchema.parse({ page: "-1" })).toEqual({ q: undefined, page: 1 });
  });
});
