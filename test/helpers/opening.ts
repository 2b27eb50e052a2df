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

/** The technical file (file 1) of every bid `tenderWithBids` seals. */
export const TECH = new TextEncoder().encode("技术标正文");

/**
 * A sealed bid form (file 0). Its `files` must list the real names and sizes of the files sealed after it, or the
 * opening refuses the bid (docs/sealed-bid-format.md §7 step 5); the default lists `TECH` (`submit` labels every
 * file `file-<i>.pdf`, so the names end in `.pdf`).
 */
export const form = (price: string, files: { name: string; size: number }[] = [{ name: "技术标.pdf", size: TECH.length }]) =>
  new TextEncoder().encode(JSON.stringify({ v: 1, form: { priceYuan: price, durationDays: "540", quality: "合格", projectManager: "陈建国" }, files }));

export type Bidder = { actor: Actor; cert: Enrolled; rawKey: Uint8Array; bidId: string };

/**
 * A published tender with `n` sealed bids, the deadline just passed. Bid i (from 0) is priced 9,800,000 + i × 100,000
 * and, unless `payload` says otherwise, is its bid form and `TECH`.
 */
export async function tenderWithBids(
  app: AppContext,
  n: number,
  keyModel: "bidder" | "bidder_with_custodian_fallback",
  payload: (i: number, price: string) => Uint8Array[] = (_, price) => [form(price), TECH],
) {
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
    const r = await submit(app, actor, cert, sectionId, opening, payload(i, String(9_800_000 + i * 100_000)));
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

