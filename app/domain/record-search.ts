import { z } from "zod";

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const text = (max: number) => z.preprocess(blank, z.string().trim().max(max).regex(/^[^\p{Cc}]*$/u).optional()).catch(undefined);

/**
 * The record viewer's search (/record): by project (code or title of the subject's project — a project entry, or one
 * of its sections, bids or draws), by day (a calendar day in China time), by action (a code, or a group such as
 * `opening.`), by actor (username or name), and the subject id the entries link to. Bad values are dropped, never
 * errors (it is a GET form).
 */
export const RecordSearchSchema = z.object({
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
  subject: z.preprocess(blank, z.string().trim().regex(/^[0-9A-Za-z_.:-]{1,64}$/).optional()).catch(undefined),
  project: text(100),
  date: z.preprocess(blank, z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/).refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00+08:00`))).optional()).catch(undefined),
  action: z.preprocess(blank, z.string().trim().regex(/^[a-z_]{1,40}(\.[a-z_]{0,60})?$/).optional()).catch(undefined),
  actor: text(100),
});
export type RecordSearch = z.infer<typeof RecordSearchSchema>;

/** The instants [from, to) of a calendar day in China time (UTC+8, no daylight saving). */
export function chinaDay(date: string): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + 86400_000) };
}
