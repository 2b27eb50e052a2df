import { describe, expect, it } from "vitest";
import en from "../../locales/en/rules.json";
import zh from "../../locales/zh-CN/rules.json";
import { EVALUATION_VIOLATION_CODES, evaluationMessageKey } from "./violations";

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!).sort();
const catalogs = [
  ["zh-CN", (zh as unknown as { evaluation: Record<string, string> }).evaluation],
  ["en", (en as unknown as { evaluation: Record<string, string> }).evaluation],
] as const;

describe("evaluation rule messages (rules.json → evaluation)", () => {
  it("R32/R43/R45–R47: every code has a message in both languages, and every message a code", () => {
    for (const [lang, c] of catalogs) expect(Object.keys(c).sort(), lang).toEqual(Object.keys(EVALUATION_VIOLATION_CODES).sort());
  });

  it("R32/R43/R45–R47: both languages use the same placeholders and cite the code's rule number", () => {
    for (const [code, rule] of Object.entries(EVALUATION_VIOLATION_CODES)) {
      const [a, b] = [catalogs[0][1][code]!, catalogs[1][1][code]!];
      expect(placeholders(a), code).toEqual(placeholders(b));
      expect(a, code).toMatch(new RegExp(`\\b${rule}\\b`));
      expect(b, code).toMatch(new RegExp(`\\b${rule}\\b`));
    }
    expect(evaluationMessageKey("RULE_R46_GROUP_TOTAL")).toBe("rules:evaluation.RULE_R46_GROUP_TOTAL");
  });
});
