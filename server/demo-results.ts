import { fenToYuan } from "#app/domain/money";
import { readFileSync } from "node:fs";
import path from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import { bids, bondRefunds, committeeMembers, evaluations, experts, jobs, reviewConclusions, sectionResults, sections, tenderDocuments } from "#db/schema/index";
import { openP12File, type OpenedCertificate } from "#app/client/p12";
import { signReportAttributesWith } from "#app/client/sign-attributes";
import { evaluate } from "#app/domain/evaluation/evaluate";
import { cstDate } from "#app/domain/rules/days";
import { prepareEvaluation } from "#app/services/evaluation/lifecycle.server";
import { completeSignature, generateReport, prepareSignature, recordPosition } from "#app/services/evaluation/report.server";
import { evaluationInput, resultDigest } from "#app/services/evaluation/summary.server";
import { closeOpening, confirmRecord, openHall } from "#app/services/opening/opening.server";
import { dbNow, runCommand } from "#app/services/platform/command.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { decideWinner, issueNotices, publishPublicity, recordBondRefund, recordContract, RESULTS_TIMER_JOB, resultsTimer } from "#app/services/results/results.server";
import { obtainDocument } from "#app/services/tendering/tenders.server";
import { bidFormBytes, checkInAndRelease, sealAndSubmit, type SealingHolder } from "./demo-bids";
import { demoPdf } from "./demo-pdf";

/**
 * DEMO ONLY: the results stage (定标, R51–R56) in the demo, one section per stage, so that a newcomer sees each of them
 * (server/seed.ts tender 9, a three-section ZTB works tender run by the demo agency for the demo school):
 * - 标段 01 at the candidate publicity (R51): the signed 中标候选人公示 is on the portal and `bidder2` (rank 2) can file an
 *   objection (R52) on /tenders/<id>/sections/<id>/results; `bidder3` bid above the ceiling and reads its reasons;
 * - 标段 02 awarded: the publicity ended, the tendering unit confirmed rank 1 (R55) and issued the notices (R56);
 * - 标段 03 contracted: as 02, plus the recorded contract (R56) and one bond refund (R15).
 * Everything runs through the real commands — the bids sealed as the browser does, the real opening, the report
 * generated, agreed and signed by each member with its demo PKCS#12 file, the results opened by the last signature —
 * except two recorded demo steps: the evaluation's work up to its result (`seed.import_evaluation`: the committee
 * seated, the compliance review passed, the engine's result stored) and the publicity's end moved to now
 * (`seed.fast_forward_publicity`, sections 02 and 03), so that the seed does not wait three days.
 */

/** The demo tender's three sections as the tender form sends them, and each demo bidder's bid for each (bidder1…3). */
export const DEMO_RESULTS_SECTIONS = [
  { code: "01", title: "土建工程", ceilingPriceYuan: "18600000", bondYuan: "300000", method: "lowest_evaluated_price", criteria: [] },
  { code: "02", title: "安装工程", ceilingPriceYuan: "6200000", bondYuan: "100000", method: "lowest_evaluated_price", criteria: [] },
  { code: "03", title: "室外配套工程", ceilingPriceYuan: "3100000", bondYuan: "60000", method: "lowest_evaluated_price", criteria: [] },
];
const BIDS: Parameters<typeof bidFormBytes>[0][][] = [
  // 01: bidder3 is above the ceiling (18,600,000): rejected with its reason (R44); bidder1 rank 1, bidder2 rank 2.
  [
    { priceYuan: "18236000.00", durationDays: "420", quality: "合格", projectManager: "李振国" },
    { priceYuan: "18412800.00", durationDays: "410", quality: "合格", projectManager: "王立新" },
    { priceYuan: "18750000.00", durationDays: "400", quality: "合格", projectManager: "张海燕" },
  ],
  // 02: bidder2 wins.
  [
    { priceYuan: "6128000.00", durationDays: "180", quality: "合格", projectManager: "赵立新" },
    { priceYuan: "5964300.00", durationDays: "175", quality: "合格", projectManager: "钱国庆" },
    { priceYuan: "6088500.00", durationDays: "180", quality: "合格", projectManager: "孙振华" },
  ],
  // 03: bidder3 wins.
  [
    { priceYuan: "3055000.00", durationDays: "120", quality: "合格", projectManager: "刘志远" },
    { priceYuan: "3012000.00", durationDays: "115", quality: "合格", projectManager: "孙建华" },
    { priceYuan: "2986500.00", durationDays: "110", quality: "合格", projectManager: "高明辉" },
  ],
];
/** Where the award notices tell the winner to sign (R56). */
export const DEMO_CONTRACT_PLACE = "大庆市第一中学行政楼三楼会议室";

export type DemoResultsCast = {
  tenderingUnit: Actor;
  bidders: Actor[];
  bidderKeys: SealingHolder[];
  /** The five demo experts `expert`…`expert5` (pool entries E0001–E0005), in seat order; the first leads. */
  experts: Actor[];
  /** The demo password, which opens each demo user's DATA_DIR/demo-certs/<username>.p12. */
  passphrase: string;
};

