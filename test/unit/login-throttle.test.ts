import { describe, expect, it } from "vitest";
import { backoffSeconds, clientKey, LOGIN_LIMITS, planAttempt, type Counter } from "#app/services/accounts/login-throttle.server";

const now = new Date("2026-12-01T08:00:00.000Z");
const fresh = (over: Partial<Counter> = {}): Counter => ({ failures: 0, windowStartedAt: now, blockedUntil: null, lastSuccessAt: null, ...over });
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const inSeconds = (s: number) => new Date(now.getTime() + s * 1000);

describe("login throttling policy (docs/decisions/014-login-throttling.md)", () => {
  it("back-off: nothing within the free budget, then doubling from the base up to the cap", () => {
    const r = LOGIN_LIMITS.accountClient;
    expect([0, 1, 4].map((f) => backoffSeconds(f, r))).toEqual([0, 0, 0]);
    expect([5, 6, 7, 8, 9, 10, 11, 500].map((f) => backoffSeconds(f, r))).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
  });

  it("client keys: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64, unknown as ''", () => {
    expect(clientKey("203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey(null)).toBe("");
    expect(clientKey("  ")).toBe("");
  });

  it("an attempt is reserved on every counter, counted as a failure until its outcome is known", () => {
    const plan = planAttempt({ accountClient: fresh({ failures: 4 }), account: fresh({ failures: 2 }), client: fresh() }, now);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.updates.map((u) => [u.scope, u.failures, u.blockedUntil?.toISOString() ?? null])).toEqual([
      ["account_client", 5, inSeconds(30).toISOString()],
      ["account", 3, null],
      ["client", 1, null],
    ]);
  });

  it("a running back-off refuses with the longest applicable wait; a finished window starts again", () => {
    expect(planAttempt({ accountClient: fresh({ failures: 5, blockedUntil: inSeconds(12) }), account: fresh({ failures: 20, blockedUntil: inSeconds(50) }), client: null }, now)).toEqual({
      ok: false,
      retryAfterSeconds: 50,
    });
    const plan = planAttempt({ accountClient: fresh({ failures: 5, windowStartedAt: minutesAgo(61), blockedUntil: minutesAgo(1) }), account: fresh(), client: null }, now);
    expect(plan.ok && plan.updates[0]).toMatchObject({ failures: 1, windowStartedAt: now, blockedUntil: null });
  });

  it("a known client (signed in within 90 days) ignores the account's and the IP's back-off but keeps its own", () => {
    const blockedAccount = fresh({ failures: 25, blockedUntil: inSeconds(600) });
    const blockedIp = fresh({ failures: 40, blockedUntil: inSeconds(900) });
    const known = planAttempt({ accountClient: fresh({ lastSuccessAt: minutesAgo(60 * 24 * 30) }), account: blockedAccount, client: blockedIp }, now);
    expect(known.ok).toBe(true);
    // Its failure still counts there, and never shortens the running back-off.
    if (known.ok) expect(known.updates.find((u) => u.scope === "account")!.blockedUntil!.getTime()).toBeGreaterThanOrEqual(inSeconds(600).getTime());
    const stale = planAttempt({ accountClient: fresh({ lastSuccessAt: minutesAgo(60 * 24 * 91) }), account: blockedAccount, client: blockedIp }, now);
    expect(stale).toEqual({ ok: false, retryAfterSeconds: 900 });
    expect(planAttempt({ accountClient: fresh({ lastSuccessAt: minutesAgo(5), failures: 6, blockedUntil: inSeconds(40) }), account: fresh(), client: fresh() }, now)).toEqual({
      ok: false,
      retryAfterSeconds: 40,
    });
  });
});
