import {
  alert,
  byString,
  iso,
  normaliseAccount,
  normaliseIp,
  normaliseName,
  sharedAcrossOrgs,
  sortAlerts,
  sortedUnique,
  type Alert,
} from "./alert";

/**
 * R23 串通投标 indicators (条例40; 87号令37): different bidders whose bids were prepared or handled by the same person or
 * unit — one uploader address or device, one signing certificate, one project manager, the same files, look-alike
 * document metadata, bonds from one account. Each detector looks at one section and fires only across *different*
 * organisations. Prices: ./prices.ts.
 */

/** One sealed bid version of a section — any status, so a replaced version still counts as evidence. Table `bids`. */
export type BidOriginInput = {
  /** bids.id */
  bidId: string;
  /** bids.orgId */
  orgId: string;
  /** bids.status */
  status: "submitted" | "replaced" | "withdrawn";
  /** bids.ip (inet rendered as text), the uploader's address when the version was sealed. */
  ip: string | null;
  /** bids.userAgent */
  userAgent: string | null;
  /**
   * An optional client-side device fingerprint sent with the upload. No column holds it yet (the supervision issue
   * adds one next to bids.userAgent); absent = unknown.
   */
  clientFingerprint?: string | null;
  /** bids.certificateId */
  certificateId: string;
  /** certificates.fingerprint of bids.certificateId (SHA-256 of the DER), when joined. */
  certificateFingerprint?: string | null;
  /** bids.receivedAt */
  receivedAt: Date;
};

export type SectionBids = { sectionId: string; bids: readonly BidOriginInput[] };

export type OriginParams = {
  /** Count replaced and withdrawn versions too (default true: where a version was uploaded from stays evidence). */
  includeSuperseded?: boolean;
};

export type DeviceParams = OriginParams & {
  /**
   * Fire only when a client fingerprint is known (default true). A user-agent string alone is shared by everyone on
   * the same browser build, so by itself it is not a device; set false to compare user agents alone.
   */
  requireClientFingerprint?: boolean;
};

function versions(input: SectionBids, p: OriginParams): readonly BidOriginInput[] {
  return p.includeSuperseded === false ? input.bids.filter((b) => b.status === "submitted") : input.bids;
}

const bidIdsOf = (bs: readonly { bidId: string }[]): string[] => sortedUnique(bs.map((b) => b.bidId));

/** R23 (条例40(二); 87号令37(二)): bids of different organisations uploaded from one IP address. */
export function detectSameIp(input: SectionBids, params: OriginParams = {}): Alert[] {
  return sortAlerts(
    sharedAcrossOrgs(versions(input, params), (b) => normaliseIp(b.ip)).map((g) =>
      alert(
        "ALERT_R23_SAME_IP",
        input.sectionId,
        g.orgIds,
        { ip: g.key, bidIds: bidIdsOf(g.items), receivedAt: g.items.map((b) => iso(b.receivedAt)).sort(byString) },
        "warning",
      ),
    ),
  );
}

/**
 * R23 (条例40(二); 87号令37(二)): bids of different organisations sealed on one device — the same user agent and the
 * same client fingerprint (by default a fingerprint must be known, see DeviceParams).
 */
export function detectSameDevice(input: SectionBids, params: DeviceParams = {}): Alert[] {
  const requireFp = params.requireClientFingerprint !== false;
  const key = (b: BidOriginInput): string | null => {
    const ua = (b.userAgent ?? "").trim();
    const fp = (b.clientFingerprint ?? "").trim();
    if (ua === "" && fp === "") return null;
    if (requireFp && fp === "") return null;
    return `${ua}\u0000${fp}`;
  };
  return sortAlerts(
    sharedAcrossOrgs(versions(input, params), key).map((g) => {
      const [ua, fp] = g.key.split("\u0000") as [string, string];
      return alert("ALERT_R23_SAME_DEVICE", input.sectionId, g.orgIds, { userAgent: ua, clientFingerprint: fp, bidIds: bidIdsOf(g.items) }, "warning");
    }),
  );
}

/**
 * R23 (条例40(二); 87号令37(二)): bids of different organisations signed with one certificate, by id or by the
 * certificate's fingerprint (a certificate belongs to one organisation, so this is someone else signing for a bidder).
 * A group found both ways is reported once.
 */
