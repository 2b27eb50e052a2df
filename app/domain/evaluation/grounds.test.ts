import { describe, expect, it } from "vitest";
import en from "../../locales/en/rules.json";
import zh from "../../locales/zh-CN/rules.json";
import { checkRejectionGround, correctionRefusedGround, GROUND_CODES, GROUNDS, groundMessageKey, groundOf, groundsFor } from "./grounds";

const catalogs = [
  ["zh-CN", (zh as unknown as { evaluationGrounds: Record<string, string> }).evaluationGrounds],
  ["en", (en as unknown as { evaluationGrounds: Record<string, string> }).evaluationGrounds],
] as const;

describe("rejection grounds (R44, EV12–EV14)", () => {
  it("R44: every ground has its wording in both languages, and every wording a ground", () => {
    for (const [lang, c] of catalogs) expect(Object.keys(c).sort(), lang).toEqual([...GROUND_CODES].sort());
    expect(GROUNDS.map((g) => g.code)).toEqual([...GROUND_CODES]);
    expect(groundMessageKey("ZTB_51_1_UNSIGNED")).toBe("rules:evaluationGrounds.ZTB_51_1_UNSIGNED");
  });

  it("R44: ZTB offers the seven grounds of 条例51 (two under (5)) plus 评标规定22; ZFCG the six of 87号令63 plus 37, 51, 60", () => {
    const ztb = groundsFor("ZTB").map((g) => g.code);
    expect(ztb.filter((c) => c.startsWith("ZTB_51_"))).toHaveLength(8);
    for (const n of [1, 2, 3, 4, 5, 6, 7]) expect(ztb.some((c) => c.startsWith(`ZTB_51_${n}_`)), `51(${n})`).toBe(true);
    expect(ztb).toContain("ZTB_EP22_NOT_CLARIFIED");
    const zfcg = groundsFor("ZFCG").map((g) => g.code);
    for (const n of [1, 2, 3, 4, 5, 6]) expect(zfcg.some((c) => c.startsWith(`ZFCG_63_${n}_`)), `63(${n})`).toBe(true);
    expect(zfcg).toEqual(expect.arrayContaining(["ZFCG_37_COLLUSION", "ZFCG_51_NOT_CLARIFIED", "ZFCG_60_ABNORMALLY_LOW"]));
    // Each ground cites its source in the Chinese wording and in the catalogue.
    for (const g of GROUNDS) {
      expect(g.source.length, g.code).toBeGreaterThan(4);
      expect(catalogs[0][1][g.code], g.code).toMatch(/第.+条/);
      expect(catalogs[1][1][g.code], g.code).toMatch(/Arts?\. \d+/);
    }
  });

  it("R43: a refused correction is concluded by the platform (评标规定19 / 87号令59), never chosen by a member", () => {
    expect(correctionRefusedGround("ZTB")).toBe("ZTB_EP19_CORRECTION_REFUSED");
    expect(correctionRefusedGround("ZFCG")).toBe("ZFCG_59_CORRECTION_REFUSED");
    for (const r of ["ZTB", "ZFCG"] as const) {
      expect(groundsFor(r).some((g) => g.automatic)).toBe(false);
      expect(checkRejectionGround(r, correctionRefusedGround(r), true)).toBe("unknown");
    }
  });

  it("R44: a fail cites a ground of its own regime; unknown or missing grounds are refused", () => {
    expect(checkRejectionGround("ZTB", "ZTB_51_3_UNQUALIFIED", false)).toBeNull();
    expect(checkRejectionGround("ZTB", "ZFCG_63_3_UNQUALIFIED", true)).toBe("unknown");
    expect(checkRejectionGround("ZFCG", "ZTB_51_1_UNSIGNED", true)).toBe("unknown");
    expect(checkRejectionGround("ZFCG", "nonsense", true)).toBe("unknown");
    expect(checkRejectionGround("ZFCG", null, true)).toBe("unknown");
    expect(groundOf(undefined)).toBeUndefined();
  });

  it("EV13 (1117号(十三)): possibly below cost and unclear/inconsistent/miscalculated content are clarified before rejection; EV14 likewise for abnormally low prices", () => {
    const first = GROUNDS.filter((g) => g.clarifyFirst).map((g) => g.code);
    expect(first.sort()).toEqual(["ZFCG_51_NOT_CLARIFIED", "ZFCG_60_ABNORMALLY_LOW", "ZTB_51_5_BELOW_COST", "ZTB_EP22_NOT_CLARIFIED"]);
    expect(checkRejectionGround("ZTB", "ZTB_51_5_BELOW_COST", false)).toBe("clarify_first");
    expect(checkRejectionGround("ZTB", "ZTB_51_5_BELOW_COST", true)).toBeNull();
    expect(checkRejectionGround("ZFCG", "ZFCG_60_ABNORMALLY_LOW", false)).toBe("clarify_first");
    expect(checkRejectionGround("ZFCG", "ZFCG_60_ABNORMALLY_LOW", true)).toBeNull();
    // A ground that rests on no such finding needs no clarification.
    expect(checkRejectionGround("ZFCG", "ZFCG_63_1_NO_BOND", false)).toBeNull();
  });
});
