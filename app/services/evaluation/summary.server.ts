import { createHash, randomBytes } from "node:crypto";
import { and, asc, eq, inArray } from "drizzle-orm";
import { canonicalJson } from "#crypto/canonical-json";
import { HmacDrbg } from "#expert-pool/drbg";
import type { Executor, Tx } from "#db/client";
import {
  bidOpenings,
  clarifications,
  committeeMembers,
  evaluations,
  experts,
  flagJustifications,
  organisations,
  recordEntries,
  recordHead,
  reviewConclusions,
  scoreChanges,
  scores,
  users,
  type CommitteeMember,
  type Evaluation,
} from "#db/schema/index";
import { appendixSha256, jsonDifferences, normalizeInput, type Difference } from "#app/domain/evaluation/appendix";
import { Dec, fenToYuan, money, MONEY_RE } from "#app/domain/evaluation/decimal";
import { evaluate, type EvaluationResult, type LotChooser } from "#app/domain/evaluation/evaluate";
import { CorrectionStepSchema, EvaluationInputSchema, LotSchema, type EvaluationInput, type EvaluationInputData, type Lot } from "#app/domain/evaluation/input";
import { flattenCriteria, ID_RE, parseMethodConfig, type MethodConfig } from "#app/domain/evaluation/method";
import { shuffleChooser } from "#app/domain/evaluation/ranking";
import { scoredLeaf, scoredLeaves, scoreViolation, sheetModel } from "#app/domain/evaluation/sheet";
import { evaluationViolation } from "#app/domain/evaluation/violations";
import { DomainError } from "#app/domain/errors";
import { isUuid } from "#app/domain/ids";
import { hasControlCharacter } from "#app/domain/text";
import type { Actor } from "../platform/actor";
import { runCommand, type LiveEventInput } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { notifyOrganisations } from "../platform/notify.server";
import { liveMembers, loadEvaluation, lockEvaluation, requireLeader, requireMember, requireStage, roomEvent, sectionAndProject, seated, setStage } from "./access.server";
import { scheduleReport } from "./report.server";

/**
 * After every seated member submitted (docs/decisions/015-evaluation.md, "summary"): the engine's result from the
 * stored inputs (EV19), deviation flags and their justifications (EV18), objective disagreements, R48 changes, the
 * ranking with the configured tie chain (a final lot is a seeded, recorded draw; a `tenderer_decides` tie is put to
 * the tendering unit, which sees only that question, R42), and the leader's finalisation, which stores the result
 * and moves the stage to `signing` (the report is made from `evaluationInput` and the stored result).
 *
 * `evaluationInput` is THE one place the engine's input is read from the database; the report's appendix uses it.
 */

type Ctx = Pick<AppContext, "db">;

/** A `scores` row entered once for the committee (an objective item, by the leader) rather than as the member's own. */
export const COMMITTEE_ENTRY = "@committee";

/** The R48 reasons (87号令64): a change after submission names one of these. */
export const CHANGE_REASONS = ["sum_error", "out_of_range", "objective_inconsistent", "extreme_score"] as const;
export type ChangeReason = (typeof CHANGE_REASONS)[number];

/** Record actions whose payloads are inputs of the engine (replayed by evaluationInput). */
const DECISION_ACTION = "evaluation.tie_decided";
const FINALISED_ACTION = "evaluation.finalised";

export type MemberRef = { memberId: string; id: string; seat: number; name: string; role: "expert" | "representative"; userId: string };
export type BidRef = { bidId: string; orgId: string; name: string; readPrice: string };
export type EvaluationData = {
  evaluation: Evaluation;
  config: MethodConfig;
  /** Normalised (docs/evaluation-appendix.md §5.3): bidders are bid ids, members `M<seat>`. */
  input: EvaluationInput;
  members: MemberRef[];
  bids: BidRef[];
};

/** The frozen method configuration of an evaluation (EV6: the room never reads it from code). */
export function frozenConfig(ev: Pick<Evaluation, "config">): MethodConfig {
  return parseMethodConfig(ev.config);
}

