import { NavLink } from "@remix-run/react";
import { useTranslation } from "react-i18next";

/** The supervision pages' own navigation: the dashboard, cases and complaints. */
export function SupervisionNav() {
  const { t } = useTranslation("supervision");
  return (
    <nav className="portal-toc small" aria-label={t("cases.nav.dashboard")} data-testid="supervision-nav">
      <NavLink to="/supervise" end>
        {t("cases.nav.dashboard")}
      </NavLink>
      <NavLink to="/supervise/cases">{t("cases.nav.cases")}</NavLink>
      <NavLink to="/supervise/complaints">{t("complaints.title")}</NavLink>
    </nav>
  );
}

/** A limit that ends at 24:00 China time reads as "YYYY-MM-DD 24:00" (R2). */
export function dayEnd(iso: string | null | undefined, format: (d: string) => string): string {
  if (!iso) return "—";
  const s = format(iso);
  return s.endsWith(" 00:00") ? `${format(new Date(new Date(iso).getTime() - 60_000).toISOString()).slice(0, 10)} 24:00` : s;
}
