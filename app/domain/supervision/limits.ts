import { cstDateTime, type CalendarDate } from "../rules/days";
import type { Regime } from "../rules/profiles";
import type { ResultsProfile } from "../rules/results";
import type { RuleNumber } from "../rules/violations";

/**
 * Electronic supervision (电子监察, R63/R65): the limits table. Every time limit of a tender's lifecycle is one entry of
 * `LIMITS`; given the facts the database holds about one section (`SectionFacts`), each entry returns its limit
 * instances — one per running or finished occurrence (several for objections, invitations and refunds). The lights
 * (lights.ts) judge the instances against the database clock.
 *
 * Pure and isomorphic: no clock, no I/O, no profile look-ups. The due instants are not recomputed here: every one of
 * them is already stored by the command that started the limit (computed there from the rule profile and the holiday
 * calendar, R2), so supervision judges exactly the limit the parties were told. The reader that fills `SectionFacts`
 * belongs to the later supervision service (docs/decisions/019-supervision-limits.md).
 *
 * Two kinds of limit:
 * - `deadline`: a party must act by `dueAt` (answer an objection, publish, decide, notify, sign, refund). `doneAt` is
 *   when it did. `missed` marks a step the platform took in the party's place because the limit lapsed (the ZFCG
 *   deemed choice, R57; an invitation timed out, R37).
 * - `period`: a window that runs from `startedAt` to `dueAt` and closes by itself (documents on offer R6, the bid
 *   period R7, an amendment's R10 window, the decryption window R26, the candidate publicity R51). Passing `dueAt` is
 *   its normal end; `doneAt`, where the database records the window's actual close, is a breach when it is earlier than
 *   `dueAt` (the window was cut short). Its statutory minimum length is checked by the command that sets it
 *   (validatePublication, amendmentEffect, publicityEndsAt); a refusal there is a recorded violation, not a limit.
 *
 * A section that leaves the procedure without an award (`endedAt`: termination R13, a failed opening R25/R27, a failed
 * evaluation R45, a result objection that ends it R52) voids every limit still running then; a limit already overdue at
 * that instant stays a breach, closed at `endedAt`. The R53 complaint limits are the exception: they bind the
 * supervising department, and a complaint about a section that ended must still be accepted and decided.
 */

/** Where in the lifecycle a limit runs (section status in brackets). */
export type LimitStage =
  /** Tender documents on offer and their objections (published). */
  | "documents"
  /** Bids are prepared and submitted (published → bidding_closed). */
  | "bidding"
  /** The online opening (opening → opened). */
  | "opening"
  /** The expert draw's invitations (before the evaluation). */
  | "committee"
  /** The evaluation in the review room (evaluating → evaluated). */
  | "evaluation"
  /** Candidate publicity and its objections, ZTB (publicity). */
  | "publicity"
  /** The winner decision and the notices (awarded). */
  | "award"
  /** The contract and its publication (contracted). */
  | "contract"
  /** Bid bond refunds (awarded / contracted). */
  | "refunds"
  /** Complaints to the supervising department after an objection (R53; any stage). */
  | "complaints";

export type LimitKind = "deadline" | "period";

export type LimitId =
  | "documentsPeriod"
  | "documentObjectionAnswer"
  | "bidPeriod"
  | "amendmentWindow"
  | "decryptionWindow"
  | "expertConfirmation"
  | "evaluationSlot"
  | "publicityStart"
  | "publicityPeriod"
  | "resultObjectionAnswer"
  | "awardDecision"
  | "resultNotices"
  | "contract"
  | "contractPublication"
  | "bondRefund"
  | "complaintAcceptance"
  | "complaintDecision";

/** One occurrence of a limit. Instants come from the database; `doneAt` null = not done (yet). */
export type LimitInstance = {
  limitId: LimitId;
  startedAt: Date;
  dueAt: Date;
  doneAt: Date | null;
  /** The row the instance is about when a section has several (an objection, an invitation, a refund, an amendment). */
  subjectId?: string;
  /** The platform took the step because the limit lapsed (R57 deemed choice, R37 time-out): a breach however timely. */
  missed?: boolean;
};

