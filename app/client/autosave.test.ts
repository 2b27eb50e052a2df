import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AutosaveQueue, DEBOUNCE_MS, MAX_WAIT_MS, type Fields, type SendResult } from "./autosave";

/** docs/evaluation-rules.md §4.5 (autosave each keystroke batch; a reload restores the draft), docs/product.md §3.5 (a reload loses nothing). */

class MemoryStorage {
  private m = new Map<string, string>();
  getItem = (k: string) => this.m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.m.set(k, v);
  removeItem = (k: string) => void this.m.delete(k);
}

function setup(results: SendResult[] | ((value: string, rev: number) => SendResult)) {
  const sent: { key: string; value: string; rev: number }[] = [];
  let last: Fields = {};
  const q = new AutosaveQueue({
    storageKey: "k",
    send: async (key, value, rev) => {
      sent.push({ key, value, rev });
      return typeof results === "function" ? results(value, rev) : (results.shift() ?? { kind: "saved", rev: rev + 1, savedAt: "t" });
    },
    onChange: (f) => (last = f),
  });
  return { q, sent, fields: () => last };
}

describe("autosave queue", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal("localStorage", new MemoryStorage());
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("debounces typing and saves within MAX_WAIT_MS of the first unsaved change, with the last value and the seen revision", async () => {
    const { q, sent, fields } = setup((_v, rev) => ({ kind: "saved", rev: rev + 1, savedAt: "t" }));
    q.load([{ key: "b|T1", value: "10", rev: 3 }]);
    q.change("b|T1", "1");
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS - 100);
    q.change("b|T1", "12");
    expect(sent).toHaveLength(0);
    expect(fields()["b|T1"]!.state).toBe("pending");
    // Typing without pause never delays a save beyond MAX_WAIT_MS.
    for (let t = 0; t < MAX_WAIT_MS; t += 300) {
      q.change("b|T1", `12.${t % 10}`);
      await vi.advanceTimersByTimeAsync(300);
    }
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent[0]).toMatchObject({ key: "b|T1", rev: 3 });
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS);
    expect(sent.at(-1)!.value).toBe(fields()["b|T1"]!.value);
    expect(fields()["b|T1"]!.state).toBe("saved");
    expect(localStorage.getItem("k")).toBeNull();
  });

  it("keeps an undelivered value (lost connection) as a draft, retries it, and a reload restores and saves it", async () => {
    const { q, sent, fields } = setup([{ kind: "offline" }, { kind: "offline" }]);
    q.load([]);
    q.change("b|B2", "7.5");
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(sent).toHaveLength(1);
    expect(fields()["b|B2"]!.state).toBe("failed");
    expect(JSON.parse(localStorage.getItem("k")!)).toEqual({ "b|B2": { value: "7.5", rev: 0 } });
    q.stop(); // the page is reloaded before the retry

    const again = setup([{ kind: "saved", rev: 1, savedAt: "t" }]);
    again.q.load([]); // the server never got it
    await vi.advanceTimersByTimeAsync(0);
    expect(again.sent).toEqual([{ key: "b|B2", value: "7.5", rev: 0 }]);
    expect(again.fields()["b|B2"]).toMatchObject({ value: "7.5", rev: 1, state: "saved" });
    expect(localStorage.getItem("k")).toBeNull();
  });

  it("drops a draft the server has overtaken (newer revision), and shows a stale-revision refusal as a conflict the member may override", async () => {
    localStorage.setItem("k", JSON.stringify({ "b|T1": { value: "5", rev: 1 } }));
    const { q, sent, fields } = setup([{ kind: "refused", error: { code: "CONFLICT", params: { rev: 4, score: "9" }, violations: [] } }, { kind: "saved", rev: 5, savedAt: "t" }]);
    q.load([{ key: "b|T1", value: "8", rev: 2 }]);
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(sent).toHaveLength(0);
    expect(fields()["b|T1"]).toMatchObject({ value: "8", state: "saved" });
    q.change("b|T1", "6");
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(sent[0]).toMatchObject({ value: "6", rev: 2 });
    expect(fields()["b|T1"]).toMatchObject({ value: "6", rev: 4, state: "conflict" });
    q.retry("b|T1");
    await vi.advanceTimersByTimeAsync(0);
    expect(sent[1]).toMatchObject({ value: "6", rev: 4 });
    expect(fields()["b|T1"]).toMatchObject({ rev: 5, state: "saved" });
  });

  it("a value the server refuses (R46 bounds) is shown as failed and not kept as a draft", async () => {
    const { q, fields } = setup([{ kind: "refused", error: { code: "RULE_VIOLATION", params: {}, violations: [{ code: "RULE_R46_SCORE_ABOVE_MAX", rule: "R46", params: { item: "T1", max: "25" } }] } }]);
    q.load([]);
    q.change("b|T1", "30");
    await vi.advanceTimersByTimeAsync(DEBOUNCE_MS);
    expect(fields()["b|T1"]).toMatchObject({ state: "failed" });
    expect(fields()["b|T1"]!.error!.violations[0]!.code).toBe("RULE_R46_SCORE_ABOVE_MAX");
    expect(localStorage.getItem("k")).toBeNull();
    expect(q.idle).toBe(true);
  });
});
