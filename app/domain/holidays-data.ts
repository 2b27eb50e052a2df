/**
 * The default holiday calendar loaded on an empty database: the 2026 public holidays and
 * make-up working days (调休) as announced by the State Council General Office. Admins
 * maintain the calendar on /admin/holidays; this is only the starting point (R2).
 */
export const DEFAULT_HOLIDAYS: { date: string; kind: "holiday" | "workday"; name: string }[] = [
  ...range("2026-01-01", 3, "holiday", "元旦"),
  { date: "2026-01-04", kind: "workday", name: "元旦调休" },
  { date: "2026-02-14", kind: "workday", name: "春节调休" },
  ...range("2026-02-15", 9, "holiday", "春节"),
  { date: "2026-02-28", kind: "workday", name: "春节调休" },
  ...range("2026-04-04", 3, "holiday", "清明节"),
  ...range("2026-05-01", 5, "holiday", "劳动节"),
  { date: "2026-05-09", kind: "workday", name: "劳动节调休" },
  ...range("2026-06-19", 3, "holiday", "端午节"),
  { date: "2026-09-20", kind: "workday", name: "国庆节调休" },
  ...range("2026-09-25", 3, "holiday", "中秋节"),
  ...range("2026-10-01", 7, "holiday", "国庆节"),
  { date: "2026-10-10", kind: "workday", name: "国庆节调休" },
  ...range("2027-01-01", 1, "holiday", "元旦"),
];

function range(start: string, days: number, kind: "holiday" | "workday", name: string) {
  const out: { date: string; kind: "holiday" | "workday"; name: string }[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  for (let i = 0; i < days; i++) {
    out.push({ date: d.toISOString().slice(0, 10), kind, name });
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}