/** A row with a filing instant, a stored answer limit and the answer instant (objections, R11/R12/R52). */
export type ObjectionFacts = {
  /** objections.id / result_objections.id */
  id: string;
  /** objections.filed_at / result_objections.filed_at */
  filedAt: Date;
  /** objections.answer_due_at / result_objections.answer_due_at (R11/R12 objectionAnswerDue; R52 objectionAnswerDue). */
  answerDueAt: Date;
  /** objections.answered_at / result_objections.answered_at */
  answeredAt: Date | null;
};

/**
 * What the database holds about one section's limits, as plain values. Project-level rows (the tender, its
 * amendments and objections) are the same for every section of the project.
 */
export type SectionFacts = {
  /** projects.regime: R11 (ZTB) or R12 (ZFCG) for the objections to the documents. */
  regime: Regime;
  /** The published tender; null for a draft (projects.published_at is null): no limit has started. */
  tender: {
    /** projects.published_at */
    publishedAt: Date;
    /** projects.documents_from (the documents are first issued at max(published_at, documents_from), R6/R7). */
    documentsFrom: Date;
    /** projects.documents_until */
    documentsUntil: Date;
    /** projects.bid_deadline: the deadline in force, after any R10 extension. */
    bidDeadline: Date;
  } | null;
  /** amendments rows (id, issued_at, new_deadline, affects_bid_preparation): R10 windows. */
  amendments: readonly { id: string; issuedAt: Date; newDeadline: Date; affectsBidPreparation: boolean }[];
  /** objections rows (R11 ZTB 异议 / R12 ZFCG 质疑 on the tender documents). */
  documentObjections: readonly ObjectionFacts[];
  /** The section's openings row (R24/R26); null before the hall opens. */
  opening: {
    /** openings.opened_at: the hall opened (closes the bid period, R7/R24). */
    openedAt: Date;
    /** openings.decryption_ends_at (R26, decryptionEndsAt(opened_at, projects.decryption_window_minutes)). */
    decryptionEndsAt: Date;
  } | null;
  /**
   * The expert invitations of the section's draws (R37): draw_picks joined to their confirmation time-out job
   * (jobs.dedupe_key = 'draw-timeout:' || draw_picks.id). A standby backup never invited has no job and no row here.
   */
  invitations: readonly {
    /** draw_picks.id */
    pickId: string;
    /** jobs.created_at of the time-out job: the invitation was sent in the same transaction. */
    invitedAt: Date;
    /** jobs.due_at of the time-out job (confirmationDeadline in app/services/pool/draws.server.ts). */
    dueAt: Date;
    /** draw_picks.status */
    status: "invited" | "confirmed" | "declined" | "timed_out" | "replaced";
    /** draw_picks.responded_at (the answer, the time-out, or the replacement that withdrew the invitation). */
    respondedAt: Date | null;
  }[];
  /** The evaluation's booked review-room slot (R38); null without a booking (nothing to measure against). */
  evaluation: {
    /** room_bookings.starts_at of the live booking (evaluations.booking_id, cancelled_at null). */
    slotStartsAt: Date;
    /** room_bookings.ends_at */
    slotEndsAt: Date;
    /** evaluation_reports.signed_at of the live report, or evaluations.stage_changed_at when stage = 'failed'. */
    finishedAt: Date | null;
  } | null;
  /** The section_results row (R51–R57); null before the report is signed. */
  results: {
    /** section_results.report_signed_at (R51: the report is received; R57: it reaches the purchaser). */
    reportSignedAt: Date;
    /** section_results.publicity_due_at (R51, ZTB; null for ZFCG). */
    publicityDueAt: Date | null;
    /** section_results.publicity_started_at */
    publicityStartedAt: Date | null;
    /** section_results.publicity_ends_at (R51 earliest end, extended by the time suspended, R52). */
    publicityEndsAt: Date | null;
    /** section_results.publicity_ended_at */
    publicityEndedAt: Date | null;
    /** section_results.decision_due_at (R57, ZFCG; null for ZTB). */
    decisionDueAt: Date | null;
    /** section_results.decided_at */
    decidedAt: Date | null;
    /** section_results.decision_mode: 'deemed' when the R57 timer chose rank 1. */
    decisionMode: "chosen" | "deemed" | null;
    /** section_results.notices_due_at (R54, ZFCG; null for ZTB). */
    noticesDueAt: Date | null;
    /** section_results.notified_at */
    notifiedAt: Date | null;
    /** section_results.contract_due_at (R56). */
    contractDueAt: Date | null;
  } | null;
  /** result_objections rows (R52). */
  resultObjections: readonly ObjectionFacts[];
  /** The contracts row (R56/R57); null before it is recorded. */
  contract: {
    /** contracts.signed_on: the signing day (CST); the R56 limit is on signing, not on recording. */
    signedOn: CalendarDate;
    /** contracts.recorded_at */
    recordedAt: Date;
    /** contracts.publish_due_at (R57, ZFCG; null for ZTB). */
    publishDueAt: Date | null;
    /** contracts.published_at */
    publishedAt: Date | null;
  } | null;
  /** bond_refunds rows (R15). */
  refunds: readonly {
    /** bond_refunds.id */
    id: string;
    /**
     * What the refund limit counts from — no column holds it: section_results.notified_at or contracts.recorded_at as
     * the profile's results.bondRefund says for a winner or another bidder (see `bondRefundStart`).
     */
    startedAt: Date;
    /** bond_refunds.due_at */
    dueAt: Date;
    /** bond_refunds.refunded_at */
    refundedAt: Date | null;
  }[];
  /**
   * complaints rows (R53) about the section: its own and its project's project-wide ones (sectionId null, after an
   * objection to the documents). Instants as stored; `closedAt` ends a complaint withdrawn before the department acted.
   */
  complaints: readonly ComplaintFacts[];
  /**
   * When the section left the procedure without an award: projects/sections terminated (R13, the record entry's
   * instant), openings.phase_changed_at with phase 'failed' (R25/R27), evaluations.stage_changed_at with stage
   * 'failed' (R45), or the record entry that ended the results (section_results.stage 'ended', R52). Null otherwise.
   */
  endedAt: Date | null;
};

