/**
 * The OCDS 1.1.5 release builder (docs/open-data.md): plain inputs in, one release out — no database, no clock.
 *
 * Every release is a full snapshot of what is PUBLIC about one project at the release's date (the tender notice
 * and its amendments, the opening read-out, the candidate publicity, the award, the published contract), so a
 * reader who sees only the latest release sees everything, and the compiled record (merge.ts) equals the latest
 * snapshot plus whatever earlier releases said that no longer appears (e.g. a withdrawn candidate list, marked
 * cancelled). What is never public is never an input here, and what is public only from a given stage is
 * filtered here (R26: no price before the read-out; R51: candidates only once publicised; R54/R56: the winner only
 * once the notices are out). Extensions used: lots (`tender.lots`, `relatedLots`) and bids (`bids.statistics`,
 * `bids.details`); see OCDS_EXTENSIONS.
 */

/** The releaseTag codelist (closed). */
export const RELEASE_TAGS = [
  "planning",
  "planningUpdate",
  "tender",
  "tenderAmendment",
  "tenderUpdate",
  "tenderCancellation",
  "award",
  "awardUpdate",
  "awardCancellation",
  "contract",
  "contractUpdate",
  "contractAmendment",
  "implementation",
  "implementationUpdate",
  "contractTermination",
] as const;
export type ReleaseTag = (typeof RELEASE_TAGS)[number];

/** Extensions whose fields the releases use (listed in every package's `extensions`). */
export const OCDS_EXTENSIONS = [
  "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
  "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
  // `links.next` on packages (the feed's paging).
  "https://raw.githubusercontent.com/open-contracting-extensions/ocds_pagination_extension/master/extension.json",
] as const;

/** Identifier scheme of the 统一社会信用代码 (org-id.guide). */
export const CREDIT_CODE_SCHEME = "CN-USCC";

export type OrgInput = { id: string; name: string; creditCode: string | null; region?: string; address?: string };

export type DocumentInput = {
  id: string;
  filename: string;
  contentType: string;
  sha256: string;
  size: number;
  /** When the document became public. */
  publishedAt: Date | null;
  /** The download address; omitted when the platform does not serve the document publicly. */
  url?: string;
  /** Tender documents: the version (1 with the notice, later ones with amendments, R10). */
  version?: number;
};

export type AmendmentInput = {
  seq: number;
  title: string;
  body: string;
  issuedAt: Date;
  previousDeadline: Date;
  newDeadline: Date;
  extended: boolean;
  documentVersion: number | null;
};

export type ReadingInput = { order: number; bidder: OrgInput; priceYuan: string };

export type OpeningInput = {
  phase: "decryption" | "fallback" | "resolution" | "reading" | "closed" | "failed";
  openedAt: Date;
  bidCount: number;
  /** R28: the read-out as broadcast (null before it). */
  reading: ReadingInput[] | null;
  closedAt: Date | null;
  /** R29: the signed opening record, public once the opening is closed. */
  record: DocumentInput | null;
  /** R25/R27/R45: the signed failure notice. */
  failureNotice: DocumentInput | null;
};

export type CandidateInput = { rank: number; bidId: string; org: OrgInput; priceFen: number };

export type ResultStage = "publicity_due" | "publicity" | "suspended" | "recheck" | "decision" | "decided" | "notified" | "contracted" | "archived" | "ended";

export type ResultInput = {
  stage: ResultStage;
  /** R51: the candidates are public from the start of the publicity. */
  publicityStartedAt: Date | null;
  publicityEndsAt: Date | null;
  candidates: CandidateInput[];
  validBids: number;
  winnerBidId: string | null;
  /** R54/R56: the winner is public once the notices are issued. */
  notifiedAt: Date | null;
};

export type ContractInput = {
  amountFen: number;
  /** yyyy-mm-dd, China time. */
  signedOn: string;
  supplier: OrgInput;
  document: DocumentInput | null;
};

export type SectionStatus =
  | "draft"
  | "published"
  | "bidding_closed"
  | "opening"
  | "opened"
  | "failed"
  | "evaluating"
  | "evaluated"
  | "publicity"
  | "awarded"
  | "contracted"
  | "archived"
  | "terminated";

export type SectionInput = {
  id: string;
  code: string;
  title: string;
  status: SectionStatus;
  ceilingPriceFen: number | null;
  opening: OpeningInput | null;
  result: ResultInput | null;
  /** Public result documents only (the publicity, the result announcement, a public award notice). */
  resultDocuments: (DocumentInput & { kind: "publicity" | "award_notice" | "result_notice" | "result_announcement" | "contract"; number: string })[];
  /** Only once published (R57) or with a public contract document. */
  contract: ContractInput | null;
};

