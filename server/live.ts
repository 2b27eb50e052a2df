import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { z } from "zod";
import { actorForSession, SESSION_COOKIE } from "#app/services/accounts/auth.server";
import type { Actor } from "#app/services/platform/actor";
import type { AppContext } from "#app/services/platform/context.server";
import { canSubscribe } from "#app/services/platform/live-channels.server";
import type { LiveEvent } from "#app/services/platform/live-hub.server";
import { acceptRequestId, clientIp, decodedCookie, isOwnOrigin, requestStore } from "./edge";
import { logError } from "./errors";

/**
 * Everything a client can make the `/live` endpoint do is bounded (docs/decisions/013): a
 * message that breaks a bound closes that one socket with a close code and a short reason;
 * nothing a client sends reaches a rejected promise or an unhandled 'error' event.
 */
export const LIVE_LIMITS = {
  /** Largest frame/message (a subscription is < 200 bytes); larger → close 1009 by the ws library. */
  maxPayloadBytes: 4 * 1024,
  /** Largest channel name; names must also match CHANNEL_PATTERN. */
  maxChannelLength: 80,
  /** Channels one socket may subscribe to (a page uses one to three). */
  maxSubscriptionsPerSocket: 16,
  /** Messages one socket may send per second; more → close 1008. */
  maxMessagesPerSecond: 20,
  /** Concurrent sockets (and upgrades being authenticated) per client address; more → 429 on the upgrade. */
  maxSocketsPerIp: 100,
  /** A socket whose unsent backlog exceeds this (a client that does not read) is dropped. */
  maxBufferedBytes: 1024 * 1024,
  /** Sequence numbers are PostgreSQL `integer` (live_events.seq). */
  maxSeq: 2_147_483_647,
  /** Ping interval; a socket that did not answer the previous ping is terminated. */
  heartbeatMs: 30_000,
} as const;

/** `portal`, `tender:<uuid>`, `opening:<uuid>`, `user:<uuid>`: a short word, optionally a colon and an id. */
const CHANNEL_PATTERN = /^[a-z]{1,16}(?::[0-9A-Za-z_-]{1,63})?$/;

const ClientMessage = z.object({
  type: z.literal("subscribe"),
  channel: z.string().max(LIVE_LIMITS.maxChannelLength).regex(CHANNEL_PATTERN),
  /** The last sequence number the client has seen on this channel (catch-up); -1 = from now on. */
  after: z.number().int().min(-1).max(LIVE_LIMITS.maxSeq).default(0),
});

/** Close codes (RFC 6455 §7.4.1) and the reasons sent with them (≤ 123 bytes). */
const CLOSE = {
  invalid: [1008, "invalid message"],
  tooManySubscriptions: [1008, "too many subscriptions"],
  rateLimited: [1008, "too many messages"],
  internal: [1011, "internal error"],
  shutdown: [1001, "server shutting down"],
} as const satisfies Record<string, readonly [number, string]>;

/**
 * WebSocket endpoint `/live` on the same port as Remix. The upgrade is authenticated by the
 * session cookie; each subscription is authorised per channel, then the client receives
 * every event after its last sequence number followed by live events.
 *
 * Origin: a browser always sends `Origin` on a WebSocket upgrade, and the session cookie goes
 * with it whichever site opened the socket, so an upgrade whose Origin is not this server's is
 * refused (403) before the cookie is read. Without an Origin (a non-browser client, which could
 * send any header anyway) the upgrade is served like any other: anonymous, or as the cookie's user.
 */
export function attachLive(server: Server, app: AppContext) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIVE_LIMITS.maxPayloadBytes, perMessageDeflate: false });
  const perIp = new Map<string, number>();
  const release = (ip: string) => {
    const n = (perIp.get(ip) ?? 1) - 1;
    if (n <= 0) perIp.delete(ip);
    else perIp.set(ip, n);
  };

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removes its own 'error' listener from an upgraded socket; until ws takes it over, ours
    // keeps a reset connection (ECONNRESET while the session is looked up) from crashing the process.
    const onSocketError = () => socket.destroy();
    socket.on("error", onSocketError);
    const requestId = acceptRequestId(req.headers["x-request-id"]);
    let pathname: string;
    try {
      pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    } catch {
      pathname = ""; // an absolute-form request target that is not a URL
    }
    if (pathname !== "/live") {
      socket.destroy();
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !isOwnOrigin(origin, req.headers, app.config.publicUrl)) {
      refuse(socket, 403, "Forbidden");
      return;
    }
    const ip = clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"]) ?? "unknown";
    if ((perIp.get(ip) ?? 0) >= LIVE_LIMITS.maxSocketsPerIp) {
      refuse(socket, 429, "Too Many Requests");
      return;
    }
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    let released = false;
    const releaseOnce = () => {
      if (!released) {
        released = true;
        release(ip);
      }
    };
    socket.once("close", releaseOnce);
    requestStore.run({ requestId }, () => {
      authenticate(req, app, ip).then(
        (actor) => {
          if (socket.destroyed) return;
          wss.handleUpgrade(req, socket, head, (ws) => {
            socket.off("error", onSocketError); // ws's own listener has taken over
            onConnection(ws, actor, app, requestId);
          });
        },
        (e: unknown) => {
          logError(requestId, "live: authenticating an upgrade failed", e);
          refuse(socket, 503, "Service Unavailable");
        },
      );
    });
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      const s = ws as WebSocket & { alive?: boolean };
      if (s.alive === false) {
        s.terminate();
        continue;
      }
      s.alive = false;
      try {
        s.ping();
      } catch {
        s.terminate();
      }
    }
  }, LIVE_LIMITS.heartbeatMs);
  heartbeat.unref();

  return {
    close() {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.close(...CLOSE.shutdown);
      wss.close();
    },
  };
}

