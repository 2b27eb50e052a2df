import { and, asc, desc, eq, inArray, isNull, max, ne } from "drizzle-orm";
import { pemToDer, chainsTo } from "#crypto/certs";
import { checkMemberSignature, completeMemberSignature, prepareMemberSignature, ReportSigningError } from "#crypto/pdf/member-signing";
import { openResults } from "../results/results.server";
import { renderOfficialPdf, type Block, type OfficialDocument } from "#crypto/pdf/signed-pdf";
import type { Executor, Tx } from "#db/client";
import {
  bids,
  certChallenges,
  certificates,
  committeeMembers,
  evaluationReports,
  experts,
  flagJustifications,
  openings,
  organisations,
  reportPositions,
  reportSignatures,
  reviewConclusions,
  roomBookings,
  rooms,
  rollbacks,
  scoreChanges,
  sections,
  users,
  type EvaluationReport,
  type Evaluation,
} from "#db/schema/index";
import { appendixSha256, buildAppendix, canonicalJson, type Appendix } from "#app/domain/evaluation/appendix";
import type { EvaluationResult } from "#app/domain/evaluation/evaluate";
import { flattenCriteria, isScored, type MethodConfig } from "#app/domain/evaluation/method";
import {
  checkPosition,
  MEMBER_SIGNING_REASON,
  memberFieldName,
  POSITION_WINDOW_MINUTES,
  positionsState,
  reportNumber,
  SIGNING_WINDOW_MINUTES,
  signingState,
  type Position,
} from "#app/domain/evaluation/report-signing";
import { evaluationViolation } from "#app/domain/evaluation/violations";
import { DomainError } from "#app/domain/errors";
import { formatCst } from "#app/domain/tender-form";
import type { RuleViolation } from "#app/domain/rules/violations";
import zhRules from "#app/locales/zh-CN/rules.json";
import { systemActor, type Actor } from "../platform/actor";
import { readBlob } from "../platform/blob-store.server";
import { assertUsable, issueChallenge, trustedCaPems } from "../platform/certificates.server";
import { dbNow, runCommand, runOptionalCommand, type LiveEventInput } from "../platform/command.server";
import type { AppContext } from "../platform/context.server";
import { scheduleJob } from "../platform/jobs.server";
import { notifyOrganisations } from "../platform/notify.server";
import { signOfficial } from "../platform/official-pdf.server";
import { documentSigner } from "../platform/platform-signer.server";
import { signatureTimeStamp } from "../platform/tsa.server";
import { isSupervisor, liveMembers, loadEvaluation, lockEvaluation, memberOf, requireMember, requireStage, roomEvent, sectionAndProject, seated, setStage } from "./access.server";
import { evaluationInput } from "./summary.server";
import { clarificationsForReport } from "./clarifications.server";

/**
 * The evaluation report (评标报告, R49–R50, EV19–EV21; docs/decisions/015-evaluation.md "The report and its
 * signatures"; docs/report-signatures.md). One version at a time per section (`evaluation_reports`, number
 * PB-<project>-<section>-v<N>), with its machine-readable appendix (docs/evaluation-appendix.md):
 *
 * 1. **Draft** (`generateReport`, job `evaluation.report`, scheduled by the summary's finalise when the stage becomes
 *    `signing`): the appendix is rebuilt from the stored inputs (EV19: it must reproduce the committee's result), the
 *    draft PDF — everything R49 lists, watermarked "not for signing" — is stored, and the members are asked for
 *    their position.
 * 2. **Positions** (`recordPosition`, R50): each member agrees or dissents with reasons; after the deadline a
 *    member without a position is deemed to consent (条例53, 87号令61). ZFCG majority rule: a version most members
 *    dissent from is not signed (a rollback continues, EV20).
 * 3. **Final** (`advanceReport`): the version with every position and dissent printed is rendered and signed by
 *    the platform; `basePdfSha256` = `pdfSha256` = that file.
 * 4. **Signatures** (`prepareSignature` → the member's browser → `completeSignature`): one incremental update per
 *    member, with its own certificate; the server never holds a member's key. A completion against a revision that
 *    is no longer the latest is refused (RULE_R50_STALE_REVISION) and the page prepares again.
 * 5. **Signed**: every live member signed (or, after the signing deadline, a missing signature is deemed consent,
 *    条例53): stage `signed`, section `evaluated`, the committee dissolves, the tendering side can download it.
 *
 * Every step is idempotent; the job `evaluation.report` (payload {sectionId}) runs `advanceReport`, which does
 * whatever is due. A rollback (rollback.server.ts) voids the live version (`voidLiveReport`).
 */

type Ctx = Pick<AppContext, "db" | "blobs" | "config">;

export const REPORT_JOB = "evaluation.report";
const rule = (v: RuleViolation | RuleViolation[]) => {
  const list = Array.isArray(v) ? v : [v];
  if (list.length) throw new DomainError("RULE_VIOLATION", {}, list);
};
const HEX64 = /^[0-9a-f]{64}$/;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const minutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);
const signPurpose = (reportId: string) => `report-sign:${reportId}`;

// ------------------------------------------------------------------------------------------------ queries

/** The live (not voided) report version of a section, or null. */
export async function liveReport(db: Executor, sectionId: string): Promise<EvaluationReport | null> {
  const [r] = await db
    .select()
    .from(evaluationReports)
    .where(and(eq(evaluationReports.sectionId, sectionId), ne(evaluationReports.status, "voided")));
  return r ?? null;
}

async function lockLiveReport(tx: Tx, sectionId: string): Promise<EvaluationReport | null> {
  const [r] = await tx
    .select()
    .from(evaluationReports)
    .where(and(eq(evaluationReports.sectionId, sectionId), ne(evaluationReports.status, "voided")))
    .for("update");
  return r ?? null;
}

async function pendingRollback(db: Executor, sectionId: string): Promise<boolean> {
  const [r] = await db
    .select({ id: rollbacks.id })
    .from(rollbacks)
    .where(and(eq(rollbacks.sectionId, sectionId), isNull(rollbacks.decision)))
    .limit(1);
  return !!r;
}

type MemberRow = {
  id: string;
  seat: number;
  kind: "expert" | "representative";
  name: string;
  employer: string;
  status: string;
  userId: string;
  voidedAt: Date | null;
  voidReason: string | null;
  recusalReason: string | null;
  createdAt: Date;
};

/** Every member the committee ever had (replaced ones too, R37), by seat, with names. */
async function allMembers(db: Executor, sectionId: string): Promise<MemberRow[]> {
  const rows = await db
    .select({
      id: committeeMembers.id,
      seat: committeeMembers.seat,
      kind: committeeMembers.kind,
      expertName: experts.name,
      employer: experts.employerName,
      userName: users.displayName,
      status: committeeMembers.status,
      userId: committeeMembers.userId,
      voidedAt: committeeMembers.voidedAt,
      voidReason: committeeMembers.voidReason,
      recusalReason: committeeMembers.recusalReason,
      createdAt: committeeMembers.createdAt,
    })
    .from(committeeMembers)
    .innerJoin(users, eq(users.id, committeeMembers.userId))
    .leftJoin(experts, eq(experts.id, committeeMembers.expertId))
    .where(eq(committeeMembers.sectionId, sectionId))
    .orderBy(asc(committeeMembers.seat));
  return rows.map((r) => ({ ...r, name: r.expertName ?? r.userName, employer: r.employer ?? "" }));
}

/** The members who must take a position and sign: live and seated (R41). */
async function signingMembers(db: Executor, sectionId: string) {
  return seated(await liveMembers(db, sectionId));
}

// ------------------------------------------------------------------------------------------------ the document

const GROUP_ZH: Record<string, string> = { business: "商务", technical: "技术", price: "价格", other: "其他" };
const MODE_ZH: Record<string, string> = { pass_fail: "合格制", fixed: "档次分", range: "区间打分", deduction: "扣分制", formula: "公式计算" };
const STAGE_ZH: Record<string, string> = { form: "形式评审", qualification: "资格评审", responsiveness: "响应性评审", compliance: "符合性审查" };
export const REASON_ZH: Record<string, string> = {
  review_missing: "评审结论缺失",
  review_failed: "初步评审未通过",
  correction_refused: "不接受算术修正",
  zero_price: "报价为零",
  above_ceiling: "超过最高投标限价",
  rejected: "评标委员会否决",
  same_brand: "同品牌非代表投标",
};
const METHOD_ZH: Record<string, string> = {
  ZTB_LOWEST_EVALUATED: "经评审的最低投标价法",
  ZTB_COMPREHENSIVE: "综合评估法",
  ZTB_REASONABLE_LOW: "合理低价法",
  ZTB_MEAN_PRICE: "平均值法",
  ZFCG_LOWEST: "最低评标价法",
  ZFCG_COMPREHENSIVE: "综合评分法",
};
const TIE_ZH: Record<string, string> = { price_asc: "报价低者优先", tech_desc: "技术得分高者优先", business_desc: "商务得分高者优先", tenderer_decides: "招标人确定", lot: "抽签" };
const CHANGE_ZH: Record<string, string> = { sum_error: "分值汇总计算错误", out_of_range: "分项评分超出评分标准范围", objective_inconsistent: "客观评审因素评分不一致", extreme_score: "评分畸高、畸低" };
const CLAR_KIND_ZH: Record<string, string> = { question: "澄清", correction: "算术修正确认", abnormally_low: "异常低价说明" };
const CLAR_STATUS_ZH: Record<string, string> = { open: "待答复", answered: "已答复", expired: "逾期未答复", withdrawn: "已撤回" };
const POSITION_ZH: Record<Position, string> = { agree: "同意", dissent: "不同意", deemed: "未在期限内陈述意见，视为同意（《招标投标法实施条例》第五十三条；87号令第六十一条）" };

