import { eq, sql } from "drizzle-orm";
import { toBase64 } from "#crypto/seal/format";
import { committeeMembers, evaluations, experts, reviewConclusions } from "#db/schema/index";
import { parseMethodConfig } from "#app/domain/evaluation/method";
import { prepareEvaluation, startEvaluation } from "#app/services/evaluation/lifecycle.server";
import { closeOpening, openHall, releaseBidKey } from "#app/services/opening/opening.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import type { Stage } from "#app/services/evaluation/access.server";
import { justPassed, makeActor } from "./factories";
import { checkInAs, tenderWithBids, type Bidder } from "./opening";
import { enrollFor, type Enrolled } from "./pki";

/**
 * TEST FIXTURES for the evaluation (review room) suites. `openedSection` runs a real opening to its closed record;
 * `seatCommittee` gives it a committee of expert accounts with certificates — inserted directly, without a draw
 * (the draw and the committee's formation have their own tests) — and starts the evaluation through the real jobs.
 */

export type Member = { actor: Actor & { username: string }; cert: Enrolled; expertId: string; memberId: string; seat: number };

/** A section whose opening closed with `n` decrypted bids (prices 9,800,000 + i × 100,000 yuan). */
export async function openedSection(app: AppContext, n = 3) {
  const t = await tenderWithBids(app, n, "bidder");
  await openHall(app, t.sectionId);
  for (const b of t.bidders) await checkInAs(app, b, t.sectionId);
  for (const b of t.bidders) await releaseBidKey(app, b.actor, t.sectionId, toBase64(b.rawKey));
  await closeOpening(app, t.tu, t.sectionId);
  return t;
}

/** Seats `size` experts (accounts, pool entries, certificates) on the section's committee and opens the room. */
export async function seatCommittee(app: AppContext, sectionId: string, size = 5, opts: { start?: boolean } = { start: true }): Promise<Member[]> {
  await prepareEvaluation(app, sectionId);
  const members: Member[] = [];
  for (let i = 0; i < size; i++) {
    const actor = await makeActor(app, "expert", `评标专家单位${i + 1}-${sectionId}`);
    const cert = await enrollFor(app, actor);
    const [e] = await app.db
      .insert(experts)
      .values({ code: `EV-${sectionId.slice(0, 8)}-${i + 1}`, name: `专家${i + 1}`, yearsExperience: 15, region: "黑龙江省大庆市", userId: actor.user!.id })
      .returning({ id: experts.id });
    const [m] = await app.db
      .insert(committeeMembers)
      .values({ sectionId, kind: "expert", expertId: e!.id, userId: actor.user!.id, seat: i + 1 })
      .returning({ id: committeeMembers.id });
    members.push({ actor, cert, expertId: e!.id, memberId: m!.id, seat: i + 1 });
  }
  if (opts.start !== false) {
    await app.db.update(evaluations).set({ startsAt: justPassed() }).where(eq(evaluations.sectionId, sectionId));
    await startEvaluation(app, sectionId);
  }
  return members;
}

/**
 * TEST ONLY: puts the evaluation at `stage` with every member seated (as if each had entered and declared) and
 * `leader` as its leader — for suites about a later stage, so that they do not depend on the earlier ones.
 */
export async function forceStage(app: AppContext, sectionId: string, stage: Stage, members: Member[], leader: Member | null = members[0] ?? null) {
  await app.db.execute(sql`update committee_members set status = 'seated', declared_at = coalesce(declared_at, now()) where section_id = ${sectionId}::uuid and voided_at is null`);
  await app.db.update(evaluations).set({ stage, stageChangedAt: new Date(), leaderMemberId: leader?.memberId ?? null }).where(eq(evaluations.sectionId, sectionId));
}

export type { Bidder };

/**
 * TEST ONLY (scoring and summary suites): replaces the method frozen at the evaluation's preparation with `config`
 * (e.g. a fixture's method from test/fixtures/evaluation), as if the section had been published with it.
 */
export async function freezeMethod(app: AppContext, sectionId: string, config: unknown) {
  await app.db.update(evaluations).set({ config: parseMethodConfig(config) }).where(eq(evaluations.sectionId, sectionId));
}

/** TEST ONLY: the prices read at the opening (`bid_openings.form.form.priceYuan`), one per bid, and the ceiling. */
export async function setReadPrices(app: AppContext, sectionId: string, prices: { bidId: string; priceYuan: string; policy?: string[] }[], ceilingYuan: string | null = null) {
  for (const p of prices) {
    const patch = JSON.stringify({ priceYuan: p.priceYuan, ...(p.policy ? { policy: p.policy } : {}) });
    await app.db.execute(sql`update bid_openings set form = jsonb_set(form, '{form}', (form->'form') || ${patch}::jsonb) where bid_id = ${p.bidId}::uuid`);
  }
  await app.db.execute(sql`update sections set ceiling_price_fen = ${ceilingYuan === null ? null : Math.round(Number(ceilingYuan) * 100)} where id = ${sectionId}::uuid`);
}

/** TEST ONLY: the committee's review conclusion "passed" for these bids (as if the compliance review had closed). */
export async function passReview(app: AppContext, sectionId: string, bidIds: string[]) {
  for (const bidId of bidIds) await app.db.insert(reviewConclusions).values({ sectionId, bidId, passed: true, items: [], ground: null, reasons: [], decidedAt: new Date() });
}
