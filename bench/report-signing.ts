// Evaluation report signing benchmark (docs/report-signatures.md; target < 200 ms per member on the server): a
// ~10-page 评标报告 with Chinese text, signed by the platform and then by 7 committee members one after another.
// For each member: the server's prepare (incremental update + ByteRange digest + signed attributes) and complete
// (checks + CMS + /Contents), and — separately — the browser side run in Node (open the PKCS#12 file with its
// 10,000-iteration PBKDF2, check the attributes, WebCrypto RSA signature).
// Usage: npx tsx bench/report-signing.ts [--pages 10] [--members 7] [--runs 3]
import { parseArgs } from "node:util";
import { PDFDocument } from "@cantoo/pdf-lib";
import { signedOfficialPdf } from "#crypto/pdf/signed-pdf";
import { makeCa, makeMembers, makePlatformSigner, makeTestTsa, notoSansSc, REPORT_TIME, reportDocument, signAsMember } from "#test/fixtures/report-signatures/committee";
import { reportFigures } from "./lib/report";

const { values } = parseArgs({ options: { pages: { type: "string", default: "10" }, members: { type: "string", default: "7" }, runs: { type: "string", default: "3" } } });
const pages = Number(values.pages);
const n = Number(values.members);
const runs = Number(values.runs);

const ca = makeCa();
const members = makeMembers(ca, n, { iterations: 10_000 });
const doc = reportDocument({ pages, members });
// Every signature is PAdES B-T: the member's "complete" includes its in-process time-stamp.
const { stamp } = makeTestTsa(ca);
const font = notoSansSc();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const perMember: { prepare: number[]; complete: number[]; browser: number[] }[] = members.map(() => ({ prepare: [], complete: [], browser: [] }));
let size = 0;
let start = 0;
let pageCount = 0;
for (let r = 0; r < runs; r++) {
  let pdf = await signedOfficialPdf(doc, font, makePlatformSigner(ca), REPORT_TIME, stamp);
  start = pdf.length;
  for (const [i, m] of members.entries()) {
    const { signed, ms } = await signAsMember(pdf, m, REPORT_TIME, stamp);
    perMember[i]!.prepare.push(ms.prepare);
    perMember[i]!.complete.push(ms.complete);
    perMember[i]!.browser.push(ms.browser);
    pdf = signed;
  }
  size = pdf.length;
  pageCount = (await PDFDocument.load(pdf)).getPageCount();
}

console.log(`report: ${pageCount} pages, ${start} bytes platform-signed, ${size} bytes after ${n} members; ${runs} runs, medians:`);
console.log("member | prepare ms | complete ms | server total ms | browser side ms");
for (const [i, t] of perMember.entries()) {
  const p = median(t.prepare);
  const c = median(t.complete);
  console.log(`${String(i + 1).padStart(6)} | ${p.toFixed(1).padStart(10)} | ${c.toFixed(1).padStart(11)} | ${(p + c).toFixed(1).padStart(15)} | ${median(t.browser).toFixed(0).padStart(15)}`);
}
const all = perMember.flatMap((t) => t.prepare.map((p, k) => p + t.complete[k]!));
console.log(`server per member: median ${median(all).toFixed(1)} ms, max ${Math.max(...all).toFixed(1)} ms (first run includes JIT warm-up)`);
reportFigures("report-signing", [
  { id: "serverMedian", label: `report signature, server per member (prepare + complete), median (${pageCount} pages, ${n} members, ${runs} run${runs === 1 ? "" : "s"})`, value: Math.round(median(all) * 10) / 10, unit: "ms", target: { kind: "max", value: 200, strict: true } },
  { id: "serverMax", label: "report signature, server per member, max (first run includes JIT warm-up)", value: Math.round(Math.max(...all) * 10) / 10, unit: "ms", target: { kind: "max", value: 200, strict: true } },
]);
