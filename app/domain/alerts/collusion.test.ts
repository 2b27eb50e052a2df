import { describe, expect, it } from "vitest";
import {
  detectIdenticalFiles,
  detectSameBondAccount,
  detectSameCertificate,
  detectSameDevice,
  detectSameIp,
  detectSameProjectManager,
  detectSimilarMetadata,
  type BidOriginInput,
  type FileMetadataInput,
  type OpenedBidInput,
} from "./detectors";

const S = "sec-1";
const t0 = new Date("2025-03-10T02:00:00Z");

function bid(id: string, orgId: string, over: Partial<BidOriginInput> = {}): BidOriginInput {
  return { bidId: id, orgId, status: "submitted", ip: null, userAgent: null, certificateId: `cert-${orgId}`, receivedAt: t0, ...over };
}

function opened(id: string, orgId: string, projectManager: string, files: OpenedBidInput["files"] = []): OpenedBidInput {
  return { bidId: id, orgId, projectManager, files };
}

describe("R23 same uploader IP", () => {
  it("R23: bids of two organisations from one IP fire, with the address and both bids as evidence", () => {
    const alerts = detectSameIp({
      sectionId: S,
      bids: [bid("b1", "orgA", { ip: "203.0.113.7" }), bid("b2", "orgB", { ip: "203.0.113.7/32" }), bid("b3", "orgC", { ip: "198.51.100.1" })],
    });
    expect(alerts).toEqual([
      {
        kind: "ALERT_R23_SAME_IP",
        rule: "R23",
        sectionId: S,
        subjects: ["orgA", "orgB"],
        evidence: { ip: "203.0.113.7", bidIds: ["b1", "b2"], receivedAt: [t0.toISOString(), t0.toISOString()] },
        severity: "warning",
      },
    ]);
  });

  it("R23: an IPv4-mapped IPv6 address is the same IPv4 address", () => {
    const alerts = detectSameIp({ sectionId: S, bids: [bid("b1", "orgA", { ip: "::ffff:203.0.113.7" }), bid("b2", "orgB", { ip: "203.0.113.7" })] });
    expect(alerts.map((a) => a.subjects)).toEqual([["orgA", "orgB"]]);
  });

  it("R23 near miss: two versions of the same organisation from one IP (a replaced version) do not fire", () => {
    const alerts = detectSameIp({
      sectionId: S,
      bids: [bid("b1", "orgA", { ip: "203.0.113.7", status: "replaced" }), bid("b2", "orgA", { ip: "203.0.113.7" }), bid("b3", "orgB", { ip: "203.0.113.8" })],
    });
    expect(alerts).toEqual([]);
  });

  it("R23: a replaced version of another organisation still counts, unless superseded versions are excluded", () => {
    const input = { sectionId: S, bids: [bid("b1", "orgA", { ip: "203.0.113.7", status: "replaced" as const }), bid("b2", "orgA", { ip: "198.51.100.9" }), bid("b3", "orgB", { ip: "203.0.113.7" })] };
    expect(detectSameIp(input)[0]?.evidence.bidIds).toEqual(["b1", "b3"]);
    expect(detectSameIp(input, { includeSuperseded: false })).toEqual([]);
  });
});

describe("R23 same device fingerprint", () => {
  const ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/122.0";

  it("R23: the same user agent and client fingerprint across two organisations fires", () => {
    const alerts = detectSameDevice({
      sectionId: S,
      bids: [bid("b1", "orgA", { userAgent: ua, clientFingerprint: "fp-9f2c" }), bid("b2", "orgB", { userAgent: ua, clientFingerprint: "fp-9f2c" })],
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: "ALERT_R23_SAME_DEVICE", rule: "R23", subjects: ["orgA", "orgB"], evidence: { userAgent: ua, clientFingerprint: "fp-9f2c", bidIds: ["b1", "b2"] } });
  });

  it("R23 near miss: the same user agent without a client fingerprint, or with different fingerprints, does not fire", () => {
    expect(detectSameDevice({ sectionId: S, bids: [bid("b1", "orgA", { userAgent: ua }), bid("b2", "orgB", { userAgent: ua })] })).toEqual([]);
    expect(
      detectSameDevice({ sectionId: S, bids: [bid("b1", "orgA", { userAgent: ua, clientFingerprint: "fp-1" }), bid("b2", "orgB", { userAgent: ua, clientFingerprint: "fp-2" })] }),
    ).toEqual([]);
  });

  it("R23: with requireClientFingerprint false the user agent alone is compared", () => {
    const alerts = detectSameDevice({ sectionId: S, bids: [bid("b1", "orgA", { userAgent: ua }), bid("b2", "orgB", { userAgent: ua })] }, { requireClientFingerprint: false });
    expect(alerts.map((a) => a.evidence.clientFingerprint)).toEqual([""]);
  });
});

