import { createHash } from "node:crypto";
import { and, asc, eq, gte, inArray, isNotNull, isNull, lte } from "drizzle-orm";
import type { Executor, Tx } from "#db/client";
import {
  alerts,
  amendments,
  bidOpenings,
  bids,
  bondRefunds,
  certificates,
  committeeMembers,
  contracts,
  draws,
  drawPicks,
  evaluations,
  openings,
  projects,
  resultObjections,
  scores,
  sectionResults,
  sections,
  tenderDocuments,
} from "#db/schema/index";
import {
  detectAmendmentWithoutExtension,
  detectIdenticalFiles,
  detectOverdueAnswers,
  detectOverdueContracts,
  detectOverduePublications,
  detectOverdueRefunds,
  detectPatternedPrices,
  detectRepeatedDeclines,
  detectSameCertificate,
  detectSameDevice,
  detectSameIp,
  detectSameProjectManager,
  detectScoreOutliers,
  detectSingleBidder,
  sortAlerts,
  type Alert,
  type AlertKind,
  type BidOriginInput,
  type DeclineParams,
  type OpenedBidInput,
  type PricedBidInput,
  type ScoreInput,
} from "#app/domain/alerts/detectors";
import { parseMethodConfig } from "#app/domain/evaluation/method";
import { scoredLeaves } from "#app/domain/evaluation/sheet";
import { getProfile } from "#app/domain/rules/profiles";

/**
 * Supervision alerts (docs/decisions/020-supervision-alerts.md), the service half: reads each detector's inputs from
 * the tables its fields name, runs the pure detectors (app/domain/alerts/) and stores what fires, once per
 * fingerprint. The projector (app/services/supervision/projector.server.ts) calls `sectionAlerts` + `storeAlerts` for
 * each section a record entry touches, and `expertDeclineAlerts` for the cross-section R34 signal.
 *
 * One query per source table for the section (never one per bid). Inputs the platform does not hold (yet):
 * - a client device fingerprint next to bids.userAgent — `detectSameDevice` runs with none, so by its default
 *   (`requireClientFingerprint`) it never fires; a user agent alone is not a device;
 * - file metadata (author / creator tool / creation time): the opening stores each decrypted file's name, size and
 *   SHA-256 (bid_openings.files) but extracts nothing from it — `detectSimilarMetadata` is not run;
 * - bond payments with payer accounts: bonds are paid outside the platform and no table holds a payment
 *   (bond_refunds records only refunds) — `detectSameBondAccount` is not run;
 * - pre-qualification: no column marks an amendment of pre-qualification documents, so R10 uses the profile's
 *   bid-documents minimum (amendmentMinDaysBeforeDeadline) for every amendment;
 * - ASN/carrier context for an address (the ADR's false-positive note): not available, the IP alert stays a warning.
 */

export type StoredAlert = typeof alerts.$inferSelect;

/** Rows read per table for one section: a safety bound (a section's bid versions, files, scores are far fewer). */
const MAX_ROWS = 20_000;
/** Bound on the cross-section R34 read (declines in the window, platform-wide). */
const MAX_DECLINES = 100_000;
/** Rows per INSERT in storeAlerts (bounded statement size). */
const INSERT_CHUNK = 500;
/** Evaluation stages after the scoring: the members' sheets are final (EV17) and may be compared (EV18). */
const SCORES_FINAL: ("summary" | "signing" | "signed")[] = ["summary", "signing", "signed"];
/** Longer fingerprints are hashed (the unique btree index refuses keys above ~2.7 kB: a price alert lists every bidder). */
const MAX_FINGERPRINT = 512;

/**
 * Every section-scoped alert that fires for `sectionId` at `now` (the database clock, passed in). Nothing for an
 * unknown section. Output sorted (sortAlerts).
 */
