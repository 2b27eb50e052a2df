// Who may see whom in the record (app/domain/record-visibility.ts), the record search (app/domain/record-search.ts)
// and a bidder's bid states (app/domain/my-bids.ts).
import { describe, expect, it } from "vitest";
import { myBidState } from "#app/domain/my-bids";
import { chinaDay, RecordSearchSchema } from "#app/domain/record-search";
import { actorVisible } from "#app/domain/record-visibility";

describe("actorVisible (R9, ADR 007, ADR 010)", () => {
  const admin = { supervisor: false, managesProject: false };
  const tenderSide = { supervisor: false, managesProject: true };
  const supervisor = { supervisor: true, managesProject: false };

  it("who obtained the documents: the project's tendering unit/agency and supervisors only (R9)", () => {
    expect(actorVisible("document.obtain", admin)).toBe(false);
    expect(actorVisible("document.obtain", tenderSide)).toBe(true);
    expect(actorVisible("document.obtain", supervisor)).toBe(true);
  });

  it("objectors: the tender side and supervisors; askers: supervisors only (anonymous to the tender side)", () => {
    for (const a of ["objection.file", "opening.objection_raised"]) {
      expect(actorVisible(a, admin), a).toBe(false);
      expect(actorVisible(a, tenderSide), a).toBe(true);
      expect(actorVisible(a, supervisor), a).toBe(true);
    }
    expect(actorVisible("question.ask", admin)).toBe(false);
    expect(actorVisible("question.ask", tenderSide)).toBe(false);
    expect(actorVisible("question.ask", supervisor)).toBe(true);
  });

  it("a sealed bid hides its bidder from everyone; other entries show their actor", () => {
    expect(actorVisible("bid.submit", supervisor, true)).toBe(false);
    expect(actorVisible("bid.submit", supervisor, false)).toBe(true);
    expect(actorVisible("project.publish", admin)).toBe(true);
    expect(actorVisible("auth.login", admin)).toBe(true);
  });
});

describe("RecordSearchSchema", () => {
  it("keeps good values and drops bad ones (a GET form never fails)", () => {
    expect(RecordSearchSchema.parse({ project: " DQ-2026-JS-0466 ", date: "2026-12-02", action: "opening.", actor: "陈投标", before: "120" })).toEqual({
      project: "DQ-2026-JS-0466",
      date: "2026-12-02",
      action: "opening.",
      actor: "陈投标",
      before: 120,
      subject: undefined,
    });
    expect(RecordSearchSchema.parse({ date: "02/12/2026", action: "DROP TABLE", before: "-1", subject: "x'; drop", project: "a\u0000b" })).toEqual({
      date: undefined,
      action: undefined,
      before: undefined,
      subject: undefined,
      project: undefined,
      actor: undefined,
    });
  });

  it("a day is China time: 00:00 to 24:00 at UTC+8", () => {
    const d = chinaDay("2026-12-02");
    expect(d.from.toISOString()).toBe("2026-12-01T16:00:00.000Z");
    expect(d.to.toISOString()).toBe("2026-12-02T16:00:00.000Z");
  });
});

describe("myBidState", () => {
  const base = { latestStatus: null, uploadOpen: false, deadlinePassed: false, openingPhase: null, openingState: null } as const;
  it("before the opening", () => {
    expect(myBidState({ ...base, uploadOpen: true })).toBe("uploading");
    expect(myBidState({ ...base, latestStatus: "submitted" })).toBe("sealed");
    expect(myBidState({ ...base, latestStatus: "submitted", uploadOpen: true })).toBe("sealed");
    expect(myBidState({ ...base, latestStatus: "withdrawn" })).toBe("withdrawn");
    expect(myBidState({ ...base, latestStatus: "submitted", deadlinePassed: true })).toBe("awaiting_opening");
  });
  it("in the hall", () => {
    const hall = { ...base, latestStatus: "submitted", deadlinePassed: true } as const;
    expect(myBidState({ ...hall, openingPhase: "decryption", openingState: "pending" })).toBe("opening_pending");
    expect(myBidState({ ...hall, openingPhase: "decryption", openingState: "decrypted" })).toBe("decrypted");
    expect(myBidState({ ...hall, openingPhase: "reading", openingState: "decrypted" })).toBe("read_out");
    expect(myBidState({ ...hall, openingPhase: "closed", openingState: "decrypted" })).toBe("opening_closed");
    expect(myBidState({ ...hall, openingPhase: "closed", openingState: "revoked" })).toBe("revoked");
    expect(myBidState({ ...hall, openingPhase: "closed", openingState: "withdrawn" })).toBe("not_opened");
    expect(myBidState({ ...hall, openingPhase: "failed", openingState: "pending" })).toBe("failed");
  });
});
