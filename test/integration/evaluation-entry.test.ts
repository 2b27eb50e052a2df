import { createHash } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { rsaVerify } from "#crypto/keys";
import { fromBase64 } from "#crypto/seal/format";
import { committeeMembers, drawPicks, evaluations, jobs, liveEvents, notifications, recordEntries, roomPresence } from "#db/schema/index";
import { declarationText } from "#app/domain/evaluation/declaration";
import { declareConflict, declareNoConflict, heartbeat, leaveRoom, presenceTimedOut, PRESENCE_AWAY_MS } from "#app/services/evaluation/entry.server";
import { startEvaluation } from "#app/services/evaluation/lifecycle.server";
import { roomView } from "#app/services/evaluation/room-view.server";
import { issueChallenge } from "#app/services/platform/certificates.server";
import { dbNow } from "#app/services/platform/command.server";
import { canSubscribe, channels } from "#app/services/platform/live-channels.server";
import { openP12File, packP12, registeredCertificate } from "#app/client/p12";
import { signDeclarationB64 } from "#app/client/room";
import { action as roomAction, loader as roomLoader } from "#app/routes/evaluations.$sectionId";
import { login } from "#app/services/accounts/auth.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { failure } from "../helpers/errors";
import { forEachDriver } from "../helpers/db";
import { openedSection, seatCommittee } from "../helpers/evaluation";
import { drawnCommittee, enterAs, seatAs, signedDeclaration, skipReading } from "../helpers/evaluation-entry";
import { makeActor, PASSWORD } from "../helpers/factories";
import { enrollFor } from "../helpers/pki";

const entries = async (app: Parameters<typeof seatCommittee>[0], sectionId: string, action: string) =>
  (await app.db.select().from(recordEntries).where(and(eq(recordEntries.subjectId, sectionId), eq(recordEntries.action, action))).orderBy(asc(recordEntries.seq))).map((e) => e.payload as Record<string, unknown>);

/** The room route as the browser calls it, with a real session of `actor` (status of the response or thrown response). */
async function viaRoute(app: AppContext, actor: Actor & { username: string }, sectionId: string, fields?: Record<string, string>) {
  const s = await login(app, { username: actor.username, password: PASSWORD, ip: "127.0.0.1", userAgent: "vitest" });
  const headers = new Headers({ cookie: `th_session=${s.token}` });
  const context = { app, ip: "127.0.0.1", userAgent: "vitest", csrfToken: "csrf-test-token" } as never;
  const params = { sectionId };
  try {
    if (!fields) return { status: (await roomLoader({ request: new Request(`http://localhost/evaluations/${sectionId}`, { headers }), context, params })).status, data: null };
    headers.set("content-type", "application/x-www-form-urlencoded");
    const body = new URLSearchParams({ _csrf: "csrf-test-token", ...fields });
    const res = await roomAction({ request: new Request(`http://localhost/evaluations/${sectionId}`, { method: "POST", headers, body }), context, params });
    return { status: res.status, data: (await res.json()) as Record<string, unknown> };
  } catch (e) {
    if (e instanceof Response) return { status: e.status, data: null };
    throw e;
  }
}

