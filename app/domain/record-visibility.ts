/**
 * Who may see the actor (name, username, organisation, IP) of a record entry (R9, ADR 007, ADR 010). The entry itself
 * — its time, action, subject and hashes — is shown to every reader of the record, so the chain stays complete and
 * verifiable; only the names are withheld.
 *
 * - `document.obtain` — who obtained the tender documents is known only to the project's tendering unit and agency
 *   and to supervisors (R9).
 * - `objection.file`, `opening.objection_raised` — objections are formal acts shown with the objector to the tender
 *   side and supervisors (ADR 007, ADR 011), not to others.
 * - `question.ask` — askers are anonymous even to the tender side (ADR 007); supervisors, who oversee the tender, see
 *   them.
 * - bid entries (`bid.*`) stay without actor until the section's bid deadline (ADR 010), for everyone.
 */
export type ActorAudience = "tender_side" | "supervisors";

export const CONFIDENTIAL_ACTIONS: Readonly<Record<string, ActorAudience>> = {
  "document.obtain": "tender_side",
  "objection.file": "tender_side",
  "opening.objection_raised": "tender_side",
  "question.ask": "supervisors",
};

export type RecordViewer = { supervisor: boolean; managesProject: boolean };

/** Whether `viewer` may see who did `action` (false → the entry is shown without actor and organisation). */
export function actorVisible(action: string, viewer: RecordViewer, sealedBid = false): boolean {
  if (sealedBid) return false;
  const audience = CONFIDENTIAL_ACTIONS[action];
  if (!audience) return true;
  if (viewer.supervisor) return true;
  return audience === "tender_side" && viewer.managesProject;
}

/** Actions whose actor only supervisors (never the tender side) may see. */
export const SUPERVISOR_ONLY_ACTIONS = Object.entries(CONFIDENTIAL_ACTIONS).filter(([, a]) => a === "supervisors").map(([k]) => k);
/** Actions whose actor the project's tender side and supervisors may see. */
export const TENDER_SIDE_ACTIONS = Object.entries(CONFIDENTIAL_ACTIONS).filter(([, a]) => a === "tender_side").map(([k]) => k);
