/**
 * How a draw's stored facts read to people (page and signed draw record alike): exclusion
 * parameters that are codes are translated, and an R37 shortfall says what follows from it.
 * Pure and isomorphic; `t` is the caller's i18next translator.
 */
type T = (key: string, params?: Record<string, unknown>) => string;

export type DrawLineSpec = { specialty: string; count: number; backups: number };
export type Shortfall = { specialty: string; wanted: number; available: number };

/** The parameters of an exclusion reason with the conflict party and relationship kind translated. */
export function exclusionParams(params: Record<string, string | number>, t: T): Record<string, string | number> {
  const out = { ...params };
  if (typeof params.party === "string") out.party = t(`pool:parties.${params.party}`);
  if (typeof params.kind === "string") out.kind = t(`pool:relationshipKinds.${params.kind}`);
  return out;
}

/** The translated reason an expert was left out of a draw. */
export function exclusionReason(x: { code: string; params: Record<string, string | number> }, t: T): string {
  return t(`pool:exclusions.${x.code}`, exclusionParams(x.params, t));
}

/**
 * A line short of eligible experts (R37): members missing mean the committee cannot be
 * formed until a supplementary draw (with wider criteria) fills it; only backups missing
 * mean it is formed, but a decline may leave it short later.
 */
export function shortfallOf(s: Shortfall, lines: readonly DrawLineSpec[]) {
  const members = lines.find((l) => l.specialty === s.specialty)?.count ?? s.wanted;
  const missing = Math.max(0, s.wanted - s.available);
  const membersShort = Math.max(0, members - s.available);
  return { ...s, missing, membersShort, backupsShort: missing - membersShort, committeeShort: membersShort > 0 };
}

/** The shortfall and what happens next, as sentences. */
export function shortfallText(s: Shortfall, lines: readonly DrawLineSpec[], t: T): string[] {
  const f = shortfallOf(s, lines);
  return [t("pool:draw.shortfall", f), f.committeeShort ? t("pool:draw.shortfallMembers", f) : t("pool:draw.shortfallBackups", f)];
}