/** A complaint's limits as its row holds them (R53). */
export type ComplaintFacts = {
  /** complaints.id */
  id: string;
  /** complaints.filed_at */
  filedAt: Date;
  /** complaints.accept_due_at (complaintAcceptDue: 3 working days). */
  acceptDueAt: Date;
  /** complaints.accepted_at ?? complaints.refused_at: the department decided whether to accept. */
  admittedAt: Date | null;
  /** complaints.decision_due_at (complaintDecisionDue: 30 working days from acceptance); null unless accepted. */
  decisionDueAt: Date | null;
  /** complaints.decided_at */
  decidedAt: Date | null;
  /** When a withdrawal ended it (the record entry's instant: no column holds it); null otherwise. */
  withdrawnAt: Date | null;
};

/** The facts of a section with nothing started: a draft (no limit, green). */
export function emptySectionFacts(regime: Regime): SectionFacts {
  return { regime, tender: null, amendments: [], documentObjections: [], opening: null, invitations: [], evaluation: null, results: null, resultObjections: [], contract: null, refunds: [], complaints: [], endedAt: null };
}

/**
 * R15: the instant a bond refund's limit counts from — the award notice or the contract, by the profile and whether
 * the bidder won (the same choice bondRefundDue made when the row was created). Null when that start has not happened.
 */
