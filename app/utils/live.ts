import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";

/**
 * Subscribes to live channels over the `/live` WebSocket and revalidates the page's loaders
 * when an event arrives (pages stay correct without JavaScript; this only makes them live).
 * Reconnects with backoff and resumes after the last sequence number seen per channel.
 */
export function useLiveRevalidate(channels: (string | null | undefined)[], since?: Record<string, number | null | undefined>) {
  const { revalidate } = useRevalidator();
  const key = channels.filter(Boolean).join("|");
  const lastSeq = useRef(new Map<string, number>());
  // The channel's sequence number the page's data was read at (from the loader): the subscription replays every
  // event after it, so one that happened between the render and the socket's opening is not missed.
  for (const [channel, seq] of Object.entries(since ?? {})) {
    if (typeof seq === "number" && seq > (lastSeq.current.get(channel) ?? -1)) lastSeq.current.set(channel, seq);
  }
  useEffect(() => {
    if (!key || typeof WebSocket === "undefined") return;
    const list = key.split("|");
    let ws: WebSocket | null = null;
    let closed = false;
    let retry = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      ws = new WebSocket(`${proto}//${location.host}/live`);
      ws.onopen = () => {
        retry = 0;
        for (const channel of list) ws?.send(JSON.stringify({ type: "subscribe", channel, after: lastSeq.current.get(channel) ?? -1 }));
      };
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as { type: string; channel?: string; seq?: number; event?: { channel: string; seq: number } };
        if (msg.type === "subscribed" && msg.channel && msg.seq !== undefined) {
          lastSeq.current.set(msg.channel, Math.max(lastSeq.current.get(msg.channel) ?? 0, msg.seq));
        } else if (msg.type === "event" && msg.event) {
          lastSeq.current.set(msg.event.channel, msg.event.seq);
          revalidate();
        }
      };
      ws.onclose = () => {
        if (closed) return;
        timer = setTimeout(connect, Math.min(30_000, 1000 * 2 ** retry++));
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      ws?.close();
    };
  }, [key, revalidate]);
}
