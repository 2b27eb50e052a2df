import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { formatCst } from "#app/domain/tender-form";
import { PORTAL_STATUSES, type PortalStatus } from "#app/domain/portal";
import { MAX_PAGE, MAX_QUERY_LENGTH } from "#app/domain/limits";
import { hasControlCharacter } from "#app/domain/text";
import { listPublicTendersCached } from "#app/services/tendering/tender-queries.server";
import { useLiveRevalidate } from "#app/utils/live";

export const meta: MetaFunction = () => [{ title: "交易信息 · Tenderhall 公共资源交易平台" }];

/** A real calendar day (2026-13-01 or 2026-02-30 would otherwise reach the database as an invalid time). */
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  });
/** Free text: bounded and without control characters (PostgreSQL refuses U+0000). */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((s) => !hasControlCharacter(s))
    .optional()
    .catch(undefined);
/** Query parameters: a malformed value is ignored (and the page says so), never an error page. */
const Filters = z.object({
  q: text(MAX_QUERY_LENGTH),
  regime: z.enum(["ZTB", "ZFCG"]).optional().catch(undefined),
  category: z.enum(["construction", "goods", "services", "survey_design"]).optional().catch(undefined),
  region: text(60),
  // bidding, closed, publicity (公示中, R51), awarded (已定标, R56), contracted (已签约, R58), suspended, terminated.
  status: z.enum(PORTAL_STATUSES as [PortalStatus, ...PortalStatus[]]).optional().catch(undefined),
  from: date.optional().catch(undefined),
  to: date.optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(MAX_PAGE).optional().catch(undefined),
});
const FILTER_KEYS = Object.keys(Filters.shape) as (keyof z.infer<typeof Filters>)[];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const raw = Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v.trim() !== ""));
  const filters = Filters.parse(raw);
  const ignored = FILTER_KEYS.filter((k) => raw[k] !== undefined && filters[k] === undefined);
  const result = await listPublicTendersCached(context.app, filters);
  return json({ filters, ignored, ...result });
}

export default function Portal() {
  const { filters, ignored, items, total, page, pageSize } = useLoaderData<typeof loader>();
  const { t } = useTranslation("portal");
  const [params] = useSearchParams();
  useLiveRevalidate(["portal"]);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const pageLink = (p: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(p));
    return `/?${next.toString()}`;
  };
  const filtered = FILTER_KEYS.some((k) => k !== "page" && filters[k] !== undefined);
  return (
    <div className="portal">
      <h1>{t("list.title")}</h1>
      <Form method="get" className="card filters portal-filters" role="search">
        <div className="field">
          <label htmlFor="q">{t("list.keyword")}</label>
          <input id="q" name="q" type="search" maxLength={MAX_QUERY_LENGTH} defaultValue={filters.q ?? ""} placeholder={t("list.keywordPlaceholder")} />
        </div>
        <div className="field">
          <label htmlFor="regime">{t("list.regime")}</label>
          <select id="regime" name="regime" defaultValue={filters.regime ?? ""}>
            <option value="">{t("list.all")}</option>
            <option value="ZTB">{t("common:regimes.ZTB")}</option>
            <option value="ZFCG">{t("common:regimes.ZFCG")}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="category">{t("list.category")}</label>
          <select id="category" name="category" defaultValue={filters.category ?? ""}>
            <option value="">{t("list.all")}</option>
            {(["construction", "goods", "services", "survey_design"] as const).map((c) => (
              <option key={c} value={c}>
                {t(`common:categories.${c}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="status">{t("list.status")}</label>
          <select id="status" name="status" defaultValue={filters.status ?? ""}>
            <option value="">{t("list.all")}</option>
            {PORTAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="region">{t("list.region")}</label>
          <input id="region" name="region" type="text" maxLength={60} defaultValue={filters.region ?? ""} placeholder={t("list.regionPlaceholder")} />
        </div>
        <div className="field">
          <label htmlFor="from">{t("list.from")}</label>
          <input id="from" name="from" type="date" defaultValue={filters.from ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="to">{t("list.to")}</label>
          <input id="to" name="to" type="date" defaultValue={filters.to ?? ""} />
        </div>
        <div className="actions portal-filter-actions">
          <button type="submit">{t("common:actions.search")}</button>
          <Link to="/">{t("common:actions.reset")}</Link>
        </div>
      </Form>
      {ignored.length > 0 && (
        <p className="alert alert-warn" role="status" data-testid="ignored-filters">
          {t("list.ignored", { fields: ignored.map((k) => t(`list.fields.${k}`)).join(t("detail.listSep")) })}
        </p>
      )}
      <p className="muted" data-testid="result-count">
        {t(filtered ? "list.countFiltered" : "list.count", { count: total })}
      </p>
      {items.length === 0 ? (
        <p className="card muted" data-testid="empty">
          {t(filtered ? "list.emptyFiltered" : "list.empty")}
        </p>
      ) : (
        <ul className="tender-list">
          {items.map((it) => (
            <li key={it.id}>
              <div>
                <h3>
                  <Link to={`/tenders/${it.id}`}>{it.title}</Link>
                </h3>
                <div className="meta">
                  <span>{t("list.code", { code: it.code })}</span>
                  <span>{t(it.regime === "ZFCG" ? "list.purchaser" : "list.tenderingUnit", { name: it.tenderingUnit })}</span>
                  <span>{it.region}</span>
                  <span>
                    {t(`common:regimes.${it.regime}`)} · {t(`common:categories.${it.category}`)}
                  </span>
                  <span>{t("list.published", { at: formatCst(it.publishedAt) })}</span>
                </div>
              </div>
              <div className="portal-list-side">
                <span className={`tag tag-${it.portalStatus}`}>{t(`status.${it.portalStatus}`)}</span>
                <div className="small muted">{t("list.deadline")}</div>
                <div className="small">{formatCst(it.bidDeadline)}</div>
              </div>
            </li>
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label={t("list.pagination")}>
          {page > 1 && <Link to={pageLink(page - 1)}>{t("list.prev")}</Link>}
          <span>{t("list.page", { page, pages })}</span>
          {page < pages && <Link to={pageLink(page + 1)}>{t("list.next")}</Link>}
        </nav>
      )}
    </div>
  );
}
