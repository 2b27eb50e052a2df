import { describe, expect, it } from "vitest";
import { covers, jurisdictionOf, supervisingOrg, type SupervisorOrg } from "./jurisdiction";

const city: SupervisorOrg = { id: "c", name: "大庆市住房和城乡建设局", jurisdiction: "黑龙江省大庆市", region: "黑龙江省大庆市" };
const county: SupervisorOrg = { id: "z", name: "肇州县住房和城乡建设局", jurisdiction: "黑龙江省大庆市肇州县", region: "黑龙江省大庆市肇州县" };
const other: SupervisorOrg = { id: "h", name: "哈尔滨市财政局", jurisdiction: null, region: "黑龙江省哈尔滨市" };
const platform: SupervisorOrg = { id: "p", name: "省监察", jurisdiction: "", region: "黑龙江省" };

describe("city–county supervision (R63/R64)", () => {
  it("a jurisdiction falls back to the organisation's region; '' supervises everything", () => {
    expect(jurisdictionOf(other)).toBe("黑龙江省哈尔滨市");
    expect(jurisdictionOf(platform)).toBe("");
    expect(covers("", "任何地区")).toBe(true);
  });

  it("the city covers its counties, a county only itself", () => {
    expect(covers(jurisdictionOf(city), "黑龙江省大庆市肇州县")).toBe(true);
    expect(covers(jurisdictionOf(county), "黑龙江省大庆市肇州县")).toBe(true);
    expect(covers(jurisdictionOf(county), "黑龙江省大庆市萨尔图区")).toBe(false);
    expect(covers(jurisdictionOf(city), "黑龙江省哈尔滨市")).toBe(false);
  });

  it("the supervising department is the most specific jurisdiction (county before city, city before platform)", () => {
    const all = [platform, city, county, other];
    expect(supervisingOrg(all, "黑龙江省大庆市肇州县")?.id).toBe("z");
    expect(supervisingOrg(all, "黑龙江省大庆市萨尔图区")?.id).toBe("c");
    expect(supervisingOrg(all, "吉林省长春市")?.id).toBe("p");
    expect(supervisingOrg([city, county], "吉林省长春市")).toBeNull();
  });

  it("equal jurisdictions: the first by name, then id (independent of input order)", () => {
    const a = { ...city, id: "a2", name: "甲" };
    const b = { ...city, id: "a1", name: "甲" };
    expect(supervisingOrg([a, b], "黑龙江省大庆市")?.id).toBe("a1");
    expect(supervisingOrg([b, a], "黑龙江省大庆市")?.id).toBe("a1");
  });
});
