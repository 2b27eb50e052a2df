import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { DailyBars, KindBars, StageChart } from "#app/components/supervision/charts";
import { pageCount } from "#app/domain/paging";
import { CATEGORIES, LIGHTS, dashboardHref, parseDashboardQuery } from "#app/domain/supervision/dashboard-query";
import { STAGES } from "#app/domain/supervision/stage";
import { formatCst } from "#app/domain/tender-form";
import { supervisionDashboard } from "#app/services/supervision/dashboard.server";
import { useDelegatedLinks } from "#app/utils/delegated-links";
import { useLiveRevalidate } from "#app/utils/live";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "电子监察 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await requireActor(request, context, "supervise:read");
  const q = parseDashboardQuery(new URL(request.url).searchParams);
  const d = await supervisionDashboard(context.app.db, actor, q, context.app.hub);
  // The page data carries what the table shows, nothing more: it is serialised into every page.
  const rows = d.rows.map((r) => ({
    sectionId: r.sectionId,
    projectId: r.projectId,
    code: r.code,
    title: r.title,
    sectionCode: r.sectionCode,
    sectionTitle: r.sectionTitle,
    tenderingUnit: r.tenderingUnit,
    region: r.region,
    stage: r.stage,
    light: r.light,
    reasons: r.reasons,
    lightSince: r.light === "green" ? null : r.lightSince,
    openAlerts: r.openAlerts,
    openCases: r.openCases,
  }));
  return json({ q, d: { ...d, rows } });
}

