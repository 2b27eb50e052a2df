import { readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { toBase64 } from "#crypto/seal/format";
import { alerts, bids, committeeMembers, draws, drawPicks, experts, openingKeys, openings, projects, scores, sectionResults } from "#db/schema/index";
import type { Alert } from "#app/domain/alerts/detectors";
import { openHall, releaseBidKey } from "#app/services/opening/opening.server";
import type { AppContext } from "#app/services/platform/context.server";
import { dbNow } from "#app/services/platform/command.server";
import { alertFingerprint, expertDeclineAlerts, sectionAlerts, storeAlerts } from "#app/services/supervision/alerts.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { submit } from "../helpers/bids";
import { forEachDriver } from "../helpers/db";
import { forceStage, freezeMethod, openedSection, seatCommittee } from "../helpers/evaluation";
import { makeActor, projectForm, setBidDeadline } from "../helpers/factories";
import { checkInAs, tenderWithBids, type Bidder } from "../helpers/opening";
import { enrollFor } from "../helpers/pki";
import { sectionThroughResults } from "../helpers/report";

/**
 * Supervision alerts read from the database (docs/decisions/020-supervision-alerts.md): bids sealed the way the
 * browser seals them (the upload records the actor's address), opened in the hall, then `sectionAlerts` runs every
 * section-scoped detector on the stored rows and `storeAlerts` keeps each alert once.
 */

type Spec = { ip: string; projectManager: string; priceYuan: string; body: string };

const bidForm = (s: Spec) =>
  new TextEncoder().encode(JSON.stringify({ v: 1, form: { priceYuan: s.priceYuan, durationDays: "540", quality: "合格", projectManager: s.projectManager }, files: [{ name: "技术标.pdf", size: new TextEncoder().encode(s.body).length }] }));

/** TEST FIXTURE: tenderWithBids with each bidder's upload address, project manager, price and technical file set. */
async function sealedSection(app: AppContext, specs: Spec[]) {
  const tu = await makeActor(app, "tendering_unit");
  const projectId = await createProject(app, tu, await projectForm(app));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["alerts"]))) });
  await publishProject(app, tu, projectId);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  const [k] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
  const opening = k ? { kid: k.kid, publicKeySpki: Buffer.from(k.publicKeySpki, "base64") } : null;
  const bidders: Bidder[] = [];
  for (const [i, s] of specs.entries()) {
    const actor = await makeActor(app, "bidder", `告警投标单位${i + 1}-${projectId}`);
    const cert = await enrollFor(app, actor);
    // The upload records the request's address (bids.ip via bid_uploads.ip): the actor carries it.
    const r = await submit(app, { ...actor, ip: s.ip }, cert, sectionId, opening, [bidForm(s), new TextEncoder().encode(s.body)]);
    bidders.push({ actor, cert, rawKey: r.sealed.rawKey, bidId: r.bidId });
  }
  await setBidDeadline(app, projectId, new Date(Date.now() - 1000));
  return { tu, projectId, sectionId, bidders };
}

/** Opens the hall and every bidder releases its key (the last release starts the reading). */
async function decryptAll(app: AppContext, sectionId: string, bidders: readonly Bidder[]) {
  expect(await openHall(app, sectionId)).toBe("decryption");
  for (const b of bidders) await checkInAs(app, b, sectionId);
  for (const b of bidders) await releaseBidKey(app, b.actor, sectionId, toBase64(b.rawKey));
}

const kinds = (list: readonly Alert[]) => list.map((a) => a.kind);

