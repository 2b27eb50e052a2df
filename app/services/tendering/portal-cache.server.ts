import type { LiveHub } from "../platform/live-hub.server";

/**
 * A tiny micro-cache for public, anonymous reads (the portal list): results live for at
 * most `ttlMs` and are dropped at once when a `portal` live event arrives (publish, amend,
 * suspend, resume — emitted by the commands), so the public never sees stale state for
 * longer than the TTL even across instances. Bounded in size.
 */
export class MicroCache<V> {
  private entries = new Map<string, { at: number; value: Promise<V> }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 500,
  ) {}

  get(key: string, load: () => Promise<V>, now = Date.now()): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = load();
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { at: now, value });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  clear(): void {
    this.entries.clear();
  }

  /** Clears the cache whenever an event arrives on the channel. */
  invalidateOn(hub: LiveHub, channel: string): () => void {
    return hub.subscribe(channel, () => this.clear());
  }
}