describe("R23 same signing certificate", () => {
  it("R23: two organisations' bids signed with one certificate fire once (critical), even when found by id and fingerprint", () => {
    const alerts = detectSameCertificate({
      sectionId: S,
      bids: [bid("b1", "orgA", { certificateId: "c1", certificateFingerprint: "AB12" }), bid("b2", "orgB", { certificateId: "c1", certificateFingerprint: "ab12" }), bid("b3", "orgC")],
    });
    expect(alerts).toEqual([
      {
        kind: "ALERT_R23_SAME_CERTIFICATE",
        rule: "R23",
        sectionId: S,
        subjects: ["orgA", "orgB"],
        evidence: { certificateIds: ["c1"], certificateFingerprints: ["ab12"], bidIds: ["b1", "b2"] },
        severity: "critical",
      },
    ]);
  });

  it("R23: different certificate ids with one fingerprint fire", () => {
    const alerts = detectSameCertificate({ sectionId: S, bids: [bid("b1", "orgA", { certificateId: "c1", certificateFingerprint: "ff" }), bid("b2", "orgB", { certificateId: "c2", certificateFingerprint: "ff" })] });
    expect(alerts.map((a) => a.evidence.certificateIds)).toEqual([["c1", "c2"]]);
  });

  it("R23 near miss: one organisation signing two versions with its certificate does not fire", () => {
    expect(detectSameCertificate({ sectionId: S, bids: [bid("b1", "orgA", { certificateId: "c1", status: "replaced" }), bid("b2", "orgA", { certificateId: "c1" }), bid("b3", "orgB")] })).toEqual([]);
  });
});

describe("R23 same project manager", () => {
  it("R23: \"张 三\" and \"张三\" (and a full-width space) are one project manager across two organisations", () => {
    const alerts = detectSameProjectManager({ sectionId: S, bids: [opened("b1", "orgA", "张 三"), opened("b2", "orgB", "张三"), opened("b3", "orgC", "张\u3000三 ")] });
    expect(alerts).toEqual([
      {
        kind: "ALERT_R23_SAME_PROJECT_MANAGER",
        rule: "R23",
        sectionId: S,
        subjects: ["orgA", "orgB", "orgC"],
        evidence: { projectManager: "张三", asWritten: ["张 三", "张\u3000三 ", "张三"].sort(), bidIds: ["b1", "b2", "b3"] },
        severity: "critical",
      },
    ]);
  });

  it("R23: full-width Latin letters fold to half-width (Ｌｉ Ｌｅｉ = li lei)", () => {
    expect(detectSameProjectManager({ sectionId: S, bids: [opened("b1", "orgA", "Ｌｉ Ｌｅｉ"), opened("b2", "orgB", "li lei")] })).toHaveLength(1);
  });

  it("R23 near miss: \"张三\" and \"张山\" are different people; blank names are not compared", () => {
    expect(detectSameProjectManager({ sectionId: S, bids: [opened("b1", "orgA", "张三"), opened("b2", "orgB", "张山"), opened("b3", "orgC", " "), opened("b4", "orgD", "")] })).toEqual([]);
  });
});

describe("R23 identical decrypted files", () => {
  const f = (index: number, name: string, sha256: string, size = 1000) => ({ index, name, size, sha256 });

  it("R23: the same SHA-256 in two organisations' bids fires with the hash and file names", () => {
    const alerts = detectIdenticalFiles({
      sectionId: S,
      bids: [opened("b1", "orgA", "", [f(0, "技术标.pdf", "AA"), f(1, "x.pdf", "11")]), opened("b2", "orgB", "", [f(0, "technical.pdf", "aa")])],
    });
    expect(alerts).toEqual([
      { kind: "ALERT_R23_IDENTICAL_FILE", rule: "R23", sectionId: S, subjects: ["orgA", "orgB"], evidence: { sha256: "aa", size: 1000, names: ["technical.pdf", "技术标.pdf"], bidIds: ["b1", "b2"] }, severity: "critical" },
    ]);
  });

  it("R23 near miss: the tendering unit's own template, an empty file, and one organisation's repeated file do not fire", () => {
    const alerts = detectIdenticalFiles(
      {
        sectionId: S,
        bids: [opened("b1", "orgA", "", [f(0, "form.docx", "tpl"), f(1, "empty.txt", "e3b0", 0), f(2, "a.pdf", "dup"), f(3, "a-copy.pdf", "dup")]), opened("b2", "orgB", "", [f(0, "form.docx", "TPL"), f(1, "empty.txt", "e3b0", 0)])],
      },
      { ignoreSha256: ["tpl"] },
    );
    expect(alerts).toEqual([]);
  });
});

