import { describe, expect, it } from "vitest";
import { AmendmentSchema, formatCst, formatYuan, ProjectFormSchema, toCstInput } from "./tender-form";

const valid = {
  code: "T-1",
  title: "测试项目",
  regime: "ZTB",
  mustTender: "on",
  category: "construction",
  region: "大庆市",
  location: "萨尔图区",
  description: "概况",
  fundingSource: "财政资金",
  estimateYuan: "1234567.89",
  contactName: "王",
  contactPhone: "0459",
  obtainMethod: "平台下载",
  qualification: "资质",
  documentsFrom: "2026-12-01T08:00",
  documentsUntil: "2026-12-08T17:00",
  questionDeadline: "2026-12-15T17:00",
  bidDeadline: "2026-12-25T09:30",
  sections: [{ code: "01", title: "施工", bondYuan: "1000", method: "lowest_evaluated_price" }],
};

describe("project form schema", () => {
  it("parses China time and money in fen", () => {
    const r = ProjectFormSchema.parse(valid);
    expect(r.bidDeadline.toISOString()).toBe("2026-12-25T01:30:00.000Z");
    expect(r.estimateYuan).toBe(123456789);
    expect(r.sections[0]!.bondYuan).toBe(100000);
    expect(r.sections[0]!.ceilingPriceYuan).toBeUndefined();
    expect(r.mustTender).toBe(true);
  });

  it("refuses missing required fields with field paths", () => {
    const r = ProjectFormSchema.safeParse({ ...valid, title: " ", sections: [{ code: "", title: "x", method: "comprehensive" }] });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toContain("title");
    expect(paths).toContain("sections.0.code");
  });

  it("refuses a key threshold above the number of custodians", () => {
    const r = ProjectFormSchema.safeParse({ ...valid, keyModel: "bidder_with_custodian_fallback", keyThreshold: "3", custodians: ["agency", "supervisor"] });
    expect(r.success).toBe(false);
  });

  it("refuses malformed dates and negative money", () => {
    expect(ProjectFormSchema.safeParse({ ...valid, bidDeadline: "25/12/2026" }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, estimateYuan: "-1" }).success).toBe(false);
  });

  it("amendment: the checkbox and an optional new deadline", () => {
    const a = AmendmentSchema.parse({ title: "澄清", body: "内容", affectsBidPreparation: "on", bidDeadline: "" });
    expect(a.affectsBidPreparation).toBe(true);
    expect(a.bidDeadline).toBeUndefined();
  });

  it("formats instants in China time and fen as yuan", () => {
    expect(toCstInput(new Date("2026-12-24T16:30:00Z"))).toBe("2026-12-25T00:30");
    expect(formatCst("2026-12-25T01:30:00.000Z")).toBe("2026-12-25 09:30");
    expect(formatYuan(123456789)).toBe("1,234,567.89");
  });
});
