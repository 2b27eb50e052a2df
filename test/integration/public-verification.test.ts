import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { bids, recordEntries, tenderDocuments } from "#db/schema/index";
import { login } from "#app/services/accounts/auth.server";
import { openHall, publishFailureNotice } from "#app/services/opening/opening.server";
import { issueCheckpoint } from "#app/services/transparency/log.server";
import { verifyUpload, type ArchiveVerification, type PdfVerification, type ReceiptVerification } from "#app/services/verification/verify.server";
import { loader as archiveRoute } from "../../app/routes/manage.$id.archive[.]zip";
import { demoPdf } from "../../server/demo-pdf";
import { forEachDriver } from "../helpers/db";
import { PASSWORD } from "../helpers/factories";
import { tenderWithBids } from "../helpers/opening";
import { blobBytes } from "../helpers/report";

/**
 * The public verification page's service (issue 16 item 5, ADR 026): a real signed PDF (the 流标公告 issued through
 * the opening service), a real bid receipt and a real archive export are verified — valid, with the document, the
 * record entry and its inclusion proof in a signed checkpoint (R60: the record is tamper-evident to anyone) — and a
 * tampered (one byte flipped), foreign, truncated or garbage input is answered as such, never with an exception.
 */
const policy = { everyEntries: 1_000_000, everyMs: 3_600_000 };

const flip = (b: Uint8Array, at: number) => {
  const c = Uint8Array.from(b);
  c[at] = c[at]! ^ 0x01;
  return c;
};

