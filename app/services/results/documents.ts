import type { OfficialDocument } from "#crypto/pdf/signed-pdf";
import { fenToYuan, yuanInCapitals } from "#app/domain/money";
import { formatCst, formatYuan } from "#app/domain/tender-form";
import type { ResultBidder, ResultCandidate } from "#db/schema/results";

/**
 * The documents of the results stage as OfficialDocuments (rendered and signed by the platform): the candidate
 * publicity (中标候选人公示, R51/EV22), the award notice (中标通知书, R56/EV24), the result notice to every other
 * bidder (中标结果通知书 / ZFCG 未中标通知书 with its own score and rank only, R54/EV25) and the public result
 * announcement (中标结果公告 / ZFCG 中标（成交）结果公告 with the expert list, R54/R58/EV23). Pure: facts in,
 * layout out; the body texts follow the field order of the standard formats and are worded by the platform.
 */

export type ResultFacts = {
  regime: "ZTB" | "ZFCG";
  projectCode: string;
  projectTitle: string;
  sectionCode: string;
  sectionTitle: string;
  tenderingUnit: string;
  agency: string | null;
  location: string;
  contactName: string;
  contactPhone: string;
  supervisor: string;
  reportNumber: string;
  reportSignedAt: Date;
  bidDeadline: Date;
  candidates: ResultCandidate[];
  bidders: ResultBidder[];
  /** How the public files an objection (R52; 1117号(六)): the platform URL of the section. */
  objectionUrl: string;
};

const yuan = (fen: number) => `${formatYuan(fen)} 元`;
const capitals = (fen: number) => {
  try {
    return yuanInCapitals(fenToYuan(fen));
  } catch {
    return "";
  }
};
const scoreText = (b: { total: string | null; groups: Record<string, string> | null }) => {
  if (b.total === null) return "—";
  const g = b.groups ?? {};
  const parts = [g.technical ? `技术 ${g.technical}` : "", g.business ? `商务 ${g.business}` : "", g.price ? `价格 ${g.price}` : ""].filter(Boolean);
  return parts.length ? `${b.total}（${parts.join(" / ")}）` : b.total;
};
const date = (d: Date) => formatCst(d).slice(0, 10);
const sectionLabel = (f: ResultFacts) => `${f.sectionCode} ${f.sectionTitle}`;

function contacts(f: ResultFacts): [string, string][] {
  return [
    ["招标人（采购人）", f.tenderingUnit],
    ...(f.agency ? ([["招标代理机构", f.agency]] as [string, string][]) : []),
    ["地址", f.location || "—"],
    ["联系人", f.contactName || "—"],
    ["联系电话", f.contactPhone || "—"],
    ["交易平台", f.objectionUrl],
  ];
}

/** R51/EV22 (docs/evaluation-rules.md §5.1): ranked candidates, prices, quality, duration, project manager, scores, objections, supervisor, contacts. */
export function publicityDocument(f: ResultFacts, x: { number: string; startedAt: Date; endsAt: Date; objectionDays: number }): OfficialDocument {
  const rejected = f.bidders.filter((b) => !b.valid);
  return {
    title: "中标候选人公示",
    number: `编号 ${x.number}`,
    meta: [
      ["项目名称", f.projectTitle],
      ["项目编号", f.projectCode],
      ["标段（包）", sectionLabel(f)],
      ["公示开始", formatCst(x.startedAt)],
      ["公示截止", `${formatCst(new Date(x.endsAt.getTime() - 1)).slice(0, 10)} 24:00`],
      ["评标报告", f.reportNumber],
    ],
    sections: [
      {
        heading: "一、评标情况",
        paragraphs: [`本标段评标工作已于 ${date(f.reportSignedAt)} 结束，评标委员会依据招标文件规定的评标办法推荐中标候选人如下（排序即推荐顺序）。`],
        table: {
          headers: ["排名", "中标候选人", "投标报价（元）", "质量", "工期/交货期", "项目负责人", "评标得分"],
          rows: f.candidates.map((c) => [`第 ${c.rank} 名`, c.name, formatYuan(c.priceFen), c.quality || "—", c.durationDays ? `${c.durationDays} 日历天` : "—", c.projectManager || "—", scoreText(c)]),
          widths: [0.08, 0.22, 0.14, 0.08, 0.11, 0.11, 0.26],
        },
        blocks: [
          { kind: "subheading", text: "各投标人评审得分" },
          {
            kind: "table",
            headers: ["投标人", "投标报价（元）", "评审结论", "得分"],
            rows: f.bidders.map((b) => [b.name, formatYuan(b.priceFen), b.valid ? (b.rank ? `有效，第 ${b.rank} 名` : "有效") : "否决", b.valid ? scoreText(b) : "—"]),
            widths: [0.36, 0.2, 0.2, 0.24],
            size: 9,
          },
          ...(rejected.length
            ? [{ kind: "paragraph" as const, text: `否决投标 ${rejected.length} 家：否决理由已通过平台分别告知被否决的投标人本人。`, size: 9, muted: true }]
            : []),
        ],
      },
      {
        heading: "二、提出异议的渠道和方式",
        paragraphs: [
          `投标人或者其他利害关系人对评标结果有异议的，应当在公示期间通过本平台在线提出（${f.objectionUrl}），写明异议事项及理由。`,
          `招标人自收到异议之日起 ${x.objectionDays} 日内作出答复；作出答复前，暂停招标投标活动（《招标投标法实施条例》第五十四条）。异议答复在平台公布，不公开异议人名称。`,
        ],
      },
      { heading: "三、其他公示内容", paragraphs: ["评标委员会成员名单在中标结果确定前保密。"] },
      { heading: "四、监督部门", paragraphs: [f.supervisor || "—"] },
      { heading: "五、联系方式", table: { headers: ["项目", "内容"], rows: contacts(f), widths: [0.3, 0.7] } },
    ],
    footer: `招标人：${f.tenderingUnit}${f.agency ? `\u3000招标代理机构：${f.agency}` : ""}（电子签章）`,
    pageNumbers: true,
  };
}

