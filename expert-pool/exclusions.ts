/**
 * Conflict-aware eligibility (R39 ZTB, R40 ZFCG, R41, R33, R35–R36): every candidate that may
 * not serve is excluded with the rule that excludes it. Pure: the caller passes the data and
 * the evaluation date; nothing is looked up here.
 */
export type DateRange = { from: string; to: string | null }; // YYYY-MM-DD, to = null: ongoing

export type ExpertRecord = {
  id: string;
  status: "active" | "suspended" | "retired" | "blacklisted";
  /** Previously punished for tendering/evaluation offences (R39.4). */
  punished: boolean;
  region: string;
  specialties: readonly string[];
  employerOrgId: string | null;
  /** Dated employment history, the current employer included. */
  employment: readonly ({ orgId: string } & DateRange)[];
  /** Shareholdings, directorships, declared relatives' organisations (R39.1/3, R40.2–4). */
  relationships: readonly ({ orgId: string; kind: "shareholding" | "directorship" | "relative" } & DateRange)[];
  unavailable: readonly DateRange[];
};

export type DrawContext = {
  /** The evaluation date (China calendar date). */
  evaluationDate: string;
  tenderingUnitId: string;
  agencyId: string | null;
  /** Bidders of the section (known after the deadline; empty before). */
  bidderOrgIds: readonly string[];
  /** The supervising department(s) of the project (R39.2: their staff may not serve). */
  supervisingOrgIds: readonly string[];
  /** local: same region as the project; remote (异地): another region (R68). */
  region: { mode: "local" | "remote" | "any"; projectRegion: string };
  /** How often each expert was drawn for this tendering unit in the rotation window, and the cap. */
  rotation: { counts: ReadonlyMap<string, number>; cap: number };
  /** Manual avoidance with a written reason (R39/R40 "other relationships"). */
  avoid: ReadonlyMap<string, string>;
  /** Conflict look-back in years (R40: 3 years). */
  lookbackYears: number;
};

export type Exclusion = { expertId: string; rule: string; code: string; params: Record<string, string | number> };

function overlaps(r: DateRange, from: string, to: string): boolean {
  return r.from <= to && (r.to === null || r.to >= from);
}

function yearsBefore(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) - years;
  return `${String(y).padStart(4, "0")}${date.slice(4)}`;
}

/** The first rule that excludes the expert, or null when it may serve. Order: status first, then conflicts. */
export function exclusionFor(e: ExpertRecord, ctx: DrawContext, sets = conflictSets(ctx)): Exclusion | null {
  const x = (rule: string, code: string, params: Record<string, string | number> = {}): Exclusion => ({ expertId: e.id, rule, code, params });
  if (e.status === "blacklisted") return x("R39", "EXCLUDED_BLACKLISTED");
  if (e.status === "suspended") return x("R39", "EXCLUDED_SUSPENDED");
  if (e.status === "retired") return x("R33", "EXCLUDED_RETIRED");
  if (e.punished) return x("R39", "EXCLUDED_PUNISHED");
  const avoid = ctx.avoid.get(e.id);
  if (avoid !== undefined) return x("R39", "EXCLUDED_MANUAL", { reason: avoid });
  const conflict = conflictFor(e, ctx, sets);
  if (conflict) return conflict;
  if (e.unavailable.some((u) => overlaps(u, ctx.evaluationDate, ctx.evaluationDate))) return x("R36", "EXCLUDED_UNAVAILABLE", { date: ctx.evaluationDate });
  if (ctx.region.mode === "local" && e.region !== ctx.region.projectRegion) return x("R68", "EXCLUDED_NOT_LOCAL", { region: e.region });
  if (ctx.region.mode === "remote" && e.region === ctx.region.projectRegion) return x("R68", "EXCLUDED_NOT_REMOTE", { region: e.region });
  const drawn = ctx.rotation.counts.get(e.id) ?? 0;
  if (drawn >= ctx.rotation.cap) return x("R35", "EXCLUDED_ROTATION_CAP", { drawn, cap: ctx.rotation.cap });
  return null;
}

/**
 * The conflict of interest alone (R39.2, R40.1–4): employment in the look-back window, the current employer, or a
 * declared relationship with a party (tendering unit, agency, a bidder), or staff of a supervising department. This
 * is what the re-screen applies to experts already drawn once the bidders are known (R37, R39/R40): status,
 * region, availability and rotation were settled by the draw itself.
 */
