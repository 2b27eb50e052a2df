import { serverT } from "#app/i18n";
import { languageOf } from "#app/utils/request.server";
import type { AppContext } from "../platform/context.server";
import { isPagingError, LICENSE, parsePaging, PUBLISHER, recordPackage, recordUrl, releasePackage, type PagingError } from "./packages";
import { OCDS_EXTENSIONS } from "./release";
import { recordsAfter, releaseById, releasesAfter, releasesOf } from "./releases.server";

/**
 * The public open-data API (GET only, no session needed, docs/open-data.md). Every answer is JSON in UTF-8; a bad
 * query parameter is a 400 with a translated JSON error, an unknown id a 404, never a 5xx for anything a request
 * can send. Query parameters are bounded (parsePaging); path parameters are at most MAX_ID characters.
 */

type App = Pick<AppContext, "db" | "config">;
const MAX_ID = 200;
/** A path id worth looking up: 1–200 characters, none of them a control character (PostgreSQL refuses NUL). */
// eslint-disable-next-line no-control-regex -- the point is to refuse control characters
const plausibleId = (id: string | undefined): id is string => !!id && id.length <= MAX_ID && !/[\u0000-\u001f\u007f]/.test(id);
export const RELEASES_LIMIT = { defaultLimit: 50, maxLimit: 100 };
export const RECORDS_LIMIT = { defaultLimit: 20, maxLimit: 100 };

function respond(body: unknown, status: number, cache: string, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": cache,
      "X-Content-Type-Options": "nosniff",
      // Public data without credentials: any site may read it (cookies are never sent with a wildcard origin).
      "Access-Control-Allow-Origin": "*",
      ...extra,
    },
  });
}

function refuse(request: Request, status: number, e: PagingError | { code: "OCDS_NOT_FOUND"; params: Record<string, string | number> }): Response {
  const t = serverT(languageOf(request));
  return respond({ error: { code: e.code, message: t(`errors.${e.code}`, e.params) } }, status, "no-store");
}

const base = (app: App) => app.config.publicUrl.replace(/\/+$/, "");
const nextHeader = (next: string | null): Record<string, string> => (next ? { Link: `<${next}>; rel="next"` } : {});

/** /api/ocds/releases?cursor=&limit= — the release feed in publication order (`seq`). */
export async function releasesFeed(app: App, request: Request): Promise<Response> {
  const paging = parsePaging(new URL(request.url).searchParams, RELEASES_LIMIT);
  if (isPagingError(paging)) return refuse(request, 400, paging);
  const { rows, more } = await releasesAfter(app.db, paging.cursor, paging.limit);
  const last = rows[rows.length - 1];
  const next = more && last ? `${base(app)}/api/ocds/releases?cursor=${last.seq}&limit=${paging.limit}` : null;
  const body = releasePackage({
    publicUrl: base(app),
    uri: `${base(app)}/api/ocds/releases?cursor=${paging.cursor}&limit=${paging.limit}`,
    releases: rows.map((r) => r.data),
    next,
    fallbackDate: new Date(),
  });
  // A full page never changes (releases are only ever appended); the last one grows.
  return respond(body, 200, more ? "public, max-age=3600" : "public, max-age=30", nextHeader(next));
}

/** /api/ocds/releases/<releaseId> — a package with that one release (the target of linked releases). */
export async function releaseFeed(app: App, request: Request, releaseId: string | undefined): Promise<Response> {
  const row = plausibleId(releaseId) ? await releaseById(app.db, releaseId) : null;
  if (!row) return refuse(request, 404, { code: "OCDS_NOT_FOUND", params: {} });
  const body = releasePackage({ publicUrl: base(app), uri: `${base(app)}/api/ocds/releases/${encodeURIComponent(row.releaseId)}`, releases: [row.data], next: null, fallbackDate: row.date });
  return respond(body, 200, "public, max-age=86400");
}

/** /api/ocds/records?cursor=&limit= — records (linked releases + compiled release), in order of first publication. */
export async function recordsFeed(app: App, request: Request): Promise<Response> {
  const paging = parsePaging(new URL(request.url).searchParams, RECORDS_LIMIT);
  if (isPagingError(paging)) return refuse(request, 400, paging);
  const { records, more } = await recordsAfter(app.db, paging.cursor, paging.limit);
  const last = records[records.length - 1];
  const next = more && last ? `${base(app)}/api/ocds/records?cursor=${last.first}&limit=${paging.limit}` : null;
  const body = recordPackage({
    publicUrl: base(app),
    uri: `${base(app)}/api/ocds/records?cursor=${paging.cursor}&limit=${paging.limit}`,
    records: records.map((r) => ({ ocid: r.ocid, releases: r.releases.map((x) => x.data) })),
    embed: false,
    next,
    fallbackDate: new Date(),
  });
  return respond(body, 200, "public, max-age=60", nextHeader(next));
}

/** /api/ocds/records/<ocid> — one record with its releases embedded and the compiled release. */
export async function recordFeed(app: App, request: Request, ocid: string | undefined): Promise<Response> {
  if (!plausibleId(ocid)) return refuse(request, 404, { code: "OCDS_NOT_FOUND", params: {} });
  const id = ocid;
  const rows = await releasesOf(app.db, id);
  if (!rows.length) return refuse(request, 404, { code: "OCDS_NOT_FOUND", params: {} });
  const body = recordPackage({ publicUrl: base(app), uri: recordUrl(base(app), id), records: [{ ocid: id, releases: rows.map((r) => r.data) }], embed: true, next: null, fallbackDate: new Date() });
  return respond(body, 200, "public, max-age=60");
}

/** /api/ocds — the publication policy (the packages' `publicationPolicy`) and the endpoints. */
export function policy(app: App): Response {
  const b = base(app);
  return respond(
    {
      publisher: PUBLISHER,
      license: LICENSE,
      ocidPrefix: app.config.ocdsOcidPrefix,
      version: "1.1",
      extensions: [...OCDS_EXTENSIONS],
      endpoints: {
        releases: `${b}/api/ocds/releases?cursor=0&limit=${RELEASES_LIMIT.defaultLimit}`,
        release: `${b}/api/ocds/releases/{releaseId}`,
        records: `${b}/api/ocds/records?cursor=0&limit=${RECORDS_LIMIT.defaultLimit}`,
        record: `${b}/api/ocds/records/{ocid}`,
      },
      policy: {
        zh: "平台在每次公开状态变化（招标公告发布、澄清或修改、开标结束、流标/废标公告、中标候选人公示、中标结果、合同公开）时，在同一事务内发布一条 OCDS 1.1.5 发布（release），内容只含当时已依法公开的信息。文件以 SHA-256 摘要标识（见 documents[].description）。每页按 cursor 顺序读取，links.next 给出下一页；不会遗漏或重复。",
        en: "Each public state change (tender notice, amendment, end of the opening, failure notice, candidate publicity, award, published contract) is published as one OCDS 1.1.5 release in the same transaction, holding only what is public by then. Documents carry their SHA-256 (documents[].description). Page by cursor; links.next gives the next page; nothing is skipped or repeated.",
      },
    },
    200,
    "public, max-age=3600",
  );
}
