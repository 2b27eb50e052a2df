import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { hashEntry, hashPayload } from "#crypto/record-hash";
import { bids, bondRefunds, draws, recordEntries, sectionResults, sections } from "#db/schema/index";
import { login } from "#app/services/accounts/auth.server";
import { archiveSection } from "#app/services/archive/archive.server";
import { archiveContents } from "#app/services/archive/contents.server";
import { openHall } from "#app/services/opening/opening.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { documentSigner } from "#app/services/platform/platform-signer.server";
import { issueDrawRecord } from "#app/services/pool/draws.server";
import { loader as archiveRoute } from "../../app/routes/manage.$id.archive[.]zip";
import { forEachDriver } from "../helpers/db";
import { failure } from "../helpers/errors";
import { drawnDraw } from "../helpers/evaluation-entry";
import { makeActor, PASSWORD } from "../helpers/factories";
import { tenderWithBids } from "../helpers/opening";
import { checkSignedPdf } from "../helpers/pdfsig";
import { sectionThroughResults } from "../helpers/report";
import { recordBondRefund, recordContract } from "#app/services/results/results.server";
import { demoPdf } from "../../server/demo-pdf";

type Who = (Actor & { username: string }) | null;

/** GETs the archive as `who` with a real session cookie, the way the browser does. */
async function getArchive(app: AppContext, who: Who, projectId: string): Promise<Response> {
  const cookie = who ? `th_session=${(await login(app, { username: who.username, password: PASSWORD, ip: null, userAgent: null })).token}` : "";
  const request = new Request(`http://localhost/manage/${projectId}/archive.zip`, { headers: cookie ? { cookie } : {} });
  return (await archiveRoute({ request, params: { id: projectId }, context: { app, ip: null, userAgent: null, requestId: "t", csrfToken: "", cspNonce: "" } } as never)) as Response;
}

