import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json";

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
  it("refuses values with no canonical form", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});
