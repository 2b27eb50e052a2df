import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { buildPkcs12 } from "#crypto/certs";
import { openP12File } from "#app/client/p12";
import { signReportAttributesWith } from "#app/client/sign-attributes";
import { bids, evaluations, reviewConclusions } from "#db/schema/index";
import { evaluate } from "#app/domain/evaluation/evaluate";
import type { AppContext } from "#app/services/platform/context.server";
import { evaluationInput } from "#app/services/evaluation/summary.server";
import { completeSignature, generateReport, prepareSignature, recordPosition } from "#app/services/evaluation/report.server";
import { forceStage, openedSection, seatCommittee, type Member } from "./evaluation";

/** The bytes of a blob. */
export async function blobBytes(app: AppContext, sha256: string): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const part of await app.blobs.get(sha256)) parts.push(part as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * TEST FIXTURE: a section at `signing` with a finalised result — every bid passed the compliance review, the result
 * computed by the engine from the stored inputs (what the summary's finalise stores) — so that suites about the
 * report and what follows it do not depend on the earlier stages (they have their own suites).
 */
export async function atSigning(app: AppContext, n = 3) {
  const t = await openedSection(app, n);
  const members = await seatCommittee(app, t.sectionId, 5);
  await forceStage(app, t.sectionId, "review", members);
  const sectionBids = await app.db.select({ id: bids.id }).from(bids).where(eq(bids.sectionId, t.sectionId));
  for (const b of sectionBids) await app.db.insert(reviewConclusions).values({ sectionId: t.sectionId, bidId: b.id, passed: true, items: [], reasons: [], decidedAt: new Date() });
  const data = await evaluationInput(app.db, t.sectionId);
  const result = evaluate(data.config, data.input);
  expect(result.status).toBe("complete");
  await app.db.update(evaluations).set({ result }).where(eq(evaluations.sectionId, t.sectionId));
  await forceStage(app, t.sectionId, "signing", members);
  return { t, members };
}

/**
 * What the member's page does (app/components/evaluation/report-panel.tsx): opens its PKCS#12 file
 * (app/client/p12.ts), asks for the prepared signature, signs the attributes with app/client/sign-attributes.ts
 * (which checks them first) and sends the signature back.
 */
export async function signAs(app: AppContext, m: Member, sectionId: string) {
  const file = buildPkcs12({ privateKeyPkcs8: m.cert.privateKeyPkcs8, certPem: m.cert.certPem, chainPem: m.cert.chainPem, passphrase: "pw", friendlyName: "member", iterations: 2000 });
  const opened = await openP12File(new Blob([file as unknown as BlobPart]), "pw");
  const p = await prepareSignature(app, m.actor, sectionId, { fingerprint: opened.fingerprint });
  const s = await signReportAttributesWith(opened, p.signedAttrsB64, p.fingerprint);
  return { p, done: await completeSignature(app, m.actor, sectionId, { nonce: p.nonce, revision: p.revision, fingerprint: s.fingerprint, signature: s.signatureB64 }) };
}

/** A section whose evaluation report every member agreed to and signed (the section is `evaluated`). */
export async function signedReport(app: AppContext, n = 3) {
  const { t, members } = await atSigning(app, n);
  await generateReport(app, t.sectionId);
  for (const m of members) await recordPosition(app, m.actor, t.sectionId, { position: "agree" });
  let signed = false;
  for (const m of members) signed = (await signAs(app, m, t.sectionId)).done.signed;
  expect(signed).toBe(true);
  return { t, members };
}
