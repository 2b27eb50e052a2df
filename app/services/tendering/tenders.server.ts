import { and, count, eq, inArray, max, sql } from "drizzle-orm";
import type { Tx } from "#db/client";
import {
  amendments,
  documentDownloads,
  objections,
  organisations,
  projects,
  questions,
  sections,
  tenderDocuments,
  type Project,
} from "#db/schema/index";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { regimeOf } from "#app/domain/evaluation/method";
import { sectionMethod } from "#app/domain/evaluation/section-method";
import { validateMethod } from "#app/domain/evaluation/validate";
import { amendmentEffect, checkObjectionFiling, objectionAnswerDue, validatePublication } from "#app/domain/rules/tender";
import { getProfile } from "#app/domain/rules/profiles";
import type { RuleViolation } from "#app/domain/rules/violations";
import { formatCst, type ProjectForm } from "#app/domain/tender-form";
import type { Actor } from "../platform/actor";
import { runCommand, requirePermission } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { loadCalendar } from "./calendar.server";
import { channels } from "../platform/live-channels.server";
import { notifyOrganisations } from "../platform/notify.server";
import { createOpeningKeys, flagBidsSealedBefore } from "../bids/bids.server";
import { scheduleOpening } from "../opening/opening.server";
import { publishRelease } from "../open-data/releases.server";

type Ctx = Pick<AppContext, "db">;

/** Projects the actor may manage: its organisation is the tendering unit or the agency (scoped layer). */
export function managesProject(actor: Actor, p: Pick<Project, "tenderingUnitId" | "agencyId">): boolean {
  if (!actor.orgId) return false;
  if (actor.roles.includes("tendering_unit") && p.tenderingUnitId === actor.orgId) return true;
  return actor.roles.includes("agency") && p.agencyId === actor.orgId;
}

/** Whether the actor manages the project (no lock; for read paths). */
export async function managesProjectById(db: Ctx["db"], actor: Actor, projectId: string): Promise<boolean> {
  if (!isUuid(projectId)) return false;
  const [p] = await db.select({ tenderingUnitId: projects.tenderingUnitId, agencyId: projects.agencyId }).from(projects).where(eq(projects.id, projectId));
  return !!p && managesProject(actor, p);
}

async function lockProject(tx: Tx, projectId: string): Promise<Project> {
  if (!isUuid(projectId)) throw new DomainError("NOT_FOUND"); // a malformed id names nothing (PostgreSQL would refuse it)
  const [p] = await tx.select().from(projects).where(eq(projects.id, projectId)).for("update");
  if (!p) throw new DomainError("NOT_FOUND");
  return p;
}

async function lockManagedProject(tx: Tx, actor: Actor, projectId: string): Promise<Project> {
  requirePermission(actor, "tender:manage");
  const p = await lockProject(tx, projectId);
  if (!managesProject(actor, p)) throw new DomainError("NOT_FOUND"); // do not reveal others' projects
  return p;
}

function searchTextOf(f: { code: string; title: string; region: string; location: string; description: string }, orgNames: string[]) {
  return [f.code, f.title, f.region, f.location, f.description.slice(0, 500), ...orgNames].join(" ").toLowerCase();
}

function sectionRows(projectId: string, form: ProjectForm) {
  return form.sections.map((s, i) => {
    // The section's MethodConfig as the form parsed it (defaults filled); validated against the rules at publication.
    const evaluation = s.evaluation;
    return {
      projectId,
      seq: i + 1,
      code: s.code,
      title: s.title,
      ceilingPriceFen: s.ceilingPriceYuan ?? null,
      bondFen: s.bondYuan,
      evaluation,
      keyModel: { model: form.keyModel, threshold: form.keyModel === "bidder" ? 0 : form.keyThreshold, custodians: form.keyModel === "bidder" ? [] : form.custodians },
    };
  });
}

