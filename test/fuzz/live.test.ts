import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  changes,
  cookieHeader,
  Findings,
  FUZZ_SEED,
  FuzzServer,
  fuzz,
  Harness,
  hostileText,
  leaksIn,
  preview,
  rawExchange,
  runs,
  send,
  signIn,
  sleep,
  visitor,
  type Client,
  type RunCtx,
  type Sent,
} from "./helpers";

/**
 * Targets 3 and 4: the `/live` WebSocket protocol (server/live.ts). Generated frames — valid and
 * invalid JSON, binary, oversized (> 16 KiB), subscriptions with generated channels and `after`
 * values — over hostile and normal upgrades, anonymous and signed in; then a soak of a few
 * thousand frames over many sockets, after which the server is up and the subscribers that
 * stayed still receive real events. The server must never stop, never answer an upgrade with
 * a 5xx, never show internals in a frame, never deliver an event of a channel the socket may
 * not subscribe to, keep answering on a socket it has not closed for a protocol reason, and
 * write nothing (a frame is never a command).
 */

let server: FuzzServer;
let h: Harness;
let anon: Client;
let signedIn: Client[];
let projectIds: string[];
let sectionIds: string[];
let userIds: string[];
/** The tender open for bids and questions (DQ-2026-JS-0101, run by the agency). */
let tender: string;

beforeAll(async () => {
  server = await FuzzServer.start("live");
  h = new Harness(server);
  await h.init();
  anon = await visitor(server);
  signedIn = [await signIn(server, "tenderer"), await signIn(server, "agent"), await signIn(server, "bidder1"), await signIn(server, "supervisor")];
  projectIds = (await server.sql<{ id: string }[]>`select id from projects order by code`).map((r) => r.id);
  sectionIds = (await server.sql<{ id: string }[]>`select id from sections`).map((r) => r.id);
  userIds = (await server.sql<{ id: string }[]>`select id from users`).map((r) => r.id);
  tender = (await server.sql<{ id: string }[]>`select id from projects where code = 'DQ-2026-JS-0101'`)[0]!.id;
}, 300_000);

afterAll(async () => {
  if (server) await server.close();
});

// ---------------------------------------------------------------------------------------------
// A WebSocket client that records everything
// ---------------------------------------------------------------------------------------------

type Msg = { type?: string; channel?: string; code?: string; seq?: number; event?: { channel?: string; type?: string } };

type Sock = {
  ws: WebSocket | null;
  /** The upgrade was answered with an HTTP status instead (or the connection was dropped: 0). */
  refusedWith: number | null;
  raw: string[];
  msgs: Msg[];
  closed: { code: number; reason: string } | null;
};

type Upgrade = { name: string; client: Client | null; path: string; headers: Record<string, string> };

