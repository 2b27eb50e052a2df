import { describe, expect, it } from "vitest";
import { ocdsValidator } from "#test/fixtures/ocds-1.1.5/validator";
import { isPagingError, linkedRelease, parsePaging, recordPackage, releasePackage } from "./packages";
import type { Release } from "./release";

const V = ocdsValidator();
const opts = { defaultLimit: 50, maxLimit: 100 };
const q = (s: string) => parsePaging(new URLSearchParams(s), opts);
const rel = (id: string, date: string): Release => ({ ocid: "ocds-th0001-P1", id, date, tag: ["tender"], initiationType: "tender", tender: { id: "P1" } });

describe("feed paging parameters", () => {
  it("defaults, bounds and exact integers", () => {
    expect(q("")).toEqual({ cursor: 0, limit: 50 });
    expect(q("cursor=&limit=")).toEqual({ cursor: 0, limit: 50 });
    expect(q("cursor=17&limit=1")).toEqual({ cursor: 17, limit: 1 });
    expect(q("limit=100")).toEqual({ cursor: 0, limit: 100 });
    expect(q(`cursor=${Number.MAX_SAFE_INTEGER}`)).toEqual({ cursor: Number.MAX_SAFE_INTEGER, limit: 50 });
  });

  it("refuses what is not a whole number in range, unknown and repeated parameters", () => {
    for (const bad of ["cursor=-1", "cursor=1.5", "cursor=abc", "cursor=1e3", "cursor=%20", "cursor=99999999999999999", `cursor=${Number.MAX_SAFE_INTEGER + 2}`]) {
      expect(q(bad)).toMatchObject({ code: "OCDS_BAD_CURSOR" });
    }
    for (const bad of ["limit=0", "limit=101", "limit=-5", "limit=ten", "limit=99999"]) expect(q(bad)).toMatchObject({ code: "OCDS_BAD_LIMIT", params: { max: 100 } });
    for (const bad of ["page=2", "cursor=1&cursor=2", "limit=1&x=1", "a=1&b=2&c=3"]) expect(q(bad)).toMatchObject({ code: "OCDS_BAD_QUERY" });
    expect(isPagingError(q("limit=0"))).toBe(true);
    expect(isPagingError(q("limit=1"))).toBe(false);
  });
});

describe("OCDS packages", () => {
  const publicUrl = "https://ggzy.example.cn/";
  it("a release package validates, dates itself by its latest release and carries links.next", () => {
    const pkg = releasePackage({ publicUrl, uri: "https://ggzy.example.cn/api/ocds/releases?cursor=0&limit=2", releases: [rel("a", "2026-01-01T00:00:00.000Z"), rel("b", "2026-01-02T00:00:00.000Z")], next: "https://ggzy.example.cn/api/ocds/releases?cursor=2&limit=2", fallbackDate: new Date(0) });
    expect(V.releasePackage(pkg)).toEqual([]);
    expect(pkg).toMatchObject({ version: "1.1", publishedDate: "2026-01-02T00:00:00.000Z", publisher: { uri: "https://ggzy.example.cn" }, publicationPolicy: "https://ggzy.example.cn/api/ocds", links: { next: "https://ggzy.example.cn/api/ocds/releases?cursor=2&limit=2" } });
    expect((pkg.extensions as string[]).length).toBe(3);
    expect(releasePackage({ publicUrl, uri: "https://ggzy.example.cn/x", releases: [rel("a", "2026-01-01T00:00:00.000Z")], next: null, fallbackDate: new Date(0) }).links).toBeUndefined();
    // The same release twice is not a package (uniqueItems).
    expect(V.releasePackage(releasePackage({ publicUrl, uri: "https://ggzy.example.cn/x", releases: [rel("a", "2026-01-01T00:00:00.000Z"), rel("a", "2026-01-01T00:00:00.000Z")], next: null, fallbackDate: new Date(0) }))).not.toEqual([]);
  });

  it("record packages validate with linked and with embedded releases, each with its compiled release", () => {
    const records = [{ ocid: "ocds-th0001-P1", releases: [rel("ocds-th0001-P1-1", "2026-01-01T00:00:00.000Z"), rel("ocds-th0001-P1-5", "2026-01-03T00:00:00.000Z")] }];
    const linked = recordPackage({ publicUrl, uri: "https://ggzy.example.cn/api/ocds/records?cursor=0&limit=20", records, embed: false, next: null, fallbackDate: new Date(0) });
    expect(V.recordPackage(linked)).toEqual([]);
    const rec = (linked.records as Release[])[0]!;
    expect(rec.releases).toEqual([
      { url: "https://ggzy.example.cn/api/ocds/releases/ocds-th0001-P1-1#ocds-th0001-P1-1", date: "2026-01-01T00:00:00.000Z", tag: ["tender"] },
      { url: "https://ggzy.example.cn/api/ocds/releases/ocds-th0001-P1-5#ocds-th0001-P1-5", date: "2026-01-03T00:00:00.000Z", tag: ["tender"] },
    ]);
    expect((rec.compiledRelease as Release).tag).toEqual(["compiled"]);
    expect(linked.packages).toEqual(["https://ggzy.example.cn/api/ocds/releases/ocds-th0001-P1-1", "https://ggzy.example.cn/api/ocds/releases/ocds-th0001-P1-5"]);
    const embedded = recordPackage({ publicUrl, uri: "https://ggzy.example.cn/api/ocds/records/ocds-th0001-P1", records, embed: true, next: null, fallbackDate: new Date(0) });
    expect(V.recordPackage(embedded)).toEqual([]);
    // A code with characters outside ASCII stays a valid URI.
    expect(linkedRelease(publicUrl, rel("ocds-th0001-大庆 1", "2026-01-01T00:00:00.000Z")).url).toBe("https://ggzy.example.cn/api/ocds/releases/ocds-th0001-%E5%A4%A7%E5%BA%86%201#ocds-th0001-%E5%A4%A7%E5%BA%86%201");
  });
});