function projectValues(form: ProjectForm) {
  return {
    code: form.code,
    title: form.title,
    regime: form.regime,
    mustTender: form.mustTender,
    category: form.category,
    region: form.region,
    location: form.location,
    description: form.description,
    fundingSource: form.fundingSource,
    stateFunded: form.fundingControl === "state",
    estimateFen: form.estimateYuan,
    notice: { contactName: form.contactName, contactPhone: form.contactPhone, obtainMethod: form.obtainMethod, qualification: form.qualification },
    documentsFrom: form.documentsFrom,
    documentsUntil: form.documentsUntil,
    questionDeadline: form.questionDeadline,
    bidDeadline: form.bidDeadline,
    decryptionWindowMinutes: form.decryptionWindowMinutes,
    evaluationStart: form.evaluationStart ?? null,
    reviewRoom: form.reviewRoom,
    profileCode: form.regime,
  };
}

/**
 * Resolves the tendering unit and agency of a new project: a tendering unit registers its
 * own (optionally naming an agency); an agency registers on behalf of the tendering unit
 * named in the form.
 */
async function partiesFor(tx: Tx, actor: Actor, form: Pick<ProjectForm, "agencyId" | "tenderingUnitId">) {
  const requireOrg = async (id: string, kind: "agency" | "tendering_unit", field: string) => {
    const [o] = await tx.select({ id: organisations.id }).from(organisations).where(and(eq(organisations.id, id), eq(organisations.kind, kind)));
    if (!o) throw new DomainError("VALIDATION", { field });
  };
  if (actor.roles.includes("tendering_unit")) {
    if (form.agencyId) await requireOrg(form.agencyId, "agency", "agencyId");
    return { tenderingUnitId: actor.orgId!, agencyId: form.agencyId ?? null };
  }
  if (!form.tenderingUnitId) throw new DomainError("VALIDATION", { field: "tenderingUnitId" });
  await requireOrg(form.tenderingUnitId, "tendering_unit", "tenderingUnitId");
  return { tenderingUnitId: form.tenderingUnitId, agencyId: actor.orgId! };
}

async function orgNames(tx: Tx, ids: (string | null)[]) {
  const list = ids.filter((x): x is string => !!x);
  if (!list.length) return [];
  return (await tx.select({ name: organisations.name }).from(organisations).where(inArray(organisations.id, list))).map((r) => r.name);
}

/** Registers a project (draft) with its sections. */
export async function createProject(ctx: Ctx, actor: Actor, form: ProjectForm): Promise<string> {
  return runCommand(ctx, actor, "project.create", async ({ tx }) => {
    requirePermission(actor, "tender:manage");
    const parties = await partiesFor(tx, actor, form);
    const [dup] = await tx.select({ id: projects.id }).from(projects).where(eq(projects.code, form.code));
    if (dup) throw new DomainError("CONFLICT", { field: "code" });
    const names = await orgNames(tx, [parties.tenderingUnitId, parties.agencyId]);
    const [p] = await tx
      .insert(projects)
      .values({ ...projectValues(form), ...parties, searchText: searchTextOf(form, names), createdBy: actor.user!.id })
      .returning({ id: projects.id });
    await tx.insert(sections).values(sectionRows(p!.id, form));
    return { result: p!.id, subjectType: "project", subjectId: p!.id, payload: { code: form.code, title: form.title, sections: form.sections.length } };
  });
}

/** Edits a draft (only drafts; a published tender changes through amendments, R10). */
export async function updateProject(ctx: Ctx, actor: Actor, projectId: string, form: ProjectForm): Promise<void> {
  await runCommand(ctx, actor, "project.update", async ({ tx }) => {
    const p = await lockManagedProject(tx, actor, projectId);
    if (p.status !== "draft") throw new DomainError("INVALID_STATE", { status: p.status });
    const [dup] = await tx.select({ id: projects.id }).from(projects).where(and(eq(projects.code, form.code), sql`${projects.id} <> ${projectId}`));
    if (dup) throw new DomainError("CONFLICT", { field: "code" });
    const names = await orgNames(tx, [p.tenderingUnitId, p.agencyId]);
    await tx.update(projects).set({ ...projectValues(form), searchText: searchTextOf(form, names) }).where(eq(projects.id, projectId));
    await tx.delete(sections).where(eq(sections.projectId, projectId));
    await tx.insert(sections).values(sectionRows(projectId, form));
    return { result: undefined, subjectType: "project", subjectId: projectId, payload: { code: form.code, title: form.title } };
  });
}

