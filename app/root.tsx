import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useMemo } from "react";
import { I18nextProvider, useTranslation } from "react-i18next";
import { hasPermission } from "#app/domain/permissions";
import type { Role } from "#app/domain/roles";
import { createI18n, DEFAULT_LANGUAGE, type Language } from "#app/i18n";
import { layoutData } from "#app/services/platform/layout.server";
import { getActor, languageOf } from "#app/utils/request.server";
import { useLiveRevalidate } from "#app/utils/live";
import { useNonce } from "#app/utils/nonce";
import styles from "./styles/app.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "alternate", type: "application/atom+xml", href: "/feed.atom", title: "Tenderhall" },
];

export const meta: MetaFunction = () => [{ title: "Tenderhall" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await getActor(request, context);
  const lang = languageOf(request);
  const layout = await layoutData(context.app, actor);
  return json({ lang, csrfToken: context.csrfToken, ...layout });
}

export type RootData = Awaited<ReturnType<typeof loader>> extends { json(): Promise<infer T> } ? T : never;

export function useRootData() {
  return useRouteLoaderData<typeof loader>("root");
}

function Shell({ lang, children }: { lang: Language; children: React.ReactNode }) {
  const i18n = useMemo(() => createI18n(lang), [lang]);
  // Remix's inline scripts carry the response's CSP nonce (server/edge.ts); empty in the browser.
  const nonce = useNonce();
  return (
    <html lang={lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <I18nextProvider i18n={i18n}>{children}</I18nextProvider>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRootData();
  return <Shell lang={data?.lang ?? DEFAULT_LANGUAGE}>{children}</Shell>;
}

function Header() {
  const data = useRootData();
  const { t } = useTranslation();
  const location = useLocation();
  const roles = (data?.user?.roles ?? []) as Role[];
  const can = (p: Parameters<typeof hasPermission>[1]) => hasPermission(roles, p);
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link to="/" className="brand" title={t("appName")}>
          <span className="brand__mark">招</span>
          <span className="brand__text">
            <span className="brand__name">Tenderhall</span>
            <span className="brand__sub">{t("brandSub")}</span>
          </span>
        </Link>
        <nav className="main-nav" aria-label="main">
          <NavLink to="/" end>
            {t("nav.portal")}
          </NavLink>
          {data?.user && <NavLink to="/workbench">{t("workbench:nav.link")}</NavLink>}
          {can("tender:manage") && <NavLink to="/manage">{t("nav.manage")}</NavLink>}
          {can("supervise:read") && <NavLink to="/supervise">{t("nav.supervise")}</NavLink>}
          {(can("admin:orgs") || can("admin:users")) && <NavLink to="/admin">{t("nav.admin")}</NavLink>}
          {can("draw:read-names") && <NavLink to="/draws">{t("nav.draws")}</NavLink>}
          {roles.includes("expert") && <NavLink to="/invitations">{t("nav.invitations")}</NavLink>}
          {roles.includes("expert") && <NavLink to="/evaluations">{t("nav.evaluations")}</NavLink>}
          {roles.includes("expert") && <NavLink to="/my-profile">{t("nav.myProfile")}</NavLink>}
          {can("bid:submit") && <NavLink to="/my-bids">{t("nav.myBids")}</NavLink>}
          {can("bid:submit") && <NavLink to="/clarifications">{t("nav.clarifications")}</NavLink>}
          {can("record:read") && <NavLink to="/record">{t("nav.record")}</NavLink>}
          {can("certificate:enroll") && <NavLink to="/certificates">{t("nav.certificates")}</NavLink>}
          {data?.user && (
            <NavLink to="/inbox">
              {t("nav.inbox")}
              {data.unread > 0 && <span className="badge">{data.unread}</span>}
            </NavLink>
          )}
        </nav>
        <div className="user-nav">
          <Form method="post" action="/lang" className="inline">
            <input type="hidden" name="lng" value={data?.lang === "en" ? "zh-CN" : "en"} />
            <input type="hidden" name="redirectTo" value={location.pathname + location.search} />
            <button type="submit" className="link-button" data-testid="lang-switch">
              {t("nav.language")}
            </button>
          </Form>
          {data?.user ? (
            // A compact user menu (one header line at 1366 px in both languages); it closes on navigation (new key).
            <details className="user-menu" key={location.key}>
              <summary aria-label={t("nav.account")} data-testid="user-menu">
                <span className="user-menu__name">{data.user.displayName}</span>
              </summary>
              <div className="user-menu__panel">
                <p className="user-menu__who" data-testid="whoami">
                  {t("signedInAs", { name: data.user.displayName, org: data.user.orgName ?? "" })}
                </p>
                <Form method="post" action="/logout">
                  <input type="hidden" name="_csrf" value={data.csrfToken} />
                  <button type="submit" className="link-button" data-testid="logout">
                    {t("nav.logout")}
                  </button>
                </Form>
              </div>
            </details>
          ) : (
            <>
              <Link to="/login">{t("nav.login")}</Link>
              <Link to="/register">{t("nav.register")}</Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

function Footer() {
  const { t } = useTranslation();
  return (
    <footer className="site-footer">
      <p>{t("footer")}</p>
      <p>
        <a href="/feed.atom">{t("nav.feed")}</a> · <a href="/pki">{t("nav.pki")}</a> · <a href="/verify/record">{t("nav.transparency")}</a> · <a href="/verify">{t("nav.verify")}</a>
      </p>
    </footer>
  );
}

export default function App() {
  const data = useRootData();
  // The inbox badge updates live.
  useLiveRevalidate([data?.user ? `user:${data.user.id}` : null]);
  return (
    <>
      <Header />
      <main className="container">
        <Outlet />
      </main>
      <Footer />
    </>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const { t } = useTranslation();
  let message = t("errors.generic");
  let status = 500;
  if (isRouteErrorResponse(error)) {
    status = error.status;
    // A thrown refusal carries a domain error payload: its code (and parameters) are translated
    // here; a 404 without one (no route matched) is "page not found"; anything else the generic text.
    const payload = (error.data as { error?: { code?: unknown; params?: unknown } } | undefined)?.error;
    const code = typeof payload?.code === "string" ? payload.code : null;
    const params = payload?.params && typeof payload.params === "object" ? (payload.params as Record<string, string | number>) : {};
    if (code) message = t(`errors.${code}`, { ...params, defaultValue: t("errors.generic") });
    else if (status === 404) message = t("errors.pageNotFound");
  }
  return (
    <>
      <Header />
      <main className="container">
        <div className="error-page" role="alert">
          <h1>{status}</h1>
          <p>{message}</p>
          <Link to="/">{t("actions.back")}</Link>
        </div>
      </main>
    </>
  );
}
