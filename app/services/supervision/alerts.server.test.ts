import { describe, expect, it } from "vitest";
import { alert } from "#app/domain/alerts/detectors";
import { alertFingerprint } from "./alerts.server";

/** alerts.fingerprint (docs/decisions/020-supervision-alerts.md "persistence"): stable, one per alert, bounded. */
describe("alertFingerprint", () => {
  const S = "11111111-1111-4111-8111-111111111111";
  const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
  const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

  it("kind | section | sorted subjects; the evidence's changing parts (counts, instants) do not change it", () => {
    const a = alert("ALERT_R25_SINGLE_BIDDER", S, [A], { deadline: "2026-12-01T01:30:00.000Z", bidders: 1 }, "warning");
    expect(alertFingerprint(a)).toBe(`ALERT_R25_SINGLE_BIDDER|${S}|${A}`);
    const p1 = alert("ALERT_R23_PRICE_ARITHMETIC", S, [B, A], { bids: 2 }, "warning");
    const p2 = { ...alert("ALERT_R23_PRICE_ARITHMETIC", S, [A, B], { bids: 3 }, "warning"), subjects: [B, A] };
    expect(alertFingerprint(p1)).toBe(`ALERT_R23_PRICE_ARITHMETIC|${S}|${A},${B}`);
    expect(alertFingerprint(p2)).toBe(alertFingerprint(p1));
  });

  it("R34 spans sections: '-' for the section", () => {
    expect(alertFingerprint(alert("ALERT_R34_REPEATED_DECLINES", null, [A], { declines: 3 }, "warning"))).toBe(`ALERT_R34_REPEATED_DECLINES|-|${A}`);
  });

  it("R23/EV18/R52: two findings about the same subjects (two shared addresses, files, score cells, objections) stay two", () => {
    const ip = (x: string) => alertFingerprint(alert("ALERT_R23_SAME_IP", S, [A, B], { ip: x, bidIds: [], receivedAt: [] }, "warning"));
    expect(ip("203.0.113.7")).toBe(`ALERT_R23_SAME_IP|${S}|${A},${B}|203.0.113.7`);
    expect(ip("203.0.113.8")).not.toBe(ip("203.0.113.7"));
    const file = (sha: string) => alertFingerprint(alert("ALERT_R23_IDENTICAL_FILE", S, [A, B], { sha256: sha, size: 1, names: [], bidIds: [] }, "critical"));
    expect(file("aa")).not.toBe(file("bb"));
    const cell = (bidId: string, itemId: string) => alertFingerprint(alert("ALERT_EV18_SCORE_OUTLIER", S, [A], { bidId, itemId, score: "1.0000" }, "warning"));
    expect(cell(B, "T1")).toBe(`ALERT_EV18_SCORE_OUTLIER|${S}|${A}|${B}|T1`);
    expect(cell(B, "T2")).not.toBe(cell(B, "T1"));
    const objection = (id: string, hours: number) => alertFingerprint(alert("ALERT_R52_ANSWER_OVERDUE", S, [A], { id, state: "open", overdueHours: hours }, "critical"));
    expect(objection(B, 1)).toBe(objection(B, 30));
    expect(objection(B, 1)).not.toBe(objection(S, 1));
  });

  it("bounded: a price pattern over 200 bidders is hashed (the unique index refuses long keys), stably", () => {
    const many = Array.from({ length: 200 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const f = alertFingerprint(alert("ALERT_R23_PRICE_GEOMETRIC", S, many, {}, "warning"));
    expect(f).toMatch(new RegExp(`^ALERT_R23_PRICE_GEOMETRIC\\|${S}\\|sha256:[0-9a-f]{64}$`));
    expect(alertFingerprint(alert("ALERT_R23_PRICE_GEOMETRIC", S, [...many].reverse(), {}, "warning"))).toBe(f);
    expect(alertFingerprint(alert("ALERT_R23_PRICE_GEOMETRIC", S, many.slice(1), {}, "warning"))).not.toBe(f);
  });
});