forEachDriver("entering the review room (R41, R42)", (env) => {
  it("R42: entering before the evaluation start is refused on the database clock; from the start the member enters, recorded", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const members = await seatCommittee(app, t.sectionId, 5, { start: false });
    const m1 = members[0]!;
    await app.db.update(evaluations).set({ startsAt: new Date(Date.now() + 86400_000) }).where(eq(evaluations.sectionId, t.sectionId));
    expect((await failure(enterAs(app, m1, t.sectionId)))?.code).toBe("INVALID_STATE");
    // Even a room whose stage says "entry" opens only at its start (database clock), not before.
    await app.db.update(evaluations).set({ stage: "entry" }).where(eq(evaluations.sectionId, t.sectionId));
    expect((await failure(enterAs(app, m1, t.sectionId)))?.code).toBe("INVALID_STATE");
    await app.db.update(evaluations).set({ stage: "waiting", startsAt: new Date(Date.now() - 1000) }).where(eq(evaluations.sectionId, t.sectionId));
    expect(await startEvaluation(app, t.sectionId)).toBe(true);

    await enterAs(app, m1, t.sectionId);
    const [p] = await app.db.select().from(roomPresence).where(eq(roomPresence.memberId, m1.memberId));
    expect(p).toMatchObject({ leftAt: null, certificateId: m1.cert.certificateId });
    expect(await entries(app, t.sectionId, "evaluation.entered")).toEqual([expect.objectContaining({ seat: 1, presenceId: p!.id, certificate: m1.cert.fingerprint })]);
    // A presence timeout is scheduled (no heartbeat → the member has left).
    const [job] = await app.db.select().from(jobs).where(eq(jobs.dedupeKey, `evaluation.presence:${p!.id}`));
    expect(job).toMatchObject({ kind: "evaluation.presence_timeout", state: "pending" });
    // Entering twice is refused; the view shows the member in the room.
    expect((await failure(enterAs(app, m1, t.sectionId)))?.code).toBe("INVALID_STATE");
    const view = await roomView(app.db, m1.actor, t.sectionId);
    expect(view.entry?.mine).toMatchObject({ present: true, status: "expected" });
    expect(view.members.find((m) => m.seat === 1)?.present).toBe(true);
  }, 240_000);

  it("R42: only this section's committee enters — another expert, the tendering unit and a bidder get 404, a supervisor is read-only", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const members = await seatCommittee(app, t.sectionId, 5);
    const other = await makeActor(app, "expert", "别的专家单位");
    const otherCert = await enrollFor(app, other);
    expect((await failure(enterAs(app, { actor: other, cert: otherCert }, t.sectionId)))?.code).toBe("NOT_FOUND");
    expect((await failure(enterAs(app, { actor: t.tu, cert: t.tuCert }, t.sectionId)))?.code).toBe("NOT_FOUND");
    expect((await failure(enterAs(app, { actor: t.bidders[0]!.actor, cert: t.bidders[0]!.cert }, t.sectionId)))?.code).toBe("NOT_FOUND");
    expect((await failure(enterAs(app, { actor: t.supervisor, cert: t.supCert }, t.sectionId)))?.code).toBe("FORBIDDEN");
    // A member of another section's committee is not a member here.
    const t2 = await openedSection(app, 3);
    const members2 = await seatCommittee(app, t2.sectionId, 5);
    expect((await failure(enterAs(app, members2[0]!, t.sectionId)))?.code).toBe("NOT_FOUND");
    expect((await failure(heartbeat(app, t.tu, t.sectionId)))?.code).toBe("NOT_FOUND");
    expect((await failure(declareNoConflict(app, t.bidders[0]!.actor, t.sectionId, await signedDeclaration(app, { ...members[0]!, actor: t.bidders[0]!.actor }, t.sectionId))))?.code).toBe("NOT_FOUND");
    expect(await app.db.select().from(roomPresence).where(eq(roomPresence.sectionId, t.sectionId))).toHaveLength(0);
    expect(await entries(app, t.sectionId, "evaluation.entered")).toHaveLength(0);
  }, 240_000);

  it("R41: a bad signature is refused — another key, another's certificate, a check-in challenge, a reused nonce, a tampered declaration", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const [m1, m2] = await seatCommittee(app, t.sectionId, 5);
    expect((await failure(enterAs(app, m1!, t.sectionId, { key: m2!.cert.privateKeyPkcs8 })))?.code).toBe("CHALLENGE_INVALID");
    expect((await failure(enterAs(app, m1!, t.sectionId, { certificateId: m2!.cert.certificateId, key: m2!.cert.privateKeyPkcs8 })))?.code).toBe("CERT_NOT_YOURS");
    expect((await failure(enterAs(app, m1!, t.sectionId, { purpose: `checkin:${t.sectionId}` })))?.code).toBe("CHALLENGE_INVALID");
    // A challenge is used once.
    const { signChallengeB64 } = await import("#app/client/p12");
    const { enterRoom } = await import("#app/services/evaluation/entry.server");
    const ch = await issueChallenge(app, m1!.actor, `evaluation-entry:${t.sectionId}`);
    const proof = { nonce: ch.nonce, certificateId: m1!.cert.certificateId, signature: await signChallengeB64(ch, m1!.cert.privateKeyPkcs8) };
    await enterRoom(app, m1!.actor, t.sectionId, proof);
    await leaveRoom(app, m1!.actor, t.sectionId);
    expect((await failure(enterRoom(app, m1!.actor, t.sectionId, proof)))?.code).toBe("CHALLENGE_INVALID");
    await enterAs(app, m1!, t.sectionId);

    // The declaration: before the reading time is up it is refused; then another key, a changed bidder list, garbage.
    expect((await failure(declareNoConflict(app, m1!.actor, t.sectionId, await signedDeclaration(app, m1!, t.sectionId))))?.code).toBe("INVALID_STATE");
    await skipReading(app, m1!.memberId);
    expect((await failure(declareNoConflict(app, m1!.actor, t.sectionId, await signedDeclaration(app, m1!, t.sectionId, { key: m2!.cert.privateKeyPkcs8 }))))?.code).toBe("CHALLENGE_INVALID");
    expect((await failure(declareNoConflict(app, m1!.actor, t.sectionId, await signedDeclaration(app, m1!, t.sectionId, { bidders: [{ name: "别的公司", creditCode: null }] }))))?.code).toBe("CHALLENGE_INVALID");
    const good = await signedDeclaration(app, m1!, t.sectionId);
    expect((await failure(declareNoConflict(app, m1!.actor, t.sectionId, { ...good, signature: "%%%" })))?.code).toBe("CHALLENGE_INVALID");
    expect((await failure(declareNoConflict(app, m1!.actor, t.sectionId, { ...good, at: "2020-01-01T00:00:00.000Z" })))?.code).toBe("VALIDATION");
    expect((await failure(declareNoConflict(app, m1!.actor, t.sectionId, { ...good, certificateId: m2!.cert.certificateId })))?.code).toBe("CERT_NOT_YOURS");
    const [row] = await app.db.select().from(committeeMembers).where(eq(committeeMembers.id, m1!.memberId));
    expect(row).toMatchObject({ status: "expected", declaredAt: null });
    expect(await entries(app, t.sectionId, "evaluation.declared")).toHaveLength(0);
  }, 240_000);

  it("R41: the signed declaration over the bidders and the grounds is recorded; when all five are seated the election opens; exits are recorded", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const members = await seatCommittee(app, t.sectionId, 5);
    const m1 = members[0]!;
    await enterAs(app, m1, t.sectionId);
    // What the member is shown: every bidder of the section and the R39 grounds (ZTB), with the reading countdown.
    const shown = (await roomView(app.db, m1.actor, t.sectionId)).entry!.mine!;
    expect(shown.declaration!.bidders).toHaveLength(3);
    expect(shown.declaration).toMatchObject({ regime: "ZTB", seat: 1, groundsVersion: "R39-2026.1" });
    expect(shown.declaration!.grounds).toContain("near_relative");
    expect(new Date(shown.readingEndsAt!).getTime()).toBeGreaterThan(new Date(shown.enteredAt!).getTime());
    await skipReading(app, m1.memberId);
    // Exactly what the page does (entry-panel.tsx): open the member's PKCS#12 file in memory, match it against the
    // member's registered certificates from the view, sign the declaration built from the view with its key.
    const file = new Blob([packP12({ privateKeyPkcs8: m1.cert.privateKeyPkcs8 }, m1.cert.certPem, m1.cert.chainPem, "口令-123456", "M1") as unknown as BlobPart]);
    await expect(openP12File(file, "wrong")).rejects.toMatchObject({ problem: "BAD_PASSPHRASE" });
    const opened = await openP12File(file, "口令-123456");
    const certificateId = registeredCertificate(opened, shown.certificates).id;
    const d = shown.declaration!;
    const at = (await roomView(app.db, m1.actor, t.sectionId)).entry!.now;
    const signed = { at, certificateId, signature: await signDeclarationB64({ sectionId: d.sectionId, regime: d.regime, seat: d.seat, bidders: d.bidders, at }, opened.privateKeyPkcs8) };
    await declareNoConflict(app, m1.actor, t.sectionId, signed);

    const [row] = await app.db.select().from(committeeMembers).where(eq(committeeMembers.id, m1.memberId));
    expect(row).toMatchObject({ status: "seated", declarationCertificateId: m1.cert.certificateId });
    expect(row!.declaredAt).toBeInstanceOf(Date);
    const bidders = shown.declaration!.bidders;
    const text = declarationText({ sectionId: t.sectionId, regime: "ZTB", seat: 1, bidders, at: signed.at });
    expect(row!.declaration!.text).toBe(text);
    expect(row!.declaration!.bidders).toHaveLength(3);
    // Anyone can check the stored declaration against the member's certificate.
    expect(await rsaVerify(m1.cert.publicKeySpki, fromBase64(row!.declaration!.signature), new TextEncoder().encode(text))).toBe(true);
    const [rec] = await entries(app, t.sectionId, "evaluation.declared");
    expect(rec).toMatchObject({ seat: 1, grounds: "R39-2026.1", bidders: 3, certificate: m1.cert.fingerprint, stage: null, declarationSha256: createHash("sha256").update(text).digest("hex") });
    expect((await failure(declareNoConflict(app, m1.actor, t.sectionId, await signedDeclaration(app, m1, t.sectionId))))?.code).toBe("INVALID_STATE"); // once

    // The waiting list names who is missing (EV15).
    const waiting = (await roomView(app.db, t.supervisor, t.sectionId)).entry!;
    expect(waiting).toMatchObject({ seated: 1, total: 5 });
    expect(waiting.missing.map((m) => m.seat)).toEqual([2, 3, 4, 5]);
    expect(waiting.missing[0]!.name).toBe("专家2");

    for (const m of members.slice(1)) await seatAs(app, m, t.sectionId);
    const [ev] = await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId));
    expect(ev!.stage).toBe("leader");
    expect((await entries(app, t.sectionId, "evaluation.declared")).at(-1)).toMatchObject({ seat: 5, stage: "leader" });

    // Leaving is recorded; so is a presence that timed out (no heartbeat); "away" shortens the timeout.
    await leaveRoom(app, m1.actor, t.sectionId);
    expect((await failure(leaveRoom(app, m1.actor, t.sectionId)))?.code).toBe("INVALID_STATE");
    expect(await heartbeat(app, m1.actor, t.sectionId)).toEqual({ present: false });
    const m2 = members[1]!;
    expect(await heartbeat(app, m2.actor, t.sectionId, true)).toEqual({ present: true });
    const [p2] = await app.db.select().from(roomPresence).where(and(eq(roomPresence.memberId, m2.memberId)));
    const [job] = await app.db.select().from(jobs).where(eq(jobs.dedupeKey, `evaluation.presence:${p2!.id}`));
    expect(job!.dueAt.getTime() - (await dbNow(app.db)).getTime()).toBeLessThanOrEqual(PRESENCE_AWAY_MS + 1000);
    expect(await presenceTimedOut(app, p2!.id)).toBe(true);
    expect(await presenceTimedOut(app, p2!.id)).toBe(false); // idempotent
    expect(await entries(app, t.sectionId, "evaluation.left")).toEqual([expect.objectContaining({ seat: 1, how: "button" }), expect.objectContaining({ seat: 2, how: "no_heartbeat" })]);
    // Re-entering needs a new challenge; the member stays seated.
    await enterAs(app, m1, t.sectionId);
    expect((await roomView(app.db, m1.actor, t.sectionId)).entry!.mine).toMatchObject({ present: true, status: "seated" });
  }, 240_000);

  it("R37/EV15: a declared conflict removes the member, invites the next backup, voids the seat and closes its presence", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const c = await drawnCommittee(app, t, 5, 1);
    const [m1, m2] = c.members;
    expect(c.members.map((m) => m.seat)).toEqual([1, 2, 3, 4, 5]);
    expect(await c.backup()).toBeNull();
    await seatAs(app, m1!, t.sectionId);
    await enterAs(app, m2!, t.sectionId);
    expect((await failure(declareConflict(app, m2!.actor, t.sectionId, { reason: "  ", confirm: "yes" })))?.code).toBe("VALIDATION");
    expect((await failure(declareConflict(app, m2!.actor, t.sectionId, { reason: "x".repeat(501), confirm: "yes" })))?.code).toBe("VALIDATION");
    expect((await failure(declareConflict(app, m2!.actor, t.sectionId, { reason: "与投标人存在利害关系", confirm: "" })))?.code).toBe("VALIDATION");
    expect((await failure(declareConflict(app, t.supervisor, t.sectionId, { reason: "监督", confirm: "yes" })))?.code).toBe("FORBIDDEN");
    await declareConflict(app, m2!.actor, t.sectionId, { reason: "本人配偶在投标单位任职", confirm: "yes" });

    const [gone] = await app.db.select().from(committeeMembers).where(eq(committeeMembers.id, m2!.memberId));
    expect(gone).toMatchObject({ status: "recused", recusalReason: "本人配偶在投标单位任职" });
    expect(gone!.voidedAt).toBeInstanceOf(Date);
    // The seat's pick is replaced and the standby backup invited (R37), and seated at once under the next seat.
    const [pick] = await app.db.select().from(drawPicks).where(eq(drawPicks.id, c.backupPicks[0]!));
    expect(pick!.status).toBe("invited");
    const b = (await c.backup())!;
    expect(b).not.toBeNull();
    expect(b.seat).toBe(6);
    const invited = await app.db.select().from(notifications).where(and(eq(notifications.userId, b.actor.user!.id), eq(notifications.kind, "drawInvitation")));
    expect(invited).toHaveLength(1);
    const [recused] = await entries(app, t.sectionId, "evaluation.recused");
    expect(recused).toMatchObject({ rule: "R37", seat: 2, reason: "本人配偶在投标单位任职" });
    expect((await entries(app, t.sectionId, "evaluation.left")).at(-1)).toMatchObject({ seat: 2, how: "recused" });
    expect(await app.db.select().from(roomPresence).where(and(eq(roomPresence.memberId, m2!.memberId)))).toEqual([expect.objectContaining({ leftAt: expect.any(Date) })]);
    // The recused member no longer sees the room; it cannot come back.
    expect((await failure(roomView(app.db, m2!.actor, t.sectionId)))?.code).toBe("NOT_FOUND");
    expect((await failure(enterAs(app, m2!, t.sectionId)))?.code).toBe("NOT_FOUND");
    // The waiting list names the replacement; once it and the others are seated, the election opens.
    const waiting = (await roomView(app.db, m1!.actor, t.sectionId)).entry!;
    expect(waiting.missing.map((m) => m.seat)).toEqual([3, 4, 5, 6]);
    for (const m of [...c.members.slice(2), b]) await seatAs(app, m, t.sectionId);
    const [ev] = await app.db.select().from(evaluations).where(eq(evaluations.sectionId, t.sectionId));
    expect(ev!.stage).toBe("leader");
  }, 240_000);

  it("R42: supervisors watch read-only and live; the tendering unit, the agency and the bidders see nothing and cannot subscribe", async () => {
    const { app } = env();
    const t = await openedSection(app, 3);
    const members = await seatCommittee(app, t.sectionId, 5);
    await seatAs(app, members[0]!, t.sectionId);
    const sv = await roomView(app.db, t.supervisor, t.sectionId);
    expect(sv).toMatchObject({ viewer: "supervisor", me: null });
    expect(sv.entry).toMatchObject({ open: true, seated: 1, total: 5, mine: null });
    expect(sv.members.find((m) => m.seat === 1)).toMatchObject({ present: true, status: "seated" });
    // Read-only: every member command is refused for the supervisor.
    expect((await failure(heartbeat(app, t.supervisor, t.sectionId)))?.code).toBe("FORBIDDEN");
    expect((await failure(leaveRoom(app, t.supervisor, t.sectionId)))?.code).toBe("FORBIDDEN");
    expect((await failure(declareNoConflict(app, t.supervisor, t.sectionId, await signedDeclaration(app, { ...members[1]!, actor: t.supervisor }, t.sectionId))))?.code).toBe("FORBIDDEN");
    // Live: the room's channel carries presence and progress only.
    const ch = channels.evaluation(t.sectionId);
    expect(await canSubscribe(app.db, t.supervisor, ch)).toBe(true);
    const events = await app.db.select().from(liveEvents).where(eq(liveEvents.channel, ch)).orderBy(asc(liveEvents.seq));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["evaluation.entered", "evaluation.declared"]));
    for (const e of events) expect(JSON.stringify(e.data)).not.toMatch(/signature|text|bidders/);
    // Nobody on the tendering side and no bidder sees the room.
    const agency = await makeActor(app, "agency");
    for (const a of [t.tu, agency, t.bidders[0]!.actor, t.bidders[1]!.actor]) {
      expect((await failure(roomView(app.db, a, t.sectionId)))?.code).toBe("NOT_FOUND");
      expect(await canSubscribe(app.db, a, ch)).toBe(false);
      expect((await failure(leaveRoom(app, a, t.sectionId)))?.code).toBe("NOT_FOUND");
      expect((await failure(declareConflict(app, a, t.sectionId, { reason: "x", confirm: "yes" })))?.code).toBe("NOT_FOUND");
    }
    // The same through the route, as the browser calls it: the page and every intent are 404 for the tendering side
    // and the bidders; the supervisor sees the page (200) and every member intent is refused (403).
    for (const a of [t.tu, agency, t.bidders[0]!.actor] as (typeof t.tu)[]) {
      expect((await viaRoute(app, a, t.sectionId)).status).toBe(404);
      for (const intent of ["enter", "heartbeat", "declare", "vote", "leave"]) expect((await viaRoute(app, a, t.sectionId, { intent, certificateId: members[0]!.cert.certificateId })).status).toBe(404);
    }
    expect((await viaRoute(app, t.supervisor, t.sectionId)).status).toBe(200);
    for (const intent of ["heartbeat", "leave", "vote"]) expect((await viaRoute(app, t.supervisor, t.sectionId, { intent, candidateId: members[0]!.memberId })).status).toBe(403);
    // A member's heartbeat through the route says it is in the room.
    expect(await viaRoute(app, members[0]!.actor, t.sectionId, { intent: "heartbeat" })).toEqual({ status: 200, data: { done: "heartbeat", present: true } });
  }, 240_000);
});