export function detectSameCertificate(input: SectionBids, params: OriginParams = {}): Alert[] {
  const bids = versions(input, params);
  const seen = new Set<string>();
  const out: Alert[] = [];
  const groups = [
    ...sharedAcrossOrgs(bids, (b) => b.certificateId),
    ...sharedAcrossOrgs(bids, (b) => (b.certificateFingerprint ?? "").trim().toLowerCase() || null),
  ];
  for (const g of groups) {
    const bidIds = bidIdsOf(g.items);
    const k = bidIds.join(",");
    if (seen.has(k)) continue;
    seen.add(k);
    const evidence = {
      certificateIds: sortedUnique(g.items.map((b) => b.certificateId)),
      certificateFingerprints: sortedUnique(g.items.map((b) => (b.certificateFingerprint ?? "").trim().toLowerCase()).filter((f) => f !== "")),
      bidIds,
    };
    out.push(alert("ALERT_R23_SAME_CERTIFICATE", input.sectionId, g.orgIds, evidence, "critical"));
  }
  return sortAlerts(out);
}

/** One opened bid of a section (table `bid_openings`, state `decrypted`). */
export type OpenedBidInput = {
  /** bid_openings.bidId */
  bidId: string;
  /** bid_openings.orgId */
  orgId: string;
  /** bid_openings.form → form.projectManager (the decrypted sealed bid form, app/domain/rules/opening.ts). */
  projectManager: string;
  /** bid_openings.files: the plaintext files, each with its SHA-256 (hex) verified against the manifest. */
  files: readonly { index: number; name: string; size: number; sha256: string }[];
};

export type SectionOpenedBids = { sectionId: string; bids: readonly OpenedBidInput[] };

/**
 * R23 (条例40(三); 87号令37(三)): the same project manager named in bids of different organisations, compared after
 * normalisation (full-width → half-width, all whitespace removed: "张 三" = "张三"; see normaliseName). Blank names
 * are not compared.
 */
export function detectSameProjectManager(input: SectionOpenedBids): Alert[] {
  return sortAlerts(
    sharedAcrossOrgs(input.bids, (b) => normaliseName(b.projectManager) || null).map((g) =>
      alert(
        "ALERT_R23_SAME_PROJECT_MANAGER",
        input.sectionId,
        g.orgIds,
        { projectManager: g.key, asWritten: sortedUnique(g.items.map((b) => b.projectManager)), bidIds: bidIdsOf(g.items) },
        "critical",
      ),
    ),
  );
}

export type IdenticalFileParams = {
  /**
   * SHA-256 values never reported: the tendering unit's own files (blank forms, the bill of quantities template) that
   * every bidder may attach unchanged. Default none.
   */
  ignoreSha256?: readonly string[];
  /** Files smaller than this many bytes are not compared (default 1: empty files are identical by nature). */
  minSize?: number;
};

/** R23 (条例40(一)(四); 87号令37(一)(四)): the same decrypted file (same SHA-256) in bids of different organisations. */
export function detectIdenticalFiles(input: SectionOpenedBids, params: IdenticalFileParams = {}): Alert[] {
  const ignore = new Set((params.ignoreSha256 ?? []).map((h) => h.toLowerCase()));
  const minSize = params.minSize ?? 1;
  const files = input.bids.flatMap((b) => b.files.map((f) => ({ orgId: b.orgId, bidId: b.bidId, name: f.name, size: f.size, sha256: f.sha256.toLowerCase() })));
  const eligible = files.filter((f) => f.size >= minSize && !ignore.has(f.sha256));
  return sortAlerts(
    sharedAcrossOrgs(eligible, (f) => f.sha256).map((g) =>
      alert(
        "ALERT_R23_IDENTICAL_FILE",
        input.sectionId,
        g.orgIds,
        { sha256: g.key, size: g.items[0]!.size, names: sortedUnique(g.items.map((f) => f.name)), bidIds: bidIdsOf(g.items) },
        "critical",
      ),
    ),
  );
}

/**
 * Metadata already extracted from one decrypted file (PDF Info/XMP, OOXML docProps/core.xml and app.xml) of a file
 * listed in bid_openings.files. The extraction is not part of this module.
 */
export type FileMetadataInput = {
  /** bid_openings.bidId */
  bidId: string;
  /** bid_openings.orgId */
  orgId: string;
  /** bid_openings.files[].index */
  fileIndex: number;
  /** bid_openings.files[].name */
  name: string;
  /** Author / dc:creator / cp:lastModifiedBy as recorded in the file. */
  author: string | null;
  /** Creator tool / Producer / Application (e.g. "Microsoft Word 2016"). */
  creatorTool: string | null;
  /** Creation time recorded in the file. */
  createdAt: Date | null;
};