export type ProjectInput = {
  id: string;
  code: string;
  title: string;
  description: string;
  regime: "ZTB" | "ZFCG";
  category: "construction" | "goods" | "services" | "survey_design";
  status: "draft" | "published" | "suspended" | "terminated";
  estimateFen: number;
  publishedAt: Date | null;
  questionDeadline: Date;
  bidDeadline: Date;
  location: string;
  fundingSource: string;
};

export type ReleaseInput = {
  ocid: string;
  releaseId: string;
  date: Date;
  tags: ReleaseTag[];
  /** Absolute base URL of the platform (document links). */
  publicUrl: string;
  project: ProjectInput;
  tenderingUnit: OrgInput;
  agency: OrgInput | null;
  /** The supervising department (行政监督部门), when known. */
  reviewBody?: OrgInput | null;
  /** The notice's contact (R5 statutory notice field), published with the tender. */
  contact: { name: string; telephone: string } | null;
  documents: DocumentInput[];
  amendments: AmendmentInput[];
  sections: SectionInput[];
};

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Release = { [k: string]: Json };

const CATEGORY: Record<ProjectInput["category"], "works" | "goods" | "services"> = {
  construction: "works",
  goods: "goods",
  services: "services",
  survey_design: "services",
};

const METHOD_DETAILS: Record<ProjectInput["regime"], string> = {
  ZTB: "公开招标（依法必须招标的工程建设项目，《招标投标法》）",
  ZFCG: "公开招标（政府采购，《政府采购法》）",
};

type PartyRole = "buyer" | "procuringEntity" | "supplier" | "tenderer" | "reviewBody";
const ROLE_ORDER: PartyRole[] = ["buyer", "procuringEntity", "reviewBody", "tenderer", "supplier"];

/** fen (integer) → yuan (OCDS amounts are in units of the currency). Exact for every safe integer. */
export function yuan(fen: number): number {
  if (!Number.isSafeInteger(fen)) throw new Error("amount in fen must be a safe integer");
  return fen / 100;
}

const cny = (fen: number) => ({ amount: yuan(fen), currency: "CNY" });

/** The party id: the 统一社会信用代码 under its scheme when the organisation has one, else the platform's id. */
export function partyId(o: OrgInput): string {
  return o.creditCode ? `${CREDIT_CODE_SCHEME}-${o.creditCode}` : `TH-ORG-${o.id}`;
}

/**
 * How a document's hash travels (OCDS 1.1 documents have no hash field): the description starts with
 * `SHA-256: <64 lowercase hex>`, followed by what the document is. DOCUMENT_HASH parses it back.
 */
export function documentDescription(sha256: string, about: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("sha256 must be 64 lowercase hex digits");
  return `SHA-256: ${sha256}${about ? ` — ${about}` : ""}`;
}
export const DOCUMENT_HASH = /^SHA-256: ([0-9a-f]{64})(?: — |$)/;

function iso(d: Date): string {
  return d.toISOString();
}

function document(d: DocumentInput, documentType: string, title: string, about: string, relatedLots?: string[]): Release {
  const out: Release = {
    id: d.id,
    documentType,
    title,
    description: documentDescription(d.sha256, about),
    format: d.contentType,
    language: "zh",
  };
  if (d.url) out.url = d.url;
  if (d.publishedAt) out.datePublished = iso(d.publishedAt);
  if (relatedLots) out.relatedLots = relatedLots;
  return out;
}

const lotStatus = (s: SectionInput): "active" | "cancelled" | "unsuccessful" | "complete" => {
  if (s.status === "terminated") return "cancelled";
  if (s.status === "failed" || s.result?.stage === "ended") return "unsuccessful";
  if (s.status === "awarded" || s.status === "contracted" || s.status === "archived") return "complete";
  if (s.result && s.result.notifiedAt && s.result.winnerBidId) return "complete";
  return "active";
};

function tenderStatus(p: ProjectInput, lots: ReturnType<typeof lotStatus>[]): "active" | "cancelled" | "unsuccessful" | "complete" {
  if (p.status === "terminated") return "cancelled";
  if (!lots.length || lots.some((l) => l === "active")) return "active";
  if (lots.some((l) => l === "complete")) return "complete";
  return lots.every((l) => l === "cancelled") ? "cancelled" : "unsuccessful";
}

