/**
 * The public timeline of a tender (the tender page's 项目进程): every stage it went through, with its instant, built
 * from the database rows the portal already publishes — the project's publication and bid deadline, the amendments,
 * the tender objections' filing/answer instants (R11/R12 suspensions, never who objected), each section's opening,
 * evaluation and report, its candidate publicity documents, the result objections' instants and outcomes (R52), the
 * results row's decision/notice instants (R55–R56), the contract (R56/R58) and the archive (R59).
 * Pure: rows in, entries out (the clock is passed in). docs/results-portal.md explains the choice of sources.
 */

export type TimelineKind =
  | "published"
  | "amended"
  | "tender_suspended"
  | "tender_resumed"
  | "deadline"
  | "opening_closed"
  | "opening_failed"
  | "evaluation_started"
  | "evaluation_failed"
  | "report_signed"
  | "publicity_started"
  | "publicity_suspended"
  | "publicity_resumed"
  | "publicity_ends"
  | "publicity_ended"
  | "recheck"
  | "result_ended"
  | "winner_decided"
  | "notices_issued"
  | "contract_signed"
  | "archived";

export type TimelineEntry = {
  /** The instant it happened (ISO), the sort key; for an upcoming entry, when it is due. */
  at: string;
  /** A calendar day to show instead of the instant (the contract's signing date, R58). */
  day?: string;
  kind: TimelineKind;
  sectionId: string | null;
  sectionCode: string | null;
  /** Not yet reached (the bid deadline, a running publicity's end). */
  upcoming?: boolean;
  params: Record<string, string | number>;
};

type ObjectionRow = { filedAt: Date; answeredAt: Date | null };

export type TimelineSection = {
  id: string;
  code: string;
  opening: { phase: string; phaseChangedAt: Date; closedAt: Date | null } | null;
  evaluation: { stage: string; startsAt: Date; stageChangedAt: Date } | null;
  /** Evaluation reports with their signing instant (a re-check signs a new one, 条例56). */
  reports: { number: string; signedAt: Date | null }[];
  /** Every candidate publicity published (R51), in any order. */
  publicities: { number: string; issuedAt: Date }[];
  /** R52 objections to the result: instants and outcome only. */
  objections: (ObjectionRow & { outcome: "dismissed" | "recheck" | "end" | null })[];
  result: {
    stage: string;
    publicityEndsAt: Date | null;
    publicityEndedAt: Date | null;
    decidedAt: Date | null;
    decisionMode: string | null;
    notifiedAt: Date | null;
    reportSignedAt: Date;
    endedReason: string | null;
  } | null;
  contract: { signedOn: string; recordedAt: Date } | null;
  archivedAt: Date | null;
};

export type TimelineInput = {
  now: Date;
  project: { publishedAt: Date | null; bidDeadline: Date };
  amendments: { seq: number; issuedAt: Date; extended: boolean; newDeadline: Date | null }[];
  /** R11/R12 objections to the tender (each suspends it until every pending one is answered). */
  objections: ObjectionRow[];
  sections: TimelineSection[];
};

/** Same-instant order: the order the stages happen in. */
const ORDER: TimelineKind[] = [
  "published",
  "amended",
  "tender_suspended",
  "tender_resumed",
  "deadline",
  "opening_failed",
  "opening_closed",
  "evaluation_started",
  "evaluation_failed",
  "report_signed",
  "publicity_started",
  "publicity_suspended",
  "recheck",
  "result_ended",
  "publicity_resumed",
  "publicity_ends",
  "publicity_ended",
  "winner_decided",
  "notices_issued",
  "contract_signed",
  "archived",
];

type Ev = { at: Date; kind: "file" | "answer"; outcome?: "dismissed" | "recheck" | "end" | null };

/** Filing and answer instants in order (a filing before an answer at the same instant). */
function objectionEvents(rows: { filedAt: Date; answeredAt: Date | null; outcome?: "dismissed" | "recheck" | "end" | null }[]): Ev[] {
  const evs: Ev[] = [];
  for (const o of rows) {
    evs.push({ at: o.filedAt, kind: "file" });
    if (o.answeredAt) evs.push({ at: o.answeredAt, kind: "answer", outcome: o.outcome ?? null });
  }
  return evs.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind === b.kind ? 0 : a.kind === "file" ? -1 : 1));
}