/** Publishes a staged blob by its hash (StagedUploads.publish); blobs already stored need nothing. */
export type PublishBlob = (sha256: string) => Promise<void>;
const noPublish: PublishBlob = async () => {};

/** Adds a tender document (PDF) already stored in the blob store. Drafts only; later versions come with amendments. */
export async function addDocument(
  ctx: Ctx,
  actor: Actor,
  projectId: string,
  file: { filename: string; contentType: string; size: number; sha256: string },
  /** Publishes a staged blob (tendering/uploads.server.ts) inside the transaction, after every check. */
  publish: PublishBlob = noPublish,
): Promise<void> {
  await runCommand(ctx, actor, "document.add", async ({ tx }) => {
    const p = await lockManagedProject(tx, actor, projectId);
    if (p.status !== "draft") throw new DomainError("INVALID_STATE", { status: p.status });
    await insertDocument(tx, actor, projectId, 1, file);
    await publish(file.sha256);
    return { result: undefined, subjectType: "project", subjectId: projectId, payload: { version: 1, ...file } };
  });
}

async function insertDocument(tx: Tx, actor: Actor, projectId: string, version: number, file: { filename: string; contentType: string; size: number; sha256: string }) {
  const [exists] = await tx
    .select({ id: tenderDocuments.id })
    .from(tenderDocuments)
    .where(and(eq(tenderDocuments.projectId, projectId), eq(tenderDocuments.version, version), eq(tenderDocuments.filename, file.filename)));
  if (exists) throw new DomainError("CONFLICT", { field: "file" });
  await tx.insert(tenderDocuments).values({ projectId, version, ...file, uploadedBy: actor.user!.id });
}

export async function removeDocument(ctx: Ctx, actor: Actor, projectId: string, documentId: string): Promise<void> {
  await runCommand(ctx, actor, "document.remove", async ({ tx }) => {
    const p = await lockManagedProject(tx, actor, projectId);
    if (p.status !== "draft") throw new DomainError("INVALID_STATE", { status: p.status });
    const [d] = await tx.delete(tenderDocuments).where(and(eq(tenderDocuments.id, documentId), eq(tenderDocuments.projectId, projectId))).returning();
    if (!d) throw new DomainError("NOT_FOUND");
    return { result: undefined, subjectType: "project", subjectId: projectId, payload: { filename: d.filename, sha256: d.sha256 } };
  });
}

/**
 * Publishes a draft. Every rule of the profile is checked against the database clock
 * (R5–R8, R14), and each section's evaluation method against the publication rules (EV5, EV2, R43–R47:
 * validateMethod); a violation refuses publication with the rule's number and text. The method is then frozen:
 * the section keeps the configuration as parsed, every default filled (a draft saved by the earlier form is
 * converted here, sectionMethod), so a later change of the code's defaults never changes a published tender (EV6).
 */