/** Free text from the database into the engine's text fields: no control characters, bounded, never empty. */
function cleanText(s: string | null | undefined, max: number, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const t = (s ?? "").replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  const cut = [...t].slice(0, max).join("");
  return cut.length > 0 && !hasControlCharacter(cut) ? cut : fallback;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A yuan amount from a form, normalised to the engine's money format, or null. */
function yuanOf(v: unknown): string | null {
  if (typeof v !== "string" || !/^\d{1,13}(\.\d{1,2})?$/.test(v)) return null;
  const m = money(new Dec(v));
  return MONEY_RE.test(m) ? m : null;
}

/**
 * The engine's input for one section, from the database (EV19: the platform recomputes from stored inputs):
 * - bids: every bid decrypted at the opening, its price as read (`bid_openings.form.form.priceYuan`), the latest
 *   answered correction request (binding only when the bidder accepted it, R43), the committee's review conclusion
 *   per item (EV12) or its other rejection ground (R44), and — when the bid form carries them — policy categories,
 *   the brand and provisional sums (read defensively: an absent or malformed field is left out);
 * - members: the live, seated members as `M<seat>` with their names; sheets: their own scores (a voided member's
 *   rows are never read, R37/EV15); objective scores entered once for the committee;
 * - lots drawn at a finalisation and ties the tendering unit decided, from the record (replayed, never redrawn).
 * `sheets: false` leaves the members' scores out (for views before everyone submitted: price scores only).
 */
export async function evaluationInput(db: Executor, sectionId: string, opts: { sheets?: boolean } = {}): Promise<EvaluationData> {
  const ev = await loadEvaluation(db, sectionId);
  if (!ev) throw new DomainError("NOT_FOUND");
  const config = frozenConfig(ev);
  const { section } = await sectionAndProject(db, sectionId);

  const opened = await db
    .select({ bidId: bidOpenings.bidId, orgId: bidOpenings.orgId, form: bidOpenings.form, name: organisations.name })
    .from(bidOpenings)
    .innerJoin(organisations, eq(organisations.id, bidOpenings.orgId))
    .where(and(eq(bidOpenings.sectionId, sectionId), eq(bidOpenings.state, "decrypted")));
  const conclusions = await db.select().from(reviewConclusions).where(eq(reviewConclusions.sectionId, sectionId));
  const corrections = await db
    .select()
    .from(clarifications)
    .where(and(eq(clarifications.sectionId, sectionId), eq(clarifications.kind, "correction"), eq(clarifications.status, "answered")))
    .orderBy(asc(clarifications.answeredAt));

  const flat = flattenCriteria(config.criteria);
  const reviewable = [...config.review.map((r) => r.id), ...flat.filter((f) => f.leaf && f.node.mode === "pass_fail").map((f) => f.node.id)];
  const deductions = new Set("policyDeductions" in config ? config.policyDeductions.map((d) => d.id) : []);

  const bids: BidRef[] = [];
  const bidInputs: EvaluationInputData["bids"] = [];
  for (const b of opened) {
    const f: Record<string, unknown> = isRecord(b.form) && isRecord(b.form.form) ? b.form.form : {};
    const readPrice = yuanOf(f.priceYuan);
    if (readPrice === null) continue; // not readable: R26 decided it at the opening
    const name = cleanText(b.name, 200, b.bidId);
    bids.push({ bidId: b.bidId, orgId: b.orgId, name, readPrice });
    const c = conclusions.find((x) => x.bidId === b.bidId);
    let review: { itemId: string; passed: boolean }[] = [];
    let rejection: { reason: string } | null = null;
    if (c) {
      const listed = new Map((Array.isArray(c.items) ? c.items : []).filter((i) => isRecord(i) && typeof i.itemId === "string").map((i) => [i.itemId, i.passed === true]));
      review = reviewable.map((itemId) => ({ itemId, passed: listed.get(itemId) ?? true }));
      if (!c.passed && !review.some((r) => !r.passed)) {
        const texts = (Array.isArray(c.reasons) ? (c.reasons as unknown[]) : []).map((r) => (typeof r === "string" ? r : isRecord(r) && typeof r.reason === "string" ? r.reason : ""));
        rejection = { reason: cleanText([c.ground ?? "", ...texts].filter(Boolean).join("；"), 500, "rejected") };
      }
    }
    const answered = corrections.filter((x) => x.bidId === b.bidId && x.accepted !== null && isRecord(x.correction));
    const last = answered[answered.length - 1];
    let correction: EvaluationInputData["bids"][number]["correction"] = null;
    const price = last ? yuanOf(last.correction!.price) : null;
    if (last && price !== null) {
      const steps = (Array.isArray(last.correction!.steps) ? last.correction!.steps : []).flatMap((s) => {
        const p = CorrectionStepSchema.safeParse(s);
        return p.success ? [p.data] : [];
      });
      correction = { price, confirmed: last.accepted === true, steps: steps.slice(0, 100) };
    }
    const policyRaw: unknown[] = Array.isArray(f.policy) ? f.policy : Array.isArray(f.policyDeductions) ? f.policyDeductions : [];
    const policy = [...new Set(policyRaw.filter((p): p is string => typeof p === "string" && deductions.has(p)))];
    const brand = typeof f.brand === "string" && f.brand.trim() ? cleanText(f.brand, 100, "") || null : null;
    const provisional = yuanOf(f.provisionalYuan ?? f.provisional);
    bidInputs.push({ bidderId: b.bidId, name, readPrice, correction, review, rejection, policy, brand, provisional });
  }

  const live = seated(await liveMembers(db, sectionId));
  const names = live.length
    ? await db
        .select({ id: committeeMembers.id, expertName: experts.name, userName: users.displayName })
        .from(committeeMembers)
        .innerJoin(users, eq(users.id, committeeMembers.userId))
        .leftJoin(experts, eq(experts.id, committeeMembers.expertId))
        .where(inArray(committeeMembers.id, live.map((m) => m.id)))
    : [];
  const members: MemberRef[] = live.map((m) => {
    const n = names.find((x) => x.id === m.id);
    return { memberId: m.id, id: `M${m.seat}`, seat: m.seat, name: cleanText(n?.expertName ?? n?.userName, 100, `M${m.seat}`), role: m.kind, userId: m.userId };
  });

  const bidIds = new Set(bids.map((b) => b.bidId));
  const sheets: EvaluationInputData["sheets"] = [];
  const objectiveScores: EvaluationInputData["objectiveScores"] = [];
  if (opts.sheets !== false && members.length) {
    const rows = await db
      .select({ memberId: scores.memberId, bidId: scores.bidId, itemId: scores.itemId, score: scores.score, note: scores.note })
      .from(scores)
      .where(and(eq(scores.sectionId, sectionId), inArray(scores.memberId, members.map((m) => m.memberId))));
    const byMember = new Map<string, { bidderId: string; itemId: string; score: string }[]>();
    for (const r of rows) {
      const leaf = scoredLeaf(config, r.itemId);
      if (!leaf || !bidIds.has(r.bidId)) continue;
      const entry = { bidderId: r.bidId, itemId: r.itemId, score: r.score };
      if (r.note === COMMITTEE_ENTRY) {
        if (leaf.objective) objectiveScores.push(entry);
        continue;
      }
      const id = members.find((m) => m.memberId === r.memberId)!.id;
      byMember.set(id, [...(byMember.get(id) ?? []), entry]);
    }
    for (const [memberId, s] of byMember) sheets.push({ memberId, scores: s });
  } else if (members.length) {
    // Objective values entered once for the committee are the committee's, visible to every member (not a member's
    // own judgement): the price-only view still shows them.
    const rows = await db
      .select({ bidId: scores.bidId, itemId: scores.itemId, score: scores.score })
      .from(scores)
      .where(and(eq(scores.sectionId, sectionId), eq(scores.note, COMMITTEE_ENTRY), inArray(scores.memberId, members.map((m) => m.memberId))));
    for (const r of rows) if (bidIds.has(r.bidId) && scoredLeaf(config, r.itemId)?.objective) objectiveScores.push({ bidderId: r.bidId, itemId: r.itemId, score: r.score });
  }

  const { lots, decisions } = await recordedLotsAndDecisions(db, sectionId, new Set([...bidIds, ...members.map((m) => m.id)]));
  const data: EvaluationInputData = {
    ceilingPrice: section.ceilingPriceFen === null ? null : fenToYuan(section.ceilingPriceFen),
    members: members.map((m) => ({ memberId: m.id, name: m.name, role: m.role })),
    bids: bidInputs,
    sheets,
    objectiveScores,
    benchmarkInputs: null,
    lots,
    decisions,
  };
  const parsed = EvaluationInputSchema.safeParse(data);
  if (!parsed.success) throw new Error(`evaluationInput(${sectionId}): ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
  return { evaluation: ev, config, input: normalizeInput(parsed.data), members, bids };
}

/** Lots (from finalisations) and tenderer decisions in the record, in order; only those naming known ids. */
async function recordedLotsAndDecisions(db: Executor, sectionId: string, known: Set<string>): Promise<{ lots: Lot[]; decisions: { among: string[]; order: string[] }[] }> {
  const rows = await db
    .select({ action: recordEntries.action, payload: recordEntries.payload })
    .from(recordEntries)
    .where(and(eq(recordEntries.subjectType, "section"), eq(recordEntries.subjectId, sectionId), inArray(recordEntries.action, [DECISION_ACTION, FINALISED_ACTION])))
    .orderBy(asc(recordEntries.seq));
  const lots: Lot[] = [];
  const decisions: { among: string[]; order: string[] }[] = [];
  const knownAll = (ids: string[]) => ids.every((id) => known.has(id));
  const key = (among: string[]) => among.join("\u0000");
  for (const r of rows) {
    const p = r.payload as Record<string, unknown>;
    if (r.action === FINALISED_ACTION) {
      for (const l of Array.isArray(p.lots) ? p.lots : []) {
        const parsed = LotSchema.safeParse(isRecord(l) ? { purpose: l.purpose, among: l.among, order: l.order } : null);
        if (parsed.success && knownAll(parsed.data.among) && !lots.some((x) => x.purpose === parsed.data.purpose && key(x.among) === key(parsed.data.among))) lots.push(parsed.data);
      }
    } else {
      const parsed = LotSchema.omit({ purpose: true }).safeParse({ among: p.among, order: p.order });
      if (parsed.success && knownAll(parsed.data.among) && !decisions.some((d) => key(d.among) === key(parsed.data.among))) decisions.push(parsed.data);
    }
  }
  return { lots, decisions };
}

/** The SHA-256 of a result's canonical JSON (what the page displayed; EV19). */
export const resultDigest = (r: EvaluationResult | null): string => (r ? appendixSha256(r) : "");

/** Groups of the ranking waiting for the tendering unit's decision (EV8), as sorted bid ids. */
export function tendererTies(r: EvaluationResult | null): string[][] {
  if (!r) return [];
  const groups = new Map<number, string[]>();
  for (const e of r.ranking) if (e.pending === "tenderer_decides") groups.set(e.rank, [...(groups.get(e.rank) ?? []), e.bidderId]);
  return [...groups.values()].map((g) => [...g].sort());
}

/**
 * Recomputes the result from the stored inputs and stores it as the one every page displays (inside the caller's
 * command). A new `tenderer_decides` tie is put to the tendering unit (its inbox, a link to the question only).
 * Returns what the caller records.
 */
export async function recompute(tx: Tx, ev: Evaluation, extra: { decisions?: { among: string[]; order: string[] }[] } = {}) {
  const data = await evaluationInput(tx, ev.sectionId);
  const input = { ...data.input, decisions: [...data.input.decisions, ...(extra.decisions ?? [])] };
  const result = evaluate(data.config, input);
  const before = tendererTies(ev.result as EvaluationResult | null).map((g) => g.join());
  const referred = tendererTies(result).filter((g) => !before.includes(g.join()));
  await tx.update(evaluations).set({ result }).where(eq(evaluations.sectionId, ev.sectionId));
  if (referred.length) {
    const { project, section } = await sectionAndProject(tx, ev.sectionId);
    await notifyOrganisations(tx, [project.tenderingUnitId], {
      kind: "evaluationTie",
      params: { title: project.title, section: section.code },
      link: `/evaluations/${ev.sectionId}/tie`,
    });
  }
  return { result, digest: resultDigest(result), referred, data };
}

const summaryEvent = (sectionId: string): LiveEventInput => roomEvent(sectionId, "evaluation.summary", {});

// ---------------------------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------------------------

async function memberInSummary(tx: Tx, actor: Actor, sectionId: string) {
  const ev = await lockEvaluation(tx, sectionId);
  const member = await requireMember(tx, actor, sectionId);
  requireStage(ev, "summary");
  return { ev, member };
}

/**
 * R48 (87号令64): after submission a member changes its own score — or the leader the committee's objective entry —
 * only for a listed reason and with a note; the change is kept (score_changes), recorded, and the result recomputed.
 */
export async function changeScore(ctx: Ctx, actor: Actor, sectionId: string, input: { bidId: string; item: string; score: string; reason: string; note: string }) {
  if (!isUuid(sectionId) || !isUuid(input.bidId)) throw new DomainError("NOT_FOUND");
  return runCommand(ctx, actor, "evaluation.score_changed", async ({ tx, now }) => {
    const { ev, member } = await memberInSummary(tx, actor, sectionId);
    const config = frozenConfig(ev);
    const leaf = ID_RE.test(input.item) ? scoredLeaf(config, input.item) : null;
    if (!leaf) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R46_NOT_SCORED", { item: input.item.slice(0, 64) })]);
    if (!(CHANGE_REASONS as readonly string[]).includes(input.reason)) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R48_CHANGE_REASON")]);
    const note = input.note.trim();
    if (note.length < 4 || note.length > 500 || hasControlCharacter(note)) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R48_CHANGE_NOTE")]);
    const v = scoreViolation(leaf, input.score, config.rounding.scale);
    if (v) throw new DomainError("RULE_VIOLATION", {}, [v]);
    const [row] = await tx
      .select()
      .from(scores)
      .where(and(eq(scores.sectionId, sectionId), eq(scores.memberId, member.id), eq(scores.bidId, input.bidId), eq(scores.itemId, leaf.id)))
      .for("update");
    if (!row) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R48_CHANGE_NO_SCORE", { item: leaf.label })]);
    if (new Dec(row.score).eq(input.score)) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R48_CHANGE_SAME", { item: leaf.label })]);
    await tx
      .update(scores)
      .set({ score: input.score, rev: row.rev + 1, updatedAt: now })
      .where(and(eq(scores.sectionId, sectionId), eq(scores.memberId, member.id), eq(scores.bidId, input.bidId), eq(scores.itemId, leaf.id)));
    const reason = input.reason as ChangeReason;
    await tx.insert(scoreChanges).values({ sectionId, memberId: member.id, bidId: input.bidId, itemId: leaf.id, fromScore: row.score, toScore: input.score, reason, note, at: now });
    const { digest, referred } = await recompute(tx, ev);
    return {
      result: { digest },
      subjectType: "section",
      subjectId: sectionId,
      payload: { seat: member.seat, committee: row.note === COMMITTEE_ENTRY, bidId: input.bidId, item: leaf.id, from: row.score, to: input.score, reason, note, resultSha256: digest, tieReferred: referred },
      events: [summaryEvent(sectionId)],
    };
  });
}

/** Every flag of a result that needs the flagged member's written justification (EV18): deviation and below-max. */
export function flagsOf(r: EvaluationResult | null): { memberId: string; bidderId: string; itemId: string }[] {
  if (!r) return [];
  const seen = new Set<string>();
  const out: { memberId: string; bidderId: string; itemId: string }[] = [];
  for (const f of [...r.flags.deviation, ...r.flags.belowMax]) {
    const k = `${f.memberId}|${f.bidderId}|${f.itemId}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ memberId: f.memberId, bidderId: f.bidderId, itemId: f.itemId });
  }
  return out;
}