function openSocket(u: Upgrade, timeoutMs = 10_000): Promise<Sock> {
  const s: Sock = { ws: null, refusedWith: null, raw: [], msgs: [], closed: null };
  return new Promise((resolve) => {
    const headers = { ...u.headers };
    if (u.client) {
      const cookie = cookieHeader(u.client);
      if (cookie && headers.cookie === undefined) headers.cookie = cookie;
    }
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${u.path}`, [], { headers, handshakeTimeout: timeoutMs, perMessageDeflate: false });
    const timer = setTimeout(() => {
      s.refusedWith = 0;
      ws.terminate();
      resolve(s);
    }, timeoutMs + 500);
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      s.refusedWith = res.statusCode ?? 0;
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => {
        s.raw.push(body);
        resolve(s);
      });
      res.on("error", () => resolve(s));
    });
    ws.on("open", () => {
      clearTimeout(timer);
      s.ws = ws;
      resolve(s);
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? data.toString("latin1") : data.toString("utf8");
      s.raw.push(text);
      try {
        s.msgs.push(JSON.parse(text) as Msg);
      } catch {
        s.msgs.push({ type: "<not json>" });
      }
    });
    ws.on("close", (code, reason) => {
      s.closed = { code, reason: reason.toString() };
    });
    ws.on("error", () => {
      clearTimeout(timer);
      if (!s.ws) {
        s.refusedWith ??= 0;
        resolve(s);
      }
    });
  });
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) return false;
    await sleep(20);
  }
  return true;
}

/** Channels this socket's user may subscribe to (server's canSubscribe, restated). */
function mayReceive(client: Client | null, channel: string): boolean {
  if (channel === "portal" || /^(tender|opening):[0-9a-f-]{36}$/.test(channel)) return true;
  const m = /^user:([0-9a-f-]{36})$/.exec(channel);
  return !!m && !!client?.userId && client.userId === m[1] && !!client.session && client.rawCookie === undefined;
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const channelArb = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("portal", ...projectIds.map((id) => `tender:${id}`), ...sectionIds.map((id) => `opening:${id}`)) },
    { weight: 2, arbitrary: fc.constantFrom(...userIds.map((id) => `user:${id}`)) },
    { weight: 1, arbitrary: fc.uuid().map((u) => `tender:${u}`) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        hostileText.map((s) => s.slice(0, 400)),
        fc.constantFrom("", "user:", "tender:", "opening:", "user:*", "tender:%", "portal ", "PORTAL", `tender:${"0".repeat(36)}`, `user:${"-".repeat(36)}`, "x".repeat(201), "x".repeat(200), "tender:__proto__", "constructor"),
      ),
    },
  );

const afterArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(-1, 0, 1, 5) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<unknown>(2147483647, 2147483648, -2147483649, 1e308, -1e308, -2, 1.5, -0.5, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 9.999e15, "NaN", "1", "-1", "", "0x10", null, true, [], {}, [1], { $gt: 0 }),
  },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
);

type Frame = { kind: "text"; text: string } | { kind: "binary"; bytes: number[]; repeat: number } | { kind: "oversized"; size: number; binary: boolean };

const frameArb = (): fc.Arbitrary<Frame> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({ channel: channelArb(), after: afterArb, omitAfter: fc.boolean(), extra: fc.option(fc.dictionary(fc.constantFrom("x", "__proto__", "type", "id"), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }), { freq: 5 }) })
        .map(({ channel, after, omitAfter, extra }): Frame => ({ kind: "text", text: JSON.stringify({ ...(extra ?? {}), type: "subscribe", channel, ...(omitAfter ? {} : { after }) }) })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ type: fc.oneof(fc.constantFrom("subscribe", "unsubscribe", "ping", "", "SUBSCRIBE"), hostileText.map((s) => s.slice(0, 100))), channel: fc.jsonValue({ maxDepth: 1 }), after: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] })
        .map((o): Frame => ({ kind: "text", text: JSON.stringify(o) })),
    },
    { weight: 2, arbitrary: fc.oneof(hostileText.map((s) => s.slice(0, 8_000)), fc.constantFrom("{", "[", "null", "1", '"x"', "[]", "{}", '{"type":"subscribe"', '{"type":"subscribe","channel":"portal","after":1e999}', "\u0000")).map((text): Frame => ({ kind: "text", text })) },
    { weight: 1, arbitrary: fc.record({ bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }), repeat: fc.constantFrom(1, 1, 100) }).map(({ bytes, repeat }): Frame => ({ kind: "binary", bytes, repeat })) },
    { weight: 1, arbitrary: fc.record({ size: fc.constantFrom(16 * 1024 + 1, 17_000, 64 * 1024, 1024 * 1024), binary: fc.boolean() }).map(({ size, binary }): Frame => ({ kind: "oversized", size, binary })) },
  );

function framePayload(f: Frame): { data: string | Buffer; binary: boolean } {
  if (f.kind === "text") return { data: f.text, binary: false };
  if (f.kind === "binary") return { data: Buffer.concat(Array.from({ length: f.repeat }, () => Buffer.from(f.bytes))), binary: true };
  const body = `{"type":"subscribe","channel":"portal","after":0,"pad":"${"x".repeat(f.size)}"}`;
  return { data: f.binary ? Buffer.from(body) : body, binary: f.binary };
}

function describeFrame(f: Frame): string {
  if (f.kind === "text") return preview(f.text, 200);
  if (f.kind === "binary") return `binary ${f.bytes.length * f.repeat} bytes`;
  return `oversized ${f.binary ? "binary" : "text"} frame of ${f.size} + 56 bytes`;
}

type UpgradeKind = "normal" | "bad-cookie" | "huge-cookie" | "foreign-origin" | "null-origin" | "junk-protocol" | "query" | "junk-cookies" | "forged-session";

const upgradeArb = () =>
  fc.record({
    who: fc.oneof({ weight: 2, arbitrary: fc.constant<Client | null>(null) }, { weight: 3, arbitrary: fc.constantFrom<Client | null>(...signedIn) }),
    kind: fc.constantFrom<UpgradeKind>("normal", "normal", "normal", "normal", "bad-cookie", "huge-cookie", "foreign-origin", "null-origin", "junk-protocol", "query", "junk-cookies", "forged-session"),
  });

function upgradeOf(u: { who: Client | null; kind: UpgradeKind }): Upgrade {
  const c = u.who ?? anon;
  const base: Upgrade = { name: `${u.who ? u.who.name : "anonymous"} (${u.kind})`, client: c, path: "/live", headers: {} };
  switch (u.kind) {
    case "normal":
      return base;
    case "bad-cookie":
      return { ...base, client: null, headers: { cookie: `th_session=%E0%A4%A; th_csrf=${c.csrfCookie}` } };
    case "huge-cookie":
      return { ...base, client: null, headers: { cookie: `th_session=${"%41".repeat(2_500)}` } };
    case "foreign-origin":
      return { ...base, headers: { origin: "http://evil.example" } };
    case "null-origin":
      return { ...base, headers: { origin: "null" } };
    case "junk-protocol":
      // Set as a raw header: the ws client itself refuses to send an invalid subprotocol list.
      return { ...base, headers: { "sec-websocket-protocol": "x,,y;z, \u00e9" } };
    case "query":
      return { ...base, path: "/live?after=2147483648&channel=%00" };
    case "junk-cookies":
      return { ...base, client: null, headers: { cookie: "th_session; =; th_session==; th_session=%; th_session=%00%ZZ" } };
    case "forged-session":
      return { ...base, client: null, headers: { cookie: `th_session=${Buffer.alloc(32, 9).toString("base64url")}` } };
  }
}

/** The client whose channels a socket may receive (null: none of the private ones). */
function holder(up: Upgrade): Client | null {
  return up.client && up.client.session && !up.headers.cookie ? up.client : null;
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the protocol property and the soak
// ---------------------------------------------------------------------------------------------

type Where = { ctx: RunCtx; request: string };

function checkFrames(s: Sock, up: Upgrade, where: Where) {
  const base = { request: where.request, property: where.ctx.property, path: where.ctx.path, counterexample: preview(where.ctx.value, 1200) };
  for (const text of s.raw) {
    const leaks = leaksIn(text, [server.dataDir]);
    if (leaks.length) h.findings.add({ ...base, kind: "leak", key: `leak ws ${leaks.join(",")}`, what: `a /live frame shows ${leaks.join(", ")}`, response: preview(text, 300) });
  }
  const who = holder(up);
  for (const m of s.msgs) {
    const ch = m.event?.channel ?? (m.type === "subscribed" ? m.channel : undefined);
    if ((m.type === "event" || m.type === "subscribed") && ch !== undefined && !mayReceive(who, ch)) {
      h.findings.add({ ...base, kind: "protocol", key: `authz ws ${m.type} ${ch.replace(/[0-9a-f-]{36}/, "<id>")}`, what: `a /live socket of ${up.name} got "${m.type}" for channel ${ch} it may not subscribe to`, response: preview(JSON.stringify(m), 300) });
    }
  }
  if (s.refusedWith !== null && s.refusedWith >= 500) {
    h.findings.add({ ...base, kind: "5xx", key: `5xx ws upgrade ${s.refusedWith}`, what: `the /live upgrade of ${up.name} was answered ${s.refusedWith}`, response: preview(s.raw.join(" "), 300) });
  }
}

/**
 * Close codes with which the server may end one socket for what the client sent (RFC 6455
 * §7.4.1): protocol error, invalid payload data, policy violation (an invalid message, too
 * many subscriptions or messages), message too big. Anything else — 1011 internal error (the
 * WebSocket 5xx), 1006 (dropped without a close frame), 1001 (going away) — is a finding.
 */
const PROTOCOL_CLOSES = new Set([1002, 1007, 1008, 1009]);

/**
 * The socket still works: a fresh subscription to a public channel is confirmed — unless the
 * server closed it for one of the protocol reasons above.
 */
async function probe(s: Sock, up: Upgrade, where: Where, probeChannel: string): Promise<void> {
  if (!s.ws) return;
  const base = { request: where.request, property: where.ctx.property, path: where.ctx.path, counterexample: preview(where.ctx.value, 1200) };
  const allowedClose = (c: { code: number } | null) => !!c && PROTOCOL_CLOSES.has(c.code);
  // A socket dropped because the process died is part of that finding (server-exit), not one of its own.
  const processDied = async () => !(await server.alive());
  if (s.closed) {
    if (!allowedClose(s.closed) && !(s.closed.code === 1006 && (await processDied()))) h.findings.add({ ...base, kind: "protocol", key: `ws closed ${s.closed.code}`, what: `the server closed the /live socket of ${up.name} (${s.closed.code} ${s.closed.reason})`, response: preview(s.raw.slice(-3).join(" | "), 300) });
    return;
  }
  try {
    s.ws.send(JSON.stringify({ type: "subscribe", channel: probeChannel, after: -1 }));
  } catch {
    /* closed meanwhile: handled below */
  }
  const ok = await waitFor(() => s.msgs.some((m) => m.type === "subscribed" && m.channel === probeChannel) || !!s.closed, 8_000);
  // Re-read: the close event may have arrived while waiting.
  const closed = s.closed as { code: number; reason: string } | null;
  if (closed && allowedClose(closed)) return;
  if ((!ok || closed) && (await processDied())) return;
  if (!ok || closed) {
    h.findings.add({
      ...base,
      kind: "protocol",
      key: `ws no reply ${closed ? `closed ${closed.code}` : "silent"}`,
      what: `after the frames, the /live socket of ${up.name} ${closed ? `was closed (${closed.code})` : "no longer confirmed a subscription to a public channel within 8 s"}`,
      response: preview(s.raw.slice(-3).join(" | "), 300),
    });
  }
}

function send1(s: Sock, f: Frame) {
  if (!s.ws || s.ws.readyState !== WebSocket.OPEN) return;
  const { data, binary } = framePayload(f);
  s.ws.send(data, { binary });
}

// ---------------------------------------------------------------------------------------------
// Target 3: one socket per run
// ---------------------------------------------------------------------------------------------

describe("fuzz: /live WebSocket", () => {
  it("generated frames over normal and hostile upgrades", async () => {
    h.findings = new Findings();
    const arb = fc.record({ upgrade: upgradeArb(), frames: fc.array(frameArb(), { minLength: 1, maxLength: 8 }), probe: fc.uuid() });
    await fuzz({
      findings: h.findings,
      property: "generated frames over normal and hostile upgrades",
      arb,
      numRuns: runs(120),
      show: (v) => ({ upgrade: `${v.upgrade.who?.name ?? "anonymous"} (${v.upgrade.kind})`, frames: v.frames.map(describeFrame) }),
      run: async (v, ctx) => {
        const up = upgradeOf(v.upgrade);
        const request = `WS ${up.path} as ${up.name}${Object.keys(up.headers).length ? ` headers ${preview(JSON.stringify(up.headers), 120)}` : ""}; frames: ${v.frames.map(describeFrame).join(" ‖ ")}`;
        const where = { ctx, request };
        const before = await h.snapshots.quiet();
        const mark = server.output().length;
        const s = await openSocket(up);
        for (const f of v.frames) {
          send1(s, f);
          await sleep(5);
        }
        // The probe is the barrier: the server handles a socket's messages in order, so once the
        // probe is confirmed the generated frames have been handled (stragglers get 100 ms more).
        await probe(s, up, where, `tender:${v.probe}`);
        await sleep(50);
        h.findings.count(`upgrade ${v.upgrade.kind}`, s.refusedWith ?? 101);
        if (s.closed) h.findings.count(`server close after ${v.frames.map((f) => f.kind).join("+")}`, s.closed.code);
        s.ws?.terminate();
        checkFrames(s, up, where);
        if (!(await h.checkAlive(ctx, request, "after the frames", mark))) return;
        const after = await h.snapshots.quiet(5_000);
        const changed = after.jobsSig === before.jobsSig ? changes(before, after, { method: "WS", path: "/live" }, { status: 101, headers: {}, body: Buffer.alloc(0), text: "", ms: 0 }) : [];
        if (changed.length) h.findings.add({ kind: "write-on-refusal", key: `write ws ${changed.map((c) => c.split(" ")[0]).join(",")}`, what: `/live frames changed ${changed.join(", ")}`, request, property: ctx.property, path: ctx.path, counterexample: preview(ctx.value, 1200) });
      },
    });
    // Upgrades no WebSocket client library sends: no key, a bad version, a body, on another path.
    if (!h.findings.gaveUp) await server.ensureUp();
    const ctx: RunCtx = { property: "generated frames over normal and hostile upgrades", path: "raw", value: "raw upgrades" };
    for (const [name, head] of [
      ["no Sec-WebSocket-Key", `GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`],
      ["version 8", `GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n`],
      ["bad key", `GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %%%\r\nSec-WebSocket-Version: 13\r\nCookie: th_session=%E0%A4%A\r\n\r\n`],
      ["POST upgrade", `POST /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\nhello`],
      ["other path", `GET /live/../admin HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`],
      ["bad cookie on the real path", `GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: th_session=%E0%A4%A\r\n\r\n`],
    ] as const) {
      if (h.findings.gaveUp) break;
      const mark = server.output().length;
      const res = await rawExchange(server, head, Buffer.alloc(0), { waitMs: 1_000 });
      const request = `raw upgrade (${name}): ${preview(head, 200)}`;
      if (res.statuses.some((st) => st >= 500)) h.findings.add({ kind: "5xx", key: `5xx raw upgrade ${name}`, what: `a raw /live upgrade (${name}) was answered ${res.statuses.join(",")}`, request, property: ctx.property, path: ctx.path, counterexample: name, response: preview(res.text, 200) });
      await h.checkAlive({ ...ctx, value: name }, request, "after a raw upgrade", mark);
    }
    h.findings.assertNone("/live protocol fuzz");
  }, 600_000);

  // -------------------------------------------------------------------------------------------
  // Target 4: soak
  // -------------------------------------------------------------------------------------------

  it("soak: thousands of random frames over many sockets; subscribers that stay still get events", async () => {
    h.findings = new Findings();
    await server.ensureUp();
    const property = "soak: thousands of random frames over many sockets; subscribers that stay still get events";
    const tenderer = signedIn[0]!;
    const agent = signedIn[1]!;
    const bidder = signedIn[2]!;
    // Subscribers that stay: the public on the tender's channel and the portal, the tendering unit and the agency on their inboxes.
    const stay: { sock: Sock; up: Upgrade; channel: string }[] = [];
    for (const [client, channel] of [
      [null, `tender:${tender}`],
      [null, `tender:${tender}`],
      [null, "portal"],
      [null, "portal"],
      [tenderer, `user:${tenderer.userId}`],
      [agent, `user:${agent.userId}`],
      [agent, `tender:${tender}`],
    ] as const) {
      const up: Upgrade = { name: client ? client.name : "anonymous", client: client ?? anon, path: "/live", headers: {} };
      const sock = await openSocket(up);
      expect(sock.ws, `subscriber ${up.name} could not connect`).not.toBeNull();
      sock.ws!.send(JSON.stringify({ type: "subscribe", channel, after: -1 }));
      expect(await waitFor(() => sock.msgs.some((m) => m.type === "subscribed" && m.channel === channel), 10_000), `subscriber ${up.name} on ${channel} was not confirmed`).toBe(true);
      stay.push({ sock, up, channel });
    }
    const before = await h.snapshots.quiet();
    const mark = server.output().length;
    // The plan: 24 sockets, 130 frames each (3,120 frames), from the same frame generator, fixed seed.
    const plans = fc.sample(fc.record({ upgrade: upgradeArb(), frames: fc.array(frameArb(), { minLength: 130, maxLength: 130 }), dropAt: fc.option(fc.integer({ min: 10, max: 120 }), { freq: 3 }) }), { seed: FUZZ_SEED, numRuns: runs(24) });
    const total = plans.reduce((n, p) => n + p.frames.length, 0);
    h.findings.planned = h.findings.ran = plans.length;
    const ctx: RunCtx = { property, path: "soak", value: `${plans.length} sockets, ${total} frames (fc.sample, seed ${FUZZ_SEED})` };
    let upgrades = 0;
    /** Ends one churn socket: what it received is checked, and a close the server initiated must be a protocol close. */
    const retire = (s: Sock, up: Upgrade, i: number) => {
      const where = { ctx, request: `soak socket ${i} as ${up.name}` };
      checkFrames(s, up, where);
      if (s.closed && !PROTOCOL_CLOSES.has(s.closed.code))
        h.findings.add({ kind: "protocol", key: `soak ws closed ${s.closed.code}`, what: `during the soak the server closed a /live socket of ${up.name} with ${s.closed.code} ${s.closed.reason}`, request: where.request, response: preview(s.raw.slice(-3).join(" | "), 300), property, path: "soak", counterexample: String(ctx.value) });
      s.ws?.terminate();
    };
    await Promise.all(
      plans.map(async (p, i) => {
        const up = upgradeOf(p.upgrade);
        let s = await openSocket(up);
        upgrades++;
        for (const [j, f] of p.frames.entries()) {
          // A socket the server closed (an invalid or oversized message, the rate limit) or the
          // client drops reconnects and goes on with the next frame.
          if (!s.ws || s.closed || (p.dropAt !== null && j === p.dropAt)) {
            retire(s, up, i);
            s = await openSocket(up);
            upgrades++;
          }
          send1(s, f);
          if (j % 10 === 9) await sleep(1);
        }
        await waitFor(() => !!s.closed, 300);
        retire(s, up, i);
      }),
    );
    console.info(`soak: ${total} frames over ${plans.length} sockets, ${upgrades} upgrades`);
    const alive = await h.checkAlive(ctx, `soak of ${total} frames`, "after the soak", mark);
    if (!alive || [...h.findings.all.values()].some((f) => f.kind === "server-exit")) {
      // Sockets dropped (1006) because the process died are a consequence, not a finding of their own.
      for (const [k, f] of h.findings.all) if (f.kind === "protocol" && k.startsWith("soak ws closed 1006")) h.findings.all.delete(k);
    }
    expect(alive, `the server stopped during the soak:\n${h.findings.report("soak")}`).toBe(true);
    const afterSoak = await h.snapshots.quiet(5_000);
    const changed = afterSoak.jobsSig === before.jobsSig ? changes(before, afterSoak, { method: "WS", path: "/live" }, { status: 101, headers: {}, body: Buffer.alloc(0), text: "", ms: 0 }) : [];
    if (changed.length) h.findings.add({ kind: "write-on-refusal", key: "write ws soak", what: `the soak's frames changed ${changed.join(", ")}`, request: `soak of ${total} frames`, property, path: "soak", counterexample: String(ctx.value) });
    for (const st of stay) {
      if (st.sock.closed) h.findings.add({ kind: "protocol", key: `soak subscriber closed ${st.channel.split(":")[0]}`, what: `the subscriber ${st.up.name} on ${st.channel} was disconnected during the soak (${st.sock.closed.code})`, request: `soak of ${total} frames`, property, path: "soak", counterexample: String(ctx.value) });
    }
    // Real events: a bidder asks a question (inbox of the tendering unit and the agency), the agency
    // issues an amendment (the tender's public channel and the portal).
    const ask = await post(bidder, `/tenders/${tender}?index`, { intent: "ask", body: "浸泡测试：招标文件第二章的工期要求是否包含冬季停工期？" });
    expect(ask.status, `asking a question failed: ${ask.text.slice(0, 300)}`).toBe(200);
    const amend = await post(agent, `/manage/${tender}?index`, { intent: "amend", title: "浸泡测试澄清", body: "澄清：工期要求不含冬季停工期。" });
    expect(amend.status, `issuing an amendment failed: ${amend.text.slice(0, 300)}`).toBe(200);
    const expected: Record<string, string> = { tender: "amendment.issued", portal: "tender.amended", user: "inbox" };
    for (const st of stay.filter((x) => !x.sock.closed)) {
      const type = expected[st.channel.split(":")[0]!]!;
      const got = await waitFor(() => st.sock.msgs.some((m) => m.type === "event" && m.event?.channel === st.channel && m.event?.type === type), 15_000);
      if (!got)
        h.findings.add({
          kind: "protocol",
          key: `soak subscriber no event ${st.channel.split(":")[0]}`,
          what: `after the soak, the subscriber ${st.up.name} on ${st.channel} did not receive "${type}" within 15 s`,
          request: `soak of ${total} frames, then a question and an amendment on DQ-2026-JS-0101`,
          response: preview(st.sock.raw.slice(-3).join(" | "), 300),
          property,
          path: "soak",
          counterexample: String(ctx.value),
        });
      checkFrames(st.sock, st.up, { ctx, request: `subscriber ${st.up.name} on ${st.channel}` });
      st.sock.ws?.terminate();
    }
    h.findings.assertNone("/live soak");
  }, 600_000);
});

/** A signed-in form post as the browser sends it (Remix data request, CSRF token). */
async function post(c: Client, path: string, fields: Record<string, string>) {
  const req: Sent = {
    method: "POST",
    path: `${path}${path.includes("?") ? "&" : "?"}_data=${encodeURIComponent(path.startsWith("/manage") ? "routes/manage.$id._index" : "routes/tenders.$id._index")}`,
    headers: { cookie: cookieHeader(c), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: c.csrf, ...fields }).toString(),
  };
  const res = await send(server, req);
  h.invalidate();
  return res;
}
