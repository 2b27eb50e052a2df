import { describe, expect, it } from "vitest";
import {
  DECLARATION_GROUNDS,
  DECLARATION_READING_SECONDS,
  declarationBytes,
  declarationDocument,
  declarationText,
  declarationTiming,
  recusalReason,
  RECUSAL_REASON_MAX,
} from "./declaration";

const sectionId = "0b6f3c52-6a0e-4c57-9d0e-1f2a3b4c5d6e";
const bidders = [
  { name: "乙建设有限公司", creditCode: "91230100MA00000002" },
  { name: "甲建筑工程有限公司", creditCode: "91230100MA00000001" },
  { name: "丙公司", creditCode: null },
];
const at = "2026-12-01T01:30:00.000Z";

describe("declaration of no conflict (R41)", () => {
  it("R41: the signed text is the prefix and the canonical JSON of section, regime, seat, grounds' version, bidders and time", () => {
    expect(declarationText({ sectionId, regime: "ZTB", seat: 3, bidders, at })).toBe(
      "TH-DECLARATION-v1\n" +
        `{"at":"2026-12-01T01:30:00.000Z","bidders":[{"creditCode":null,"name":"丙公司"},{"creditCode":"91230100MA00000001","name":"甲建筑工程有限公司"},{"creditCode":"91230100MA00000002","name":"乙建设有限公司"}],"grounds":"R39-2026.1","kind":"no_conflict","regime":"ZTB","seat":3,"sectionId":"${sectionId}","v":1}`,
    );
    expect(new TextDecoder().decode(declarationBytes({ sectionId, regime: "ZTB", seat: 3, bidders, at }))).toBe(declarationText({ sectionId, regime: "ZTB", seat: 3, bidders, at }));
  });

  it("R41: the order the bidders come in does not change the text; any field that changes does (R39 vs R40 grounds)", () => {
    const base = declarationText({ sectionId, regime: "ZTB", seat: 3, bidders, at });
    expect(declarationText({ sectionId, regime: "ZTB", seat: 3, bidders: [...bidders].reverse(), at })).toBe(base);
    expect(declarationText({ sectionId, regime: "ZTB", seat: 4, bidders, at })).not.toBe(base);
    expect(declarationText({ sectionId, regime: "ZTB", seat: 3, bidders: bidders.slice(1), at })).not.toBe(base);
    expect(declarationText({ sectionId, regime: "ZTB", seat: 3, bidders, at: "2026-12-01T01:30:00.001Z" })).not.toBe(base);
    const zfcg = declarationDocument({ sectionId, regime: "ZFCG", seat: 3, bidders, at });
    expect(zfcg.grounds).toBe(DECLARATION_GROUNDS.ZFCG.version);
    expect(DECLARATION_GROUNDS.ZTB.codes).toHaveLength(5); // R39: 评标规定12 (1)–(4) and 法37 利害关系
    expect(DECLARATION_GROUNDS.ZFCG.codes).toHaveLength(5); // R40: 采购条例9 (1)–(5)
  });

  it("R41: malformed input is refused before anything is signed", () => {
    expect(() => declarationDocument({ sectionId: "x", regime: "ZTB", seat: 1, bidders, at })).toThrow(RangeError);
    expect(() => declarationDocument({ sectionId, regime: "ZTB", seat: 0, bidders, at })).toThrow(RangeError);
    expect(() => declarationDocument({ sectionId, regime: "ZTB", seat: 1, bidders, at: "2026-12-01T09:30:00+08:00" })).toThrow(RangeError);
    expect(() => declarationDocument({ sectionId, regime: "ZTB", seat: 1, bidders, at: "2026-02-30T01:30:00.000Z" })).toThrow(RangeError);
    expect(() => declarationDocument({ sectionId, regime: "XX" as "ZTB", seat: 1, bidders, at })).toThrow(RangeError);
  });

  it("R41: the reading countdown must have run since entering, and the time must be near the database clock", () => {
    const enteredAt = new Date("2026-12-01T01:29:00.000Z");
    const now = new Date(enteredAt.getTime() + DECLARATION_READING_SECONDS * 1000);
    expect(declarationTiming({ at: now.toISOString(), now, enteredAt })).toBe("ok");
    expect(declarationTiming({ at: now.toISOString(), now: new Date(now.getTime() - 1), enteredAt })).toBe("reading");
    expect(declarationTiming({ at: new Date(now.getTime() - 11 * 60_000).toISOString(), now, enteredAt })).toBe("skew");
    expect(declarationTiming({ at: new Date(now.getTime() + 11 * 60_000).toISOString(), now, enteredAt })).toBe("skew");
    expect(declarationTiming({ at: "nonsense", now, enteredAt })).toBe("skew");
  });

  it("EV15: a recusal needs a reason of bounded length", () => {
    expect(recusalReason("  与投标人甲存在劳动关系  ")).toBe("与投标人甲存在劳动关系");
    expect(recusalReason("   ")).toBeNull();
    expect(recusalReason("回".repeat(RECUSAL_REASON_MAX))).toHaveLength(RECUSAL_REASON_MAX);
    expect(recusalReason("回".repeat(RECUSAL_REASON_MAX + 1))).toBeNull();
  });
});