export function bondRefundStart(input: { winner: boolean; noticeAt: Date | null; contractAt: Date | null }, p: ResultsProfile): Date | null {
  const from = input.winner ? p.bondRefund.winnerFrom : p.bondRefund.losersFrom;
  return from === "contract" ? input.contractAt : input.noticeAt;
}

export type LimitDefinition = {
  id: LimitId;
  /** The rule it supervises (docs/rules.md numbering); per regime where the two differ. */
  rule: RuleNumber | Readonly<Record<Regime, RuleNumber>>;
  /** i18n key stem: `supervision:limits.<id>` (its title; the namespace's other keys build on it). */
  i18nKey: `supervision:limits.${LimitId}`;
  stage: LimitStage;
  kind: LimitKind;
  /** The section's instances of this limit (pure; the `endedAt` rule of the module comment applied). */
  instances: (facts: SectionFacts) => LimitInstance[];
};

/** The rule number of a limit for a regime. */
export function ruleOf(limit: Pick<LimitDefinition, "rule">, regime: Regime): RuleNumber {
  return typeof limit.rule === "string" ? limit.rule : limit.rule[regime];
}

const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

/** R6/R7: the documents are first issued at publication, or later when their period starts later (as tender.ts). */
const firstIssue = (t: NonNullable<SectionFacts["tender"]>) => later(t.publishedAt, t.documentsFrom);

function answers(limitId: LimitId, rows: readonly ObjectionFacts[]): LimitInstance[] {
  return rows.map((o) => ({ limitId, startedAt: o.filedAt, dueAt: o.answerDueAt, doneAt: o.answeredAt, subjectId: o.id }));
}

/**
 * The `endedAt` rule: a limit not done when the section ended is void when the end came by its due instant (dropped),
 * and a breach closed at `endedAt` when it was already overdue (a deadline) — a period simply stopped.
 */
function applyEnd(kind: LimitKind, list: LimitInstance[], endedAt: Date | null): LimitInstance[] {
  if (!endedAt) return list;
  const out: LimitInstance[] = [];
  for (const i of list) {
    if (i.doneAt && i.doneAt.getTime() <= endedAt.getTime()) out.push(i);
    else if (endedAt.getTime() <= i.dueAt.getTime()) continue;
    else out.push(kind === "deadline" ? { ...i, doneAt: endedAt } : { ...i, doneAt: null });
  }
  return out;
}

/** `survivesEnd`: the limit binds the supervisor, not the procedure — the section's end does not void it (R53). */
type Raw = Omit<LimitDefinition, "instances" | "i18nKey"> & { build: (f: SectionFacts) => LimitInstance[]; survivesEnd?: boolean };

const define = ({ build, survivesEnd, ...d }: Raw): LimitDefinition => ({
  ...d,
  i18nKey: `supervision:limits.${d.id}`,
  instances: (f) => (survivesEnd ? build(f) : applyEnd(d.kind, build(f), f.endedAt)),
});

/** A withdrawal ends a running complaint limit without a breach when it came in time, and closes it late otherwise. */
function complaintDone(doneAt: Date | null, withdrawnAt: Date | null): Date | null {
  return doneAt ?? withdrawnAt;
}

const one = (i: LimitInstance | null): LimitInstance[] => (i ? [i] : []);

