import { and, eq } from "drizzle-orm";
import { expect } from "vitest";
import { buildPkcs12 } from "#crypto/certs";
import { openP12File } from "#app/client/p12";
import { signReportAttributesWith } from "#app/client/sign-attributes";
import { bids, evaluations, jobs, reviewConclusions, sectionResults } from "#db/schema/index";
import { evaluate } from "#app/domain/evaluation/evaluate";
import type { AppContext } from "#app/services/platform/context.server";
import { evaluationInput } from "#app/services/evaluation/summary.server";
import { completeSignature, generateReport, prepareSignature, recordPosition } from "#app/services/evaluation/report.server";
import { forceStage, openedSection, seatCommittee, type Member } from "./evaluation";
import { justPassed } from "./factories";
import { jobHandlers } from "#app/services/job-handlers.server";
import { runDueJobs } from "#app/services/platform/jobs.server";
import { decideWinner, issueNotices, recordContract } from "#app/services/results/results.server";
import { demoPdf } from "../../server/demo-pdf";

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

/** TEST FIXTURE: makes a results timer due now (the database clock cannot be moved): the row's limit and its job. */
export async function fireResultsTimer(app: AppContext, sectionId: string, timer: string, column: "publicityEndsAt" | "decisionDueAt" | "contractDueAt" | "contractWarnAt" | null) {
  const past = justPassed();
  if (column) await app.db.update(sectionResults).set({ [column]: past }).where(eq(sectionResults.sectionId, sectionId));
  const due = await app.db.select({ id: jobs.id, payload: jobs.payload }).from(jobs).where(and(eq(jobs.kind, "results.timer"), eq(jobs.state, "pending")));
  for (const j of due) if (j.payload.sectionId === sectionId && j.payload.timer === timer) await app.db.update(jobs).set({ dueAt: past }).where(eq(jobs.id, j.id));
  await runDueJobs(app, jobHandlers([]));
}

/**
 * A ZTB section through the results stage with the real commands, up to `until`: the publicity published by its job,
 * its end fired, rank 1 confirmed by the tendering unit, the notices issued, the contract recorded (a demo PDF).
 */
export async function sectionThroughResults(app: AppContext, until: "publicity" | "decision" | "notified" | "contracted", n = 3) {
  const { t, members } = await signedReport(app, n);
  await runDueJobs(app, jobHandlers([]));
  if (until !== "publicity") {
    await fireResultsTimer(app, t.sectionId, "publicity_end", "publicityEndsAt");
    if (until !== "decision") {
      const [r] = await app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, t.sectionId));
      const first = r!.candidates.find((c) => c.rank === 1)!;
      await decideWinner(app, t.tu, t.sectionId, { bidId: first.bidId });
      await issueNotices(app, t.tu, t.sectionId, { contractPlace: "招标人办公室" });
      if (until === "contracted") {
        const pdf = await app.blobs.put(demoPdf(["施工合同"]));
        const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
        await recordContract(app, t.tu, t.sectionId, { pdf, filename: "施工合同.pdf", amountFen: first.priceFen, signedOn: today });
      }
    }
  }
  return { t, members };
}
