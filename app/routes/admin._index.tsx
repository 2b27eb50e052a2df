import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "#app/components/admin-nav";
import { ORG_KINDS } from "#app/domain/roles";
import { adminDashboard } from "#app/services/accounts/accounts.server";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "系统管理 · Tenderhall" }];

/** The current year in China time (the holiday calendar is kept per year). */
function cstYear(): number {
  return new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, "admin:orgs");
  return json(await adminDashboard(context.app.db, cstYear()));
}

export default function AdminIndex() {
  const c = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  const cards = [
    { key: "orgs", n: c.organisations, to: "/admin/orgs", sub: null },
    { key: "users", n: c.users, to: "/admin/users", sub: t("dashboard.usersSub", { active: c.activeUsers, inactive: c.inactiveUsers }) },
    { key: "holidays", n: c.holidays, to: `/admin/holidays?year=${c.year}`, sub: t("dashboard.holidaysSub", { year: c.year }) },
    // Projects are the supervisors' and the tender side's pages; the admin only sees the count.
    { key: "tenders", n: c.projects, to: null, sub: null },
    { key: "records", n: c.records, to: "/record", sub: null },
  ] as const;
  return (
    <>
      <h1>{t("dashboard.title")}</h1>
      <AdminNav />
      <p className="muted">{t("dashboard.intro")}</p>
      <div className="grid grid-3 admin-stats" data-testid="admin-stats">
        {cards.map((card) => {
          const body = (
            <>
              <div className="muted">{t(`dashboard.${card.key}`)}</div>
              <div className="admin-stat__n">{card.n}</div>
              {card.sub && <div className="muted small">{card.sub}</div>}
            </>
          );
          return card.to ? (
            <Link key={card.key} to={card.to} className="card admin-stat">
              {body}
            </Link>
          ) : (
            <div key={card.key} className="card admin-stat">
              {body}
            </div>
          );
        })}
      </div>
      <h2>{t("dashboard.byKind")}</h2>
      <table className="admin-table">
        <thead>
          <tr>
            <th>{t("orgs.kind")}</th>
            <th className="num">{t("dashboard.count")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {ORG_KINDS.map((k) => (
            <tr key={k}>
              <td>{t(`common:orgKinds.${k}`)}</td>
              <td className="num">{c.orgsByKind[k] ?? 0}</td>
              <td>
                <Link to={`/admin/orgs?kind=${k}`}>{t("dashboard.viewKind")}</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t("dashboard.tasks")}</h2>
      <ul className="admin-links">
        <li>
          <Link to="/admin/orgs#new-org">{t("dashboard.taskOrg")}</Link>
        </li>
        <li>
          <Link to="/admin/users#new-user">{t("dashboard.taskUser")}</Link>
        </li>
        <li>
          <Link to="/admin/certificates">{t("bids:admin.title")}</Link>
        </li>
        <li>
          <Link to={`/admin/holidays?year=${c.year + 1}`}>{t("dashboard.taskHolidays", { year: c.year + 1 })}</Link>
        </li>
        <li>
          <Link to="/admin/rooms">{t("dashboard.taskRooms")}</Link>
        </li>
        <li>
          <Link to="/record">{t("dashboard.taskRecord")}</Link>
        </li>
      </ul>
    </>
  );
}
