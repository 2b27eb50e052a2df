import { describe, expect, it } from "vitest";
import { MicroCache } from "./portal-cache.server";

describe("MicroCache", () => {
  it("serves within the TTL, reloads after it, and clears on demand", async () => {
    const c = new MicroCache<number>(1000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await c.get("k", load, 0)).toBe(1);
    expect(await c.get("k", load, 999)).toBe(1);
    expect(await c.get("k", load, 1000)).toBe(2);
    c.clear();
    expect(await c.get("k", load, 1001)).toBe(3);
    expect(await c.get("other", load, 1001)).toBe(4);
  });
  it("does not keep failures and stays bounded", async () => {
    const c = new MicroCache<number>(1000, 2);
    await expect(c.get("bad", () => Promise.reject(new Error("x")), 0)).rejects.toThrow("x");
    expect(await c.get("bad", async () => 7, 1)).toBe(7);
    await c.get("a", async () => 1, 2);
    await c.get("b", async () => 2, 3);
    let reloaded = false;
    await c.get("bad", async () => ((reloaded = true), 8), 4);
    expect(reloaded).toBe(true); // evicted as the oldest entry
  });
});