export type MetadataParams = {
  /** Creation times at most this far apart are "near-identical" (default 10 minutes). */
  windowMs?: number;
  /**
   * Author names that installers put in by default and that therefore say nothing (compared normalised). Default:
   * DEFAULT_GENERIC_AUTHORS.
   */
  genericAuthors?: readonly string[];
};

export const DEFAULT_METADATA_WINDOW_MS = 10 * 60 * 1000;

export const DEFAULT_GENERIC_AUTHORS: readonly string[] = [
  "administrator",
  "admin",
  "user",
  "users",
  "owner",
  "author",
  "unknown",
  "microsoft",
  "microsoft office user",
  "microsoft 用户",
  "微软用户",
  "windows user",
  "windows 用户",
  "用户",
  "作者",
  "lenovo",
  "dell",
  "hp",
  "thinkpad",
];

/**
 * R23 (条例40(一)(四); 87号令37(一)(四)): files in bids of different organisations with the same (non-generic) author,
 * the same creator tool and creation times within a small window — the signature of documents written by one person
 * on one machine. Files sharing author and tool are chained by creation time (each within the window of the previous
 * one); a chain spanning two organisations fires. Files without an author or a creation time are not compared.
 */
export function detectSimilarMetadata(sectionId: string, files: readonly FileMetadataInput[], params: MetadataParams = {}): Alert[] {
  const window = params.windowMs ?? DEFAULT_METADATA_WINDOW_MS;
  const generic = new Set((params.genericAuthors ?? DEFAULT_GENERIC_AUTHORS).map(normaliseName));
  const byKey = new Map<string, { author: string; files: (FileMetadataInput & { createdAt: Date })[] }>();
  for (const f of files) {
    if (f.createdAt == null || f.author == null) continue;
    const author = normaliseName(f.author);
    if (author === "" || generic.has(author)) continue;
    const tool = normaliseName(f.creatorTool ?? "");
    const k = `${author}\u0000${tool}`;
    const entry = byKey.get(k) ?? { author, files: [] };
    entry.files.push({ ...f, createdAt: f.createdAt });
    byKey.set(k, entry);
  }
  const out: Alert[] = [];
  for (const { author, files: group } of byKey.values()) {
    const sorted = [...group].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || byString(a.bidId, b.bidId) || a.fileIndex - b.fileIndex);
    let chain: typeof sorted = [];
    const flush = () => {
      const orgIds = sortedUnique(chain.map((f) => f.orgId));
      if (orgIds.length >= 2) {
        const first = chain[0]!.createdAt;
        const last = chain[chain.length - 1]!.createdAt;
        out.push(
          alert(
            "ALERT_R23_SIMILAR_METADATA",
            sectionId,
            orgIds,
            {
              author,
              authorsAsWritten: sortedUnique(chain.map((f) => f.author ?? "")),
              creatorTools: sortedUnique(chain.map((f) => f.creatorTool ?? "")),
              firstCreatedAt: iso(first),
              lastCreatedAt: iso(last),
              spanSeconds: Math.round((last.getTime() - first.getTime()) / 1000),
              files: sortedUnique(chain.map((f) => `${f.bidId}#${f.fileIndex}`)),
              names: sortedUnique(chain.map((f) => f.name)),
              bidIds: bidIdsOf(chain),
            },
            "warning",
          ),
        );
      }
      chain = [];
    };
    for (const f of sorted) {
      const prev = chain[chain.length - 1];
      if (prev && f.createdAt.getTime() - prev.createdAt.getTime() > window) flush();
      chain.push(f);
    }
    flush();
  }
  return sortAlerts(out);
}

/**
 * A bid bond payment with the account it came from. The platform does not model bond payments yet (bonds are paid
 * outside it); the supervision issue adds the table or the bank feed this is read from.
 */
export type BondPaymentInput = {
  /** The bidder (organisations.id) the bond was paid for. */
  orgId: string;
  /** The payer's bank account number as the bank reports it. */
  payerAccount: string;
  /** The payer's name as the bank reports it (evidence only). */
  payerName?: string | null;
};

/** R23 (条例40(六); 87号令37(六)): bonds of different bidders paid from one bank account (compared normalised). */
export function detectSameBondAccount(sectionId: string, payments: readonly BondPaymentInput[]): Alert[] {
  return sortAlerts(
    sharedAcrossOrgs(payments, (p) => normaliseAccount(p.payerAccount) || null).map((g) =>
      alert(
        "ALERT_R23_SAME_BOND_ACCOUNT",
        sectionId,
        g.orgIds,
        { account: g.key, payerNames: sortedUnique(g.items.map((p) => (p.payerName ?? "").trim()).filter((n) => n !== "")) },
        "critical",
      ),
    ),
  );
}