/** EV18: the flagged member's written justification of one flagged score (printed in the report's annex). */
export async function justifyFlag(ctx: Ctx, actor: Actor, sectionId: string, input: { bidId: string; item: string; text: string }) {
  if (!isUuid(sectionId) || !isUuid(input.bidId)) throw new DomainError("NOT_FOUND");
  if (!ID_RE.test(input.item)) throw new DomainError("VALIDATION", { field: "item" });
  return runCommand(ctx, actor, "evaluation.flag_justified", async ({ tx, now }) => {
    const { ev, member } = await memberInSummary(tx, actor, sectionId);
    const text = input.text.trim();
    if (text.length < 4 || text.length > 2000 || hasControlCharacter(text)) throw new DomainError("VALIDATION", { field: "text" });
    const config = frozenConfig(ev);
    const label = scoredLeaf(config, input.item)?.label ?? input.item.slice(0, 64);
    const flagged = flagsOf(ev.result as EvaluationResult | null).some((f) => f.memberId === `M${member.seat}` && f.bidderId === input.bidId && f.itemId === input.item);
    if (!flagged) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R48_NOT_FLAGGED", { item: label })]);
    await tx
      .insert(flagJustifications)
      .values({ sectionId, memberId: member.id, bidId: input.bidId, itemId: input.item, text, at: now })
      .onConflictDoUpdate({ target: [flagJustifications.sectionId, flagJustifications.memberId, flagJustifications.bidId, flagJustifications.itemId], set: { text, at: now } });
    return {
      result: null,
      subjectType: "section",
      subjectId: sectionId,
      payload: { seat: member.seat, bidId: input.bidId, item: input.item, text },
      events: [summaryEvent(sectionId)],
    };
  });
}

