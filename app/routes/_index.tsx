import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { formatCst } from "#app/domain/tender-form";
import { PORTAL_STATUSES } from "#app/domain/portal";
import { listPublicTendersCached } from "#app/services/tender-queries.server";
import { useLiveRevalidate } from "#app/utils/live";

export const meta: MetaFunction = () => [{ title: "交易信息 · Tenderhall 公共资源交易平台" }];

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** Query parameters: anything malformed is ignored, never an error page. */
const Filters = z.object({
  q: z.string().max(100).optional().catch(undefined),
  regime: z.enum(["ZTB", "ZFCG"]).optional().catch(undefined),
  category: z.enum(["construction", "goods", "services", "survey_design"]).optional().catch(undefined),
  region: z.string().max(60).optional().catch(undefined),
  status: z.enum(["bidding", "closed", "suspended", "terminated"]).optional().catch(undefined),
  from: date.optional().catch(undefined),
  to: date.optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v !== ""));
  const filters = Filters.parse(params);
  const result = await listPublicTendersCached(context.app, filters);
  return json({ filters, ...result });
}

export default function Portal() {
  const { filters, items, total, page, pageSize } = useLoaderData<typeof loader>();
  const { t } = useTranslation("portal");
  const [params] = useSearchParams();
  useLiveRevalidate(["portal"]);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const pageLink = (p: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(p));
    return `/?${next.toString()}`;
  };
  return (
    <>
      <h1>{t("list.title")}</h1>
      <Form method="get" className="card filters" role="search">
        <div className="field">
          <label htmlFor="q">{t("list.keyword")}</label>
          <input id="q" name="q" type="search" defaultValue={filters.q ?? ""} placeholder={t("list.keywordPlaceholder")} />
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
          <input id="region" name="region" type="text" defaultValue={filters.region ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="from">{t("list.from")}</label>
          <input id="from" name="from" type="date" defaultValue={filters.from ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="to">{t("list.to")}</label>
          <input id="to" name="to" type="date" defaultValue={filters.to ?? ""} />
        </div>
        <div className="actions" style={{ marginTop: 0 }}>
          <button type="submit">{t("common:actions.search")}</button>
          <Link to="/">{t("common:actions.reset")}</Link>
        </div>
      </Form>
      <p className="muted" data-testid="result-count">
        {t("list.count", { count: total })}
      </p>
      {items.length === 0 ? (
        <p className="card muted">{t("list.empty")}</p>
      ) : (
        <ul className="tender-list">
          {items.map((it) => (
            <li key={it.id}>
              <div>
                <h3>
                  <Link to={`/tenders/${it.id}`}>{it.title}</Link>
                </h3>
                <div className="meta">
                  <span>{it.code}</span>
                  <span>{it.tenderingUnit}</span>
                  <span>{it.region}</span>
                  <span>
                    {t(`common:regimes.${it.regime}`)} · {t(`common:categories.${it.category}`)}
                  </span>
                  <span>{t("list.published", { at: formatCst(it.publishedAt) })}</span>
                </div>
              </div>
              <div style={{ textAlign: "right", minWidth: "11rem" }}>
                <span className={`tag tag-${it.portalStatus}`}>{t(`status.${it.portalStatus}`)}</span>
                <div className="small muted">{t("list.deadline")}</div>
                <div className="small">{formatCst(it.bidDeadline)}</div>
              </div>
            </li>
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="pager" aria-label="pagination">
          {page > 1 && <Link to={pageLink(page - 1)}>{t("list.prev")}</Link>}
          <span>{t("list.page", { page, pages })}</span>
          {page < pages && <Link to={pageLink(page + 1)}>{t("list.next")}</Link>}
        </nav>
      )}
    </>
  );
}