export async function sectionAlerts(db: Executor, sectionId: string, now: Date): Promise<Alert[]> {
  const [head] = await db
    .select({ sectionId: sections.id, projectId: projects.id, regime: projects.regime, bidDeadline: projects.bidDeadline })
    .from(sections)
    .innerJoin(projects, eq(projects.id, sections.projectId))
    .where(eq(sections.id, sectionId));
  if (!head) return [];

  const [bidRows, openedRows, openingRows, documentRows, amendmentRows, evaluationRows, scoreRows, objectionRows, resultRows, contractRows, refundRows] = await Promise.all([
    // Every sealed version (replaced and withdrawn too: where a version came from stays evidence), with the
    // signing certificate's fingerprint.
    db
      .select({
        bidId: bids.id,
        orgId: bids.orgId,
        status: bids.status,
        ip: bids.ip,
        userAgent: bids.userAgent,
        certificateId: bids.certificateId,
        certificateFingerprint: certificates.fingerprint,
        receivedAt: bids.receivedAt,
      })
      .from(bids)
      .leftJoin(certificates, eq(certificates.id, bids.certificateId))
      .where(eq(bids.sectionId, sectionId))
      .orderBy(asc(bids.receivedAt), asc(bids.id))
      .limit(MAX_ROWS),
    // The opened bids: the decrypted form (project manager, price) and the plaintext files' hashes.
    db
      .select({ bidId: bidOpenings.bidId, orgId: bidOpenings.orgId, files: bidOpenings.files, form: bidOpenings.form })
      .from(bidOpenings)
      .where(and(eq(bidOpenings.sectionId, sectionId), eq(bidOpenings.state, "decrypted")))
      .orderBy(asc(bidOpenings.bidId))
      .limit(MAX_ROWS),
    db.select({ readAt: openings.readAt }).from(openings).where(eq(openings.sectionId, sectionId)),
    // The tendering unit's own documents: a bidder attaching one unchanged is not a shared file (ignoreSha256).
    db.select({ sha256: tenderDocuments.sha256 }).from(tenderDocuments).where(eq(tenderDocuments.projectId, head.projectId)).limit(MAX_ROWS),
    db
      .select({ id: amendments.id, issuedAt: amendments.issuedAt, affectsBidPreparation: amendments.affectsBidPreparation })
      .from(amendments)
      .where(eq(amendments.projectId, head.projectId))
      .orderBy(asc(amendments.issuedAt), asc(amendments.id))
      .limit(MAX_ROWS),
    db.select({ stage: evaluations.stage, config: evaluations.config }).from(evaluations).where(eq(evaluations.sectionId, sectionId)),
    // Live members only (EV15: a recused or removed member's scores are void), and only once the scoring is over
    // (see EV18 below): every autosave during the scoring is a record entry, so the sheets are not read then.
    db
      .select({ memberId: scores.memberId, expertId: committeeMembers.expertId, bidId: scores.bidId, itemId: scores.itemId, score: scores.score })
      .from(scores)
      .innerJoin(committeeMembers, eq(committeeMembers.id, scores.memberId))
      .innerJoin(evaluations, and(eq(evaluations.sectionId, scores.sectionId), inArray(evaluations.stage, SCORES_FINAL)))
      .where(and(eq(scores.sectionId, sectionId), isNull(committeeMembers.voidedAt)))
      .orderBy(asc(scores.bidId), asc(scores.itemId), asc(scores.memberId))
      .limit(MAX_ROWS),
    db
      .select({ id: resultObjections.id, sectionId: resultObjections.sectionId, orgId: resultObjections.orgId, answerDueAt: resultObjections.answerDueAt, answeredAt: resultObjections.answeredAt })
      .from(resultObjections)
      .where(eq(resultObjections.sectionId, sectionId))
      .orderBy(asc(resultObjections.filedAt), asc(resultObjections.id))
      .limit(MAX_ROWS),
    db
      .select({ sectionId: sectionResults.sectionId, winnerOrgId: sectionResults.winnerOrgId, contractDueAt: sectionResults.contractDueAt, contractedAt: sectionResults.contractedAt })
      .from(sectionResults)
      .where(eq(sectionResults.sectionId, sectionId)),
    db
      .select({ sectionId: contracts.sectionId, winnerOrgId: contracts.winnerOrgId, publishDueAt: contracts.publishDueAt, publishedAt: contracts.publishedAt })
      .from(contracts)
      .where(eq(contracts.sectionId, sectionId)),
    db
      .select({ id: bondRefunds.id, sectionId: bondRefunds.sectionId, orgId: bondRefunds.orgId, dueAt: bondRefunds.dueAt, refundedAt: bondRefunds.refundedAt })
      .from(bondRefunds)
      .where(eq(bondRefunds.sectionId, sectionId))
      .orderBy(asc(bondRefunds.dueAt), asc(bondRefunds.id))
      .limit(MAX_ROWS),
  ]);

  const out: Alert[] = [];

  // R23 upload origin (at every sealed bid). bids.ip is `inet` rendered as text; normaliseIp folds masks and
  // IPv4-mapped addresses. No client fingerprint column exists: `clientFingerprint` stays unknown (see above).
  const origin: BidOriginInput[] = bidRows.map((b) => ({
    bidId: b.bidId,
    orgId: b.orgId,
    status: b.status,
    ip: b.ip,
    userAgent: b.userAgent,
    clientFingerprint: null,
    certificateId: b.certificateId,
    certificateFingerprint: b.certificateFingerprint,
    receivedAt: b.receivedAt,
  }));
  const sectionBids = { sectionId, bids: origin };
  out.push(...detectSameIp(sectionBids), ...detectSameDevice(sectionBids), ...detectSameCertificate(sectionBids));

  // R23 after decryption: the sealed form's project manager (file 0, bid-form.json) and the plaintext files.
  const opened: OpenedBidInput[] = openedRows.map((b) => ({
    bidId: b.bidId,
    orgId: b.orgId,
    projectManager: b.form?.form.projectManager ?? "",
    files: b.files ?? [],
  }));
  const openedBids = { sectionId, bids: opened };
  out.push(...detectSameProjectManager(openedBids), ...detectIdenticalFiles(openedBids, { ignoreSha256: documentRows.map((d) => d.sha256) }));
  // R23 file metadata and bond accounts: no data on the platform (see the module comment) — not run.

  // R23 patterned prices: the prices read out (唱标, R28). openings.reading holds them by bidder *name*; the same
  // values with the bid and organisation ids are the decrypted forms it was built from, so those are read once the
  // reading has happened (openings.readAt) — never before the prices are public in the hall.
  if (openingRows[0]?.readAt) {
    const priced: PricedBidInput[] = openedRows.flatMap((b) => (b.form ? [{ bidId: b.bidId, orgId: b.orgId, priceYuan: b.form.form.priceYuan }] : []));
    out.push(...detectPatternedPrices(sectionId, priced));
  }

  // R25 single bidder: one organisation with a submitted version once the deadline in force has passed.
  out.push(
    ...detectSingleBidder({ sectionId, deadline: head.bidDeadline, bidderOrgIds: bidRows.filter((b) => b.status === "submitted").map((b) => b.orgId) }, now),
  );

  // R10: every amendment of the project against the deadline finally in force (projects.bidDeadline).
  out.push(
    ...detectAmendmentWithoutExtension(
      { sectionId, deadline: head.bidDeadline, amendments: amendmentRows },
      { minDays: getProfile(head.regime).amendmentMinDaysBeforeDeadline },
    ),
  );

  // EV18: only once the scoring stage is over (summary and later). Before that the sheets are autosaved as typed and
  // nobody — supervisors included — may see another member's scores (R42); a half-typed value is not a signal.
  // Subjective items only: objective items are the committee's single agreed entry (87号令64(3)), and the maxima
  // come from the method frozen at the evaluation's preparation (evaluations.config).
  const ev = evaluationRows[0];
  if (ev && (SCORES_FINAL as string[]).includes(ev.stage) && scoreRows.length > 0) {
    const leaves = scoredLeaves(parseMethodConfig(ev.config)).filter((l) => !l.objective);
    const subjective = new Set(leaves.map((l) => l.id));
    const rows: ScoreInput[] = scoreRows.filter((s) => subjective.has(s.itemId));
    out.push(...detectScoreOutliers(sectionId, leaves.map((l) => ({ itemId: l.id, max: l.max })), rows));
  }

  // Overdue: R52 objections to the result (document objections, table `objections`, are R11 and per project: no
  // detector), R56 the contract, R57 its publication (ZFCG), R15 bond refunds.
  out.push(
    ...detectOverdueAnswers(objectionRows, now),
    ...detectOverdueContracts(resultRows, now),
    ...detectOverduePublications(contractRows, now),
    ...detectOverdueRefunds(refundRows, now),
  );

  return sortAlerts(out);
}

