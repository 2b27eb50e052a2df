import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderOfficialPdf } from "#crypto/pdf/signed-pdf";
import { appendixSha256, type Appendix } from "#app/domain/evaluation/appendix";
import { reportDocument, type ReportFacts } from "./report.server";

/**
 * The report's content (R49; 评标规定42, 87号令58; docs/evaluation-rules.md §4.9) from the scored test vector (综合评估法, five
 * members, a trimmed benchmark, a deviation flag and a tie broken by price): every section the rules list, the
 * flag's written justification (EV18), the dissent (R50), rendered in Chinese and readable by pdftotext.
 */
const require = createRequire(import.meta.url);
const font = new Uint8Array(readFileSync(require.resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf")));
// The platform names members M<seat> in the appendix (summary.server.ts evaluationInput); the vector uses other ids.
const vector = readFileSync(path.join(process.cwd(), "test/fixtures/evaluation/ztb-comprehensive.appendix.json"), "utf8");
const seatIds = (JSON.parse(vector) as Appendix).input.members.map((m) => m.memberId);
const appendix = JSON.parse(seatIds.reduce((text, id, i) => text.split(`"${id}"`).join(`"M${i + 1}"`), vector)) as Appendix;

function facts(): ReportFacts {
  const members = appendix.input.members.map((m, i) => ({
    id: m.memberId,
    seat: i + 1,
    kind: m.role,
    name: m.name,
    employer: "大庆市某设计研究院",
    status: "seated",
    userId: `u${i}`,
    voidedAt: null,
    voidReason: null,
    recusalReason: null,
    createdAt: new Date("2026-11-20T01:00:00Z"),
  }));
  const flag = appendix.result.flags.deviation[0]!;
  return {
    number: "PB-DQ-2026-JS-0501-01-v1",
    version: 1,
    project: { code: "DQ-2026-JS-0501", title: "大庆市第一中学体育馆建设工程", regime: "ZTB", publishedAt: new Date("2026-10-20T01:00:00Z") },
    section: { code: "01", title: "施工" },
    tenderingUnit: "大庆市第一中学",
    agency: "黑龙江某招标代理有限公司",
    method: appendix.method,
    opening: { openedAt: new Date("2026-11-20T01:30:00Z"), place: "Tenderhall 平台在线开标（不见面开标）", recordSha256: "a".repeat(64), bidCount: appendix.input.bids.length },
    room: { label: "R07 第七评标室（大庆市公共资源交易中心 3 楼）", slot: "2026-11-20 09:30 至 2026-11-20 17:30" },
    evaluationStart: new Date("2026-11-20T01:30:00Z"),
    members,
    leaderId: members[0]!.id,
    conclusions: [],
    appendix,
    appendixSha256: appendixSha256(appendix),
    tooFewReasoning: null,
    justifications: [{ seat: Number(/^M(\d+)$/.exec(flag.memberId)![1]), bidId: flag.bidderId, itemId: flag.itemId, text: "该投标人施工组织设计针对性强，故给予较高分。" }],
    changes: [],
    clarifications: [],
    positions: new Map(members.map((m, i) => [m.id, i === 4 ? { position: "dissent" as const, dissent: "对技术标评分的一致性有保留意见。" } : { position: "agree" as const, dissent: null }])),
    generatedAt: new Date("2026-11-20T08:00:00Z"),
  };
}

function pdfText(pdf: Uint8Array): string {
  const dir = mkdtempSync(path.join(tmpdir(), "th-report-"));
  try {
    writeFileSync(path.join(dir, "r.pdf"), pdf);
    return spawnSync("pdftotext", [path.join(dir, "r.pdf"), "-"], { encoding: "utf8" }).stdout.replace(/\s+/g, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the evaluation report's content (R49, R50, docs/evaluation-rules.md §4.9)", () => {
  it("R49 (评标规定42): every part the rules list, the comparison table, the ranking, candidates and the appendix digest", async () => {
    const f = facts();
    const doc = reportDocument(f, { draft: false });
    expect(doc.sections.map((s) => s.heading)).toEqual([
      "一、基本情况和数据",
      "二、评标委员会成员名单",
      "三、开标记录",
      "四、符合要求的投标人名单",
      "五、否决投标情况说明",
      "六、评标标准、评标方法和评标因素一览表",
      "七、综合评估比较表",
      "八、经评审的投标人排序",
      "九、推荐的中标候选人及签订合同前要处理的事宜",
      "十、澄清、说明、补正事项纪要",
      "十一、评分偏差说明与复核情况",
      "十二、评标委员会成员意见",
      "十三、签署",
    ]);
    const pdf = await renderOfficialPdf(doc, font, f.generatedAt);
    if (process.env.KEEP_PDF) writeFileSync(process.env.KEEP_PDF, pdf);
    const text = pdfText(pdf);
    expect(text).toContain("评标报告");
    expect(text).toContain(f.appendixSha256);
    expect(text).toContain("9,603,000.00"); // the benchmark of the vector (B = 9,900,000 × 0.97)
    for (const total of ["88.37", "75.90", "68.60"]) expect(text).toContain(total);
    expect(text).toContain("第一中标候选人");
    expect(text).toContain("招标公告发布媒介");
    // EV18: the deviation flag with its written justification; R50: the dissent printed.
    expect(text).toContain("评分偏差提示");
    expect(text).toContain("该投标人施工组织设计针对性强，故给予较高分。");
    expect(text).toContain("对技术标评分的一致性有保留意见。");
    expect(text).toContain("评标委员会成员5签名");
  });

  it("R50: the draft says it is not for signing and prints no position yet", async () => {
    const doc = reportDocument({ ...facts(), positions: null }, { draft: true });
    expect(doc.title).toBe("评标报告（征求意见稿）");
    expect(doc.watermark).toContain("不作签署");
    const opinions = doc.sections.find((s) => s.heading.startsWith("十二"))!;
    const table = opinions.blocks!.find((b) => b.kind === "table")!;
    expect(table.kind === "table" && table.rows.every((r) => r[2] === "（征求中）" && r[3] === "")).toBe(true);
  });
});
