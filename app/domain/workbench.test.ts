import { describe, expect, it } from "vitest";
import { MAX_PAGE } from "./limits";
import {
  attendsOpening,
  bookingsPerDay,
  byDue,
  dayInWindow,
  fallbackStage,
  listHref,
  pageOf,
  pendingRule,
  stageCounts,
  urgencyOf,
  WB_PAGE_SIZE,
  WB_PREVIEW,
  WorkbenchQuerySchema,
  workbenchParts,
} from "./workbench";

// 2026-03-10 10:00 China time.
const NOW = new Date("2026-03-10T02:00:00Z");
const cst = (s: string) => new Date(`${s}+08:00`);

describe("workbench parts", () => {
  it("one part per role held; the tendering unit and the agency share one; a supervisor has none", () => {
    expect(workbenchParts(["bidder"])).toEqual(["bidder"]);
    expect(workbenchParts(["agency", "tendering_unit"])).toEqual(["tendering"]);
    expect(workbenchParts(["admin", "expert", "tendering_unit"])).toEqual(["tendering", "expert", "admin"]);
    expect(workbenchParts(["supervisor"])).toEqual([]);
  });
});

describe("a section's stage without a supervision_lights row", () => {
  it("follows the results stage once it exists (R51–R57)", () => {
    const at = (resultStage: Parameters<typeof fallbackStage>[0]["resultStage"]) => fallbackStage({ projectStatus: "published", sectionStatus: "publicity", resultStage });
    expect(at("publicity_due")).toBe("publicity");
    expect(at("suspended")).toBe("publicity"); // R52: an objection suspends the publicity
    expect(at("recheck")).toBe("publicity");
    expect(at("decision")).toBe("decision"); // R55/R57
    expect(at("decided")).toBe("decision"); // notices due (R56)
    expect(at("notified")).toBe("contract"); // contract due (R56)
    expect(at("contracted")).toBe("completed");
    expect(at("archived")).toBe("completed");
    expect(at("ended")).toBe("ended");
  });

  it("else the section's status: tendering, opening (R24–R28), evaluation (R41–R50); ended when failed or terminated", () => {
    const at = (sectionStatus: Parameters<typeof fallbackStage>[0]["sectionStatus"], projectStatus: Parameters<typeof fallbackStage>[0]["projectStatus"] = "published") =>
      fallbackStage({ projectStatus, sectionStatus, resultStage: null });
    expect(at("draft", "draft")).toBe("draft");
    expect(at("draft")).toBe("tendering");
    expect(at("published")).toBe("tendering");
    expect(at("published", "suspended")).toBe("tendering"); // R11: suspended by an objection, still tendering
    expect(at("opening")).toBe("opening");
    expect(at("opened")).toBe("opening");
    expect(at("evaluating")).toBe("evaluation");
    expect(at("evaluated")).toBe("evaluation");
    expect(at("failed")).toBe("ended"); // R25/R45
    expect(at("terminated")).toBe("ended");
    expect(at("published", "terminated")).toBe("ended"); // R13
    expect(fallbackStage({ projectStatus: "terminated", sectionStatus: "publicity", resultStage: "publicity" })).toBe("ended");
  });

  it("counts sections per stage in lifecycle order, empty stages left out", () => {
    expect(stageCounts([{ stage: "contract" }, { stage: "tendering" }, { stage: "contract" }])).toEqual([
      { stage: "tendering", count: 1 },
      { stage: "contract", count: 2 },
    ]);
    expect(stageCounts([])).toEqual([]);
  });
});

describe("what needs an answer and by when", () => {
  it("names the rule of each limit by regime", () => {
    expect(pendingRule("objection", "ZTB")).toBe("R11");
    expect(pendingRule("objection", "ZFCG")).toBe("R12");
    expect(pendingRule("result_objection", "ZTB")).toBe("R52");
    expect(pendingRule("decision", "ZTB")).toBe("R55");
    expect(pendingRule("decision", "ZFCG")).toBe("R57");
    expect(pendingRule("notices", "ZTB")).toBe("R56");
    expect(pendingRule("notices", "ZFCG")).toBe("R54");
    expect(pendingRule("contract", "ZFCG")).toBe("R56");
    expect(pendingRule("refund", "ZTB")).toBe("R15");
    expect(pendingRule("question", "ZTB")).toBe("R10");
  });

  it("urgency on the database clock: overdue from 1 ms after the limit, today by China-time date (R2), soon within 3 days", () => {
    expect(urgencyOf(null, NOW)).toBe("none");
    expect(urgencyOf(new Date(NOW.getTime() - 1), NOW)).toBe("overdue");
    expect(urgencyOf(NOW, NOW)).toBe("today"); // due exactly now is not late
    expect(urgencyOf(cst("2026-03-10T23:59:59"), NOW)).toBe("today");
    // 24:00 CST of today is tomorrow's date.
    expect(urgencyOf(cst("2026-03-11T00:00:00"), NOW)).toBe("soon");
    expect(urgencyOf(cst("2026-03-13T23:59:59"), NOW)).toBe("soon");
    expect(urgencyOf(cst("2026-03-14T00:00:00"), NOW)).toBe("later");
    // 07:00 China time on the 10th is still the 9th in UTC: the China-time date decides.
    const early = cst("2026-03-10T07:00:00");
    expect(urgencyOf(cst("2026-03-10T20:00:00"), early)).toBe("today");
  });

  it("sorts the soonest limit first, those without one last, ties stable by key", () => {
    const items = [
      { key: "c", dueAt: null },
      { key: "b", dueAt: cst("2026-03-12T00:00:00") },
      { key: "a", dueAt: null },
      { key: "d", dueAt: cst("2026-03-11T00:00:00") },
      { key: "e", dueAt: cst("2026-03-11T00:00:00") },
    ];
    expect(byDue(items).map((i) => i.key)).toEqual(["d", "e", "b", "a", "c"]);
  });
});

