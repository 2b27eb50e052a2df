import { NavLink } from "@remix-run/react";
import { useTranslation } from "react-i18next";

export function AdminNav() {
  const { t } = useTranslation("admin");
  return (
    <nav className="actions" style={{ marginTop: 0, marginBottom: "1rem" }} aria-label="admin">
      <NavLink to="/admin" end>
        {t("nav.dashboard")}
      </NavLink>
      <NavLink to="/admin/orgs">{t("nav.orgs")}</NavLink>
      <NavLink to="/admin/users">{t("nav.users")}</NavLink>
      <NavLink to="/admin/holidays">{t("nav.holidays")}</NavLink>
      <NavLink to="/admin/rooms">{t("nav.rooms")}</NavLink>
      <NavLink to="/pool">{t("nav.pool")}</NavLink>
      <NavLink to="/record">{t("nav.record")}</NavLink>
    </nav>
  );
}
