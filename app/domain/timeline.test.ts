import { describe, expect, it } from "vitest";
import { buildTimeline, type TimelineInput, type TimelineSection } from "./timeline";

const at = (s: string) => new Date(`${s}+08:00`);
const section = (over: Partial<TimelineSection> = {}): TimelineSection => ({
  id: "s1",
  code: "BD01",
  opening: null,
  evaluation: null,
  reports: [],
  publicities: [],
  objections: [],
  result: null,
  contract: null,
  archivedAt: null,
  ...over,
});
const base = (over: Partial<TimelineInput> = {}): TimelineInput => ({
  now: at("2026-12-20T12:00:00"),
  project: { publishedAt: at("2026-11-01T09:00:00"), bidDeadline: at("2026-11-25T09:30:00") },
  amendments: [],
  objections: [],
  sections: [],
  ...over,
});
const result = (over: Partial<NonNullable<TimelineSection["result"]>> = {}): NonNullable<TimelineSection["result"]> => ({
  stage: "publicity",
  publicityEndsAt: null,
  publicityEndedAt: null,
  decidedAt: null,
  decisionMode: null,
  notifiedAt: null,
  reportSignedAt: at("2026-11-28T16:00:00"),
  endedReason: null,
  ...over,
});
const kinds = (i: TimelineInput) => buildTimeline(i).map((e) => e.kind);

