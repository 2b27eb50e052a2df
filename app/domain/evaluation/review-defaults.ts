import type { Regime, ReviewItem } from "./method";

/**
 * The compliance-review items (初步评审) a new section starts from, per regime (docs/evaluation-rules.md §3.1). They are the
 * tendering unit's starting point, edited in the tender form and frozen into the section at publication (EV6: the
 * room renders what was published, never this list). The labels are document text — the language of the tender
 * documents — not UI strings, so they are data here and not catalog entries.
 *
 * - ZTB (标准施工招标文件 2.1.1–2.1.3): 形式评审 (form), 资格评审 (qualification, post-qualification), 响应性评审
 *   (responsiveness).
 * - ZFCG: 资格审查 (qualification, by the purchaser or agency right after the opening, 87号令44; the conditions of
 *   采购法22) and 符合性审查 (compliance, the committee, 87号令50; ★ items are the substantive requirements, 87号令20).
 */

const ZTB: ReviewItem[] = [
  { id: "F1", stage: "form", label: "投标人名称与营业执照、资质证书、安全生产许可证一致" },
  { id: "F2", stage: "form", label: "投标函及投标函附录签字盖章" },
  { id: "F3", stage: "form", label: "法定代表人身份证明或授权委托书有效" },
  { id: "F4", stage: "form", label: "投标文件格式符合招标文件要求" },
  { id: "F5", stage: "form", label: "联合体投标的，提交联合体协议书并明确牵头人" },
  { id: "F6", stage: "form", label: "报价唯一" },
  { id: "Q1", stage: "qualification", label: "营业执照" },
  { id: "Q2", stage: "qualification", label: "安全生产许可证" },
  { id: "Q3", stage: "qualification", label: "资质等级" },
  { id: "Q4", stage: "qualification", label: "财务状况" },
  { id: "Q5", stage: "qualification", label: "类似项目业绩" },
  { id: "Q6", stage: "qualification", label: "信誉" },
  { id: "Q7", stage: "qualification", label: "项目经理及其他主要人员" },
  { id: "Q8", stage: "qualification", label: "联合体投标人（如允许）" },
  { id: "S1", stage: "responsiveness", label: "投标内容（招标范围）" },
  { id: "S2", stage: "responsiveness", label: "工期" },
  { id: "S3", stage: "responsiveness", label: "工程质量" },
  { id: "S4", stage: "responsiveness", label: "投标有效期" },
  { id: "S5", stage: "responsiveness", label: "投标保证金" },
  { id: "S6", stage: "responsiveness", label: "权利义务（合同条款）" },
  { id: "S7", stage: "responsiveness", label: "已标价工程量清单" },
  { id: "S8", stage: "responsiveness", label: "技术标准和要求" },
];

const ZFCG: ReviewItem[] = [
  { id: "Q1", stage: "qualification", label: "具有独立承担民事责任的能力（营业执照等证明文件）" },
  { id: "Q2", stage: "qualification", label: "具有良好的商业信誉和健全的财务会计制度" },
  { id: "Q3", stage: "qualification", label: "具有履行合同所必需的设备和专业技术能力" },
  { id: "Q4", stage: "qualification", label: "有依法缴纳税收和社会保障资金的良好记录" },
  { id: "Q5", stage: "qualification", label: "参加政府采购活动前三年内在经营活动中没有重大违法记录" },
  { id: "Q6", stage: "qualification", label: "未被列入失信被执行人、重大税收违法失信主体、政府采购严重违法失信行为记录名单" },
  { id: "Q7", stage: "qualification", label: "满足采购文件规定的特定资格条件" },
  { id: "C1", stage: "compliance", label: "投标文件按采购文件要求签署、盖章" },
  { id: "C2", stage: "compliance", label: "投标报价未超过采购预算或最高限价" },
  { id: "C3", stage: "compliance", label: "投标有效期满足采购文件要求" },
  { id: "C4", stage: "compliance", label: "交货期（服务期）满足采购文件要求" },
  { id: "C5", stage: "compliance", label: "实质性要求（★条款）均已响应" },
  { id: "C6", stage: "compliance", label: "投标保证金（如要求）已按规定提交" },
  { id: "C7", stage: "compliance", label: "未附有采购人不能接受的条件" },
];

/** The review stages a regime uses, in their order (ZTB: 形式 → 资格 → 响应性; ZFCG: 资格 → 符合性). */
export const REVIEW_STAGES_OF: Record<Regime, readonly ReviewItem["stage"][]> = {
  ZTB: ["form", "qualification", "responsiveness"],
  ZFCG: ["qualification", "compliance"],
};

/** A fresh copy of the default review items of a regime. */
export function defaultReviewItems(regime: Regime): ReviewItem[] {
  return (regime === "ZTB" ? ZTB : ZFCG).map((r) => ({ ...r }));
}
