import { and, eq, isNull, sql } from "drizzle-orm";
import { committeeMembers, drawPicks, draws, experts } from "#db/schema/index";
import { signChallengeB64 } from "#app/client/p12";
import { signDeclarationB64 } from "#app/client/room";
import { DECLARATION_READING_SECONDS } from "#app/domain/evaluation/declaration";
import { declarationFor, declareNoConflict, enterRoom } from "#app/services/evaluation/entry.server";
import { issueChallenge } from "#app/services/platform/certificates.server";
import { dbNow } from "#app/services/platform/command.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { seatCommittee, type Member } from "./evaluation";
import { makeActor } from "./factories";
import { enrollFor, type Enrolled } from "./pki";

/**
 * TEST FIXTURES for entering the review room (R41, R42) and the leader's election: the member signs exactly as the
 * page does — the entry challenge with app/client/p12.ts `signChallengeB64`, the declaration with app/client/room.ts
 * `signDeclarationB64` — so the suites prove that what the browser signs is what the server verifies.
 */

type Signer = { actor: Actor; cert: Pick<Enrolled, "certificateId" | "privateKeyPkcs8"> };

/** Signs the room's one-time challenge with `m`'s key (as the entry panel does) and enters. */
export async function enterAs(app: AppContext, m: Signer, sectionId: string, opts: { key?: Uint8Array; certificateId?: string; purpose?: string } = {}) {
  const ch = await issueChallenge(app, m.actor, opts.purpose ?? `evaluation-entry:${sectionId}`);
  const signature = await signChallengeB64(ch, opts.key ?? m.cert.privateKeyPkcs8);
  await enterRoom(app, m.actor, sectionId, { nonce: ch.nonce, certificateId: opts.certificateId ?? m.cert.certificateId, signature });
}

/** TEST ONLY: moves the member's open presence back past the declaration's reading time (R41 countdown). */
export async function skipReading(app: AppContext, memberId: string) {
  await app.db.execute(
    sql`update room_presence set entered_at = entered_at - make_interval(secs => ${DECLARATION_READING_SECONDS + 1}) where member_id = ${memberId}::uuid and left_at is null`,
  );
}

/** The declaration as the page builds it from the room view, signed with the member's key (app/client/room.ts). */
export async function signedDeclaration(app: AppContext, m: Signer & { seat: number }, sectionId: string, opts: { key?: Uint8Array; bidders?: { name: string; creditCode: string | null }[] } = {}) {
  const d = await declarationFor(app.db, sectionId, m.seat);
  const at = (await dbNow(app.db)).toISOString();
  const bidders = opts.bidders ?? d.bidders.map((b) => ({ name: b.name, creditCode: b.creditCode }));
  const signature = await signDeclarationB64({ sectionId, regime: d.regime, seat: m.seat, bidders, at }, opts.key ?? m.cert.privateKeyPkcs8);
  return { at, certificateId: m.cert.certificateId, signature };
}

/** Enters (challenge), waits out the reading time and signs the declaration of no conflict. */
export async function seatAs(app: AppContext, m: Member, sectionId: string) {
  await enterAs(app, m, sectionId);
  await skipReading(app, m.memberId);
  await declareNoConflict(app, m.actor, sectionId, await signedDeclaration(app, m, sectionId));
}

/**
 * TEST SETUP: a drawn draw of one line (A01) with `size` confirmed member picks and `backups` standby backups, each
 * expert with an account and a certificate; nothing is prepared or seated. `naming` names the i-th expert and its
 * organisation (the e2e test shows them in the browser).
 */
export async function drawnDraw(
  app: AppContext,
  t: { tu: Actor; projectId: string; sectionId: string },
  size: number,
  backups: number,
  naming: (i: number) => { code: string; name: string; org: string } = (i) => ({ code: `DR-${t.sectionId.slice(0, 8)}-${i + 1}`, name: `抽取专家${i + 1}`, org: `抽取专家单位${i + 1}-${t.sectionId}` }),
) {
  const people: { actor: Actor & { username: string }; cert: Enrolled; expertId: string; pickId: string; role: "member" | "backup" }[] = [];
  const [d] = await app.db
    .insert(draws)
    .values({
      projectId: t.projectId,
      sectionId: t.sectionId,
      requestedBy: t.tu.user!.id,
      lines: [{ specialty: "A01", count: size, backups }],
      regionMode: "any",
      evaluationAt: new Date(Date.now() + 3600_000),
      status: "drawn",
      serverSeed: "00".repeat(32),
      commitment: "00".repeat(32),
      drawnAt: new Date(),
    })
    .returning({ id: draws.id });
  for (let i = 0; i < size + backups; i++) {
    const role = i < size ? ("member" as const) : ("backup" as const);
    const n = naming(i);
    const actor = await makeActor(app, "expert", n.org);
    const cert = await enrollFor(app, actor);
    const [e] = await app.db.insert(experts).values({ code: n.code, name: n.name, yearsExperience: 12, region: "黑龙江省大庆市", userId: actor.user!.id }).returning({ id: experts.id });
    const [p] = await app.db
      .insert(drawPicks)
      .values({ drawId: d!.id, expertId: e!.id, specialty: "A01", role, order: i + 1, status: role === "member" ? "confirmed" : "standby" })
      .returning({ id: drawPicks.id });
    people.push({ actor, cert, expertId: e!.id, pickId: p!.id, role });
  }
  return { drawId: d!.id, people };
}

/**
 * A committee formed from a real draw (R35, R37): `size` confirmed member picks and `backups` standby backups on one
 * line, every expert with an account and a certificate; the evaluation is prepared from the draw and started.
 * Returns the seated members and the backups (their seats appear when a replacement invites them).
 */
export async function drawnCommittee(app: AppContext, t: { tu: Actor; projectId: string; sectionId: string }, size = 5, backups = 1) {
  const { drawId, people } = await drawnDraw(app, t, size, backups);
  await seatCommittee(app, t.sectionId, 0);
  const memberOf = async (userId: string) => {
    const [m] = await app.db
      .select()
      .from(committeeMembers)
      .where(and(eq(committeeMembers.sectionId, t.sectionId), eq(committeeMembers.userId, userId), isNull(committeeMembers.voidedAt)));
    return m ?? null;
  };
  const members: Member[] = [];
  for (const p of people.filter((x) => x.role === "member")) {
    const m = (await memberOf(p.actor.user!.id))!;
    members.push({ actor: p.actor, cert: p.cert, expertId: p.expertId, memberId: m.id, seat: m.seat });
  }
  /** A backup's seat once a replacement has invited it (R37), as a Member. */
  const backup = async (i = 0): Promise<Member | null> => {
    const p = people.filter((x) => x.role === "backup")[i]!;
    const m = await memberOf(p.actor.user!.id);
    return m ? { actor: p.actor, cert: p.cert, expertId: p.expertId, memberId: m.id, seat: m.seat } : null;
  };
  return { drawId, members, backup, backupPicks: people.filter((x) => x.role === "backup").map((x) => x.pickId) };
}