export function conflictFor(
  e: Pick<ExpertRecord, "id" | "employerOrgId" | "employment" | "relationships">,
  ctx: Pick<DrawContext, "evaluationDate" | "lookbackYears" | "tenderingUnitId" | "agencyId" | "bidderOrgIds" | "supervisingOrgIds">,
  sets = conflictSets(ctx),
): Exclusion | null {
  const x = (rule: string, code: string, params: Record<string, string | number> = {}): Exclusion => ({ expertId: e.id, rule, code, params });
  const since = yearsBefore(ctx.evaluationDate, ctx.lookbackYears);
  for (const job of e.employment) {
    if (!overlaps(job, since, ctx.evaluationDate)) continue;
    if (sets.supervising.has(job.orgId)) return x("R39", "EXCLUDED_SUPERVISOR_STAFF", { org: job.orgId });
    const party = sets.parties.get(job.orgId);
    if (party) return x("R40", "EXCLUDED_EMPLOYMENT", { org: job.orgId, party, years: ctx.lookbackYears });
  }
  if (e.employerOrgId) {
    if (sets.supervising.has(e.employerOrgId)) return x("R39", "EXCLUDED_SUPERVISOR_STAFF", { org: e.employerOrgId });
    const party = sets.parties.get(e.employerOrgId);
    if (party) return x("R40", "EXCLUDED_EMPLOYMENT", { org: e.employerOrgId, party, years: ctx.lookbackYears });
  }
  for (const r of e.relationships) {
    if (!overlaps(r, since, ctx.evaluationDate)) continue;
    const party = sets.parties.get(r.orgId);
    if (party) return x("R40", "EXCLUDED_RELATIONSHIP", { org: r.orgId, kind: r.kind, party });
  }
  return null;
}

/** The organisations an expert may not be linked to, by role (tendering unit, agency, bidder). */
export function conflictSets(ctx: Pick<DrawContext, "tenderingUnitId" | "agencyId" | "bidderOrgIds" | "supervisingOrgIds">) {
  const parties = new Map<string, "tendering_unit" | "agency" | "bidder">();
  for (const b of ctx.bidderOrgIds) parties.set(b, "bidder");
  if (ctx.agencyId) parties.set(ctx.agencyId, "agency");
  parties.set(ctx.tenderingUnitId, "tendering_unit");
  return { parties, supervising: new Set(ctx.supervisingOrgIds) };
}

/** Splits the pool into eligible candidates and exclusions (each with its rule). */
export function screenPool(experts: readonly ExpertRecord[], ctx: DrawContext) {
  const sets = conflictSets(ctx);
  const eligible: ExpertRecord[] = [];
  const excluded: Exclusion[] = [];
  for (const e of experts) {
    const ex = exclusionFor(e, ctx, sets);
    if (ex) excluded.push(ex);
    else eligible.push(e);
  }
  return { eligible, excluded };
}

/** A drawn expert still live on a draw (R37): a member (invited/confirmed) or a backup on standby. */
export type LivePick<P> = { pick: P; standby: boolean; expert: Pick<ExpertRecord, "id" | "employerOrgId" | "employment" | "relationships">; evaluationDate: string };

/**
 * The re-screen once the bidders are known (R37, R39/R40): the conflicted picks with their exclusion, in the order
 * they must be replaced — conflicted standby backups first (so none of them is promoted into a member's place),
 * then the conflicted members, each group in the given (draw) order. An empty bidder list changes nothing that the
 * draw did not already screen, so the caller may skip it.
 */
export function rescreenPicks<P>(
  picks: readonly LivePick<P>[],
  ctx: Pick<DrawContext, "lookbackYears" | "tenderingUnitId" | "agencyId" | "bidderOrgIds" | "supervisingOrgIds">,
): { pick: P; exclusion: Exclusion }[] {
  const sets = conflictSets(ctx);
  const hits = picks.flatMap((p) => {
    const exclusion = conflictFor(p.expert, { ...ctx, evaluationDate: p.evaluationDate }, sets);
    return exclusion ? [{ p, exclusion }] : [];
  });
  return [...hits.filter((h) => h.p.standby), ...hits.filter((h) => !h.p.standby)].map((h) => ({ pick: h.p.pick, exclusion: h.exclusion }));
}
