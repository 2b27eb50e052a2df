import { describe, expect, it } from "vitest";
import { ALERT_KINDS, alert, normaliseAccount, normaliseIp, normaliseName } from "./alert";

describe("alert kinds and normalisation", () => {
  it("every kind names its rule (ALERT_<rule>_…), and alert() derives the rule from the kind", () => {
    for (const [kind, rule] of Object.entries(ALERT_KINDS)) expect(kind.startsWith(`ALERT_${rule}_`)).toBe(true);
    expect(alert("ALERT_R23_SAME_IP", "s", ["b", "a", "b"], {}, "warning")).toEqual({ kind: "ALERT_R23_SAME_IP", rule: "R23", sectionId: "s", subjects: ["a", "b"], evidence: {}, severity: "warning" });
  });

  it("R23 names: whitespace, full-width forms and interpunct variants fold; different characters stay different", () => {
    expect(normaliseName(" 张\u3000三 ")).toBe("张三");
    expect(normaliseName("阿卜杜•热合曼")).toBe(normaliseName("阿卜杜·热合曼"));
    expect(normaliseName("ＺＨＡＮＧ San")).toBe("zhangsan");
    expect(normaliseName("张三")).not.toBe(normaliseName("张山"));
  });

  it("R23 addresses and accounts: inet renderings and written account numbers compare equal", () => {
    expect(normaliseIp(" 2001:DB8::1/128 ")).toBe("2001:db8::1");
    expect(normaliseIp("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(normaliseIp("10.0.0.0/24")).toBe("10.0.0.0/24");
    expect(normaliseIp("")).toBeNull();
    expect(normaliseAccount("６２２２ 0210-0112.3456")).toBe("6222021001123456");
  });
});
