import type { Regime } from "./method";

/**
 * The grounds on which the committee rejects a bid (否决投标 / 投标无效, R44; docs/evaluation-rules.md §3.2): a pure catalogue,
 * one entry per ground, with its regime, the rule, the legal source and whether EV13 asks for a clarification
 * first. The wording of each ground, in both languages, is in app/locales/{zh-CN,en}/rules.json under
 * `evaluationGrounds.<code>` (`groundMessageKey`); grounds.test.ts checks both catalogues against this list.
 *
 * ZTB: 招标投标法实施条例 51 (the seven mandatory grounds), with 评标规定 19 (a refused correction), 21 (below cost after a
 * written explanation), 22 (a bid not clarified), 25 (重大偏差, under 51(6)). ZFCG: 87号令 63 (the six grounds), with 37
 * (collusion presumed), 51 (not clarified), 59 (a refused correction) and 60 (abnormally low, not justified).
 *
 * EV13 (1117号(三)(十三)): unclear content, inconsistent statements, obvious calculation errors and possibly-below-cost
 * prices are clarified **before** any rejection. The grounds that rest on such a finding are `clarifyFirst`: a fail
 * mark citing one is refused until a clarification of that bid exists and was answered or has expired
 * (`checkRejectionGround`). `automatic` grounds are never chosen by a member: the platform concludes them from a
 * bidder's answer (a refused or unconfirmed correction, 评标规定19 / 87号令59).
 */

export const GROUND_CODES = [
  "ZTB_51_1_UNSIGNED",
  "ZTB_51_2_CONSORTIUM",
  "ZTB_51_3_UNQUALIFIED",
  "ZTB_51_4_TWO_BIDS",
  "ZTB_51_5_BELOW_COST",
  "ZTB_51_5_ABOVE_CEILING",
  "ZTB_51_6_NOT_RESPONSIVE",
  "ZTB_51_7_COLLUSION",
  "ZTB_EP22_NOT_CLARIFIED",
  "ZTB_EP19_CORRECTION_REFUSED",
  "ZFCG_63_1_NO_BOND",
  "ZFCG_63_2_UNSIGNED",
  "ZFCG_63_3_UNQUALIFIED",
  "ZFCG_63_4_ABOVE_BUDGET",
  "ZFCG_63_5_CONDITIONS",
  "ZFCG_63_6_OTHER",
  "ZFCG_37_COLLUSION",
  "ZFCG_51_NOT_CLARIFIED",
  "ZFCG_60_ABNORMALLY_LOW",
  "ZFCG_59_CORRECTION_REFUSED",
] as const;
export type GroundCode = (typeof GROUND_CODES)[number];

export type Ground = {
  code: GroundCode;
  regime: Regime;
  /** The platform rule the ground belongs to (docs/rules.md). */
  rule: "R43" | "R44";
  /** The legal source, as cited in the report (short form). */
  source: string;
  /** EV13: rejection on this ground needs an answered or expired clarification of the bid first. */
  clarifyFirst: boolean;
  /** Concluded by the platform from the bidder's answer; not offered to members. */
  automatic: boolean;
};

const g = (code: GroundCode, rule: Ground["rule"], source: string, flags: { clarifyFirst?: boolean; automatic?: boolean } = {}): Ground => ({
  code,
  regime: code.startsWith("ZFCG") ? "ZFCG" : "ZTB",
  rule,
  source,
  clarifyFirst: flags.clarifyFirst ?? false,
  automatic: flags.automatic ?? false,
});

