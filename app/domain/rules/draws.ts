import { violation, type RuleViolation } from "./violations";

/**
 * R36: the evaluation committee stays secret until the result is public. Revealing a draw's
 * server seed lets anyone re-run it and so names the committee; until the results stage
 * exists, the reveal waits until the section's evaluation time has passed (database clock).
 */
export function checkDrawReveal(now: Date, sectionEvaluationAt: Date, at: string): RuleViolation[] {
  return now.getTime() < sectionEvaluationAt.getTime() ? [violation("RULE_R36_REVEAL_TOO_EARLY", { at })] : [];
}
