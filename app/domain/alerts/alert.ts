import type { RuleNumber } from "#app/domain/rules/violations";

/**
 * Supervision alerts (docs/decisions/020-supervision-alerts.md): what a pure detector reports. An alert is a signal for
 * the supervisor, never a decision: it names the rule it points at, the bidders/experts concerned and the evidence
 * that made it fire, so a human can open a case (or dismiss it) without re-running anything.
 *
 * The detectors are pure (data in, data out; `now` passed in). The later supervision issue adds the jobs that load
 * their inputs, persistence and de-duplication of alerts, and cases.
 */

/** A statutory rule (docs/rules.md) or an evaluation spec rule (EV18: score deviation flags). */
export type AlertRule = RuleNumber | `EV${number}`;

/**
 * Every alert kind and the rule it belongs to. Kinds are stable codes (they will be stored, asserted in tests and
 * translated); the rule is derived from the kind so the two can never disagree.
 */
export const ALERT_KINDS = {
  // R23 串通投标 indicators (条例40; 87号令37) — "视为串通投标" when different bidders share these.
  ALERT_R23_SAME_IP: "R23",
  ALERT_R23_SAME_DEVICE: "R23",
  ALERT_R23_SAME_CERTIFICATE: "R23",
  ALERT_R23_SAME_PROJECT_MANAGER: "R23",
  ALERT_R23_IDENTICAL_FILE: "R23",
  ALERT_R23_SIMILAR_METADATA: "R23",
  ALERT_R23_PRICE_ARITHMETIC: "R23",
  ALERT_R23_PRICE_GEOMETRIC: "R23",
  ALERT_R23_SAME_BOND_ACCOUNT: "R23",
  // Process signals.
  ALERT_R25_SINGLE_BIDDER: "R25",
  ALERT_R10_AMENDMENT_NOT_EXTENDED: "R10",
  ALERT_EV18_SCORE_OUTLIER: "EV18",
  ALERT_R34_REPEATED_DECLINES: "R34",
  ALERT_R52_ANSWER_OVERDUE: "R52",
  ALERT_R56_CONTRACT_OVERDUE: "R56",
  ALERT_R57_CONTRACT_PUBLICATION_OVERDUE: "R57",
  ALERT_R15_REFUND_OVERDUE: "R15",
} as const satisfies Record<string, AlertRule>;

export type AlertKind = keyof typeof ALERT_KINDS;

export type AlertSeverity = "warning" | "critical";

export type AlertEvidence = Record<string, string | number | string[]>;

export type Alert = {
  kind: AlertKind;
  rule: AlertRule;
  /** The section the alert is about; null only for alerts that span sections (an expert's declines, R34). */
  sectionId: string | null;
  /** Who it is about: organisation ids (bidders), expert ids, or the record ids named per detector; sorted. */
  subjects: string[];
  /** What made it fire. Instants are ISO-8601 strings; lists are sorted. */
  evidence: AlertEvidence;
  severity: AlertSeverity;
};

/** Builds an alert; the rule comes from the kind, subjects are de-duplicated and sorted. */
export function alert(kind: AlertKind, sectionId: string | null, subjects: readonly string[], evidence: AlertEvidence, severity: AlertSeverity): Alert {
  return { kind, rule: ALERT_KINDS[kind], sectionId, subjects: sortedUnique(subjects), evidence, severity };
}

export function sortedUnique(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort(byString);
}

export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic order of a detector's output: by section, kind, then subjects and the evidence's first key value. */
export function sortAlerts(alerts: Alert[]): Alert[] {
  const key = (a: Alert) => `${a.sectionId ?? ""}\u0000${a.kind}\u0000${a.subjects.join(",")}\u0000${JSON.stringify(a.evidence)}`;
  return alerts.sort((a, b) => byString(key(a), key(b)));
}

/**
 * Normalises a person's or company's name for comparison (R23 same project manager): NFKC folds full-width letters,
 * digits and the ideographic space to their half-width forms; every whitespace is removed ("张 三" = "张三"); the
 * interpunct variants used in transliterated names (· • ・ ･ ‧) become one; Latin letters are lower-cased.
 */
export function normaliseName(s: string): string {
  return s
    .normalize("NFKC")
    .replace(/[\s\u200b\u2060\ufeff]+/gu, "")
    .replace(/[\u00b7\u2022\u30fb\uff65\u2027]/gu, "·")
    .toLowerCase();
}

/**
 * Normalises an address as PostgreSQL's `inet` renders it: trimmed, lower-case, a host mask (/32, /128) dropped and an
 * IPv4-mapped IPv6 address (::ffff:1.2.3.4) read as the IPv4 address. Null for an empty value.
 */
export function normaliseIp(ip: string | null | undefined): string | null {
  if (ip == null) return null;
  let s = ip.trim().toLowerCase();
  if (s === "") return null;
  s = s.replace(/\/(32|128)$/u, "");
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/u.exec(s);
  return mapped ? mapped[1]! : s;
}

/** Normalises a bank account number: NFKC, then only letters and digits (spaces, hyphens, dots dropped), upper-case. */
export function normaliseAccount(s: string): string {
  return s
    .normalize("NFKC")
    .replace(/[^0-9A-Za-z]/gu, "")
    .toUpperCase();
}

/** An item that belongs to one bidder: groups of items sharing a key across at least two organisations. */
export type Owned = { orgId: string };

/**
 * Groups `items` by `key` (null/empty keys skipped) and keeps the groups that span at least two different
 * organisations — the same organisation's own versions sharing a key is never a signal (R23 is about *different*
 * bidders). Groups come back sorted by key.
 */
export function sharedAcrossOrgs<T extends Owned>(items: readonly T[], key: (item: T) => string | null): { key: string; items: T[]; orgIds: string[] }[] {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k == null || k === "") continue;
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  const out: { key: string; items: T[]; orgIds: string[] }[] = [];
  for (const [k, g] of groups) {
    const orgIds = sortedUnique(g.map((x) => x.orgId));
    if (orgIds.length >= 2) out.push({ key: k, items: g, orgIds });
  }
  return out.sort((a, b) => byString(a.key, b.key));
}

export const iso = (d: Date): string => d.toISOString();
