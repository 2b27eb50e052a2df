/**
 * What the public sees as a tender's state (computed from the announcement, the clock and, once the bid deadline
 * has passed, the sections' results stage: R51 candidate publicity, R56/R58 result announcement and contract).
 */
export type ResultsPhase = "publicity" | "awarded" | "contracted";
export type PortalStatus = "bidding" | "closed" | ResultsPhase | "suspended" | "terminated";
export const PORTAL_STATUSES: PortalStatus[] = ["bidding", "closed", "publicity", "awarded", "contracted", "suspended", "terminated"];
export const RESULTS_PHASES: ResultsPhase[] = ["publicity", "awarded", "contracted"];

export function portalStatusOf(p: { status: "draft" | "published" | "suspended" | "terminated"; bidDeadline: Date }, now: Date, phase: ResultsPhase | null = null): PortalStatus | "draft" {
  if (p.status === "published") return now < p.bidDeadline ? "bidding" : (phase ?? "closed");
  return p.status;
}

type SectionStatus = "draft" | "published" | "bidding_closed" | "opening" | "opened" | "failed" | "evaluating" | "evaluated" | "publicity" | "awarded" | "contracted" | "archived" | "terminated";
type ResultStage = "publicity_due" | "publicity" | "suspended" | "recheck" | "decision" | "decided" | "notified" | "contracted" | "archived" | "ended";

export type SectionPhaseInput = { status: SectionStatus; stage: ResultStage | null; contracted: boolean };

/** Sections that will see no further result: failed, terminated, contracted, archived. */
const DONE: SectionStatus[] = ["failed", "terminated", "contracted", "archived"];

/**
 * A project's results phase from its sections (mirrored in SQL by tender-queries.server.ts `resultsPhaseSql`; the
 * integration test checks both agree):
 * - `publicity` (公示中): some section's candidate publicity runs (R51), suspended by an objection included (R52);
 * - `contracted` (已签约): every section is done and at least one has a recorded contract (R56/R58);
 * - `awarded` (已定标): some section's result is announced (notices issued, R56) or contracted, others still open;
 * - null: no public result yet (the list shows "closed").
 * A winner decided but not yet announced is not public (the announcement is issued with the notices).
 */
export function resultsPhaseOf(sections: SectionPhaseInput[]): ResultsPhase | null {
  if (sections.some((s) => s.stage === "publicity" || s.stage === "suspended")) return "publicity";
  const anyContract = sections.some((s) => s.contracted);
  if (anyContract && sections.every((s) => DONE.includes(s.status))) return "contracted";
  if (anyContract || sections.some((s) => s.stage === "notified")) return "awarded";
  return null;
}

/**
 * One section's stage as the public reads it (`portal:results.stages.<key>`): the results stage once the report is
 * signed, else the section's own status.
 */
export type SectionPublicStage = SectionStatus | "publicity_due" | "publicity_suspended" | "recheck" | "decision" | "decided" | "ended";

export function sectionPublicStage(s: SectionPhaseInput): SectionPublicStage {
  switch (s.stage) {
    case null:
      return s.status;
    case "suspended":
      return "publicity_suspended";
    case "notified":
      return "awarded";
    case "archived":
      return "archived";
    default:
      return s.stage;
  }
}
