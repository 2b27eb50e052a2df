import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { removeDataDir, startServer, type RunningServer } from "./harness";

type Msg = { type: string; channel?: string; seq?: number; code?: string; event?: { channel: string; seq: number; type: string; data: unknown } };

/** Opens `/live`, sends the subscriptions and collects messages until `until` holds. */
async function collect(url: string, subs: { channel: string; after: number }[], until: (m: Msg[]) => boolean, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url.replace("http", "ws") + "/live", { headers });
  const msgs: Msg[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout: ${JSON.stringify(msgs)}`)), 10_000);
    ws.on("open", () => subs.forEach((s) => ws.send(JSON.stringify({ type: "subscribe", ...s }))));
    ws.on("message", (raw) => {
      msgs.push(JSON.parse(String(raw)) as Msg);
      if (until(msgs)) {
        clearTimeout(timer);
        resolve();
      }
    });
    ws.on("error", reject);
  });
  ws.close();
  return msgs;
}

describe("live events over WebSocket on the same port", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    if (server) removeDataDir(server.dataDir);
  });

  it("a client catches up from its last sequence number, in order", async () => {
    const all = await collect(server.url, [{ channel: "portal", after: 0 }], (m) => m.some((x) => x.type === "subscribed"));
    const events = all.filter((m) => m.type === "event").map((m) => m.event!);
    expect(events.length).toBeGreaterThanOrEqual(3); // the seed published three tenders
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]!.type).toBe("tender.published");
    // Reconnecting after seq 2 delivers only what came later.
    const rest = await collect(server.url, [{ channel: "portal", after: 2 }], (m) => m.some((x) => x.type === "subscribed"));
    expect(rest.filter((m) => m.type === "event").map((m) => m.event!.seq)).toEqual(events.slice(2).map((e) => e.seq));
  });

  it("a user's inbox channel is refused to anyone else", async () => {
    const msgs = await collect(server.url, [{ channel: "user:00000000-0000-4000-8000-000000000000", after: 0 }], (m) => m.length > 0);
    expect(msgs[0]).toMatchObject({ type: "error", code: "FORBIDDEN" });
  });

  it("a malformed subscription gets a validation error", async () => {
    const ws = new WebSocket(server.url.replace("http", "ws") + "/live");
    const first = await new Promise<Msg>((resolve) => {
      ws.on("open", () => ws.send("not json"));
      ws.on("message", (raw) => resolve(JSON.parse(String(raw)) as Msg));
    });
    ws.close();
    expect(first).toEqual({ type: "error", code: "VALIDATION" });
  });

  it("shuts down gracefully on SIGTERM (exit code 0)", async () => {
    expect(await server.stop()).toBe(0);
  });
});
