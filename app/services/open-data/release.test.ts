import { describe, expect, it } from "vitest";
import { ocdsValidator } from "#test/fixtures/ocds-1.1.5/validator";
import { compileReleases } from "./merge";
import { releasePackage } from "./packages";
import { buildRelease, DOCUMENT_HASH, documentDescription, ocidOf, partyId, yuan, type OrgInput, type Release, type ReleaseInput, type SectionInput } from "./release";

const V = ocdsValidator();
const sha = (c: string) => c.repeat(64);
const t = (iso: string) => new Date(iso);

const tu: OrgInput = { id: "00000000-0000-4000-8000-000000000001", name: "大庆市教育局", creditCode: "11230600MB1234567X", region: "黑龙江省大庆市", address: "萨尔图区中央大街1号" };
const agency: OrgInput = { id: "00000000-0000-4000-8000-000000000002", name: "龙江招标代理有限公司", creditCode: "91230100MA1ABCDE0X", region: "黑龙江省", address: "哈尔滨市南岗区" };
const bidder = (n: number): OrgInput => ({ id: `00000000-0000-4000-8000-00000000010${n}`, name: `投标单位${n}`, creditCode: n === 3 ? null : `91230100MA1BIDR${n}0X`, region: "黑龙江省", address: `投标人地址${n}` });

function base(over: Partial<ReleaseInput> = {}): ReleaseInput {
  return {
    ocid: ocidOf("ocds-th0001", "DQ-2026-001"),
    releaseId: "ocds-th0001-DQ-2026-001-1",
    date: t("2026-03-01T01:00:00.000Z"),
    tags: ["tender"],
    publicUrl: "https://ggzy.example.cn/",
    project: {
      id: "00000000-0000-4000-8000-00000000aaaa",
      code: "DQ-2026-001",
      title: "第一中学教学楼工程",
      description: "新建教学楼一栋。",
      regime: "ZTB",
      category: "construction",
      status: "published",
      estimateFen: 1_234_567_89,
      publishedAt: t("2026-03-01T01:00:00.000Z"),
      questionDeadline: t("2026-03-15T01:30:00.000Z"),
      bidDeadline: t("2026-03-21T01:30:00.000Z"),
      location: "萨尔图区",
      fundingSource: "财政资金",
    },
    tenderingUnit: tu,
    agency,
    contact: { name: "王工", telephone: "0459-1234567" },
    documents: [{ id: "doc-1", filename: "招标文件.pdf", contentType: "application/pdf", sha256: sha("a"), size: 1000, publishedAt: t("2026-03-01T01:00:00.000Z") }],
    amendments: [],
    sections: [section("BD01"), section("BD02", { ceilingPriceFen: 50_000_000_00 })],
    ...over,
  };
}

function section(code: string, over: Partial<SectionInput> = {}): SectionInput {
  return { id: `00000000-0000-4000-8000-00000000${code === "BD01" ? "0b01" : "0b02"}`, code, title: `${code} 标段`, status: "published", ceilingPriceFen: null, opening: null, result: null, resultDocuments: [], contract: null, ...over };
}

const opened = (code: string): SectionInput =>
  section(code, {
    status: "opened",
    opening: {
      phase: "closed",
      openedAt: t("2026-03-21T01:30:00.000Z"),
      bidCount: 3,
      reading: [1, 2, 3].map((n) => ({ order: n, bidder: bidder(n), priceYuan: String(9_800_000 + n * 100_000) + ".50" })),
      closedAt: t("2026-03-21T03:00:00.000Z"),
      record: { id: `opening-record-${code}`, filename: "r.pdf", contentType: "application/pdf", sha256: sha("b"), size: 0, publishedAt: t("2026-03-21T03:00:00.000Z") },
      failureNotice: null,
    },
  });

const candidates = [1, 2, 3].map((n) => ({ rank: n, bidId: `bid-${n}`, org: bidder(n), priceFen: (9_800_000 + n * 100_000) * 100 + 50 }));

