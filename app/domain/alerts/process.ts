import { Dec, dmean, fixed, HUNDRED, parseScore } from "#app/domain/evaluation/decimal";
import { deviationPct } from "#app/domain/evaluation/flags";
import { addCalendarDays, cstDate } from "#app/domain/rules/days";
import { alert, byString, iso, sortAlerts, sortedUnique, type Alert, type AlertKind } from "./alert";

/**
 * Process signals: a section with a single bidder (R25), an amendment inside the R10 window that did not move the
 * deadline, a score far from the other members' (EV18), an expert declining draws repeatedly (R34), and answers,
 * contracts, publications and refunds past their due instant (R52, R56, R57, R15). `now` is always passed in.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/** One section at its deadline. */
export type SectionBiddersInput = {
  /** sections.id */
  sectionId: string;
  /** projects.bidDeadline (the deadline in force, after any R10 extension). */
  deadline: Date;
  /** bids.orgId of the section's bids with status `submitted` (one per bidder; duplicates are ignored). */
  bidderOrgIds: readonly string[];
};

/**
 * R25: exactly one bidder once the deadline has passed (no competition; under R25 the section fails and is re-tendered,
 * and a repeated single-bidder pattern is what supervisors look for). Nothing before the deadline: bids may still come.
 */
export function detectSingleBidder(input: SectionBiddersInput, now: Date): Alert[] {
  if (now.getTime() < input.deadline.getTime()) return [];
  const orgs = sortedUnique(input.bidderOrgIds);
  if (orgs.length !== 1) return [];
  return [alert("ALERT_R25_SINGLE_BIDDER", input.sectionId, orgs, { deadline: iso(input.deadline), bidders: 1 }, "warning")];
}

/** One amendment of the section's project (table `amendments`). */
export type AmendmentInput = {
  /** amendments.id */
  id: string;
  /** amendments.issuedAt */
  issuedAt: Date;
  /** amendments.affectsBidPreparation (only those can require an extension, R10). */
  affectsBidPreparation: boolean;
};

export type AmendmentWindowInput = {
  /** sections.id (every section of the project shares its deadline; run once per section). */
  sectionId: string;
  /** projects.bidDeadline: the deadline finally in force. */
  deadline: Date;
  amendments: readonly AmendmentInput[];
};

export type AmendmentWindowParams = {
  /** R10 minimum in calendar days between issue and deadline (default 15; pre-qualification documents: 3). */
  minDays?: number;
};

/**
 * R10 (条例21; 87号令27): an amendment that may affect bid preparation issued fewer than `minDays` days before the
 * deadline must push the deadline to issue day + minDays. Fires for each such amendment when the deadline finally in
 * force is still earlier than that (CST calendar days, the same test as app/domain/rules/tender.ts amendmentEffect).
 */
export function detectAmendmentWithoutExtension(input: AmendmentWindowInput, params: AmendmentWindowParams = {}): Alert[] {
  const minDays = params.minDays ?? 15;
  const deadlineDay = cstDate(input.deadline);
  const out: Alert[] = [];
  for (const a of input.amendments) {
    if (!a.affectsBidPreparation) continue;
    const earliest = addCalendarDays(cstDate(a.issuedAt), minDays);
    if (deadlineDay >= earliest) continue;
    out.push(
      alert(
        "ALERT_R10_AMENDMENT_NOT_EXTENDED",
        input.sectionId,
        [a.id],
        { amendmentId: a.id, issuedAt: iso(a.issuedAt), deadline: iso(input.deadline), requiredDeadlineDay: earliest, minDays },
        "critical",
      ),
    );
  }
  return sortAlerts(out);
}

/** One member's score (table `scores`) — only live members (committee_members.voidedAt is null, EV15). */
export type ScoreInput = {
  /** scores.memberId */
  memberId: string;
  /** committee_members.expertId of that member (null for the tendering unit's representative). */
  expertId?: string | null;
  /** scores.bidId */
  bidId: string;
  /** scores.itemId */
  itemId: string;
  /** scores.score: a decimal string (SCORE_RE). */
  score: string;
};

export type ScoreOutlierParams = {
  /** Fire when |s − ref| > thresholdPct % of the item's maximum (default 30). */
  thresholdPct?: number;
  /** Fewest scores on one item of one bid for a comparison (default 3: with two, each is as far from the other). */
  minScores?: number;
};

/**
 * EV18, for supervision: a member's score on one item of one bid far from the others — |s − ref| / max × 100 >
 * thresholdPct, ref = the mean of the *other* members' scores, max = the item's maximum points (from the frozen method
 * configuration, evaluations.config). The evaluation room's own flag (app/domain/evaluation/flags.ts deviationFlags)
 * divides by ref instead, which exaggerates deviations on items where the others gave little (ref near 0); relative
 * to the maximum, the threshold means the same on every item. EV18's own percentage is kept as evidence.
 */