/**
 * R34 across sections: experts who declined at least `minDeclines` draw invitations in the last `windowDays` days
 * (draw_picks joined to draws for the section). One query; only the declines in the window are read.
 */
export async function expertDeclineAlerts(db: Executor, now: Date, params: DeclineParams = {}): Promise<Alert[]> {
  const windowDays = params.windowDays ?? 180;
  const from = new Date(now.getTime() - windowDays * 24 * 60 * 60 * 1000);
  const statuses: ("declined" | "timed_out")[] = params.countTimeouts === true ? ["declined", "timed_out"] : ["declined"];
  const rows = await db
    .select({ pickId: drawPicks.id, expertId: drawPicks.expertId, sectionId: draws.sectionId, status: drawPicks.status, respondedAt: drawPicks.respondedAt })
    .from(drawPicks)
    .innerJoin(draws, eq(draws.id, drawPicks.drawId))
    .where(and(inArray(drawPicks.status, statuses), isNotNull(drawPicks.respondedAt), gte(drawPicks.respondedAt, from), lte(drawPicks.respondedAt, now)))
    .orderBy(asc(drawPicks.respondedAt), asc(drawPicks.id))
    .limit(MAX_DECLINES);
  return detectRepeatedDeclines(rows, now, params);
}

/**
 * What distinguishes two alerts of one kind about the same subjects in one section, where a detector can report
 * several at once: without it the second would be taken for the first and silently never stored. Kinds absent
 * here are identified by kind, section and subjects alone. Every value is stable across re-runs.
 */
