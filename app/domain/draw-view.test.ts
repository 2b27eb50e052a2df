import { describe, expect, it } from "vitest";
import { serverT } from "#app/i18n";
import { exclusionReason, shortfallOf, shortfallText } from "./draw-view";

describe("how a draw's facts read (page and signed draw record)", () => {
  const zh = serverT("zh-CN");
  const en = serverT("en");

  it("R40: exclusion reasons name the conflict party and the relationship in words, never as codes", () => {
    const emp = { code: "EXCLUDED_EMPLOYMENT", params: { org: "91230100MA0000000X", party: "tendering_unit", years: 3 } };
    expect(exclusionReason(emp, zh)).toBe("近 3 年在利害关系单位任职（招标人）");
    expect(exclusionReason(emp, en)).toBe("Worked for a party within 3 years (tendering unit)");
    expect(exclusionReason({ ...emp, params: { ...emp.params, party: "agency" } }, zh)).toBe("近 3 年在利害关系单位任职（代理机构）");
    expect(exclusionReason({ ...emp, params: { ...emp.params, party: "bidder" } }, zh)).toBe("近 3 年在利害关系单位任职（投标人）");
    const rel = { code: "EXCLUDED_RELATIONSHIP", params: { org: "x", kind: "shareholding", party: "bidder" } };
    expect(exclusionReason(rel, zh)).toBe("与利害关系单位存在关联关系（持股，投标人）");
    expect(exclusionReason(rel, en)).not.toMatch(/shareholding|_/);
    expect(exclusionReason({ code: "EXCLUDED_MANUAL", params: { reason: "师生关系" } }, zh)).toBe("申请回避：师生关系");
  });

  it("R37: a shortfall says by how much, and whether the committee can be formed without a supplementary draw", () => {
    const lines = [{ specialty: "A01", count: 5, backups: 2 }];
    expect(shortfallOf({ specialty: "A01", wanted: 7, available: 3 }, lines)).toMatchObject({ missing: 4, membersShort: 2, backupsShort: 2, committeeShort: true });
    expect(shortfallOf({ specialty: "A01", wanted: 7, available: 6 }, lines)).toMatchObject({ missing: 1, membersShort: 0, backupsShort: 1, committeeShort: false });
    const [what, next] = shortfallText({ specialty: "A01", wanted: 7, available: 3 }, lines, zh);
    expect(what).toBe("A01 专业需要 7 人（含备选），符合条件的仅 3 人，缺 4 人（R37）。");
    expect(next).toContain("评标委员会缺 2 名正式成员，补足之前不能组建");
    expect(next).toContain("补充抽取");
    expect(shortfallText({ specialty: "A01", wanted: 7, available: 6 }, lines, en)[1]).toContain("1 backup(s) are missing");
  });
});
