import { z } from "zod";
import { STAGES } from "./stage";

/**
 * The supervision dashboard's query (GET parameters; R63/R65): every filter bounded, a malformed value dropped (the
 * page shows the unfiltered dimension), never an error. Isomorphic (the pager renders in the browser).
 */
/** Rows per page: the worst first, so a page and a half of a 1366×768 screen holds what needs a look (as the workbench, ADR 021). */
export const DASHBOARD_PAGE_SIZE = 25;
export const DASHBOARD_MAX_PAGE = 10_000;
export const LIGHTS = ["red", "yellow", "green"] as const;
export const CATEGORIES = ["construction", "goods", "services", "survey_design"] as const;
/** The charts' window (days, China time). */
export const CHART_DAYS = 90;

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const text = (max: number) => z.preprocess(blank, z.string().trim().max(max).regex(/^[^\p{Cc}]*$/u).optional()).catch(undefined);

export const DashboardQuerySchema = z.object({
  region: text(60),
  regime: z.preprocess(blank, z.enum(["ZTB", "ZFCG"]).optional()).catch(undefined),
  category: z.preprocess(blank, z.enum(CATEGORIES).optional()).catch(undefined),
  stage: z.preprocess(blank, z.enum(STAGES).optional()).catch(undefined),
  light: z.preprocess(blank, z.enum(LIGHTS).optional()).catch(undefined),
  supervisor: z.preprocess(blank, z.string().uuid().optional()).catch(undefined),
  /** Project code or title (substring). */
  q: text(100),
  /** Only sections with open alerts. */
  alerts: z.preprocess(blank, z.literal("1").optional()).catch(undefined),
  page: z.coerce.number().int().min(1).max(DASHBOARD_MAX_PAGE).catch(1).default(1),
});
export type DashboardQuery = z.infer<typeof DashboardQuerySchema>;

export function parseDashboardQuery(params: URLSearchParams): DashboardQuery {
  return DashboardQuerySchema.parse(Object.fromEntries([...params.keys()].map((k) => [k, params.get(k) ?? undefined])));
}

/** The query string for `q` with `patch` applied (undefined removes a key; any change but the page resets it). */
export function dashboardHref(q: DashboardQuery, patch: Partial<Record<keyof DashboardQuery, string | number | undefined>>): string {
  const merged: Record<string, string | number | undefined> = { ...q, ...(("page" in patch) ? {} : { page: undefined }), ...patch };
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== "" && !(k === "page" && Number(v) === 1)) sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : "?";
}

/** The China-time calendar day (YYYY-MM-DD) of an instant: the charts' buckets. */
export function chinaDayOf(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** The `days` China-time calendar days ending with `now`'s, oldest first. */
export function lastDays(now: Date, days: number): string[] {
  const out: string[] = [];
  const today = Date.parse(`${chinaDayOf(now)}T00:00:00Z`);
  for (let i = days - 1; i >= 0; i--) out.push(new Date(today - i * 86400_000).toISOString().slice(0, 10));
  return out;
}