export function detectScoreOutliers(sectionId: string, items: readonly { itemId: string; max: string }[], scores: readonly ScoreInput[], params: ScoreOutlierParams = {}): Alert[] {
  const threshold = new Dec(params.thresholdPct ?? 30);
  const minScores = params.minScores ?? 3;
  const maxOf = new Map(items.map((i) => [i.itemId, parseScore(i.max)]));
  const cells = new Map<string, ScoreInput[]>();
  for (const s of scores) {
    const k = `${s.bidId}\u0000${s.itemId}`;
    const c = cells.get(k);
    if (c) c.push(s);
    else cells.set(k, [s]);
  }
  const out: Alert[] = [];
  for (const cell of cells.values()) {
    const { itemId, bidId } = cell[0]!;
    const max = maxOf.get(itemId);
    if (!max || !max.gt(0) || cell.length < Math.max(2, minScores)) continue;
    const values = cell.map((s) => ({ s, v: parseScore(s.score) }));
    for (const { s, v } of values) {
      const ref = dmean(values.filter((x) => x.s !== s).map((x) => x.v));
      const ofMax = v.minus(ref).abs().div(max).times(HUNDRED);
      if (!ofMax.gt(threshold)) continue;
      const ev18 = deviationPct(v, ref);
      out.push(
        alert(
          "ALERT_EV18_SCORE_OUTLIER",
          sectionId,
          [s.expertId ?? s.memberId],
          {
            memberId: s.memberId,
            bidId,
            itemId,
            score: fixed(v, 4),
            reference: fixed(ref, 4),
            max: fixed(max, 4),
            deviationPctOfMax: fixed(ofMax, 2),
            ev18DeviationPct: ev18 ? fixed(ev18, 2) : "",
            thresholdPct: fixed(threshold, 2),
          },
          "warning",
        ),
      );
    }
  }
  return sortAlerts(out);
}

/** One draw pick (table `draw_picks`, joined to `draws` for the section). */
export type DrawPickInput = {
  /** draw_picks.id */
  pickId: string;
  /** draw_picks.expertId */
  expertId: string;
  /** draws.sectionId */
  sectionId: string;
  /** draw_picks.status */
  status: "invited" | "standby" | "confirmed" | "declined" | "timed_out" | "replaced";
  /** draw_picks.respondedAt (for a time-out: when it timed out). */
  respondedAt: Date | null;
};

export type DeclineParams = {
  /** Declines within the window that fire (default 3). */
  minDeclines?: number;
  /** The window, in days back from now (default 180). */
  windowDays?: number;
  /** Count an unanswered invitation (timed_out) as a decline (default false). */
  countTimeouts?: boolean;
};

/**
 * R34 (expert pool management: an expert who repeatedly refuses invitations without cause is dealt with by the pool):
 * an expert declining at least `minDeclines` invitations in the last `windowDays` days. Spans sections, so the alert's
 * sectionId is null and the sections are listed in the evidence.
 */
export function detectRepeatedDeclines(picks: readonly DrawPickInput[], now: Date, params: DeclineParams = {}): Alert[] {
  const minDeclines = params.minDeclines ?? 3;
  const windowDays = params.windowDays ?? 180;
  const from = now.getTime() - windowDays * DAY_MS;
  const byExpert = new Map<string, (DrawPickInput & { respondedAt: Date })[]>();
  for (const p of picks) {
    const declined = p.status === "declined" || (params.countTimeouts === true && p.status === "timed_out");
    if (!declined || p.respondedAt == null) continue;
    const t = p.respondedAt.getTime();
    if (t < from || t > now.getTime()) continue;
    const list = byExpert.get(p.expertId) ?? [];
    list.push({ ...p, respondedAt: p.respondedAt });
    byExpert.set(p.expertId, list);
  }
  const out: Alert[] = [];
  for (const [expertId, list] of byExpert) {
    if (list.length < minDeclines) continue;
    list.sort((a, b) => a.respondedAt.getTime() - b.respondedAt.getTime() || byString(a.pickId, b.pickId));
    out.push(
      alert(
        "ALERT_R34_REPEATED_DECLINES",
        null,
        [expertId],
        {
          declines: list.length,
          windowDays,
          minDeclines,
          pickIds: list.map((p) => p.pickId),
          sectionIds: sortedUnique(list.map((p) => p.sectionId)),
          respondedAt: list.map((p) => iso(p.respondedAt)),
        },
        "warning",
      ),
    );
  }
  return sortAlerts(out);
}

/** Something due by an instant: open past due is critical (the breach is ongoing), done late is a warning. */
type DueItem = { id: string; sectionId: string; subjects: readonly string[]; dueAt: Date; doneAt: Date | null };

export type OverdueParams = {
  /** Grace after the due instant before an alert, in milliseconds (default 0). */
  graceMs?: number;
};