const zhGround = (code: string | null): string => {
  if (!code) return "";
  const g = (zhRules as unknown as { evaluationGrounds?: Record<string, string> }).evaluationGrounds?.[code];
  return g ?? code;
};
const yuan = (s: string | null | undefined) => {
  if (s === null || s === undefined || s === "") return "—";
  const [i, f] = s.split(".");
  const neg = i!.startsWith("-");
  const digits = (neg ? i!.slice(1) : i!).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${digits}${f ? `.${f}` : ""}`;
};
const chunk = <T,>(xs: readonly T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

export type ReportFacts = {
  number: string;
  version: number;
  project: { code: string; title: string; regime: string; publishedAt: Date | null };
  section: { code: string; title: string };
  tenderingUnit: string;
  agency: string | null;
  method: MethodConfig;
  opening: { openedAt: Date | null; place: string; recordSha256: string | null; bidCount: number | null };
  room: { label: string; slot: string };
  evaluationStart: Date;
  members: MemberRow[];
  leaderId: string | null;
  /** The committee's review conclusion per bid (R44), by bid id. */
  conclusions: { bidId: string; key: string; bidder: string; passed: boolean; ground: string | null; reasons: string[]; items: { itemId: string; passed: boolean; votes: { pass: number; fail: number } }[] }[];
  appendix: Appendix;
  appendixSha256: string;
  tooFewReasoning: string | null;
  justifications: { seat: number | null; bidId: string; itemId: string; text: string }[];
  changes: { seat: number | null; bidId: string; bidder: string; itemId: string; from: string; to: string; reason: string; note: string; at: Date }[];
  clarifications: Awaited<ReturnType<typeof clarificationsForReport>>;
  /** The members' positions (final version), by member id; null for the draft. */
  positions: Map<string, { position: Position; dissent: string | null }> | null;
  generatedAt: Date;
};

/** The report's content (R49, 评标规定42, 87号令58; docs/evaluation-rules.md §4.9) as a document for renderOfficialPdf. Pure. */
export function reportDocument(f: ReportFacts, opts: { draft: boolean }): OfficialDocument {
  const a = f.appendix;
  const r: EvaluationResult = a.result;
  const cfg = f.method;
  const bidderName = new Map(a.input.bids.map((b) => [b.bidderId, b.name]));
  const inputBid = new Map(a.input.bids.map((b) => [b.bidderId, b]));
  const name = (id: string) => bidderName.get(id) ?? id;
  const seatOf = (memberId: string | null) => (memberId ? /^M(\d+)$/.exec(memberId)?.[1] : undefined);
  const memberLabel = (memberId: string | null) => {
    if (!memberId) return "评标委员会";
    const seat = seatOf(memberId);
    const m = seat ? f.members.find((x) => String(x.seat) === seat) : undefined;
    return m ? `M${m.seat} ${m.name}` : memberId;
  };
  const leaves = flattenCriteria(cfg.criteria).filter((c) => c.leaf);
  const label = new Map([...flattenCriteria(cfg.criteria).map((c) => [c.node.id, c.node.label] as const), ...cfg.review.map((x) => [x.id, x.label] as const)]);
  const itemLabel = (id: string) => label.get(id) ?? id;
  const rank = new Map(r.ranking.map((e) => [e.bidderId, e]));
  const scored = isScored(cfg);
  const live = f.members.filter((m) => !m.voidedAt);
  const sections: OfficialDocument["sections"] = [];

  // 一、基本情况和数据表 (评标规定42(一))
  sections.push({
    heading: "一、基本情况和数据",
    table: {
      headers: ["项目", "内容"],
      rows: [
        ["项目名称", f.project.title],
        ["项目编号", f.project.code],
        ["标段（包）", `${f.section.code} ${f.section.title}`],
        ["招标人（采购人）", f.tenderingUnit],
        ["招标代理机构", f.agency ?? "无（招标人自行组织）"],
        ["适用法规", f.project.regime === "ZFCG" ? "政府采购（87号令）" : "招标投标（《招标投标法》及实施条例）"],
        // 87号令58(一): the media where the notice ran (the platform publishes it; R3).
        [f.project.regime === "ZFCG" ? "采购公告发布媒介" : "招标公告发布媒介", `Tenderhall 公共资源交易平台${f.project.publishedAt ? `（${formatCst(f.project.publishedAt)} 发布）` : ""}`],
        ["评标办法", METHOD_ZH[cfg.kind] ?? cfg.kind],
        ["开标时间", f.opening.openedAt ? formatCst(f.opening.openedAt) : "—"],
        ["开标地点", f.opening.place],
        ["评标地点", f.room.label],
        ["评标时间", f.room.slot],
        ["递交投标文件", `${f.opening.bidCount ?? r.counts.bids} 家；参与评审 ${r.counts.bids} 家；有效投标 ${r.counts.valid} 家`],
      ],
      widths: [1.3, 4],
    },
  });

  // 二、评标委员会成员名单 (评标规定42(二)) and replacements (R37; 87号令58(七))
  const replaced = f.members.filter((m) => m.voidedAt);
  sections.push({
    heading: "二、评标委员会成员名单",
    table: {
      headers: ["席位", "姓名", "类别", "工作单位", "职务"],
      rows: live.map((m) => [`M${m.seat}`, m.name, m.kind === "representative" ? "招标人代表" : "评标专家", m.employer || "—", m.id === f.leaderId ? "组长" : "成员"]),
      widths: [0.8, 1.4, 1.3, 3.2, 0.8],
    },
    blocks: replaced.length
      ? [
          { kind: "subheading", text: "成员更换情况（R37）" },
          {
            kind: "table",
            headers: ["席位", "姓名", "情形", "理由", "时间"],
            rows: replaced.map((m) => [`M${m.seat}`, m.name, m.status === "recused" ? "回避" : "更换", m.recusalReason ?? m.voidReason ?? "", m.voidedAt ? formatCst(m.voidedAt) : ""]),
            widths: [0.8, 1.4, 0.9, 3.5, 1.6],
          },
          { kind: "paragraph", text: "被更换成员的评审意见一律作废，不计入汇总（条例48；EV15）。替补成员按抽取顺序入席，席位号顺延。", size: 9, muted: true },
        ]
      : [{ kind: "paragraph", text: "评标期间无成员更换。", size: 9.5, muted: true }],
  });

  // 三、开标记录 (评标规定42(三))
  sections.push({
    heading: "三、开标记录",
    paragraphs: [
      `开标记录表（已由平台签章）的 SHA-256：${f.opening.recordSha256 ?? "—"}。开标记录载明各投标人的唱标内容、解密情况、现场异议及答复，以该文件为准。`,
    ],
    table: {
      headers: ["投标人", "唱标报价（元）", "修正后报价（元）", "修正是否确认"],
      rows: a.input.bids.map((b) => [b.name, yuan(b.readPrice), b.correction ? yuan(b.correction.price) : "—", b.correction ? (b.correction.confirmed ? "投标人已确认" : "投标人未确认") : "无修正"]),
      widths: [3, 1.6, 1.6, 1.2],
    },
  });

  // 四、符合要求的投标 / 五、否决投标情况说明 (评标规定42(四)(五); R44)
  const valid = r.bids.filter((b) => b.valid);
  const invalid = r.bids.filter((b) => !b.valid);
  sections.push({
    heading: "四、符合要求的投标人名单",
    table: valid.length
      ? { headers: ["序号", "投标人", "投标报价（元）"], rows: valid.map((b, i) => [String(i + 1), name(b.bidderId), yuan(b.bidPrice)]), widths: [0.6, 4, 1.6] }
      : undefined,
    paragraphs: valid.length ? [] : ["无符合要求的投标。"],
  });
  const conclusionOf = new Map(f.conclusions.map((c) => [c.key, c]));
  sections.push({
    heading: "五、否决投标情况说明",
    paragraphs: invalid.length ? [] : ["无被否决的投标。"],
    table: invalid.length
      ? {
          headers: ["投标人", "否决依据", "理由"],
          rows: invalid.map((b) => {
            const c = conclusionOf.get(b.bidderId);
            const failedItems = c?.items.filter((i) => !i.passed).map((i) => `${itemLabel(i.itemId)}（通过${i.votes.pass}票/不通过${i.votes.fail}票）`) ?? [];
            const ground = c?.ground ? zhGround(c.ground) : b.reasons.map((x) => REASON_ZH[x] ?? x).join("；");
            const reasons = [...failedItems, ...(c?.reasons ?? []), ...(inputBid.get(b.bidderId)?.rejection ? [inputBid.get(b.bidderId)!.rejection!.reason] : [])];
            return [name(b.bidderId), ground, reasons.join("；") || b.reasons.map((x) => REASON_ZH[x] ?? x).join("；")];
          }),
          widths: [2.2, 2.6, 3.4],
        }
      : undefined,
    blocks: [
      ...(r.reasoningRequired || f.tooFewReasoning
        ? [
            { kind: "subheading" as const, text: "有效投标不足三家的评审意见（R45；1117号(十三)）" },
            { kind: "paragraph" as const, text: f.tooFewReasoning ?? "（评标委员会未记录意见）" },
          ]
        : []),
      ...(r.bids.some((b) => b.abnormallyLow?.flagged)
        ? [
            { kind: "subheading" as const, text: "异常低价提示（EV14）" },
            {
              kind: "table" as const,
              headers: ["投标人", "低于其他有效投标平均价", "处理"],
              rows: r.bids.filter((b) => b.abnormallyLow?.flagged).map((b) => [name(b.bidderId), `${b.abnormallyLow!.pct}%`, b.valid ? "经澄清说明，评标委员会认定不低于成本" : "被否决"]),
              widths: [3, 2, 3],
            },
          ]
        : []),
    ],
  });

  // 六、评标标准、评标方法或者评标因素一览表 (评标规定42(六); R46)
  const methodBlocks: Block[] = [];
  if (cfg.review.length)
    methodBlocks.push({ kind: "table", caption: "初步评审因素", headers: ["编号", "评审因素", "类别"], rows: cfg.review.map((x) => [x.id, x.label, STAGE_ZH[x.stage] ?? x.stage]), widths: [1.2, 4, 1.4] });
  if (cfg.criteria.length)
    methodBlocks.push({
      kind: "table",
      caption: "详细评审（评分）因素",
      headers: ["编号", "评分因素", "部分", "分值", "方式"],
      rows: flattenCriteria(cfg.criteria).map((c) => [c.node.id, `${"　".repeat(c.depth)}${c.node.label}`, GROUP_ZH[c.group] ?? c.group, c.node.max, c.leaf ? `${MODE_ZH[c.node.mode ?? ""] ?? ""}${c.node.objective ? "（客观）" : ""}` : "小计"]),
      widths: [1, 3.4, 0.8, 0.8, 1.4],
    });
  const params: string[] = [`评标办法：${METHOD_ZH[cfg.kind] ?? cfg.kind}；分值保留 ${cfg.rounding.scale} 位小数，四舍五入。`];
  if (scored) {
    const b = cfg.benchmark;
    const ps = cfg.priceScore as Record<string, unknown> & { kind: string; full: string };
    params.push(
      `评标基准价：${{ lowest: "最低有效报价", mean: "有效报价算术平均值", trimmed_mean: "去掉最高和最低报价后的算术平均值", composite: "复合基准价" }[b.source] ?? b.source}${b.factor ? (b.factor.kind === "K" ? `，乘以下浮系数 K=${b.factor.value}` : `，下浮 ${b.factor.value}%`) : ""}。`,
    );
    params.push(
      `价格分：${{ low_price_priority: "低价优先法，价格分 = 评标基准价 / 投标报价 × 满分", linear_deviation: "按偏离基准价的百分比线性扣分", ratio_deviation: "按偏离比例扣分", n_factor: "按偏离百分比乘系数扣分" }[ps.kind] ?? ps.kind}；满分 ${ps.full}${ps.E1 ? `，高于基准价每 1% 扣 ${String(ps.E1)} 分` : ""}${ps.E2 ? `，低于基准价每 1% 扣 ${String(ps.E2)} 分` : ""}${ps.nAbove ? `，高于基准价系数 ${String(ps.nAbove)}` : ""}${ps.nBelow ? `，低于基准价系数 ${String(ps.nBelow)}` : ""}。`,
    );
    params.push(`主观分汇总：${{ mean: "算术平均", trimmed_1_1_if_n_ge_5: "5 人及以上去掉一个最高分和一个最低分后平均", highway_9_member: "公路范本 9 人规则" }[cfg.aggregation.subjective] ?? cfg.aggregation.subjective}；客观分须各成员一致。`);
  }
  if (cfg.kind === "ZTB_LOWEST_EVALUATED" && cfg.adjustments.length) params.push(`评标价调整因素：${cfg.adjustments.map((x) => x.label).join("；")}。`);
  if ((cfg.kind === "ZFCG_LOWEST" || cfg.kind === "ZFCG_COMPREHENSIVE") && cfg.policyDeductions.length)
    params.push(`政策性价格扣除：${cfg.policyDeductions.map((x) => `${x.label} ${x.pct}%`).join("；")}（优惠不叠加）。`);
  params.push(`并列时依次：${cfg.tieBreak.chain.map((s) => TIE_ZH[s] ?? s).join(" → ") || "不区分"}；推荐中标候选人 ${cfg.candidates.count} 名。`);
  sections.push({ heading: "六、评标标准、评标方法和评标因素一览表", paragraphs: params, blocks: methodBlocks });

  // 七、标价比较表 / 综合评估比较表 (评标规定42(七), 33, 37)
  const cmpBlocks: Block[] = [];
  if (!scored) {
    cmpBlocks.push({
      kind: "table",
      caption: "标价比较表（元）",
      headers: ["投标人", "投标报价", "价格扣除", "调整金额", "评标价", "排名"],
      rows: r.bids.map((b) => [
        name(b.bidderId),
        yuan(b.bidPrice),
        b.deductionId ? yuan(b.scoringPrice) : "—",
        b.adjustments.length ? b.adjustments.map((x) => yuan(x.amount)).join(" + ") : "—",
        b.valid ? yuan(b.evaluatedPrice) : "无效",
        rank.has(b.bidderId) ? String(rank.get(b.bidderId)!.rank) : "—",
      ]),
      widths: [3, 1.6, 1.4, 1.4, 1.6, 0.7],
    });
  } else {
    if (r.benchmark) cmpBlocks.push({ kind: "paragraph", text: `评标基准价：${yuan(r.benchmark.value)} 元（计算值 ${r.benchmark.raw}；参与计算 ${r.benchmark.pool.length} 家${r.benchmark.trimmedHigh.length + r.benchmark.trimmedLow.length ? `，去掉最高 ${r.benchmark.trimmedHigh.map(name).join("、") || "无"}，去掉最低 ${r.benchmark.trimmedLow.map(name).join("、") || "无"}` : ""}）。` });
    cmpBlocks.push({
      kind: "table",
      caption: "综合评估比较表",
      headers: ["投标人", "投标报价（元）", "偏差率%", "价格分", "商务", "技术", "其他", "总分", "排名"],
      rows: r.bids.map((b) => [
        name(b.bidderId),
        yuan(b.scoringPrice),
        b.devPct ?? "—",
        b.priceScore ?? "—",
        b.groups?.business ?? "—",
        b.groups?.technical ?? "—",
        b.groups?.other ?? "—",
        b.valid ? (b.total ?? "—") : "无效",
        rank.has(b.bidderId) ? String(rank.get(b.bidderId)!.rank) : "—",
      ]),
      widths: [2.6, 1.6, 1, 0.9, 0.8, 0.8, 0.8, 0.9, 0.6],
      size: 8.5,
    });
    const scoredBids = r.bids.filter((b) => b.valid && b.items.length);
    for (const group of chunk(scoredBids, 5)) {
      cmpBlocks.push({
        kind: "table",
        caption: "各评分因素汇总得分",
        headers: ["评分因素", ...group.map((b) => name(b.bidderId))],
        rows: flattenCriteria(cfg.criteria).map((c) => [`${"　".repeat(c.depth)}${c.node.label}`, ...group.map((b) => b.items.find((i) => i.itemId === c.node.id)?.value ?? "—")]),
        widths: [2.6, ...group.map(() => 1.2)],
        size: 8.5,
      });
    }
    const memberIds = [...new Set(r.memberTotals.map((t) => t.memberId))].sort();
    for (const group of chunk(scoredBids, 5)) {
      if (!memberIds.length) break;
      cmpBlocks.push({
        kind: "table",
        caption: "各成员评分合计",
        headers: ["成员", ...group.map((b) => name(b.bidderId))],
        rows: memberIds.map((m) => [memberLabel(m), ...group.map((b) => r.memberTotals.find((t) => t.memberId === m && t.bidderId === b.bidderId)?.total ?? "—")]),
        widths: [2, ...group.map(() => 1.2)],
        size: 8.5,
      });
    }
    cmpBlocks.push({ kind: "paragraph", text: `各成员逐项评分、汇总规则和计算过程见机读附件（SHA-256 ${f.appendixSha256}），可用 npm run verify-evaluation 复算。`, size: 9, muted: true });
  }
  if (leaves.length === 0 && scored) cmpBlocks.push({ kind: "paragraph", text: "（无评分因素）" });
  sections.push({ heading: scored ? "七、综合评估比较表" : "七、标价比较表", blocks: cmpBlocks });

  // 八、经评审的投标人排序 / 九、推荐的中标候选人 (评标规定42(八)(九); R47)
  const rankBlocks: Block[] = [];
  if (r.tieBreaks.length)
    rankBlocks.push({
      kind: "table",
      caption: "并列处理过程",
      headers: ["步骤", "并列投标人", "结果"],
      rows: r.tieBreaks.map((t) => [TIE_ZH[t.step] ?? t.step, t.among.map(name).join("、"), t.result.map((g) => g.map(name).join("、")).join(" > ")]),
      widths: [1.4, 3, 3],
    });
  if (r.lots.length)
    rankBlocks.push({
      kind: "table",
      caption: "抽签记录（种子可复核）",
      headers: ["用途", "参与者", "抽签结果"],
      rows: r.lots.map((l) => [{ ranking: "排序并列", same_brand: "同品牌代表", highway_discard: "公路规则剔除" }[l.purpose] ?? l.purpose, l.among.map((x) => (bidderName.has(x) ? name(x) : memberLabel(x))).join("、"), l.order.map((x) => (bidderName.has(x) ? name(x) : memberLabel(x))).join(" > ")]),
      widths: [1.4, 3, 3],
    });
  sections.push({
    heading: "八、经评审的投标人排序",
    table: r.ranking.length
      ? {
          headers: ["名次", "投标人", scored ? "总分" : "评标价（元）", "投标报价（元）", "备注"],
          rows: r.ranking.map((e) => {
            const b = r.bids.find((x) => x.bidderId === e.bidderId)!;
            return [String(e.rank), name(e.bidderId), scored ? (b.total ?? "—") : yuan(b.evaluatedPrice), yuan(b.bidPrice), e.pending ? `并列待定（${e.pending}）` : ""];
          }),
          widths: [0.7, 3, 1.4, 1.6, 1.4],
        }
      : undefined,
    paragraphs: r.ranking.length ? [] : [r.status === "failed" ? "无有效投标，未排序。" : "未形成排序。"],
    blocks: rankBlocks,
  });
  sections.push({
    heading: "九、推荐的中标候选人及签订合同前要处理的事宜",
    paragraphs: [
      r.candidates.length ? r.candidates.map((c, i) => `第${["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"][i] ?? i + 1}中标候选人：${name(c)}`).join("；") + "。" : "无中标候选人。",
      `${f.project.regime === "ZTB" ? "依法必须招标的项目，招标人应当自收到评标报告之日起 3 日内公示中标候选人，公示期不少于 3 日（条例54）。" : "采购代理机构应当在评审结束后 2 个工作日内将评审报告送交采购人（87号令68）。"}签订合同前，中标人应按招标文件提交履约担保等文件。`,
    ],
  });

  // 十、澄清、说明、补正事项纪要 (评标规定42(十); R43)
  sections.push({
    heading: "十、澄清、说明、补正事项纪要",
    paragraphs: f.clarifications.length ? [] : ["评标过程中无澄清、说明或补正事项。"],
    table: f.clarifications.length
      ? {
          headers: ["投标人", "类型", "问题", "期限", "答复", "状态"],
          rows: f.clarifications.map((c) => [
            c.bidder,
            CLAR_KIND_ZH[c.kind] ?? c.kind,
            c.question + (c.correction?.price ? `（修正后报价 ${yuan(c.correction.price)} 元）` : ""),
            formatCst(c.dueAt),
            (c.answer ?? "") + (c.accepted === true ? "（接受修正）" : c.accepted === false ? "（不接受修正）" : "") + (c.answeredAt ? `（${formatCst(c.answeredAt)}）` : ""),
            CLAR_STATUS_ZH[c.status] ?? c.status,
          ]),
          widths: [1.6, 1, 2.6, 1.3, 2.6, 0.9],
        }
      : undefined,
  });

  // 十一、评分偏差与复核 (EV18, R48; 87号令64)
  const devBlocks: Block[] = [];
  const just = (memberId: string, bidderId: string, itemId: string) => {
    const seat = Number(seatOf(memberId));
    return f.justifications.find((j) => j.seat === seat && j.bidId === bidderId && j.itemId === itemId)?.text ?? "";
  };
  if (r.flags.deviation.length)
    devBlocks.push({
      kind: "table",
      caption: `评分偏差提示（与其他成员平均分偏离超过 ${cfg.flags.deviation.thresholdPct}%，EV18）`,
      headers: ["成员", "投标人", "评分因素", "评分", "参照均值", "偏离%", "书面说明"],
      rows: r.flags.deviation.map((x) => [memberLabel(x.memberId), name(x.bidderId), itemLabel(x.itemId), x.score, x.reference, x.devPct ?? "—", just(x.memberId, x.bidderId, x.itemId) || "（未说明）"]),
      widths: [1.3, 1.8, 1.4, 0.7, 1.2, 0.7, 2.3],
      size: 8.5,
    });
  if (r.flags.belowMax.length)
    devBlocks.push({
      kind: "table",
      caption: "低于分值下限提示（EV18）",
      headers: ["成员", "投标人", "评分因素", "评分", "下限", "书面说明"],
      rows: r.flags.belowMax.map((x) => [memberLabel(x.memberId), name(x.bidderId), itemLabel(x.itemId), x.score, x.limit, just(x.memberId, x.bidderId, x.itemId) || "（未说明）"]),
      widths: [1.3, 1.8, 1.4, 0.7, 1.2, 2.3],
      size: 8.5,
    });
  if (f.changes.length)
    devBlocks.push({
      kind: "table",
      caption: "评分修改记录（R48；87号令64）",
      headers: ["成员", "投标人", "评分因素", "原评分", "修改后", "原因", "说明"],
      rows: f.changes.map((c) => [c.seat ? `M${c.seat}` : "—", c.bidder, itemLabel(c.itemId), c.from, c.to, CHANGE_ZH[c.reason] ?? c.reason, `${c.note}（${formatCst(c.at)}）`]),
      widths: [0.7, 1.8, 1.4, 0.8, 0.8, 1.6, 2.4],
      size: 8.5,
    });
  sections.push({
    heading: "十一、评分偏差说明与复核情况",
    paragraphs: devBlocks.length ? ["平台根据存储的评审数据重新计算全部分值，与评标委员会确认的结果一致（EV19）。"] : ["无评分偏差提示，无评分修改。平台根据存储的评审数据重新计算全部分值，与评标委员会确认的结果一致（EV19）。"],
    blocks: devBlocks,
  });

  // 十二、评标委员会成员意见 (R50)
  sections.push({
    heading: "十二、评标委员会成员意见",
    paragraphs: opts.draft
      ? ["本稿为征求意见稿：各成员阅读后在评标室确认“同意”，或以书面形式写明不同意见和理由；全体成员确认（或期限届满）后生成签署版，不同意见及理由载入签署版（R50）。"]
      : ["对评标结论持有异议的成员以书面方式阐述其不同意见和理由，载入本报告；未在期限内陈述意见的视为同意评标结论（《招标投标法实施条例》第五十三条、《评标委员会和评标方法暂行规定》第四十三条、87号令第六十一条）。"],
    table: {
      headers: ["席位", "姓名", "意见", "不同意见及理由"],
      rows: live
        .filter((m) => m.status === "seated")
        .map((m) => {
          const p = f.positions?.get(m.id);
          return [`M${m.seat}`, m.name, opts.draft || !p ? "（征求中）" : POSITION_ZH[p.position], p?.dissent ?? ""];
        }),
      widths: [0.7, 1.3, 1.6, 4.4],
    },
  });

  // 十三、签署 (R50; docs/report-signatures.md)
  sections.push({
    heading: "十三、签署",
    paragraphs: [
      opts.draft
        ? "征求意见稿不作签署。"
        : "本报告经平台签章后，由评标委员会全体成员在各自的浏览器中以本人数字证书逐一签名（PAdES，增量更新，每名成员一个签名域）。签名后评分锁定；任何修改须经回退并生成新版本，由全体成员重新签署（EV20、EV21）。",
      ...live.filter((m) => m.status === "seated").map((m) => `M${m.seat} ${m.name}：签名域“${memberFieldName(m.seat)}”`),
    ],
  });

  // Every table as a block: a block table repeats its header on each page and keeps it with its first row.
  const asBlocks = sections.map(({ table, ...s }) => (table ? { ...s, blocks: [{ kind: "table" as const, ...table }, ...(s.blocks ?? [])] } : s));
  return {
    title: opts.draft ? "评标报告（征求意见稿）" : "评标报告",
    number: `编号 ${f.number} · 第${f.version}版`,
    meta: [
      ["项目名称", f.project.title],
      ["标段（包）", `${f.section.code} ${f.section.title}`],
      ["报告编号", f.number],
      ["报告版本", `第 ${f.version} 版${opts.draft ? "（征求意见稿）" : ""}`],
      ["生成时间", formatCst(f.generatedAt)],
      ["机读附件 SHA-256", f.appendixSha256],
      ["开标记录 SHA-256", f.opening.recordSha256 ?? "—"],
    ],
    sections: asBlocks,
    footer:
      "本报告由 Tenderhall 平台根据评标委员会在评标室中的评审记录生成（R49）。机读附件（JSON）载明评标办法、投标报价、各成员逐项评分和汇总规则，任何人可据此复算全部分值和排序；本报告仅向评标委员会、招标人（采购人）及其代理机构和行政监督部门提供，中标候选人公示前不公开（R36）。",
    watermark: opts.draft ? "征求意见稿 · 不作签署" : undefined,
    pageNumbers: true,
  };
}

/** Everything the report prints, read from the database (EV19: the appendix rebuilt from the stored inputs). */
async function reportFacts(db: Executor, ev: Evaluation, version: number, appendix: Appendix, positions: ReportFacts["positions"], now: Date): Promise<ReportFacts> {
  const sectionId = ev.sectionId;
  const { section, project } = await sectionAndProject(db, sectionId);
  const orgIds = [project.tenderingUnitId, ...(project.agencyId ? [project.agencyId] : [])];
  const orgs = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, orgIds));
  const orgName = (id: string | null) => orgs.find((o) => o.id === id)?.name ?? null;
  const [opening] = await db.select().from(openings).where(eq(openings.sectionId, sectionId));
  const [booking] = ev.bookingId
    ? await db
        .select({ code: rooms.code, name: rooms.name, location: rooms.location, startsAt: roomBookings.startsAt, endsAt: roomBookings.endsAt })
        .from(roomBookings)
        .innerJoin(rooms, eq(rooms.id, roomBookings.roomId))
        .where(eq(roomBookings.id, ev.bookingId))
    : [];
  const members = await allMembers(db, sectionId);
  const seatOf = new Map(members.map((m) => [m.id, m.seat]));
  const conclusions = await db
    .select({ c: reviewConclusions, bidder: organisations.name })
    .from(reviewConclusions)
    .innerJoin(bids, eq(bids.id, reviewConclusions.bidId))
    .innerJoin(organisations, eq(organisations.id, bids.orgId))
    .where(eq(reviewConclusions.sectionId, sectionId));
  // Flags name bidders by the appendix's bidder id; justifications by bid. Map both ways (a bid id or its org id).
  const sectionBids = await db.select({ id: bids.id, orgId: bids.orgId, name: organisations.name }).from(bids).innerJoin(organisations, eq(organisations.id, bids.orgId)).where(eq(bids.sectionId, sectionId));
  const keyOfBid = (bidId: string) => {
    const inAppendix = new Set(appendix.input.bids.map((b) => b.bidderId));
    if (inAppendix.has(bidId)) return bidId;
    const b = sectionBids.find((x) => x.id === bidId);
    return b && inAppendix.has(b.orgId) ? b.orgId : bidId;
  };
  const justRows = await db.select().from(flagJustifications).where(eq(flagJustifications.sectionId, sectionId));
  const changeRows = await db
    .select({ ch: scoreChanges, bidder: organisations.name })
    .from(scoreChanges)
    .innerJoin(bids, eq(bids.id, scoreChanges.bidId))
    .innerJoin(organisations, eq(organisations.id, bids.orgId))
    .where(eq(scoreChanges.sectionId, sectionId))
    .orderBy(asc(scoreChanges.at));
  const place = project.location ? `Tenderhall 平台在线开标（不见面开标）；项目地点 ${project.location}` : "Tenderhall 平台在线开标（不见面开标）";
  return {
    number: reportNumber(project.code, section.code, version),
    version,
    project: { code: project.code, title: project.title, regime: project.regime, publishedAt: project.publishedAt },
    section: { code: section.code, title: section.title },
    tenderingUnit: orgName(project.tenderingUnitId) ?? "",
    agency: orgName(project.agencyId),
    method: appendix.method,
    opening: { openedAt: opening?.openedAt ?? null, place, recordSha256: opening?.recordSha256 ?? null, bidCount: opening?.bidCount ?? null },
    room: {
      label: booking ? `${booking.code} ${booking.name}${booking.location ? `（${booking.location}）` : ""}` : project.reviewRoom || "评标室",
      slot: booking ? `${formatCst(booking.startsAt)} 至 ${formatCst(booking.endsAt)}` : formatCst(ev.startsAt),
    },
    evaluationStart: ev.startsAt,
    members,
    leaderId: ev.leaderMemberId,
    conclusions: conclusions.map((x) => ({ bidId: x.c.bidId, key: keyOfBid(x.c.bidId), bidder: x.bidder, passed: x.c.passed, ground: x.c.ground, reasons: x.c.reasons, items: x.c.items })),
    appendix,
    appendixSha256: appendixSha256(appendix),
    tooFewReasoning: ev.tooFewReasoning,
    justifications: justRows.map((j) => ({ seat: seatOf.get(j.memberId) ?? null, bidId: keyOfBid(j.bidId), itemId: j.itemId, text: j.text })),
    changes: changeRows.map((x) => ({ seat: seatOf.get(x.ch.memberId) ?? null, bidId: x.ch.bidId, bidder: x.bidder, itemId: x.ch.itemId, from: x.ch.fromScore, to: x.ch.toScore, reason: x.ch.reason, note: x.ch.note, at: x.ch.at })),
    clarifications: await clarificationsForReport(db, sectionId),
    positions,
    generatedAt: now,
  };
}

/**
 * EV19: the appendix rebuilt from the stored inputs must reproduce the result the committee finalised
 * (`evaluations.result`); any difference blocks the report.
 */
async function rebuildAppendix(db: Executor, ev: Evaluation, context: Record<string, string>): Promise<Appendix> {
  const data = await evaluationInput(db, ev.sectionId);
  const appendix = buildAppendix({ method: data.config, input: data.input, context });
  const stored = ev.result as EvaluationResult | null;
  if (!stored || canonicalJson(stored) !== canonicalJson(appendix.result)) rule(evaluationViolation("RULE_R49_RESULT_MISMATCH"));
  return appendix;
}

// ------------------------------------------------------------------------------------------------ phases

/**
 * Generates the next report version at `signing` (idempotent): rebuilds and checks the appendix, renders the draft,
 * stores both, and asks the members for their position (R50). Returns the live version, or null when the
 * evaluation is not at `signing` with a result.
 */
export async function generateReport(ctx: Ctx, sectionId: string): Promise<EvaluationReport | null> {
  const existing = await liveReport(ctx.db, sectionId);
  if (existing) return existing;
  const ev = await loadEvaluation(ctx.db, sectionId);
  if (!ev || ev.stage !== "signing" || !ev.result) return null;
  const { project, section } = await sectionAndProject(ctx.db, sectionId);
  const [last] = await ctx.db.select({ v: max(evaluationReports.version) }).from(evaluationReports).where(eq(evaluationReports.sectionId, sectionId));
  const version = (last?.v ?? 0) + 1;
  const number = reportNumber(project.code, section.code, version);
  const appendix = await rebuildAppendix(ctx.db, ev, { project: project.code, section: section.code, report: number, version: String(version) });
  const digest = appendixSha256(appendix);
  const now = await dbNow(ctx.db);
  const facts = await reportFacts(ctx.db, ev, version, appendix, null, now);
  const draft = await renderOfficialPdf(reportDocument(facts, { draft: true }), documentSigner(ctx.config).font, now);
  const stored = await ctx.blobs.put(draft);
  await runOptionalCommand(ctx, systemActor(), "evaluation.report_generated", async ({ tx, now: at }) => {
    const locked = await lockEvaluation(tx, sectionId);
    if (locked.stage !== "signing" || (await lockLiveReport(tx, sectionId))) return null;
    const [taken] = await tx.select({ id: evaluationReports.id }).from(evaluationReports).where(and(eq(evaluationReports.sectionId, sectionId), eq(evaluationReports.version, version)));
    if (taken) return null;
    const [row] = await tx
      .insert(evaluationReports)
      .values({ sectionId, version, number, status: "signing", appendix, appendixSha256: digest, basePdfSha256: stored.sha256, pdfSha256: stored.sha256, draftPdfSha256: stored.sha256 })
      .returning({ id: evaluationReports.id });
    await scheduleJob(tx, { kind: REPORT_JOB, dueAt: minutes(at, POSITION_WINDOW_MINUTES), payload: { sectionId }, dedupeKey: `${REPORT_JOB}:${sectionId}:v${version}:positions-due` });
    return {
      result: row!.id,
      subjectType: "section",
      subjectId: sectionId,
      payload: { reportId: row!.id, number, version, appendixSha256: digest, draftPdfSha256: stored.sha256, positionsDueAt: minutes(at, POSITION_WINDOW_MINUTES).toISOString() },
      events: [roomEvent(sectionId, "evaluation.report", { version, phase: "positions" })],
    };
  });
  return liveReport(ctx.db, sectionId);
}

/**
 * For the summary's finalise (inside its command, when the stage becomes `signing`): the job that generates the report
 * right after the commit. Keyed by the finalisation's time, so that a finalise after a rollback schedules it again.
 */
export async function scheduleReport(tx: Tx, sectionId: string, now: Date): Promise<void> {
  await scheduleJob(tx, { kind: REPORT_JOB, dueAt: now, payload: { sectionId }, dedupeKey: `${REPORT_JOB}:${sectionId}:finalised:${now.toISOString()}` });
}

/**
 * A seated member asks for the report at `signing` (the room's "generate" button; the job `evaluation.report` does the
 * same when the summary schedules it): generates the draft if there is none, then does whatever else is due.
 */
export async function requestReport(ctx: Ctx, actor: Actor, sectionId: string): Promise<{ version: number }> {
  const ev = await loadEvaluation(ctx.db, sectionId);
  if (!ev) throw new DomainError("NOT_FOUND");
  await requireMember(ctx.db, actor, sectionId);
  requireStage(ev, "signing");
  const r = await generateReport(ctx, sectionId);
  if (!r) throw new DomainError("INVALID_STATE", { stage: ev.stage });
  await advanceReport(ctx, sectionId);
  return { version: r.version };
}

/** The job `evaluation.report`: does whatever is due for the section's report (generate, finalise, close). Idempotent. */
export async function advanceReport(ctx: Ctx, sectionId: string): Promise<void> {
  const report = await generateReport(ctx, sectionId);
  if (!report || report.status !== "signing") return;
  if (!report.finalizedAt) await finalizeReport(ctx, sectionId);
  else await closeSigningIfDue(ctx, sectionId);
}

async function positionsOf(db: Executor, reportId: string) {
  return db.select().from(reportPositions).where(eq(reportPositions.reportId, reportId));
}

/**
 * R50: once every member recorded a position (or the deadline passed — deemed consent), renders the version to
 * sign with every position and dissent printed, signs it with the platform's certificate, and opens the signing.
 */
async function finalizeReport(ctx: Ctx, sectionId: string): Promise<boolean> {
  const report = await liveReport(ctx.db, sectionId);
  const ev = await loadEvaluation(ctx.db, sectionId);
  if (!report || !ev || report.finalizedAt || report.status !== "signing" || ev.stage !== "signing") return false;
  const now = await dbNow(ctx.db);
  const members = await signingMembers(ctx.db, sectionId);
  const { project } = await sectionAndProject(ctx.db, sectionId);
  const positions = await positionsOf(ctx.db, report.id);
  const deadlinePassed = now >= minutes(report.createdAt, POSITION_WINDOW_MINUTES);
  const state = positionsState({ regime: project.regime, members: members.map((m) => m.id), positions, deadlinePassed });
  if (!state.ready) return false;
  const map = new Map<string, { position: Position; dissent: string | null }>(positions.map((p) => [p.memberId, { position: p.position, dissent: p.dissent }]));
  for (const m of state.deemed) map.set(m, { position: "deemed", dissent: null });
  const facts = await reportFacts(ctx.db, ev, report.version, report.appendix as Appendix, map, now);
  const pdf = await signOfficial(ctx, reportDocument(facts, { draft: false }), { now, reason: "评标报告（平台签章）" });
  const stored = await ctx.blobs.put(pdf);
  const done = await runOptionalCommand(ctx, systemActor(), "evaluation.report_finalized", async ({ tx, now: at }) => {
    const locked = await lockEvaluation(tx, sectionId);
    const r = await lockLiveReport(tx, sectionId);
    if (locked.stage !== "signing" || !r || r.id !== report.id || r.finalizedAt) return null;
    // Nothing changed since the render (a position recorded meanwhile would be missing from the file).
    const again = await positionsOf(tx, r.id);
    if (canonicalJson(again.map((p) => [p.memberId, p.position, p.dissent]).sort()) !== canonicalJson(positions.map((p) => [p.memberId, p.position, p.dissent]).sort())) return null;
    for (const m of state.deemed) await tx.insert(reportPositions).values({ reportId: r.id, memberId: m, position: "deemed", dissent: null, at }).onConflictDoNothing();
    await tx.update(evaluationReports).set({ basePdfSha256: stored.sha256, pdfSha256: stored.sha256, finalizedAt: at }).where(eq(evaluationReports.id, r.id));
    await scheduleJob(tx, { kind: REPORT_JOB, dueAt: minutes(at, SIGNING_WINDOW_MINUTES), payload: { sectionId }, dedupeKey: `${REPORT_JOB}:${sectionId}:v${r.version}:signing-due` });
    const seatOf = new Map(members.map((m) => [m.id, m.seat]));
    return {
      result: true,
      subjectType: "section",
      subjectId: sectionId,
      payload: {
        reportId: r.id,
        number: r.number,
        version: r.version,
        pdfSha256: stored.sha256,
        dissents: [...map.entries()].filter(([, p]) => p.position === "dissent").map(([id]) => seatOf.get(id) ?? id),
        deemedConsent: state.deemed.map((id) => seatOf.get(id) ?? id),
        signingDueAt: minutes(at, SIGNING_WINDOW_MINUTES).toISOString(),
      },
      events: [roomEvent(sectionId, "evaluation.report", { version: r.version, phase: "signing" })],
    };
  });
  return !!done;
}

/** R50: a member agrees with the draft or dissents with reasons; it may change its mind until the version to sign exists. */
export async function recordPosition(ctx: Ctx, actor: Actor, sectionId: string, input: { position: string; dissent?: string | null }): Promise<void> {
  const checked = checkPosition(input.position, input.dissent);
  if ("rule" in checked) rule(checked);
  const p = checked as { position: "agree" | "dissent"; dissent: string | null };
  const ready = await runCommand(ctx, actor, "evaluation.report_position", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const member = await requireMember(tx, actor, sectionId);
    requireStage(ev, "signing");
    const r = await lockLiveReport(tx, sectionId);
    if (!r || r.status !== "signing") throw new DomainError("INVALID_STATE", { stage: ev.stage });
    if (r.finalizedAt) rule(evaluationViolation("RULE_R50_POSITIONS_CLOSED"));
    if (await pendingRollback(tx, sectionId)) rule(evaluationViolation("RULE_R50_ROLLBACK_PENDING"));
    await tx
      .insert(reportPositions)
      .values({ reportId: r.id, memberId: member.id, position: p.position, dissent: p.dissent, at: now })
      .onConflictDoUpdate({ target: [reportPositions.reportId, reportPositions.memberId], set: { position: p.position, dissent: p.dissent, at: now } });
    const members = await signingMembers(tx, sectionId);
    const positions = await positionsOf(tx, r.id);
    const { project } = await sectionAndProject(tx, sectionId);
    const state = positionsState({ regime: project.regime, members: members.map((m) => m.id), positions, deadlinePassed: false });
    if (state.ready) await scheduleJob(tx, { kind: REPORT_JOB, dueAt: now, payload: { sectionId }, dedupeKey: `${REPORT_JOB}:${sectionId}:v${r.version}:final` });
    return {
      result: state.ready,
      subjectType: "section",
      subjectId: sectionId,
      // The dissent's text is in the record: it is printed in the report the whole committee signs.
      payload: { reportId: r.id, version: r.version, seat: member.seat, position: p.position, dissent: p.dissent },
      events: [roomEvent(sectionId, "evaluation.report_position", { seat: member.seat, recorded: positions.length, of: members.length })],
    };
  });
  // The last position renders the version to sign now; the job scheduled above does it if this fails (or runs twice).
  if (ready) await finalizeReport(ctx, sectionId).catch(() => false);
}

// ------------------------------------------------------------------------------------------------ signatures

export type PreparedSignature = { nonce: string; revision: string; signedAttrsB64: string; fingerprint: string; signingTime: string; fieldName: string };

async function signableState(db: Executor, actor: Actor, sectionId: string) {
  const ev = await loadEvaluation(db, sectionId);
  if (!ev) throw new DomainError("NOT_FOUND");
  const member = await requireMember(db, actor, sectionId);
  requireStage(ev, "signing");
  const r = await liveReport(db, sectionId);
  if (!r || r.status !== "signing") throw new DomainError("INVALID_STATE", { stage: ev.stage });
  if (!r.finalizedAt) rule(evaluationViolation("RULE_R50_NOT_FINAL"));
  const [mine] = await db.select({ m: reportSignatures.memberId }).from(reportSignatures).where(and(eq(reportSignatures.reportId, r.id), eq(reportSignatures.memberId, member.id)));
  if (mine) rule(evaluationViolation("RULE_R50_ALREADY_SIGNED"));
  if (await pendingRollback(db, sectionId)) rule(evaluationViolation("RULE_R50_ROLLBACK_PENDING"));
  return { ev, member, report: r };
}

async function memberCertificate(db: Executor, config: Ctx["config"], actor: Actor, fingerprint: string, now: Date) {
  if (!HEX64.test(fingerprint)) throw new DomainError("VALIDATION", { field: "fingerprint" });
  const [cert] = await db
    .select()
    .from(certificates)
    .where(and(eq(certificates.fingerprint, fingerprint), eq(certificates.userId, actor.user!.id)));
  const trusted = trustedCaPems(config);
  const usable = assertUsable(cert, actor, now, trusted);
  const ca = trusted.find((pem) => chainsTo(usable.certPem, [pem], now));
  return { cert: usable, certDer: pemToDer(usable.certPem), chainDers: ca ? [pemToDer(ca)] : [] };
}

async function signerIdentity(db: Executor, ev: Evaluation, memberId: string) {
  const members = await allMembers(db, ev.sectionId);
  const m = members.find((x) => x.id === memberId)!;
  const [booking] = ev.bookingId ? await db.select({ code: rooms.code, name: rooms.name }).from(roomBookings).innerJoin(rooms, eq(rooms.id, roomBookings.roomId)).where(eq(roomBookings.id, ev.bookingId)) : [];
  const { project } = await sectionAndProject(db, ev.sectionId);
  return { fieldName: memberFieldName(m.seat), signer: { name: m.name, reason: MEMBER_SIGNING_REASON, location: booking ? `${booking.code} ${booking.name}` : project.reviewRoom || "评标室" } };
}

/**
 * Step 1 of a member's signature (docs/report-signatures.md): the incremental update with this member's field over
 * the current revision, signed at the database clock, and the CMS signed attributes its browser signs. The time is
 * bound by a one-time nonce (5 minutes); nothing else is kept — completion re-derives the same bytes.
 */
export async function prepareSignature(ctx: Ctx, actor: Actor, sectionId: string, input: { fingerprint: string }): Promise<PreparedSignature> {
  const { ev, member, report } = await signableState(ctx.db, actor, sectionId);
  const now = await dbNow(ctx.db);
  const { certDer } = await memberCertificate(ctx.db, ctx.config, actor, String(input.fingerprint ?? "").toLowerCase(), now);
  const challenge = await issueChallenge(ctx, actor, signPurpose(report.id));
  const signingTime = new Date(challenge.issuedAt);
  const { fieldName, signer } = await signerIdentity(ctx.db, ev, member.id);
  const pdf = await readBlob(ctx.blobs, report.pdfSha256);
  const prepared = prepareMemberSignature({ pdf, fieldName, signer, signingTime, signerCertDer: certDer });
  return {
    nonce: challenge.nonce,
    revision: report.pdfSha256,
    signedAttrsB64: Buffer.from(prepared.signedAttrsDer).toString("base64"),
    fingerprint: String(input.fingerprint).toLowerCase(),
    signingTime: signingTime.toISOString(),
    fieldName,
  };
}

/**
 * Step 3: verifies the member's signature over the prepared update and embeds it (completeMemberSignature refuses a
 * signature that does not verify, before writing anything); stores the new revision and the signature. A revision
 * that is no longer the latest (someone signed meanwhile) is refused with RULE_R50_STALE_REVISION — sign again.
 * The last signature makes the report signed. Returns whether the report is now signed.
 */
export async function completeSignature(ctx: Ctx, actor: Actor, sectionId: string, input: { nonce: string; revision: string; fingerprint: string; signature: string }): Promise<{ signed: boolean; pdfSha256: string }> {
  const nonce = String(input.nonce ?? "");
  const revision = String(input.revision ?? "").toLowerCase();
  const signatureB64 = String(input.signature ?? "");
  if (!NONCE.test(nonce)) throw new DomainError("VALIDATION", { field: "nonce" });
  if (!HEX64.test(revision)) throw new DomainError("VALIDATION", { field: "revision" });
  if (!B64.test(signatureB64) || signatureB64.length > 2048) throw new DomainError("VALIDATION", { field: "signature" });
  const { ev, member, report } = await signableState(ctx.db, actor, sectionId);
  if (report.pdfSha256 !== revision) rule(evaluationViolation("RULE_R50_STALE_REVISION"));
  const [ch] = await ctx.db.select().from(certChallenges).where(eq(certChallenges.nonce, nonce));
  const now = await dbNow(ctx.db);
  if (!ch || ch.userId !== actor.user!.id || ch.purpose !== signPurpose(report.id) || ch.usedAt || ch.expiresAt < now) throw new DomainError("CHALLENGE_INVALID");
  const { cert, certDer, chainDers } = await memberCertificate(ctx.db, ctx.config, actor, String(input.fingerprint ?? "").toLowerCase(), now);
  const { fieldName, signer } = await signerIdentity(ctx.db, ev, member.id);
  const pdf = await readBlob(ctx.blobs, revision);
  const prepared = prepareMemberSignature({ pdf, fieldName, signer, signingTime: ch.issuedAt, signerCertDer: certDer });
  let signed: Uint8Array;
  try {
    // PAdES B-T: the verified signature is time-stamped (docs/decisions/016) before it is embedded.
    const member = { preparedPdf: prepared.preparedPdf, signedAttrsDer: prepared.signedAttrsDer, signature: new Uint8Array(Buffer.from(signatureB64, "base64")), signerCertDer: certDer, chainDers };
    checkMemberSignature(member);
    signed = completeMemberSignature({ ...member, signatureTimeStamp: await signatureTimeStamp(ctx, member.signature) });
  } catch (e) {
    if (e instanceof ReportSigningError) throw new DomainError("CHALLENGE_INVALID", { reason: e.code });
    throw e;
  }
  const stored = await ctx.blobs.put(signed);
  return runCommand(ctx, actor, "evaluation.report_signed", async ({ tx, now: at }) => {
    const locked = await lockEvaluation(tx, sectionId);
    requireStage(locked, "signing");
    const r = await lockLiveReport(tx, sectionId);
    if (!r || r.id !== report.id || r.status !== "signing") throw new DomainError("INVALID_STATE", { stage: locked.stage });
    if (r.pdfSha256 !== revision) rule(evaluationViolation("RULE_R50_STALE_REVISION"));
    if (await pendingRollback(tx, sectionId)) rule(evaluationViolation("RULE_R50_ROLLBACK_PENDING"));
    await requireMember(tx, actor, sectionId);
    const [again] = await tx.select({ m: reportSignatures.memberId }).from(reportSignatures).where(and(eq(reportSignatures.reportId, r.id), eq(reportSignatures.memberId, member.id)));
    if (again) rule(evaluationViolation("RULE_R50_ALREADY_SIGNED"));
    const [used] = await tx.select().from(certChallenges).where(eq(certChallenges.nonce, nonce)).for("update");
    if (!used || used.usedAt) throw new DomainError("CHALLENGE_INVALID");
    await tx.update(certChallenges).set({ usedAt: at }).where(eq(certChallenges.nonce, nonce));
    const [pos] = await tx.select().from(reportPositions).where(and(eq(reportPositions.reportId, r.id), eq(reportPositions.memberId, member.id)));
    await tx.insert(reportSignatures).values({ reportId: r.id, memberId: member.id, certificateId: cert.id, dissent: pos?.dissent ?? null, signedAt: at, pdfSha256: stored.sha256 });
    await tx.update(evaluationReports).set({ pdfSha256: stored.sha256 }).where(eq(evaluationReports.id, r.id));
    const events: LiveEventInput[] = [roomEvent(sectionId, "evaluation.report_signed", { seat: member.seat })];
    const done = await completeIfSigned(tx, locked, r, at, false);
    if (done) events.push(...done.events);
    return {
      result: { signed: !!done, pdfSha256: stored.sha256 },
      subjectType: "section",
      subjectId: sectionId,
      payload: {
        reportId: r.id,
        number: r.number,
        version: r.version,
        seat: member.seat,
        field: fieldName,
        certificate: cert.fingerprint,
        signingTime: ch.issuedAt.toISOString(),
        previousSha256: revision,
        pdfSha256: stored.sha256,
        reportSigned: !!done,
      },
      events,
    };
  });
}

/**
 * Inside a command: when every member signed (or, `deadlinePassed`, the missing ones are deemed to consent), the
 * report is signed, the stage `signed`, the section `evaluated`, and the tendering side and supervisors are told.
 */
async function completeIfSigned(tx: Tx, ev: Evaluation, r: EvaluationReport, now: Date, deadlinePassed: boolean): Promise<{ events: LiveEventInput[]; deemed: number[] } | null> {
  const members = await signingMembers(tx, ev.sectionId);
  const sigs = await tx.select({ memberId: reportSignatures.memberId }).from(reportSignatures).where(eq(reportSignatures.reportId, r.id));
  const state = signingState({ members: members.map((m) => m.id), signed: sigs.map((s) => s.memberId), deadlinePassed });
  if (!state.complete) return null;
  await tx.update(evaluationReports).set({ status: "signed", signedAt: now }).where(eq(evaluationReports.id, r.id));
  const event = await setStage(tx, ev, "signed", now);
  await tx.update(sections).set({ status: "evaluated" }).where(eq(sections.id, ev.sectionId));
  const { project, section } = await sectionAndProject(tx, ev.sectionId);
  const supervisors = (await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.kind, "supervisor"))).map((o) => o.id);
  await notifyOrganisations(tx, [project.tenderingUnitId, ...(project.agencyId ? [project.agencyId] : []), ...supervisors], {
    kind: "evaluationReportSigned",
    params: { title: project.title, section: section.code, number: r.number },
    link: `/evaluations/${ev.sectionId}/report.pdf`,
  });
  const seatOf = new Map(members.map((m) => [m.id, m.seat]));
  // R51/R57: the section enters the results stage (candidate publicity, or the ZFCG purchaser's decision).
  const results = await openResults(tx, ev.sectionId, { ...r, status: "signed", signedAt: now }, now);
  return { events: [event, roomEvent(ev.sectionId, "evaluation.report_complete", { version: r.version }), ...results], deemed: state.deemed.map((id) => seatOf.get(id) ?? 0) };
}

/** After the signing deadline (job): a missing signature is deemed consent (条例53) once anyone signed. */
async function closeSigningIfDue(ctx: Ctx, sectionId: string): Promise<boolean> {
  const done = await runOptionalCommand(ctx, systemActor(), "evaluation.report_deemed_signed", async ({ tx, now }) => {
    const ev = await lockEvaluation(tx, sectionId);
    const r = await lockLiveReport(tx, sectionId);
    if (ev.stage !== "signing" || ev.pausedAt || !r || r.status !== "signing" || !r.finalizedAt || now < minutes(r.finalizedAt, SIGNING_WINDOW_MINUTES)) return null;
    if (await pendingRollback(tx, sectionId)) return null;
    const out = await completeIfSigned(tx, ev, r, now, true);
    if (!out) return null;
    return { result: true, subjectType: "section", subjectId: sectionId, payload: { reportId: r.id, number: r.number, version: r.version, deemedConsent: out.deemed }, events: out.events };
  });
  return !!done;
}

/**
 * EV20 (inside the rollback's command): voids the live version — it stays, with its signatures, as `voided` with
 * the reason; every signature on it is void. Returns what was voided, for the record.
 */
export async function voidLiveReport(tx: Tx, sectionId: string, reason: string, now: Date): Promise<{ reportId: string; number: string; version: number; signatures: number } | null> {
  const r = await lockLiveReport(tx, sectionId);
  if (!r) return null;
  const sigs = await tx.select({ memberId: reportSignatures.memberId }).from(reportSignatures).where(eq(reportSignatures.reportId, r.id));
  await tx.update(evaluationReports).set({ status: "voided", voidedAt: now, voidReason: reason.slice(0, 500) }).where(eq(evaluationReports.id, r.id));
  return { reportId: r.id, number: r.number, version: r.version, signatures: sigs.length };
}

// ------------------------------------------------------------------------------------------------ access and views

/**
 * Who may read a section's report (R42, R36): the room's viewers (live members, supervisors) always; the section's
 * tendering unit and agency once it is signed. Everyone else: null (NOT_FOUND).
 */
async function readerOf(db: Executor, actor: Actor, sectionId: string): Promise<"room" | "tendering" | null> {
  if (!actor.user) return null;
  const ev = await loadEvaluation(db, sectionId);
  if (!ev) return null;
  const m = await memberOf(db, actor, sectionId);
  if (isSupervisor(actor) || (m && m.status !== "recused" && m.status !== "removed")) return "room";
  const { project } = await sectionAndProject(db, sectionId);
  const side = (actor.orgId === project.tenderingUnitId && actor.roles.includes("tendering_unit")) || (!!project.agencyId && actor.orgId === project.agencyId && actor.roles.includes("agency"));
  return side && ev.stage === "signed" ? "tendering" : null;
}

/** The report version a reader may download: the live one (or the given version for the room's viewers); null = NOT_FOUND. */
async function readableVersion(db: Executor, actor: Actor, sectionId: string, version: number | null): Promise<EvaluationReport | null> {
  const who = await readerOf(db, actor, sectionId);
  if (!who) return null;
  if (who === "tendering") {
    const [signed] = await db.select().from(evaluationReports).where(and(eq(evaluationReports.sectionId, sectionId), eq(evaluationReports.status, "signed")));
    return signed && (version === null || signed.version === version) ? signed : null;
  }
  if (version !== null) {
    const [v] = await db.select().from(evaluationReports).where(and(eq(evaluationReports.sectionId, sectionId), eq(evaluationReports.version, version)));
    return v ?? null;
  }
  return (await liveReport(db, sectionId)) ?? (await db.select().from(evaluationReports).where(eq(evaluationReports.sectionId, sectionId)).orderBy(desc(evaluationReports.version)).limit(1))[0] ?? null;
}

/** The PDF to serve (latest revision) with its file name, or null (NOT_FOUND). */
export async function reportPdf(db: Executor, actor: Actor, sectionId: string, version: number | null): Promise<{ sha256: string; asciiName: string; name: string } | null> {
  const r = await readableVersion(db, actor, sectionId, version);
  if (!r) return null;
  return { sha256: r.pdfSha256, asciiName: `${r.number.replace(/[^A-Za-z0-9._-]/g, "_")}.pdf`, name: `评标报告 ${r.number}.pdf` };
}

/** The machine-readable appendix (docs/evaluation-appendix.md) of a version, or null (NOT_FOUND). */
export async function reportAppendix(db: Executor, actor: Actor, sectionId: string, version: number | null): Promise<{ appendix: Appendix; sha256: string; number: string } | null> {
  const r = await readableVersion(db, actor, sectionId, version);
  if (!r) return null;
  return { appendix: r.appendix as Appendix, sha256: r.appendixSha256, number: r.number };
}

/** What the report panel shows (the room page's `report` view): versions, positions, signatures, the viewer's part. */
export async function reportView(db: Executor, actor: Actor, sectionId: string) {
  const ev = await loadEvaluation(db, sectionId);
  if (!ev) throw new DomainError("NOT_FOUND");
  const member = await memberOf(db, actor, sectionId);
  const reports = await db.select().from(evaluationReports).where(eq(evaluationReports.sectionId, sectionId)).orderBy(desc(evaluationReports.version));
  const live = reports.find((r) => r.status !== "voided") ?? null;
  const members = await signingMembers(db, sectionId);
  const names = new Map((await allMembers(db, sectionId)).map((m) => [m.id, m.name]));
  const positions = live ? await positionsOf(db, live.id) : [];
  const sigs = live ? await db.select({ memberId: reportSignatures.memberId, signedAt: reportSignatures.signedAt }).from(reportSignatures).where(eq(reportSignatures.reportId, live.id)) : [];
  const mine = member ? positions.find((p) => p.memberId === member.id) : undefined;
  // ZFCG majority rule (87号令61): when most members dissent the version cannot be signed — only a rollback continues.
  const regime = live && !live.finalizedAt ? (await sectionAndProject(db, sectionId)).project.regime : null;
  const majorityDissent = regime ? positionsState({ regime, members: members.map((m) => m.id), positions, deadlinePassed: (await dbNow(db)) >= minutes(live!.createdAt, POSITION_WINDOW_MINUTES) }).violation : null;
  const signedMine = member ? sigs.some((s) => s.memberId === member.id) : false;
  const final = !!live?.finalizedAt;
  const pending = await pendingRollback(db, sectionId);
  const myCerts = member && actor.user ? await db.select({ id: certificates.id, fingerprint: certificates.fingerprint, subjectCn: certificates.subjectCn }).from(certificates).where(and(eq(certificates.userId, actor.user.id), eq(certificates.status, "active"))) : [];
  return {
    report: live
      ? {
          id: live.id,
          number: live.number,
          version: live.version,
          status: live.status,
          phase: live.status === "signed" ? ("signed" as const) : final ? ("signing" as const) : ("positions" as const),
          revision: live.pdfSha256,
          appendixSha256: live.appendixSha256,
          positionsDueAt: minutes(live.createdAt, POSITION_WINDOW_MINUTES).toISOString(),
          signingDueAt: live.finalizedAt ? minutes(live.finalizedAt, SIGNING_WINDOW_MINUTES).toISOString() : null,
          signedAt: live.signedAt?.toISOString() ?? null,
          members: members.map((m) => {
            const p = positions.find((x) => x.memberId === m.id);
            const s = sigs.find((x) => x.memberId === m.id);
            return {
              seat: m.seat,
              name: names.get(m.id) ?? "",
              // Dissents are printed in the version to sign; before it exists a member sees only who has spoken.
              position: p ? (final || p.memberId === member?.id ? p.position : ("recorded" as const)) : null,
              dissent: p && (final || p.memberId === member?.id) ? p.dissent : null,
              signedAt: s?.signedAt.toISOString() ?? null,
            };
          }),
        }
      : null,
    versions: reports.map((r) => ({ version: r.version, number: r.number, status: r.status, voidedAt: r.voidedAt?.toISOString() ?? null, voidReason: r.voidReason, signedAt: r.signedAt?.toISOString() ?? null })),
    me:
      member && member.status === "seated"
        ? {
            position: mine ? { position: mine.position, dissent: mine.dissent } : null,
            canPosition: ev.stage === "signing" && !!live && live.status === "signing" && !final && !pending && !ev.pausedAt,
            canSign: ev.stage === "signing" && !!live && live.status === "signing" && final && !signedMine && !pending && !ev.pausedAt,
            signed: signedMine,
            certificates: myCerts,
          }
        : null,
    rollbackPending: pending,
    majorityDissent,
  };
}
export type ReportView = Awaited<ReturnType<typeof reportView>>;