/** The supervisor's dashboard (R63/R65): every section of the jurisdiction with its light, live. */
export default function SuperviseIndex() {
  const { q, d } = useLoaderData<typeof loader>();
  const { t } = useTranslation("supervision");
  useLiveRevalidate(["supervision"], { supervision: d.liveSeq });
  const onTableClick = useDelegatedLinks();
  const pages = pageCount(d.total, d.pageSize);
  const alertName = (kind: string) => t(`alerts.kinds.${kind}`, { defaultValue: kind });
  // Translated once per render, not once per row.
  const names = new Map<string, string>();
  const once = (key: string, fallback: string) => {
    let v = names.get(key);
    if (v === undefined) names.set(key, (v = t(key, { defaultValue: fallback })));
    return v;
  };
  const reasonName = (r: string) => once(`limits.${r}`, r);
  return (
    <div className="portal supervision">
      <h1>{t("dashboard.title")}</h1>
      <p className="muted" data-testid="scope">
        {d.scope.prefix ? t("dashboard.scope", { region: d.scope.prefix, org: d.scope.orgName ?? "" }) : t("dashboard.scopeAll")}
        {" · "}
        <Link to="/supervise/cases">{t("dashboard.cases")}</Link>
        {" · "}
        <Link to="/supervise/complaints">{t("dashboard.complaints")}</Link>
        {" · "}
        <Link to="/record">{t("dashboard.audit")}</Link>
      </p>

      <section className="light-tiles" aria-label={t("dashboard.byLight")}>
        {LIGHTS.map((l) => (
          <Link key={l} to={dashboardHref(q, { light: q.light === l ? undefined : l })} className={`light-tile light-${l}${q.light === l ? " active" : ""}`} data-testid={`count-${l}`}>
            <span className={`light-dot light-${l}`} aria-hidden />
            <strong>{d.byLight[l]}</strong> {t(`light.${l}`)}
          </Link>
        ))}
      </section>
      <section className="stage-tiles" aria-label={t("dashboard.byStage")}>
        {STAGES.map((s) => (
          <Link key={s} to={dashboardHref(q, { stage: q.stage === s ? undefined : s })} className={`tag${q.stage === s ? " tag-draft" : ""}`} data-testid={`stage-${s}`}>
            {t(`stage.${s}`)} {d.byStage[s]}
          </Link>
        ))}
      </section>

      <Form method="get" className="filters" data-testid="dashboard-filters">
        <label>
          {t("filters.q")}
          <input name="q" defaultValue={q.q ?? ""} maxLength={100} />
        </label>
        <label>
          {t("filters.region")}
          <input name="region" defaultValue={q.region ?? ""} maxLength={60} placeholder={d.scope.prefix || undefined} />
        </label>
        <label>
          {t("filters.regime")}
          <select name="regime" defaultValue={q.regime ?? ""}>
            <option value="">{t("filters.any")}</option>
            <option value="ZTB">{t("regime.ZTB")}</option>
            <option value="ZFCG">{t("regime.ZFCG")}</option>
          </select>
        </label>
        <label>
          {t("filters.category")}
          <select name="category" defaultValue={q.category ?? ""}>
            <option value="">{t("filters.any")}</option>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`category.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("filters.stage")}
          <select name="stage" defaultValue={q.stage ?? ""}>
            <option value="">{t("filters.any")}</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {t(`stage.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("filters.light")}
          <select name="light" defaultValue={q.light ?? ""}>
            <option value="">{t("filters.any")}</option>
            {LIGHTS.map((l) => (
              <option key={l} value={l}>
                {t(`light.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("filters.supervisor")}
          <select name="supervisor" defaultValue={q.supervisor ?? ""}>
            <option value="">{t("filters.any")}</option>
            {d.supervisors.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" name="alerts" value="1" defaultChecked={q.alerts === "1"} /> {t("filters.withAlerts")}
        </label>
        <button type="submit">{t("filters.apply")}</button>
        <Link to="?">{t("filters.clear")}</Link>
      </Form>

      {d.rows.length === 0 ? (
        <p className="card muted" data-testid="dashboard-empty">
          {t("dashboard.empty")}
        </p>
      ) : (
        <table data-testid="supervise-list" onClick={onTableClick}>
          <thead>
            <tr>
              <th>{t("table.light")}</th>
              <th>{t("table.project")}</th>
              <th>{t("table.section")}</th>
              <th>{t("table.tenderingUnit")}</th>
              <th>{t("table.region")}</th>
              <th>{t("table.stage")}</th>
              <th>{t("table.reasons")}</th>
              <th>{t("table.since")}</th>
              <th className="num">{t("table.alerts")}</th>
              <th className="num">{t("table.cases")}</th>
              <th>{t("table.audit")}</th>
            </tr>
          </thead>
          <tbody>
            {d.rows.map((r) => (
              <tr key={r.sectionId} data-testid="supervise-row" data-section={r.sectionId} data-light={r.light}>
                <td>
                  <span className={`light-dot light-${r.light}`} title={once(`light.${r.light}`, r.light)} />
                  <span className="sr-only">{once(`light.${r.light}`, r.light)}</span>
                </td>
                <td>
                  <a href={`/supervise/${r.projectId}`} data-testid="project-link">
                    <span className="portal-nowrap">{r.code}</span> {r.title}
                  </a>
                </td>
                <td>
                  {r.sectionCode} {r.sectionTitle}
                </td>
                <td>{r.tenderingUnit}</td>
                <td className="small">{r.region}</td>
                <td>
                  <span className="tag">{once(`stage.${r.stage}`, r.stage)}</span>
                </td>
                <td className="small" data-testid="reasons">
                  {r.reasons.map(reasonName).join("；") || "—"}
                </td>
                <td className="portal-nowrap small">{r.lightSince ? formatCst(r.lightSince) : "—"}</td>
                <td className="num">{r.openAlerts > 0 ? <a href={`/supervise/${r.projectId}#alerts`}>{r.openAlerts}</a> : 0}</td>
                <td className="num">{r.openCases > 0 ? <a href={`/supervise/cases?project=${r.projectId}`}>{r.openCases}</a> : 0}</td>
                <td>
                  <a href={`/record?project=${encodeURIComponent(r.code)}`}>{once("table.auditLink", "")}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages > 1 && (
        <nav className="pager">
          {q.page > 1 && <Link to={dashboardHref(q, { page: q.page - 1 })}>{t("portal:list.prev")}</Link>}
          <span>{t("portal:list.page", { page: q.page, pages })}</span>
          {q.page < pages && <Link to={dashboardHref(q, { page: q.page + 1 })}>{t("portal:list.next")}</Link>}
        </nav>
      )}

      <h2>{t("charts.title", { days: d.charts.days.length })}</h2>
      <div className="charts">
        <StageChart stages={d.charts.stages} order={STAGES} />
        <DailyBars data={d.charts.limitsPassed} label={t("charts.limitsPassed")} testId="chart-limits" colour="#cf222e" />
        <KindBars data={d.charts.alertsByKind} label={t("charts.alertsByKind")} render={alertName} />
      </div>
    </div>
  );
}