/** Builds one release. Throws on inputs that cannot be right (a malformed hash, a non-integer amount). */
export function buildRelease(input: ReleaseInput): Release {
  const { project: p, ocid } = input;
  const base = input.publicUrl.replace(/\/+$/, "");
  const parties = new Map<string, { org: OrgInput; roles: Set<PartyRole>; withAddress: boolean }>();
  const addParty = (o: OrgInput, role: PartyRole, withAddress = false) => {
    const id = partyId(o);
    const entry = parties.get(id) ?? { org: o, roles: new Set<PartyRole>(), withAddress: false };
    entry.roles.add(role);
    entry.withAddress ||= withAddress;
    parties.set(id, entry);
    return { id, name: o.name };
  };

  const buyer = addParty(input.tenderingUnit, "buyer", true);
  const procuringEntity = addParty(input.agency ?? input.tenderingUnit, "procuringEntity", true);
  if (input.reviewBody) addParty(input.reviewBody, "reviewBody", true);

  const projectUrl = `${base}/tenders/${encodeURIComponent(p.id)}`;
  // Public results documents (R51, R56/R58, a published contract R57): /tenders/<id>/results/<docId>.pdf.
  const resultUrl = (docId: string) => `${projectUrl}/results/${encodeURIComponent(docId)}.pdf`;
  const documents: Release[] = input.documents.map((d) =>
    document({ ...d, url: d.url ?? `${projectUrl}/documents/${encodeURIComponent(d.id)}` }, "biddingDocuments", d.filename, `招标文件第 ${d.version ?? 1} 版（获取须登录并留存记录，R9）`),
  );

  const lots: Release[] = [];
  const lotStates: ReturnType<typeof lotStatus>[] = [];
  const statistics: Release[] = [];
  const details: Release[] = [];
  const awards: Release[] = [];
  const contracts: Release[] = [];

  for (const s of input.sections) {
    const lotId = s.code;
    const status = lotStatus(s);
    lotStates.push(status);
    const lot: Release = { id: lotId, title: s.title, status };
    if (s.ceilingPriceFen != null) lot.value = cny(s.ceilingPriceFen); // R8: the ceiling price is public when set
    lots.push(lot);
    const sectionUrl = `${projectUrl}/sections/${encodeURIComponent(s.id)}/opening`;

    const o = s.opening;
    // R26: nothing of the bids is public before the hall has opened; the count is announced when it opens.
    if (o) {
      statistics.push({ id: `${lotId}-bids`, measure: "bids", value: o.bidCount, date: iso(o.openedAt), relatedLot: lotId });
      // R28: the read-out (bidder and price) is public once broadcast.
      for (const r of o.reading ?? []) {
        const tenderer = addParty(r.bidder, "tenderer");
        const amount = Number(r.priceYuan);
        details.push({ id: `${lotId}-bid-${r.order}`, tenderers: [tenderer], ...(Number.isFinite(amount) ? { value: { amount, currency: "CNY" } } : {}), relatedLots: [lotId] });
      }
      if (o.record && o.phase === "closed") documents.push(document({ ...o.record, url: o.record.url ?? `${sectionUrl}/record.pdf` }, "bidders", `开标记录表 ${s.code}`, "开标记录表（R29），平台电子签章", [lotId]));
      if (o.failureNotice) documents.push(document({ ...o.failureNotice, url: o.failureNotice.url ?? `${sectionUrl}/notice.pdf` }, "cancellationDetails", `流标公告 ${s.code}`, "流标/废标公告（R25、R27、R45），平台电子签章", [lotId]));
    }

    const r = s.result;
    const publicised = !!r?.publicityStartedAt;
    const awarded = !!(r?.notifiedAt && r.winnerBidId);
    if (r && (publicised || awarded)) {
      statistics.push({ id: `${lotId}-validBids`, measure: "validBids", value: r.validBids, relatedLot: lotId });
      const docsOf = (kinds: string[]) =>
        s.resultDocuments
          .filter((d) => kinds.includes(d.kind))
          .map((d) => document({ ...d, url: d.url ?? resultUrl(d.id) }, "awardNotice", `${d.kind === "publicity" ? "中标候选人公示" : "中标结果公告"} ${d.number}`, d.kind === "publicity" ? "中标候选人公示（R51）" : "中标（成交）结果公告（R54、R56）", [lotId]));
      const publicityDocs = docsOf(["publicity"]);
      const resultDocs = docsOf(["result_announcement", "award_notice"]);
      for (const c of r.candidates) {
        // Candidates not publicised (ZFCG, R57) appear only as the winner.
        const isWinner = awarded && c.bidId === r.winnerBidId;
        if (!publicised && !isWinner) continue;
        const status = isWinner ? "active" : r.stage === "recheck" ? "cancelled" : awarded || r.stage === "ended" ? "unsuccessful" : "pending";
        const supplier = addParty(c.org, isWinner ? "supplier" : "tenderer");
        if (isWinner) addParty(c.org, "tenderer");
        const award: Release = {
          id: `${lotId}-award-${c.rank}`,
          title: `${s.code} 第${c.rank}中标候选人`,
          status,
          suppliers: [supplier],
          value: cny(c.priceFen),
          relatedLots: [lotId],
        };
        const date = isWinner ? r.notifiedAt : r.publicityStartedAt;
        if (date) award.date = iso(date);
        if (isWinner) award.description = "中标（成交）人";
        else if (status === "pending" && r.publicityEndsAt) award.description = `公示期至 ${iso(r.publicityEndsAt)}（R51）`;
        const awardDocs = [...publicityDocs, ...(isWinner ? resultDocs : [])];
        if (awardDocs.length) award.documents = awardDocs;
        awards.push(award);
        if (isWinner && s.contract) {
          const k = s.contract;
          const contract: Release = {
            id: `${lotId}-contract`,
            awardID: award.id as string,
            title: `${p.title} ${s.title} 合同`,
            status: "active",
            value: cny(k.amountFen),
            dateSigned: `${k.signedOn}T00:00:00+08:00`,
          };
          addParty(k.supplier, "supplier");
          if (k.document) contract.documents = [document({ ...k.document, url: k.document.url ?? resultUrl(k.document.id) }, "contractSigned", `合同 ${s.code}`, "签订的合同文本（R56、R57）")];
          contracts.push(contract);
        }
      }
    }
  }

  const tender: Release = {
    id: p.code,
    title: p.title,
    description: p.description,
    status: tenderStatus(p, lotStates),
    procuringEntity,
    value: cny(p.estimateFen),
    procurementMethod: "open",
    procurementMethodDetails: METHOD_DETAILS[p.regime],
    mainProcurementCategory: CATEGORY[p.category],
    submissionMethod: ["electronicSubmission"],
    submissionMethodDetails: "通过 Tenderhall 平台加密递交投标文件，在线不见面开标（R24）",
    tenderPeriod: { ...(p.publishedAt ? { startDate: iso(p.publishedAt) } : {}), endDate: iso(p.bidDeadline) },
    enquiryPeriod: { ...(p.publishedAt ? { startDate: iso(p.publishedAt) } : {}), endDate: iso(p.questionDeadline) },
    lots,
  };
  if (documents.length) tender.documents = documents;
  if (input.amendments.length) {
    tender.amendments = input.amendments.map((a) => ({
      id: `amendment-${a.seq}`,
      date: iso(a.issuedAt),
      rationale: a.title,
      description: [
        a.body,
        a.extended ? `投标截止时间由 ${iso(a.previousDeadline)} 延至 ${iso(a.newDeadline)}（R10）` : "",
        a.documentVersion != null ? `招标文件第 ${a.documentVersion} 版` : "",
      ]
        .filter(Boolean)
        .join("\n"),
    }));
  }

  const release: Release = {
    ocid,
    id: input.releaseId,
    date: iso(input.date),
    tag: [...input.tags],
    initiationType: "tender",
    language: "zh",
    parties: [...parties.entries()].map(([id, e]) => party(id, e.org, e.roles, e.withAddress, e.roles.has("procuringEntity") ? input.contact : null)),
    buyer,
    tender,
  };
  if (statistics.length || details.length) release.bids = { ...(statistics.length ? { statistics } : {}), ...(details.length ? { details } : {}) };
  if (awards.length) release.awards = awards;
  if (contracts.length) release.contracts = contracts;
  return release;
}

function party(id: string, o: OrgInput, roles: Set<PartyRole>, withAddress: boolean, contact: { name: string; telephone: string } | null): Release {
  const out: Release = { id, name: o.name };
  if (o.creditCode) out.identifier = { scheme: CREDIT_CODE_SCHEME, id: o.creditCode, legalName: o.name };
  // Addresses of the tendering side only (a bidder's registration details are not the tender's information).
  if (withAddress && (o.address || o.region)) out.address = { ...(o.address ? { streetAddress: o.address } : {}), ...(o.region ? { region: o.region } : {}), countryName: "中国" };
  if (contact && (contact.name || contact.telephone)) out.contactPoint = { ...(contact.name ? { name: contact.name } : {}), ...(contact.telephone ? { telephone: contact.telephone } : {}) };
  out.roles = ROLE_ORDER.filter((r) => roles.has(r));
  return out;
}

/** ocid = prefix + "-" + project code (the code is unique on the platform). */
export function ocidOf(prefix: string, projectCode: string): string {
  return `${prefix}-${projectCode}`;
}
