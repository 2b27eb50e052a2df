import type { SectionFacts } from "./limits";

/**
 * The lifecycle stage a supervisor's dashboard groups a section by (R63: 全流程电子监督), derived from the same facts
 * as its limits (limits.ts) so the stage and the light never disagree:
 * - `ended`: the section left the procedure without an award (`endedAt`: termination R13, failed opening R25/R27,
 *   failed evaluation R45, results ended R52);
 * - `completed`: the contract is recorded (R56/R57);
 * - `contract`: the notices are issued, the contract is due (R56);
 * - `decision`: the winner is being decided or decided and the notices are due (R55, R57, R56);
 * - `publicity`: the candidates' publicity is due or running, or suspended by an objection (R51, R52);
 * - `evaluation`: an evaluation is booked or running, or the report is waiting to be signed (R41–R50);
 * - `opening`: the hall is open or has closed and no evaluation is booked yet (R24–R28);
 * - `tendering`: published, bids not yet opened (R5–R22);
 * - `draft`: not published.
 */
export const STAGES = ["draft", "tendering", "opening", "evaluation", "publicity", "decision", "contract", "completed", "ended"] as const;
export type SupervisionStage = (typeof STAGES)[number];

export function sectionStage(facts: SectionFacts): SupervisionStage {
  if (facts.endedAt) return "ended";
  if (facts.contract) return "completed";
  const r = facts.results;
  if (r) {
    if (r.notifiedAt) return "contract";
    if (r.decidedAt || r.decisionDueAt || r.publicityEndedAt) return "decision";
    if (facts.regime === "ZTB") return "publicity";
    return "decision";
  }
  if (facts.evaluation) return "evaluation";
  if (facts.opening) return "opening";
  if (facts.tender) return "tendering";
  return "draft";
}