describe("R23 near-identical document metadata", () => {
  const m = (bidId: string, orgId: string, over: Partial<FileMetadataInput>): FileMetadataInput => ({
    bidId,
    orgId,
    fileIndex: 0,
    name: `${bidId}.docx`,
    author: "王五",
    creatorTool: "Microsoft Word 2016",
    createdAt: t0,
    ...over,
  });

  it("R23: same author and tool, created 4 minutes apart in two organisations' bids, fire with the span", () => {
    const alerts = detectSimilarMetadata(S, [m("b1", "orgA", {}), m("b2", "orgB", { author: "王 五", createdAt: new Date(t0.getTime() + 4 * 60_000) })]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: "ALERT_R23_SIMILAR_METADATA",
      rule: "R23",
      subjects: ["orgA", "orgB"],
      severity: "warning",
      evidence: { author: "王五", authorsAsWritten: ["王 五", "王五"], creatorTools: ["Microsoft Word 2016"], spanSeconds: 240, files: ["b1#0", "b2#0"], bidIds: ["b1", "b2"], firstCreatedAt: t0.toISOString() },
    });
  });

  it("R23 near miss: outside the window, a different tool, a generic author or a single organisation do not fire", () => {
    const later = new Date(t0.getTime() + 11 * 60_000);
    expect(detectSimilarMetadata(S, [m("b1", "orgA", {}), m("b2", "orgB", { createdAt: later })])).toEqual([]);
    expect(detectSimilarMetadata(S, [m("b1", "orgA", {}), m("b2", "orgB", { creatorTool: "WPS Office" })])).toEqual([]);
    expect(detectSimilarMetadata(S, [m("b1", "orgA", { author: "Administrator" }), m("b2", "orgB", { author: "administrator" })])).toEqual([]);
    expect(detectSimilarMetadata(S, [m("b1", "orgA", {}), m("b1", "orgA", { fileIndex: 1 })])).toEqual([]);
    expect(detectSimilarMetadata(S, [m("b1", "orgA", { createdAt: null }), m("b2", "orgB", {})])).toEqual([]);
  });

  it("R23: files chain within the window (0, 8 and 16 minutes) into one alert", () => {
    const at = (min: number) => new Date(t0.getTime() + min * 60_000);
    const alerts = detectSimilarMetadata(S, [m("b1", "orgA", {}), m("b2", "orgB", { createdAt: at(8) }), m("b3", "orgC", { createdAt: at(16) })]);
    expect(alerts.map((a) => [a.subjects, a.evidence.spanSeconds])).toEqual([[["orgA", "orgB", "orgC"], 960]]);
  });
});

describe("R23 bonds from one account", () => {
  it("R23: two bidders' bonds from one account (written with spaces and hyphens) fire as critical", () => {
    const alerts = detectSameBondAccount(S, [
      { orgId: "orgA", payerAccount: "6222 0210 0112 3456", payerName: "某某建设有限公司" },
      { orgId: "orgB", payerAccount: "6222-0210-0112-3456", payerName: "某某建设有限公司" },
      { orgId: "orgC", payerAccount: "6222021001129999" },
    ]);
    expect(alerts).toEqual([
      { kind: "ALERT_R23_SAME_BOND_ACCOUNT", rule: "R23", sectionId: S, subjects: ["orgA", "orgB"], evidence: { account: "6222021001123456", payerNames: ["某某建设有限公司"] }, severity: "critical" },
    ]);
  });

  it("R23 near miss: one bidder paying twice from its account, and different accounts, do not fire", () => {
    expect(
      detectSameBondAccount(S, [
        { orgId: "orgA", payerAccount: "6222021001123456" },
        { orgId: "orgA", payerAccount: "6222 0210 0112 3456" },
        { orgId: "orgB", payerAccount: "6222021001123457" },
      ]),
    ).toEqual([]);
  });
});