/** Answers an upgrade with a bare HTTP status and drops the connection. */
function refuse(socket: Duplex, status: number, text: string) {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

async function authenticate(req: IncomingMessage, app: AppContext, ip: string): Promise<Actor | null> {
  const token = decodedCookie(req.headers.cookie, SESSION_COOKIE);
  if (!token) return null;
  return actorForSession(app.db, token, ip === "unknown" ? null : ip, req.headers["user-agent"] ?? null);
}

function onConnection(ws: WebSocket, actor: Actor | null, app: AppContext, requestId: string) {
  const subs = new Map<string, () => void>();
  const s = ws as WebSocket & { alive?: boolean };
  s.alive = true;
  ws.on("pong", () => {
    s.alive = true;
  });
  // Protocol errors (an oversized frame, bad framing, invalid UTF-8): ws has already sent the
  // close frame with the matching code (1009, 1002, 1007) and drops the connection if the peer
  // does not answer it; this listener only keeps the 'error' event from being unhandled.
  ws.on("error", () => {});
  const close = ([code, reason]: readonly [number, string]) => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
  };
  const send = (data: string) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > LIVE_LIMITS.maxBufferedBytes) {
      ws.terminate();
      return;
    }
    ws.send(data);
  };
  let windowStart = Date.now();
  let inWindow = 0;

  ws.on("message", (raw: RawData, isBinary: boolean) => {
    requestStore.run({ requestId }, () => {
      if (ws.readyState !== ws.OPEN) return; // closing: nothing more is read
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        inWindow = 0;
      }
      if (++inWindow > LIVE_LIMITS.maxMessagesPerSecond) return close(CLOSE.rateLimited);
      let msg: z.infer<typeof ClientMessage>;
      try {
        if (isBinary) throw new Error("binary frame");
        msg = ClientMessage.parse(JSON.parse(String(raw)));
      } catch {
        send(JSON.stringify({ type: "error", code: "VALIDATION" }));
        return close(CLOSE.invalid);
      }
      // Authorisation may ask the database (a review room's members, R42); a failure closes this socket only.
      canSubscribe(app.db, actor, msg.channel).then(
        (allowed) =>
          requestStore.run({ requestId }, () => {
            if (ws.readyState !== ws.OPEN) return;
            if (!allowed) {
              send(JSON.stringify({ type: "error", code: "FORBIDDEN", channel: msg.channel }));
              return;
            }
            if (subs.has(msg.channel)) return;
            if (subs.size >= LIVE_LIMITS.maxSubscriptionsPerSocket) return close(CLOSE.tooManySubscriptions);
            subscribe(msg.channel, msg.after);
          }),
        (e: unknown) => {
          logError(requestId, "live: a subscription check failed", e);
          close(CLOSE.internal);
        },
      );
    });
  });
  ws.on("close", () => {
    for (const off of subs.values()) off();
    subs.clear();
  });

  function subscribe(channel: string, after: number) {
    // Subscribe first, then catch up, de-duplicating by sequence number.
    let last = after;
    const buffered: LiveEvent[] = [];
    let caughtUp = false;
    const deliver = (e: LiveEvent) => {
      if (e.seq <= last) return;
      last = e.seq;
      send(frameOf(e));
    };
    subs.set(
      channel,
      app.hub.subscribe(channel, (e) => (caughtUp ? deliver(e) : buffered.push(e))),
    );
    const catchUp =
      after === -1
        ? app.hub.latestSeq(channel).then((seq) => {
            last = seq;
            return [];
          })
        : app.hub.after(channel, after);
    catchUp.then(
      (events) => {
        events.forEach(deliver);
        buffered.forEach(deliver);
        buffered.length = 0;
        caughtUp = true;
        send(JSON.stringify({ type: "subscribed", channel, seq: last }));
      },
      (e: unknown) => {
        logError(requestId, `live: catching up on ${channel} failed`, e);
        close(CLOSE.internal);
      },
    );
  }
}

/**
 * The message for one event, serialised once and shared by every subscriber it is sent to
 * (the hub hands the same event object to all of them; 5,000 viewers of one 唱标 → one JSON).
 */
const frames = new WeakMap<object, string>();
function frameOf(e: object): string {
  let f = frames.get(e);
  if (f === undefined) frames.set(e, (f = JSON.stringify({ type: "event", event: e })));
  return f;
}