describe("openings a bidder attends (R24, R26)", () => {
  it("a sealed bid counts down to the deadline; a hall that is open or reading is to attend; the rest are not", () => {
    expect(attendsOpening("sealed")).toBe("upcoming");
    for (const s of ["awaiting_opening", "opening_pending", "decrypted", "read_out"] as const) expect(attendsOpening(s), s).toBe("in_hall");
    for (const s of ["uploading", "withdrawn", "revoked", "not_opened", "opening_closed", "failed"] as const) expect(attendsOpening(s), s).toBeNull();
  });
});

describe("room bookings per day", () => {
  it("counts by the China-time day each booking starts, today and the next 13 days only", () => {
    const days = bookingsPerDay([cst("2026-03-10T08:00:00"), cst("2026-03-10T23:30:00"), cst("2026-03-11T00:10:00"), cst("2026-03-23T09:00:00"), cst("2026-03-24T09:00:00"), cst("2026-03-09T09:00:00")], NOW);
    expect(days).toHaveLength(14);
    expect(days[0]).toEqual({ day: "2026-03-10", count: 2 });
    expect(days[1]).toEqual({ day: "2026-03-11", count: 1 });
    expect(days[13]).toEqual({ day: "2026-03-23", count: 1 });
    expect(days.reduce((n, d) => n + d.count, 0)).toBe(4);
  });

  it("a day filter outside the window is ignored", () => {
    expect(dayInWindow("2026-03-10", NOW)).toBe("2026-03-10");
    expect(dayInWindow("2026-03-23", NOW)).toBe("2026-03-23");
    expect(dayInWindow("2026-03-24", NOW)).toBeUndefined();
    expect(dayInWindow("2026-03-09", NOW)).toBeUndefined();
    expect(dayInWindow(undefined, NOW)).toBeUndefined();
  });
});

describe("lists, pages and the query string", () => {
  it("a part shows a preview; the list opened on its own shows one page, the page clamped", () => {
    const rows = Array.from({ length: 60 }, (_, i) => i);
    expect(pageOf(rows, false, 3)).toEqual({ rows: rows.slice(0, WB_PREVIEW), page: 1, pages: 1, total: 60 });
    const p2 = pageOf(rows, true, 2);
    expect(p2).toMatchObject({ page: 2, pages: 3, total: 60 });
    expect(p2.rows[0]).toBe(WB_PAGE_SIZE);
    expect(pageOf(rows, true, MAX_PAGE).page).toBe(3);
    expect(pageOf([], true, 1)).toEqual({ rows: [], page: 1, pages: 1, total: 0 });
  });

  it("parses bounded parameters and ignores bad values", () => {
    expect(WorkbenchQuerySchema.parse({})).toEqual({ role: undefined, list: undefined, stage: undefined, kind: undefined, day: undefined, page: 1 });
    expect(WorkbenchQuerySchema.parse({ role: "bidder", list: "bidder-bids", stage: "contract", kind: "refund", day: "2026-03-11", page: "2" })).toEqual({
      role: "bidder",
      list: "bidder-bids",
      stage: "contract",
      kind: "refund",
      day: "2026-03-11",
      page: 2,
    });
    expect(WorkbenchQuerySchema.parse({ role: "supervisor", list: "x".repeat(5000), stage: "'; drop", kind: "KIND", day: "2026-02-30", page: "1e308" })).toEqual({
      role: undefined,
      list: undefined,
      stage: undefined,
      kind: undefined,
      day: undefined,
      page: 1,
    });
  });

  it("a count links to its list at its anchor, with its filter", () => {
    expect(listHref("tendering-pending", { kind: "objection" })).toBe("/workbench?role=tendering&list=tendering-pending&kind=objection#wb-tendering-pending");
    expect(listHref("admin-jobs")).toBe("/workbench?role=admin&list=admin-jobs#wb-admin-jobs");
  });
});