/** R56/EV24 (docs/evaluation-rules.md §5.3): the award notice to the winner. */
export function awardNoticeDocument(f: ResultFacts, x: { number: string; winner: ResultCandidate; issuedAt: Date; contractDays: number; contractPlace: string }): OfficialDocument {
  const w = x.winner;
  const zfcg = f.regime === "ZFCG";
  return {
    title: zfcg ? "中标（成交）通知书" : "中标通知书",
    number: `编号 ${x.number}`,
    meta: [
      ["致（中标人）", w.name],
      ["项目名称", f.projectTitle],
      ["项目编号", f.projectCode],
      ["标段（包）", sectionLabel(f)],
    ],
    sections: [
      {
        heading: "正文",
        paragraphs: [
          `${zfcg ? "经评审委员会评审并经采购人确定" : "经评标委员会评审并经招标人确定"}，你单位于 ${date(f.bidDeadline)} 递交的 ${f.projectTitle} 项目 ${sectionLabel(f)} 投标文件被接受，确定为中标人。`,
        ],
        table: {
          headers: ["项目", "内容"],
          rows: [
            ["中标价", `${yuan(w.priceFen)}（大写：${capitals(w.priceFen)}）`],
            [zfcg ? "交货期/服务期" : "工期", w.durationDays ? `${w.durationDays} 日历天` : "—"],
            ["质量", w.quality || "—"],
            ["项目负责人", w.projectManager || "—"],
            ["评标报告", f.reportNumber],
          ],
          widths: [0.25, 0.75],
        },
      },
      {
        heading: "签约",
        paragraphs: [
          `请你单位在收到本通知书后 ${x.contractDays} 日内，到 ${x.contractPlace || f.location || "招标人指定地点"} 与${zfcg ? "采购人" : "招标人"}签订合同；签约前按招标文件提交履约担保。`,
          "本通知书对招标人和中标人具有法律效力（《招标投标法》第四十五条）。",
        ],
      },
    ],
    footer: `${zfcg ? "采购人" : "招标人"}：${f.tenderingUnit}${f.agency ? `\u3000代理机构：${f.agency}` : ""}（电子签章）\u3000日期：${date(x.issuedAt)}`,
    pageNumbers: true,
  };
}

