import { and, asc, desc, eq, gt } from "drizzle-orm";
import type { DbHandle } from "#db/client";
import { liveEvents } from "#db/schema/index";

export type LiveEvent = { channel: string; seq: number; type: string; data: unknown; at: string };
type Listener = (e: LiveEvent) => void;

/**
 * Fans committed live events out to subscribers (docs/decisions/003-command-layer-and-record.md). The command layer
 * writes the outbox row and NOTIFYs `th_live` with its id inside the transaction; every
 * app instance LISTENs, loads the row and delivers it. A client that reconnects asks
 * for `after(channel, seq)`, so nothing is lost across reconnects or restarts.
 */
export class LiveHub {
  private listeners = new Map<string, Set<Listener>>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(private readonly handle: DbHandle) {}

  async start(): Promise<void> {
    this.unlisten = await this.handle.listen("th_live", (payload) => {
      void this.deliver(Number(payload));
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
    this.listeners.clear();
  }

  subscribe(channel: string, fn: Listener): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(channel);
    };
  }

  async after(channel: string, seq: number, limit = 1000): Promise<LiveEvent[]> {
    const rows = await this.handle.db
      .select()
      .from(liveEvents)
      .where(and(eq(liveEvents.channel, channel), gt(liveEvents.seq, seq)))
      .orderBy(asc(liveEvents.seq))
      .limit(limit);
    return rows.map(toEvent);
  }

  async latestSeq(channel: string): Promise<number> {
    const [row] = await this.handle.db
      .select({ seq: liveEvents.seq })
      .from(liveEvents)
      .where(eq(liveEvents.channel, channel))
      .orderBy(desc(liveEvents.seq))
      .limit(1);
    return row?.seq ?? 0;
  }

  private async deliver(id: number): Promise<void> {
    if (!Number.isFinite(id)) return;
    const [row] = await this.handle.db.select().from(liveEvents).where(eq(liveEvents.id, id));
    if (!row) return;
    const set = this.listeners.get(row.channel);
    if (!set) return;
    const ev = toEvent(row);
    for (const fn of set) fn(ev);
  }
}

function toEvent(row: typeof liveEvents.$inferSelect): LiveEvent {
  return { channel: row.channel, seq: row.seq, type: row.type, data: row.data, at: row.at.toISOString() };
}