const OCCURRENCE: Partial<Record<AlertKind, (e: Alert["evidence"]) => string>> = {
  // The same pair of bidders may share two addresses, devices, files.
  ALERT_R23_SAME_IP: (e) => String(e.ip ?? ""),
  ALERT_R23_SAME_DEVICE: (e) => `${String(e.userAgent ?? "")}\u0000${String(e.clientFingerprint ?? "")}`,
  ALERT_R23_IDENTICAL_FILE: (e) => String(e.sha256 ?? ""),
  ALERT_R23_SAME_BOND_ACCOUNT: (e) => String(e.account ?? ""),
  // One member may be far off on several items of several bids.
  ALERT_EV18_SCORE_OUTLIER: (e) => `${String(e.bidId ?? "")}|${String(e.itemId ?? "")}`,
  // One bidder may object more than once (one pending at a time).
  ALERT_R52_ANSWER_OVERDUE: (e) => String(e.id ?? ""),
};

/**
 * The alert's identity in `alerts.fingerprint`: `kind|sectionId|sorted subjects`, plus the occurrence for the kinds
 * listed in OCCURRENCE (an IP, a file hash, a score cell, an objection). Deterministic, independent of the evidence's
 * changing parts (counts, instants). Longer than MAX_FINGERPRINT (a price pattern over many bidders): the part after
 * the kind and section is replaced by its SHA-256.
 */
export function alertFingerprint(a: Alert): string {
  const subjects = [...new Set(a.subjects)].sort().join(",");
  const occurrence = OCCURRENCE[a.kind]?.(a.evidence);
  const rest = occurrence === undefined ? subjects : `${subjects}|${occurrence}`;
  const head = `${a.kind}|${a.sectionId ?? "-"}`;
  const full = `${head}|${rest}`;
  return full.length <= MAX_FINGERPRINT ? full : `${head}|sha256:${createHash("sha256").update(rest, "utf8").digest("hex")}`;
}

/**
 * Stores the alerts not stored yet (by fingerprint) and returns only the rows it inserted, in the input's order. An
 * alert already stored is left as it is — its status, evidence and detection time — so a re-run never duplicates one
 * and a dismissed one is not re-opened. projectId is the section's project (null for R34).
 */
export async function storeAlerts(tx: Tx, list: readonly Alert[], now: Date): Promise<StoredAlert[]> {
  const unique = new Map<string, Alert>();
  for (const a of list) {
    const f = alertFingerprint(a);
    if (!unique.has(f)) unique.set(f, a);
  }
  if (unique.size === 0) return [];
  const sectionIds = [...new Set([...unique.values()].flatMap((a) => (a.sectionId ? [a.sectionId] : [])))];
  const projectOf = new Map<string, string>();
  for (let i = 0; i < sectionIds.length; i += INSERT_CHUNK) {
    const rows = await tx
      .select({ id: sections.id, projectId: sections.projectId })
      .from(sections)
      .where(inArray(sections.id, sectionIds.slice(i, i + INSERT_CHUNK)));
    for (const r of rows) projectOf.set(r.id, r.projectId);
  }
  const values = [...unique].map(([fingerprint, a]) => ({
    fingerprint,
    kind: a.kind,
    rule: a.rule,
    severity: a.severity,
    sectionId: a.sectionId,
    projectId: a.sectionId ? (projectOf.get(a.sectionId) ?? null) : null,
    subjects: a.subjects,
    evidence: a.evidence,
    status: "open" as const,
    detectedAt: now,
  }));
  const inserted: StoredAlert[] = [];
  for (let i = 0; i < values.length; i += INSERT_CHUNK) {
    inserted.push(
      ...(await tx
        .insert(alerts)
        .values(values.slice(i, i + INSERT_CHUNK))
        .onConflictDoNothing({ target: alerts.fingerprint })
        .returning()),
    );
  }
  const order = new Map(values.map((v, i) => [v.fingerprint, i]));
  return inserted.sort((x, y) => order.get(x.fingerprint)! - order.get(y.fingerprint)!);
}
