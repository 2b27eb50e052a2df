import { describe, expect, it } from "vitest";
import en from "../../locales/en/rules.json";
import zh from "../../locales/zh-CN/rules.json";
import { RULE_PROFILES, ZFCG_PROFILE, ZTB_PROFILE } from "./profiles";
import { checkAmendmentScope, checkBond, checkObjectionFiling, validatePublication, type PublicationInput } from "./tender";
import { cst, GOLDEN_WEEK_2026 as cal } from "./test-fixtures";
import { RULE_VIOLATION_CODES, type RuleViolation } from "./violations";
import { checkBidWindow, checkDeclaredLayout, checkManifest } from "./bids";
import { checkDrawReveal } from "./draws";
import { checkContract, checkResultObjection, checkWinner } from "./results";
import { checkComplaintFiling, checkComplaintSuspension, checkDecision, checkRefusal } from "../supervision/complaints";
import { checkCaseStatusChange } from "../supervision/cases";
import { afterDecryption, checkBidderRelease, checkClose, checkCustodianRelease, checkFailureDecision, checkHallOpen, checkObjection } from "./opening";

type Catalog = Record<string, unknown> & { titles: Record<string, string>; noticeFields: Record<string, string> };
const catalogs: [string, Catalog][] = [
  ["zh-CN", zh],
  ["en", en],
];
const messages = (c: Catalog) => Object.fromEntries(Object.entries(c).filter((e): e is [string, string] => typeof e[1] === "string"));
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!).sort();

/** One real violation per code this module produces, from the validators themselves. */
function producedViolations(): RuleViolation[] {
  const bad: PublicationInput = {
    regime: "ZTB",
    mustTender: true,
    category: "construction",
    estimateFen: 100_000_000,
    ceilingPriceFen: 0,
    floorPriceFen: 1,
    bondFen: 2_000_001,
    publishAt: cst("2026-11-23T10:00"),
    documentsAvailableFrom: cst("2026-11-23T10:00"),
    documentsAvailableUntil: cst("2026-11-24T17:00"),
    questionDeadline: cst("2026-12-05T17:00"),
    bidDeadline: cst("2026-12-01T09:30"),
    noticeFields: {},
  };
  const knownAt = cst("2026-11-23T10:00");
  return [
    ...validatePublication(bad, ZTB_PROFILE, cal),
    ...validatePublication({ ...bad, regime: "ZFCG", budgetFen: 100_000_000 }, ZFCG_PROFILE, cal),
    ...validatePublication({ ...bad, estimateFen: undefined }, ZTB_PROFILE, cal),
    checkBond({ bondFen: 80_000_001, baseFen: 10_000_000_000, category: "construction" }, ZTB_PROFILE),
    checkAmendmentScope({ changesSubject: true, changesQualification: false }, ZFCG_PROFILE),
    checkObjectionFiling({ filedAt: cst("2026-12-10T10:00"), bidDeadline: cst("2026-12-13T09:30") }, ZTB_PROFILE, cal),
    checkObjectionFiling({ filedAt: cst("2026-12-12T10:00"), bidDeadline: cst("2026-12-13T09:30"), prequalification: true }, ZTB_PROFILE, cal),
    checkObjectionFiling({ filedAt: cst("2026-12-10T10:00"), bidDeadline: cst("2026-12-20T09:30"), knownAt }, ZFCG_PROFILE, cal),
    ...checkBidWindow(knownAt, knownAt, "submit", "2026-11-23 10:00"),
    ...checkBidWindow(knownAt, knownAt, "withdraw", "2026-11-23 10:00"),
    ...checkDeclaredLayout(1, []),
    ...checkManifest(
      { v: 1, alg: "AES-256-GCM", chunkSize: 65536, files: [], recipients: [] },
      { chunkSize: 65536, files: [], stored: new Map() },
      { bidder: "a", opening: null, rsaBytes: { bidder: 256, opening: null } },
    ),
    ...checkHallOpen(knownAt, new Date(knownAt.getTime() + 1), "2026-11-23 10:00"),
    ...afterDecryption(["decrypted", "revoked"], { minBidders: 3, recheckMinBiddersAfterDecryptionFailure: true }).violations,
    ...checkBidderRelease({ phase: "fallback", now: knownAt, windowEndsAt: knownAt, checkedIn: true, state: "pending" }),
    ...checkBidderRelease({ phase: "decryption", now: knownAt, windowEndsAt: new Date(knownAt.getTime() + 1), checkedIn: false, state: "pending" }),
    ...checkBidderRelease({ phase: "decryption", now: knownAt, windowEndsAt: new Date(knownAt.getTime() + 1), checkedIn: true, state: "decrypted" }),
    ...checkCustodianRelease("fallback", { model: "bidder", threshold: 0 }),
    ...checkFailureDecision({ phase: "fallback", state: "pending", reason: "" }),
    ...checkFailureDecision({ phase: "resolution", state: "pending", reason: "" }),
    ...checkObjection("decryption", "异议内容"),
    ...checkObjection("reading", ""),
    ...checkClose("resolution", 0),
    ...checkClose("reading", 2),
    ...checkDrawReveal(knownAt, new Date(knownAt.getTime() + 1), "2026-11-23 10:00"),
    ...checkResultObjection({ stage: "decision", isBidder: false, body: "短", pendingOwn: true }),
    ...checkWinner({ candidateRanks: [1, 2], chosenRank: 3, stateFunded: true, mode: "rank1_if_state_funded", deviations: [], hasEvidence: false }),
    ...checkWinner({ candidateRanks: [1, 2], chosenRank: 2, stateFunded: true, mode: "rank1_if_state_funded", deviations: [], hasEvidence: false }),
    ...checkWinner({ candidateRanks: [1, 2], chosenRank: 2, stateFunded: true, mode: "rank1_if_state_funded", deviations: [{ rank: 1, reason: "gave_up", note: "书面放弃" }], hasEvidence: false }),
    ...checkWinner({ candidateRanks: [1, 2], chosenRank: 2, stateFunded: false, mode: "tenderer_decides", deviations: [], hasEvidence: false }),
    ...checkContract({ signedOn: "2026-01-01", noticeDate: "2026-02-01", today: "2026-03-01", amountFen: 0, winningFen: 1 }),
    ...checkContract({ signedOn: "2026-04-01", noticeDate: "2026-02-01", today: "2026-03-01", amountFen: 1, winningFen: 1 }),
    ...checkContract({ signedOn: "2026-02-01", noticeDate: "2026-02-01", today: "2026-03-01", amountFen: 2, winningFen: 1 }),
    ...checkComplaintFiling({ objection: null, complainantOrgId: "a", projectId: "p", sectionId: null, now: knownAt, body: "", alreadyFiled: false, filingDueAt: knownAt }),
    ...checkComplaintFiling({
      objection: { kind: "documents", orgId: "a", projectId: "p", sectionId: null, answerDueAt: knownAt, answeredAt: knownAt },
      complainantOrgId: "a",
      projectId: "p",
      sectionId: null,
      now: new Date(knownAt.getTime() + 1),
      body: "答复未回应资格条件的排他性问题。",
      alreadyFiled: false,
      filingDueAt: knownAt,
    }),
    ...checkComplaintFiling({
      objection: { kind: "documents", orgId: "a", projectId: "p", sectionId: null, answerDueAt: new Date(knownAt.getTime() + 1), answeredAt: null },
      complainantOrgId: "a",
      projectId: "p",
      sectionId: null,
      now: knownAt,
      body: "短",
      alreadyFiled: true,
      filingDueAt: new Date(knownAt.getTime() + 86400_000),
    }),
    ...checkRefusal(""),
    ...checkDecision({ outcome: "maybe", decision: "" }),
    ...checkComplaintSuspension("bid.submit", [new Date("2026-12-01T09:00:00Z")]),
    ...checkCaseStatusChange("open", "resolved", ""),
    ...checkCaseStatusChange("investigating", "resolved", ""),
  ].filter((v): v is RuleViolation => v !== null);
}

