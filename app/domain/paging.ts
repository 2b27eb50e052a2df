/**
 * Page sizes of lists whose pager is rendered in the browser. They live here, not in the `.server` query modules,
 * because the classic compiler empties `.server` modules in the browser bundle (a constant imported from one is
 * `undefined` after hydration). Loaders also return the size they used, so the page never recomputes it.
 */
export const POOL_PAGE_SIZE = 50;

/** Number of pages for `total` rows (at least one, so "page 1 of 1" reads right on an empty list). */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
