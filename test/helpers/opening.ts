import { eq } from "drizzle-orm";
import { signChallenge } from "#crypto/challenge";
import { toBase64 } from "#crypto/seal/format";
import { openingKeys, openings } from "#db/schema/index";
import { issueChallenge } from "#app/services/platform/certificates.server";
import { checkIn, windowEnded } from "#app/services/opening/opening.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, createProject, publishProject } from "#app/services/tendering/tenders.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { demoPdf } from "../../server/demo-pdf";
import { submit } from "./bids";
import { closeBidding, justPassed, makeActor, projectForm } from "./factories";
import { enrollFor, type Enrolled } from "./pki";

/** TEST FIXTURE helpers for the opening hall (integration tests and benchmarks). */
export const form = (price: string) => new TextEncoder().encode(JSON.stringify({ v: 1, form: { priceYuan: price, durationDays: "540", quality: "合格", projectManager: "陈建国" }, files: [{ name: "技术标.pdf", size: 12 }] }));

export type Bidder = { actor: Actor; cert: Enrolled; rawKey: Uint8Array; bidId: string };

/** A published tender with `n` sealed bids, the deadline just passed. */
export async function tenderWithBids(app: AppContext, n: number, keyModel: "bidder" | "bidder_with_custodian_fallback") {
  const tu = await makeActor(app, "tendering_unit");
  const supervisor = await makeActor(app, "supervisor");
  const over = keyModel === "bidder" ? { keyModel } : { keyModel, keyThreshold: 2, custodians: ["tendering_unit", "supervisor"] };
  const projectId = await createProject(app, tu, await projectForm(app, over));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf(["opening"]))) });
  const tuCert = await enrollFor(app, tu);
  const supCert = await enrollFor(app, supervisor);
  await publishProject(app, tu, projectId);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  const [k] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
  const opening = k ? { kid: k.kid, publicKeySpki: Buffer.from(k.publicKeySpki, "base64") } : null;
  const bidders: Bidder[] = [];
  for (let i = 0; i < n; i++) {
    const actor = await makeActor(app, "bidder", `投标单位${i + 1}-${projectId}`);
    const cert = await enrollFor(app, actor);
    const r = await submit(app, actor, cert, sectionId, opening, [form(String(9_800_000 + i * 100_000)), new TextEncoder().encode("技术标正文")]);
    bidders.push({ actor, cert, rawKey: r.sealed.rawKey, bidId: r.bidId });
  }
  await closeBidding(app, projectId);
  return { tu, supervisor, tuCert, supCert, projectId, sectionId, bidders };
}

export async function checkInAs(app: AppContext, b: Bidder, sectionId: string) {
  const ch = await issueChallenge(app, b.actor, `checkin:${sectionId}`);
  const signature = toBase64(await signChallenge(ch, b.cert.privateKeyPkcs8));
  await checkIn(app, b.actor, sectionId, { nonce: ch.nonce, certificateId: b.cert.certificateId, signature });
}

export async function closeWindow(app: AppContext, sectionId: string) {
  await app.db.update(openings).set({ decryptionEndsAt: justPassed() }).where(eq(openings.sectionId, sectionId));
  await windowEnded(app, sectionId);
}