export function buildTimeline(input: TimelineInput): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const push = (at: Date, kind: TimelineKind, s: { id: string; code: string } | null, params: Record<string, string | number> = {}, extra: Partial<TimelineEntry> = {}) =>
    out.push({ at: at.toISOString(), kind, sectionId: s?.id ?? null, sectionCode: s?.code ?? null, params, ...extra });
  const { project, now } = input;

  if (project.publishedAt) push(project.publishedAt, "published", null);
  for (const a of input.amendments) push(a.issuedAt, "amended", null, { seq: a.seq, ...(a.extended && a.newDeadline ? { deadline: a.newDeadline.toISOString() } : {}) });

  // R11/R12: the tender is suspended from the first pending objection until the last one is answered.
  let pending = 0;
  for (const e of objectionEvents(input.objections)) {
    if (e.kind === "file") {
      if (pending++ === 0) push(e.at, "tender_suspended", null);
    } else if (pending > 0 && --pending === 0) push(e.at, "tender_resumed", null);
  }
  push(project.bidDeadline, "deadline", null, {}, now < project.bidDeadline ? { upcoming: true } : {});

  for (const s of input.sections) {
    const sec = { id: s.id, code: s.code };
    if (s.opening?.phase === "failed") push(s.opening.phaseChangedAt, "opening_failed", sec);
    if (s.opening?.closedAt) push(s.opening.closedAt, "opening_closed", sec);
    if (s.evaluation && s.evaluation.stage !== "waiting") push(s.evaluation.startsAt, "evaluation_started", sec);
    if (s.evaluation?.stage === "failed") push(s.evaluation.stageChangedAt, "evaluation_failed", sec);
    for (const r of s.reports) if (r.signedAt) push(r.signedAt, "report_signed", sec, { number: r.number });
    for (const p of s.publicities) push(p.issuedAt, "publicity_started", sec, { number: p.number });

    // R52: the first pending objection suspends the publicity; the answer that leaves none pending resumes it
    // (dismissed), sends the section back to its committee (recheck, 条例56) or ends it (end).
    let open = 0;
    for (const e of objectionEvents(s.objections)) {
      if (e.kind === "file") {
        if (open++ === 0) push(e.at, "publicity_suspended", sec);
        continue;
      }
      open = Math.max(0, open - 1);
      if (e.outcome === "recheck") {
        push(e.at, "recheck", sec);
        open = 0;
      } else if (e.outcome === "end") {
        push(e.at, "result_ended", sec, { reason: "objection_sustained" });
        open = 0;
      } else if (open === 0) push(e.at, "publicity_resumed", sec);
    }

    const r = s.result;
    if (r) {
      if (r.stage === "ended" && r.endedReason === "no_candidates") push(r.reportSignedAt, "result_ended", sec, { reason: "no_candidates" });
      if (r.publicityEndedAt) push(r.publicityEndedAt, "publicity_ended", sec);
      else if (r.stage === "publicity" && r.publicityEndsAt && now < r.publicityEndsAt) push(r.publicityEndsAt, "publicity_ends", sec, {}, { upcoming: true });
      if (r.decidedAt) push(r.decidedAt, "winner_decided", sec, { mode: r.decisionMode === "deemed" ? "deemed" : "chosen" });
      if (r.notifiedAt) push(r.notifiedAt, "notices_issued", sec);
    }
    // R58: the signing date is a day; it sorts at the instant it was recorded (never before the notices).
    if (s.contract) push(s.contract.recordedAt, "contract_signed", sec, {}, { day: s.contract.signedOn });
    if (s.archivedAt) push(s.archivedAt, "archived", sec);
  }

  const seq = new Map(input.sections.map((s, i) => [s.id, i]));
  return out
    .map((e, i) => ({ e, i }))
    .sort(
      (a, b) =>
        (a.e.at < b.e.at ? -1 : a.e.at > b.e.at ? 1 : 0) ||
        ORDER.indexOf(a.e.kind) - ORDER.indexOf(b.e.kind) ||
        (a.e.sectionId ? (seq.get(a.e.sectionId) ?? 0) : -1) - (b.e.sectionId ? (seq.get(b.e.sectionId) ?? 0) : -1) ||
        a.i - b.i,
    )
    .map(({ e }) => e);
}
