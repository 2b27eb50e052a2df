import { parseWithZod } from "@conform-to/zod";
import { asc, eq } from "drizzle-orm";
import type { Executor } from "#db/client";
import { projects, sections } from "#db/schema/index";
import { assertArrayBounds } from "#app/domain/form-input";
import { isUuid } from "#app/domain/ids";
import { MAX_CRITERIA_PER_SECTION, MAX_CUSTODIANS, MAX_SECTIONS_PER_TENDER } from "#app/domain/limits";
import { ProjectFormSchema, toCstInput } from "#app/domain/tender-form";
import type { Actor } from "../platform/actor";
import { managesProject } from "./tenders.server";
import { listAgencies, listTenderingUnits } from "./tender-queries.server";

/** The arrays of the project form and their bounds, checked on the field names before Conform builds them. */
const PROJECT_FORM_ARRAYS = { sections: MAX_SECTIONS_PER_TENDER, "sections.criteria": MAX_CRITERIA_PER_SECTION, custodians: MAX_CUSTODIANS };

/**
 * Parses the project form (Conform + Zod): field errors keyed by name, e.g. `sections[0].title`.
 * An index beyond an array's bound (`sections[50]`, `sections[0].criteria[20]`) is refused
 * first (DomainError TOO_MANY_ITEMS), so no oversized array is ever built.
 */
export function parseProjectForm(form: FormData) {
  assertArrayBounds(form.keys(), PROJECT_FORM_ARRAYS);
  return parseWithZod(form, { schema: ProjectFormSchema });
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
        method: s.evaluation.method,
        priceFormula: s.evaluation.priceFormula ?? "lowest_over_price",
        criteria: s.evaluation.criteria.map((c) => ({ code: c.code, name: c.name, kind: c.kind, weight: String(c.weight), max: String(c.max) })),
      })),
    },
  };
}
