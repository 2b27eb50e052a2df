import { compileReleases } from "./merge";
import { OCDS_EXTENSIONS, type Json, type Release } from "./release";

/**
 * OCDS 1.1 packages and the feed's paging (docs/open-data.md), pure: the routes hand in the rows and the URLs.
 * Paging is carried in `links.next` (the pagination extension, listed in `extensions`) and, for clients that read
 * headers, in an RFC 8288 `Link: <…>; rel="next"` header with the same URL.
 */

export const PUBLISHER = { name: "Tenderhall 公共资源交易平台" } as const;
/** The data licence: Creative Commons Attribution 4.0 (an Open Definition conformant licence). */
export const LICENSE = "https://creativecommons.org/licenses/by/4.0/";
export const MAX_CURSOR = Number.MAX_SAFE_INTEGER;

export type Paging = { cursor: number; limit: number };
export type PagingError = { code: "OCDS_BAD_CURSOR" | "OCDS_BAD_LIMIT" | "OCDS_BAD_QUERY"; params: Record<string, string | number> };

/**
 * Reads `cursor` (0…2^53−1, default 0) and `limit` (1…max, default `defaultLimit`) from a query string. Anything
 * else — another parameter, a repeated one, a sign, a fraction, a leading zero run beyond 16 digits — is an error.
 */
export function parsePaging(search: URLSearchParams, opts: { defaultLimit: number; maxLimit: number }): Paging | PagingError {
  const keys = [...search.keys()];
  if (keys.length > 2 || keys.some((k) => k !== "cursor" && k !== "limit") || new Set(keys).size !== keys.length) {
    return { code: "OCDS_BAD_QUERY", params: { allowed: "cursor, limit" } };
  }
  const c = search.get("cursor");
  const l = search.get("limit");
  let cursor = 0;
  if (c !== null && c !== "") {
    if (!/^\d{1,16}$/.test(c) || Number(c) > MAX_CURSOR) return { code: "OCDS_BAD_CURSOR", params: { max: MAX_CURSOR } };
    cursor = Number(c);
  }
  let limit = opts.defaultLimit;
  if (l !== null && l !== "") {
    if (!/^\d{1,4}$/.test(l) || Number(l) < 1 || Number(l) > opts.maxLimit) return { code: "OCDS_BAD_LIMIT", params: { max: opts.maxLimit } };
    limit = Number(l);
  }
  return { cursor, limit };
}

export const isPagingError = (p: Paging | PagingError): p is PagingError => "code" in p;

/** The latest `date` among the releases (an on-demand package's publishedDate), else `fallback`. */
export function latestDate(releases: Release[], fallback: Date): string {
  let best: string | null = null;
  for (const r of releases) if (typeof r.date === "string" && (best === null || Date.parse(r.date) > Date.parse(best))) best = r.date;
  return best ?? fallback.toISOString();
}

function common(publicUrl: string, uri: string, publishedDate: string): { [k: string]: Json } {
  const base = publicUrl.replace(/\/+$/, "");
  return {
    uri,
    version: "1.1",
    extensions: [...OCDS_EXTENSIONS],
    publishedDate,
    publisher: { name: PUBLISHER.name, uri: base },
    license: LICENSE,
    publicationPolicy: `${base}/api/ocds`,
  };
}

/** A release package (release-package-schema.json 1.1.5); `next` becomes `links.next`. */
export function releasePackage(o: { publicUrl: string; uri: string; releases: Release[]; next: string | null; fallbackDate: Date }): { [k: string]: Json } {
  return {
    ...common(o.publicUrl, o.uri, latestDate(o.releases, o.fallbackDate)),
    releases: o.releases,
    ...(o.next ? { links: { next: o.next } } : {}),
  };
}

export type RecordInput = { ocid: string; releases: Release[] };

/** The linked-release form: where each release is (its one-release package, `#<id>`), its date and tags. */
export function linkedRelease(publicUrl: string, r: Release): { [k: string]: Json } {
  const id = String(r.id);
  return { url: `${releaseUrl(publicUrl, id)}#${encodeURIComponent(id)}`, date: r.date ?? null, tag: r.tag ?? null };
}

export function releaseUrl(publicUrl: string, releaseId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/api/ocds/releases/${encodeURIComponent(releaseId)}`;
}

export function recordUrl(publicUrl: string, ocid: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/api/ocds/records/${encodeURIComponent(ocid)}`;
}

/**
 * A record package (record-package-schema.json 1.1.5): per ocid its releases — embedded (`embed`) or linked — and
 * the compiled release (merge.ts). `packages` lists the one-release packages the records were built from.
 */
export function recordPackage(o: { publicUrl: string; uri: string; records: RecordInput[]; embed: boolean; next: string | null; fallbackDate: Date }): { [k: string]: Json } {
  const all = o.records.flatMap((r) => r.releases);
  const records = o.records.map((r) => ({
    ocid: r.ocid,
    releases: o.embed ? r.releases : r.releases.map((x) => linkedRelease(o.publicUrl, x)),
    compiledRelease: compileReleases(r.releases),
  }));
  return {
    ...common(o.publicUrl, o.uri, latestDate(all, o.fallbackDate)),
    ...(all.length ? { packages: all.map((x) => releaseUrl(o.publicUrl, String(x.id))) } : {}),
    records,
    ...(o.next ? { links: { next: o.next } } : {}),
  };
}
