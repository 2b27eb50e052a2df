import { describe, expect, it } from "vitest";
import { conflictFor, exclusionFor, rescreenPicks, screenPool, type DrawContext, type ExpertRecord } from "./exclusions";

const ctx: DrawContext = {
  evaluationDate: "2026-12-20",
  tenderingUnitId: "TU",
  agencyId: "AG",
  bidderOrgIds: ["B1", "B2"],
  supervisingOrgIds: ["SUP"],
  region: { mode: "any", projectRegion: "大庆" },
  rotation: { counts: new Map([["busy", 3]]), cap: 3 },
  avoid: new Map([["avoided", "与招标人负责人系同学关系"]]),
  lookbackYears: 3,
};

const expert = (over: Partial<ExpertRecord> = {}): ExpertRecord => ({
  id: "e1",
  status: "active",
  punished: false,
  region: "大庆",
  specialties: ["A080101"],
  employerOrgId: "UNI",
  employment: [{ orgId: "UNI", from: "2010-01-01", to: null }],
  relationships: [],
  unavailable: [],
  ...over,
});

const code = (e: ExpertRecord, c: DrawContext = ctx) => exclusionFor(e, c)?.code ?? null;

describe("exclusions (R39, R40, R33, R35, R36, R68)", () => {
  it("an unconflicted active expert is eligible", () => {
    expect(code(expert())).toBeNull();
  });
  it("R39: blacklisted, suspended and punished experts are excluded; R33: retired", () => {
    expect(code(expert({ status: "blacklisted" }))).toBe("EXCLUDED_BLACKLISTED");
    expect(code(expert({ status: "suspended" }))).toBe("EXCLUDED_SUSPENDED");
    expect(code(expert({ punished: true }))).toBe("EXCLUDED_PUNISHED");
    expect(code(expert({ status: "retired" }))).toBe("EXCLUDED_RETIRED");
  });
  it("R40: current employer is the tendering unit, the agency or a bidder", () => {
    for (const [org, party] of [["TU", "tendering_unit"], ["AG", "agency"], ["B2", "bidder"]] as const) {
      const ex = exclusionFor(expert({ employerOrgId: org, employment: [{ orgId: org, from: "2020-01-01", to: null }] }), ctx);
      expect(ex).toMatchObject({ rule: "R40", code: "EXCLUDED_EMPLOYMENT", params: { org, party } });
    }
  });
  it("R40: employment within the last 3 years counts; before that it does not", () => {
    expect(code(expert({ employment: [{ orgId: "B1", from: "2015-01-01", to: "2024-06-30" }] }))).toBe("EXCLUDED_EMPLOYMENT");
    expect(code(expert({ employment: [{ orgId: "B1", from: "2015-01-01", to: "2023-12-19" }] }))).toBeNull();
    expect(code(expert({ employment: [{ orgId: "B1", from: "2015-01-01", to: "2023-12-20" }] }))).toBe("EXCLUDED_EMPLOYMENT");
  });
  it("R40: shareholdings, directorships and relatives' organisations, with dates", () => {
    expect(exclusionFor(expert({ relationships: [{ orgId: "B1", kind: "shareholding", from: "2022-01-01", to: null }] }), ctx)).toMatchObject({
      code: "EXCLUDED_RELATIONSHIP",
      params: { kind: "shareholding", party: "bidder" },
    });
    expect(code(expert({ relationships: [{ orgId: "TU", kind: "relative", from: "2000-01-01", to: null }] }))).toBe("EXCLUDED_RELATIONSHIP");
    expect(code(expert({ relationships: [{ orgId: "B2", kind: "directorship", from: "2010-01-01", to: "2020-01-01" }] }))).toBeNull();
  });
  it("R39: staff of the supervising department are excluded", () => {
    expect(code(expert({ employerOrgId: "SUP", employment: [{ orgId: "SUP", from: "2019-01-01", to: null }] }))).toBe("EXCLUDED_SUPERVISOR_STAFF");
  });
  it("R36: unavailable on the evaluation date", () => {
    expect(code(expert({ unavailable: [{ from: "2026-12-19", to: "2026-12-21" }] }))).toBe("EXCLUDED_UNAVAILABLE");
    expect(code(expert({ unavailable: [{ from: "2026-12-21", to: "2026-12-25" }] }))).toBeNull();
  });
  it("R68: local or remote (异地) draws", () => {
    expect(code(expert({ region: "哈尔滨" }), { ...ctx, region: { mode: "local", projectRegion: "大庆" } })).toBe("EXCLUDED_NOT_LOCAL");
    expect(code(expert({ region: "大庆" }), { ...ctx, region: { mode: "remote", projectRegion: "大庆" } })).toBe("EXCLUDED_NOT_REMOTE");
    expect(code(expert({ region: "哈尔滨" }), { ...ctx, region: { mode: "remote", projectRegion: "大庆" } })).toBeNull();
  });
  it("R35: the rotation cap for the same tendering unit, and manual avoidance with its reason", () => {
    expect(exclusionFor(expert({ id: "busy" }), ctx)).toMatchObject({ code: "EXCLUDED_ROTATION_CAP", params: { drawn: 3, cap: 3 } });
    expect(exclusionFor(expert({ id: "avoided" }), ctx)).toMatchObject({ code: "EXCLUDED_MANUAL", params: { reason: "与招标人负责人系同学关系" } });
  });
  it("R37/R39/R40 re-screen: conflictFor sees only the conflicts — a bidder known after the draw excludes, status and rotation do not", () => {
    const before = { ...ctx, bidderOrgIds: [] };
    const employedByBidder = expert({ id: "busy", status: "suspended", employerOrgId: "B9", employment: [{ orgId: "B9", from: "2021-01-01", to: null }] });
    expect(conflictFor(employedByBidder, before)).toBeNull();
    expect(conflictFor(employedByBidder, { ...before, bidderOrgIds: ["B9"] })).toEqual({
      expertId: "busy",
      rule: "R40",
      code: "EXCLUDED_EMPLOYMENT",
      params: { org: "B9", party: "bidder", years: 3 },
    });
    const related = expert({ relationships: [{ orgId: "B9", kind: "relative", from: "2024-01-01", to: null }] });
    expect(conflictFor(related, { ...before, bidderOrgIds: ["B9"] })).toMatchObject({ rule: "R40", code: "EXCLUDED_RELATIONSHIP", params: { kind: "relative", party: "bidder" } });
    // Neither status (suspended) nor the rotation cap (busy) is a conflict: the draw settled those.
    expect(conflictFor(expert({ id: "busy", status: "suspended" }), ctx)).toBeNull();
    // exclusionFor still reports the same conflict for a fresh draw.
    expect(exclusionFor(expert({ employerOrgId: "B2", employment: [] }), ctx)).toEqual(conflictFor(expert({ employerOrgId: "B2", employment: [] }), ctx));
  });
  it("R37/R39/R40 re-screen order: conflicted backups leave the standby list before conflicted members are replaced", () => {
    const live = (id: string, standby: boolean, over: Partial<ExpertRecord> = {}) => ({ pick: id, standby, expert: expert({ id, ...over }), evaluationDate: ctx.evaluationDate });
    const picks = [
      live("m1", false),
      live("m2", false, { employment: [{ orgId: "B1", from: "2024-05-01", to: null }] }), // R40.1: employed by a bidder
      live("m3", false, { employment: [{ orgId: "B2", from: "2015-01-01", to: "2022-12-01" }] }), // left > 3 years before: no conflict
      live("b1", true, { relationships: [{ orgId: "B2", kind: "directorship", from: "2025-01-01", to: null }] }), // R40.2
      live("b2", true),
      live("m4", false, { employerOrgId: "SUP", employment: [] }), // R39.2: staff of the supervising department
    ];
    const out = rescreenPicks(picks, ctx);
    expect(out.map((o) => [o.pick, o.exclusion.rule, o.exclusion.code])).toEqual([
      ["b1", "R40", "EXCLUDED_RELATIONSHIP"],
      ["m2", "R40", "EXCLUDED_EMPLOYMENT"],
      ["m4", "R39", expect.any(String)],
    ]);
    // Before the deadline the bidders are unknown: the bidder conflicts do not exist yet (the supervising one does).
    expect(rescreenPicks(picks, { ...ctx, bidderOrgIds: [] }).map((o) => o.pick)).toEqual(["m4"]);
    expect(rescreenPicks([], ctx)).toEqual([]);
  });
  it("screenPool splits eligible from excluded, each exclusion with its rule", () => {
    const r = screenPool([expert({ id: "ok" }), expert({ id: "bad", status: "suspended" }), expert({ id: "busy" })], ctx);
    expect(r.eligible.map((e) => e.id)).toEqual(["ok"]);
    expect(r.excluded.map((x) => [x.expertId, x.rule])).toEqual([
      ["bad", "R39"],
      ["busy", "R35"],
    ]);
  });
});