forEachDriver("supervision alerts from the database (ADR 020)", (env) => {
  it("R23: two bidders sealed from one address (IPv4 and its IPv4-mapped form) and naming one project manager (written with a space) → same IP and same project manager, the two organisations as subjects, with the evidence", async () => {
    const { app } = env();
    const t = await sealedSection(app, [
      { ip: "203.0.113.7", projectManager: "张三", priceYuan: "9800000", body: "技术标正文一" },
      { ip: "::ffff:203.0.113.7", projectManager: "张 三", priceYuan: "9870000", body: "技术标正文二" },
      { ip: "198.51.100.9", projectManager: "李四", priceYuan: "9990000", body: "技术标正文三" },
    ]);
    const [b1, b2] = t.bidders as [Bidder, Bidder, Bidder];
    const pair = [b1.actor.orgId!, b2.actor.orgId!].sort();
    const pairBids = [b1.bidId, b2.bidId].sort();

    // At sealing: the address is known, the project manager is still sealed.
    const sealed = await sectionAlerts(app.db, t.sectionId, await dbNow(app.db));
    expect(kinds(sealed)).toEqual(["ALERT_R23_SAME_IP"]);

    await decryptAll(app, t.sectionId, t.bidders);
    const [o] = await app.db.select({ phase: openings.phase }).from(openings).where(eq(openings.sectionId, t.sectionId));
    expect(o!.phase).toBe("reading");

    const received = await app.db.select({ id: bids.id, receivedAt: bids.receivedAt }).from(bids).where(eq(bids.sectionId, t.sectionId));
    const at = (id: string) => received.find((r) => r.id === id)!.receivedAt.toISOString();
    const found = await sectionAlerts(app.db, t.sectionId, await dbNow(app.db));
    expect(found).toEqual([
      {
        kind: "ALERT_R23_SAME_IP",
        rule: "R23",
        sectionId: t.sectionId,
        subjects: pair,
        evidence: { ip: "203.0.113.7", bidIds: pairBids, receivedAt: [at(b1.bidId), at(b2.bidId)].sort() },
        severity: "warning",
      },
      {
        kind: "ALERT_R23_SAME_PROJECT_MANAGER",
        rule: "R23",
        sectionId: t.sectionId,
        subjects: pair,
        evidence: { projectManager: "张三", asWritten: ["张 三", "张三"], bidIds: pairBids },
        severity: "critical",
      },
    ]);
  });

  it("near miss: different addresses, different project managers (张三 ≠ 张山), different files and unpatterned prices → nothing fires", async () => {
    const { app } = env();
    const t = await sealedSection(app, [
      { ip: "203.0.113.7", projectManager: "张三", priceYuan: "9800000", body: "技术标正文一" },
      { ip: "203.0.113.8", projectManager: "张山", priceYuan: "9870000", body: "技术标正文二" },
      { ip: "203.0.113.9", projectManager: "李四", priceYuan: "9990000", body: "技术标正文三" },
    ]);
    await decryptAll(app, t.sectionId, t.bidders);
    expect(await sectionAlerts(app.db, t.sectionId, await dbNow(app.db))).toEqual([]);
  });

  it("storeAlerts: stored once with the section's project, a re-run inserts nothing, a dismissed alert stays dismissed", async () => {
    const { app } = env();
    const t = await sealedSection(app, [
      { ip: "203.0.113.20", projectManager: "王五", priceYuan: "9800000", body: "甲" },
      { ip: "203.0.113.20", projectManager: "王五", priceYuan: "9870000", body: "乙" },
      { ip: "203.0.113.21", projectManager: "赵六", priceYuan: "9990000", body: "丙" },
    ]);
    await decryptAll(app, t.sectionId, t.bidders);
    const now = await dbNow(app.db);
    const found = await sectionAlerts(app.db, t.sectionId, now);
    expect(kinds(found)).toEqual(["ALERT_R23_SAME_IP", "ALERT_R23_SAME_PROJECT_MANAGER"]);

    const first = await app.db.transaction((tx) => storeAlerts(tx, found, now));
    expect(first.map((r) => [r.kind, r.rule, r.severity, r.status, r.sectionId, r.projectId])).toEqual([
      ["ALERT_R23_SAME_IP", "R23", "warning", "open", t.sectionId, t.projectId],
      ["ALERT_R23_SAME_PROJECT_MANAGER", "R23", "critical", "open", t.sectionId, t.projectId],
    ]);
    expect(first.map((r) => r.fingerprint)).toEqual(found.map(alertFingerprint));
    expect(first[0]!.subjects).toEqual(found[0]!.subjects);
    expect(first[0]!.evidence).toEqual(found[0]!.evidence);
    expect(first[0]!.detectedAt.getTime()).toBe(now.getTime());

    // A second run (and the same alert twice in one call) inserts nothing.
    const again = await sectionAlerts(app.db, t.sectionId, await dbNow(app.db));
    expect(await app.db.transaction((tx) => storeAlerts(tx, [...again, ...again], new Date()))).toEqual([]);
    expect(await app.db.select({ id: alerts.id }).from(alerts).where(eq(alerts.sectionId, t.sectionId))).toHaveLength(2);

    // Dismissed, then detected again: not re-opened, not duplicated.
    await app.db.update(alerts).set({ status: "dismissed", dismissedAt: new Date(), dismissReason: "同一园区网络" }).where(eq(alerts.id, first[0]!.id));
    expect(await app.db.transaction((tx) => storeAlerts(tx, again, new Date()))).toEqual([]);
    const rows = await app.db.select({ kind: alerts.kind, status: alerts.status }).from(alerts).where(eq(alerts.sectionId, t.sectionId));
    expect(rows.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: "ALERT_R23_SAME_IP", status: "dismissed" },
      { kind: "ALERT_R23_SAME_PROJECT_MANAGER", status: "open" },
    ]);
  });

  it("R23 patterned prices: the read-out prices 9,800,000 / 9,900,000 / 10,000,000 step equally — reported once the reading has happened, not while a bid is still sealed", async () => {
    const { app } = env();
    // tenderWithBids: prices 9,800,000 + i × 100,000; every bidder on 127.0.0.1 with 陈建国 and the same technical file.
    const t = await tenderWithBids(app, 3, "bidder");
    const [b1, b2, b3] = t.bidders as [Bidder, Bidder, Bidder];
    expect(await openHall(app, t.sectionId)).toBe("decryption");
    for (const b of t.bidders) await checkInAs(app, b, t.sectionId);
    await releaseBidKey(app, b1.actor, t.sectionId, toBase64(b1.rawKey));
    await releaseBidKey(app, b2.actor, t.sectionId, toBase64(b2.rawKey));
    const partial = await sectionAlerts(app.db, t.sectionId, await dbNow(app.db));
    expect(kinds(partial)).toEqual(["ALERT_R23_IDENTICAL_FILE", "ALERT_R23_SAME_IP", "ALERT_R23_SAME_PROJECT_MANAGER"]);

    await releaseBidKey(app, b3.actor, t.sectionId, toBase64(b3.rawKey));
    const found = await sectionAlerts(app.db, t.sectionId, await dbNow(app.db));
    expect(kinds(found)).toEqual(["ALERT_R23_IDENTICAL_FILE", "ALERT_R23_PRICE_ARITHMETIC", "ALERT_R23_SAME_IP", "ALERT_R23_SAME_PROJECT_MANAGER"]);
    const price = found.find((a) => a.kind === "ALERT_R23_PRICE_ARITHMETIC")!;
    expect(price).toMatchObject({
      rule: "R23",
      severity: "warning",
      sectionId: t.sectionId,
      subjects: t.bidders.map((b) => b.actor.orgId!).sort(),
      evidence: {
        prices: ["9800000.00", "9900000.00", "10000000.00"],
        bidIds: [b1.bidId, b2.bidId, b3.bidId],
        bids: 3,
        meanStepYuan: "100000.00",
        maxDeviationPct: "0.0000",
      },
    });
    // Every bidder of the helper names 陈建国 and was sealed from 127.0.0.1: one alert each, all three organisations.
    expect(found.find((a) => a.kind === "ALERT_R23_SAME_PROJECT_MANAGER")!.evidence).toMatchObject({ projectManager: "陈建国" });
    expect(found.find((a) => a.kind === "ALERT_R23_SAME_IP")!.subjects).toHaveLength(3);
  });

  it("R25: a single bidder once the deadline has passed (not before it)", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 1, "bidder");
    const [p] = await app.db.select({ bidDeadline: projects.bidDeadline }).from(projects).where(eq(projects.id, t.projectId));
    const found = await sectionAlerts(app.db, t.sectionId, await dbNow(app.db));
    expect(found).toEqual([
      {
        kind: "ALERT_R25_SINGLE_BIDDER",
        rule: "R25",
        sectionId: t.sectionId,
        subjects: [t.bidders[0]!.actor.orgId!],
        evidence: { deadline: p!.bidDeadline.toISOString(), bidders: 1 },
        severity: "warning",
      },
    ]);
    expect(await sectionAlerts(app.db, t.sectionId, new Date(p!.bidDeadline.getTime() - 1))).toEqual([]);
    const stored = await app.db.transaction(async (tx) => storeAlerts(tx, found, await dbNow(tx)));
    expect(stored.map((r) => [r.kind, r.projectId])).toEqual([["ALERT_R25_SINGLE_BIDDER", t.projectId]]);
  });

  it("R34: an expert with three declines in the window fires across sections (null section and project); two declines, or one outside the window, do not", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 1, "bidder");
    const now = await dbNow(app.db);
    const day = 86_400_000;
    const [often, twice] = await app.db
      .insert(experts)
      .values([
        { code: `AL-${t.sectionId.slice(0, 8)}-1`, name: "专家甲", yearsExperience: 10, region: "黑龙江省大庆市" },
        { code: `AL-${t.sectionId.slice(0, 8)}-2`, name: "专家乙", yearsExperience: 10, region: "黑龙江省大庆市" },
      ])
      .returning({ id: experts.id });
    // TEST FIXTURE: declined picks as the draw's confirmation writes them, one draw per invitation.
    const picks: { expertId: string; respondedAt: Date }[] = [
      { expertId: often!.id, respondedAt: new Date(now.getTime() - 10 * day) },
      { expertId: often!.id, respondedAt: new Date(now.getTime() - 5 * day) },
      { expertId: often!.id, respondedAt: new Date(now.getTime() - 1 * day) },
      { expertId: twice!.id, respondedAt: new Date(now.getTime() - 200 * day) },
      { expertId: twice!.id, respondedAt: new Date(now.getTime() - 3 * day) },
      { expertId: twice!.id, respondedAt: new Date(now.getTime() - 2 * day) },
    ];
    const pickIds: string[] = [];
    for (const p of picks) {
      const [d] = await app.db
        .insert(draws)
        .values({ projectId: t.projectId, sectionId: t.sectionId, requestedBy: t.tu.user!.id, lines: [], regionMode: "local", evaluationAt: new Date(now.getTime() + 5 * day), serverSeed: "s", commitment: "c" })
        .returning({ id: draws.id });
      const [pick] = await app.db
        .insert(drawPicks)
        .values({ drawId: d!.id, expertId: p.expertId, specialty: "A", role: "member", order: 1, status: "declined", respondedAt: p.respondedAt, reason: "时间冲突" })
        .returning({ id: drawPicks.id });
      pickIds.push(pick!.id);
    }
    const found = (await expertDeclineAlerts(app.db, now)).filter((a) => a.subjects.some((s) => s === often!.id || s === twice!.id));
    expect(found).toEqual([
      {
        kind: "ALERT_R34_REPEATED_DECLINES",
        rule: "R34",
        sectionId: null,
        subjects: [often!.id],
        evidence: {
          declines: 3,
          windowDays: 180,
          minDeclines: 3,
          pickIds: pickIds.slice(0, 3),
          sectionIds: [t.sectionId],
          respondedAt: picks.slice(0, 3).map((p) => p.respondedAt.toISOString()),
        },
        severity: "warning",
      },
    ]);
    const stored = await app.db.transaction((tx) => storeAlerts(tx, found, now));
    expect(stored.map((r) => [r.fingerprint, r.sectionId, r.projectId])).toEqual([[`ALERT_R34_REPEATED_DECLINES|-|${often!.id}`, null, null]]);
    expect(await app.db.transaction((tx) => storeAlerts(tx, found, now))).toEqual([]);
  });
  it("EV18: a live member's subjective score far from the others' (% of the item maximum) fires once the scoring is over — one alert per bid and item; objective items, void members and a running scoring stage do not", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const members = await seatCommittee(app, t.sectionId, 5);
    // The comprehensive fixture's method: T1 (subjective, max 25), B1 (objective, max 10).
    const method = JSON.parse(readFileSync(new URL("../fixtures/evaluation/ztb-comprehensive.appendix.json", import.meta.url), "utf8")).method;
    await freezeMethod(app, t.sectionId, method);
    const [bid1, bid2, bid3] = t.bidders.map((b) => b.bidId) as [string, string, string];
    const m = members;
    // Seat 4 is void (recused, EV15): its scores are never compared.
    await app.db.update(committeeMembers).set({ voidedAt: new Date(), voidReason: "回避" }).where(eq(committeeMembers.id, m[3]!.memberId));
    const grid: [string, string, string[]][] = [
      [bid1, "T1", ["20", "20", "20", "19", "8"]], // seat 5: |8 − 20| = 12 = 48 % of 25 → fires (seat 4 is void)
      [bid2, "T1", ["20", "20", "20", "2", "20"]], // seat 4 far off, but void
      [bid3, "T1", ["20", "20", "20", "20", "5"]], // seat 5 again: a second alert
      [bid1, "B1", ["10", "10", "10", "10", "0"]], // objective: the committee's one entry, not a member's judgement
    ];
    // TEST FIXTURE: the members' saved scores (the scoring commands have their own suite).
    await app.db.insert(scores).values(grid.flatMap(([bidId, itemId, values]) => values.map((score, i) => ({ sectionId: t.sectionId, memberId: m[i]!.memberId, bidId, itemId, score, updatedAt: new Date() }))));

    await forceStage(app, t.sectionId, "scoring", members);
    expect(kinds(await sectionAlerts(app.db, t.sectionId, await dbNow(app.db))).filter((k) => k === "ALERT_EV18_SCORE_OUTLIER")).toEqual([]);

    await forceStage(app, t.sectionId, "summary", members);
    const found = (await sectionAlerts(app.db, t.sectionId, await dbNow(app.db))).filter((a) => a.kind === "ALERT_EV18_SCORE_OUTLIER");
    const outlier = (bidId: string, score: string) => ({
      kind: "ALERT_EV18_SCORE_OUTLIER",
      rule: "EV18",
      sectionId: t.sectionId,
      subjects: [m[4]!.expertId],
      evidence: expect.objectContaining({ memberId: m[4]!.memberId, bidId, itemId: "T1", score, reference: "20.0000", max: "25.0000", thresholdPct: "30.00" }),
      severity: "warning",
    });
    expect(found).toHaveLength(2);
    expect(found).toEqual(expect.arrayContaining([outlier(bid1, "8.0000"), outlier(bid3, "5.0000")]));
    expect(found.find((a) => a.evidence.bidId === bid1)!.evidence.deviationPctOfMax).toBe("48.00");
    // The same member, two cells: two alerts stored, not one.
    const stored = await app.db.transaction(async (tx) => storeAlerts(tx, found, await dbNow(tx)));
    expect(stored).toHaveLength(2);
  });

  it("R56: the contract not signed by section_results.contractDueAt is an open, critical alert about the winner", async () => {
    const { app } = env();
    const { t } = await sectionThroughResults(app, "notified");
    const now = await dbNow(app.db);
    expect(kinds(await sectionAlerts(app.db, t.sectionId, now)).filter((k) => k === "ALERT_R56_CONTRACT_OVERDUE")).toEqual([]);
    // TEST FIXTURE: the contract's due instant moved 49 hours into the past (the database clock cannot be moved).
    const due = new Date(now.getTime() - 49 * 3_600_000);
    await app.db.update(sectionResults).set({ contractDueAt: due }).where(eq(sectionResults.sectionId, t.sectionId));
    const [r] = await app.db.select({ winnerOrgId: sectionResults.winnerOrgId }).from(sectionResults).where(eq(sectionResults.sectionId, t.sectionId));
    const found = (await sectionAlerts(app.db, t.sectionId, now)).filter((a) => a.kind === "ALERT_R56_CONTRACT_OVERDUE");
    expect(found).toEqual([
      {
        kind: "ALERT_R56_CONTRACT_OVERDUE",
        rule: "R56",
        sectionId: t.sectionId,
        subjects: [r!.winnerOrgId!],
        evidence: { id: t.sectionId, state: "open", dueAt: due.toISOString(), doneAt: "", overdueHours: 49 },
        severity: "critical",
      },
    ]);
  });
});
