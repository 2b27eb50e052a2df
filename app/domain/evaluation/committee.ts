import type { RuleProfile } from "../rules/profiles";
import type { RuleViolation } from "../rules/violations";
import type { Regime } from "./method";
import { evaluationViolation as v } from "./violations";

/**
 * R32 committee composition, from the profile's numbers (app/domain/rules/profiles.ts `committee`):
 * - ZTB (法37, 评标规定9): ≥ 5 members, an odd number, experts ≥ 2/3; the tendering unit's representative sits as a
 *   non-expert member.
 * - ZFCG (87号令47): the same, ≥ 7 from a budget of ¥10M (以上 includes it); the purchaser's representative is a
 *   non-expert member and may not chair (87号令45(四), EV3). 竞争性磋商/谈判 committees are ≥ 3 (pass
 *   `ZFCG_CONSULTATION_COMMITTEE`).
 * Test: n odd, n ≥ min, 3·experts ≥ 2·n.
 */

export type CommitteeRule = RuleProfile["committee"];

/** 竞争性磋商 / 竞争性谈判: 3 or more, odd, experts ≥ 2/3 (采购法38, 财库〔2014〕214号 ◐); the ¥10M rule does not apply. */
export const ZFCG_CONSULTATION_COMMITTEE: CommitteeRule = { min: 3, minLargeBudget: null, largeBudgetThresholdFen: null, expertShareNumerator: 2, expertShareDenominator: 3 };

export type CommitteeMember = { id: string; kind: "expert" | "representative"; chair?: boolean };

export function checkCommittee(
  rule: CommitteeRule,
  args: { regime: Regime; budgetFen?: number | null; members: readonly CommitteeMember[]; representativesAllowed?: boolean },
): RuleViolation[] {
  const out: RuleViolation[] = [];
  const n = args.members.length;
  const experts = args.members.filter((m) => m.kind === "expert").length;
  const reps = n - experts;
  if (args.budgetFen != null && !Number.isSafeInteger(args.budgetFen)) throw new RangeError("budgetFen must be an integer number of fen");
  const large = rule.minLargeBudget !== null && rule.largeBudgetThresholdFen !== null && args.budgetFen != null && args.budgetFen >= rule.largeBudgetThresholdFen;
  const min = large ? Math.max(rule.min, rule.minLargeBudget!) : rule.min;
  if (n < min) out.push(v("RULE_R32_TOO_FEW_MEMBERS", { count: n, min }));
  if (n % 2 === 0) out.push(v("RULE_R32_EVEN_MEMBERS", { count: n }));
  if (experts * rule.expertShareDenominator < rule.expertShareNumerator * n) {
    out.push(v("RULE_R32_EXPERT_SHARE", { experts, count: n, share: `${rule.expertShareNumerator}/${rule.expertShareDenominator}` }));
  }
  if (reps > 0 && args.representativesAllowed === false) out.push(v("RULE_R32_REPRESENTATIVE_NOT_ALLOWED", { count: reps }));
  if (args.regime === "ZFCG" && args.members.some((m) => m.kind === "representative" && m.chair)) out.push(v("RULE_R32_REPRESENTATIVE_CHAIR", {}));
  return out;
}
