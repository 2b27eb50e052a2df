import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json";

/** The definition, element by element (no fast path): what every list must serialise to. */
function reference(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new TypeError("non-finite");
    return JSON.stringify(v);
  }
  if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${Array.from(v, reference).join(",")}]`;
  const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`).join(",")}}`;
}

describe("canonical JSON", () => {
  it("sorts keys at every level and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it("is independent of insertion order", () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
  it("keeps Chinese text as UTF-8 characters and escapes control characters", () => {
    expect(canonicalJson({ 名称: "大庆市\n第一中学" })).toBe('{"名称":"大庆市\\n第一中学"}');
  });
  it("serialises dates as ISO strings and arrays with null for holes", () => {
    expect(canonicalJson([new Date("2026-11-23T01:02:03.004Z"), undefined, null, true])).toBe('["2026-11-23T01:02:03.004Z",null,null,true]');
  });
  it("large lists of scalars (a draw's candidate list) serialise exactly as element by element, holes and nesting included", () => {
    const scalar = fc.oneof(fc.string({ unit: "binary" }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null));
    const tree = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("node"), { maxLength: 6 }), fc.dictionary(fc.string(), tie("node"), { maxKeys: 3 }), fc.constant(undefined), fc.date({ noInvalidDate: true })) })).node;
    fc.assert(fc.property(fc.array(tree, { maxLength: 20 }), (list) => canonicalJson(list) === reference(list)));
    fc.assert(fc.property(fc.sparseArray(scalar, { maxLength: 10 }), (list) => canonicalJson(list) === reference(list)));
    const candidates = Array.from({ length: 5000 }, (_, i) => [`B${String(i).padStart(6, "0")}`, ["A0401", `A0${i % 9}01`]]);
    expect(canonicalJson({ candidates })).toBe(reference({ candidates }));
    expect(() => canonicalJson([["x", Number.NaN]])).toThrow(TypeError);
  });
  it("refuses values with no canonical form", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});