function overdue(kind: AlertKind, items: readonly DueItem[], now: Date, params: OverdueParams): Alert[] {
  const grace = params.graceMs ?? 0;
  const out: Alert[] = [];
  for (const it of items) {
    const due = it.dueAt.getTime() + grace;
    const open = it.doneAt == null;
    const end = open ? now.getTime() : it.doneAt!.getTime();
    if (end <= due) continue;
    out.push(
      alert(
        kind,
        it.sectionId,
        it.subjects,
        {
          id: it.id,
          state: open ? "open" : "late",
          dueAt: iso(it.dueAt),
          doneAt: open ? "" : iso(it.doneAt!),
          overdueHours: Math.floor((end - it.dueAt.getTime()) / HOUR_MS),
        },
        open ? "critical" : "warning",
      ),
    );
  }
  return sortAlerts(out);
}

/** One objection to the evaluation result (table `result_objections`). */
export type ObjectionDueInput = {
  /** result_objections.id */
  id: string;
  /** result_objections.sectionId */
  sectionId: string;
  /** result_objections.orgId (the objecting bidder) */
  orgId: string;
  /** result_objections.answerDueAt */
  answerDueAt: Date;
  /** result_objections.answeredAt */
  answeredAt: Date | null;
};

/** R52 (条例54: answered within 3 days): an objection unanswered past, or answered after, answerDueAt. */
export function detectOverdueAnswers(rows: readonly ObjectionDueInput[], now: Date, params: OverdueParams = {}): Alert[] {
  return overdue("ALERT_R52_ANSWER_OVERDUE", rows.map((r) => ({ id: r.id, sectionId: r.sectionId, subjects: [r.orgId], dueAt: r.answerDueAt, doneAt: r.answeredAt })), now, params);
}

/** One section's contract timer (table `section_results`). */
export type ContractDueInput = {
  /** section_results.sectionId */
  sectionId: string;
  /** The winner (section_results' chosen candidate, organisations.id), when known. */
  winnerOrgId?: string | null;
  /** section_results.contractDueAt (null: no timer yet — nothing to check). */
  contractDueAt: Date | null;
  /** section_results.contractedAt */
  contractedAt: Date | null;
};

/** R56 (法46; 采购法46: the contract within 30 days of the award notice): not signed by, or signed after, contractDueAt. */
export function detectOverdueContracts(rows: readonly ContractDueInput[], now: Date, params: OverdueParams = {}): Alert[] {
  const items = rows.flatMap((r) =>
    r.contractDueAt ? [{ id: r.sectionId, sectionId: r.sectionId, subjects: r.winnerOrgId ? [r.winnerOrgId] : [], dueAt: r.contractDueAt, doneAt: r.contractedAt }] : [],
  );
  return overdue("ALERT_R56_CONTRACT_OVERDUE", items, now, params);
}

/** One recorded contract (table `contracts`). */
export type ContractPublicationInput = {
  /** contracts.sectionId */
  sectionId: string;
  /** contracts.winnerOrgId */
  winnerOrgId: string;
  /** contracts.publishDueAt (null: the profile does not ask for publication, ZTB). */
  publishDueAt: Date | null;
  /** contracts.publishedAt */
  publishedAt: Date | null;
};

/** R57 (采购条例50: a ZFCG contract published within 2 working days of signing): late or still unpublished. */
export function detectOverduePublications(rows: readonly ContractPublicationInput[], now: Date, params: OverdueParams = {}): Alert[] {
  const items = rows.flatMap((r) =>
    r.publishDueAt ? [{ id: r.sectionId, sectionId: r.sectionId, subjects: [r.winnerOrgId], dueAt: r.publishDueAt, doneAt: r.publishedAt }] : [],
  );
  return overdue("ALERT_R57_CONTRACT_PUBLICATION_OVERDUE", items, now, params);
}

/** One bond refund (table `bond_refunds`). */
export type RefundDueInput = {
  /** bond_refunds.id */
  id: string;
  /** bond_refunds.sectionId */
  sectionId: string;
  /** bond_refunds.orgId (the bidder owed the refund) */
  orgId: string;
  /** bond_refunds.dueAt */
  dueAt: Date;
  /** bond_refunds.refundedAt */
  refundedAt: Date | null;
};

/** R15 (ZTB 条例57: 5 days after the contract; ZFCG: 5 working days): not refunded by, or refunded after, dueAt. */
export function detectOverdueRefunds(rows: readonly RefundDueInput[], now: Date, params: OverdueParams = {}): Alert[] {
  return overdue("ALERT_R15_REFUND_OVERDUE", rows.map((r) => ({ id: r.id, sectionId: r.sectionId, subjects: [r.orgId], dueAt: r.dueAt, doneAt: r.refundedAt })), now, params);
}