describe("rules catalogs (app/locales/*/rules.json)", () => {
  it("R5–R14: every violation code has a message in both languages, and every message a code", () => {
    for (const [lang, c] of catalogs) expect(Object.keys(messages(c)).sort(), lang).toEqual(Object.keys(RULE_VIOLATION_CODES).sort());
  });

  it("R5–R14: zh-CN and en messages use the same {{placeholders}} and cite the same rule number", () => {
    for (const [code, rule] of Object.entries(RULE_VIOLATION_CODES)) {
      const [a, b] = [messages(zh)[code]!, messages(en)[code]!];
      expect(placeholders(a), code).toEqual(placeholders(b));
      expect(a, code).toMatch(new RegExp(`\\b${rule}\\b`));
      expect(b, code).toMatch(new RegExp(`\\b${rule}\\b`));
    }
  });

  it("R5–R14: every violation the validators produce fills every placeholder of its message", () => {
    const produced = producedViolations();
    const producible = Object.keys(RULE_VIOLATION_CODES).filter((c) => !c.startsWith("RULE_R46_") && c !== "RULE_DOCUMENTS_REQUIRED" && c !== "RULE_R10_AMENDMENT_EXTENDED" && c !== "RULE_R18_PLAINTEXT" && c !== "RULE_R18_SIGNATURE" && c !== "RULE_R26_WRONG_KEY");
    expect([...new Set(produced.map((v) => v.code))].sort()).toEqual(producible.sort());
    for (const v of produced) {
      for (const p of placeholders(messages(zh)[v.code]!)) expect(v.params, `${v.code} {{${p}}}`).toHaveProperty(p);
    }
  });

  it("R1–R71: every rule has a short title in both languages", () => {
    const rules = Array.from({ length: 71 }, (_, i) => `R${i + 1}`);
    for (const [lang, c] of catalogs) {
      expect(Object.keys(c.titles), lang).toEqual(rules);
      for (const r of rules) expect(c.titles[r]?.trim(), `${lang} ${r}`).toBeTruthy();
    }
    expect(zh.titles.R7).toBe("最短投标期限");
  });

  it("R5: every required notice field of every profile has a title in both languages", () => {
    const fields = [...new Set(RULE_PROFILES.flatMap((p) => p.requiredNoticeFields))].sort();
    for (const [lang, c] of catalogs) expect(Object.keys(c.noticeFields).sort(), lang).toEqual(fields);
  });
});
