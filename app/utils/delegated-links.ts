import type { MouseEvent } from "react";
import { useNavigate } from "@remix-run/react";

/**
 * Client-side navigation for the plain `<a href>` links of a long table: one click handler on the table instead of a
 * Remix `<Link>` per cell (each costs hooks and a route-discovery attribute in every server render of a page that
 * lists 25 rows × 4 links). A plain left click on a same-origin link navigates in the app; a modified click (new tab,
 * download), a link with a target, or a link elsewhere behaves as the browser does.
 */
export function useDelegatedLinks() {
  const navigate = useNavigate();
  return (e: MouseEvent<HTMLElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest?.("a[href]");
    if (!(a instanceof HTMLAnchorElement) || !e.currentTarget.contains(a) || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href);
    if (url.origin !== window.location.origin) return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  };
}
