import { createHash } from "node:crypto";
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { rsaVerify } from "#crypto/keys";
import { fromBase64 } from "#crypto/seal/format";
import type { Executor } from "#db/client";
import { certificates, clarifications, evaluations, projects, reviewConclusions, sections } from "#db/schema/index";
import { answerBytes, CLARIFICATION_LIMITS, decisionAllowed, dueMinutesAllowed, proposeCorrection, WrittenPriceSchema, type AnswerDecision, type ClarificationKind, type WrittenPriceInput } from "#app/domain/evaluation/clarification";
import type { CorrectionStep } from "#app/domain/evaluation/input";
import { Dec } from "#app/domain/evaluation/decimal";
import { abnormallyLow } from "#app/domain/evaluation/flags";
import type { MethodConfig } from "#app/domain/evaluation/method";
import { evaluationViolation, type EvaluationViolationCode } from "#app/domain/evaluation/violations";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { hasPermission } from "#app/domain/permissions";
import { formatCst } from "#app/domain/tender-form";
import { systemActor, type Actor } from "../platform/actor";
import { assertUsable, trustedCaPems } from "../platform/certificates.server";
import { runCommand, runOptionalCommand } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { scheduleJob } from "../platform/jobs.server";
import { notifyOrganisations } from "../platform/notify.server";
import { lockEvaluation, requireLeader, requireMember, requireStage, roomEvent, sectionAndProject } from "./access.server";
import { sectionBids, type SectionBid } from "./bid-files.server";

/**
 * Clarifications (澄清, R43, EV13, EV14; docs/decisions/015-evaluation.md "Clarifications"). Only the committee asks —
 * its leader sends a written request to one bidder with a reply deadline (10 minutes … 48 hours, database clock; a
 * job expires it). The bidder answers in its own account (/clarifications), signing the answer with its certificate
 * in the page (app/domain/evaluation/clarification.ts `answerBytes`); the form has no price field, so nothing of
 * price or substance can change. A correction (kind `correction`) is the committee's proposal computed from what
 * the bid says in writing, in the configured order (corrections.ts, TV-C1…C7); it binds only when the bidder
 * accepts — refusal, or no answer in time, makes the bid invalid (评标规定19, 87号令59). Abnormally low prices are
 * flagged by the engine (EV14, TV-A1) and drafted as a request of kind `abnormally_low` for the leader to send; the
 * platform never rejects by itself. Requests, answers, expiries, acceptances and refusals are record entries and
 * part of the report (`clarificationsForReport`). A bidder sees its own requests and nothing else of the room.
 */

type Ctx = Pick<AppContext, "db" | "config">;