/** EV10 / R45: with fewer valid bids than the minimum (ZTB), the committee's reasoning, recorded by the leader. */
export async function recordReasoning(ctx: Ctx, actor: Actor, sectionId: string, text: string) {
  return runCommand(ctx, actor, "evaluation.reasoning_recorded", async ({ tx }) => {
    const { ev, member } = await memberInSummary(tx, actor, sectionId);
    requireLeader(ev, member);
    const t = text.trim();
    if (t.length < 4 || t.length > 2000 || hasControlCharacter(t)) throw new DomainError("VALIDATION", { field: "reasoning" });
    await tx.update(evaluations).set({ tooFewReasoning: t }).where(eq(evaluations.sectionId, sectionId));
    return { result: null, subjectType: "section", subjectId: sectionId, payload: { seat: member.seat, text: t }, events: [summaryEvent(sectionId)] };
  });
}

/**
 * The seed of the lots drawn at a finalisation: SHA-256 over the canonical JSON of the section, the record head at
 * the draw (the finalisation entry's prevHash) and a fresh salt — all three in the record, so anyone re-runs it.
 */
export function lotSeed(input: { sectionId: string; recordHead: string; salt: string }): Uint8Array {
  return new Uint8Array(createHash("sha256").update(canonicalJson({ v: 1, purpose: "evaluation.lot", ...input })).digest());
}