const run = (cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

/** Unzips a downloaded archive with the `unzip` CLI (Info-ZIP), as an auditor would. */
async function unzipResponse(res: Response): Promise<{ dir: string; zip: Buffer }> {
  const zip = Buffer.from(await res.arrayBuffer());
  const dir = mkdtempSync(path.join(tmpdir(), "th-archive-"));
  writeFileSync(path.join(dir, "archive.zip"), zip);
  const r = run("unzip", ["-q", "archive.zip", "-d", "x"], { cwd: dir });
  expect(r.code, r.out).toBe(0);
  return { dir: path.join(dir, "x"), zip };
}

function listFiles(root: string, rel = ""): string[] {
  return readdirSync(path.join(root, rel)).flatMap((n) => {
    const p = rel ? `${rel}/${n}` : n;
    return statSync(path.join(root, p)).isDirectory() ? listFiles(root, p) : [p];
  });
}

forEachDriver("archive export (R59–R61)", (env) => {
  it("R59/R60: the tendering unit exports one ZIP with every document, proof and record entry; sha256sum -c, pdfsig, qpdf, the receipt with openssl and the record chain all check; bidders and the public get 404; R61: archiving sets the retention end", async () => {
    const { app } = env();
    // A section through the opening, a signed report and the results stage up to its notices (real commands).
    const { t } = await sectionThroughResults(app, "notified");
    const [await1] = await app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, t.sectionId));
    const caPem = documentSigner(app.config).caCertPem;

    // A drawn draw with its signed record, past its evaluation time (TEST FIXTURE: the draw itself has its own suites).
    const { drawId } = await drawnDraw(app, t, 3, 0);
    await app.db.update(draws).set({ evaluationAt: new Date(Date.now() - 60_000) }).where(eq(draws.id, drawId));
    const drawPdf = await issueDrawRecord(app, drawId);
    expect(drawPdf).toMatch(/^[0-9a-f]{64}$/);

    // R59: not archivable before the contract is recorded; only the tender side may archive.
    expect((await failure(archiveSection(app, t.tu, t.sectionId)))?.code).toBe("INVALID_STATE");
    const winner = t.bidders.find((b) => b.actor.orgId === (await1!.winnerOrgId))!;
    const pdf = await app.blobs.put(demoPdf(["施工合同"]));
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await recordContract(app, t.tu, t.sectionId, { pdf, filename: "施工合同.pdf", amountFen: 980_000_000, signedOn: today });
    await recordBondRefund(app, t.tu, (await app.db.select({ id: bondRefunds.id }).from(bondRefunds).where(eq(bondRefunds.sectionId, t.sectionId)))[0]!.id, { reference: "BANK-1" });
    expect((await failure(archiveSection(app, winner.actor, t.sectionId)))?.code).toBe("FORBIDDEN");
    expect((await failure(archiveSection(app, t.supervisor, t.sectionId)))?.code).toBe("FORBIDDEN");
    const otherTu = await makeActor(app, "tendering_unit");
    expect((await failure(archiveSection(app, otherTu, t.sectionId)))?.code).toBe("NOT_FOUND");
    const archived = await archiveSection(app, t.tu, t.sectionId);
    // R61: retained 15 years from the archive day (China time).
    const cst = new Date(new Date(archived.archivedAt).getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    expect(archived).toMatchObject({ retentionYears: 15, retainUntil: `${Number(cst.slice(0, 4)) + 15}${cst.slice(4)}` });
    const [res] = await app.db.select().from(sectionResults).where(eq(sectionResults.sectionId, t.sectionId));
    expect(res).toMatchObject({ stage: "archived", retainUntil: archived.retainUntil });
    expect(res!.archivedAt!.toISOString()).toBe(archived.archivedAt);
    expect((await app.db.select({ s: sections.status }).from(sections).where(eq(sections.id, t.sectionId)))[0]!.s).toBe("archived");
    expect((await failure(archiveSection(app, t.tu, t.sectionId)))?.code).toBe("INVALID_STATE"); // once

    // Bidders, other tendering units, the public and a malformed id: 404. Supervisors may export.
    for (const who of [winner.actor as Who, otherTu, null]) expect((await getArchive(app, who, t.projectId)).status).toBe(404);
    expect((await getArchive(app, t.tu as Who, "not-a-uuid")).status).toBe(404);
    expect((await getArchive(app, t.supervisor as Who, t.projectId)).status).toBe(200);

    const res1 = await getArchive(app, t.tu as Who, t.projectId);
    expect(res1.status).toBe(200);
    expect(res1.headers.get("content-type")).toBe("application/zip");
    const cd = res1.headers.get("content-disposition")!;
    expect(cd).toMatch(/^attachment; filename="archive-IT-[^"]+\.zip"; filename\*=UTF-8''%E4%BA%A4%E6%98%93%E6%A1%A3%E6%A1%88-/);
    const { dir } = await unzipResponse(res1);
    try {
      const manifestText = readFileSync(path.join(dir, "manifest.json"));
      const manifest = JSON.parse(manifestText.toString("utf8")) as { files: { path: string; sha256: string; size: number; kind: string; recordSeq: number | null }[]; withheld: { path: string }[]; recordHead: { seq: number } };
      // The export is in the record with the manifest's hash (and the header carries it).
      expect(res1.headers.get("x-manifest-sha256")).toBe(createHash("sha256").update(manifestText).digest("hex"));
      const exported = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "archive.exported"), eq(recordEntries.subjectId, t.projectId)));
      expect(exported.map((e) => (e.payload as { manifestSha256: string }).manifestSha256)).toContain(res1.headers.get("x-manifest-sha256"));

      // sha256sum -c: every line OK; every file of the ZIP is listed (SHA256SUMS itself aside) and in the manifest.
      const sums = run("sha256sum", ["-c", "--strict", "SHA256SUMS"], { cwd: dir });
      expect(sums.code, sums.out).toBe(0);
      const sumLines = readFileSync(path.join(dir, "SHA256SUMS"), "utf8").trim().split("\n");
      expect(sums.out.trim().split("\n").filter((l) => l.endsWith(": OK"))).toHaveLength(sumLines.length);
      const onDisk = listFiles(dir).sort();
      expect(sumLines.map((l) => l.slice(66)).sort()).toEqual(onDisk.filter((p) => p !== "SHA256SUMS"));
      expect(manifest.files.map((f) => f.path).sort()).toEqual(onDisk.filter((p) => p !== "SHA256SUMS" && p !== "manifest.json"));
      for (const f of manifest.files) expect(statSync(path.join(dir, f.path)).size).toBe(f.size);

      // What is there: the tender, three bids with manifest, signature, receipt and the opened files, the draw,
      // the opening record, the signed report with its appendix, the contract, the bond refunds, the record, the CA.
      const kinds = (k: string) => manifest.files.filter((f) => f.kind === k);
      expect(kinds("tender_document")).toHaveLength(1);
      expect(kinds("bid_manifest")).toHaveLength(3);
      expect(kinds("bid_receipt")).toHaveLength(3);
      expect(kinds("bid_file")).toHaveLength(6); // bid-form.json and one file each
      expect(kinds("opening_record_pdf")).toHaveLength(1);
      expect(kinds("draw_record_pdf")).toHaveLength(1);
      expect(kinds("evaluation_report_pdf")).toHaveLength(1);
      expect(kinds("evaluation_appendix")).toHaveLength(1);
      expect(kinds("result_contract")).toHaveLength(1);
      expect(kinds("bond_refunds")).toHaveLength(1);
      expect(onDisk).toEqual(expect.arrayContaining(["README.md", "tender/project.json", "tender/questions.json", "record/entries.jsonl", "record/head.json", "pki/platform-ca.pem"]));
      expect(readFileSync(path.join(dir, "pki/platform-ca.pem"), "utf8")).toBe(caPem);
      // The first record entry naming a file's hash: the opening record was introduced by the opening's close.
      const openingSeq = kinds("opening_record_pdf")[0]!.recordSeq!;
      const [closing] = await app.db.select({ action: recordEntries.action }).from(recordEntries).where(eq(recordEntries.seq, openingSeq));
      expect(closing!.action).toBe("opening.closed");
      // Not revealed: the draw proof is withheld with its reason (R36).
      expect(manifest.withheld.map((w) => w.path)).toEqual(expect.arrayContaining([expect.stringMatching(/draw\/[0-9a-f]{8}\/proof\.json$/)]));
      const refundsCsv = readFileSync(path.join(dir, kinds("bond_refunds")[0]!.path), "utf8");
      expect(refundsCsv.split("\r\n")[0]).toBe("bidder,credit_code,amount_yuan,due_at,refunded_at,reference");
      expect(refundsCsv).toContain(",100000.00,");

      // pdfsig on every platform-signed PDF: valid and trusted with the archive's CA in an NSS db; qpdf --check on
      // every PDF. The report carries the platform's signature and one per member.
      // The contract is the tendering unit's upload (signed elsewhere): qpdf only. Every results document the platform
      // issued (publicity, award and result notices, announcement) is platform-signed.
      const signedKinds = ["opening_record_pdf", "draw_record_pdf", "evaluation_report_pdf", "result_publicity", "result_award_notice", "result_result_notice", "result_result_announcement"];
      expect(manifest.files.filter((x) => x.kind.startsWith("result_") && signedKinds.includes(x.kind))).toHaveLength(5);
      // (The bid files of this fixture are short texts under a .pdf label, so qpdf checks the platform's PDFs and the
      // tender document.)
      for (const f of manifest.files.filter((x) => x.path.endsWith(".pdf") && (signedKinds.includes(x.kind) || x.kind === "tender_document" || x.kind === "result_contract"))) {
        const q = run("qpdf", ["--check", path.join(dir, f.path)]);
        expect(q.code, `${f.path}: ${q.out}`).toBe(0);
        if (!signedKinds.includes(f.kind)) continue;
        const check = checkSignedPdf(new Uint8Array(readFileSync(path.join(dir, f.path))), readFileSync(path.join(dir, "pki/platform-ca.pem"), "utf8"));
        const valid = check.trusted.match(/Signature is Valid\./g)?.length ?? 0;
        expect(valid, f.path).toBe(f.kind === "evaluation_report_pdf" ? 6 : 1);
        expect(check.trusted.match(/Certificate is Trusted\./g)?.length ?? 0, f.path).toBe(valid);
        expect(check.trusted).not.toMatch(/Signature is Invalid|Not Trusted|Issuer is Unknown/);
      }

      // The bidder's manifest signature and the platform's receipt, with openssl, as the README says.
      const bidDir = path.dirname(kinds("bid_manifest")[0]!.path);
      const receipt = JSON.parse(Buffer.from(readFileSync(path.join(dir, bidDir, "receipt.jws"), "utf8").trim().split(".")[1]!, "base64url").toString("utf8")) as { manifestSha256: string };
      expect(kinds("bid_manifest")[0]!.sha256).toBe(receipt.manifestSha256);
      const readme = readFileSync(path.join(dir, "README.md"), "utf8");
      expect(readme.indexOf("交易档案")).toBeLessThan(readme.indexOf("(English)"));
      const block = readme.slice(readme.indexOf("D=sections/"), readme.indexOf("```", readme.indexOf("D=sections/"))).replace(/^D=.*$/m, `D='${bidDir}'`);
      const script = block.replace(/#.*$/gm, "");
      const receiptCheck = run("bash", ["-euo", "pipefail", "-c", script], { cwd: dir });
      expect(receiptCheck.code, receiptCheck.out).toBe(0);
      expect(receiptCheck.out).toContain("signer.pem: OK");
      expect(receiptCheck.out).toContain("Verified OK");
      expect(receiptCheck.out).toContain(receipt.manifestSha256);
      run("openssl", ["x509", "-in", path.join(bidDir, "bidder-certificate.pem"), "-pubkey", "-noout", "-out", "bidder.pub"], { cwd: dir });
      const manifestSig = run("openssl", ["dgst", "-sha256", "-verify", "bidder.pub", "-signature", path.join(bidDir, "manifest.sig"), path.join(bidDir, "manifest.json")], { cwd: dir });
      expect(manifestSig.out).toContain("Verified OK");

      // The record: every entry about the project, its section, bids and draw, hash-linked; recomputed here with
      // crypto/record-hash.ts and by the archive's own verify-entries.mjs.
      const lines = readFileSync(path.join(dir, "record/entries.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown> & { seq: number; hash: string; prevHash: string; payload: unknown; withheld?: string[] });
      // Every entry whose subject is the project, its section, a bid or the draw is there (up to the head of the export).
      const subjects = [t.projectId, t.sectionId, drawId, ...(await app.db.select({ id: bids.id }).from(bids).where(eq(bids.sectionId, t.sectionId))).map((b) => b.id)];
      const expected = (await app.db.select({ seq: recordEntries.seq }).from(recordEntries).where(inArray(recordEntries.subjectId, subjects))).map((r) => r.seq).filter((seq) => seq <= manifest.recordHead.seq);
      expect(lines.map((e) => e.seq)).toEqual(expect.arrayContaining(expected));
      expect(expected.length).toBeGreaterThan(25);
      for (const e of lines) {
        expect(e.withheld).toBeUndefined(); // after the deadline, with no question asked, nothing is confidential to the tender side
        expect(hashPayload(e.payload)).toBe(e.payloadHash);
        expect(hashEntry({ seq: e.seq, at: e.at as string, actorUserId: e.actorUserId as string | null, orgId: e.orgId as string | null, ip: e.ip as string | null, action: e.action as string, subjectType: e.subjectType as string, subjectId: e.subjectId as string, payloadHash: e.payloadHash as string, prevHash: e.prevHash, stateHash: e.stateHash as string | null | undefined })).toBe(e.hash);
      }
      for (let i = 1; i < lines.length; i++) if (lines[i]!.seq === lines[i - 1]!.seq + 1) expect(lines[i]!.prevHash).toBe(lines[i - 1]!.hash);
      const actions = new Set(lines.map((e) => e.action));
      for (const a of ["project.create", "bid.submit", "opening.closed", "evaluation.report_signed", "draw.record_pdf", "section.archived"]) expect(actions, a).toContain(a);
      const [db1] = await app.db.select().from(recordEntries).where(eq(recordEntries.seq, lines[0]!.seq));
      expect(db1!.hash).toBe(lines[0]!.hash);
      expect(Math.max(...lines.map((e) => e.seq))).toBeLessThanOrEqual(manifest.recordHead.seq);
      const verify = run(process.execPath, [path.join(dir, "record/verify-entries.mjs")]);
      expect(verify.code, verify.out).toBe(0);
      expect(verify.out).toContain(`OK: ${lines.length} entries`);
      // …and it catches a changed payload.
      const tampered = readFileSync(path.join(dir, "record/entries.jsonl"), "utf8")
        .split("\n")
        .map((l) => {
          if (!l.includes('"action":"opening.closed"')) return l;
          const e = JSON.parse(l) as { payload: Record<string, unknown> };
          return JSON.stringify({ ...e, payload: { ...e.payload, forged: true } });
        })
        .join("\n");
      writeFileSync(path.join(dir, "record/entries.jsonl"), tampered);
      const broken = run(process.execPath, [path.join(dir, "record/verify-entries.mjs")]);
      expect(broken.code).toBe(1);
      expect(broken.out).toContain("payloadHash does not match");
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  }, 240_000);

  it("R59/R61: a section that failed at the opening is archived as it stands, with the configured retention; before the deadline bids are withheld from the archive (ADR 010)", async () => {
    const { app } = env();
    const t = await tenderWithBids(app, 2, "bidder"); // R25: fewer than 3 bids → the opening fails
    // Before the opening the tendering unit cannot archive the section.
    expect((await failure(archiveSection(app, t.tu, t.sectionId)))?.code).toBe("INVALID_STATE");
    expect(await openHall(app, t.sectionId)).toBe("failed");
    const cfg = { ...app, config: { ...app.config, archiveRetentionYears: 30 } };
    const done = await archiveSection(cfg, t.tu, t.sectionId);
    expect(done.retentionYears).toBe(30); // ARCHIVE_RETENTION_YEARS overrides the profile's 15 (R61)
    expect(Number(done.retainUntil.slice(0, 4)) - Number(done.archivedAt.slice(0, 4))).toBeGreaterThanOrEqual(30);
    const [entry] = await app.db.select({ payload: recordEntries.payload }).from(recordEntries).where(and(eq(recordEntries.action, "section.archived"), eq(recordEntries.subjectId, t.sectionId)));
    expect(entry!.payload).toMatchObject({ fromStatus: "failed", retainUntil: done.retainUntil, retentionYears: 30 });

    // A tender still open for bids: the archive lists no bid (who bid stays sealed) and the bid entries of the record
    // without actor or payload.
    const open = await tenderWithBids(app, 1, "bidder");
    await app.db.execute(sqlDeadline(open.projectId));
    const c = await archiveContents(app, open.projectId);
    expect(c.entries.filter((e) => e.kind.startsWith("bid"))).toHaveLength(0);
    expect(c.withheld.map((w) => w.kind)).toContain("bids");
    const lines = new TextDecoder()
      .decode((c.entries.find((e) => e.path === "record/entries.jsonl")!.source as { bytes: Uint8Array }).bytes)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { subjectType: string; withheld?: string[]; actorUserId: string | null; payload?: unknown });
    const bidLines = lines.filter((l) => l.subjectType === "bid");
    expect(bidLines.length).toBeGreaterThan(0);
    for (const l of bidLines) expect(l).toMatchObject({ withheld: ["actor", "payload"], actorUserId: null });
    for (const l of bidLines) expect(l.payload).toBeUndefined();
  }, 120_000);
});

/** TEST ONLY: moves the bid deadline a day ahead again (the tender is still open for bids). */
function sqlDeadline(projectId: string) {
  return sql`update projects set bid_deadline = now() + interval '1 day' where id = ${projectId}::uuid`;
}
