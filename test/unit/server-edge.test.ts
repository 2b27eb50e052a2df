import { describe, expect, it } from "vitest";
import { DomainError } from "#app/domain/errors";
import { acceptRequestId, clientIp, contentSecurityPolicy, decodedCookie, isOwnOrigin, normaliseIp, validHost } from "../../server/edge";
import { classifyError } from "../../server/errors";

/** The edge's pure rules (server/edge.ts, ADR 013); the e2e test server-robustness.test.ts drives them over the network. */
describe("server edge", () => {
  it("keeps a client's X-Request-Id only when it is plain and short", () => {
    expect(acceptRequestId("lb-01.a_B")).toBe("lb-01.a_B");
    for (const bad of ["", "a".repeat(65), "<x>", "a b", "ä", "x\r\nSet-Cookie: y", undefined, ["a", "b"]]) {
      expect(acceptRequestId(bad as string | undefined)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("hands services only valid IP addresses (they go into inet columns)", () => {
    expect(normaliseIp("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(normaliseIp("fe80::1%eth0")).toBe("fe80::1");
    expect(normaliseIp("2001:DB8::1")).toBe("2001:db8::1");
    for (const bad of ["not-an-ip", "1.2.3.4:80", "999.1.1.1", "", "01.2.3.4", null, undefined]) expect(normaliseIp(bad)).toBeNull();
    // trust proxy = loopback: X-Forwarded-For counts only when the peer is loopback, walked from the right.
    expect(clientIp("127.0.0.1", "203.0.113.9")).toBe("203.0.113.9");
    expect(clientIp("::ffff:127.0.0.1", "198.51.100.1, 203.0.113.9")).toBe("203.0.113.9");
    expect(clientIp("127.0.0.1", "203.0.113.9, 127.0.0.1")).toBe("203.0.113.9");
    expect(clientIp("203.0.113.5", "10.0.0.1")).toBe("203.0.113.5"); // not from our proxy: ignored
    expect(clientIp("127.0.0.1", "not-an-ip")).toBe("127.0.0.1");
    expect(clientIp("127.0.0.1", "203.0.113.9, garbage")).toBe("127.0.0.1");
    expect(clientIp("127.0.0.1", ",,,")).toBe("127.0.0.1");
    expect(clientIp("127.0.0.1", [`${"127.0.0.1,".repeat(100)}203.0.113.9`])).toBe("203.0.113.9");
    expect(clientIp(undefined, "203.0.113.9")).toBeNull();
  });

  it("accepts only this server's Origin; null and unparsable origins are foreign", () => {
    const headers = { host: "127.0.0.1:3000" };
    expect(isOwnOrigin("http://127.0.0.1:3000", headers, "http://127.0.0.1:3000")).toBe(true);
    expect(isOwnOrigin("https://ztb.example.gov.cn", headers, "https://ztb.example.gov.cn")).toBe(true); // behind a proxy
    for (const o of ["null", "garbage", "", "http://[::1", "http://evil.example", "http://127.0.0.1:3001", "javascript:alert(1)", "file:///etc"]) {
      expect(isOwnOrigin(o, headers, "http://127.0.0.1:3000"), o).toBe(false);
    }
  });

  it("validates Host values and cookies without throwing", () => {
    for (const h of ["127.0.0.1:3000", "localhost", "ztb.example.gov.cn", "[::1]:3000", "my_app:80"]) expect(validHost(h), h).toBe(true);
    for (const h of ["a b", "", "x/y", "host:port", "a".repeat(300), "[zz]", "h;injected", undefined]) expect(validHost(h), String(h)).toBe(false);
    expect(decodedCookie("th_session=%E0%A4%A", "th_session")).toBeNull();
    expect(decodedCookie("a=1; th_session=ab%2Bc", "th_session")).toBe("ab+c");
    expect(decodedCookie("=; ;th_session", "th_session")).toBeNull();
  });

  it("builds a nonce-based policy; the WebSocket sources only from a valid Host", () => {
    const csp = contentSecurityPolicy("abc", "127.0.0.1:3000");
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:3000 wss://127.0.0.1:3000");
    expect(contentSecurityPolicy("abc", "x; script-src *")).toContain("connect-src 'self'; ");
  });

  it("maps body-parser errors, domain errors and bugs to a status and a code (no detail for a bug)", () => {
    expect(classifyError(Object.assign(new Error("x"), { type: "entity.too.large", status: 413 }), "r")).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    expect(classifyError(Object.assign(new Error("x"), { type: "entity.parse.failed", status: 400 }), "r")).toMatchObject({ status: 400, code: "MALFORMED_REQUEST" });
    expect(classifyError(Object.assign(new Error("x"), { type: "charset.unsupported", status: 415 }), "r")).toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(classifyError(Object.assign(new Error("x"), { status: 404 }), "r")).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(classifyError(Object.assign(new TypeError("Invalid URL"), { code: "ERR_INVALID_URL" }), "r")).toMatchObject({ status: 400, code: "MALFORMED_REQUEST" });
    expect(classifyError(new DomainError("CONFLICT"), "r")).toMatchObject({ status: 409, code: "CONFLICT" });
    expect(classifyError(new TypeError("Cannot read properties of null"), "req-1")).toEqual({ status: 500, code: "INTERNAL", params: { requestId: "req-1" }, violations: [] });
    expect(classifyError(Object.assign(new Error("x"), { status: 503 }), "r")).toMatchObject({ status: 500, code: "INTERNAL" });
    expect(classifyError("a string", "r")).toMatchObject({ status: 500, code: "INTERNAL" });
  });
});