describe("buildTimeline", () => {
  it("a tender still open: published, amendment extending the deadline, the deadline scheduled", () => {
    const tl = buildTimeline(
      base({ now: at("2026-11-10T00:00:00"), amendments: [{ seq: 1, issuedAt: at("2026-11-05T10:00:00"), extended: true, newDeadline: at("2026-11-25T09:30:00") }] }),
    );
    expect(tl.map((e) => e.kind)).toEqual(["published", "amended", "deadline"]);
    expect(tl[1]!.params).toEqual({ seq: 1, deadline: at("2026-11-25T09:30:00").toISOString() });
    expect(tl[2]!.upcoming).toBe(true);
  });

  it("R11: the tender is suspended at the first pending objection and resumed when the last is answered", () => {
    const tl = buildTimeline(
      base({
        objections: [
          { filedAt: at("2026-11-06T10:00:00"), answeredAt: at("2026-11-08T10:00:00") },
          { filedAt: at("2026-11-07T10:00:00"), answeredAt: at("2026-11-09T10:00:00") },
          { filedAt: at("2026-11-12T10:00:00"), answeredAt: null },
        ],
      }),
    );
    const s = tl.filter((e) => e.kind === "tender_suspended" || e.kind === "tender_resumed");
    expect(s.map((e) => [e.kind, e.at])).toEqual([
      ["tender_suspended", at("2026-11-06T10:00:00").toISOString()],
      ["tender_resumed", at("2026-11-09T10:00:00").toISOString()],
      ["tender_suspended", at("2026-11-12T10:00:00").toISOString()],
    ]);
  });

  it("every stage of a ZTB section in order: opening, evaluation, publicity suspended and resumed (R52), ended, decided, notices, contract (R58), archived", () => {
    const tl = buildTimeline(
      base({
        sections: [
          section({
            opening: { phase: "closed", phaseChangedAt: at("2026-11-25T10:10:00"), closedAt: at("2026-11-25T10:10:00") },
            evaluation: { stage: "signed", startsAt: at("2026-11-27T09:00:00"), stageChangedAt: at("2026-11-28T16:00:00") },
            reports: [{ number: "PB-1", signedAt: at("2026-11-28T16:00:00") }],
            publicities: [{ number: "GS-1", issuedAt: at("2026-11-28T16:00:01") }],
            objections: [
              { filedAt: at("2026-11-29T09:00:00"), answeredAt: at("2026-11-30T09:00:00"), outcome: "dismissed" },
              { filedAt: at("2026-11-29T11:00:00"), answeredAt: at("2026-11-30T15:00:00"), outcome: "dismissed" },
            ],
            result: result({
              stage: "archived",
              publicityEndsAt: at("2026-12-03T00:00:00"),
              publicityEndedAt: at("2026-12-03T00:00:05"),
              decidedAt: at("2026-12-04T10:00:00"),
              decisionMode: "chosen",
              notifiedAt: at("2026-12-05T10:00:00"),
            }),
            // Signed the same day as the notices (a day sorts at 00:00): still after them, by its recording.
            contract: { signedOn: "2026-12-05", recordedAt: at("2026-12-05T15:00:00") },
            archivedAt: at("2026-12-18T10:00:00"),
          }),
        ],
      }),
    );
    expect(tl.map((e) => e.kind)).toEqual([
      "published",
      "deadline",
      "opening_closed",
      "evaluation_started",
      "report_signed",
      "publicity_started",
      "publicity_suspended",
      "publicity_resumed",
      "publicity_ended",
      "winner_decided",
      "notices_issued",
      "contract_signed",
      "archived",
    ]);
    // One suspension for two overlapping objections; resumed only when the second is answered.
    expect(tl.find((e) => e.kind === "publicity_resumed")!.at).toBe(at("2026-11-30T15:00:00").toISOString());
    expect(tl.find((e) => e.kind === "contract_signed")).toMatchObject({ day: "2026-12-05", sectionCode: "BD01", sectionId: "s1" });
    expect(tl.find((e) => e.kind === "winner_decided")!.params).toEqual({ mode: "chosen" });
    expect(tl.every((e) => !e.upcoming)).toBe(true);
  });

  it("a running publicity shows its end as scheduled; nothing after it yet", () => {
    const tl = buildTimeline(
      base({
        now: at("2026-12-01T12:00:00"),
        sections: [section({ publicities: [{ number: "GS-1", issuedAt: at("2026-11-30T10:00:00") }], result: result({ publicityEndsAt: at("2026-12-04T00:00:00") }) })],
      }),
    );
    expect(tl.slice(-2).map((e) => [e.kind, !!e.upcoming])).toEqual([
      ["publicity_started", false],
      ["publicity_ends", true],
    ]);
  });

  it("条例56: a sustained objection sends the section to re-check; a second publicity follows; the deemed ZFCG choice (R57) is marked", () => {
    const tl = buildTimeline(
      base({
        sections: [
          section({
            reports: [
              { number: "PB-1", signedAt: at("2026-11-28T16:00:00") },
              { number: "PB-2", signedAt: at("2026-12-02T16:00:00") },
            ],
            publicities: [
              { number: "GS-2", issuedAt: at("2026-12-02T16:00:01") },
              { number: "GS-1", issuedAt: at("2026-11-28T16:00:01") },
            ],
            objections: [{ filedAt: at("2026-11-29T09:00:00"), answeredAt: at("2026-11-30T09:00:00"), outcome: "recheck" }],
            result: result({ stage: "decided", decidedAt: at("2026-12-10T00:00:00"), decisionMode: "deemed" }),
          }),
        ],
      }),
    );
    expect(tl.slice(2).map((e) => e.kind)).toEqual(["report_signed", "publicity_started", "publicity_suspended", "recheck", "report_signed", "publicity_started", "winner_decided"]);
    expect(tl.filter((e) => e.kind === "publicity_started").map((e) => e.params.number)).toEqual(["GS-1", "GS-2"]);
    expect(tl.at(-1)!.params).toEqual({ mode: "deemed" });
  });

  it("failures: an opening that failed, a section ended by an objection or without candidates, an archive without results", () => {
    const tl = buildTimeline(
      base({
        sections: [
          section({ id: "a", code: "BD01", opening: { phase: "failed", phaseChangedAt: at("2026-11-25T10:00:00"), closedAt: null }, archivedAt: at("2026-12-01T10:00:00") }),
          section({
            id: "b",
            code: "BD02",
            publicities: [{ number: "GS-1", issuedAt: at("2026-11-28T16:00:01") }],
            objections: [{ filedAt: at("2026-11-29T09:00:00"), answeredAt: at("2026-11-30T09:00:00"), outcome: "end" }],
            result: result({ stage: "ended", endedReason: "objection_sustained" }),
          }),
          section({ id: "c", code: "BD03", result: result({ stage: "ended", endedReason: "no_candidates", reportSignedAt: at("2026-11-28T17:00:00") }) }),
        ],
      }),
    );
    const of = (code: string) => tl.filter((e) => e.sectionCode === code).map((e) => [e.kind, e.params.reason ?? null]);
    expect(of("BD01")).toEqual([
      ["opening_failed", null],
      ["archived", null],
    ]);
    expect(of("BD02")).toEqual([
      ["publicity_started", null],
      ["publicity_suspended", null],
      ["result_ended", "objection_sustained"],
    ]);
    expect(of("BD03")).toEqual([["result_ended", "no_candidates"]]);
  });

  it("same instant: stage order first, then section order", () => {
    const t0 = at("2026-11-25T09:30:00");
    const tl = buildTimeline(
      base({
        project: { publishedAt: at("2026-11-01T09:00:00"), bidDeadline: t0 },
        sections: [
          section({ id: "a", code: "BD01", opening: { phase: "closed", phaseChangedAt: t0, closedAt: t0 } }),
          section({ id: "b", code: "BD02", opening: { phase: "failed", phaseChangedAt: t0, closedAt: null } }),
        ],
      }),
    );
    expect(tl.map((e) => `${e.kind}:${e.sectionCode ?? "-"}`)).toEqual(["published:-", "deadline:-", "opening_failed:BD02", "opening_closed:BD01"]);
    expect(kinds(base())).toEqual(["published", "deadline"]);
  });
});
