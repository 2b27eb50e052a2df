import { describe, expect, it } from "vitest";
import { portalStatusOf, resultsPhaseOf, sectionPublicStage, type SectionPhaseInput } from "./portal";

const s = (status: SectionPhaseInput["status"], stage: SectionPhaseInput["stage"] = null, contracted = false): SectionPhaseInput => ({ status, stage, contracted });

describe("resultsPhaseOf (R51, R56, R58)", () => {
  it("publicity while any section's publicity runs or is suspended (R52)", () => {
    expect(resultsPhaseOf([s("publicity", "publicity")])).toBe("publicity");
    expect(resultsPhaseOf([s("publicity", "suspended"), s("contracted", "contracted", true)])).toBe("publicity");
  });
  it("awarded once a result is announced; a decided but unannounced winner is not public", () => {
    expect(resultsPhaseOf([s("publicity", "decided")])).toBeNull();
    expect(resultsPhaseOf([s("publicity", "decision")])).toBeNull();
    expect(resultsPhaseOf([s("awarded", "notified")])).toBe("awarded");
    expect(resultsPhaseOf([s("contracted", "contracted", true), s("evaluating")])).toBe("awarded");
  });
  it("contracted when every section is done and one has a contract", () => {
    expect(resultsPhaseOf([s("contracted", "contracted", true), s("failed")])).toBe("contracted");
    expect(resultsPhaseOf([s("archived", "archived", true), s("archived")])).toBe("contracted");
    expect(resultsPhaseOf([s("failed"), s("failed", "ended")])).toBeNull();
    expect(resultsPhaseOf([])).toBeNull();
  });
});

describe("portalStatusOf", () => {
  const now = new Date("2026-12-01T00:00:00Z");
  const before = new Date("2026-12-02T00:00:00Z");
  const after = new Date("2026-11-30T00:00:00Z");
  it("bidding before the deadline whatever the phase; after it, the phase or closed; other statuses as they are", () => {
    expect(portalStatusOf({ status: "published", bidDeadline: before }, now, "publicity")).toBe("bidding");
    expect(portalStatusOf({ status: "published", bidDeadline: after }, now)).toBe("closed");
    expect(portalStatusOf({ status: "published", bidDeadline: after }, now, "contracted")).toBe("contracted");
    expect(portalStatusOf({ status: "terminated", bidDeadline: after }, now, "awarded")).toBe("terminated");
  });
});

describe("sectionPublicStage", () => {
  it("the results stage once there is one, else the section status", () => {
    expect(sectionPublicStage(s("evaluating"))).toBe("evaluating");
    expect(sectionPublicStage(s("publicity", "suspended"))).toBe("publicity_suspended");
    expect(sectionPublicStage(s("awarded", "notified"))).toBe("awarded");
    expect(sectionPublicStage(s("evaluating", "recheck"))).toBe("recheck");
    expect(sectionPublicStage(s("contracted", "contracted", true))).toBe("contracted");
  });
});
