import { describe, expect, it } from "vitest";
import { chinaDayOf, dashboardHref, lastDays, parseDashboardQuery } from "./dashboard-query";

describe("supervision dashboard query (R63/R65)", () => {
  it("parses every filter and drops malformed values instead of failing", () => {
    const q = parseDashboardQuery(new URLSearchParams("light=red&stage=publicity&regime=ZTB&category=goods&region=黑龙江省大庆市&page=3&alerts=1"));
    expect(q).toMatchObject({ light: "red", stage: "publicity", regime: "ZTB", category: "goods", region: "黑龙江省大庆市", page: 3, alerts: "1" });
    const bad = parseDashboardQuery(new URLSearchParams("light=purple&stage=x&regime=&page=-4&supervisor=not-a-uuid&region=" + "长".repeat(61) + "&q=a%00b"));
    expect(bad).toEqual({ page: 1, light: undefined, stage: undefined, regime: undefined, supervisor: undefined, region: undefined, q: undefined, category: undefined, alerts: undefined });
    expect(parseDashboardQuery(new URLSearchParams("page=99999999")).page).toBe(1);
  });

  it("links keep the other filters and reset the page unless it is the change", () => {
    const q = parseDashboardQuery(new URLSearchParams("light=red&page=4"));
    expect(dashboardHref(q, { stage: "tendering" })).toBe("?light=red&stage=tendering");
    expect(dashboardHref(q, { page: 5 })).toBe("?light=red&page=5");
    expect(dashboardHref(q, { light: undefined })).toBe("?");
  });

  it("days are China-time calendar days (UTC+8)", () => {
    expect(chinaDayOf(new Date("2026-12-01T15:59:59Z"))).toBe("2026-12-01");
    expect(chinaDayOf(new Date("2026-12-01T16:00:00Z"))).toBe("2026-12-02");
    const days = lastDays(new Date("2026-12-01T16:30:00Z"), 3);
    expect(days).toEqual(["2026-11-30", "2026-12-01", "2026-12-02"]);
  });
});
