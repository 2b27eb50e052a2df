import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "#app/components/admin-nav";
import { adminCounts } from "#app/services/accounts.server";
import { requireActor } from "#app/utils/request.server";

export const meta: MetaFunction = () => [{ title: "系统管理 · Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, "admin:orgs");
  return json(await adminCounts(context.app.db));
}

export default function AdminIndex() {
  const c = useLoaderData<typeof loader>();
  const { t } = useTranslation("admin");
  return (
    <>
      <h1>{t("dashboard.title")}</h1>
      <AdminNav />
      <div className="grid grid-3">
        {(
          [
            ["orgs", c.organisations, "/admin/orgs"],
            ["users", c.users, "/admin/users"],
            ["tenders", c.projects, "/supervise"],
            ["records", c.records, "/record"],
          ] as const
        ).map(([k, n, to]) => (
          <Link key={k} to={to} className="card" style={{ textDecoration: "none" }}>
            <div className="muted">{t(`dashboard.${k}`)}</div>
            <div style={{ fontSize: "2rem", fontWeight: 700 }}>{n}</div>
          </Link>
        ))}
      </div>
    </>
  );
}
