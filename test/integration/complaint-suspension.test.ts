import { and, count, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { bids, openingKeys, organisations, recordEntries } from "#db/schema/index";
import type { AppContext } from "#app/services/platform/context.server";
import { acceptComplaint, decideComplaint, fileComplaint } from "#app/services/supervision/complaints.server";
import { getManagedProject } from "#app/services/tendering/tender-queries.server";
import { addDocument, answerObjection, createProject, fileObjection, publishProject } from "#app/services/tendering/tenders.server";
import { demoPdf } from "../../server/demo-pdf";
import { submit } from "../helpers/bids";
import { forEachDriver } from "../helpers/db";
import { failure, ruleOf } from "../helpers/errors";
import { makeActor, projectForm } from "../helpers/factories";
import { form } from "../helpers/opening";
import { enrollFor } from "../helpers/pki";

/**
 * R53: while an accepted complaint suspends a section, the commands that move it forward (SUSPENDED_BY_COMPLAINT) are
 * refused by the command layer with RULE_R53_SUSPENDED and write nothing; the decision lifts the suspension. Shown with
 * a bid submission during the bid period, on both databases.
 */
/** A published tender in 黑龙江省大庆市, its section's opening key, a city supervisor and an objector whose objection was answered and complained about. */
async function complainedTender(app: AppContext, tag: string, objection: string, answer: string, complaintBody: string) {
  const tu = await makeActor(app, "tendering_unit");
  const projectId = await createProject(app, tu, await projectForm(app));
  await addDocument(app, tu, projectId, { filename: "招标文件.pdf", contentType: "application/pdf", ...(await app.blobs.put(demoPdf([tag]))) });
  await publishProject(app, tu, projectId);
  const sectionId = (await getManagedProject(app.db, tu, projectId)).sections[0]!.id;
  const [k] = await app.db.select().from(openingKeys).where(eq(openingKeys.sectionId, sectionId));
  const opening = k ? { kid: k.kid, publicKeySpki: Buffer.from(k.publicKeySpki, "base64") } : null;
  const sup = await makeActor(app, "supervisor");
  await app.db.update(organisations).set({ jurisdiction: "黑龙江省大庆市" }).where(eq(organisations.id, sup.orgId!));
  const complainant = await makeActor(app, "bidder");
  const objectionId = await fileObjection(app, complainant, projectId, objection);
  await answerObjection(app, tu, objectionId, answer);
  const complaint = await fileComplaint(app, complainant, { objectionKind: "documents", objectionId, body: complaintBody });
  return { sectionId, opening, sup, complaint };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

forEachDriver("complaint suspension (R53)", (env) => {
  it("R53: a suspending complaint refuses a bid submission, nothing written; after the decision the same bid is taken", async () => {
    const { app } = env();
    const { sectionId, opening, sup, complaint } = await complainedTender(app, "suspension", "招标文件设定的资格条件具有排他性，请求修改。", "资格条件符合行业规定，不予修改。", "招标人的异议答复未回应资格条件的排他性问题，请监督部门依法处理。");
    const bidder = await makeActor(app, "bidder");
    const cert = await enrollFor(app, bidder);
    await acceptComplaint(app, sup, complaint.id, { suspend: true });

    const entries = async () => (await app.db.select({ n: count() }).from(recordEntries).where(eq(recordEntries.action, "bid.submit")))[0]!.n;
    const submitted = async () => (await app.db.select({ n: count() }).from(bids).where(and(eq(bids.sectionId, sectionId), eq(bids.status, "submitted"))))[0]!.n;
    const payload = [form("9800000"), new TextEncoder().encode("技术标正文")];
    const refused = await failure(submit(app, bidder, cert, sectionId, opening, payload));
    expect(ruleOf(refused)).toEqual(["RULE_R53_SUSPENDED"]);
    expect(await submitted()).toBe(0);
    expect(await entries()).toBe(0);

    await decideComplaint(app, sup, complaint.id, { outcome: "dismissed", decision: "投诉缺乏事实依据，驳回投诉。" });
    const taken = await submit(app, bidder, cert, sectionId, opening, payload);
    expect(taken.bidId).toMatch(UUID);
    expect(await submitted()).toBe(1);
    expect(await entries()).toBe(1);
  });

  it("R53: a complaint accepted without suspension does not stop the procedure", async () => {
    const { app } = env();
    const { sectionId, opening, sup, complaint } = await complainedTender(app, "no-suspension", "招标文件的技术参数具有指向性，请求修改。", "技术参数系通用要求，不予修改。", "答复未回应技术参数指向性的问题，请监督部门审查。");
    await acceptComplaint(app, sup, complaint.id, { suspend: false });
    const bidder = await makeActor(app, "bidder");
    const r = await submit(app, bidder, await enrollFor(app, bidder), sectionId, opening, [form("9900000"), new TextEncoder().encode("技术标")]);
    expect(r.bidId).toMatch(UUID);
  });
});