export async function publishProject(ctx: Pick<AppContext, "db" | "config">, actor: Actor, projectId: string): Promise<void> {
  await runCommand(ctx, actor, "project.publish", async ({ tx, now }) => {
    const p = await lockManagedProject(tx, actor, projectId);
    if (p.status !== "draft") throw new DomainError("INVALID_STATE", { status: p.status });
    const secs = await tx.select().from(sections).where(eq(sections.projectId, projectId));
    const [docs] = await tx.select({ n: count() }).from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId));
    const profile = getProfile(p.profileCode);
    const calendar = await loadCalendar(tx);
    const violations: RuleViolation[] = [];
    if (!docs?.n) violations.push({ rule: "R5", code: "RULE_DOCUMENTS_REQUIRED", params: {} });
    const methods = new Map<string, ReturnType<typeof sectionMethod>>();
    for (const s of secs) {
      violations.push(
        ...validatePublication(
          {
            regime: p.regime,
            mustTender: p.mustTender,
            category: p.category,
            estimateFen: p.regime === "ZTB" ? p.estimateFen : undefined,
            budgetFen: p.regime === "ZFCG" ? p.estimateFen : undefined,
            ceilingPriceFen: s.ceilingPriceFen,
            floorPriceFen: null,
            bondFen: s.bondFen,
            publishAt: now,
            documentsAvailableFrom: p.documentsFrom,
            documentsAvailableUntil: p.documentsUntil,
            questionDeadline: p.questionDeadline,
            bidDeadline: p.bidDeadline,
            noticeFields: noticeFieldsOf(p, s),
          },
          profile,
          calendar,
        ),
      );
      let method: ReturnType<typeof sectionMethod>;
      try {
        method = sectionMethod(s.evaluation, p.regime);
      } catch {
        throw new DomainError("VALIDATION", { field: `sections[${s.seq - 1}].method` }); // not a configuration (never written by the form)
      }
      if (regimeOf(method.kind) !== p.regime) throw new DomainError("VALIDATION", { field: `sections[${s.seq - 1}].method` });
      methods.set(s.id, method);
      // The section's code tells the violations of several sections apart (the messages do not use it).
      violations.push(...validateMethod(method, { category: p.category }).map((v) => (secs.length > 1 ? { ...v, params: { ...v.params, section: s.code } } : v)));
    }
    const unique = dedupe(violations);
    if (unique.length) throw new DomainError("RULE_VIOLATION", {}, unique);
    // Issue "sealed bids" item 3: opening keys generated, split among the custodians, never stored whole.
    const openingKeys = await createOpeningKeys(tx, ctx.config, p, secs, now);
    // R24: each section's hall opens by itself at the deadline (a job: survives restarts).
    for (const sec of secs) await scheduleOpening(tx, sec.id, p.bidDeadline);
    await tx.update(projects).set({ status: "published", publishedAt: now, profileVersion: profile.version }).where(eq(projects.id, projectId));
    for (const s of secs) await tx.update(sections).set({ status: "published", evaluation: methods.get(s.id)! }).where(eq(sections.id, s.id));
    await publishRelease(tx, { projectId, tags: ["tender"], now }, ctx.config); // open data (docs/open-data.md)
    return {
      result: undefined,
      subjectType: "project",
      subjectId: projectId,
      payload: { code: p.code, profile: `${profile.code}@${profile.version}`, bidDeadline: p.bidDeadline.toISOString(), openingKeys },
      events: [
        { channel: channels.portal(), type: "tender.published", data: { projectId } },
        { channel: channels.tender(projectId), type: "tender.published", data: { projectId } },
      ],
    };
  });
}

/** The statutory notice fields (R5) as the rule profile names them. */
function noticeFieldsOf(p: Project, s: typeof sections.$inferSelect): Record<string, unknown> {
  const n = p.notice ?? {};
  return {
    tenderingUnit: p.tenderingUnitId,
    address: p.location,
    name: p.title,
    projectName: p.title,
    nature: p.category,
    quantity: p.description,
    scope: p.description,
    place: p.location,
    time: p.bidDeadline.toISOString(),
    obtainMethod: n.obtainMethod,
    howToObtain: n.obtainMethod,
    budget: p.estimateFen,
    ceilingPrice: s.ceilingPriceFen,
    qualification: n.qualification,
    contact: n.contactName && n.contactPhone ? `${n.contactName} ${n.contactPhone}` : "",
    deadline: p.bidDeadline.toISOString(),
    openingTime: p.bidDeadline.toISOString(),
  };
}