function valid(r: Release) {
  expect(V.release(r)).toEqual([]);
  expect(V.codes(r)).toEqual([]);
  const pkg = releasePackage({ publicUrl: "https://ggzy.example.cn", uri: "https://ggzy.example.cn/api/ocds/releases?cursor=0&limit=50", releases: [r], next: null, fallbackDate: new Date(0) });
  expect(V.releasePackage(pkg)).toEqual([]);
}

const party = (r: Release, name: string) => (r.parties as Release[]).find((p) => p.name === name);

describe("OCDS release builder", () => {
  it("the tender release: ids, parties and roles, yuan from fen, codelist values, the document hash", () => {
    const r = buildRelease(base());
    valid(r);
    expect(r).toMatchObject({ ocid: "ocds-th0001-DQ-2026-001", id: "ocds-th0001-DQ-2026-001-1", date: "2026-03-01T01:00:00.000Z", tag: ["tender"], initiationType: "tender", language: "zh" });
    expect(r.tender).toMatchObject({
      id: "DQ-2026-001",
      status: "active",
      value: { amount: 1_234_567.89, currency: "CNY" },
      procurementMethod: "open",
      mainProcurementCategory: "works",
      tenderPeriod: { startDate: "2026-03-01T01:00:00.000Z", endDate: "2026-03-21T01:30:00.000Z" },
      lots: [
        { id: "BD01", status: "active" },
        { id: "BD02", status: "active", value: { amount: 50_000_000, currency: "CNY" } },
      ],
    });
    expect((r.tender as Release).procurementMethodDetails).toContain("公开招标");
    // The tendering unit is the buyer, the agency the procuring entity (with the notice's contact).
    expect(party(r, tu.name)).toMatchObject({ id: `CN-USCC-${tu.creditCode}`, roles: ["buyer"], identifier: { scheme: "CN-USCC", id: tu.creditCode } });
    expect(party(r, agency.name)).toMatchObject({ roles: ["procuringEntity"], contactPoint: { name: "王工", telephone: "0459-1234567" } });
    expect(r.buyer).toEqual({ id: partyId(tu), name: tu.name });
    expect((r.tender as Release).procuringEntity).toEqual({ id: partyId(agency), name: agency.name });
    // Without an agency, the tendering unit holds both roles.
    expect(party(buildRelease(base({ agency: null })), tu.name)!.roles).toEqual(["buyer", "procuringEntity"]);
    // OCDS 1.1 documents have no hash field: the SHA-256 leads the description; the url is the download.
    const [doc] = (r.tender as Release).documents as Release[];
    expect(doc).toMatchObject({ id: "doc-1", documentType: "biddingDocuments", format: "application/pdf", url: "https://ggzy.example.cn/tenders/00000000-0000-4000-8000-00000000aaaa/documents/doc-1" });
    expect(DOCUMENT_HASH.exec(String(doc!.description))![1]).toBe(sha("a"));
    // Nothing of bids before the hall opens (R26).
    expect(r.bids).toBeUndefined();
    expect(r.awards).toBeUndefined();
  });

  it("maps every category and both regimes", () => {
    const cat = (category: ReleaseInput["project"]["category"], regime: "ZTB" | "ZFCG" = "ZTB") => buildRelease(base({ project: { ...base().project, category, regime } })).tender as Release;
    expect(cat("construction").mainProcurementCategory).toBe("works");
    expect(cat("goods").mainProcurementCategory).toBe("goods");
    expect(cat("services").mainProcurementCategory).toBe("services");
    expect(cat("survey_design").mainProcurementCategory).toBe("services");
    expect(cat("goods", "ZFCG").procurementMethodDetails).toContain("政府采购");
    for (const c of ["construction", "goods", "services", "survey_design"] as const) valid(buildRelease(base({ project: { ...base().project, category: c } })));
  });

  it("R10: an amendment is listed with its rationale and the moved deadline", () => {
    const r = buildRelease(
      base({
        tags: ["tenderAmendment"],
        amendments: [{ seq: 1, title: "澄清一", body: "调整工程量清单。", issuedAt: t("2026-03-10T02:00:00.000Z"), previousDeadline: t("2026-03-21T01:30:00.000Z"), newDeadline: t("2026-03-25T01:30:00.000Z"), extended: true, documentVersion: 2 }],
      }),
    );
    valid(r);
    const [a] = (r.tender as Release).amendments as Release[];
    expect(a).toMatchObject({ id: "amendment-1", date: "2026-03-10T02:00:00.000Z", rationale: "澄清一" });
    expect(String(a!.description)).toContain("R10");
    expect(String(a!.description)).toContain("第 2 版");
  });

  it("R28/R29: after the opening, the read-out as bids with their tenderers, the statistics and the signed record", () => {
    const r = buildRelease(base({ tags: ["tenderUpdate"], sections: [opened("BD01"), section("BD02")] }));
    valid(r);
    const bids = r.bids as { statistics: Release[]; details: Release[] };
    expect(bids.statistics).toEqual([{ id: "BD01-bids", measure: "bids", value: 3, date: "2026-03-21T01:30:00.000Z", relatedLot: "BD01" }]);
    expect(bids.details).toHaveLength(3);
    expect(bids.details[0]).toMatchObject({ id: "BD01-bid-1", value: { amount: 9_900_000.5, currency: "CNY" }, relatedLots: ["BD01"], tenderers: [{ id: partyId(bidder(1)), name: "投标单位1" }] });
    // A bidder without a credit code gets the platform's id; bidders show no address.
    expect(party(r, "投标单位3")).toEqual({ id: `TH-ORG-${bidder(3).id}`, name: "投标单位3", roles: ["tenderer"] });
    expect(party(r, "投标单位1")!.address).toBeUndefined();
    const docs = (r.tender as Release).documents as Release[];
    expect(docs.map((d) => d.documentType)).toEqual(["biddingDocuments", "bidders"]);
    expect(docs[1]).toMatchObject({ relatedLots: ["BD01"], url: "https://ggzy.example.cn/tenders/00000000-0000-4000-8000-00000000aaaa/sections/00000000-0000-4000-8000-000000000b01/opening/record.pdf" });
  });

  it("R25: a failed section: the lot is unsuccessful with its failure notice; all lots failed → the tender is unsuccessful", () => {
    const failed = (code: string): SectionInput =>
      section(code, {
        status: "failed",
        opening: { phase: "failed", openedAt: t("2026-03-21T01:30:00.000Z"), bidCount: 2, reading: null, closedAt: null, record: null, failureNotice: { id: `failure-notice-${code}`, filename: "n.pdf", contentType: "application/pdf", sha256: sha("c"), size: 0, publishedAt: null } },
      });
    const one = buildRelease(base({ tags: ["tenderUpdate"], sections: [failed("BD01"), section("BD02")] }));
    valid(one);
    expect((one.tender as Release).status).toBe("active");
    expect(((one.tender as Release).lots as Release[])[0]!.status).toBe("unsuccessful");
    expect(((one.tender as Release).documents as Release[])[1]).toMatchObject({ documentType: "cancellationDetails", relatedLots: ["BD01"] });
    // No names when the hall failed at once: only the count (R25).
    expect((one.bids as Release).details).toBeUndefined();
    const all = buildRelease(base({ tags: ["tenderUpdate"], sections: [failed("BD01"), failed("BD02")] }));
    valid(all);
    expect((all.tender as Release).status).toBe("unsuccessful");
    expect((buildRelease(base({ project: { ...base().project, status: "terminated" }, tags: ["tenderCancellation"] })).tender as Release).status).toBe("cancelled");
  });

  it("R51: candidates only once publicised, as pending awards; R56: the winner active once notified, the others unsuccessful; R57: the contract", () => {
    const result = { stage: "publicity_due" as const, publicityStartedAt: null, publicityEndsAt: null, candidates, validBids: 3, winnerBidId: null, notifiedAt: null };
    const before = buildRelease(base({ tags: ["tenderUpdate"], sections: [{ ...opened("BD01"), status: "evaluated", result }, section("BD02")] }));
    valid(before);
    expect(before.awards).toBeUndefined(); // the signed report alone publishes nothing
    expect(((before.bids as Release).statistics as Release[]).map((s) => s.measure)).toEqual(["bids"]);

    const publicity = { ...result, stage: "publicity" as const, publicityStartedAt: t("2026-04-01T01:00:00.000Z"), publicityEndsAt: t("2026-04-04T16:00:00.000Z") };
    const publicityDoc = { id: "rd-1", kind: "publicity" as const, number: "GS-1", filename: "公示.pdf", contentType: "application/pdf", sha256: sha("d"), size: 10, publishedAt: t("2026-04-01T01:00:00.000Z") };
    const during = buildRelease(base({ tags: ["tenderUpdate"], sections: [{ ...opened("BD01"), status: "publicity", result: publicity, resultDocuments: [publicityDoc] }, section("BD02")] }));
    valid(during);
    expect((during.tender as Release).status).toBe("active");
    const pending = during.awards as Release[];
    expect(pending.map((a) => [a.id, a.status])).toEqual([
      ["BD01-award-1", "pending"],
      ["BD01-award-2", "pending"],
      ["BD01-award-3", "pending"],
    ]);
    expect(pending[0]).toMatchObject({ value: { amount: 9_900_000.5, currency: "CNY" }, relatedLots: ["BD01"], date: "2026-04-01T01:00:00.000Z", documents: [{ id: "rd-1", documentType: "awardNotice", url: "https://ggzy.example.cn/tenders/00000000-0000-4000-8000-00000000aaaa/results/rd-1.pdf" }] });
    expect(DOCUMENT_HASH.exec(String(((pending[0]!.documents as Release[])[0]!).description))![1]).toBe(sha("d"));
    expect(((during.bids as Release).statistics as Release[]).find((s) => s.measure === "validBids")!.value).toBe(3);
    expect((during.parties as Release[]).some((p) => (p.roles as string[]).includes("supplier"))).toBe(false);

    // The winner decided (rank 2, e.g. not state-funded) but notices not out: still pending (R54/R56).
    const decided = { ...publicity, stage: "decided" as const, winnerBidId: "bid-2" };
    expect((buildRelease(base({ sections: [{ ...opened("BD01"), result: decided }, section("BD02")] })).awards as Release[]).map((a) => a.status)).toEqual(["pending", "pending", "pending"]);

    const notified = { ...decided, stage: "notified" as const, notifiedAt: t("2026-04-06T02:00:00.000Z") };
    const announcement = { id: "rd-2", kind: "result_announcement" as const, number: "JG-1", filename: "结果公告.pdf", contentType: "application/pdf", sha256: sha("e"), size: 10, publishedAt: t("2026-04-06T02:00:00.000Z") };
    const award = buildRelease(base({ tags: ["award"], sections: [{ ...opened("BD01"), status: "awarded", result: notified, resultDocuments: [publicityDoc, announcement] }, section("BD02")] }));
    valid(award);
    const awards = award.awards as Release[];
    expect(awards.map((a) => [a.id, a.status])).toEqual([
      ["BD01-award-1", "unsuccessful"],
      ["BD01-award-2", "active"],
      ["BD01-award-3", "unsuccessful"],
    ]);
    expect(awards[1]).toMatchObject({ date: "2026-04-06T02:00:00.000Z", suppliers: [{ id: partyId(bidder(2)) }] });
    expect(((awards[1]!.documents as Release[]) ?? []).map((d) => d.id)).toEqual(["rd-1", "rd-2"]);
    expect(party(award, "投标单位2")!.roles).toEqual(["tenderer", "supplier"]);
    expect(((award.tender as Release).lots as Release[])[0]!.status).toBe("complete");

    const contractDoc = { id: "rd-3", filename: "合同.pdf", contentType: "application/pdf", sha256: sha("f"), size: 10, publishedAt: t("2026-04-20T02:00:00.000Z") };
    const contract = buildRelease(
      base({ tags: ["contract"], sections: [{ ...opened("BD01"), status: "contracted", result: { ...notified, stage: "contracted" }, resultDocuments: [publicityDoc, announcement], contract: { amountFen: 9_950_000_00, signedOn: "2026-04-18", supplier: bidder(2), document: contractDoc } }, section("BD02", { status: "terminated" })] }),
    );
    valid(contract);
    expect(contract.contracts).toEqual([
      expect.objectContaining({ id: "BD01-contract", awardID: "BD01-award-2", status: "active", value: { amount: 9_950_000, currency: "CNY" }, dateSigned: "2026-04-18T00:00:00+08:00", documents: [expect.objectContaining({ id: "rd-3", documentType: "contractSigned" })] }),
    ]);
    // One lot complete, the other cancelled: the tender is complete.
    expect((contract.tender as Release).status).toBe("complete");

    // The compiled record of the whole story validates, keeps every award by id and ends in the latest state.
    const story = [buildRelease(base()), before, during, award, contract].map((r, i) => ({ ...r, id: `rel-${i}`, date: `2026-0${i + 3}-01T00:00:00.000Z` }));
    const compiled = compileReleases(story);
    expect(V.release(compiled)).toEqual([]);
    expect(V.codes(compiled)).toEqual([]);
    expect((compiled.awards as Release[]).map((a) => a.status)).toEqual(["unsuccessful", "active", "unsuccessful"]);
    expect(compiled.tag).toEqual(["compiled"]);
  });

  it("ZFCG (R57): candidates not publicised are never listed; the winner appears with the notices", () => {
    const result = { stage: "notified" as const, publicityStartedAt: null, publicityEndsAt: null, candidates, validBids: 3, winnerBidId: "bid-1", notifiedAt: t("2026-04-06T02:00:00.000Z") };
    const r = buildRelease(base({ project: { ...base().project, regime: "ZFCG", category: "goods" }, tags: ["award"], sections: [{ ...opened("BD01"), result }, section("BD02")] }));
    valid(r);
    expect((r.awards as Release[]).map((a) => [a.id, a.status])).toEqual([["BD01-award-1", "active"]]);
  });

  it("a recheck withdraws the publicised candidates (cancelled); an ended section leaves them unsuccessful", () => {
    const publicity = { stage: "recheck" as const, publicityStartedAt: t("2026-04-01T01:00:00.000Z"), publicityEndsAt: null, candidates, validBids: 3, winnerBidId: null, notifiedAt: null };
    const recheck = buildRelease(base({ sections: [{ ...opened("BD01"), result: publicity }, section("BD02")] }));
    valid(recheck);
    expect((recheck.awards as Release[]).every((a) => a.status === "cancelled")).toBe(true);
    const ended = buildRelease(base({ sections: [{ ...opened("BD01"), result: { ...publicity, stage: "ended" } }, section("BD02")] }));
    valid(ended);
    expect((ended.awards as Release[]).every((a) => a.status === "unsuccessful")).toBe(true);
    expect(((ended.tender as Release).lots as Release[])[0]!.status).toBe("unsuccessful");
  });

  it("refuses what cannot be right: a malformed hash, an amount that is not whole fen", () => {
    expect(() => documentDescription("ABC", "x")).toThrow();
    expect(() => buildRelease(base({ documents: [{ ...base().documents[0]!, sha256: "not-a-hash" }] }))).toThrow();
    expect(() => yuan(1.5)).toThrow();
    expect(yuan(1)).toBe(0.01);
    expect(yuan(123_456_789_01)).toBe(1_234_567_89.01);
  });

  it("the validator is not a rubber stamp: it fails a wrong code, a missing required field and a bad date", () => {
    const r = buildRelease(base());
    expect(V.codes({ ...r, tender: { ...(r.tender as Release), status: "open" } })).not.toEqual([]);
    expect(V.codes({ ...r, parties: [{ id: "x", name: "x", roles: ["candidate"] }] })).not.toEqual([]);
    expect(V.release({ ...r, initiationType: undefined })).not.toEqual([]);
    expect(V.release({ ...r, date: "yesterday" })).not.toEqual([]);
    expect(V.release({ ...r, tender: { ...(r.tender as Release), value: { amount: 1, currency: "RMB" } } })).not.toEqual([]);
  });
});