/** R56 (ZTB 中标结果通知书) and R54/EV25 (ZFCG 未中标通知书: this bidder's own score and rank only, never the others'). */
export function resultNoticeDocument(f: ResultFacts, x: { number: string; bidder: ResultBidder; winner: ResultCandidate; issuedAt: Date; ranked: number }): OfficialDocument {
  const b = x.bidder;
  const zfcg = f.regime === "ZFCG";
  const own: [string, string][] = [
    ["贵单位投标报价", yuan(b.priceFen)],
    ["评审结论", b.valid ? "通过评审" : "未通过评审（投标被否决）"],
  ];
  if (b.valid && b.total !== null) own.push(["贵单位评审得分", scoreText(b)]);
  if (b.valid && b.rank !== null) own.push(["贵单位排序", `第 ${b.rank} 名（共 ${x.ranked} 家）`]);
  if (!b.valid && b.reasons.length) own.push(["否决原因", b.reasons.join("；")]);
  return {
    title: zfcg ? "未中标通知书" : "中标结果通知书",
    number: `编号 ${x.number}`,
    meta: [
      ["致（投标人）", b.name],
      ["项目名称", f.projectTitle],
      ["项目编号", f.projectCode],
      ["标段（包）", sectionLabel(f)],
    ],
    sections: [
      {
        heading: "正文",
        paragraphs: [`${f.projectTitle} 项目 ${sectionLabel(f)} 已于 ${date(x.issuedAt)} 确定中标人为 ${x.winner.name}，中标价 ${yuan(x.winner.priceFen)}。感谢贵单位的参与。`],
        table: { headers: ["项目", "内容"], rows: own, widths: [0.3, 0.7] },
      },
      {
        heading: zfcg ? "质疑" : "异议与投诉",
        paragraphs: [
          zfcg
            ? "如对结果有疑问，可在知道或者应当知道其权益受到损害之日起 7 个工作日内，以书面形式向采购人或采购代理机构提出质疑。"
            : `如对结果有异议，可依法向招标人提出，或向监督部门（${f.supervisor || "—"}）投诉。`,
        ],
      },
    ],
    footer: `${zfcg ? "采购人/代理机构" : "招标人"}：${f.tenderingUnit}${f.agency ? `\u3000${f.agency}` : ""}（电子签章）\u3000日期：${date(x.issuedAt)}`,
    pageNumbers: true,
  };
}

/** R58/EV23 (ZTB 中标结果公告) and R54 (ZFCG 中标（成交）结果公告 with the expert list and notice period). */
export function announcementDocument(
  f: ResultFacts,
  x: { number: string; winner: ResultCandidate; issuedAt: Date; experts: string[]; noticePeriodEndsAt: Date | null; documents: string[] },
): OfficialDocument {
  const w = x.winner;
  const zfcg = f.regime === "ZFCG";
  const rows: [string, string][] = [
    ["项目编号", f.projectCode],
    ["项目名称", f.projectTitle],
    ["标段（包）", sectionLabel(f)],
    ["中标（成交）人", w.name],
    ["中标（成交）金额", `${yuan(w.priceFen)}（大写：${capitals(w.priceFen)}）`],
    [zfcg ? "交货期/服务期" : "工期", w.durationDays ? `${w.durationDays} 日历天` : "—"],
    ["质量", w.quality || "—"],
    ["项目负责人", w.projectManager || "—"],
    ["公告日期", date(x.issuedAt)],
  ];
  if (x.noticePeriodEndsAt) rows.push(["公告期限", `${date(x.issuedAt)} 至 ${formatCst(new Date(x.noticePeriodEndsAt.getTime() - 1)).slice(0, 10)}（1 个工作日）`]);
  return {
    title: zfcg ? "中标（成交）结果公告" : "中标结果公告",
    number: `编号 ${x.number}`,
    meta: [
      ["招标人（采购人）", f.tenderingUnit],
      ...(f.agency ? ([["代理机构", f.agency]] as [string, string][]) : []),
    ],
    sections: [
      { heading: "一、中标（成交）信息", table: { headers: ["项目", "内容"], rows, widths: [0.3, 0.7] } },
      ...(zfcg
        ? [
            { heading: "二、评审专家名单", paragraphs: [x.experts.length ? x.experts.join("、") : "—"] },
            { heading: "三、招标文件", paragraphs: x.documents.length ? x.documents : ["—"] },
          ]
        : []),
      { heading: zfcg ? "四、监督部门" : "二、监督部门", paragraphs: [f.supervisor || "—"] },
      { heading: zfcg ? "五、联系方式" : "三、联系方式", table: { headers: ["项目", "内容"], rows: contacts(f), widths: [0.3, 0.7] } },
    ],
    footer: `${f.tenderingUnit}${f.agency ? `\u3000${f.agency}` : ""}（电子签章）\u3000${date(x.issuedAt)}`,
    pageNumbers: true,
  };
}