/**
 * The lot chooser of a finalisation (docs/evaluation-appendix.md §10): HMAC-DRBG-SHA256 from `lotSeed` driving the
 * engine's Fisher–Yates `shuffleChooser`; successive lots consume the same stream in the engine's order.
 */
export function seededChooser(seed: Uint8Array): LotChooser {
  const rng = new HmacDrbg(seed);
  return shuffleChooser((n) => rng.uniform(n));
}

export type FinaliseOutcome = { finalised: true; digest: string } | { finalised: false; digest: string; differences: Difference[] };

/**
 * EV19 一键汇总 (the leader): re-runs the engine from the stored inputs. If the figures differ from those the page
 * displayed (`shown` = their digest), nothing is finalised: the new figures are stored and the differences returned.
 * Refused while a blocker or an objective disagreement remains, a flag lacks its justification (EV18), a tie waits
 * for the tendering unit (EV8) or the <3-valid reasoning is missing (EV10). Otherwise a pending lot is drawn (seeded
 * from the record head and the section, recorded in this entry so the appendix replays it), the result stored and
 * the stage moves to `signing`.
 */
export async function finaliseSummary(ctx: Ctx, actor: Actor, sectionId: string, shown: string): Promise<FinaliseOutcome> {
  return runCommand(ctx, actor, "evaluation.finalised", async ({ tx, now }) => {
    const { ev, member } = await memberInSummary(tx, actor, sectionId);
    requireLeader(ev, member);
    const data = await evaluationInput(tx, sectionId);
    const first = evaluate(data.config, data.input);
    const stored = ev.result as EvaluationResult | null;
    if (resultDigest(first) !== shown || resultDigest(stored) !== shown) {
      // Not a refusal: the leader must look at the new figures first. Recorded as a re-check, not a finalisation.
      throw new Recheck(resultDigest(first), jsonDifferences(first, stored, "result"));
    }
    const blockers = first.blockers.filter((b) => b.code !== "lot_pending" && b.code !== "objective_disagreement");
    const violations = [];
    const disagreements = first.disagreements.length;
    if (disagreements) violations.push(evaluationViolation("RULE_R48_DISAGREEMENT", { count: disagreements }));
    if (blockers.length || first.status === "failed") violations.push(evaluationViolation("RULE_R48_RESULT_BLOCKED", { count: blockers.length || 1 }));
    const justified = await tx.select().from(flagJustifications).where(eq(flagJustifications.sectionId, sectionId));
    const memberOf = new Map(data.members.map((m) => [m.id, m.memberId]));
    const missing = flagsOf(first).filter((f) => !justified.some((j) => j.memberId === memberOf.get(f.memberId) && j.bidId === f.bidderId && j.itemId === f.itemId));
    if (missing.length) violations.push(evaluationViolation("RULE_R48_FLAGS_UNJUSTIFIED", { count: missing.length }));
    const ties = tendererTies(first);
    if (ties.length) violations.push(evaluationViolation("RULE_R47_TIE_PENDING", { count: ties.length }));
    if (first.reasoningRequired && !ev.tooFewReasoning) violations.push(evaluationViolation("RULE_R45_REASONING_MISSING", { min: data.config.tooFew.min }));
    if (violations.length) throw new DomainError("RULE_VIOLATION", {}, violations);

    // A lot still pending is drawn now, seeded by the record head (locked: this entry is the next one).
    const [head] = await tx.select().from(recordHead).where(eq(recordHead.id, 1)).for("update");
    const seedInput = { sectionId, recordHead: head!.hash, salt: randomBytes(32).toString("hex") };
    const seed = lotSeed(seedInput);
    const result = evaluate(data.config, data.input, { chooseLot: seededChooser(seed) });
    const drawn = result.lots.filter((l) => !data.input.lots.some((x) => x.purpose === l.purpose && x.among.join() === l.among.join()));
    if (result.status !== "complete" || tendererTies(result).length) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R48_RESULT_BLOCKED", { count: result.blockers.length || 1 })]);
    await tx.update(evaluations).set({ result }).where(eq(evaluations.sectionId, sectionId));
    const stage = await setStage(tx, ev, "signing", now);
    // The report is generated right after the commit, by a job (app/services/evaluation/report.server.ts).
    await scheduleReport(tx, sectionId, now);
    const digest = resultDigest(result);
    return {
      result: { finalised: true as const, digest },
      subjectType: "section",
      subjectId: sectionId,
      payload: {
        seat: member.seat,
        resultSha256: digest,
        ranking: result.ranking,
        candidates: result.candidates,
        lots: drawn.map((l) => ({ ...l, seed: { v: 1, purpose: "evaluation.lot", ...seedInput, sha256: Buffer.from(seed).toString("hex") } })),
      },
      events: [stage],
    };
  }).catch(async (e: unknown) => {
    if (!(e instanceof Recheck)) throw e;
    // Store the recomputed figures (they are what the page must show next) and record the re-check.
    await runCommand(ctx, actor, "evaluation.result_rechecked", async ({ tx }) => {
      const { ev, member } = await memberInSummary(tx, actor, sectionId);
      const { digest } = await recompute(tx, ev);
      return { result: null, subjectType: "section", subjectId: sectionId, payload: { seat: member.seat, resultSha256: digest, differences: e.differences.length }, events: [summaryEvent(sectionId)] };
    });
    return { finalised: false as const, digest: e.digest, differences: e.differences.slice(0, 200) };
  });
}

