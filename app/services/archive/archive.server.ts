import { eq } from "drizzle-orm";
import type { Executor } from "#db/client";
import { projects, sectionResults, sections, type Project, type Section } from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { hasPermission } from "#app/domain/permissions";
import { getProfile } from "#app/domain/rules/profiles";
import type { Actor } from "../platform/actor";
import { requirePermission, runCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { managesProject } from "../tendering/tenders.server";
import { archiveContents, type ArchiveContents } from "./contents.server";
import { retentionEnd, retentionYears } from "./layout";

type Ctx = Pick<AppContext, "db" | "blobs" | "config">;

/**
 * Who may export a project's archive (R59–R61; docs/archive.md): its tendering unit and its agency (as
 * report.server.ts lets them read the signed report: the organisation and the role), and supervisors, who oversee
 * every tender. Bidders, experts, admins and the public may not — they get NOT_FOUND, as for a project that does not
 * exist.
 */
export function mayExport(actor: Actor, p: Pick<Project, "tenderingUnitId" | "agencyId">): boolean {
  if (!actor.user) return false;
  return managesProject(actor, p) || hasPermission(actor.roles, "supervise:read");
}

export type PreparedExport = { contents: ArchiveContents; asciiName: string; name: string };

/**
 * Prepares an export: checks the exporter, reads the archive's contents and writes the export to the record
 * (`archive.exported`, with the manifest's SHA-256 and the chain head it covers) before any byte is sent. NOT_FOUND for
 * a malformed id, an unknown project or an exporter who may not.
 */
export async function prepareArchiveExport(ctx: Ctx, actor: Actor, projectId: string): Promise<PreparedExport> {
  if (!isUuid(projectId) || !actor.user) throw new DomainError("NOT_FOUND");
  const [p] = await ctx.db.select({ id: projects.id, code: projects.code, tenderingUnitId: projects.tenderingUnitId, agencyId: projects.agencyId }).from(projects).where(eq(projects.id, projectId));
  if (!p || !mayExport(actor, p)) throw new DomainError("NOT_FOUND");
  const contents = await archiveContents(ctx, projectId);
  await runCommand(ctx, actor, "archive.exported", async () => ({
    result: undefined,
    subjectType: "project",
    subjectId: projectId,
    payload: {
      manifestSha256: contents.manifestSha256,
      files: contents.entries.length,
      bytes: contents.entries.reduce((n, e) => n + e.size, 0),
      withheld: contents.withheld.length,
      recordHead: contents.head,
    },
  }));
  const stamp = contents.exportedAt.toISOString().slice(0, 10).replace(/-/g, "");
  return { contents, asciiName: `archive-${p.code}-${stamp}.zip`, name: `交易档案-${p.code}-${stamp}.zip` };
}

/** Whether the actor may archive the section's project (the tendering unit or its agency: R59). */
async function lockManaged(db: Executor, actor: Actor, sectionId: string): Promise<{ section: Section; project: Project }> {
  requirePermission(actor, "tender:manage");
  if (!isUuid(sectionId)) throw new DomainError("NOT_FOUND");
  const [row] = await db.select({ section: sections, project: projects }).from(sections).innerJoin(projects, eq(projects.id, sections.projectId)).where(eq(sections.id, sectionId)).for("update", { of: sections });
  if (!row || !managesProject(actor, row.project)) throw new DomainError("NOT_FOUND");
  return row;
}

/** Section statuses that end a section without a contract: it may be archived as it stands (R59). */
const ENDED: readonly Section["status"][] = ["failed", "terminated"];

export type ArchivedSection = { archivedAt: string; retainUntil: string; retentionYears: number };

/**
 * Archives a section (归档, R59, R61): once its contract is recorded (section_results.stage `contracted`), or once it
 * ended without one (results stage `ended`; section status `failed` or `terminated`), the results stage becomes
 * `archived`, the section status `archived`, and `archivedAt` / `retainUntil` (the archive day in China time plus the
 * retention years: the rule profile's `retentionYears`, 15, or ARCHIVE_RETENTION_YEARS) are set. A section ended before
 * any report has no results row: its retention end is in the record entry. INVALID_STATE otherwise (already archived
 * included). The tendering unit or the agency of the project.
 */
export async function archiveSection(ctx: Pick<AppContext, "db" | "config">, actor: Actor, sectionId: string): Promise<ArchivedSection> {
  return runCommand(ctx, actor, "section.archived", async ({ tx, now }) => {
    const { section, project } = await lockManaged(tx, actor, sectionId);
    const [result] = await tx.select().from(sectionResults).where(eq(sectionResults.sectionId, sectionId)).for("update");
    const archivable = section.status !== "archived" && (result ? result.stage === "contracted" || result.stage === "ended" || ENDED.includes(section.status) : ENDED.includes(section.status));
    if (!archivable) throw new DomainError("INVALID_STATE", { status: section.status, stage: result?.stage ?? "none" });
    const years = retentionYears(getProfile(project.profileCode), ctx.config.archiveRetentionYears);
    const retainUntil = retentionEnd(now, years);
    if (result) await tx.update(sectionResults).set({ stage: "archived", archivedAt: now, retainUntil }).where(eq(sectionResults.sectionId, sectionId));
    await tx.update(sections).set({ status: "archived" }).where(eq(sections.id, sectionId));
    return {
      result: { archivedAt: now.toISOString(), retainUntil, retentionYears: years },
      subjectType: "section",
      subjectId: sectionId,
      payload: { projectId: project.id, fromStatus: section.status, fromStage: result?.stage ?? null, archivedAt: now.toISOString(), retainUntil, retentionYears: years },
    };
  });
}