function dedupe(v: RuleViolation[]): RuleViolation[] {
  const seen = new Set<string>();
  return v.filter((x) => {
    const k = `${x.code}:${JSON.stringify(x.params)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The actor's organisation may take part as a bidder in this project (R22; never both sides). */
function assertBidderFor(actor: Actor, p: Project) {
  if (!actor.orgId || p.tenderingUnitId === actor.orgId || p.agencyId === actor.orgId) throw new DomainError("FORBIDDEN");
}

/**
 * A bidder obtains a tender document: recorded (R9: who obtained stays confidential).
 * No registration precondition (R3). Available from `documentsFrom` until the deadline.
 */
export async function obtainDocument(ctx: Ctx, actor: Actor, projectId: string, documentId: string) {
  return runCommand(ctx, actor, "document.obtain", async ({ tx, now }) => {
    requirePermission(actor, "tender:obtain");
    const p = await lockProject(tx, projectId);
    if (p.status === "draft") throw new DomainError("NOT_FOUND");
    assertBidderFor(actor, p);
    if (p.status !== "published" || now < p.documentsFrom || now >= p.bidDeadline) throw new DomainError("INVALID_STATE", { status: p.status });
    const [doc] = await tx.select().from(tenderDocuments).where(and(eq(tenderDocuments.id, documentId), eq(tenderDocuments.projectId, projectId)));
    if (!doc) throw new DomainError("NOT_FOUND");
    await tx
      .insert(documentDownloads)
      .values({ projectId, orgId: actor.orgId!, userId: actor.user!.id, lastVersion: doc.version, firstAt: now, lastAt: now })
      .onConflictDoUpdate({
        target: [documentDownloads.projectId, documentDownloads.orgId],
        set: { lastAt: now, userId: actor.user!.id, count: sql`${documentDownloads.count} + 1`, lastVersion: sql`greatest(${documentDownloads.lastVersion}, ${doc.version})` },
      });
    return {
      result: doc,
      subjectType: "project",
      subjectId: projectId,
      payload: { documentId, filename: doc.filename, version: doc.version, sha256: doc.sha256 },
    };
  });
}

/** A bidder asks a question before the question deadline; the tender side is notified. */
export async function askQuestion(ctx: Ctx, actor: Actor, projectId: string, body: string): Promise<string> {
  return runCommand(ctx, actor, "question.ask", async ({ tx, now }) => {
    requirePermission(actor, "tender:ask");
    const p = await lockProject(tx, projectId);
    if (p.status === "draft") throw new DomainError("NOT_FOUND");
    assertBidderFor(actor, p);
    if (p.status !== "published" || now >= p.questionDeadline) throw new DomainError("INVALID_STATE", { status: p.status });
    const [q] = await tx.insert(questions).values({ projectId, askedByOrgId: actor.orgId!, askedByUserId: actor.user!.id, body, askedAt: now }).returning({ id: questions.id });
    await notifyOrganisations(tx, [p.tenderingUnitId, p.agencyId].filter((x): x is string => !!x), {
      kind: "questionAsked",
      params: { title: p.title },
      link: `/manage/${projectId}`,
    });
    return { result: q!.id, subjectType: "project", subjectId: projectId, payload: { questionId: q!.id, body } };
  });
}

/** The tender side answers publicly; the asker's identity is never published. */
export async function answerQuestion(ctx: Ctx, actor: Actor, questionId: string, answer: string): Promise<void> {
  await runCommand(ctx, actor, "question.answer", async ({ tx, now }) => {
    const [q] = await tx.select().from(questions).where(eq(questions.id, questionId)).for("update");
    if (!q) throw new DomainError("NOT_FOUND");
    const p = await lockManagedProject(tx, actor, q.projectId);
    if (q.answer) throw new DomainError("INVALID_STATE", { status: "answered" });
    await tx.update(questions).set({ answer, answeredBy: actor.user!.id, answeredAt: now }).where(eq(questions.id, questionId));
    await notifyOrganisations(tx, [q.askedByOrgId], { kind: "questionAnswered", params: { title: p.title }, link: `/tenders/${p.id}` });
    return {
      result: undefined,
      subjectType: "project",
      subjectId: p.id,
      payload: { questionId, answer },
      events: [{ channel: channels.tender(p.id), type: "question.answered", data: { questionId } }],
    };
  });
}

/**
 * Issues an amendment/clarification (R10): a new document version when files come with it,
 * the deadline extended to issue + 15 days when it may affect bid preparation and comes
 * later than that, and a notice to every organisation that obtained the documents.
 */
export async function issueAmendment(
  ctx: Pick<AppContext, "db" | "config">,
  actor: Actor,
  projectId: string,
  input: { title: string; body: string; affectsBidPreparation: boolean; bidDeadline?: Date },
  files: { filename: string; contentType: string; size: number; sha256: string }[] = [],
  publish: PublishBlob = noPublish,
) {
  return runCommand(ctx, actor, "amendment.issue", async ({ tx, now }) => {
    const p = await lockManagedProject(tx, actor, projectId);
    if (p.status !== "published" && p.status !== "suspended") throw new DomainError("INVALID_STATE", { status: p.status });
    if (now >= p.bidDeadline) throw new DomainError("INVALID_STATE", { status: "bidding_closed" });
    const profile = getProfile(p.profileCode);
    const calendar = await loadCalendar(tx);
    const requested = input.bidDeadline && input.bidDeadline > p.bidDeadline ? input.bidDeadline : p.bidDeadline;
    const effect = amendmentEffect({ issuedAt: now, bidDeadline: requested, affectsBidPreparation: input.affectsBidPreparation }, profile, calendar);
    const newDeadline = effect.extend && effect.newDeadline ? effect.newDeadline : requested;
    let documentVersion: number | null = null;
    if (files.length) {
      const [v] = await tx.select({ v: max(tenderDocuments.version) }).from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId));
      documentVersion = (v?.v ?? 0) + 1;
      for (const f of files) await insertDocument(tx, actor, projectId, documentVersion, f);
      for (const f of files) await publish(f.sha256);
    }
    const [last] = await tx.select({ seq: max(amendments.seq) }).from(amendments).where(eq(amendments.projectId, projectId));
    const seq = (last?.seq ?? 0) + 1;
    const extended = newDeadline.getTime() !== p.bidDeadline.getTime();
    const [a] = await tx
      .insert(amendments)
      .values({
        projectId,
        seq,
        title: input.title,
        body: input.body,
        affectsBidPreparation: input.affectsBidPreparation,
        documentVersion,
        previousDeadline: p.bidDeadline,
        newDeadline,
        extended,
        issuedBy: actor.user!.id,
        issuedAt: now,
      })
      .returning({ id: amendments.id });
    if (extended) {
      await tx.update(projects).set({ bidDeadline: newDeadline }).where(eq(projects.id, projectId));
      // The job for the old deadline finds the hall not yet due and does nothing.
      for (const sec of await tx.select({ id: sections.id }).from(sections).where(eq(sections.projectId, projectId))) await scheduleOpening(tx, sec.id, newDeadline);
    }
    // Bids sealed before an amendment that affects bid preparation are flagged; their bidders are told (privately).
    const flaggedBidders = input.affectsBidPreparation ? await flagBidsSealedBefore(tx, projectId, seq) : [];
    if (flaggedBidders.length) {
      await notifyOrganisations(tx, flaggedBidders, { kind: "bidSealedBeforeAmendment", params: { title: p.title, seq, deadline: formatCst(newDeadline) }, link: `/tenders/${projectId}` });
    }
    const obtainers = await tx.select({ orgId: documentDownloads.orgId }).from(documentDownloads).where(eq(documentDownloads.projectId, projectId));
    const notified = await notifyOrganisations(
      tx,
      obtainers.map((o) => o.orgId),
      {
        kind: extended ? "amendmentExtended" : "amendment",
        params: { title: p.title, seq, deadline: formatCst(newDeadline) },
        link: `/tenders/${projectId}`,
      },
    );
    await publishRelease(tx, { projectId, tags: ["tenderAmendment"], now }, ctx.config); // open data (docs/open-data.md)
    return {
      result: { amendmentId: a!.id, seq, extended, newDeadline, rule: effect.extend ? "R10" : null },
      subjectType: "project",
      subjectId: projectId,
      payload: {
        amendmentId: a!.id,
        seq,
        title: input.title,
        affectsBidPreparation: input.affectsBidPreparation,
        previousDeadline: p.bidDeadline.toISOString(),
        newDeadline: newDeadline.toISOString(),
        extendedByR10: effect.extend,
        documentVersion,
        files: files.map((f) => ({ filename: f.filename, sha256: f.sha256 })),
        notifiedUsers: notified,
      },
      events: [
        { channel: channels.tender(projectId), type: "amendment.issued", data: { seq, newDeadline: newDeadline.toISOString() } },
        { channel: channels.portal(), type: "tender.amended", data: { projectId } },
      ],
    };
  });
}

/**
 * A bidder objects to the tender documents (R11 ZTB 异议 / R12 ZFCG 质疑). The tender is
 * suspended until every objection is answered (R11); the answer is due within the profile's limit.
 */
export async function fileObjection(ctx: Ctx, actor: Actor, projectId: string, body: string): Promise<string> {
  return runCommand(ctx, actor, "objection.file", async ({ tx, now }) => {
    requirePermission(actor, "tender:object");
    const p = await lockProject(tx, projectId);
    if (p.status === "draft") throw new DomainError("NOT_FOUND");
    assertBidderFor(actor, p);
    if (p.status !== "published" && p.status !== "suspended") throw new DomainError("INVALID_STATE", { status: p.status });
    const profile = getProfile(p.profileCode);
    const calendar = await loadCalendar(tx);
    const violation = checkObjectionFiling({ filedAt: now, bidDeadline: p.bidDeadline, knownAt: p.publishedAt ?? now }, profile, calendar);
    if (violation) throw new DomainError("RULE_VIOLATION", {}, [violation]);
    const due = objectionAnswerDue(now, profile, calendar);
    const [o] = await tx
      .insert(objections)
      .values({ projectId, orgId: actor.orgId!, userId: actor.user!.id, body, filedAt: now, answerDueAt: due })
      .returning({ id: objections.id });
    if (p.status === "published") await tx.update(projects).set({ status: "suspended", suspendedFrom: "published" }).where(eq(projects.id, projectId));
    await notifyOrganisations(tx, [p.tenderingUnitId, p.agencyId].filter((x): x is string => !!x), {
      kind: "objectionFiled",
      params: { title: p.title, due: formatCst(due) },
      link: `/manage/${projectId}`,
    });
    return {
      result: o!.id,
      subjectType: "project",
      subjectId: projectId,
      payload: { objectionId: o!.id, body, answerDueAt: due.toISOString(), suspended: true },
      events: [
        { channel: channels.tender(projectId), type: "tender.suspended", data: { projectId } },
        { channel: channels.portal(), type: "tender.suspended", data: { projectId } },
      ],
    };
  });
}

/** Answers an objection; when none is pending any more, the suspension ends (R11). */
export async function answerObjection(ctx: Ctx, actor: Actor, objectionId: string, answer: string): Promise<void> {
  await runCommand(ctx, actor, "objection.answer", async ({ tx, now }) => {
    const [o] = await tx.select().from(objections).where(eq(objections.id, objectionId)).for("update");
    if (!o) throw new DomainError("NOT_FOUND");
    const p = await lockManagedProject(tx, actor, o.projectId);
    if (o.status !== "pending") throw new DomainError("INVALID_STATE", { status: o.status });
    await tx.update(objections).set({ status: "answered", answer, answeredBy: actor.user!.id, answeredAt: now }).where(eq(objections.id, objectionId));
    const [pending] = await tx.select({ n: count() }).from(objections).where(and(eq(objections.projectId, p.id), eq(objections.status, "pending")));
    const resumed = (pending?.n ?? 0) === 0 && p.status === "suspended";
    if (resumed) await tx.update(projects).set({ status: p.suspendedFrom ?? "published", suspendedFrom: null }).where(eq(projects.id, p.id));
    await notifyOrganisations(tx, [o.orgId], { kind: "objectionAnswered", params: { title: p.title }, link: `/tenders/${p.id}` });
    return {
      result: undefined,
      subjectType: "project",
      subjectId: p.id,
      payload: { objectionId, answer, resumed, late: now > o.answerDueAt },
      events: resumed
        ? [
            { channel: channels.tender(p.id), type: "tender.resumed", data: { projectId: p.id } },
            { channel: channels.portal(), type: "tender.resumed", data: { projectId: p.id } },
          ]
        : [],
    };
  });
}
