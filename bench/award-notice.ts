// Award notice benchmark (issue 13 item 4; target: generated and signed in < 150 ms and < 150 KB): the 中标通知书 of
// app/services/results/documents.ts rendered with the embedded Chinese font (subset) and signed as PAdES B-T — the
// platform's RSA-3072 key, CMS with ESS signing-certificate-v2, and an RFC 3161 time-stamp from an in-process TSA
// (EC P-256) — exactly what `issueNotices` does per notice through signOfficial, minus the database clock read.
// Also measures the result notice and the public result announcement. Usage: npx tsx bench/award-notice.ts [--runs 40]
import { parseArgs } from "node:util";
import { signedOfficialPdf } from "#crypto/pdf/signed-pdf";
import { announcementDocument, awardNoticeDocument, resultNoticeDocument, type ResultFacts } from "#app/services/results/documents";
import type { ResultCandidate } from "#db/schema/results";
import { makeCa, makePlatformSigner, makeTestTsa, notoSansSc } from "#test/fixtures/report-signatures/committee";
import { reportFigures } from "./lib/report";

const { values } = parseArgs({ options: { runs: { type: "string", default: "40" } } });
const runs = Math.max(3, Number(values.runs));
const ca = makeCa();
const key = makePlatformSigner(ca);
const { stamp } = makeTestTsa(ca);
const font = notoSansSc();

const candidate = (rank: number, name: string, yuan: number): ResultCandidate => ({
  rank,
  bidId: `bid-${rank}`,
  orgId: `org-${rank}`,
  name,
  priceFen: yuan * 100,
  durationDays: "540",
  quality: "合格",
  projectManager: ["刘志远", "孙建华", "高明辉"][rank - 1]!,
  total: ["91.35", "88.20", "85.02"][rank - 1]!,
  groups: { technical: "55.00", business: "8.50", price: "27.85" },
});
const candidates = [candidate(1, "大庆建工集团有限公司", 9_806_500), candidate(2, "黑龙江龙建路桥股份有限公司", 9_912_300), candidate(3, "大庆油田建设集团有限责任公司", 9_958_000)];
const facts: ResultFacts = {
  regime: "ZTB",
  projectCode: "DQ-2026-JS-0601",
  projectTitle: "大庆市第一中学实验楼新建工程",
  sectionCode: "01",
  sectionTitle: "施工",
  tenderingUnit: "大庆市第一中学",
  agency: "大庆市公共资源招标代理有限公司",
  location: "大庆市萨尔图区中央大街 1 号",
  contactName: "王老师",
  contactPhone: "0459-1234567",
  supervisor: "大庆市住房和城乡建设局",
  reportNumber: "PB-DQ-2026-JS-0601-01-v1",
  reportSignedAt: new Date("2026-12-01T02:00:00Z"),
  bidDeadline: new Date("2026-11-25T01:30:00Z"),
  candidates,
  bidders: candidates.map((c) => ({ bidId: c.bidId, orgId: c.orgId, name: c.name, priceFen: c.priceFen, valid: true, reasons: [], rank: c.rank, total: c.total, groups: c.groups })),
  objectionUrl: "https://ggzy.example.cn/tenders/0f6c#section-1",
};
const at = new Date("2026-12-05T02:00:00Z");
const docs = {
  "award notice (中标通知书)": () => awardNoticeDocument(facts, { number: "ZB-DQ-2026-JS-0601-01-001", winner: candidates[0]!, issuedAt: at, contractDays: 30, contractPlace: "大庆市第一中学行政楼 302 室" }),
  "result notice (中标结果通知书)": () => resultNoticeDocument(facts, { number: "JG-DQ-2026-JS-0601-01-001", bidder: facts.bidders[1]!, winner: candidates[0]!, issuedAt: at, ranked: 3 }),
  "result announcement (中标结果公告)": () => announcementDocument(facts, { number: "GG-DQ-2026-JS-0601-01-001", winner: candidates[0]!, issuedAt: at, experts: [], noticePeriodEndsAt: null, documents: [] }),
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

console.log(`${runs} runs each (after 3 warm-up runs), generate + sign PAdES B-T in one process:`);
console.log("document                          | median ms | p95 ms | max ms | size KB");
for (const [name, build] of Object.entries(docs)) {
  for (let i = 0; i < 3; i++) await signedOfficialPdf(build(), font, key, at, stamp);
  const ms: number[] = [];
  let size = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const pdf = await signedOfficialPdf(build(), font, key, at, stamp);
    ms.push(performance.now() - t0);
    size = pdf.length;
  }
  console.log(`${name.padEnd(33)} | ${pct(ms, 50).toFixed(1).padStart(9)} | ${pct(ms, 95).toFixed(1).padStart(6)} | ${Math.max(...ms).toFixed(1).padStart(6)} | ${(size / 1024).toFixed(1).padStart(7)}`);
  if (name.startsWith("award notice")) {
    reportFigures("award-notice", [
      { id: "medianMs", label: `award notice generated and signed, median of ${runs}`, value: Math.round(pct(ms, 50) * 10) / 10, unit: "ms", target: { kind: "max", value: 150, strict: true } },
      { id: "sizeKB", label: "award notice size", value: Math.round((size / 1024) * 10) / 10, unit: "KB", target: { kind: "max", value: 150, strict: true } },
    ]);
  }
}