class Recheck extends Error {
  constructor(
    readonly digest: string,
    readonly differences: Difference[],
  ) {
    super("recheck");
  }
}

/** What a tie question shows the tendering unit: the project and the tied bidders' names — nothing of the room (R42). */
export async function tieQuestion(db: Executor, actor: Actor, sectionId: string) {
  const ev = await loadEvaluation(db, sectionId);
  if (!ev) throw new DomainError("NOT_FOUND");
  const { project, section } = await sectionAndProject(db, sectionId);
  if (!actor.orgId || !actor.roles.includes("tendering_unit") || project.tenderingUnitId !== actor.orgId) throw new DomainError("NOT_FOUND");
  const ties = ev.stage === "summary" ? tendererTies(ev.result as EvaluationResult | null) : [];
  if (!ties.length) throw new DomainError("NOT_FOUND");
  const ids = ties.flat();
  const names = await db
    .select({ bidId: bidOpenings.bidId, name: organisations.name })
    .from(bidOpenings)
    .innerJoin(organisations, eq(organisations.id, bidOpenings.orgId))
    .where(and(eq(bidOpenings.sectionId, sectionId), inArray(bidOpenings.bidId, ids)));
  return {
    sectionId,
    project: { code: project.code, title: project.title },
    section: { code: section.code, title: section.title },
    paused: !!ev.pausedAt,
    ties: ties.map((g) => g.map((bidId) => ({ bidId, name: names.find((n) => n.bidId === bidId)?.name ?? "" }))),
  };
}
export type TieQuestion = Awaited<ReturnType<typeof tieQuestion>>;