forEachDriver("public verification (/verify, ADR 026)", (env) => {
  it("an issued PDF: valid, signed by the platform, time-stamped by the platform TSA, named by its record entry, included in a checkpoint", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 2, "bidder");
    expect(await openHall(app, t.sectionId)).toBe("failed");
    const notice = (await publishFailureNotice(app, t.sectionId))!;
    const pdf = await blobBytes(app, notice.sha256);

    // Not yet covered by a checkpoint: said so, no proof.
    const before = (await verifyUpload(app, pdf)) as PdfVerification;
    expect(before).toMatchObject({ type: "pdf", status: "valid", proof: { covered: false } });

    await issueCheckpoint(app, policy, true);
    // Verifying writes nothing: no record entry, no row (the record's length is the same after every check below).
    const entriesBefore = (await app.db.select({ n: sql<number>`count(*)::int` }).from(recordEntries))[0]!.n;
    const v = (await verifyUpload(app, pdf)) as PdfVerification;
    expect(v.status).toBe("valid");
    expect(v.pdf.signatures).toHaveLength(1);
    const sig = v.pdf.signatures[0]!;
    expect(sig).toMatchObject({ valid: true, platformSigner: true, failure: null });
    expect(sig.signer).toContain("Tenderhall 平台文件签章");
    expect(sig.timestamp).toMatchObject({ valid: true, platformTsa: true });
    expect(sig.timestamp!.tsa).toContain("Tenderhall 时间戳服务");
    expect(v.document).toMatchObject({ kind: "failure_notice", match: "file", section: { code: expect.any(String) } });
    expect(v.entry).toMatchObject({ action: "opening.failure_notice" });
    expect(v.proof).toMatchObject({ covered: true, included: true, checkpointValid: true });

    // One byte flipped in the signed content → invalid, and no document details for the altered file.
    const tampered = (await verifyUpload(app, flip(pdf, Math.floor(pdf.length / 3)))) as PdfVerification;
    expect(["invalid", "unreadable"]).toContain(tampered.status);
    expect(tampered.document).toBeNull();
    expect(tampered.entry).toBeNull();
    // …and in the /Contents padding (outside the ByteRange, not covered by the CMS): still refused.
    const text = Buffer.from(pdf).toString("latin1");
    const m = /\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text)!;
    const gapEnd = Number(m[2]);
    const padded = (await verifyUpload(app, flip(pdf, gapEnd - 3))) as PdfVerification;
    expect(padded.status).toBe("invalid");
    expect(padded.pdf.signatures[0]!.failure).toBe("PADDING_CHANGED");
    // Bytes appended after the signature: the signed revision is the issued document, the file is not.
    // (an empty incremental update: the last startxref repeated, as a tool that re-saves the file writes it)
    const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]!;
    const appended = Buffer.concat([pdf, Buffer.from(`\n% appended\nstartxref\n${startxref}\n%%EOF\n`)]);
    const mod = (await verifyUpload(app, appended)) as PdfVerification;
    expect(mod).toMatchObject({ status: "modified", document: { kind: "failure_notice", match: "revision" } });

    // The tender document the tendering unit uploaded (not signed by the platform): recorded, with its document.add entry.
    const [td] = await app.db.select({ sha256: tenderDocuments.sha256 }).from(tenderDocuments).where(eq(tenderDocuments.projectId, t.projectId));
    const doc = (await verifyUpload(app, await blobBytes(app, td!.sha256))) as PdfVerification;
    expect(doc).toMatchObject({ status: "recorded", document: { kind: "tender_document", upload: true, section: null }, entry: { action: "document.add" } });

    // A PDF the platform never signed: "not issued by this platform", not an error.
    const foreign = (await verifyUpload(app, demoPdf(["foreign"]))) as PdfVerification;
    expect(foreign).toMatchObject({ type: "pdf", status: "foreign", document: null });
    // Truncated and garbage input.
    const cut = (await verifyUpload(app, pdf.subarray(0, Math.floor(pdf.length / 2)))) as PdfVerification;
    expect(["invalid", "unreadable"]).toContain(cut.status);
    expect(cut.document).toBeNull();
    expect(await verifyUpload(app, new Uint8Array(randomBytes(4096)))).toEqual({ type: "unknown" });
    expect(await verifyUpload(app, new Uint8Array())).toEqual({ type: "unknown" });
    const junkPdf = (await verifyUpload(app, new TextEncoder().encode(`%PDF-1.7\n${"x".repeat(1000)}`))) as PdfVerification;
    expect(junkPdf.status).toBe("unreadable");
    expect((await app.db.select({ n: sql<number>`count(*)::int` }).from(recordEntries))[0]!.n).toBe(entriesBefore);
  });

  it("a bid receipt: signature and platform certificate, its claims, the bid.submit entry and its proof; a changed one is invalid", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 1, "bidder");
    const [row] = await app.db.select({ receipt: bids.receipt }).from(bids).where(eq(bids.id, t.bidders[0]!.bidId));
    const jws = row!.receipt!;
    await issueCheckpoint(app, policy, true);
    const v = (await verifyUpload(app, new TextEncoder().encode(`${jws}\n`))) as ReceiptVerification;
    expect(v).toMatchObject({ type: "receipt", status: "valid", claims: { receiptId: t.bidders[0]!.bidId }, entry: { action: "bid.submit" }, proof: { covered: true, included: true, checkpointValid: true } });
    expect(v.signer).toContain("Tenderhall");

    const [h, p, s] = jws.split(".") as [string, string, string];
    // One character of the signature changed → BAD_SIGNATURE.
    const badSig = `${h}.${p}.${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`;
    expect(await verifyUpload(app, new TextEncoder().encode(badSig))).toMatchObject({ type: "receipt", status: "invalid", failure: "BAD_SIGNATURE", claims: null, entry: null });
    // A changed claim (another price of truth: another manifest hash) → BAD_SIGNATURE.
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, manifestSha256: "0".repeat(64) })).toString("base64url")}.${s}`;
    expect(await verifyUpload(app, new TextEncoder().encode(forged))).toMatchObject({ status: "invalid", failure: "BAD_SIGNATURE" });
    // Garbage that looks like a JWS → malformed, not an exception.
    expect(await verifyUpload(app, new TextEncoder().encode("aaaaaaaaaa.bbbbbbbbbb.cccccccccc"))).toMatchObject({ type: "receipt", status: "invalid", failure: "MALFORMED" });
  });

  it("an archive export: every file, signature and record line checked; the archive.exported entry and its proof; a changed byte is found", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 2, "bidder");
    await openHall(app, t.sectionId);
    await publishFailureNotice(app, t.sectionId);
    const cookie = `th_session=${(await login(app, { username: t.tu.username, password: PASSWORD, ip: null, userAgent: null })).token}`;
    const request = new Request(`http://localhost/manage/${t.projectId}/archive.zip`, { headers: { cookie } });
    const res = (await archiveRoute({ request, params: { id: t.projectId }, context: { app, ip: null, userAgent: null, requestId: "t", csrfToken: "", cspNonce: "" } } as never)) as Response;
    expect(res.status).toBe(200);
    const zip = new Uint8Array(await res.arrayBuffer());
    await issueCheckpoint(app, policy, true);

    const v = (await verifyUpload(app, zip)) as ArchiveVerification;
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ type: "archive", status: "valid", project: { id: t.projectId, known: true }, entry: { action: "archive.exported" }, proof: { covered: true, included: true, checkpointValid: true } });
    expect(v.pdfs.checked).toBeGreaterThan(0);
    expect(v.pdfs.valid).toBe(v.pdfs.checked);
    expect(v.receipts.valid).toBe(v.receipts.checked);
    expect(v.recordLines).toBeGreaterThan(0);

    // A byte flipped inside a stored file (the failure notice PDF is stored uncompressed) → invalid.
    const at = Buffer.from(zip).indexOf("%PDF-") + 200;
    const bad = (await verifyUpload(app, flip(zip, at))) as ArchiveVerification;
    expect(bad.status).toBe("invalid");
    expect(bad.problems.length).toBeGreaterThan(0);
    expect(bad.entry).toBeNull();
    // Truncated → unreadable (no central directory).
    const cut = (await verifyUpload(app, zip.subarray(0, zip.length - 100))) as ArchiveVerification;
    expect(cut).toMatchObject({ type: "archive", status: "unreadable" });
  });
});