/** The limits table, in lifecycle order (the order dashboards list them in). */
export const LIMITS: readonly LimitDefinition[] = [
  define({
    // R6: documents on offer ≥ 5 days (ZTB 条例16) / ≥ 5 working days (ZFCG 87号令18), from the first issue.
    id: "documentsPeriod",
    rule: "R6",
    stage: "documents",
    kind: "period",
    build: ({ tender: t }) => one(t && { limitId: "documentsPeriod", startedAt: firstIssue(t), dueAt: t.documentsUntil, doneAt: null }),
  }),
  define({
    // R11 (ZTB 异议: answered within 3 days) / R12 (ZFCG 质疑: within 7 working days); one per objection.
    id: "documentObjectionAnswer",
    rule: { ZTB: "R11", ZFCG: "R12" },
    stage: "documents",
    kind: "deadline",
    build: (f) => (f.tender ? answers("documentObjectionAnswer", f.documentObjections) : []),
  }),
  define({
    // R7: the bid period from the first issue to the deadline in force; the hall opening closes it (R24: not before).
    id: "bidPeriod",
    rule: "R7",
    stage: "bidding",
    kind: "period",
    build: ({ tender: t, opening }) => one(t && { limitId: "bidPeriod", startedAt: firstIssue(t), dueAt: t.bidDeadline, doneAt: opening?.openedAt ?? null }),
  }),
  define({
    // R10: an amendment that may affect bid preparation leaves bidders ≥ 15 days to the (possibly extended) deadline.
    id: "amendmentWindow",
    rule: "R10",
    stage: "bidding",
    kind: "period",
    build: ({ tender, amendments, opening }) =>
      tender
        ? amendments
            .filter((a) => a.affectsBidPreparation)
            .map((a) => ({ limitId: "amendmentWindow" as const, startedAt: a.issuedAt, dueAt: a.newDeadline, doneAt: opening?.openedAt ?? null, subjectId: a.id }))
        : [],
  }),
  define({
    // R26: bidders decrypt within the window the tender set (decryption_window_minutes from the opening).
    id: "decryptionWindow",
    rule: "R26",
    stage: "opening",
    kind: "period",
    build: ({ opening: o }) => one(o && { limitId: "decryptionWindow", startedAt: o.openedAt, dueAt: o.decryptionEndsAt, doneAt: null }),
  }),
  define({
    // R37: an invited expert answers by its confirmation deadline, else it times out and the next backup is invited.
    id: "expertConfirmation",
    rule: "R37",
    stage: "committee",
    kind: "deadline",
    build: ({ invitations }) =>
      invitations.map((p) => ({
        limitId: "expertConfirmation" as const,
        startedAt: p.invitedAt,
        dueAt: p.dueAt,
        doneAt: p.status === "invited" ? null : p.respondedAt,
        subjectId: p.pickId,
        ...(p.status === "timed_out" ? { missed: true } : {}),
      })),
  }),
  define({
    // R38: the evaluation takes place in its booked slot; the signed report (or the R45 failure) ends it.
    id: "evaluationSlot",
    rule: "R38",
    stage: "evaluation",
    kind: "deadline",
    build: ({ evaluation: e }) => one(e && { limitId: "evaluationSlot", startedAt: e.slotStartsAt, dueAt: e.slotEndsAt, doneAt: e.finishedAt }),
  }),
  define({
    // R51 (ZTB): the candidate publicity starts within 3 days of receiving the report.
    id: "publicityStart",
    rule: "R51",
    stage: "publicity",
    kind: "deadline",
    build: ({ results: r }) => one(r?.publicityDueAt ? { limitId: "publicityStart", startedAt: r.reportSignedAt, dueAt: r.publicityDueAt, doneAt: r.publicityStartedAt } : null),
  }),
  define({
    // R51 (ZTB): the publicity lasts ≥ 3 days (its end extended by the time an R52 objection suspended it).
    id: "publicityPeriod",
    rule: "R51",
    stage: "publicity",
    kind: "period",
    build: ({ results: r }) =>
      one(r?.publicityStartedAt && r.publicityEndsAt ? { limitId: "publicityPeriod", startedAt: r.publicityStartedAt, dueAt: r.publicityEndsAt, doneAt: r.publicityEndedAt } : null),
  }),
  define({
    // R52: an objection to the result is answered within 3 days; one per objection.
    id: "resultObjectionAnswer",
    rule: "R52",
    stage: "publicity",
    kind: "deadline",
    build: (f) => answers("resultObjectionAnswer", f.resultObjections),
  }),
  define({
    // R57 (ZFCG): the purchaser decides within 5 working days of receiving the report; else rank 1 is deemed chosen.
    id: "awardDecision",
    rule: "R57",
    stage: "award",
    kind: "deadline",
    build: ({ results: r }) =>
      one(
        r?.decisionDueAt
          ? { limitId: "awardDecision", startedAt: r.reportSignedAt, dueAt: r.decisionDueAt, doneAt: r.decidedAt, ...(r.decisionMode === "deemed" ? { missed: true } : {}) }
          : null,
      ),
  }),
  define({
    // R54 (ZFCG): the result notice within 2 working days of the decision.
    id: "resultNotices",
    rule: "R54",
    stage: "award",
    kind: "deadline",
    build: ({ results: r }) => one(r?.noticesDueAt && r.decidedAt ? { limitId: "resultNotices", startedAt: r.decidedAt, dueAt: r.noticesDueAt, doneAt: r.notifiedAt } : null),
  }),
  define({
    // R56: the contract is signed within 30 days of the award notice. Done on the signing day (00:00 CST): a day
    // within the limit is in time even when it was recorded later.
    id: "contract",
    rule: "R56",
    stage: "contract",
    kind: "deadline",
    build: ({ results: r, contract: c }) =>
      one(r?.contractDueAt && r.notifiedAt ? { limitId: "contract", startedAt: r.notifiedAt, dueAt: r.contractDueAt, doneAt: c ? cstDateTime(c.signedOn, 0) : null } : null),
  }),
  define({
    // R57 (ZFCG): the contract is published within 2 working days of signing (recording).
    id: "contractPublication",
    rule: "R57",
    stage: "contract",
    kind: "deadline",
    build: ({ contract: c }) => one(c?.publishDueAt ? { limitId: "contractPublication", startedAt: c.recordedAt, dueAt: c.publishDueAt, doneAt: c.publishedAt } : null),
  }),
  define({
    // R15: bid bonds refunded within 5 days (ZTB) / 5 working days (ZFCG) of the contract or notice; one per bidder.
    id: "bondRefund",
    rule: "R15",
    stage: "refunds",
    kind: "deadline",
    build: ({ refunds }) => refunds.map((b) => ({ limitId: "bondRefund" as const, startedAt: b.startedAt, dueAt: b.dueAt, doneAt: b.refundedAt, subjectId: b.id })),
  }),
  define({
    // R53: the supervising department accepts or refuses a complaint within 3 working days of its filing.
    id: "complaintAcceptance",
    rule: "R53",
    stage: "complaints",
    kind: "deadline",
    survivesEnd: true,
    build: ({ complaints }) =>
      complaints.map((c) => ({ limitId: "complaintAcceptance" as const, startedAt: c.filedAt, dueAt: c.acceptDueAt, doneAt: complaintDone(c.admittedAt, c.withdrawnAt), subjectId: c.id })),
  }),
  define({
    // R53: an accepted complaint is decided within 30 working days of its acceptance.
    id: "complaintDecision",
    rule: "R53",
    stage: "complaints",
    kind: "deadline",
    survivesEnd: true,
    build: ({ complaints }) =>
      complaints.flatMap((c) =>
        c.admittedAt && c.decisionDueAt
          ? [{ limitId: "complaintDecision" as const, startedAt: c.admittedAt, dueAt: c.decisionDueAt, doneAt: complaintDone(c.decidedAt, c.withdrawnAt), subjectId: c.id }]
          : [],
      ),
  }),
];

const BY_ID: ReadonlyMap<LimitId, LimitDefinition> = new Map(LIMITS.map((l) => [l.id, l]));

/** The catalogue entry of a limit id. */
export function limitById(id: LimitId): LimitDefinition {
  const l = BY_ID.get(id);
  if (!l) throw new RangeError(`unknown limit: ${id}`);
  return l;
}

/** Every limit instance of a section, in catalogue order (instances of one limit by their start). */
export function sectionLimits(facts: SectionFacts): LimitInstance[] {
  return LIMITS.flatMap((l) => l.instances(facts).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime()));
}