/**
 * DEMO ONLY: takes the published demo tender `projectId` (three sections, bidder-only key model) through bids, opening,
 * evaluation and results as described above. `fastForwardDeadline` is the seed's recorded demo step that moves the
 * tender's bid deadline to a minute ago.
 */
export async function seedResults(app: AppContext, sys: Actor, cast: DemoResultsCast, projectId: string, fastForwardDeadline: () => Promise<void>): Promise<void> {
  const secs = await app.db.select({ id: sections.id, code: sections.code }).from(sections).where(eq(sections.projectId, projectId)).orderBy(sections.seq);
  if (secs.length !== BIDS.length) throw new Error(`demo results tender: ${secs.length} sections`);

  // The bidders obtain the documents once and seal one bid per section, as the browser does (no opening key).
  const [doc] = await app.db.select({ id: tenderDocuments.id }).from(tenderDocuments).where(eq(tenderDocuments.projectId, projectId));
  const rawKeys: Uint8Array[][] = secs.map(() => []);
  for (const [i, b] of cast.bidders.entries()) {
    await obtainDocument(app, b, projectId, doc!.id);
    for (const [s, sec] of secs.entries()) {
      const tech = new TextEncoder().encode(`DEMO 技术标 — 标段 ${sec.code} — ${i + 1}`);
      const submitted = await sealAndSubmit(app, b, cast.bidderKeys[i]!, sec.id, null, [bidFormBytes(BIDS[s]![i]!, [{ name: "技术标.pdf", size: tech.length }]), tech], 64 * 1024);
      rawKeys[s]!.push(submitted.sealed.rawKey);
    }
  }

  // The real opening of each section (as tender 5 in seed.ts): each bidder checks in and decrypts, confirms the record.
  await fastForwardDeadline();
  for (const [s, sec] of secs.entries()) {
    await openHall(app, sec.id);
    for (const [i, b] of cast.bidders.entries()) await checkInAndRelease(app, b, cast.bidderKeys[i]!, sec.id, rawKeys[s]![i]!);
    for (const b of cast.bidders) await confirmRecord(app, b, sec.id);
    await closeOpening(app, cast.tenderingUnit, sec.id);
  }

  // Each member opens its demo PKCS#12 file once (the browser's app/client/p12.ts), for every section's signature.
  const opened: OpenedCertificate[] = [];
  for (const e of cast.experts) {
    const file = readFileSync(path.join(app.config.dataDir, "demo-certs", `${e.user!.username}.p12`));
    opened.push(await openP12File(new Blob([new Uint8Array(file)]), cast.passphrase));
  }

  for (const sec of secs) {
    await prepareEvaluation(app, sec.id);
    await importEvaluation(app, sys, sec.id, cast.experts);
    // REAL from here: the report generated (EV19 rebuilds the appendix and checks it against the stored result), each
    // member agrees (R50) and signs in its browser (PAdES; docs/report-signatures.md). The last signature opens the
    // results (openResults): the candidate publicity is due (R51).
    await generateReport(app, sec.id);
    for (const e of cast.experts) await recordPosition(app, e, sec.id, { position: "agree" });
    for (const [i, e] of cast.experts.entries()) {
      const p = await prepareSignature(app, e, sec.id, { fingerprint: opened[i]!.fingerprint });
      const s = await signReportAttributesWith(opened[i]!, p.signedAttrsB64, p.fingerprint);
      await completeSignature(app, e, sec.id, { nonce: p.nonce, revision: p.revision, fingerprint: s.fingerprint, signature: s.signatureB64 });
    }
    // The job `results.timer` (publicity_publish) does this after the profile's delay; the seed runs it now.
    if (!(await publishPublicity(app, sec.id))) throw new Error(`demo results: no publicity for section ${sec.code}`);
  }
  for (const k of opened) k.privateKeyPkcs8.fill(0);

  // 02 and 03: the publicity is over (a demo step), its timer runs, rank 1 is confirmed (R55) and the notices issued (R56).
  for (const sec of secs.slice(1)) {
    await fastForwardPublicity(app, sys, sec.id);
    await resultsTimer(app, sec.id, "publicity_end");
    const [r] = await app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, sec.id));
    const first = [...r!.candidates].sort((a, b) => a.rank - b.rank)[0]!;
    await decideWinner(app, cast.tenderingUnit, sec.id, { bidId: first.bidId });
    await issueNotices(app, cast.tenderingUnit, sec.id, { contractPlace: DEMO_CONTRACT_PLACE });
  }

  // 03: the signed contract (a demo PDF, the winning price, signed today) and the first bond refund (R15).
  const last = secs[2]!;
  const [r3] = await app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, last.id));
  const winner = r3!.candidates.find((c) => c.bidId === r3!.winnerBidId)!;
  const today = cstDate(await dbNow(app.db));
  const pdf = await app.blobs.put(demoPdf(["Construction contract (demo)", `Section ${last.code}`, `Amount ${fenToYuan(winner.priceFen)} yuan`, `Signed on ${today}`]));
  await recordContract(app, cast.tenderingUnit, last.id, { pdf, filename: "施工合同-标段03.pdf", amountFen: winner.priceFen, signedOn: today });
  const refunds = await app.db.select().from(bondRefunds).where(eq(bondRefunds.sectionId, last.id)).orderBy(bondRefunds.dueAt);
  const loser = refunds.find((x) => x.orgId !== winner.orgId) ?? refunds[0];
  if (loser) await recordBondRefund(app, cast.tenderingUnit, loser.id, { reference: `DEMO-BANK-${today.replaceAll("-", "")}-001` });
}

