import { describe, expect, it } from "vitest";
import { MAX_CRITERIA_PER_SECTION, MAX_SECTIONS_PER_TENDER, MAX_TEXT_LENGTH } from "./limits";
import { AmendmentSchema, formatCst, formatYuan, formIntent, INTENT, parseProjectFormData, ProjectFormSchema, toCstInput, yuanToFen } from "./tender-form";

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

  it("refuses impossible dates that pass the pattern (instead of rolling them over or storing an invalid time)", () => {
    for (const d of ["2026-13-01T09:30", "2026-02-30T09:30", "2026-01-01T25:00", "2026-01-01T09:61", "0000-01-01T00:00"]) {
      const r = ProjectFormSchema.safeParse({ ...valid, bidDeadline: d });
      expect(r.success, d).toBe(false);
      expect(r.error!.issues.find((i) => i.path[0] === "bidDeadline")?.message).toBe("invalid");
      expect(ProjectFormSchema.safeParse({ ...valid, evaluationStart: d }).success, d).toBe(false);
    }
    expect(AmendmentSchema.safeParse({ title: "澄清", body: "内容", bidDeadline: "2026-02-30T09:30" }).success).toBe(false);
  });

  it("money: exact fen, at most two decimals, no exponent, infinity or sign, within MAX_YUAN", () => {
    expect(yuanToFen("0.29")).toBe(29);
    expect(yuanToFen("1234567.8")).toBe(123456780);
    expect(yuanToFen(" 10 ")).toBe(1000);
    expect(yuanToFen("10000000000000")).toBe(1e15);
    for (const bad of ["-1", "1e308", "1e5", "Infinity", "NaN", "1.005", "1,000", "", ".5", "0x10", "100000000000000", "99999999999999.99"]) expect(yuanToFen(bad), bad).toBeNull();
    for (const bad of ["Infinity", "1e308", "-0.01", "0.001", "9007199254740993"]) {
      expect(ProjectFormSchema.safeParse({ ...valid, estimateYuan: bad }).success, bad).toBe(false);
      expect(ProjectFormSchema.safeParse({ ...valid, sections: [{ ...valid.sections[0], bondYuan: bad }] }).success, bad).toBe(false);
    }
    expect(ProjectFormSchema.parse({ ...valid, sections: [{ ...valid.sections[0], bondYuan: "" }] }).sections[0]!.bondYuan).toBe(0);
  });

  it("bounds: sections, criteria, custodians (no duplicates), texts, numbers, ids, enums", () => {
    const sec = valid.sections[0]!;
    expect(ProjectFormSchema.safeParse({ ...valid, sections: Array(MAX_SECTIONS_PER_TENDER).fill(sec) }).success).toBe(true);
    expect(ProjectFormSchema.safeParse({ ...valid, sections: Array(MAX_SECTIONS_PER_TENDER + 1).fill(sec) }).success).toBe(false);
    const scored = { ...sec, method: "ZTB_COMPREHENSIVE", shownKind: "ZTB_COMPREHENSIVE" };
    const crit = { level: "1", group: "price", label: "价格", mode: "formula", max: "10" };
    expect(ProjectFormSchema.safeParse({ ...valid, sections: [{ ...scored, criteria: [crit] }] }).success).toBe(true);
    expect(ProjectFormSchema.safeParse({ ...valid, sections: [{ ...scored, criteria: Array(MAX_CRITERIA_PER_SECTION + 1).fill(crit) }] }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, sections: [{ ...scored, criteria: [{ ...crit, max: "Infinity" }] }] }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, sections: [{ ...scored, criteria: [{ ...crit, group: "bribe" }] }] }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, sections: [{ ...sec, method: "bribe" }] }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, keyThreshold: "2", custodians: ["agency", "agency"] }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, custodians: ["agency", "supervisor", "tendering_unit", "agency"] }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, regime: "XYZ" }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, decryptionWindowMinutes: "1e308" }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, keyThreshold: "2.5" }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, agencyId: "a".repeat(36) }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, description: "x".repeat(5001) }).success).toBe(false);
    expect(ProjectFormSchema.safeParse({ ...valid, reviewRoom: "x".repeat(61) }).success).toBe(false);
    expect(AmendmentSchema.safeParse({ title: "澄清", body: "x".repeat(MAX_TEXT_LENGTH + 1) }).success).toBe(false);
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

describe("project form data with row buttons (Conform intents)", () => {
  const fd = (entries: Record<string, string>) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(valid)) if (typeof v === "string" && !(k in entries)) f.append(k, v);
    f.append("sections[0].code", "01");
    f.append("sections[0].title", "施工");
    for (const [k, v] of Object.entries(entries)) f.append(k, v);
    return f;
  };
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
      return null;
    } catch (e) {
      return (e as { code?: string }).code ?? "thrown";
    }
  };

  it("an add-row button inserts a row and saves nothing (status undefined); a remove button removes it", () => {
    const add = parseProjectFormData(
      fd({ "sections[0].method": "ZTB_COMPREHENSIVE", "sections[0].criteria[0].label": "技术", [INTENT]: formIntent({ type: "insert", payload: { name: "sections[0].criteria", defaultValue: { level: "1" } } }) }),
    );
    expect(add.status).toBeUndefined();
    const sections = add.reply().initialValue!.sections as { criteria: unknown[] }[];
    expect(sections[0]!.criteria).toEqual([{ label: "技术" }, { level: "1" }]);
    const remove = parseProjectFormData(fd({ "sections[0].criteria[0].label": "技术", "sections[0].criteria[1].label": "商务", [INTENT]: formIntent({ type: "remove", payload: { name: "sections[0].criteria", index: 0 } }) }));
    expect((remove.reply().initialValue!.sections as { criteria: unknown[] }[])[0]!.criteria).toEqual([{ label: "商务" }]);
  });

  it("an intent of any other shape, or a list intent on a field that is not a list, is MALFORMED_REQUEST (never a 500)", () => {
    expect(codeOf(() => parseProjectFormData(fd({ [INTENT]: "{" })))).toBe("MALFORMED_REQUEST");
    expect(codeOf(() => parseProjectFormData(fd({ [INTENT]: formIntent({ type: "remove", payload: { name: "code", index: 0 } } as never) })))).toBe("MALFORMED_REQUEST");
    expect(codeOf(() => parseProjectFormData(fd({ "sections[0].criteria": "x", [INTENT]: formIntent({ type: "remove", payload: { name: "sections[0].criteria", index: 0 } }) })))).toBe("MALFORMED_REQUEST");
  });

  it("method errors show on their fields in the same round as other field errors (common:errors.* keys)", () => {
    const r = parseProjectFormData(fd({ title: "", "sections[0].method": "ZTB_COMPREHENSIVE", "sections[0].shownKind": "ZTB_COMPREHENSIVE", "sections[0].criteria[0].max": "abc", "sections[0].criteria[0].label": "技术" }));
    if (r.status !== "error") throw new Error(`status ${r.status}`);
    expect(r.error!.title).toEqual(["required"]);
    expect(r.error!["sections[0].criteria[0].max"]).toEqual(["invalid"]);
    const other = parseProjectFormData(fd({ "sections[0].method": "ZFCG_LOWEST" }));
    if (other.status !== "error") throw new Error(`status ${other.status}`);
    expect(other.error!["sections[0].method"]).toEqual(["methodRegime"]);
  });
});