const rule = (code: EvaluationViolationCode, params: Record<string, string | number> = {}): never => {
  throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation(code, params)]);
};
const sha256Hex = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** What a correction request stores (the schema's `correction` jsonb): the proposal and what it was computed from. */
export type StoredCorrection = { price: string; steps: CorrectionStep[]; readPrice: string; order: "ZTB" | "ZFCG"; written: WrittenPriceInput };

const KINDS: readonly ClarificationKind[] = ["question", "correction", "abnormally_low"];

/** EV14/TV-A1: the engine's abnormally-low flag on the read prices of the bids under review (bid id → pct, flagged). */
export function abnormallyLowFlags(config: Pick<MethodConfig, "flags">, bids: readonly Pick<SectionBid, "bidId" | "priceYuan">[]): Map<string, { pct: string; flagged: boolean }> {
  const flags = abnormallyLow(
    bids.map((b) => ({ bidderId: b.bidId, price: new Dec(b.priceYuan) })),
    new Dec(config.flags.abnormallyLow.thresholdPct),
  );
  return new Map([...flags].map(([id, f]) => [id, { pct: f.pct.toDecimalPlaces(2, Dec.ROUND_HALF_UP).toFixed(2), flagged: f.flagged }]));
}

/** The `written` field of the request form (JSON of WrittenPriceSchema, bounded by the form's own limits); undefined when blank or malformed (the request then refuses a correction). */
export function writtenFromForm(raw: string): unknown {
  if (!raw || raw.length > 64 * 1024) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The leader asks one bidder (R43). `question` is the written request (for a correction, the explanation the
 * bidder reads with the proposal); `written` (kind `correction`) is what the bid says: figures, words, bill lines.
 */
export async function requestClarification(
  ctx: Ctx,
  actor: Actor,
  sectionId: string,
  input: { bidId: string; kind: string; question: string; dueMinutes: number; written?: unknown },
): Promise<{ id: string; dueAt: string }> {
  if (!isUuid(sectionId) || !isUuid(input.bidId)) throw new DomainError("NOT_FOUND");
  return runCommand(ctx, actor, "evaluation.clarification_requested", async ({ tx, now }) => {
    const member = await requireMember(tx, actor, sectionId);
    const ev = await lockEvaluation(tx, sectionId);
    requireLeader(ev, member);
    const kind = KINDS.find((k) => k === input.kind);
    if (!kind) throw new DomainError("VALIDATION", { field: "kind" });
    // Questions may come up while scoring too; corrections and price explanations belong to the compliance review.
    requireStage(ev, ...(kind === "question" ? (["review", "scoring"] as const) : (["review"] as const)));
    if (kind !== "question") {
      const [closed] = await tx.select({ bidId: reviewConclusions.bidId }).from(reviewConclusions).where(eq(reviewConclusions.sectionId, sectionId)).limit(1);
      if (closed) rule("RULE_R44_REVIEW_CLOSED");
    }
    const bid = (await sectionBids(tx, sectionId)).find((b) => b.bidId === input.bidId);
    if (!bid) throw new DomainError("NOT_FOUND");
    const question = input.question.trim();
    if (!question || question.length > CLARIFICATION_LIMITS.question) throw new DomainError("VALIDATION", { field: "question" });
    if (!dueMinutesAllowed(input.dueMinutes)) rule("RULE_R43_DEADLINE_RANGE", { min: CLARIFICATION_LIMITS.minMinutes, max: CLARIFICATION_LIMITS.maxMinutes });
    const existing = await tx.select({ kind: clarifications.kind, status: clarifications.status }).from(clarifications).where(eq(clarifications.bidId, bid.bidId));
    if (existing.length >= CLARIFICATION_LIMITS.perBid) rule("RULE_R43_CLARIFICATION_LIMIT", { max: CLARIFICATION_LIMITS.perBid });
    const config = ev.config as MethodConfig;
    let correction: StoredCorrection | null = null;
    if (kind === "correction") {
      if (existing.some((c) => c.kind === "correction" && c.status === "open")) rule("RULE_R43_CORRECTION_OPEN");
      const written = WrittenPriceSchema.safeParse(input.written);
      if (!written.success) throw new DomainError("VALIDATION", { field: "written" });
      const order = config.corrections.order;
      const proposal = proposeCorrection(order, written.data);
      if (!proposal.ok) {
        if (proposal.problem === "unreadable") rule("RULE_R43_WORDS_UNREADABLE", { words: written.data.words ?? "" });
        rule("RULE_R43_NOTHING_TO_CORRECT", { order });
      } else correction = { price: proposal.result.price, steps: proposal.result.steps, readPrice: bid.priceYuan, order, written: written.data };
    }
    const dueAt = new Date(now.getTime() + input.dueMinutes * 60_000);
    const [row] = await tx
      .insert(clarifications)
      .values({ sectionId, bidId: bid.bidId, orgId: bid.orgId, kind, question, correction, requestedBy: member.id, requestedAt: now, dueAt })
      .returning({ id: clarifications.id });
    await scheduleJob(tx, { kind: "evaluation.clarification_expire", dueAt, payload: { clarificationId: row!.id }, dedupeKey: `evaluation.clarification_expire:${row!.id}` });
    const { project, section } = await sectionAndProject(tx, sectionId);
    await notifyOrganisations(tx, [bid.orgId], { kind: "clarificationRequested", params: { title: project.title, section: section.code, due: formatCst(dueAt) }, link: `/clarifications#c-${row!.id}` });
    return {
      result: { id: row!.id, dueAt: dueAt.toISOString() },
      subjectType: "bid",
      subjectId: bid.bidId,
      payload: { sectionId, clarificationId: row!.id, orgId: bid.orgId, kind, question, questionSha256: sha256Hex(question), dueAt: dueAt.toISOString(), seat: member.seat, correction },
      events: [roomEvent(sectionId, "evaluation.clarification", { status: "open" })],
    };
  });
}

/**
 * The bidder answers in its account (R43): `decision` is `answer` for a question or a price explanation, `accept` /
 * `refuse` for a correction (87号令59); the answer is signed with one of the user's certificates of the bidder's
 * organisation over `answerBytes` (the signature is verified here and stored with the certificate). NOT_FOUND for
 * a request of another organisation (a bidder sees only its own).
 */
export async function answerClarification(
  ctx: Ctx,
  actor: Actor,
  clarificationId: string,
  input: { decision: string; answer: string; certificateId: string; signature: string },
): Promise<void> {
  if (!actor.user || !actor.orgId || !hasPermission(actor.roles, "bid:submit") || !isUuid(clarificationId)) throw new DomainError("NOT_FOUND");
  if (!isUuid(input.certificateId)) rule("RULE_R43_ANSWER_SIGNATURE");
  if (input.signature.length > 2048) rule("RULE_R43_ANSWER_SIGNATURE");
  const decision = (["answer", "accept", "refuse"] as const).find((d) => d === input.decision);
  await runCommand(
    ctx,
    actor,
    decision === "accept" ? "evaluation.correction_accepted" : decision === "refuse" ? "evaluation.correction_refused" : "evaluation.clarification_answered",
    async ({ tx, now }) => {
      const [c] = await tx
        .select()
        .from(clarifications)
        .where(and(eq(clarifications.id, clarificationId), eq(clarifications.orgId, actor.orgId!)))
        .for("update");
      if (!c) throw new DomainError("NOT_FOUND");
      const [ev] = await tx.select({ stage: evaluations.stage }).from(evaluations).where(eq(evaluations.sectionId, c.sectionId));
      if (c.status !== "open") rule("RULE_R43_CLARIFICATION_CLOSED");
      if (now > c.dueAt || (ev?.stage !== "review" && ev?.stage !== "scoring")) rule("RULE_R43_CLARIFICATION_CLOSED");
      if (!decision || !decisionAllowed(c.kind, decision)) rule("RULE_R43_DECISION");
      const answer = input.answer.trim();
      if (answer.length > CLARIFICATION_LIMITS.answer || (c.kind !== "correction" && !answer)) rule("RULE_R43_ANSWER_REQUIRED", { max: CLARIFICATION_LIMITS.answer });
      const [cert] = await tx.select().from(certificates).where(eq(certificates.id, input.certificateId));
      const usable = assertUsable(cert, actor, now, trustedCaPems(ctx.config));
      if (usable.orgId !== c.orgId) rule("RULE_R43_ANSWER_SIGNATURE");
      const correction = c.correction as StoredCorrection | null;
      const bytes = answerBytes({ id: c.id, questionSha256: sha256Hex(c.question), kind: c.kind, decision: decision!, price: correction?.price ?? null, answer });
      let ok = false;
      try {
        ok = await rsaVerify(fromBase64(usable.publicKeySpki), fromBase64(input.signature), bytes);
      } catch {
        ok = false;
      }
      if (!ok) rule("RULE_R43_ANSWER_SIGNATURE");
      await tx
        .update(clarifications)
        .set({
          status: "answered",
          answer,
          accepted: c.kind === "correction" ? decision === "accept" : null,
          answeredBy: actor.user!.id,
          answeredAt: now,
          answerCertificateId: usable.id,
          answerSignature: input.signature,
        })
        .where(eq(clarifications.id, c.id));
      return {
        result: undefined,
        subjectType: "bid",
        subjectId: c.bidId,
        payload: {
          sectionId: c.sectionId,
          clarificationId: c.id,
          kind: c.kind,
          decision: decision!,
          answer,
          answerSha256: sha256Hex(answer),
          price: correction?.price ?? null,
          certificate: usable.fingerprint,
          signature: input.signature,
        },
        events: [roomEvent(c.sectionId, "evaluation.clarification", { status: "answered" })],
      };
    },
  );
}

/** The reply deadline passed without an answer (job `evaluation.clarification_expire`, database clock). Idempotent. */
export async function expireClarification(ctx: Pick<AppContext, "db">, clarificationId: string): Promise<boolean> {
  if (!isUuid(clarificationId)) return false;
  const done = await runOptionalCommand(ctx, systemActor(), "evaluation.clarification_expired", async ({ tx, now }) => {
    const [c] = await tx.select().from(clarifications).where(eq(clarifications.id, clarificationId)).for("update");
    if (!c || c.status !== "open" || now < c.dueAt) return null;
    await tx.update(clarifications).set({ status: "expired" }).where(eq(clarifications.id, c.id));
    return {
      result: true,
      subjectType: "bid",
      subjectId: c.bidId,
      payload: { sectionId: c.sectionId, clarificationId: c.id, kind: c.kind, dueAt: c.dueAt.toISOString() },
      events: [roomEvent(c.sectionId, "evaluation.clarification", { status: "expired" })],
    };
  });
  return !!done;
}

/** A section's requests, oldest first. */
export async function sectionClarifications(db: Executor, sectionId: string) {
  return db.select().from(clarifications).where(eq(clarifications.sectionId, sectionId)).orderBy(asc(clarifications.requestedAt), asc(clarifications.id));
}

/**
 * What the review needs from the clarifications: the bids with an answered or expired request (EV13 allows a
 * clarify-first rejection), how many still await an answer (R43: the review cannot close), and each bid's latest
 * settled correction — accepted (binding) or refused / unanswered (the bid is invalid, 87号令59).
 */
export async function clarificationState(db: Executor, sectionId: string) {
  const rows = await sectionClarifications(db, sectionId);
  const clarified = new Set(rows.filter((r) => r.status === "answered" || r.status === "expired").map((r) => r.bidId));
  const pending = rows.filter((r) => r.status === "open").length;
  const corrections = new Map<string, { price: string; confirmed: boolean; steps: CorrectionStep[] }>();
  for (const r of rows) {
    if (r.kind !== "correction" || !r.correction || (r.status !== "answered" && r.status !== "expired")) continue;
    const c = r.correction as StoredCorrection;
    corrections.set(r.bidId, { price: c.price, confirmed: r.status === "answered" && r.accepted === true, steps: c.steps });
  }
  return { clarified, pending, corrections, rows };
}

/**
 * The engine input's `correction` per bid (input.ts; EV19): `{price, confirmed, steps}` for each bid whose latest
 * correction was answered (accepted → binding) or expired (unconfirmed → invalid); bids without one are absent.
 */
export async function correctionsForInput(db: Executor, sectionId: string) {
  return (await clarificationState(db, sectionId)).corrections;
}

/** The committee's view of the clarifications (members and supervisors; the room's R42 check is the caller's). */
export async function clarificationsView(db: Executor, sectionId: string, config: MethodConfig, bids: readonly SectionBid[]) {
  const rows = await sectionClarifications(db, sectionId);
  const name = new Map(bids.map((b) => [b.bidId, b.name]));
  const flags = abnormallyLowFlags(config, bids);
  const asked = new Set(rows.filter((r) => r.kind === "abnormally_low").map((r) => r.bidId));
  return {
    order: config.corrections.order,
    threshold: config.flags.abnormallyLow.thresholdPct,
    limits: { minMinutes: CLARIFICATION_LIMITS.minMinutes, maxMinutes: CLARIFICATION_LIMITS.maxMinutes, question: CLARIFICATION_LIMITS.question },
    requests: rows.map((r) => ({
      id: r.id,
      bidId: r.bidId,
      bidder: name.get(r.bidId) ?? "",
      kind: r.kind,
      question: r.question,
      correction: (r.correction as StoredCorrection | null) ?? null,
      requestedAt: r.requestedAt.toISOString(),
      dueAt: r.dueAt.toISOString(),
      status: r.status,
      answer: r.answer,
      accepted: r.accepted,
      answeredAt: r.answeredAt?.toISOString() ?? null,
    })),
    /** EV14: flagged bids without a price explanation request yet — drafts for the leader. */
    drafts: bids.filter((b) => flags.get(b.bidId)?.flagged && !asked.has(b.bidId)).map((b) => ({ bidId: b.bidId, bidder: b.name, priceYuan: b.priceYuan, pct: flags.get(b.bidId)!.pct })),
    flags: Object.fromEntries([...flags].map(([k, v]) => [k, v])),
  };
}
export type ClarificationsView = Awaited<ReturnType<typeof clarificationsView>>;

/**
 * The clarifications of a section for the report (评标规定42(十) 澄清、说明、补正事项纪要; 87号令58(六)): every request
 * with its kind, question, deadline, status, the answer, the bidder's decision on a correction with the proposal,
 * and the certificate and signature the answer was signed with — oldest first.
 */
export async function clarificationsForReport(db: Executor, sectionId: string) {
  const rows = await sectionClarifications(db, sectionId);
  const bids = new Map((await sectionBids(db, sectionId)).map((b) => [b.bidId, b]));
  const certIds = [...new Set(rows.map((r) => r.answerCertificateId).filter((x): x is string => !!x))];
  const certs = certIds.length ? await db.select({ id: certificates.id, fingerprint: certificates.fingerprint, subjectCn: certificates.subjectCn, subjectO: certificates.subjectO }).from(certificates).where(inArray(certificates.id, certIds)) : [];
  const certOf = new Map(certs.map((c) => [c.id, c]));
  return rows.map((r) => {
    const c = (r.correction as StoredCorrection | null) ?? null;
    const cert = r.answerCertificateId ? certOf.get(r.answerCertificateId) : undefined;
    return {
      id: r.id,
      bidId: r.bidId,
      bidder: bids.get(r.bidId)?.name ?? "",
      kind: r.kind,
      question: r.question,
      questionSha256: sha256Hex(r.question),
      requestedAt: r.requestedAt.toISOString(),
      dueAt: r.dueAt.toISOString(),
      status: r.status,
      correction: c ? { readPrice: c.readPrice, price: c.price, order: c.order, steps: c.steps } : null,
      /** For a correction: true accepted (binding), false refused; null otherwise or unanswered. */
      accepted: r.accepted,
      answer: r.answer,
      answeredAt: r.answeredAt?.toISOString() ?? null,
      certificate: cert ? { fingerprint: cert.fingerprint, subject: cert.subjectCn, organisation: cert.subjectO } : null,
      signature: r.answerSignature,
    };
  });
}

/** The bidder's own requests (every section), newest first, with the tender and section they are about — nothing else of the room. */
export async function bidderClarifications(db: Executor, actor: Actor) {
  if (!actor.user || !actor.orgId || !hasPermission(actor.roles, "bid:submit")) throw new DomainError("FORBIDDEN", { permission: "bid:submit" });
  const rows = await db
    .select({ c: clarifications, projectTitle: projects.title, projectCode: projects.code, sectionCode: sections.code, sectionTitle: sections.title })
    .from(clarifications)
    .innerJoin(sections, eq(sections.id, clarifications.sectionId))
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(eq(clarifications.orgId, actor.orgId))
    .orderBy(desc(clarifications.requestedAt))
    .limit(200);
  const certs = await db
    .select({ id: certificates.id, fingerprint: certificates.fingerprint })
    .from(certificates)
    .where(and(eq(certificates.userId, actor.user.id), eq(certificates.orgId, actor.orgId), eq(certificates.status, "active")));
  return {
    certificates: certs,
    requests: rows.map(({ c, ...r }) => {
      const corr = (c.correction as StoredCorrection | null) ?? null;
      return {
        id: c.id,
        project: { code: r.projectCode, title: r.projectTitle },
        section: { code: r.sectionCode, title: r.sectionTitle },
        kind: c.kind,
        question: c.question,
        /** The bidder's page signs over this (answerBytes); the server rebuilds it from the stored question. */
        questionSha256: sha256Hex(c.question),
        correction: corr ? { readPrice: corr.readPrice, price: corr.price, order: corr.order, steps: corr.steps } : null,
        requestedAt: c.requestedAt.toISOString(),
        dueAt: c.dueAt.toISOString(),
        status: c.status,
        answer: c.answer,
        accepted: c.accepted,
        answeredAt: c.answeredAt?.toISOString() ?? null,
      };
    }),
  };
}
export type BidderClarifications = Awaited<ReturnType<typeof bidderClarifications>>;

export type { AnswerDecision };
