/**
 * City–county supervision (阳泉's 市县两级监管, R63/R64): a supervision organisation supervises the projects whose
 * region starts with its jurisdiction — a city department ("黑龙江省大庆市") every project of the city and its counties,
 * a county department ("黑龙江省大庆市肇州县") only its county. Regions are the free-text 行政区划 names the tender form
 * records (省 + 市 + 县/区), so a prefix is the administrative hierarchy. An empty jurisdiction supervises every region
 * (a platform-wide supervisor).
 */

export type SupervisorOrg = { id: string; name: string; jurisdiction: string | null; region: string };

/** The region prefix an organisation supervises: its jurisdiction, or its own region when none is set. */
export function jurisdictionOf(org: Pick<SupervisorOrg, "jurisdiction" | "region">): string {
  return (org.jurisdiction ?? org.region).trim();
}

export function covers(jurisdiction: string, region: string): boolean {
  return region.startsWith(jurisdiction);
}

/**
 * The supervising department (行业监督部门) of a project's region: the supervision organisation whose jurisdiction is
 * the longest prefix of it (the county before the city), ties broken by name then id; null when none covers it.
 */
export function supervisingOrg(orgs: readonly SupervisorOrg[], region: string): SupervisorOrg | null {
  let best: SupervisorOrg | null = null;
  for (const o of orgs) {
    const j = jurisdictionOf(o);
    if (!covers(j, region)) continue;
    if (!best) {
      best = o;
      continue;
    }
    const bj = jurisdictionOf(best);
    if (j.length > bj.length || (j.length === bj.length && (o.name < best.name || (o.name === best.name && o.id < best.id)))) best = o;
  }
  return best;
}