/** EV8: the tendering unit orders one group of tied bidders (recorded; an input of the engine from now on). */
export async function decideTie(ctx: Ctx, actor: Actor, sectionId: string, order: string[]) {
  return runCommand(ctx, actor, DECISION_ACTION, async ({ tx }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const { project } = await sectionAndProject(tx, sectionId);
    if (!actor.orgId || !actor.roles.includes("tendering_unit") || project.tenderingUnitId !== actor.orgId) throw new DomainError("NOT_FOUND");
    requireStage(ev, "summary");
    const among = [...order].sort();
    const ties = tendererTies(ev.result as EvaluationResult | null);
    if (new Set(order).size !== order.length || !ties.some((g) => g.join() === among.join())) throw new DomainError("RULE_VIOLATION", {}, [evaluationViolation("RULE_R47_TIE_ORDER")]);
    const { digest } = await recompute(tx, ev, { decisions: [{ among, order }] });
    return { result: { digest }, subjectType: "section", subjectId: sectionId, payload: { among, order, resultSha256: digest }, events: [summaryEvent(sectionId)] };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------------------------------------

/**
 * The summary as a viewer sees it. Members (everyone has submitted): the stored result per bid and item, the
 * benchmark, ranking and candidates, warnings and blockers, objective disagreements, every flag with whether it is
 * justified (each member writes its own), R48 changes, each bid's scores across members per item (the chart), and
 * the EV19 check — the result recomputed now against the stored one. Supervisors: progress only, never a score.
 */
export async function summaryView(db: Executor, ev: Evaluation, member: CommitteeMember | null, supervisor: boolean) {
  const sectionId = ev.sectionId;
  const stored = ev.result as EvaluationResult | null;
  const justifications = await db.select().from(flagJustifications).where(eq(flagJustifications.sectionId, sectionId));
  const changes = await db.select().from(scoreChanges).where(eq(scoreChanges.sectionId, sectionId)).orderBy(asc(scoreChanges.at));
  const flags = flagsOf(stored);
  const data = await evaluationInput(db, sectionId);
  const byId = new Map(data.members.map((m) => [m.id, m]));
  const justifiedOf = (f: { memberId: string; bidderId: string; itemId: string }) =>
    justifications.find((j) => j.memberId === byId.get(f.memberId)?.memberId && j.bidId === f.bidderId && j.itemId === f.itemId) ?? null;
  const progress = {
    flags: flags.length,
    unjustified: flags.filter((f) => !justifiedOf(f)).length,
    blockers: stored?.blockers.length ?? 0,
    changes: changes.length,
    finalised: ev.stage === "signing" || ev.stage === "signed",
  };
  const me = member && member.status === "seated" && data.members.some((m) => m.memberId === member.id) ? member : null;
  if (!me) return { kind: "progress" as const, progress, supervisor };

  const config = data.config;
  const recomputed = evaluate(config, data.input);
  const differences = jsonDifferences(recomputed, stored, "result").slice(0, 50);
  const bidName = new Map(data.bids.map((b) => [b.bidId, b.name]));
  const leaves = scoredLeaves(config);
  const labelOf = new Map(flattenCriteria(config.criteria).map((f) => [f.node.id, f.node.label]));
  const seatOf = (id: string | null) => (id === null ? null : (byId.get(id)?.seat ?? null));
  const scoreOf = new Map<string, string>();
  for (const s of data.input.sheets) for (const e of s.scores) scoreOf.set(`${s.memberId}|${e.bidderId}|${e.itemId}`, e.score);
  const committee = new Map(data.input.objectiveScores.map((e) => [`${e.bidderId}|${e.itemId}`, e.score]));
  const rankOf = new Map((stored?.ranking ?? []).map((r) => [r.bidderId, r]));
  const myId = `M${me.seat}`;
  const ownRows = await db.select({ bidId: scores.bidId, itemId: scores.itemId, score: scores.score, note: scores.note }).from(scores).where(and(eq(scores.sectionId, sectionId), eq(scores.memberId, me.id)));

  return {
    kind: "committee" as const,
    progress,
    supervisor,
    leader: ev.leaderMemberId === me.id,
    mySeat: me.seat,
    model: sheetModel(config),
    method: config.kind,
    digest: resultDigest(stored),
    status: stored?.status ?? null,
    failure: stored?.failure ?? null,
    differences,
    benchmark: stored?.benchmark ?? null,
    counts: stored?.counts ?? null,
    reasoning: { required: stored?.reasoningRequired ?? false, text: ev.tooFewReasoning ?? null, min: config.tooFew.min },
    candidates: stored?.candidates ?? [],
    ranking: (stored?.ranking ?? []).map((r) => ({ ...r, name: bidName.get(r.bidderId) ?? "" })),
    bids: (stored?.bids ?? []).map((b) => ({
      bidId: b.bidderId,
      name: bidName.get(b.bidderId) ?? "",
      valid: b.valid,
      reasons: b.reasons,
      bidPrice: b.bidPrice,
      scoringPrice: b.scoringPrice,
      evaluatedPrice: b.evaluatedPrice,
      devPct: b.devPct,
      priceScore: b.priceScore,
      trimmed: b.trimmed,
      abnormallyLow: b.abnormallyLow,
      items: Object.fromEntries(b.items.map((i) => [i.itemId, i.value])),
      dropped: Object.fromEntries(b.items.filter((i) => i.dropped.length).map((i) => [i.itemId, i.dropped.map(seatOf)])),
      groups: b.groups,
      total: b.total,
      rank: rankOf.get(b.bidderId)?.rank ?? null,
      pending: rankOf.get(b.bidderId)?.pending ?? null,
    })),
    warnings: (stored?.warnings ?? []).map((w) => ({ code: w.code, names: w.ids.map((id) => bidName.get(id) ?? id) })),
    blockers: (stored?.blockers ?? []).map((b) => ({ code: b.code, bid: b.bidderId ? (bidName.get(b.bidderId) ?? b.bidderId) : null, item: b.itemId ? (labelOf.get(b.itemId) ?? b.itemId) : null, seat: seatOf(b.memberId) })),
    disagreements: (stored?.disagreements ?? []).map((d) => ({
      bidId: d.bidderId,
      bid: bidName.get(d.bidderId) ?? "",
      itemId: d.itemId,
      item: labelOf.get(d.itemId) ?? d.itemId,
      values: d.values.map((v) => ({ seat: seatOf(v.memberId), score: v.score })),
      mine: d.values.some((v) => v.memberId === myId) || (ev.leaderMemberId === me.id && d.values.some((v) => v.memberId === null)),
    })),
    flags: flags.map((f) => {
      const dev = stored!.flags.deviation.find((x) => x.memberId === f.memberId && x.bidderId === f.bidderId && x.itemId === f.itemId) ?? null;
      const low = stored!.flags.belowMax.find((x) => x.memberId === f.memberId && x.bidderId === f.bidderId && x.itemId === f.itemId) ?? null;
      const j = justifiedOf(f);
      return {
        seat: seatOf(f.memberId),
        mine: f.memberId === myId,
        bidId: f.bidderId,
        bid: bidName.get(f.bidderId) ?? "",
        itemId: f.itemId,
        item: labelOf.get(f.itemId) ?? f.itemId,
        score: dev?.score ?? low?.score ?? "",
        reference: dev?.reference ?? null,
        devPct: dev?.devPct ?? null,
        limit: low?.limit ?? null,
        justification: j ? j.text : null,
      };
    }),
    changes: changes.map((c) => ({
      seat: data.members.find((m) => m.memberId === c.memberId)?.seat ?? null,
      bid: bidName.get(c.bidId) ?? "",
      item: labelOf.get(c.itemId) ?? c.itemId,
      from: c.fromScore,
      to: c.toScore,
      reason: c.reason,
      note: c.note,
      at: c.at.toISOString(),
    })),
    /** The chart: per scored item, per valid bid, every member's score and the aggregated value. */
    matrix: leaves.map((leaf) => ({
      itemId: leaf.id,
      label: leaf.label,
      max: leaf.max,
      objective: !!leaf.objective,
      bids: (stored?.bids ?? [])
        .filter((b) => b.valid)
        .map((b) => ({
          bidId: b.bidderId,
          name: bidName.get(b.bidderId) ?? "",
          aggregate: b.items.find((i) => i.itemId === leaf.id)?.value ?? null,
          committee: committee.get(`${b.bidderId}|${leaf.id}`) ?? null,
          values: data.members.map((m) => ({ seat: m.seat, score: scoreOf.get(`${m.id}|${b.bidderId}|${leaf.id}`) ?? null })),
        })),
    })),
    /** The member's own entries (the R48 change form). */
    own: ownRows
      .filter((r) => bidName.has(r.bidId) && labelOf.has(r.itemId))
      .map((r) => ({ bidId: r.bidId, bid: bidName.get(r.bidId)!, itemId: r.itemId, item: labelOf.get(r.itemId)!, score: r.score, committee: r.note === COMMITTEE_ENTRY })),
    ties: tendererTies(stored).map((g) => g.map((id) => bidName.get(id) ?? id)),
  };
}
export type SummaryView = Awaited<ReturnType<typeof summaryView>>;
