// Viewer process for bench/opening-fanout.ts (started with child_process.fork, IPC channel).
// Opens `--count` anonymous WebSocket connections to `<url>/live`, subscribes each to one
// channel from now on (`after: -1`), reports when every connection is subscribed, and
// records the arrival of every event on every connection. The receive handler only takes
// two clock readings and keeps the raw frame; parsing happens after the measurement.
// Clocks: CLOCK_MONOTONIC (process.hrtime, shared by all processes on the machine) for
// latencies against a moment taken in the benchmark process, and the wall clock
// (Date.now) for latencies against the event's `at` field (database clock, same machine).
import { parseArgs } from "node:util";
import WebSocket from "ws";

export type ViewerEvent = { seq: number; type: string; at: string; monoMs: number[]; wallMs: number[] };
export type ToViewer = { kind: "report" } | { kind: "exit" };
export type FromViewer =
  | { kind: "ready"; subscribed: number; failed: number; connectMs: number }
  | { kind: "report"; received: number; events: ViewerEvent[]; closed: number; errors: number };

/** CLOCK_MONOTONIC in milliseconds (µs resolution); comparable across processes on one machine. */
const monoMs = () => Number(process.hrtime.bigint() / 1000n) / 1000;

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    channel: { type: "string" },
    count: { type: "string", default: "2500" },
    concurrency: { type: "string", default: "100" },
  },
});

if (process.send && values.url && values.channel) await main(values.url, values.channel, Number(values.count), Number(values.concurrency));

async function main(base: string, channel: string, count: number, concurrency: number) {
  const wsUrl = base.replace(/^http/, "ws") + "/live";
  const sockets: WebSocket[] = [];
  const raw: { mono: number; wall: number; data: Buffer }[] = [];
  let subscribed = 0;
  let failed = 0;
  let closed = 0;
  let errors = 0;
  let ready = false;

  // Each viewer comes from its own address (the benchmarking range 198.18.0.0/15, RFC 2544, in X-Forwarded-For: the
  // server trusts its loopback proxy), as thousands of real viewers do; /live allows 100 sockets per address.
  let n = 0;
  const base3 = (process.pid * 37) & 255;
  const nextAddress = () => {
    const i = n++;
    return `198.18.${(base3 + Math.floor(i / 250)) % 256}.${(i % 250) + 1}`;
  };

  function connect(): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false, headers: { "x-forwarded-for": nextAddress() } });
      let done = false;
      const finish = (ok: boolean) => {
        if (done) return;
        done = true;
        if (ok) subscribed++;
        else failed++;
        resolve();
      };
      ws.on("open", () => ws.send(JSON.stringify({ type: "subscribe", channel, after: -1 })));
      ws.on("message", (data: Buffer) => {
        if (done) {
          raw.push({ mono: monoMs(), wall: Date.now(), data });
          return;
        }
        const msg = JSON.parse(String(data)) as { type: string };
        if (msg.type === "subscribed") finish(true);
        else if (msg.type === "error") finish(false);
        else raw.push({ mono: monoMs(), wall: Date.now(), data });
      });
      ws.on("error", () => {
        errors++;
        finish(false);
      });
      ws.on("close", () => {
        if (ready) closed++;
        finish(false);
      });
      sockets.push(ws);
    });
  }

  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        next++;
        await connect();
      }
    }),
  );
  ready = true;
  send({ kind: "ready", subscribed, failed, connectMs: performance.now() - t0 });

  process.on("message", (m: ToViewer) => {
    if (m.kind === "report") {
      const bySeq = new Map<number, ViewerEvent>();
      for (const r of raw) {
        const msg = JSON.parse(String(r.data)) as { type: string; event?: { seq: number; type: string; at: string } };
        if (msg.type !== "event" || !msg.event) continue;
        let e = bySeq.get(msg.event.seq);
        if (!e) bySeq.set(msg.event.seq, (e = { seq: msg.event.seq, type: msg.event.type, at: msg.event.at, monoMs: [], wallMs: [] }));
        e.monoMs.push(r.mono);
        e.wallMs.push(r.wall);
      }
      send({ kind: "report", received: raw.length, events: [...bySeq.values()], closed, errors });
    } else if (m.kind === "exit") {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
}

function send(m: FromViewer) {
  process.send!(m);
}