/**
 * DEMO ONLY — direct writes, not the room's commands: the committee's work up to its finalised result, recorded as one
 * demo step (`seed.import_evaluation`, payload `demo: true`). The five demo experts are seated as the committee (as if
 * drawn, confirmed, entered and declared, R37/R41), `expert` (seat 1) its leader, every bid passed the compliance
 * review, and the result computed by the engine from the stored inputs (what the summary's finalise stores; a bid
 * above the ceiling is rejected by the engine itself); the stage is `signing`. The room's stages have their own tests.
 */
async function importEvaluation(app: AppContext, sys: Actor, sectionId: string, members: Actor[]): Promise<void> {
  await runCommand(app, sys, "seed.import_evaluation", async ({ tx, now }) => {
    const pool = await tx
      .select({ id: experts.id, code: experts.code, userId: experts.userId })
      .from(experts)
      .where(inArray(experts.userId, members.map((m) => m.user!.id)));
    const seated: { id: string; seat: number; code: string }[] = [];
    for (const [i, m] of members.entries()) {
      const e = pool.find((x) => x.userId === m.user!.id);
      if (!e) throw new Error(`demo results: ${m.user!.username} is not in the pool`);
      const [row] = await tx
        .insert(committeeMembers)
        .values({ sectionId, kind: "expert", expertId: e.id, userId: m.user!.id, seat: i + 1, status: "seated", declaredAt: now })
        .returning({ id: committeeMembers.id });
      seated.push({ id: row!.id, seat: i + 1, code: e.code });
    }
    const sectionBids = await tx.select({ id: bids.id }).from(bids).where(and(eq(bids.sectionId, sectionId), eq(bids.status, "submitted")));
    for (const b of sectionBids) await tx.insert(reviewConclusions).values({ sectionId, bidId: b.id, passed: true, items: [], reasons: [], decidedAt: now });
    const data = await evaluationInput(tx, sectionId);
    const result = evaluate(data.config, data.input);
    if (result.status !== "complete") throw new Error(`demo results: evaluation ${result.status}`);
    await tx.update(evaluations).set({ stage: "signing", stageChangedAt: now, leaderMemberId: seated[0]!.id, result }).where(eq(evaluations.sectionId, sectionId));
    await tx.update(sections).set({ status: "evaluating" }).where(eq(sections.id, sectionId));
    return {
      result: undefined,
      subjectType: "section",
      subjectId: sectionId,
      payload: { demo: true, members: seated.map((m) => ({ seat: m.seat, expert: m.code })), leaderSeat: 1, reviewPassed: sectionBids.length, resultSha256: resultDigest(result), stage: "signing" },
    };
  });
}

/**
 * DEMO ONLY: moves a demo section's publicity end (R51: at least 3 days) to now — with its `publicity_end` timer —
 * so that the seed can show the sections after it at once. Recorded as a demo step; the signed publicity document
 * keeps the dates it was published with.
 */
async function fastForwardPublicity(app: AppContext, sys: Actor, sectionId: string): Promise<void> {
  await runCommand(app, sys, "seed.fast_forward_publicity", async ({ tx, now }) => {
    const [r] = await tx.select().from(sectionResults).where(eq(sectionResults.sectionId, sectionId));
    if (r?.stage !== "publicity" || !r.publicityStartedAt || !r.publicityEndsAt) throw new Error("demo results: not in publicity");
    const endsAt = new Date(Math.max(r.publicityStartedAt.getTime(), now.getTime() - 1000));
    await tx.update(sectionResults).set({ publicityEndsAt: endsAt }).where(eq(sectionResults.sectionId, sectionId));
    for (const j of await tx.select({ id: jobs.id, payload: jobs.payload }).from(jobs).where(and(eq(jobs.kind, RESULTS_TIMER_JOB), eq(jobs.state, "pending")))) {
      if (j.payload.sectionId === sectionId && j.payload.timer === "publicity_end") await tx.update(jobs).set({ dueAt: endsAt }).where(eq(jobs.id, j.id));
    }
    return { result: undefined, subjectType: "section", subjectId: sectionId, payload: { demo: true, publicityEndsAt: endsAt.toISOString(), was: r.publicityEndsAt.toISOString() } };
  });
}