/** In the order the law lists them (the order members see and conclusions cite). */
export const GROUNDS: readonly Ground[] = [
  g("ZTB_51_1_UNSIGNED", "R44", "招标投标法实施条例第五十一条第（一）项"),
  g("ZTB_51_2_CONSORTIUM", "R44", "招标投标法实施条例第五十一条第（二）项"),
  g("ZTB_51_3_UNQUALIFIED", "R44", "招标投标法实施条例第五十一条第（三）项"),
  g("ZTB_51_4_TWO_BIDS", "R44", "招标投标法实施条例第五十一条第（四）项"),
  g("ZTB_51_5_BELOW_COST", "R44", "招标投标法实施条例第五十一条第（五）项；评标委员会和评标方法暂行规定第二十一条", { clarifyFirst: true }),
  g("ZTB_51_5_ABOVE_CEILING", "R44", "招标投标法实施条例第五十一条第（五）项"),
  g("ZTB_51_6_NOT_RESPONSIVE", "R44", "招标投标法实施条例第五十一条第（六）项；评标委员会和评标方法暂行规定第二十三条、第二十五条"),
  g("ZTB_51_7_COLLUSION", "R44", "招标投标法实施条例第五十一条第（七）项；评标委员会和评标方法暂行规定第二十条"),
  g("ZTB_EP22_NOT_CLARIFIED", "R44", "评标委员会和评标方法暂行规定第二十二条；发改法规〔2022〕1117号（十三）", { clarifyFirst: true }),
  g("ZTB_EP19_CORRECTION_REFUSED", "R43", "评标委员会和评标方法暂行规定第十九条", { automatic: true }),
  g("ZFCG_63_1_NO_BOND", "R44", "政府采购货物和服务招标投标管理办法（财政部令第87号）第六十三条第（一）项"),
  g("ZFCG_63_2_UNSIGNED", "R44", "财政部令第87号第六十三条第（二）项"),
  g("ZFCG_63_3_UNQUALIFIED", "R44", "财政部令第87号第六十三条第（三）项"),
  g("ZFCG_63_4_ABOVE_BUDGET", "R44", "财政部令第87号第六十三条第（四）项"),
  g("ZFCG_63_5_CONDITIONS", "R44", "财政部令第87号第六十三条第（五）项"),
  g("ZFCG_63_6_OTHER", "R44", "财政部令第87号第六十三条第（六）项、第五十条"),
  g("ZFCG_37_COLLUSION", "R44", "财政部令第87号第三十七条"),
  g("ZFCG_51_NOT_CLARIFIED", "R44", "财政部令第87号第五十一条、第六十三条第（六）项", { clarifyFirst: true }),
  g("ZFCG_60_ABNORMALLY_LOW", "R44", "财政部令第87号第六十条", { clarifyFirst: true }),
  g("ZFCG_59_CORRECTION_REFUSED", "R43", "财政部令第87号第五十九条", { automatic: true }),
];

const BY_CODE = new Map<string, Ground>(GROUNDS.map((x) => [x.code, x]));

export function groundOf(code: string | null | undefined): Ground | undefined {
  return code ? BY_CODE.get(code) : undefined;
}

/** The grounds a member may cite in this regime (in the law's order). */
export function groundsFor(regime: Regime): Ground[] {
  return GROUNDS.filter((x) => x.regime === regime && !x.automatic);
}

/** The ground the platform concludes when a correction is refused or not confirmed in time (评标规定19 / 87号令59). */
export function correctionRefusedGround(regime: Regime): GroundCode {
  return regime === "ZFCG" ? "ZFCG_59_CORRECTION_REFUSED" : "ZTB_EP19_CORRECTION_REFUSED";
}

/** The i18next key of a ground's wording (`rules` namespace). */
export const groundMessageKey = (code: string) => `rules:evaluationGrounds.${code}`;

/** Why a fail mark's ground is refused (R44, EV13), or null when it may be saved. */
export type GroundProblem = "unknown" | "clarify_first";

/**
 * R44/EV12/EV13: a fail cites one of this regime's grounds that members may choose; a clarify-first ground needs a
 * clarification of the bid that was answered or has expired (`clarified`).
 */
export function checkRejectionGround(regime: Regime, code: string | null | undefined, clarified: boolean): GroundProblem | null {
  const ground = groundOf(code);
  if (!ground || ground.regime !== regime || ground.automatic) return "unknown";
  if (ground.clarifyFirst && !clarified) return "clarify_first";
  return null;
}

/** Catalogue order of a ground (unknown codes last), for deterministic conclusions. */
export function groundRank(code: string): number {
  const i = GROUND_CODES.indexOf(code as GroundCode);
  return i < 0 ? GROUND_CODES.length : i;
}
