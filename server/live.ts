import type { IncomingMessage, Server } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { z } from "zod";
import { actorForSession, SESSION_COOKIE } from "#app/services/accounts/auth.server";
import type { AppContext } from "#app/services/platform/context.server";
import { canSubscribe } from "#app/services/platform/live-channels.server";

const ClientMessage = z.object({
  type: z.literal("subscribe"),
  channel: z.string().max(200),
  /** The last sequence number the client has seen on this channel (catch-up); -1 = from now on. */
  after: z.number().int().min(-1).default(0),
});

/**
 * WebSocket endpoint `/live` on the same port as Remix. The upgrade is authenticated by the
 * session cookie; each subscription is authorised per channel, then the client receives
 * every event after its last sequence number followed by live events.
 */
export function attachLive(server: Server, app: AppContext) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/live") {
      socket.destroy();
      return;
    }
    void authenticate(req, app).then((actor) => {
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, actor, app));
    });
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) ws.ping();
  }, 30_000);
  heartbeat.unref();

  return {
    close() {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      wss.close();
    },
  };
}

async function authenticate(req: IncomingMessage, app: AppContext) {
  const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
  return actorForSession(app.db, token, req.socket.remoteAddress ?? null, req.headers["user-agent"] ?? null);
}

function onConnection(ws: WebSocket, actor: Awaited<ReturnType<typeof authenticate>>, app: AppContext) {
  const subs = new Map<string, () => void>();
  ws.on("message", (raw) => {
    let msg: z.infer<typeof ClientMessage>;
    try {
      msg = ClientMessage.parse(JSON.parse(String(raw)));
    } catch {
      ws.send(JSON.stringify({ type: "error", code: "VALIDATION" }));
      return;
    }
    if (!canSubscribe(actor, msg.channel)) {
      ws.send(JSON.stringify({ type: "error", code: "FORBIDDEN", channel: msg.channel }));
      return;
    }
    if (subs.has(msg.channel)) return;
    // Subscribe first, then catch up, de-duplicating by sequence number.
    let last = msg.after;
    const buffered: Parameters<Parameters<typeof app.hub.subscribe>[1]>[0][] = [];
    let caughtUp = false;
    const send = (e: (typeof buffered)[number]) => {
      if (e.seq <= last) return;
      last = e.seq;
      ws.send(frameOf(e));
    };
    subs.set(
      msg.channel,
      app.hub.subscribe(msg.channel, (e) => (caughtUp ? send(e) : buffered.push(e))),
    );
    const catchUp =
      msg.after === -1
        ? app.hub.latestSeq(msg.channel).then((seq) => {
            last = seq;
            return [];
          })
        : app.hub.after(msg.channel, msg.after);
    void catchUp.then((events) => {
      events.forEach(send);
      buffered.forEach(send);
      caughtUp = true;
      ws.send(JSON.stringify({ type: "subscribed", channel: msg.channel, seq: last }));
    });
  });
  ws.on("close", () => {
    for (const off of subs.values()) off();
    subs.clear();
  });
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

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}
