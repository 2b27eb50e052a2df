import { describe, expect, it } from "vitest";
import { ocdsValidator } from "#test/fixtures/ocds-1.1.5/validator";
import { compileReleases, mergeRelease } from "./merge";
import type { Release } from "./release";

const V = ocdsValidator();
const rel = (id: string, date: string, body: Release): Release => ({ ocid: "ocds-th0001-X", id, date, tag: ["tender"], initiationType: "tender", ...body });

describe("OCDS merge (compiled release, 1.1 merging rules)", () => {
  it("objects merge recursively: a later field replaces, an absent one is kept", () => {
    const c = compileReleases([
      rel("1", "2026-01-01T00:00:00Z", { tender: { id: "T", title: "旧标题", value: { amount: 1, currency: "CNY" } } }),
      rel("2", "2026-01-02T00:00:00Z", { tender: { id: "T", value: { amount: 2 } } }),
    ]);
    expect(c.tender).toEqual({ id: "T", title: "旧标题", value: { amount: 2, currency: "CNY" } });
  });

  it("arrays of objects with an id merge by id (order of first appearance), new ids are appended", () => {
    const c = compileReleases([
      rel("1", "2026-01-01T00:00:00Z", { awards: [{ id: "a1", status: "pending", value: { amount: 5 } }, { id: "a2", status: "pending" }] }),
      rel("2", "2026-01-02T00:00:00Z", { awards: [{ id: "a2", status: "active" }, { id: "a3", status: "pending" }] }),
    ]);
    expect(c.awards).toEqual([
      { id: "a1", status: "pending", value: { amount: 5 } },
      { id: "a2", status: "active" },
      { id: "a3", status: "pending" },
    ]);
  });

  it("ids compare as strings (1 and \"1\" are one object)", () => {
    const c = compileReleases([rel("1", "2026-01-01T00:00:00Z", { awards: [{ id: 1, title: "x" }] }), rel("2", "2026-01-02T00:00:00Z", { awards: [{ id: "1", status: "active" }] })]);
    expect(c.awards).toEqual([{ id: "1", title: "x", status: "active" }]); // merged into one; the later literal id stands
  });

  it("other arrays replace: strings (roles), objects without id, and wholeListMerge fields", () => {
    const c = compileReleases([
      rel("1", "2026-01-01T00:00:00Z", { parties: [{ id: "p", roles: ["tenderer"], additionalIdentifiers: [{ id: "A", scheme: "S" }, { id: "B", scheme: "S" }] }], tender: { id: "T", submissionMethod: ["written"], milestones: [{ title: "m1" }] } }),
      rel("2", "2026-01-02T00:00:00Z", { parties: [{ id: "p", roles: ["tenderer", "supplier"], additionalIdentifiers: [{ id: "C", scheme: "S" }] }], tender: { id: "T", submissionMethod: ["electronicSubmission"], milestones: [{ title: "m2" }] } }),
    ]);
    expect(c.parties).toEqual([{ id: "p", roles: ["tenderer", "supplier"], additionalIdentifiers: [{ id: "C", scheme: "S" }] }]);
    expect(c.tender).toEqual({ id: "T", submissionMethod: ["electronicSubmission"], milestones: [{ title: "m2" }] });
  });

  it("null removes a field, at the top, in an object and in an identified array item; a null in a new object is dropped", () => {
    const c = compileReleases([
      rel("1", "2026-01-01T00:00:00Z", { language: "zh", tender: { id: "T", title: "t", description: "d" }, awards: [{ id: "a", title: "x", description: "y" }] }),
      rel("2", "2026-01-02T00:00:00Z", { language: null, tender: { id: "T", description: null }, awards: [{ id: "a", description: null }, { id: "b", title: null, status: "pending" }] }),
    ]);
    expect(c.language).toBeUndefined();
    expect(c.tender).toEqual({ id: "T", title: "t" });
    expect(c.awards).toEqual([{ id: "a", title: "x" }, { id: "b", status: "pending" }]);
  });

  it("releases apply in date order whatever the input order; id, date and tag are omitted when merged and set for the compiled release", () => {
    const a = rel("r1", "2026-01-01T00:00:00Z", { tender: { id: "T", status: "active" } });
    const b = rel("r2", "2026-01-03T00:00:00+08:00", { tag: ["tenderUpdate"], tender: { id: "T", status: "complete" } });
    const c = compileReleases([b, a]);
    expect(c).toEqual({ ocid: "ocds-th0001-X", id: "ocds-th0001-X-2026-01-03T00:00:00+08:00", date: "2026-01-03T00:00:00+08:00", tag: ["compiled"], initiationType: "tender", tender: { id: "T", status: "complete" } });
    expect(V.release(c)).toEqual([]);
    // Equal dates keep the given order (the feed's seq).
    const same = compileReleases([rel("x", "2026-01-01T00:00:00Z", { language: "en" }), rel("y", "2026-01-01T00:00:00Z", { language: "zh" })]);
    expect(same.language).toBe("zh");
  });

  it("does not change its inputs", () => {
    const a = rel("1", "2026-01-01T00:00:00Z", { awards: [{ id: "a", status: "pending" }] });
    const b = rel("2", "2026-01-02T00:00:00Z", { awards: [{ id: "a", status: "active" }] });
    const copy = JSON.stringify([a, b]);
    mergeRelease(mergeRelease({}, a), b);
    compileReleases([a, b]);
    expect(JSON.stringify([a, b])).toBe(copy);
  });

  it("refuses an empty list and releases of different ocids", () => {
    expect(() => compileReleases([])).toThrow();
    expect(() => compileReleases([rel("1", "2026-01-01T00:00:00Z", {}), { ...rel("2", "2026-01-01T00:00:00Z", {}), ocid: "other" }])).toThrow();
  });
});
