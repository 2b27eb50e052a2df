import { asc, eq } from "drizzle-orm";
import type { Executor } from "#db/client";
import { projects, sections } from "#db/schema/index";
import { assertArrayBounds } from "#app/domain/form-input";
import { sectionMethod } from "#app/domain/evaluation/section-method";
import { isUuid } from "#app/domain/ids";
import {
  MAX_ADJUSTMENTS_PER_SECTION,
  MAX_CRITERIA_PER_SECTION,
  MAX_CUSTODIANS,
  MAX_POLICY_DEDUCTIONS,
  MAX_REVIEW_ITEMS_PER_SECTION,
  MAX_SECTIONS_PER_TENDER,
  MAX_TIE_STEPS,
  MAX_TRIM_ROWS,
} from "#app/domain/limits";
import { defaultMethodConfig, lowestKindOf, methodFormValues } from "#app/domain/method-form";
import { parseProjectFormData, toCstInput } from "#app/domain/tender-form";
import type { Actor } from "../platform/actor";
import { managesProject } from "./tenders.server";
import { listAgencies, listTenderingUnits } from "./tender-queries.server";

/** The arrays of the project form and their bounds, checked on the field names before Conform builds them. */
const PROJECT_FORM_ARRAYS = {
  sections: MAX_SECTIONS_PER_TENDER,
  "sections.criteria": MAX_CRITERIA_PER_SECTION,
  "sections.review": MAX_REVIEW_ITEMS_PER_SECTION,
  "sections.trim": MAX_TRIM_ROWS,
  "sections.policyDeductions": MAX_POLICY_DEDUCTIONS,
  "sections.adjustments": MAX_ADJUSTMENTS_PER_SECTION,
  "sections.tieChain": MAX_TIE_STEPS,
  custodians: MAX_CUSTODIANS,
};

/**
 * Parses the project form (Conform + Zod, parseProjectFormData): field errors keyed by name, e.g.
 * `sections[0].criteria[2].max`. An index beyond an array's bound (`sections[50]`, `sections[0].criteria[40]`) is
 * refused first (DomainError TOO_MANY_ITEMS), so no oversized array is ever built. A row button's submission
 * (status undefined) is only shown again, never saved.
 */
export function parseProjectForm(form: FormData) {
  assertArrayBounds(form.keys(), PROJECT_FORM_ARRAYS);
  return parseProjectFormData(form);
}

/** The choices the form offers: an agency picks the tendering unit; a tendering unit may name an agency. */
export async function projectFormOptions(db: Executor, actor: Actor) {
  const isAgency = actor.roles.includes("agency") && !actor.roles.includes("tendering_unit");
  return isAgency ? { tenderingUnits: await listTenderingUnits(db), agencies: undefined } : { tenderingUnits: undefined, agencies: await listAgencies(db) };
}

/** A draft as form values (strings, China time) for editing. */
export async function projectFormValues(db: Executor, actor: Actor, projectId: string) {
  if (!isUuid(projectId)) return null;
  const [p] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!p || !managesProject(actor, p)) return null;
  const secs = await db.select().from(sections).where(eq(sections.projectId, projectId)).orderBy(asc(sections.seq));
  const yuan = (fen: number | null) => (fen == null ? "" : String(fen / 100));
  const keyModel = secs[0]?.keyModel;
  return {
    status: p.status,
    values: {
      code: p.code,
      title: p.title,
      regime: p.regime,
      mustTender: p.mustTender,
      fundingControl: p.stateFunded ? "state" : "other",
      category: p.category,
      region: p.region,
      location: p.location,
      description: p.description,
      fundingSource: p.fundingSource,
      agencyId: p.agencyId,
      tenderingUnitId: p.tenderingUnitId,
      estimateYuan: yuan(p.estimateFen),
      contactName: p.notice.contactName ?? "",
      contactPhone: p.notice.contactPhone ?? "",
      obtainMethod: p.notice.obtainMethod ?? "",
      qualification: p.notice.qualification ?? "",
      documentsFrom: toCstInput(p.documentsFrom),
      documentsUntil: toCstInput(p.documentsUntil),
      questionDeadline: toCstInput(p.questionDeadline),
      bidDeadline: toCstInput(p.bidDeadline),
      decryptionWindowMinutes: String(p.decryptionWindowMinutes),
      evaluationStart: toCstInput(p.evaluationStart),
      reviewRoom: p.reviewRoom,
      keyModel: keyModel?.model ?? "bidder_with_custodian_fallback",
      keyThreshold: String(keyModel?.threshold || 2),
      custodians: keyModel?.custodians ?? [],
      sections: secs.map((s) => ({
        code: s.code,
        title: s.title,
        ceilingPriceYuan: yuan(s.ceilingPriceFen),
        bondYuan: yuan(s.bondFen),
        ...methodFormValues(storedMethod(s.evaluation, p.regime)),
      })),
    },
  };
}

/** A draft's method (a MethodConfig, or the earlier form's spec converted); the regime's default if unreadable. */
function storedMethod(stored: unknown, regime: "ZTB" | "ZFCG") {
  try {
    return sectionMethod(stored, regime);
  } catch {
    return defaultMethodConfig(lowestKindOf(regime));
  }
}
