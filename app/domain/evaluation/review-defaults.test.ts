import { describe, expect, it } from "vitest";
import { defaultsFor, parseMethodConfig, ReviewItemSchema } from "./method";
import { defaultReviewItems, REVIEW_STAGES_OF } from "./review-defaults";
import { reviewItems, OTHER_ITEM_ID } from "./review";

describe("default compliance-review items (docs/evaluation-rules.md §3.1)", () => {
  it("ZTB: 形式 → 资格 → 响应性 (标准施工招标文件 2.1.1–2.1.3); ZFCG: 资格审查 (87号令44) → 符合性审查 (87号令50)", () => {
    for (const regime of ["ZTB", "ZFCG"] as const) {
      const items = defaultReviewItems(regime);
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
      // In the regime's stage order, and only its stages.
      const order = items.map((i) => REVIEW_STAGES_OF[regime].indexOf(i.stage));
      expect(order.every((o) => o >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      for (const i of items) expect(ReviewItemSchema.safeParse(i).success).toBe(true);
    }
    expect(defaultReviewItems("ZTB").map((i) => i.id).slice(0, 6)).toEqual(["F1", "F2", "F3", "F4", "F5", "F6"]);
    expect(defaultReviewItems("ZFCG").some((i) => i.label.includes("★"))).toBe(true); // 87号令20: substantive requirements marked
  });

  it("a fresh copy each time (a form edit never changes the defaults), and valid in a frozen configuration with 'other grounds' last (R44)", () => {
    const a = defaultReviewItems("ZTB");
    a[0]!.label = "changed";
    expect(defaultReviewItems("ZTB")[0]!.label).not.toBe("changed");
    const config = parseMethodConfig({ kind: "ZFCG_LOWEST", ...defaultsFor("ZFCG_LOWEST"), review: defaultReviewItems("ZFCG") });
    const items = reviewItems(config);
    expect(items.at(-1)!.id).toBe(OTHER_ITEM_ID);
    expect(items).toHaveLength(defaultReviewItems("ZFCG").length + 1);
  });
});
